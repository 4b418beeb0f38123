"""The one experiment runner: run specs, the run store, execution on every back-end, job manifests
and failure reports.

Every study (:mod:`experiments.study`), every job of a Hydra multirun (``experiments.run -m``:
:func:`run_one` in the launcher's worker) and the Python API (:mod:`experiments.api`) run the model
through this module. Its sections, top to bottom:

* **files**: :func:`atomic_write` (a temporary file, ``fsync``, rename, ``fsync`` of the directory) and
  :func:`job_lock`, the one-writer lock of a job directory;
* **the store**: :class:`RunStore`, one file per finished run under ``<job dir>/runs/``, keyed by the hash
  of its resolved config and its seed (:func:`run_key`), checked when read;
* **a run**: :func:`run_model` / :func:`simulate` build a :class:`~model.community.CommunityModel` from a
  config and step it, with one BLAS thread (:func:`one_blas_thread`);
* **specs**: :class:`RunSpec`, a config validated once per process and distinct config
  (:func:`validated`), a seed, labels, optionally a measure of the finished model to keep;
* **back-ends**: :func:`execute` skips every run already in the store and computes the rest on one of
  :data:`BACKENDS` with one progress bar: ``serial`` (this process), ``joblib`` (loky workers on this
  machine; ``n_jobs`` -1: all cores), ``ray`` (one CPU per task; a private instance, or the cluster at
  ``ray_address``, which must answer within :data:`RAY_CONNECT_TIMEOUT` s), ``submitit_slurm`` (a job
  array of ``n_jobs`` tasks, -1: one per 100 runs; submitit's files under ``<job dir>/.submitit/``),
  ``submitit_local`` (the same path with local processes) and ``submitit_debug`` (in this process).
  Each worker writes its run's file itself and returns a small :class:`Outcome`, so memory stays flat
  and a killed job loses only the runs under way; a run that raises is recorded
  (``<key>.failed.json``) and the others go on; the same config and seed give identical numbers on
  every back-end;
* **jobs**: :class:`Job` (a job directory's lock, its manifest — :func:`write_manifest`, the one writer —,
  its runs, ``failures.json`` and closing lines: :func:`report_failures`, the one failure report) and
  :func:`check_job_size`, the bounds of a job.

Who else distributes runs, and why they call in here rather than beside it: Hydra's launchers
(basic, joblib, Ray, submitit) start one process per *job* of a sweep and each job computes its run
with :func:`run_one` into the sweep's store (:mod:`experiments.run`); EMA Workbench's experiments run
through :func:`experiments.ema.runner_evaluator`, an EMA evaluator that hands their runs to
:func:`execute`; pyabc's samplers (:mod:`experiments.ensemble`) choose the next parameter vector from
the ones accepted so far, so each particle's runs go through :func:`execute` as pyabc asks for them.

Errors here are :class:`~model.params.ConfigError` (one line); the entry points turn them into
``error: ...`` and exit code 2 (:mod:`experiments.command_line`).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib
import json
import math
import os
import socket
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.community import CommunityModel
from model.metrics import HEADLINE
from model.params import ConfigError, show


# ============================================================================================= files
LOCK_NAME = ".lock"
LOCK_ENV = "COGOV_JOB_LOCK"
"""Set, while a process holds a job's lock, to the job directory (inherited by its workers)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()


def fsync(path: Path | str, directory: bool = False) -> None:
    """Flush a written file's data, or a directory's entries (a rename or a new link in it), to disk."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, ``fsync`` it, rename it to ``path``
    and ``fsync`` the directory (ordinary file permissions, not mkstemp's owner-only ones)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _MODE)
        fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync(path.parent, directory=True)
    return path


def write_parquet(df: pd.DataFrame, path: Path) -> Path:
    """Write a DataFrame to parquet atomically."""
    return atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))


def write_json(data, path: Path) -> Path:
    """Write JSON atomically (NaN written as null by the caller)."""

    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False)
            fh.write("\n")

    return atomic_write(path, write)


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write a DataFrame to CSV atomically (no index column)."""
    return atomic_write(path, lambda tmp: df.to_csv(tmp, index=False))


class JobLocked(ConfigError):
    """Another process is writing the job directory."""


_HELD: dict[str, list] = {}
"""Job directories this process has locked: real path → [open lock file, depth]."""


