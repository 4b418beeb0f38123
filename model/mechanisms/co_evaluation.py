"""Co-evaluation (效果共评): residents and a third party rate results; the government responds.

A programme the street office runs. Each month the residents it reaches who took part rate results and make
suggestions; each suggestion is answered with probability ``r``, the street office's answer rate this month
(its decision: :class:`agents.government.Government`), and an answer is **followed by action** with
probability ``a``, the office's adoption of residents' views (an answer that changes nothing is empty,
形式回应). What the rater sees, ``reply_i``, is 1 for an answer followed by action, ``learning.empty_answer`` for
an empty one and 0 for none. A rater's memory of being answered moves towards it,
``answered_i ← answered_i + μ (reply_i − answered_i)`` (``μ`` = ``memory_rate``; ``answered`` starts neutral at
½), and shifts every month's targets of trust in government by ``trust_weight · (answered_i − ½)`` and of
satisfaction by ``satisfaction_weight · (answered_i − ½)``: responses that lead somewhere raise trust,
ignored suggestions and empty answers lower it. Rating adds occasions to take part,
``o_i ← 1 − (1 − o_i)(1 − D_g · opportunity)``; the third party costs ``third_party_cost`` per adult resident a
month out of the purse, and in a month it is paid the social organisations are overseen (rated; their quality
recovers instead of falling).

Sources: seed [004] (third-party evaluation plus residents' satisfaction survey: project
satisfaction from 65% to 90%); domain brief ("suggestions ignored → trust in the channel
falls → participation falls; responses → trust rises").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.arrays import select
from model.mechanisms.base import Mechanism, ProgrammeParams
from model.params import ByKpi, param, share


@dataclass
class CoEvaluationParams(ProgrammeParams):
    staff_hours: float = param(30.0, "community workers' hours a month it needs in each grid it runs in (collecting "
                               "ratings and suggestions, replies)", unit="hours/month", range=(0.0, 1e6),
                               source="assumption")
    serves: ByKpi = param(ByKpi(0.0, 0.5, 0.3, 0.4), "what the street office expects it to relieve, per KPI term",
                          source="assumption (seed [004]: third-party evaluation raised satisfaction from 65% to 90%)")

    opportunity: float = share(0.1, "opportunity to take part added by rating and suggestions")
    memory_rate: float = share(0.2, "weight of a new response experience in a resident's memory")
    trust_weight: float = param(0.4, "trust target shift per unit of (answered − 0.5)", range=(0.0, 2.0))
    satisfaction_weight: float = param(0.2, "satisfaction target shift per unit of (answered − 0.5)",
                                       range=(0.0, 2.0))
    third_party_cost: float = param(0.3, "monthly cost of third-party evaluation per adult resident (600 yuan a month "
                                    "for 2,000 adults: about 7,000 yuan a year)", unit="yuan/resident/month",
                                    range=(0.0, 1e4))


class CoEvaluation(Mechanism):
    """Co-evaluation: ratings and suggestions, answered (or not) and acted on (or not) by the government."""

    name = "co_evaluation"
    order = 40
    Params = CoEvaluationParams
    programme = True

    def setup(self, model) -> None:
        self.answered = np.full(model.n_residents, 0.5)
        self.evaluated = False
        """Whether the third-party evaluation was paid this month (social organisations are overseen)."""

    def monthly_cost(self, model) -> float:
        return self.params.third_party_cost * model.n_residents

    def begin_step(self, model, record) -> None:
        cost = self.params.third_party_cost * model.n_residents * float(self.delivery.mean())
        self.evaluated = model.purse.pay("evaluation", cost) >= cost > 0

    def contribution_terms(self, model, record, terms) -> None:
        terms.add_opportunity(self.params.opportunity * self.reach(model))

    def evaluate(self, model, record, feedback) -> None:
        p, gov = self.params, model.government
        raters = record.participated & (self.reach(model) > 0)
        u = self.rng.random((2, model.n_residents))
        answered = u[0] < gov.answer_rate
        acted = u[1] < gov.adoption
        reply = np.where(answered, np.where(acted, 1.0, model.config.learning.empty_answer), 0.0)
        self.answered = select(raters, self.answered + p.memory_rate * (reply - self.answered), self.answered)
        feedback.trust_in_government += p.trust_weight * (self.answered - 0.5)
        feedback.satisfaction += p.satisfaction_weight * (self.answered - 0.5)
