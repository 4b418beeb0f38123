"""Check the model against the stylised patterns of the source documents: ``python -m experiments.calibrate``.

Usage::

    python -m experiments.calibrate                               # every criterion, 20 replications per arm
    python -m experiments.calibrate replications=40 n_jobs=4
    python -m experiments.calibrate criteria=[3a,i1]               # some rows (only the arms they need)
    python -m experiments.calibrate criteria=[i2] incentives.allowed=false   # an override on every arm
    python -m experiments.calibrate out=outputs/calibrate/mine     # again after an interruption: resumes

Runs every arm the chosen criteria need (:mod:`experiments.patterns`) for 120 months with seeds
``0 … n−1`` through the experiment runner (:mod:`experiments.engine`; the numbers do not depend
on the launcher or the number of jobs), each run kept with its measures in the job's store
``<out>/runs/``, so a job run again with the same ``out`` computes only the missing runs. Prints
one row per criterion (target, simulated mean, 90% interval of the replications, pass/FAIL) and
exits with code 0 only when every criterion passes (1 when one fails or a run failed; 2 for bad
options).

Job directory::

    manifest.json         kind "calibrate", arms, criteria, replications, seeds, steps, window,
                          overrides, version, command, launcher, runs, status, failed, counts
    calibration.parquet   per criterion and replication: criterion, claim, seed, value, low,
                          high, passed
    failures.json         the runs that raised, when any did
    runs/                 the per-run store (:mod:`experiments.store`), measures in each record
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

from experiments import cli, io
from experiments import patterns as P
from experiments.jobs import check_job_size, check_launcher, close, finish, job_dir, launch_options, start
from experiments.options import MAX_REPLICATIONS, Option, command_line, parse
from experiments.simulate import package_version
from experiments.store import RunStore

PROG = "experiments.calibrate"
MIN_SEEDS = 20
KEYS = [c.key for c in P.CHECKS]

OPTIONS = {
    "replications": Option(MIN_SEEDS, int, f"seeds per arm: 0 … n−1 (the patterns need {MIN_SEEDS})",
                           range=(2, MAX_REPLICATIONS)),
    "criteria": Option([], list, f"criteria to check (default: all): {', '.join(KEYS)}"),
    **launch_options("calibrate"),
}
RESERVED = {"seed": "replications use the seeds 0 … replications−1", "steps": "every arm runs 120 months",
            "scenario": "each arm has its scenario"}


def rows_frame(rows: list[P.Row], seeds: list[int]) -> pd.DataFrame:
    """The per-replication values of every criterion, long format (criterion, seed, value)."""
    return pd.DataFrame([
        {"criterion": r.criterion.key, "claim": r.criterion.claim, "seed": seeds[k], "value": float(v),
         "low": r.criterion.low, "high": r.criterion.high, "passed": r.passed}
        for r in rows for k, v in enumerate(r.values)
    ])


def main(argv: list[str] | None = None) -> int:
    """Run the calibration; return the exit code (0 all pass, 1 a criterion or a run failed)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    opts, overrides = parse(argv, OPTIONS, PROG, RESERVED)
    unknown = [k for k in opts["criteria"] if k not in KEYS]
    if unknown:
        cli.fail(f"criteria: {unknown[0]!r} is not a criterion; allowed: {', '.join(KEYS)}")
    criteria = [c for c in P.CHECKS if c.key in opts["criteria"]] if opts["criteria"] else list(P.CHECKS)
    arms = P.arms_needed(criteria)
    seeds = list(range(opts["replications"]))
    try:
        configs = [P.arm_config(arm, overrides) for arm in arms.values()]
    except Exception as exc:  # a bad override: ConfigError, or Hydra's composition error
        cli.fail(cli._first_line(exc))
    for data in configs:
        check_job_size("replications × arms", len(seeds) * len(arms), data, opts["allow_large"],
                       sizes=f"{len(seeds)} × {len(arms)}")
    check_launcher(opts)
    out = job_dir("calibrate", opts["out"])
    specs = P.arm_specs(arms, seeds, overrides, allow_large=opts["allow_large"])
    out.mkdir(parents=True, exist_ok=True)
    store = RunStore(out / "runs")
    manifest = {
        "kind": "calibrate",
        "scenarios": list(dict.fromkeys(a.scenario for a in arms.values())),
        "arms": {n: a.describe() for n, a in arms.items()},
        "criteria": [c.key for c in criteria],
        "community": "default",
        "replications": len(seeds),
        "steps": P.STEPS,
        "seeds": seeds,
        "window": P.YEAR,
        "statistic": f"per criterion and seed, from the run's measures (means over the last {P.YEAR} months, "
                     "yearly participation, volunteer attrition, facility use); pass: its 90% interval over the "
                     "seeds inside the target",
        "version": package_version(),
        "command": command_line(PROG, argv, {"out": str(out)}),
        "overrides": overrides,
        "launcher": opts["launcher"],
        "runs": len(specs),
    }
    t0 = time.perf_counter()
    outcomes = start(out, manifest, specs, store, opts,
                     f"{len(arms)} arms × {len(seeds)} seeds = {len(specs)} runs of {P.STEPS} months, "
                     f"launcher {opts['launcher']}; job directory {out}")
    failures, counts = finish(out, manifest, specs, outcomes, store, ("arm",))
    if failures:
        return close(out, store, failures, counts)
    rows = P.evaluate(P.measures(specs, store), criteria)
    io.write_parquet(rows_frame(rows, seeds), out / "calibration.parquet")
    print(P.format_table(rows, len(seeds)))
    print(f"{len(arms)} arms × {len(seeds)} replications in {time.perf_counter() - t0:.0f} s")
    if len(seeds) < MIN_SEEDS:
        print(f"note: fewer than {MIN_SEEDS} replications; the intervals are indicative only")
    code = close(out, store, failures, counts)
    return code or (0 if all(r.passed for r in rows) else 1)


if __name__ == "__main__":
    raise SystemExit(main())
