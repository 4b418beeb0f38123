"""Units in the area (驻区单位): enterprises, schools, offices."""

from __future__ import annotations

import numpy as np

from agents.institution import Institution


class AreaUnit(Institution):
    """A unit in the area: gives venues, money or staff volunteers when asked and it serves its standing.

    **Rule.** The street office asks every unit once a quarter (months 1, 4, 7, …); the Party
    organisation's joint meeting asks too. When asked, the unit gives with probability

        p = willingness + recognition · 1[asked at a joint meeting]        (clipped to 0–1)

    (giving pays in standing where it is seen and recognised). Giving means ``money`` yuan into the
    purse (source 'units'), ``staff_hours`` of volunteer work on a project under way, and a pull on the
    next project's domain towards the unit's ``interest`` with weight ``capture`` (a unit that pays
    has a say: capture unless residents' voice balances it).

    Sources: seeds [000], [004] (共建单位; PPP); the stakeholders sketch (capture).
    """

    kind = "unit"

    def __init__(self, model, params) -> None:
        super().__init__(model)
        self.params = params
        self.gave = False
        """Whether the unit gave this month."""
        self.given = 0.0
        """Yuan given since the start."""


    def step(self) -> None:
        m, p = self.model, self.params
        u = self.rng.random()
        at_meeting = m.party.meeting
        asked = at_meeting or (m.steps - 1) % 3 == 0
        chance = min(1.0, p.willingness + p.recognition * at_meeting)
        self.gave = bool(asked and u < chance)
        if self.gave:
            m.purse.receive("units", p.money)
            self.given += p.money
            m.unit_hours += p.staff_hours
            m.capture += p.capture * np.asarray(p.interest.as_tuple(), dtype=float) / max(sum(p.interest.as_tuple()), 1e-12)

    def card(self) -> dict[str, str]:
        return {"gave this month": "yes" if self.gave else "no", "given": f"{self.given:,.0f} yuan"}
