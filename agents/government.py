"""The street office (街道办): judged by a KPI, it learns residents' needs through channels and decides."""

from __future__ import annotations

import numpy as np

from agents.institution import Institution
from agents.social_org import SocialOrganisation
from model.params import DOMAINS, KPI_TERMS

SHAM_BELOW = 0.2
"""Adoption below which consultation meetings count as sham (views heard, not taken up) on the cards."""


class Government(Institution):
    """The street office: holds the budget, approves and funds projects, and decides its practice.

    **What it sees** (never residents' true state): each month, through channels with their own
    reach and bias,

    - grid workers' visits (:class:`agents.committee.ResidentsCommittee`: everyone can be visited,
      the offline elderly too, but visits are few when the committee is loaded with tasks handed down),
    - complaints (the dissatisfied who believe it helps: biased towards the unhappy; they tell how
      unhappy residents are, not what is missing — a hotline call is about what exists),
    - the online platform (residents with digital access who took part: biased towards the young),
    - consultation votes (attendees: biased towards the active), and
    - needs surveys it commissions (a random sample) when its attention is high.

    Each report is a resident's most pressing unmet need and satisfaction. The office's picture of
    grid ``g``'s needs is a Dirichlet mean with forgetting:

        R_gd ← m · R_gd + r_gd,        n̂_g = (π₀ · own + R_g) / (π₀ + Σ_d R_gd)

    (``r_gd`` reports this month, ``m`` = ``needs_memory``, ``π₀`` = ``prior_strength``, ``own`` its
    own priorities: with no reports it believes residents need what it thinks). It observes
    satisfaction ``Ŝ`` as the mean over this month's reports (kept when there are none), participation
    ``P̂`` exactly (attendance is counted), complaints ``Ĉ = complaints / (p_c · n)`` (0–1).

    **What it is judged on**: KPI weights ``w`` (the scenario's rule) over projects completed,
    satisfaction, participation and (few) complaints. Its *attention* to residents is the part of
    its KPI residents can still improve:

        h = w_S (1 − Ŝ) + w_P (1 − P̂) + w_C Ĉ            (0–1; 0 under a projects-completed KPI)

    **What it decides** each month, moving its practice a share ``η`` (``adaptation_rate``) of the way
    towards what its KPI asks for (aspiration adaptation; Simon 1955, Selten 1998):

    - adoption of residents' views in choosing projects: ``a ← a + η (a* − a)``,
      ``a* = max(a_rule, a₀ + (1 − a₀) h)`` (``a₀`` the leader's ``adoption``; ``a_rule`` the share
      consultation rules require, ``consultation.adoption_rate`` when consultation is held). A new
      project's domain weights are ``(1 − a) own + a · views`` (views: consultation votes when held,
      else ``n̂_g``); meetings with ``a < 0.2`` are *sham* on the cards;
    - share of complaints and suggestions answered: ``r ← r + η (r* − r)``, ``r* = ρ + (1 − ρ) h``
      (``ρ`` = ``responsiveness``), each answer paid (``answer_cost``);
    - disclosure on the open ledger (when one exists): ``d = max(d_rule, h)``;
    - a needs survey each quarter when ``h ≥ h_s`` (``survey_above``), and below it with probability
      ``σ₀ + (1 − σ₀) h / h_s`` (``σ₀`` = ``survey_base``, the share of projects the district's rules have
      surveyed; paid; the decision and the sample are drawn every quarter, surveyed or not, from the streams
      ``…survey_decision`` and ``…survey``, so that a lever changing the office's attention keeps them aligned);
    - upkeep by contractors: an envelope ``U = u · (1 − w_J) · B · (1 − ū)`` a month (``u`` = ``upkeep_share``:
      upkeep counts for every KPI term but projects completed; ``ū`` the share of the facilities' upkeep residents'
      own hours covered last month: it pays contractors for what residents do not keep up);
    - project approval: a proposal is approved while ``balance + H · max(B − O, 0) − committed ≥ cost``
      (``H`` = ``planning_horizon``; ``O`` the purse's mean monthly spending so far on everything but projects,
      the standing commitments it plans around; ``committed`` the money projects under way still need);
    - purchased-service contracts, each year, by the contract rule (``social_orgs.contract_rule``);
    - **which programmes to run** (:mod:`model.programmes`), each quarter (months 1, 4, 7, …). Its *pressure* on
      each KPI term is what is still missing of it, ``o = (o_J, 1 − Ŝ, 1 − P̂, Ĉ)`` with
      ``o_J = 1 − min(1, J₁₂ / J*)`` (``J₁₂`` projects completed in the last 12 months, ``J*`` =
      ``projects_target`` × grids; 0 in the first year, before it is first judged). A programme ``p`` it may run (``allowed``) is worth

          v_p = u_p · Σ_k w_k · s_pk · o_k

      to it (``s_pk`` = ``<p>.serves``, what it expects the programme to relieve; ``u_p`` its memory of the
      programme's uptake, ``u_p ← u_p + λ_u (uptake_p − u_p)`` each month it runs it, 1 before it has: see
      :meth:`model.mechanisms.base.Mechanism.uptake`). It keeps every mandated programme (``<p>.mandated``,
      while the rules bind it), then takes up the others in order of ``v_p / c_p`` (``c_p`` the programme's
      monthly cost, :meth:`~model.mechanisms.base.Mechanism.monthly_cost`) while ``v_p`` reaches ``start_value``
      (``keep_value`` for one it runs: it does not drop a programme at the first dip) and the money its KPI
      leaves for programmes, ``(1 − r · w_J) · B − C`` (``r`` = ``project_reserve``; ``C`` what it pays anyway:
      the core purchased-service contracts and contractors' upkeep), covers the costs; one it took up
      less than ``min_months`` ago it keeps unless the money does not cover it; it takes up at most
      ``new_programmes`` programmes at a review besides the mandated ones (setting one up takes staff and time).

    **Leader's tenure**: at ``tenure_months`` a new leader takes office with the successor's KPI,
    baseline responsiveness and adoption; the rules' mandates bind the successor only if
    ``successor_bound``. At the next review the new leader keeps or drops each programme by the same rule
    under its own KPI (一阵风: what only the office held up goes; what a residents' body has taken over stays);
    the office's picture of needs and residents' memories stay.

    Sources: seed [004] (越位/缺位; 形式共谋: meetings held, plans drafted in advance; 一阵风; KPI =
    projects completed → cosmetic works; under 40% of views adopted, needs surveys in 28% of
    projects); seed [002] (权随责走、费随事转).
    """

    kind = "government"

    def __init__(self, model, params) -> None:
        super().__init__(model)
        self.params = params
        self.budget_per_resident = params.budget_per_resident
        self.priorities = _normalised(params.priorities.as_tuple())
        """Its own weights over project domains (sum to 1)."""
        self.kpi: np.ndarray
        """KPI weights over ``KPI_TERMS`` (sum to 1)."""
        self.adoption: float
        """Share of residents' views adopted in choosing projects this month (0–1)."""
        self.answer_rate: float
        """Share of complaints and suggestions answered this month (0–1)."""
        self._take_office(params.kpi, params.responsiveness, params.adoption)
        self.leaders = 1
        self.disclosure = 0.0
        """Share of spending disclosed on the open ledger this month (0–1; 0 without a ledger)."""
        self.attention = 0.0
        """KPI pressure residents can relieve (0–1)."""
        self.surveyed = False
        self.last_survey: int | None = None
        """Month of the office's last needs survey (None: none yet)."""
        self.upkeep_budget = 0.0
        n_grids = model.n_grids
        self.reports = np.zeros((n_grids, len(DOMAINS)))
        """Residents' reports of their most pressing unmet need, by grid and domain (with forgetting)."""
        self.observed = {"satisfaction": float("nan"), "participation": 0.0, "complaints": 0.0}
        self.bound = True
        """Whether the rules' mandates (``<programme>.mandated``) bind the office's current leader."""
        self.pressure = np.zeros(len(KPI_TERMS))
        """What is still missing of each KPI term as the office sees it (0–1; ``o`` in the class docstring)."""
        self.values: dict[str, float] = {}
        """Each programme's worth to the office at its last review (``v_p``)."""
        self._completed: list[int] = []
        """Projects completed by month, for the last 12 months (``J₁₂``)."""

    # ------------------------------------------------------------------ views
    @property
    def perceived_needs(self) -> np.ndarray:
        """The office's picture of each grid's needs (grids × domains, rows sum to 1)."""
        prior = self.params.prior_strength * self.priorities
        counts = prior[None, :] + self.reports
        total = counts.sum(axis=1, keepdims=True)
        return np.where(total > 0, counts / np.where(total > 0, total, 1.0), self.priorities[None, :])

    @property
    def consultation_policy(self) -> str:
        """'none' (no meetings), 'sham' (meetings, views hardly adopted) or 'real'."""
        if not self.model.programmes["consultation"].running:
            return "none"
        return "sham" if self.adoption < SHAM_BELOW else "real"

    def monthly_budget(self) -> float:
        """Yuan the street office pays into the purse this month."""
        return self.budget_per_resident * self.model.n_residents

    # ------------------------------------------------------------------ the month
    def observe(self) -> None:
        """This month's reports through every channel (see the class docstring)."""
        m, p = self.model, self.params
        s, grid = m.state, m.structure.grid
        n = m.n_residents
        reporters = m.committee.visited.copy()
        channels = m.mechanisms.get("channels")
        if channels is not None and channels.params.online and channels.delivery.any():  # one number per resident a month while the platform runs
            u = self.stream("online").random(n)
            reporters |= s.digital_access & s.participated & (u < channels.params.online_reporting)
        due = p.survey_cost * p.survey_share * n
        self.surveyed = False
        if m.steps % 3 == 1 and p.survey_share > 0:  # each quarter, drawn whether or not it surveys (aligned streams)
            decide, sample = self.stream("survey_decision").random(), self.stream("survey").random(n)
            chance = 1.0 if self.attention >= p.survey_above else (
                p.survey_base + (1 - p.survey_base) * self.attention / p.survey_above)  # the rule's share, and more
            self.surveyed = decide < chance and m.purse.pay("survey", due) >= due
            if self.surveyed:
                self.last_survey = m.steps
                reporters |= sample < p.survey_share
        self.hear(reporters)
        if m.complainants.any():  # complaints tell how unhappy residents are, not what is missing
            heard = reporters | m.complainants
            self.observed["satisfaction"] = float(s.satisfaction[heard].mean())
        self.observed["participation"] = float(s.participated.mean()) if m.steps > 1 else 0.0
        self.observed["complaints"] = min(1.0, float(m.complainants.sum()) / max(p.complaint_probability * n, 1e-9))

    def hear(self, who: np.ndarray) -> None:
        """Add the reports of residents ``who`` (bool mask): their most pressing unmet need, by grid,
        and their satisfaction to the office's picture."""
        m = self.model
        idx = np.flatnonzero(who)
        if len(idx) == 0:
            return
        if getattr(getattr(m, "graph", None), "compiled", False):  # numba is loaded for large models: one pass (model.kernels)
            from model.kernels import count_top_unmet

            count_top_unmet(idx, m.structure.grid, m.state.needs, m.coverage, self.reports)
        else:
            grid = m.structure.grid[idx]
            unmet = m.state.needs[idx] * (1.0 - m.coverage[grid])
            k = len(DOMAINS)
            self.reports += np.bincount(grid * k + unmet.argmax(axis=1),
                                        minlength=m.n_grids * k).reshape(m.n_grids, k)
        self.observed["satisfaction"] = float(m.state.satisfaction.take(idx).mean())

    def step(self) -> None:
        """Plan the month: observe, weigh the KPI, move the practice; a new leader at the end of tenure."""
        m, p = self.model, self.params
        self.months_in_office += 1
        new_leader = bool(p.tenure_months and m.steps == p.tenure_months)
        if new_leader:
            self.new_leader()
        self.reports *= p.needs_memory
        self.observe()
        sat = self.observed["satisfaction"]
        sat = sat if np.isfinite(sat) else 0.5
        w = self.kpi
        self.attention = float(np.clip(w[1] * (1 - sat) + w[2] * (1 - self.observed["participation"])
                                       + w[3] * self.observed["complaints"], 0.0, 1.0))
        h, eta = self.attention, p.adaptation_rate
        self._remember_uptake()
        if m.steps % 3 == 1 or new_leader:
            self.review()
        consultation = m.mechanism_units["consultation"]
        rule = consultation.params.adoption_rate if self.binds("consultation") else 0.0
        a_target = max(rule, self.baseline_adoption + (1 - self.baseline_adoption) * h)
        self.adoption += eta * (a_target - self.adoption)
        self.adoption = max(self.adoption, rule)
        self.answer_rate += eta * (self.responsiveness + (1 - self.responsiveness) * h - self.answer_rate)
        ledger = m.mechanism_units["disclosure"]
        self.disclosure = max(ledger.params.level, h) if m.programmes["disclosure"].office else 0.0
        self.upkeep_budget = p.upkeep_share * (1 - w[0]) * self.monthly_budget() * (1 - m.residents_upkeep)
        if m.steps % 12 == 1:
            self.award_contracts()

    # ------------------------------------------------------------------ programmes
    def binds(self, name: str) -> bool:
        """Whether the rules require the office's current leader to run programme ``name``."""
        return bool(getattr(self.model.config, name).mandated) and self.bound

    def record_completed(self, n: int) -> None:
        """Projects completed this month (the projects term of its pressure counts the last 12 months)."""
        self._completed = (self._completed + [int(n)])[-12:]

    def _pressures(self) -> np.ndarray:
        """``o``: what is still missing of each KPI term (see the class docstring)."""
        m, p = self.model, self.params
        target = p.projects_target * m.n_grids  # judged once a year has passed, on the last 12 months
        o_j = 1.0 - min(1.0, sum(self._completed) / target) if target > 0 and len(self._completed) >= 12 else 0.0
        sat = self.observed["satisfaction"]
        sat = sat if np.isfinite(sat) else 0.5
        return np.clip([o_j, 1 - sat, 1 - self.observed["participation"], self.observed["complaints"]], 0.0, 1.0)

    def _remember_uptake(self) -> None:
        """Each month: the office's memory of each programme it runs moves towards the uptake it sees."""
        m, rate = self.model, self.params.uptake_learning
        for prog in m.programmes:
            if prog.office and prog.months_running >= 1:
                prog.uptake += rate * (m.mechanism_units[prog.name].uptake(m) - prog.uptake)

    def committed_services(self) -> float:
        """Yuan a month it pays whatever programmes it runs: the core purchased-service contracts and contractors'
        upkeep (``C`` in the class docstring)."""
        m = self.model
        core = m.config.social_orgs.contract_value * m.n_residents if any(o.contracted for o in m.social_orgs) else 0.0
        return core + self.upkeep_budget

    def review(self) -> None:
        """Keep, take up or drop its programmes (the class docstring's rule)."""
        m, p = self.model, self.params
        self.pressure = self._pressures()
        weighted = self.kpi * self.pressure
        room = (1.0 - p.project_reserve * self.kpi[0]) * self.monthly_budget() - self.committed_services()
        candidates = []
        for prog in m.programmes:
            mech = m.mechanism_units[prog.name]
            if "street_office" not in mech.carriers or not mech.params.allowed:
                continue
            value = prog.uptake * float(np.dot(weighted, mech.params.serves.as_tuple()))
            self.values[prog.name] = value
            candidates.append((prog, value, max(mech.monthly_cost(m), 0.0), self.binds(prog.name)))
        keep, new = set(), 0
        for prog, value, cost, mandated in sorted(candidates, key=lambda c: (not c[3], -c[1] / max(c[2], 1.0))):
            committed = prog.office and prog.office_months < p.min_months
            enough = value >= (p.keep_value if prog.office else p.start_value)
            if not (mandated or prog.office) and new >= p.new_programmes:
                continue  # it can set up only so many programmes at once
            if mandated or (p.discretion and cost <= room and (enough or committed)):
                keep.add(prog.name)
                room -= cost
                new += not prog.office
        for prog, *_ in candidates:
            m.programmes.set_office(prog.name, prog.name in keep)

    def award_contracts(self) -> None:
        """Each year: organisations bid; contracts go by the contract rule (``social_orgs.contract_rule``):
        'incumbent' renews each bidder with probability ``contract_stability``, 'rated' awards every bidder
        whose last rating is at least ``rating_threshold`` (an unrated one by the incumbent rule). Folded
        organisations leave first, and each vacant place (up to ``social_orgs.count``) is taken by a new one with
        probability ``social_orgs.entry`` (:class:`agents.social_org.SocialOrganisation`)."""
        m, so = self.model, self.model.config.social_orgs
        for org in [o for o in m.social_orgs if o.folded]:  # folded organisations leave; new ones may enter
            org.exit()
        chances = m.streams.get("social_orgs.entry").random(so.count)  # one number per place, every tender
        for u in chances[len(m.social_orgs):]:
            if u < so.entry:
                SocialOrganisation.enter(m).contracted = False  # it bids from this tender on
        for org in self.model.social_orgs:
            if not org.bid():
                org.contracted = False
            elif so.contract_rule == "rated" and org.rating is not None:
                org.contracted = org.rating >= so.rating_threshold
            else:
                org.contracted = bool(org.rng.random() < org.contract_stability) or self.model.steps == 1

    def standing_spending(self) -> float:
        """Yuan a month the purse has spent on average so far on everything but projects (services, meetings,
        coins, upkeep, the ledger …): the standing commitments the office plans around (0 in the first month)."""
        purse, months = self.model.purse, self.model.steps
        if months == 0:
            return 0.0
        return (purse.spent_in_all() - purse.total_spending["projects"]) / months

    def committed(self) -> float:
        """Yuan the projects under way still need."""
        pb = self.model.projects
        return float(np.clip(pb.cost - pb.funded, 0, None)[pb.active].sum())

    def approve(self, cost: np.ndarray) -> np.ndarray:
        """Which proposals (in grid order) it approves: while ``balance + H·max(B − O, 0) − committed ≥ cost``
        (``O``: :meth:`standing_spending`; the office plans with the money its standing commitments leave)."""
        m = self.model
        free = max(self.monthly_budget() - self.standing_spending(), 0.0)
        room = m.purse.balance + self.params.planning_horizon * free - self.committed()
        approved = np.zeros(len(cost), dtype=bool)
        for i, c in enumerate(cost):
            if room >= c:
                approved[i] = True
                room -= c
        return approved

    def answer(self, complaints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which complaints (bool mask over residents) it answers — each with probability ``answer_rate``, paid at
        ``answer_cost`` each while the purse lasts — and which answers action follows: each with probability its
        adoption ``a`` (an answer that changes nothing is empty). Two numbers per complaint from the stream
        ``complaints.answered``. Returns (answered, acted on)."""
        idx = np.flatnonzero(complaints)
        draws = self.model.streams.get("complaints.answered").random((2, len(idx)))  # two numbers per complaint
        answered = np.zeros_like(complaints)
        want = idx[draws[0] < self.answer_rate]
        if len(want):
            cost = self.params.answer_cost
            paid = self.model.purse.pay("answers", cost * len(want))
            k = len(want) if cost <= 0 else int(paid // cost + 1e-9)
            answered[want[:k]] = True
        acted = np.zeros_like(complaints)
        acted[idx[draws[1] < self.adoption]] = True
        return answered, answered & acted

    def new_leader(self) -> None:
        """A new leader: the successor's KPI, baseline responsiveness and adoption; the rules' mandates bind it only
        if ``successor_bound``. Its first review follows at once."""
        p = self.params
        self._take_office(p.successor_kpi, p.successor_responsiveness, p.successor_adoption)
        self.leaders += 1
        self.bound = p.successor_bound

    def _take_office(self, kpi, responsiveness: float, adoption: float) -> None:
        """A leader's starting practice: their KPI, baseline responsiveness and adoption."""
        self.kpi = _weights(kpi)
        self.responsiveness = self.answer_rate = responsiveness
        self.baseline_adoption = self.adoption = adoption
        self.months_in_office = 0

    def card(self) -> dict[str, str]:
        """What it decided this month, for the live page's institution card."""
        return {"KPI attention": f"{self.attention:.2f}", "consultation": self.consultation_policy,
                "views adopted": f"{self.adoption:.0%}", "answers": f"{self.answer_rate:.0%}",
                "ledger": f"{self.disclosure:.0%}" if self.model.programmes["disclosure"].office else "closed",
                "survey": "yes" if self.surveyed else "no", "leader": f"no. {self.leaders}",
                "runs": ", ".join(p.name for p in self.model.programmes if p.office) or "no programme"}


def _normalised(values) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr / arr.sum() if arr.sum() > 0 else np.full(len(arr), 1.0 / len(arr))


def _weights(kpi) -> np.ndarray:
    return _normalised([getattr(kpi, t) for t in KPI_TERMS])
