"""The mechanism interface and the per-step records mechanisms read and adjust.

One model step (a month) runs these phases; at each, the model calls the hook of every
enabled mechanism, in registry order:

=====================  ============================================================
hook                   what a mechanism may do there
=====================  ============================================================
``setup``              once, after the community is built
``begin_step``         shocks, contract renewals: change parameters for this month
``propose``            adjust the terms of proposed projects (:class:`ProjectChoice`:
                       cost, hours) before the street office approves what it can pay
``choose_projects``    for the approved projects: adjust domain views and dispute
                       risk; record who was consulted
``after_choice``       once the projects' domains are chosen: what residents saw of it
``contribution_terms`` adjust :class:`DecisionTerms` (opportunity, access, net
                       cost, engagement, norm pull, floors) before residents decide
``after_decisions``    react to what residents did (sanctions, reputation, upkeep)
``progress``           adjust construction and upkeep (rework, condition decay)
``evaluate``           add to :class:`Feedback` targets (trust, satisfaction, efficacy)
``reward``             points, honours, volunteer dropout hazard
``lapsed``             (a programme that ran and stopped) what it leaves behind
=====================  ============================================================

Hooks receive the model and a :class:`StepRecord` holding this month's arrays. They act
on whole arrays (numpy), never on residents one at a time. A programme's hooks are called only while
someone runs it (:mod:`model.programmes`), and scale its effects by its delivery in each grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from model.params import ByKpi, param
from model.streams import StreamOwner

if TYPE_CHECKING:  # pragma: no cover
    from model.community import CommunityModel


@dataclass
class ProjectChoice:
    """Grids that start a project this month, and the terms of their projects.

    Arrays have one entry (row) per starting grid.
    """

    grids: np.ndarray
    """Indices of grids starting a project."""
    weights: np.ndarray
    """(grids × domains) the street office's own priorities for each grid; rows sum to 1."""
    cost: np.ndarray
    """Money the government must fund (yuan)."""
    hours: np.ndarray
    """Residents' volunteer hours the project needs (hours)."""
    dispute_probability: np.ndarray
    """Probability the project starts a dispute between groups (0–1)."""
    consulted: np.ndarray
    """Whether residents were consulted on it (bool)."""
    views: np.ndarray
    """(grids × domains) residents' views as the street office has them: its picture of the grid's needs,
    or consultation votes where held; weighed by the office's adoption (rows sum to 1)."""
    balanced: np.ndarray | None = None
    """Per grid: a meeting weighed every group's voice by its share of the grid (units' pull does not apply)."""
    domains: np.ndarray | None = None
    """The domain chosen for each project (set once chosen, for :meth:`Mechanism.after_choice`)."""

    def __post_init__(self) -> None:
        if self.balanced is None:
            self.balanced = np.zeros(len(self.grids), dtype=bool)


@dataclass
class DecisionTerms:
    """Per-resident terms of this month's contribution decision (see :mod:`model.decisions`)."""

    opportunity: np.ndarray
    """How much there is to take part in (0–1); multiplies motivation."""
    net_cost: np.ndarray
    """Private cost per unit of contribution, net of incentives (can be negative)."""
    engagement_logit: np.ndarray
    """Additive shift of the engagement logit (mobilisation, honours)."""
    norm_pull: np.ndarray
    """How strongly the resident is pulled up to the norm (0–1; sanctions, reputation)."""
    norm: np.ndarray
    """The contribution share the community expects (0–1)."""
    floor: np.ndarray
    """A minimum contribution the resident has committed to (volunteers, leaders)."""
    access: np.ndarray | None = None
    """Share of the occasions the resident can reach through an open channel (0–1; default 1).
    It scales both the opportunity and the private return of one's stake (channels)."""
    notice: np.ndarray | float | None = None
    """Share of the occasions mechanisms create that the resident hears of with no active neighbour to tell them
    (0–1; None: ``decision.notice_reach`` for everyone); an online platform posts every occasion to its users."""

    def __post_init__(self) -> None:
        if self.access is None:
            self.access = np.ones_like(self.opportunity)

    def add_opportunity(self, extra: np.ndarray | float) -> None:
        """Add occasions to take part (0–1), combined as independent chances:
        ``o ← 1 − (1 − o)(1 − extra) = o + (1 − o)·extra``, so occasions saturate at 1 and every
        mechanism keeps a marginal effect. (Computed in the second form: ``extra = 0`` leaves ``o``
        bit for bit.)"""
        self.opportunity = self.opportunity + (1.0 - self.opportunity) * np.clip(extra, 0.0, 1.0)


