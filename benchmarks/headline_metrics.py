"""Headline metrics of top-down and co-creation (mean ± sd over 20 seeds) and the wall time of a
default run: ``.venv/bin/python benchmarks/headline_metrics.py``.

Each run's value is its mean over the last 12 of 120 months; the time is build + 120 months in
one process after the first (which also composes the config through Hydra).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from model.community import CommunityModel
from model.metrics import HEADLINE

SEEDS = range(20)


def main() -> None:
    CommunityModel(scenario_name="top_down", rng=0)  # compose once, so timings are of the model
    for scenario in ("top_down", "co_creation"):
        rows, times = [], []
        for seed in SEEDS:
            start = time.perf_counter()
            m = CommunityModel(scenario_name=scenario, rng=seed)
            for _ in range(120):
                m.step()
            times.append(time.perf_counter() - start)
            rows.append(m.timeseries().iloc[-12:][list(HEADLINE)].mean())
        df = pd.DataFrame(rows)
        print(f"{scenario}: default run (build + 120 months) median {np.median(times):.3f} s")
        for c in HEADLINE:
            print(f"  {c:<28} {df[c].mean():>14,.3f} ± {df[c].std(ddof=1):,.3f}")


if __name__ == "__main__":
    main()
