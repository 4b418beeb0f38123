"""Docking at scale: do the vectorised model and the Mesa reference differ at all?

``tests/test_docking.py`` checks, with 24 replications, that the two implementations agree
within tolerances. This script asks the sharper question with many more replications: for
each outcome, the difference of the replications' means, month by month and over the last 12
months, with its z-score (difference / standard error). A rule that differs shows up as a
z-score growing with the replications; noise stays within about ±2.

Usage (joblib on all cores; 100 replications of both scenarios took 26 minutes on 2 cores at a
load average of ~30)::

    .venv/bin/python benchmarks/docking.py                     # 400 replications, 60 months
    .venv/bin/python benchmarks/docking.py 1000 12 co_creation  # replications, months, scenarios
    .venv/bin/python benchmarks/docking.py --help

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


def parse_args(argv: list[str]) -> tuple[int, int, list[str]]:
    """Replications (≥ 2), months (1 … ``MAX_MONTHS``) and scenarios (comma-separated names the
    reference implements); a bad one is one line naming it and what is allowed, exit code 2."""
    from benchmarks.reference import ReferenceModel
    from experiments.command_line import MAX_MONTHS, fail
    from model.params import ConfigError

    if len(argv) > 3:
        fail(f"at most 3 arguments (replications, months, scenarios); got {len(argv)}")
    names = ("replications", "months")
    defaults, limits = (400, 60), ((2, 1_000_000), (1, MAX_MONTHS))
    numbers = []
    for k, (name, default, (low, high)) in enumerate(zip(names, defaults, limits)):
        text = argv[k] if len(argv) > k else str(default)
        if not text.isdigit() or not low <= int(text) <= high:
            fail(f"{name} = {text!r}; allowed: a whole number from {low} to {high}")
        numbers.append(int(text))
    scenarios = argv[2].split(",") if len(argv) > 2 else ["top_down", "co_creation"]
    for scenario in scenarios:
        try:
            ReferenceModel(scenario_name=scenario, community="demo", rng=0, **{"community.buildings": 1})
        except ConfigError as error:
            fail(f"scenario {scenario!r}: {error}")
    return numbers[0], numbers[1], scenarios


def main(argv: list[str]) -> None:
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return
    replications, months, scenarios = parse_args(argv)
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
