"""Funding mix: fiscal money spent on purchased services from social organisations.

Without this mechanism, social organisations hold purchased-service contracts that are renewed
at each year's end with the core probability ``social_orgs.contract_stability`` (0.35: the
share of stable contracts in the domain brief) and are worth ``social_orgs.contract_value``.
With it, the government commits to a stable funding mix: each contract is renewed with
probability ``contract_stability`` and pays ``contract_value`` yuan per adult resident a month
(shared among the organisations). While funded, an organisation's capacity ``κ_o`` grows,
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

from model.mechanisms.base import Mechanism, MechanismParams
from model.params import param, share


@dataclass
class FundingParams(MechanismParams):
    contract_stability: float = share(0.8, "probability a purchased-service contract is renewed each year",
                                      source="assumption (a committed multi-year purchase; core default 0.35)")
    contract_value: float = param(3.0, "purchased-service funding per adult resident per month", unit="yuan/month",
                                  range=(0.0, 1e5))


class Funding(Mechanism):
    """Funding mix: stable purchased-service contracts for social organisations."""

    name = "funding"
    order = 90
    Params = FundingParams

    def setup(self, model) -> None:
        for org in model.social_orgs:
            org.contract_stability = self.params.contract_stability
            org.contract_value = self.params.contract_value
