"""Global sensitivity analysis with SALib: ``python -m experiments.sensitivity``.

Usage::

    python -m experiments.sensitivity                              # Sobol over scenarios/sensitivity/default.yaml
    python -m experiments.sensitivity method=sobol samples=512
    python -m experiments.sensitivity method=morris samples=20 levels=4
    python -m experiments.sensitivity ranges=path/to/ranges.yaml replications=3 launcher=ray
    python -m experiments.sensitivity out=outputs/sensitivity/mine   # again after an interruption: resumes

The ranges file (``ranges=<name>`` under ``scenarios/sensitivity/``, or a path) declares the
scenario, community, steps, output window, replications, default sample size, the output
metrics and ``parameters``: dotted config keys with their ``[low, high]`` range. Each is
checked against the config schema (a numeric key, a range inside the key's declared range);
every sampled config is validated before the first run starts.

* ``method=sobol``: Saltelli/Sobol' sampling (``SALib.sample.sobol``, scrambled, first- and
  total-order only) with base sample ``samples`` = N (a power of 2): N·(D+2) samples for D
  parameters; ``SALib.analyze.sobol`` gives S1 and ST with bootstrap 95% confidence intervals.
* ``method=morris``: ``samples`` = N trajectories on a ``levels``-level grid: N·(D+1) samples;
  ``SALib.analyze.morris`` gives mu, mu_star (with its bootstrap 95% CI) and sigma.

Each sample is run with the seeds ``first_seed`` … ``first_seed + replications − 1`` (the same
seeds for every sample: common random numbers, so a parameter without effect gets indices of
0, not noise); a run's output on a metric is its mean over the last ``window`` months, and a
sample's output the mean over its seeds. Runs execute in parallel like ``experiments.compare``
(``launcher=joblib|serial|ray``), each stored under ``runs/`` by config hash and seed, so a job
run again computes only the missing runs.

The job directory (``manifest.json``, the tables, ``failures.json``, the store ``runs/``) is specified in
``docs/results.md`` (sensitivity).
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from experiments import api, runner
from experiments.command_line import (MAX_MONTHS, MAX_REPLICATIONS, MAX_SAMPLER_SEED, MAX_SAMPLES, MAX_SEED, Option,
                                      check_seeds, fail)
from experiments.study import (Study, arm_keys, check, check_name, console, fmt, launch_options, printed_table,
                              read_design, resolved_config, window_means)
from model import config as config_mod
from model.config import ModelConfig
from model.params import ConfigError, iter_params

METHODS = ("sobol", "morris")
INDEX_COLUMNS = ["method", "metric", "parameter", "S1", "S1_conf", "ST", "ST_conf", "mu", "mu_star",
                 "mu_star_conf", "sigma"]

OPTIONS = {
    "method": Option("sobol", str, "SALib method", choices=METHODS),
    "samples": Option(None, int, "Sobol: base sample N (a power of 2); Morris: trajectories (default: ranges file)",
                      range=(2, MAX_SAMPLES)),
    "ranges": Option("default", str, "parameter ranges: a name under scenarios/sensitivity/ or a YAML path"),
    "scenario": Option(None, str, "scenario (default: the ranges file's)"),
    "community": Option(None, str, "community (default: the ranges file's)"),
    "replications": Option(None, int, "seeds per sample (default: the ranges file's)",
                           range=(1, MAX_REPLICATIONS)),
    "first_seed": Option(0, int, "seed of the first replication", range=(0, MAX_SEED)),
    "window": Option(None, int, "months at the end of a run averaged into its output (default: ranges file)",
                     range=(1, MAX_MONTHS)),
    "levels": Option(4, int, "Morris: grid levels", range=(2, 1_000)),
    "sampler_seed": Option(0, int, "seed of the sampler and of the bootstrap confidence intervals",
                           range=(0, MAX_SAMPLER_SEED)),
    **launch_options("sensitivity"),
}
RANGE_OPTIONS = {**{k: OPTIONS[k] for k in ("samples", "replications", "window", "scenario", "community")},
                 "steps": Option(None, int, "months of each run", range=(0, MAX_MONTHS))}
"""How the ranges file's own keys are checked: as the options of the same name."""
RANGE_KEYS = {"scenario", "community", "steps", "window", "replications", "samples", "metrics", "parameters"}


