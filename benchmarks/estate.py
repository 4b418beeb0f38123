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

from benchmarks.institutions import cell, outcomes

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


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 20
    seeds = list(range(n))
    print(f"Paired effects over {n} seeds (mean ± sd of arm − reference; 120 months)")
    print(f"{'actor':22s} {'comparison':54s} " + " ".join(f"{k:>16s}" for k in OUTCOMES))
    for actor, what, community, scenario, arm, ref_scenario, reference in EFFECTS:
        a = outcomes(scenario, arm, seeds, community, OUTCOMES)
        b = outcomes(ref_scenario, reference, seeds, community, OUTCOMES)
        cells = [cell(a[k], b[k], 1 if k in ("lifts", "lift months") else 3, width=16) for k in OUTCOMES]
        print(f"{actor:22s} {what:54s} " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
