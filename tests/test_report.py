"""The analyst's report: sections, embedded figures, numbers, colours, command line, browser.

The results directories are built from real (small, short) model runs by
``tests/results_fixture.py``; each report is built once per session.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy import stats as sps

import results_fixture as fx
from analysis import figures, network, stats
from analysis import report as report_mod
from analysis.labels import (COST_PER_PARTICIPANT, COST_PER_PROJECT, ESTATE_OUTCOMES, GOVERNMENT_CHOICES, HEADLINE,
                             INSTITUTION_OUTCOMES, LIFT_OUTCOMES, metric)
from analysis.palette import FIXED, OKABE_ITO, scenario_colours
from analysis.report import SECTIONS, build_report, money_outcomes
from conftest import run_cli
from model.community import CommunityModel


WITHOUT_ESTATE = [s for s in SECTIONS["compare"] if s != "estate"]
"""A compare report's sections for a community without an estate (the default's)."""

# ------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="session")
def compare_report(tmp_path_factory):
    out = fx.build_compare(tmp_path_factory.mktemp("compare"), seeds=range(3), steps=24)
    return build_report(out)


@pytest.fixture(scope="session")
def estate_report(tmp_path_factory):
    out = fx.build_compare(tmp_path_factory.mktemp("estate"), scenarios=("no_property_supervision",
                           "building_deliberation"), community="old_estate", seeds=range(3), steps=36)
    return build_report(out)


@pytest.fixture(scope="session")
def sweep_report(tmp_path_factory):
    out = fx.build_sweep(tmp_path_factory.mktemp("sweep"), seeds=range(2), steps=18)
    return build_report(out)


@pytest.fixture(scope="session")
def sobol_report(tmp_path_factory):
    out = fx.build_sensitivity(tmp_path_factory.mktemp("sobol"), method="sobol", samples=8, steps=18)
    return build_report(out)


@pytest.fixture(scope="session")
def morris_report(tmp_path_factory):
    out = fx.build_sensitivity(tmp_path_factory.mktemp("morris"), method="morris", samples=4, steps=18)
    return build_report(out)


class Page(HTMLParser):
    """The parts of a report page the tests look at."""

    def __init__(self, html: str):
        super().__init__()
        self.sections: list[str] = []
        self.images: list[dict] = []
        self.links: list[str] = []
        self.tables: dict[str, list[list[str]]] = {"headline": [], "money": []}
        """Rows of the headline-style tables (the headline's and the estate's, in order) and the money table."""
        self.rows = self.tables["headline"]
        self._table_class = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.sections.append(a.get("id"))
        elif tag == "img":
            self.images.append(a)
        elif tag in ("a", "link", "script"):
            self.links.append(a.get("href") or a.get("src") or "")
        elif tag == "table":
            self._table_class = a.get("class")
        elif tag == "tr" and self._table_class in self.tables:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.tables[self._table_class].append(self._row)
            self._row = None
        elif tag == "table":
            self._table_class = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data + " ")


def decode(img: dict) -> np.ndarray:
    src = img["src"]
    assert src.startswith("data:image/png;base64,"), src[:40]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("RGB"))


def assert_nontrivial(pixels: np.ndarray) -> None:
    """A real figure: of a reasonable size, not blank, with a spread of colours."""
    h, w, _ = pixels.shape
    assert w >= 600 and h >= 250, (w, h)
    inked = (pixels < 235).any(axis=2).mean()
    assert 0.02 < inked < 0.98, inked
    assert pixels.std() > 20
    assert len(np.unique(pixels.reshape(-1, 3)[::7], axis=0)) > 50


def page(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------- compare
@pytest.mark.slow
def test_compare_report_holds_every_section_in_order(compare_report):
    assert compare_report.name == "report.html"
    assert page(compare_report).sections == WITHOUT_ESTATE, "the default community has no estate: no estate section"
    html = compare_report.read_text(encoding="utf-8")
    assert metric("fee_collection").label not in html and "estate.csv" not in html
    assert not (compare_report.parent / "estate.csv").exists()


@pytest.mark.slow
def test_every_embedded_figure_decodes_to_a_real_image(compare_report):
    p = page(compare_report)
    assert len(p.images) >= 6  # ≥4 time-series groups, age groups, graph
    for img in p.images:
        assert_nontrivial(decode(img))
        assert img.get("alt")


@pytest.mark.slow
def test_report_needs_no_server_and_no_network(compare_report):
    html = compare_report.read_text(encoding="utf-8")
    p = page(compare_report)
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", html)
    assert "@import" not in html and "<script" not in html
    for link in p.links:
        assert not link.startswith(("http:", "https:", "//")), link
        if link and not link.startswith("#"):
            assert (compare_report.parent / link).is_file(), link  # local files beside the report


@pytest.mark.slow
def test_figures_are_written_as_png_and_svg_beside_the_report(compare_report):
    figdir = compare_report.parent / "figures"
    pngs = sorted(figdir.glob("*.png"))
    assert {p.stem for p in pngs} == {p.stem for p in figdir.glob("*.svg")}
    assert {"participation_by_age", "social_capital_graph", "timeseries_1"} <= {p.stem for p in pngs}
    for p in pngs:
        assert_nontrivial(np.asarray(Image.open(p).convert("RGB")))
        assert ET.parse(p.with_suffix(".svg")).getroot().tag.endswith("svg")


@pytest.mark.slow
def test_headline_table_has_each_outcome_with_intervals_and_differences(compare_report):
    rows = page(compare_report).rows
    labels = [r[0] for r in rows]
    for m in HEADLINE:
        assert any(lab.startswith(metric(m).label) for lab in labels), m
    interval = r"\[[^\]]+, [^\]]+\]"
    for r in rows:
        assert len(r) == 4  # outcome, baseline, other scenario, difference
        assert re.search(interval, r[1]) and re.search(interval, r[2])
        assert re.search(r"g = ", r[3]) and re.search(interval, r[3])


@pytest.mark.slow
def test_headline_numbers_match_the_runs(compare_report):
    """The table uses summary.parquet where it has the metric and computes the cost per completed
    project (which this summary lacks) from the final month of each run."""
    d = compare_report.parent
    table = pd.read_csv(d / "headline.csv")
    summary = pd.read_parquet(d / "summary.parquet")
    ts = pd.read_parquet(d / "timeseries.parquet")
    for s in ("top_down", "co_creation"):
        mine = table[(table.scenario == s) & (table.metric == "participation_rate")]["mean"].item()
        theirs = summary[(summary.scenario == s) & (summary.metric == "participation_rate")]["mean"].item()
        assert mine == pytest.approx(theirs, rel=1e-6)
        final = ts[(ts.scenario == s) & (ts.step == ts.step.max())]
        ok = final.projects_completed_total > 0
        expected = (final.government_spending_total[ok] / final.projects_completed_total[ok]).mean() if ok.any() \
            else np.nan
        got = table[(table.scenario == s) & (table.metric == COST_PER_PROJECT)]["mean"].item()
        assert got == pytest.approx(expected, rel=1e-6, nan_ok=True)
    co = table[(table.scenario == "co_creation") & (table.metric == "participation_rate")].iloc[0]
    assert co["diff_ci_low"] > 0  # co-creation raises participation, clearly, even over 3 seeds
    assert "computed here from timeseries.parquet" in compare_report.read_text(encoding="utf-8").lower()


@pytest.mark.slow
def test_each_scenario_keeps_one_colour_in_every_figure(compare_report):
    colours = scenario_colours(["top_down", "co_creation"])
    figdir = compare_report.parent / "figures"
    for stem in ("timeseries_1", "timeseries_2", "timeseries_3", "participation_by_age"):
        px = np.asarray(Image.open(figdir / f"{stem}.png").convert("RGB")).reshape(-1, 3).astype(int)
        for s, hexcol in colours.items():
            rgb = np.array([int(hexcol[i:i + 2], 16) for i in (1, 3, 5)])
            exact = (np.abs(px - rgb).max(axis=1) <= 3).sum()
            assert exact > 100, (stem, s, exact)
    html = compare_report.read_text(encoding="utf-8")
    for s, c in colours.items():
        assert html.count(f"background: {c}") >= 2  # table header and 'what was run' chips


@pytest.mark.slow
def test_what_was_run_says_how_to_reproduce(compare_report):
    html = compare_report.read_text(encoding="utf-8")
    manifest = json.loads((compare_report.parent / "manifest.json").read_text())
    what = html[html.index('id="what-was-run"'):]
    for text in [*manifest["descriptions"].values(), manifest["community"], "0–2 (3 seeds)",
                 f"cogov {manifest['version']}", "24 months", "3 per scenario", "community.buildings=2"]:
        assert text in what, text
    import html as html_mod
    assert html_mod.escape(manifest["command"], quote=False) in what


@pytest.mark.slow
def test_graph_section_reports_an_exact_re_run(compare_report):
    html = compare_report.read_text(encoding="utf-8")
    assert "reproduce the stored time series exactly" in html
    assert "Warning" not in html


# --------------------------------------------------------------------------------------- network
@pytest.mark.slow
def test_re_run_is_checked_against_the_stored_run(compare_report):
    ts = pd.read_parquet(compare_report.parent / "timeseries.parquet")
    snap = network.rerun("co_creation", "default", 1, 24, 12, fx.SMALL)
    same = ts[(ts.scenario == "co_creation") & (ts.seed == 1)]
    other = ts[(ts.scenario == "co_creation") & (ts.seed == 2)]
    assert network.reproduces(snap, same) == 0.0
    assert network.reproduces(snap, other) > 0.0
    assert snap.took_part_start.shape == (snap.n,) and 0 <= snap.took_part_end.min() <= snap.took_part_end.max() <= 1
    pos = network.layout(snap)
    assert np.isfinite(pos).all() and pos.shape == (snap.n, 2)
    # residents of one building sit together: nearer to their building's centre than to others'
    centres = np.array([pos[snap.building == b].mean(axis=0) for b in np.unique(snap.building)])
    nearest = np.linalg.norm(pos[:, None, :] - centres[None], axis=2).argmin(axis=1)
    assert (nearest == snap.building).mean() > 0.99


@pytest.mark.slow
@pytest.mark.parametrize("override, expected", [
    (60, "reproduce the stored time series exactly"),
    (50, "Warning: re-creating the representative run did not reproduce the stored time series"),
])
def test_graph_section_says_whether_the_re_run_matches(override, expected, compare_report, tmp_path):
    """Results made with other settings than the manifest records are flagged, not drawn as if they matched."""
    from analysis import figures
    from analysis.report import Report, _network
    from analysis.results import load

    d = tmp_path / "job"
    shutil.copytree(compare_report.parent, d)
    m = json.loads((d / "manifest.json").read_text())
    m["overrides"]["community.households_per_building"] = override
    (d / "manifest.json").write_text(json.dumps(m))
    with figures.style():
        section = _network(Report(load(d), tmp_path / "out"))
    assert expected in section["check"] and section["check_ok"] == (override == 60)
    assert len(section["figures"]) == 2  # the graph, and why the ties matter


@pytest.mark.slow
def test_a_graph_that_cannot_be_drawn_leaves_the_rest_of_the_report(compare_report, tmp_path):
    d = tmp_path / "job"
    shutil.copytree(compare_report.parent, d, ignore=shutil.ignore_patterns("figures", "report.html"))
    m = json.loads((d / "manifest.json").read_text())
    m["overrides"]["community.no_such_key"] = 1
    (d / "manifest.json").write_text(json.dumps(m))
    p = page(build_report(d))
    assert p.sections == WITHOUT_ESTATE
    html = (d / "report.html").read_text(encoding="utf-8")
    assert "could not be re-created" in html and "no_such_key" in html
    assert len(p.images) >= 5


@pytest.mark.slow
def test_representative_seed_is_closest_to_the_medians(compare_report):
    ts = pd.read_parquet(compare_report.parent / "timeseries.parquet")
    seed = network.representative_seed(ts, ["top_down", "co_creation"], 12)
    tail = ts[ts.step > ts.step.max() - 12].groupby(["scenario", "seed"]).participation_rate.mean().unstack(0)
    iqr = (tail.quantile(0.75) - tail.quantile(0.25)).replace(0, 1.0)
    score = ((tail - tail.median()).abs() / iqr).sum(axis=1)
    assert score[seed] == score.min()


# ----------------------------------------------------------------------------------------- sweep
@pytest.mark.slow
def test_an_estate_report_has_fees_service_condition_and_lifts_per_scenario(estate_report):
    """Fees, service, condition and the committee: means of the last 12 months of a run; lifts: at the end."""
    assert page(estate_report).sections == SECTIONS["compare"]
    d = estate_report.parent
    ts = pd.read_parquet(d / "timeseries.parquet")
    table = pd.read_csv(d / "estate.csv")
    assert list(dict.fromkeys(table["metric"])) == [*ESTATE_OUTCOMES, *LIFT_OUTCOMES]
    tail = ts[ts.step > ts.step.max() - 12].groupby(["scenario", "seed"])
    end = ts[ts.step == ts.step.max()].set_index(["scenario", "seed"])
    for s in ("no_property_supervision", "building_deliberation"):
        row = table[table.scenario == s].set_index("metric")
        for m in ESTATE_OUTCOMES:
            assert row.loc[m, "mean"] == pytest.approx(tail[m].mean().loc[s].mean(), rel=1e-9), (s, m)
        for m in LIFT_OUTCOMES:
            assert row.loc[m, "mean"] == pytest.approx(end.loc[s, m].mean(), rel=1e-9), (s, m)
        assert row.loc["fee_collection", "ci_low"] <= row.loc["fee_collection", "mean"] <= row.loc[
            "fee_collection", "ci_high"]
    deliberation = table[table.scenario == "building_deliberation"].set_index("metric")
    assert deliberation.loc["lifts_installed", "mean"] > 0, "lifts were installed: their rows are shown"
    rows = page(estate_report).rows
    estate_rows = rows[len(HEADLINE):]
    labels = [r[0] for r in estate_rows]
    for m in (*ESTATE_OUTCOMES, *LIFT_OUTCOMES):
        assert any(lab.startswith(metric(m).label) for lab in labels), m
    for r in estate_rows:
        assert len(r) == 4 and re.search(r"\[[^\]]+, [^\]]+\]", r[1]) and "g = " in r[3]
    html = _section_html(estate_report, "estate")
    assert "Mean of the last 12 months" in html and "Lifts, at the end of the run" in html
    assert 'id="fig-estate"' in html and 'id="fig-lifts"' in html
    further = _section_html(estate_report, "timeseries")
    assert metric("fee_collection").label not in further, "estate metrics are drawn in their own section"
    # differences in bold exactly where their interval excludes zero
    other = table[table.scenario == "building_deliberation"]
    clear = int(((other.diff_ci_low > 0) | (other.diff_ci_high < 0)).sum())
    assert html.count('class="num clear"') == clear < len(other), (clear, len(other))


def test_scenarios_with_identical_series_are_named_in_the_caption():
    ts = pd.DataFrame({"scenario": ["a", "a", "b", "b", "c", "c"], "seed": 0, "step": [0, 1] * 3,
                       "x": [1.0, np.nan, 1.0, np.nan, 1.0, 2.0]})
    assert report_mod._coinciding(ts, ["x"], ["a", "b", "c"]).startswith(" a and b: the same values")
    assert report_mod._coinciding(ts, ["x"], ["a", "c"]) == ""


@pytest.mark.slow
def test_sweep_report(sweep_report):
    p = page(sweep_report)
    assert p.sections == SECTIONS["sweep"]
    # one line figure per swept parameter, and heatmaps for the two-parameter grid
    assert len(p.images) == 3
    for img in p.images:
        assert_nontrivial(decode(img))
    table = pd.read_csv(sweep_report.parent / "sweep_summary.csv")
    assert {"consultation.adoption_rate", "disclosure.level", "metric", "mean", "ci_low", "ci_high"} <= set(table)
    assert len(table.groupby(["consultation.adoption_rate", "disclosure.level"])) == 6
    assert "consultation.adoption_rate" in sweep_report.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------------- sensitivity
@pytest.mark.slow
@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_sensitivity_report(method, request):
    sensitivity_report = request.getfixturevalue(f"{method}_report")
    p = page(sensitivity_report)
    assert p.sections == SECTIONS["sensitivity"]
    assert len(p.images) == 1
    assert_nontrivial(decode(p.images[0]))
    html = sensitivity_report.read_text(encoding="utf-8")
    assert ("ST_conf" in html) if method == "sobol" else ("mu_star" in html)
    for name in fx.SENSITIVITY_PROBLEM["names"]:
        assert name in html


# ------------------------------------------------------------------------------- statistics, palette
def test_intervals_agree_with_scipy():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.3, 0.05, 30), rng.normal(0.5, 0.1, 25)
    m, lo, hi, n = stats.t_interval(a)
    ref = sps.t.interval(0.95, len(a) - 1, loc=a.mean(), scale=sps.sem(a))
    assert (lo, hi) == pytest.approx(ref) and n == 30 and m == pytest.approx(a.mean())
    d, dlo, dhi = stats.welch_interval(a, b)
    ci = sps.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert (d, dlo, dhi) == pytest.approx((b.mean() - a.mean(), ci.low, ci.high))
    assert np.isnan(stats.t_interval([1.0])[1]) and stats.t_interval([np.nan, 2.0, 4.0])[3] == 2


def test_palette_is_colour_blind_safe_and_stable():
    c = scenario_colours(["a_new_one", "co_creation", "top_down", "another"])
    assert c["co_creation"] == FIXED["co_creation"] and c["top_down"] == FIXED["top_down"]
    assert len(set(c.values())) == 4 and set(c.values()) <= set(OKABE_ITO.values())
    assert scenario_colours(["another", "a_new_one"]) == scenario_colours(["another", "a_new_one"])


# ------------------------------------------------------------------------------------ command line
@pytest.mark.slow
def test_command_line_builds_a_report(morris_report, tmp_path):
    res = run_cli("analysis.report", f"results={morris_report.parent}", f"out={tmp_path}")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == f"report: {tmp_path / 'report.html'}"
    assert "report built in" in res.stdout and (tmp_path / "report.html").is_file()
    bad = run_cli("analysis.report", f"results={tmp_path / 'nowhere'}")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "results" in bad.stderr


@pytest.mark.slow
@pytest.mark.parametrize("argv, message", [
    (["result=x"], "result is not an option; allowed: results, out"),
    ([], "results=<job dir> is required"),
    (["results={empty}"], "holds no manifest.json"),
    (["results={broken}"], "kind = 'sweeep' is unknown; allowed: compare, sweep, sensitivity"),
    (["results={no_table}"], "sensitivity results need indices.parquet"),
    (["results={corrupt}"], "indices.parquet: not a readable parquet table"),
])
def test_bad_input_is_one_line_and_exit_code_2(argv, message, morris_report, tmp_path, capsys):
    from analysis.report import main

    (tmp_path / "empty").mkdir()
    manifest = json.loads((morris_report.parent / "manifest.json").read_text())
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text(json.dumps({**manifest, "kind": "sweeep"}))
    (tmp_path / "no_table").mkdir()
    (tmp_path / "no_table" / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "corrupt").mkdir()
    (tmp_path / "corrupt" / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "corrupt" / "indices.parquet").write_bytes(b"not parquet at all")
    argv = [a.format(empty=tmp_path / "empty", broken=tmp_path / "broken", no_table=tmp_path / "no_table",
                     corrupt=tmp_path / "corrupt") for a in argv]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def _job_copy(src: Path, dst: Path, **tables) -> Path:
    """A copy of the job directory ``src`` (manifest and tables), with tables replaced by ``tables``
    (``name_parquet=frame``; ``manifest_json=data``)."""
    dst.mkdir()
    for name in ("manifest.json", "timeseries.parquet", "summary.parquet", "indices.parquet"):
        if (src / name).is_file():
            shutil.copyfile(src / name, dst / name)
    for key, value in tables.items():
        name = key.replace("_parquet", ".parquet").replace("_json", ".json")
        if name.endswith(".json"):
            (dst / name).write_text(json.dumps(value))
        else:
            value.to_parquet(dst / name)
    return dst


@pytest.mark.slow
@pytest.mark.parametrize("kind, change, message", [
    ("compare", lambda d: {"manifest_json": []}, "manifest.json: not a JSON object (it holds a list)"),
    ("compare", lambda d: {"manifest_json": {**d["manifest"], "window": "12"}},
     "manifest.json: window = '12' is not a whole number of months"),
    ("compare", lambda d: {"manifest_json": {**d["manifest"], "scenarios": "top_down"}},
     "manifest.json: scenarios = 'top_down' is not a list of scenario names"),
    ("compare", lambda d: {"summary_parquet": d["summary"].drop(columns=["mean", "ci_low"])},
     "summary.parquet lacks column(s) mean, ci_low; re-run the job's command"),
    ("compare", lambda d: {"summary_parquet": pd.DataFrame({"x": [1, 2]})},
     "summary.parquet lacks column(s) scenario, metric, mean"),
    ("compare", lambda d: {"timeseries_parquet": d["timeseries"].drop(columns=["participation_rate"])},
     "timeseries.parquet lacks column(s) participation_rate; re-run the job's command"),
    ("sensitivity", lambda d: {"indices_parquet": d["indices"][["metric", "parameter"]]},
     "indices.parquet lacks column(s) S1 and ST, or mu_star"),
])
def test_a_bad_job_dir_is_refused_in_one_line_naming_what_is_wrong(kind, change, message, compare_report,
                                                                   morris_report, tmp_path, capsys):
    from analysis.report import main

    src = (compare_report if kind == "compare" else morris_report).parent
    data = {"manifest": json.loads((src / "manifest.json").read_text())}
    for name in ("timeseries", "summary", "indices"):
        if (src / f"{name}.parquet").is_file():
            data[name] = pd.read_parquet(src / f"{name}.parquet")
    bad = _job_copy(src, tmp_path / "bad", **change(data))
    with pytest.raises(SystemExit) as exc:
        main([f"results={bad}", f"out={tmp_path / 'out'}"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "out").exists(), "nothing written"


@pytest.mark.slow
def test_a_job_without_participation_by_age_says_so_in_the_report_and_on_stderr(compare_report, tmp_path, capsys):
    src = compare_report.parent
    ts = pd.read_parquet(src / "timeseries.parquet").drop(columns=["participation_rate_youth"])
    bad = _job_copy(src, tmp_path / "old", timeseries_parquet=ts)
    capsys.readouterr()
    html = build_report(bad).read_text(encoding="utf-8")
    assert "participation_rate_youth missing): the figure is left out." in html
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "lacks participation_rate_youth: the report leaves out the" in err


# ------------------------------------------------------------------------- institutions and money
def _section_html(report: Path, sid: str) -> str:
    html = report.read_text(encoding="utf-8")
    return html[html.index(f'<section id="{sid}">'):].split("</section>", 1)[0]


def _colour_pixels(png: Path, hexcol: str) -> int:
    px = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3).astype(int)
    rgb = np.array([int(hexcol[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(px - rgb).max(axis=1) <= 3).sum())


@pytest.mark.slow
def test_institutions_section_shows_the_street_offices_choices_and_the_other_institutions(compare_report):
    sec = _section_html(compare_report, "institutions")
    assert 'id="fig-government_choices"' in sec and 'id="fig-institution_outcomes"' in sec
    text = re.sub(r"\s+", " ", sec)
    for words in ("Views adopted", "answered", "disclosed", "attention", "real consultation", "95% confidence"):
        assert words in text, words
    figdir = compare_report.parent / "figures"
    for stem in ("government_choices", "institution_outcomes"):
        assert_nontrivial(np.asarray(Image.open(figdir / f"{stem}.png").convert("RGB")))
        for s, colour in scenario_colours(["top_down", "co_creation"]).items():
            assert _colour_pixels(figdir / f"{stem}.png", colour) > 100, (stem, s)
    # every panel is titled with its metric's label (the SVG keeps text as text)
    svg = (figdir / "government_choices.svg").read_text()
    for m in GOVERNMENT_CHOICES:
        assert metric(m).label.replace("'", "&#39;") in svg or metric(m).label in svg, m
    svg = (figdir / "institution_outcomes.svg").read_text()
    for m in INSTITUTION_OUTCOMES:
        assert metric(m).label.replace("'", "&#39;") in svg or metric(m).label in svg, m
    # and these metrics are not drawn a second time among the other time series
    for k in range(1, 6):
        other = figdir / f"timeseries_{k}.svg"
        if other.is_file():
            assert metric("views_adopted").label.replace("'", "&#39;") not in other.read_text()


@pytest.mark.slow
def test_money_table_sums_each_use_and_source_over_a_run_with_t_intervals(compare_report):
    d = compare_report.parent
    money = pd.read_csv(d / "money.csv")
    ts = pd.read_parquet(d / "timeseries.parquet")
    uses = [c for c in ts if c.startswith("spending_")]
    sources = [c for c in ts if c.startswith("income_") and c != "income_total"]
    per_run = ts.groupby(["scenario", "seed"])[uses + sources].sum()
    for s in ("top_down", "co_creation"):
        got = money[money.scenario == s].set_index("item")
        for col in uses + sources:
            if per_run[col].abs().sum() == 0:
                assert col not in got.index, f"{col}: nothing spent or received in any run, no row"
                continue
            mean, lo, hi, n = stats.t_interval(per_run.loc[s, col])
            assert got.loc[col, "mean"] == pytest.approx(mean, rel=1e-9, abs=1e-6)
            assert got.loc[col, "ci_high"] == pytest.approx(hi, rel=1e-9, abs=1e-6)
            assert got.loc[col, "ci_low"] == pytest.approx(max(lo, 0.0), rel=1e-9, abs=1e-6)
            assert n == got.loc[col, "n"] == ts[ts.scenario == s].seed.nunique()
        spent = per_run.loc[s, uses].sum(axis=1)
        assert got.loc["spending_total", "mean"] == pytest.approx(spent.mean(), rel=1e-9)
        final = ts[(ts.scenario == s) & (ts.step == ts.step.max())].set_index("seed")
        # one purse: spending by use adds up to the government's spending, and never exceeds the income
        assert np.allclose(spent.to_numpy(), final.government_spending_total.to_numpy(), rtol=1e-9)
        assert (spent.to_numpy() <= per_run.loc[s, sources].sum(axis=1).to_numpy() + 1e-6).all()


@pytest.mark.slow
def test_costs_per_project_and_per_participant_are_computed_per_run_as_defined(compare_report):
    d = compare_report.parent
    ts = pd.read_parquet(d / "timeseries.parquet")
    window = json.loads((d / "manifest.json").read_text())["window"]
    runs = money_outcomes(ts, window).set_index(["scenario", "seed"])
    uses = [c for c in ts if c.startswith("spending_")]
    for (s, seed), run in ts.groupby(["scenario", "seed"]):
        run = run.sort_values("step")
        spent = run[uses].sum(axis=1)
        done = run.projects_completed_total.iloc[-1]
        expected = spent.sum() / done if done > 0 else np.nan
        assert runs.loc[(s, seed), COST_PER_PROJECT] == pytest.approx(expected, rel=1e-9, nan_ok=True)
        residents = CommunityModel(scenario_name=s, community="default", rng=int(seed), **fx.SMALL).n_residents
        tail = run.step > run.step.max() - window
        participants = residents * run.participation_rate[tail].mean()
        expected = spent[tail].mean() / participants
        assert runs.loc[(s, seed), COST_PER_PARTICIPANT] == pytest.approx(expected, rel=1e-9)
    money = pd.read_csv(d / "money.csv").set_index(["scenario", "item"])
    for s in ("top_down", "co_creation"):
        for m in (COST_PER_PROJECT, COST_PER_PARTICIPANT):
            mean, lo, hi, _ = stats.t_interval(runs.loc[s, m])
            assert money.loc[(s, m), "mean"] == pytest.approx(mean, rel=1e-9, nan_ok=True)
            assert money.loc[(s, m), "ci_high"] == pytest.approx(hi, rel=1e-9, nan_ok=True)


@pytest.mark.slow
def test_money_section_reads_as_a_table_and_two_figures(compare_report):
    rows = page(compare_report).tables["money"]
    labels = [r[0] for r in rows]
    for label in ("Total spending", "Total income", "Left in the purse at the end", "Per completed project",
                  "Per participant a month"):
        assert any(lab.startswith(label) for lab in labels), label
    interval = r"\[[\d,]+, [\d,]+\]"
    for r in rows:
        assert len(r) == 3, r  # label, one cell per scenario
        for c in r[1:]:
            assert c == "0" or c.startswith("n/a") or re.search(interval, c), r
    sec = _section_html(compare_report, "money")
    assert 'id="fig-money_flows"' in sec and 'id="fig-money_costs"' in sec and 'href="money.csv"' in sec
    assert "spending never exceeds income" in sec


def test_an_undefined_cost_is_written_n_a_not_drawn_as_zero():
    fig = figures.bars_ci([("Cost per completed project", "yuan", ["per project"],
                            {"top_down": [(50_000.0, 40_000.0, 60_000.0)], "co_creation": [(np.nan,) * 3]})],
                          scenario_colours(["top_down", "co_creation"]), "What it cost", horizontal=False)
    texts = [t.get_text().strip() for t in fig.axes[0].texts]
    assert texts == ["n/a"]
    heights = sorted(b.get_height() for b in fig.axes[0].patches)
    assert heights[-1] == 50_000.0
    import matplotlib.pyplot as plt

    plt.close(fig)


@pytest.mark.slow
def test_a_job_without_institutions_or_money_columns_says_so_and_keeps_the_rest(compare_report, tmp_path, capsys):
    src = compare_report.parent
    ts = pd.read_parquet(src / "timeseries.parquet")
    old = [c for c in ts if c.startswith(("spending_", "income_")) and c != "income_total"]
    ts = ts.drop(columns=[*old, *GOVERNMENT_CHOICES, *INSTITUTION_OUTCOMES])
    bad = _job_copy(src, tmp_path / "old", timeseries_parquet=ts)
    capsys.readouterr()
    report = build_report(bad)
    html = report.read_text(encoding="utf-8")
    assert "what the institutions decided is left out" in html and "the money section is left out" in html
    assert page(report).sections == WITHOUT_ESTATE
    assert not (tmp_path / "old" / "money.csv").exists()
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and err.count("the report leaves out") == 2, err


# ----------------------------------------------------------------------------------------- browser
@pytest.mark.slow
def test_report_renders_in_headless_chromium_offline(compare_report, tmp_path):
    """Debian's Chromium (CI installs it) loads every figure from the file alone, asking for nothing
    beyond the file itself."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(chromium).exists(), "install Debian's chromium (apt-get install chromium) to run this test"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync"])
        try:
            page_ = browser.new_page(viewport={"width": 1300, "height": 900})
            requests = []
            page_.on("request", lambda r: requests.append(r.url))
            page_.goto(compare_report.as_uri())
            sizes = page_.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth])")
            titles = page_.eval_on_selector_all("section h2", "els => els.map(e => e.textContent)")
            page_.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert sizes and all(done and width > 0 for done, width in sizes)
    assert titles[0] == "Headline outcomes" and titles[-1] == "What was run"
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert_nontrivial(np.asarray(Image.open(tmp_path / "report.png").convert("RGB")))


