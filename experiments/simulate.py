"""Run one configured model and summarise it: the unit every experiment is built from."""

from __future__ import annotations

import math
from importlib import metadata

import pandas as pd

from model.community import CommunityModel
from model.metrics import HEADLINE

DEFAULT_WINDOW = 12
"""Months at the end of a run averaged into its outcome when a job does not set ``window``
(every job records the window it used in its manifest; reports read it from there)."""


def package_version() -> str:
    """The installed cogov version ("unknown" when run from a source tree that is not installed)."""
    try:
        return metadata.version("cogov")
    except metadata.PackageNotFoundError:
        return "unknown"


def run_model(cfg, seed: int | None = None, steps: int | None = None, allow_large: bool = False) -> CommunityModel:
    """Build a model from ``cfg`` with ``seed`` (default ``cfg.seed``) and run it for ``steps``
    months (default ``cfg.steps``); return the finished model."""
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
