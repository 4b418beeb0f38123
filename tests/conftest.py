"""Shared fixtures and helpers for cogov's tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.community import CommunityModel

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m <args>`` from the repository root and capture its output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd or ROOT, env=env, text=True,
                          capture_output=True, timeout=timeout)


def run_model(scenario: str = "co_creation", community: str = "default", seed: int = 0, steps: int = 24,
              **overrides) -> CommunityModel:
    """Build and step a model."""
    m = CommunityModel(scenario_name=scenario, community=community, rng=seed, **overrides)
    for _ in range(steps):
        m.step()
    return m


def mean_and_se(values) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v)))


@pytest.fixture(scope="session")
def small_model() -> CommunityModel:
    """A default co-creation community after two years (read-only use)."""
    return run_model(steps=24, seed=11)


PATTERN_SEEDS = range(20)
"""Replications of the calibration patterns in the tests (the same as ``experiments.calibrate``)."""


@pytest.fixture(scope="session")
def pattern_results():
    """Every arm of the calibration patterns, 20 seeds × 120 months, run once per test session
    (on 2 cores): measures by arm, in seed order (:func:`experiments.patterns.replicate`)."""
    from experiments import patterns

    return patterns.replicate(patterns.arms_needed(patterns.CRITERIA), PATTERN_SEEDS, n_jobs=2)
