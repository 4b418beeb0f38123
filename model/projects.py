"""Community micro-projects and the facilities they leave behind.

Each micro-grid runs at most one project at a time (arrays indexed by grid). A project has
a domain, a money cost (funded by the government month by month from the community fund),
an amount of residents' volunteer hours it needs (zero unless co-building is on), and
possibly a dispute between groups that halts it until settled or escalates until it is
abandoned. A finished project may fail inspection and need rework; otherwise it becomes a
**facility** of its grid with a condition (0–1) that decays without upkeep.

Benefits: a resident in grid ``g`` receives

    benefit_i = value · Σ_d fit_i[d] · cover[g, d],   cover[g, d] = 1 − exp(−S[g, d] · r / n_g)

where ``S[g, d]`` is the summed condition of the grid's facilities in domain ``d``, ``r``
the residents one facility serves, ``n_g`` the grid's residents, and ``fit_i[d]`` (0–1) how
well domain ``d`` meets the resident's needs (1 for their top need). Benefits saturate per
domain: a second playground adds less than the first.
A facility's **use** is its condition times the mean fit of its domain in its grid.
"""

from __future__ import annotations

import numpy as np


class ProjectBoard:
    """The current project of every grid (arrays of length ``n_grids``)."""

    def __init__(self, n_grids: int) -> None:
        self.n_grids = n_grids
        self.active = np.zeros(n_grids, dtype=bool)
        self.domain = np.zeros(n_grids, dtype=np.int8)
        self.cost = np.zeros(n_grids)
        self.funded = np.zeros(n_grids)
        self.hours_needed = np.zeros(n_grids)
        self.hours_done = np.zeros(n_grids)
        self.started = np.zeros(n_grids, dtype=np.int32)
        self.fit = np.zeros(n_grids)
        self.consulted = np.zeros(n_grids, dtype=bool)
        self.dispute_level = np.zeros(n_grids, dtype=np.int16)
        """0: no dispute; k ≥ 1: an unsettled dispute escalated to level k."""

    def start(self, grids, domains, cost, hours, fit, consulted, disputed, step) -> None:
        self.active[grids] = True
        self.domain[grids] = domains
        self.cost[grids] = cost
        self.funded[grids] = 0.0
        self.hours_needed[grids] = hours
        self.hours_done[grids] = 0.0
        self.started[grids] = step
        self.fit[grids] = fit
        self.consulted[grids] = consulted
        self.dispute_level[grids] = disputed.astype(np.int16)

    def stop(self, grids) -> None:
        self.active[grids] = False
        self.dispute_level[grids] = 0


class FacilityStock:
    """Completed facilities (growing arrays)."""

    def __init__(self, capacity: int = 64) -> None:
        self.n = 0
        self.grid = np.zeros(capacity, dtype=np.int32)
        self.domain = np.zeros(capacity, dtype=np.int8)
        self.condition = np.zeros(capacity)
        self.fit = np.zeros(capacity)
        self.built = np.zeros(capacity, dtype=np.int32)
        self.months = np.zeros(capacity, dtype=np.int32)
        """Months from the project's start to its completion (0 for facilities there from the start)."""

    def add(self, grids, domains, fits, step: int, started=None) -> None:
        k = len(grids)
        if self.n + k > len(self.grid):
            new = max(2 * len(self.grid), self.n + k)
            for name in ("grid", "domain", "condition", "fit", "built", "months"):
                old = getattr(self, name)
                arr = np.zeros(new, dtype=old.dtype)
                arr[: self.n] = old[: self.n]
                setattr(self, name, arr)
        sl = slice(self.n, self.n + k)
        self.grid[sl] = grids
        self.domain[sl] = domains
        self.condition[sl] = 1.0
        self.fit[sl] = fits
        self.built[sl] = step
        self.months[sl] = 0 if started is None else step - np.asarray(started)
        self.n += k

    def service(self, n_grids: int, n_domains: int) -> np.ndarray:
        """Summed condition of facilities by grid and domain, (grids × domains)."""
        n = self.n
        idx = self.grid[:n].astype(np.int64) * n_domains + self.domain[:n]
        return np.bincount(idx, weights=self.condition[:n], minlength=n_grids * n_domains).reshape(
            n_grids, n_domains)

    def use(self, grid_fit: np.ndarray) -> np.ndarray:
        """Use of each facility: its condition times its domain's mean fit in its grid (0–1)."""
        n = self.n
        return self.condition[:n] * grid_fit[self.grid[:n], self.domain[:n]]

    def count_by_grid(self, n_grids: int) -> np.ndarray:
        return np.bincount(self.grid[: self.n], minlength=n_grids)
