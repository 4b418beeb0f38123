"""The model documentation: generated tables in step with the code, the ODD+D description complete."""

from __future__ import annotations

import pytest
import re

from experiments import odd_tables
from model.mechanisms import MECHANISMS
from model.params import iter_params
from model.config import ModelConfig
from tests.conftest import ROOT

ODD = ROOT / "docs" / "ODD.md"


@pytest.mark.slow
def test_committed_odd_tables_are_what_the_code_generates():
    committed = (ROOT / "docs" / "odd_tables.md").read_text(encoding="utf-8")
    assert committed == odd_tables.render(), "docs/odd_tables.md is out of date: run python -m experiments.odd_tables"


@pytest.mark.slow
def test_odd_tables_list_every_parameter_with_its_source():
    text = odd_tables.render()
    for key, meta, _ in iter_params(ModelConfig):
        if key.startswith("info."):
            continue
        assert f"| `{key}` |" in text, key
    assert "assumption" in text and "calibrated" in text


def test_odd_description_follows_odd_d_and_covers_every_mechanism():
    text = ODD.read_text(encoding="utf-8")
    for heading in ("Purpose and patterns", "Entities, state variables and scales", "Process overview and scheduling",
                    "Design concepts", "Individual decision-making", "Learning", "Individual sensing",
                    "Individual prediction", "Interaction", "Collectives", "Heterogeneity", "Stochasticity",
                    "Observation", "Initialisation", "Input data", "Submodels"):
        assert re.search(rf"^#+ [\d.]* ?{re.escape(heading)}", text, re.M), heading
    for name in MECHANISMS:
        assert f"- **{name}**" in text, f"ODD.md has no submodel entry for the mechanism {name}"
    assert "not measured data" in text
    assert "odd_tables.md" in text


def _documented_commands(prog: str) -> list[list[str]]:
    """The arguments of every ``python -m <prog> ...`` command in the README and docs/*.md."""
    import shlex

    out = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.search(rf"python -m {re.escape(prog)}((?: [^`#|]*)?)", line)
            if m and "..." not in m.group(1) and "<" not in m.group(1):
                out.append(shlex.split(m.group(1)))
    return out


def test_documented_job_commands_use_options_the_entry_points_have():
    """Every compare/calibrate/sensitivity/collect command in the docs parses: its options exist
    and have the right type, and every other key is a model config key."""
    import importlib

    from experiments.command_line import parse

    model_keys = {k for k, _, _ in iter_params(ModelConfig)} | {"scenario", "community"}
    checked = 0
    for prog in ("experiments.compare", "experiments.calibrate", "experiments.sensitivity", "experiments.collect"):
        module = importlib.import_module(prog)
        options = getattr(module, "OPTIONS", None)
        for args in _documented_commands(prog):
            if options is None:  # collect: options only
                assert all(a.split("=", 1)[0] in ("sweep", "out") for a in args), (prog, args)
                continue
            _, overrides = parse(args, options, prog)
            for o in overrides:
                assert o.input_line.split("=", 1)[0] in model_keys, (prog, args, o.input_line)
            checked += 1
    assert checked >= 8
