"""The analyst's report: one self-contained HTML file from a results directory.

Usage::

    python -m analysis.report results=<job dir>                 # writes <job dir>/report.html
    python -m analysis.report results=<job dir> out=<dir>       # ... or into another directory

From Python: ``build_report(results_dir) -> Path`` (the path of ``report.html``).

The report opens in any browser with no server and no network: figures are embedded as PNG
(base64 data URIs) and the style sheet is inline. Beside it: ``figures/<name>.png`` and
``.svg`` (for slides and papers) and ``headline.csv``, ``money.csv`` (compare) / ``sweep_summary.csv`` (sweep).
Which sections appear depends on the job's kind (see :mod:`analysis.results`):

- compare: headline table, what the institutions decided (the street office's choices over time,
  the other institutions' outcomes), money (spending by use, income by source, cost per completed
  project and per participant with 95% intervals; ``money.csv``), the estate when the runs have one
  (fees paid, property service, facility condition, the owners' committee and lift outcomes per scenario
  with 95% intervals, ``estate.csv``, and figures over time; left out where every estate metric is
  undefined, e.g. a community without a property company whose stairwells all have lifts), time series
  of every other metric,
  participation by age group, the social-capital graph of a representative run, what was run;
- sweep: outcomes over the swept parameters (lines; heatmaps for two parameters), what was run;
- sensitivity: Sobol S1/ST or Morris μ* bar charts and their table, what was run.

Bad input (no such directory, no manifest or one that is not a JSON object, unknown kind, a
missing or unreadable table, a table without the columns its kind needs: see
:data:`analysis.results.COLUMNS`) ends with one line naming the problem and exit code 2. Only
the participation-by-age figure and the institutions' and money sections may be left out (their
columns missing: results of a model version before them), said in the report and on stderr.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import figures, network, policy, stats
from analysis.labels import (
    AGE_METRICS,
    COST_PER_PARTICIPANT,
    COST_PER_PROJECT,
    ESTATE_OUTCOMES,
    ESTATE_SERIES,
    GOVERNMENT_CHOICES,
    GROUPS,
    HEADLINE,
    ID_COLUMNS,
    INCOME_PREFIX,
    INSTITUTION_OUTCOMES,
    LIFT_OUTCOMES,
    LIFT_SERIES,
    PROGRAMME_NAMES,
    PROGRAMMES,
    SOURCE_NAMES,
    SPENDING_PREFIX,
    fmt_diff,
    fmt_interval,
    fmt_value,
    metric,
)
from analysis.palette import scenario_colours
from analysis.results import Results, load
from model.params import ConfigError

TEMPLATES = Path(__file__).resolve().parent / "templates"
SECTIONS = {
    "compare": ["headline", "spread", "programmes", "institutions", "money", "estate", "timeseries", "age", "network",
                "what-was-run"],
    "sweep": ["sweep", "what-was-run"],
    "sensitivity": ["sensitivity", "what-was-run"],
    **policy.SECTIONS,
}
"""Section ids (HTML ``id`` of each ``<section>``) by kind of job, in order."""

MAX_GRAPH_SCENARIOS = 4
"""Scenarios drawn in the social-capital graph figure at most (baseline first)."""

SUMMARY_ALIASES = {"cost_per_project": COST_PER_PROJECT}
"""Other names summary.parquet may give a headline metric."""

TITLES = {
    "headline": "Headline outcomes", "spread": "How much the runs differ",
    "programmes": "Programmes: which ran, who started them, who kept them",
    "institutions": "What the institutions decided",
    "money": "Money: where it came from, where it went, what it bought", "estate": "The estate",
    "timeseries": "Outcomes over time",
    "age": "Participation by age group",
    "network": "The social-capital graph", "sweep": "Parameter sweep", "sensitivity": "Sensitivity analysis",
    "what-was-run": "What was run", **policy.TITLES,
}


class Report:
    """Collects sections and figures while the report is built."""

    def __init__(self, res: Results, out: Path):
        self.res = res
        self.out = out
        self.figdir = out / "figures"
        self.colours = scenario_colours(res.scenarios)
        self.sections: dict[str, dict] = {}
        self.timings: dict[str, float] = {}
        self.files: list[str] = []

    def figure(self, fig, stem: str, title: str, caption: str) -> dict:
        saved = figures.save(fig, self.figdir, stem)
        self.files += [f"figures/{saved.png.name}", f"figures/{saved.svg.name}"]
        return {"id": f"fig-{stem}", "title": title, "caption": caption, "png": f"figures/{saved.png.name}",
                "svg": f"figures/{saved.svg.name}",
                "data_uri": "data:image/png;base64," + base64.b64encode(saved.png_bytes).decode("ascii")}

    def section(self, sid: str, **content) -> None:
        self.sections[sid] = {"id": sid, "title": TITLES[sid], "note": None, "figures": [], "check": None,
                              **content}


def build_report(results_dir: str | Path, out_dir: str | Path | None = None, quiet: bool = True) -> Path:
    """Build ``report.html`` (and its figures) from a results directory; return its path.

    Args:
        results_dir: a job directory holding ``manifest.json`` and the tables of its kind.
        out_dir: where to write; default ``results_dir``.
        quiet: if False, print the time each part took.

    Raises:
        ConfigError: a missing or malformed results directory (one line).
    """
    t0 = time.perf_counter()
    res = load(results_dir)
    out = Path(out_dir) if out_dir is not None else res.path
    rep = Report(res, out)
    with figures.style():
        if res.kind == "compare":
            _compare(rep)
        elif res.kind == "sweep":
            _sweep(rep)
        elif res.kind in policy.KINDS:
            policy.sections(rep)
        else:
            _sensitivity(rep)
        _what_was_run(rep)
    rep.timings["total"] = time.perf_counter() - t0
    html = _render(rep)
    path = _write_text(out / "report.html", html)
    if not quiet:
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in rep.timings.items() if k != "total")
        print(f"report built in {rep.timings['total']:.1f} s ({parts})")
    return path


# -------------------------------------------------------------------------------------- compare
def _compare(rep: Report) -> None:
    res, ts = rep.res, rep.res.timeseries
    t = time.perf_counter()
    outcomes = stats.run_outcomes(ts, ["scenario", "seed"], res.window)
    rep.section("headline", **_headline(rep, outcomes))
    rep.timings["table"] = time.perf_counter() - t

    rep.section("spread", **_spread(rep, outcomes))
    rep.section("programmes", **_programmes(rep))
    t = time.perf_counter()
    rep.section("institutions", **_institutions(rep))
    rep.timings["institutions"] = time.perf_counter() - t
    t = time.perf_counter()
    rep.section("money", **_money(rep))
    rep.timings["money"] = time.perf_counter() - t
    t = time.perf_counter()
    estate = _estate(rep, outcomes)
    if estate is not None:
        rep.section("estate", **estate)
    rep.timings["estate"] = time.perf_counter() - t

    t = time.perf_counter()
    grouped = {m for ms in GROUPS.values() for m in ms} | set(AGE_METRICS) | set(GOVERNMENT_CHOICES) \
        | set(INSTITUTION_OUTCOMES) | set(_money_columns(ts, SPENDING_PREFIX)) | set(_money_columns(ts, INCOME_PREFIX)) \
        | {c for c in ts.columns if c.startswith("programme_")}  # drawn in the programmes section
    in_estate = set(ESTATE_SERIES) | set(LIFT_SERIES) if estate is not None else set()  # drawn there, not here
    grouped |= in_estate
    further = [c for c in ts.columns if c not in grouped and c not in ID_COLUMNS
               and pd.api.types.is_numeric_dtype(ts[c]) and ts[c].notna().any()]  # undefined in every run: none
    groups = {**{g: [m for m in ms if m in ts and m not in in_estate] for g, ms in GROUPS.items()},
              "Further metrics": further}
    figs = []
    for k, (title, ms) in enumerate((g, ms) for g, ms in groups.items() if ms):
        fig = figures.timeseries(ts, ms, rep.colours, title, res.window)
        figs.append(rep.figure(fig, f"timeseries_{k + 1}", title, _ts_caption(res)))
    rep.section("timeseries", figures=figs)
    rep.timings["time series"] = time.perf_counter() - t

    t = time.perf_counter()
    if all(a in ts for a in AGE_METRICS):
        fig = figures.age_groups(ts, rep.colours, res.window)
        cap = ("Top left: share of each age group taking part in a month, averaged over the last "
               f"{res.window} months of each run, mean over {_n_runs(res)} with its 95% confidence interval. "
               "Other panels: each age group over time, mean line and 95% confidence band over replications.")
        rep.section("age", figures=[rep.figure(fig, "participation_by_age", "Participation by age group", cap)])
    else:  # a job of a model version without them: the rest of the report stands, and says so
        missing = [a for a in AGE_METRICS if a not in ts]
        rep.section("age", figures=[], note="The time series hold no participation by age group "
                    f"({', '.join(missing)} missing): the figure is left out.")
        print(f"warning: {res.path / 'timeseries.parquet'} lacks {', '.join(missing)}: "
              "the report leaves out the participation-by-age figure", file=sys.stderr)
    rep.timings["age groups"] = time.perf_counter() - t

    t = time.perf_counter()
    try:
        rep.section("network", **_network(rep))
    except Exception as exc:  # a graph that cannot be drawn must not cost the rest of the report
        rep.section("network", note=f"The social-capital graph could not be drawn: {type(exc).__name__}: {exc}")
    rep.timings["network"] = time.perf_counter() - t


def _n_runs(res: Results) -> str:
    n = res.timeseries.groupby("scenario")["seed"].nunique()
    return f"{n.iloc[0]} runs per scenario" if n.nunique() == 1 else "the runs of each scenario"


def _ts_caption(res: Results) -> str:
    return (f"Each line is the mean over {_n_runs(res)} (replications with different seeds); the band is the 95% "
            f"confidence interval of that mean (Student t). The grey strip marks the last {res.window} months, "
            "which the headline table averages. Shares are in percent; bands are truncated to the values a metric "
            "can take, and a month where a metric is undefined in more than half of the runs (e.g. volunteer retention "
            "without volunteers) is left out.")


def _headline(rep: Report, outcomes: pd.DataFrame) -> dict:
    res = rep.res
    scen = res.scenarios
    base = scen[0]
    summary = res.summary
    if summary is not None and "hedges_g" not in summary:
        summary = None  # written before the summary carried Hedges' g: computed here instead
    if summary is not None:
        summary = summary.assign(metric=summary["metric"].replace(SUMMARY_ALIASES))
    parts, computed = [], []
    for m in HEADLINE:
        have = summary is not None and set(summary.loc[summary["metric"] == m, "scenario"]) >= set(scen)
        if have:
            parts.append(summary[summary["metric"] == m])
        elif m in outcomes:
            parts.append(stats.summarise(outcomes, scen, [m]))
            computed.append(m)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=stats.SUMMARY_COLUMNS)
    rows = _summary_rows(table, HEADLINE, scen)
    _summary_csv(rep, table, "headline.csv")
    notes = []
    if computed:
        notes.append("Computed here from timeseries.parquet (summary.parquet lacks them): "
                     + ", ".join(metric(m).label for m in computed) + ".")
    return {"rows": rows, "baseline": base, "others": scen[1:], "scenarios": scen, "notes": notes}


def _summary_rows(table: pd.DataFrame, metrics, scen: list[str]) -> list[dict]:
    """Rows of a table of outcomes (headline, estate): per scenario the mean with its 95% interval and,
    after the baseline (the first scenario), the difference to it with Welch's interval and Hedges' g."""
    base = scen[0]
    rows = []
    for m in metrics:
        d = table[table["metric"] == m].set_index("scenario")
        if d.empty:
            continue
        cells = []
        for s in scen:
            r = d.loc[s]
            lo, hi = (float(v) for v in metric(m).clip([r["ci_low"], r["ci_high"]]))
            cell = {"value": fmt_value(m, r["mean"]), "ci": fmt_interval(m, lo, hi)}
            if s != base:
                lo, hi = r["diff_ci_low"], r["diff_ci_high"]
                cell.update(diff=fmt_diff(m, r["diff"]), diff_ci=fmt_interval(m, lo, hi, diff=True),
                            clear=bool(pd.notna(lo) and pd.notna(hi) and (lo > 0 or hi < 0)),
                            g="n/a" if pd.isna(r["hedges_g"]) else f"{r['hedges_g']:+.2f}")
            cells.append(cell)
        mm = metric(m)
        rows.append({"metric": m, "label": mm.label, "unit": mm.unit, "cells": cells,
                     "n": ", ".join(sorted({str(int(v)) for v in d["n"].dropna()}))})
    return rows


def _summary_csv(rep: Report, table: pd.DataFrame, name: str) -> None:
    csv = table.copy()
    csv.insert(2, "label", csv["metric"].map(lambda m: metric(m).label))
    csv.insert(3, "unit", csv["metric"].map(lambda m: metric(m).unit))
    _write_text(rep.out / name, csv.to_csv(index=False, float_format="%.10g"))
    rep.files.append(name)


# ---------------------------------------------------------------------------------------- estate
def _defined(ts: pd.DataFrame, name: str) -> bool:
    """Whether some run has a value of the metric (estate metrics are NaN where there is no estate)."""
    return name in ts and bool(ts[name].notna().any())


def _coinciding(ts: pd.DataFrame, metrics: list[str], scen: list[str]) -> str:
    """A sentence naming the scenarios whose ``metrics`` are identical in every run and month (their lines are
    drawn on top of each other), or ''."""
    key = ["seed", "step"]
    runs = {s: ts.loc[ts["scenario"] == s, [*key, *metrics]].sort_values(key) for s in scen}
    pairs = [(a, b) for i, a in enumerate(scen) for b in scen[i + 1:]
             if runs[a][key].to_numpy().shape == runs[b][key].to_numpy().shape
             and (runs[a][key].to_numpy() == runs[b][key].to_numpy()).all()
             and np.array_equal(runs[a][metrics].to_numpy(float), runs[b][metrics].to_numpy(float), equal_nan=True)]
    if not pairs:
        return ""
    return (" " + "; ".join(f"{a} and {b}" for a, b in pairs) + ": the same values in every run and month (the "
            "lines lie on top of each other, the later scenario's drawn last).")


def _estate(rep: Report, outcomes: pd.DataFrame) -> dict | None:
    """Fees, service, facility condition, the owners' committee and lifts per scenario (a table with 95%
    intervals, ``estate.csv``) and over time; None when the runs have no estate (every estate metric NaN).

    Fees, service, condition and the committee are a run's means over its last ``window`` months (as the
    headline table's); lift outcomes are a run's values at its end (lifts installed in the run, share of
    stairwells with a lift, mean months from proposal to a working lift over the lifts installed, projects
    approved over projects decided), shown when some run installed a lift.
    """
    res, ts = rep.res, rep.res.timeseries
    estate_only = [m for m in (*ESTATE_SERIES, *LIFT_SERIES) if m != "facility_condition"]
    if not any(_defined(ts, m) for m in estate_only):
        return None
    scen = res.scenarios
    fees = _defined(ts, "fee_collection")
    rows_of = [m for m in ESTATE_OUTCOMES if _defined(ts, m)] if fees else \
        [m for m in ("facility_condition",) if _defined(ts, m)]
    lift_cols = [m for m in LIFT_OUTCOMES if m in ts]
    final = stats.run_outcomes(ts[["scenario", "seed", "step", *lift_cols]], ["scenario", "seed"], 1)
    lifts = "lifts_installed" in final and bool((final["lifts_installed"] > 0).any())
    parts = [stats.summarise(outcomes, scen, rows_of)] if rows_of else []
    if lifts:
        parts.append(stats.summarise(final, scen, lift_cols))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=stats.SUMMARY_COLUMNS)
    groups = []
    if rows_of:
        groups.append((f"Mean of the last {res.window} months", _summary_rows(table, rows_of, scen)))
    if lifts:
        groups.append(("Lifts, at the end of the run", _summary_rows(table, lift_cols, scen)))
    if parts:
        _summary_csv(rep, table, "estate.csv")
    notes = []
    if any(_defined(ts, m) for m in LIFT_SERIES) and not lifts:
        notes.append("No run installed a lift: the lift outcomes are left out of the table.")
    runs = _n_runs(res)
    figs = []
    series = [m for m in ESTATE_SERIES if _defined(ts, m)]
    if fees and series:
        fig = figures.timeseries(ts, series, rep.colours, "The estate, month by month", res.window)
        cap = ("Property fees paid: the share of the households billed by a property company that paid the month's "
               "fee (each household decides, as residents decide to contribute). Property service: the share of full "
               "service the company delivers, funded by last month's fees after its margin (a supervised company "
               "keeps a smaller margin). Facility condition: mean condition of the community's facilities (0–1). "
               "Fee income and the company's spending are its own books, not the community's purse. Owners' "
               "committee active: the share of runs with an elected committee not captured by a faction; turnout: "
               "the share of flats whose owner took part in the last election; the maintenance fund holds owners' "
               "deposits and pays part of an approved lift. "
               f"Lines: mean over {runs}; bands: 95% confidence intervals. The grey strip marks the last {res.window} "
               "months." + _coinciding(ts, series, scen))
        figs.append(rep.figure(fig, "estate", "The estate, month by month", cap))
    series = [m for m in LIFT_SERIES if _defined(ts, m)]
    if series and lifts:
        fig = figures.timeseries(ts, series, rep.colours, "Lifts, month by month", res.window)
        cap = ("Lifts installed in the run so far (cumulative) and the share of stairwells with a lift; projects "
               "awaiting the owners' approval; the mean months from proposal to a working lift of the lifts installed "
               "so far (undefined before the first); projects approved over projects decided (approved or "
               f"abandoned) so far. Lines: mean over {runs}; bands: 95% confidence intervals."
               + _coinciding(ts, series, scen))
        figs.append(rep.figure(fig, "lifts", "Lifts, month by month", cap))
    return {"groups": groups, "scenarios": scen, "baseline": scen[0], "others": scen[1:], "notes": notes,
            "figures": figs, "lifts": lifts}


def _network(rep: Report) -> dict:
    res = rep.res
    ts = res.timeseries
    seed = network.representative_seed(ts, res.scenarios, res.window)
    community = res.manifest.get("community")
    if community is None and "community" in ts:
        community = str(ts["community"].iloc[0])
    overrides = res.overrides()
    snaps, checks = [], []
    shown = res.scenarios[:MAX_GRAPH_SCENARIOS]
    for s in shown:
        stored = ts[(ts["scenario"] == s) & (ts["seed"] == seed)]
        steps = int(stored["step"].max()) if len(stored) else int(res.manifest.get("steps") or 0)
        try:
            snap = network.rerun(s, community, seed, steps, res.window, overrides)
        except ConfigError as exc:
            return {"figures": [], "note": f"The representative run could not be re-created: {exc}"}
        diff = network.reproduces(snap, stored)
        checks.append({"scenario": s, "ok": diff == 0.0, "diff": diff})
        snaps.append(snap)
    shared = all(sn.same_graph(snaps[0]) for sn in snaps)
    if shared:
        positions = [network.layout(snaps[0])] * len(snaps)
    else:
        positions = [network.layout(sn) for sn in snaps]
    fig = network.figure(snaps, positions, rep.colours)
    drawn = len(network.drawn_residents(snaps[0]))
    partial = "" if drawn == snaps[0].n else f" Only the first {network.MAX_BUILDINGS} buildings ({drawn} of " \
                                               f"{snaps[0].n} residents) are drawn."
    cap = (f"One representative run per scenario: seed {seed}, the seed whose participation over the last "
           f"{res.window} months "
           "is closest to every scenario's median. Each dot is a resident, grouped by building (one row per "
           "micro-grid); within a building, residents with strong initial ties sit close together. The layout is "
           "computed once and shared by "
           + ("every panel (all scenarios share the same community graph), " if shared else "both panels of a row, ")
           + f"so a resident keeps its place. Colour: share of the {snaps[0].window} months shown in which the "
           "resident took part; "
           "size: weighted degree (sum of tie strengths); lines: ties, darker and wider when stronger (ties across "
           "buildings fainter). Assortativity is the correlation between a resident's participation and the "
           "tie-weighted mean of its neighbours': above 0, participants cluster with participants." + partial)
    if len(shown) < len(res.scenarios):
        cap += f" Only the first {len(shown)} scenarios are drawn."
    ok = all(c["ok"] for c in checks)
    if ok:
        check = ("The representative runs were re-created from the manifest (scenario, community, seed, steps"
                 + (", overrides" if overrides else "") + ") and reproduce the stored time series exactly.")
    else:
        bad = ", ".join(f"{c['scenario']} (largest difference {c['diff']:.3g})" for c in checks if not c["ok"])
        check = (f"Warning: re-creating the representative run did not reproduce the stored time series for {bad}; "
                 "the results were probably made with another version or other overrides than the manifest records.")
    why = network.why_figure(snaps, rep.colours)
    why_cap = ("Why the ties matter, at the end of the same runs. Left (each point a tenth of the residents, by the "
               "strength of their active neighbours): a resident hears of meetings and co-building through active "
               "neighbours and is encouraged by several of them (complex contagion; ODD §3.4.3), and taking part "
               "together strengthens the ties in turn, so the two go together. Right (bins of at least 10 "
               "residents): trust in neighbours grows with the strength of one's ties (§3.4.6). The causal part is "
               "measured by freezing the ties: co-creation's participation then falls by about 7 points and trust "
               "in neighbours by about 18; removing the neighbour ties costs 28 points of participation "
               "(tests/test_ties.py, ODD §4).")
    return {"figures": [rep.figure(fig, "social_capital_graph", "Social-capital graph, start and end", cap),
                        rep.figure(why, "why_ties_matter", "Why the ties matter", why_cap)],
            "check": check, "check_ok": ok}


# ------------------------------------------------------------------------- institutions and money
def _missing(rep: Report, what: str, columns) -> str:
    """The note (and stderr warning) of a section left out because the time series lack its columns."""
    missing = ", ".join(columns)
    print(f"warning: {rep.res.path / 'timeseries.parquet'} lacks {missing}: the report leaves out {what}",
          file=sys.stderr)
    return f"The time series hold no {missing}: {what} is left out (results of an older model version)."


def _institutions(rep: Report) -> dict:
    """The street office's choices over time and the other institutions' outcomes (bands over replications)."""
    res, ts = rep.res, rep.res.timeseries
    choices = [m for m in GOVERNMENT_CHOICES if m in ts]
    others = [m for m in INSTITUTION_OUTCOMES if m in ts]
    if not choices and not others:
        return {"note": _missing(rep, "what the institutions decided", GOVERNMENT_CHOICES + INSTITUTION_OUTCOMES)}
    figs = []
    runs = _n_runs(res)
    if choices:
        fig = figures.timeseries(ts, choices, rep.colours, "The street office's choices, month by month", res.window)
        cap = ("What the street office (the government) chose each month. Views adopted: how far residents' views, "
               "rather than the office's own priorities, decide what a new project is; answered: the share of "
               "residents' complaints and suggestions that got an answer; disclosed: the share of spending shown on "
               "the open ledger (0 where there is none); attention: how much of the office's KPI residents can "
               "still move — satisfaction, participation and complaints it has yet to win (0 when it is judged on "
               "projects completed alone), which drives the other choices; real consultation: the share of runs "
               "in which that month's consultation was held and real (views adopted at least 20%), not sham or "
               f"none. Lines: mean over {runs}; bands: 95% confidence intervals of that mean. The grey strip marks "
               f"the last {res.window} months.")
        figs.append(rep.figure(fig, "government_choices", "The street office's choices", cap))
    if others:
        fig = figures.timeseries(ts, others, rep.colours, "The other institutions, month by month", res.window)
        cap = ("Social organisations: their mean quality and capacity (0–1; quality falls without ratings or "
               "third-party evaluation) and how many hold a purchased-service contract. Residents' committee: the "
               "share of residents its grid workers visited in the month. Residents: how many complained. Units in "
               "the area: how many gave money, venues or staff that month (they are asked once a quarter and at "
               "joint meetings, hence the spikes). Party organisation: the share of runs in "
               "which a joint meeting had settled who is responsible for shared facilities. "
               f"Lines: mean over {runs}; bands: 95% confidence intervals.")
        figs.append(rep.figure(fig, "institution_outcomes", "The other institutions", cap))
    return {"figures": figs}


def _spread(rep: Report, outcomes: pd.DataFrame) -> dict:
    """The run outcomes of the headline metrics, one dot a run: how far seeds (communities) differ."""
    metrics = [m for m in HEADLINE if m in outcomes and outcomes[m].notna().any()]
    if not metrics:
        return {"note": "No headline outcome to show."}
    fig = figures.spread(outcomes, metrics, rep.colours, "Each run's outcome", rep.res.scenarios)
    n = outcomes.groupby("scenario")["seed"].nunique()
    rows = []
    for m in metrics:
        cells = []
        for s in rep.res.scenarios:
            v = outcomes.loc[outcomes["scenario"] == s, m].dropna()
            if len(v) < 2:
                cells.append("n/a")
                continue
            lo, hi = np.percentile(v, [5, 95])
            cells.append(f"sd {fmt_value(m, float(v.std(ddof=1)))}; 5–95% {fmt_interval(m, lo, hi)}")
        rows.append({"label": metric(m).label, "cells": cells})
    cap = (f"One dot per run ({', '.join(f'{s.replace(chr(95), chr(32))}: {k}' for s, k in n.items())} runs): its "
           f"outcome over the last {rep.res.window} months. Box: the middle half of the runs; whiskers: 5th to 95th "
           "percentile; bar: the median. Where the community's uncertain quantities (budget, leader, "
           "organisations, trust, ties) are drawn per seed, runs are different communities: the spread is how "
           "differently the same rules turn out, not noise around one answer.")
    return {"figures": [rep.figure(fig, "spread", "Each run's outcome", cap)], "spread_rows": rows,
            "scenarios": rep.res.scenarios}


def _programmes(rep: Report) -> dict:
    """Which programmes ran, from when, and who kept them (the office or residents' bodies), per scenario."""
    ts = rep.res.timeseries
    cols = [f"programme_{p}" for p in PROGRAMMES if f"programme_{p}" in ts]
    if not cols:
        return {"note": _missing(rep, "the programmes section", [f"programme_{p}" for p in PROGRAMMES])}
    fig = figures.timeseries(ts, cols, rep.colours, "Programmes' delivery, month by month", rep.res.window)
    cap = ("How much of each programme reached residents each month (0: nobody ran it; 1: run in full in every "
           "grid), mean over the runs with its 95% band. Programmes are not switched on by a scenario: the street "
           "office takes them up or drops them each quarter by what its KPI values, its budget and the uptake it "
           "sees; the rules may require one; residents' bodies take over what they can carry; the Party "
           "organisation mobilises where its remit lets it (docs/ODD.md §3.4.13).")
    rows = []
    last = int(ts["step"].max())
    for p in PROGRAMMES:
        col = f"programme_{p}"
        if col not in ts:
            continue
        cells = []
        for s in rep.res.scenarios:
            runs = ts[ts["scenario"] == s]
            ran = runs[runs[col] > 0].groupby("seed")["step"].min()
            n = runs["seed"].nunique()
            if not len(ran):
                cells.append("never ran")
                continue
            end = runs[runs["step"] == last]
            running = int((end[col] > 0).sum())
            bodies = int((end.get(f"{col}_by_bodies", pd.Series(dtype=float)) > 0).sum())
            text = f"ran in {len(ran)} of {n} runs, from month {int(ran.median())} (median)"
            text += f"; running at the end in {running}" + (f", carried by residents' bodies in {bodies}" if bodies
                                                            else "")
            cells.append(text)
        rows.append({"label": PROGRAMME_NAMES[p], "cells": cells})
    return {"figures": [rep.figure(fig, "programmes", "Programmes' delivery", cap)], "programme_rows": rows,
            "scenarios": rep.res.scenarios}


def _money_columns(ts: pd.DataFrame, prefix: str) -> list[str]:
    """The monthly money columns ``<prefix><name>`` (``income_total``, cumulative, is not one)."""
    return [c for c in ts.columns if c.startswith(prefix) and c != "income_total"
            and pd.api.types.is_numeric_dtype(ts[c])]


def money_outcomes(ts: pd.DataFrame, window: int) -> pd.DataFrame:
    """One row per run (``scenario``, ``seed``): yuan by use and by source summed over the run, and

        spending_total        = Σ_t Σ_use spending_use,t                      (whole run, yuan)
        income_run_total      = Σ_t Σ_source income_source,t;  balance_end: the purse at the end
        cost per project      = spending_total / projects completed           (NaN if none completed)
        cost per participant  = mean_w(spending_t) / mean_w(participants_t)   (the last ``window`` months)

    ``participants_t`` (residents taking part in month t) = ``R · participation_rate_t``, with the run's
    number of residents ``R`` recovered from the model's monthly cost per participant
    (``spending_t / participants_t``) in any month with spending: ``R = spending_t / (cost_t · rate_t)``.
    A run that spent nothing in the window costs 0 per participant.
    """
    uses, sources = _money_columns(ts, SPENDING_PREFIX), _money_columns(ts, INCOME_PREFIX)
    ts = ts.sort_values(["scenario", "seed", "step"])
    spent = ts[uses].sum(axis=1)
    rows = []
    for (scenario, seed), run in ts.assign(_spent=spent).groupby(["scenario", "seed"], sort=False, observed=True):
        row = {"scenario": scenario, "seed": seed, **run[uses + sources].sum().to_dict()}
        row["spending_total"] = float(run["_spent"].sum())
        row["income_run_total"] = float(run[sources].sum().sum())
        row["balance_end"] = float(run["purse_balance"].iloc[-1]) if "purse_balance" in run else math.nan
        done = float(run["projects_completed_total"].iloc[-1]) if "projects_completed_total" in run else math.nan
        row[COST_PER_PROJECT] = row["spending_total"] / done if done > 0 else math.nan
        tail = run[run["step"] > run["step"].max() - window]
        rate, cost = tail["participation_rate"], tail.get(COST_PER_PARTICIPANT)
        mean_spent = float(tail["_spent"].mean())
        if mean_spent == 0.0:
            row[COST_PER_PARTICIPANT] = 0.0 if rate.mean() > 0 else math.nan
        elif cost is None:
            row[COST_PER_PARTICIPANT] = math.nan
        else:
            whole = run[COST_PER_PARTICIPANT] * run["participation_rate"]
            usable = (run["_spent"] > 0) & (whole > 0)
            residents = float((run["_spent"][usable] / whole[usable]).median()) if usable.any() else math.nan
            participants = residents * float(rate.mean())
            row[COST_PER_PARTICIPANT] = mean_spent / participants if participants > 0 else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _money_label(column: str) -> str:
    name = column.removeprefix(SPENDING_PREFIX).removeprefix(INCOME_PREFIX)
    if column.startswith(INCOME_PREFIX):
        return SOURCE_NAMES.get(name, name.replace("_", " ")).removeprefix("the ").capitalize()
    return name.replace("_", " ").capitalize()


def _money(rep: Report) -> dict:
    """Spending by use, income by source (sums over a run) and the costs per project and per participant,
    per scenario: mean over replications with its 95% t interval (``money.csv``)."""
    res, ts = rep.res, rep.res.timeseries
    uses, sources = _money_columns(ts, SPENDING_PREFIX), _money_columns(ts, INCOME_PREFIX)
    if not uses or "participation_rate" not in ts:
        return {"note": _missing(rep, "the money section", ["spending_<use>", "income_<source>"])}
    runs = money_outcomes(ts, res.window)
    scen = res.scenarios
    spent_any = [u for u in uses if runs[u].abs().sum() > 0]
    unused = [_money_label(u).lower() for u in uses if u not in spent_any]
    income_any = [c for c in sources if runs[c].abs().sum() > 0]
    none_from = [_money_label(c).lower() for c in sources if c not in income_any]
    # by total spending across scenarios, largest first
    spent_any.sort(key=lambda u: -runs[u].mean())
    items = ([("use", u, _money_label(u)) for u in spent_any] + [("total", "spending_total", "Total spending")]
             + [("source", c, _money_label(c)) for c in income_any]
             + [("total", "income_run_total", "Total income"), ("total", "balance_end", "Left in the purse at the end")]
             + [("cost", COST_PER_PROJECT, "Cost per completed project"),
                ("cost", COST_PER_PARTICIPANT, "Cost per participant")])
    ci = {}  # (item, scenario) -> (mean, low, high, n)
    for _, col, _ in items:
        for s in scen:
            values = runs.loc[runs["scenario"] == s, col]
            mean, lo, hi, n = stats.t_interval(values)
            ci[col, s] = (mean, max(lo, 0.0) if pd.notna(lo) else lo, hi, n)
    total = {s: ci["spending_total", s][0] for s in scen}

    def cell(col, s, share=False):
        mean, lo, hi, n = ci[col, s]
        out = {"value": _yuan(mean), "ci": f"[{_yuan(lo)}, {_yuan(hi)}]" if pd.notna(lo) else "n/a", "n": n,
               "share": ""}
        if mean == 0 and hi == 0:  # nothing in any run: no interval to give
            return {**out, "value": "0", "ci": ""}
        if share and total[s] > 0:
            part = mean / total[s]
            out["share"] = ("<1%" if 0 < part < 0.005 else f"{part:.0%}") + " of spending"
        return out

    groups = [
        ("Spending by use, whole run (yuan)", [(lbl, [cell(c, s, k == "use") for s in scen]) for k, c, lbl in items
                                               if k == "use" or c == "spending_total"]),
        ("Income by source, whole run (yuan)", [(lbl, [cell(c, s) for s in scen]) for k, c, lbl in items
                                                if k == "source" or c in ("income_run_total", "balance_end")]),
        ("What it cost (yuan)", [
            ("Per completed project (total spending ÷ projects completed)", [cell(COST_PER_PROJECT, s) for s in scen]),
            (f"Per participant a month (mean monthly spending ÷ mean residents taking part, last {res.window} "
             "months)", [cell(COST_PER_PARTICIPANT, s) for s in scen])]),
    ]
    csv = pd.DataFrame([{"scenario": s, "kind": k, "item": col, "label": lbl, "mean": ci[col, s][0],
                         "ci_low": ci[col, s][1], "ci_high": ci[col, s][2], "n": ci[col, s][3]}
                        for k, col, lbl in items for s in scen])
    _write_text(rep.out / "money.csv", csv.to_csv(index=False, float_format="%.10g"))
    rep.files.append("money.csv")

    n_text = _n_runs(res)
    flows = [("Spending by use", "yuan over the whole run", [lbl for k, _, lbl in items if k == "use"],
              {s: [ci[c, s][:3] for k, c, _ in items if k == "use"] for s in scen}),
             ("Income by source", "yuan over the whole run", [lbl for k, _, lbl in items if k == "source"],
              {s: [ci[c, s][:3] for k, c, _ in items if k == "source"] for s in scen})]
    fig = figures.bars_ci(flows, rep.colours, "Where the money came from and where it went")
    cap = (f"Yuan summed over each run, mean over {n_text} with its 95% confidence interval (whiskers). Every yuan "
           "comes into one purse from a source and is paid out of it for a use, so spending never exceeds income; "
           "what is not spent stays in the purse."
           + (f" Nothing was spent on {', '.join(unused)}." if unused else "")
           + (f" No money came from {', '.join(none_from)}." if none_from else ""))
    figs = [rep.figure(fig, "money_flows", "Where the money came from and where it went", cap)]
    costs = [("Cost per completed project", "yuan per project", ["per project"],
              {s: [ci[COST_PER_PROJECT, s][:3]] for s in scen}),
             ("Cost per participant", "yuan per participant a month", ["per participant"],
              {s: [ci[COST_PER_PARTICIPANT, s][:3]] for s in scen})]
    fig = figures.bars_ci(costs, rep.colours, "What a project and a participant cost", horizontal=False)
    cap = ("Left: all spending of a run divided by the projects it completed (runs that completed none are left "
           "out; n/a: no run of the scenario completed a project). Right: mean monthly spending over the last "
           f"{res.window} months divided by the mean number of residents taking part in those months. Bars: mean "
           f"over {n_text}; whiskers: 95% confidence intervals.")
    figs.append(rep.figure(fig, "money_costs", "What a project and a participant cost", cap))
    n = sorted({ci["spending_total", s][3] for s in scen})
    return {"figures": figs, "groups": groups, "scenarios": scen,
            "n": ", ".join(str(int(x)) for x in n)}


def _yuan(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:,.0f}"


# ---------------------------------------------------------------------------------------- sweep
def _sweep(rep: Report) -> None:
    t = time.perf_counter()
    res = rep.res
    params = res.swept_parameters()
    if not params:
        raise ConfigError("sweep.parquet: no swept parameter found (list them in manifest.json 'swept')")
    outcomes = figures.sweep_outcomes(res.sweep, params, res.window)
    if "scenario" not in outcomes:
        outcomes["scenario"] = res.scenarios[0] if res.scenarios else "run"
        rep.colours = scenario_colours(outcomes["scenario"].unique())
    figs = []
    cap = ("Each point is the mean over replications (and over the other swept parameters' values) of the outcome "
           f"averaged over the last {res.window} months of a run; the band is its 95% confidence interval. "
           "Cost per completed "
           "project is taken at the end of each run.")
    for k, p in enumerate(params):
        fig = figures.sweep_lines(outcomes, p, rep.colours, [q for q in params if q != p])
        figs.append(rep.figure(fig, f"sweep_lines_{k + 1}", f"Outcomes over {p}", cap))
    if len(params) == 2:
        for k, s in enumerate(list(rep.colours)[:4]):
            fig = figures.sweep_heatmaps(outcomes, params, s, res.window)
            cap2 = (f"Scenario {s}: mean over replications of each outcome (last {res.window} months) at each "
                    "combination of "
                    f"{params[0]} (x) and {params[1]} (y).")
            figs.append(rep.figure(fig, f"sweep_heatmap_{k + 1}", f"Heatmaps — {s}", cap2))
    table = _sweep_table(outcomes, params)
    _write_text(rep.out / "sweep_summary.csv", table.to_csv(index=False, float_format="%.10g"))
    rep.files.append("sweep_summary.csv")
    values = {p: ", ".join(f"{v:g}" if isinstance(v, (int, float)) else str(v)
                           for v in sorted(res.sweep[p].unique())) for p in params}
    rep.section("sweep", figures=figs, params=values)
    rep.timings["sweep"] = time.perf_counter() - t


def _sweep_table(outcomes: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    rows = []
    metrics = figures.sweep_metrics(outcomes)
    for key, runs in outcomes.groupby([*params, "scenario"], sort=True):
        for m in metrics:
            mean, lo, hi, n = stats.t_interval(runs[m])
            rows.append([*key, m, mean, lo, hi, n])
    return pd.DataFrame(rows, columns=[*params, "scenario", "metric", "mean", "ci_low", "ci_high", "n"])


# ---------------------------------------------------------------------------------- sensitivity
def _sensitivity(rep: Report) -> None:
    t = time.perf_counter()
    ind = rep.res.indices
    figs, tables = [], []
    methods = list(dict.fromkeys(ind["method"])) if "method" in ind else ["sobol" if "S1" in ind else "morris"]
    for method in methods:
        d = ind[ind["method"] == method] if "method" in ind else ind
        if {"S1", "ST"} <= set(d.columns) and d["S1"].notna().any():
            fig = figures.sobol(d)
            cap = ("First-order index S1: the share of the outcome's variance explained by the parameter alone; total "
                   "index ST: including its interactions with the others. Whiskers: 95% bootstrap intervals. "
                   "ST ≈ 0 means the outcome does not depend on the parameter in the ranges tried.")
            figs.append(rep.figure(fig, f"sensitivity_{method}", "Sobol indices", cap))
            cols = ["metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
        elif "mu_star" in d and d["mu_star"].notna().any():
            fig = figures.morris(d)
            cap = ("μ*: mean absolute elementary effect of the parameter on the outcome (bars, with 95% bootstrap "
                   "interval), a ranking of importance; σ (diamonds): the spread of the effects, high when the "
                   "parameter acts non-linearly or through interactions. Shares in percentage points.")
            figs.append(rep.figure(fig, f"sensitivity_{method}", "Morris elementary effects", cap))
            cols = ["metric", "parameter", "mu_star", "mu_star_conf", "sigma"]
        else:
            continue
        tab = d[[c for c in cols if c in d]].copy()
        tab["metric"] = tab["metric"].map(lambda m: metric(m).label)
        tables.append({"method": method, "columns": list(tab.columns),
                       "rows": [[v if isinstance(v, str) else f"{v:.3g}" for v in r]
                                for r in tab.itertuples(index=False)]})
    rep.section("sensitivity", figures=figs, tables=tables)
    rep.timings["sensitivity"] = time.perf_counter() - t


# --------------------------------------------------------------------------------- what was run
def _seeds(seeds) -> str:
    seeds = sorted(int(s) for s in seeds)
    if not seeds:
        return "n/a"
    out, start, prev = [], seeds[0], seeds[0]
    for s in [*seeds[1:], None]:
        if s is not None and s == prev + 1:
            prev = s
            continue
        out.append(f"{start}–{prev}" if prev > start else f"{start}")
        if s is not None:
            start = prev = s
    return ", ".join(out) + f" ({len(seeds)} seed{'' if len(seeds) == 1 else 's'})"


EXTRA_LABELS = {"swept": "Swept parameters", "parameters": "Parameter ranges", "method": "Method",
                "samples": "Samples", "runs": "Runs", "metrics": "Outcomes analysed"}
"""Labels of kind-specific manifest keys in 'what was run' (other keys appear under their own name)."""

SHOWN = {"kind", "scenarios", "descriptions", "community", "community_description", "replications", "steps",
         "seeds", "version", "command", "overrides"}


def _what_was_run(rep: Report) -> None:
    m = rep.res.manifest
    desc = m.get("descriptions") or {}
    scen = [{"name": s, "colour": rep.colours.get(s, "#555555"), "description": desc.get(s, ""),
             "baseline": k == 0 and rep.res.kind == "compare"} for k, s in enumerate(rep.res.scenarios)]
    steps = m.get("steps")
    facts = [
        ("Kind of job", m.get("kind")),
        ("Community", m.get("community", "n/a")
         + (f" — {m['community_description']}" if m.get("community_description") else "")),
        ("Replications", f"{m.get('replications', 'n/a')} per scenario" if rep.res.kind != "sensitivity"
         else f"{m.get('replications', 'n/a')}"),
        ("Steps", f"{steps} months ({steps / 12:g} years)" if isinstance(steps, (int, float)) else "n/a"),
        ("Seeds", _seeds(m.get("seeds") or [])),
        ("Package version", f"cogov {m.get('version', 'unknown')}"),
    ]
    overrides = rep.res.overrides()
    if overrides:
        facts.append(("Overrides (every run)", ", ".join(f"{k}={v}" for k, v in overrides.items())))
    labels = {**EXTRA_LABELS, **({"parameters": "Swept parameters"} if rep.res.kind == "sweep" else {})}
    extra = [(labels.get(k, k), _plain(v)) for k, v in m.items() if k not in SHOWN]
    rep.section("what-was-run", scenarios=scen, facts=facts, extra=extra, command=m.get("command", "n/a"),
                files=rep.files)


def _plain(v) -> str:
    if isinstance(v, dict) and all(isinstance(x, (list, tuple)) and len(x) == 2
                                   and all(isinstance(y, (int, float)) for y in x) for x in v.values()):
        return "; ".join(f"{k}: {x[0]:g} to {x[1]:g}" for k, x in v.items())  # parameter ranges
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_plain(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ", ".join(_plain(x) for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


# ------------------------------------------------------------------------------------ rendering
def _render(rep: Report) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    m = rep.res.manifest
    scen = rep.res.scenarios
    if rep.res.kind == "compare":
        title = "Scenario comparison: " + " vs ".join(scen)
    elif rep.res.kind == "sweep":
        title = "Parameter sweep: " + " × ".join(rep.res.swept_parameters())
    elif rep.res.kind in policy.KINDS:
        title = policy.title(rep.res)
    else:
        title = "Sensitivity analysis" + (f" ({m['method']})" if m.get("method") else "")
    order = [s for s in SECTIONS[rep.res.kind] if s in rep.sections]
    return env.get_template("report.html.j2").render(
        title=title, kind=rep.res.kind, manifest=m, window=rep.res.window, sections=[rep.sections[s] for s in order],
        colours=rep.colours, generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        build_seconds=f"{rep.timings['total']:.1f}", results_dir=str(rep.res.path))


def _write_text(path: Path, text: str) -> Path:
    """Write atomically (temporary file beside the target, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ----------------------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> None:
    """``python -m analysis.report results=<job dir> [out=<dir>]`` (Hydra's override grammar, parsed
    as every entry point's command line is: :mod:`experiments.command_line`)."""
    from experiments.command_line import Option, check_path, parse

    argv = sys.argv[1:] if argv is None else list(argv)
    options = {"results": Option(None, str, "the job directory to report on (manifest.json and its tables)"),
               "out": Option(None, str, "where to write report.html and figures/ (default: the job directory)")}
    opts, _ = parse(argv, options, "analysis.report", overrides=False)
    if not opts["results"]:
        _fail("results=<job dir> is required (usage: python -m analysis.report results=<job dir> [out=<dir>])")
    check_path("results", opts["results"])
    try:
        path = build_report(opts["results"], opts["out"], quiet=False)
    except ConfigError as exc:
        _fail(str(exc))
    print(f"report: {path}")


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


if __name__ == "__main__":
    main()
