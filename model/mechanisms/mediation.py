"""Mediation (调解): neutral mediators settle disputes between groups over projects.

Disputes start with new projects (core ``projects.dispute_probability``; real consultation
prevents some). An unsettled dispute halts its project, settles with the core probability
``r_0`` = ``projects.dispute_resolution`` a month, otherwise escalates a level with probability
``projects.dispute_escalation``, lowering satisfaction and neighbour trust in the grid by
``learning.dispute_penalty`` per level, until at ``projects.dispute_abandon_level`` the
project is abandoned. With mediation, a dispute settles with probability
``1 − (1 − r_0)(1 − r_m)`` a month, where ``r_m`` = ``resolution_rate`` (times the social
organisations' mean capacity when ``by_social_orgs``). Each mediated dispute-month costs
``cost``.

Sources: seed [004] ("without an independent mediation mechanism a renovation stalled for
six months"; a governance committee raised the mediation success rate to 85%); seed [003]
(social organisations mediate with professional neutrality); domain brief ("no neutral
mediation → small disputes escalate").
"""

from __future__ import annotations

from dataclasses import dataclass

from model.mechanisms.base import Mechanism, MechanismParams
from model.params import param, share


@dataclass
class MediationParams(MechanismParams):
    resolution_rate: float = share(0.5, "monthly probability mediation settles a dispute")
    by_social_orgs: bool = param(False, "whether mediation capacity scales with social organisations' capacity")
    cost: float = param(500.0, "cost of mediating one dispute for a month", unit="yuan", range=(0.0, 1e7))


class Mediation(Mechanism):
    """Mediation: disputes settle before they escalate."""

    name = "mediation"
    order = 80
    Params = MediationParams

    def progress(self, model, record) -> None:
        p = self.params
        rate = p.resolution_rate
        if p.by_social_orgs:
            orgs = list(model.social_orgs)
            rate *= sum(o.capacity for o in orgs) / len(orgs) if orgs else 0.0
        disputed = model.projects.active & (model.projects.dispute_level > 0)
        due = p.cost * disputed.sum()
        if due > 0:  # mediators are paid out of the purse; what it cannot pay is not mediated
            rate *= model.purse.pay("mediation", due) / due
        record.dispute_resolution = 1 - (1 - record.dispute_resolution) * (1 - rate)
