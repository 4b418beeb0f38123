"""What the population's turnover does: life course on vs off, paired seeds, and what it costs.

Effects: every seed runs the community with the life course on and off (common random numbers,
:mod:`model.streams`); printed per outcome is mean ± sd over the seeds of (on − off), each a run's
mean over its last 12 months. Cost: the share of a month's time spent in the life course at a
community of ``--size`` adults (co_creation, life course on).

Usage (about 1 minute a community on 2 idle cores at 20 seeds)::

    .venv/bin/python -m benchmarks.life_course                        # default and migrant_estate, 20 seeds
    .venv/bin/python -m benchmarks.life_course 8 migrant_estate       # seeds, communities
    .venv/bin/python -m benchmarks.life_course --speed 100000         # cost of the life course at 100,000
"""

from __future__ import annotations

import sys
import time

import numpy as np

from model.community import CommunityModel

OUTCOMES = {"participation": "participation_rate", "trust_gov": "trust_in_government",
            "social_capital": "social_capital", "volunteers": "volunteer_share",
            "renters - owners": None}
"""Row label → metric (``renters - owners``: participation of renters minus that of owners)."""
SCENARIO, MONTHS, WINDOW = "co_creation", 120, 12


def last_year(community: str, seed: int, on: bool) -> dict[str, float]:
    m = CommunityModel(scenario_name=SCENARIO, community=community, rng=seed, **{"life_course.enabled": on})
    for _ in range(MONTHS):
        m.step()
    df = m.timeseries().iloc[-WINDOW:]
    out = {label: float(df[metric].mean()) for label, metric in OUTCOMES.items() if metric}
    out["renters - owners"] = float((df["participation_rate_renters"] - df["participation_rate_owners"]).mean())
    return out


def effects(community: str, seeds: int) -> None:
    runs = [(last_year(community, seed, True), last_year(community, seed, False)) for seed in range(seeds)]
    print(f"{community} ({SCENARIO}, {MONTHS} months, {seeds} seeds): last-{WINDOW}-month means, mean ± sd over seeds")
    print(f"  {'outcome':<17} {'on − off (paired)':>19} {'on':>16} {'off':>16}")
    for label in OUTCOMES:
        on, off = (np.array([r[k][label] for r in runs]) for k in (0, 1))
        print(f"  {label:<17} {np.mean(on - off):+.4f} ± {np.std(on - off, ddof=1):.4f} "
              f"{np.mean(on):.4f} ± {np.std(on, ddof=1):.4f} {np.mean(off):.4f} ± {np.std(off, ddof=1):.4f}")


def speed(size: int, months: int = 36) -> None:
    buildings = max(1, round(size / 250))
    m = CommunityModel(scenario_name=SCENARIO, rng=0, allow_large=True,
                       **{"life_course.enabled": True, "community.buildings": buildings})
    life = m.life_course
    spent = [0.0]
    step = life.step

    def timed() -> None:
        t = time.perf_counter()
        step()
        spent[0] += time.perf_counter() - t

    life.step = timed
    m.step()  # warm-up month
    spent[0] = 0.0
    t = time.perf_counter()
    for _ in range(months):
        m.step()
    total = time.perf_counter() - t
    print(f"{m.n_residents:,} residents, {months} months: {total / months * 1e3:.1f} ms a month, life course "
          f"{spent[0] / months * 1e3:.2f} ms ({spent[0] / total:.1%})")


def main(argv: list[str]) -> None:
    if argv[:1] == ["--speed"]:
        speed(int(argv[1]) if len(argv) > 1 else 100_000)
        return
    seeds = int(argv[0]) if argv else 20
    for community in argv[1:] or ["default", "migrant_estate"]:
        effects(community, seeds)


if __name__ == "__main__":
    main(sys.argv[1:])