@contextlib.contextmanager
def job_lock(directory: Path | str):
    """Hold the one-writer lock of a job directory: an advisory ``fcntl.flock`` (exclusive,
    non-blocking) on ``<directory>/.lock``, which holds the holder's pid and start time.

    Re-entrant in one process. While it is held, ``COGOV_JOB_LOCK`` names the directory, so the
    job's own worker processes (which inherit the environment) pass without taking it. The
    kernel releases the lock when the holder exits, however it ends (a killed job never leaves
    a stale lock; the ``.lock`` file itself stays and is harmless).

    Raises:
        JobLocked: another process holds the lock (one line naming its pid and start time).
        ConfigError: the lock file cannot be written there (one line).
    """
    directory = Path(directory).absolute()
    real = os.path.realpath(directory)
    if real in _HELD:
        _HELD[real][1] += 1
        try:
            yield
        finally:
            _HELD[real][1] -= 1
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fh = open(directory / LOCK_NAME, "a+", encoding="utf-8")  # noqa: SIM115 (held across the yield)
    except OSError as exc:
        raise ConfigError(f"{directory}: cannot write the job's lock file here ({exc.strerror or exc})") from None
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().split(maxsplit=1)
        fh.close()
        if os.environ.get(LOCK_ENV) == real:  # a worker of the job that holds it
            yield
            return
        pid, started = (holder + ["?", "?"])[:2] if holder else ("?", "?")
        raise JobLocked(f"{directory} is being written by process {pid} (started {started.strip()}); "
                        "wait for it or choose another out=") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()} {time.strftime('%Y-%m-%dT%H:%M:%S')}\n")
    fh.flush()
    _HELD[real] = [fh, 1]
    previous = os.environ.get(LOCK_ENV)
    os.environ[LOCK_ENV] = real
    try:
        yield
    finally:
        del _HELD[real]
        if previous is None:
            os.environ.pop(LOCK_ENV, None)
        else:
            os.environ[LOCK_ENV] = previous
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()

# ========================================================================================= the store
# A store directory (``<job dir>/runs/``, laid out as ``docs/results.md`` says) holds ``<key>.parquet``
# per finished run (its time series; its record — config, seed, labels, version, seconds, measures —
# and its identity as JSON in the parquet metadata) and ``<key>.failed.json`` per failed run. ``key`` is
# ``<config hash>-<seed>`` (:func:`run_key`): runs with one key are the same computation however their
# configs were composed, so a job run again computes only the runs whose file is missing. Every read
# checks the file against its key (identity, config and seed, rows, columns); a file that fails is moved
# aside (``<key>.<corrupt|mismatch>-<time>.parquet``, one line on stderr) and the run computed again.
# The key says *what* was run, not with which code: after changing the model, use a new job directory.

META_KEY = b"cogov"
IDENTITY_KEY = b"cogov.identity"


@functools.cache
def model_metrics() -> tuple[str, ...]:
    """The columns of a run's time series: ``step`` and the model's metrics (``model.metrics``), in
    the model's order, read from a freshly built tiny model (the defaults, 1 building of 4
    households: ~0.05 s, once per process)."""
    from model import config as config_mod

    cfg = config_mod.from_dict({"community": {"buildings": 1, "households_per_building": 4}})
    return tuple(CommunityModel(config=cfg, rng=0).latest)


class RunFileError(ConfigError):
    """A run file that does not hold the run it is read as (moved aside; re-run the job)."""


def config_hash(config: dict) -> str:
    """16 hex digits identifying a resolved model config (a nested dict), its seed left out."""
    data = {k: v for k, v in config.items() if k != "seed"}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def run_key(config: dict, seed: int, measure: str | None = None) -> str:
    """The store key of a run: ``<config hash>-<seed>``; a run that also keeps a measure of the
    model (``measure``, ``module:function``) hashes its name with the config."""
    data = config if measure is None else {**config, "__measure__": measure}
    return f"{config_hash(data)}-{int(seed)}"


@dataclass(frozen=True)
class Outcome:
    """What became of one run: ``status`` is ``done`` (computed now), ``cached`` (found in the
    store) or ``failed``; ``seconds`` is the simulation time (0 when cached)."""

    key: str
    status: str
    seconds: float = 0.0
    error: str = ""


