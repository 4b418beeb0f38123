"""The government agent: the street office with the residents' committee as its arm."""

from __future__ import annotations

import mesa
import numpy as np


class Government(mesa.Agent):
    """Funds and picks projects, answers (or ignores) residents, and is judged by a KPI.

    Attributes:
        budget_per_resident: yuan per adult resident per month paid into the community fund.
        priorities: its own weights over project domains (sum to 1).
        responsiveness: share of residents' suggestions it answers (0–1).
        kpi: ``"projects_completed"`` (priorities fixed: visible works) or ``"satisfaction"``
            (priorities drift towards residents' revealed needs).
    """

    def __init__(self, model, params) -> None:
        super().__init__(model)
        self.params = params
        self.budget_per_resident = params.budget_per_resident
        self.priorities = np.asarray(params.priorities.as_tuple(), dtype=float)
        self.priorities /= self.priorities.sum()
        self.responsiveness = params.responsiveness
        self.kpi = params.kpi

    @property
    def consultation_policy(self) -> str:
        """'none', 'sham' or 'real' (read from the consultation mechanism)."""
        m = self.model.mechanisms.get("consultation")
        return m.params.mode if m is not None else "none"

    @property
    def disclosure(self) -> float:
        """Share of spending disclosed on an open ledger (0–1; from the disclosure mechanism)."""
        m = self.model.mechanisms.get("disclosure")
        return m.params.level if m is not None else 0.0

    def monthly_budget(self) -> float:
        """Yuan paid into the community fund this month."""
        return self.budget_per_resident * self.model.n_residents

    def step(self) -> None:
        """Under a satisfaction KPI, shift priorities towards the needs of the dissatisfied."""
        if self.kpi != "satisfaction":
            return
        s = self.model.state
        weight = 1.0 - s.satisfaction
        revealed = weight @ s.needs
        revealed /= revealed.sum()
        self.priorities += self.params.kpi_learning_rate * (revealed - self.priorities)
