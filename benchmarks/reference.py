"""The community model written the idiomatic Mesa way: a docking partner and a speed reference.

``ReferenceModel`` implements the rules of :class:`model.community.CommunityModel` — the same
monthly phases, the same equations, the mechanisms of the ``top_down`` and ``co_creation``
scenarios (consultation, co-building, co-management, co-evaluation, incentives, disclosure,
mediation, channels, mobilisation, funding; the government's two KPIs) — the way a Mesa model
is usually written:

- every resident is a Mesa agent (``FixedAgent`` on a cell of
  ``mesa.discrete_space.Network``) holding its own attributes as Python floats;
- residents act one at a time in Python: ``Resident.step()`` is the contribution decision,
  then ``observe()``, ``evaluate()`` and ``reward()`` for the later phases of the month, each
  run over the agents with ``AgentSet.do``;
- neighbours are found through the network space (``self.cell.neighborhood``) and tie
  strengths are attributes of the networkx graph's edges (``G.edges[i, j]["weight"]``);
- random numbers are drawn one at a time from the model's one generator (Mesa's ``rng``),
  resident by resident, not from the vectorised model's named streams (:mod:`model.streams`)
  (so runs are not bit-identical to the vectorised model's, only equal in distribution: the
  docking test, ``tests/test_docking.py``, checks that);
- the model-level outcomes are ``DataCollector`` reporters that loop over the agents.

The initial community (who lives where, their traits, the initial ties) is built by the
same functions from the same named streams as the vectorised model's (:mod:`model.population`,
:mod:`model.network`, :mod:`model.streams`; the same seed gives the same community): the
reference re-implements the dynamics, not the sampling of a population.

Its cost per resident-month is the yardstick of ``python -m experiments.benchmark``.
Mechanisms it does not implement (sanctions, reputation, shocks) raise a ConfigError.
"""

from __future__ import annotations

import math

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent, Network

from model.community import resolve_config
from model.params import DOMAINS, ConfigError
from model.population import FREE_RIDER, ResidentState, build_structure, sample_dist
from model.streams import Streams, resolve_seed

SUPPORTED = {"consultation", "co_building", "co_management", "co_evaluation", "incentives", "disclosure",
             "mediation", "channels", "mobilisation", "funding"}
"""Mechanisms the reference implements (those of ``top_down`` and ``co_creation``)."""

CONDITIONAL, HUMP_SHAPED, UNCONDITIONAL = 0, 3, 2
N_DOMAINS = len(DOMAINS)


