"""Report sections of the policy analysis: attribution, cost-effectiveness, robustness.

:func:`sections` adds them to a :class:`analysis.report.Report` for a job of kind ``attribution``
(``experiments.attribute``: attribution and cost-effectiveness, plus robustness when the job
directory holds a robustness job in ``robustness/``) or ``robustness`` (``experiments.robustness``).
Each section has one paragraph in plain words for an official, a figure and a table:

- attribution: a waterfall per outcome from the ``from`` arm's value to the ``to`` arm's, one step
  per lever (its Shapley value, with its 95% interval over the paired seeds), and the table;
- cost-effectiveness: effect against cost per lever (cost: the lever's Shapley value of monthly
  spending), and points per 10,000 yuan a month;
- robustness: the largest regret of each policy per outcome, the minimax-regret choice, the PRIM boxes.

Shares (participation) are shown in percentage points, scores (trust, satisfaction) in points on a
0–100 scale, money in yuan. Only tables are read here (no model is run).
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import figures
from analysis.labels import metric

KINDS = ("attribution", "robustness")
SECTIONS = {"attribution": ["attribution", "cost-effectiveness", "robustness", "what-was-run"],
            "robustness": ["robustness", "what-was-run"]}
"""Section ids by kind of job (``robustness`` only when there is a robustness job to show)."""
TITLES = {"attribution": "Which lever explains the gap", "cost-effectiveness": "What each lever costs",
          "robustness": "Does the choice survive what we do not know"}
WATERFALL = ("participation_rate", "trust_in_government", "satisfaction", "government_spending")
"""Outcomes drawn as waterfalls (those the job attributed)."""
ROBUSTNESS_DIR = "robustness"
"""A robustness job inside an attribution job directory, shown in the attribution report."""


def title(res) -> str:
    """The report's title for a policy job."""
    if res.kind == "attribution":
        a, b = (res.manifest.get("scenarios") or ["?", "?"])[:2]
        return f"Policy attribution: {a} → {b}"
    return "Robustness: " + " vs ".join(res.manifest.get("scenarios") or [])


def points(name: str) -> tuple[float, str]:
    """Display factor and unit of an outcome's differences: percentage points for shares, points
    (0–100) for scores, the metric's unit otherwise."""
    m = metric(name)
    if m.kind == "share":
        return 100.0, "percentage points"
    if m.kind in ("score",):
        return 100.0, "points (0–100)"
    return 1.0, m.unit


def _num(x: float, digits: int = 1) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:+,.0f}" if abs(x) >= 100 else f"{x:+.{digits}f}"


# --------------------------------------------------------------------------------------- figures
def waterfall(shap: pd.DataFrame, gap: pd.DataFrame, arms: tuple[str, str]):
    """Per outcome: the ``from`` arm's value, one step per lever (Shapley value, 95% interval as a
    whisker), the ``to`` arm's value; levers sorted by the size of their step."""
    outcomes = [o for o in WATERFALL if o in set(gap["outcome"])] or list(gap["outcome"])[:4]
    n_levers = shap["lever"].nunique()
    fig, axes = figures._grid(len(outcomes), ncols=2, panel=(6.2, 1.1 + 0.42 * (n_levers + 2)))
    for ax, o in zip(axes, outcomes):
        m = metric(o)
        f = m.scale if m.kind == "share" else 1.0
        g = gap.set_index("outcome").loc[o]
        d = shap[shap["outcome"] == o].sort_values("shapley", key=abs, ascending=False)
        labels = [arms[0], *d["lever"], arms[1]]
        y = np.arange(len(labels))[::-1]
        level = g["from_mean"] * f
        ax.barh(y[0], level, color="#bdbdbd", height=0.6)
        for k, (_, r) in enumerate(d.iterrows(), start=1):
            step = r["shapley"] * f
            ax.barh(y[k], step, left=level, height=0.6, color="#1a7f37" if step >= 0 else "#b2182b")
            lo, hi = r["ci_low"] * f, r["ci_high"] * f
            if math.isfinite(lo) and math.isfinite(hi):
                ax.errorbar(level + step, y[k], xerr=[[max(step - (lo), 0)], [max(hi - step, 0)]], fmt="none",
                            ecolor="#222222", capsize=2.5)
            level += step
        ax.barh(y[-1], g["to_mean"] * f, color="#0072B2", height=0.6)
        ax.set_yticks(y, labels)
        ax.set_xlabel(m.axis_label)
        ax.set_title(m.label, loc="left")
        ax.grid(axis="y", visible=False)
    fig.suptitle(f"From {arms[0]} to {arms[1]}: each lever's share of the gap (Shapley values, 95% intervals "
                 "over paired seeds)", x=0.01, ha="left")
    return fig


