"""The trainer's live page (Solara): presets, levers, playback, institution cards, live charts and the graph.

Run it with ``make app`` (or ``python -m app``); the page is ``Page``.

State lives in reactive variables of :func:`Page` (one set per browser tab). Changing a
preset, scenario or lever restarts the run at once (the previous run's lines stay on the
charts, faded, for comparison); "Reset" restarts it with the seed in the seed box. Only the
components that draw the run (:func:`Dashboard`, :func:`MonthCounter`) read the frame
counter — Mesa's ``update_counter``, so Mesa's own visualisation components added to the
page would redraw with it — and a step re-renders them and nothing else. The institution cards show what each institution (street office, residents' committee, Party
organisation, each social organisation, the units in the area together) decided this month, from
their ``card()``; what changed since last month is marked. Where the community has an estate
(``model.estate``: a property company, stairwells without a lift) the page adds the owners' committee and
property company cards, charts of fees paid, service and lifts, the estate's levers, and lets the graph
colour residents by whether their household paid this month's fee. Playing steps the
model in a thread (:func:`Player`) at the chosen number of steps per second.

Why not Mesa's ``SolaraViz`` shell itself: its parameters take effect only on "Reset" (a
trainer's switch must restart the run at once and presets must set the switches), its
Reset passes Mesa's ``scenario=`` to the model's constructor (``CommunityModel`` takes it
as a config key and refuses it), and its drawing is too slow for ten redraws a second
(``benchmarks/live_page.py`` measures Mesa's network and chart drawing beside this page's).

Nothing a user can enter raises into the page: values are clamped or refused by
:mod:`app.levers` with a message, and an error building or stepping a model is shown as one
line and stops playback.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import solara
from mesa.visualization.utils import update_counter
from solara.components.slider import _slider  # Solara's own slider widget, without its casts

from app import draw
from app import levers as L
from app.run import Ghost, Run, scenario_title

MAX_MONTHS = 1200
"""Playback pauses after 100 years (the charts stay readable and memory bounded)."""

CSS = """
.live-page { font-size: 18px; color: #111; padding: 6px 14px 14px 14px; }
.live-header h1 { font-size: 30px; font-weight: 600; margin: 4px 0 2px 0; }
.live-header .story { font-size: 19px; color: #333; margin: 0 0 4px 0; max-width: 1500px; }
.live-grid { display: grid; grid-template-columns: 380px minmax(0, 1fr); gap: 18px; align-items: start; }
.controls .v-card { margin-bottom: 12px; }
.controls h3 { font-size: 20px; font-weight: 600; margin: 6px 0 6px 0; }
.controls .v-btn { font-size: 17px !important; letter-spacing: 0 !important; text-transform: none !important; }
.controls .v-label { font-size: 18px !important; color: #111 !important; }
.controls .v-input { font-size: 18px !important; }
.controls .v-input__details { display: none !important; }
.controls .v-switch .v-selection-control { min-height: 42px !important; }
.controls .v-slider { margin-left: 4px !important; margin-right: 4px !important; }
.controls .lever-label { font-size: 18px; margin-top: 8px; }
.controls .lever-label b { font-size: 19px; }
.controls .v-btn-group .v-btn { font-size: 18px !important; min-width: 76px !important; }
.controls .scenario-toggle { flex-wrap: wrap !important; height: auto !important; }
.controls .scenario-toggle .v-btn { height: 42px !important; }
.preset-btn { width: 100%; margin-bottom: 6px; justify-content: flex-start !important; height: 44px !important; }
.play-row .v-btn { height: 48px !important; min-width: 104px !important; font-size: 19px !important; }
#month { font-size: 34px; font-weight: 700; line-height: 1.1; }
#month .sub { font-size: 18px; font-weight: 400; color: #444; }
.caption-line { font-size: 16px; color: #333; margin-bottom: 8px; }
.tiles { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 10px; margin-bottom: 12px; }
.tile { border: 2px solid #ddd; border-radius: 8px; padding: 6px 12px; background: #fff; }
.tile .label { font-size: 17px; color: #333; }
.tile .value { font-size: 36px; font-weight: 700; line-height: 1.15; }
.tile .ghost { font-size: 15px; color: #666; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; margin-bottom: 12px; }
.card { border: 2px solid #ddd; border-radius: 8px; padding: 4px 10px 6px 10px; background: #fff; }
.card.wide { grid-column: span 2; }
.card.wide .entries { column-count: 2; column-gap: 18px; }
.card .title { font-size: 18px; font-weight: 700; margin-bottom: 2px; }
.card .entry { display: flex; justify-content: space-between; gap: 8px; font-size: 16px; line-height: 1.35;
  break-inside: avoid; }
.card .entry .k { color: #333; }
.card .entry .v { font-weight: 700; white-space: nowrap; }
.card .entry.changed .v { background: #FFE8A3; border-radius: 3px; padding: 0 3px; }
.panels { display: grid; grid-template-columns: minmax(0, 40fr) minmax(0, 60fr); gap: 14px; }
.panel { border: 1px solid #ddd; border-radius: 8px; padding: 6px 10px; background: #fff; }
.panel h2 { font-size: 21px; font-weight: 600; margin: 2px 0 4px 0; }
.panel h2 .now { font-weight: 700; }
.charts { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 16px; margin: 2px 0; align-items: center; }
.legend-item { display: inline-flex; align-items: center; gap: 5px; white-space: nowrap; }
.legend .dot { display: inline-block; width: 16px; height: 16px; border-radius: 50%; border: 1px solid #fff; }
.legend .tie { display: inline-block; width: 26px; height: 0; border-top: 2px solid rgba(0,0,0,.5); }
.legend .hint { color: #555; }
.graph-head { display: flex; justify-content: space-between; align-items: center; gap: 8px; flex-wrap: wrap; }
.colour-toggle .v-btn { font-size: 16px !important; letter-spacing: 0 !important; text-transform: none !important; }
@media (max-width: 1500px) {  /* smaller projectors (1280 × 800): everything still on one screen */
  .live-page { padding: 4px 8px; }
  .live-header h1 { font-size: 26px; }
  .live-header .story { font-size: 17px; }
  .live-grid { grid-template-columns: 300px minmax(0, 1fr); gap: 10px; }
  .preset-btn { height: 38px !important; }
  .tile .value { font-size: 30px; }
  .tile .label { font-size: 15px; }
  .cards { grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 8px; }
  .card { padding: 3px 7px 5px 7px; }
  .card.wide { grid-column: auto; }  /* one row of cards: the street office's card grows taller instead */
  .card.wide .entries { column-count: 1; }
  .card .title { font-size: 16px; }
  .card .entry { font-size: 14px; }
  .panel h2 { font-size: 18px; }
  .legend { font-size: 14px; }
  .legend .hint { display: none; }
  .charts { gap: 8px; }
}
.notice { font-size: 19px !important; margin-bottom: 8px; }
.v-alert.notice { background: #FFF6E5 !important; color: #4A2C00 !important; border: 2px solid #E69F00 !important; }
.v-alert.notice.v-alert--type-error, .v-alert.notice.error--text {
  background: #FDECEA !important; color: #5F1A0E !important; border-color: #D55E00 !important; }
"""


def _initial(presets: dict, key: str) -> tuple[L.Levers, Run | None, str | None]:
    preset = presets[key]
    levers = L.levers_from_config(L.base_config(preset))
    try:
        return levers, Run(preset, preset.scenario, levers, 0), None
    except Exception as e:  # noqa: BLE001 - shown as a message, never a traceback
        return levers, None, f"Could not build the {preset.label!r} community: {e}"


@solara.component
def Page():
    """The whole page (Solara's entry point for ``solara run app.page``)."""
    try:
        presets, default_key = L.load_presets()
    except Exception as e:  # noqa: BLE001
        solara.Error(f"The presets could not be read: {e}")
        return
    init = solara.use_memo(lambda: _initial(presets, default_key), [])
    preset_key = solara.use_reactive(default_key)
    scenario = solara.use_reactive(presets[default_key].scenario)
    levers = solara.use_reactive(init[0])
    seed = solara.use_reactive(0)
    speed = solara.use_reactive(L.DEFAULT_SPEED)
    run = solara.use_reactive(init[1])
    ghost = solara.use_reactive(None)
    frame = update_counter  # Mesa's redraw signal (per browser session): Mesa's own components follow it too
    playing = solara.use_reactive(False)
    notice = solara.use_reactive(None)
    error = solara.use_reactive(init[2])

    preset = presets[preset_key.value]

    def restart(*, preset_to=None, scenario_to=None, levers_to=None, seed_to=None, keep_ghost=True):
        """Build a new run from the page's choices; keep the old run's lines as the ghost."""
        p = presets[preset_to or preset_key.value]
        sc = scenario_to or (scenario.value if preset_to is None else p.scenario)
        lev = levers_to or levers.value
        sd = seed.value if seed_to is None else seed_to
        try:
            new = Run(p, sc, lev, sd)
        except Exception as e:  # noqa: BLE001 - a config error is shown, the old run kept
            error.value = f"Could not start the run: {e}"
            playing.value = False
            return
        old = run.value
        ghost.value = old.ghost() if keep_ghost and old is not None and old.steps > 0 else (
            ghost.value if keep_ghost else None)
        preset_key.value, scenario.value, levers.value, seed.value = p.key, sc, lev, sd
        run.value = new
        error.value = None
        frame.value += 1

    def starting_levers(p, name: str | None = None):
        """The levers a scenario sets, or None (with the error shown) if it cannot be composed."""
        try:
            return L.levers_from_config(L.base_config(p, name))
        except Exception as e:  # noqa: BLE001 - e.g. a broken scenario file: one line, the old run kept
            error.value = f"Could not load {name or p.scenario}: {e}"
            playing.value = False
            return None

    def choose_preset(key: str):
        notice.value = None
        lev = starting_levers(presets[key])
        if lev is not None:
            restart(preset_to=key, levers_to=lev, keep_ghost=False)

    def choose_scenario(name: str):
        notice.value = None
        lev = starting_levers(preset, name)
        if lev is not None:
            restart(scenario_to=name, levers_to=lev)

    def set_lever(name: str, value):
        new, message = L.set_lever(levers.value, name, value)
        notice.value = message
        if new != levers.value:
            restart(levers_to=new)

    def step_once():
        r = run.value
        if r is None:
            return
        try:
            r.step()
        except Exception as e:  # noqa: BLE001
            error.value = f"The model stopped at month {r.steps}: {e}"
            playing.value = False
        frame.value += 1

    def reset(seed_text: str | None = None) -> int:
        """Restart with the seed typed in (clamped or refused with a message); return the seed used."""
        sd = seed.value
        if seed_text is not None:
            sd, message = L.parse_seed(seed_text, seed.value)
            notice.value = message
            if sd is None:  # refused: the run goes on
                return seed.value
        restart(seed_to=sd)
        return seed.value

    solara.Title("cogov · live page")
    solara.Style(CSS)
    with solara.Div(classes=["live-page"]):
        solara.HTML(tag="div", classes=["live-header"], unsafe_innerHTML=(
            f"<h1>{preset.label}</h1><p class='story' id='story'>{preset.story}</p>"))
        with solara.Div(classes=["live-grid"]):
            with solara.Div(classes=["controls"]):
                Controls(presets, preset_key.value, scenario.value, levers.value, seed, speed, playing,
                         run, frame, choose_preset, choose_scenario, set_lever, step_once, reset)
            with solara.Div(classes=["main"]):
                if notice.value:  # at the top, where the room sees it
                    solara.Warning(notice.value, classes=["notice"])
                if error.value:
                    solara.Error(error.value, classes=["notice"])
                Dashboard(run, ghost, frame)
    Player(run, frame, playing, speed, error, notice, step_once)


@solara.component
def Controls(presets, preset_key, scenario, levers, seed, speed, playing, run, frame,
             choose_preset, choose_scenario, set_lever, step_once, reset):
    """The left column: presets, playback and levers."""
    preset = presets[preset_key]
    seed_text = solara.use_reactive(str(seed.value))
    solara.use_effect(lambda: seed_text.set(str(seed.value)), [seed.value])

    def commit_seed(text):
        """Enter or leaving the seed box: restart with the seed typed (also called when the box is set)."""
        if text == str(seed.value):
            return
        seed_text.set(str(reset(text)))  # the box shows the seed actually used

    def reset_click():
        seed_text.set(str(reset(seed_text.value)))

    with solara.Card(classes=["presets"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Preset")
        for key, p in presets.items():
            solara.Button(p.label, on_click=lambda key=key: choose_preset(key), classes=["preset-btn"],
                          color="primary" if key == preset_key else None, outlined=key != preset_key)
        if len(preset.scenarios) > 1:
            solara.HTML(tag="h3", unsafe_innerHTML="Scenario")
            solara.ToggleButtonsSingle(value=scenario, on_value=choose_scenario, classes=["scenario-toggle"],
                                       children=[solara.Button(scenario_title(s), value=s) for s in preset.scenarios])

    with solara.Card(classes=["playback"]):
        MonthCounter(run, frame)
        with solara.Row(classes=["play-row"], justify="start"):
            solara.Button("Step", on_click=step_once, color="primary", disabled=playing.value or run.value is None)
            solara.Button("❚❚ Pause" if playing.value else "▶ Play", color="primary",
                          on_click=lambda: playing.set(not playing.value), disabled=run.value is None)
        solara.HTML(tag="div", classes=["lever-label"],
                    unsafe_innerHTML=f"Speed: <b>{speed.value}</b> months per second")
        Slider(speed.value, *L.SPEED_RANGE, 1, on_raw=lambda v: speed.set(L.clamp_speed(v)[0]))
        with solara.Row(justify="start", style={"align-items": "center"}):
            solara.InputText("Seed", value=seed_text, on_value=commit_seed, style={"max-width": "150px"},
                             classes=["seed-input"])
            solara.Button("Reset", on_click=reset_click, color="secondary", outlined=True)

    with solara.Card(classes=["levers"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Levers")
        solara.HTML(tag="div", classes=["lever-label"], unsafe_innerHTML=L.LABELS["consultation"])
        solara.ToggleButtonsSingle(value=levers.consultation, on_value=lambda v: set_lever("consultation", v),
                                   classes=["consultation-toggle"],
                                   children=[solara.Button(m, value=m) for m in L.CONSULTATION_MODES])
        estate = run.value is not None and run.value.estate
        for name in L.SWITCHES + (L.ESTATE_SWITCHES if estate else ()):  # the estate's only where there is one
            solara.Switch(label=L.LABELS[name], value=getattr(levers, name),
                          on_value=lambda v, name=name: set_lever(name, v), classes=[f"switch-{name}"])
        solara.HTML(tag="div", classes=["lever-label"],
                    unsafe_innerHTML=f"{L.LABELS['free_rider_share']}: <b>{levers.free_rider_share:.0%}</b>")
        Slider(levers.free_rider_share, *L.FREE_RIDER_SHARE_RANGE, 0.05,
               on_raw=lambda v: set_lever("free_rider_share", v))
        adults = run.value.model.n_residents if run.value is not None else 0
        solara.HTML(tag="div", classes=["lever-label"], unsafe_innerHTML=(
            f"Community size: <b>{levers.buildings}</b> building{'s' if levers.buildings != 1 else ''}"
            f" ({adults:,} adults)"))
        Slider(levers.buildings, *L.BUILDINGS_RANGE, 1, on_raw=lambda v: set_lever("buildings", v))


@solara.component
def Slider(value, min_value, max_value, step, on_raw):
    """A slider that hands the browser's value to ``on_raw`` as sent, for :mod:`app.levers` to cast and
    clamp (with a message). Solara's ``SliderInt``/``SliderFloat`` call ``int()``/``float()`` on it
    first, so a forged websocket frame ("fast", NaN, Infinity, 1e400) would raise into the page."""
    return _slider(value, on_raw, "", min_value, max_value, step, False, None, False)


@solara.component
def MonthCounter(run, frame):
    """'Month 14' with the year: re-rendered every frame."""
    frame.value  # noqa: B018 - subscribe to frames
    r = run.value
    step = r.steps if r is not None else 0
    solara.HTML(tag="div", attributes={"id": "month", "data-step": str(step)}, unsafe_innerHTML=(
        f"Month {step} <span class='sub'>(year {step // 12 + 1})</span>"))


@solara.component
def Dashboard(run, ghost, frame):
    """Tiles, institution cards, the social-capital graph and the charts of the current run: re-rendered
    every frame. With property fees the graph can be coloured by whose household paid (a choice kept per tab)."""
    frame.value  # noqa: B018 - subscribe to frames
    colour_by = solara.use_reactive(draw.ACTIVITY.key)
    r: Run | None = run.value
    if r is None:
        solara.Info("No run: choose a preset.")
        return
    g: Ghost | None = ghost.value
    latest = r.model.latest
    solara.HTML(tag="div", classes=["caption-line"], attributes={"id": "run-caption"}, unsafe_innerHTML=(
        f"<b>This run:</b> {r.label} · {r.model.n_residents} adults"
        + (f"<br><span style='color:#666'><b>Previous run (faded):</b> {g.label}</span>" if g else "")))
    solara.HTML(tag="div", classes=["tiles"], unsafe_innerHTML=_tiles(latest, g, r.steps))
    solara.HTML(tag="div", unsafe_innerHTML=r.cards_html())
    colouring = draw.COLOURINGS[colour_by.value] if r.has_fees else draw.ACTIVITY
    network, counts = r.network_svg(colouring)
    x_max = draw.months_axis(max(r.steps, len(next(iter(g.series.values()))) - 1 if g else 0))
    with solara.Div(classes=["panels"]):
        with solara.Div(classes=["panel", "graph-panel"]):
            with solara.Div(classes=["graph-head"]):
                solara.HTML(tag="h2", unsafe_innerHTML=f"{colouring.title}, on the social-capital graph")
                if r.has_fees:
                    solara.ToggleButtonsSingle(value=colouring.key, on_value=colour_by.set, classes=["colour-toggle"],
                                               children=[solara.Button("What they did", value=draw.ACTIVITY.key),
                                                         solara.Button("Fee paid", value=draw.FEES.key)])
            solara.HTML(tag="div", attributes={"id": "graph", "data-colouring": colouring.key},
                        unsafe_innerHTML=network + draw.network_legend(counts, colouring))
        with solara.Div(classes=["charts"]):
            for spec in _charts(r, g):
                title, now, chart_id, series, ghosts = spec
                solara.HTML(tag="div", classes=["panel"], unsafe_innerHTML=(
                    f"<h2>{title} <span class='now'>{now}</span></h2>"
                    + draw.line_chart(series, ghosts, x_max, chart_id)
                    + draw.chart_legend(series, bool(ghosts))))


def _tiles(latest: dict, ghost: Ghost | None, step: int) -> str:
    def tile(tile_id: str, label: str, key: str, hint: str = "") -> str:
        value = latest[key]
        prev = ""
        if ghost is not None and key in ghost.series and len(ghost.series[key]) > step:
            prev = f"<div class='ghost'>previous run at month {step}: {draw.pct(ghost.series[key][step])}</div>"
        return (f"<div class='tile' id='{tile_id}' data-value='{value!r}'><div class='label'>{label}</div>"
                f"<div class='value'>{draw.pct(value)}</div>{hint}{prev}</div>")

    return "".join([
        tile("tile-participation", "Took part this month", "participation_rate"),
        tile("tile-free-riders", "Free riders (benefited, took no part)", "free_riding_rate"),
        tile("tile-contribution", "Mean contribution (share of time)", "mean_contribution"),
        tile("tile-trust", "Trust in government", "trust_in_government"),
    ])


def _charts(r: Run, g: Ghost | None):
    """(title, current value, id, lines, previous run's lines) of each chart."""
    def ghost_of(key: str, colour: str, width: float = 3.0):
        if g is None or not np.isfinite(g.series[key]).any():  # none, or a run without the metric (no estate)
            return []
        return [draw.Series("previous", g.series[key], colour, width)]

    latest = r.model.latest
    participation = [
        draw.Series("everyone", r.series("participation_rate"), draw.BLACK, 4.5),
        draw.Series("18–34", r.series("participation_rate_youth"), draw.ORANGE, 3, "10 5"),
        draw.Series("35–59", r.series("participation_rate_middle"), draw.SKY_BLUE, 3, "2 4"),
        draw.Series("60+", r.series("participation_rate_elderly"), draw.GREEN, 3, "12 4 2 4"),
    ]
    charts = [
        ("Participation", draw.pct(latest["participation_rate"]), "chart-participation", participation,
         ghost_of("participation_rate", draw.BLACK, 4.5)),
        ("Free-rider share", draw.pct(latest["free_riding_rate"]), "chart-free-riders",
         [draw.Series("benefited without taking part", r.series("free_riding_rate"), draw.VERMILLION, 4)],
         ghost_of("free_riding_rate", draw.VERMILLION, 4)),
        ("Mean contribution", draw.pct(latest["mean_contribution"]), "chart-contribution",
         [draw.Series("share of residents' time budget", r.series("mean_contribution"), draw.BLUE, 4)],
         ghost_of("mean_contribution", draw.BLUE, 4)),
        ("Trust in government", draw.pct(latest["trust_in_government"]), "chart-trust",
         [draw.Series("mean trust (0–100%)", r.series("trust_in_government"), draw.PURPLE, 4)],
         ghost_of("trust_in_government", draw.PURPLE, 4)),
    ]
    estate = []  # first, where there is an estate: what its preset is about
    if r.has_fees:
        estate.append((
            "Property fees and service", f"{draw.pct(latest['fee_collection'])} paid", "chart-estate",
            [draw.Series("households that paid this month's fee", r.series("fee_collection"), draw.BLUE, 4),
             draw.Series("the property company's service (share of full service)", r.series("property_service"),
                         draw.ORANGE, 3, "10 5")],
            ghost_of("fee_collection", draw.BLUE, 4)))
    if r.estate and r.model.config.community.lift_share < 1.0:
        estate.append((
            "Stairwells with a lift", draw.pct(latest["entrances_with_lift"]), "chart-lifts",
            [draw.Series("share of stairwells with a working lift", r.series("entrances_with_lift"),
                         draw.GREEN, 4)],
            ghost_of("entrances_with_lift", draw.GREEN, 4)))
    return estate + charts


@solara.component
def Player(run, frame, playing, speed, error, notice, step_once):
    """Steps the model while playing, at ``speed`` steps per second (a thread per play)."""

    def loop(cancel: threading.Event):
        if not playing.value:
            return
        deadline = time.perf_counter()
        while playing.value and not cancel.is_set():
            r = run.value
            if r is None:
                break
            if r.steps >= MAX_MONTHS:
                notice.value = f"Paused at month {MAX_MONTHS}: press Reset to start again."
                playing.value = False
                break
            step_once()
            deadline += 1.0 / max(speed.value, 1)
            delay = deadline - time.perf_counter()
            if delay > 0:
                cancel.wait(delay)
            else:  # slower than asked: don't try to catch up in a burst
                deadline = time.perf_counter()

    solara.use_thread(loop, dependencies=[playing.value], intrusive_cancel=False)
