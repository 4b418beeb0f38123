"""Residents' state: one numpy array per attribute, sampled from the config.

Index ``i`` of every array is resident ``i``. Residents of one household, one building and
one grid are contiguous, which keeps the network construction and per-grid sums cheap.
The Mesa ``Resident`` agents (:mod:`agents.resident`) read and write these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.params import AGE_GROUPS, DISPOSITIONS, DOMAINS, Dist
from model.streams import substream

YOUTH, MIDDLE, ELDERLY = 0, 1, 2
CONDITIONAL, FREE_RIDER, UNCONDITIONAL, HUMP_SHAPED = 0, 1, 2, 3


def sample_dist(rng: np.random.Generator, dist: Dist, n: int) -> np.ndarray:
    """Draw ``n`` values in [0, 1] from a Beta distribution with the given mean and sd.

    An sd of 0 (or a mean within 1e-9 of a bound, where the Beta's parameters would underflow)
    gives every draw the mean; an sd too large for a Beta with that mean is reduced to the
    largest one possible.
    """
    m, sd = float(dist.mean), float(dist.sd)
    if sd < 1e-9 or m < 1e-9 or m > 1 - 1e-9:
        return np.full(n, m)
    var = min(sd * sd, 0.98 * m * (1 - m))
    k = m * (1 - m) / var - 1
    return rng.beta(m * k, (1 - m) * k, size=n)


def categorical(rng: np.random.Generator, probs: np.ndarray, n: int) -> np.ndarray:
    """Draw ``n`` category indices with the given probabilities (int8)."""
    cum = np.cumsum(np.asarray(probs, dtype=float))
    cum /= cum[-1]
    return np.searchsorted(cum, rng.random(n), side="right").astype(np.int8)


@dataclass
class Structure:
    """Where residents live: household, building and grid of each resident."""

    household: np.ndarray
    building: np.ndarray
    grid: np.ndarray
    n_households: int
    n_buildings: int
    n_grids: int
    storey: np.ndarray
    """Floor of each resident's household (1 = ground floor), int16."""
    entrance: np.ndarray
    """Stairwell (单元) of each resident's household, numbered across the community, int32."""
    n_entrances: int

    @property
    def n(self) -> int:
        return len(self.household)


def build_structure(rng: np.random.Generator, community) -> Structure:
    """Households in buildings, buildings in grids; 1 + Poisson adults per household. Within a building,
    household ``k`` (0, 1, …) lives in stairwell ``k // households_per_entrance`` on storey
    ``1 + (k mod e) · storeys // e`` (``e`` households per entrance, spread evenly from the ground floor up)."""
    n_buildings = community.buildings
    n_households = n_buildings * community.households_per_building
    sizes = 1 + rng.poisson(community.adults_per_household - 1.0, n_households)
    np.minimum(sizes, 8, out=sizes)
    household = np.repeat(np.arange(n_households, dtype=np.int32), sizes)
    building = (household // community.households_per_building).astype(np.int32)
    grid = (building // community.buildings_per_grid).astype(np.int32)
    n_grids = int(grid[-1]) + 1 if len(grid) else 0
    hpb, e = community.households_per_building, max(1, min(community.households_per_entrance,
                                                          community.households_per_building))
    k = np.arange(n_households) % hpb
    per_building = -(-hpb // e)  # entrances in a building (the last may be smaller)
    entrance_of = (np.arange(n_households) // hpb) * per_building + k // e
    storey_of = 1 + ((k % e) * community.storeys) // e
    return Structure(household, building, grid, n_households, n_buildings, n_grids,
                     storey_of[household].astype(np.int16), entrance_of[household].astype(np.int32),
                     n_buildings * per_building)


AGE_BOUNDS = (18.0, 35.0, 60.0, 90.0)
"""Ages (years) bounding the age groups: youth 18–34, middle 35–59, elderly 60–90."""


def age_within_group(rng: np.random.Generator, age_group: np.ndarray) -> np.ndarray:
    """Age in years of each resident within its age group: uniform over 18–35 and 35–60; over 60–90
    with a density falling linearly to 0 at 90 (fewer of the very old: ``a = 60 + 30 (1 − √u)``, mean 70)."""
    u = rng.random(len(age_group))
    lo = np.asarray(AGE_BOUNDS[:3])[age_group]
    width = np.diff(AGE_BOUNDS)[age_group]
    return np.where(age_group == ELDERLY, lo + width * (1.0 - np.sqrt(u)), lo + width * u)


def age_group_of(age_years: np.ndarray) -> np.ndarray:
    """Age group (0 youth, 1 middle, 2 elderly) of ages in years (int8)."""
    return np.searchsorted(np.asarray(AGE_BOUNDS[1:3]), age_years, side="right").astype(np.int8)


def draw_traits(rng, cfg, age_group: np.ndarray, has_children: np.ndarray) -> dict[str, np.ndarray]:
    """Fresh traits of residents of the given age groups, from the community's distributions: disposition,
    slope, unconditional level, trust in government and in neighbours, satisfaction, efficacy, belief, time
    budget and cost, digital access, needs and fit. ``rng(trait)`` gives each trait's generator (setup:
    ``population.<trait>``; newcomers: ``life_course.<trait>``)."""
    res = cfg.resident
    n = len(age_group)
    out = {"disposition": categorical(rng("disposition"), _tuple(res.dispositions, DISPOSITIONS), n),
           "matching_slope": sample_dist(rng("matching_slope"), res.matching_slope, n),
           "unconditional_level": sample_dist(rng("unconditional_level"), cfg.decision.unconditional_level, n)}
    for trait in ("trust_in_government", "trust_in_neighbours", "satisfaction", "efficacy"):
        out[trait] = sample_dist(rng(trait), getattr(res, trait), n)
    out["belief"] = sample_dist(rng("belief"), res.initial_belief, n)
    out["time_budget"] = np.asarray(res.time_budget.as_tuple())[age_group]
    time_cost = np.asarray(res.time_cost.as_tuple())[age_group]
    cv = res.time_cost_variation
    if cv > 0:  # working hours, commuting and care duties differ within an age group
        time_cost = time_cost * rng("time_cost").gamma(1.0 / cv**2, cv**2, n)
    out["time_cost"] = time_cost
    online = np.asarray(res.digital_access.as_tuple())[age_group]
    out["digital_access"] = rng("digital_access").random(n) < online
    profiles = np.array([getattr(res.needs, a).as_tuple() for a in AGE_GROUPS])
    alpha = profiles[age_group]
    alpha[:, DOMAINS.index("children")] += res.children_need_boost * has_children
    alpha *= res.need_concentration / alpha.sum(axis=1, keepdims=True)
    gam = rng("needs").gamma(np.maximum(alpha, 1e-3))
    out["needs"] = gam / gam.sum(axis=1, keepdims=True)
    out["fit"] = out["needs"] / out["needs"].max(axis=1, keepdims=True)
    return out


class ResidentState:
    """Arrays of resident attributes (one entry per adult resident).

    Attributes (units and ranges):
        age_group: int8, 0 youth (18–34), 1 middle (35–59), 2 elderly (60+).
        age_years: age in years (float, 18–90 at the start; :func:`age_within_group`).
        disposition: int8, index into ``DISPOSITIONS``.
        matching_slope: share given per share expected of others (conditional cooperators), 0–1.5.
        unconditional_level: contribution share of unconditional cooperators, 0–1.
        trust_in_government, trust_in_neighbours, satisfaction, efficacy: 0–1.
        belief: expected contribution share of neighbours, 0–1.
        time_budget: hours a month for community affairs.
        time_cost: private cost per unit of contribution share (age mean × a Gamma factor with mean 1).
        digital_access: bool.
        needs: (n × domains) need weights, rows sum to 1.
        fit: (n × domains) need fit of each domain, ``needs / needs.max(row)``, 0–1.
        party_member: bool, Party member or capable resident (能人).
        has_children: bool, lives in a household with children.
        volunteer: bool; volunteer_since: step enrolled (-1 if not a volunteer).
        points: accumulated incentive points.
        contribution: share of time budget given this month, 0–1.
        participated: bool, contribution ≥ the participation threshold this month.
        contributed_to_project: bool, has given time to the current project of their grid.
        owner: bool, the household owns its home (an owners' vote); False: it rents.
        years_in_community: years the household has lived here (float; the same for its adults; at the
            start ``Exponential`` with mean ``resident.owner_years_in_community`` or
            ``renter_years_in_community`` by tenure, at most the first adult's age − 18).
        storey: int16, floor the household lives on (1 = ground floor).
        entrance: int32, the stairwell (单元) the household shares (the unit deciding on a lift).
    """

    def __init__(self, streams, cfg, structure: Structure) -> None:
        """``streams``: the run's :class:`model.streams.Streams` (each trait from its own stream
        ``population.<trait>``, so a change to one trait's distribution leaves the others' draws
        unchanged) or one ``numpy.random.Generator`` for all."""
        res = cfg.resident
        n = structure.n
        self.n = n
        self.household = structure.household
        self.building = structure.building
        self.grid = structure.grid

        def rng(trait: str) -> np.random.Generator:
            return substream(streams, f"population.{trait}")

        self.age_group = categorical(rng("age_group"), _tuple(res.age_shares, AGE_GROUPS), n)
        self.age_years = age_within_group(rng("age_years"), self.age_group)
        children_households = (rng("has_children").random(structure.n_households)
                               < cfg.community.children_household_share)
        self.has_children = children_households[self.household]
        for name, values in draw_traits(rng, cfg, self.age_group, self.has_children).items():
            setattr(self, name, values)
        age_weight = np.where(self.age_group == ELDERLY, res.party_member_elderly_bias, 1.0)
        p_party = np.clip(res.party_member_share * age_weight / age_weight.mean(), 0, 1)
        self.party_member = rng("party_member").random(n) < p_party

        first = np.flatnonzero(np.r_[True, self.household[1:] != self.household[:-1]])  # first adult of each household
        owner_share = np.asarray(res.owner_share.as_tuple())[self.age_group[first]]
        owns = rng("owner").random(structure.n_households) < owner_share
        self.owner = owns[self.household]
        stay = np.where(owns, res.owner_years_in_community, res.renter_years_in_community)
        years = rng("years_in_community").exponential(1.0, structure.n_households) * stay
        self.years_in_community = np.minimum(years, self.age_years[first] - AGE_BOUNDS[0])[self.household]
        self.storey = structure.storey
        self.entrance = structure.entrance

        self.volunteer = rng("volunteer").random(n) < res.volunteer_share
        self.volunteer_since = np.where(self.volunteer, 0, -1).astype(np.int32)
        self.points = np.zeros(n)
        self.contribution = np.zeros(n)
        self.participated = np.zeros(n, dtype=bool)
        self.contributed_to_project = np.zeros(n, dtype=bool)
        self.benefit = np.zeros(n)
        self.payoff = np.zeros(n)


def _tuple(obj, names) -> np.ndarray:
    return np.array([getattr(obj, k) for k in names], dtype=float)
