"""Config validation: bad input ends a run before it starts with one line naming the key."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import warnings

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import scenarios
from model import config as config_mod
from model.community import CommunityModel
from model.params import DISPOSITIONS, SHARE_TOLERANCE, ConfigError, Dist, InactiveParameterWarning
from tests.conftest import ROOT, run_cli, run_main


@pytest.mark.parametrize("overrides, key", [
    ({"consultation.adoption_rate": 1.4}, "consultation.adoption_rate"),
    ({"resident.trust_in_government.mean": -0.1}, "resident.trust_in_government.mean"),
    ({"community.buildings": -2}, "community.buildings"),
    ({"resident.age_shares.youth": 0.7, "resident.age_shares.middle": 0.4}, "resident.age_shares.middle"),
    ({"resident.dispositions.free_rider": -0.1}, "resident.dispositions.free_rider"),
    ({"resident.dispositions." + k: 0.3 for k in DISPOSITIONS}, "resident.dispositions"),
    ({"consultation.voice": "fake"}, "consultation.voice"),
    ({"social_orgs.contract_rule": "votes"}, "social_orgs.contract_rule"),
    ({"no_such.key": 1}, "no_such"),
    ({"steps": "many"}, "steps"),
])
@pytest.mark.filterwarnings("ignore::model.params.InactiveParameterWarning")
def test_bad_values_raise_one_line_naming_the_key(overrides, key):
    with pytest.raises(ConfigError) as err:
        CommunityModel(scenario_name="top_down", rng=0, **overrides)
    message = str(err.value)
    assert key in message
    assert "\n" not in message
    assert "allowed" in message or "sum to 1" in message or "sum above 1" in message or "type" in message


def test_unknown_scenario_and_community_list_the_allowed_names():
    with pytest.raises(ConfigError, match="allowed: .*co_creation.*top_down"):
        CommunityModel(scenario_name="utopia", rng=0)
    with pytest.raises(ConfigError, match="community = 'atlantis' is unknown"):
        CommunityModel(community="atlantis", rng=0)


@pytest.mark.slow
@pytest.mark.parametrize("args, fragment", [
    (["scenario=utopia"], "scenario = 'utopia' is unknown"),
    (["consultation.adoption_rate=1.5"], "consultation.adoption_rate = 1.5 is out of range"),
    (["resident.age_shares.elderly=0.9", "resident.age_shares.youth=0.2"],
     "resident.age_shares.youth + resident.age_shares.elderly = 1.1: shares set together must not sum above 1"),
    (["resident.age_shares.elderly=0.9", "resident.age_shares.youth=0.2", "resident.age_shares.middle=0"],
     "resident.age_shares shares must sum to 1"),
    (["steps=abc"], "steps = 'abc' is not a number; allowed: whole numbers 0 to 100000"),
    (["-m", "scenario=top_down,utopia"], "scenario = 'utopia' is unknown"),
])
def test_cli_rejects_bad_config_with_exit_code_2_and_one_line(args, fragment, tmp_path):
    result = run_main("experiments.run", *args, f"hydra.run.dir={tmp_path}/out", cwd=tmp_path)
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


@pytest.mark.slow
def test_python_api_composes_the_same_config_as_the_cli(tmp_path):
    result = run_main("experiments.run", "scenario=top_down", "community=ageing", "steps=1",
                     f"hydra.run.dir={tmp_path}/out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    cli_cfg = yaml.safe_load((tmp_path / "out" / ".hydra" / "config.yaml").read_text())
    model = CommunityModel(scenario_name="top_down", community="ageing", rng=0, steps=1)
    api_cfg = config_mod.to_dict(model.config)
    for key in model.drawn:  # the model's config holds the community drawn for its seed (model.variation)
        config_mod.set_dotted(cli_cfg, key, config_mod.get_dotted(api_cfg, key))
    model_keys = {k: v for k, v in cli_cfg.items() if k not in scenarios.RUN_KEYS}  # seeds, objective: run keys
    assert config_mod.to_dict(config_mod.from_dict(model_keys)) == api_cfg


@pytest.mark.slow
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
    # A scenario may share its name with the one mechanism or config section it switches on
    # (``mediation``, ``owners_committee``): the section's own name in the schema is not a scenario branch.
    from model.config import ModelConfig
    from model.mechanisms import MECHANISMS

    sections = {f.name for f in __import__("dataclasses").fields(ModelConfig)}
    names = [s for s in scenarios.available("scenario") if s not in MECHANISMS and s not in sections]
    names += [c for c in scenarios.available("community") if c != "default"]
    for path in list((ROOT / "model").rglob("*.py")) + list((ROOT / "agents").rglob("*.py")):
        text = path.read_text()
        for name in names:
            assert f'"{name}"' not in text and f"'{name}'" not in text, f"{path} names scenario {name}"


# ---------------------------------------------------------------------------- numpy scalars
def _scalar_keys():
    """(dotted key, metadata, default) of every bool, int, float and str leaf of the schema."""
    from model.params import iter_params

    return [(k, meta, v) for k, meta, v in iter_params(config_mod.ModelConfig)
            if type(v) in (bool, int, float, str)]


SCALAR_KEYS = _scalar_keys()


@st.composite
def _numpy_value(draw):
    """A valid value of one scalar key of the schema, as a numpy scalar, and the Python value it holds."""
    key, meta, default = draw(st.sampled_from(SCALAR_KEYS))
    lo, hi = meta.get("range") or (None, None)
    if type(default) is bool:
        value = draw(st.booleans())
        return key, np.bool_(value), value
    if type(default) is str:
        value = draw(st.sampled_from(meta.get("choices") or (default,)))
        return key, np.str_(value), value
    if type(default) is int:
        lo, hi = int(lo if lo is not None else -10), int(min(hi if hi is not None else 10, 50))
        value = draw(st.integers(lo, hi))
        return key, draw(st.sampled_from([np.int64, np.int32, np.uint16]))(value), value
    value = draw(st.floats(lo if lo is not None else -10.0, hi if hi is not None else 10.0))
    np_value = draw(st.sampled_from([np.float64, np.float32]))(value)
    return key, np_value, float(np_value)  # a float32 holds the nearest float32 (out of range: both refused)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(_numpy_value())
def test_numpy_scalars_give_the_same_config_as_python_values(case):
    key, np_value, value = case
    data = {}
    config_mod.set_dotted(data, key, np_value)
    plain_data = {}
    config_mod.set_dotted(plain_data, key, value)
    try:
        expected = config_mod.to_dict(config_mod.from_dict(plain_data))
    except ConfigError:  # e.g. a share of a group that no longer sums to 1: the same error for both
        with pytest.raises(ConfigError):
            config_mod.from_dict(data)
        return
    got = config_mod.to_dict(config_mod.from_dict(data))
    assert got == expected
    leaf = config_mod.get_dotted(got, key)
    assert type(leaf) is type(config_mod.get_dotted(expected, key)), f"{key} kept a numpy type"
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert yaml.safe_dump(got) == yaml.safe_dump(expected)


def test_numpy_scalars_in_overrides_nested_sections_and_lists():
    m = CommunityModel(scenario_name="top_down", rng=1, **{
        "community.buildings": np.int64(1), "community.households_per_building": np.int32(10),
        "resident.trust_in_government.mean": np.float32(0.5), "resident.time_budget.youth": np.float64(9),
        "sanctions.enabled": np.True_, "shocks.enabled": np.True_, "government.successor_bound": np.False_,
        "resident.satisfaction": Dist(np.float64(0.45), np.float32(0.125)),  # a section given as its dataclass
    })
    cfg = config_mod.to_dict(m.config)
    assert cfg["community"]["buildings"] == 1 and type(cfg["community"]["buildings"]) is int
    assert type(cfg["resident"]["trust_in_government"]["mean"]) is float
    assert cfg["sanctions"]["enabled"] is True and cfg["government"]["successor_bound"] is False and m.config.seed == 1
    listed = config_mod._coerce("a.list", np.array(["consultation"]), [], {})  # a list of numpy strings: plain
    assert listed == ["consultation"] and type(listed[0]) is str
    assert cfg["resident"]["satisfaction"] == {"mean": 0.45, "sd": 0.125}
    json.dumps(cfg)  # serialisable as is


@pytest.mark.parametrize("key, value, expected", [
    ("community.buildings", np.True_, "is not a number; allowed: whole numbers 1 to 100000"),
    ("community.buildings", True, "is not a number; allowed: whole numbers 1 to 100000"),
    ("sanctions.enabled", np.int64(1), "has the wrong type; allowed: true or false"),
    ("sanctions.enabled", 1, "has the wrong type; allowed: true or false"),
    ("community.buildings", np.float64(1.5), "is not a whole number; allowed: whole numbers 1 to 100000"),
    ("decision.noise_sd", np.False_, "is not a number; allowed: numbers 0 to 1"),
])
def test_bool_is_not_an_int_nor_an_int_a_bool_numpy_or_not(key, value, expected):
    with pytest.raises(ConfigError, match=f"^{key} = .* {expected}$"):
        CommunityModel(scenario_name="top_down", rng=0, **{key: value})


# ---------------------------------------------------------------------------- a share set alone
def _dispositions(cfg) -> dict[str, float]:
    return dataclasses.asdict(cfg.resident.dispositions)


def test_a_share_set_alone_keeps_its_value_and_rescales_the_others_in_proportion():
    base = _dispositions(config_mod.from_dict(scenarios.compose_dict("top_down", "default")))
    m = CommunityModel(scenario_name="top_down", rng=0, **{"resident.dispositions.free_rider": 0.6})
    got = _dispositions(m.config)
    assert got["free_rider"] == 0.6
    assert math.isclose(sum(got.values()), 1.0, rel_tol=0, abs_tol=1e-12)
    others = [k for k in DISPOSITIONS if k != "free_rider"]
    scale = 0.4 / sum(base[k] for k in others)
    for k in others:
        assert math.isclose(got[k], base[k] * scale, rel_tol=1e-12), k


@pytest.mark.slow
def test_the_three_override_paths_rescale_the_same_way(tmp_path):
    override = "resident.dispositions.free_rider=0.6"
    api = _dispositions(CommunityModel(scenario_name="top_down", rng=0,
                                       **{"resident.dispositions.free_rider": 0.6}).config)
    composed = scenarios.compose_dict("top_down", None, [override])["resident"]["dispositions"]
    assert composed == api
    result = run_main("experiments.run", "scenario=top_down", "steps=1", "community.buildings=1", override,
                     f"hydra.run.dir={tmp_path}/out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["scenario"] == "top_down"
    # the CLI's run is the API's run with the same seed: same first month
    m = CommunityModel(scenario_name="top_down", rng=0, steps=1, **{"community.buildings": 1,
                                                                     "resident.dispositions.free_rider": 0.6})
    m.step()
    assert summary["final"]["free_riding_rate"] == pytest.approx(m.timeseries()["free_riding_rate"].iloc[-1], rel=1e-12)


@settings(max_examples=80, deadline=None)
@given(chosen=st.dictionaries(st.sampled_from(DISPOSITIONS), st.floats(0.0, 1.0), min_size=1, max_size=3),
       current=st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4))
def test_shares_set_together_keep_their_values_and_the_rest_takes_the_remainder(chosen, current):
    data = {"resident": {"dispositions": dict(zip(DISPOSITIONS, current))}}
    overrides = {f"resident.dispositions.{k}": v for k, v in chosen.items()}
    if sum(chosen.values()) > 1 + SHARE_TOLERANCE:
        with pytest.raises(ConfigError, match="shares set together must not sum above 1") as err:
            config_mod.apply_overrides(data, overrides)
        assert all(k in str(err.value) for k in overrides)
        return
    out = config_mod.apply_overrides(data, overrides)["resident"]["dispositions"]
    assert all(out[k] == v for k, v in chosen.items())
    assert all(v >= 0 for v in out.values())
    assert math.isclose(sum(out.values()), 1.0, abs_tol=1e-9) or sum(chosen.values()) > 1
    config_mod.from_dict({"resident": {"dispositions": out}})  # validates
    others = [k for k in DISPOSITIONS if k not in chosen]
    before = {k: v for k, v in zip(DISPOSITIONS, current) if k in others}
    if sum(before.values()) > 0:
        for a in others:
            for b in others:  # proportions kept: out[a] / out[b] == before[a] / before[b]
                assert math.isclose(out[a] * before[b], out[b] * before[a], rel_tol=1e-9, abs_tol=1e-300)
    else:  # all others zero: the remainder split equally
        assert len({out[k] for k in others}) == 1
    assert data["resident"]["dispositions"] == dict(zip(DISPOSITIONS, current)), "the input is not changed"


def test_a_negative_share_is_refused_naming_its_key():
    with pytest.raises(ConfigError,
                       match=r"^resident.age_shares.youth = -0.1 is a negative share; allowed: numbers 0 to 1$"):
        config_mod.apply_overrides({}, {"resident.age_shares.youth": -0.1})


def test_setting_every_share_still_requires_them_to_sum_to_one_within_the_tolerance():
    exact = {"resident.age_shares.youth": 0.2, "resident.age_shares.middle": 0.5, "resident.age_shares.elderly": 0.3}
    out = config_mod.apply_overrides({}, exact)["resident"]["age_shares"]
    assert out == {"youth": 0.2, "middle": 0.5, "elderly": 0.3}
    near = {**exact, "resident.age_shares.elderly": 0.3 + 0.9 * SHARE_TOLERANCE}
    config_mod.from_dict(config_mod.apply_overrides({}, near))
    off = {**exact, "resident.age_shares.elderly": 0.3 + 2 * SHARE_TOLERANCE}
    with pytest.raises(ConfigError, match="resident.age_shares shares must sum to 1"):
        config_mod.from_dict(config_mod.apply_overrides({}, off))


# ---------------------------------------------------------------------------- inactive parameters
INACTIVE = "sanctions.pull is set but sanctions is off (sanctions.enabled = false): the value has no effect"
FORBIDDEN = ("consultation.adoption_rate is set but consultation is not allowed (consultation.allowed = false): "
             "the value has no effect")


def test_setting_a_parameter_of_a_mechanism_that_is_off_warns_naming_the_key():
    with pytest.warns(InactiveParameterWarning) as record:
        CommunityModel(scenario_name="top_down", rng=0, **{"sanctions.pull": 0.5})
    assert [str(w.message) for w in record if w.category is InactiveParameterWarning] == [INACTIVE]
    with pytest.warns(InactiveParameterWarning, match=re.escape(INACTIVE)):
        scenarios.compose_dict("top_down", None, ["sanctions.pull=0.5"])
    with pytest.warns(InactiveParameterWarning, match=re.escape(FORBIDDEN)):  # a programme the rules forbid
        CommunityModel(scenario_name="top_down", rng=0, **{"consultation.allowed": False,
                                                            "consultation.adoption_rate": 0.5})


@pytest.mark.parametrize("scenario, overrides", [
    ("top_down", {"consultation.mandated": True, "consultation.adoption_rate": 0.5}),  # required by the same overrides
    ("top_down", {"consultation.adoption_rate": 0.5}),  # a programme the office may take up: its values may matter
    ("co_creation", {"consultation.adoption_rate": 0.5}),                            # on in the scenario
    ("free_rider_demo", {}),                    # the scenario file sets sanctions.probability with sanctions off
    ("free_rider_demo", {"sanctions.enabled": False, "community.buildings": 1}),    # switching it off is no warning
])
def test_no_warning_for_active_mechanisms_scenario_values_or_the_switch_itself(scenario, overrides):
    with warnings.catch_warnings():
        warnings.simplefilter("error", InactiveParameterWarning)
        CommunityModel(scenario_name=scenario, rng=0, **overrides)
        scenarios.compose_dict(scenario, None, [f"{k}={str(v).lower()}" for k, v in overrides.items()])


def test_a_mechanism_switched_off_by_the_same_overrides_warns():
    with pytest.warns(InactiveParameterWarning, match=r"^sanctions.probability is set but sanctions is off"):
        config_mod.apply_overrides({}, {"sanctions.enabled": np.False_, "sanctions.probability": 0.2})


@pytest.mark.slow
@pytest.mark.parametrize("entry", ["experiments.run", "experiments.compare"])
def test_cli_shows_the_warning_as_one_line(entry, tmp_path):
    small = ["community.buildings=1", "community.households_per_building=10", "steps=1",
             "sanctions.pull=0.5"]
    if entry == "experiments.run":
        args = ["scenario=top_down", *small, f"hydra.run.dir={tmp_path}/out"]
    else:
        args = ["scenarios=[top_down,co_creation]", "replications=1", "launcher=serial", *small, f"out={tmp_path}/out"]
    result = run_cli(entry, *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if "sanctions.pull" in ln or "Warning" in ln or "warn(" in ln]
    assert lines == [f"warning: {INACTIVE}"], result.stderr


def test_apply_overrides_serves_any_schema_with_share_groups():
    from model import lab

    data = config_mod.to_dict(lab.config_from_dict({}))
    out = config_mod.apply_overrides(data, {"types.free_rider": np.float64(0.6)}, schema=lab.LabConfig)
    assert out["types"]["free_rider"] == 0.6 and type(out["types"]["free_rider"]) is float
    assert math.isclose(sum(out["types"].values()), 1.0, abs_tol=1e-12)
    lab.config_from_dict(out)  # validates
