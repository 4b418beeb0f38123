"""The residents' committee (居委会) and its grid workers."""

from __future__ import annotations

import numpy as np

from agents.institution import Institution


class ResidentsCommittee(Institution):
    """The residents' committee: staff hours split between tasks handed down and residents.

    **Rule.** Grid workers have ``W = grid_workers_per_grid × grids`` workers of ``hours_per_worker``
    hours; a share ``λ`` (``administrative_load``, the lever) goes to tasks handed down from above.
    The rest is visits, ``V = W · hours · (1 − λ) / visit_hours`` households a month, split among grids
    in proportion to their residents, twice the weight for a grid with an unsettled dispute
    (visits go where trouble is):

        V_g = V · n_g (1 + D_g) / Σ_g' n_g' (1 + D_g'),     coverage_g = min(1, V_g / n_g)

    and each resident of grid ``g`` is visited with probability ``coverage_g``. A visit

    - brings the resident's most pressing unmet need and satisfaction to the street office (the one
      channel that reaches residents no meeting, platform or complaint reaches),
    - invites them: an occasion to take part, ``o_i ← 1 − (1 − o_i)(1 − visit_opportunity)``,
    - brings disputes to light: a disputed grid's dispute settles this month with extra probability
      ``dispute_settling · coverage_g``.

    Sources: seeds [001], [003] (网格化: micro-grids, 1 secretary + 3 social workers + N grid workers;
    grid workers' visits); seeds [001], [004] (行政化: tasks handed down crowd out work with residents).
    """

    kind = "committee"

    def __init__(self, model, params) -> None:
        super().__init__(model)
        self.params = params
        self.visited = np.zeros(model.n_residents, dtype=bool)
        """Residents visited this month."""
        self.coverage = np.zeros(model.n_grids)
        """Share of each grid's residents visited this month."""


    @property
    def visits(self) -> float:
        """Households visited in a month (all grids)."""
        p = self.params
        workers = p.grid_workers_per_grid * self.model.n_grids
        return workers * p.hours_per_worker * (1 - p.administrative_load) / p.visit_hours

    def step(self) -> None:
        """Plan and make this month's visits."""
        m = self.model
        size = m._grid_size
        disputed = (m.projects.active & (m.projects.dispute_level > 0)).astype(float)
        weight = size * (1 + disputed)
        share = weight / weight.sum() if weight.sum() > 0 else weight
        self.coverage = np.clip(self.visits * share / np.maximum(size, 1), 0.0, 1.0)
        u = self.rng.random(m.n_residents)
        self.visited = u < self.coverage.take(m.structure.grid)

    def dispute_settling(self) -> np.ndarray:
        """Monthly probability, per grid, that grid workers settle a dispute they found."""
        return self.params.dispute_settling * self.coverage

    def card(self) -> dict[str, str]:
        return {"with residents": f"{1 - self.params.administrative_load:.0%} of hours",
                "visited": f"{self.visited.mean():.0%} of residents"}