class RunStore:
    """A directory of finished and failed runs (see the module docstring).

    Args:
        root: the store directory (created on first write). Use an absolute path on a file
            system every worker sees when runs execute on other machines.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).absolute()

    def path(self, key: str) -> Path:
        return self.root / f"{key}.parquet"

    def failure_path(self, key: str) -> Path:
        return self.root / f"{key}.failed.json"

    def has(self, key: str) -> bool:
        """Whether the run ``key`` finished: its file exists and passes :meth:`check`.

        A file that fails (corrupt, another run's, foreign, cut short) is moved aside, never
        deleted, as ``<key>.<corrupt|mismatch>-<time>-<pid>.parquet`` with a one-line warning; the
        run then counts as missing and is computed again.
        """
        path = self.path(key)
        if not path.exists():
            return False
        problem = self.check(key)
        if problem is None:
            return True
        self._set_aside(key, *problem)
        return False

    def check(self, key: str) -> tuple[str, str] | None:
        """None if ``<key>.parquet`` holds the run ``key``, else (``corrupt`` or ``mismatch``,
        the reason in a few words). Reads the file's footer only (schema, metadata, row count)."""
        try:
            meta = pq.read_metadata(self.path(key))
        except (OSError, ValueError) as exc:  # pyarrow.ArrowInvalid is a ValueError
            return "corrupt", (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        kv = meta.metadata or {}
        try:
            ident = json.loads(kv[IDENTITY_KEY])
            record = json.loads(kv[META_KEY])
            stored = run_key(record["config"], record["seed"], ident.get("measure"))
            steps, columns = int(ident["steps"]), list(ident["columns"])
        except (KeyError, TypeError, ValueError):
            return "mismatch", "it carries no run identity (not written by the run store)"
        names = meta.schema.to_arrow_schema().names
        if ident.get("key") != key or stored != key:
            other = "" if stored == ident.get("key") else f", its record's config and seed hash to {stored}"
            return "mismatch", f"it holds run {ident.get('key')}{other}"
        months = record["config"].get("steps")
        if not isinstance(months, int):
            return "mismatch", "its record gives no number of months (config steps)"
        if steps != months or meta.num_rows != months + 1:
            return "mismatch", f"it has {meta.num_rows} rows; a run of {months} months has {months + 1}"
        if names != columns or tuple(columns) != model_metrics():
            want = model_metrics()
            odd = [c for c in names if c not in want] + [c for c in want if c not in names]
            return "mismatch", ("its columns differ from the model's metrics"
                                + (f" ({', '.join(odd[:5])})" if odd else " (order)"))
        return None

    def _set_aside(self, key: str, why: str, reason: str) -> Path:
        path = self.path(key)
        aside = path.with_name(f"{key}.{why}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.parquet")
        try:
            os.replace(path, aside)
        except FileNotFoundError:  # another process of the job moved it aside first
            return aside
        what = "is unreadable" if why == "corrupt" else "does not hold its run"
        print(f"warning: run file {path.name} {what} ({reason}); kept as {aside.name}, "
              "the run will be computed again", file=sys.stderr)
        return aside

    def save(self, key: str, timeseries: pd.DataFrame, record: dict) -> Path:
        """Write a finished run atomically and clear an earlier failure record of it."""
        table = pa.Table.from_pandas(timeseries, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[META_KEY] = json.dumps(record, ensure_ascii=False).encode("utf-8")
        ident = {"key": key, "config_hash": key.rsplit("-", 1)[0], "seed": int(record["seed"]),
                 "measure": record.get("measure"), "steps": len(timeseries) - 1,
                 "columns": list(timeseries.columns), "version": record.get("version")}
        meta[IDENTITY_KEY] = json.dumps(ident).encode("utf-8")
        table = table.replace_schema_metadata(meta)
        path = atomic_write(self.path(key), lambda tmp: pq.write_table(table, tmp))
        self.failure_path(key).unlink(missing_ok=True)
        return path

    def save_failure(self, key: str, exc: BaseException, record: dict) -> Path:
        """Record a run that raised: its error (one line), traceback and record (config, seed...)."""
        data = {"key": key, "error": f"{type(exc).__name__}: {exc}".splitlines()[0],
                "traceback": "".join(traceback.format_exception(exc)),
                "time": time.strftime("%Y-%m-%dT%H:%M:%S"), **record}
        return write_json(data, self.failure_path(key))

    def load(self, key: str) -> pd.DataFrame:
        """The time series of a finished run, checked as :meth:`has` does.

        Raises:
            RunFileError: the file is missing or fails its check (it is then moved aside).
        """
        if not self.has(key):
            raise RunFileError(f"run {key} is not in {self.root} (or failed its check); "
                               "run the job's command again to compute it")
        return pd.read_parquet(self.path(key))

    def record(self, key: str) -> dict:
        """The record (config, seed, labels, version, seconds) stored with a finished run."""
        meta = pq.read_schema(self.path(key)).metadata or {}
        return json.loads(meta.get(META_KEY, b"{}"))

    def failures(self, keys=None) -> list[dict]:
        """Failure records, of the given keys only (still failed, not since finished) or all."""
        if keys is None:
            paths = sorted(self.root.glob("*.failed.json")) if self.root.exists() else []
        else:
            paths = [self.failure_path(k) for k in keys]
        out = []
        for p in paths:
            if p.exists() and not self.path(p.name[: -len(".failed.json")]).exists():
                out.append(json.loads(p.read_text(encoding="utf-8")))
        return out

    def link_into(self, key: str, target: Path) -> Path:
        """Make ``target`` a copy of a finished run's file (a hard link where possible); nothing
        to do when it already is (renaming a link over another link of the same file would do
        nothing and leave the temporary link behind)."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            if os.path.samefile(self.path(key), target):
                return target
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        try:
            os.link(self.path(key), tmp)
        except OSError:
            import shutil

            shutil.copyfile(self.path(key), tmp)
            fsync(tmp)
        os.replace(tmp, target)
        tmp.unlink(missing_ok=True)  # still there if target became a link of the same file meanwhile
        fsync(target.parent, directory=True)
        return target

# ============================================================================================= a run
DEFAULT_WINDOW = 12
"""Months at the end of a run averaged into its outcome when a job does not set ``window``
(every job records the window it used in its manifest; reports read it from there)."""


def package_version() -> str:
    """The installed cogov version ("unknown" when run from a source tree that is not installed)."""
    try:
        return metadata.version("cogov")
    except metadata.PackageNotFoundError:
        return "unknown"


@functools.cache
def _threadpools():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # scans the loaded BLAS libraries once per process (~2 ms)


@contextlib.contextmanager
def one_blas_thread():
    """Run the body with BLAS (OpenBLAS, MKL) limited to one thread in this process: a model run is
    single-threaded, and a BLAS call that wakes a second thread spins it on another core (the
    workers of a job already use every core)."""
    with _threadpools().limit(limits=1, user_api="blas"):
        yield


def run_model(cfg, seed: int | None = None, steps: int | None = None, allow_large: bool = False) -> CommunityModel:
    """Build a model from ``cfg`` with ``seed`` (default ``cfg.seed``) and run it for ``steps``
    months (default ``cfg.steps``), with one BLAS thread; return the finished model."""
    with one_blas_thread():
        model = CommunityModel(config=cfg, rng=cfg.seed if seed is None else seed, allow_large=allow_large)
        for _ in range(cfg.steps if steps is None else steps):
            model.step()
    return model


def simulate(cfg, seed: int | None = None, steps: int | None = None, allow_large: bool = False) -> pd.DataFrame:
    """The time series of :func:`run_model`, one row per step including step 0."""
    return run_model(cfg, seed, steps, allow_large).timeseries()


def summarise(ts: pd.DataFrame, cfg, seed: int, window: int = DEFAULT_WINDOW) -> dict:
    """Final values (``final``) and means over the last ``window`` months (``window_mean``,
    NaN months skipped; ``window`` recorded), plus the run's identity."""
    tail = ts.iloc[-window:]

    def clean(x):
        x = float(x)
        return None if math.isnan(x) else x

    metrics = [c for c in ts.columns if c != "step"]
    return {
        "scenario": cfg.info.scenario,
        "community": cfg.info.community,
        "seed": int(seed),
        "steps": int(ts["step"].iloc[-1]),
        "version": package_version(),
        "final": {m: clean(ts[m].iloc[-1]) for m in metrics},
        "window": int(window),
        "window_mean": {m: clean(tail[m].mean()) for m in metrics},
    }


def headline_table(summary: dict) -> str:
    """A short plain-text table of the headline metrics of a summary (:func:`summarise`)."""
    mean, window = summary["window_mean"], summary["window"]
    lines = [f"{summary['scenario']} / {summary['community']}, seed {summary['seed']}, {summary['steps']} months",
             f"{'metric':<28}{'final':>14}{f'mean last {window}':>16}"]
    for m in HEADLINE:
        f, a = summary["final"][m], mean[m]
        fmt = (lambda v: "n/a" if v is None else (f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3f}"))
        lines.append(f"{m:<28}{fmt(f):>14}{fmt(a):>16}")
    return "\n".join(lines)

# ============================================================================================= specs
LAUNCHERS = ("serial", "joblib", "ray", "submitit_slurm", "submitit_local", "submitit_debug")
"""The back-ends a job's ``launcher=`` may name (:data:`BACKENDS`)."""
RUNS_PER_SLURM_TASK = 100
"""Runs per array task on SLURM when ``n_jobs`` = -1 (a run takes about a second of one core)."""


@dataclass(frozen=True)
class RunSpec:
    """One run: a resolved model config (nested dict, ``seed`` set), its seed and labels.

    ``measure`` (``"module:function"``, optional) is applied to the finished model; its small,
    JSON-able result is kept with the run in the store (``RunStore.record(key)["measures"]``).
    ``model_config`` is the validated config (validated once per job, not once per run).
    """

    key: str
    config: dict = field(repr=False, compare=False)
    seed: int = 0
    labels: dict = field(default_factory=dict, compare=False)
    measure: str | None = None
    model_config: Any = field(default=None, repr=False, compare=False)
    allow_large: bool = field(default=False, compare=False)  # a run above model.config.check_size, on purpose


_VALIDATED: dict[str, Any] = {}
"""Validated configs of this process by config hash: each distinct config is validated once."""


def validated(config: dict):
    """The validated ``ModelConfig`` of a model config (nested dict) with the config's seed,
    validated once per process per distinct config (seeds aside). Raises ``ConfigError`` (one
    line) for a bad key or value."""
    from model import config as config_mod

    h = config_hash(config)
    if h not in _VALIDATED:
        cfg = config_mod.from_dict(config)
        _VALIDATED[h] = _VALIDATED[config_hash(config_mod.to_dict(cfg))] = cfg
    cfg = _VALIDATED[h]
    return replace(cfg, seed=int(config["seed"])) if "seed" in config else cfg


def make_spec(config: dict, seed: int, *, measure: str | None = None, allow_large: bool = False, **labels) -> RunSpec:
    """A run of ``config`` (a model config as a nested dict: validated here, once per distinct
    config) with ``seed``; ``measure``: see :class:`RunSpec`; ``labels``: what identifies the run
    in the job (scenario, sample, arm ...)."""
    from model import config as config_mod

    cfg = replace(validated(config), seed=int(seed))
    full = config_mod.to_dict(cfg)
    return RunSpec(key=run_key(full, seed, measure), config=full, seed=int(seed), labels=labels, measure=measure,
                   model_config=cfg, allow_large=allow_large)


def _function(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


# ========================================================================================= back-ends
def run_one(spec: RunSpec, store_root: str) -> Outcome:
    """Compute one run into the store (unless it is there already); never raises for the run's
    own errors, which are recorded in the store instead."""
    from model import config as config_mod

    store = RunStore(store_root)
    if store.has(spec.key):
        return Outcome(spec.key, "cached")
    record = {"config": spec.config, "seed": spec.seed, "measure": spec.measure, "labels": spec.labels,
              "version": package_version(), "host": os.uname().nodename}
    start = time.perf_counter()
    try:
        cfg = spec.model_config if spec.model_config is not None else config_mod.from_dict(spec.config)
        large = {"allow_large": True} if spec.allow_large else {}
        if spec.measure:
            model = run_model(cfg, seed=spec.seed, **large)
            ts, record["measures"] = model.timeseries(), _function(spec.measure)(model)
        else:
            ts = simulate(cfg, seed=spec.seed, **large)
    except Exception as exc:  # the run's own failure: record it, let the job go on
        store.save_failure(spec.key, exc, record)
        return Outcome(spec.key, "failed", time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - start
    store.save(spec.key, ts, {**record, "seconds": seconds})
    return Outcome(spec.key, "done", seconds)


def tidy(store: RunStore, specs: Sequence[RunSpec]) -> pd.DataFrame:
    """The time series of finished runs as one tidy table: each run's labels, ``seed``, ``step`` and the
    metrics, one row per run and step (the label columns and ``seed``, ``step`` when there is none)."""
    frames = [pd.concat([pd.DataFrame({**{k: [v] * len(ts) for k, v in s.labels.items()}, "seed": s.seed}), ts],
                        axis=1) for s in specs for ts in [store.load(s.key)]]
    if not frames:
        return pd.DataFrame(columns=["scenario", "community", "seed", "step"])
    return pd.concat(frames, ignore_index=True)


def run_many(specs: Sequence[RunSpec], store_root: str) -> list[Outcome]:
    """:func:`run_one` for each spec, in order (one task of a submitit job array)."""
    return [run_one(s, store_root) for s in specs]


def progress_bar(total: int | None, initial: int = 0, desc: str = "runs", enabled: bool = True):
    """The progress bar of every job (runs done, rate, time left) on stderr; ``total`` None: unknown."""
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit="run", disable=not enabled,
                dynamic_ncols=True, mininterval=0.5, smoothing=0.05)


def execute(specs: Sequence[RunSpec], store: RunStore, *, launcher: str = "joblib", n_jobs: int = -1,
            ray_address: str | None = None, submitit: dict | None = None, progress: bool = True,
            desc: str = "runs") -> dict[str, Outcome]:
    """Run every spec not yet in ``store`` (a duplicate key once) on the back-end ``launcher`` (one of
    :data:`LAUNCHERS`, see the module docstring); return each key's :class:`Outcome`. ``n_jobs``: parallel
    runs (joblib), CPUs of a private Ray instance or tasks of a submitit job (-1: all cores; SLURM: one
    task per 100 runs); ``ray_address``: a Ray cluster to join (None: this process's instance, or a new
    private one); ``submitit``: the executor's parameters; ``progress``: a progress bar on stderr."""
    if launcher not in LAUNCHERS:
        raise ValueError(f"launcher = {launcher!r} is unknown; allowed: {', '.join(LAUNCHERS)}")
    unique = list({s.key: s for s in specs}.values())
    outcomes = {s.key: Outcome(s.key, "cached") for s in unique if store.has(s.key)}
    pending = [s for s in unique if s.key not in outcomes]
    root = str(store.root)
    store.root.mkdir(parents=True, exist_ok=True)
    bar = progress_bar(len(unique), len(outcomes), desc, progress)
    failed = 0

    def record(o: Outcome) -> None:
        nonlocal failed
        outcomes[o.key] = o
        failed += o.status == "failed"
        if failed:
            bar.set_postfix(failed=failed, refresh=False)
        bar.update()

    if launcher == "joblib" and (n_jobs == 1 or len(pending) == 1):
        launcher = "serial"  # no worker processes for one run, or one worker
    options = {"n_jobs": n_jobs, "ray_address": ray_address, "submitit": submitit or {}}
    try:
        for o in BACKENDS[launcher](pending, root, **options) if pending else ():
            record(o)
    finally:
        bar.close()
    return outcomes


def _serial(pending: list[RunSpec], root: str, **_) -> Iterable[Outcome]:
    return (run_one(s, root) for s in pending)


def _joblib(pending: list[RunSpec], root: str, n_jobs: int, **_) -> Iterable[Outcome]:
    from joblib import Parallel, delayed

    return Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered")(
        delayed(run_one)(s, root) for s in pending)


RAY_CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a Ray cluster's port to accept a connection before giving up."""
RAY_PORTS = {"ray://": 10001, "": 6379}
"""Default port of a Ray address without one: the Ray Client server (``ray://``) and the GCS."""


def check_ray_address(address: str, timeout: float = RAY_CONNECT_TIMEOUT) -> None:
    """Check that the Ray cluster at ``address`` (``host:port``, ``ray://host[:port]``; ``auto``
    and ``local`` are left to Ray) accepts a TCP connection within ``timeout`` seconds: ``ray.init``
    itself retries an unreachable address for over 90 s.

    Raises:
        ConfigError: one line naming the address, the timeout and the reason.
    """
    if address in ("auto", "local"):
        return
    scheme = "ray://" if address.startswith("ray://") else ""
    host, sep, port = address.removeprefix(scheme).rpartition(":")
    if not sep or host.endswith(":"):  # no port, or a bare IPv6 address
        host, port = address.removeprefix(scheme), str(RAY_PORTS[scheme])
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except (OSError, ValueError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise ConfigError(f"ray_address: cannot reach the Ray cluster at {address} within {timeout:g} s "
                          f"({reason}); start it (ray start --head) or check the address") from None


def ensure_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """Connect to Ray: the instance this process already started, the cluster at ``address``,
    or a new private instance on this machine (dashboard off, a small object store: runs
    return only their outcome)."""
    import ray

    if ray.is_initialized():
        return
    if address:
        check_ray_address(address)
        # Ray retries a port that accepts connections but is no Ray GCS once a second, 20 times by
        # default (ray._private.node: RAY_gcs_server_port_wait_time_s), logging each retry
        os.environ.setdefault("RAY_gcs_server_port_wait_time_s", str(int(RAY_CONNECT_TIMEOUT)))
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=True, logging_level="error")
        except ConnectionError:
            raise ConfigError(f"ray_address: cannot reach the Ray cluster at {address} within "
                              f"{RAY_CONNECT_TIMEOUT:g} s (the port answers, but no Ray cluster); "
                              "start it (ray start --head) or check the address") from None
    else:
        ray.init(address="local", num_cpus=num_cpus, include_dashboard=False,
                 object_store_memory=100 * 1024 * 1024)


def _ray(pending: list[RunSpec], root: str, n_jobs: int, ray_address: str | None, **_) -> Iterable[Outcome]:
    import ray

    ensure_ray(ray_address, None if n_jobs is None or n_jobs < 1 else n_jobs)
    remote = ray.remote(num_cpus=1, max_retries=0)(run_one)
    waiting = [remote.remote(s, root) for s in pending]
    try:
        while waiting:
            ready, waiting = ray.wait(waiting, num_returns=min(len(waiting), 16), timeout=0.5)
            for ref in ready:
                yield ray.get(ref)
    finally:
        for ref in waiting:  # an interrupted driver does not leave runs queued on the cluster
            ray.cancel(ref)


def _submitit(pending: list[RunSpec], root: str, cluster: str, n_jobs: int, submitit: dict, **_) -> Iterable[Outcome]:
    """Split the runs into tasks of a submitit job array (``cluster``: slurm, local or debug);
    yield each run's outcome as soon as its file is in the store, the task's outcomes when it ends."""
    parameters = submitit
    import submitit

    if n_jobs < 1:
        n_jobs = math.ceil(len(pending) / RUNS_PER_SLURM_TASK) if cluster == "slurm" else (os.cpu_count() or 1)
    n_tasks = max(1, min(n_jobs, len(pending)))
    chunks = [pending[k::n_tasks] for k in range(n_tasks)]
    executor = submitit.AutoExecutor(folder=Path(root).parent / ".submitit" / "%j", cluster=cluster)
    executor.update_parameters(**{"timeout_min": 60, "cpus_per_task": 1, "name": "cogov", **parameters})
    jobs = executor.map_array(run_many, chunks, [root] * n_tasks)
    store, seen = RunStore(root), set()
    waiting = list(zip(jobs, chunks))
    try:
        while waiting:
            for job, chunk in list(waiting):
                if job.done():
                    waiting.remove((job, chunk))
                    try:
                        results = job.result()
                    except Exception as exc:  # the task itself died (killed, out of time): its runs failed
                        error = f"{type(exc).__name__}: " + (str(exc).strip().splitlines() or [""])[-1]
                        results = [Outcome(s.key, "done" if store.path(s.key).exists() else "failed",
                                           error="" if store.path(s.key).exists() else error) for s in chunk]
                    for o in results:
                        if o.key not in seen:
                            seen.add(o.key)
                            yield o
            for _, chunk in waiting:  # progress inside running tasks: the files they have written
                for s in chunk:
                    if s.key not in seen and store.path(s.key).exists():
                        seen.add(s.key)
                        yield Outcome(s.key, "done")
            if waiting:
                time.sleep(0.5)
    finally:
        for job, _ in waiting:  # an interrupted driver does not leave tasks queued on the cluster
            job.cancel(check=False)


BACKENDS: dict[str, Callable[..., Iterable[Outcome]]] = {
    "serial": _serial,
    "joblib": _joblib,
    "ray": _ray,
    **{f"submitit_{c}": functools.partial(_submitit, cluster=c) for c in ("slurm", "local", "debug")},
}
"""The back-ends of :func:`execute`: name → a function of (the pending specs, the store's root, ``n_jobs``,
``ray_address``, ``submitit``) yielding each run's :class:`Outcome` as it finishes."""

# ============================================================================================== jobs
MAX_RUNS = 1_000_000
"""Default bound on the runs of one job (the 1,000-run sweep of ``docs/performance.md`` takes minutes;
a million runs' store and tables are about as large as a machine's disk and memory comfortably hold)."""

MAX_JOB_RESIDENT_MONTHS = 1e11
"""Default bound on residents × months over all runs of a job: at the ~4.4 million resident-months a
second of one core measured in ``docs/performance.md``, 1e11 is about 6 hours of one core (the default
compare job: 60 runs × ~2,000 residents × 120 months ≈ 1.5e7)."""


def check_job_size(keys: str, runs: int, config: dict, allow_large: bool, *, sizes: str = "") -> None:
    """Refuse a job too large to run, before anything is sampled, written or started, unless ``allow_large``:
    more than :data:`MAX_RUNS` runs; one run too large for this machine (:func:`model.config.check_size`);
    or more than :data:`MAX_JOB_RESIDENT_MONTHS` resident-months, estimated from one run's resolved config
    as runs × buildings × households_per_building × adults_per_household × max(steps, 1).

    ``keys`` are the options whose product is ``runs`` and ``sizes`` their values, for the message
    (``"replications × scenarios"``, ``"1000000000 × 2"``). Raises ConfigError: one line naming the keys,
    the estimate and ``allow_large=true``."""
    from model import config as config_mod

    if allow_large:
        return
    sizes = f" = {sizes}" if sizes else ""
    flag = "set allow_large=true to run it on purpose"
    if runs > MAX_RUNS:
        raise ConfigError(f"{keys}{sizes} = {show(runs)} runs is more than {MAX_RUNS:,}; {flag}")
    config_mod.check_size(validated(config))
    c = config["community"]
    each = c["buildings"] * c["households_per_building"] * c["adults_per_household"] * max(config["steps"], 1)
    if runs * each > MAX_JOB_RESIDENT_MONTHS:
        raise ConfigError(f"{keys}{sizes} = {show(runs)} runs × about {each:,.0f} resident-months each ≈ "
                          f"{runs * each:,.0f} resident-months is more than {MAX_JOB_RESIDENT_MONTHS:,.0f}; {flag}")


def new_job_dir(kind: str) -> Path:
    """``outputs/<kind>/<time>`` (with a suffix if that exists already)."""
    base = Path("outputs") / kind / time.strftime("%Y-%m-%d_%H-%M-%S")
    path, k = base, 1
    while path.exists():
        path, k = base.with_name(f"{base.name}-{k}"), k + 1
    return path


def now() -> str:
    """The local time as recorded in manifests (``2026-11-27T08:30:00``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def write_manifest(out: Path, manifest: dict, **changes) -> dict:
    """The one manifest writer: update ``manifest`` with ``changes`` and write ``<out>/manifest.json``
    atomically. Every job records at least kind, scenarios, community, seeds, steps, window,
    version, command, status."""
    manifest.update(changes)
    write_json(manifest, Path(out) / "manifest.json")
    return manifest


class Job:
    """A job directory while a study writes it: its store (``runs/``), its manifest, its lock.

    Args:
        out: the job directory (created by the study before the job starts).
        manifest: what the job records (:func:`write_manifest`; ``docs/results.md``).
        launch: how :meth:`execute` runs specs: ``launcher``, ``n_jobs``, ``ray_address``,
            ``submitit``, ``progress`` (the keywords of :func:`execute`).
    """

    def __init__(self, out: Path, manifest: dict, **launch: Any) -> None:
        self.out, self.manifest, self.launch = Path(out), manifest, launch
        self.store = RunStore(self.out / "runs")

    @contextlib.contextmanager
    def running(self, message: str):
        """Hold the job directory's one-writer lock (:func:`job_lock`) with the manifest saying
        ``status: running``; ``message`` goes to stderr. A second writer of the same directory raises
        :class:`JobLocked`; a ``ConfigError`` inside (a Ray cluster that cannot be reached) marks the
        manifest ``failed`` and is raised again."""
        with job_lock(self.out):
            write_manifest(self.out, self.manifest, status="running", started=now())
            print(message, file=sys.stderr)
            try:
                yield self
            except ConfigError as exc:
                write_manifest(self.out, self.manifest, status="failed", finished=now(), error=str(exc))
                raise

    def execute(self, specs: Sequence[RunSpec]) -> dict[str, Outcome]:
        """Run the specs not yet in the job's store (:func:`execute` with the job's launch options)."""
        return execute(specs, self.store, **self.launch)

    def run(self, specs: Sequence[RunSpec], message: str) -> dict[str, Outcome]:
        """:meth:`execute` the specs while :meth:`running`; returns key → outcome."""
        with self.running(message):
            return self.execute(specs)

    def finish(self, specs: Sequence[RunSpec], outcomes: dict[str, Outcome],
               labels: tuple[str, ...]) -> tuple[list[dict], dict]:
        """Close the job's records: ``failures.json`` (or none) and the final manifest.

        Args:
            labels: the run labels that identify a failed run in the list (e.g. ``("scenario",)``).

        Returns:
            (failures, counts): the failed runs (key, labels, seed, one-line error) and the number
            of runs ``done``, ``cached`` and ``failed``.
        """
        failures = []
        for s in specs:
            if outcomes[s.key].status == "failed":
                stored = self.store.failures([s.key])
                error = outcomes[s.key].error or (stored[0]["error"] if stored else "")
                failures.append({"key": s.key, **{k: s.labels[k] for k in labels}, "seed": s.seed, "error": error})
        if failures:
            write_json(failures, self.out / "failures.json")
        else:
            (self.out / "failures.json").unlink(missing_ok=True)
        counts = {st: sum(o.status == st for o in outcomes.values()) for st in ("done", "cached", "failed")}
        write_manifest(self.out, self.manifest, status="failed" if failures else "complete", finished=now(),
                       failed=[f["key"] for f in failures], counts=counts)
        return failures, counts

    def close(self, failures: list[dict], counts: dict | None) -> int:
        """Print the job's last lines (counts, failures, ``results: <dir>``); return its exit code.
        ``counts`` None: a job whose runs an outside algorithm chose (ABC) has none to print."""
        if counts is not None:
            print(f"{counts['done']} runs computed, {counts['cached']} found in {self.store.root}, "
                  f"{counts['failed']} failed")
        report_failures(failures, self.out)
        print(f"results: {self.out}")
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
