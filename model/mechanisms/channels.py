"""Channels: offline meetings, an online platform, or both.

A programme the street office runs: the online platform, and with it the rule of which channels are open
(``offline``: whether in-person meetings still run beside it). While nobody runs it, in-person meetings are the
channel, as in the status quo. While it runs, each resident takes part through the cheapest channel open to them. The core time cost
``k_i`` is that of the status quo, in-person meetings; the channel multiplies it by
``f_i = min(offline_cost[age_i] if offline, online_cost[age_i] if online and the resident has
digital access)``. A resident with no usable channel (online only, no digital access) keeps
only ``excluded_access`` of their *access*: the decision's motivation (occasions ×
engagement) and the private returns of taking part are multiplied by it, so they miss most
meetings, votes and sign-ups (they can still help in person now and then). Running the
platform costs ``platform_cost`` per adult resident a month, out of the purse.

Sources: seed [004] ("65% of communities still rely on residents' meetings and suggestion
boxes, which fail to attract young residents"; an online platform raised young residents'
participation by 50%; "platform dependence" left the elderly facing clear barriers and
participation fell; voice platforms and offline service points keep the elderly in); domain
brief ("online-only channels bring the young in and shut the elderly out").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.mechanisms.base import Mechanism, ProgrammeParams
from model.params import ByAge, ByKpi, param, share


@dataclass
class ChannelParams(ProgrammeParams):
    staff_hours: float = param(20.0, "community workers' hours a month it needs in each grid it runs in (moderating "
                               "the platform, posting occasions)", unit="hours/month", range=(0.0, 1e6),
                               source="assumption")
    serves: ByKpi = param(ByKpi(0.0, 0.2, 0.5, 0.2), "what the street office expects it to relieve, per KPI term",
                          source="assumption (seed [004]: an online platform raised young residents' participation "
                          "by 50%)")
    offline: bool = param(True, "offline meetings are held")
    online: bool = param(True, "an online platform is run")
    offline_cost: ByAge = param(
        ByAge(1.0, 1.0, 1.0), "time-cost multiplier of taking part offline (1: the status-quo meetings)",
        range=(0.0, 10.0), source="assumption (the core time cost is that of in-person meetings)")
    online_cost: ByAge = param(
        ByAge(0.5, 0.8, 1.2), "time-cost multiplier of taking part online, for residents with digital access",
        range=(0.0, 10.0), source="assumption (seed [004]: an online platform raised young residents' "
        "participation by 50%; the elderly find apps harder)")
    excluded_access: float = share(
        0.3, "share of access (occasions and private returns) kept by a resident with no usable channel",
        source="assumption (seed [004]: 'platform dependence' left the elderly facing clear barriers)")
    online_reporting: float = share(
        0.2, "monthly probability a resident with digital access who took part posts a need on the platform "
        "(a channel of the street office's picture of needs)")
    platform_cost: float = param(0.1, "monthly cost of the online platform per adult resident (200 yuan a month for "
                                 "2,000 adults)", unit="yuan/resident/month", range=(0.0, 1e4))


class Channels(Mechanism):
    """Channels: offline vs online participation, with digital exclusion."""

    name = "channels"
    order = 5
    Params = ChannelParams
    programme = True

    def monthly_cost(self, model) -> float:
        return self.params.platform_cost * model.n_residents

    def setup(self, model) -> None:
        p, s = self.params, model.state
        inf = np.inf
        off = np.asarray(p.offline_cost.as_tuple())[s.age_group] if p.offline else np.full(model.n_residents, inf)
        on = np.asarray(p.online_cost.as_tuple())[s.age_group] if p.online else np.full(model.n_residents, inf)
        on = np.where(s.digital_access, on, inf)
        factor = np.minimum(off, on)
        self.excluded = ~np.isfinite(factor)
        self.on_platform = np.isfinite(on)
        """Residents who use the online platform (it is run and they have digital access)."""
        self.notice = np.where(self.on_platform, 1.0, model.config.decision.notice_reach) if p.online else None
        """Share of the mechanisms' occasions each resident hears of without an active neighbour: all of them on
        the platform (``DecisionTerms.notice``; None without a platform)."""
        self.cost_factor = np.where(self.excluded, 1.0, factor)

    def contribution_terms(self, model, record, terms) -> None:
        terms.net_cost *= self.cost_factor
        terms.access[self.excluded] *= self.params.excluded_access
        if self.notice is not None:  # the platform posts every occasion to the residents on it
            terms.notice = self.notice

    def begin_step(self, model, record) -> None:
        if self.params.online:
            model.purse.pay("online_platform", self.params.platform_cost * model.n_residents)
