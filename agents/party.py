"""The community Party organisation (社区党组织)."""

from __future__ import annotations

import numpy as np

from agents.institution import Institution


class PartyOrganisation(Institution):
    """Convenes the joint meeting, mobilises registered members where participation is low, brokers units.

    Its remit (joint meetings, mobilisation) is part of the rules: where they were the first leader's pilot
    (``government.successor_bound`` false), it lapses with that leader.

    **Rule.** When the rules give it a joint meeting (``joint_meeting``), it convenes one every
    ``meeting_interval`` months (the first in month 1) of the residents' committee, social
    organisations and units in the area. A meeting

    - settles who is responsible for what for ``settlement_months``: while settled, upkeep by residents
      and contractors works in full; otherwise a share ``coordination_loss`` is lost as actors push
      the work onto each other (相互推诿), so shared facilities decay faster;
    - asks every unit in the area for resources, where its standing is recognised
      (:class:`agents.unit.AreaUnit`).

    The Party members registered in the community (报到: each member with probability ``registered_share``,
    drawn once) are whom it can mobilise. Where its rules give it the remit (``mobilisation``: 党建引领), it runs
    the mobilisation programme (:mod:`model.mechanisms.mobilisation`) and each quarter allocates it to the grids
    by their participation last month ``P_g``, most where it is lowest:

        π_g = clip(base + strength · (P* − P_g) / P*, 0, 1)

    (``P*`` = ``participation_target``, ``base`` = ``mobilisation_base``, ``strength`` = ``mobilisation_strength``):
    the share of the grid's registered members it mobilises (those whose rank, a uniform number drawn once, is
    below ``π_g``).

    Sources: seed [003] ("1+4+32+96" joint meetings settling the estate's responsibilities; 相互推诿);
    seeds [001], [002] (党建引领; in-service members register in their community; Party members lead where
    residents hang back).
    """

    kind = "party"

    def __init__(self, model, params) -> None:
        super().__init__(model)
        self.params = params
        self.settled_until = -1
        """Last month the division of responsibility of the latest joint meeting holds (-1: never settled)."""
        self.meeting = False
        """Whether a joint meeting was held this month."""
        registered = self.rng.random(model.n_residents) < params.registered_share
        self.registered = model.state.party_member & registered
        """Party members registered in the community: whom it can mobilise."""
        self.rank = self.stream("rank").random(model.n_residents)
        """Each resident's rank for mobilisation (drawn once): members of grid ``g`` with rank below ``π_g`` lead."""
        self.allocation = np.zeros(model.n_grids)
        """``π_g``: the share of each grid's registered members it mobilises (0–1)."""
        self.meetings = 0

    @property
    def responsibility_settled(self) -> bool:
        return self.model.steps <= self.settled_until

    @property
    def mobilised(self) -> np.ndarray:
        """The members mobilised this month (all registered members where the allocation is 1)."""
        return self.registered & (self.rank < self.allocation.take(self.model.structure.grid))

    def step(self) -> None:
        """Convene the joint meeting when it is due; each quarter, allocate mobilisation to the grids."""
        p, m = self.params, self.model
        rules = m.government.bound  # the Party's remit is among the rules; a pilot's lapse with its leader
        self.meeting = bool(rules and p.joint_meeting and (m.steps - 1) % p.meeting_interval == 0)
        if self.meeting:
            self.meetings += 1
            self.settled_until = m.steps + p.settlement_months - 1
        if (m.steps - 1) % 3 == 0:
            if rules and p.mobilisation and p.participation_target > 0:
                took_part = m.participants_by_grid() / np.maximum(m._grid_size, 1)
                shortfall = (p.participation_target - took_part) / p.participation_target
                self.allocation = np.clip(p.mobilisation_base + p.mobilisation_strength * shortfall, 0.0, 1.0)
            else:
                self.allocation = np.zeros(m.n_grids)
            m.programmes.set_party("mobilisation", bool(rules and p.mobilisation))

    def upkeep_factor(self) -> float:
        """Share of upkeep that works this month: 1 while responsibility is settled, else 1 − coordination_loss."""
        return 1.0 if self.responsibility_settled else 1.0 - self.params.coordination_loss

    def card(self) -> dict[str, str]:
        return {"joint meeting": "this month" if self.meeting else ("held" if self.meetings else "none"),
                "responsibility": "settled" if self.responsibility_settled else "pushed around",
                "members mobilised": str(int(self.mobilised.sum()))}
