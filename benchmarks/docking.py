"""Docking at scale: do the vectorised model and the Mesa reference differ at all?

``tests/test_docking.py`` checks, with 24 replications, that the two implementations agree
within tolerances. This script asks the sharper question with many more replications: for
each outcome, the difference of the replications' means, month by month and over the last 12
months, with its z-score (difference / standard error). A rule that differs shows up as a
z-score growing with the replications; noise stays within about ±2.

Usage (2 cores, joblib; ~1 minute for the default)::

    .venv/bin/python benchmarks/docking.py                     # 400 replications, 60 months
    .venv/bin/python benchmarks/docking.py 1000 12 co_creation  # replications, months, scenarios

The seeds are disjoint: ``0 …`` for the vectorised model, ``50,000 …`` for the reference.
"""

from __future__ import annotations

import sys

import numpy as np
from joblib import Parallel, delayed

OUTCOMES = (
    "participation_rate", "mean_contribution", "free_riding_rate", "trust_in_government",
    "trust_in_neighbours", "satisfaction", "efficacy", "social_capital", "volunteer_share",
    "projects_completed_total", "government_spending_total", "purse_balance", "complaints", "views_adopted",
    "answer_rate",
)
REFERENCE_SEEDS = 50_000
"""First seed of the reference's replications (the vectorised model's start at 0)."""


def outcome_series(implementation: str, scenario: str, seed: int, months: int,
                   outcomes=OUTCOMES, community: str = "demo") -> dict[str, np.ndarray]:
    """One run's monthly series (months + 1 values, month 0 first) of each outcome.

    Args:
        implementation: ``"fast"`` (:class:`model.community.CommunityModel`) or ``"reference"``
            (:class:`benchmarks.reference.ReferenceModel`).
    """
    if implementation == "fast":
        from model.community import CommunityModel as Model
    else:
        from benchmarks.reference import ReferenceModel as Model
    m = Model(scenario_name=scenario, community=community, rng=seed)
    for _ in range(months):
        m.step()
    ts = m.datacollector.get_model_vars_dataframe()
    return {name: ts[name].to_numpy(dtype=float) for name in outcomes}


def replicate(implementation: str, scenario: str, replications: int, months: int, first_seed: int,
              n_jobs: int = -1) -> dict[str, np.ndarray]:
    """Outcome → (replications × months + 1) array, runs in parallel on ``n_jobs`` cores."""
    runs = Parallel(n_jobs=n_jobs, batch_size=8)(
        delayed(outcome_series)(implementation, scenario, first_seed + r, months) for r in range(replications))
    return {name: np.array([run[name] for run in runs]) for name in OUTCOMES}


def z_scores(fast: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Difference of the means over replications (axis 0) and its z-score (NaN where both are constant)."""
    diff = fast.mean(axis=0) - reference.mean(axis=0)
    se = np.sqrt(fast.var(axis=0, ddof=1) / len(fast) + reference.var(axis=0, ddof=1) / len(reference))
    with np.errstate(divide="ignore", invalid="ignore"):
        return diff, np.where(se > 0, diff / se, np.nan)


def main(argv: list[str]) -> None:
    replications = int(argv[0]) if argv else 400
    months = int(argv[1]) if len(argv) > 1 else 60
    scenarios = argv[2].split(",") if len(argv) > 2 else ["top_down", "co_creation"]
    window = min(12, months)
    print(f"{replications} replications × {months} months each, demo community; "
          f"difference fast − reference (z-score); last {window} months' mean, and the largest monthly |z|")
    for scenario in scenarios:
        fast = replicate("fast", scenario, replications, months, 0)
        reference = replicate("reference", scenario, replications, months, REFERENCE_SEEDS)
        for name in OUTCOMES:
            end_diff, end_z = z_scores(fast[name][:, -window:].mean(axis=1), reference[name][:, -window:].mean(axis=1))
            diff, z = z_scores(fast[name][:, 1:], reference[name][:, 1:])
            worst = int(np.nanargmax(np.abs(z))) if np.isfinite(z).any() else 0
            print(f"{scenario:12s} {name:26s} fast {fast[name][:, -window:].mean():9.4f}  "
                  f"reference {reference[name][:, -window:].mean():9.4f}  diff {end_diff:+.4f} (z {end_z:+5.2f})  "
                  f"largest monthly |z| {abs(z[worst]):4.2f} in month {worst + 1} (diff {diff[worst]:+.4f})")


if __name__ == "__main__":
    main(sys.argv[1:])
