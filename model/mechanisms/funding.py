"""Funding mix: fiscal money spent on purchased services from social organisations.

Without this mechanism, social organisations hold purchased-service contracts that are renewed
at each year's end with the core probability ``social_orgs.contract_stability`` (0.35: the
share of stable contracts in the domain brief) and are worth ``social_orgs.contract_value``.
With it — a programme the street office runs, a committed multi-year purchase of services — each contract is
renewed with probability ``contract_stability`` and pays ``contract_value`` yuan per adult resident a month
(shared among the organisations) while it runs (:meth:`agents.social_org.SocialOrganisation.contract_terms`);
when it stops, contracts fall back to the core terms. While funded, an organisation's capacity ``κ_o`` grows,
``κ_o ← κ_o + g (1 − κ_o)``; unfunded it shrinks, ``κ_o ← (1 − l) κ_o`` (core
``social_orgs.capacity_growth``, ``capacity_loss``). Capacity is what the rest of the model
reads: volunteer recruitment (probability ``recruitment_rate · Σ_o κ_o`` a month) and, when
``mediation.by_social_orgs``, mediation.

Residents' co-funding of projects belongs to co-building (:mod:`model.mechanisms.co_building`).

Sources: domain brief (social organisations "small, scattered, weak"; only ~35% of
purchased-service contracts stable); seed [004] (82% of community funds fiscal, under 20%
from social capital and residents; a social-work talent programme raised service efficacy 60%).
"""

from __future__ import annotations

from dataclasses import dataclass

from model.mechanisms.base import Mechanism, ProgrammeParams
from model.params import ByKpi, param, share


@dataclass
class FundingParams(ProgrammeParams):
    staff_hours: float = param(10.0, "community workers' hours a month it needs in each grid it runs in (managing "
                               "the contracts)", unit="hours/month", range=(0.0, 1e6), source="assumption")
    serves: ByKpi = param(ByKpi(0.0, 0.4, 0.4, 0.2), "what the street office expects it to relieve, per KPI term",
                          source="assumption (seed [004]: a social-work talent programme raised service efficacy 60%)")
    contract_stability: float = share(0.8, "probability a purchased-service contract is renewed each year",
                                      source="assumption (a committed multi-year purchase; core default 0.35)")
    contract_value: float = param(3.0, "purchased-service funding per adult resident per month", unit="yuan/month",
                                  range=(0.0, 1e5))


class Funding(Mechanism):
    """Funding mix: stable purchased-service contracts for social organisations."""

    name = "funding"
    order = 90
    Params = FundingParams
    programme = True

    def monthly_cost(self, model) -> float:
        """What it adds to the core contracts' value."""
        return max(self.params.contract_value - model.config.social_orgs.contract_value, 0.0) * model.n_residents

    def uptake(self, model) -> float:
        orgs = [o for o in model.social_orgs if o.contracted]
        return float(sum(o.quality for o in orgs) / len(orgs)) if orgs else 0.0
