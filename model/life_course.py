"""The life course: households move out and in, residents age, volunteers retire and hand over.

:class:`LifeCourse` runs once a month at the end of the model's step (after the ties are updated),
when ``life_course.enabled``. All of it is vectorised over households and residents.

**Ageing.** Every 12 months every resident ages a year (``age_years += 1``); a resident crossing 35
or 60 changes age group, and what depends on it follows: the time budget (the new group's), the time
cost (the new group's mean times the resident's own factor: ``k_i ← k̄_new · k_i / k̄_old``) and
digital access, redrawn for the changed ones so that the new group's share holds (one uniform ``u_i``
per resident and year; keep access if ``u_i < p_new / p_old``, gain it if ``u_i < (p_new − p_old) /
(1 − p_old)``). ``years_in_community`` grows by 1/12 each month.

**Moving out.** Household ``h`` (tenure owner/renter, oldest adult aged ``A_h``) leaves this month when
``u_h < p_h``, one uniform per household and month (stream ``life_course.move``):

    p_h = 1 − (1 − m_tenure)^(1/12) · (1 − e_h)^(1/12),
    e_h = min(1, elderly_exit · exp(elderly_exit_growth · (A_h − 60)))   for A_h ≥ 60, else 0

(``m_tenure``: ``owner_move_out`` or ``renter_move_out`` a year; ``e_h``: the annual hazard of leaving
with the oldest adult, moving to children or care, or death: Gompertz). A household whose oldest adult
passes 90 leaves (``AGE_BOUNDS``).

**Moving in: rows are re-used.** A new household moves into the flat at once and takes the leaving
household's rows (same flat, building, grid, storey, stairwell, same number of adults: the arrays keep
their length and households stay contiguous). Its traits are drawn fresh from the community's
distributions (:func:`model.population.draw_traits`, streams ``life_course.<trait>``): the first adult's
age group from ``arrival_ages``, the other adults' from the community's age structure, the age within
the group as at the start; tenure owner with probability ``arrival_owner_share``; children as the
community's ``children_household_share``; Party membership as at the start; ``years_in_community = 0``;
not a volunteer; points, memories (complaints heard, consultation voice, sanctions' risk, co-evaluation
answers) and the participation history cleared. Its neighbour ties keep the flat's neighbours but their
strengths, in both directions, are reset to ``stranger_tie_strength`` (floor ``min(tie_floor, it)``;
:meth:`model.network.SocialGraph.reset_rows`). The leaving residents' Mesa agents are removed and new
``Resident`` agents (fresh ``unique_id``) made for the rows (``model.resident_list[i]``).
The number of newcomers depends on the life course's own streams and state alone (moves, ages,
tenure), so their trait draws stay aligned across scenarios of one seed.

**Volunteers' succession.** A volunteer aged above ``volunteer_retirement_age`` retires this month with
probability ``1 − (1 − volunteer_retirement)^(1/12)`` (one uniform per resident and month, stream
``life_course.volunteers``); volunteers of households moving out leave too. Each retiring or leaving
volunteer hands over with probability ``volunteer_succession`` (a second uniform per resident and month)
to their strongest tie among residents who are younger, took part in the last 12 months, stay, and are
not volunteers; the successor enrols this month.
"""

from __future__ import annotations

import numpy as np

from agents.resident import Resident
from model.params import AGE_GROUPS
from model.population import AGE_BOUNDS, ELDERLY, age_group_of, age_within_group, categorical, draw_traits
from model.streams import StreamOwner

MONTHS = 12

NEWCOMER_RESETS = {"consultation": ("voice", 0.0), "co_evaluation": ("answered", 0.5), "sanctions": ("risk", 0.0)}
"""Per-resident memories mechanisms keep (mechanism: (attribute, value of a newcomer))."""


def monthly(annual: float | np.ndarray) -> float | np.ndarray:
    """The monthly probability of an annual one: ``1 − (1 − p)^(1/12)``."""
    return 1.0 - (1.0 - np.minimum(annual, 1.0)) ** (1.0 / MONTHS)


