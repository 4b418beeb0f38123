"""The owners' committee (业主委员会)."""

from __future__ import annotations

import numpy as np

from agents.institution import Institution


class OwnersCommittee(Institution):
    """Elected by owners (renters have no vote); supervises the property company, calls owners' votes,
    holds the maintenance fund. It can fail to be elected, or be captured by a faction.

    **Owners' votes.** In a vote the owner-occupier of flat ``h`` takes part with probability

        v_h = clip(v_0 + v_T · T_h + g, 0, 1)

    (``v_0`` = ``turnout_base``, ``T_h`` the trust in neighbours of the household's first adult, ``v_T`` =
    ``turnout_trust``, ``g`` = ``guidance``: the residents' committee and street office organising the vote door
    to door); the absent owner of a rented flat with probability ``absentee_turnout``. A vote counts when the
    share taking part reaches the quorum ``Q`` (two thirds) and passes with ``majority`` of those taking part.

    **Rule.** When owners hold elections (``enabled``), an election is held in month 1 and every
    ``term_months``; one that fails its quorum is tried again after ``retry_months``. A committee elected with
    turnout ``τ`` is captured by a faction with probability ``κ · (1 − τ) / (1 − Q)`` (clipped to 0–1; ``κ`` =
    ``capture_risk``): a bare quorum leaves room for a faction, full turnout none. An **active** committee
    (elected, not captured)

    - holds the company to its contract (the company's margin falls to ``supervised_margin``) and backs the
      collection of fees (households' pull towards paying rises by ``collection_support``);
    - counts the months of service below ``replace_below``; after ``patience`` such months it calls a vote to
      replace the company, in which each voter says yes with probability ``1 − q`` (``q``: service);
    - receives ``fund_deposit`` a month from every flat into the maintenance fund and releases up to
      ``fund_share`` of the owners' part of an approved lift's cost from it.

    A captured or absent committee supervises no one and calls no vote; the fund then stays locked.

    Sources: the Civil Code (2021) art. 278 (quorum and majorities); seed [003] (owners' meetings decide
    lifts); the stakeholders sketch (inactive or captured committees).
    """

    kind = "owners_committee"

    def __init__(self, model, params) -> None:
        super().__init__(model)
        self.params = params
        self.elected = False
        self.captured = False
        self.turnout = float("nan")
        """Share of flats whose owner took part in the last election."""
        self.next_election = 1
        self.low_service_months: dict[int, int] = {}
        """Consecutive months of service below ``replace_below``, by company index."""
        self.fund = 0.0
        """Yuan in the maintenance fund."""
        self.votes_called = 0
        self.elections = 0


    @property
    def active(self) -> bool:
        """Elected and not captured: it supervises and calls votes."""
        return self.elected and not self.captured

    def step(self) -> None:
        """Hold an election when due; collect the fund; watch the company's service."""
        p, m = self.params, self.model
        if not p.enabled or m.estate is None:
            return
        # One draw per flat every month, used or not: the stream stays aligned.
        u = self.rng.random((2, m.structure.n_households))
        u_capture = self.rng.random()
        if m.steps >= self.next_election:
            self.elections += 1
            voters, _ = self.vote(u[0], u[1], np.zeros(m.structure.n_households))
            self.turnout = float(voters.mean())
            self.elected = self.turnout >= p.quorum
            if self.elected:
                risk = p.capture_risk * (1.0 - self.turnout) / max(1.0 - p.quorum, 1e-9)
                self.captured = bool(u_capture < min(max(risk, 0.0), 1.0))
                self.next_election = m.steps + p.term_months
            else:
                self.captured = False
                self.next_election = m.steps + p.retry_months
        if not self.active:
            return
        self.fund += p.fund_deposit * m.structure.n_households
        for company in m.property_companies:
            low = self.low_service_months.get(company.index, 0) + 1 if company.service < p.replace_below else 0
            self.low_service_months[company.index] = low
            if low >= p.patience:
                self.votes_called += 1
                voters, yes = self.vote(u[0], u[1], np.full(m.structure.n_households, 1.0 - company.service),
                                        m.estate.company_of_household == company.index)
                if voters.mean() >= p.quorum and yes.sum() >= p.majority * voters.sum():
                    company.replace()
                self.low_service_months[company.index] = 0

    def vote(self, u_turnout: np.ndarray, u_yes: np.ndarray, p_yes: np.ndarray, flats: np.ndarray | None = None):
        """An owners' vote over the flats selected (all by default): (took part, said yes) per flat (bool arrays
        over the selected flats), from one uniform number per flat for each."""
        p, est = self.params, self.model.estate
        trust = self.model.state.trust_in_neighbours.take(est.head)
        turnout = np.where(est.owner_occupied, np.clip(p.turnout_base + p.turnout_trust * trust + p.guidance, 0, 1),
                           p.absentee_turnout)
        took_part = u_turnout < turnout
        yes = took_part & (u_yes < p_yes)
        if flats is not None:
            return took_part[flats], yes[flats]
        return took_part, yes

    def release_fund(self, yuan: float) -> float:
        """Pay up to ``yuan`` out of the maintenance fund (only an active committee can); return what was paid."""
        if not self.active:
            return 0.0
        paid = min(max(yuan, 0.0), self.fund)
        self.fund -= paid
        return paid

    def card(self) -> dict[str, str]:
        state = "active" if self.active else ("captured" if self.captured else "none elected")
        turnout = "—" if np.isnan(self.turnout) else f"{self.turnout:.0%}"
        return {"committee": state, "turnout": turnout, "fund": f"{self.fund:,.0f} yuan",
                "votes called": str(self.votes_called)}
