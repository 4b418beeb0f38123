"""The community model written the idiomatic Mesa way: a docking partner and a speed reference.

``ReferenceModel`` implements the rules of :class:`model.community.CommunityModel` — the same
monthly phases, the same equations, the programmes of ``top_down`` and ``co_creation``
(consultation, co-building, co-management, co-evaluation, incentives, disclosure, mediation,
channels, mobilisation, funding), the one purse — the way a Mesa model is usually written:

- every resident is a Mesa agent (``FixedAgent`` on a cell of
  ``mesa.discrete_space.Network``) holding its own attributes as Python floats, its memories
  included (how it was heard at meetings, answered as a rater and as a complainant, the points it
  holds, the months it took part in of the last 12);
- residents act one at a time in Python: ``Resident.mobilise()`` (whether the Party has mobilised
  it this month), ``step()`` (the contribution decision, with the occasions a grid worker's visit,
  social organisations' activities and the programmes reaching its grid bring, the news of
  occasions and the encouragement its active contacts of last month bring, and its habit), then
  ``observe()``, ``publish()``, ``receive_benefits()``, ``judge()`` (what it sees of the
  programmes — its voice at meetings, answers followed by action, the ledger — its satisfaction,
  and whether to complain), ``remember_answer()``, ``evaluate()`` (trust, lost faster than won,
  with word of mouth about complaints answered and acted on, and trust from strong ties), ``reward()`` (points,
  volunteering, the month in its history) and, after the ties are updated,
  ``count_active_contacts()`` for the next month, each run over the agents with ``AgentSet.do``;
- neighbours are found through the network space (``self.cell.neighborhood``) and tie
  strengths are attributes of the networkx graph's edges (``G.edges[i, j]["weight"]``);
- residents' random numbers are drawn one at a time from the model's one generator (Mesa's
  ``rng``), resident by resident, not from the vectorised model's named streams
  (:mod:`model.streams`) (so runs are not bit-identical to the vectorised model's, only equal in
  distribution: the docking test, ``tests/test_docking.py``, checks that);
- projects and facilities are per-grid Python objects (:class:`Grid`); what a programme does in a
  grid (meetings, co-funding, supervision, mediation) is computed grid by grid from its agents;
- the model-level outcomes are ``DataCollector`` reporters that loop over the agents.

**The institutions are the model's own classes.** The street office, the residents' committee,
the Party organisation, units in the area, social organisations and residents' bodies
(:class:`agents.government.Government`, :class:`agents.committee.ResidentsCommittee`,
:class:`agents.party.PartyOrganisation`, :class:`agents.unit.AreaUnit`,
:class:`agents.social_org.SocialOrganisation`, :class:`agents.residents_body.ResidentsBody`) are
reused, not re-implemented, and so is the book-keeping of who runs which programme
(:class:`model.programmes.Programmes`: holders, events, each programme's delivery per grid): they
are a handful of agents already written one agent at a time, so a second copy of their rules would
double the code without testing anything the idiomatic style changes, and the docking's question
is whether the *residents'* rules written per agent give the distributions of the vectorised
ones. The reference shows them what they read: ``state`` (residents' needs, satisfaction and
participation assembled from the agents at the start of each month, :class:`ResidentArrays`),
``participation_counts`` (assembled from the agents' histories), ``projects``, ``facilities`` and
``coverage`` (assembled from the grids), ``purse`` (the same :class:`model.purse.Purse`),
``complainants``, ``programmes``, ``mechanism_units`` and ``mechanisms``, ``bodies``, ``capture``,
``unit_hours``, ``wasted``, ``structure`` and ``streams`` (their own named streams, as in the
vectorised model).

**Programmes.** ``mechanism_units`` holds one unit per programme, an instance of the model's own
mechanism class (:mod:`model.mechanisms`), for what the institutions read of it: its parameters,
who can carry it, its monthly cost (the street office's budgeting), its uptake (the office's
review) and its delivery per grid (set by :class:`~model.programmes.Programmes`). Their hooks are
never called: everything a programme does to residents and with money — meetings held and paid
for, votes, what attendees see of the decision, co-funding, supervision strength, mediators paid,
points priced, claimed, honoured and written off, the ledger — is re-implemented here, per agent
and per grid, and the programme-level results the office reads back are written onto the unit
(co-building's uptake, co-management's strength, co-evaluation's ``evaluated``, incentives'
``honoured`` and ``rate``, the ledger's ``shown``, ``reading`` and ``kept``). The units are set up
as in the vectorised model (``setup``); the per-resident arrays some of them set up (consultation's
``voice``, co-evaluation's ``answered``, channels' cost factors) go unused: residents carry their
own.

The initial community (its uncertain quantities drawn per seed by :func:`model.variation.draw`,
who lives where, their traits, the initial ties, the organisations, the legacy facilities) is
built by the same functions from the same named streams as the vectorised model's
(:mod:`model.variation`, :mod:`model.population`, :mod:`model.network`, :mod:`model.streams`; the
same seed gives the same community): the reference re-implements the dynamics, not the sampling of
a population.

Its cost per resident-month is the yardstick of ``python -m experiments.benchmark``.
Behaviours it does not implement (sanctions, reputation, shocks) and the estate and life course
raise a ConfigError.
"""

from __future__ import annotations

import math
from collections import deque
from types import SimpleNamespace

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent, Network

from agents.committee import ResidentsCommittee
from agents.government import Government
from agents.party import PartyOrganisation
from agents.residents_body import ResidentsBody
from agents.social_org import SocialOrganisation
from agents.unit import AreaUnit
from model import variation
from model.community import resolve_config
from model.mechanisms import MECHANISMS
from model.mechanisms.co_building import UPTAKE_MONTHS
from model.mechanisms.disclosure import SERVICE_USES, WASTE_USES
from model.network import SocialGraph
from model.params import DOMAINS, ConfigError
from model.population import FREE_RIDER, ResidentState, build_structure, sample_dist
from model.programmes import Programmes
from model.purse import Purse
from model.streams import Streams, resolve_seed

SUPPORTED = frozenset({"consultation", "co_building", "co_management", "co_evaluation", "incentives", "disclosure",
                       "mediation", "channels", "mobilisation", "funding"})
"""Programmes the reference implements (every programme of ``top_down`` and ``co_creation``)."""

CONDITIONAL, HUMP_SHAPED, UNCONDITIONAL = 0, 3, 2
N_DOMAINS = len(DOMAINS)
HISTORY = 12
"""Months of participation history each resident keeps (habit, supervision, residents' bodies)."""


def _add_opportunity(o: float, extra: float) -> float:
    """Occasions combined as independent chances: ``1 − (1 − o)(1 − extra)``."""
    return o + (1.0 - o) * min(max(extra, 0.0), 1.0)


def _clip01(x: float) -> float:
    return min(max(x, 0.0), 1.0)


