"""Consultation (决策共谋, co-decide): meetings before every project; how much is adopted is the office's.

With consultation on (the rule "consultation precedes every project"), the residents of each grid
proposing a project meet (one ``meeting_cost`` per project, out of the purse; as many meetings as the
purse pays for). How much of what they say is taken up is the street office's decision, its
adoption ``a`` (:class:`agents.government.Government`; at least ``adoption_rate``, the rule's
minimum): a meeting with ``a`` near 0 is **sham** (形式共谋: heard, not adopted), with ``a`` high
**real**.

Each voter votes for their most pressing *unmet* need, ``argmax_d needs_i[d] · (1 − cover[g, d])``;
with ``n_gd`` votes for domain ``d`` in grid ``g``, the views ``v_g[d] = n_gd^σ / Σ_d' n_gd'^σ``
(``σ`` = ``sharpness``: deliberation converges on the leading options) replace the office's picture of
the grid's needs in the project's domain weights ``(1 − a) · own + a · v_g``, and the votes are
reported to the office (a channel of its picture). Voters are those who take part
(``voice: participants``, so strong, active groups can capture the choice) or everyone in the grid
(``voice: all``, a full needs survey). Each attendee's view is adopted with probability ``a``
(signal +1, else −1), and a project's dispute probability ``p`` falls by the factor
``1 − dispute_prevention · a`` and then rises with the grievance of being heard and ignored,
``p ← p + γ (1 − a)² (1 − p)`` (``γ`` = ``sham_grievance``; ``(1 − a)²``: a meeting that adopts half of
what it hears leaves a quarter of the grievance of a sham one).

Attendees are the residents of grids starting a project who took part last month or are
volunteers; a renter among them is invited with probability ``renter_reach`` (owners' forums invite
owners), and meetings bring a renter the occasion ``renter_reach · opportunity`` (an owner
``opportunity``). Residents remember how they were heard: for attendees,
``voice_i ← voice_i + μ (signal_i − voice_i)`` (``μ`` = ``memory_rate``; ``voice`` in −1 … +1,
starting at 0). Word spreads: the perceived voice is
``p_i = ½ voice_i + ½ Σ_j w_ij voice_j / Σ_j w_ij`` (tie strengths ``w_ij``), and it shifts
this month's attitude targets: trust in government by ``trust_weight · p_i``, efficacy by
``efficacy_weight · p_i`` and satisfaction by ``satisfaction_weight · p_i``. Meetings add occasions to
take part: ``o_i ← 1 − (1 − o_i)(1 − r_i · opportunity)`` (``r_i`` = 1 for owners, ``renter_reach`` for
renters).

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
    adoption_rate: float = share(
        0.7, "share of residents' views the rules require the street office to adopt in consulted projects "
        "(it may adopt more; 0: meetings required, adoption left to the office)",
        source="seed [004]: below 40% under top-down (assumption for co-creation)")
    voice: str = param("participants", "whose needs count in the vote", choices=("participants", "all"))
    sharpness: float = param(2.0, "exponent on vote shares (1: proportional to votes; large: plurality wins)",
                             range=(0.0, 50.0))
    opportunity: float = share(0.15, "opportunity to take part added by consultation meetings")
    dispute_prevention: float = share(0.7, "share of disputes consultation prevents up front when every view is adopted",
                                      source="domain brief: consultation up front prevents most disputes")
    sham_grievance: float = share(
        0.3, "chance a meeting whose views are all ignored turns attendees against the plan (a dispute) where none "
        "would have started", source="assumption (seed [004]: a plan drafted in advance, views not adopted → "
        "collective petitions (群体性上访))")
    memory_rate: float = share(0.3, "weight of a new consultation experience in a resident's memory")
    trust_weight: float = param(0.25, "trust-in-government target shift per unit perceived voice", range=(0.0, 2.0))
    efficacy_weight: float = param(0.3, "efficacy target shift per unit perceived voice", range=(0.0, 2.0))
    satisfaction_weight: float = param(0.1, "satisfaction target shift per unit perceived voice", range=(0.0, 2.0))
    renter_reach: float = share(
        1.0, "how much of the meetings reaches a renter, relative to an owner: the probability a renter who would "
        "attend is invited, and the factor on the occasion meetings bring a renter (owners' forums invite owners)",
        source="assumption (owners' meetings (业主大会) are for owners; renters are not members)")
    meeting_cost: float = param(2_000.0, "cost of the consultation for one project", unit="yuan", range=(0.0, 1e7))


class Consultation(Mechanism):
    """Consultation: meetings before every project; the street office decides how much it adopts."""

    name = "consultation"
    order = 10
    Params = ConsultationParams

    def setup(self, model) -> None:
        self.voice = np.zeros(model.n_residents)

    def choose_projects(self, model, record, choice) -> None:
        p = self.params
        s, grid = model.state, model.structure.grid
        k = len(choice.grids)
        held = k if p.meeting_cost <= 0 else min(k, int(model.purse.pay("consultation", p.meeting_cost * k)
                                                        // p.meeting_cost + 1e-9))
        if held == 0:
            return
        grids = choice.grids[:held]
        starting = np.zeros(model.n_grids, dtype=bool)
        starting[grids] = True
        in_grid = starting[grid]
        attendees = in_grid & (s.participated | s.volunteer)
        if p.renter_reach < 1:  # renters are invited less (one number per resident, from a stream of its own)
            invited = s.owner | (self.stream("reach").random(model.n_residents)
                                 < p.renter_reach)
            attendees &= invited
        record.consulted |= attendees
        choice.consulted[:held] = True
        voters = attendees if p.voice == "participants" else in_grid
        if not voters.any():  # voters are residents of the starting grids
            voters = in_grid
        who = np.flatnonzero(voters)
        unmet = s.needs[who] * (1.0 - model.coverage[grid[who]])
        top = unmet.argmax(axis=1)
        n_dom = s.needs.shape[1]
        counts = np.bincount(grid[who] * n_dom + top, minlength=model.n_grids * n_dom)
        votes = counts.reshape(model.n_grids, n_dom)[grids].astype(float) ** p.sharpness
        total = votes.sum(axis=1, keepdims=True)
        choice.views[:held] = np.where(total > 0, votes / np.where(total > 0, total, 1.0), choice.views[:held])
        model.government.hear(attendees)  # the meetings are a channel of the office's picture of needs
        a = model.government.adoption
        dp = choice.dispute_probability[:held] * (1 - p.dispute_prevention * a)
        # heard and ignored, attendees turn against the plan: p ← p + γ (1 − a)² (1 − p) (the sham meeting's grievance)
        choice.dispute_probability[:held] = dp + p.sham_grievance * (1 - a) ** 2 * (1 - dp)
        adopted = self.rng.random(model.n_residents) < a
        signal = ((2 * adopted.view(np.int8) - 1) * attendees).astype(float)  # +1 / -1 / 0
        record.views_adopted = signal
        self.voice = select(attendees, self.voice + p.memory_rate * (signal - self.voice), self.voice)

    def contribution_terms(self, model, record, terms) -> None:
        p = self.params
        if p.renter_reach < 1:
            terms.add_opportunity(p.opportunity * np.where(model.state.owner, 1.0, p.renter_reach))
        else:
            terms.add_opportunity(p.opportunity)

    def evaluate(self, model, record, feedback) -> None:
        p = self.params
        perceived = 0.5 * self.voice + 0.5 * model.graph.neighbour_mean(self.voice, default=self.voice)
        feedback.trust_in_government += p.trust_weight * perceived
        feedback.efficacy += p.efficacy_weight * perceived
        feedback.satisfaction += p.satisfaction_weight * perceived
