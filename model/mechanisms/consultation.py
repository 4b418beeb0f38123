"""Consultation (决策共谋, co-decide): meetings before projects; how much is adopted is the office's.

A programme (:mod:`model.programmes`) the street office runs (the rule "consultation precedes every project",
``consultation.mandated``, or its own choice) or a residents' body carries as its residents' council. Where it
reaches a grid proposing a project (the grid's delivery ``D_g`` ≥ a uniform number ``u_g``, one per grid a
month from the stream ``mechanism.consultation.held``), the grid's residents meet: one ``meeting_cost`` per
project out of the purse where the office runs it (as many meetings as the purse pays for), nothing where only
the residents' council does. How much of what they say is taken up is the street office's decision, its
adoption ``a`` (:class:`agents.government.Government`; at least ``adoption_rate`` while the rule binds it): a
meeting with ``a`` near 0 is **sham** (形式共谋: heard, not adopted), with ``a`` high **real**.

Each voter votes for their most pressing *unmet* need, ``argmax_d needs_i[d] · (1 − cover[g, d])``;
with ``n_gd`` votes for domain ``d`` in grid ``g``, the views ``v_g[d] = n_gd^σ / Σ_d' n_gd'^σ``
(``σ`` = ``sharpness``: deliberation converges on the leading options) replace the office's picture of
the grid's needs in the project's domain weights ``(1 − a) · own + a · v_g``, and the votes are
reported to the office (a channel of its picture). Voters are those who take part
(``voice: participants``, so strong, active groups can capture the choice) or everyone in the grid
(``voice: all``, a full needs survey), or the attendees with each group — age group × owner or renter —
weighed by its share of the grid's residents (``voice: balanced``: a quota, as in deliberative polls; units'
pull on the choice does not apply there, :meth:`model.community.CommunityModel._choose_projects`). A
project's dispute probability ``p`` falls by the factor ``1 − dispute_prevention · a`` and then rises with the
grievance of being heard and ignored, ``p ← p + γ (1 − a)² (1 − p)`` (``γ`` = ``sham_grievance``; ``(1 − a)²``:
a meeting that adopts half of what it hears leaves a quarter of the grievance of a sham one).

**What attendees see**: once the project's domain ``d*`` is chosen, every attendee of the meeting sees how much
of what the meeting said was taken up, ``signal = 2 v_g[d*] / max_d v_g[d] − 1`` (+1: the meeting's leading
option; −1: an option nobody asked for), the same for everyone there (procedural fairness: a decision respected
counts even for those outvoted; Tyler 1990).

Attendees are the residents of grids holding a meeting who took part last month or are
volunteers; a renter among them is invited with probability ``renter_reach`` (owners' forums invite
owners), and meetings bring a renter the occasion ``renter_reach · opportunity`` (an owner
``opportunity``). Residents remember how they were heard: for attendees,
``voice_i ← voice_i + μ (signal_i − voice_i)`` (``μ`` = ``memory_rate``; ``voice`` in −1 … +1,
starting at 0). Word spreads: the perceived voice is
``p_i = ½ voice_i + ½ Σ_j w_ij voice_j / Σ_j w_ij`` (tie strengths ``w_ij``), and it shifts
this month's attitude targets: trust in government by ``trust_weight · p_i``, efficacy by
``efficacy_weight · p_i`` and satisfaction by ``satisfaction_weight · p_i``. Meetings add occasions to
take part, as far as residents have not seen them ignore what they are told: ``o_i ← 1 − (1 − o_i)(1 − D_g r_i
min(1, 1 + p_i) · opportunity)`` (``r_i`` = 1 for owners, ``renter_reach`` for renters; a resident who has seen
sham meetings, ``p_i`` → −1, no longer counts them as occasions).

Sources: seed [004] (sham consultation, "meetings held but the plan drafted in advance";
adoption of views below 40% under top-down; needs surveys in only 28% of projects; a
deliberation council raised satisfaction from 52% to 85%); domain brief ("suggestions
ignored → trust falls"; "strong groups capture decisions unless voting balances voice"); Tyler (1990),
*Why People Obey the Law* (procedural justice); Fishkin (2009) (deliberative polls balance who speaks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.arrays import select
from model.mechanisms.base import Mechanism, ProgrammeParams
from model.params import AGE_GROUPS, CALIBRATED, ByKpi, param, share


@dataclass
class ConsultationParams(ProgrammeParams):
    staff_hours: float = param(80.0, "community workers' hours a month it needs in each grid it runs in (organising "
                               "meetings, drafting options)", unit="hours/month", range=(0.0, 1e6),
                               source="assumption")
    serves: ByKpi = param(ByKpi(0.1, 0.5, 0.5, 0.3), "what the street office expects it to relieve, per KPI term",
                          source="assumption (seed [004]: a deliberation council raised satisfaction from 52% to "
                          "85%; consultation up front prevents disputes)")
    adoption_rate: float = share(
        0.7, "share of residents' views the rules require the street office to adopt in consulted projects "
        "(it may adopt more; 0: meetings required, adoption left to the office)",
        source="seed [004]: below 40% under top-down (assumption for co-creation)")
    voice: str = param("participants", "whose needs count in the vote: the attendees, everyone in the grid, or the "
                       "attendees with each group weighed by its share of the grid", choices=("participants", "all",
                                                                                          "balanced"))
    sharpness: float = param(8.0, "exponent on vote shares (1: proportional to votes; large: the meeting settles on "
                             "its leading option, a decision)", range=(0.0, 50.0),
                             source="assumption (deliberation converges on a decision the meeting puts to the office)")
    opportunity: float = share(0.15, "opportunity to take part added by consultation meetings")
    dispute_prevention: float = share(0.7, "share of disputes consultation prevents up front when every view is adopted",
                                      source="domain brief: consultation up front prevents most disputes")
    sham_grievance: float = share(
        0.3, "chance a meeting whose views are all ignored turns attendees against the plan (a dispute) where none "
        "would have started", source="assumption (seed [004]: a plan drafted in advance, views not adopted → "
        "collective petitions (群体性上访))")
    memory_rate: float = share(0.3, "weight of a new consultation experience in a resident's memory")
    trust_weight: float = param(0.25, "trust-in-government target shift per unit perceived voice", range=(0.0, 2.0))
    efficacy_weight: float = param(0.5, "efficacy target shift per unit perceived voice", range=(0.0, 2.0),
                                   source=CALIBRATED)
    satisfaction_weight: float = param(0.1, "satisfaction target shift per unit perceived voice", range=(0.0, 2.0))
    renter_reach: float = share(
        1.0, "how much of the meetings reaches a renter, relative to an owner: the probability a renter who would "
        "attend is invited, and the factor on the occasion meetings bring a renter (owners' forums invite owners)",
        source="assumption (owners' meetings (业主大会) are for owners; renters are not members)")
    meeting_cost: float = param(500.0, "cost of the consultation for one project (venue, printing, a facilitator's "
                                "time)", unit="yuan", range=(0.0, 1e7), source="assumption")


class Consultation(Mechanism):
    """Consultation: meetings before projects; the street office decides how much it adopts."""

    name = "consultation"
    order = 10
    Params = ConsultationParams
    programme = True
    carriers = ("street_office", "residents_body")

    def setup(self, model) -> None:
        self.voice = np.zeros(model.n_residents)
        self._meeting: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        """This month's meetings: (grids met, attendees, each grid's decision), for :meth:`after_choice`."""

    def monthly_cost(self, model) -> float:
        """Meetings at the rate grids start projects."""
        return self.params.meeting_cost * model.n_grids * model.config.projects.start_probability

    def choose_projects(self, model, record, choice) -> None:
        p = self.params
        s, grid = model.state, model.structure.grid
        self._meeting = None
        held = self.stream("held").random(model.n_grids)[choice.grids] < self.delivery[choice.grids]
        paying = held & model.programmes["consultation"].office & ~model.programmes["consultation"].bodies[choice.grids]
        if paying.any() and p.meeting_cost > 0:  # the office's meetings, as many as the purse pays for
            afford = int(model.purse.pay("consultation", p.meeting_cost * paying.sum()) // p.meeting_cost + 1e-9)
            held &= ~paying | (np.cumsum(paying) <= afford)
        if not held.any():
            return
        rows = np.flatnonzero(held)
        grids = choice.grids[rows]
        starting = np.zeros(model.n_grids, dtype=bool)
        starting[grids] = True
        in_grid = starting[grid]
        attendees = in_grid & (s.participated | s.volunteer)
        if p.renter_reach < 1:  # renters are invited less (one number per resident, from a stream of its own)
            invited = s.owner | (self.stream("reach").random(model.n_residents) < p.renter_reach)
            attendees &= invited
        record.consulted |= attendees
        choice.consulted[rows] = True
        voters = in_grid if p.voice == "all" else attendees
        if not voters.any():  # voters are residents of the starting grids
            voters = in_grid
        who = np.flatnonzero(voters)
        unmet = s.needs[who] * (1.0 - model.coverage[grid[who]])
        top = unmet.argmax(axis=1)
        n_dom = s.needs.shape[1]
        weight = self._balance(model, who, in_grid) if p.voice == "balanced" else None
        counts = np.bincount(grid[who] * n_dom + top, weights=weight, minlength=model.n_grids * n_dom)
        tally = counts.reshape(model.n_grids, n_dom)[grids]
        votes = tally.astype(float) ** p.sharpness
        total = votes.sum(axis=1, keepdims=True)
        choice.views[rows] = np.where(total > 0, votes / np.where(total > 0, total, 1.0), choice.views[rows])
        choice.balanced[rows] = p.voice == "balanced"
        model.government.hear(attendees)  # the meetings are a channel of the office's picture of needs
        a = model.government.adoption
        dp = choice.dispute_probability[rows] * (1 - p.dispute_prevention * a)
        # heard and ignored, attendees turn against the plan: p ← p + γ (1 − a)² (1 − p) (the sham meeting's grievance)
        choice.dispute_probability[rows] = dp + p.sham_grievance * (1 - a) ** 2 * (1 - dp)
        self._meeting = (rows, attendees, choice.views[rows].copy())

    @staticmethod
    def _balance(model, who: np.ndarray, in_grid: np.ndarray) -> np.ndarray:
        """Per voter: the weight that makes each group (age group × owner or renter) count by its share of the
        grid's residents: ``share of the group in the grid / share of the group among the grid's voters``."""
        s, grid = model.state, model.structure.grid
        group = s.age_group.astype(np.int64) * 2 + s.owner
        k = 2 * len(AGE_GROUPS)
        residents = np.bincount(grid[in_grid] * k + group[in_grid], minlength=model.n_grids * k).reshape(-1, k)
        voters = np.bincount(grid[who] * k + group[who], minlength=model.n_grids * k).reshape(-1, k)
        pop_share = residents / np.maximum(residents.sum(axis=1, keepdims=True), 1)
        voter_share = voters / np.maximum(voters.sum(axis=1, keepdims=True), 1)
        g, c = grid[who], group[who]
        return pop_share[g, c] / np.maximum(voter_share[g, c], 1e-12)

    def after_choice(self, model, record, choice) -> None:
        """Attendees see whether the meeting's decision was taken up (the module docstring)."""
        if self._meeting is None:
            return
        rows, attendees, views = self._meeting
        chosen = views[np.arange(len(rows)), choice.domains[rows]]
        taken_up = np.zeros(model.n_grids)
        taken_up[choice.grids[rows]] = 2.0 * chosen / np.maximum(views.max(axis=1), 1e-12) - 1.0
        signal = taken_up.take(model.structure.grid) * attendees
        record.views_adopted = signal
        p = self.params
        self.voice = select(attendees, self.voice + p.memory_rate * (signal - self.voice), self.voice)

    def contribution_terms(self, model, record, terms) -> None:
        p = self.params
        # a meeting residents have seen ignore them is no occasion worth taking: min(1, 1 + perceived voice)
        reach = self.reach(model) * np.clip(1.0 + self.perceived(model), 0.0, 1.0)
        if p.renter_reach < 1:
            terms.add_opportunity(p.opportunity * reach * np.where(model.state.owner, 1.0, p.renter_reach))
        else:
            terms.add_opportunity(p.opportunity * reach)

    def perceived(self, model) -> np.ndarray:
        """``p_i = ½ voice_i + ½ Σ_j w_ij voice_j / Σ_j w_ij``: how far residents believe meetings take them up."""
        return 0.5 * self.voice + 0.5 * model.graph.neighbour_mean(self.voice, default=self.voice)

    def evaluate(self, model, record, feedback) -> None:
        p = self.params
        perceived = self.perceived(model)
        feedback.trust_in_government += p.trust_weight * perceived
        feedback.efficacy += p.efficacy_weight * perceived
        feedback.satisfaction += p.satisfaction_weight * perceived
