"""Reputation on the graph: contributions are visible to neighbours, who shun free riders.

A resident cares what neighbours think: the share of their tie strength to residents who
took part last month, ``visible_i``, pulls their contribution up towards the community norm
(mean contribution of those who took part) by ``pull · visible_i``. Neighbours shun free
riders: ties from a resident who took part to one who did not weaken by ``shunning`` a
month, so free riders lose social capital (and with it the benefits of ties).

Source: domain brief (reputation, shunning); Centola (2010) on reinforcement in clustered
networks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.mechanisms.base import Mechanism, MechanismParams
from model.params import share


@dataclass
class ReputationParams(MechanismParams):
    pull: float = share(0.5, "pull towards the norm when all one's neighbours took part")
    shunning: float = share(0.02, "monthly weakening of a tie between a contributor and a free rider")


class Reputation(Mechanism):
    """Reputation: visible contributions pull others up; free riders are shunned."""

    name = "reputation"
    order = 75
    Params = ReputationParams

    def setup(self, model) -> None:
        self.norm = 0.0

    def contribution_terms(self, model, record, terms) -> None:
        s = model.state
        visible = model.graph.neighbour_mean(s.participated.astype(float), default=0.0)
        terms.norm_pull += self.params.pull * visible
        terms.norm = np.maximum(terms.norm, self.norm)

    def after_decisions(self, model, record) -> None:
        part = record.participated
        if part.any():
            self.norm = float(record.contribution[part].mean())

    def reward(self, model, record) -> None:
        g, part = model.graph, record.participated
        mixed = part[g.rows] != part[g.cols]
        w = g.strength
        w[mixed] -= self.params.shunning * (w[mixed] - g.floor[mixed]).clip(0)