def _add_opportunity(o: float, extra: float) -> float:
    return 1.0 - (1.0 - o) * (1.0 - min(max(extra, 0.0), 1.0))


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

    # ------------------------------------------------------------- neighbours
    def ties(self):
        """(neighbour, tie strength) for every tie, through the network space and the graph's edges."""
        edges = self.model.G[self.index]
        for cell in self.cell.neighborhood:
            for other in cell.agents:
                yield other, edges[other.index]["weight"]

    def neighbour_mean(self, attribute: str, default: float) -> float:
        """Tie-strength-weighted mean of an attribute over the neighbours (``default`` if no ties)."""
        total = weighted = 0.0
        for other, w in self.ties():
            weighted += w * float(getattr(other, attribute))
            total += w
        return weighted / total if total > 0 else default

    # ------------------------------------------------------------- the month
    def step(self) -> None:
        """Decide this month's contribution share (model.community.CommunityModel._decide)."""
        m = self.model
        d, mech = m.config.decision, m.mechanisms
        grid = m.grids[self.grid]
        project_on = grid.active
        stake = self.fit[grid.domain] if project_on else d.idle_stake
        opportunity, net_cost, logit = d.base_opportunity, self.time_cost, 0.0
        floor = m.config.social_orgs.volunteer_commitment if self.volunteer else 0.0
        access = 1.0
        if "channels" in mech:
            net_cost *= self.channel_cost_factor
            if self.excluded:
                access *= mech["channels"].excluded_access
        if "consultation" in mech and mech["consultation"].mode != "none":
            opportunity = _add_opportunity(opportunity, mech["consultation"].opportunity)
        if "mobilisation" in mech:
            p = mech["mobilisation"]
            if self.party_member:
                floor = max(p.leader_floor, 0.0)
            logit += p.example_weight * self.neighbour_mean("active_leader", 0.0)
        if "co_building" in mech:
            opportunity = _add_opportunity(opportunity, mech["co_building"].opportunity * project_on)
        if "co_management" in mech:
            opportunity = _add_opportunity(opportunity, mech["co_management"].opportunity)
        if "co_evaluation" in mech:
            opportunity = _add_opportunity(opportunity, mech["co_evaluation"].opportunity)
        if "incentives" in mech:
            p = mech["incentives"]
            net_cost -= p.cost_offset * self.trust_in_government
            logit += p.honour_boost * self.participated
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
        """Beliefs move towards neighbours' contributions; this month's participation becomes visible."""
        rate = self.model.config.decision.belief_learning_rate
        self.belief += rate * (self.neighbour_mean("contribution", self.belief) - self.belief)

    def publish(self) -> None:
        self.participated = self.took_part
        self.active_leader = self.party_member and self.took_part
        if "incentives" in self.model.mechanisms:
            offset = self.model.mechanisms["incentives"].cost_offset
            self.reward_value = offset * self.trust_in_government * self.contribution

    def receive_benefits(self) -> None:
        m = self.model
        cover = m.grids[self.grid].cover
        served = sum(cover[k] * self.fit[k] for k in range(N_DOMAINS))
        self.served = served
        self.benefit = m.config.projects.facility_value * served
        self.payoff = self.benefit - self.time_cost * self.contribution + self.reward_value

    def evaluate(self) -> None:
        """Satisfaction, trust in government and neighbours, and efficacy (CommunityModel._evaluate)."""
        m, L, mech = self.model, self.model.config.learning, self.model.mechanisms
        fb_trust = fb_nbr = fb_sat = fb_eff = 0.0
        if "consultation" in mech:
            p = mech["consultation"]
            perceived = 0.5 * self.voice + 0.5 * self.neighbour_mean("voice", self.voice)
            fb_trust += p.trust_weight * perceived
            fb_eff += p.efficacy_weight * perceived
            fb_sat += p.satisfaction_weight * perceived
        if "co_evaluation" in mech:
            p = mech["co_evaluation"]
            if self.participated:
                reply = 1.0 if m.rng.random() < m.government.responsiveness else 0.0
                self.answered += p.memory_rate * (reply - self.answered)
            fb_trust += p.trust_weight * (self.answered - 0.5)
            fb_sat += p.satisfaction_weight * (self.answered - 0.5)
        if "disclosure" in mech:
            fb_trust += mech["disclosure"].trust_weight * mech["disclosure"].level
        grid = m.grids[self.grid]
        dispute = L.dispute_penalty * grid.dispute_level * grid.active
        benefit = min(1.0, self.benefit / L.benefit_reference)
        sat_target = L.satisfaction_baseline + L.satisfaction_benefit_weight * benefit + fb_sat - dispute
        self.satisfaction += L.satisfaction_rate * (_clip01(sat_target) - self.satisfaction)
        trust_target = L.trust_baseline + L.trust_satisfaction_weight * (self.satisfaction - 0.5) + fb_trust
        self.trust_in_government += L.trust_in_government_rate * (_clip01(trust_target) - self.trust_in_government)
        nbr_target = (L.neighbour_trust_baseline + L.neighbour_trust_weight * self.neighbour_mean("participated", 0.0)
                      + fb_nbr - dispute)
        self.trust_in_neighbours += L.trust_in_neighbours_rate * (_clip01(nbr_target) - self.trust_in_neighbours)
        progressed = self.participated and grid.working
        eff_target = L.efficacy_baseline + L.efficacy_progress_weight * progressed + fb_eff
        self.efficacy += L.efficacy_rate * (_clip01(eff_target) - self.efficacy)

    def reward(self) -> None:
        """Points; volunteers drop out or are recruited (CommunityModel._reward_and_update_ties)."""
        m, so = self.model, self.model.config.social_orgs
        dropout = so.volunteer_dropout
        if "incentives" in m.mechanisms:
            p = m.mechanisms["incentives"]
            earned = p.points_per_hour * self.hours
            self.points += earned
            m.spend("incentives", p.coin_value * earned)
            if self.volunteer:
                dropout *= p.dropout_multiplier
        if self.volunteer and m.rng.random() < dropout:
            self.volunteer = False
        willing = self.contribution >= so.volunteer_threshold
        if not self.volunteer and willing and m.rng.random() < m.recruit_probability:
            self.volunteer = True  # (one who just left may be recruited again, as in the vectorised model)


