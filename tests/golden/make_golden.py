"""The golden baseline: headline metrics of three short runs, written to ``headline.json``.

Regenerate (after a change that is meant to move the numbers; review the diff before committing)::

    PYTHONPATH=. python tests/golden/make_golden.py

``tests/test_golden.py`` recomputes the same runs with :func:`compute` and requires every value to
equal the file's to ``REL_TOL`` (relative), so a change claimed to leave runs "bit-identical" is checked.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

GOLDEN_FILE = Path(__file__).resolve().parent / "headline.json"

REL_TOL = 1e-12
"""Relative tolerance of the comparison (floating-point noise only; a real change moves far more)."""
ABS_TOL = 1e-14
"""Absolute tolerance, for values that are 0 in the baseline."""

EVERY = 6
"""Months between recorded steps (step 0, the start, included)."""

RUNS: dict[str, dict] = {
    "top_down-default-seed1": {"scenario": "top_down", "community": "default", "seed": 1, "steps": 36,
                               "overrides": {}},
    "co_creation-default-seed2": {"scenario": "co_creation", "community": "default", "seed": 2, "steps": 36,
                                  "overrides": {}},
    "free_rider_demo-demo-seed3-sanctions": {"scenario": "free_rider_demo", "community": "demo", "seed": 3,
                                             "steps": 24, "overrides": {"sanctions.enabled": True}},
}
"""The runs of the baseline: scenario, community, seed (the model's rng), months, dotted overrides."""

HEADER = [
    "Golden baseline of cogov: headline metrics (model.metrics.HEADLINE) of the runs below, every "
    f"{EVERY} months, full float precision (null: NaN).",
    "Checked by tests/test_golden.py (equal to 1e-12 relative). Regenerate with: "
    "PYTHONPATH=. python tests/golden/make_golden.py",
    "A change to these numbers changes the model's results: review it in the diff and say why in the commit.",
]


def _number(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def run(spec: dict) -> dict[str, dict[str, float | None]]:
    """One run's headline metrics: ``{metric: {"006": value at month 6, ...}}``."""
    from model.community import CommunityModel
    from model.metrics import HEADLINE

    model = CommunityModel(scenario_name=spec["scenario"], community=spec["community"], rng=spec["seed"],
                           **spec["overrides"])
    for _ in range(spec["steps"]):
        model.step()
    ts = model.timeseries()
    months = range(0, spec["steps"] + 1, EVERY)
    return {m: {f"{t:03d}": _number(ts[m].iloc[t]) for t in months} for m in HEADLINE}


def compute() -> dict:
    """The baseline as written to ``headline.json``."""
    return {"_about": HEADER,
            "runs": {name: {**spec, "metrics": run(spec)} for name, spec in RUNS.items()}}


def dumps(golden: dict) -> str:
    """The diff-friendly text of a baseline: sorted keys, one value a line."""
    return json.dumps(golden, indent=2, sort_keys=True, allow_nan=False) + "\n"


def differences(expected: dict, actual: dict) -> list[str]:
    """One readable line for each value (or run, metric, month) that moved beyond the tolerance."""
    lines = []
    for name in sorted(set(expected["runs"]) | set(actual["runs"])):
        old, new = expected["runs"].get(name), actual["runs"].get(name)
        if old is None or new is None:
            lines.append(f"{name}: run {'added' if old is None else 'missing'}")
            continue
        for key in sorted(k for k in set(old) | set(new) if k != "metrics"):
            if old.get(key) != new.get(key):
                lines.append(f"{name}: {key} {old.get(key)!r} -> {new.get(key)!r}")
        for metric in sorted(set(old["metrics"]) | set(new["metrics"])):
            a, b = old["metrics"].get(metric, {}), new["metrics"].get(metric, {})
            for month in sorted(set(a) | set(b)):
                x, y = a.get(month, "absent"), b.get(month, "absent")
                if isinstance(x, float) and isinstance(y, float):
                    if math.isclose(x, y, rel_tol=REL_TOL, abs_tol=ABS_TOL):
                        continue
                    rel = (y - x) / abs(x) if x else math.inf
                    lines.append(f"{name}: {metric} at month {int(month)}: {x!r} -> {y!r} ({rel:+.3g} relative)")
                elif x != y:
                    lines.append(f"{name}: {metric} at month {month}: {x!r} -> {y!r}")
    return lines


def main() -> None:
    golden = compute()
    GOLDEN_FILE.write_text(dumps(golden), encoding="utf-8")
    print(f"wrote {GOLDEN_FILE} ({sum(len(r['metrics']) for r in golden['runs'].values())} series)", file=sys.stderr)


if __name__ == "__main__":
    main()
