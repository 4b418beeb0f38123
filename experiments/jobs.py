"""What every job shares (``compare``, ``sensitivity``, ``calibrate``, Hydra sweeps): job directories,
launcher options, validated configs, the one manifest writer, starting and closing a job through
the runner (:mod:`experiments.engine`), the one failure report, printing numbers."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import scenarios
from experiments import cli, engine, io
from experiments.options import ALLOW_LARGE, MAX_WORKERS, Option
from model import config as config_mod
from model.params import ConfigError, show


def launch_options(kind: str) -> dict[str, Option]:
    """The options every job entry point takes: where its runs execute, its job directory, progress."""
    return {
        "launcher": Option("joblib", str, "where runs execute", choices=engine.LAUNCHERS),
        "n_jobs": Option(-1, int, "parallel runs (joblib; CPUs of a private Ray instance; tasks of a submitit job); "
                         "-1: all cores", range=(-1, MAX_WORKERS), exclude=(0,)),
        "ray_address": Option(None, str, "Ray cluster to join (launcher=ray); null: Ray on this machine"),
        "partition": Option(None, str, "SLURM partition (launcher=submitit_slurm); null: the cluster's default"),
        "timeout_min": Option(60, int, "minutes each submitit task may run", range=(1, 525_600)),
        "out": Option(None, str, f"job directory (default outputs/{kind}/<time>); the same out resumes"),
        "progress": Option(True, bool, "show a progress bar"),
        "allow_large": ALLOW_LARGE,
    }


NAME_CHARS = "[A-Za-z0-9_-]{1,64}"
"""What a name that becomes part of an output path may be (scenario, community, job kind)."""

MAX_NAME_BYTES = 255
"""The longest file or directory name (NAME_MAX of Linux and macOS file systems), in bytes."""


def max_path_bytes() -> int:
    """The longest path this system takes (``PATH_MAX``: ``os.pathconf``; 4096 where it cannot be read)."""
    try:
        return os.pathconf("/", "PC_PATH_MAX")
    except (ValueError, OSError, AttributeError):
        return 4096


def check_path(key: str, path: str | os.PathLike) -> Path:
    """A path to read or write that the file system can take, or exit 2 with one line naming ``key``:
    not empty, no NUL byte, no component over :data:`MAX_NAME_BYTES` bytes, the absolute path shorter
    than :func:`max_path_bytes`."""
    text = os.fspath(path)
    if not text or "\0" in text:
        cli.fail(f"{key} = {text!r} is not a path")
    long = next((c for c in Path(text).parts if len(os.fsencode(c)) > MAX_NAME_BYTES), None)
    if long is not None:
        cli.fail(f"{key}: a name in the path is {len(os.fsencode(long))} bytes long; allowed: up to {MAX_NAME_BYTES}")
    full = len(os.fsencode(os.path.abspath(text)))
    if full >= max_path_bytes():
        cli.fail(f"{key}: the path is {full} bytes long; allowed: up to {max_path_bytes() - 1}")
    return Path(text)


def check_out(key: str, path: str | os.PathLike, *, directory: bool = True) -> Path:
    """Check an output path before anything is written, or exit 2 with one line naming ``key``.

    Refused: a component longer than :data:`MAX_NAME_BYTES` bytes or an absolute path longer than
    :func:`max_path_bytes`; for a ``directory``, an existing file (for a file, an existing directory);
    a path whose nearest existing ancestor is not a writable directory (``/proc/x``, ``/etc/x`` as a user;
    probed by creating and removing an empty directory there).

    Returns:
        the path, as given (relative paths stay relative).
    """
    out = check_path(key, path)
    text = os.fspath(path)
    if out.exists() and directory and not out.is_dir():
        cli.fail(f"{key} = {text} exists and is not a directory; choose a new or job directory")
    if out.exists() and not directory and out.is_dir():
        cli.fail(f"{key} = {text} is a directory; choose a file name")
    parent = out.absolute()
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK) or not _can_create_in(parent):
        cli.fail(f"{key} = {text} is not writable ({parent} is not a writable directory)")
    return out


def _can_create_in(directory: Path) -> bool:
    """Whether a directory can be created (and removed) in ``directory``: permissions alone do not tell
    for root, or on ``/proc`` and read-only mounts."""
    try:
        tempfile.TemporaryDirectory(dir=directory, prefix=".cogov-probe-").cleanup()
    except OSError:
        return False
    return True


def check_launcher(opts: dict) -> None:
    """Before a job directory exists: a Ray cluster named by ``ray_address`` must answer
    (:func:`experiments.engine.check_ray_address`), or exit 2 with its one line."""
    if opts.get("launcher") == "ray" and opts.get("ray_address"):
        try:
            engine.check_ray_address(opts["ray_address"])
        except ConfigError as exc:
            cli.fail(str(exc))


def job_dir(kind: str, out: str | None) -> Path:
    """The job directory: ``out`` checked (:func:`check_out`), or a new ``outputs/<kind>/<time>``. Not created."""
    return check_out("out", out) if out else check_out("out", new_job_dir(kind))


def check_hydra_dirs(argv: list[str]) -> None:
    """Check the output directories a Hydra app's command line sets (``hydra.run.dir``, ``hydra.sweep.dir``)
    with :func:`check_out`, before Hydra creates them; values with interpolations (``${now:...}``) are
    checked by the part before the first one."""
    for a in argv:
        key, _, value = a.partition("=")
        if key.lstrip("+") in ("hydra.run.dir", "hydra.sweep.dir"):
            check_out(key.lstrip("+"), value.split("${")[0] or ".")


MAX_RUNS = 1_000_000
"""Default bound on the runs of one job (the 1,000-run sweep of ``docs/performance.md`` takes minutes;
a million runs' store and tables are about as large as a machine's disk and memory comfortably hold)."""

MAX_JOB_RESIDENT_MONTHS = 1e11
"""Default bound on residents × months over all runs of a job: at the ~4.4 million resident-months a
second of one core measured in ``docs/performance.md``, 1e11 is about 6 hours of one core (the default
compare job: 60 runs × ~2,000 residents × 120 months ≈ 1.5e7)."""


def check_job_size(keys: str, runs: int, config: dict, allow_large: bool, *, sizes: str = "") -> None:
    """Refuse a job too large to run, before anything is sampled, written or started.

    Estimates, from the counts and the resolved config (nested dict) of one run:

        residents ≈ community.buildings × community.households_per_building × community.adults_per_household
        job resident-months = runs × residents × max(steps, 1)

    and refuses runs above :data:`MAX_RUNS` or resident-months above :data:`MAX_JOB_RESIDENT_MONTHS`,
    and one run too large for this machine (:func:`model.config.check_size`), unless ``allow_large``.

    Args:
        keys: the options whose product is ``runs``, for the message (``"replications × scenarios"``).
        runs: the number of runs (an int of any size).
        sizes: the values of ``keys``, for the message (``"1000000000 × 2"``).

    Exits with code 2 and one line naming the keys, the estimate and ``allow_large=true``.
    """
    if allow_large:
        return
    sizes = f" = {sizes}" if sizes else ""
    flag = "set allow_large=true to run it on purpose"
    if runs > MAX_RUNS:
        cli.fail(f"{keys}{sizes} = {show(runs)} runs is more than {MAX_RUNS:,}; {flag}")
    try:
        config_mod.check_size(engine.validated(config))
    except ConfigError as exc:
        cli.fail(str(exc))
    c = config["community"]
    each = c["buildings"] * c["households_per_building"] * c["adults_per_household"] * max(config["steps"], 1)
    if runs * each > MAX_JOB_RESIDENT_MONTHS:
        cli.fail(f"{keys}{sizes} = {show(runs)} runs × about {each:,.0f} resident-months each ≈ {runs * each:,.0f} "
                 f"resident-months is more than {MAX_JOB_RESIDENT_MONTHS:,.0f}; {flag}")

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
