"""What the estate's rules do: paired effects of the owners' committee, building deliberation and the life
course on participation, trust, fee collection and facility condition.

Every seed runs both arms (common random numbers, :mod:`model.streams`). Printed: mean ± sd over the seeds of
(arm − reference), each outcome a run's mean over its last 12 months (``lifts``: lifts installed in the run;
``lift months``: mean months from proposal to a working lift, over the seeds where both arms installed one).
Runs go through the one runner (:mod:`experiments.api`).

Usage (old, new and migrant estates, 120 months; about 6 minutes on 2 idle cores at 20 seeds)::

    .venv/bin/python -m benchmarks.estate          # 20 seeds
    .venv/bin/python -m benchmarks.estate 8        # seeds
"""

from __future__ import annotations

import sys

import numpy as np

from experiments.api import evaluate

OUTCOMES = {
    "participation": "participation_rate", "trust_gov": "trust_in_government", "trust_nbr": "trust_in_neighbours",
    "fee_collection": "fee_collection", "service": "property_service", "facility_cond": "facility_condition",
    "lifts": "lifts_installed", "lift months": "lift_duration",
}
"""Column label → metric."""

POOR = {"property.initial_service": 0.3}

EFFECTS: tuple[tuple[str, str, str, str, dict, str, dict], ...] = (
    ("owners' committee", "active committee vs none (service 70% at the start)", "old_estate",
     "owners_committee", {}, "no_property_supervision", {}),
    ("owners' committee", "active committee vs none (service 30% at the start)", "old_estate",
     "owners_committee", POOR, "no_property_supervision", POOR),
    ("owners' committee", "active committee vs none (service 30%), new estate", "new_estate",
     "owners_committee", POOR, "no_property_supervision", POOR),
    ("building deliberation", "楼事楼议 vs no channel for low-floor residents", "old_estate",
     "building_deliberation", {}, "no_property_supervision", {}),
    ("turnover", "moves and ageing (life course) on vs off", "old_estate",
     "owners_committee", {}, "owners_committee", {"life_course.enabled": False}),
    ("turnover", "moves and ageing (life course) on vs off", "migrant_estate",
     "owners_committee", {}, "owners_committee", {"life_course.enabled": False}),
)
"""(actor, what is compared, community, arm scenario, arm overrides, reference scenario, reference overrides)."""


def outcomes(scenario: str, community: str, overrides: dict, seeds: list[int]) -> dict[str, np.ndarray]:
    res = evaluate(scenario, community, seeds=seeds, overrides=overrides, metrics=list(OUTCOMES.values()), n_jobs=2)
    s = res.summary.set_index("seed").loc[seeds]
    return {label: s[metric].to_numpy(dtype=float) for label, metric in OUTCOMES.items()}


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 20
    seeds = list(range(n))
    print(f"Paired effects over {n} seeds (mean ± sd of arm − reference; 120 months)")
    print(f"{'actor':22s} {'comparison':54s} " + " ".join(f"{k:>16s}" for k in OUTCOMES))
    for actor, what, community, scenario, arm, ref_scenario, reference in EFFECTS:
        a, b = outcomes(scenario, community, arm, seeds), outcomes(ref_scenario, community, reference, seeds)
        cells = []
        for k in OUTCOMES:
            d = a[k] - b[k]
            d = d[np.isfinite(d)]
            digits = 1 if k in ("lifts", "lift months") else 3
            cells.append((f"{d.mean():+.{digits}f} ± {d.std(ddof=1):.{digits}f}" if len(d) > 1 else "n/a").rjust(16))
        print(f"{actor:22s} {what:54s} " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
