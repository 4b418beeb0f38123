"""Disclosure (open ledger, 阳光账本): spending is published; trust follows what the ledger shows.

A programme the street office runs (the rule "the ledger is open", ``disclosure.mandated``, or its own choice).
It publishes a share ``d`` of the community's accounts (0–1: at least the rule's ``level`` while the rule binds,
more when its KPI presses it: :class:`agents.government.Government`). Residents read in it whether the money
went to what they asked for and were promised. Each month the ledger shows

    L = (Σ_g P_g (2 f_g − 1) + S − λ (W + I)) / (Σ_g P_g + S + W + I)          (clipped to −1 … 1)

with ``P_g`` the money paid to grid ``g``'s project this month and ``f_g`` the project's fit with the grid's
needs (what residents asked for: money on a project that fits less than half counts against), ``S`` the spending on services delivered (meetings, answers, evaluation,
coins, upkeep, purchased services, mediation, the platform), ``W`` money wasted (the funds of projects
abandoned in a dispute, rework of projects that failed inspection, spending on a showcase), and ``I`` money
left idle, the balance beyond what projects under way still need and ``idle_months`` of the monthly budget
(unspent while needs wait); a yuan misused or
left idle weighs ``λ`` = ``misuse_weight`` times a yuan well spent (losses loom larger than gains). Residents'
reading of the ledger moves towards it, ``ℓ ← ℓ + memory · (L − ℓ)``, and shifts every month's trust-in-government
target by ``trust_weight · d · ℓ``: a ledger of money well spent raises trust, one that shows money unspent or
misused lowers it below what a closed ledger (no term: residents see nothing) leaves. Keeping the ledger costs
``monthly_cost`` per adult resident a month out of the purse; a month it cannot be paid, nothing is published.

Sources: seed [004] ("72% of residents don't know where the maintenance fund went"; the "sunshine ledger"
publishing fund flows on notice boards and online; a Wuhan community's blockchain ledger); domain brief
("disclosure → trust; opacity → distrust"); Kahneman & Tversky (1979), Tversky & Kahneman (1992) (loss aversion,
λ ≈ 2.25); Grimmelikhuijsen et al. (2013) (transparency raises trust only as far
as what it shows is competent).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.mechanisms.base import Mechanism, ProgrammeParams
from model.params import ByKpi, param, share

SERVICE_USES = ("consultation", "survey", "answers", "evaluation", "incentives", "upkeep", "purchased_services",
                "online_platform", "mediation", "disclosure", "lifts")
"""Uses of the purse that deliver a service residents can see (counted as spent as promised)."""
WASTE_USES = ("showcase_upkeep",)
"""Uses of the purse that serve appearances, not residents (counted as waste)."""


@dataclass
class DisclosureParams(ProgrammeParams):
    staff_hours: float = param(10.0, "community workers' hours a month it needs in each grid it runs in (posting the "
                               "accounts)", unit="hours/month", range=(0.0, 1e6), source="assumption")
    serves: ByKpi = param(ByKpi(0.0, 0.3, 0.1, 0.5), "what the street office expects it to relieve, per KPI term",
                          source="assumption (seed [004]: opacity → distrust and petitions)")
    level: float = share(0.9, "share of spending the rules require disclosed on the open ledger (the street office "
                         "may disclose more under pressure)")
    trust_weight: float = param(0.15, "trust target shift at full disclosure of a ledger of money wholly well spent",
                                range=(0.0, 2.0), source="seed [004]: opacity → distrust; disclosure → trust")
    misuse_weight: float = param(2.25, "weight of a yuan misused or left idle against a yuan well spent in what the "
                                 "ledger shows", range=(0.0, 100.0),
                                 source="Tversky & Kahneman (1992): loss aversion λ ≈ 2.25")
    idle_months: float = param(6.0, "months of the budget the purse may hold before residents see money left idle",
                               unit="months", range=(0.0, 1e4), source="assumption")
    memory: float = share(0.2, "monthly weight of this month's ledger in residents' reading of it")
    monthly_cost: float = param(0.1, "cost of keeping the ledger per adult resident a month (200 yuan a month for "
                                "2,000 adults: notice boards and an online page)", unit="yuan/resident/month", range=(0.0, 1e4))


class Disclosure(Mechanism):
    """Disclosure: an open ledger of spending; trust follows what it shows."""

    name = "disclosure"
    order = 60
    Params = DisclosureParams
    programme = True

    def setup(self, model) -> None:
        self.reading = 0.0
        """``ℓ``: residents' reading of the ledger (−1 … 1)."""
        self.shown = 0.0
        """``L``: what this month's ledger shows (−1 … 1)."""
        self.kept = False
        """Whether the ledger is kept (paid for) this month."""

    def monthly_cost(self, model) -> float:
        return self.params.monthly_cost * model.n_residents

    def ledger(self, model, record) -> float:
        """``L`` of this month (module docstring)."""
        purse = model.purse
        projects = float(record.project_payments.sum()) if record.project_payments is not None else 0.0
        asked = (float((record.project_payments * (2 * record.project_fit - 1)).sum())
                 if record.project_payments is not None else 0.0)
        services = sum(purse.spending[u] for u in SERVICE_USES)
        waste = model.wasted + sum(purse.spending[u] for u in WASTE_USES)
        gov = model.government
        idle = max(purse.balance - gov.committed() - self.params.idle_months * gov.monthly_budget(), 0.0)
        total = projects + services + waste + idle
        lam = self.params.misuse_weight
        return float(np.clip((asked + services - lam * (waste + idle)) / total, -1.0, 1.0)) if total > 0 else 0.0

    def begin_step(self, model, record) -> None:
        due = self.params.monthly_cost * model.n_residents
        self.kept = model.purse.pay("disclosure", due) >= due  # the ledger is kept this month (paid first)

    def evaluate(self, model, record, feedback) -> None:
        p = self.params
        if self.kept:
            self.shown = self.ledger(model, record)
            self.reading += p.memory * (self.shown - self.reading)
            feedback.trust_in_government += p.trust_weight * model.government.disclosure * self.reading

    def uptake(self, model) -> float:
        return 1.0  # the office sees no attendance at a ledger
