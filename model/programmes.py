"""Programmes: participation mechanisms that someone runs, pays for, keeps up or drops.

A scenario never switches a programme on. It sets rules — which programmes the rules require of the
street office (``<programme>.mandated``) or forbid (``allowed``), the office's KPI, its budget, the
leader's tenure — and the actors decide:

- the **street office** reviews its programmes each quarter (:meth:`agents.government.Government.review`):
  it keeps the mandated ones and starts or drops the others by what its KPI values, what it observes of
  their uptake and what its budget leaves;
- a **residents' body** (自管会, a residents' council) that has formed in a grid takes over the
  programmes it can carry once they have run there long enough, and keeps them without the office
  (:class:`agents.residents_body.ResidentsBody`);
- the **Party organisation** runs mobilisation where its rules give it one, in the grids where
  participation is low (:class:`agents.party.PartyOrganisation`).

A programme keeps running only while someone runs it. Each month its **delivery** in grid ``g`` is

    D_g = max(1[office holds it] · ρ · κ, 1[the Party holds it] · π_g, 1[the body of g holds it] · β_g)     (0–1)

with ``ρ = min(1, months the office has run it / ramp_months)`` (a programme the office takes up takes months to
reach everyone: staff learn to run it, residents learn that it exists), ``κ`` the share of the programme's staff hours the community workers and contracted social
organisations can give this month (:meth:`agents.committee.ResidentsCommittee.step`), ``π_g`` the Party's
allocation to grid ``g`` and ``β_g`` the capacity of grid ``g``'s residents' body. The programme's hooks scale
their effects by ``D_g`` (:attr:`model.mechanisms.base.Mechanism.delivery`); its money it pays out of the one
purse as it acts, and what the purse cannot pay it does not deliver.

Sources: seed [004] (一阵风: campaigns that fade when a leader moves; 长效机制缺失: no long-term mechanism;
co-creation plan: the five co-s as measures a community takes up); the stakeholders sketch (programmes that
someone starts, pays for, keeps up or drops).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.mechanisms import MECHANISMS


@dataclass
class Event:
    """Something that happened to a programme: ``started``, ``stopped``, ``taken over`` or ``given up``."""

    month: int
    programme: str
    what: str
    by: str


@dataclass
class Programme:
    """The standing of one programme: who runs it, since when, and how much of it reaches each grid."""

    name: str
    n_grids: int
    office: bool = False
    """The street office runs and pays for it."""
    party: bool = False
    """The Party organisation runs it (mobilisation)."""
    bodies: np.ndarray = field(default=None)  # type: ignore[assignment]
    """Per grid: the grid's residents' body carries it."""
    started: int | None = None
    """Month it last started (None: never ran)."""
    started_by: str = ""
    months_running: int = 0
    """Months it has run since it last started."""
    office_months: int = 0
    """Months the street office has run it since it last took it up (the office's commitment to it)."""
    uptake: float = 1.0
    """The office's memory of how well residents take it up (0–1; 1 before it ever ran: the office's optimism)."""

    def __post_init__(self) -> None:
        if self.bodies is None:
            self.bodies = np.zeros(self.n_grids, dtype=bool)

    @property
    def running(self) -> bool:
        """Whether anyone runs it now."""
        return self.office or self.party or bool(self.bodies.any())

    def holders(self) -> list[str]:
        """Who runs it now, in words."""
        out = ["street office"] if self.office else []
        if self.party:
            out.append("Party organisation")
        if self.bodies.any():
            out.append(f"residents' bodies ({int(self.bodies.sum())} of {self.n_grids} grids)")
        return out


class Programmes:
    """Every programme of a model (one :class:`Programme` per programme mechanism), their holders and deliveries.

    Attributes:
        by_name: programme name → :class:`Programme`, in the mechanisms' order.
        events: what happened to programmes, in order (:class:`Event`).
    """

    def __init__(self, model) -> None:
        self.model = model
        self.by_name: dict[str, Programme] = {
            name: Programme(name, model.n_grids) for name, cls in MECHANISMS.items() if cls.programme}
        self.events: list[Event] = []

    def __getitem__(self, name: str) -> Programme:
        return self.by_name[name]

    def __iter__(self):
        return iter(self.by_name.values())

    def allowed(self, name: str) -> bool:
        """Whether the rules let the programme be run at all."""
        return bool(getattr(self.model.config, name).allowed)

    def _log(self, name: str, what: str, by: str) -> None:
        self.events.append(Event(int(self.model.steps), name, what, by))

    def set_office(self, name: str, hold: bool) -> None:
        """The street office takes the programme up (``hold``) or drops it."""
        p = self.by_name[name]
        if hold == p.office or (hold and not self.allowed(name)):
            return
        was = p.running
        p.office = hold
        p.office_months = 0
        self._changed(p, was, "street office", hold)

    def set_party(self, name: str, hold: bool) -> None:
        """The Party organisation takes the programme up or drops it."""
        p = self.by_name[name]
        if hold == p.party or (hold and not self.allowed(name)):
            return
        was = p.running
        p.party = hold
        self._changed(p, was, "Party organisation", hold)

    def set_body(self, name: str, grid: int, hold: bool) -> None:
        """Grid ``grid``'s residents' body takes the programme over (``hold``) or gives it up."""
        p = self.by_name[name]
        if hold == bool(p.bodies[grid]) or (hold and not self.allowed(name)):
            return
        was = p.running
        p.bodies[grid] = hold
        self._changed(p, was, f"residents' body of grid {grid}", hold, takeover=True)

    def _changed(self, p: Programme, was: bool, who: str, hold: bool, takeover: bool = False) -> None:
        if p.running and not was:
            p.started, p.started_by, p.months_running = int(self.model.steps), who, 0
            self._log(p.name, "started", who)
        elif was and not p.running:
            self._log(p.name, "stopped", who)
        else:
            self._log(p.name, ("taken over" if takeover else "taken up") if hold else "given up", who)

    def update_delivery(self) -> None:
        """Each programme's delivery per grid this month (module docstring); the model's acting mechanisms follow."""
        m = self.model
        staff = m.committee.staff_coverage
        ramp_months = m.config.government.ramp_months
        for p in self:
            mech = m.mechanism_units[p.name]
            d = np.zeros(m.n_grids)
            if p.office:
                p.office_months += 1
                ramp = min(1.0, p.office_months / ramp_months) if ramp_months > 0 else 1.0
                d = np.maximum(d, ramp * (staff if mech.params.staff_hours > 0 else 1.0))
            if p.party:
                d = np.maximum(d, m.party.allocation)
            if p.bodies.any():
                d = np.maximum(d, np.where(p.bodies, m.body_capacity(), 0.0))
            mech.delivery = d
            if p.running:
                p.months_running += 1
        m.refresh_mechanisms()

    def staff_needed(self) -> float:
        """Community workers' hours a month the street office's programmes need at full delivery (all grids)."""
        m = self.model
        return sum(m.mechanism_units[p.name].params.staff_hours * m.n_grids for p in self if p.office)

    def running(self) -> list[str]:
        """Names of the programmes running now."""
        return [p.name for p in self if p.running]
