"""Durable, atomic writing of result files, and the one-writer lock of a job directory.

A file is written to a temporary file beside the target, flushed to disk (``fsync``), renamed
over the target, and the directory is flushed too: a reader never sees half a file, and an
interrupted job (or a power cut) leaves either the old file or the new one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from model.params import ConfigError

LOCK_NAME = ".lock"
LOCK_ENV = "COGOV_JOB_LOCK"
"""Set, while a process holds a job's lock, to the job directory (inherited by its workers)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()


def fsync_file(path: Path | str) -> None:
    """Flush a written file's data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path | str) -> None:
    """Flush a directory's entries (a rename or a new link in it) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
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
        fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
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