class Resident(FixedAgent):
    """An adult resident with its own attributes (see :class:`model.population.ResidentState`)."""

    def __init__(self, model: "ReferenceModel", index: int, cell, traits: dict) -> None:
        super().__init__(model)
        self.index = index
        self.cell = cell
        for name, value in traits.items():
            setattr(self, name, value)
        self.took_part = False
        self.contribution = 0.0
        self.hours = 0.0
        self.benefit = 0.0
        self.payoff = 0.0
        self.reward_value = 0.0
        self.points = 0.0
        self.voice = 0.0
        """How the resident was heard at consultation meetings (−1 … +1; 0: never attended)."""
        self.answered = 0.5
        """Memory of ratings answered and acted on (co-evaluation; 0.5: no experience)."""
        self.heard = 0.5
        """Memory of complaints answered and acted on (0.5: no experience)."""
        self.complained = False
        self.leader = False
        """Mobilised by the Party organisation this month."""
        self.feedback_trust = self.feedback_efficacy = 0.0
        self.history: deque[bool] = deque([False] * HISTORY, maxlen=HISTORY)
        """Whether the resident took part, each of the last 12 months (oldest first)."""
        self.months_taken_part = 0
        """``n_i``: months of the last 12 in which the resident took part."""
        self.active_contacts: float | None = None
        """Strength-weighted number of neighbours (outside the household) who took part last month (``A_i``;
        None before the first month)."""

    # ------------------------------------------------------------- neighbours
    def ties(self):
        """(neighbour, tie strength) for every tie, through the network space and the graph's edges."""
        edges = self.model.G[self.index]
        for cell in self.cell.neighborhood:
            for other in cell.agents:
                yield other, edges[other.index]["weight"]

    def neighbour_ties(self):
        """(neighbour, tie strength) for every tie outside the household."""
        edges = self.model.G[self.index]
        for cell in self.cell.neighborhood:
            for other in cell.agents:
                tie = edges[other.index]
                if tie["kind"] != "household":
                    yield other, tie["weight"]

    def count_active_contacts(self) -> None:
        """``A_i = Σ_j w_ij · 1[j took part]`` over the ties outside the household, as updated this month."""
        self.active_contacts = sum(w for other, w in self.neighbour_ties() if other.participated)

    def neighbour_strength(self) -> float:
        """Mean strength of the ties outside the household (0 with none)."""
        strengths = [w for _, w in self.neighbour_ties()]
        return sum(strengths) / len(strengths) if strengths else 0.0

    def neighbour_mean(self, attribute: str, default: float) -> float:
        """Tie-strength-weighted mean of an attribute over the neighbours (``default`` if no ties)."""
        total = weighted = 0.0
        for other, w in self.ties():
            weighted += w * float(getattr(other, attribute))
            total += w
        return weighted / total if total > 0 else default

    def perceived_voice(self) -> float:
        """``p_i = ½ voice_i + ½ (tie-weighted mean of the neighbours' voice)``: how far the resident believes meetings
        take residents up (consultation)."""
        return 0.5 * self.voice + 0.5 * self.neighbour_mean("voice", self.voice)

    @property
    def active_leader(self) -> bool:
        """Mobilised this month and took part last month (before ``publish``: the example neighbours saw)."""
        return self.leader and self.participated

    # ------------------------------------------------------------- the month
    def drift_needs(self) -> None:
        """Needs drift (children grow up, parents age): ``needs ← normalise(needs · exp(σ ε))``, ``ε ~ N(0, 1)``
        per domain (``σ`` = ``projects.needs_drift``); fit follows (CommunityModel._drift_needs)."""
        sigma = self.model.config.projects.needs_drift
        drifted = [w * math.exp(sigma * self.model.rng.standard_normal()) for w in self.needs]
        total = sum(drifted)
        self.needs = [w / total for w in drifted]
        top = max(self.needs)
        self.fit = [w / top for w in self.needs]

    def mobilise(self) -> None:
        """Whether the Party organisation mobilises the resident this month: a registered member whose rank is
        below the mobilisation programme's delivery in the grid (model.mechanisms.mobilisation)."""
        m = self.model
        party = m.party
        self.leader = ("mobilisation" in m.mechanisms and bool(party.registered[self.index])
                       and party.rank[self.index] < m.mechanism_units["mobilisation"].delivery[self.grid])

    def step(self) -> None:
        """Decide this month's contribution share (model.community.CommunityModel._decide).

        Each programme's occasions are scaled by its delivery ``D_g`` in the resident's grid, consultation's also by
        ``min(1, 1 + p_i)`` (``p_i`` the perceived voice: a resident who has seen meetings ignore residents no
        longer counts them as occasions). From the second
        month the active contacts ``A_i`` of last month matter twice: of the occasions the programmes add, a
        share ``1 − (1 − ν_i) exp(−A_i / news_scale)`` is heard of (``ν_i`` = ``notice_reach``, 1 for a user of
        the online platform), and the engagement logit gains ``encouragement · (1 − exp(−A_i /
        encouragement_scale))``; habit adds ``habit_weight · n_i / 12``. The private returns (stake and warm
        glow) are earned in the occasions there are: ``k_i ← k_i − a_i o_i (ρ_S s_i + ρ_C E_i)``."""
        m = self.model
        d, mech, units = m.config.decision, m.mechanisms, m.mechanism_units
        grid = m.grids[self.grid]
        g = self.grid
        project_on = grid.active
        stake = self.fit[grid.domain] if project_on else d.idle_stake
        opportunity, net_cost, logit = d.base_opportunity, self.time_cost, 0.0
        floor = m.config.social_orgs.volunteer_commitment if self.volunteer else 0.0
        access = 1.0
        if m.committee.visited[self.index]:  # a grid worker's visit is an invitation
            opportunity = _add_opportunity(opportunity, m.config.committee.visit_opportunity)
        if m.activities:  # social organisations' activities in their domains
            opportunity = _add_opportunity(opportunity, sum(a * self.fit[k] for a, k in m.activities))
        before, notice = opportunity, d.notice_reach  # the occasions programmes add are heard of along ties
        if "channels" in mech:
            p = units["channels"].params
            net_cost *= self.channel_cost_factor
            if self.excluded:
                access *= p.excluded_access
            if p.online and self.on_platform:  # the platform posts every occasion
                notice = 1.0
        if "consultation" in mech:  # a meeting the resident has seen ignore residents is no occasion worth taking
            p = units["consultation"].params
            reach = 1.0 if self.owner else p.renter_reach  # owners' forums invite owners
            reach *= _clip01(1.0 + self.perceived_voice())
            opportunity = _add_opportunity(opportunity, p.opportunity * units["consultation"].delivery[g] * reach)
        if "mobilisation" in mech:
            p = units["mobilisation"].params
            if self.leader:
                floor = max(p.leader_floor, 0.0)
            logit += p.example_weight * self.neighbour_mean("active_leader", 0.0)
        if "co_building" in mech and project_on:
            unit = units["co_building"]
            opportunity = _add_opportunity(opportunity, unit.params.opportunity * unit.delivery[g])
        for name in ("co_management", "co_evaluation"):
            if name in mech:
                unit = units[name]
                opportunity = _add_opportunity(opportunity, unit.params.opportunity * unit.delivery[g])
        if "incentives" in mech:
            unit = units["incentives"]
            p, reach = unit.params, unit.delivery[g]
            net_cost -= p.cost_offset * unit.honoured * self.trust_in_government * reach
            logit += p.honour_boost * self.participated * reach
        if self.active_contacts is not None:
            heard_of = 1.0 - (1.0 - notice) * math.exp(-self.active_contacts / d.news_scale)
            opportunity = before + (opportunity - before) * heard_of
            logit += d.encouragement * (1.0 - math.exp(-self.active_contacts / d.encouragement_scale))
        z = (d.engagement_intercept + d.engagement_trust_in_government * self.trust_in_government
             + d.engagement_trust_in_neighbours * self.trust_in_neighbours + d.engagement_efficacy * self.efficacy
             + d.engagement_stake * stake + d.habit_weight * self.months_taken_part / HISTORY + logit)
        access = _clip01(access)
        opportunity = _clip01(opportunity)
        engagement = 1.0 / (1.0 + math.exp(-z))
        motivation = opportunity * access * engagement
        civic = d.civic_return * engagement if self.disposition != FREE_RIDER else 0.0
        net_cost -= access * opportunity * (d.stake_return * stake + civic)
        if self.disposition == CONDITIONAL:
            preferred = self.matching_slope * self.belief
        elif self.disposition == HUMP_SHAPED:
            preferred = self.matching_slope * min(self.belief, 1.0 - self.belief)
        elif self.disposition == UNCONDITIONAL:
            preferred = self.unconditional_level
        else:
            preferred = 0.0
        noise = m.rng.normal(0.0, d.noise_sd) if d.noise_sd > 0 else 0.0
        base = preferred * motivation - d.cost_sensitivity * net_cost
        c = _clip01(max(base + noise, floor))  # no sanctions or reputation: no pull towards a norm
        self.contribution = float(c)
        self.took_part = bool(c >= d.participation_threshold)
        if self.took_part and project_on:
            self.contributed_to_project = True
        self.hours = c * self.time_budget

    def observe(self) -> None:
        """Beliefs move towards neighbours' contributions."""
        rate = self.model.config.decision.belief_learning_rate
        self.belief += rate * (self.neighbour_mean("contribution", self.belief) - self.belief)

    def publish(self) -> None:
        """This month's participation becomes visible; the points earned are worth what one trusts
        (incentives: ``cost_offset · h · T_i · c_i · D_g``, in payoff units)."""
        m = self.model
        self.participated = self.took_part
        if "incentives" in m.mechanisms:
            unit = m.mechanism_units["incentives"]
            self.reward_value = (unit.params.cost_offset * unit.honoured * self.trust_in_government * self.contribution
                                 * unit.delivery[self.grid])
        else:
            self.reward_value = 0.0

    def receive_benefits(self) -> None:
        m = self.model
        cover = m.grids[self.grid].cover
        served = sum(cover[k] * self.fit[k] for k in range(N_DOMAINS))
        self.served = served
        self.benefit = m.config.projects.facility_value * served
        self.payoff = self.benefit - self.time_cost * self.contribution + self.reward_value

    def judge(self) -> None:
        """What the resident sees of the programmes moves its targets; satisfaction moves (CommunityModel._evaluate);
        a dissatisfied resident may complain (CommunityModel._complain): below ``complaint_threshold``, with
        probability ``complaint_probability · efficacy``.

        - consultation: perceived voice ``½ voice_i + ½ (neighbours' voice)``;
        - co-evaluation: a rater (took part, in a grid it reaches) is answered with probability ``r`` (the office's
          answer rate), the answer followed by action with probability ``a`` (its adoption), else worth
          ``learning.empty_answer``; ``answered_i`` moves towards what it got;
        - disclosure: the ledger's reading ``ℓ`` (the same for everyone), weighed by the share disclosed."""
        m, L, mech, units = self.model, self.model.config.learning, self.model.mechanisms, self.model.mechanism_units
        fb_trust = fb_sat = fb_eff = 0.0
        if "consultation" in mech:
            p = units["consultation"].params
            perceived = self.perceived_voice()
            fb_trust += p.trust_weight * perceived
            fb_eff += p.efficacy_weight * perceived
            fb_sat += p.satisfaction_weight * perceived
        if "co_evaluation" in mech:
            unit = units["co_evaluation"]
            p = unit.params
            if self.participated and unit.delivery[self.grid] > 0:
                gov = m.government
                if m.rng.random() < gov.answer_rate:
                    reply = 1.0 if m.rng.random() < gov.adoption else L.empty_answer
                else:
                    reply = 0.0
                self.answered += p.memory_rate * (reply - self.answered)
            fb_trust += p.trust_weight * (self.answered - 0.5)
            fb_sat += p.satisfaction_weight * (self.answered - 0.5)
        if "disclosure" in mech and units["disclosure"].kept:
            ledger = units["disclosure"]
            fb_trust += ledger.params.trust_weight * m.government.disclosure * ledger.reading
        self.feedback_trust, self.feedback_efficacy = fb_trust, fb_eff
        grid = m.grids[self.grid]
        benefit = min(1.0, self.benefit / L.benefit_reference)
        sat_target = L.satisfaction_baseline + L.satisfaction_benefit_weight * benefit + fb_sat - grid.penalty
        self.satisfaction += L.satisfaction_rate * (_clip01(sat_target) - self.satisfaction)
        g = m.config.government
        self.complained = (self.satisfaction < g.complaint_threshold
                           and m.rng.random() < g.complaint_probability * self.efficacy)

    def remember_answer(self) -> None:
        """A complainant remembers what it saw: ``heard ← heard + μ (reply − heard)``, ``reply`` 1 for an answer
        followed by action, ``learning.empty_answer`` for an answer that changed nothing, 0 for none (which
        complaints the office answers and acts on is its own decision: ``Government.answer``)."""
        if self.complained:
            m = self.model
            if m.acted[self.index]:
                reply = 1.0
            elif m.answered[self.index]:
                reply = m.config.learning.empty_answer
            else:
                reply = 0.0
            self.heard += m.config.government.complaint_memory * (reply - self.heard)

    def evaluate(self) -> None:
        """Trust in government (with word of mouth about complaints answered and acted on; lost at
        ``trust_loss_rate`` when its target is below it, won at ``trust_in_government_rate``), in neighbours (with
        ``tie_trust_weight · max(mean neighbour-tie strength − tie_floor, 0)`` from strong ties), and efficacy."""
        m, L = self.model, self.model.config.learning
        told = 0.5 * self.heard + 0.5 * self.neighbour_mean("heard", self.heard)
        fb_trust = self.feedback_trust + m.config.government.complaint_trust_weight * (told - 0.5)
        trust_target = L.trust_baseline + L.trust_satisfaction_weight * (self.satisfaction - 0.5) + fb_trust
        gap = _clip01(trust_target) - self.trust_in_government  # trust is lost faster than it is won
        self.trust_in_government += (L.trust_loss_rate if gap < 0 else L.trust_in_government_rate) * gap
        grid = m.grids[self.grid]
        nbr_target = (L.neighbour_trust_baseline + L.neighbour_trust_weight * self.neighbour_mean("participated", 0.0)
                      - grid.penalty)
        if L.tie_trust_weight > 0:  # trust grows from strong ties
            nbr_target += L.tie_trust_weight * max(self.neighbour_strength() - L.tie_floor, 0.0)
        self.trust_in_neighbours += L.trust_in_neighbours_rate * (_clip01(nbr_target) - self.trust_in_neighbours)
        progressed = self.participated and grid.working
        eff_target = L.efficacy_baseline + L.efficacy_progress_weight * progressed + self.feedback_efficacy
        self.efficacy += L.efficacy_rate * (_clip01(eff_target) - self.efficacy)

    def reward(self) -> None:
        """Points earned (or written off once the scheme has stopped); volunteers drop out, with the hazard the
        coins leave, or are recruited; the month enters the resident's history
        (CommunityModel._reward_and_update_ties, model.mechanisms.incentives).

        While the scheme runs the resident earns ``rate · hours · D_g`` points and a volunteer's dropout hazard is
        multiplied by ``1 − (1 − m_min) h w + broken (1 − h) 1[points ≥ 1]``; after it stopped the points fall by
        ``write_off`` and the factor is ``1 + broken (1 − h) 1[points ≥ 1]`` (a broken promise)."""
        m, so = self.model, self.model.config.social_orgs
        dropout = so.volunteer_dropout
        coins = m.coins
        if coins is not None:
            unit = m.mechanism_units["incentives"]
            p = unit.params
            if coins == "running":
                self.points += unit.rate * self.hours * unit.delivery[self.grid]
            else:  # lapsed: nothing more is paid; the points are written off little by little
                self.points *= 1 - p.write_off
            if self.volunteer:
                kept = m.coins_kept if coins == "running" else 0.0
                dropout *= 1 - kept + p.broken_promise * (1 - unit.honoured) * (self.points >= 1.0)
        if self.volunteer and m.rng.random() < dropout:
            self.volunteer = False
        willing = self.contribution >= so.volunteer_threshold
        if not self.volunteer and willing and m.rng.random() < m.recruit_probability:
            self.volunteer = True  # (one who just left may be recruited again, as in the vectorised model)
        self.months_taken_part += int(self.participated) - int(self.history[0])
        self.history.append(self.participated)


