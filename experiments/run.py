"""Run one community under one scenario and write its results; with ``-m``, a Hydra sweep.

Usage::

    python -m experiments.run                                   # defaults (scenario/config.yaml)
    python -m experiments.run scenario=co_creation seed=3 steps=120
    python -m experiments.run scenario=top_down community=ageing
    python -m experiments.run -m scenario=top_down,co_creation seed='range(0,10)'   # sweep
    python -m experiments.run -m ... hydra/launcher=joblib          # all local cores
    python -m experiments.run -m ... hydra/launcher=ray             # Ray (local, or a cluster)
    python -m experiments.run -m ... hydra/launcher=submitit_slurm  # a SLURM cluster

A single run writes into Hydra's output directory ``timeseries.parquet`` (one row per step),
``summary.json`` (final values, means over the last ``window`` months, seed, scenario, version) and
the resolved config (``.hydra/config.yaml``); it prints the headline metrics and, last, ``results:
<output dir>``. A sweep (``-m``) writes each run the same way into its job directory
``<sweep dir>/<num>/`` (``summary.json`` also holds the run's store ``key``, job number and
overrides): every job computes its run with the runner (:func:`experiments.runner.run_one`) into
the sweep's store ``<sweep dir>/runs/``, so running the same sweep again with
``hydra.sweep.dir=<sweep dir>`` computes only the missing runs; at the end the job directories are
merged into ``<sweep dir>/sweep.parquet`` (:mod:`experiments.collect`; manifest and progress bar:
:class:`experiments.sweep.SweepCallback`). A run that raises — also a value out of range in one job —
is recorded (``<num>/failed.json``, ``runs/<key>.failed.json``), the others go on, and the sweep
ends with exit code 1 and the list of failed runs.

Before Hydra starts, the command line is parsed once (:func:`experiments.command_line.hydra_command_line`)
and checked here, each bad value one line and exit code 2: group choices and values against the
schema (:func:`precheck`); a single run's config composed and validated with its size
(:func:`precompose`); a sweep's every swept value and its size, more than :data:`MAX_SWEEP_RUNS`
(10,000) runs needing ``allow_large=true`` (:func:`precheck_sweep`; a value that fails only combined
with another key's stays a failed run). Hydra's basic sweeper launches the jobs in batches
(``hydra.sweeper.max_batch_size``, ``scenarios/hydra/sweeper/streamed.yaml``), so a large sweep starts
at once.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

import scenarios
from experiments import objective, runner
from experiments.command_line import (HydraCommandLine, fail, first_line, hydra_command_line, hydra_help, key_of,
                                      usage_examples)
from model.config import ModelConfig, check_size
from model.params import ConfigError

PROG = "experiments.run"

# Our launcher configs (scenarios/hydra/launcher/*.yaml) carry the plugins' names so that
# ``hydra/launcher=joblib`` etc. select them; Hydra then also validates them against the
# plugins' schemas of the same name and warns that this matching is deprecated. Each file is
# complete (``_target_`` and every key), so it works with or without the matching.
warnings.filterwarnings("ignore", message=r"(?s).*is validated against ConfigStore schema with the same name")


ALLOW_LARGE = False
"""``allow_large=true`` on the command line: :func:`main` checked the run's size before Hydra started
(:func:`model.config.check_size`) and takes the flag out of the arguments Hydra sees; the run then
builds its model with it. A sweep passes it to its jobs through the environment (:data:`ALLOW_LARGE_ENV`),
which the launchers' worker processes inherit."""

ALLOW_LARGE_ENV = "COGOV_ALLOW_LARGE"


# ------------------------------------------------------------------------------ the Hydra task
def model_config(data: dict):
    """Validate a composed config dict into a ModelConfig (once per process and distinct config:
    :func:`experiments.runner.validated`), or exit 2 with a one-line error."""
    try:
        return runner.validated(scenarios.model_data(data))
    except ConfigError as exc:
        fail(str(exc))


def execute(cfg_dict: dict, out_dir: Path) -> dict:
    """Validate, simulate and write one run; return its summary."""
    cfg = model_config(cfg_dict)
    ts = runner.simulate(cfg, allow_large=ALLOW_LARGE)
    summary = runner.summarise(ts, cfg, cfg.seed)
    runner.write_parquet(ts, out_dir / "timeseries.parquet")
    runner.write_json(summary, out_dir / "summary.json")
    return summary


