"""The model documentation: generated tables in step with the code, the ODD+D description complete."""

from __future__ import annotations

import re

from experiments import odd_tables
from model.mechanisms import MECHANISMS
from model.params import iter_params
from model.config import ModelConfig
from tests.conftest import ROOT

ODD = ROOT / "docs" / "ODD.md"


def test_committed_odd_tables_are_what_the_code_generates():
    committed = (ROOT / "docs" / "odd_tables.md").read_text(encoding="utf-8")
    assert committed == odd_tables.render(), "docs/odd_tables.md is out of date: run python -m experiments.odd_tables"


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