def effect_vs_cost(shap: pd.DataFrame):
    """Per lever: its effect (Shapley value) on participation and on trust against its cost (Shapley value
    of monthly spending), with 95% intervals on both axes."""
    from analysis.palette import OKABE_ITO

    cost = shap[shap["outcome"] == "government_spending"].set_index("lever")
    effects = [o for o in ("participation_rate", "trust_in_government") if o in set(shap["outcome"])]
    fig, axes = figures._grid(len(effects), ncols=2, panel=(6.0, 4.4))
    colours = list(OKABE_ITO.values())
    for ax, o in zip(axes, effects):
        f, unit = points(o)
        e = shap[shap["outcome"] == o].set_index("lever").loc[cost.index]
        for k, lever in enumerate(cost.index):
            c, r = cost.loc[lever], e.loc[lever]
            ax.errorbar(c["shapley"], r["shapley"] * f,
                        xerr=[[max(c["shapley"] - c["ci_low"], 0)], [max(c["ci_high"] - c["shapley"], 0)]],
                        yerr=[[max((r["shapley"] - r["ci_low"]) * f, 0)], [max((r["ci_high"] - r["shapley"]) * f, 0)]],
                        fmt="o", color=colours[k % len(colours)], ms=7, capsize=2.5, label=lever)
            ax.annotate(lever, (c["shapley"], r["shapley"] * f), textcoords="offset points", xytext=(5, 4), fontsize=9)
        ax.axhline(0, color="#888888", lw=0.8)
        ax.axvline(0, color="#888888", lw=0.8)
        ax.set_xlabel("cost: share of monthly government spending (yuan per month)")
        ax.set_ylabel(f"effect on {metric(o).label.lower()} ({unit})")
        ax.set_title(f"{metric(o).label}: effect against cost", loc="left")
    fig.suptitle("Each lever's effect against its cost (Shapley values; up and left is better value)", x=0.01,
                 ha="left")
    return fig