def execute_sweep_job(cfg_dict: dict, out_dir: Path, sweep_dir: Path, job: int, overrides: list[str]) -> dict:
    """One job of a sweep: take the run from the sweep's store or compute it there (:func:`experiments.runner.run_one`),
    then write the job directory. A run that raises is recorded, not raised, so the sweep goes on."""
    import pandas as pd

    from experiments import sweep

    store = runner.RunStore(sweep_dir / "runs")
    data = scenarios.model_data(cfg_dict)
    seed = int(data.get("seed", 0))
    ident = {"job": job, "overrides": overrides}
    try:
        spec = runner.make_spec(data, seed, allow_large=ALLOW_LARGE or os.environ.get(ALLOW_LARGE_ENV) == "1",
                                scenario=data["info"]["scenario"], community=data["info"]["community"], **ident)
    except ConfigError:  # a value out of range in this job of the sweep: run_one records it as a failed run
        spec = runner.RunSpec(runner.run_key(data, seed), data, seed, ident)
    key, outcome = spec.key, runner.run_one(spec, str(store.root))
    outcome_status, error = outcome.status, outcome.error
    if outcome_status == "failed":
        (out_dir / "summary.json").unlink(missing_ok=True)
        (out_dir / "timeseries.parquet").unlink(missing_ok=True)
        runner.write_json({"key": key, **ident, "seed": seed, "error": error.splitlines()[0]}, out_dir / "failed.json")
    else:
        ts_path = store.link_into(key, out_dir / "timeseries.parquet")
        summary = {"key": key, **ident, **runner.summarise(pd.read_parquet(ts_path), spec.model_config, seed)}
        runner.write_json(summary, out_dir / "summary.json")
        (out_dir / "failed.json").unlink(missing_ok=True)
    sweep.report_progress(sweep_dir, key, outcome_status)
    return {"key": key, "status": outcome_status, "error": error}


@hydra.main(version_base="1.3", config_path=str(scenarios.CONFIG_DIR), config_name="config")
def _main(cfg: DictConfig):
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    cfg_dict = objective.first_seed(scenarios.apply_command_line(OmegaConf.to_container(cfg, resolve=True),
                                                                 list(hc.overrides.task)))
    if hc.mode == RunMode.MULTIRUN:
        job = execute_sweep_job(cfg_dict, out_dir, Path(hc.sweep.dir).absolute(), int(hc.job.num),
                                list(hc.overrides.task))
        return objective.job_return(cfg_dict, job, out_dir, Path(hc.sweep.dir).absolute() / "runs")
    summary = execute(cfg_dict, out_dir)
    print(runner.headline_table(summary))
    if cfg_dict.get("objective"):
        print(objective.describe(cfg_dict, objective.value(cfg_dict, out_dir, out_dir / "runs")))
    print(f"results: {out_dir}")
    return None


# ----------------------------------------------------------------------------- before Hydra starts
def main() -> None:
    """``python -m experiments.run``: check the command line (one line, exit 2 on bad input), then run Hydra."""
    argv = sys.argv[1:]
    hydra_help(argv, PROG, scenarios.compose_dict, ModelConfig,
               {g: scenarios.available(g) for g in ("scenario", "community")}, usage_examples(__doc__))
    global ALLOW_LARGE
    line = hydra_command_line(argv)
    ALLOW_LARGE = line.allow_large
    precheck(line.overrides, scenarios.GROUPS, ModelConfig)
    objective.check(line.overrides)
    if line.multirun:
        precheck_sweep(line, max_runs=math.inf if ALLOW_LARGE else MAX_SWEEP_RUNS)
        if ALLOW_LARGE:  # the sweep's jobs, in this process or a launcher's workers, run large configs too
            os.environ[ALLOW_LARGE_ENV] = "1"
    elif not line.flags:  # a single run: its config and size, before Hydra creates its directory
        try:
            check_size(precompose(line.overrides), allow_large=ALLOW_LARGE)
        except ConfigError as exc:
            fail(str(exc))
    from experiments import sweep

    sweep.LAST.clear()
    sys.argv = [sys.argv[0], *line.argv]  # without allow_large, which is not a config key
    try:
        _main()
    finally:
        sweep.close_unfinished()  # a sweep Hydra stopped before its end: its manifest says so
    if sweep.LAST.get("failed"):
        raise SystemExit(1)