class Organisation(mesa.Agent):
    """A social organisation: capacity grows while its purchased-service contract runs."""

    def __init__(self, model, capacity: float, stability: float, value: float) -> None:
        super().__init__(model)
        self.capacity, self.contract_stability, self.contract_value = capacity, stability, value
        self.contracted = True

    def step(self) -> None:
        m, p = self.model, self.model.config.social_orgs
        if m.steps % 12 == 0:
            self.contracted = bool(m.rng.random() < self.contract_stability)
        if self.contracted:
            self.capacity += p.capacity_growth * (1 - self.capacity)
            m.spend("purchased_services", self.contract_value * m.n_residents / len(m.organisations))
        else:
            self.capacity -= p.capacity_loss * self.capacity


class Government(mesa.Agent):
    """Funds projects; under a satisfaction KPI its priorities drift towards residents' needs."""

    def __init__(self, model, params) -> None:
        super().__init__(model)
        self.params = params
        pr = list(params.priorities.as_tuple())
        self.priorities = [x / sum(pr) for x in pr]
        self.responsiveness = params.responsiveness

    def step(self) -> None:
        if self.params.kpi != "satisfaction":
            return
        revealed = [0.0] * N_DOMAINS
        for r in self.model.residents:
            for k in range(N_DOMAINS):
                revealed[k] += (1.0 - r.satisfaction) * r.needs[k]
        total = sum(revealed)
        rate = self.params.kpi_learning_rate
        self.priorities = [p + rate * (v / total - p) for p, v in zip(self.priorities, revealed)]


