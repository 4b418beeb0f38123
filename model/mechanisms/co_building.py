"""Co-building (发展共建): residents adopt micro-projects, volunteer on them and co-fund them.

A programme the street office runs (it saves money: a projects KPI values it) or a residents' body carries.
Where it reaches grid ``g`` (delivery ``D_g``), a new project needs ``D_g · H`` hours of residents' time
(``H`` = ``hours_per_project``) in addition to money, and its money cost falls by the factor
``1 − D_g · cost_saving`` (residents' labour and local knowledge replace contractors'). A project is finished
only when both its money and its hours are in, so it stalls when few take part. While a grid has a
project under way, its residents have more occasions to take part:
``o_i ← 1 − (1 − o_i)(1 − D_g · opportunity)``. Residents who take part in a grid with a project
also co-fund it: each month the project receives
``min(y · #payers_g, cost_g − funded_g)`` yuan (``y`` = ``co_funding``) before the
government's release. A resident who takes part pays as far as they trust the money will go where it should,
with probability ``T_i`` (their trust in government; one uniform number per resident a month from the stream
``mechanism.co_building``: seed [004]: 72% don't know where the money went, 70% refuse to pay their share).
Its runner sees its uptake as the hours residents give to the co-built projects
under way against what would finish them in ``UPTAKE_MONTHS`` months, ``min(1, hours_g · UPTAKE_MONTHS /
(D_g H))``, averaged over those grids. When free riding dominates, few take part and co-funding dries up. A household
co-funds when at least one of its members takes part; the metric ``co_funding_refused`` is the share of
households asked (those of grids with a project under way) of which nobody did.

Sources: seed [004] (residents adopted 12 micro-projects and saved 30% of fiscal spending;
governance cost −25% under co-creation; 70% refuse to co-fund when free riding dominates;
a Nanjing estate crowd-funded 3 million yuan); seeds [000], [001] (micro-projects).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.mechanisms.base import Mechanism, ProgrammeParams
from model.params import ByKpi, param, share

UPTAKE_MONTHS = 6
"""Months in which residents' hours should finish a co-built project for its runner to count it taken up."""


@dataclass
class CoBuildingParams(ProgrammeParams):
    staff_hours: float = param(60.0, "community workers' hours a month it needs in each grid it runs in (organising "
                               "volunteers and materials)", unit="hours/month", range=(0.0, 1e6), source="assumption")
    serves: ByKpi = param(ByKpi(0.5, 0.2, 0.6, 0.0), "what the street office expects it to relieve, per KPI term",
                          source="assumption (seed [004]: residents' micro-projects saved 30% of fiscal spending)")
    hours_per_project: float = param(300.0, "residents' volunteer hours a project needs", unit="hours",
                                     range=(0.0, 1e7))
    cost_saving: float = share(0.3, "share of a project's money cost replaced by residents' labour",
                               source="seed [004]: residents who adopted 12 micro-projects saved 30% of fiscal "
                               "spending")
    opportunity: float = share(0.3, "opportunity to take part added while one's grid has a project")
    co_funding: float = param(5.0, "yuan each participating resident co-funds a month", unit="yuan/month",
                              range=(0.0, 1e5))


class CoBuilding(Mechanism):
    """Co-building: residents' hours and co-funding go into projects; projects cost less money."""

    name = "co_building"
    refused: float = float("nan")
    """Share of the households asked to co-fund this month (those of grids with a project under way) of which no
    member gave (set each month by :meth:`progress`)."""
    order = 20
    Params = CoBuildingParams
    programme = True
    carriers = ("street_office", "residents_body")

    def setup(self, model) -> None:
        self._uptake = 1.0

    def propose(self, model, record, choice) -> None:
        d = self.delivery[choice.grids]
        choice.hours = choice.hours + d * self.params.hours_per_project
        choice.cost = choice.cost * (1 - d * self.params.cost_saving)

    def contribution_terms(self, model, record, terms) -> None:
        on = model.projects.active * self.delivery
        terms.add_opportunity(self.params.opportunity * on.take(model.structure.grid))

    @staticmethod
    def _households_refusing(model, asked: np.ndarray, payers: np.ndarray) -> float:
        household, n = model.structure.household, model.structure.n_households
        asked_h = np.bincount(household, weights=asked, minlength=n) > 0
        paid_h = np.bincount(household, weights=payers, minlength=n) > 0
        n_asked = int(np.count_nonzero(asked_h))
        return 1.0 - int(np.count_nonzero(paid_h & asked_h)) / n_asked if n_asked else float("nan")

    def progress(self, model, record) -> None:
        pb = model.projects
        built = pb.active & (self.delivery > 0)
        asked = built[model.structure.grid]
        # those who take part pay their share as far as they trust the money goes where it should
        u = self.rng.random(model.n_residents)
        payers = record.participated & asked & (u < model.state.trust_in_government)
        self.refused = self._households_refusing(model, asked, payers)
        raised = self.params.co_funding * model.count_by_grid(payers).astype(float)
        working = built & (pb.dispute_level == 0)
        given = np.where(working, np.minimum(raised, np.maximum(pb.cost - pb.funded, 0)), 0.0)
        pb.funded += given
        model.purse.pass_through("residents", "projects", given.sum())
        needed = pb.hours_needed[working]
        if len(needed):
            hours = np.bincount(model.structure.grid, weights=record.hours, minlength=model.n_grids)[working]
            self._uptake = float(np.mean(np.minimum(1.0, hours * UPTAKE_MONTHS / np.maximum(needed, 1e-9))))

    def uptake(self, model) -> float:
        return self._uptake
