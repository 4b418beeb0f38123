"""The estate's building-level life: households' fee payments and lift projects in stairwells.

Vectorised over households (flats) and entrances (stairwells, 单元); the property company
(:class:`agents.property.PropertyCompany`) and the owners' committee (:class:`agents.owners.OwnersCommittee`)
are the Mesa agents that decide at the estate's level. The model builds an :class:`Estate` when the community
has a property company or a stairwell without a lift; otherwise ``model.estate`` is None and nothing here runs.

**Fees, a second free-rider dilemma.** The first adult ``h`` of each household decides every month whether
to pay the bill, by the contribution rule of :mod:`model.decisions`:

    T_h = T(disposition_h, b_h)                                   (preferred share from the payment belief b_h)
    k_h = β_F · fee / c_full − β_Q · q_h − β_T · (T^N_h − ½)       (net private cost: bill less what it receives)
    c_h = clip(T_h − k_h + π (1 − (T_h − k_h)) + ε_h, 0, 1),      π = enforcement + collection_support · 1[active OC]
    pays_h = 1[c_h ≥ ½]

(``q_h`` the service of the household's company, ``T^N`` trust in neighbours, ``ε ~ N(0, σ_F²)``). Beliefs
move towards the tie-weighted share of neighbours whose household paid: ``b ← b + λ_F (o − b)``.

**Lifts, split stakes.** An entrance without a lift starts a project with monthly probability
``proposal_rate · e`` (``e``: share of its flats with an elderly adult above the affected storeys). Flat ``h``
on storey ``k`` of ``S`` values it at

    u_h = x_h (γ (1 + γ_E · elderly_h) − ω (1 − s − f)) − δ · 1[k ≤ k_A],      x_h = (k − 1)/(S − 1)

(``γ`` gain, ``γ_E`` elderly_gain, ``ω`` cost_weight, ``s`` subsidy_share, ``f = min(fund_share, fund / owners'
part)`` the share of the owners' part the maintenance fund can pay — only with an active owners' committee —, ``δ`` disturbance on the ``k_A`` affected
storeys); it agrees when ``u_h > 0``. Each month an objector comes round with probability
``ρ · (tie-weighted share of its contacts who agree)`` (informal pressure, ``ρ`` = ``persuasion``). With
**building deliberation** (楼事楼议) every objector is heard in a hearing and an owners' meeting: when the
entrance's supporters' surplus covers the objectors' losses (``Σ_h u_h ≥ 0``), an objector accepts the
compensation agreed with probability ``T^N_h`` (its trust in neighbours: that the agreement holds) a month.
Every month the flats' owners vote: owner-occupiers take part, absent owners of rented flats with probability
``absentee_turnout``; the project is approved when two thirds of the flats took part and ``approval`` of those
who did agree, and (``affected_consent``) every flat on the affected storeys agrees. The district's lift
programme pays the subsidy ``s · cost`` through the street office (in the purse as source ``district``, use
``lifts``), the lift works ``construction_months`` later, and the project's duration (proposal to working
lift) is recorded. A project not approved within ``patience_months`` is abandoned; the entrance may propose
again after ``cooldown_months``. Residents of an entrance awaiting approval lose ``conflict_penalty`` of their
neighbour-trust target; elderly residents above the affected storeys without a lift reach only
``stranded_access`` of the occasions to take part; a lift installed during the run raises the satisfaction
target of its upper-storey residents by ``satisfaction_gain · x_h``.

Sources: seed [004] (加装电梯: without a channel for low-floor residents a project takes 18 months on average);
seed [003] (楼事楼议 with 3 stages and 10 nodes: lift replacement from over a year to half a year); the Civil
Code (2021) art. 278 (two thirds taking part, three quarters agreeing for rebuilding).
"""

from __future__ import annotations

import numpy as np

from model import decisions
from model.population import ELDERLY
from model.streams import StreamOwner

PAYS_AT = 0.5
"""Share of the bill from which a household's decision counts as paying it (the bill is paid whole or not)."""

IDLE, SEEKING, BUILDING = 0, 1, 2
"""Stages of an entrance's lift project."""


