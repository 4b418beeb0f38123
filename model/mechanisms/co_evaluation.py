"""Co-evaluation (效果共评): residents and a third party rate results; the government responds.

Each month the residents who took part rate results and make suggestions; each suggestion is
answered with probability ``r``, the street office's answer rate this month (its decision:
:class:`agents.government.Government`). A rater's memory of being answered moves towards the new
experience, ``answered_i ← answered_i + μ (reply_i − answered_i)`` (``reply_i`` ∈ {0, 1},
``μ`` = ``memory_rate``; ``answered`` starts neutral at ½), and shifts every month's targets of
trust in government by ``trust_weight · (answered_i − ½)`` and of satisfaction by
``satisfaction_weight · (answered_i − ½)``: responses raise trust, ignored suggestions lower
it. Rating adds occasions to take part, ``o_i ← 1 − (1 − o_i)(1 − opportunity)``; the third
party costs ``third_party_cost`` per adult resident a month out of the purse, and in a month it is paid the social
organisations are overseen (rated; their quality recovers instead of falling).

Sources: seed [004] (third-party evaluation plus residents' satisfaction survey: project
satisfaction from 65% to 90%); domain brief ("suggestions ignored → trust in the channel
falls → participation falls; responses → trust rises").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.arrays import select
from model.mechanisms.base import Mechanism, MechanismParams
from model.params import param, share


@dataclass
class CoEvaluationParams(MechanismParams):
    opportunity: float = share(0.1, "opportunity to take part added by rating and suggestions")
    memory_rate: float = share(0.2, "weight of a new response experience in a resident's memory")
    trust_weight: float = param(0.4, "trust target shift per unit of (answered − 0.5)", range=(0.0, 2.0))
    satisfaction_weight: float = param(0.2, "satisfaction target shift per unit of (answered − 0.5)",
                                       range=(0.0, 2.0))
    third_party_cost: float = param(0.5, "monthly cost of third-party evaluation per adult resident (1,000 yuan a month "
                                    "for 2,000 adults)", unit="yuan/resident/month",
                                    range=(0.0, 1e4))


class CoEvaluation(Mechanism):
    """Co-evaluation: ratings and suggestions, answered (or not) by the government."""

    name = "co_evaluation"
    order = 40
    Params = CoEvaluationParams

    def setup(self, model) -> None:
        self.answered = np.full(model.n_residents, 0.5)
        self.evaluated = False
        """Whether the third-party evaluation was paid this month (social organisations are overseen)."""

    def begin_step(self, model, record) -> None:
        cost = self.params.third_party_cost * model.n_residents
        self.evaluated = model.purse.pay("evaluation", cost) >= cost

    def contribution_terms(self, model, record, terms) -> None:
        terms.add_opportunity(self.params.opportunity)

    def evaluate(self, model, record, feedback) -> None:
        p = self.params
        raters = record.participated
        reply = (self.rng.random(model.n_residents) < model.government.answer_rate).astype(float)
        self.answered = select(raters, self.answered + p.memory_rate * (reply - self.answered), self.answered)
        feedback.trust_in_government += p.trust_weight * (self.answered - 0.5)
        feedback.satisfaction += p.satisfaction_weight * (self.answered - 0.5)
