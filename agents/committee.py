"""The residents' committee (居委会) and its grid workers."""

from __future__ import annotations

import numpy as np

from agents.institution import Institution


class ResidentsCommittee(Institution):
    """The residents' committee: staff hours split between tasks handed down, programmes and residents.

    **Rule.** Grid workers have ``W = grid_workers_per_grid × grids`` workers of ``hours_per_worker``
    hours; a share ``λ`` (``administrative_load``: the tasks the district hands down) goes to tasks from
    above. Grid workers are judged by what the street office is judged on: of the rest, a share ``ρ · w_J`` goes
    to reporting on projects (paperwork, inspections, photographs for the record: 留痕; ``ρ`` = ``reporting``,
    ``w_J`` the projects-completed weight of the office's KPI), and ``H = W · hours · (1 − λ)(1 − ρ w_J)`` hours
    are left for residents. The programmes the street office runs need
    ``N = Σ_p staff_hours_p × grids`` hours (:mod:`model.programmes`); contracted social organisations'
    professional staff give ``O = Σ_o κ_o · social_orgs.staff_hours`` of them, the grid workers the rest as far as
    their hours go, ``P = min(H, max(N − O, 0))`` (the office's programmes come first: grid workers are judged by
    the office that runs them), and the programmes get the share

        κ = min(1, (O + P) / N)          (1 with no programme)

    of what they need (their delivery, :meth:`model.programmes.Programmes.update_delivery`). What is left,
    ``H − P``, is visits, ``V = (H − P) / visit_hours`` households a month, split among grids in proportion to
    their residents, twice the weight for a grid with an unsettled dispute (visits go where trouble is):

        V_g = V · n_g (1 + D_g) / Σ_g' n_g' (1 + D_g'),     coverage_g = min(1, V_g / n_g)

    and each resident of grid ``g`` is visited with probability ``coverage_g``. A visit

    - brings the resident's most pressing unmet need and satisfaction to the street office (the one
      channel that reaches residents no meeting, platform or complaint reaches),
    - invites them: an occasion to take part, ``o_i ← 1 − (1 − o_i)(1 − visit_opportunity)``,
    - brings disputes to light: a disputed grid's dispute settles this month with extra probability
      ``dispute_settling · coverage_g``.

    So 行政化 arises when the district hands down tasks or the office is judged by projects completed: programmes
    go short of staff and residents of visits.

    Sources: seeds [001], [003] (网格化: micro-grids, 1 secretary + 3 social workers + N grid workers;
    grid workers' visits); seeds [001], [004] (行政化: tasks handed down crowd out work with residents;
    形式主义: paperwork to show results).
    """

    kind = "committee"

    def __init__(self, model, params) -> None:
        super().__init__(model)
        self.params = params
        self.visited = np.zeros(model.n_residents, dtype=bool)
        """Residents visited this month."""
        self.coverage = np.zeros(model.n_grids)
        """Share of each grid's residents visited this month."""
        self.staff_coverage = 1.0
        """Share of the staff hours the street office's programmes need that they get this month (``κ``)."""
        self.programme_hours = 0.0
        """Grid workers' hours given to the office's programmes this month (``P``)."""

    @property
    def free_hours(self) -> float:
        """Grid workers' hours a month left after tasks handed down (``H``)."""
        p = self.params
        reporting = p.reporting * self.model.government.kpi[0]
        return (p.grid_workers_per_grid * self.model.n_grids * p.hours_per_worker * (1 - p.administrative_load)
                * (1 - reporting))

    @property
    def visits(self) -> float:
        """Households visited in a month (all grids)."""
        return max(self.free_hours - self.programme_hours, 0.0) / self.params.visit_hours

    def step(self) -> None:
        """Staff the office's programmes, then plan and make this month's visits."""
        m = self.model
        needed = m.programmes.staff_needed()
        professional = sum(o.staff_hours() for o in m.social_orgs)
        self.programme_hours = min(self.free_hours, max(needed - professional, 0.0))
        self.staff_coverage = min(1.0, (professional + self.programme_hours) / needed) if needed > 0 else 1.0
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
        total = self.params.grid_workers_per_grid * self.model.n_grids * self.params.hours_per_worker
        return {"with residents": f"{self.free_hours / total:.0%} of hours" if total else "no grid workers",
                "programmes staffed": f"{self.staff_coverage:.0%}",
                "visited": f"{self.visited.mean():.0%} of residents"}