@dataclass
class Feedback:
    """Additive shifts of this month's attitude targets, per resident."""

    trust_in_government: np.ndarray
    trust_in_neighbours: np.ndarray
    satisfaction: np.ndarray
    efficacy: np.ndarray


@dataclass
class StepRecord:
    """What happened this month: filled phase by phase, read by mechanisms and metrics."""

    n: int
    consulted: np.ndarray | None = None
    """Residents who took part in a consultation this month."""
    views_adopted: np.ndarray | None = None
    """Per resident: +1 views adopted, -1 views ignored, 0 not consulted."""
    terms: DecisionTerms | None = None
    contribution: np.ndarray | None = None
    participated: np.ndarray | None = None
    neighbour_participation: np.ndarray | None = None
    """Tie-weighted share of each resident's neighbours who took part this month (0–1; 0 with no ties)."""
    hours: np.ndarray | None = None
    upkeep_efficiency: float = 0.0
    """Share of residents' upkeep hours that actually maintain facilities (core default
    ``projects.unorganised_upkeep_efficiency``; co-management raises it)."""
    rework_probability: float | None = None
    upkeep_hours: np.ndarray | None = None
    """Residents' hours given to upkeep, per grid."""
    dispute_resolution: np.ndarray | None = None
    """Monthly probability each grid's dispute settles (mediation raises it)."""
    working_grids: np.ndarray | None = None
    """Grids whose project progressed this month (active, not halted by a dispute)."""
    completed_grids: np.ndarray | None = None
    benefit: np.ndarray | None = None
    feedback: Feedback | None = None
    dropout_multiplier: np.ndarray | None = None
    sanction_cost: np.ndarray | None = None
    """Per resident cost paid (sanctioners) or suffered (sanctioned) this month, in payoff units."""
    rewards: np.ndarray | None = None
    """Per resident reward received this month (points), in payoff units."""
    project_payments: np.ndarray | None = None
    """Per grid: yuan paid out of the purse to the grid's project this month."""
    project_fit: np.ndarray | None = None
    """Per grid: the need fit of the grid's project (0–1; what residents asked for)."""


@dataclass
class MechanismParams:
    """Parameters every behaviour has (a mechanism that is not a programme: peer sanctions, reputation, shocks)."""

    enabled: bool = param(False, "whether the mechanism is on")


UPTAKE_REFERENCE = 0.5
"""Share of the residents a programme reaches who take part at which its runner counts it fully taken up."""

CARRIERS = ("street_office", "residents_body", "party")
"""Who can run a programme: the street office (money out of the purse, community workers' hours), a residents'
own body in its grid (members' time; :class:`agents.residents_body.ResidentsBody`), the Party organisation."""


@dataclass
class ProgrammeParams:
    """Parameters every programme has: the rules about it, what running it takes, and what the street office
    expects of it. A scenario never switches a programme on: it sets rules (``mandated``, ``allowed``) and the
    actors decide (:mod:`model.programmes`)."""

    mandated: bool = param(
        False, "the rules require the street office to run it: it cannot drop it while they bind (a new leader is "
        "bound only if government.successor_bound)", source="seed [004]: 长效机制 — rules that outlast a campaign")
    allowed: bool = param(True, "the rules let it be run at all (false: nobody may start it)")
    staff_hours: float = param(
        0.0, "community workers' hours a month it needs in each grid it runs in, at full delivery", unit="hours/month",
        range=(0.0, 1e6), source="assumption (seeds [001], [003]: 1 secretary + 3 social workers + N grid workers run "
        "a community's work)")
    serves: ByKpi = param(
        ByKpi(), "what the street office expects it to relieve, per KPI term (the office's belief, 0–1; the office "
        "weighs it by its KPI and by the uptake it observes)", source="assumption (the seeds' claims about each "
        "measure, as an official would read them)")


