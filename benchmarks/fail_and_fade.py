"""Where co-creation fails and what fades: the measurements behind issue 25, through the project's runner.

Usage::

    python -m benchmarks.fail_and_fade                 # 30 seeds per arm (540 runs, about 2 minutes on 2 cores)
    python -m benchmarks.fail_and_fade seeds=10 n_jobs=2

Every arm runs the default community for 120 months with the community's uncertain quantities drawn per seed
(``model.variation``: replications are different communities; the same seed is the same community in every
arm, so differences are paired). A run's value is its mean over its last 12 months unless said otherwise.
Printed, each with mean ± sd over the seeds:

1. **Spread**: co-creation's and top-down's participation; the share of seeds in which co-creation does no
   better than top-down.
2. **Failure**: ``co_creation_in_form`` (co-creation's rules on paper; a projects KPI, views not adopted, grid
   workers buried in tasks, few Party members registered) against top-down.
3. **Fade**: participation year by year under top-down, co-creation, ``leader_turnover`` (a new leader at month
   60, not bound by the pilot's rules) and ``leader_turnover_handover`` (the same after residents' bodies have
   taken the programmes over); how far each one's gain over top-down in year 10 has shrunk from year 5.
4. **The ledger shows what happened**: trust in government with the ledger open (required) against closed
   (forbidden), where money is misused on a showcase (40% of the budget) and where it is left idle (a budget of 30
   yuan per resident the community's projects cannot absorb).
5. **A scheme that stops paying**: volunteer retention in months 66–78 under ``leader_turnover`` with coins
   (dropped by the new leader) against coins never allowed.
6. **Institutions that react**: co-creation's participation with an administrative load of 0.9 against 0.4;
   with no social organisations against the default (participation, volunteers, occasions from activities).
7. **Capture**: need fit of renters under co-creation with units that pull hard (capture 0.5) and meetings where
   the active speak (voice: participants), against no capture and against balanced voice.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd

from experiments import api
from experiments.command_line import Option, parse
from model.params import InactiveParameterWarning

MONTHS = 120
PROG = "python -m benchmarks.fail_and_fade"
OPTIONS = {
    "seeds": Option(30, int, "seeds per arm (each a different community, paired across arms)", range=(2, 1000)),
    "n_jobs": Option(-1, int, "parallel runs (-1: every core)", range=(-1, 64), exclude=(0,)),
}
PROJECTS_KPI = {"government.kpi.projects_completed": 1.0, "government.kpi.satisfaction": 0.0,
                "government.kpi.participation": 0.0, "government.kpi.complaints": 0.0}


def arm(scenario: str, seeds, n_jobs: int, **overrides) -> api.Result:
    return api.evaluate(scenario, "default", seeds=seeds, overrides=overrides or None, steps=MONTHS,
                        metrics=["participation_rate", "trust_in_government", "volunteer_share",
                                 "volunteer_retention", "org_activities", "need_fit_renters", "need_fit"],
                        timeseries=True, n_jobs=n_jobs)


def by_year(result: api.Result) -> np.ndarray:
    """Participation by year (seeds × 10)."""
    ts = result.timeseries
    out = []
    for _, run in ts.groupby("seed", sort=False):
        p = run.sort_values("step")["participation_rate"].to_numpy()[1:]
        out.append([p[12 * y:12 * (y + 1)].mean() for y in range(MONTHS // 12)])
    return np.array(out)


def months(result: api.Result, metric: str, first: int, last: int) -> np.ndarray:
    """Per seed: the mean of ``metric`` over months ``first``–``last`` (NaN months left out)."""
    ts = result.timeseries
    window = ts[(ts["step"] >= first) & (ts["step"] <= last)]
    return window.groupby("seed", sort=False)[metric].mean().to_numpy()


def value(result: api.Result, metric: str) -> np.ndarray:
    return result.summary[metric].to_numpy()


def show(x: np.ndarray) -> str:
    return f"{np.mean(x):.3f} ± {np.std(x, ddof=1):.3f}"


def main(argv: list[str] | None = None) -> int:
    warnings.simplefilter("ignore", InactiveParameterWarning)  # the closed ledger's arm unsets a mandate on purpose
    opts, _ = parse(sys.argv[1:] if argv is None else list(argv), OPTIONS, PROG, overrides=False)
    seeds, n_jobs = range(opts["seeds"]), opts["n_jobs"]
    n = len(seeds)
    print(f"Default community, {MONTHS} months, {n} seeds (different communities; paired across arms); "
          "mean ± sd over the seeds of each run's last-12-month mean.\n")

    td, cc = arm("top_down", seeds, n_jobs), arm("co_creation", seeds, n_jobs)
    p_td, p_cc = value(td, "participation_rate"), value(cc, "participation_rate")
    print("1. Spread")
    print(f"   participation: co-creation {show(p_cc)}, top-down {show(p_td)}; co-creation no better than top-down "
          f"in {np.mean(p_cc <= p_td):.0%} of seeds")

    form = arm("co_creation_in_form", seeds, n_jobs)
    p_form = value(form, "participation_rate")
    print("2. Failure: co_creation_in_form (a projects KPI, views not adopted, load 0.9, 20% of members registered)")
    print(f"   participation {show(p_form)} against top-down {show(p_td)}: no better in {np.mean(p_form <= p_td):.0%} "
          "of seeds")

    lt, ho = arm("leader_turnover", seeds, n_jobs), arm("leader_turnover_handover", seeds, n_jobs)
    years = {"top-down": by_year(td), "co-creation": by_year(cc), "leader_turnover": by_year(lt),
             "leader_turnover_handover": by_year(ho)}
    print("3. Fade (participation by year, mean over seeds)")
    for name, y in years.items():
        print(f"   {name:26s}" + " ".join(f"{v:.2f}" for v in y.mean(axis=0)))
    base = years["top-down"]
    for name in ("co-creation", "leader_turnover", "leader_turnover_handover"):
        g5, g10 = (years[name][:, 4] - base[:, 4]).mean(), (years[name][:, 9] - base[:, 9]).mean()
        print(f"   {name:26s} gain over top-down: year 5 {g5:+.3f}, year 10 {g10:+.3f}: shrunk by {1 - g10 / g5:.0%}")

    print("4. The ledger (trust in government, open minus closed, paired)")
    closed = {"disclosure.mandated": False, "disclosure.allowed": False}
    for label, extra in (("money misused on a showcase", {"shocks.enabled": True, "shocks.showcase_share": 0.4}),
                         ("money left idle (30 yuan a resident)", {"government.budget_per_resident": 30.0}),
                         ("money well spent (default)", {})):
        a = value(arm("co_creation", seeds, n_jobs, **{**extra, "disclosure.mandated": True}), "trust_in_government")
        b = value(arm("co_creation", seeds, n_jobs, **{**extra, **closed}), "trust_in_government")
        print(f"   {label:38s} open {show(a)} closed {show(b)}: {np.mean(a - b):+.3f} (open lower in "
              f"{np.mean(a < b):.0%})")

    never = arm("leader_turnover", seeds, n_jobs, **{"incentives.allowed": False})
    r_stop, r_never = months(lt, "volunteer_retention", 66, 78), months(never, "volunteer_retention", 66, 78)
    print("5. Coins the purse stops honouring (leader_turnover; volunteer retention, months 66–78)")
    print(f"   coins dropped at month 60: {show(r_stop)}; coins never run: {show(r_never)}; dropped lower in "
          f"{np.mean(r_stop < r_never):.0%}")

    print("6. Institutions that react (co-creation)")
    heavy = value(arm("co_creation", seeds, n_jobs, **{"committee.administrative_load": 0.9}), "participation_rate")
    light = value(arm("co_creation", seeds, n_jobs, **{"committee.administrative_load": 0.4}), "participation_rate")
    print(f"   administrative load 0.9 − 0.4: participation {np.mean(heavy - light):+.3f} ± "
          f"{np.std(heavy - light, ddof=1):.3f}")
    no_orgs = arm("co_creation", seeds, n_jobs, **{"social_orgs.count": 0})
    for metric in ("participation_rate", "volunteer_share", "org_activities"):
        d = value(no_orgs, metric) - value(cc, metric)
        print(f"   no social organisations − default: {metric} {np.mean(d):+.3f} ± {np.std(d, ddof=1):.3f}")

    print("7. Capture (co-creation; need fit of renters, the least heard)")
    unbalanced = {"units.capture": 0.5, "consultation.voice": "participants"}
    rows = {"no capture (participants' voice)": {"units.capture": 0.0, "consultation.voice": "participants"},
            "capture 0.5, participants' voice": unbalanced,
            "capture 0.5, balanced voice": {**unbalanced, "consultation.voice": "balanced"}}
    fits = {label: value(arm("co_creation", seeds, n_jobs, **extra), "need_fit_renters") for label, extra in rows.items()}
    for label, f in fits.items():
        print(f"   {label:34s} {show(f)}")
    keys = list(fits)
    print(f"   capture lowers renters' need fit by {np.mean(fits[keys[1]] - fits[keys[0]]):+.3f}; balanced voice "
          f"restores {np.mean(fits[keys[2]] - fits[keys[1]]):+.3f}")
    return 0


if __name__ == "__main__":
    pd.set_option("display.width", 160)
    raise SystemExit(main())
