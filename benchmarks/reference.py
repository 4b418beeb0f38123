"""The community model written the idiomatic Mesa way: a docking partner and a speed reference.

``ReferenceModel`` implements the rules of :class:`model.community.CommunityModel` — the same
monthly phases, the same equations, the mechanisms of the ``top_down`` and ``co_creation``
scenarios (consultation, co-building, co-management, co-evaluation, incentives, disclosure,
mediation, channels, mobilisation, funding), the one purse — the way a Mesa model is usually
written:

- every resident is a Mesa agent (``FixedAgent`` on a cell of
  ``mesa.discrete_space.Network``) holding its own attributes as Python floats;
- residents act one at a time in Python: ``Resident.step()`` is the contribution decision
  (with the occasions a grid worker's visit and social organisations' activities bring, and the
  news of occasions and the encouragement its active contacts of last month bring), then
  ``observe()``, ``publish()``, ``receive_benefits()``, ``judge()`` (satisfaction, and whether to
  complain), ``remember_answer()``, ``evaluate()`` (trust, with word of mouth about complaints
  answered and trust from strong ties), ``reward()`` (points, volunteering) and, after the ties
  are updated, ``count_active_contacts()`` for the later phases of the month, each run over the
  agents with ``AgentSet.do``;
- neighbours are found through the network space (``self.cell.neighborhood``) and tie
  strengths are attributes of the networkx graph's edges (``G.edges[i, j]["weight"]``);
- residents' random numbers are drawn one at a time from the model's one generator (Mesa's
  ``rng``), resident by resident, not from the vectorised model's named streams
  (:mod:`model.streams`) (so runs are not bit-identical to the vectorised model's, only equal in
  distribution: the docking test, ``tests/test_docking.py``, checks that);
- projects and facilities are per-grid Python objects (:class:`Grid`);
- the model-level outcomes are ``DataCollector`` reporters that loop over the agents.

**The institutions are the model's own classes.** The street office, the residents' committee,
the Party organisation, units in the area and social organisations
(:class:`agents.government.Government`, :class:`agents.committee.ResidentsCommittee`,
:class:`agents.party.PartyOrganisation`, :class:`agents.unit.AreaUnit`,
:class:`agents.social_org.SocialOrganisation`) are reused, not re-implemented: they are a handful
of Mesa agents already written one agent at a time, so a second copy of their rules would double
the code without testing anything the idiomatic style changes, and the docking's question is
whether the *residents'* rules written per agent give the distributions of the vectorised ones.
The reference shows them what they read: ``state`` (residents' satisfaction and participation
assembled from the agents at the start of each month, :class:`ResidentArrays`), ``projects`` and
``coverage`` (assembled from the grids), ``purse`` (the same :class:`model.purse.Purse`),
``complainants``, ``mechanisms`` (the enabled mechanisms' parameters, :class:`Practice`),
``structure``, ``streams`` (their own named streams, as in the vectorised model) and a month's
``record``. Everything residents do with them — a visit's invitation, an activity's occasion, a
complaint and its memory, the word of mouth, points honoured or not — is per agent here.

The initial community (who lives where, their traits, the initial ties, the organisations) is
built by the same functions from the same named streams as the vectorised model's
(:mod:`model.population`, :mod:`model.network`, :mod:`model.streams`; the same seed gives the same
community): the reference re-implements the dynamics, not the sampling of a population.

Its cost per resident-month is the yardstick of ``python -m experiments.benchmark``.
Mechanisms it does not implement (sanctions, reputation, shocks) raise a ConfigError.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent, Network

from agents.committee import ResidentsCommittee
from agents.government import Government
from agents.party import PartyOrganisation
from agents.social_org import SocialOrganisation
from agents.unit import AreaUnit
from model.community import resolve_config
from model.network import SocialGraph
from model.params import DOMAINS, ConfigError
from model.population import FREE_RIDER, ResidentState, build_structure, sample_dist
from model.purse import Purse
from model.streams import Streams, resolve_seed

SUPPORTED = {"consultation", "co_building", "co_management", "co_evaluation", "incentives", "disclosure",
             "mediation", "channels", "mobilisation", "funding"}
"""Mechanisms the reference implements (those of ``top_down`` and ``co_creation``)."""

CONDITIONAL, HUMP_SHAPED, UNCONDITIONAL = 0, 3, 2
N_DOMAINS = len(DOMAINS)


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
        self.answered = 0.5
        self.heard = 0.5
        self.complained = False
        self.feedback_trust = self.feedback_efficacy = 0.0
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

    def step(self) -> None:
        """Decide this month's contribution share (model.community.CommunityModel._decide).

        From the second month the active contacts ``A_i`` of last month matter twice: of the occasions
        the mechanisms add, a share ``1 − (1 − ν_i) exp(−A_i / news_scale)`` is heard of (``ν_i`` =
        ``notice_reach``, 1 for a user of the online platform), and the engagement logit gains
        ``encouragement · (1 − exp(−A_i / encouragement_scale))``."""
        m = self.model
        d, mech = m.config.decision, m.mechanisms
        grid = m.grids[self.grid]
        project_on = grid.active
        stake = self.fit[grid.domain] if project_on else d.idle_stake
        opportunity, net_cost, logit = d.base_opportunity, self.time_cost, 0.0
        floor = m.config.social_orgs.volunteer_commitment if self.volunteer else 0.0
        access = 1.0
        if m.committee.visited[self.index]:  # a grid worker's visit is an invitation
            opportunity = _add_opportunity(opportunity, m.config.committee.visit_opportunity)
        if m.activities:  # social organisations' activities in their domains
            opportunity = _add_opportunity(opportunity, sum(a * self.fit[k] for a, k in m.activities))
        before, notice = opportunity, d.notice_reach  # the occasions mechanisms add are heard of along ties
        if "channels" in mech:
            net_cost *= self.channel_cost_factor
            if self.excluded:
                access *= mech["channels"].params.excluded_access
            if mech["channels"].params.online and self.on_platform:  # the platform posts every occasion
                notice = 1.0
        if "consultation" in mech:
            opportunity = _add_opportunity(opportunity, mech["consultation"].params.opportunity)
        if "mobilisation" in mech:
            p = mech["mobilisation"].params
            if self.mobilised:
                floor = max(p.leader_floor, 0.0)
            logit += p.example_weight * self.neighbour_mean("active_leader", 0.0)
        if "co_building" in mech:
            opportunity = _add_opportunity(opportunity, mech["co_building"].params.opportunity * project_on)
        if "co_management" in mech:
            opportunity = _add_opportunity(opportunity, mech["co_management"].params.opportunity)
        if "co_evaluation" in mech:
            opportunity = _add_opportunity(opportunity, mech["co_evaluation"].params.opportunity)
        if "incentives" in mech:
            p = mech["incentives"].params
            net_cost -= p.cost_offset * m.honoured * self.trust_in_government
            logit += p.honour_boost * self.participated
        if self.active_contacts is not None:
            reach = 1.0 - (1.0 - notice) * math.exp(-self.active_contacts / d.news_scale)
            opportunity = before + (opportunity - before) * reach
            logit += d.encouragement * (1.0 - math.exp(-self.active_contacts / d.encouragement_scale))
        z = (d.engagement_intercept + d.engagement_trust_in_government * self.trust_in_government
             + d.engagement_trust_in_neighbours * self.trust_in_neighbours + d.engagement_efficacy * self.efficacy
             + d.engagement_stake * stake + logit)
        access = _clip01(access)
        engagement = 1.0 / (1.0 + math.exp(-z))
        motivation = _clip01(opportunity) * access * engagement
        civic = d.civic_return * engagement if self.disposition != FREE_RIDER else 0.0
        net_cost -= access * (d.stake_return * stake + civic)
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
        self.contribution = c
        self.took_part = c >= d.participation_threshold
        if self.took_part and project_on:
            self.contributed_to_project = True
        self.hours = c * self.time_budget

    def observe(self) -> None:
        """Beliefs move towards neighbours' contributions."""
        rate = self.model.config.decision.belief_learning_rate
        self.belief += rate * (self.neighbour_mean("contribution", self.belief) - self.belief)

    def publish(self) -> None:
        """This month's participation becomes visible; the points earned are worth what one trusts."""
        m = self.model
        self.participated = self.took_part
        self.active_leader = self.mobilised and self.took_part
        if "incentives" in m.mechanisms:
            offset = m.mechanisms["incentives"].params.cost_offset
            self.reward_value = offset * m.honoured * self.trust_in_government * self.contribution

    def receive_benefits(self) -> None:
        m = self.model
        cover = m.grids[self.grid].cover
        served = sum(cover[k] * self.fit[k] for k in range(N_DOMAINS))
        self.served = served
        self.benefit = m.config.projects.facility_value * served
        self.payoff = self.benefit - self.time_cost * self.contribution + self.reward_value

    def judge(self) -> None:
        """Satisfaction moves (CommunityModel._evaluate); a dissatisfied resident may complain
        (CommunityModel._complain): below ``complaint_threshold``, with probability
        ``complaint_probability · efficacy``."""
        m, L, mech = self.model, self.model.config.learning, self.model.mechanisms
        fb_trust = fb_sat = fb_eff = 0.0
        if "consultation" in mech:
            p = mech["consultation"].params
            perceived = 0.5 * self.voice + 0.5 * self.neighbour_mean("voice", self.voice)
            fb_trust += p.trust_weight * perceived
            fb_eff += p.efficacy_weight * perceived
            fb_sat += p.satisfaction_weight * perceived
        if "co_evaluation" in mech:
            p = mech["co_evaluation"].params
            if self.participated:
                reply = 1.0 if m.rng.random() < m.government.answer_rate else 0.0
                self.answered += p.memory_rate * (reply - self.answered)
            fb_trust += p.trust_weight * (self.answered - 0.5)
            fb_sat += p.satisfaction_weight * (self.answered - 0.5)
        if m.ledger_kept:
            fb_trust += mech["disclosure"].params.trust_weight * m.government.disclosure
        self.feedback_trust, self.feedback_efficacy = fb_trust, fb_eff
        grid = m.grids[self.grid]
        benefit = min(1.0, self.benefit / L.benefit_reference)
        sat_target = L.satisfaction_baseline + L.satisfaction_benefit_weight * benefit + fb_sat - grid.penalty
        self.satisfaction += L.satisfaction_rate * (_clip01(sat_target) - self.satisfaction)
        g = m.config.government
        self.complained = (self.satisfaction < g.complaint_threshold
                           and m.rng.random() < g.complaint_probability * self.efficacy)

    def remember_answer(self) -> None:
        """A complainant remembers whether the office answered: ``heard ← heard + μ (1[answered] − heard)``."""
        if self.complained:
            answered = 1.0 if self.model.answered[self.index] else 0.0
            self.heard += self.model.config.government.complaint_memory * (answered - self.heard)

    def evaluate(self) -> None:
        """Trust in government (with word of mouth about complaints answered), in neighbours (with
        ``tie_trust_weight · max(mean neighbour-tie strength − tie_floor, 0)`` from strong ties), and efficacy."""
        m, L = self.model, self.model.config.learning
        told = 0.5 * self.heard + 0.5 * self.neighbour_mean("heard", self.heard)
        fb_trust = self.feedback_trust + m.config.government.complaint_trust_weight * (told - 0.5)
        trust_target = L.trust_baseline + L.trust_satisfaction_weight * (self.satisfaction - 0.5) + fb_trust
        self.trust_in_government += L.trust_in_government_rate * (_clip01(trust_target) - self.trust_in_government)
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
        """Points owed; volunteers drop out or are recruited (CommunityModel._reward_and_update_ties)."""
        m, so = self.model, self.model.config.social_orgs
        dropout = so.volunteer_dropout
        if "incentives" in m.mechanisms:
            p = m.mechanisms["incentives"].params
            earned = p.points_per_hour * self.hours
            self.points += earned
            m.points_owed += p.coin_value * earned
            if self.volunteer:
                dropout *= p.dropout_multiplier
        if self.volunteer and m.rng.random() < dropout:
            self.volunteer = False
        willing = self.contribution >= so.volunteer_threshold
        if not self.volunteer and willing and m.rng.random() < m.recruit_probability:
            self.volunteer = True  # (one who just left may be recruited again, as in the vectorised model)


