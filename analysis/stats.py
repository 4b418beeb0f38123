"""Confidence intervals over replications and per-run outcomes.

Every interval here is a 95% Student-t interval over independent replications (one value per
run): the mean ± t(0.975, n−1)·s/√n; a difference between two scenarios uses Welch's interval
(unequal variances, Welch–Satterthwaite degrees of freedom); the effect size is Hedges' g
(the standardised mean difference with its small-sample correction). With fewer than two runs
an interval is undefined (NaN).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from analysis.labels import COST_PER_PROJECT

LEVEL = 0.95
WINDOW = 12
"""Months at the end of a run averaged into its outcome (the contract of summary.parquet)."""

SUMMARY_COLUMNS = ["scenario", "metric", "mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high",
                   "effect_size", "n"]


def t_interval(values) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the finite values: a 95% t interval of the mean."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    m = float(x.mean())
    if n < 2:
        return m, math.nan, math.nan, n
    half = stats.t.ppf(0.5 + LEVEL / 2, n - 1) * x.std(ddof=1) / math.sqrt(n)
    return m, m - half, m + half, n


def welch_interval(baseline, other) -> tuple[float, float, float]:
    """(difference other − baseline, low, high): Welch's 95% interval of a difference of means."""
    a = np.asarray(baseline, dtype=float)
    b = np.asarray(other, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) == 0 or len(b) == 0:
        return math.nan, math.nan, math.nan
    d = float(b.mean() - a.mean())
    if len(a) < 2 or len(b) < 2:
        return d, math.nan, math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return d, d, d
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = stats.t.ppf(0.5 + LEVEL / 2, df) * se
    return d, d - half, d + half


def hedges_g(baseline, other) -> float:
    """Standardised mean difference (other − baseline) / pooled SD, small-sample corrected."""
    a = np.asarray(baseline, dtype=float)
    b = np.asarray(other, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return math.nan
    pooled = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    if pooled == 0:
        return math.nan
    correction = 1 - 3 / (4 * (na + nb) - 9)
    return float((b.mean() - a.mean()) / pooled * correction)


def run_outcomes(ts: pd.DataFrame, by: list[str], window: int = WINDOW) -> pd.DataFrame:
    """One row per run: each metric averaged over the run's last ``window`` months, plus the cost
    per completed project at the end of the run.

    Args:
        ts: a tidy time-series table (``step`` and metric columns, plus the run keys ``by``).
        by: the columns that identify a run (e.g. ``["scenario", "seed"]``).
    """
    ts = ts.sort_values([*by, "step"])
    metrics = [c for c in ts.columns if c not in (*by, "step", "community") and pd.api.types.is_numeric_dtype(ts[c])]
    last = ts.groupby(by, sort=False)["step"].transform("max")
    tail = ts[ts["step"] > last - window]
    out = tail.groupby(by, sort=False)[metrics].mean()
    if {"government_spending_total", "projects_completed_total"} <= set(ts.columns):
        final = ts[ts["step"] == last].groupby(by, sort=False)[
            ["government_spending_total", "projects_completed_total"]].last()
        out[COST_PER_PROJECT] = cost_per_project(final["government_spending_total"],
                                                 final["projects_completed_total"])
    return out.reset_index()


def cost_per_project(spending_total, projects_total):
    """Government spending per completed project (yuan); NaN for a run that completed none."""
    spending = np.asarray(spending_total, dtype=float)
    projects = np.asarray(projects_total, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(projects > 0, spending / projects, np.nan)


def summarise(outcomes: pd.DataFrame, scenarios: list[str], metrics: list[str]) -> pd.DataFrame:
    """The summary table of the results contract from per-run outcomes (first scenario = baseline).

    Columns: scenario, metric, mean, ci_low, ci_high, diff, diff_ci_low, diff_ci_high,
    effect_size, n. The baseline's own difference is 0 with no interval.
    """
    base = outcomes[outcomes["scenario"] == scenarios[0]]
    rows = []
    for s in scenarios:
        runs = outcomes[outcomes["scenario"] == s]
        for m in metrics:
            if m not in runs:
                continue
            mean, lo, hi, n = t_interval(runs[m])
            if s == scenarios[0]:
                d, dlo, dhi, g = 0.0, math.nan, math.nan, math.nan
            else:
                d, dlo, dhi = welch_interval(base[m], runs[m])
                g = hedges_g(base[m], runs[m])
            rows.append([s, m, mean, lo, hi, d, dlo, dhi, g, n])
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def band(ts: pd.DataFrame, by: list[str], metric: str, x: str = "step") -> pd.DataFrame:
    """Mean and 95% t interval of ``metric`` over replications at each ``x`` within groups ``by``.

    Returns columns ``by + [x, mean, low, high, n]``.
    """
    g = ts.groupby([*by, x], sort=True)[metric]
    out = g.agg(mean="mean", sd="std", n="count").reset_index()
    n = out["n"].to_numpy(dtype=float)
    tq = np.where(n > 1, stats.t.ppf(0.5 + LEVEL / 2, np.maximum(n - 1, 1)), np.nan)
    half = tq * out["sd"].to_numpy() / np.sqrt(np.maximum(n, 1))
    out["low"] = out["mean"] - half
    out["high"] = out["mean"] + half
    return out.drop(columns="sd")