class Estate(StreamOwner):
    """Fee payments of households and lift projects of entrances (arrays; see the module docstring).

    Attributes:
        head: row of each household's first adult (its decision-maker).
        owner_occupied, storey, entrance: per household.
        company_of_household: index of the company serving each household (-1: none).
        paying: bool per household, paid this month's bill.
        payment_belief: per resident, expected share of neighbours' households paying (0–1).
        has_lift: bool per entrance; lift_stage, lift_since per entrance.
        lift_durations: months from proposal to a working lift, for each lift installed in the run.

    Its random numbers come from the streams ``estate.<part>`` (:mod:`model.streams`).
    """

    stream_path = "estate"

    def __init__(self, model) -> None:
        self.model = model
        cfg, st, s = model.config, model.structure, model.state
        hh = st.household
        self.head = np.flatnonzero(np.r_[True, hh[1:] != hh[:-1]])
        self.n_households = st.n_households
        self.owner_occupied = s.owner.take(self.head)
        self.storey = s.storey.take(self.head).astype(int)
        self.entrance = s.entrance.take(self.head)
        self.n_entrances = st.n_entrances
        self.elderly = self._elderly_households()
        self.flats = np.bincount(self.entrance, minlength=self.n_entrances).astype(float)
        storeys = max(cfg.community.storeys, 2)
        self.height = (self.storey - 1) / (storeys - 1)
        """``x_h``: 0 on the ground floor, 1 on the top storey."""
        self.affected = self.storey <= cfg.lifts.affected_storeys

        companies = list(model.property_companies)
        building = st.building.take(self.head)
        self.company_of_household = np.full(self.n_households, -1, dtype=np.int64)
        for c in companies:
            served = np.isin(building, c.buildings)
            self.company_of_household[served] = c.index
            c.households = int(served.sum())
            c.income = cfg.property.fee * c.households * cfg.property.initial_payment_belief
        self.paying = np.zeros(self.n_households, dtype=bool)
        self.payment_belief = np.full(model.n_residents, cfg.property.initial_payment_belief)

        self.has_lift = self.stream("lifts.initial").random(self.n_entrances) < cfg.community.lift_share
        self.installed_in_run = np.zeros(self.n_entrances, dtype=bool)
        self.lift_stage = np.zeros(self.n_entrances, dtype=np.int8)
        self.lift_since = np.zeros(self.n_entrances, dtype=np.int64)
        self.ready_at = np.zeros(self.n_entrances, dtype=np.int64)
        self.subsidy_due = np.zeros(self.n_entrances)
        self.cooldown_until = np.zeros(self.n_entrances, dtype=np.int64)
        self.agrees = np.zeros(self.n_households, dtype=bool)
        self.lift_durations: list[int] = []
        self.lifts_approved = 0
        self.lifts_abandoned = 0

    def _elderly_households(self) -> np.ndarray:
        """Whether each household has an adult aged 60+ (recomputed: residents age and move)."""
        m = self.model
        return np.bincount(m.structure.household, weights=m.state.age_group == ELDERLY,
                           minlength=self.n_households) > 0

    def households_moved(self, households: np.ndarray) -> None:
        """New households took these flats (:mod:`model.life_course`): their tenure is their own, they have paid
        no bill yet, expect what a newcomer expects, and take their own stance on a lift project under way."""
        m = self.model
        self.owner_occupied[households] = m.state.owner.take(self.head[households])
        self.elderly = self._elderly_households()
        self.paying[households] = False
        rows = np.isin(m.structure.household, households)
        self.payment_belief[rows] = m.config.property.initial_payment_belief
        self.agrees[households] = self.lift_value()[households] > 0

    @staticmethod
    def needed(model) -> bool:
        """Whether the community has anything for an estate to do: a property company or a stairwell without a lift."""
        return model.config.property.companies > 0 or model.config.community.lift_share < 1.0

    # ------------------------------------------------------------------ fees
    def service_of_household(self) -> np.ndarray:
        """Service quality each household receives (0 where no company serves it)."""
        q = np.array([c.service for c in self.model.property_companies] + [0.0])
        return q[self.company_of_household]

    def decide_fees(self) -> None:
        """Households decide whether to pay this month's bill; companies collect (module docstring)."""
        m = self.model
        companies = m.property_companies
        if not companies:
            return
        p, s = m.config.property, m.state
        rng = self.stream("fees.noise")
        noise = rng.standard_normal(self.n_households) * p.fee_noise
        h = self.head
        served = self.company_of_household >= 0
        preferred = decisions.preferred_share(s.disposition.take(h), s.matching_slope.take(h),
                                              s.unconditional_level.take(h), self.payment_belief.take(h))
        net_cost = (p.fee_burden * p.fee / p.full_service_cost - p.service_value * self.service_of_household()
                    - p.trust_weight * (s.trust_in_neighbours.take(h) - 0.5))
        pull = p.enforcement + m.config.owners_committee.collection_support * m.owners_committee.active
        c = decisions.contribution_share(preferred, net_cost=net_cost, norm_pull=min(pull, 1.0), norm=1.0,
                                         noise=noise)
        self.paying = (c >= PAYS_AT) & served
        paid = np.bincount(self.company_of_household[served], weights=self.paying[served],
                           minlength=len(companies))
        for company in companies:
            company.collect(int(paid[company.index]))
        pays = self.paying.take(m.structure.household).astype(float)
        observed = m.graph.neighbour_mean(pays, default=self.payment_belief)
        decisions.update_belief(self.payment_belief, observed, p.belief_learning_rate)

    def fee_collection(self) -> float:
        """Share of the households served by a company that paid this month (NaN without a company)."""
        served = self.company_of_household >= 0
        return float(self.paying[served].mean()) if served.any() else float("nan")

    def upkeep_by_grid(self, n_grids: int) -> np.ndarray:
        """Upkeep coverage the companies' staff give each grid's facilities: ``upkeep_weight · mean q`` over its
        flats."""
        m = self.model
        if not m.property_companies:
            return np.zeros(n_grids)
        grid = m.structure.grid.take(self.head)
        q = self.service_of_household()
        flats = np.maximum(np.bincount(grid, minlength=n_grids), 1)
        return m.config.property.upkeep_weight * np.bincount(grid, weights=q, minlength=n_grids) / flats

    # ------------------------------------------------------------------ lifts
    def lift_value(self) -> np.ndarray:
        """``u_h`` of every flat (module docstring), with the fund share an active owners' committee can pay."""
        L, oc = self.model.config.lifts, self.model.owners_committee
        owners_part = (1.0 - L.subsidy_share) * L.cost
        fund = (min(self.model.config.owners_committee.fund_share, oc.fund / owners_part)
                if oc.active and owners_part > 0 else 0.0)  # what the fund can actually pay of one lift
        gain = L.gain * (1.0 + L.elderly_gain * self.elderly)
        pay = L.cost_weight * max(1.0 - L.subsidy_share - fund, 0.0)
        return self.height * (gain - pay) - L.disturbance * self.affected

    def lift_month(self) -> None:
        """Proposals, persuasion or deliberation, votes, subsidies and construction (module docstring)."""
        m = self.model
        L = m.config.lifts
        u_start = self.stream("lifts.propose").random(self.n_entrances)
        u_persuade, u_heard, u_vote = self.stream("lifts.stances").random((3, self.n_households))
        if self.has_lift.all():
            return
        now = m.steps
        self.elderly = self._elderly_households()  # residents age and move (model.life_course)
        stranded = self.elderly & ~self.affected
        pressure = np.bincount(self.entrance, weights=stranded, minlength=self.n_entrances) / np.maximum(self.flats, 1)
        start = (~self.has_lift & (self.lift_stage == IDLE) & (now >= self.cooldown_until)
                 & (u_start < L.proposal_rate * pressure))
        value = self.lift_value()
        if start.any():
            self.lift_stage[start] = SEEKING
            self.lift_since[start] = now
            fresh = start.take(self.entrance)
            self.agrees[fresh] = value[fresh] > 0
        seeking = self.lift_stage == SEEKING
        if seeking.any():
            self._seek_approval(seeking, value, u_persuade, u_heard, u_vote)
        self._build()

    def _seek_approval(self, seeking, value, u_persuade, u_heard, u_vote) -> None:
        m = self.model
        L = m.config.lifts
        in_project = seeking.take(self.entrance)
        supporters = (self.agrees & in_project).take(m.structure.household).astype(float)
        share = m.graph.neighbour_mean(supporters, default=0.0).take(self.head)
        objector = in_project & ~self.agrees
        convert = objector & (u_persuade < L.persuasion * share)
        if L.deliberation:
            surplus = np.bincount(self.entrance, weights=value * in_project, minlength=self.n_entrances)
            heard = (surplus >= 0).take(self.entrance)
            trust = m.state.trust_in_neighbours.take(self.head)
            convert |= objector & heard & (u_heard < trust)
        self.agrees |= convert
        voted = in_project & (self.owner_occupied | (u_vote < L.absentee_turnout))
        voters = np.bincount(self.entrance, weights=voted, minlength=self.n_entrances)
        yes = np.bincount(self.entrance, weights=voted & self.agrees, minlength=self.n_entrances)
        quorum = m.config.owners_committee.quorum
        approved = seeking & (voters >= quorum * self.flats) & (yes >= L.approval * np.maximum(voters, 1))
        if L.affected_consent:  # every affected flat agrees
            blocking = np.bincount(self.entrance, weights=in_project & self.affected & ~self.agrees,
                                   minlength=self.n_entrances)
            approved &= blocking == 0
        if approved.any():
            self.lifts_approved += int(approved.sum())
            self.lift_stage[approved] = BUILDING
            self.ready_at[approved] = m.steps + L.construction_months
            self.subsidy_due[approved] = L.subsidy_share * L.cost
            owners_part = (1.0 - L.subsidy_share) * L.cost * int(approved.sum())
            m.owners_committee.release_fund(m.config.owners_committee.fund_share * owners_part)
        abandoned = seeking & ~approved & (m.steps - self.lift_since >= L.patience_months)
        if abandoned.any():
            self.lifts_abandoned += int(abandoned.sum())
            self.lift_stage[abandoned] = IDLE
            self.cooldown_until[abandoned] = m.steps + L.cooldown_months

    def _build(self) -> None:
        m = self.model
        building = self.lift_stage == BUILDING
        if not building.any():
            return
        due = building & (self.subsidy_due > 0)
        if due.any():  # the district's lift programme, through the street office
            m.purse.pass_through("district", "lifts", float(self.subsidy_due[due].sum()))
            self.subsidy_due[due] = 0.0
        done = building & (m.steps >= self.ready_at)
        for e in np.flatnonzero(done):
            self.lift_durations.append(int(m.steps - self.lift_since[e]))
        self.has_lift[done] = True
        self.installed_in_run[done] = True
        self.lift_stage[done] = IDLE

    # ------------------------------------------------------------------ effects on residents
    def access(self) -> np.ndarray | None:
        """Share of occasions each resident reaches: ``stranded_access`` for elderly residents above the affected
        storeys of an entrance without a lift, else 1 (None when every entrance has a lift)."""
        if self.has_lift.all():
            return None
        m = self.model
        s = m.state
        stranded = ((s.age_group == ELDERLY) & (s.storey > m.config.lifts.affected_storeys)
                    & ~self.has_lift.take(s.entrance))
        return 1.0 - (1.0 - m.config.lifts.stranded_access) * stranded

    def feedback(self, fb) -> None:
        """Service, lifts and lift conflicts in residents' attitude targets (:class:`Feedback`, in place)."""
        m = self.model
        s, hh = m.state, m.structure.household
        if m.property_companies:
            served = (self.company_of_household >= 0).take(hh)
            fb.satisfaction += served * m.config.property.satisfaction_weight * (
                self.service_of_household().take(hh) - 0.5)
        L = m.config.lifts
        if self.installed_in_run.any():
            fb.satisfaction += L.satisfaction_gain * self.height.take(hh) * self.installed_in_run.take(s.entrance)
        seeking = self.lift_stage == SEEKING
        if seeking.any():
            fb.trust_in_neighbours -= L.conflict_penalty * seeking.take(s.entrance)
