"""The seam every study is built on: a :class:`Study` declares its options, its arms and its tables;
:meth:`Study.main` does the rest, the same way for every study::

    parse        the command line, once (:func:`experiments.command_line.parse`): options and model overrides
    arms         the study's checks and the resolved config of each arm       (Study.arms)
    size check   every arm's config against the job bounds                     (Study.size, runner.check_job_size)
    specs        one RunSpec per run: arm × seed (× sample, coalition ...)     (Study.specs)
    manifest     what the job records                                           (Study.describe + the common keys)
    execute      the runs through the one runner, in the job directory         (Study.execute, runner.Job)
    write        the study's tables, atomically                                 (Study.tables)
    close        failures.json, the final manifest, the printed tables, the exit code (Study.report, Study.verdict)

Bad input anywhere before *execute* is one line naming the key and what is allowed, exit code 2, and
nothing written (the job directory is created only after every check). A study is a module with a
``Study`` subclass and a ``main(argv)`` that calls a fresh instance's (``python -m experiments.<study>``).

Also here, what several studies share: the design files they read (:func:`read_design`: a name under
``scenarios/<group>/`` or a path), each run's outcome over its last months (:func:`window_means`),
the launch options of a job (:func:`launch_options`) and printing numbers (:func:`fmt`, :func:`console`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

import scenarios
from experiments import command_line, runner
from experiments.command_line import ALLOW_LARGE, MAX_WORKERS, Option, check_out, check_path, fail, first_line
from model import config as config_mod
from model.params import ConfigError


class Study:
    """A study: its options, its arms and its tables (see the module docstring).

    Class attributes: ``prog`` (the entry point), ``kind`` (the manifest's kind and the default job
    directory ``outputs/<kind>/<time>``; empty: a study that only prints what it measured), ``options``
    (:class:`~experiments.command_line.Option`), ``reserved`` (model keys the study sets itself → why),
    ``overrides_allowed`` (every other ``key=value`` is a model override), ``labels`` (the run labels
    naming a failed run), ``csv`` (tables also written as ``.csv``). One instance serves one command
    line: :meth:`main` sets ``argv``, ``opts``, ``overrides`` (parsed), ``out`` and ``job`` for the hooks.
    """

    prog: str = ""
    kind: str = ""
    options: dict[str, Option] = {}
    reserved: dict[str, str] = {}
    overrides_allowed: bool = True
    labels: tuple[str, ...] = ("scenario",)
    csv: tuple[str, ...] = ()

    argv: list[str]
    opts: dict[str, Any]
    overrides: list
    out: Path
    job: runner.Job

    # ------------------------------------------------------------------------------- the hooks
    def arms(self) -> list[dict]:
        """Check what the options name; the resolved model config of each arm (exit 2 on bad input)."""
        raise NotImplementedError

    def size(self) -> tuple[str, int, str] | None:
        """(the options whose product is the number of runs, that number, their values), or None: no bound."""
        return None

    def specs(self) -> list[runner.RunSpec]:
        """The runs (exit 2 with one line when one of them cannot be run)."""
        return []

    def describe(self, specs: list[runner.RunSpec]) -> dict:
        """The study's manifest keys (``docs/results.md``); :meth:`manifest` adds the common ones."""
        return {}

    def message(self, specs: list[runner.RunSpec]) -> str:
        """What the job is about to run, one line on stderr."""
        return f"{len(specs)} runs; job directory {self.out}"

    def launch(self) -> dict:
        """How the job runs its specs: :func:`experiments.runner.execute`'s keywords (:func:`launch_options`)."""
        return launch_keywords(self.opts)

    def execute(self, job: runner.Job, specs: list[runner.RunSpec]) -> dict[str, runner.Outcome]:
        """Run the specs in the job (a study whose runs an outside algorithm chooses overrides this)."""
        return job.run(specs, self.message(specs))

    def tables(self, job: runner.Job, specs: list[runner.RunSpec],
               outcomes: dict[str, runner.Outcome]) -> dict[str, pd.DataFrame]:
        """The study's tables by file name (without ``.parquet``), from the finished runs."""
        return {}

    def report(self, tables: dict[str, pd.DataFrame], failures: list[dict]) -> None:
        """Print the study's tables."""

    def verdict(self, tables: dict[str, pd.DataFrame]) -> int:
        """The exit code when no run failed (0; calibrate: 1 when a criterion fails)."""
        return 0

    # ------------------------------------------------------------------------------- the skeleton
    def main(self, argv: list[str] | None = None) -> int:
        """Run the study on a command line; return the exit code (0, 1 when runs failed, 2 on bad input)."""
        self.argv = sys.argv[1:] if argv is None else list(argv)
        self.opts, self.overrides = command_line.parse(self.argv, self.options, self.prog, self.reserved,
                                                       self.overrides_allowed)
        configs = self.arms()
        if not self.kind:  # a study that measures and prints, with no job directory (lab_validation)
            tables = self.tables(None, self.specs(), {})
            self.report(tables, [])
            return self.verdict(tables)
        size = self.size()
        if size is not None:
            keys, runs, sizes = size
            for config in configs:
                check(runner.check_job_size, keys, runs, config, self.opts.get("allow_large", False), sizes=sizes)
        check_launcher(self.opts)
        self.out = job_dir(self.kind, self.opts.get("out"))
        specs = self.specs()
        self.out.mkdir(parents=True, exist_ok=True)
        job = self.job = runner.Job(self.out, self.manifest(specs), **self.launch())
        outcomes = check(self.execute, job, specs)
        for name, table in (tables := self.tables(job, specs, outcomes)).items():
            runner.write_parquet(table, self.out / f"{name}.parquet")
            if name in self.csv:
                runner.write_csv(table, self.out / f"{name}.csv")
        failures, counts = self.finish(job, specs, outcomes)
        self.report(tables, failures)
        return job.close(failures, counts) or self.verdict(tables)

    def manifest(self, specs: list[runner.RunSpec]) -> dict:
        """The job's manifest: kind, the study's keys (:meth:`describe`), version, command, overrides,
        launcher and runs."""
        return {"kind": self.kind, **self.describe(specs), "version": runner.package_version(),
                "command": command_line.command_line(self.prog, self.argv, {"out": str(self.out)}),
                "overrides": command_line.texts(self.overrides), "launcher": self.opts.get("launcher"),
                "runs": len({s.key for s in specs})}

    def finish(self, job: runner.Job, specs: list[runner.RunSpec], outcomes: dict) -> tuple[list[dict], dict]:
        """failures.json and the final manifest (:meth:`experiments.runner.Job.finish`)."""
        return job.finish(specs, outcomes, self.labels)


