"""Social organisations (社会组织): NGOs, social-work agencies and volunteer teams."""

from __future__ import annotations

from agents.institution import Institution
from model.population import sample_dist


class SocialOrganisation(Institution):
    """A social organisation: bids for contracts, staffs programmes, runs activities, recruits volunteers.

    **Rule.**

    - *Bids* for a purchased-service contract at each year's tender while its capacity is at least
      ``MIN_BID_CAPACITY`` (the street office awards by the contract rule,
      :meth:`agents.government.Government.award_contracts`).
    - *Is paid* each month while contracted: its share of ``contract_value × residents`` out of the purse
      (less when the purse is short; the terms of the funding programme while the office runs it,
      :meth:`contract_terms`). Capacity grows while funded, ``κ ← κ + g (1 − κ) f`` (``f`` the share of its due
      it was paid), and falls without funding, ``κ ← κ − l κ``.
    - *Staffs the street office's programmes* while contracted: ``κ · staff_hours`` hours a month of professional
      staff (social workers), before the grid workers' (:class:`agents.committee.ResidentsCommittee`).
    - *Runs activities in its domain*: a resident gets an occasion to take part
      ``activity_opportunity · κ · q · fit_i[domain]`` (residents whose needs its domain meets come).
    - *Quality* ``q`` falls without oversight and recovers under it:
      ``q ← q − δ (q − q_min)⁺`` without, ``q ← q + ρ (1 − q)`` with oversight (last month's third-party
      evaluation, while co-evaluation runs). The evaluation rates it (``rating = q``), which the 'rated'
      contract rule reads.
    - *Recruits and trains volunteers* within its capacity (the model's volunteer recruitment,
      ``recruitment_rate × Σ κ``).
    - *Exits* at a year's tender after ``exit_months`` months in a row below ``MIN_BID_CAPACITY`` (it has
      folded); at the tender each vacant place (up to ``count``) is taken by a new organisation with probability
      ``entry``, starting small (capacity from ``entry_capacity``). Where contracts are unstable, organisations churn small: 小散弱.

    Sources: domain brief ('small, scattered, weak'; ~35% of contracts stable); seed [004] (complaints
    +80% where purchased services had no oversight; third-party evaluation); seeds [001], [003] (social
    workers run the community's programmes beside grid workers).
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
        self.folded_months = 0
        """Months in a row below ``MIN_BID_CAPACITY``."""

    def contract_terms(self) -> tuple[float, float]:
        """(probability a contract is renewed at a year's end, yuan per resident a month the contracts pay): the
        funding programme's while the street office runs it, else the core's."""
        m = self.model
        funding = m.mechanism_units["funding"]
        p = funding.params if m.programmes["funding"].office else m.config.social_orgs
        return p.contract_stability, p.contract_value

    @property
    def contract_stability(self) -> float:
        """Probability the contract is renewed at a year's end (incumbent rule)."""
        return self.contract_terms()[0]

    def bid(self) -> bool:
        """Whether it bids at this year's tender."""
        return self.capacity >= self.MIN_BID_CAPACITY

    def staff_hours(self) -> float:
        """Hours a month of professional staff it gives the street office's programmes (while contracted)."""
        return self.capacity * self.model.config.social_orgs.staff_hours if self.contracted else 0.0

    def step(self) -> None:
        """Get paid, grow or lose capacity, let quality follow oversight; exit when folded."""
        m, p = self.model, self.model.config.social_orgs
        if self.contracted:
            contracted = sum(o.contracted for o in m.social_orgs)
            due = self.contract_terms()[1] * m.n_residents / max(contracted, 1)
            paid = m.purse.pay("purchased_services", due)
            self.capacity += p.capacity_growth * (1 - self.capacity) * (paid / due if due > 0 else 1.0)
        else:
            self.capacity -= p.capacity_loss * self.capacity
        evaluation = m.mechanism_units["co_evaluation"]
        self.overseen = m.programmes["co_evaluation"].running and evaluation.evaluated
        if self.overseen:
            self.quality += p.quality_recovery * (1 - self.quality)
            self.rating = self.quality
        else:
            self.quality -= p.quality_decay * max(self.quality - p.quality_floor, 0.0)
        self.folded_months = self.folded_months + 1 if self.capacity < self.MIN_BID_CAPACITY else 0

    @property
    def folded(self) -> bool:
        """Whether it has been below ``MIN_BID_CAPACITY`` for ``exit_months`` months: it leaves at the next tender."""
        return self.folded_months >= self.model.config.social_orgs.exit_months

    def exit(self) -> None:
        """The organisation folds and leaves the community."""
        self.model.social_orgs.remove(self)
        self.remove()

    @classmethod
    def enter(cls, model) -> "SocialOrganisation":
        """A new organisation enters at a tender: a domain and a small capacity from its own stream."""
        p = model.config.social_orgs
        rng = model.streams.get("social_orgs.entry")
        org = cls(model, domain=int(rng.integers(0, len(model.DOMAINS))),
                  capacity=float(sample_dist(rng, p.entry_capacity, 1)[0]),
                  quality=float(sample_dist(rng, p.quality, 1)[0]))
        model.social_orgs.add(org)
        return org

    def activity(self) -> float:
        """Occasion to take part its activities bring a resident whose top need is its domain (0–1)."""
        return self.model.config.social_orgs.activity_opportunity * self.capacity * self.quality

    def card(self) -> dict[str, str]:
        return {"domain": self.model.DOMAINS[self.domain], "contract": "yes" if self.contracted else "no",
                "capacity": f"{self.capacity:.2f}", "quality": f"{self.quality:.2f}"}
