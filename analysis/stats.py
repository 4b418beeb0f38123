"""The statistics of replicated runs, used by every job (``experiments.compare``) and every report.

It lives in ``analysis`` because it reads tables only (numpy, scipy, pandas): experiments use
it to write ``summary.parquet``; neither it nor any other ``analysis`` module runs a model.

A run's outcome on a metric is its mean over the run's last ``window`` months (the job's
``manifest.json`` records ``window``; NaN months, e.g. ``volunteer_retention`` before anyone
volunteered, left out). Across the ``n`` replications of a scenario (one value per run; NaN
runs left out and not counted in ``n``):

* mean and its 95% interval: Student's t, mean ± t(0.975, n−1)·s/√n;
* difference (other − baseline) with Welch's 95% interval: unequal variances,
  se = √(s₁²/n₁ + s₀²/n₀), Welch–Satterthwaite degrees of freedom
  ν = se⁴ / ((s₁²/n₁)²/(n₁−1) + (s₀²/n₀)²/(n₀−1)), diff ± t(0.975, ν)·se;
* Hedges' g: Cohen's d = diff / s_pooled, s_pooled = √(((n₁−1)s₁² + (n₀−1)s₀²)/(n₁+n₀−2)),
  times the small-sample correction J = 1 − 3/(4(n₁+n₀) − 9).

Degenerate cases, one rule for all: with fewer than two runs in a group (or none) an interval
and g are undefined (NaN; a mean of one run is still reported); with no spread at all an
interval collapses onto its estimate, and g is undefined (NaN: no standard deviation to
standardise by), whatever the difference. The baseline's own difference columns are NaN.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from analysis.labels import COST_PER_PROJECT

LEVEL = 0.95

SUMMARY_COLUMNS = ["scenario", "metric", "mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high",
                   "hedges_g", "n"]
"""The columns of ``summary.parquet`` (one row per scenario and metric; first scenario = baseline)."""


def _finite(values) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    return x[np.isfinite(x)]


def t_interval(values) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the finite values: the 95% Student t interval of their mean."""
    x = _finite(values)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    m = float(x.mean())
    if n < 2:
        return m, math.nan, math.nan, n
    half = float(stats.t.ppf(0.5 + LEVEL / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return m, m - half, m + half, n


def welch_interval(baseline, other) -> tuple[float, float, float]:
    """(difference other − baseline, low, high): Welch's 95% interval of a difference of means."""
    a, b = _finite(baseline), _finite(other)
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
    half = float(stats.t.ppf(0.5 + LEVEL / 2, df) * se)
    return d, d - half, d + half


def hedges_g(baseline, other) -> float:
    """Hedges' g of other − baseline: Cohen's d (pooled sd) × J, J = 1 − 3/(4(n₁+n₀) − 9)."""
    a, b = _finite(baseline), _finite(other)
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return math.nan
    pooled = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    if pooled == 0:
        return math.nan
    return float((b.mean() - a.mean()) / pooled * (1 - 3 / (4 * (na + nb) - 9)))


def run_outcomes(ts: pd.DataFrame, by: list[str], window: int) -> pd.DataFrame:
    """One row per run: each metric averaged over the run's last ``window`` months (NaN months
    skipped), plus the cost per completed project at the end of the run.

    Args:
        ts: a tidy time-series table (``step`` and metric columns, plus the run keys ``by``).
        by: the columns that identify a run (e.g. ``["scenario", "seed"]``).
        window: months at the end of a run (the job manifest's ``window``), ≥ 1.
    """
    ts = ts.sort_values([*by, "step"])
    metrics = [c for c in ts.columns if c not in (*by, "step", "community") and pd.api.types.is_numeric_dtype(ts[c])]
    last = ts.groupby(by, sort=False, observed=True)["step"].transform("max")
    tail = ts[ts["step"] > last - window]
    out = tail.groupby(by, sort=False, observed=True)[metrics].mean()
    if {"government_spending_total", "projects_completed_total"} <= set(ts.columns):
        final = ts[ts["step"] == last].groupby(by, sort=False, observed=True)[
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


def summarise(outcomes: pd.DataFrame, scenarios: list[str], metrics: list[str] | None = None) -> pd.DataFrame:
    """The summary table (:data:`SUMMARY_COLUMNS`) from per-run outcomes (:func:`run_outcomes`).

    Args:
        outcomes: one row per run, a ``scenario`` column and one column per metric.
        scenarios: the scenarios in order; the first is the baseline of every difference.
        metrics: the metric columns (default: every numeric column but ``seed``).

    Rows are in scenario order, then metric order.
    """
    if metrics is None:
        metrics = [c for c in outcomes.columns if c not in ("scenario", "seed", "community")
                   and pd.api.types.is_numeric_dtype(outcomes[c])]
    base = outcomes[outcomes["scenario"] == scenarios[0]]
    rows = []
    for s in scenarios:
        runs = outcomes[outcomes["scenario"] == s]
        for m in metrics:
            if m not in runs:
                continue
            mean, lo, hi, n = t_interval(runs[m])
            if s == scenarios[0]:
                d, dlo, dhi, g = math.nan, math.nan, math.nan, math.nan
            else:
                d, dlo, dhi = welch_interval(base[m], runs[m])
                g = hedges_g(base[m], runs[m])
            rows.append([s, m, mean, lo, hi, d, dlo, dhi, g, n])
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def band(ts: pd.DataFrame, by: list[str], metric: str, x: str = "step") -> pd.DataFrame:
    """Mean and 95% t interval of ``metric`` over replications at each ``x`` within groups ``by``
    (NaN where fewer than two runs have a value).

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
