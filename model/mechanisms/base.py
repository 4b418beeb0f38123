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
                       risk; record who was consulted and whose views were adopted
``contribution_terms`` adjust :class:`DecisionTerms` (opportunity, access, net
                       cost, engagement, norm pull, floors) before residents decide
``after_decisions``    react to what residents did (sanctions, reputation, upkeep)
``progress``           adjust construction and upkeep (rework, condition decay)
``evaluate``           add to :class:`Feedback` targets (trust, satisfaction, efficacy)
``reward``             points, honours, volunteer dropout hazard
=====================  ============================================================

Hooks receive the model and a :class:`StepRecord` holding this month's arrays. They act
on whole arrays (numpy), never on residents one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from model.params import param
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


@dataclass
class MechanismParams:
    """Parameters every mechanism has."""

    enabled: bool = param(False, "whether the mechanism is on")


class Mechanism(StreamOwner):
    """Base class of a participation mechanism. Override the hooks it acts in."""

    name: ClassVar[str] = ""
    order: ClassVar[int] = 100
    Params: ClassVar[type] = MechanismParams

    def __init__(self, model: "CommunityModel", params) -> None:
        self.model = model
        self.params = params

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

    def contribution_terms(self, model: "CommunityModel", record: StepRecord, terms: DecisionTerms) -> None: ...

    def after_decisions(self, model: "CommunityModel", record: StepRecord) -> None: ...

    def progress(self, model: "CommunityModel", record: StepRecord) -> None: ...

    def evaluate(self, model: "CommunityModel", record: StepRecord, feedback: Feedback) -> None: ...

    def reward(self, model: "CommunityModel", record: StepRecord) -> None: ...
