"""The per-run result store: one file per finished run, keyed by its resolved config and seed.

Layout of a store directory (``<job dir>/runs/``)::

    <key>.parquet       a finished run: its time series (one row per step), with the run's
                        record (config, seed, labels, version, seconds, and ``measures`` when
                        the run kept a measure of the model) as JSON in the parquet schema
                        metadata under ``cogov``
    <key>.failed.json   a run that raised: error, traceback, config, seed, labels
    .<name>.*.tmp       a file being written (ignored; left behind only by a killed writer)

``key`` is ``<config hash>-<seed>``: the first 16 hex digits of the SHA-256 of the validated,
fully resolved model config (every key with its value, ``seed`` removed, canonical JSON) and
the seed. Two runs with the same key are the same computation, however their configs were
composed (scenario file, command-line override, sensitivity sample), so a job that is run
again computes only the runs whose file is missing. A run's file appears only when it is
complete (written to a temporary file, then renamed): an interrupted job leaves either a
finished run or nothing.

The key records *what* was run, not the code that ran it: after changing the model, write to a
new job directory (or delete ``runs/``) rather than resume an old one.
"""

from __future__ import annotations

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

META_KEY = b"cogov"


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
        """Whether the run ``key`` finished: its file exists and is a readable parquet file.

        A corrupt file (e.g. damaged by a disk or a copy) is moved aside, never deleted, as
        ``<key>.corrupt-<time>.parquet`` with a one-line warning; the run then counts as missing
        and is computed again.
        """
        path = self.path(key)
        if not path.exists():
            return False
        try:
            pq.read_metadata(path)
            return True
        except (OSError, ValueError) as exc:  # pyarrow.ArrowInvalid is a ValueError
            aside = path.with_name(f"{key}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}.parquet")
            os.replace(path, aside)
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            print(f"warning: run file {path.name} is unreadable ({reason}); kept as {aside.name}, "
                  "the run will be computed again", file=sys.stderr)
            return False

    def save(self, key: str, timeseries: pd.DataFrame, record: dict) -> Path:
        """Write a finished run atomically and clear an earlier failure record of it."""
        table = pa.Table.from_pandas(timeseries, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[META_KEY] = json.dumps(record, ensure_ascii=False).encode("utf-8")
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
        """The time series of a finished run."""
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
        """Make ``target`` a copy of a finished run's file (a hard link where possible)."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        try:
            os.link(self.path(key), tmp)
        except OSError:
            import shutil

            shutil.copyfile(self.path(key), tmp)
        os.replace(tmp, target)
        return target