class ResidentArrays:
    """What the institutions read of residents, assembled from the agents (``refresh`` each month)."""

    def __init__(self, sampled: ResidentState) -> None:
        self.needs = sampled.needs
        self.digital_access = sampled.digital_access
        self.party_member = sampled.party_member
        self.age_group = sampled.age_group
        self.owner = sampled.owner
        self.satisfaction = sampled.satisfaction.copy()
        self.participated = np.zeros(sampled.n, dtype=bool)
        self.volunteer = sampled.volunteer.copy()

    def refresh(self, residents: list[Resident]) -> None:
        self.satisfaction = np.array([r.satisfaction for r in residents])
        self.participated = np.array([r.participated for r in residents], dtype=bool)
        self.volunteer = np.array([r.volunteer for r in residents], dtype=bool)


class ProjectsView:
    """The grids' current projects as the arrays the institutions read (assembled on each read)."""

    def __init__(self, grids: list["Grid"]) -> None:
        self.grids = grids

    @property
    def active(self) -> np.ndarray:
        return np.array([g.active for g in self.grids], dtype=bool)

    @property
    def dispute_level(self) -> np.ndarray:
        return np.array([g.dispute_level for g in self.grids])

    @property
    def cost(self) -> np.ndarray:
        return np.array([g.cost for g in self.grids])

    @property
    def funded(self) -> np.ndarray:
        return np.array([g.funded for g in self.grids])


