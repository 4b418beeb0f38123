"""Check the model against the stylised patterns of the source documents: ``python -m experiments.calibrate``.

Usage::

    python -m experiments.calibrate                               # every criterion, 20 replications per arm
    python -m experiments.calibrate replications=40 n_jobs=4
    python -m experiments.calibrate criteria=[3a,i1]               # some rows (only the arms they need)
    python -m experiments.calibrate criteria=[i2] incentives.allowed=false   # an override on every arm
    python -m experiments.calibrate out=outputs/calibrate/mine     # again after an interruption: resumes

Runs every arm the chosen criteria need (:mod:`experiments.patterns`) for 120 months with seeds
``0 … n−1`` through the experiment runner (:mod:`experiments.runner`; the numbers do not depend
on the launcher or the number of jobs), each run kept with its measures in the job's store
``<out>/runs/``, so a job run again with the same ``out`` computes only the missing runs. Prints
one row per criterion (target, simulated mean, 90% interval of the replications, pass/FAIL) and
exits with code 0 only when every criterion passes (1 when one fails or a run failed; 2 for bad
options).

The job directory (``manifest.json``, the tables, ``failures.json``, the store ``runs/``) is specified in
``docs/results.md`` (calibrate).
"""

from __future__ import annotations

import time

import pandas as pd

from experiments import patterns as P
from experiments import runner
from experiments.command_line import MAX_REPLICATIONS, Option, fail, first_line
from experiments.study import Study, launch_options

MIN_SEEDS = 20
KEYS = [c.key for c in P.CHECKS]


def rows_frame(rows: list[P.Row], seeds: list[int]) -> pd.DataFrame:
    """The per-replication values of every criterion, long format (criterion, seed, value)."""
    return pd.DataFrame([
        {"criterion": r.criterion.key, "claim": r.criterion.claim, "seed": seeds[k], "value": float(v),
         "low": r.criterion.low, "high": r.criterion.high, "passed": r.passed}
        for r in rows for k, v in enumerate(r.values)
    ])


OPTIONS = {
    "replications": Option(MIN_SEEDS, int, f"seeds per arm: 0 … n−1 (the patterns need {MIN_SEEDS})",
                           range=(2, MAX_REPLICATIONS)),
    "criteria": Option([], list, f"criteria to check (default: all): {', '.join(KEYS)}"),
    **launch_options("calibrate"),
}


class Calibrate(Study):
    """The arms the chosen criteria need, over the seeds 0 … n−1; one row per criterion and seed."""

    prog, kind, labels = "experiments.calibrate", "calibrate", ("arm",)
    options = OPTIONS
    reserved = {"seed": "replications use the seeds 0 … replications−1", "steps": "every arm runs 120 months",
                "scenario": "each arm has its scenario"}

    def arms(self) -> list[dict]:
        unknown = [k for k in self.opts["criteria"] if k not in KEYS]
        if unknown:
            fail(f"criteria: {unknown[0]!r} is not a criterion; allowed: {', '.join(KEYS)}")
        chosen = self.opts["criteria"]
        self.criteria = [c for c in P.CHECKS if c.key in chosen] if chosen else list(P.CHECKS)
        self.arm_set = P.arms_needed(self.criteria)
        self.seeds = list(range(self.opts["replications"]))
        try:
            return [P.arm_config(arm, self.overrides) for arm in self.arm_set.values()]
        except Exception as exc:  # a bad override: ConfigError, or Hydra's composition error
            fail(first_line(exc))

    def size(self) -> tuple[str, int, str]:
        n, k = len(self.seeds), len(self.arm_set)
        return "replications × arms", n * k, f"{n} × {k}"

    def specs(self) -> list[runner.RunSpec]:
        return P.arm_specs(self.arm_set, self.seeds, self.overrides, allow_large=self.opts["allow_large"])

    def describe(self, specs) -> dict:
        arms = self.arm_set
        return {"scenarios": list(dict.fromkeys(a.scenario for a in arms.values())),
                "arms": {n: a.describe() for n, a in arms.items()}, "criteria": [c.key for c in self.criteria],
                "community": "default", "replications": len(self.seeds), "steps": P.STEPS, "seeds": self.seeds,
                "window": P.YEAR,
                "statistic": f"per criterion and seed, from the run's measures (means over the last {P.YEAR} "
                             "months, yearly participation, volunteer attrition, facility use); pass: its 90% "
                             "interval over the seeds inside the target"}

    def message(self, specs) -> str:
        return (f"{len(self.arm_set)} arms × {len(self.seeds)} seeds = {len(specs)} runs of {P.STEPS} months, "
                f"launcher {self.opts['launcher']}; job directory {self.out}")

    def execute(self, job, specs):
        self.t0 = time.perf_counter()
        return super().execute(job, specs)

    def tables(self, job, specs, outcomes) -> dict[str, pd.DataFrame]:
        if any(outcomes[s.key].status == "failed" for s in specs):
            self.rows = None
            return {}
        self.rows = P.evaluate(P.measures(specs, job.store), self.criteria)
        return {"calibration": rows_frame(self.rows, self.seeds)}

    def report(self, tables, failures) -> None:
        if self.rows is None:
            return
        print(P.format_table(self.rows, len(self.seeds)))
        print(f"{len(self.arm_set)} arms × {len(self.seeds)} replications in {time.perf_counter() - self.t0:.0f} s")
        if len(self.seeds) < MIN_SEEDS:
            print(f"note: fewer than {MIN_SEEDS} replications; the intervals are indicative only")

    def verdict(self, tables) -> int:
        return 0 if all(r.passed for r in self.rows) else 1


def main(argv: list[str] | None = None) -> int:
    """Run the calibration; return the exit code (0 all pass, 1 a criterion or a run failed)."""
    return Calibrate().main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