class Practice:
    """An enabled mechanism as the institutions see it: its parameters (``params``) and, for
    co-evaluation, whether the third party was paid this month (``evaluated``)."""

    def __init__(self, params) -> None:
        self.params = params
        self.evaluated = False


class ResidentArrays:
    """What the institutions read of residents, assembled from the agents (``refresh`` each month)."""

    def __init__(self, sampled: ResidentState) -> None:
        self.needs = sampled.needs
        self.digital_access = sampled.digital_access
        self.party_member = sampled.party_member
        self.satisfaction = sampled.satisfaction.copy()
        self.participated = np.zeros(sampled.n, dtype=bool)

    def refresh(self, residents: list[Resident]) -> None:
        self.satisfaction = np.array([r.satisfaction for r in residents])
        self.participated = np.array([r.participated for r in residents], dtype=bool)


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
        self.facilities: list[dict] = []
        self.cover = [0.0] * N_DOMAINS
        self.mean_fit = [0.0] * N_DOMAINS


class ReferenceModel(mesa.Model):
    """The community model, one Python agent at a time (see the module docstring).

    Takes the arguments of :class:`model.community.CommunityModel`.
    """

    def __init__(self, *, scenario_name: str | None = None, community: str | None = None, rng=None,
                 config=None, **overrides) -> None:
        seed = resolve_seed(rng)
        super().__init__(rng=seed)
        self.config = cfg = resolve_config(scenario_name, community, config, overrides)
        cfg.seed = seed
        from model.mechanisms import MECHANISMS

        enabled = [name for name in MECHANISMS if getattr(cfg, name).enabled]
        unsupported = [name for name in enabled if name not in SUPPORTED]
        if unsupported:
            raise ConfigError(f"{unsupported[0]}.enabled: the reference implementation has no {unsupported[0]}; "
                              f"it implements {', '.join(sorted(SUPPORTED))}")
        self.mechanisms = {name: Practice(getattr(cfg, name)) for name in enabled}

        # The initial community, sampled as the vectorised model samples it, from the same named
        # streams (the same seed gives the same community); residents' dynamics draw from Mesa's rng.
        self.streams = streams = Streams(seed)
        self.structure = structure = build_structure(streams.get("structure"), cfg.community)
        sampled = ResidentState(streams, cfg, structure)
        graph = SocialGraph(streams, cfg.community, structure, sampled.age_group, cfg.learning.tie_floor)
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
        self.state = ResidentArrays(sampled)
        self.purse = Purse()
        self.totals = {"projects_completed": 0, "projects_abandoned": 0}
        self.complainants = np.zeros(n, dtype=bool)
        self.answered = np.zeros(n, dtype=bool)
        self.unit_hours = 0.0
        self.capture = np.zeros(N_DOMAINS)
        self.record = SimpleNamespace()
        self.honoured = 1.0  # residents' confidence that points will be redeemed (incentives)
        self.points_owed = 0.0
        self.ledger_kept = False
        self.activities: list[tuple[float, int]] = []
        self.recruit_probability = 0.0

        # The institutions, created in the vectorised model's order (the same agent ids and streams).
        self.government = Government(self, cfg.government)
        self.committee = ResidentsCommittee(self, cfg.committee)
        self.party = PartyOrganisation(self, cfg.party)
        n_orgs = cfg.social_orgs.count
        org_rng = streams.get("social_orgs")
        self.social_orgs = SocialOrganisation.create_agents(
            self, n_orgs, domain=list(org_rng.integers(0, N_DOMAINS, n_orgs)),
            capacity=list(sample_dist(org_rng, cfg.social_orgs.capacity, n_orgs)),
            quality=list(sample_dist(streams.get("social_orgs.quality"), cfg.social_orgs.quality, n_orgs)))
        if "funding" in self.mechanisms:
            for org in self.social_orgs:
                org.contract_stability = cfg.funding.contract_stability
                org.contract_value = cfg.funding.contract_value
        self.units = AreaUnit.create_agents(self, cfg.units.count, params=cfg.units)

        cost_factor, excluded, on_platform = self._channel_factors(sampled)
        s = sampled
        for i in range(n):
            traits = {
                "grid": int(structure.grid[i]), "age_group": int(s.age_group[i]), "disposition": int(s.disposition[i]),
                "matching_slope": float(s.matching_slope[i]), "unconditional_level": float(s.unconditional_level[i]),
                "trust_in_government": float(s.trust_in_government[i]),
                "trust_in_neighbours": float(s.trust_in_neighbours[i]), "satisfaction": float(s.satisfaction[i]),
                "efficacy": float(s.efficacy[i]), "belief": float(s.belief[i]), "time_budget": float(s.time_budget[i]),
                "time_cost": float(s.time_cost[i]), "needs": s.needs[i].tolist(), "fit": s.fit[i].tolist(),
                "mobilised": bool(self.party.mobilised[i]), "volunteer": bool(s.volunteer[i]),
                "participated": False, "active_leader": False, "contributed_to_project": False,
                "channel_cost_factor": float(cost_factor[i]), "excluded": bool(excluded[i]),
                "on_platform": bool(on_platform[i]),
            }
            r = Resident(self, i, self.network[i], traits)
            self.grids[r.grid].residents.append(r)
        self.residents = self.agents_by_type[Resident]
        self.resident_list = list(self.residents)
        self._grid_fit()
        # Legacy facilities: built top-down before the model starts.
        k = cfg.projects.legacy_facilities_per_grid
        for g in self.grids:
            for _ in range(k):
                d = self._draw_domain(self.government.priorities)
                g.facilities.append({"domain": d, "fit": g.mean_fit[d], "condition": 1.0})
        for g in self.grids:
            for f in g.facilities:
                f["condition"] = float(self.rng.uniform(0.4, 0.9))
        self._update_cover()
        for r in self.residents:
            cover = self.grids[r.grid].cover
            r.served = sum(cover[k] * r.fit[k] for k in range(N_DOMAINS))

        self.datacollector = mesa.DataCollector(model_reporters=REPORTERS)
        self.datacollector.collect(self)

    def _channel_factors(self, s):
        """Each resident's time-cost factor, whether no channel reaches them, and whether they use the online
        platform (model.mechanisms.channels)."""
        n = self.n_residents
        if "channels" not in self.mechanisms:
            return np.ones(n), np.zeros(n, bool), np.zeros(n, bool)
        p = self.mechanisms["channels"].params
        off = np.asarray(p.offline_cost.as_tuple())[s.age_group] if p.offline else np.full(n, np.inf)
        on = np.asarray(p.online_cost.as_tuple())[s.age_group] if p.online else np.full(n, np.inf)
        on = np.where(s.digital_access, on, np.inf)
        factor = np.minimum(off, on)
        excluded = ~np.isfinite(factor)
        return np.where(excluded, 1.0, factor), excluded, np.isfinite(on)

    # ------------------------------------------------------------- what the institutions read
    @property
    def coverage(self) -> np.ndarray:
        """How well each grid is served in each domain (grids × domains, 0–1)."""
        return np.array([g.cover for g in self.grids])

    def deactivate(self, name: str) -> None:
        """A practice stops from now on (a new leader's ``successor_drops``)."""
        self.mechanisms.pop(name, None)

    # ------------------------------------------------------------- helpers
    def _draw_domain(self, weights) -> int:
        total = sum(weights)
        cum, acc = [], 0.0
        for w in weights:
            acc += w
            cum.append(acc / total)
        u = self.rng.random()
        return min(sum(u > c for c in cum), N_DOMAINS - 1)

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
        self.purse.receive("street_office", self.government.monthly_budget())
        self.unit_hours = 0.0
        if self.config.projects.needs_drift > 0:
            self.residents.do("drift_needs")
            self.state.needs = np.array([r.needs for r in self.resident_list])
            self._grid_fit()
        mech = self.mechanisms
        if "channels" in mech and mech["channels"].params.online:
            self.purse.pay("online_platform", mech["channels"].params.platform_cost * self.n_residents)
        if "co_evaluation" in mech:
            cost = mech["co_evaluation"].params.third_party_cost * self.n_residents
            mech["co_evaluation"].evaluated = self.purse.pay("evaluation", cost) >= cost
        self.state.refresh(self.resident_list)  # what the institutions see of last month
        self.committee.step()
        self.party.step()
        self.units.do("step")
        self.government.step()
        self.social_orgs.do("step")
        self.activities = [(o.activity(), o.domain) for o in self.social_orgs if o.capacity > 0]
        self._choose_projects()
        self.residents.do("step")
        self.residents.do("observe")
        self.residents.do("publish")
        completed = self._progress()
        self._update_cover()
        self.residents.do("receive_benefits")
        L = self.config.learning
        for g in self.grids:
            g.penalty = L.dispute_penalty * g.dispute_level * g.active
        self.ledger_kept = False
        if "disclosure" in self.mechanisms:
            cost = self.mechanisms["disclosure"].params.monthly_cost * self.n_residents
            self.ledger_kept = self.purse.pay("disclosure", cost) >= cost
        self.residents.do("judge")
        self.complainants = self._mask(r for r in self.residents if r.complained)
        self.answered = self.government.answer(self.complainants) if self.complainants.any() else self.complainants
        self.residents.do("remember_answer")
        self.residents.do("evaluate")
        capacity = sum(o.capacity for o in self.social_orgs)
        self.recruit_probability = self.config.social_orgs.recruitment_rate * capacity
        self.points_owed = 0.0
        self.residents.do("reward")
        self._redeem_points()
        self._update_ties()
        self.datacollector.collect(self)

    def _redeem_points(self) -> None:
        """Points redeemed within the office's envelope; confidence follows: ``h ← h + ½ (paid / owed − h)``."""
        if "incentives" not in self.mechanisms or self.points_owed <= 0:
            return
        p = self.mechanisms["incentives"].params
        envelope = p.budget_share * self.government.monthly_budget()
        paid = self.purse.pay("incentives", min(self.points_owed, envelope))
        self.honoured += 0.5 * (paid / self.points_owed - self.honoured)

    def _choose_projects(self) -> None:
        """Grids propose; co-building sets the terms; the office approves by money; the approved projects are
        consulted on; the office weighs views by its adoption (CommunityModel._choose_projects)."""
        cfg, gov = self.config.projects, self.government
        consultation = self.mechanisms.get("consultation")
        co_building = self.mechanisms.get("co_building")
        starting = [g for g in self.grids if not g.active and self.rng.random() < cfg.start_probability]
        if not starting:
            return
        perceived = gov.perceived_needs
        plans = [{"grid": g, "weights": list(gov.priorities), "views": list(perceived[g.index]), "cost": cfg.cost,
                  "hours": cfg.resident_hours, "dispute_p": cfg.dispute_probability} for g in starting]
        if co_building is not None:  # residents' labour: more hours, less money
            for plan in plans:
                plan["hours"] += co_building.params.hours_per_project
                plan["cost"] *= 1 - co_building.params.cost_saving
        approved = gov.approve(np.array([plan["cost"] for plan in plans]))
        plans = [plan for plan, ok in zip(plans, approved) if ok]
        if not plans:
            return
        if consultation is not None:  # the approved projects are consulted on
            self._consult(plans, consultation.params)
        a = gov.adoption
        pull = float(self.capture.sum())
        interest = [c / pull for c in self.capture] if pull > 0 else None
        if pull > 0:  # units that paid have had their say
            self.capture[:] = 0.0
        for plan in plans:
            weights = [(1 - a) * w + a * v for w, v in zip(plan["weights"], plan["views"])]
            if interest is not None:
                c = min(pull, 1.0)
                weights = [(1 - c) * w + c * x for w, x in zip(weights, interest)]
            g = plan["grid"]
            domain = self._draw_domain([max(w, 0.0) + 1e-12 for w in weights])
            disputed = self.rng.random() < _clip01(plan["dispute_p"])
            g.active, g.domain, g.cost, g.funded = True, domain, plan["cost"], 0.0
            g.hours_needed, g.hours_done, g.fit = plan["hours"], 0.0, g.mean_fit[domain]
            g.dispute_level = int(disputed)
            for r in g.residents:
                r.contributed_to_project = False

    def _consult(self, plans: list[dict], p) -> None:
        """Meetings as the purse pays for them; attendees vote for their most pressing unmet need; a consulted
        project's dispute probability ``p ← p (1 − prevention · a)``, then
        ``p ← p + sham_grievance (1 − a)² (1 − p)``; each attendee's view is adopted with the office's
        adoption ``a`` and remembered (voice)."""
        held = len(plans) if p.meeting_cost <= 0 else int(
            self.purse.pay("consultation", p.meeting_cost * len(plans)) // p.meeting_cost + 1e-9)
        held = plans[:held]
        if not held:
            return
        attendees = {plan["grid"].index: [r for r in plan["grid"].residents if r.participated or r.volunteer]
                     for plan in held}
        anyone = any(attendees.values())
        for plan in held:
            g = plan["grid"]
            voters = attendees[g.index] if p.voice == "participants" else g.residents
            voters = voters if anyone or p.voice != "participants" else g.residents
            counts = [0] * N_DOMAINS
            for r in voters:
                unmet = [r.needs[k] * (1.0 - g.cover[k]) for k in range(N_DOMAINS)]
                counts[unmet.index(max(unmet))] += 1
            votes = [float(c) ** p.sharpness for c in counts]
            total = sum(votes)
            if total > 0:
                plan["views"] = [v / total for v in votes]
        everyone = [r for group in attendees.values() for r in group]
        self.government.hear(self._mask(everyone))  # the meetings are a channel of the office's picture
        a = self.government.adoption
        for plan in held:  # prevented up front, then the grievance of being heard and ignored
            dp = plan["dispute_p"] * (1 - p.dispute_prevention * a)
            plan["dispute_p"] = dp + p.sham_grievance * (1 - a) ** 2 * (1 - dp)
        for r in everyone:
            signal = 1.0 if self.rng.random() < a else -1.0
            r.voice += p.memory_rate * (signal - r.voice)

    def _progress(self) -> int:
        """Co-funding, disputes, money from the purse, hours, completion, upkeep (CommunityModel._progress).
        Returns the projects completed this month."""
        cfg, mech = self.config.projects, self.mechanisms
        upkeep_efficiency, rework_p = cfg.unorganised_upkeep_efficiency, cfg.rework_probability
        for g in self.grids:
            g.hours = sum(r.hours for r in g.residents)
        if "co_building" in mech:  # participants co-fund their grid's project (passes through the purse)
            given = 0.0
            for g in self.grids:
                if g.active and g.dispute_level == 0:
                    payers = sum(1 for r in g.residents if r.participated)
                    gift = min(mech["co_building"].params.co_funding * payers, max(g.cost - g.funded, 0.0))
                    g.funded += gift
                    given += gift
            self.purse.pass_through("residents", "projects", given)
        if "co_management" in mech:
            upkeep_efficiency = mech["co_management"].params.upkeep_efficiency
            rework_p *= 1 - mech["co_management"].params.rework_reduction
        mediation = 0.0
        if "mediation" in mech:
            p = mech["mediation"].params
            mediation = p.resolution_rate
            if p.by_social_orgs:
                orgs = list(self.social_orgs)
                mediation *= sum(o.capacity for o in orgs) / len(orgs) if orgs else 0.0
            due = p.cost * sum(1 for g in self.grids if g.active and g.dispute_level > 0)
            if due > 0:  # what the purse cannot pay is not mediated
                mediation *= self.purse.pay("mediation", due) / due
        settling = self.committee.dispute_settling()
        need = {}
        for g in self.grids:
            if g.active and g.dispute_level > 0:
                resolution = 1 - (1 - cfg.dispute_resolution) * (1 - mediation) * (1 - settling[g.index])
                if self.rng.random() < resolution:
                    g.dispute_level = 0
                elif self.rng.random() < cfg.dispute_escalation:
                    g.dispute_level += 1
                if g.dispute_level >= cfg.dispute_abandon_level:
                    g.active, g.dispute_level = False, 0
                    self.totals["projects_abandoned"] += 1
            g.working = g.active and g.dispute_level == 0
            need[g.index] = min(max(g.cost - g.funded, 0.0), cfg.monthly_funding) if g.working else 0.0
        total = sum(need.values())
        share = self.purse.pay("projects", total) / total if total > 0 else 0.0
        n_working = sum(g.working for g in self.grids)
        completed = 0
        for g in self.grids:
            if not g.working:
                continue
            g.funded += need[g.index] * share
            g.hours_done += g.hours * (1 - cfg.upkeep_share)
            if self.unit_hours > 0:  # units' staff volunteers work on the projects under way
                g.hours_done += self.unit_hours / n_working
            if g.funded >= g.cost - 1e-6 and g.hours_done >= g.hours_needed - 1e-9:
                if self.rng.random() < rework_p:
                    g.cost = g.funded + cfg.rework_cost_share * cfg.cost
                else:
                    g.facilities.append({"domain": g.domain, "fit": g.fit, "condition": 1.0})
                    g.active = False
                    completed += 1
        self.totals["projects_completed"] += completed
        self._upkeep(upkeep_efficiency)
        return completed

    def _upkeep(self, efficiency: float) -> None:
        """Facilities decay unless residents or contractors keep them up; without a settled division of
        responsibility part of the upkeep is lost (the Party organisation's upkeep factor)."""
        cfg, gov = self.config.projects, self.government
        n_facilities = sum(len(g.facilities) for g in self.grids)
        if n_facilities == 0:
            return
        factor = self.party.upkeep_factor()
        contractors = 0.0
        if gov.upkeep_budget > 0 and gov.params.upkeep_cost > 0:  # paid out of the purse
            full = gov.params.upkeep_cost * n_facilities
            contractors = factor * self.purse.pay("upkeep", min(gov.upkeep_budget, full)) / full
        for g in self.grids:
            if not g.facilities:
                continue
            need_hours = cfg.upkeep_hours * len(g.facilities)
            by_residents = factor * efficiency * g.hours * cfg.upkeep_share / need_hours if need_hours > 0 else 1.0
            coverage = _clip01(by_residents + contractors)
            for f in g.facilities:
                f["condition"] = _clip01(f["condition"] - cfg.facility_decay * (1 - coverage))

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
