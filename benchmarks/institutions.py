"""What each institution's decisions do: paired effects on the headline outcomes over replications.

For each institution, one *knock-out* or *lever* changes only that actor's rule or means, and every
seed runs both arms (common random numbers, :mod:`model.streams`), so a seed's difference is the
actor's doing. Printed: mean ± sd over the seeds of (arm − reference) for each outcome, each a run's
mean over its last 12 months (``projects`` and ``spending``: totals over the run; ``cost/project``:
total spending per completed project, yuan). Runs go through the one runner (:mod:`experiments.api`).

Usage (default community, 120 months; about 3 minutes on 2 idle cores at 20 seeds)::

    .venv/bin/python -m benchmarks.institutions          # 20 seeds
    .venv/bin/python -m benchmarks.institutions 8        # seeds
"""

from __future__ import annotations

import sys

import numpy as np

from experiments.api import evaluate

OUTCOMES = {
    "participation": "participation_rate", "trust_gov": "trust_in_government", "satisfaction": "satisfaction",
    "need_fit": "need_fit", "projects": "projects_completed_total", "spending": "government_spending_total",
    "cost/project": "cost_per_completed_project",
}
"""Column label → metric."""

EFFECTS: tuple[tuple[str, str, str, dict, dict], ...] = (
    ("street office", "decides (η = 0.1) vs frozen at the leader's baseline (η = 0)", "co_creation",
     {}, {"government.adaptation_rate": 0.0}),
    ("street office", "satisfaction KPI vs projects KPI, sham meetings", "sham_consultation",
     {"government.kpi.satisfaction": 1.0}, {}),
    ("street office", "answers 90% vs 20% of complaints (responsiveness)", "top_down",
     {"government.responsiveness": 0.9}, {}),
    ("residents' committee", "2 grid workers per grid vs none", "top_down",
     {}, {"committee.grid_workers_per_grid": 0.0}),
    ("residents' committee", "administrative load 0.4 vs 0.7", "top_down",
     {"committee.administrative_load": 0.4}, {}),
    ("Party organisation", "joint meeting vs none", "co_creation", {}, {"party.joint_meeting": False}),
    ("Party organisation", "joint meeting vs none", "top_down", {"party.joint_meeting": True}, {}),
    ("units in the area", "3 units vs none", "co_creation", {}, {"units.count": 0}),
    ("social organisations", "overseen (third-party evaluation) vs not", "co_creation",
     {}, {"co_evaluation.allowed": False}),
    ("social organisations", "2 organisations vs none", "co_creation", {}, {"social_orgs.count": 0}),
)
"""(actor, what is compared, scenario, arm overrides, reference overrides)."""


def outcomes(scenario: str, overrides: dict, seeds: list[int], community: str | None = None,
             columns: dict[str, str] = OUTCOMES) -> dict[str, np.ndarray]:
    """Each run's value of every column (label → metric), over the seeds, in seed order."""
    res = evaluate(scenario, community, seeds=seeds, overrides=overrides, metrics=list(columns.values()), n_jobs=2)
    s = res.summary.set_index("seed").loc[seeds]
    return {label: s[metric].to_numpy(dtype=float) for label, metric in columns.items()}


def cell(a: np.ndarray, b: np.ndarray, digits: int, width: int = 17) -> str:
    """``mean ± sd`` of the paired differences ``a − b`` over the seeds where both are defined (n/a with < 2)."""
    d = a - b
    d = d[np.isfinite(d)]
    return (f"{d.mean():+.{digits}f} ± {d.std(ddof=1):.{digits}f}" if len(d) > 1 else "n/a").rjust(width)


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 20
    seeds = list(range(n))
    print(f"Paired effects over {n} seeds (mean ± sd of arm − reference; 120 months, default community)")
    print(f"{'actor':22s} {'scenario':18s} {'comparison':58s} " + " ".join(f"{k:>17s}" for k in OUTCOMES))
    for actor, what, scenario, arm, reference in EFFECTS:
        a, b = outcomes(scenario, arm, seeds), outcomes(scenario, reference, seeds)
        cells = [cell(a[k], b[k], 0 if k in ("spending", "cost/project") else (1 if k == "projects" else 3))
                 for k in OUTCOMES]
        print(f"{actor:22s} {scenario:18s} {what:58s} " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
