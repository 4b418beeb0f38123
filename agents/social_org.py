"""Social organisations (社会组织): NGOs, social-work agencies and volunteer teams."""

from __future__ import annotations


from agents.institution import Institution


class SocialOrganisation(Institution):
    """A social organisation: bids for contracts, runs activities in its domain, recruits volunteers.

    **Rule.**

    - *Bids* for a purchased-service contract at each year's tender while its capacity is at least
      ``MIN_BID_CAPACITY`` (the street office awards by the contract rule,
      :meth:`agents.government.Government.award_contracts`).
    - *Is paid* each month while contracted: its share of ``contract_value × residents`` out of the purse
      (less when the purse is short). Capacity grows while funded, ``κ ← κ + g (1 − κ) f`` (``f`` the
      share of its due it was paid), and falls without funding, ``κ ← κ − l κ``.
    - *Runs activities in its domain*: a resident gets an occasion to take part
      ``activity_opportunity · κ · q · fit_i[domain]`` (residents whose needs its domain meets come).
    - *Quality* ``q`` falls without oversight and recovers under it:
      ``q ← q − δ (q − q_min)⁺`` without, ``q ← q + ρ (1 − q)`` with oversight (this month's residents' ratings
      and third-party evaluation, the co-evaluation mechanism). The evaluation rates it (``rating = q``),
      which the 'rated' contract rule reads.
    - *Recruits and trains volunteers* within its capacity (the model's volunteer recruitment,
      ``recruitment_rate × Σ κ``).

    Sources: domain brief ('small, scattered, weak'; ~35% of contracts stable); seed [004] (complaints
    +80% where purchased services had no oversight; third-party evaluation).
    """

    kind = "social_org"

    MIN_BID_CAPACITY = 0.05
    """Capacity below which an organisation no longer bids (it has folded in all but name)."""

    def __init__(self, model, domain: int, capacity: float, quality: float) -> None:
        super().__init__(model)
        self.domain = int(domain)
        self.capacity = float(capacity)
        self.quality = float(quality)
        self.rating: float | None = None
        """Its last rating (None: never evaluated)."""
        self.contracted = True
        self.overseen = False
        self.contract_stability = model.config.social_orgs.contract_stability
        """Probability the contract is renewed at a year's end (incumbent rule)."""
        self.contract_value = model.config.social_orgs.contract_value
        """Yuan per resident per month the contracts pay (shared among contracted organisations)."""


    def bid(self) -> bool:
        """Whether it bids at this year's tender."""
        return self.capacity >= self.MIN_BID_CAPACITY

    def step(self) -> None:
        """Get paid, grow or lose capacity, and let quality follow oversight."""
        m, p = self.model, self.model.config.social_orgs
        if self.contracted:
            contracted = sum(o.contracted for o in m.social_orgs)
            due = self.contract_value * m.n_residents / max(contracted, 1)
            paid = m.purse.pay("purchased_services", due)
            self.capacity += p.capacity_growth * (1 - self.capacity) * (paid / due if due > 0 else 1.0)
        else:
            self.capacity -= p.capacity_loss * self.capacity
        evaluation = m.mechanisms.get("co_evaluation")
        self.overseen = evaluation is not None and evaluation.evaluated
        if self.overseen:
            self.quality += p.quality_recovery * (1 - self.quality)
            self.rating = self.quality
        else:
            self.quality -= p.quality_decay * max(self.quality - p.quality_floor, 0.0)

    def activity(self) -> float:
        """Occasion to take part its activities bring a resident whose top need is its domain (0–1)."""
        return self.model.config.social_orgs.activity_opportunity * self.capacity * self.quality

    def card(self) -> dict[str, str]:
        return {"domain": self.model.DOMAINS[self.domain], "contract": "yes" if self.contracted else "no",
                "capacity": f"{self.capacity:.2f}", "quality": f"{self.quality:.2f}"}
