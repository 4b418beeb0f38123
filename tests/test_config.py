"""Config validation: bad input ends a run before it starts with one line naming the key."""

from __future__ import annotations

import pytest
import yaml

import scenarios
from model import config as config_mod
from model.community import CommunityModel
from model.params import ConfigError
from tests.conftest import ROOT, run_cli


@pytest.mark.parametrize("overrides, key", [
    ({"consultation.adoption_rate": 1.4}, "consultation.adoption_rate"),
    ({"resident.trust_in_government.mean": -0.1}, "resident.trust_in_government.mean"),
    ({"community.buildings": -2}, "community.buildings"),
    ({"resident.age_shares.youth": 0.6}, "resident.age_shares"),
    ({"resident.dispositions.free_rider": 0.5}, "resident.dispositions"),
    ({"consultation.mode": "fake"}, "consultation.mode"),
    ({"government.kpi": "votes"}, "government.kpi"),
    ({"no_such.key": 1}, "no_such"),
    ({"steps": "many"}, "steps"),
])
def test_bad_values_raise_one_line_naming_the_key(overrides, key):
    with pytest.raises(ConfigError) as err:
        CommunityModel(scenario_name="top_down", rng=0, **overrides)
    message = str(err.value)
    assert key in message
    assert "\n" not in message
    assert "allowed" in message or "sum to 1" in message or "type" in message


def test_unknown_scenario_and_community_list_the_allowed_names():
    with pytest.raises(ConfigError, match="allowed: .*co_creation.*top_down"):
        CommunityModel(scenario_name="utopia", rng=0)
    with pytest.raises(ConfigError, match="community = 'atlantis' is unknown"):
        CommunityModel(community="atlantis", rng=0)


@pytest.mark.parametrize("args, fragment", [
    (["scenario=utopia"], "scenario = 'utopia' is unknown"),
    (["consultation.adoption_rate=1.5"], "consultation.adoption_rate = 1.5 is out of range"),
    (["resident.age_shares.elderly=0.9"], "resident.age_shares shares must sum to 1"),
    (["steps=abc"], "steps=abc"),
    (["-m", "scenario=top_down,utopia"], "scenario = 'utopia' is unknown"),
])
def test_cli_rejects_bad_config_with_exit_code_2_and_one_line(args, fragment, tmp_path):
    result = run_cli("experiments.run", *args, f"hydra.run.dir={tmp_path}/out", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert not (tmp_path / "out").exists(), "no output directory for a run that never started"


def test_every_default_is_documented_and_within_its_range():
    cfg = config_mod.ModelConfig()
    config_mod.validate(cfg)  # the defaults themselves are valid
    from model.params import iter_params

    for key, meta, _ in iter_params(cfg):
        assert meta.get("doc"), f"{key} has no documentation"
        assert meta.get("source"), f"{key} has no source or 'assumption'"


def test_python_api_composes_the_same_config_as_the_cli(tmp_path):
    result = run_cli("experiments.run", "scenario=top_down", "community=ageing", "steps=1",
                     f"hydra.run.dir={tmp_path}/out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    cli_cfg = yaml.safe_load((tmp_path / "out" / ".hydra" / "config.yaml").read_text())
    api_cfg = config_mod.to_dict(CommunityModel(scenario_name="top_down", community="ageing", rng=0, steps=1).config)
    model_keys = {k: v for k, v in cli_cfg.items() if k not in scenarios.RUN_KEYS}  # seeds, objective: run keys
    assert config_mod.to_dict(config_mod.from_dict(model_keys)) == api_cfg


def test_every_scenario_and_community_file_composes_and_validates():
    for scenario in scenarios.available("scenario"):
        for community in scenarios.available("community"):
            data = scenarios.compose_dict(scenario, community)
            cfg = config_mod.from_dict(data)
            assert cfg.info.scenario == scenario
            assert cfg.info.community == community
            assert cfg.info.scenario_description and cfg.info.community_description


def test_scenario_files_say_what_they_represent_and_cite_a_source():
    for group in ("scenario", "community", "lab"):
        for name in scenarios.available(group):
            text = (ROOT / "scenarios" / group / f"{name}.yaml").read_text()
            comments = " ".join(ln for ln in text.splitlines() if ln.startswith("#"))
            assert len(comments) > 80, f"{group}/{name}.yaml lacks a comment saying what it represents"
            assert "Source:" in comments, f"{group}/{name}.yaml has no '# Source:' line"


def test_no_scenario_names_in_model_code():
    # A scenario may share its name with the one mechanism it switches on (``mediation``): the
    # mechanism's own config-section name in its module is not a scenario branch.
    from model.mechanisms import MECHANISMS

    names = [s for s in scenarios.available("scenario") if s not in MECHANISMS]
    names += [c for c in scenarios.available("community") if c != "default"]
    for path in list((ROOT / "model").rglob("*.py")) + list((ROOT / "agents").rglob("*.py")):
        text = path.read_text()
        for name in names:
            assert f'"{name}"' not in text and f"'{name}'" not in text, f"{path} names scenario {name}"