class FacilitiesView:
    """The grids' facilities as the arrays the units in the area read (``n``, ``domain``, ``built``)."""

    def __init__(self, grids: list["Grid"]) -> None:
        self.grids = grids

    def _all(self, key: str) -> np.ndarray:
        return np.array([f[key] for g in self.grids for f in g.facilities], dtype=np.int64)

    @property
    def n(self) -> int:
        return sum(len(g.facilities) for g in self.grids)

    @property
    def domain(self) -> np.ndarray:
        return self._all("domain")

    @property
    def built(self) -> np.ndarray:
        """Month each facility was built (0: a legacy facility)."""
        return self._all("built")


class Grid:
    """A micro-grid: its residents, its current project and its facilities."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.residents: list[Resident] = []
        self.active = False
        self.domain = 0
        self.cost = self.funded = self.hours_needed = self.hours_done = self.fit = self.hours = 0.0
        self.dispute_level = 0
        self.working = False
        self.penalty = 0.0
        self.payment = 0.0
        """Yuan paid out of the purse to the grid's project this month."""
        self.facilities: list[dict] = []
        self.cover = [0.0] * N_DOMAINS
        self.mean_fit = [0.0] * N_DOMAINS


class ReferenceModel(mesa.Model):
    """The community model, one Python agent at a time (see the module docstring).

    Takes the arguments of :class:`model.community.CommunityModel`.
    """

    DOMAINS = DOMAINS

    def __init__(self, *, scenario_name: str | None = None, community: str | None = None, rng=None,
                 config=None, **overrides) -> None:
        seed = resolve_seed(rng)
        super().__init__(rng=seed)
        cfg = resolve_config(scenario_name, community, config, overrides)
        cfg.seed = seed
        self.streams = streams = Streams(seed)
        cfg, self.drawn = variation.draw(cfg, streams)  # the community of this seed, as the vectorised model draws it
        self.config = cfg
        self._refuse_what_is_not_implemented(cfg)

        # The initial community, sampled as the vectorised model samples it, from the same named
        # streams (the same seed gives the same community); residents' dynamics draw from Mesa's rng.
        self.structure = structure = build_structure(streams.get("structure"), cfg.community)
        sampled = ResidentState(streams, cfg, structure)
        f = cfg.community.renter_tie_factor  # renters' weaker ties at the start
        graph = SocialGraph(streams, cfg.community, structure, sampled.age_group, cfg.learning.tie_floor,
                            compiled=False, tie_factor=None if f == 1 else np.where(sampled.owner, 1.0, f))
        self.n_residents = n = structure.n
        self.n_grids = structure.n_grids
        self._grid_size = np.bincount(structure.grid, minlength=self.n_grids).astype(float)
        self.G = graph.to_networkx()
        for u, v, data in self.G.edges(data=True):
            household = data["kind"] == "household"
            data["floor"] = data["weight"] if household else min(cfg.learning.tie_floor, data["weight"])
        self.network = Network(self.G, layout=None, random=self.random)

        self.grids = [Grid(g) for g in range(structure.n_grids)]
        self.projects = ProjectsView(self.grids)
        self.facilities = FacilitiesView(self.grids)
        self.state = ResidentArrays(sampled)
        self.purse = Purse()
        self.totals = {"projects_completed": 0, "projects_abandoned": 0}
        self.complainants = np.zeros(n, dtype=bool)
        self.answered = np.zeros(n, dtype=bool)
        """Complaints the street office answered this month."""
        self.acted = np.zeros(n, dtype=bool)
        """Complaints whose answer action followed this month (answered and acted on)."""
        self.unit_hours = 0.0
        self.wasted = 0.0
        """Yuan wasted this month: the funds of projects abandoned, rework of projects that failed inspection."""
        self.residents_upkeep = 0.0
        """Share of the facilities' upkeep residents' own hours covered last month (facility-weighted, 0–1): the
        street office pays contractors for the rest."""
        self.capture = np.zeros(N_DOMAINS)
        self.record = SimpleNamespace()
        self.activities: list[tuple[float, int]] = []
        self.recruit_probability = 0.0
        self.coins: str | None = None
        """This month's state of the points scheme for residents: 'running', 'lapsed' (it ran and stopped) or None."""
        self.coins_kept = 0.0
        self._meetings: list[tuple[dict, list[Resident], list[float]]] = []

        # The institutions, created in the vectorised model's order (the same agent ids and streams).
        self.programmes = Programmes(self)
        self.government = Government(self, cfg.government)
        self.committee = ResidentsCommittee(self, cfg.committee)
        self.party = PartyOrganisation(self, cfg.party)
        n_orgs = cfg.social_orgs.count
        org_rng = streams.get("social_orgs")
        self.social_orgs = SocialOrganisation.create_agents(
            self, n_orgs, domain=list(org_rng.integers(0, N_DOMAINS, n_orgs)),
            capacity=list(sample_dist(org_rng, cfg.social_orgs.capacity, n_orgs)),
            quality=list(sample_dist(streams.get("social_orgs.quality"), cfg.social_orgs.quality, n_orgs)))
        self.units = AreaUnit.create_agents(self, cfg.units.count, params=cfg.units)
        self.bodies = ResidentsBody.create_agents(self, self.n_grids, grid=list(range(self.n_grids)))

        cost_factor, excluded, on_platform = self._channel_factors(sampled)
        s = sampled
        for i in range(n):
            traits = {
                "grid": int(structure.grid[i]), "age_group": int(s.age_group[i]), "owner": bool(s.owner[i]),
                "disposition": int(s.disposition[i]),
                "matching_slope": float(s.matching_slope[i]), "unconditional_level": float(s.unconditional_level[i]),
                "trust_in_government": float(s.trust_in_government[i]),
                "trust_in_neighbours": float(s.trust_in_neighbours[i]), "satisfaction": float(s.satisfaction[i]),
                "efficacy": float(s.efficacy[i]), "belief": float(s.belief[i]), "time_budget": float(s.time_budget[i]),
                "time_cost": float(s.time_cost[i]), "needs": s.needs[i].tolist(), "fit": s.fit[i].tolist(),
                "volunteer": bool(s.volunteer[i]), "participated": False, "contributed_to_project": False,
                "channel_cost_factor": float(cost_factor[i]), "excluded": bool(excluded[i]),
                "on_platform": bool(on_platform[i]),
            }
            r = Resident(self, i, self.network[i], traits)
            self.grids[r.grid].residents.append(r)
        self.residents = self.agents_by_type[Resident]
        self.resident_list = list(self.residents)
        self._grid_fit()
        self._build_legacy_facilities()
        self._update_cover()
        for r in self.residents:
            cover = self.grids[r.grid].cover
            r.served = sum(cover[k] * r.fit[k] for k in range(N_DOMAINS))

        # The programmes: the model's own units (what the institutions read of them), the rules in force from the
        # start (the office runs what they require; the Party mobilises where its remit says so).
        self.mechanism_units = {name: cls(self, getattr(cfg, name)) for name, cls in MECHANISMS.items()
                                if name in SUPPORTED}
        for unit in self.mechanism_units.values():
            unit.setup(self)
        for prog in self.programmes:
            if self.government.binds(prog.name):
                self.programmes.set_office(prog.name, True)
        self.programmes.set_party("mobilisation", bool(cfg.party.mobilisation))
        self.mechanisms: dict = {}
        """The programmes someone runs this month (name → unit), in the registry's order."""
        self.refresh_mechanisms()

        self.datacollector = mesa.DataCollector(model_reporters=REPORTERS)
        self.datacollector.collect(self)

    @staticmethod
    def _refuse_what_is_not_implemented(cfg) -> None:
        """A ConfigError for a behaviour switched on, a programme the reference has no rules for, the estate or the
        life course."""
        for name, cls in MECHANISMS.items():
            if name in SUPPORTED:
                continue
            params = getattr(cfg, name)
            on = params.allowed if cls.programme else params.enabled
            if on:
                flag = "allowed" if cls.programme else "enabled"
                raise ConfigError(f"{name}.{flag}: the reference implementation has no {name}; "
                                  f"it implements {', '.join(sorted(SUPPORTED))}")
        if cfg.life_course.enabled:
            raise ConfigError("life_course.enabled: the reference implementation has no life course")
        if cfg.property.companies > 0 or cfg.community.lift_share < 1.0:
            raise ConfigError("property.companies / community.lift_share: the reference implementation has no estate "
                              "(property companies, lifts)")

    def _channel_factors(self, s):
        """Each resident's time-cost factor, whether no channel reaches them, and whether they use the online
        platform, while the channels programme runs (model.mechanisms.channels)."""
        n = self.n_residents
        p = self.config.channels
        off = np.asarray(p.offline_cost.as_tuple())[s.age_group] if p.offline else np.full(n, np.inf)
        on = np.asarray(p.online_cost.as_tuple())[s.age_group] if p.online else np.full(n, np.inf)
        on = np.where(s.digital_access, on, np.inf)
        factor = np.minimum(off, on)
        excluded = ~np.isfinite(factor)
        return np.where(excluded, 1.0, factor), excluded, np.isfinite(on)

    def _build_legacy_facilities(self) -> None:
        """Legacy facilities, built top-down before the model starts: domains by the office's priorities and
        conditions, from the vectorised model's stream ``facilities.legacy`` (the same community)."""
        k = self.config.projects.legacy_facilities_per_grid
        if k == 0:
            return
        rng = self.streams.get("facilities.legacy")
        where = [g for g in self.grids for _ in range(k)]
        u = rng.random(len(where))
        domains = [self._domain_of(self.government.priorities, x) for x in u]
        conditions = rng.uniform(0.4, 0.9, len(where))
        for g, d, c in zip(where, domains, conditions):
            g.facilities.append({"domain": d, "fit": g.mean_fit[d], "condition": float(c), "built": 0})

    # ------------------------------------------------------------- what the institutions read
    @property
    def coverage(self) -> np.ndarray:
        """How well each grid is served in each domain (grids × domains, 0–1)."""
        return np.array([g.cover for g in self.grids])

    @property
    def participation_counts(self) -> np.ndarray:
        """Months of the last 12 each resident took part in (assembled from the agents' histories)."""
        return np.array([r.months_taken_part for r in self.resident_list], dtype=np.int16)

    def count_by_grid(self, flags: np.ndarray) -> np.ndarray:
        """Number of residents of each grid whose flag is set."""
        return np.bincount(self.structure.grid, weights=np.asarray(flags, dtype=float),
                           minlength=self.n_grids).round().astype(np.int64)

    def participants_by_grid(self) -> np.ndarray:
        """Residents of each grid who took part last month (counted afresh at every call)."""
        return self.count_by_grid(self.state.participated)

    def core_activists_by_grid(self, core_months: int) -> np.ndarray:
        """Residents of each grid who took part in at least ``core_months`` of the last 12."""
        return self.count_by_grid(self.participation_counts >= core_months)

    def body_capacity(self) -> np.ndarray:
        """Per grid: the capacity of its residents' body (0–1; 0 where none has formed)."""
        return np.array([b.capacity if b.active else 0.0 for b in self.bodies])

    def refresh_mechanisms(self) -> None:
        """The acting programmes (:attr:`mechanisms`): those someone runs, in registry order."""
        self.mechanisms = {name: unit for name, unit in self.mechanism_units.items() if self.programmes[name].running}

    # ------------------------------------------------------------- helpers
    @staticmethod
    def _domain_of(weights, u: float) -> int:
        """The first domain ``d`` with ``u < Σ_{d' ≤ d} w_d' / Σ w`` (``u`` uniform 0–1)."""
        total = sum(weights)
        cum, acc = [], 0.0
        for w in weights:
            acc += w
            cum.append(acc / total)
        return min(sum(u > c for c in cum), N_DOMAINS - 1)

    def _draw_domain(self, weights) -> int:
        return self._domain_of(weights, self.rng.random())

    def _grid_fit(self) -> None:
        for g in self.grids:
            g.mean_fit = [sum(r.fit[k] for r in g.residents) / len(g.residents) for k in range(N_DOMAINS)]

    def _update_cover(self) -> None:
        served = self.config.projects.residents_served
        for g in self.grids:
            condition = [0.0] * N_DOMAINS
            for f in g.facilities:
                condition[f["domain"]] += f["condition"]
            g.cover = [1.0 - math.exp(-condition[k] * served / max(len(g.residents), 1)) for k in range(N_DOMAINS)]

    def _mask(self, residents) -> np.ndarray:
        mask = np.zeros(self.n_residents, dtype=bool)
        mask[[r.index for r in residents]] = True
        return mask

    # ------------------------------------------------------------- the month
    def step(self) -> None:
        self.record = SimpleNamespace()
        self.purse.new_month()
        self.wasted = 0.0
        self.purse.receive("street_office", self.government.monthly_budget())
        self.unit_hours = 0.0
        for g in self.grids:
            g.payment = 0.0
        if self.config.projects.needs_drift > 0:
            self.residents.do("drift_needs")
            self.state.needs = np.array([r.needs for r in self.resident_list])
            self._grid_fit()
        self.state.refresh(self.resident_list)  # what the institutions see of last month
        self.committee.step()
        self.party.step()
        self.units.do("step")
        self.government.step()
        self.social_orgs.do("step")
        self.bodies.do("step")
        self.programmes.update_delivery()  # who runs what, and how much of it reaches each grid, this month
        self._pay_programmes()
        self.activities = [(o.activity(), o.domain) for o in self.social_orgs if o.capacity > 0]
        self._choose_projects()
        self.residents.do("mobilise")
        self.residents.do("step")
        self.residents.do("observe")
        self.residents.do("publish")
        self._progress()
        self._update_cover()
        self.residents.do("receive_benefits")
        L = self.config.learning
        for g in self.grids:
            g.penalty = L.dispute_penalty * g.dispute_level * g.active
        self._read_ledger()
        self.residents.do("judge")
        self.complainants = self._mask(r for r in self.residents if r.complained)
        if self.complainants.any():  # answered, and followed by action as far as the office adopts residents' views
            self.answered, self.acted = self.government.answer(self.complainants)
        else:
            self.answered = self.acted = self.complainants
        self.residents.do("remember_answer")
        self.residents.do("evaluate")
        self._price_points()
        capacity = sum(o.capacity for o in self.social_orgs)
        self.recruit_probability = self.config.social_orgs.recruitment_rate * capacity
        self.residents.do("reward")
        self._update_ties()
        self.datacollector.collect(self)

    def _pay_programmes(self) -> None:
        """What the running programmes pay first each month, in the registry's order (the begin_step hooks): the
        online platform; the third-party evaluation (``third_party_cost · n · mean D_g``; the social organisations
        are overseen in a month it is paid); residents' claims of the points they hold, ``owed = coin_value · Σ
        points``, paid within the envelope ``budget_share · B`` (each balance falls by the share paid; confidence
        ``h ← h + ½ (paid / owed − h)``); the ledger (``monthly_cost · n``; nothing is published in a month it is
        not paid)."""
        mech, units, n = self.mechanisms, self.mechanism_units, self.n_residents
        if "channels" in mech and units["channels"].params.online:
            self.purse.pay("online_platform", units["channels"].params.platform_cost * n)
        if "co_evaluation" in mech:
            unit = units["co_evaluation"]
            cost = unit.params.third_party_cost * n * float(unit.delivery.mean())
            unit.evaluated = self.purse.pay("evaluation", cost) >= cost > 0
        if "incentives" in mech:
            unit = units["incentives"]
            p = unit.params
            owed = p.coin_value * sum(r.points for r in self.residents)
            if owed > 0:
                envelope = p.budget_share * self.government.monthly_budget()
                paid = self.purse.pay("incentives", min(owed, envelope))
                for r in self.residents:
                    r.points *= 1.0 - paid / owed
                unit.honoured += 0.5 * (paid / owed - unit.honoured)
        if "disclosure" in mech:
            unit = units["disclosure"]
            due = unit.params.monthly_cost * n
            unit.kept = self.purse.pay("disclosure", due) >= due

    def _choose_projects(self) -> None:
        """Grids propose (more while the office has money to spare); co-building sets the terms where it reaches;
        the office approves by money; the approved projects are consulted on where consultation reaches; the office
        weighs views by its adoption, units' pull applies except where a meeting balanced every voice; attendees
        see how much of their meeting's decision was taken up (CommunityModel._choose_projects)."""
        cfg, gov, units = self.config.projects, self.government, self.mechanism_units
        spare = max(self.purse.balance - gov.monthly_budget() - gov.committed(), 0.0)
        p_start = cfg.start_probability + (1 - cfg.start_probability) * min(
            1.0, spare / cfg.cost if cfg.cost > 0 else 0.0)
        starting = [g for g in self.grids if not g.active and self.rng.random() < p_start]
        if not starting:
            return
        perceived = gov.perceived_needs
        plans = [{"grid": g, "weights": list(gov.priorities), "views": list(perceived[g.index]), "cost": cfg.cost,
                  "hours": cfg.resident_hours, "dispute_p": cfg.dispute_probability, "balanced": False}
                 for g in starting]
        if "co_building" in self.mechanisms:  # residents' labour where it reaches: more hours, less money
            p = units["co_building"].params
            for plan in plans:
                d = units["co_building"].delivery[plan["grid"].index]
                plan["hours"] += d * p.hours_per_project
                plan["cost"] *= 1 - d * p.cost_saving
        approved = gov.approve(np.array([plan["cost"] for plan in plans]))
        plans = [plan for plan, ok in zip(plans, approved) if ok]
        if not plans:
            return
        self._meetings = []
        if "consultation" in self.mechanisms:  # the approved projects are consulted on
            self._consult(plans)
        a = gov.adoption
        pull = float(self.capture.sum())
        interest = [c / pull for c in self.capture] if pull > 0 else None
        if pull > 0:  # units that gave have had their say
            self.capture[:] = 0.0
        for plan in plans:
            weights = [(1 - a) * w + a * v for w, v in zip(plan["weights"], plan["views"])]
            if interest is not None and not plan["balanced"]:
                c = min(pull, 1.0)
                weights = [(1 - c) * w + c * x for w, x in zip(weights, interest)]
            plan["domain"] = self._draw_domain([max(w, 0.0) + 1e-12 for w in weights])
        self._meeting_outcomes()
        for plan in plans:
            g, domain = plan["grid"], plan["domain"]
            disputed = self.rng.random() < _clip01(plan["dispute_p"])
            g.active, g.domain, g.cost, g.funded = True, domain, plan["cost"], 0.0
            g.hours_needed, g.hours_done, g.fit = plan["hours"], 0.0, g.mean_fit[domain]
            g.dispute_level = int(disputed)
            for r in g.residents:
                r.contributed_to_project = False

    def _consult(self, plans: list[dict]) -> None:
        """Meetings where consultation reaches (a grid's meeting is held with probability ``D_g``), the office's paid
        for as far as the purse pays; attendees (residents who took part last month or volunteer; a renter invited
        with probability ``renter_reach``) vote for their most pressing unmet need, each group weighed by its share
        of the grid under ``voice: balanced``; ``views ∝ votes^σ``; a consulted project's dispute probability
        ``p ← p (1 − prevention · a)``, then ``p ← p + sham_grievance (1 − a)² (1 − p)``
        (model.mechanisms.consultation)."""
        unit = self.mechanism_units["consultation"]
        p, prog = unit.params, self.programmes["consultation"]
        held = [plan for plan in plans if self.rng.random() < unit.delivery[plan["grid"].index]]
        paying = [plan for plan in held if prog.office and not prog.bodies[plan["grid"].index]]
        if paying and p.meeting_cost > 0:  # the office's meetings, as many as the purse pays for
            afford = int(self.purse.pay("consultation", p.meeting_cost * len(paying)) // p.meeting_cost + 1e-9)
            unpaid = {id(plan) for plan in paying[afford:]}
            held = [plan for plan in held if id(plan) not in unpaid]
        if not held:
            return
        attendees = {}
        for plan in held:
            g = plan["grid"]
            attendees[g.index] = [r for r in g.residents if (r.participated or r.volunteer)
                                  and (r.owner or p.renter_reach >= 1 or self.rng.random() < p.renter_reach)]
        anyone = any(attendees.values())
        for plan in held:
            g = plan["grid"]
            voters = g.residents if p.voice == "all" or not anyone else attendees[g.index]
            weight = self._balance(g, voters) if p.voice == "balanced" else None
            counts = [0.0] * N_DOMAINS
            for r in voters:
                unmet = [r.needs[k] * (1.0 - g.cover[k]) for k in range(N_DOMAINS)]
                counts[unmet.index(max(unmet))] += weight[(r.age_group, r.owner)] if weight else 1.0
            votes = [c ** p.sharpness for c in counts]
            total = sum(votes)
            if total > 0:
                plan["views"] = [v / total for v in votes]
            plan["balanced"] = p.voice == "balanced"
        everyone = [r for group in attendees.values() for r in group]
        self.government.hear(self._mask(everyone))  # the meetings are a channel of the office's picture
        a = self.government.adoption
        for plan in held:  # prevented up front, then the grievance of being heard and ignored
            dp = plan["dispute_p"] * (1 - p.dispute_prevention * a)
            plan["dispute_p"] = dp + p.sham_grievance * (1 - a) ** 2 * (1 - dp)
            self._meetings.append((plan, attendees[plan["grid"].index], list(plan["views"])))

    @staticmethod
    def _balance(grid: Grid, voters: list[Resident]) -> dict:
        """Per group (age group, owner): the weight that makes it count by its share of the grid's residents,
        ``share of the group in the grid / share of the group among the voters``."""
        residents, among_voters = {}, {}
        for r in grid.residents:
            residents[(r.age_group, r.owner)] = residents.get((r.age_group, r.owner), 0) + 1
        for r in voters:
            among_voters[(r.age_group, r.owner)] = among_voters.get((r.age_group, r.owner), 0) + 1
        n, k = len(grid.residents), max(len(voters), 1)
        return {group: (residents.get(group, 0) / max(n, 1)) / max(count / k, 1e-12)
                for group, count in among_voters.items()}

    def _meeting_outcomes(self) -> None:
        """Once the domains are chosen, every attendee sees how much of the meeting's views the chosen domain
        matches, ``signal = 2 v[d*] / max_d v[d] − 1``, and remembers it: ``voice ← voice + μ (signal − voice)``."""
        if not self._meetings:
            return
        rate = self.mechanism_units["consultation"].params.memory_rate
        for plan, attendees, views in self._meetings:
            signal = 2.0 * views[plan["domain"]] / max(max(views), 1e-12) - 1.0
            for r in attendees:
                r.voice += rate * (signal - r.voice)
        self._meetings = []

    def _progress(self) -> None:
        """Co-funding, supervision, mediation, disputes, money from the purse, hours, completion, upkeep
        (CommunityModel._progress and the programmes' progress hooks)."""
        cfg, mech, units = self.config.projects, self.mechanisms, self.mechanism_units
        n_grids = self.n_grids
        efficiency = [cfg.unorganised_upkeep_efficiency] * n_grids
        rework_p = [cfg.rework_probability] * n_grids
        resolution = [cfg.dispute_resolution] * n_grids
        for g in self.grids:
            g.hours = sum(r.hours for r in g.residents)
        if "co_building" in mech:
            self._co_build(units["co_building"])
        if "co_management" in mech:  # supervision by who turns up, each counting by how often they take part
            unit = units["co_management"]
            p = unit.params
            strength = np.zeros(n_grids)
            for g in self.grids:
                turnout = sum(r.months_taken_part / HISTORY for r in g.residents if r.participated)
                facilities = max(len(g.facilities), 1)
                strength[g.index] = unit.delivery[g.index] * min(1.0, turnout / (p.supervisors_per_facility
                                                                               * facilities))
                e0 = efficiency[g.index]
                efficiency[g.index] = e0 + (p.upkeep_efficiency - e0) * strength[g.index]
                rework_p[g.index] *= 1 - p.rework_reduction * strength[g.index]
            unit.strength = strength  # what the office sees of its uptake
        if "mediation" in mech:
            resolution = self._mediate(units["mediation"], resolution)
        settling = self.committee.dispute_settling()
        for g in self.grids:
            if g.active and g.dispute_level > 0:
                r = 1 - (1 - resolution[g.index]) * (1 - settling[g.index])
                if self.rng.random() < r:
                    g.dispute_level = 0
                elif self.rng.random() < cfg.dispute_escalation:
                    g.dispute_level += 1
            if g.active and g.dispute_level >= cfg.dispute_abandon_level:
                g.active, g.dispute_level = False, 0
                self.totals["projects_abandoned"] += 1
                self.wasted += g.funded  # the funds of an abandoned project are lost
            g.working = g.active and g.dispute_level == 0
        need = {g.index: min(max(g.cost - g.funded, 0.0), cfg.monthly_funding) if g.working else 0.0
                for g in self.grids}
        total = sum(need.values())
        share = self.purse.pay("projects", total) / total if total > 0 else 0.0
        n_working = sum(g.working for g in self.grids)
        completed = 0
        for g in self.grids:
            if not g.working:
                continue
            g.payment = need[g.index] * share
            g.funded += g.payment
            g.hours_done += g.hours * (1 - cfg.upkeep_share)
            if self.unit_hours > 0:  # units' staff volunteers work on the projects under way
                g.hours_done += self.unit_hours / n_working
            if g.funded >= g.cost - 1e-6 and g.hours_done >= g.hours_needed - 1e-9:
                if self.rng.random() < rework_p[g.index]:
                    g.cost = g.funded + cfg.rework_cost_share * cfg.cost
                    self.wasted += cfg.rework_cost_share * cfg.cost  # to be spent again
                else:
                    g.facilities.append({"domain": g.domain, "fit": g.fit, "condition": 1.0, "built": self.steps})
                    g.active = False
                    completed += 1
        self.government.record_completed(completed)
        self.totals["projects_completed"] += completed
        self._upkeep(efficiency)

    def _co_build(self, unit) -> None:
        """Where co-building reaches a project under way and not halted by a dispute, residents who take part
        co-fund it, each as far as they trust the money goes where it should (with probability ``T_i``):
        ``min(co_funding · payers, cost − funded)`` a month, passed through the purse. Its uptake as the office
        sees it: ``mean over those grids of min(1, hours_g · UPTAKE_MONTHS / hours needed)``."""
        p = unit.params
        given, uptake = 0.0, []
        for g in self.grids:
            if not (g.active and unit.delivery[g.index] > 0 and g.dispute_level == 0):
                continue
            payers = sum(1 for r in g.residents if r.participated and self.rng.random() < r.trust_in_government)
            gift = min(p.co_funding * payers, max(g.cost - g.funded, 0.0))
            g.funded += gift
            given += gift
            uptake.append(min(1.0, g.hours * UPTAKE_MONTHS / max(g.hours_needed, 1e-9)))
        self.purse.pass_through("residents", "projects", given)
        if uptake:
            unit._uptake = sum(uptake) / len(uptake)  # what CoBuilding.uptake reports to the office

    def _mediate(self, unit, resolution: list[float]) -> list[float]:
        """Mediators settle a dispute with extra probability ``resolution_rate · D_g`` (times the organisations'
        mean capacity when ``by_social_orgs``); the office's mediators are paid per dispute-month out of the purse,
        and what it cannot pay is not mediated (a residents' body's cost nothing)."""
        p, prog = unit.params, self.programmes["mediation"]
        rate = [p.resolution_rate * unit.delivery[g.index] for g in self.grids]
        if p.by_social_orgs:
            orgs = list(self.social_orgs)
            mean_capacity = sum(o.capacity for o in orgs) / len(orgs) if orgs else 0.0
            rate = [x * mean_capacity for x in rate]
        paid_by_office = [g.active and g.dispute_level > 0 and prog.office and not prog.bodies[g.index]
                          for g in self.grids]
        due = p.cost * sum(paid_by_office)
        if due > 0:
            paid = self.purse.pay("mediation", due) / due
            rate = [x * paid if office else x for x, office in zip(rate, paid_by_office)]
        return [1 - (1 - r0) * (1 - x) for r0, x in zip(resolution, rate)]

    def _upkeep(self, efficiency: list[float]) -> None:
        """Facilities decay unless residents or contractors keep them up; without a settled division of
        responsibility part of the upkeep is lost (the Party organisation's upkeep factor). The share residents'
        hours covered (``residents_upkeep``) is what the office pays contractors around next month."""
        cfg, gov = self.config.projects, self.government
        n_facilities = sum(len(g.facilities) for g in self.grids)
        if n_facilities == 0:
            return
        factor = self.party.upkeep_factor()
        by_residents = {}
        for g in self.grids:
            need_hours = cfg.upkeep_hours * len(g.facilities)
            by_residents[g.index] = (factor * efficiency[g.index] * g.hours * cfg.upkeep_share / need_hours
                                     if need_hours > 0 else 1.0)
        # what the office sees kept up by residents (each grid weighted by its facilities)
        kept_up = sum(_clip01(by_residents[g.index]) * len(g.facilities) for g in self.grids)
        self.residents_upkeep = kept_up / n_facilities
        contractors = 0.0
        if gov.upkeep_budget > 0 and gov.params.upkeep_cost > 0:  # paid out of the purse
            full = gov.params.upkeep_cost * n_facilities
            contractors = factor * self.purse.pay("upkeep", min(gov.upkeep_budget, full)) / full
        for g in self.grids:
            if not g.facilities:
                continue
            coverage = _clip01(by_residents[g.index] + contractors)
            for f in g.facilities:
                f["condition"] = _clip01(f["condition"] - cfg.facility_decay * (1 - coverage))

    def _read_ledger(self) -> None:
        """What the open ledger shows this month, where it is kept (model.mechanisms.disclosure):

            L = (Σ_g P_g (2 f_g − 1) + S − λ (W + I)) / (Σ_g P_g + S + W + I)      (clipped to −1 … 1)

        (``P_g`` paid to grid ``g``'s project, ``f_g`` its fit, ``S`` spending on services, ``W`` waste, ``I`` money
        left idle); residents' reading ``ℓ ← ℓ + memory (L − ℓ)``."""
        if "disclosure" not in self.mechanisms or not self.mechanism_units["disclosure"].kept:
            return
        unit, purse, gov = self.mechanism_units["disclosure"], self.purse, self.government
        p = unit.params
        projects = sum(g.payment for g in self.grids)
        asked = sum(g.payment * (2 * g.fit - 1) for g in self.grids)
        services = sum(purse.spending[u] for u in SERVICE_USES)
        waste = self.wasted + sum(purse.spending[u] for u in WASTE_USES)
        idle = max(purse.balance - gov.committed() - p.idle_months * gov.monthly_budget(), 0.0)
        total = projects + services + waste + idle
        shown = (asked + services - p.misuse_weight * (waste + idle)) / total if total > 0 else 0.0
        unit.shown = min(max(shown, -1.0), 1.0)
        unit.reading += p.memory * (unit.shown - unit.reading)

    def _price_points(self) -> None:
        """The points scheme this month, before residents are rewarded (model.mechanisms.incentives): while it runs
        the office prices an hour's points to fit its envelope, ``rate = min(points_per_hour, E / (coin_value ·
        Σ_i hours_i D_g))``, and fully honoured coins of full worth keep ``(1 − m_min) h w`` of volunteers'
        dropout hazard; after it stopped (it ran once) confidence halves each month."""
        unit, prog = self.mechanism_units["incentives"], self.programmes["incentives"]
        self.coins, self.coins_kept = None, 0.0
        if "incentives" in self.mechanisms:
            p = unit.params
            envelope = p.budget_share * self.government.monthly_budget()
            hours = sum(r.hours * unit.delivery[r.grid] for r in self.residents)
            unit.rate = p.points_per_hour if p.coin_value <= 0 or hours <= 0 else min(
                p.points_per_hour, envelope / (p.coin_value * hours))
            self.coins = "running"
            self.coins_kept = (1 - p.dropout_multiplier) * unit.honoured * unit.worth
        elif prog.started is not None:
            unit.honoured *= 0.5
            self.coins = "lapsed"

    def _update_ties(self) -> None:
        """Ties grow when both residents took part this month and decay towards their floor otherwise; then each
        resident counts its active contacts outside the household over the ties as updated."""
        L = self.config.learning
        people = self.network
        for u, v, tie in self.G.edges(data=True):
            a, b = people[u].agents[0], people[v].agents[0]
            w = tie["weight"]
            if a.participated and b.participated:
                tie["weight"] = w + L.tie_growth * (1.0 - w)
            else:
                tie["weight"] = w - L.tie_decay * (w - tie["floor"])
        self.residents.do("count_active_contacts")

def _mean(model, attribute: str) -> float:
    return sum(float(getattr(r, attribute)) for r in model.residents) / model.n_residents


def _participation_by_age(k: int):
    def rate(model) -> float:
        group = [r for r in model.residents if r.age_group == k]
        return sum(r.participated for r in group) / len(group) if group else float("nan")
    return rate


def _social_capital(model) -> float:
    ties = [t["weight"] for _, _, t in model.G.edges(data=True) if t["kind"] != "household"]
    return sum(ties) / len(ties) if ties else float("nan")


def _free_riding_rate(model) -> float:
    if model.steps == 0:
        return 0.0
    threshold = 1e-3 * model.config.projects.facility_value
    return sum(1 for r in model.residents if r.benefit > threshold and not r.participated) / model.n_residents


def _need_fit(model) -> float:
    values = [r.served / sum(model.grids[r.grid].cover) for r in model.residents
              if sum(model.grids[r.grid].cover) > 0]
    return sum(values) / len(values) if values else float("nan")


REPORTERS = {
    "step": lambda m: m.steps,
    "participation_rate": lambda m: _mean(m, "participated"),
    "participation_rate_youth": _participation_by_age(0),
    "participation_rate_middle": _participation_by_age(1),
    "participation_rate_elderly": _participation_by_age(2),
    "mean_contribution": lambda m: _mean(m, "contribution"),
    "free_riding_rate": _free_riding_rate,
    "trust_in_government": lambda m: _mean(m, "trust_in_government"),
    "trust_in_neighbours": lambda m: _mean(m, "trust_in_neighbours"),
    "social_capital": _social_capital,
    "satisfaction": lambda m: _mean(m, "satisfaction"),
    "efficacy": lambda m: _mean(m, "efficacy"),
    "need_fit": _need_fit,
    "projects_completed_total": lambda m: float(m.totals["projects_completed"]),
    "government_spending_total": lambda m: m.purse.spent_in_all(),
    "complaints": lambda m: float(m.complainants.sum()),
    "views_adopted": lambda m: m.government.adoption,
    "answer_rate": lambda m: m.government.answer_rate,
    "purse_balance": lambda m: m.purse.balance,
    "volunteer_share": lambda m: _mean(m, "volunteer"),
}
"""Model-level outcomes, the same definitions as :mod:`model.metrics` (a subset of them)."""
