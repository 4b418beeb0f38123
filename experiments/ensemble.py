"""A calibrated ensemble: the parameter vectors consistent with the seed patterns, by approximate Bayesian
computation (ABC-SMC with **pyabc**): ``python -m experiments.ensemble``.

Usage::

    python -m experiments.ensemble                                   # priors: scenarios/robustness/default.yaml
    python -m experiments.ensemble population=20 generations=3 criteria=[1a,2a,2d] n_procs=2
    python -m experiments.ensemble community=demo replications=2 out=outputs/ensemble/demo
    python -m experiments.robustness worlds=outputs/ensemble/demo/posterior.parquet      # robust over it

**Priors.** Independent uniform priors over the uncertainties of a robustness design (``ranges=``, a
name under ``scenarios/robustness/`` or a path: :func:`experiments.robustness.load`; integer ranges
stay uniform on the real line and are rounded when run), so the posterior's columns are the design's
uncertainties and ``experiments.robustness worlds=<posterior.parquet>`` runs over them.

**Summary statistics** are the calibration criteria of :mod:`experiments.patterns` (``criteria=``,
default all): for a parameter vector θ every arm the criteria need runs with the seeds 0 … R − 1
(``replications``) through the experiment runner (:func:`experiments.patterns.replicate`, each run
kept in ``<out>/runs/``), and the statistic of criterion c is the mean of its per-seed values x_c(θ).
The **distance** to the patterns is how far the statistics lie outside their target ranges [l_c, h_c],
each in units of its range's width (or of 0.1, a tenth of the share scale, for a one-sided target)::

    d(θ) = Σ_c max(0, l_c − x_c, x_c − h_c) / w_c,   w_c = h_c − l_c  (both bounds)  or 0.1

d = 0 when every criterion's mean lies in its range (NaN statistics count as distance 10 each).

**ABC-SMC** (``pyabc.ABCSMC``: population ``population`` per generation, its adaptive median epsilon
schedule and multivariate normal perturbation kernel) runs until ``generations`` generations are done,
the epsilon reaches ``min_epsilon`` or the acceptance rate drops below ``min_acceptance``. Generations
accept θ with d(θ) ≤ ε_t, ε_t decreasing, so the last generation approximates the posterior of θ given
that the patterns hold; its importance weights are kept. The random draws of pyabc come from numpy's
global generator, seeded with ``sampler_seed``; ``n_procs`` > 1 evaluates in parallel (pyabc's
``MulticoreEvalParallelSampler``: the accepted set then depends on the order the workers finish).

The job directory (``manifest.json``, the tables, ``failures.json``, the store ``runs/``) is specified in
``docs/results.md`` (ensemble).

Bad options end the job before it starts with one line and exit code 2; ``--help`` lists them.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from experiments import ema, runner
from experiments import patterns as P
from experiments import robustness as R
from experiments.command_line import MAX_REPLICATIONS, MAX_SAMPLER_SEED, MAX_WORKERS, Option, fail
from experiments.study import Study, check, check_name

NAN_DISTANCE = 10.0
"""Distance a criterion adds when its statistic is NaN (no run finished, nothing to measure)."""
ONE_SIDED_WIDTH = 0.1
"""Scale of a one-sided target's violation (a tenth of the 0–1 share scale)."""
KEYS = [c.key for c in P.CRITERIA]

OPTIONS = {
    "ranges": Option("default", str, "priors: the uncertainties of a robustness design (scenarios/robustness/)"),
    "criteria": Option([], list, f"criteria as summary statistics (default: all): {', '.join(KEYS)}"),
    "community": Option(None, str, "community of every arm (default: each arm's, the default community)"),
    "replications": Option(2, int, "seeds per arm and parameter vector: 0 … n−1", range=(1, MAX_REPLICATIONS)),
    "population": Option(12, int, "particles per generation", range=(2, 100_000)),
    "generations": Option(2, int, "most generations", range=(1, 1_000)),
    "min_epsilon": Option(0.0, float, "stop when the epsilon reaches this distance", range=(0.0, 1e9)),
    "min_acceptance": Option(0.02, float, "stop when a generation's acceptance rate falls below this",
                             range=(0.0, 1.0)),
    "sampler_seed": Option(0, int, "seed of pyabc's draws (numpy's global generator)", range=(0, MAX_SAMPLER_SEED)),
    "n_procs": Option(1, int, "parallel evaluations (1: pyabc's SingleCoreSampler)", range=(1, MAX_WORKERS)),
    "out": Option(None, str, "job directory (default outputs/ensemble/<time>); the same out reuses its runs"),
}


