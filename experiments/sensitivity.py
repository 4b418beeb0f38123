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

Job directory (the results contract, also in ``docs/results.md``)::

    manifest.json      kind "sensitivity", scenarios, descriptions, community, replications,
                       steps, seeds, version, command, method, samples (N), sample_rows,
                       runs (distinct: Morris trajectories share points), parameters
                       (name → [low, high]), metrics, window, statistic, levels (Morris),
                       sampler_seed, ranges_file, status, failed, counts
    indices.parquet    method, metric, parameter, S1, S1_conf, ST, ST_conf, mu, mu_star,
    indices.csv        mu_star_conf, sigma (the other method's columns NaN)
    samples.parquet    sample, seed, one column per parameter, one column per metric
                       (one row per run: sample × seed)
    failures.json      the runs that raised, when any did (their samples' indices are then
                       not computed: SALib needs every sample)
    runs/              the per-run store (:mod:`experiments.store`)
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

import scenarios
from experiments import cli, engine, io
from experiments.jobs import (check_job_size, check_launcher, check_path, check_scenario, close, console, finish, fmt,
                             job_dir, launch_options, resolved_config, start)
from experiments.options import (MAX_MONTHS, MAX_REPLICATIONS, MAX_SAMPLER_SEED, MAX_SAMPLES, MAX_SEED, Option,
                                 check_seeds, command_line, convert, parse)
from experiments.simulate import DEFAULT_WINDOW, package_version
from experiments.store import RunStore
from model import config as config_mod
from model.config import ModelConfig
from model.params import ConfigError, iter_params

PROG = "experiments.sensitivity"
RANGES_DIR = scenarios.CONFIG_DIR / "sensitivity"
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
RESERVED = {"seed": "samples use first_seed, first_seed+1, ...; set first_seed"}
RANGE_KEYS = {"scenario", "community", "steps", "window", "replications", "samples", "metrics", "parameters"}


def load_ranges(spec: str) -> tuple[Path, dict]:
    """Read and check a ranges file (a name under ``scenarios/sensitivity/`` or a path)."""
    path = check_path("ranges", spec)
    if not (path.suffix in (".yaml", ".yml") or path.exists()):
        path = RANGES_DIR / f"{spec}.yaml"
    if not path.exists():
        names = ", ".join(sorted(p.stem for p in RANGES_DIR.glob("*.yaml")))
        cli.fail(f"ranges = {spec!r} is neither a file nor a name under scenarios/sensitivity/; allowed: {names}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        cli.fail(f"ranges file {path}: {str(exc).splitlines()[0]}")
    if not isinstance(data, dict):
        cli.fail(f"ranges file {path} must be a mapping")
    unknown = sorted(set(data) - RANGE_KEYS)
    if unknown:
        cli.fail(f"ranges file {path}: {unknown[0]} is not a key; allowed: {', '.join(sorted(RANGE_KEYS))}")
    params = data.get("parameters")
    if not isinstance(params, dict) or not params:
        cli.fail(f"ranges file {path}: parameters must map config keys to [low, high]")
    schema = {k: (meta, v) for k, meta, v in iter_params(ModelConfig)}
    for key, bounds in params.items():
        if key not in schema:
            cli.fail(f"ranges file {path}: parameters.{key} is not a config key")
        meta, default = schema[key]
        if isinstance(default, bool) or not isinstance(default, (int, float)):
            cli.fail(f"ranges file {path}: parameters.{key} is not numeric (default {default!r})")
        if (not isinstance(bounds, list) or len(bounds) != 2
                or not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)
                or not bounds[0] < bounds[1]):
            cli.fail(f"ranges file {path}: parameters.{key} = {bounds!r} must be [low, high] with low < high")
        lo, hi = meta.get("range") or (None, None)
        if (lo is not None and bounds[0] < lo) or (hi is not None and bounds[1] > hi):
            cli.fail(f"ranges file {path}: parameters.{key} = {bounds} leaves the declared range [{lo}, {hi}]")
    for key in ("samples", "replications", "window", "steps", "scenario", "community"):
        if key in data:
            data[key] = convert(f"ranges file {path}: {key}", data[key], RANGE_OPTIONS[key])
    metrics = data.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        cli.fail(f"ranges file {path}: metrics must list at least one output metric")
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


def main(argv: list[str] | None = None) -> int:
    """Run the analysis; return the exit code (0, or 1 when runs failed)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    opts, overrides = parse(argv, OPTIONS, PROG, RESERVED)
    ranges_path, ranges = load_ranges(opts["ranges"])
    method = opts["method"]
    scenario = opts["scenario"] or ranges.get("scenario")
    if scenario:
        check_scenario(scenario)
    community = opts["community"] or ranges.get("community")
    n = opts["samples"] or ranges.get("samples", 64)
    replications = opts["replications"] or ranges.get("replications", 1)
    window = opts["window"] or ranges.get("window", DEFAULT_WINDOW)
    pre = [f"steps={ranges['steps']}"] if "steps" in ranges else []
    base = resolved_config(scenario, community, pre + overrides)
    metrics = [str(m) for m in ranges["metrics"]]
    params = {str(k): [float(b) for b in v] for k, v in ranges["parameters"].items()}
    names = list(params)
    problem = {"num_vars": len(names), "names": names, "bounds": [params[k] for k in names]}
    seeds = check_seeds(opts["first_seed"], replications)
    rows = sample_rows(method, n, len(names))
    check_job_size(f"samples × ({'D + 2' if method == 'sobol' else 'D + 1'}) × replications", rows * replications,
                   base, opts["allow_large"],
                   sizes=f"{n} × {rows // n} × {replications} (D = {len(names)} parameters)")
    check_launcher(opts)
    out = job_dir("sensitivity", opts["out"])
    if method == "sobol" and n & (n - 1):
        print(f"note: samples={n} is not a power of 2; Sobol' sequences balance best at powers of 2",
              file=sys.stderr)

    x = _sample(method, problem, n, opts["levels"], opts["sampler_seed"])
    schema = {k: v for k, _, v in iter_params(ModelConfig)}
    specs, configs = [], []
    for i, row in enumerate(x):
        data = copy.deepcopy(base)
        for key, value in zip(names, row):
            value = round(value) if isinstance(schema[key], int) else float(value)
            config_mod.set_dotted(data, key, value)
        try:
            engine.validated(data)  # once per sample: make_spec reuses it for every seed
        except ConfigError as exc:
            cli.fail(f"sample {i}: {exc}")
        configs.append(data)
        specs.extend(engine.make_spec(data, s, sample=i, scenario=base["info"]["scenario"],
                                      allow_large=opts["allow_large"]) for s in seeds)
    for m in metrics:
        if m not in _metric_names():
            allowed = ", ".join(_metric_names())
            cli.fail(f"ranges file {ranges_path}: metrics: {m!r} is not a metric; allowed: {allowed}")

    out.mkdir(parents=True, exist_ok=True)
    store = RunStore(out / "runs")
    manifest = {
        "kind": "sensitivity",
        "scenarios": [base["info"]["scenario"]],
        "descriptions": {base["info"]["scenario"]: base["info"]["scenario_description"]},
        "community": base["info"]["community"],
        "replications": replications,
        "steps": int(base["steps"]),
        "seeds": seeds,
        "version": package_version(),
        "command": command_line(PROG, argv, {"out": str(out)}),
        "method": method,
        "samples": n,
        "sample_rows": len(x),
        "runs": len({s.key for s in specs}),
        "parameters": params,
        "metrics": metrics,
        "window": window,
        "statistic": f"mean over the last {window} months of each run, averaged over the sample's seeds",
        "levels": opts["levels"] if method == "morris" else None,
        "sampler_seed": opts["sampler_seed"],
        "ranges_file": str(ranges_path),
        "overrides": overrides,
        "launcher": opts["launcher"],
    }
    outcomes = start(out, manifest, specs, store, opts,
                     f"{method}: {len(x)} samples of {len(names)} parameters × {replications} seeds = "
                     f"{manifest['runs']} distinct runs of {manifest['steps']} months; job directory {out}")

    rows = []
    for s in specs:
        row = {"sample": s.labels["sample"], "seed": s.seed}
        row.update(dict(zip(names, x[s.labels["sample"]])))
        if outcomes[s.key].status == "failed":
            row.update({m: np.nan for m in metrics})
        else:
            ts = pd.read_parquet(store.path(s.key), columns=["step", *metrics]).sort_values("step")
            row.update(ts[metrics].tail(window).mean().to_dict())
        rows.append(row)
    samples = pd.DataFrame(rows)
    io.write_parquet(samples, out / "samples.parquet")
    per_sample = samples.groupby("sample", sort=True)[metrics].mean()  # mean over seeds; NaN if any failed
    per_sample = per_sample.where(samples.groupby("sample")[metrics].count().eq(replications))
    table = pd.concat([indices(method, problem, x, per_sample[m].to_numpy(float), m, opts["levels"],
                               opts["sampler_seed"]) for m in metrics], ignore_index=True)
    io.write_parquet(table, out / "indices.parquet")
    io.write_csv(table, out / "indices.csv")

    failures, counts = finish(out, manifest, specs, outcomes, store, ("sample",))
    print_indices(table, method)
    return close(out, store, failures, counts)


def _metric_names() -> list[str]:
    from model.community import CommunityModel

    m = CommunityModel(config=config_mod.from_dict({"community": {"buildings": 1, "households_per_building": 4}}),
                       rng=0)
    return [c for c in m.timeseries().columns if c != "step"]


def print_indices(table: pd.DataFrame, method: str) -> None:
    """The indices as one table per metric on stdout."""
    from rich import box
    from rich.table import Table

    out = console()
    if method == "sobol":
        cols = [("S1", "S1_conf"), ("ST", "ST_conf")]
        note = "Sobol' first-order (S1) and total (ST) indices ± 95% bootstrap CI half-width"
    else:
        cols = [("mu_star", "mu_star_conf"), ("sigma", None)]
        note = "Morris mu* (mean absolute elementary effect) ± 95% bootstrap CI half-width, sigma"
    out.print(note, highlight=False)
    t = Table(box=box.SIMPLE_HEAD)
    t.add_column("metric", no_wrap=True)
    t.add_column("parameter", no_wrap=True)
    for c, _ in cols:
        t.add_column(c, justify="right", no_wrap=True)
    metrics = list(dict.fromkeys(table["metric"]))
    for m in metrics:
        rows = table[table["metric"] == m]
        for k, (_, r) in enumerate(rows.iterrows()):
            cells = [fmt(r[c]) + (f" ± {fmt(r[ci])}" if ci else "") for c, ci in cols]
            t.add_row(m if k == 0 else "", r["parameter"], *cells, end_section=k == len(rows) - 1)
    out.print(t)


if __name__ == "__main__":
    raise SystemExit(main())
