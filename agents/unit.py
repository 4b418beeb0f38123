"""Units in the area (驻区单位): enterprises, schools, offices."""

from __future__ import annotations

import numpy as np

from agents.institution import Institution


class AreaUnit(Institution):
    """A unit in the area: gives venues, money or staff volunteers when asked, as far as giving is returned.

    **Rule.** The street office asks every unit once a quarter (months 1, 4, 7, …); the Party
    organisation's joint meeting asks too. When asked, the unit gives with probability

        p = π + recognition · 1[asked at a joint meeting]        (clipped to 0–1)

    where ``π`` is its propensity, starting at ``willingness``. Giving means ``money`` yuan into the purse (source
    'units'), ``staff_hours`` of volunteer work on a project under way, and a pull on the next project's domain
    towards the unit's ``interest`` with weight ``capture`` (a unit that pays has a say: capture unless residents'
    voice balances it). A unit that gave looks, when next asked, at whether its giving was *returned*: recognised
    at a joint meeting, or a project in the domain it most wants completed since. Its propensity moves towards
    ``returned_willingness`` if so and towards 0 if not, ``π ← π + ρ (1[returned] · π⁺ − π)`` (``ρ`` =
    ``return_learning``, ``π⁺`` = ``returned_willingness``): units keep giving where giving is recognised and
    returned, and stop where it is not.

    Sources: seeds [000], [004] (共建单位; PPP; resources pooled where units gain standing); the stakeholders
    sketch (capture); reciprocity in repeated exchange (Axelrod 1984).
    """

    kind = "unit"

    def __init__(self, model, params) -> None:
        super().__init__(model)
        self.params = params
        self.propensity = params.willingness
        """``π``: how readily it gives when asked (0–1)."""
        self.gave = False
        """Whether the unit gave this month."""
        self.given = 0.0
        """Yuan given since the start."""
        self._pending: tuple[bool, int] | None = None
        """(recognised, facilities in its domain when it gave) of its last gift not yet judged."""
        interest = np.asarray(params.interest.as_tuple(), dtype=float)
        self.domain = int(interest.argmax())
        """The domain it most wants projects in."""

    def _built_in_domain(self) -> int:
        fac = self.model.facilities
        return int(np.count_nonzero((fac.domain[: fac.n] == self.domain) & (fac.built[: fac.n] > 0)))

    def step(self) -> None:
        m, p = self.model, self.params
        u = self.rng.random()
        at_meeting = m.party.meeting
        asked = at_meeting or (m.steps - 1) % 3 == 0
        if asked and self._pending is not None:  # was its last gift returned?
            recognised, built = self._pending
            returned = recognised or self._built_in_domain() > built
            self.propensity += p.return_learning * (returned * p.returned_willingness - self.propensity)
            self._pending = None
        chance = min(1.0, self.propensity + p.recognition * at_meeting)
        self.gave = bool(asked and u < chance)
        if self.gave:
            m.purse.receive("units", p.money)
            self.given += p.money
            m.unit_hours += p.staff_hours
            m.capture += p.capture * np.asarray(p.interest.as_tuple(), dtype=float) / max(sum(p.interest.as_tuple()), 1e-12)
            self._pending = (bool(at_meeting), self._built_in_domain())

    def card(self) -> dict[str, str]:
        return {"gave this month": "yes" if self.gave else "no", "readiness": f"{self.propensity:.0%}",
                "given": f"{self.given:,.0f} yuan"}
