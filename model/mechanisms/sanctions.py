"""Peer sanctions: residents who contribute sanction free-riding neighbours, at a cost to themselves.

Each month, each tie from a resident who took part to one who did not carries a sanction
with probability ``probability · strength`` (criticism, a word with the building leader); who
sanctions whom is the shared rule :func:`model.decisions.sanction_intensity` with the
participation threshold as the norm (the laboratory game's punishment stage uses it too).
A sanctioned resident loses ``impact`` payoff per sanction; the sanctioner pays ``cost``.
Residents learn the risk: ``risk_i`` (0–1) moves a share ``learning_rate`` towards 1 when
sanctioned this month and towards 0 otherwise. The risk pulls the next contribution up
towards the community norm (the mean contribution of those who took part last month) by
``pull · risk_i`` (the ``norm_pull`` term of :mod:`model.decisions`).

Source: Fehr & Gächter (2000): costly peer punishment reverses the decay of contributions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model import decisions
from model.mechanisms.base import Mechanism, MechanismParams
from model.params import param, share


@dataclass
class SanctionParams(MechanismParams):
    probability: float = share(0.3, "chance a contributor sanctions a free-riding neighbour via a full-strength tie")
    cost: float = param(0.02, "payoff a sanctioner pays per sanction", range=(0.0, 10.0))
    impact: float = param(0.06, "payoff a sanctioned resident loses per sanction (3× the cost)", range=(0.0, 10.0),
                          source="Fehr & Gächter (2000): 1 token spent removes 3")
    learning_rate: float = share(0.3, "weight of this month's experience in the perceived sanction risk")
    pull: float = share(0.8, "pull towards the norm at full perceived risk")


class Sanctions(Mechanism):
    """Peer sanctions: costly punishment of free-riding neighbours."""

    name = "sanctions"
    order = 70
    Params = SanctionParams

    def setup(self, model) -> None:
        self.risk = np.zeros(model.n_residents)
        self.norm = 0.0

    def contribution_terms(self, model, record, terms) -> None:
        terms.norm_pull += self.params.pull * self.risk
        terms.norm = np.maximum(terms.norm, self.norm)

    def after_decisions(self, model, record) -> None:
        p, g = self.params, model.graph
        part, c = record.participated, record.contribution
        # The shared rule (model.decisions): those who took part sanction those who did not.
        intensity = decisions.sanction_intensity(c[g.cols], c[g.rows], model.config.decision.participation_threshold)
        w = g.strength * p.probability * intensity
        chosen = model.chosen_sanctions  # residents whose sanctions are chosen from outside (classroom players)
        if chosen is not None:
            outside = np.zeros(model.n_residents, dtype=bool)
            outside[chosen[0]] = True
            w = np.where(outside[g.cols], 0.0, w)
        sanctions = np.bincount(g.rows, weights=w, minlength=model.n_residents)
        given = np.bincount(g.cols, weights=w, minlength=model.n_residents)
        if chosen is not None and len(chosen[1]):
            sanctions += np.bincount(chosen[2], minlength=model.n_residents)
            given += np.bincount(chosen[1], minlength=model.n_residents)
        sanctioned = self.rng.random(model.n_residents) < np.minimum(sanctions, 1.0)
        decisions.update_belief(self.risk, sanctioned, p.learning_rate)
        record.sanction_cost = p.impact * sanctions + p.cost * given
        if part.any():
            self.norm = float(c[part].mean())
