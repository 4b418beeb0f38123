"""The trainers' free-rider demonstration: decay without counter-mechanisms, each one holds it up.

Scenario ``free_rider_demo`` in community ``demo`` (about 300 adults), 24 months, 12 seeds per
arm. Arms share seeds, so the community (residents, graph) is the same across arms for a seed
and differences are paired. "End" is the mean contribution share over months 19–24, "start"
over months 1–3. Tolerances: a decline must halve the start level and exceed three standard
errors of the paired drop; a counter-mechanism must end above no counter-mechanism by more
than three standard errors of the paired difference and by at least 10% of the no-mechanism
level (:data:`MIN_GAIN`). An open ledger has no money to show in the demo, so it changes nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.community import CommunityModel

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_free_rider_demo")]  # the demo's arms: one worker

SEEDS = range(12)
MONTHS = 24
COUNTER_MECHANISMS = ("sanctions", "reputation", "incentives")


def run(seed: int, mechanism: str | None = None):
    # sanctions and reputation are behaviours (on/off); incentives and the ledger are programmes the rules require
    key = "enabled" if mechanism in ("sanctions", "reputation") else "mandated"
    overrides = {f"{mechanism}.{key}": True} if mechanism else {}
    m = CommunityModel(scenario_name="free_rider_demo", community="demo", rng=seed, **overrides)
    for _ in range(MONTHS):
        m.step()
    return m


@pytest.fixture(scope="module")
def arms() -> dict[str, list]:
    out = {}
    for mech in (None, *COUNTER_MECHANISMS, "disclosure"):
        out[mech or "none"] = [run(s, mech).timeseries() for s in SEEDS]
    return out


def per_seed(runs, metric: str, months: slice) -> np.ndarray:
    return np.array([ts[metric].iloc[months].mean() for ts in runs])


START, END = slice(1, 4), slice(MONTHS - 5, MONTHS + 1)


def se(x: np.ndarray) -> float:
    return float(x.std(ddof=1) / np.sqrt(len(x)))


def test_demo_community_is_small_and_the_commons_gets_no_public_money():
    m = run(0)
    assert 250 <= m.n_residents <= 350
    assert not {"sanctions", "reputation", "incentives", "disclosure"} & set(m.mechanisms)
    assert m.latest["government_spending_total"] == 0
    assert m.totals["projects_completed"] == 0 and m.state.volunteer.sum() == 0


def test_without_counter_mechanisms_mean_contribution_declines(arms):
    start = per_seed(arms["none"], "mean_contribution", START)
    end = per_seed(arms["none"], "mean_contribution", END)
    drop = start - end
    assert drop.mean() > 3 * se(drop) and end.mean() < 0.5 * start.mean(), (start.mean(), end.mean())
    # Free riding becomes visible: the share who benefit without contributing rises, and
    # conditional cooperators give less and less.
    assert per_seed(arms["none"], "free_riding_rate", END).mean() > per_seed(arms["none"], "free_riding_rate",
                                                                               START).mean() + 0.2
    cc = arms["none"]
    assert per_seed(cc, "contribution_conditional_cooperator", END).mean() < 0.5 * per_seed(
        cc, "contribution_conditional_cooperator", START).mean()


MIN_GAIN = {"sanctions": 0.10, "reputation": 0.10, "incentives": 0.10}
"""Least gain over no counter-mechanism, as a share of its level."""


def test_an_open_ledger_with_no_money_to_show_changes_nothing(arms):
    """The ledger moves trust by what it shows (model.mechanisms.disclosure); the demo's commons has no money in or
    out, so an open ledger shows nothing and every month's contributions are those without it."""
    for ledger, none in zip(arms["disclosure"], arms["none"]):
        np.testing.assert_array_equal(ledger["mean_contribution"].to_numpy(), none["mean_contribution"].to_numpy())


@pytest.mark.parametrize("mechanism", COUNTER_MECHANISMS)
def test_each_counter_mechanism_on_its_own_ends_higher_than_none(arms, mechanism):
    none = per_seed(arms["none"], "mean_contribution", END)
    on = per_seed(arms[mechanism], "mean_contribution", END)
    d = on - none
    assert d.mean() > max(3 * se(d), MIN_GAIN[mechanism] * none.mean()), \
        f"{mechanism}: {on.mean():.4f} vs none {none.mean():.4f}"


def test_free_riders_earn_more_than_contributors_unless_they_are_sanctioned(arms):
    none = per_seed(arms["none"], "payoff_gap", slice(1, MONTHS + 1))
    sanctions = per_seed(arms["sanctions"], "payoff_gap", slice(1, MONTHS + 1))
    assert none.mean() < 0, "contributors pay the cost, everyone shares the benefit"
    d = sanctions - none
    assert d.mean() > 3 * se(d)


def test_contributors_cluster_with_contributors_on_the_graph(arms):
    assort = per_seed(arms["none"], "cooperation_assortativity", END)
    assert assort.mean() > 0.1 and assort.mean() > 3 * se(assort)