def load_ranges(spec: str) -> tuple[Path, dict]:
    """Read and check a ranges file (a name under ``scenarios/sensitivity/`` or a path); exit 2 with one line."""
    path, data = check(read_design, "ranges", spec, "sensitivity", "ranges file", keys=RANGE_KEYS)
    params = data.get("parameters")
    if not isinstance(params, dict) or not params:
        fail(f"ranges file {path}: parameters must map config keys to [low, high]")
    schema = {k: (meta, v) for k, meta, v in iter_params(ModelConfig)}
    for key, bounds in params.items():
        if key not in schema:
            fail(f"ranges file {path}: parameters.{key} is not a config key")
        meta, default = schema[key]
        if isinstance(default, bool) or not isinstance(default, (int, float)):
            fail(f"ranges file {path}: parameters.{key} is not numeric (default {default!r})")
        if (not isinstance(bounds, list) or len(bounds) != 2
                or not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)
                or not bounds[0] < bounds[1]):
            fail(f"ranges file {path}: parameters.{key} = {bounds!r} must be [low, high] with low < high")
        lo, hi = meta.get("range") or (None, None)
        if (lo is not None and bounds[0] < lo) or (hi is not None and bounds[1] > hi):
            fail(f"ranges file {path}: parameters.{key} = {bounds} leaves the declared range [{lo}, {hi}]")
    for key in ("samples", "replications", "window", "steps", "scenario", "community"):
        if key in data:
            data[key] = RANGE_OPTIONS[key].check(f"ranges file {path}: {key}", data[key])
    metrics = data.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        fail(f"ranges file {path}: metrics must list at least one output metric")
    return path, data


def sample_rows(method: str, n: int, d: int) -> int:
    """Rows of SALib's sample matrix, known before sampling: Sobol' (first and total order,
    ``calc_second_order=False``) N·(D+2), Morris N·(D+1), for base sample / trajectories N and D parameters."""
    return n * (d + 2) if method == "sobol" else n * (d + 1)


def _sample(method: str, problem: dict, n: int, levels: int, seed: int) -> np.ndarray:
    if method == "sobol":
        import warnings

        from SALib.sample import sobol

        with warnings.catch_warnings():  # SALib warns on N not a power of 2; we say so ourselves
            warnings.simplefilter("ignore")
            return sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, n, num_levels=levels, seed=seed)


def indices(method: str, problem: dict, x: np.ndarray, y: np.ndarray, metric: str, levels: int, seed: int,
            ) -> pd.DataFrame:
    """The sensitivity indices of one output (``y``, one value per sample row of ``x``)."""
    out = pd.DataFrame({"method": method, "metric": metric, "parameter": problem["names"]})
    for c in INDEX_COLUMNS[3:]:
        out[c] = np.nan
    if np.isnan(y).any():
        return out
    import warnings

    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        if method == "sobol":
            from SALib.analyze import sobol

            # A Generator, not the int: SALib's Sobol analysis leaves its bootstrap unseeded for seed 0.
            r = sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95, seed=np.random.default_rng(seed))
            for c in ("S1", "S1_conf", "ST", "ST_conf"):
                out[c] = np.asarray(r[c], float)
        else:
            from SALib.analyze import morris

            r = morris.analyze(problem, x, y, conf_level=0.95, num_levels=levels, seed=np.random.default_rng(seed))
            for c in ("mu", "mu_star", "mu_star_conf", "sigma"):
                out[c] = np.asarray(r[c], float)
    return out


