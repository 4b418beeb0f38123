"""The per-run result store: one file per finished run, keyed by its resolved config and seed.

Layout of a store directory (``<job dir>/runs/``)::

    <key>.parquet       a finished run: its time series (one row per step), with the run's
                        record (config, seed, labels, version, seconds, and ``measures`` when
                        the run kept a measure of the model) as JSON in the parquet schema
                        metadata under ``cogov``, and its identity (key, config hash, seed,
                        measure, steps, columns, version) under ``cogov.identity``
    <key>.<why>-<time>.parquet   a file that failed its check, moved aside (never deleted)
    .lock               the one-writer lock of the job (``experiments.io.job_lock``)
    <key>.failed.json   a run that raised: error, traceback, config, seed, labels
    .<name>.*.tmp       a file being written (ignored; left behind only by a killed writer)

``key`` is ``<config hash>-<seed>``: the first 16 hex digits of the SHA-256 of the validated,
fully resolved model config (every key with its value, ``seed`` removed, canonical JSON) and
the seed. Two runs with the same key are the same computation, however their configs were
composed (scenario file, command-line override, sensitivity sample), so a job that is run
again computes only the runs whose file is missing. A run's file appears only when it is
complete (written to a temporary file, then renamed): an interrupted job leaves either a
finished run or nothing.

Every read (:meth:`RunStore.has`, :meth:`RunStore.load`) checks the file against the key it is
read as: its identity names that key, its record's config and seed hash to it, it has
``steps + 1`` rows and exactly the model's metric columns. A file that fails (unreadable, copied
from another run, written by something else, cut short) is moved aside with one line on stderr
and the run is computed again.

The key records *what* was run, not the code that ran it: after changing the model, write to a
new job directory (or delete ``runs/``) rather than resume an old one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments import io
from model.params import ConfigError

META_KEY = b"cogov"
IDENTITY_KEY = b"cogov.identity"


@functools.cache
def model_metrics() -> tuple[str, ...]:
    """The columns of a run's time series: ``step`` and the model's metrics (``model.metrics``), in
    the model's order, read from a freshly built tiny model (the defaults, 1 building of 4
    households: ~0.05 s, once per process)."""
    from model import config as config_mod
    from model.community import CommunityModel

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
        path = io.atomic_write(self.path(key), lambda tmp: pq.write_table(table, tmp))
        self.failure_path(key).unlink(missing_ok=True)
        return path

    def save_failure(self, key: str, exc: BaseException, record: dict) -> Path:
        """Record a run that raised: its error (one line), traceback and record (config, seed...)."""
        data = {"key": key, "error": f"{type(exc).__name__}: {exc}".splitlines()[0],
                "traceback": "".join(traceback.format_exception(exc)),
                "time": time.strftime("%Y-%m-%dT%H:%M:%S"), **record}
        return io.write_json(data, self.failure_path(key))

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
            io.fsync_file(tmp)
        os.replace(tmp, target)
        tmp.unlink(missing_ok=True)  # still there if target became a link of the same file meanwhile
        io.fsync_dir(target.parent)
        return target
