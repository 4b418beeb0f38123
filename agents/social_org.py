"""Social organisation agents: NGOs, social-work agencies and volunteer teams."""

from __future__ import annotations

import functools

import mesa
import numpy as np


class SocialOrganisation(mesa.Agent):
    """A social organisation with capacity, funding and a service domain.

    Attributes:
        capacity: professional capacity (0–1); drives volunteer recruitment and mediation.
        contracted: holds a purchased-service contract this year.
        domain: index of its service domain in ``model.DOMAINS``.
    """

    def __init__(self, model, domain: int, capacity: float) -> None:
        super().__init__(model)
        self.domain = int(domain)
        self.capacity = float(capacity)
        self.contracted = True
        self.contract_stability = model.config.social_orgs.contract_stability
        """Probability the purchased-service contract is renewed at a year's end."""
        self.contract_value = model.config.social_orgs.contract_value
        """Yuan per resident per month the contract pays (shared among organisations)."""

    @functools.cached_property
    def rng(self) -> np.random.Generator:
        """The organisation's own random stream, ``agent.social_org.<unique_id>`` (contract renewals;
        :mod:`model.streams`), in place of Mesa's shared ``model.rng``."""
        return self.model.streams.get(f"agent.social_org.{self.unique_id}")

    def step(self) -> None:
        """Renew the contract at each year's end; grow capacity while funded, lose it otherwise."""
        m, p = self.model, self.model.config.social_orgs
        if m.steps % 12 == 0:
            self.contracted = bool(self.rng.random() < self.contract_stability)
        if self.contracted:
            self.capacity += p.capacity_growth * (1 - self.capacity)
            m.record.spend("purchased_services", self.contract_value * m.n_residents / len(m.social_orgs))
        else:
            self.capacity -= p.capacity_loss * self.capacity