def check(function, *args, **kwargs):
    """``function(*args, **kwargs)``, a ``ConfigError`` it raises ending the entry point with its one line
    and exit code 2."""
    try:
        return function(*args, **kwargs)
    except ConfigError as exc:
        fail(str(exc))


# ----------------------------------------------------------------------------------- job options
def launch_options(kind: str) -> dict[str, Option]:
    """The options every job entry point takes: where its runs execute, its job directory, progress."""
    return {
        "launcher": Option("joblib", str, "where runs execute", choices=runner.LAUNCHERS),
        "n_jobs": Option(-1, int, "parallel runs (joblib; CPUs of a private Ray instance; tasks of a submitit job); "
                         "-1: all cores", range=(-1, MAX_WORKERS), exclude=(0,)),
        "ray_address": Option(None, str, "Ray cluster to join (launcher=ray); null: Ray on this machine"),
        "partition": Option(None, str, "SLURM partition (launcher=submitit_slurm); null: the cluster's default"),
        "timeout_min": Option(60, int, "minutes each submitit task may run", range=(1, 525_600)),
        "out": Option(None, str, f"job directory (default outputs/{kind}/<time>); the same out resumes"),
        "progress": Option(True, bool, "show a progress bar"),
        "allow_large": ALLOW_LARGE,
    }


def launch_keywords(opts: dict) -> dict:
    """The keywords of :func:`experiments.runner.execute` that a job's launch options set."""
    if "launcher" not in opts:
        return {"launcher": "serial", "progress": False}
    submitit = {"timeout_min": opts["timeout_min"], **({"slurm_partition": opts["partition"]}
                                                          if opts["partition"] else {})}
    return {"launcher": opts["launcher"], "n_jobs": opts["n_jobs"], "ray_address": opts["ray_address"],
            "submitit": submitit, "progress": opts["progress"]}


def check_launcher(opts: dict) -> None:
    """Before a job directory exists: a Ray cluster named by ``ray_address`` must answer
    (:func:`experiments.runner.check_ray_address`), or exit 2 with its one line."""
    if opts.get("launcher") == "ray" and opts.get("ray_address"):
        check(runner.check_ray_address, opts["ray_address"])


def job_dir(kind: str, out: str | None) -> Path:
    """The job directory: ``out`` checked (:func:`~experiments.command_line.check_out`), or a new
    ``outputs/<kind>/<time>``. Not created."""
    return check_out("out", out) if out else check_out("out", runner.new_job_dir(kind))


