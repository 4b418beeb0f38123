"""The golden baseline: three short runs must reproduce ``tests/golden/headline.json``.

A change that moves the model's numbers fails here with one line per value that moved. If the
change is meant to move them, regenerate the file (``PYTHONPATH=. python tests/golden/make_golden.py``)
and review its diff; ``tests/golden/README.md`` says more.
"""

from __future__ import annotations

import copy
import json

import pytest

from tests.golden import make_golden as golden


@pytest.fixture(scope="module")
def baseline() -> dict:
    return json.loads(golden.GOLDEN_FILE.read_text(encoding="utf-8"))


def test_the_three_runs_reproduce_the_golden_headline_metrics(baseline):
    moved = golden.differences(baseline, golden.compute())
    shown = "\n".join(moved[:40]) + (f"\n... and {len(moved) - 40} more" if len(moved) > 40 else "")
    assert not moved, (f"{len(moved)} golden values moved beyond {golden.REL_TOL:g} relative:\n{shown}\n"
                       "If intended: PYTHONPATH=. python tests/golden/make_golden.py, then review the diff.")


def test_the_baseline_file_is_in_its_diff_friendly_layout(baseline):
    assert golden.GOLDEN_FILE.read_text(encoding="utf-8") == golden.dumps(baseline)
    assert set(baseline["runs"]) == set(golden.RUNS)
    for name, spec in golden.RUNS.items():
        run = baseline["runs"][name]
        assert {k: run[k] for k in spec} == spec
        months = [f"{t:03d}" for t in range(0, spec["steps"] + 1, golden.EVERY)]
        assert all(sorted(series) == months for series in run["metrics"].values()), name


def test_a_moved_value_is_reported_in_one_readable_line(baseline):
    moved = copy.deepcopy(baseline)
    series = moved["runs"]["top_down-default-seed1"]["metrics"]["participation_rate"]
    before = series["036"]
    series["036"] = before * (1 + 1e-9)
    assert golden.differences(baseline, moved) == [
        f"top_down-default-seed1: participation_rate at month 36: {before!r} -> {series['036']!r} (+1e-09 relative)"]
    series["036"] = before * (1 + 1e-13)  # floating-point noise: within the tolerance
    assert golden.differences(baseline, moved) == []
