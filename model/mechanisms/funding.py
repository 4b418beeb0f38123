"""Funding mix: fiscal money vs. purchased services from social organisations and co-funding.

With this mechanism on, the government buys services from social organisations under
contracts renewed with probability ``contract_stability`` a year (the core default, 0.35,
is the share of stable contracts in the domain brief) and worth ``contract_value`` yuan per
resident a month; organisations grow capacity while funded (more volunteer recruitment,
stronger mediation). Residents' co-funding covers ``co_funding_share`` of each project's
cost, but only in proportion to the share of the grid that takes part, relative to
``co_funding_participation`` (free riding dries it up).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.mechanisms.base import Mechanism, MechanismParams
from model.params import param, share


@dataclass
class FundingParams(MechanismParams):
    contract_stability: float = share(0.8, "probability a purchased-service contract is renewed each year")
    contract_value: float = param(3.0, "purchased-service funding per resident per month", unit="yuan/month",
                                  range=(0.0, 1e5))
    co_funding_share: float = share(0.1, "share of a project's cost residents co-fund when enough take part")
    co_funding_participation: float = share(0.5, "grid participation at which co-funding is fully raised",
                                            source="seed [004]: 70% refuse to co-fund when free riding dominates")


class Funding(Mechanism):
    """Funding mix: stable purchased services and residents' co-funding."""

    name = "funding"
    order = 90
    Params = FundingParams

    def setup(self, model) -> None:
        for org in model.social_orgs:
            org.contract_stability = self.params.contract_stability
            org.contract_value = self.params.contract_value

    def progress(self, model, record) -> None:
        p, pb = self.params, model.projects
        grid = model.structure.grid
        rate = np.bincount(grid, weights=record.participated, minlength=model.n_grids) / np.maximum(
            model._grid_size, 1)
        willing = np.clip(rate / max(p.co_funding_participation, 1e-9), 0, 1)
        monthly = p.co_funding_share * pb.cost * willing / 4.0  # raised over about four months
        working = pb.active & (pb.dispute_level == 0)
        pb.funded += np.where(working, np.minimum(monthly, np.maximum(pb.cost - pb.funded, 0)), 0.0)