def precheck(overrides: list, groups: tuple[str, ...], schema: type | None = None) -> None:
    """Check group choices (e.g. ``scenario=…``, every value of a sweep) against the catalogue and,
    with a ``schema``, every single value of a dotted key against it (``steps=3.5`` is one line with
    the key and what is allowed, before Hydra's own type errors); exit 2 with one line."""
    for o in overrides:
        group = key_of(o)
        if group not in groups:
            if schema is not None:
                _check_value(o, group, schema)
            continue
        for v in list(o.sweep_string_iterator()) if o.is_sweep_override() else [o.value()]:
            try:
                scenarios.check_name(group, str(v))
            except ConfigError as exc:
                fail(str(exc))


def _check_value(o, key: str, schema: type) -> None:
    """One override's value checked against ``schema`` (exit 2 with one line), when it is a plain value
    of a key of the schema: not a sweep, a group choice, a ``hydra``/run key, a deletion or interpolation."""
    from model import config as config_mod

    value = None if o.is_sweep_override() else o.value()
    if (value is None or "/" in key or key.split(".")[0] in ("hydra", *scenarios.RUN_KEYS)
            or o.key_or_group.startswith("~") or (isinstance(value, str) and "${" in value)):
        return
    try:
        with warnings.catch_warnings():  # whether a mechanism is on depends on the scenario: said later
            warnings.simplefilter("ignore")
            config_mod.build_section(schema, config_mod.apply_overrides({}, {key: value}, schema))
    except ConfigError as exc:
        fail(str(exc))


def check_yaml(group: str, name: str) -> None:
    """Exit 2 with one line (file, line, column, problem) if the option's YAML file does not parse."""
    import yaml

    path = scenarios.CONFIG_DIR / group / f"{name}.yaml"
    try:
        yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return  # an unknown name: scenarios.check_name reports it
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        fail(f"{group}={name}: {path} is not valid YAML: {where}{problem}")


def precompose(overrides: list):
    """A single run's config, composed from the parsed overrides and validated before Hydra starts;
    exit 2 with one line on a bad file, key or value."""
    choice = {"scenario": None, "community": None}
    rest = []
    for o in overrides:
        if o.key_or_group in choice:
            choice[o.key_or_group] = o.input_line.split("=", 1)[1]  # as given (a sweep without -m: its text)
        elif not o.key_or_group.startswith("hydra"):
            rest.append(o)
    for group, name in choice.items():
        check_yaml(group, name or scenarios.default_choice(group))
    try:
        data = scenarios.compose_dict(choice["scenario"], choice["community"], rest)
    except ConfigError as exc:
        fail(str(exc))
    except Exception as exc:  # composition/type errors from Hydra/OmegaConf
        fail(first_line(exc))
    return model_config(data)


MAX_SWEEP_RUNS = 10_000
"""Default bound on the runs of one sweep (``allow_large=true`` goes beyond): 10,000 runs of the default
community (10,160 residents, 120 months, ~2.5 s a run on one core) take about 7 core-hours."""

SAMPLE_VALUES = 16
"""Values of a swept key :func:`precheck_sweep` checks at most: beyond, the extremes and an even sample."""


def _sample(values: list) -> list:
    """The distinct values of a swept key to check: all of them up to :data:`SAMPLE_VALUES`, else the
    first, the last, the smallest and the largest (numbers) and an evenly spaced sample."""
    distinct = list(dict.fromkeys(map(repr, values)))
    by_repr = {repr(v): v for v in values}
    if len(distinct) <= SAMPLE_VALUES:
        return [by_repr[r] for r in distinct]
    picked = [values[0], values[-1]]
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if numbers:
        picked += [min(numbers), max(numbers)]
    step = len(values) / SAMPLE_VALUES
    picked += [values[int(i * step)] for i in range(SAMPLE_VALUES)]
    return list({repr(v): v for v in picked}.values())


