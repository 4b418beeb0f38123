"""Hardening (issue 18): bounded validation of every numeric key, and size bounds checked before building.

Every bad value of a config key gives one ``ConfigError`` line naming the key and what is allowed,
with exact bounds (never ``OverflowError``, ``ValueError`` from ``str()`` of a huge int, or ``%g``).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import config as config_mod
from model import lab
from model.community import CommunityModel
from model.config import ModelConfig, apply_overrides, check_size, from_dict
from model.lab import LabConfig
from model.params import ConfigError, iter_params, show

SCHEMAS = {"model": ModelConfig, "lab": LabConfig}
NUMERIC = [(name, key, meta, value) for name, schema in SCHEMAS.items()
           for key, meta, value in iter_params(schema)
           if isinstance(value, (int, float)) and not isinstance(value, bool)]
NINES = int("9" * 400)
pytestmark = [pytest.mark.slow,  # every numeric key of the schema, hundreds of cases
              pytest.mark.filterwarnings("ignore::model.params.InactiveParameterWarning")]  # lab punishment keys


def _build(schema_name: str, key: str, value):
    schema = SCHEMAS[schema_name]
    data = apply_overrides({}, {key: value}, schema)
    return config_mod.build_section(schema, data)


def _assert_one_line_naming(err: ConfigError, key: str) -> None:
    text = str(err)
    assert "\n" not in text and len(text) < 400, text
    assert key in text or key.rsplit(".", 1)[0] in text, text  # a share's group names the key's section


def test_every_numeric_key_is_bounded_on_both_sides():
    """Integers especially: an unbounded int key would reach numpy (int64) unchecked."""
    unbounded = [key for _, key, meta, _ in NUMERIC if not meta.get("range") or None in meta["range"]]
    assert unbounded == []


@pytest.mark.parametrize("schema_name, key", [(n, k) for n, k, _, _ in NUMERIC])
def test_bad_numbers_give_one_line_naming_the_key(schema_name, key):
    default = dict((k, v) for n, k, _, v in NUMERIC if n == schema_name)[key]
    bad = [NINES, -NINES, 10**5000, float("nan"), float("inf"), float("-inf"), True, False, "fast", None, [1]]
    if isinstance(default, int):
        bad.append(0.5)
    for value in bad:
        with pytest.raises(ConfigError) as e:
            _build(schema_name, key, value)
        _assert_one_line_naming(e.value, key)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(NUMERIC), value=st.one_of(
    st.integers(min_value=-10**400, max_value=10**400),
    st.integers(min_value=-10**6, max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-2.0, max_value=2.0),
    st.booleans(),
    st.text(max_size=30),
    st.none(),
))
def test_fuzz_every_numeric_key(case, value):
    """Any value: either accepted as a finite value inside the key's range and of the key's type, or one
    ConfigError line naming the key; never another exception."""
    schema_name, key, meta, default = case
    try:
        cfg = _build(schema_name, key, value)
    except ConfigError as e:
        _assert_one_line_naming(e, key)
        return
    got = config_mod.get_dotted(config_mod.to_dict(cfg), key)
    lo, hi = meta["range"]
    assert type(got) is type(default) and math.isfinite(got) and lo <= got <= hi, (key, value, got)


def test_seed_message_is_exact():
    with pytest.raises(ConfigError) as e:
        CommunityModel(scenario_name="top_down", **{"seed": NINES})
    assert str(e.value) == ("seed = 99999999999999999999… (400 digits) is out of range; "
                            "allowed: whole numbers 0 to 9223372036854775807")


@pytest.mark.parametrize("overrides, message", [
    ({"steps": 10**400},
     "steps = 10000000000000000000… (401 digits) is out of range; allowed: whole numbers 0 to 100000"),
    ({"community.buildings": 10**30},
     "community.buildings = 10000000000000000000… (31 digits) is out of range; allowed: whole numbers 1 to 100000"),
    ({"steps": 3.5}, "steps = 3.5 is not a whole number; allowed: whole numbers 0 to 100000"),
    ({"steps": True}, "steps = True is not a number; allowed: whole numbers 0 to 100000"),
    ({"decision.noise_sd": float("nan")}, "decision.noise_sd = nan is not a finite number; allowed: numbers 0 to 1"),
    ({"projects.cost": 10**400},
     "projects.cost = 10000000000000000000… (401 digits) is out of range; allowed: numbers 0 to 1000000000"),
    ({"projects.cost": 1e300}, "projects.cost = 1e+300 is out of range; allowed: numbers 0 to 1000000000"),
    ({"rng": -1}, "seed = -1 is out of range; allowed: whole numbers 0 to 9223372036854775807"),
])
def test_model_messages_are_exact(overrides, message):
    with pytest.raises(ConfigError) as e:
        CommunityModel(scenario_name="top_down", **overrides)
    assert str(e.value) == message


@pytest.mark.parametrize("data, message", [
    ({"groups": NINES}, "groups = 99999999999999999999… (400 digits) is out of range; "
                        "allowed: whole numbers 1 to 1000000"),
    ({"group_size": 2.5}, "group_size = 2.5 is not a whole number; allowed: whole numbers 2 to 1000"),
    ({"rounds": float("inf")}, "rounds = inf is not a finite number; allowed: whole numbers 1 to 10000"),
    ({"mpcr": "fast"}, "mpcr = 'fast' is not a number; allowed: numbers 0 to 1"),
])
def test_lab_messages_are_exact(data, message):
    with pytest.raises(ConfigError) as e:
        lab.config_from_dict(data)
    assert str(e.value) == message


def test_show_is_exact_and_short():
    assert show(2**63 - 1) == "9223372036854775807"
    assert show(1e9) == "1000000000" and show(0.1) == "0.1" and show(1e-6) == "1e-06" and show(1e300) == "1e+300"
    assert show(-(10**25)) == "-10000000000000000000… (26 digits)"
    assert show(10**5000) == "10000000000000000000… (5001 digits)"  # beyond Python's 4300-digit str() limit
    assert show(10**5000 - 1) == "99999999999999999999… (5000 digits)"
    assert show("x" * 300) == "'" + "x" * 39 + "…"


# ------------------------------------------------------------------------------------- size bounds
GIB = 2**30


def test_the_benchmark_district_is_allowed_and_two_billion_residents_are_not():
    """1,000,000 residents × 120 months (``experiments.benchmark``: 4,000 buildings of 120 households of
    2.1 adults ≈ 1,008,000) passes on an 8 GiB machine; 100,000 × 10,000 households (2.1e9 residents)
    is refused, naming the keys and the flag, even for one month."""
    district = from_dict({"community": {"buildings": 4000}, "steps": 120})
    residents, memory = check_size(district, memory_bytes=8 * GIB)
    assert residents == pytest.approx(1_008_000) and memory < 0.8 * 8 * GIB
    check_size(district)  # this machine
    huge = from_dict({"community": {"buildings": 100_000, "households_per_building": 10_000}, "steps": 1})
    with pytest.raises(ConfigError) as e:
        check_size(huge)
    text = str(e.value)
    assert "\n" not in text and "community.buildings × community.households_per_building" in text
    assert "allow_large=true" in text and "2,100,000,000" in text
    assert check_size(huge, allow_large=True)[0] == pytest.approx(2.1e9)


def test_memory_bound_refuses_what_the_machine_cannot_hold():
    cfg = from_dict({"community": {"buildings": 4000}, "steps": 1})  # ≈ 2.8 GB
    with pytest.raises(ConfigError, match=r"≈ 1,008,000 residents need about 2\.8 GiB, more than 1\.6 GiB"):
        check_size(cfg, memory_bytes=2 * GIB)


def test_model_refuses_before_building_anything():
    start = time.perf_counter()
    with pytest.raises(ConfigError, match="allow_large=true"):
        CommunityModel(scenario_name="top_down", **{"community.buildings": 100_000,
                                                    "community.households_per_building": 10_000})
    assert time.perf_counter() - start < 5.0  # no arrays of 2.1e9 residents were allocated


def test_bytes_per_resident_bounds_a_measured_model():
    """The constant bounds (and is within 2.5× of) the growth of peak RSS per resident over building a
    100-building model (≈ 25,000 residents) and running 2 months, after a warm-up model (Linux)."""
    code = (
        "import gc, json\n"
        "from model.community import CommunityModel\n"
        "def status(k):\n"
        "    return next(int(l.split()[1]) * 1024 for l in open('/proc/self/status') if l.startswith(k))\n"
        "CommunityModel(rng=0, **{'community.buildings': 1}).step()\n"
        "gc.collect(); r0 = status('VmRSS')\n"
        "open('/proc/self/clear_refs', 'w').write('5')\n"
        "m = CommunityModel(rng=1, **{'community.buildings': 100}); m.step(); m.step()\n"
        "print(json.dumps({'n': m.n_residents, 'bytes': status('VmHWM') - r0}))\n")
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                    timeout=120).stdout.strip().splitlines()[-1])
    per_resident = out["bytes"] / out["n"]
    assert config_mod.BYTES_PER_RESIDENT / 2.5 <= per_resident <= config_mod.BYTES_PER_RESIDENT, per_resident


def test_lab_session_size_is_bounded():
    lab.check_size(LabConfig())  # Fischbacher & Gächter (2010): 36 groups of 4, 10 rounds
    with pytest.raises(ConfigError) as e:
        lab.play(lab.config_from_dict({"groups": 1_000_000, "group_size": 1000}))
    assert str(e.value) == ("groups × group_size × rounds = 1000000 × 1000 × 10 = 10,000,000,000 player-rounds "
                            "is more than 1,000,000,000; set allow_large=true to run it on purpose")
    punished = lab.config_from_dict({"groups": 20_000, "group_size": 1000, "rounds": 1,
                                     "punishment": {"enabled": True}})
    with pytest.raises(ConfigError, match=r"20,000,000 players with punishment need about 59\d\.\d GiB"):
        lab.PublicGoodsGame(punished)
    players, memory = lab.check_size(punished, allow_large=True)
    assert players == 20_000_000 and memory == pytest.approx(20e6 * (160 + 32 * 1000), rel=0.01)


def test_a_built_config_changed_in_place_is_checked_exactly():
    cfg = from_dict({})
    cfg.projects.cost = 10**400  # an int in a float field, set after building
    with pytest.raises(ConfigError, match=r"^projects.cost = 1\d{19}… \(401 digits\) is out of range; "
                                          r"allowed: numbers 0 to 1000000000$"):
        config_mod.validate(cfg)
    cfg = from_dict({})
    cfg.steps = -(10**30)
    with pytest.raises(ConfigError,
                       match=r"^steps = -1\d{19}… \(31 digits\) is out of range; allowed: whole numbers"):
        config_mod.validate(cfg)