def regret_figure(table: pd.DataFrame):
    """The largest regret of each policy per outcome over the sampled worlds (minimax choice marked)."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    policies = list(dict.fromkeys(table["policy"]))
    fig, axes = figures._grid(len(outcomes), ncols=2, panel=(5.6, 0.9 + 0.45 * len(policies)))
    for ax, o in zip(axes, outcomes):
        f, unit = points(o)
        d = table[table["outcome"] == o].set_index("policy").loc[policies]
        y = np.arange(len(policies))[::-1]
        ax.barh(y, d["max_regret"] * f, color=["#0072B2" if m else "#bdbdbd" for m in d["minimax"]], height=0.6)
        ax.set_yticks(y, [p + (" (minimax)" if m else "") for p, m in zip(policies, d["minimax"])])
        ax.set_xlabel(f"largest regret over the worlds ({unit})")
        ax.set_title(metric(o).label, loc="left")
        ax.grid(axis="y", visible=False)
    fig.suptitle("How far each policy falls behind the best one in its worst world", x=0.01, ha="left")
    return fig


# -------------------------------------------------------------------------------------- sections
def _table_html(columns: list[str], rows: list[list[str]], text_columns: int = 2) -> str:
    """An HTML table; the first ``text_columns`` columns and the last (the unit) are text, the others numbers."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    last = len(columns) - 1 if columns[-1] == "Unit" else len(columns)
    body = "".join("<tr>" + "".join(f'<td{" class=\"num\"" if text_columns <= k < last else ""}>{html.escape(str(v))}'
                                    "</td>" for k, v in enumerate(r)) + "</tr>" for r in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def attribution_paragraph(shap: pd.DataFrame, gap: pd.DataFrame, arms: tuple[str, str]) -> str:
    """The plain-words summary of the attribution (participation, trust and cost when attributed)."""
    parts = []
    for o in ("participation_rate", "trust_in_government", "government_spending"):
        if o not in set(gap["outcome"]):
            continue
        f, unit = points(o)
        g = gap.set_index("outcome").loc[o]
        d = shap[shap["outcome"] == o].sort_values("shapley", key=abs, ascending=False)
        top = d.iloc[0]
        sure = top["ci_low"] > 0 or top["ci_high"] < 0
        parts.append(f"{metric(o).label} changes by {_num(g['gap'] * f)} {unit}; the largest part, "
                     f"{_num(top['shapley'] * f)} ({top['share'] * 100:.0f}%), comes from {top['lever']}"
                     + ("" if sure else " (its interval includes zero: the seeds do not settle it)"))
    return (f"Going from {arms[0]} to {arms[1]} changes several things at once. Splitting each outcome's change "
            "fairly among those levers (every lever is credited with its average contribution over every order in "
            "which the levers could be introduced; the parts add up to the whole change): " + "; ".join(parts) + ". "
            "A lever whose interval includes zero has no effect the runs can distinguish from chance.")


def sections(rep) -> None:
    """Add the policy sections of the report's job (see the module docstring)."""
    res = rep.res
    if res.kind == "attribution":
        _attribution(rep)
        _cost(rep)
        sub = res.path / ROBUSTNESS_DIR
        if (sub / "robustness.parquet").is_file():
            _robustness(rep, sub, json.loads((sub / "manifest.json").read_text(encoding="utf-8")))
    else:
        _robustness(rep, res.path, res.manifest)


def _attribution(rep) -> None:
    res = rep.res
    shap, gap = res.tables["attribution.parquet"], res.tables["gap.parquet"]
    arms = tuple((res.manifest.get("scenarios") or ["from", "to"])[:2])
    fig = rep.figure(waterfall(shap, gap, arms), "attribution_waterfall", "Waterfall of Shapley values",
                     "Grey: the starting scenario's value; green and red steps: each lever's Shapley value (whiskers: "
                     "95% intervals over the paired seeds); blue: the end scenario's value. The steps add up exactly "
                     "to the change.")
    rows = []
    for o, d in shap.groupby("outcome", sort=False):
        f, unit = points(o)
        for _, r in d.sort_values("shapley", key=abs, ascending=False).iterrows():
            rows.append([metric(o).label, r["lever"], f"{_num(r['shapley'] * f, 2)}",
                         f"[{_num(r['ci_low'] * f, 2)}, {_num(r['ci_high'] * f, 2)}]",
                         "n/a" if pd.isna(r["share"]) else f"{100 * r['share']:.0f}%", unit])
    table = _table_html(["Outcome", "Lever", "Shapley value", "95% interval", "Share of the change", "Unit"], rows)
    inter = res.tables.get("interactions.parquet")
    extra = ""
    if inter is not None and len(inter):
        top = inter.reindex(inter["interaction"].abs().sort_values(ascending=False).index)
        top = top.groupby("outcome", sort=False).head(2)
        irows = []
        for _, r in top.iterrows():
            f, unit = points(r["outcome"])
            irows.append([metric(r["outcome"]).label, f"{r['lever_a']} × {r['lever_b']}",
                          _num(r["interaction"] * f, 2), f"[{_num(r['ci_low'] * f, 2)}, {_num(r['ci_high'] * f, 2)}]",
                          unit])
        extra = ("<h3>Strongest pair interactions</h3><p class=\"note\">Positive: the two levers do more together "
                 "than apart; negative: either does part of the other's work (Shapley interaction index).</p>"
                 + _table_html(["Outcome", "Levers", "Interaction", "95% interval", "Unit"], irows))
    rep.sections["attribution"] = {"id": "attribution", "title": TITLES["attribution"], "figures": [fig],
                                   "check": None, "note": None,
                                   "html": f"<p class=\"lead\">{html.escape(attribution_paragraph(shap, gap, arms))}"
                                           f"</p>{table}{extra}"}


def _cost(rep) -> None:
    res = rep.res
    shap, ce = res.tables["attribution.parquet"], res.tables.get("cost_effectiveness.parquet")
    if ce is None or "government_spending" not in set(shap["outcome"]):
        return
    fig = rep.figure(effect_vs_cost(shap), "effect_vs_cost", "Effect against cost",
                     "Each lever's Shapley value of participation (left) and trust (right) against its Shapley value "
                     "of monthly government spending; whiskers: 95% intervals over the paired seeds.")
    rows = []
    pct = lambda x: "n/a" if pd.isna(x) else f"{100 * x:.0f}%"
    for _, r in ce.iterrows():
        rows.append([r["lever"], "n/a" if pd.isna(r["cost"]) else f"{r['cost']:+,.0f}", pct(r["cost_share"]),
                     pct(r["participation_share"]), pct(r["trust_share"]),
                     "n/a" if pd.isna(r["participation_per_10k"]) else f"{r['participation_per_10k']:.2f}",
                     "n/a" if pd.isna(r["trust_per_10k"]) else f"{r['trust_per_10k']:.2f}"])
    table = _table_html(["Lever", "Cost (yuan a month)", "Share of the extra cost", "Share of participation gain",
                         "Share of trust gain", "Participation points per 10,000 yuan a month",
                         "Trust points per 10,000 yuan a month"], rows, text_columns=1)
    paid = ce[ce["cost"] >= 1].sort_values("participation_per_10k", ascending=False)
    dearest = ce.sort_values("cost", ascending=False).iloc[0]
    best = "no lever has a cost to divide by"
    if len(paid):
        top = paid.iloc[0]
        best = (f"{top['lever']} buys the most participation per yuan ({top['participation_per_10k']:.2f} points per "
                "10,000 yuan a month)")
    free = ce[~(ce["cost"] >= 1)]["lever"].tolist()
    text = (f"Where does the extra money go? {dearest['lever']} accounts for the largest part of the extra monthly "
            f"spending ({pct(dearest['cost_share'])}); {best}. "
            + (f"{', '.join(free)} cost(s) nothing extra or save money, so no ratio is given. " if free else "")
            + "A lever with a large share of the cost and a small share of the gains is the first candidate to "
              "trim; the ratios are only as certain as the intervals in the figure.")
    rep.sections["cost-effectiveness"] = {"id": "cost-effectiveness", "title": TITLES["cost-effectiveness"],
                                          "figures": [fig], "check": None, "note": None,
                                          "html": f"<p class=\"lead\">{html.escape(text)}</p>{table}"}


def _robustness(rep, path: Path, manifest: dict) -> None:
    table = pd.read_parquet(path / "robustness.parquet")
    fig = rep.figure(regret_figure(table), "regret", "Largest regret per policy",
                     "Regret: how far a policy falls behind the best policy of the same world on an outcome; the bar "
                     "is its worst world. Blue: the policy with the smallest worst regret (minimax regret).")
    rows = [[metric(r["outcome"]).label, r["policy"] + (" (minimax)" if r["minimax"] else ""),
             f"{r['max_regret'] * points(r['outcome'])[0]:,.2f}", f"{r['mean_regret'] * points(r['outcome'])[0]:,.2f}",
             points(r["outcome"])[1]] for _, r in table.iterrows()]
    prim = (path / "prim.txt").read_text(encoding="utf-8") if (path / "prim.txt").is_file() else ""
    choice = manifest.get("minimax_regret_policy", "n/a")
    per = table[table["minimax"]].groupby("outcome", sort=False)["policy"].first()
    where = ("drawn from the calibrated ensemble (parameter vectors under which the model reproduces the seed "
             "patterns)" if manifest.get("worlds") else "sampled over assumed ranges of starting trust, the weight "
             "of private cost, tie growth, volunteer drop-out and the share of free riders")
    text = (f"Over {manifest.get('n_worlds', '?')} possible worlds {where}, each policy is compared with the best "
            "one in the same world; its regret is how far it falls behind. Per outcome, the policy whose worst regret "
            "is smallest: " + "; ".join(f"{metric(o).label.lower()}: {p}" for o, p in per.items()) + ". Weighing "
            f"every outcome alike (each regret as a share of that outcome's range), it is {choice}. "
            f"The boxes below say in which worlds {manifest.get('policy', 'co-creation')} does not beat "
            f"{manifest.get('baseline', 'top-down')}: coverage is the share of those worlds inside the box, density "
            "the share of the box's worlds where it happens.")
    body = (f"<p class=\"lead\">{html.escape(text)}</p>"
            + _table_html(["Outcome", "Policy", "Largest regret", "Mean regret", "Unit"], rows)
            + f"<h3>Scenario discovery (PRIM)</h3><pre class=\"cmd\">{html.escape(prim)}</pre>")
    rep.sections["robustness"] = {"id": "robustness", "title": TITLES["robustness"], "figures": [fig], "check": None,
                                  "note": None, "html": body}
