"""Shocks: resources concentrated on a showcase.

**Showcase**: a share ``showcase_share`` of each month's budget is spent on keeping one
showcase grid's facilities in perfect condition instead of on the community's projects. (In
the default community of two grids a showcase is half the community; it is meant for
districts of many grids.)

Leadership turnover is the street office's own (``government.tenure_months``,
:class:`agents.government.Government`).

Sources: seed [004] ("a city put 80% of its resources into demonstration communities, and
ordinary communities went short").
"""

from __future__ import annotations

from dataclasses import dataclass


from model.mechanisms.base import Mechanism, MechanismParams
from model.params import param, share


@dataclass
class ShockParams(MechanismParams):
    showcase_share: float = share(0.0, "share of the monthly budget spent on one showcase grid")
    showcase_grid: int = param(0, "the showcase grid", range=(0, 1_000_000))


class Shocks(Mechanism):
    """Shocks: showcase concentration."""

    name = "shocks"
    order = 95
    Params = ShockParams

    def begin_step(self, model, record) -> None:
        p = self.params
        if p.showcase_share > 0:
            model.purse.pay("showcase_upkeep", p.showcase_share * model.government.monthly_budget())
            fac = model.facilities
            on_show = fac.grid[: fac.n] == min(p.showcase_grid, model.n_grids - 1)
            fac.condition[: fac.n][on_show] = 1.0
