"""Co-management (建设共管): a residents' supervision group watches construction and upkeep.

With a supervision group, residents' upkeep hours are organised: a share
``upkeep_efficiency`` of them actually maintains facilities (unorganised, the core default
is 0.2), so facilities keep their condition and use instead of sliding into the
"maintenance vacuum"; and supervision of construction cuts the probability that a finished
project fails inspection by ``rework_reduction``. The group's meetings and inspections add
``opportunity`` to take part.

Sources: domain brief ("no self-management body after construction → maintenance vacuum →
use decays"); seed [001] (failed renovation, schedule overrun 50%).
"""

from __future__ import annotations

from dataclasses import dataclass

from model.mechanisms.base import Mechanism, MechanismParams
from model.params import share


@dataclass
class CoManagementParams(MechanismParams):
    upkeep_efficiency: float = share(1.0, "share of residents' upkeep hours that maintain facilities when organised")
    rework_reduction: float = share(0.6, "share of inspection failures supervision prevents")
    opportunity: float = share(0.1, "opportunity to take part added by supervision")


class CoManagement(Mechanism):
    """Co-management: organised upkeep and supervised construction."""

    name = "co_management"
    order = 30
    Params = CoManagementParams

    def contribution_terms(self, model, record, terms) -> None:
        terms.add_opportunity(self.params.opportunity)

    def progress(self, model, record) -> None:
        record.upkeep_efficiency = self.params.upkeep_efficiency
        record.rework_probability *= 1 - self.params.rework_reduction
