"""The resident agent: a Mesa agent whose attributes read and write its row of the model's arrays.

Residents' behaviour is computed for all residents at once by the model
(:mod:`model.decisions`); a ``Resident`` lets Mesa tools, visualisations and users look at
and change one resident as an ordinary object::

    r = model.resident_list[0]
    r.trust_in_government        # 0–1, read from model.state.trust_in_government[r.index]
    r.trust_in_government = 0.9  # written back to the array
"""

from __future__ import annotations

import mesa


def _array_attr(name: str, doc: str, cast=float):
    def get(self):
        return cast(getattr(self.model.state, name)[self.index])

    def set_(self, value):
        getattr(self.model.state, name)[self.index] = value

    return property(get, set_, doc=doc)


def _label_attr(name: str, vocabulary: str, doc: str):
    def get(self):
        return getattr(self.model, vocabulary)[int(getattr(self.model.state, name)[self.index])]

    return property(get, doc=doc)


class Resident(mesa.Agent):
    """An adult resident of the community.

    Attributes are views of ``model.state`` (see :class:`model.population.ResidentState`
    for units and ranges).
    """

    def __init__(self, model, index: int) -> None:
        super().__init__(model)
        self.index = index
        """Row of this resident in the model's arrays."""

    age_group = _label_attr("age_group", "AGE_GROUPS", "'youth' (18–34), 'middle' (35–59) or 'elderly' (60+)")
    disposition = _label_attr("disposition", "DISPOSITIONS", "cooperative disposition")
    matching_slope = _array_attr("matching_slope", "share given per share expected of others")
    trust_in_government = _array_attr("trust_in_government", "trust in government, 0–1")
    trust_in_neighbours = _array_attr("trust_in_neighbours", "trust in neighbours, 0–1")
    satisfaction = _array_attr("satisfaction", "satisfaction with the community, 0–1")
    efficacy = _array_attr("efficacy", "belief that taking part changes outcomes, 0–1")
    belief = _array_attr("belief", "expected contribution share of neighbours, 0–1")
    time_budget = _array_attr("time_budget", "hours a month for community affairs")
    digital_access = _array_attr("digital_access", "has smartphone/internet access", bool)
    party_member = _array_attr("party_member", "Party member or capable resident (能人)", bool)
    has_children = _array_attr("has_children", "lives in a household with children", bool)
    volunteer = _array_attr("volunteer", "enrolled as a volunteer", bool)
    points = _array_attr("points", "incentive points accumulated")
    contribution = _array_attr("contribution", "share of time budget given this month, 0–1")
    participated = _array_attr("participated", "took part this month", bool)
    benefit = _array_attr("benefit", "service received from facilities this month")

    @property
    def household(self) -> int:
        return int(self.model.structure.household[self.index])

    @property
    def building(self) -> int:
        return int(self.model.structure.building[self.index])

    @property
    def grid(self) -> int:
        return int(self.model.structure.grid[self.index])

    @property
    def needs(self) -> dict[str, float]:
        """Need weights over project domains (sum to 1)."""
        row = self.model.state.needs[self.index]
        return {d: float(w) for d, w in zip(self.model.DOMAINS, row)}

    @property
    def neighbours(self) -> list["Resident"]:
        """Residents this one has a tie with."""
        a = self.model.graph.adjacency
        cols = a.indices[a.indptr[self.index]: a.indptr[self.index + 1]]
        return [self.model.resident_list[int(j)] for j in cols]

    def tie_strength(self, other: "Resident") -> float:
        """Strength (0–1) of the tie to ``other``; 0 if there is none."""
        return float(self.model.graph.adjacency[self.index, other.index])

    def __repr__(self) -> str:
        return f"Resident({self.index}, {self.age_group}, {self.disposition})"