class Mechanism(StreamOwner):
    """Base class of a participation mechanism. Override the hooks it acts in.

    A **programme** (``programme = True``: consultation, co-building, …) is run by someone — the street office,
    a residents' body, the Party organisation (``carriers``) — and acts only where it runs: its hooks scale its
    effects by :attr:`delivery`, the share of it that reaches each grid this month (0–1; set by
    :class:`model.programmes.Programmes` from who runs it and the money and hours they put in). A **behaviour**
    (``programme = False``: peer sanctions, reputation, shocks) is on or off (``enabled``); its delivery is 1.
    """

    name: ClassVar[str] = ""
    order: ClassVar[int] = 100
    Params: ClassVar[type] = MechanismParams
    programme: ClassVar[bool] = False
    """Whether it is a programme someone runs (else a behaviour switched by ``enabled``)."""
    carriers: ClassVar[tuple[str, ...]] = ("street_office",)
    """Who can run it (:data:`CARRIERS`)."""

    def __init__(self, model: "CommunityModel", params) -> None:
        self.model = model
        self.params = params
        self.delivery = np.zeros(model.n_grids) if self.programme else np.ones(model.n_grids)
        """Share of the programme that reaches each grid this month (0–1; nothing before anyone has run it; 1
        everywhere for a behaviour)."""

    def monthly_cost(self, model: "CommunityModel") -> float:
        """Yuan a month it costs the purse at full delivery (the street office's budgeting; 0: none)."""
        return 0.0

    def uptake(self, model: "CommunityModel") -> float:
        """How well residents take it up this month, as its runner sees it (0–1): by default the share of the
        residents it reached who took part, relative to ``UPTAKE_REFERENCE``."""
        reached = self.delivery > 0  # grids it reaches: the share of their residents who took part
        residents = float(model._grid_size[reached].sum())
        if residents <= 0:
            return 0.0
        return min(1.0, float(model.participants_by_grid()[reached].sum()) / residents / UPTAKE_REFERENCE)

    def reach(self, model: "CommunityModel") -> np.ndarray:
        """Per resident: the delivery of the resident's grid (0–1)."""
        return self.delivery.take(model.structure.grid)

    @property
    def stream_path(self) -> str:
        return f"mechanism.{self.name}"

    @property
    def rng(self) -> np.random.Generator:
        """The mechanism's own random stream, ``mechanism.<name>`` (:mod:`model.streams`): its draws
        leave every other process's numbers unchanged."""
        return self.stream()

    # Hooks (no-ops by default) -------------------------------------------------------
    def setup(self, model: "CommunityModel") -> None: ...

    def begin_step(self, model: "CommunityModel", record: StepRecord) -> None: ...

    def propose(self, model: "CommunityModel", record: StepRecord, choice: ProjectChoice) -> None: ...

    def choose_projects(self, model: "CommunityModel", record: StepRecord, choice: ProjectChoice) -> None: ...

    def after_choice(self, model: "CommunityModel", record: StepRecord, choice: ProjectChoice) -> None: ...

    def contribution_terms(self, model: "CommunityModel", record: StepRecord, terms: DecisionTerms) -> None: ...

    def after_decisions(self, model: "CommunityModel", record: StepRecord) -> None: ...

    def progress(self, model: "CommunityModel", record: StepRecord) -> None: ...

    def evaluate(self, model: "CommunityModel", record: StepRecord, feedback: Feedback) -> None: ...

    def reward(self, model: "CommunityModel", record: StepRecord) -> None: ...

    def lapsed(self, model: "CommunityModel", record: StepRecord) -> None:
        """Each month after a programme that ran has stopped (nobody runs it): what it leaves behind (a broken
        promise, …). Called in the reward phase."""
