"""Check the model against the stylised patterns of the source documents.

Usage::

    python -m experiments.calibrate                  # 20 replications per arm, on 2 cores
    python -m experiments.calibrate --seeds 40 --jobs 4
    python -m experiments.calibrate --out calibration.parquet   # also write the per-replication values

Runs every arm the patterns need (:mod:`experiments.patterns`) for 120 months with seeds
``0 … n−1`` (in parallel with joblib; the numbers do not depend on the number of jobs),
prints one row per criterion (target, simulated mean, 90% interval of the replications,
pass/fail) and exits with code 0 only when every criterion passes (1 otherwise; 2 for bad
arguments).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from experiments import cli, io
from experiments import patterns as P

MIN_SEEDS = 20


def rows_frame(rows: list[P.Row]) -> pd.DataFrame:
    """The per-replication values of every criterion, long format (criterion, seed, value)."""
    return pd.DataFrame([
        {"criterion": r.criterion.key, "claim": r.criterion.claim, "seed": k, "value": float(v),
         "low": r.criterion.low, "high": r.criterion.high, "passed": r.passed}
        for r in rows for k, v in enumerate(r.values)
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=MIN_SEEDS, help=f"replications per arm (default {MIN_SEEDS})")
    parser.add_argument("--jobs", type=int, default=2, help="parallel processes (default 2)")
    parser.add_argument("--out", type=Path, default=None, help="write the per-replication values (parquet)")
    parser.add_argument("--progress", action="store_true", help="show a progress bar")
    args = parser.parse_args(argv)
    if args.seeds < 2:
        cli.fail(f"--seeds = {args.seeds} is too few; allowed: 2 or more (the patterns need {MIN_SEEDS})")
    if args.jobs < 1:
        cli.fail(f"--jobs = {args.jobs} is not allowed; allowed: 1 or more")

    seeds = range(args.seeds)
    arms = P.arms_needed(P.CRITERIA)
    start = time.perf_counter()
    results = P.replicate(arms, seeds, n_jobs=args.jobs, progress=args.progress)
    rows = P.evaluate(results)
    print(P.format_table(rows, args.seeds))
    print(f"{len(arms)} arms × {args.seeds} replications in {time.perf_counter() - start:.0f} s")
    if args.seeds < MIN_SEEDS:
        print(f"note: fewer than {MIN_SEEDS} replications; the intervals are indicative only")
    if args.out is not None:
        io.write_parquet(rows_frame(rows), args.out)
        print(f"results: {args.out}")
    return 0 if all(r.passed for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
