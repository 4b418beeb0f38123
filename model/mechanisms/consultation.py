"""Consultation (决策共谋, co-decide): needs surveys and deliberation before a project is chosen.

Modes:

- ``none``: the government picks projects from its own priorities ``w_g`` (nothing changes);
- ``sham``: meetings are held (they take residents' time and give something to take part
  in) but views are ignored: the domain is still drawn from ``w_g``, and every attendee
  registers that their view was ignored (signal −1);
- ``real``: the domain weights become ``w_g ← (1 − a) · w_g + a · v_g`` with ``a`` the
  ``adoption_rate``. Each voter votes for their most pressing *unmet* need,
  ``argmax_d needs_i[d] · (1 − cover[g, d])``; with ``n_gd`` votes for domain ``d`` in grid
  ``g``, ``v_g[d] = n_gd^σ / Σ_d' n_gd'^σ`` (``σ`` = ``sharpness``: deliberation converges on
  the leading options). Voters are those who take part (``voice: participants``, so strong,
  active groups can capture the choice) or everyone in the grid (``voice: all``, a full
  needs survey). Each attendee's view is adopted with probability ``a`` (signal +1, else −1),
  and a project's dispute probability falls by the factor ``1 − dispute_prevention``.

Attendees are the residents of grids starting a project who took part last month or are
volunteers. Residents remember how they were heard: for attendees,
``voice_i ← voice_i + μ (signal_i − voice_i)`` (``μ`` = ``memory_rate``; ``voice`` in −1 … +1,
starting at 0). Word spreads: the perceived voice is
``p_i = ½ voice_i + ½ Σ_j w_ij voice_j / Σ_j w_ij`` (tie strengths ``w_ij``), and it shifts
this month's attitude targets: trust in government by ``trust_weight · p_i``, efficacy by
``efficacy_weight · p_i`` and satisfaction by ``satisfaction_weight · p_i``. Meetings (sham or
real) add occasions to take part: ``o_i ← 1 − (1 − o_i)(1 − opportunity)``.

Sources: seed [004] (sham consultation, "meetings held but the plan drafted in advance";
adoption of views below 40% under top-down; needs surveys in only 28% of projects; a
deliberation council raised satisfaction from 52% to 85%); domain brief ("suggestions
ignored → trust falls"; "strong groups capture decisions unless voting balances voice").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.arrays import select
from model.mechanisms.base import Mechanism, MechanismParams
from model.params import param, share


@dataclass
class ConsultationParams(MechanismParams):
    mode: str = param("real", "how residents are consulted", choices=("none", "sham", "real"),
                      source="seed [004]: sham consultation (meetings held, views ignored)")
    adoption_rate: float = share(0.7, "share of residents' views adopted in real consultation",
                                 source="seed [004]: below 40% under top-down (assumption for co-creation)")
    voice: str = param("participants", "whose needs count in the vote", choices=("participants", "all"))
    sharpness: float = param(2.0, "exponent on vote shares (1: proportional to votes; large: plurality wins)",
                             range=(0.0, 50.0))
    opportunity: float = share(0.15, "opportunity to take part added by consultation meetings")
    dispute_prevention: float = share(0.7, "share of disputes real consultation prevents up front",
                                      source="domain brief: consultation up front prevents most disputes")
    memory_rate: float = share(0.3, "weight of a new consultation experience in a resident's memory")
    trust_weight: float = param(0.25, "trust-in-government target shift per unit perceived voice", range=(0.0, 2.0))
    efficacy_weight: float = param(0.3, "efficacy target shift per unit perceived voice", range=(0.0, 2.0))
    satisfaction_weight: float = param(0.1, "satisfaction target shift per unit perceived voice", range=(0.0, 2.0))
    meeting_cost: float = param(2_000.0, "cost of the consultation for one project", unit="yuan", range=(0.0, 1e7))


class Consultation(Mechanism):
    """Consultation: none / sham / real, with the adoption rate of residents' views."""

    name = "consultation"
    order = 10
    Params = ConsultationParams

    def setup(self, model) -> None:
        self.voice = np.zeros(model.n_residents)

    def choose_projects(self, model, record, choice) -> None:
        p = self.params
        if p.mode == "none":
            return
        s, grid = model.state, model.structure.grid
        starting = np.zeros(model.n_grids, dtype=bool)
        starting[choice.grids] = True
        in_grid = starting[grid]
        attendees = in_grid & (s.participated | s.volunteer)
        record.consulted |= attendees
        choice.consulted[:] = True
        record.spend("consultation", p.meeting_cost * len(choice.grids))
        if p.mode == "real":
            voters = attendees if p.voice == "participants" else in_grid
            if not voters.any():  # voters are residents of the starting grids
                voters = in_grid
            who = np.flatnonzero(voters)
            unmet = s.needs[who] * (1.0 - model.coverage[grid[who]])
            top = unmet.argmax(axis=1)
            n_dom = s.needs.shape[1]
            counts = np.bincount(grid[who] * n_dom + top, minlength=model.n_grids * n_dom)
            votes = counts.reshape(model.n_grids, n_dom)[choice.grids].astype(float) ** p.sharpness
            total = votes.sum(axis=1, keepdims=True)
            votes = np.where(total > 0, votes / np.where(total > 0, total, 1.0), choice.weights)
            choice.weights = (1 - p.adoption_rate) * choice.weights + p.adoption_rate * votes
            choice.dispute_probability = choice.dispute_probability * (1 - p.dispute_prevention)
            adopted = self.rng.random(model.n_residents) < p.adoption_rate
            signal = ((2 * adopted.view(np.int8) - 1) * attendees).astype(float)  # +1 / -1 / 0
        else:  # sham
            signal = (attendees * -1).astype(float)
        record.views_adopted = signal
        self.voice = select(attendees, self.voice + p.memory_rate * (signal - self.voice), self.voice)

    def contribution_terms(self, model, record, terms) -> None:
        if self.params.mode != "none":
            terms.add_opportunity(self.params.opportunity)

    def evaluate(self, model, record, feedback) -> None:
        p = self.params
        perceived = 0.5 * self.voice + 0.5 * model.graph.neighbour_mean(self.voice, default=self.voice)
        feedback.trust_in_government += p.trust_weight * perceived
        feedback.efficacy += p.efficacy_weight * perceived
        feedback.satisfaction += p.satisfaction_weight * perceived
