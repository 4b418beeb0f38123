"""Shared fixtures and helpers for cogov's tests.

Markers (registered in ``pyproject.toml``, ``--strict-markers``), set on the tests themselves:

``slow``
    a test over ~2 s on this machine (``pytest --durations=30``): ``make test-fast`` leaves them out;
``replicated``
    a statistical check over hundreds of replicated runs: ``make test-slow`` runs them, ``make test``
    runs one small representative of each instead (``.ci/run`` runs both targets);
``xdist_group(name)``
    tests that read one expensive session fixture run on one pytest-xdist worker, so the fixture is
    computed once per test run (``--dist loadgroup`` in ``pyproject.toml``).

An entry point's command line is tested in this process with :func:`run_main` (its ``main``, its
output captured); :func:`run_cli` starts a real ``python -m`` process, for the few end-to-end
smoke tests of each entry point.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import settings

from model.community import CommunityModel

ROOT = Path(__file__).resolve().parents[1]

settings.register_profile("cogov", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "cogov"))
"""Property-based tests draw the same examples on every run (a CI run is reproducible);
``HYPOTHESIS_PROFILE=explore`` draws new ones."""

HYDRA_APPS = ("experiments.run", "experiments.lab")
"""Entry points whose ``main()`` reads ``sys.argv`` (Hydra apps)."""


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m <args>`` from the repository root and capture its output (end-to-end smoke tests)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd or ROOT, env=env, text=True,
                          capture_output=True, timeout=timeout)


FIXED_COMMUNITY = {"variation.enabled": False}
"""The community's uncertain quantities at their means (model.variation): paired mechanism tests compare levers in
one community, not across the communities seeds would draw."""


@dataclass
class Ran:
    """What an entry point did when called in this process (the fields of ``subprocess.CompletedProcess``)."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def run_main(prog: str, *args: str, cwd: Path | None = None, timeout: float | None = None) -> Ran:
    """Call entry point ``prog`` in this process as ``python -m prog args`` would run it: its ``main``
    with the arguments (``sys.argv`` for the Hydra apps), in ``cwd``; returns its exit code and what it
    printed. The environment, ``sys.argv`` and the working directory are restored afterwards.
    (``timeout`` is accepted for the signature of :func:`run_cli` and not enforced.)"""
    module = importlib.import_module(prog)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.dict(os.environ))
        stack.enter_context(mock.patch.object(sys, "argv", [prog, *args]))
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        try:
            result = module.main() if prog in HYDRA_APPS else module.main(list(args))
            code = result if isinstance(result, int) else 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Ran([prog, *args], code, out.getvalue(), err.getvalue())


def run_model(scenario: str = "co_creation", community: str = "default", seed: int = 0, steps: int = 24,
              **overrides) -> CommunityModel:
    """Build and step a model, its community fixed at its means unless ``variation.enabled`` is given."""
    m = CommunityModel(scenario_name=scenario, community=community, rng=seed, **{**FIXED_COMMUNITY, **overrides})
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

PATTERNS = "calibration patterns"
"""The ``xdist_group`` of the tests reading :func:`pattern_results`: one worker computes it once."""


FEW = "headline patterns"
"""The ``xdist_group`` of the tests reading :func:`few_pattern_results`."""


@pytest.fixture(scope="session")
def few_pattern_results():
    """The arms ``top_down`` and ``co_creation`` of the calibration patterns, 4 seeds × 120 months, run once
    per test session: the small representatives in ``make test`` of the checks over 20 seeds."""
    from experiments import patterns

    return patterns.replicate({a: patterns.ARMS[a] for a in ("top_down", "co_creation")}, range(4), n_jobs=2)


@pytest.fixture(scope="session")
def pattern_results():
    """Every arm of the calibration patterns, 20 seeds × 120 months, run once per test session
    (on 2 cores): measures by arm, in seed order (:func:`experiments.patterns.replicate`)."""
    from experiments import patterns

    return patterns.replicate(patterns.arms_needed(patterns.CHECKS), PATTERN_SEEDS, n_jobs=2)
