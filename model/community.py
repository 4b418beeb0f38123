"""``CommunityModel``: a community of residents, social organisations and government.

One step is one month of the five-step participation cycle (domain brief):

1. **needs arise** – the community fund receives the month's budget; mechanisms' shocks;
   social organisations renew contracts and grow or lose capacity;
2. **projects are chosen** – grids with no project may start one; its domain is drawn from
   the government's priorities, which mechanisms (consultation) mix with residents' needs;
3. **residents decide** – every resident chooses a contribution share (:mod:`model.decisions`)
   from disposition, beliefs about neighbours, trust, efficacy, stake, cost and incentives
   (:meth:`CommunityModel._decide` gives the equations);
4. **projects progress** – money and residents' hours flow into projects; disputes escalate
   or settle; finished projects pass inspection (or need rework) and become facilities;
   facilities decay without upkeep;
5. **benefits** – facilities serve everyone in their grid by need fit, contributors or not;
6. **evaluation** – satisfaction, trust in government, trust in neighbours and efficacy move
   towards targets set by benefits, disputes and mechanisms' feedback;
7. **rewards and ties** – mechanisms reward; volunteers drop out or are recruited; ties grow
   between residents who took part together and decay otherwise;
8. **life course** (``life_course.enabled``) – households move out and new ones move into their
   flats, residents age, volunteers retire or hand over (:mod:`model.life_course`).

The model core knows nothing of files, plots or Hydra: given a name, it asks the scenario
catalogue (:mod:`scenarios`) for the composed config; given a config, it uses it as is.
"""

from __future__ import annotations

import functools
import gc
from typing import Any

import mesa
import numpy as np

from agents.committee import ResidentsCommittee
from agents.government import Government
from agents.owners import OwnersCommittee
from agents.party import PartyOrganisation
from agents.property import PropertyCompany
from agents.resident import Resident
from agents.residents_body import ResidentsBody
from agents.social_org import SocialOrganisation
from agents.unit import AreaUnit
from model import config as config_mod
from model import decisions, metrics, streams, variation
from model.estate import Estate
from model.arrays import select
from model.life_course import LifeCourse
from model.mechanisms import MECHANISMS
from model.mechanisms.base import DecisionTerms, Feedback, ProjectChoice, StepRecord
from model.network import SocialGraph
from model.params import AGE_GROUPS, DISPOSITIONS, DOMAINS, ConfigError
from model.population import FREE_RIDER, ResidentState, build_structure, sample_dist
from model.programmes import Programmes
from model.projects import FacilityStock, ProjectBoard
from model.purse import Purse

HISTORY = 12
"""Months of participation and volunteer history kept (retention, 'rarely take part')."""


def _metric(model: "CommunityModel", name: str) -> float:
    return model.latest[name]