# ------------------------------------------------------------------------------------------ arms
def resolved_config(scenario: str | None, community: str | None, overrides) -> dict:
    """The validated, fully resolved model config (nested dict) of a scenario and community with
    overrides; a bad name, key or value exits 2 with one line."""
    try:
        data = scenarios.compose_dict(scenario, community, overrides)
    except ConfigError as exc:
        fail(str(exc))
    except Exception as exc:  # Hydra/OmegaConf composition errors: one line
        fail(first_line(exc))
    return config_mod.to_dict(check(runner.validated, data))


def arm_keys(configs: dict[str, dict], seeds: list[int], window: int, statistic: str) -> dict:
    """The manifest keys of a study of scenarios (``docs/results.md``), from its arms' resolved configs by
    scenario name: scenarios, descriptions, community and months (the first arm's), seeds, window."""
    first = next(iter(configs.values()))
    return {"scenarios": list(configs), "community": first["info"]["community"],
            "descriptions": {n: c["info"]["scenario_description"] for n, c in configs.items()},
            "replications": len(seeds), "steps": int(first["steps"]), "seeds": seeds, "window": window,
            "statistic": statistic}


def check_name(group: str, name: str, what: str | None = None) -> None:
    """``name`` is a ``scenario`` or ``community`` of the catalogue, or exit 2 with one line (prefixed
    with the option ``what`` when it is not the group's own name)."""
    try:
        scenarios.check_name(group, name)
    except ConfigError as exc:
        fail(f"{what}: {exc}" if what and what != group else str(exc))


def read_design(key: str, spec: str | Path, group: str, label: str, *, shape: type = dict,
                keys: set[str] | None = None) -> tuple[Path, Any]:
    """(the path, the content) of a design file a study reads: ``spec`` a path, or a name under
    ``scenarios/<group>/``; its ``shape`` a ``dict`` (with top-level ``keys`` among those given) or a
    ``list``. ``key`` (the option naming it: ``ranges``) and ``label`` (``ranges file``) are for messages.
    Raises ConfigError, one line: no such file or name (the names allowed), bad YAML, wrong shape or key."""
    directory = scenarios.CONFIG_DIR / group
    path = check_path(key, spec)
    if not (path.suffix in (".yaml", ".yml") or path.exists()):
        path = directory / f"{spec}.yaml"
    if not path.exists():
        names = ", ".join(sorted(p.stem for p in directory.glob("*.yaml")))
        raise ConfigError(f"{key} = {str(spec)!r} is neither a file nor a name under scenarios/{group}/; "
                          f"allowed: {names}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{label} {path}: {str(exc).splitlines()[0]}") from None
    if shape is dict:
        data = data or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{label} {path} must be a mapping")
        unknown = sorted(set(data) - keys) if keys is not None else []
        if unknown:
            raise ConfigError(f"{label} {path}: {unknown[0]} is not a key; allowed: {', '.join(sorted(keys))}")
    return path, data


# ---------------------------------------------------------------------------------------- tables
def window_means(store: runner.RunStore, specs: list[runner.RunSpec], outcomes: dict, metrics: list[str],
                 window: int) -> pd.DataFrame:
    """One row per run (in the order of ``specs``): its labels, ``seed`` and each metric's mean over the
    run's last ``window`` months (NaN months skipped; every metric NaN for a failed run)."""
    rows = []
    for s in specs:
        row = {**s.labels, "seed": s.seed}
        if outcomes[s.key].status == "failed":
            row.update({m: float("nan") for m in metrics})
        else:
            ts = pd.read_parquet(store.path(s.key), columns=["step", *metrics]).sort_values("step")
            row.update(ts[metrics].tail(window).mean().to_dict())
        rows.append(row)
    return pd.DataFrame(rows)


def fmt(v: float) -> str:
    """A number for a table: thousands separators from 100 up, else 3 decimals."""
    if pd.isna(v):
        return "n/a"
    if abs(v) == float("inf"):
        return "inf" if v > 0 else "-inf"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3f}"


def printed_table(*columns: str, left: tuple[str, ...] = (), title: str | None = None):
    """A rich table of the studies' printed results: a simple head, no wrapping, the ``columns``
    right-justified but those in ``left``."""
    from rich import box
    from rich.table import Table

    t = Table(box=box.SIMPLE_HEAD, title=title)
    for c in columns:
        t.add_column(c, justify="left" if c in left else "right", no_wrap=True)
    return t


def console():
    """A rich console for tables: the terminal's width, or 132 columns into a file or pipe."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 132, soft_wrap=False)