# ------------------------------------------------------------------------------------ one window
@pytest.mark.slow
def test_a_compare_job_with_window_24_is_reported_over_24_months_everywhere(tmp_path):
    """``experiments.compare window=24`` then the report: every text that names the window says
    24 months (read from the manifest); none says 12 months."""
    from experiments import compare

    out = tmp_path / "job"
    assert compare.main(["scenarios=[top_down,co_creation]", "replications=2", "steps=30", "window=24",
                         "community.buildings=2", "community.households_per_building=30", "launcher=serial",
                         "progress=false", f"out={out}"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["window"] == 24 and "24 months" in manifest["statistic"]
    path = build_report(out, quiet=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
    import html as html_mod

    text = html_mod.unescape(text)
    assert "12 months" not in text and "last 12" not in text
    assert text.count("24 months") >= 5, text.count("24 months")
    summary = pd.read_parquet(out / "summary.parquet").set_index(["scenario", "metric"])
    ts = pd.read_parquet(out / "timeseries.parquet")
    per_run = ts[ts["step"] > 30 - 24].groupby(["scenario", "seed"])["participation_rate"].mean()
    assert summary.loc[("co_creation", "participation_rate"), "mean"] == pytest.approx(
        per_run["co_creation"].mean(), rel=1e-12)