class CommunityModel(mesa.Model):
    """A community governance model (Mesa model; one step = one month).

    Args:
        scenario_name: a scenario under ``scenarios/scenario/``; None: the default of
            ``scenarios/config.yaml``.
        community: a community under ``scenarios/community/``; None: the default.
        rng: the run's seed (an integer ``0 … 2**63 − 1``), a ``numpy.random.Generator`` to draw
            the seed from, or None for a fresh seed; ``config.seed`` records the seed used. Every
            process draws from its own stream derived from it (:mod:`model.streams`).
        config: a ready ``ModelConfig`` or nested dict; when given, the names are not looked up.
        scenario: Mesa's own experimental ``Scenario`` object (passed through to
            ``mesa.Model``, as SolaraViz does on reset); not a cogov scenario name.
        allow_large: run a community larger than :func:`model.config.check_size` allows, on purpose.
        **overrides: dotted config keys and values, e.g.
            ``CommunityModel(**{"consultation.adoption_rate": 0.5})``. ``seed=`` without
            ``rng`` seeds the run, as in Mesa.

    Raises:
        ConfigError: an unknown scenario, community or key, or a value out of range.
    """

    AGE_GROUPS = AGE_GROUPS
    DOMAINS = DOMAINS
    DISPOSITIONS = DISPOSITIONS

    def __init__(self, *, scenario_name: str | None = None, community: str | None = None,
                 rng: Any = None, config: Any = None, scenario: Any = None, allow_large: bool = False,
                 **overrides: Any) -> None:
        if rng is None and "seed" in overrides:  # Mesa's deprecated seed= keyword: honour it as the rng
            rng = overrides["seed"]
        if scenario is not None and scenario.rng is not None:  # Mesa's Scenario may carry the seed
            if rng is None:
                rng = scenario.rng
            elif rng is not scenario.rng and not _equal_seeds(rng, scenario.rng):
                raise ConfigError(f"rng = {rng!r} differs from scenario.rng = {scenario.rng!r}; give one of them")
        if isinstance(rng, (int, np.integer)):  # a seed out of range is one line, before Mesa sees it
            rng = config_mod.check_key("seed", rng)
        seed = streams.resolve_seed(rng)
        if scenario is not None and scenario.rng != seed:
            scenario.rng = seed  # SolaraViz's Reset passes rng with a fresh Scenario(rng=None): Mesa wants them equal
        super().__init__(rng=seed, scenario=scenario)
        self.streams = streams.Streams(seed)
        """The run's named random streams (:mod:`model.streams`): every process draws from its own."""
        self.rng = self.streams.get("mesa")
        self._rng = self.rng.bit_generator.state
        self._seed = self.streams.integer("mesa.random")
        self.random.seed(self._seed)  # in place: Mesa's agent sets hold this object
        cfg = resolve_config(scenario_name, community, config, overrides)
        config_mod.check_size(cfg, allow_large=allow_large)  # refuse a run too large before building it
        cfg.seed = seed  # the config records the seed the run actually used
        cfg, self.drawn = variation.draw(cfg, self.streams)
        """The community's uncertain quantities drawn for this run (:mod:`model.variation`): config key → value."""
        self.config = cfg
        self.scenario_name = cfg.info.scenario
        self.community_name = cfg.info.community

        structure = build_structure(self.streams.get("structure"), cfg.community)
        if structure.n < 2:
            raise ConfigError("community has fewer than 2 residents; raise community.buildings or households_per_building")
        self.structure = structure
        self.state = ResidentState(self.streams, cfg, structure)
        self.n_residents = structure.n
        self.n_grids = structure.n_grids
        f = cfg.community.renter_tie_factor  # renters' weaker ties at the start
        self.graph = SocialGraph(self.streams, cfg.community, structure, self.state.age_group, cfg.learning.tie_floor,
                                 tie_factor=None if f == 1 else np.where(self.state.owner, 1.0, f))
        self._grid_size = np.bincount(structure.grid, minlength=self.n_grids).astype(float)
        self._grid_start = np.concatenate(([0], np.cumsum(self._grid_size[:-1]))).astype(np.intp)
        self.grid_fit = self._mean_by_grid(self.state.fit)
        self.projects = ProjectBoard(self.n_grids)
        self.facilities = FacilityStock()
        self.purse = Purse()
        """The one purse every yuan comes into and goes out of (:mod:`model.purse`)."""
        self.totals = {"projects_completed": 0, "projects_abandoned": 0, "projects_started": 0, "projects_surveyed": 0,
                       "projects_disputed": 0,
                       "government_spending": 0.0}
        self.complainants = np.zeros(structure.n, dtype=bool)
        """Residents who complained this month (the street office hears them next month)."""
        self.heard = np.full(structure.n, 0.5)
        """Each resident's memory of complaints answered (0–1; 0.5: no experience)."""
        self.unit_hours = 0.0
        self.wasted = 0.0
        """Yuan wasted this month: the funds of projects abandoned, rework of projects that failed inspection."""
        self.residents_upkeep = 0.0
        """Share of the facilities' upkeep residents' own hours covered last month (facility-weighted, 0–1)."""
        self.capture = np.zeros(len(DOMAINS))
        self.org_occasions: np.ndarray | None = None
        """Occasions social organisations' activities brought each resident this month (None: no organisation)."""
        self.active_contacts: np.ndarray | None = None
        """Strength-weighted number of each resident's neighbours (outside the household) who took part last month
        (``A_i``; None before the first month)."""

        if self.graph.compiled:  # numba is loaded: the street office's reports kernel too (model.kernels)
            from model import kernels

            kernels.warm_up()
        self.programmes = Programmes(self)
        """Who runs which programme and how much of it reaches each grid (:mod:`model.programmes`)."""
        self.government = Government(self, cfg.government)
        self.committee = ResidentsCommittee(self, cfg.committee)
        self.party = PartyOrganisation(self, cfg.party)
        n_orgs = cfg.social_orgs.count
        org_rng = self.streams.get("social_orgs")
        self.social_orgs = SocialOrganisation.create_agents(
            self, n_orgs, domain=list(org_rng.integers(0, len(DOMAINS), n_orgs)),
            capacity=list(sample_dist(org_rng, cfg.social_orgs.capacity, n_orgs)),
            quality=list(sample_dist(self.streams.get("social_orgs.quality"), cfg.social_orgs.quality, n_orgs)))
        self.units = AreaUnit.create_agents(self, cfg.units.count, params=cfg.units)
        self.bodies = ResidentsBody.create_agents(self, self.n_grids, grid=list(range(self.n_grids)))
        """One residents' body per grid (自管会), dormant until residents form it (:mod:`agents.residents_body`)."""
        self.owners_committee = OwnersCommittee(self, cfg.owners_committee)
        n_companies = cfg.property.companies
        blocks = np.array_split(np.arange(structure.n_buildings), n_companies) if n_companies else []
        self.property_companies = PropertyCompany.create_agents(self, n_companies, params=cfg.property,
                                                                buildings=blocks)
        for k, company in enumerate(self.property_companies):
            company.index = k
        self.estate = Estate(self) if Estate.needed(self) else None
        """Fee payments and lift projects (:mod:`model.estate`); None where there is no property company and
        every stairwell has a lift."""
        self.residents = _create_residents(self, self.n_residents)
        self.resident_list: list[Resident] = self.residents.to_list()
        """Residents by index (``resident_list[i]`` is row ``i`` of ``state``)."""
        self._build_legacy_facilities()

        self.mechanism_units = {name: cls(self, getattr(cfg, name)) for name, cls in MECHANISMS.items()}
        """Every mechanism, acting or not (programmes keep their state while nobody runs them)."""
        for unit in self.mechanism_units.values():
            unit.setup(self)
        for prog in self.programmes:  # the rules are in force from the start: the office runs what they require
            if self.government.binds(prog.name):
                self.programmes.set_office(prog.name, True)
        self.programmes.set_party("mobilisation", bool(cfg.party.mobilisation))
        self.mechanisms: dict = {}
        """The mechanisms acting this month: the programmes someone runs and the behaviours that are on."""
        self.refresh_mechanisms()

        self._participation_history = np.zeros((HISTORY, self.n_residents), dtype=bool)
        self.participation_counts = np.zeros(self.n_residents, dtype=np.int16)
        """Months of the last ``HISTORY`` (12) in which each resident took part."""
        self._grid_counts: np.ndarray | None = None
        self._core_counts: tuple | None = None
        """Per-grid counts of participants and core activists, kept until participation_changed()."""
        self._fit_offsets = np.arange(self.n_residents) * len(DOMAINS)
        self._service_fit: tuple[np.ndarray, np.ndarray] | None = None
        self._volunteer_counts: list[int] = [int(self.state.volunteer.sum())]
        self.record: StepRecord | None = None
        self._chosen: tuple[np.ndarray, np.ndarray] | None = None
        self.chosen_sanctions: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        """Next month's sanctions chosen from outside (:meth:`choose_sanctions`): (sanctioners, sanctioner of
        each pair, target of each pair); read by the sanctions mechanism, cleared after the month."""
        self.life_course = LifeCourse(self) if cfg.life_course.enabled else None
        """Moving out and in, ageing and volunteers' succession (:mod:`model.life_course`), or None when off."""
        self.coverage = coverage(self)
        self.latest: dict[str, float] = metrics.compute(self, None)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: functools.partial(_metric, name=name) for name in self.latest})
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ helpers
    @property
    def institutions(self) -> list[mesa.Agent]:
        """The institutions in the order they act each month (each a Mesa agent of its own type)."""
        estate = [self.owners_committee, *self.property_companies] if self.estate is not None else []
        return [self.committee, self.party, *self.units, self.government, *self.social_orgs, *self.bodies, *estate]

    @property
    def active_mechanisms(self):
        """Enabled mechanisms in the order they run."""
        return list(self.mechanisms.values())

    def set_rule(self, name: str, **changes) -> None:
        """Change the rules of mechanism ``name`` in a running model (a trainer's lever in the classroom): its config
        section is replaced with ``changes`` applied (validated). A programme the rules now require the street office
        runs from now on; one the rules now forbid stops for everyone; a behaviour follows ``enabled``.

        Raises:
            ConfigError: a key the section does not have, or a value out of range (one line).
        """
        section = getattr(self.config, name)
        data = {**config_mod.to_dict(section), **changes}
        params = config_mod.build_section(type(section), data)
        setattr(self.config, name, params)
        unit = self.mechanism_units[name]
        unit.params = params
        if unit.programme:
            prog = self.programmes[name]
            if not params.allowed:
                self.programmes.set_office(name, False)
                self.programmes.set_party(name, False)
                for g in np.flatnonzero(prog.bodies):
                    self.programmes.set_body(name, int(g), False)
            elif self.government.binds(name):
                self.programmes.set_office(name, True)
            self.programmes.update_delivery()
        self.refresh_mechanisms()

    def refresh_mechanisms(self) -> None:
        """The acting mechanisms (:attr:`mechanisms`), in registry order: programmes that run, behaviours that are on."""
        self.mechanisms = {name: unit for name, unit in self.mechanism_units.items()
                           if (self.programmes[name].running if unit.programme else unit.params.enabled)}

    def body_capacity(self) -> np.ndarray:
        """Per grid: the capacity of its residents' body (0–1; 0 where none has formed)."""
        return np.array([b.capacity if b.active else 0.0 for b in self.bodies])

    def _mean_by_grid(self, values: np.ndarray) -> np.ndarray:
        """Mean of per-resident values (n × k) by grid → (grids × k)."""
        grid = self.structure.grid
        cols = [np.bincount(grid, weights=values[:, k], minlength=self.n_grids) for k in range(values.shape[1])]
        return np.stack(cols, axis=1) / np.maximum(self._grid_size, 1)[:, None]

    def _build_legacy_facilities(self) -> None:
        k = self.config.projects.legacy_facilities_per_grid
        if k == 0 or self.n_grids == 0:
            return
        rng = self.streams.get("facilities.legacy")
        grids = np.repeat(np.arange(self.n_grids), k)
        domains = _draw_domains(np.tile(self.government.priorities, (len(grids), 1)), rng.random(len(grids)))
        self.facilities.add(grids, domains, self.grid_fit[grids, domains], 0)
        self.facilities.condition[: self.facilities.n] = rng.uniform(0.4, 0.9, len(grids))

    def count_by_grid(self, flags: np.ndarray) -> np.ndarray:
        """Number of residents of each grid whose flag is set (int array of length ``n_grids``)."""
        return np.add.reduceat(flags.view(np.uint8), self._grid_start, dtype=np.int64)

    def participants_by_grid(self) -> np.ndarray:
        """Residents of each grid who took part last month (counted once a month for every reader)."""
        if self._grid_counts is None:
            self._grid_counts = self.count_by_grid(self.state.participated)
        return self._grid_counts

    def core_activists_by_grid(self, core_months: int) -> np.ndarray:
        """Residents of each grid who took part in at least ``core_months`` of the last 12 (once a month)."""
        if self._core_counts is None or self._core_counts[0] != core_months:
            self._core_counts = (core_months, self.count_by_grid(self.participation_counts >= core_months))
        return self._core_counts[1]

    def participation_changed(self) -> None:
        """Forget the per-grid counts: who took part, or the months each took part, changed."""
        self._grid_counts = self._core_counts = None

    def service_fit(self) -> np.ndarray:
        """How well the services of each resident's grid meet the resident's needs:
        ``Σ_d cover[g_i, d] · fit_i[d]`` (0 to the number of domains) for the current ``coverage``."""
        if self._service_fit is None or self._service_fit[0] is not self.coverage:
            served = np.einsum("ij,ij->i", self.coverage.take(self.structure.grid, axis=0), self.state.fit)
            self._service_fit = (self.coverage, served)
        return self._service_fit[1]

    def choose_contributions(self, residents, shares) -> None:
        """Set next month's contribution shares (0–1) of some residents from outside the model
        (players of the classroom mode): they replace the decision rule's ``c_i`` for those
        residents in the next :meth:`step` only; every random draw is made as usual, so the other
        residents' streams are unchanged.

        Raises:
            ConfigError: an index out of range or a share outside 0–1.
        """
        idx = np.asarray(residents, dtype=np.intp).ravel()
        val = np.asarray(shares, dtype=float).ravel()
        if idx.shape != val.shape:
            raise ConfigError(f"choose_contributions: {len(idx)} residents but {len(val)} shares")
        if idx.size and (idx.min() < 0 or idx.max() >= self.n_residents):
            raise ConfigError(f"choose_contributions: resident index out of range; allowed: 0 to {self.n_residents - 1}")
        if not np.all(np.isfinite(val)) or (val.size and (val.min() < 0 or val.max() > 1)):
            raise ConfigError("choose_contributions: a share is outside 0–1; allowed: numbers 0 to 1")
        self._chosen = (idx, val)

    def choose_sanctions(self, sanctioners, pairs) -> None:
        """Set next month's peer sanctions of some residents from outside (classroom players): the
        ``sanctioners`` (resident indices) give exactly the sanctions in ``pairs`` ((sanctioner, target)
        residents, each a full sanction) instead of the sanctions mechanism's rule; everyone else keeps the
        rule. Costs and impacts are the mechanism's and enter this month's payoffs. No effect while peer
        sanctions are off.

        Raises:
            ConfigError: an index out of range, or a pair whose sanctioner is not among ``sanctioners``.
        """
        who = np.asarray(sanctioners, dtype=np.intp).ravel()
        pairs = np.asarray(pairs, dtype=np.intp).reshape(-1, 2)
        for name, idx in (("sanctioner", who), ("pair", pairs.ravel())):
            if idx.size and (idx.min() < 0 or idx.max() >= self.n_residents):
                raise ConfigError(f"choose_sanctions: {name} index out of range; allowed: 0 to {self.n_residents - 1}")
        if pairs.size and not np.isin(pairs[:, 0], who).all():
            raise ConfigError("choose_sanctions: a pair's sanctioner is not among the sanctioners")
        self.chosen_sanctions = (who, pairs[:, 0], pairs[:, 1])

    def _call(self, hook: str, *args) -> None:
        for m in self.active_mechanisms:
            getattr(m, hook)(self, *args)

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """Advance one month through the participation cycle."""
        rec = StepRecord(self.n_residents)
        self.record = rec
        self.purse.new_month()
        self.wasted = 0.0
        self.purse.receive("street_office", self.government.monthly_budget())
        self.unit_hours = 0.0
        if self.config.projects.needs_drift > 0:
            self._drift_needs()
        self.committee.step()
        self.party.step()
        self.units.do("step")
        self.government.step()
        self.social_orgs.do("step")
        self.bodies.do("step")
        if self.estate is not None:
            self.owners_committee.step()
            self.property_companies.do("step")
        self.programmes.update_delivery()  # who runs what, and how much of it reaches each grid, this month
        self._call("begin_step", rec)
        self._choose_projects(rec)
        self._decide(rec)
        self._call("after_decisions", rec)
        if self.estate is not None:
            self.estate.decide_fees()
        self._progress(rec)
        self._deliver_benefits(rec)
        self._evaluate(rec)
        self._reward_and_update_ties(rec)
        if self.life_course is not None:  # the population changes at the end of the month
            self.life_course.step()
        self.chosen_sanctions = None
        self.latest = metrics.compute(self, rec)
        self.totals["government_spending"] += self.latest["government_spending"]
        self.datacollector.collect(self)

    def _choose_projects(self, rec: StepRecord) -> None:
        """Grids propose projects; mechanisms set their terms (co-building: cost, hours); the street office
        approves what its money allows; mechanisms shape the approved ones (consultation: views, disputes);
        the office weighs residents' views by its adoption ``a``:

            weights_g = (1 − c) [(1 − a) own + a · views_g] + c · interest,   c = min(1, Σ capture)

        (``views_g``: consultation votes where held, else the office's picture of the grid's needs;
        ``interest``: what contributing units in the area want, pulled with their ``capture``)."""
        cfg = self.config.projects
        gov = self.government
        rec.consulted = np.zeros(self.n_residents, dtype=bool)
        rec.views_adopted = np.zeros(self.n_residents)
        # One number per grid and stream every month, used or not: the streams stay aligned. With money to spare
        # (beyond a month's budget and what projects under way still need) the office asks grids for proposals.
        spare = max(self.purse.balance - gov.monthly_budget() - gov.committed(), 0.0)
        p_start = cfg.start_probability + (1 - cfg.start_probability) * min(1.0, spare / cfg.cost if cfg.cost > 0 else 0.0)
        proposing = ~self.projects.active & (self.streams.get("projects.start").random(self.n_grids) < p_start)
        u_domain = self.streams.get("projects.domain").random(self.n_grids)
        u_dispute = self.streams.get("projects.dispute").random(self.n_grids)
        grids = np.flatnonzero(proposing)
        if len(grids) == 0:
            return
        k = len(grids)
        proposal = ProjectChoice(
            grids=grids,
            weights=np.tile(gov.priorities, (k, 1)),
            cost=np.full(k, cfg.cost),
            hours=np.full(k, cfg.resident_hours),
            dispute_probability=np.full(k, cfg.dispute_probability),
            consulted=np.zeros(k, dtype=bool),
            views=gov.perceived_needs[grids],
        )
        self._call("propose", rec, proposal)
        ok = np.flatnonzero(gov.approve(proposal.cost))
        if len(ok) == 0:
            return
        choice = ProjectChoice(grids[ok], proposal.weights[ok], proposal.cost[ok], proposal.hours[ok],
                               proposal.dispute_probability[ok], proposal.consulted[ok], proposal.views[ok])
        self._call("choose_projects", rec, choice)
        grids = choice.grids
        a = gov.adoption
        weights = (1 - a) * choice.weights + a * choice.views
        pull = self.capture.sum()
        if pull > 0:  # units that gave pull the choice their way, except where a meeting balanced every voice
            c = min(pull, 1.0) * ~choice.balanced[:, None]
            weights = (1 - c) * weights + c * (self.capture / pull)[None, :]
            self.capture[:] = 0.0
        domains = _draw_domains(np.clip(weights, 0, None) + 1e-12, u_domain[grids])
        choice.domains = domains
        self._call("after_choice", rec, choice)
        disputed = u_dispute[grids] < np.clip(choice.dispute_probability, 0, 1)
        self.projects.start(grids, domains, choice.cost, choice.hours, self.grid_fit[grids, domains],
                            choice.consulted, disputed, self.steps)
        self.totals["projects_started"] += len(grids)
        self.totals["projects_disputed"] += int(np.count_nonzero(disputed))
        fresh = gov.last_survey is not None and self.steps - gov.last_survey < 3  # the office's survey is recent
        self.totals["projects_surveyed"] += len(grids) if fresh else int(np.count_nonzero(choice.consulted))
        started = np.zeros(self.n_grids, dtype=bool)
        started[grids] = True
        self.state.contributed_to_project[started[self.structure.grid]] = False

    def _decide(self, rec: StepRecord) -> None:
        """Every resident chooses this month's contribution share (:mod:`model.decisions`).

        The community supplies the inputs of the shared decision rule:

        - stake ``s_i``: need fit of the grid's project's domain (0–1), ``idle_stake`` if none;
        - engagement ``E_i = σ(z_i)`` with ``z_i = β_0 + β_G·trust_gov_i + β_N·trust_nbr_i +
          β_E·efficacy_i + β_S·s_i + β_H·n_i/12 + Δz_i`` (``n_i`` the months of the last 12 the resident took part
          in: habit, ``β_H`` = ``habit_weight``; ``Δz``: mechanisms, e.g. honours, leaders' example);
        - motivation ``m_i = o_i · a_i · E_i``: occasions to take part ``o_i`` (``base_opportunity``
          combined with mechanisms' occasions) times access ``a_i`` (1, or less when no channel
          reaches the resident) times engagement;
        - net private cost ``k_i = time_cost_i · f_i − incentives_i − a_i o_i (ρ_S s_i + ρ_C E_i ·
          1[not a free rider])``: the time cost (channel factor ``f_i``, incentives) less two
          private returns of taking part, one's own stake (``stake_return``: residents join when
          their stake is high, like a higher MPCR) and, for all but free riders, the warm glow
          of belonging and efficacy (``civic_return``), both earned in the occasions there are to take part
          (``o_i``: with nothing to take part in, no return on it);
        - norm pull, norm and committed floor from mechanisms (sanctions, reputation, volunteers,
          leaders);
        - ties (from the second month; ``A_i`` = :meth:`model.network.SocialGraph.neighbour_active_strength`, the
          strength-weighted number of neighbours outside the household who took part last month): of the
          occasions mechanisms add, the resident hears of the share ``1 − (1 − ν_i) exp(−A_i / news_scale)``
          (``ν_i`` = ``notice_reach``, 1 on an online platform), and ``Δz_i`` gains
          ``encouragement · (1 − exp(−A_i / encouragement_scale))`` (complex contagion).

        The resident takes part when the share reaches ``participation_threshold``; beliefs
        then move towards the tie-weighted mean contribution of neighbours.
        """
        s, d = self.state, self.config.decision
        grid = self.structure.grid
        project_on = self.projects.active.take(grid)
        project_fit = s.fit.ravel().take(self._fit_offsets + self.projects.domain.take(grid))
        stake = select(project_on, project_fit, d.idle_stake)
        n = self.n_residents
        terms = DecisionTerms(
            opportunity=np.full(n, d.base_opportunity),
            net_cost=s.time_cost.copy(),
            engagement_logit=np.zeros(n),
            norm_pull=np.zeros(n),
            norm=np.zeros(n),
            floor=s.volunteer * self.config.social_orgs.volunteer_commitment,
        )
        rec.terms = terms
        terms.add_opportunity(self.config.committee.visit_opportunity * self.committee.visited)
        activity = self.org_occasions = self._activity_occasions()
        if activity is not None:
            terms.add_opportunity(activity)
        before = terms.opportunity
        self._call("contribution_terms", rec, terms)
        notice = d.notice_reach if terms.notice is None else terms.notice
        if self.active_contacts is not None and np.any(notice < 1):  # news of occasions travels along ties
            reach = 1.0 - (1.0 - notice) * np.exp(-self.active_contacts / d.news_scale)
            terms.opportunity = before + (terms.opportunity - before) * reach
        if d.encouragement > 0 and self.active_contacts is not None:  # several active contacts, not an average
            terms.engagement_logit += d.encouragement * -np.expm1(-self.active_contacts / d.encouragement_scale)
        z = (d.engagement_intercept + d.engagement_trust_in_government * s.trust_in_government
             + d.engagement_trust_in_neighbours * s.trust_in_neighbours + d.engagement_efficacy * s.efficacy
             + d.engagement_stake * stake + terms.engagement_logit)
        if d.habit_weight > 0:  # habit: the months taken part in the last 12
            z = z + d.habit_weight / HISTORY * self.participation_counts
        access = np.clip(terms.access, 0, 1)
        if self.estate is not None and (stranded := self.estate.access()) is not None:
            access = access * stranded  # elderly residents of upper storeys without a lift
        engagement = 1.0 / (1.0 + np.exp(-z))
        motivation = np.clip(terms.opportunity, 0, 1) * access * engagement
        # Private returns on taking part lower the net private cost: one's own stake (like a higher
        # marginal per-capita return in the laboratory) and, for all but free riders, the warm glow
        # of belonging and efficacy (rises with engagement). Both are earned in occasions to take part:
        # with nothing to take part in there is no return on it.
        civic = d.civic_return * engagement
        civic *= s.disposition != FREE_RIDER
        net_cost = terms.net_cost - access * np.clip(terms.opportunity, 0, 1) * (d.stake_return * stake + civic)
        preferred = decisions.preferred_share(s.disposition, s.matching_slope, s.unconditional_level, s.belief)
        noise = self.streams.get("decision.noise").standard_normal(n) * d.noise_sd if d.noise_sd > 0 else 0.0
        c = decisions.contribution_share(
            preferred, motivation=motivation, net_cost=net_cost, cost_sensitivity=d.cost_sensitivity,
            norm_pull=np.clip(terms.norm_pull, 0, 1), norm=terms.norm, floor=terms.floor, noise=noise)
        if self._chosen is not None:  # shares chosen from outside (classroom players) replace the rule's
            idx, shares = self._chosen
            c[idx] = np.clip(shares, 0.0, 1.0)
            self._chosen = None
        s.contribution = c
        s.participated = c >= d.participation_threshold
        self.participation_changed()
        s.contributed_to_project |= s.participated & project_on
        observed, rec.neighbour_participation = self.graph.neighbour_means([c, s.participated], [s.belief, 0.0])
        decisions.update_belief(s.belief, observed, d.belief_learning_rate)
        rec.contribution, rec.participated = c, s.participated
        rec.hours = c * s.time_budget

    def _drift_needs(self) -> None:
        """Residents' needs drift (children grow up, parents age): ``needs_i ← normalise(needs_i ·
        exp(σ ε_i))`` with ``ε_i ~ N(0, 1)`` per domain (``σ`` = ``projects.needs_drift``); fits follow, so
        the office's picture of needs goes stale unless its channels keep it up to date."""
        s = self.state
        eps = self.streams.get("needs.drift").standard_normal(s.needs.shape)
        s.needs *= np.exp(self.config.projects.needs_drift * eps)
        s.needs /= s.needs.sum(axis=1, keepdims=True)
        s.fit = s.needs / s.needs.max(axis=1, keepdims=True)
        self.grid_fit = self._mean_by_grid(s.fit)
        self._service_fit = None

    def _activity_occasions(self) -> np.ndarray | None:
        """Occasions social organisations' activities bring each resident: ``Σ_o activity_o · fit_i[domain_o]``."""
        orgs = [o for o in self.social_orgs if o.capacity > 0]
        if not orgs:
            return None
        extra = np.zeros(self.n_residents)
        for org in orgs:
            extra += org.activity() * self.state.fit[:, org.domain]
        return extra

    def _progress(self, rec: StepRecord) -> None:
        cfg, pb = self.config.projects, self.projects
        grid = self.structure.grid
        hours_by_grid = np.bincount(grid, weights=rec.hours, minlength=self.n_grids)
        rec.upkeep_hours = hours_by_grid * cfg.upkeep_share
        rec.upkeep_efficiency = cfg.unorganised_upkeep_efficiency
        rec.rework_probability = cfg.rework_probability
        rec.dispute_resolution = np.full(self.n_grids, cfg.dispute_resolution)
        self._call("progress", rec)
        found = self.committee.dispute_settling()  # grid workers' visits bring disputes to light
        rec.dispute_resolution = 1 - (1 - rec.dispute_resolution) * (1 - found)

        # Disputes settle, escalate, or kill the project.
        u = self.streams.get("disputes").random((2, self.n_grids))
        disputed = pb.active & (pb.dispute_level > 0)
        settle = disputed & (u[0] < rec.dispute_resolution)
        escalate = disputed & ~settle & (u[1] < cfg.dispute_escalation)
        pb.dispute_level[settle] = 0
        pb.dispute_level[escalate] += 1
        abandoned = pb.active & (pb.dispute_level >= cfg.dispute_abandon_level)
        self.totals["projects_abandoned"] += int(abandoned.sum())
        self.wasted += float(pb.funded[abandoned].sum())  # the funds of an abandoned project are lost
        pb.stop(np.flatnonzero(abandoned))

        working = pb.active & (pb.dispute_level == 0)
        need = np.where(working, np.clip(pb.cost - pb.funded, 0, cfg.monthly_funding), 0.0)
        total = need.sum()
        rec.project_fit = pb.fit.copy()
        rec.project_payments = np.zeros(self.n_grids)
        if total > 0:
            paid = self.purse.pay("projects", total)
            rec.project_payments = need * (paid / total)
            pb.funded += rec.project_payments
        pb.hours_done += np.where(working, hours_by_grid * (1 - cfg.upkeep_share), 0.0)
        n_working = int(working.sum())
        if self.unit_hours > 0 and n_working:  # units' staff volunteers work on the projects under way
            pb.hours_done += np.where(working, self.unit_hours / n_working, 0.0)
        rec.working_grids = working

        done = working & (pb.funded >= pb.cost - 1e-6) & (pb.hours_done >= pb.hours_needed - 1e-9)
        rework = done & (self.streams.get("projects.rework").random(self.n_grids) < rec.rework_probability)
        pb.cost[rework] = pb.funded[rework] + cfg.rework_cost_share * cfg.cost
        self.wasted += cfg.rework_cost_share * cfg.cost * int(np.count_nonzero(rework))  # to be spent again
        completed = np.flatnonzero(done & ~rework)
        self.government.record_completed(len(completed))
        if len(completed):
            self.facilities.add(completed, pb.domain[completed], pb.fit[completed], self.steps, pb.started[completed])
            pb.stop(completed)
        rec.completed_grids = completed
        self.totals["projects_completed"] += len(completed)

        # Facilities decay unless residents or contractors keep them up; without a settled division of
        # responsibility part of the upkeep is lost (party.coordination_loss).
        fac = self.facilities
        if fac.n:
            count = fac.count_by_grid(self.n_grids)
            need_hours = cfg.upkeep_hours * count
            factor = self.party.upkeep_factor()
            with np.errstate(divide="ignore", invalid="ignore"):
                coverage = np.where(need_hours > 0, factor * rec.upkeep_efficiency * rec.upkeep_hours / need_hours,
                                    1.0)
            gov = self.government
            weights = count / count.sum()
            self.residents_upkeep = float(np.dot(np.clip(coverage, 0, 1), weights))  # what the office sees kept up
            if gov.upkeep_budget > 0 and gov.params.upkeep_cost > 0:  # contractors, paid out of the purse
                paid = self.purse.pay("upkeep", min(gov.upkeep_budget, gov.params.upkeep_cost * fac.n))
                coverage = coverage + factor * paid / (gov.params.upkeep_cost * fac.n)
            if self.estate is not None:  # the property company's staff
                coverage = coverage + factor * self.estate.upkeep_by_grid(self.n_grids)
            coverage = np.clip(coverage, 0, 1)
            cond = fac.condition[: fac.n]
            cond -= cfg.facility_decay * (1 - coverage[fac.grid[: fac.n]])
            np.clip(cond, 0, 1, out=cond)
        if self.estate is not None:
            self.estate.lift_month()

    def _deliver_benefits(self, rec: StepRecord) -> None:
        s = self.state
        self.coverage = coverage(self)
        s.benefit = self.config.projects.facility_value * self.service_fit()
        rec.benefit = s.benefit
        s.payoff = s.benefit - s.time_cost * s.contribution
        if rec.rewards is not None:  # incentives: the value of points earned
            s.payoff += rec.rewards
        if rec.sanction_cost is not None:  # sanctions suffered and the cost of sanctioning
            s.payoff -= rec.sanction_cost

    def _evaluate(self, rec: StepRecord) -> None:
        s, L = self.state, self.config.learning
        n = self.n_residents
        fb = Feedback(np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n))
        rec.feedback = fb
        self._call("evaluate", rec, fb)
        if self.estate is not None:
            self.estate.feedback(fb)
        grid = self.structure.grid
        dispute = (L.dispute_penalty * self.projects.dispute_level * self.projects.active).take(grid)

        sat_target = (L.satisfaction_baseline + L.satisfaction_benefit_weight
                      * np.minimum(1.0, s.benefit / L.benefit_reference) + fb.satisfaction - dispute)
        s.satisfaction += L.satisfaction_rate * (np.clip(sat_target, 0, 1) - s.satisfaction)

        self._complain()
        told = 0.5 * self.heard + 0.5 * self.graph.neighbour_mean(self.heard, default=self.heard)  # word spreads
        fb.trust_in_government += self.config.government.complaint_trust_weight * (told - 0.5)
        trust_target = L.trust_baseline + L.trust_satisfaction_weight * (s.satisfaction - 0.5) + fb.trust_in_government
        gap = np.clip(trust_target, 0, 1) - s.trust_in_government  # trust is lost faster than it is won
        s.trust_in_government += np.where(gap < 0, L.trust_loss_rate, L.trust_in_government_rate) * gap

        nbr_target = (L.neighbour_trust_baseline + L.neighbour_trust_weight * rec.neighbour_participation
                      + fb.trust_in_neighbours - dispute)
        if L.tie_trust_weight > 0:  # trust grows from strong ties
            nbr_target = nbr_target + L.tie_trust_weight * np.maximum(self.graph.neighbour_strength() - L.tie_floor, 0)
        s.trust_in_neighbours += L.trust_in_neighbours_rate * (np.clip(nbr_target, 0, 1) - s.trust_in_neighbours)

        progressed = rec.participated & rec.working_grids[grid]
        eff_target = L.efficacy_baseline + L.efficacy_progress_weight * progressed + fb.efficacy
        s.efficacy += L.efficacy_rate * (np.clip(eff_target, 0, 1) - s.efficacy)

    def _complain(self) -> None:
        """Dissatisfied residents complain (hotline, petitions): resident ``i`` with satisfaction below
        ``complaint_threshold`` complains with probability ``complaint_probability · efficacy_i``; the
        street office answers a share, and action follows an answer as far as the office adopts residents' views
        (:meth:`agents.government.Government.answer`). Complainants remember what they saw: ``heard_i ← heard_i + μ
        (reply_i − heard_i)`` (``μ`` = ``complaint_memory``; ``reply_i`` 1 for an answer followed by action,
        ``learning.empty_answer`` for an answer that changed nothing, 0 for none). Word spreads along ties: every
        resident's trust-in-government target shifts by ``complaint_trust_weight · (½ heard_i + ½ Σ_j w_ij heard_j /
        Σ_j w_ij − ½)``."""
        g, s = self.config.government, self.state
        u = self.streams.get("complaints").random(self.n_residents)
        self.complainants = (s.satisfaction < g.complaint_threshold) & (u < g.complaint_probability * s.efficacy)
        if self.complainants.any():
            answered, acted = self.government.answer(self.complainants)
            reply = np.where(acted, 1.0, np.where(answered, self.config.learning.empty_answer, 0.0))
            c = self.complainants
            self.heard[c] += g.complaint_memory * (reply[c] - self.heard[c])

    def _reward_and_update_ties(self, rec: StepRecord) -> None:  # also counts next month's active neighbours
        s, so = self.state, self.config.social_orgs
        rec.dropout_multiplier = np.ones(self.n_residents)
        self._call("reward", rec)
        for prog in self.programmes:  # programmes that ran and stopped leave something behind (a broken promise …)
            if not prog.running and prog.started is not None:
                self.mechanism_units[prog.name].lapsed(self, rec)
        u = self.streams.get("volunteers").random((2, self.n_residents))
        drop = s.volunteer & (u[0] < so.volunteer_dropout * rec.dropout_multiplier)
        s.volunteer[drop] = False
        s.volunteer_since[drop] = -1
        capacity = sum(org.capacity for org in self.social_orgs)
        p_recruit = so.recruitment_rate * capacity
        recruit = ~s.volunteer & (rec.contribution >= so.volunteer_threshold) & (u[1] < p_recruit)
        s.volunteer[recruit] = True
        s.volunteer_since[recruit] = self.steps
        self._volunteer_counts.append(int(s.volunteer.sum()))
        month = self._participation_history[self.steps % HISTORY]  # the month that leaves the window
        self.participation_counts -= month
        self.participation_counts += rec.participated
        self.participation_changed()
        month[:] = rec.participated
        L = self.config.learning
        self.graph.update_ties(rec.participated, L.tie_growth, L.tie_decay)
        self.active_contacts = self.graph.neighbour_active_strength()

    # ------------------------------------------------------------------ views
    def social_graph(self):
        """The social-capital graph as networkx, with resident attributes on nodes."""
        s = self.state
        return self.graph.to_networkx({
            "age_group": np.asarray(AGE_GROUPS)[s.age_group], "building": self.structure.building,
            "grid": self.structure.grid, "participated": s.participated, "contribution": s.contribution,
        })

    def timeseries(self):
        """The collected metrics as a pandas DataFrame, one row per step (step 0 = start)."""
        df = self.datacollector.get_model_vars_dataframe()
        return df.reset_index(drop=True)