# ------------------------------------------------------------------------------------------- ABC
def run_abc(model: Callable[[dict], dict], priors: dict[str, tuple[float, float]],
            distance: Callable[[dict, dict], float], observed: dict, *, population: int, generations: int,
            db: Path, seed: int = 0, min_epsilon: float = 0.0, min_acceptance: float = 0.0,
            n_procs: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ABC-SMC with pyabc over independent uniform priors.

    Args:
        model: parameters (name → value) → summary statistics (a dict).
        priors: parameter name → (low, high) of its uniform prior.
        distance: (statistics, observed) → a distance >= 0.
        db: pyabc's SQLite history file (created; an existing one gets a new run).

    Returns:
        (posterior: the last generation, one column per parameter, ``weight`` summing to 1 and
        ``distance``; populations: generation, epsilon, samples, acceptance_rate).
    """
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("ABC.History").setLevel(logging.WARNING)
    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", lo, hi - lo) for k, (lo, hi) in priors.items()})
    sampler = (pyabc.sampler.SingleCoreSampler() if n_procs == 1
               else pyabc.sampler.MulticoreEvalParallelSampler(n_procs=n_procs))
    np.random.seed(seed)
    abc = pyabc.ABCSMC(model, prior, distance, population_size=population, sampler=sampler)
    abc.new(f"sqlite:///{Path(db).absolute()}", observed)
    history = abc.run(minimum_epsilon=min_epsilon, max_nr_populations=generations, min_acceptance_rate=min_acceptance)
    df, w = history.get_distribution(m=0, t=history.max_t)
    posterior = df.reset_index(drop=True)[list(priors)].copy()
    posterior["weight"] = np.asarray(w, float) / np.sum(w)
    dist = history.get_weighted_distances(t=history.max_t)
    posterior["distance"] = dist["distance"].to_numpy(float) if len(dist) == len(posterior) else math.nan
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].rename(columns={"t": "generation", "samples": "samples"})
    populations = pd.DataFrame({"generation": pops["generation"].astype(int), "epsilon": pops["epsilon"].astype(float),
                                "samples": pops["samples"].astype(int)})
    populations["acceptance_rate"] = population / populations["samples"]
    return posterior, populations.reset_index(drop=True)


# -------------------------------------------------------------------------------------- patterns
def pattern_distance(statistics: dict, criteria) -> float:
    """d = Σ_c max(0, l_c − x_c, x_c − h_c) / w_c over the criteria (module docstring)."""
    total = 0.0
    for c in criteria:
        x = statistics.get(c.key, math.nan)
        if not math.isfinite(x):
            total += NAN_DISTANCE
            continue
        width = (c.high - c.low) if c.low is not None and c.high is not None else ONE_SIDED_WIDTH
        below = c.low - x if c.low is not None else 0.0
        above = x - c.high if c.high is not None else 0.0
        total += max(0.0, below, above) / width
    return total


@dataclasses.dataclass
class PatternModel:
    """θ → the mean of each criterion's per-seed values (pyabc's model; picklable for its workers).
    Parameter names are EMA identifiers (``a__b``); each becomes the dotted override ``a.b``."""

    criteria: tuple
    arms: dict
    seeds: list[int]
    store: str
    integer: frozenset = frozenset()

    def __call__(self, parameters: dict) -> dict:
        overrides = []
        for name, value in parameters.items():
            key = name.replace("__", ".")
            value = round(float(value)) if key in self.integer else float(value)
            overrides.append(f"{key}={value!r}")
        results = P.replicate(self.arms, self.seeds, n_jobs=1, store=runner.RunStore(self.store), launcher="serial",
                              overrides=overrides)
        if any(len(results.get(a, [])) < len(self.seeds) for a in self.arms):  # a run failed
            return {c.key: math.nan for c in self.criteria}
        return {row.criterion.key: row.mean for row in P.evaluate(results, self.criteria)}


class Ensemble(Study):
    """ABC-SMC over the design's uncertainties, the calibration criteria as summary statistics; the
    posterior and the populations."""

    prog, kind = "experiments.ensemble", "ensemble"
    options = OPTIONS
    reserved = {"seed": "the arms use the seeds 0 … replications−1", "steps": "every arm runs 120 months",
                "scenario": "each arm has its scenario"}
    overrides_allowed = False

    def arms(self) -> list[dict]:
        opts = self.opts
        rob = self.rob = check(R.load, opts["ranges"])
        unknown = [k for k in opts["criteria"] if k not in KEYS]
        if unknown:
            fail(f"criteria: {unknown[0]!r} is not a criterion; allowed: {', '.join(KEYS)}")
        if opts["community"] is not None:
            check_name("community", opts["community"])
        self.criteria = tuple(c for c in P.CRITERIA if not opts["criteria"] or c.key in opts["criteria"])
        arms = P.arms_needed(self.criteria)
        if opts["community"] is not None:
            arms = {n: dataclasses.replace(a, community=opts["community"]) for n, a in arms.items()}
        self.arm_set = arms
        uncertainties = rob.design.uncertainties
        self.numeric = {k: v for k, v in uncertainties.items() if ema._is_range(v)}
        if len(self.numeric) != len(uncertainties):
            fail(f"ranges: {next(k for k in uncertainties if k not in self.numeric)} is a set of categories; "
                 "ABC's priors need [low, high] ranges")
        self.seeds = list(range(opts["replications"]))
        return []

    def describe(self, specs) -> dict:
        o = self.opts
        return {"priors": {k: list(v) for k, v in self.numeric.items()}, "ranges": str(self.rob.path),
                "criteria": [c.key for c in self.criteria], "arms": {n: a.describe() for n, a in self.arm_set.items()},
                "replications": len(self.seeds), "seeds": self.seeds, "community": o["community"], "steps": P.STEPS,
                "window": P.YEAR, "population": o["population"], "min_epsilon": o["min_epsilon"],
                "sampler_seed": o["sampler_seed"]}

    def execute(self, job, specs):
        o, numeric = self.opts, self.numeric
        model = PatternModel(self.criteria, self.arm_set, self.seeds, str(job.store.root),
                             frozenset(k for k, v in numeric.items() if all(isinstance(b, int) for b in v)))
        priors = {ema.identifier(k): (float(v[0]), float(v[1])) for k, v in numeric.items()}
        with job.running(f"ensemble: ABC-SMC over {len(priors)} parameters, {len(self.criteria)} criteria "
                         f"({len(self.arm_set)} arms × {len(self.seeds)} seeds per particle), population "
                         f"{o['population']}, up to {o['generations']} generations; job directory {self.out}"):
            t0 = time.perf_counter()
            self.posterior, self.populations = run_abc(
                model, priors, lambda x, _: pattern_distance(x, self.criteria), {}, population=o["population"],
                generations=o["generations"], db=self.out / "abc.db", seed=o["sampler_seed"],
                min_epsilon=o["min_epsilon"], min_acceptance=o["min_acceptance"], n_procs=o["n_procs"])
            job.manifest.update(generations=len(self.populations), wall_seconds=round(time.perf_counter() - t0, 1))
        self.posterior = self.posterior.rename(columns={ema.identifier(k): k for k in numeric})
        return {}

    def tables(self, job, specs, outcomes) -> dict[str, pd.DataFrame]:
        return {"posterior": self.posterior, "populations": self.populations}

    def finish(self, job, specs, outcomes):
        """The final manifest; a run that failed is no failure of the job (its particle's distance is NaN)."""
        runner.write_manifest(self.out, job.manifest, status="complete", finished=runner.now())
        return [], None

    def report(self, tables, failures) -> None:
        print(self.populations.to_string(index=False))
        w = self.posterior["weight"].to_numpy()
        for k, (lo, hi) in self.numeric.items():
            mean = float(np.sum(w * self.posterior[k]))
            print(f"{k}: posterior mean {mean:.4g} (prior {lo:g} to {hi:g})")


def main(argv: list[str] | None = None) -> int:
    """Run the command line (see the module docstring); return the exit code."""
    return Ensemble().main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
