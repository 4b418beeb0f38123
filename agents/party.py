"""The community Party organisation (社区党组织)."""

from __future__ import annotations


from agents.institution import Institution


class PartyOrganisation(Institution):
    """Convenes the joint meeting, mobilises registered members, brokers units' resources.

    **Rule.** When the rules give it a joint meeting (``joint_meeting``), it convenes one every
    ``meeting_interval`` months (the first in month 1) of the residents' committee, social
    organisations and units in the area. A meeting

    - settles who is responsible for what for ``settlement_months``: while settled, upkeep by residents
      and contractors works in full; otherwise a share ``coordination_loss`` is lost as actors push
      the work onto each other (相互推诿), so shared facilities decay faster;
    - asks every unit in the area for resources, where its standing is recognised
      (:class:`agents.unit.AreaUnit`).

    It mobilises the Party members registered in the community (报到): each member is registered with
    probability ``registered_share`` (drawn once); the mobilisation mechanism's leaders are the
    registered members.

    Sources: seed [003] ("1+4+32+96" joint meetings settling the estate's responsibilities; 相互推诿);
    seeds [001], [002] (党建引领; in-service members register in their community).
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
        self.mobilised = model.state.party_member & registered
        """Party members registered in the community (the leaders the mobilisation mechanism uses)."""
        self.meetings = 0


    @property
    def responsibility_settled(self) -> bool:
        return self.model.steps <= self.settled_until

    def step(self) -> None:
        """Convene the joint meeting when it is due."""
        p, m = self.params, self.model
        self.meeting = bool(p.joint_meeting and (m.steps - 1) % p.meeting_interval == 0)
        if self.meeting:
            self.meetings += 1
            self.settled_until = m.steps + p.settlement_months - 1

    def upkeep_factor(self) -> float:
        """Share of upkeep that works this month: 1 while responsibility is settled, else 1 − coordination_loss."""
        return 1.0 if self.responsibility_settled else 1.0 - self.params.coordination_loss

    def card(self) -> dict[str, str]:
        return {"joint meeting": "this month" if self.meeting else ("held" if self.meetings else "none"),
                "responsibility": "settled" if self.responsibility_settled else "pushed around",
                "members mobilised": str(int(self.mobilised.sum()))}
