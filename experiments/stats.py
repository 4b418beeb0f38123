"""Statistics of replicated runs: per-run outcome values and the comparison of scenarios.

A run's outcome on a metric is its mean over the last ``window`` steps (months) — NaN months
(e.g. ``volunteer_retention`` in the first year) left out; a run with no value in the window
does not count towards ``n``. Across the replications of a scenario:

* ``mean`` and its 95% confidence interval ``ci_low``–``ci_high``: Student's t interval,
  mean ± t(0.975, n−1)·s/√n;
* ``diff``: mean of the scenario minus mean of the first (reference) scenario, with Welch's
  95% interval (unequal variances, Welch–Satterthwaite degrees of freedom) ``diff_ci_low``–
  ``diff_ci_high``;
* ``effect_size``: Cohen's d, diff / pooled standard deviation,
  pooled sd = √(((n₁−1)s₁² + (n₂−1)s₂²)/(n₁+n₂−2)).

The reference scenario's own diff columns are NaN. Where both scenarios have no spread at
all the interval collapses onto ``diff`` and d is NaN (diff 0) or ±inf.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

SUMMARY_COLUMNS = ["scenario", "metric", "mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high",
                   "effect_size", "n"]


def run_values(timeseries: pd.DataFrame, by: list[str], window: int = 12, metrics: list[str] | None = None,
               ) -> pd.DataFrame:
    """Each run's mean of each metric over its last ``window`` steps, in long form.

    Args:
        timeseries: tidy table, one row per run and step, with the ``by`` columns, ``step``
            and metric columns.
        by: the columns identifying a run (e.g. ``["scenario", "seed"]``).
        metrics: metric columns (default: every numeric column but ``by`` and ``step``).

    Returns:
        columns ``by + ["metric", "value"]``.
    """
    if metrics is None:
        metrics = [c for c in timeseries.columns if c not in (*by, "step", "community")
                   and pd.api.types.is_numeric_dtype(timeseries[c])]
    ts = timeseries.sort_values([*by, "step"])
    tail = ts.groupby(by, sort=False, observed=True).tail(window)
    wide = tail.groupby(by, sort=False, observed=True)[metrics].mean()  # pandas mean skips NaN
    return wide.reset_index().melt(id_vars=by, var_name="metric", value_name="value")


def _t_quantile(df, conf: float):
    return stats.t.ppf(0.5 + conf / 2, df)


def compare(values: pd.DataFrame, order: list[str], conf: float = 0.95) -> pd.DataFrame:
    """Per scenario and metric: mean with CI, difference to ``order[0]`` with Welch CI, Cohen's d.

    Args:
        values: long table with ``scenario``, ``metric``, ``value`` (one row per run).
        order: the scenarios, the first being the reference.

    Returns:
        the columns of :data:`SUMMARY_COLUMNS`, rows in ``order`` then metric order.
    """
    v = values.dropna(subset=["value"])
    metric_order = list(dict.fromkeys(values["metric"]))
    g = v.groupby(["scenario", "metric"], observed=True)["value"]
    s = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.count()})
    full = pd.MultiIndex.from_product([order, metric_order], names=["scenario", "metric"])
    s = s.reindex(full)
    s["n"] = s["n"].fillna(0).astype(int)
    n = s["n"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = _t_quantile(n - 1, conf) * s["sd"].to_numpy() / np.sqrt(n)
        s["ci_low"] = s["mean"] - half
        s["ci_high"] = s["mean"] + half

        ref = s.xs(order[0], level="scenario").reindex(metric_order)
        m0 = np.tile(ref["mean"].to_numpy(), len(order))
        sd0 = np.tile(ref["sd"].to_numpy(), len(order))
        n0 = np.tile(ref["n"].to_numpy(float), len(order))
        m1, sd1 = s["mean"].to_numpy(), s["sd"].to_numpy()
        diff = m1 - m0
        a, b = sd1**2 / n, sd0**2 / n0
        se = np.sqrt(a + b)
        dof = (a + b) ** 2 / (a**2 / (n - 1) + b**2 / (n0 - 1))
        half_d = np.where(se == 0, 0.0, _t_quantile(dof, conf) * se)
        pooled = np.sqrt(((n - 1) * sd1**2 + (n0 - 1) * sd0**2) / (n + n0 - 2))
        d = np.where(pooled == 0, np.where(diff == 0, np.nan, np.sign(diff) * np.inf), diff / pooled)
    s["diff"], s["diff_ci_low"], s["diff_ci_high"], s["effect_size"] = diff, diff - half_d, diff + half_d, d
    is_ref = s.index.get_level_values("scenario") == order[0]
    s.loc[is_ref, ["diff", "diff_ci_low", "diff_ci_high", "effect_size"]] = np.nan
    return s.reset_index()[SUMMARY_COLUMNS]