class LifeCourse(StreamOwner):
    """Moving out and in, ageing and volunteers' succession of a :class:`~model.community.CommunityModel`.

    Attributes:
        moved_in: residents (adults) who moved in this month.
        retired: volunteers who retired or left with their household this month.
        succeeded: volunteers' successors enrolled this month.

    Its random numbers come from the streams ``life_course.<part>`` (:mod:`model.streams`).
    """

    stream_path = "life_course"

    def __init__(self, model) -> None:
        self.model = model
        self.params = p = model.config.life_course
        household = model.structure.household
        self._first = np.flatnonzero(np.r_[True, household[1:] != household[:-1]])  # first row of each household
        self._size = np.diff(np.r_[self._first, len(household)])
        res = model.config.resident
        elderly = res.age_shares.elderly
        self._party_weight_mean = elderly * res.party_member_elderly_bias + (1 - elderly)
        self._oldest = np.maximum.reduceat(model.state.age_years, self._first)  # oldest adult of each household
        self._tenure_stay = 1.0 - monthly(np.array([p.renter_move_out, p.owner_move_out]))  # [renter, owner]
        self.moved_in = 0
        self.retired = 0
        self.succeeded = 0
        self._month = 0

    def step(self) -> None:
        """One month of the life course (see the module's docstring for the rules)."""
        m, p = self.model, self.params
        s = m.state
        self._month += 1
        s.years_in_community += 1.0 / MONTHS
        if self._month % MONTHS == 0:
            self._age()
        n_h = len(self._first)
        u_move = self.stream("move").random(n_h)
        u_vol = self.stream("volunteers").random((2, m.n_residents))
        oldest = self._oldest
        stay = self._tenure_stay[s.owner.take(self._first).view(np.int8)]
        old = np.flatnonzero(oldest >= AGE_BOUNDS[2])
        if len(old) and p.elderly_exit > 0:  # the elderly exit hazard, for households with an adult of 60+
            stay[old] *= 1.0 - monthly(p.elderly_exit * np.exp(p.elderly_exit_growth * (oldest[old] - AGE_BOUNDS[2])))
        leaving_h = (u_move >= stay) | (oldest >= AGE_BOUNDS[3])
        leaving = np.repeat(leaving_h, self._size)
        retiring = s.volunteer & ~leaving & (s.age_years > p.volunteer_retirement_age) & (
            u_vol[0] < monthly(p.volunteer_retirement))
        going = s.volunteer & (leaving | retiring)
        self.retired = int(np.count_nonzero(going))
        self.succeeded = self._hand_over(going & (u_vol[1] < p.volunteer_succession), leaving)
        s.volunteer[retiring] = False
        s.volunteer_since[retiring] = -1
        self.moved_in = int(np.count_nonzero(leaving))
        if self.moved_in:
            self._move_in(np.flatnonzero(leaving_h), leaving)

    def _age(self) -> None:
        """Everyone ages a year; those crossing into another age group take its budget, cost and access."""
        m = self.model
        s, res = m.state, m.config.resident
        s.age_years += 1.0
        self._oldest += 1.0
        u = self.stream("birthdays").random(m.n_residents)
        group = age_group_of(s.age_years)
        changed = np.flatnonzero(group != s.age_group)
        if len(changed) == 0:
            return
        old, new = s.age_group[changed], group[changed]
        cost = np.asarray(res.time_cost.as_tuple())
        s.time_budget[changed] = np.asarray(res.time_budget.as_tuple())[new]
        s.time_cost[changed] *= cost[new] / np.where(cost[old] > 0, cost[old], 1.0)
        online = np.asarray(res.digital_access.as_tuple())
        p_old, p_new = online[old], online[new]
        had = s.digital_access[changed]
        keep = u[changed] < p_new / np.where(p_old > 0, p_old, 1.0)
        gain = u[changed] < (p_new - p_old) / np.where(p_old < 1, 1.0 - p_old, 1.0)
        s.digital_access[changed] = np.where(had, keep, gain)
        s.age_group = group  # a new array: caches keyed on it (metrics' groups) see the change

    def _hand_over(self, handing: np.ndarray, leaving: np.ndarray) -> int:
        """Each volunteer ``handing`` over enrols their strongest tie among younger residents who took part in
        the last 12 months, stay and are not volunteers; returns the number of successors."""
        if not handing.any():
            return 0
        m = self.model
        s, g = m.state, m.graph
        eligible = ~s.volunteer & ~leaving & (m.participation_counts > 0)
        entries = g.entries_of(np.flatnonzero(handing))
        entries = entries[eligible[g.cols[entries]] & (s.age_years[g.cols[entries]] < s.age_years[g.rows[entries]])]
        if len(entries) == 0:
            return 0
        order = np.lexsort((-g.strength[entries], g.rows[entries]))  # by volunteer, strongest tie first
        entries = entries[order]
        _, first = np.unique(g.rows[entries], return_index=True)
        successors = np.unique(g.cols[entries[first]])
        s.volunteer[successors] = True
        s.volunteer_since[successors] = m.steps
        return len(successors)

    def _move_in(self, households: np.ndarray, rows_mask: np.ndarray) -> None:
        """New households take the rows of those leaving (see the module's docstring)."""
        m, p = self.model, self.params
        s, cfg = m.state, m.config
        rows = np.flatnonzero(rows_mask)
        k = len(rows)
        first = np.zeros(k, dtype=bool)
        first[np.searchsorted(rows, self._first[households])] = True
        arrival = np.array([getattr(p.arrival_ages, a) for a in AGE_GROUPS])
        settled = np.array([getattr(cfg.resident.age_shares, a) for a in AGE_GROUPS])
        group = np.where(first, categorical(self.stream("age_group"), arrival, k),
                         categorical(self.stream("age_group.others"), settled, k)).astype(np.int8)
        sizes = self._size[households]
        owner = np.repeat(self.stream("owner").random(len(households)) < p.arrival_owner_share, sizes)
        children = np.repeat(self.stream("has_children").random(len(households))
                             < cfg.community.children_household_share, sizes)
        s.age_group = s.age_group.copy()  # a new array: caches keyed on it (metrics' groups) see the change
        s.age_group[rows] = group
        s.age_years[rows] = age_within_group(self.stream("age_years"), group)
        self._oldest[households] = np.maximum.reduceat(s.age_years[rows], np.flatnonzero(first))
        old_fit = s.fit[rows]
        s.owner[rows] = owner
        s.has_children[rows] = children
        s.years_in_community[rows] = 0.0
        for name, values in draw_traits(self.stream, cfg, group, children).items():
            getattr(s, name)[rows] = values
        weight = np.where(group == ELDERLY, cfg.resident.party_member_elderly_bias, 1.0)
        p_party = np.clip(cfg.resident.party_member_share * weight / self._party_weight_mean, 0, 1)
        s.party_member[rows] = self.stream("party_member").random(k) < p_party
        s.volunteer[rows] = False
        s.volunteer_since[rows] = -1
        for name in ("points", "contribution", "benefit", "payoff"):
            getattr(s, name)[rows] = 0.0
        s.participated[rows] = False
        s.contributed_to_project[rows] = False
        m.heard[rows] = 0.5
        m.complainants[rows] = False
        m._participation_history[:, rows] = False
        m.participation_counts[rows] = 0
        m.participation_changed()
        for mechanism, (attr, value) in NEWCOMER_RESETS.items():
            if mechanism in m.mechanisms and hasattr(m.mechanisms[mechanism], attr):
                getattr(m.mechanisms[mechanism], attr)[rows] = value
        m.graph.reset_rows(rows, p.stranger_tie_strength)
        if m.estate is not None:  # the flats' new households: tenure, bills, beliefs and stances of their own
            m.estate.households_moved(households)
        grid = m.structure.grid[rows]  # the grids' mean need fit, by the change
        np.add.at(m.grid_fit, grid, (s.fit[rows] - old_fit) / m._grid_size[grid, None])
        m._service_fit = None
        self._renew_agents(rows)

    def _renew_agents(self, rows: np.ndarray) -> None:
        """The Mesa face: the leaving residents' agents are removed, new ones (fresh ids) made for the rows."""
        m = self.model
        for i in rows.tolist():
            m.resident_list[i].remove()
        for i in rows.tolist():  # (no AgentSet of the newcomers: Mesa registers each agent with the model)
            m.resident_list[i] = Resident(m, i)
        m.residents = m.agents_by_type[Resident]  # Mesa's live set of the model's residents
