"""Disclosure (open ledger, 阳光账本): spending is published; trust in government follows.

With disclosure on (the rule "the ledger is open"), every month's trust-in-government target rises
by ``trust_weight · d``, where ``d`` (0–1) is the share of spending the street office discloses:
at least the rule's ``level``, more when its KPI presses it (:class:`agents.government.Government`).
Opacity is the default: without the ledger the trust target carries no such term, and trust
drifts to the core baseline set by satisfaction. Keeping the ledger costs ``monthly_cost`` per adult resident a month
out of the purse; a month it cannot be paid, nothing is published.

Sources: seed [004] ("72% of residents don't know where the maintenance fund went"; the
"sunshine ledger" publishing fund flows on notice boards and online; a Wuhan community's
blockchain ledger); domain brief ("disclosure → trust; opacity → distrust").
"""

from __future__ import annotations

from dataclasses import dataclass

from model.mechanisms.base import Mechanism, MechanismParams
from model.params import param, share


@dataclass
class DisclosureParams(MechanismParams):
    level: float = share(0.9, "share of spending the rules require disclosed on the open ledger (the street office "
                         "may disclose more under pressure)")
    trust_weight: float = param(0.15, "trust target shift at full disclosure", range=(0.0, 2.0),
                                source="seed [004]: opacity → distrust; disclosure → trust")
    monthly_cost: float = param(0.25, "cost of keeping the ledger per adult resident a month (500 yuan a month for "
                                "2,000 adults)", unit="yuan/resident/month", range=(0.0, 1e4))


class Disclosure(Mechanism):
    """Disclosure: an open ledger of spending raises trust in government."""

    name = "disclosure"
    order = 60
    Params = DisclosureParams

    def evaluate(self, model, record, feedback) -> None:
        p = self.params
        due = p.monthly_cost * model.n_residents
        if model.purse.pay("disclosure", due) >= due:  # the ledger is kept this month
            feedback.trust_in_government += p.trust_weight * model.government.disclosure