def _draw_domains(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A domain per row of ``weights`` (rows × domains, ≥ 0): the first ``d`` with
    ``u < Σ_{d' ≤ d} w_{d'} / Σ w`` for the uniform number ``u`` (0–1) of the row."""
    cum = np.cumsum(weights, axis=1)
    cum /= cum[:, -1:]
    return np.minimum((u[:, None] > cum).sum(axis=1), len(DOMAINS) - 1).astype(np.int8)


def _equal_seeds(a: Any, b: Any) -> bool:
    """Whether two seeds given as ``rng`` and ``scenario.rng`` are the same integer."""
    if isinstance(a, np.random.Generator) or isinstance(b, np.random.Generator):
        return False  # the same generator object is caught before; drawing here would move it
    try:
        return streams.resolve_seed(a) == streams.resolve_seed(b)
    except ConfigError:
        return False


def _create_residents(model: CommunityModel, n: int):
    """The ``n`` Mesa ``Resident`` agents (row ``i`` of the arrays is agent ``i``), as an AgentSet.

    Python's cyclic garbage collector is paused while they are made: a million new objects
    would otherwise trigger hundreds of collections that find nothing to collect (it halves
    the time to build a district of a million residents).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return Resident.create_agents(model, n, list(range(n)))
    finally:
        if was_enabled:
            gc.enable()


def coverage(model: CommunityModel) -> np.ndarray:
    """How well each grid is served in each domain (grids × domains, 0–1).

    ``1 − exp(−S[g, d] · residents_served / residents_g)``: summed facility condition relative
    to what the grid's population needs.
    """
    per_capita = model.config.projects.residents_served / np.maximum(model._grid_size, 1)
    return 1.0 - np.exp(-model.facilities.service(model.n_grids, len(DOMAINS)) * per_capita[:, None])


CATALOGUE = "cogov.catalogue"
"""The entry point group under which the scenario catalogue registers the function composing a config
from names (``pyproject.toml``: ``scenarios:compose_dict``): the core finds it there and never imports
the catalogue, which sits above it."""


@functools.cache
def _catalogue():
    from importlib.metadata import entry_points

    found = sorted(entry_points(group=CATALOGUE), key=lambda e: e.name)
    if not found:
        raise ConfigError(f"no scenario catalogue is installed (entry point group {CATALOGUE}): "
                          "pip install -e . or pass config=")
    return found[0].load()


@functools.lru_cache(maxsize=64)
def _composed(scenario_name: str | None, community: str | None) -> dict:
    return _catalogue()(scenario_name, community)


def resolve_config(scenario_name: str | None, community: str | None, config: Any, overrides: dict):
    """The validated config of a model: looked up by names, or given, plus dotted overrides
    (:func:`model.config.apply_overrides`: shares set alone rescale the others; a parameter of a
    mechanism that is off warns)."""
    if config is None:
        data = _composed(scenario_name, community)
    elif isinstance(config, dict):
        data = config
    else:
        data = config_mod.to_dict(config)
    if overrides:
        data = config_mod.apply_overrides(data, overrides)
    return config_mod.from_dict(data)