def precheck_sweep(line: HydraCommandLine, max_runs: float = MAX_SWEEP_RUNS) -> None:
    """For a multirun (``-m``): check every swept value before Hydra launches anything, or exit 2 with one
    line naming the key (the file and line for a YAML error) and what is allowed. In this order: ``-m``
    comes before the overrides; every config group choice (``scenario``, ``hydra/launcher``, …) is an option
    of its group and its YAML file parses; the grid has at most ``max_runs`` runs unless
    ``allow_large=true``; the config composes and validates for each distinct scenario and community (the
    other keys at their first values; composing every combination is what makes Hydra slow to start a
    large sweep); each distinct value of each swept model key (:func:`_sample`), set on that config,
    validates. A value that fails only combined with another key's stays a recorded failed run."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from experiments import sweep
    from model.config import apply_overrides, from_dict

    argv, parsed = line.argv, line.overrides
    flags = [i for i, a in enumerate(argv) if a in ("-m", "--multirun")]
    given = [i for i, a in enumerate(argv) if not a.startswith("-") and "=" in a]
    if given and flags and given[0] < flags[0] and any(i > flags[0] for i in given):
        fail(f"-m must come before the overrides (python -m experiments.run -m key=a,b ...); it came after "
             f"{argv[given[0]]!r}")

    def values(o) -> list:
        if not o.is_sweep_override():
            return [o.value()]
        return list(o.sweep_iterator()) if o.is_discrete_sweep() else []  # interval(): the sweeper samples

    gh = GlobalHydra.instance()
    gh.clear()
    try:
        with initialize_config_dir(config_dir=str(scenarios.CONFIG_DIR), version_base="1.3"):
            loader = GlobalHydra.instance().hydra.config_loader
            groups, keys = {}, []
            for o in parsed:
                key = key_of(o)
                if "." not in key and loader.repository.group_exists(key):
                    options = loader.get_group_options(key)
                    for v in (list(o.sweep_string_iterator()) if o.is_sweep_override() else [str(o.value())]):
                        if v not in options:
                            fail(f"{key} = {v!r} is unknown; allowed: {', '.join(options)}")
                        if key in scenarios.GROUPS:
                            check_yaml(key, v)
                    groups[key] = o
                elif not key.startswith("hydra.") and key not in scenarios.RUN_KEYS and not key.startswith(
                        tuple(f"{k}." for k in scenarios.RUN_KEYS)):
                    keys.append(o)
            for group in scenarios.GROUPS:
                if group not in groups:
                    check_yaml(group, scenarios.default_choice(group))
            swept = sweep.sweep_overrides(parsed)
            runs = math.prod(len(v) for v in swept.values() if isinstance(v, list)) if swept else 1
            if runs > max_runs and not line.allow_large:
                sizes = " × ".join(f"{k}: {len(v)}" for k, v in swept.items() if isinstance(v, list))
                fail(f"the sweep has {runs:,} runs ({sizes}), more than {max_runs:,}; "
                     "set allow_large=true to run it on purpose")
            fixed = [f"{o.get_key_element()}={next(o.sweep_string_iterator())}" if o.is_sweep_override()
                     else o.input_line for o in keys if not (o.is_sweep_override() and not values(o))]
            choices = [{g: next(o.sweep_string_iterator()) if o.is_sweep_override() else str(o.value())
                        for g, o in groups.items() if g in scenarios.GROUPS}]
            for g in scenarios.GROUPS:
                if g in groups and groups[g].is_sweep_override():
                    choices += [{**choices[0], g: v} for v in list(groups[g].sweep_string_iterator())[1:]]
            for choice in {tuple(sorted(c.items())): c for c in choices}.values():
                args = [f"{g}={v}" for g, v in choice.items()] + fixed
                try:
                    cfg = compose(config_name="config", overrides=args)
                except Exception as exc:  # composition/type errors from Hydra/OmegaConf
                    fail(first_line(exc))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    data = scenarios.model_data(scenarios.apply_command_line(
                        OmegaConf.to_container(cfg, resolve=True), fixed))
                    try:
                        from_dict(data)
                        for o in keys:
                            for v in _sample(values(o))[1:] if o.is_sweep_override() else []:
                                from_dict(apply_overrides(data, {key_of(o): v}))
                    except ConfigError as exc:
                        fail(str(exc))
    finally:
        gh.clear()


if __name__ == "__main__":
    main()