class Grid:
    """A micro-grid: its residents, its current project and its facilities."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.residents: list[Resident] = []
        self.active = False
        self.domain = 0
        self.cost = self.funded = self.hours_needed = self.hours_done = self.fit = 0.0
        self.dispute_level = 0
        self.working = False
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
        self.mechanisms = {name: getattr(cfg, name) for name in enabled}

        # The initial community, sampled as the vectorised model samples it, from the same named
        # streams (the same seed gives the same community); the dynamics draw from Mesa's rng.
        streams = Streams(seed)
        structure = build_structure(streams.get("structure"), cfg.community)
        state = ResidentState(streams, cfg, structure)
        from model.network import SocialGraph

        graph = SocialGraph(streams, cfg.community, structure, state.age_group, cfg.learning.tie_floor)
        self.n_residents = n = structure.n
        self.G = graph.to_networkx()
        for u, v, data in self.G.edges(data=True):
            household = data["kind"] == "household"
            data["floor"] = data["weight"] if household else min(cfg.learning.tie_floor, data["weight"])
        self.network = Network(self.G, layout=None, random=self.random)

        self.grids = [Grid(g) for g in range(structure.n_grids)]
        self.government = Government(self, cfg.government)
        so = cfg.social_orgs
        stability, value = so.contract_stability, so.contract_value
        if "funding" in self.mechanisms:
            stability, value = self.mechanisms["funding"].contract_stability, self.mechanisms["funding"].contract_value
        n_orgs = so.count
        org_rng = streams.get("social_orgs")
        org_rng.integers(0, N_DOMAINS, n_orgs)  # organisations' domains (unused by the rules)
        capacities = sample_dist(org_rng, so.capacity, n_orgs)
        self.organisations = [Organisation(self, float(c), stability, value) for c in capacities]

        cost_factor, excluded = self._channel_factors(state)
        s = state
        for i in range(n):
            traits = {
                "grid": int(structure.grid[i]), "age_group": int(s.age_group[i]), "disposition": int(s.disposition[i]),
                "matching_slope": float(s.matching_slope[i]), "unconditional_level": float(s.unconditional_level[i]),
                "trust_in_government": float(s.trust_in_government[i]),
                "trust_in_neighbours": float(s.trust_in_neighbours[i]), "satisfaction": float(s.satisfaction[i]),
                "efficacy": float(s.efficacy[i]), "belief": float(s.belief[i]), "time_budget": float(s.time_budget[i]),
                "time_cost": float(s.time_cost[i]), "needs": s.needs[i].tolist(), "fit": s.fit[i].tolist(),
                "party_member": bool(s.party_member[i]), "volunteer": bool(s.volunteer[i]),
                "participated": False, "active_leader": False, "contributed_to_project": False,
                "channel_cost_factor": float(cost_factor[i]), "excluded": bool(excluded[i]),
            }
            r = Resident(self, i, self.network[i], traits)
            self.grids[r.grid].residents.append(r)
        self.residents = self.agents_by_type[Resident]
        for g in self.grids:
            g.mean_fit = [sum(r.fit[k] for r in g.residents) / len(g.residents) for k in range(N_DOMAINS)]
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

        self.fund = 0.0
        self.spending: dict[str, float] = {}
        self.totals = {"projects_completed": 0, "government_spending": 0.0}
        self.recruit_probability = 0.0
        self.datacollector = mesa.DataCollector(model_reporters=REPORTERS)
        self.datacollector.collect(self)

    def _channel_factors(self, s):
        n = self.n_residents
        if "channels" not in self.mechanisms:
            return np.ones(n), np.zeros(n, bool)
        p = self.mechanisms["channels"]
        off = np.asarray(p.offline_cost.as_tuple())[s.age_group] if p.offline else np.full(n, np.inf)
        on = np.asarray(p.online_cost.as_tuple())[s.age_group] if p.online else np.full(n, np.inf)
        factor = np.minimum(off, np.where(s.digital_access, on, np.inf))
        excluded = ~np.isfinite(factor)
        return np.where(excluded, 1.0, factor), excluded

    # ------------------------------------------------------------- helpers
    def spend(self, item: str, yuan: float) -> None:
        self.spending[item] = self.spending.get(item, 0.0) + float(yuan)

    def _draw_domain(self, weights) -> int:
        total = sum(weights)
        cum, acc = [], 0.0
        for w in weights:
            acc += w
            cum.append(acc / total)
        u = self.rng.random()
        return min(sum(u > c for c in cum), N_DOMAINS - 1)

    def _update_cover(self) -> None:
        served = self.config.projects.residents_served
        for g in self.grids:
            condition = [0.0] * N_DOMAINS
            for f in g.facilities:
                condition[f["domain"]] += f["condition"]
            g.cover = [1.0 - math.exp(-condition[k] * served / max(len(g.residents), 1)) for k in range(N_DOMAINS)]

    # ------------------------------------------------------------- the month
    def step(self) -> None:
        self.spending = {}
        self.fund += self.government.params.budget_per_resident * self.n_residents
        channels = self.mechanisms.get("channels")
        if channels is not None and channels.online:
            self.spend("online_platform", channels.platform_cost)
        for org in self.organisations:
            org.step()
        self._choose_projects()
        self.residents.do("step")
        self.residents.do("observe")
        self.residents.do("publish")
        self._progress()
        self._update_cover()
        self.residents.do("receive_benefits")
        self.residents.do("evaluate")
        for item, key in (("co_evaluation", "third_party_cost"), ("disclosure", "monthly_cost")):
            if item in self.mechanisms:
                self.spend("evaluation" if item == "co_evaluation" else item, getattr(self.mechanisms[item], key))
        capacity = sum(o.capacity for o in self.organisations)
        self.recruit_probability = self.config.social_orgs.recruitment_rate * capacity
        self.residents.do("reward")
        self._update_ties()
        self.government.step()
        self.totals["government_spending"] += sum(self.spending.values())
        self.datacollector.collect(self)

    def _choose_projects(self) -> None:
        cfg = self.config.projects
        consultation = self.mechanisms.get("consultation")
        co_building = self.mechanisms.get("co_building")
        starting = [g for g in self.grids if not g.active and self.rng.random() < cfg.start_probability]
        for g in starting:
            weights = list(self.government.priorities)
            cost, hours, dispute_p = cfg.cost, cfg.resident_hours, cfg.dispute_probability
            if consultation is not None and consultation.mode != "none":
                p = consultation
                self.spend("consultation", p.meeting_cost)
                attendees = [r for r in g.residents if r.participated or r.volunteer]
                if p.mode == "real":
                    voters = attendees if p.voice == "participants" else g.residents
                    voters = voters or g.residents
                    counts = [0] * N_DOMAINS
                    for r in voters:
                        unmet = [r.needs[k] * (1.0 - g.cover[k]) for k in range(N_DOMAINS)]
                        counts[unmet.index(max(unmet))] += 1
                    votes = [float(c) ** p.sharpness for c in counts]
                    total = sum(votes)
                    if total > 0:
                        votes = [v / total for v in votes]
                    else:
                        votes = weights
                    weights = [(1 - p.adoption_rate) * w + p.adoption_rate * v for w, v in zip(weights, votes)]
                    dispute_p *= 1 - p.dispute_prevention
                    for r in attendees:
                        signal = 1.0 if self.rng.random() < p.adoption_rate else -1.0
                        r.voice += p.memory_rate * (signal - r.voice)
                else:  # sham
                    for r in attendees:
                        r.voice += p.memory_rate * (-1.0 - r.voice)
            if co_building is not None:
                hours += co_building.hours_per_project
                cost *= 1 - co_building.cost_saving
            domain = self._draw_domain([max(w, 0.0) + 1e-12 for w in weights])
            disputed = self.rng.random() < _clip01(dispute_p)
            g.active, g.domain, g.cost, g.funded = True, domain, cost, 0.0
            g.hours_needed, g.hours_done, g.fit = hours, 0.0, g.mean_fit[domain]
            g.dispute_level = int(disputed)
            for r in g.residents:
                r.contributed_to_project = False

    def _progress(self) -> None:
        cfg, mech = self.config.projects, self.mechanisms
        upkeep_efficiency, rework_p = cfg.unorganised_upkeep_efficiency, cfg.rework_probability
        if "co_management" in mech:
            upkeep_efficiency = mech["co_management"].upkeep_efficiency
            rework_p *= 1 - mech["co_management"].rework_reduction
        resolution = cfg.dispute_resolution
        if "mediation" in mech:
            p = mech["mediation"]
            rate = p.resolution_rate
            if p.by_social_orgs:
                orgs = self.organisations
                rate *= sum(o.capacity for o in orgs) / len(orgs) if orgs else 0.0
            resolution = 1 - (1 - resolution) * (1 - rate)
        need = {}
        for g in self.grids:
            g.hours = sum(r.hours for r in g.residents)
            if "co_building" in mech and g.active:
                payers = sum(1 for r in g.residents if r.participated)
                if g.dispute_level == 0:
                    g.funded += min(mech["co_building"].co_funding * payers, max(g.cost - g.funded, 0.0))
            if "mediation" in mech and g.active and g.dispute_level > 0:
                self.spend("mediation", mech["mediation"].cost)
            if g.active and g.dispute_level > 0:
                if self.rng.random() < resolution:
                    g.dispute_level = 0
                elif self.rng.random() < cfg.dispute_escalation:
                    g.dispute_level += 1
                if g.dispute_level >= cfg.dispute_abandon_level:
                    g.active, g.dispute_level = False, 0
            g.working = g.active and g.dispute_level == 0
            need[g.index] = min(max(g.cost - g.funded, 0.0), cfg.monthly_funding) if g.working else 0.0
        total = sum(need.values())
        share = min(1.0, self.fund / total) if total > 0 else 1.0
        for g in self.grids:
            release = need[g.index] * share
            g.funded += release
            self.fund -= release
            self.spend("projects", release)
            if g.working:
                g.hours_done += g.hours * (1 - cfg.upkeep_share)
                if g.funded >= g.cost - 1e-6 and g.hours_done >= g.hours_needed - 1e-9:
                    if self.rng.random() < rework_p:
                        g.cost = g.funded + cfg.rework_cost_share * cfg.cost
                    else:
                        g.facilities.append({"domain": g.domain, "fit": g.fit, "condition": 1.0})
                        g.active = False
                        self.totals["projects_completed"] += 1
            if g.facilities:  # facilities decay unless residents keep them up
                need_hours = cfg.upkeep_hours * len(g.facilities)
                coverage = _clip01(upkeep_efficiency * g.hours * cfg.upkeep_share / need_hours)
                for f in g.facilities:
                    f["condition"] = _clip01(f["condition"] - cfg.facility_decay * (1 - coverage))

    def _update_ties(self) -> None:
        """Ties grow when both residents took part this month and decay towards their floor otherwise."""
        L = self.config.learning
        people = self.network
        for u, v, tie in self.G.edges(data=True):
            a, b = people[u].agents[0], people[v].agents[0]
            w = tie["weight"]
            if a.participated and b.participated:
                tie["weight"] = w + L.tie_growth * (1.0 - w)
            else:
                tie["weight"] = w - L.tie_decay * (w - tie["floor"])


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
    "government_spending_total": lambda m: m.totals["government_spending"],
    "volunteer_share": lambda m: _mean(m, "volunteer"),
}
"""Model-level outcomes, the same definitions as :mod:`model.metrics` (a subset of them)."""
