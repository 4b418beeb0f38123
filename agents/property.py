"""The property company (物业): fees in, service out."""

from __future__ import annotations

import numpy as np

from agents.institution import Institution


class PropertyCompany(Institution):
    """A property company serving a block of buildings: it is paid fees and chooses what to spend on service.

    **Rule.** Each month the company spends what is left of last month's fee income ``I`` after its margin:

        E = (1 − μ) · I,        μ = supervised_margin   if supervised,   else margin

    where it is *supervised* while an active owners' committee holds it to its contract or a joint
    meeting's division of responsibility holds (the company sits at the meeting). Service quality ``q``
    (0–1, the share of full service delivered) moves towards the level that spending funds:

        q ← q + λ · (min(1, E / (H · c_full)) − q)

    (``H`` households served, ``c_full`` = ``full_service_cost``, ``λ`` = ``service_adjustment``). Fee income
    is ``I = fee · (households that paid)`` (the households' decision: :class:`model.estate.Estate`), so poor
    service → non-payment → less income → worse service, and the reverse. Its staff keep up shared facilities
    (upkeep coverage ``upkeep_weight · q``). An owners' vote can replace it: the new company starts at
    ``replacement_service``.

    The company's books are its own (fees are owners' payments for a service, not community funds); they are
    reported beside the community's purse (``fee_income``, ``property_spending``).

    Sources: seeds [001], [003], [004] (物业 in the estate's working core; fees and service as what residents
    fight over); the stakeholders sketch (fees and service, a spiral both ways).
    """

    kind = "property"

    def __init__(self, model, params, buildings: np.ndarray) -> None:
        super().__init__(model)
        self.params = params
        self.buildings = np.asarray(buildings)
        """Buildings the company serves."""
        self.households = 0
        """Households it bills (set by the estate)."""
        self.service = float(params.initial_service)
        """Service quality delivered this month (0–1)."""
        self.income = 0.0
        """Fee income of the last collection (yuan)."""
        self.spending = 0.0
        """Spent on service this month (yuan)."""
        self.margin = float(params.margin)
        self.supervised = False
        self.replaced = 0
        """Times the owners replaced the company's contract with a new company."""
        self.total_income = 0.0
        self.total_spending = 0.0

    def step(self) -> None:
        """Choose this month's spending on service from last month's fees."""
        p, m = self.params, self.model
        self.supervised = bool(m.owners_committee.active or m.party.responsibility_settled)
        self.margin = p.supervised_margin if self.supervised else p.margin
        self.spending = (1.0 - self.margin) * self.income
        self.total_spending += self.spending
        funded = self.spending / max(self.households * p.full_service_cost, 1e-9)
        self.service += p.service_adjustment * (min(1.0, funded) - self.service)

    def collect(self, paying_households: int) -> None:
        """This month's fee income from the households that paid."""
        self.income = self.params.fee * paying_households
        self.total_income += self.income

    def replace(self) -> None:
        """The owners replace the company: a new one takes over the contract."""
        self.service = float(self.params.replacement_service)
        self.replaced += 1

    def card(self) -> dict[str, str]:
        return {"service": f"{self.service:.0%}", "fee income": f"{self.income:,.0f} yuan",
                "margin": f"{self.margin:.0%}" + (" (supervised)" if self.supervised else ""),
                "replaced": str(self.replaced)}
