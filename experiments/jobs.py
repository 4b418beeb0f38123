"""Plumbing shared by the job entry points (``compare``, ``sensitivity``): job directories,
validated configs, printing failures and numbers."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

import scenarios
from experiments import cli
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