class Sensitivity(Study):
    """SALib's samples of the ranges file's parameters, each over the same seeds; the indices table."""

    prog, kind, labels, csv = "experiments.sensitivity", "sensitivity", ("sample",), ("indices",)
    options = OPTIONS
    reserved = {"seed": "samples use first_seed, first_seed+1, ...; set first_seed"}

    def arms(self) -> list[dict]:
        opts = self.opts
        self.ranges_path, ranges = load_ranges(opts["ranges"])
        scenario = opts["scenario"] or ranges.get("scenario")
        if scenario:
            check_name("scenario", scenario)
        self.n = opts["samples"] or ranges.get("samples", 64)
        self.replications = opts["replications"] or ranges.get("replications", 1)
        self.window = opts["window"] or ranges.get("window", runner.DEFAULT_WINDOW)
        pre = [f"steps={ranges['steps']}"] if "steps" in ranges else []
        self.base = resolved_config(scenario, opts["community"] or ranges.get("community"), pre + self.overrides)
        self.metrics = [str(m) for m in ranges["metrics"]]
        self.params = {str(k): [float(b) for b in v] for k, v in ranges["parameters"].items()}
        names = list(self.params)
        self.problem = {"num_vars": len(names), "names": names, "bounds": [self.params[k] for k in names]}
        self.seeds = check_seeds(opts["first_seed"], self.replications)
        return [self.base]

    def size(self) -> tuple[str, int, str]:
        method, d = self.opts["method"], self.problem["num_vars"]
        rows = sample_rows(method, self.n, d)
        return (f"samples × ({'D + 2' if method == 'sobol' else 'D + 1'}) × replications", rows * self.replications,
                f"{self.n} × {rows // self.n} × {self.replications} (D = {d} parameters)")

    def specs(self) -> list[runner.RunSpec]:
        opts, names = self.opts, self.problem["names"]
        if opts["method"] == "sobol" and self.n & (self.n - 1):
            print(f"note: samples={self.n} is not a power of 2; Sobol' sequences balance best at powers of 2",
                  file=sys.stderr)
        self.x = _sample(opts["method"], self.problem, self.n, opts["levels"], opts["sampler_seed"])
        schema = {k: v for k, _, v in iter_params(ModelConfig)}
        specs = []
        for i, row in enumerate(self.x):
            data = copy.deepcopy(self.base)
            for key, value in zip(names, row):
                config_mod.set_dotted(data, key, round(value) if isinstance(schema[key], int) else float(value))
            try:
                runner.validated(data)  # once per sample: make_spec reuses it for every seed
            except ConfigError as exc:
                fail(f"sample {i}: {exc}")
            specs.extend(runner.make_spec(data, s, sample=i, scenario=self.base["info"]["scenario"],
                                          allow_large=opts["allow_large"]) for s in self.seeds)
        for m in self.metrics:
            if m not in api.metric_names():
                allowed = ", ".join(api.metric_names())
                fail(f"ranges file {self.ranges_path}: metrics: {m!r} is not a metric; allowed: {allowed}")
        return specs

    def describe(self, specs) -> dict:
        method = self.opts["method"]
        return {**arm_keys({self.base["info"]["scenario"]: self.base}, self.seeds, self.window,
                           f"mean over the last {self.window} months of each run, averaged over the sample's seeds"),
                "method": method, "samples": self.n, "sample_rows": len(self.x), "parameters": self.params,
                "metrics": self.metrics, "levels": self.opts["levels"] if method == "morris" else None,
                "sampler_seed": self.opts["sampler_seed"], "ranges_file": str(self.ranges_path)}

    def message(self, specs) -> str:
        return (f"{self.opts['method']}: {len(self.x)} samples of {self.problem['num_vars']} parameters × "
                f"{self.replications} seeds = {len({s.key for s in specs})} distinct runs of {int(self.base['steps'])} "
                f"months; job directory {self.out}")

    def tables(self, job, specs, outcomes) -> dict[str, pd.DataFrame]:
        names, metrics = self.problem["names"], self.metrics
        runs = window_means(job.store, specs, outcomes, metrics, self.window)
        params = pd.DataFrame([dict(zip(names, self.x[s.labels["sample"]])) for s in specs])
        samples = pd.concat([runs[["sample", "seed"]], params, runs[metrics]], axis=1)
        per_sample = samples.groupby("sample", sort=True)[metrics].mean()  # mean over seeds; NaN if any failed
        per_sample = per_sample.where(samples.groupby("sample")[metrics].count().eq(self.replications))
        o = self.opts
        table = pd.concat([indices(o["method"], self.problem, self.x, per_sample[m].to_numpy(float), m, o["levels"],
                                   o["sampler_seed"]) for m in metrics], ignore_index=True)
        return {"samples": samples, "indices": table}

    def report(self, tables, failures) -> None:
        print_indices(tables["indices"], self.opts["method"])


def main(argv: list[str] | None = None) -> int:
    """Run the analysis; return the exit code (0, or 1 when runs failed)."""
    return Sensitivity().main(argv)


def print_indices(table: pd.DataFrame, method: str) -> None:
    """The indices as one table per metric on stdout."""
    out = console()
    if method == "sobol":
        cols = [("S1", "S1_conf"), ("ST", "ST_conf")]
        note = "Sobol' first-order (S1) and total (ST) indices ± 95% bootstrap CI half-width"
    else:
        cols = [("mu_star", "mu_star_conf"), ("sigma", None)]
        note = "Morris mu* (mean absolute elementary effect) ± 95% bootstrap CI half-width, sigma"
    out.print(note, highlight=False)
    t = printed_table("metric", "parameter", *(c for c, _ in cols), left=("metric", "parameter"))
    metrics = list(dict.fromkeys(table["metric"]))
    for m in metrics:
        rows = table[table["metric"] == m]
        for k, (_, r) in enumerate(rows.iterrows()):
            cells = [fmt(r[c]) + (f" ± {fmt(r[ci])}" if ci else "") for c, ci in cols]
            t.add_row(m if k == 0 else "", r["parameter"], *cells, end_section=k == len(rows) - 1)
    out.print(t)


if __name__ == "__main__":
    raise SystemExit(main())
