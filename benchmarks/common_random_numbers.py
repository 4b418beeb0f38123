"""How much pairing seeds helps: variance of paired vs unpaired differences between two arms.

For seeds ``0 … n−1`` an arm's outcome is the mean of the last 12 months of a run; the paired
difference takes arm A and arm B with the same seed, the unpaired one arm A with seed ``i`` and
arm B with seed ``n + i``. With named random streams (:mod:`model.streams`) the ratio of their
variances is far below 1 for arms that differ by a lever and near 1 for arms whose dynamics
diverge early (co-creation vs top-down).

Usage (default community, 60 months; ~1 minute for the default pairs at 20 seeds)::

    .venv/bin/python -m benchmarks.common_random_numbers      # 20 seeds
    .venv/bin/python -m benchmarks.common_random_numbers 40   # seeds
"""

from __future__ import annotations

import sys

import numpy as np

from model.community import CommunityModel

PAIRS = (
    (("top_down", {"co_evaluation.mandated": True, "co_evaluation.third_party_cost": 0.0}), ("top_down", {}),
     "participation_rate"),
    (("top_down", {"co_evaluation.mandated": True}), ("top_down", {}), "participation_rate"),  # paid: moves the money
    (("online_only", {}), ("offline_only", {}), "participation_rate"),
    (("sham_consultation", {}), ("top_down", {}), "trust_in_government"),
    (("co_creation", {}), ("top_down", {}), "participation_rate"),
)
"""(arm A, arm B, outcome); an arm is (scenario, dotted overrides)."""


def last_year(arm: tuple[str, dict], seed: int, outcome: str, months: int = 60) -> float:
    """Mean of ``outcome`` over the last 12 months of one run of ``months`` months."""
    scenario, overrides = arm
    m = CommunityModel(scenario_name=scenario, rng=seed, **overrides)
    for _ in range(months):
        m.step()
    return float(m.timeseries()[outcome].to_numpy()[-12:].mean())


def variance_ratio(a: tuple[str, dict], b: tuple[str, dict], outcome: str, seeds: int) -> tuple[float, float]:
    """(mean paired difference A − B, variance of paired / variance of unpaired differences)."""
    x = np.array([last_year(a, s, outcome) for s in range(seeds)])
    y = np.array([last_year(b, s, outcome) for s in range(2 * seeds)])
    paired, unpaired = x - y[:seeds], x - y[seeds:]
    return float(paired.mean()), float(np.var(paired, ddof=1) / np.var(unpaired, ddof=1))


def main(argv: list[str]) -> None:
    seeds = int(argv[0]) if argv else 20
    for a, b, outcome in PAIRS:
        diff, ratio = variance_ratio(a, b, outcome, seeds)
        label = " vs ".join(f"{s}{' ' + str(o) if o else ''}" for s, o in (a, b))
        print(f"{label:60s} {outcome:20s} {seeds} seeds: mean paired difference {diff:+.4f}, "
              f"variance paired / unpaired {ratio:.4f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
