"""Atomic writing of result files: write to a temporary file beside the target, then rename.

A reader never sees half a file, and an interrupted job leaves either the old file or none.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()


def atomic_write(path: Path, write) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it to ``path``
    (ordinary file permissions, not mkstemp's owner-only ones)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
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
