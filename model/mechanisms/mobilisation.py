"""Party-member and capable-resident mobilisation (党员带头, 能人): seeds who lead by example.

A programme the Party organisation runs where its rules give it the remit (``party.mobilisation``), in the
grids where participation is low (:class:`agents.party.PartyOrganisation`: its allocation ``π_g`` is the
programme's delivery ``D_g``). Of the Party members and capable residents registered in the community
(``resident.party_member``, elderly-biased; a share ``party.registered_share`` registered), those of grid ``g``
whose rank (a uniform number each, drawn once) is below ``D_g`` are mobilised this month: they commit to at least
``leader_floor`` of their time budget (the decision's floor ``f_i``). Their
example travels along ties: a resident's engagement logit rises by ``example_weight · e_i``,
where ``e_i = Σ_j w_ij 1[j is a leader who took part last month] / Σ_j w_ij`` is the
tie-strength-weighted share of their neighbours who are active leaders.

Sources: seed [002] (Party-building-led grassroots governance); seed [001] (Party members
as volunteers and organisers); domain brief (mobilise, broker consultation, lead by example;
an ageing volunteer base with no successors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.mechanisms.base import Mechanism, ProgrammeParams
from model.params import param, share


@dataclass
class MobilisationParams(ProgrammeParams):
    leader_floor: float = share(0.4, "minimum share of time budget a mobilised leader gives")
    example_weight: float = param(1.0, "engagement logit gain when all one's neighbours are active leaders",
                                  range=(0.0, 50.0))


class Mobilisation(Mechanism):
    """Mobilisation: Party members and capable residents lead by example on the graph."""

    name = "mobilisation"
    order = 15
    Params = MobilisationParams
    programme = True
    carriers = ("party",)

    def leaders(self, model) -> np.ndarray:
        """The members mobilised this month (registered members of grid ``g`` whose rank is below ``D_g``)."""
        party = model.party
        return party.registered & (party.rank < self.reach(model))

    def contribution_terms(self, model, record, terms) -> None:
        s, p = model.state, self.params
        leaders = self.leaders(model)
        terms.floor[leaders] = max(p.leader_floor, 0.0)
        active_leaders = (leaders & s.participated).astype(float)
        terms.engagement_logit += p.example_weight * model.graph.neighbour_mean(active_leaders, default=0.0)
