"""A residents' own body in a micro-grid (自管会: a self-management committee, a residents' council)."""

from __future__ import annotations

import numpy as np

from agents.institution import Institution


class ResidentsBody(Institution):
    """The residents' body of one grid: formed by its residents, it can carry programmes without the office.

    **Rule.** A resident is a *core activist* who took part in at least ``core_months`` of the last 12. With
    ``c_g`` the share of grid ``g``'s residents who are core activists:

    - *forming*: while the rules let residents organise (``residents_body.allowed``) and the core is large enough,
      ``c_g ≥ formation_share``, someone takes the lead with probability ``φ + γ`` a month (``φ`` =
      ``formation_rate``: a capable resident (能人) steps forward; ``γ`` = ``guidance``: the residents' committee
      guides residents to set one up, 指导成立; one uniform number a month from the body's stream);
    - *capacity*: ``β_g = min(1, c_g / capacity_share)`` (0–1): how much of a programme it can carry;
    - *taking over*: a programme it can carry (``carriers`` include ``residents_body``) that has reached its
      grid ``takeover_months`` months while the body existed becomes its own (the office may drop it, the body
      keeps it: :meth:`model.programmes.Programmes.set_body`);
    - *dissolving*: after ``c_g < dissolution_share`` has held ``dissolution_months`` months in a row it
      dissolves and gives up its programmes; it can form again later.

    Its programmes cost the purse nothing: its members give their time (the programme's delivery in the grid
    is ``β_g``).

    Sources: seed [004] (no self-management body after construction → maintenance vacuum; 长效机制:
    residents' councils and self-management committees that outlast a campaign); seed [001] (居民自治,
    self-management committees of buildings); Ostrom (1990) (self-governing institutions arise among users who
    interact repeatedly and can monitor each other).
    """

    kind = "residents_body"

    def __init__(self, model, grid: int) -> None:
        super().__init__(model)
        self.grid = int(grid)
        self.params = model.config.residents_body
        self.active = False
        """Whether the body exists now."""
        self.formed: int | None = None
        """Month it (last) formed (None: never)."""
        self.capacity = 0.0
        """``β_g``: how much of a programme it can carry (0–1)."""
        self.core_share = 0.0
        """``c_g``: share of the grid's residents who are core activists."""
        self._streak = 0
        self._seen: dict[str, int] = {}
        """Months each programme has reached the grid while the body existed."""
        self._members = np.flatnonzero(model.structure.grid == self.grid)

    def step(self) -> None:
        """Form, carry, take over or dissolve (see the class docstring)."""
        p, m = self.params, self.model
        if len(self._members) == 0:
            return
        self.core_share = float(m.core_activists_by_grid(p.core_months)[self.grid]) / len(self._members)
        u = self.rng.random()  # one number a month, used or not (aligned streams)
        if not self.active:
            if p.allowed and self.core_share >= p.formation_share and u < p.formation_rate + p.guidance:
                self.active, self.formed, self._streak, self._seen = True, int(m.steps), 0, {}
            return
        self.capacity = min(1.0, self.core_share / p.capacity_share) if p.capacity_share > 0 else 1.0
        self._streak = self._streak + 1 if self.core_share < p.dissolution_share else 0
        if self._streak >= p.dissolution_months:
            self.dissolve()
            return
        for prog in m.programmes:
            unit = m.mechanism_units[prog.name]
            if "residents_body" not in unit.carriers or prog.bodies[self.grid]:
                continue
            if unit.delivery[self.grid] > 0:
                self._seen[prog.name] = self._seen.get(prog.name, 0) + 1
                if self._seen[prog.name] >= p.takeover_months:
                    m.programmes.set_body(prog.name, self.grid, True)

    def dissolve(self) -> None:
        """The body dissolves and gives up its programmes."""
        m = self.model
        self.active, self.capacity, self._streak, self._seen = False, 0.0, 0, {}
        for prog in m.programmes:
            if prog.bodies[self.grid]:
                m.programmes.set_body(prog.name, self.grid, False)

    def programmes(self) -> list[str]:
        """The programmes it carries."""
        return [p.name for p in self.model.programmes if p.bodies[self.grid]]

    def card(self) -> dict[str, str]:
        if not self.active:
            return {"grid": str(self.grid), "body": "not formed", "core activists": f"{self.core_share:.0%}"}
        return {"grid": str(self.grid), "body": f"since month {self.formed}", "capacity": f"{self.capacity:.0%}",
                "carries": ", ".join(self.programmes()) or "nothing yet"}
