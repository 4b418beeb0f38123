"""Shocks: leadership turnover (policy reverts) and resources concentrated on a showcase.

**Leadership turnover**: at month ``turnover_month`` a new leader arrives; the mechanisms
listed in ``revert`` are switched off, the government's responsiveness falls to
``responsiveness_after`` and its KPI reverts to projects completed (domain brief: "policy
breaks when leaders rotate"). A ``turnover_month`` of 0 means no turnover.

The government's priorities revert to its own (``government.priorities``), undoing what a
satisfaction KPI had learnt. Residents' memories (voice, answered suggestions), ties and
volunteers stay: the social capital built survives the policy, the channels do not.

**Showcase**: a share ``showcase_share`` of each month's budget is spent on keeping one
showcase grid's facilities in perfect condition instead of on the community's projects. (In
the default community of two grids a showcase is half the community; it is meant for
districts of many grids.)

Sources: seed [004] ("a co-creation pilot stopped when the leadership changed, and its
projects stalled"; "a city put 80% of its resources into demonstration communities, and
ordinary communities went short"); domain brief (KPI = projects completed → cosmetic work;
policy breaks when leaders rotate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.mechanisms.base import Mechanism, MechanismParams
from model.params import param, share


@dataclass
class ShockParams(MechanismParams):
    turnover_month: int = param(0, "month a new leader arrives (0: never)", unit="month", range=(0, 100_000))
    revert: list = param(["consultation", "co_evaluation", "disclosure"],
                         "mechanisms switched off at the turnover")
    responsiveness_after: float = share(0.2, "government responsiveness after the turnover")
    showcase_share: float = share(0.0, "share of the monthly budget spent on one showcase grid")
    showcase_grid: int = param(0, "the showcase grid", range=(0, 1_000_000))


class Shocks(Mechanism):
    """Shocks: leadership turnover and showcase concentration."""

    name = "shocks"
    order = 95
    Params = ShockParams

    def setup(self, model) -> None:
        from model.mechanisms import MECHANISMS

        unknown = [m for m in self.params.revert if m not in MECHANISMS]
        if unknown:
            from model.params import ConfigError

            raise ConfigError(f"shocks.revert names unknown mechanism {unknown[0]!r}; allowed: {', '.join(MECHANISMS)}")

    def begin_step(self, model, record) -> None:
        p = self.params
        if p.turnover_month and model.steps == p.turnover_month:
            for name in p.revert:
                model.deactivate(name)
            gov = model.government
            gov.responsiveness = p.responsiveness_after
            gov.kpi = "projects_completed"
            gov.priorities = np.asarray(gov.params.priorities.as_tuple(), dtype=float)
            gov.priorities /= gov.priorities.sum()
        if p.showcase_share > 0:
            amount = min(model.fund, p.showcase_share * model.government.monthly_budget())
            model.fund -= amount
            record.spend("showcase_upkeep", amount)
            fac = model.facilities
            on_show = fac.grid[: fac.n] == min(p.showcase_grid, model.n_grids - 1)
            fac.condition[: fac.n][on_show] = 1.0
