"""Co-creation that can fail and fade: the patterns of the seeds, over replications (make test-slow).

The seeds are about why co-creation works in some communities and fails in others: consultation in form only
(形式主义), campaigns that fade with their leader (一阵风), no long-term mechanism (长效机制缺失), grid workers
buried in tasks (行政化), weak organisations (小散弱), strong groups capturing decisions. Each test runs the
default community for 120 months over 12 seeds — each seed a different community (``model.variation``), the
same community in every arm of that seed — and checks a pattern as a share of seeds or a paired mean with a
stated tolerance. The seeds (100–111) are not the ones ``benchmarks/fail_and_fade.py`` reports (0–29, the
figures in docs/results.md, 30 seeds); no parameter was chosen to make these tests pass. The bars are the issue's
("co-creation that can fail and fade") where it set one, else about half the 30-seed measurement.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from experiments import api
from model.params import InactiveParameterWarning

pytestmark = [pytest.mark.slow, pytest.mark.replicated]

SEEDS = range(100, 112)
MONTHS = 120
METRICS = ["participation_rate", "trust_in_government", "volunteer_share", "volunteer_retention",
           "org_activities", "need_fit_renters"]
_RUNS: dict = {}
"""(scenario, overrides) → api.Result, shared by the tests of one worker."""


def arm(scenario: str, **overrides) -> api.Result:
    key = (scenario, tuple(sorted(overrides.items())))
    if key not in _RUNS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InactiveParameterWarning)
            _RUNS[key] = api.evaluate(scenario, "default", seeds=SEEDS, overrides=overrides or None, steps=MONTHS,
                                      metrics=METRICS, timeseries=True, n_jobs=1)
    return _RUNS[key]


def value(result: api.Result, metric: str = "participation_rate") -> np.ndarray:
    """Per seed: the mean over the run's last 12 months."""
    return result.summary[metric].to_numpy()


def year(result: api.Result, y: int, metric: str = "participation_rate") -> np.ndarray:
    """Per seed: the mean over year ``y`` (1–10)."""
    ts = result.timeseries
    window = ts[(ts["step"] > 12 * (y - 1)) & (ts["step"] <= 12 * y)]
    return window.groupby("seed", sort=True)[metric].mean().to_numpy()


def test_co_creation_differs_between_communities_and_in_form_only_it_does_no_better_than_top_down():
    """Measured (seeds 0–29): co-creation 0.696 ± 0.102, top-down 0.171 ± 0.052; co_creation_in_form 0.136 ±
    0.033, no better than top-down in 77% of seeds. Tested (the issue's bars): co-creation's sd over communities
    ≥ 0.05 (it was 0.009 when programmes were switches), in-form no better than top-down in ≥ 25% of seeds."""
    td, cc, form = value(arm("top_down")), value(arm("co_creation")), value(arm("co_creation_in_form"))
    assert np.std(cc, ddof=1) >= 0.05, cc
    assert np.mean(form <= td) >= 0.25, (form, td)
    assert np.mean(form) < np.mean(cc) - 0.3


def test_a_campaign_fades_when_its_leader_leaves_unless_residents_bodies_carry_it():
    """Measured (seeds 0–29), gain over top-down from year 5 to year 10: leader_turnover +0.514 → +0.140 (shrunk
    73%); with the committee guiding residents' bodies first, +0.530 → +0.440 (17%); co-creation itself 0%.
    Tested (the issue's bars): leader_turnover's gain shrinks by at least half, the handover's by less than a
    quarter, and the
    handover keeps more participation in year 10 than leader_turnover in at least 80% of the communities."""
    td, lt, ho = arm("top_down"), arm("leader_turnover"), arm("leader_turnover_handover")

    def shrink(r):
        g5, g10 = np.mean(year(r, 5) - year(td, 5)), np.mean(year(r, 10) - year(td, 10))
        return 1 - g10 / g5
    assert shrink(lt) >= 0.5, shrink(lt)
    assert shrink(ho) < 1 / 4, shrink(ho)
    assert np.mean(year(ho, 10) > year(lt, 10)) >= 0.8


def test_an_open_ledger_lowers_trust_where_it_shows_money_misused():
    """Measured (seeds 0–29): with 40% of the budget spent on a showcase, trust in government is 0.035 lower with
    the ledger open than closed, lower in 87% of seeds (money left idle: −0.122, 100%; money well spent: +0.036). Tested: lower on average by ≥ 0.015 and in ≥ 75% of
    seeds."""
    misuse = {"shocks.enabled": True, "shocks.showcase_share": 0.4}
    open_ = value(arm("co_creation", **misuse), "trust_in_government")
    closed = value(arm("co_creation", **misuse, **{"disclosure.mandated": False, "disclosure.allowed": False}),
                   "trust_in_government")
    assert np.mean(open_ - closed) <= -0.015 and np.mean(open_ < closed) >= 0.75, (open_, closed)


def test_volunteers_leave_faster_when_the_coins_they_were_promised_stop_being_honoured():
    """Measured (seeds 0–29, months 66–78 of leader_turnover): retention 0.329 ± 0.078 with coins the new leader
    drops at month 60, 0.394 ± 0.031 where coins never ran (lower in 83% of seeds). Tested: lower by ≥ 0.02 on average."""
    def retention(r):
        ts = r.timeseries
        w = ts[(ts["step"] >= 66) & (ts["step"] <= 78)]
        return w.groupby("seed", sort=True)["volunteer_retention"].mean().to_numpy()
    dropped, never = retention(arm("leader_turnover")), retention(arm("leader_turnover", **{"incentives.allowed": False}))
    assert np.mean(dropped - never) <= -0.02, (dropped, never)


def test_grid_workers_buried_in_tasks_and_missing_organisations_cost_co_creation_participation():
    """Measured (seeds 0–29): administrative load 0.9 instead of 0.4 −0.073 ± 0.072 participation; no social
    organisations −0.314 ± 0.124 volunteer share (volunteers are recruited by organisations), −0.079 ± 0.037
    occasions from organisations' activities, and participation −0.006 ± 0.075, which is within noise (other
    occasions take the organisations' place) and so not tested. Tested (the issue's bars): the load costs ≥ 0.05;
    no organisations lowers activities and volunteers in every seed."""
    cc = arm("co_creation")
    heavy = arm("co_creation", **{"committee.administrative_load": 0.9})
    assert np.mean(value(heavy) - value(cc)) <= -0.05
    no_orgs = arm("co_creation", **{"social_orgs.count": 0})
    assert np.all(value(no_orgs, "volunteer_share") < value(cc, "volunteer_share"))
    assert np.all(value(no_orgs, "org_activities") < value(cc, "org_activities"))


def test_capture_by_strong_groups_costs_renters_need_fit_and_balanced_voice_gives_it_back():
    """Measured (seeds 0–29): units pulling hard (capture 0.5) with meetings where the active speak lower renters'
    need fit by 0.025 (0.515 → 0.490); weighing every group by its share gives it back (+0.024). Tested: capture lowers it by ≥ 0.008 on
    average, balanced voice raises it again by ≥ 0.008."""
    none = value(arm("co_creation", **{"units.capture": 0.0, "consultation.voice": "participants"}), "need_fit_renters")
    captured = value(arm("co_creation", **{"units.capture": 0.5, "consultation.voice": "participants"}),
                     "need_fit_renters")
    balanced = value(arm("co_creation", **{"units.capture": 0.5, "consultation.voice": "balanced"}), "need_fit_renters")
    assert np.mean(captured - none) <= -0.008, (captured, none)
    assert np.mean(balanced - captured) >= 0.008, (balanced, captured)
