"""Co-sharing and incentives (成果共享): points or community coins for contributions, and honours.

A programme the street office runs (the coins are redeemed out of its purse). Residents it reaches earn
points for every hour given, at most ``points_per_hour`` an hour: the office prices them so that a month's
points fit its envelope for coins, ``r = min(points_per_hour, E / (coin_value · hours))`` (``E`` =
``budget_share`` of its monthly budget; the more residents give, the less an hour earns); every month residents claim the points they hold, a point redeeming
for ``coin_value`` yuan of goods or services, paid out of the purse within the street office's envelope for
coins, ``budget_share`` of its monthly budget: when the points held are worth more, only part is redeemed
(each resident's balance falls by the share paid, the rest stays owed), and residents' confidence that points
will be honoured moves to what they see, ``h ← h + ½ (paid / owed − h)`` (starting at 1). Points lower the net private
cost of taking part by what residents trust they will get, ``k_i ← k_i − D_g · o · h · T_i`` (``o`` =
``cost_offset``, ``T_i`` trust in government: the credibility of the promise to redeem). Honours for the
active add ``honour_boost`` to the engagement logit of residents who took part last month.

**Volunteers stay as far as the coins are honoured and worth their time.** An hour's points are worth
``w = min(1, coin_value · r / hour_value)`` of what volunteers expect for an hour
(``hour_value``: a symbolic, not a market, rate; honours alone, ``coin_value`` = 0, count in full), and a volunteer's monthly dropout hazard is multiplied by

    m = 1 − (1 − m_min) · h · w + broken · (1 − h) · 1[the volunteer holds points]

(``m_min`` = ``dropout_multiplier``): fully honoured coins of full worth keep volunteers (``m = m_min``);
points that are not paid are a **broken promise** that drives the volunteers holding them away faster than no
coins at all (``m > 1``). When the scheme stops (nobody runs it), nothing more is paid: ``h`` falls towards 0
by the same rule, and volunteers still holding points leave faster until they have written them off (their
points fall by ``write_off`` a month).

Calibration: with the core's dropout hazard 0.074/month (1 − 0.4^(1/12): 60% gone after a year, seed [004]),
``m_min`` = 0.25 gives 0.0185/month at full worth and honour, i.e. 20% gone after a year with community coins
(seed [004]); input check i1 of ``experiments.calibrate`` reads both.

Sources: seed [004] (a "smart elderly care" project without points exchange or honours lost 60% of its
volunteers in a year; a Shenzhen community's "community coins" cut attrition from 60% to 20% and raised
volunteer participation by 70%); Gneezy & Rustichini (2000), "Pay enough or don't pay at all"; Frey & Jegen
(2001) (motivation crowding: a reward withdrawn leaves less than none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.arrays import select
from model.mechanisms.base import Mechanism, ProgrammeParams
from model.params import ByKpi, param, share


@dataclass
class IncentiveParams(ProgrammeParams):
    staff_hours: float = param(20.0, "community workers' hours a month it needs in each grid it runs in (recording "
                               "points, redemption)", unit="hours/month", range=(0.0, 1e6), source="assumption")
    serves: ByKpi = param(ByKpi(0.0, 0.2, 0.7, 0.0), "what the street office expects it to relieve, per KPI term",
                          source="assumption (seed [004]: community coins raised volunteer participation by 70%)")
    points_per_hour: float = param(1.0, "points earned per hour contributed", unit="points/hour", range=(0.0, 1e4))
    coin_value: float = param(0.5, "yuan value of a point when redeemed (small goods and services)", unit="yuan/point",
                              range=(0.0, 1e4), source="assumption (seed [004]: points exchanged for small goods)")
    hour_value: float = param(
        0.2, "what volunteers expect for an hour, in yuan of coins (a symbolic rate: the coins' worth is recognition)",
        unit="yuan/hour", range=(0.001, 1e4), source="assumption (seed [004]: small goods and services for points)")
    cost_offset: float = param(
        0.03, "reduction of the net private cost of contributing at full trust that points will be honoured",
        range=(0.0, 2.0), source="assumption, calibrated (experiments.calibrate)")
    dropout_multiplier: float = param(
        0.25, "multiplier of volunteers' monthly dropout hazard under coins fully honoured and of full worth",
        range=(0.0, 10.0), source="seed [004]: volunteer attrition 60% without incentives, 20% with community coins")
    broken_promise: float = param(
        1.0, "extra dropout hazard (multiple of the base) of a volunteer holding points that are not paid",
        range=(0.0, 10.0), source="assumption (Gneezy & Rustichini 2000; Frey & Jegen 2001: crowding out)")
    write_off: float = share(0.1, "monthly share of unpaid points residents write off once the scheme stops")
    honour_boost: float = param(0.1, "engagement logit gain for residents who took part last month",
                                range=(0.0, 10.0))
    budget_share: float = share(0.1, "share of the street office's monthly budget it sets aside to redeem points")


class Incentives(Mechanism):
    """Incentives: points / community coins, honours, and volunteer retention."""

    name = "incentives"
    order = 50
    Params = IncentiveParams
    programme = True

    def setup(self, model) -> None:
        self.honoured = 1.0
        """Residents' confidence that points will be redeemed (0–1): the share paid of what was owed, smoothed."""
        self.rate = self.params.points_per_hour
        """Points an hour this month (the office prices points so that a month's claims fit its envelope)."""

    def monthly_cost(self, model) -> float:
        return self.params.budget_share * model.government.monthly_budget()

    @property
    def worth(self) -> float:
        """``w``: what an hour's points are worth of what volunteers expect for an hour (0–1)."""
        p = self.params
        return min(1.0, p.coin_value * self.rate / p.hour_value) if p.coin_value > 0 else 1.0

    def contribution_terms(self, model, record, terms) -> None:
        p = self.params
        terms.net_cost -= p.cost_offset * self.honoured * model.state.trust_in_government * self.reach(model)
        terms.engagement_logit += p.honour_boost * model.state.participated * self.reach(model)

    def after_decisions(self, model, record) -> None:
        # What the points are worth to residents, in payoff units: the cost offset they expect.
        record.rewards = (self.params.cost_offset * self.honoured * model.state.trust_in_government
                          * record.contribution * self.reach(model))

    def begin_step(self, model, record) -> None:
        """Residents claim the points they hold (last month's and any backlog): paid first, out of the month's
        budget, within the envelope."""
        p, s = self.params, model.state
        owed = p.coin_value * s.points.sum()
        if owed > 0:
            envelope = p.budget_share * model.government.monthly_budget()
            paid = model.purse.pay("incentives", min(owed, envelope))
            s.points *= 1.0 - paid / owed
            self.honoured += 0.5 * (paid / owed - self.honoured)

    def reward(self, model, record) -> None:
        p, s = self.params, model.state
        envelope = p.budget_share * model.government.monthly_budget()
        hours = float((record.hours * self.reach(model)).sum())
        self.rate = p.points_per_hour if p.coin_value <= 0 or hours <= 0 else min(
            p.points_per_hour, envelope / (p.coin_value * hours))  # the office prices points to fit its envelope
        s.points += self.rate * record.hours * self.reach(model)
        self._retention(model, record)

    def lapsed(self, model, record) -> None:
        """The scheme has stopped: nothing is paid; volunteers holding points leave faster until written off."""
        s = model.state
        self.honoured *= 0.5
        s.points *= 1 - self.params.write_off
        self._retention(model, record, running=False)

    def _retention(self, model, record, running: bool = True) -> None:
        p, s = self.params, model.state
        holds = s.points >= 1.0
        kept = (1 - p.dropout_multiplier) * self.honoured * self.worth if running else 0.0
        factor = 1 - kept + p.broken_promise * (1 - self.honoured) * holds
        record.dropout_multiplier *= select(s.volunteer, factor, 1.0)
