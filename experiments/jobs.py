"""Plumbing shared by the job entry points (``compare``, ``sensitivity``): job directories,
validated configs, starting and closing a job, printing failures and numbers."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

import scenarios
from experiments import cli, engine, io
from model import config as config_mod
from model.params import ConfigError


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
    return config_mod.to_dict(cli.model_config(data))


def check_scenario(name: str, what: str = "scenario") -> None:
    try:
        scenarios.check_name("scenario", name)
    except ConfigError as exc:
        cli.fail(f"{what}: {exc}" if what != "scenario" else str(exc))


def now() -> str:
    """The local time as recorded in manifests (``2026-11-27T08:30:00``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def start(out: Path, manifest: dict, specs, store, opts: dict, message: str) -> dict:
    """Start a job: write its manifest (``status: running``), say ``message`` on stderr, then run
    every spec through the engine with the job's launcher options; returns key → outcome."""
    manifest.update(status="running", started=now())
    io.write_json(manifest, out / "manifest.json")
    print(message, file=sys.stderr)
    return engine.execute(specs, store, launcher=opts["launcher"], n_jobs=opts["n_jobs"],
                          ray_address=opts["ray_address"], progress=opts["progress"])


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
    manifest.update(status="failed" if failures else "complete", finished=now(),
                    failed=[f["key"] for f in failures], counts=counts)
    io.write_json(manifest, out / "manifest.json")
    return failures, counts


def close(out: Path, store, failures: list[dict], counts: dict) -> int:
    """Print the job's last lines (counts, failures, ``results: <dir>``); return its exit code."""
    print(f"{counts['done']} runs computed, {counts['cached']} found in {store.root}, {counts['failed']} failed")
    report_failures(failures, out)
    print(f"results: {out}")
    return 1 if failures else 0


def report_failures(failures: list[dict], out: Path) -> None:
    """List failed runs on stderr (key, labels, one-line error)."""
    if not failures:
        return
    print(f"{len(failures)} runs failed (list: {out / 'failures.json'}; tracebacks and configs: "
          f"{out / 'runs'}/<key>.failed.json):", file=sys.stderr)
    for f in failures:
        label = " ".join(f"{k}={f[k]}" for k in ("scenario", "sample", "seed") if k in f)
        print(f"  {f['key']}  {label}  {f['error']}", file=sys.stderr)


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
