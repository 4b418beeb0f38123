"""What every job shares (``compare``, ``sensitivity``, ``calibrate``, Hydra sweeps): job directories,
launcher options, validated configs, the one manifest writer, starting and closing a job through
the runner (:mod:`experiments.engine`), the one failure report, printing numbers."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

import scenarios
from experiments import cli, engine, io
from experiments.options import Option
from model import config as config_mod
from model.params import ConfigError


def launch_options(kind: str) -> dict[str, Option]:
    """The options every job entry point takes: where its runs execute, its job directory, progress."""
    return {
        "launcher": Option("joblib", str, "where runs execute", choices=engine.LAUNCHERS),
        "n_jobs": Option(-1, int, "parallel runs (joblib; CPUs of a private Ray instance; tasks of a submitit job); "
                         "-1: all cores"),
        "ray_address": Option(None, str, "Ray cluster to join (launcher=ray); null: Ray on this machine"),
        "partition": Option(None, str, "SLURM partition (launcher=submitit_slurm); null: the cluster's default"),
        "timeout_min": Option(60, int, "minutes each submitit task may run", minimum=1),
        "out": Option(None, str, f"job directory (default outputs/{kind}/<time>); the same out resumes"),
        "progress": Option(True, bool, "show a progress bar"),
    }


def new_job_dir(kind: str) -> Path:
    """``outputs/<kind>/<time>`` (with a suffix if that exists already)."""
    base = Path("outputs") / kind / time.strftime("%Y-%m-%d_%H-%M-%S")
    path, k = base, 1
    while path.exists():
        path, k = base.with_name(f"{base.name}-{k}"), k + 1
    return path


def resolved_config(scenario: str | None, community: str | None, overrides: list[str]) -> dict:
    """The validated, fully resolved model config (nested dict) of a scenario and community with
    overrides; a bad name, key or value exits 2 with one line."""
    try:
        data = scenarios.compose_dict(scenario, community, overrides)
    except ConfigError as exc:
        cli.fail(str(exc))
    except Exception as exc:  # Hydra/OmegaConf composition errors: one line
        cli.fail(cli._first_line(exc))
    try:
        return config_mod.to_dict(engine.validated(data))
    except ConfigError as exc:
        cli.fail(str(exc))


def check_scenario(name: str, what: str = "scenario") -> None:
    try:
        scenarios.check_name("scenario", name)
    except ConfigError as exc:
        cli.fail(f"{what}: {exc}" if what != "scenario" else str(exc))


def now() -> str:
    """The local time as recorded in manifests (``2026-11-27T08:30:00``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def write_manifest(out: Path, manifest: dict, **changes) -> dict:
    """The one manifest writer: update ``manifest`` with ``changes`` and write ``<out>/manifest.json``
    atomically. Every job records at least kind, scenarios, community, seeds, steps, window,
    version, command, status."""
    manifest.update(changes)
    io.write_json(manifest, Path(out) / "manifest.json")
    return manifest


def start(out: Path, manifest: dict, specs, store, opts: dict, message: str) -> dict:
    """Start a job: take the job directory's one-writer lock (:func:`experiments.io.job_lock`),
    write its manifest (``status: running``), say ``message`` on stderr, then run every spec
    through the engine with the job's launcher options; returns key → outcome. A second writer
    of the same directory, or a Ray cluster that cannot be reached, ends with one line, exit 2."""
    submitit = {"timeout_min": opts["timeout_min"], **({"slurm_partition": opts["partition"]}
                                                          if opts["partition"] else {})}
    try:
        with io.job_lock(out):
            write_manifest(out, manifest, status="running", started=now())
            print(message, file=sys.stderr)
            try:
                return engine.execute(specs, store, launcher=opts["launcher"], n_jobs=opts["n_jobs"],
                                      ray_address=opts["ray_address"], submitit=submitit, progress=opts["progress"])
            except ConfigError as exc:  # e.g. the Ray cluster cannot be reached: the manifest says so
                write_manifest(out, manifest, status="failed", finished=now(), error=str(exc))
                raise
    except ConfigError as exc:
        cli.fail(str(exc))


def finish(out: Path, manifest: dict, specs, outcomes: dict, store, labels: tuple[str, ...]) -> tuple[list[dict], dict]:
    """Close a job's records: ``failures.json`` (or none) and the final manifest.

    Args:
        labels: the run labels that identify a failed run in the list (e.g. ``("scenario",)``).

    Returns:
        (failures, counts): the failed runs (key, labels, seed, one-line error) and the number
        of runs ``done``, ``cached`` and ``failed``.
    """
    failures = []
    for s in specs:
        if outcomes[s.key].status == "failed":
            stored = store.failures([s.key])
            error = outcomes[s.key].error or (stored[0]["error"] if stored else "")
            failures.append({"key": s.key, **{k: s.labels[k] for k in labels}, "seed": s.seed, "error": error})
    if failures:
        io.write_json(failures, out / "failures.json")
    else:
        (out / "failures.json").unlink(missing_ok=True)
    counts = {st: sum(o.status == st for o in outcomes.values()) for st in ("done", "cached", "failed")}
    write_manifest(out, manifest, status="failed" if failures else "complete", finished=now(),
                   failed=[f["key"] for f in failures], counts=counts)
    return failures, counts


def close(out: Path, store, failures: list[dict], counts: dict) -> int:
    """Print the job's last lines (counts, failures, ``results: <dir>``); return its exit code."""
    print(f"{counts['done']} runs computed, {counts['cached']} found in {store.root}, {counts['failed']} failed")
    report_failures(failures, out)
    print(f"results: {out}")
    return 1 if failures else 0


def report_failures(failures: list[dict], out: Path, file=None) -> None:
    """The one failure report: the failed runs on stderr (key or job, labels, one-line error)."""
    if not failures:
        return
    file = file or sys.stderr
    print(f"{len(failures)} runs failed (list: {out / 'failures.json'}; tracebacks and configs: "
          f"{out / 'runs'}/<key>.failed.json):", file=file)
    for f in failures:
        label = " ".join(f"{k}={f[k]}" for k in ("scenario", "arm", "sample", "seed") if k in f)
        if "overrides" in f:
            label = f"job {f.get('job', f.get('dir'))}: {' '.join(f['overrides'])}"
        print(f"  {f.get('key', '')}  {label}  {f.get('error', '')}", file=file)


def fmt(v: float) -> str:
    """A number for a table: thousands separators from 100 up, else 3 decimals."""
    if pd.isna(v):
        return "n/a"
    if abs(v) == float("inf"):
        return "inf" if v > 0 else "-inf"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3f}"


def console():
    """A rich console for tables: the terminal's width, or 132 columns into a file or pipe."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 132, soft_wrap=False)
