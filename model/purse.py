"""One purse: every yuan of the community's money has a source and a use.

The street office's budget, units in the area and residents' co-funding pay into one purse; every
use — projects, consultation meetings, answering suggestions, evaluation, incentives, upkeep,
purchased services, the ledger, the online platform, mediation, lift subsidies — is paid out of it.
A payment is at most the balance, so

    Σ_t spending_t ≤ Σ_t income_t        and        balance_t = Σ income − Σ spending ≥ 0

hold at every month, and levers compete for the same money: a yuan paid for coins is a yuan
not released to a project. Money is fungible inside the purse; for reporting, each payment is
drawn from the sources in proportion to their shares of the balance (pro-rata fund
accounting), so spending can be read by source and by use (``by_source_and_use``).

Property fees are not community money: they are owners' payments for a service, kept in the property
company's own books (:class:`agents.property.PropertyCompany`), as the maintenance fund is the owners'
(:class:`agents.owners.OwnersCommittee`); both are reported beside the purse.

Source: seed [002] (权随责走、费随事转: money follows the tasks handed down); seed [004]
(government holds 80–90% of community funds; co-funding by residents and units).
"""

from __future__ import annotations

SOURCES = ("street_office", "units", "residents", "district")
"""Where money comes from: the street office's budget, units in the area, residents' co-funding, and the
district's programmes passed through for one use (lift subsidies)."""

USES = ("projects", "consultation", "survey", "answers", "evaluation", "incentives", "upkeep",
        "purchased_services", "disclosure", "online_platform", "mediation", "showcase_upkeep", "lifts")
"""What money is spent on (the report's categories)."""


class Purse:
    """The community's money: balances by source, this month's and all months' flows.

    Attributes:
        income: this month's income by source (yuan).
        spending: this month's spending by use (yuan).
        total_income, total_spending: since the start, by source and by use (yuan).
        by_source_and_use: cumulative spending, ``{(source, use): yuan}``.
    """

    def __init__(self) -> None:
        self._balance = {s: 0.0 for s in SOURCES}
        self.income = {s: 0.0 for s in SOURCES}
        self.spending = {u: 0.0 for u in USES}
        self.total_income = {s: 0.0 for s in SOURCES}
        self.total_spending = {u: 0.0 for u in USES}
        self.by_source_and_use = {(s, u): 0.0 for s in SOURCES for u in USES}

    @property
    def balance(self) -> float:
        """Yuan in the purse (≥ 0)."""
        return sum(self._balance.values())

    def new_month(self) -> None:
        """Start this month's flows at zero (totals keep counting)."""
        for s in SOURCES:
            self.income[s] = 0.0
        for u in USES:
            self.spending[u] = 0.0

    def receive(self, source: str, yuan: float) -> None:
        """Pay ``yuan`` (≥ 0) into the purse from ``source``."""
        if source not in self._balance:
            raise ValueError(f"unknown source of money {source!r}; allowed: {', '.join(SOURCES)}")
        yuan = max(float(yuan), 0.0)
        self._balance[source] += yuan
        self.income[source] += yuan
        self.total_income[source] += yuan

    def pay(self, use: str, yuan: float) -> float:
        """Pay up to ``yuan`` for ``use``; return what was paid: ``min(yuan, balance)``, drawn from
        the sources in proportion to their balances."""
        if use not in self.spending:
            raise ValueError(f"unknown use of money {use!r}; allowed: {', '.join(USES)}")
        balance = self.balance
        paid = min(max(float(yuan), 0.0), balance)
        if paid <= 0.0:
            return 0.0
        for s, b in self._balance.items():
            part = paid * b / balance
            self._balance[s] = max(b - part, 0.0)
            self.by_source_and_use[(s, use)] += part
        self.spending[use] += paid
        self.total_spending[use] += paid
        return paid

    def pass_through(self, source: str, use: str, yuan: float) -> None:
        """Money that comes in for one use and goes straight to it (residents' co-funding of their project):
        received from ``source`` and paid for ``use``, both recorded, the balance unchanged."""
        yuan = max(float(yuan), 0.0)
        self.receive(source, 0.0)  # checks the name
        if use not in self.spending:
            raise ValueError(f"unknown use of money {use!r}; allowed: {', '.join(USES)}")
        self.income[source] += yuan
        self.total_income[source] += yuan
        self.spending[use] += yuan
        self.total_spending[use] += yuan
        self.by_source_and_use[(source, use)] += yuan

    def spent_this_month(self) -> float:
        return sum(self.spending.values())

    def spent_in_all(self) -> float:
        return sum(self.total_spending.values())

    def received_in_all(self) -> float:
        return sum(self.total_income.values())
