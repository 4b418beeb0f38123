"""Co-management (建设共管): a residents' supervision group watches construction and upkeep.

A programme the street office runs or a residents' body carries. A share of residents' contributed hours goes
to upkeep (core ``projects.upkeep_share``). Each facility needs ``h`` = ``projects.upkeep_hours`` a month; a
grid's coverage is ``cov_g = min(1, e_g · U_g / (h · F_g))`` (``U_g`` upkeep hours given, ``F_g`` facilities), and
each facility's condition falls by ``projects.facility_decay · (1 − cov_g)`` a month. Unorganised, only
``e₀`` = ``projects.unorganised_upkeep_efficiency`` of the hours actually maintain anything ("maintenance
vacuum").

**What supervision does follows who supervises.** The group of grid ``g`` is the residents who took part this
month, each counting by how often they have taken part (``n_i`` of the last 12 months): its strength is

    σ_g = D_g · min(1, Σ_{i in g, took part} n_i / 12 / (supervisors · F_g⁺))          (0–1)

(``D_g`` the programme's delivery, ``supervisors`` = ``supervisors_per_facility``, ``F_g⁺ = max(F_g, 1)``).
Then upkeep is organised in proportion, ``e_g = e₀ + (upkeep_efficiency − e₀) σ_g``, and supervision of
construction cuts the probability that a finished project fails inspection,
``p_rework ← p_rework · (1 − rework_reduction · σ_g)``. The group's meetings and inspections add occasions to
take part: ``o_i ← 1 − (1 − o_i)(1 − D_g · opportunity)``. Its runner sees its uptake as the mean ``σ_g`` over
the grids it reaches, relative to their delivery.

Sources: seed [004] (a village activity centre with no residents' self-management body was
used under 30% a year after completion; construction supervision groups of residents and
professionals: rework below 5% with residents supervising throughout); domain brief ("no self-management
body after construction → maintenance vacuum → use decays"); seed [001] (failed renovation, schedule overrun
50%; project supervision groups).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.mechanisms.base import Mechanism, ProgrammeParams
from model.params import ByKpi, param, share


@dataclass
class CoManagementParams(ProgrammeParams):
    staff_hours: float = param(30.0, "community workers' hours a month it needs in each grid it runs in (convening "
                               "the group, inspections)", unit="hours/month", range=(0.0, 1e6), source="assumption")
    serves: ByKpi = param(ByKpi(0.2, 0.4, 0.3, 0.2), "what the street office expects it to relieve, per KPI term",
                          source="assumption (seed [004]: supervision keeps facilities in use and rework low)")
    upkeep_efficiency: float = share(1.0, "share of residents' upkeep hours that maintain facilities when fully organised")
    rework_reduction: float = share(
        0.85, "share of inspection failures full supervision prevents (0.3 → 4.5%)",
        source="seed [004]: with residents supervising throughout, a lift project's rework rate fell below 5%")
    supervisors_per_facility: float = param(
        8.0, "regular supervisors (residents taking part every month) a facility needs for full supervision",
        unit="residents", range=(0.01, 1e4), source="assumption (a supervision group of 5–10 residents a site)")
    opportunity: float = share(0.1, "opportunity to take part added by supervision")


class CoManagement(Mechanism):
    """Co-management: upkeep and construction supervised by the residents who turn up."""

    name = "co_management"
    order = 30
    Params = CoManagementParams
    programme = True
    carriers = ("street_office", "residents_body")

    def setup(self, model) -> None:
        self.strength = np.zeros(model.n_grids)
        """``σ_g``: how strongly each grid's construction and upkeep are supervised this month (0–1)."""

    def contribution_terms(self, model, record, terms) -> None:
        terms.add_opportunity(self.params.opportunity * self.reach(model))

    def progress(self, model, record) -> None:
        p = self.params
        regular = np.where(record.participated, model.participation_counts / 12.0, 0.0)
        turnout = np.bincount(model.structure.grid, weights=regular, minlength=model.n_grids)
        facilities = np.maximum(model.facilities.count_by_grid(model.n_grids), 1)
        self.strength = self.delivery * np.minimum(1.0, turnout / (p.supervisors_per_facility * facilities))
        e0 = record.upkeep_efficiency
        record.upkeep_efficiency = e0 + (p.upkeep_efficiency - e0) * self.strength
        record.rework_probability = record.rework_probability * (1 - p.rework_reduction * self.strength)

    def uptake(self, model) -> float:
        reached = self.delivery > 0
        return float(np.mean(self.strength[reached] / self.delivery[reached])) if reached.any() else 0.0
