"""What the ties do, and where co-creation's money and need fit go (issue 15; ODD §3.4.3, §3.4.6, §4).

1. **Ties.** Paired effects (mean ± sd over the seeds of arm − reference; each outcome a run's mean over its last
   12 months, default community, 120 months) of freezing tie growth, removing every tie outside the household, and
   freezing them with the three tie rules off (encouragement 0, notices reaching everyone, no trust from ties: the
   rules before issue 15), under co-creation and top-down. Runs go through the one runner
   (:mod:`experiments.api`).
2. **Money and need fit** over ten years, top-down vs co-creation: the street office's spending (all of it, and
   all but purchased services), spending from every source, projects completed, and the condition and need fit of
   the facilities built in the run (why top-down's facilities go unused).

Usage (about 3 minutes on 2 idle cores at the defaults)::

    .venv/bin/python -m benchmarks.social_capital            # 6 seeds for the ties, 10 for the money
    .venv/bin/python -m benchmarks.social_capital 20 20
"""

from __future__ import annotations

import sys

import numpy as np

from benchmarks.institutions import cell, outcomes

OUTCOMES = {"participation": "participation_rate", "trust_nbr": "trust_in_neighbours",
            "trust_gov": "trust_in_government", "names_nbr": "names_a_neighbour"}
"""Column label → metric."""

RULES_OFF = {"decision.encouragement": 0.0, "decision.notice_reach": 1.0, "learning.tie_trust_weight": 0.0}
FROZEN = {"learning.tie_growth": 0.0}
REMOVED = {"community.ties_within_building": 0.0, "community.ties_within_grid": 0.0, "community.shortcut_ties": 0.0}

EFFECTS: tuple[tuple[str, dict, dict], ...] = (
    ("tie growth frozen", FROZEN, {}),
    ("neighbour ties removed", REMOVED, {}),
    ("frozen, tie rules off", {**RULES_OFF, **FROZEN}, RULES_OFF),
)
"""(comparison, arm overrides, reference overrides)."""


def money_and_fit(scenario: str, seed: int) -> dict[str, float]:
    """One ten-year run's money (yuan) and the condition and need fit of the facilities it built (the calibration's
    measures, :func:`experiments.patterns.measure`, where they exist)."""
    from experiments.patterns import measure
    from model.community import CommunityModel

    m = CommunityModel(scenario_name=scenario, rng=seed)
    for _ in range(120):
        m.step()
    out = measure(m)
    fac = m.facilities
    services = m.purse.by_source_and_use[("street_office", "purchased_services")]
    return {"office budget": m.purse.total_income["street_office"], "office spent": out["office_spending"] + services,
            "office, not services": out["office_spending"], "every source spent": m.purse.spent_in_all(),
            "projects completed": float(m.totals["projects_completed"]),
            "condition of new facilities": float(fac.condition[: fac.n][fac.built[: fac.n] > 0].mean()),
            "need fit of new facilities": out["completed_fit"]}


def main(argv: list[str]) -> None:
    from joblib import Parallel, delayed

    n_ties = int(argv[0]) if argv else 6
    n_money = int(argv[1]) if len(argv) > 1 else 10
    seeds = list(range(n_ties))
    print(f"1. Ties: paired effects over {n_ties} seeds (mean ± sd of arm − reference; last 12 of 120 months)")
    print(f"{'scenario':12s} {'comparison':24s} " + " ".join(f"{k:>16s}" for k in OUTCOMES))
    for scenario in ("co_creation", "top_down"):
        for what, arm, reference in EFFECTS:
            a = outcomes(scenario, arm, seeds, None, OUTCOMES)
            b = outcomes(scenario, reference, seeds, None, OUTCOMES)
            print(f"{scenario:12s} {what:24s} " + " ".join(cell(a[k], b[k], 3, width=16) for k in OUTCOMES),
                  flush=True)
    print(f"\n2. Money and need fit over ten years, {n_money} seeds (means)")
    runs = Parallel(n_jobs=2)(delayed(money_and_fit)(sc, s) for sc in ("top_down", "co_creation")
                              for s in range(n_money))
    td, cc = runs[:n_money], runs[n_money:]
    print(f"{'':30s} {'top-down':>14s} {'co-creation':>14s} {'ratio':>8s}")
    for key in td[0]:
        a, b = np.mean([r[key] for r in td]), np.mean([r[key] for r in cc])
        print(f"{key:30s} {a:14,.3f} {b:14,.3f} {b / a:8.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
