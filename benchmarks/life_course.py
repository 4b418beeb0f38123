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
"""Column label → metric (``renters - owners``: participation of renters minus owners, life course on)."""
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
    diffs = {label: [] for label in OUTCOMES}
    for seed in range(seeds):
        on, off = last_year(community, seed, True), last_year(community, seed, False)
        for label in OUTCOMES:
            diffs[label].append(on[label] - (off[label] if label != "renters - owners" else 0.0))
    print(f"{community} ({SCENARIO}, {MONTHS} months, {seeds} seeds): life course on − off, last-{WINDOW}-month mean")
    for label, d in diffs.items():
        what = "(on only)" if label == "renters - owners" else ""
        print(f"  {label:<17} {np.mean(d):+.4f} ± {np.std(d, ddof=1):.4f} {what}")


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
