"""Mediation (调解): neutral mediators settle disputes between groups over projects.

Disputes start with new projects (core ``projects.dispute_probability``; real consultation
prevents some). An unsettled dispute halts its project, settles with the core probability
``r_0`` = ``projects.dispute_resolution`` a month, otherwise escalates a level with probability
``projects.dispute_escalation``, lowering satisfaction and neighbour trust in the grid by
``learning.dispute_penalty`` per level, until at ``projects.dispute_abandon_level`` the
project is abandoned. Mediation is a programme the street office runs (paid mediators) or a residents' body
carries (people's mediators, 人民调解员, who cost nothing). Where it reaches grid ``g`` (delivery ``D_g``), a
dispute settles with probability ``1 − (1 − r_0)(1 − D_g r_m)`` a month, where ``r_m`` = ``resolution_rate``
(times the social organisations' mean capacity when ``by_social_orgs``). Each dispute-month the office's
mediators work costs ``cost``; what the purse cannot pay is not mediated.

Sources: seed [004] ("without an independent mediation mechanism a renovation stalled for
six months"; a governance committee raised the mediation success rate to 85%); seed [003]
(social organisations mediate with professional neutrality); domain brief ("no neutral
mediation → small disputes escalate").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.mechanisms.base import Mechanism, ProgrammeParams
from model.params import ByKpi, param, share


@dataclass
class MediationParams(ProgrammeParams):
    staff_hours: float = param(20.0, "community workers' hours a month it needs in each grid it runs in",
                               unit="hours/month", range=(0.0, 1e6), source="assumption")
    serves: ByKpi = param(ByKpi(0.4, 0.2, 0.0, 0.4), "what the street office expects it to relieve, per KPI term",
                          source="assumption (seed [004]: without mediation a renovation stalled for six months; "
                          "disputes escalate into petitions)")
    resolution_rate: float = share(0.5, "monthly probability mediation settles a dispute")
    by_social_orgs: bool = param(False, "whether mediation capacity scales with social organisations' capacity")
    cost: float = param(500.0, "cost of mediating one dispute for a month", unit="yuan", range=(0.0, 1e7))


class Mediation(Mechanism):
    """Mediation: disputes settle before they escalate."""

    name = "mediation"
    order = 80
    Params = MediationParams
    programme = True
    carriers = ("street_office", "residents_body")

    def monthly_cost(self, model) -> float:
        """Mediators for the disputes of a typical month (a share of grids with a disputed project)."""
        return self.params.cost * model.n_grids * model.config.projects.dispute_probability

    def progress(self, model, record) -> None:
        p = self.params
        rate = p.resolution_rate * self.delivery
        if p.by_social_orgs:
            orgs = list(model.social_orgs)
            rate = rate * (sum(o.capacity for o in orgs) / len(orgs) if orgs else 0.0)
        disputed = model.projects.active & (model.projects.dispute_level > 0)
        paid_by_office = disputed & model.programmes["mediation"].office & ~model.programmes["mediation"].bodies
        due = p.cost * paid_by_office.sum()
        if due > 0:  # the office's mediators are paid out of the purse; what it cannot pay is not mediated
            rate = np.where(paid_by_office, rate * model.purse.pay("mediation", due) / due, rate)
        record.dispute_resolution = 1 - (1 - record.dispute_resolution) * (1 - rate)

    def uptake(self, model) -> float:
        return 1.0  # mediators settle disputes whoever takes part
