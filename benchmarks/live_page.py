"""How fast the trainer's live page runs and redraws the default 300-resident demo.

    .venv/bin/python benchmarks/live_page.py              # server-side profile + real browser
    .venv/bin/python benchmarks/live_page.py --no-browser # server-side profile only
    .venv/bin/python benchmarks/live_page.py --profile    # plus a pyinstrument profile of 100 frames

Prints, for the default preset ("free riders take hold", ~300 residents):

1. **server side**: the cost of one model step, of drawing the graph, the institution cards
   (HTML) and the four charts (SVG), and of a whole frame (step + Solara re-render, measured through
   ``solara.render`` by pressing "Step"); for comparison, what Mesa's own drawing would
   cost per frame (networkx spring layout, Mesa's ``NetworkSpaceDrawer`` with a
   precomputed layout drawn by matplotlib to PNG, matplotlib and Altair line charts);
2. **in Chromium** (headless, through Playwright): with the page playing at 10 and at 30
   months per second, how many months per second the model advanced and how many
   distinct months per second the browser painted in the graph (sampled every animation
   frame) — the "steps per second redrawn" figure. The issue asks for at least 10.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def per_call_ms(f, n: int) -> float:
    f()
    t = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t) / n * 1000


def server_side(profile: bool) -> dict[str, float]:
    import ipyvuetify as v
    import solara

    from app import page as page_mod
    from app.levers import base_config, levers_from_config, load_presets
    from app.run import Run

    presets, key = load_presets()
    preset = presets[key]
    run = Run(preset, preset.scenario, levers_from_config(base_config(preset)), seed=0)
    n = run.model.n_residents
    out: dict[str, float] = {"residents": n}
    out["model step"] = per_call_ms(run.step, 200)
    out["graph SVG"] = per_call_ms(run.network_svg, 200)
    out["institution cards HTML"] = per_call_ms(run.cards_html, 200)
    out["4 charts SVG"] = per_call_ms(lambda: [page_mod.draw.line_chart(s, gh, 120, i)
                                               for _, _, i, s, gh in page_mod._charts(run, None)], 200)

    box, rc = solara.render(page_mod.Page(), handle_error=False)
    step = rc.find(v.Btn, children=["Step"]).widget
    for _ in range(24):  # a couple of years on the charts
        step.click()
    out["frame (step + re-render)"] = per_call_ms(step.click, 200)
    if profile:
        from pyinstrument import Profiler

        prof = Profiler(interval=0.0005)
        prof.start()
        for _ in range(100):
            step.click()
        prof.stop()
        print(prof.output_text(unicode=True, color=False, show_all=False))
    rc.close()

    # What Mesa's own drawing would cost for the same graph (for comparison).
    import altair as alt
    import matplotlib
    import networkx as nx

    matplotlib.use("agg")
    from matplotlib.figure import Figure
    from mesa.discrete_space import Network
    from mesa.visualization.space_drawers import NetworkSpaceDrawer

    G = run.model.social_graph()
    t = time.perf_counter()
    pos = nx.spring_layout(G, seed=0)
    out["mesa: spring layout (once per drawer)"] = (time.perf_counter() - t) * 1000
    drawer = NetworkSpaceDrawer(Network(G, layout=pos), layout_alg=lambda g, **k: pos)
    xy = np.array([pos[i] for i in range(n)])
    colours = np.where(run.model.state.participated, "#0072B2", "#D55E00")

    def mpl_network():
        fig = Figure(figsize=(6, 6))
        ax = fig.subplots()
        drawer.draw_matplotlib(ax)
        ax.scatter(xy[:, 0], xy[:, 1], c=colours, s=20, zorder=2)
        fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")

    out["mesa: network frame, matplotlib PNG"] = per_call_ms(mpl_network, 10)
    df = run.model.datacollector.get_model_vars_dataframe()
    cols = ["participation_rate", "participation_rate_youth", "participation_rate_middle", "participation_rate_elderly"]

    def mpl_chart():
        fig = Figure(figsize=(6, 4))
        ax = fig.subplots()
        for c in cols:
            ax.plot(df[c])
        fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")

    out["mesa: one line chart, matplotlib PNG"] = per_call_ms(mpl_chart, 10)

    def altair_chart():
        d = df.reset_index().rename(columns={"index": "Step"}).melt(
            id_vars=["Step"], value_vars=cols, var_name="Measure", value_name="Value")
        alt.Chart(d).mark_line().encode(x="Step:Q", y="Value:Q", color="Measure:N").interactive().to_dict()

    out["mesa: one line chart, Altair spec"] = per_call_ms(altair_chart, 10)
    return out


SAMPLER = """() => {
  window.__painted = new Set(); window.__sampling = true;
  const tick = () => {
    const svg = document.querySelector('#graph svg');
    if (svg) window.__painted.add(svg.dataset.step);
    if (window.__sampling) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def in_browser(seconds: float) -> list[tuple[int, float, float]]:
    """(speed setting, months per second advanced, distinct months per second painted)."""
    from playwright.sync_api import sync_playwright

    from app import browser as B

    results = []
    with B.serving() as url, sync_playwright() as p:
        browser = B.launch(p)
        page = B.open_page(browser, url)
        for speed in (10, 30):
            set_speed(page, speed)
            page.get_by_role("button", name="Reset").click()
            page.wait_for_function("document.querySelector('#month').dataset.step === '0'")
            page.evaluate(SAMPLER)
            page.get_by_role("button", name="▶ Play").click()
            start_month, t0 = B.month(page), time.perf_counter()
            time.sleep(seconds)
            end_month, t1 = B.month(page), time.perf_counter()
            painted = page.evaluate("() => { window.__sampling = false; return window.__painted.size; }")
            page.get_by_role("button", name="❚❚ Pause").click()
            results.append((speed, (end_month - start_month) / (t1 - t0), painted / (t1 - t0)))
        browser.close()
    return results


def set_speed(page, speed: int) -> None:
    """Move the speed slider with the keyboard (Home, then right arrow)."""
    slider = page.locator(".playback .v-slider [role=slider]").first
    slider.focus()
    slider.press("Home")
    for _ in range(speed - 1):
        slider.press("ArrowRight")
    page.wait_for_function(f"document.querySelector('.playback').innerText.includes('Speed: {speed} ')")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium measurement")
    ap.add_argument("--profile", action="store_true", help="print a pyinstrument profile of 100 frames")
    ap.add_argument("--seconds", type=float, default=6.0, help="seconds of play per browser measurement")
    args = ap.parse_args()

    res = server_side(args.profile)
    print(f"server side, default preset ({int(res.pop('residents'))} residents), ms per call:")
    for k, val in res.items():
        print(f"  {k:<42} {val:8.2f} ms")
    frame = res["frame (step + re-render)"]
    print(f"  => at most {1000 / frame:.0f} frames per second from the server (one step per frame)")
    if not args.no_browser:
        print(f"in Chromium (headless), {args.seconds:g} s of play at each speed setting:")
        for speed, advanced, painted in in_browser(args.seconds):
            print(f"  speed {speed:>2}/s: model advanced {advanced:5.1f} steps/s, "
                  f"graph redrawn {painted:5.1f} distinct steps/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
