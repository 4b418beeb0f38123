"""What the trainer can change on the live page: presets (data) and levers (bounded values).

A **preset** (``app/presets.yaml``) names a scenario and a community from ``scenarios/``.
The **levers** are the handful of settings a trainer talks about; each maps to dotted config
keys of the model, so a run is always ``CommunityModel(scenario_name=..., community=...,
rng=seed, **overrides)`` and nothing on the page branches on a scenario's name.

=================  =====================================  ===============================
lever              values                                 config keys it sets
=================  =====================================  ===============================
consultation       none / sham / real                     consultation.mandated, .adoption_rate, government.adoption
incentives         on / off                               incentives.mandated
sanctions          on / off (peer sanctions)              sanctions.enabled
disclosure         on / off (open ledger)                 disclosure.mandated
online             on / off (online channel)              channels.mandated, .online,
                                                          .offline (kept on when online is off)
free_rider_share   0–0.95 (share of residents)            resident.dispositions.* (the
                                                          others rescaled to sum to 1 by
                                                          model.config.apply_overrides)
buildings          1–12 (community size)                  community.buildings
owners_committee   on / off (estates only)                owners_committee.enabled, .guidance
                                                          (door-to-door guidance when on)
deliberation       on / off (estates only)                lifts.deliberation (building
                                                          deliberation of lift projects)
=================  =====================================  ===============================

A programme's lever is a rule, not a switch (``model.programmes``): "on" (or sham / real) makes the rules
require the street office to run it; "off" (none) lifts the requirement, and the office runs it only if its
KPI, budget and what it sees make it take it up (where the scenario lets it: ``government.discretion``).

The two estate levers are shown only for a community with an estate (a property company or
stairwells without a lift: ``model.estate``); elsewhere they change nothing the model reads.

Every value entering from the page passes :func:`set_lever`, :func:`parse_seed` or
:func:`clamp_speed`, which clamp a number to its range (or refuse a value of the wrong kind)
and return a one-line message for the page instead of raising.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from model.config import apply_overrides
from agents.government import SHAM_BELOW
from model.params import ConfigError, show

PRESETS_FILE = Path(__file__).resolve().parent / "presets.yaml"

CONSULTATION_MODES: tuple[str, ...] = ("none", "sham", "real")
REAL_ADOPTION = 0.6
"""Share of residents' views the 'real' consultation lever makes the rules require adopted (co-creation's)."""
SWITCHES: tuple[str, ...] = ("incentives", "sanctions", "disclosure", "online")
ESTATE_SWITCHES: tuple[str, ...] = ("owners_committee", "deliberation")
"""Switches shown only when the run has an estate."""
OWNERS_GUIDANCE = float(yaml.safe_load((Path(__file__).resolve().parents[1] / "scenarios" / "scenario"
                                         / "owners_committee.yaml").read_text(encoding="utf-8"))
                        ["owners_committee"]["guidance"])
"""Door-to-door guidance of owners' elections the owners'-committee lever brings: the owners_committee
scenario's, read from its file (one place sets it)."""

FREE_RIDER_SHARE_RANGE = (0.0, 0.95)
"""Share of residents who are free riders by disposition (the rest keep their proportions)."""
BUILDINGS_RANGE = (1, 12)
"""Community size in buildings (12 buildings of the ageing community are ~2,600 adults)."""
SEED_RANGE = (0, 2**32 - 1)
SPEED_RANGE = (1, 30)
"""Steps (months) per second while playing."""
DEFAULT_SPEED = 10

LABELS = {
    "consultation": "Consultation",
    "incentives": "Incentives (community coins)",
    "sanctions": "Peer sanctions",
    "disclosure": "Disclosure (open ledger)",
    "online": "Online channel",
    "free_rider_share": "Share of free riders",
    "buildings": "Community size (buildings)",
    "owners_committee": "Owners' committee (elections guided)",
    "deliberation": "Building deliberation of lifts",
}


@dataclass(frozen=True)
class Preset:
    """A starting point for a demonstration (one entry of ``app/presets.yaml``)."""

    key: str
    label: str
    scenario: str
    community: str
    story: str = ""
    alternatives: tuple[str, ...] = ()
    overrides: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def scenarios(self) -> tuple[str, ...]:
        """The preset's scenario first, then the alternatives offered for comparison."""
        return (self.scenario, *self.alternatives)


@dataclass(frozen=True)
class Levers:
    """The values of the page's levers (see the module docstring for their config keys)."""

    consultation: str = "none"
    incentives: bool = False
    sanctions: bool = False
    disclosure: bool = False
    online: bool = False
    free_rider_share: float = 0.3
    buildings: int = 3
    owners_committee: bool = False
    deliberation: bool = False


@functools.lru_cache(maxsize=4)
def load_presets(path: Path = PRESETS_FILE) -> tuple[dict[str, Preset], str]:
    """Read the presets file: ``({key: Preset}, default key)``.

    Raises:
        ConfigError: a malformed entry, or a scenario or community not in ``scenarios/``.
    """
    import scenarios

    data = _read_yaml(path)
    allowed = {f.name for f in dataclasses.fields(Preset)}
    presets: dict[str, Preset] = {}
    entries = data.get("presets") or []
    if not isinstance(entries, list):
        raise ConfigError(f"{path.name}: presets must be a list of presets, got {type(entries).__name__}")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ConfigError(f"{path.name}: preset {i} must be a mapping of fields, got {show(entry)}")
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise ConfigError(f"{path.name}: preset {i} has unknown field {unknown[0]}; "
                              f"allowed: {', '.join(sorted(allowed))}")
        missing = [k for k in ("key", "label", "scenario", "community") if k not in entry]
        if missing:
            raise ConfigError(f"{path.name}: preset {i} lacks {missing[0]}")
        for name in ("key", "label", "scenario", "community", "story"):
            if name in entry and not isinstance(entry[name], str):
                raise ConfigError(f"{path.name}: preset {i} {name} = {show(entry[name])} must be text")
        alternatives, overrides = entry.get("alternatives") or [], entry.get("overrides") or {}
        if not isinstance(alternatives, list) or not all(isinstance(a, str) for a in alternatives):
            raise ConfigError(f"{path.name}: preset {i} alternatives = {show(alternatives)} must be a list of "
                              "scenario names")
        if not isinstance(overrides, dict):
            raise ConfigError(f"{path.name}: preset {i} overrides = {show(overrides)} must be a mapping of config "
                              "keys to values")
        preset = Preset(**{**entry, "alternatives": tuple(entry.get("alternatives") or ()),
                           "overrides": dict(entry.get("overrides") or {}),
                           "story": " ".join(str(entry.get("story", "")).split())})
        for name in preset.scenarios:
            scenarios.check_name("scenario", name)
        scenarios.check_name("community", preset.community)
        presets[preset.key] = preset
    if not presets:
        raise ConfigError(f"{path.name} lists no presets")
    default = data.get("default") or next(iter(presets))
    if default not in presets:
        raise ConfigError(f"{path.name}: default = {default!r} is not a preset; allowed: {', '.join(presets)}")
    return presets, default


def _read_yaml(path: Path) -> dict:
    """The mapping in a YAML file, or one ConfigError line (unreadable, not YAML with where, not a mapping)."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as e:
        raise ConfigError(f"{path.name} cannot be read: {e.strerror}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError(f"{path.name} is not valid YAML{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name} must be a mapping with a presets list, got {show(data)}")
    return data


@functools.lru_cache(maxsize=32)
def _composed(scenario: str, community: str) -> dict:
    import scenarios

    return scenarios.compose_dict(scenario, community)


def base_config(preset: Preset, scenario: str | None = None) -> dict:
    """The composed config (nested dict) of a preset's scenario and community, with its overrides."""
    from model.config import set_dotted

    data = copy.deepcopy(_composed(scenario or preset.scenario, preset.community))
    for key, value in preset.overrides.items():
        set_dotted(data, key, value)
    return data


def levers_from_config(cfg: dict) -> Levers:
    """The lever positions a composed config corresponds to."""
    c = cfg["consultation"]
    if not c["mandated"]:
        consultation = "none"
    else:
        real = max(c["adoption_rate"], cfg["government"]["adoption"]) >= SHAM_BELOW
        consultation = "real" if real else "sham"
    channels = cfg["channels"]
    return Levers(
        consultation=consultation,
        incentives=bool(cfg["incentives"]["mandated"]),
        sanctions=bool(cfg["sanctions"]["enabled"]),
        disclosure=bool(cfg["disclosure"]["mandated"]),
        online=bool(channels["mandated"] and channels["online"]),
        free_rider_share=float(cfg["resident"]["dispositions"]["free_rider"]),
        buildings=int(cfg["community"]["buildings"]),
        owners_committee=bool(cfg["owners_committee"]["enabled"]),
        deliberation=bool(cfg["lifts"]["deliberation"]),
    )


def overrides(levers: Levers, cfg: dict) -> dict[str, Any]:
    """Dotted config overrides that put the levers' values on top of a composed config."""
    out: dict[str, Any] = {
        "consultation.mandated": levers.consultation != "none",
        "incentives.mandated": levers.incentives,
        "sanctions.enabled": levers.sanctions,
        "disclosure.mandated": levers.disclosure,
        "community.buildings": int(levers.buildings),
        "owners_committee.enabled": levers.owners_committee,
        "lifts.deliberation": levers.deliberation,
    }
    if levers.consultation == "sham":  # meetings required; the plan drafted in advance, nothing adopted
        out.update({"consultation.adoption_rate": 0.0, "government.adoption": 0.0})
    elif levers.consultation == "real" and levers_from_config(cfg).consultation != "real":
        out["consultation.adoption_rate"] = REAL_ADOPTION
    oc = cfg["owners_committee"]
    if levers.owners_committee and not oc["enabled"] and oc["guidance"] < OWNERS_GUIDANCE:
        out["owners_committee.guidance"] = OWNERS_GUIDANCE  # unguided, owners rarely reach the quorum
    channels = cfg["channels"]
    if levers.online:
        out.update({"channels.mandated": True, "channels.online": True})
    elif channels["mandated"]:
        # Online off means meetings only: keep the offline channel so someone can take part.
        out.update({"channels.mandated": False, "channels.online": False, "channels.offline": True})
    # Only what differs from the config: levers left as the scenario set them change nothing,
    # so the run is exactly CommunityModel(scenario_name=..., community=..., rng=seed).
    out = {k: v for k, v in out.items() if _get(cfg, k) != v}
    if abs(levers.free_rider_share - cfg["resident"]["dispositions"]["free_rider"]) > 1e-9:
        # Every share, the others rescaled as the model's config API does it, so the model rescales nothing.
        shares = apply_overrides(cfg, {"resident.dispositions.free_rider": levers.free_rider_share})
        out.update({f"resident.dispositions.{k}": v for k, v in shares["resident"]["dispositions"].items()})
    return out


def _get(cfg: dict, key: str) -> Any:
    node: Any = cfg
    for part in key.split("."):
        node = node[part]
    return node


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    try:
        x = float(raw)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int too large for a float
        return None
    return x if math.isfinite(x) else None


def _clamp(label: str, x: float, lo: float, hi: float, fmt) -> tuple[float, str | None]:
    if x < lo or x > hi:
        y = min(max(x, lo), hi)
        return y, f"{label}: {fmt(x)} is outside {fmt(lo)}–{fmt(hi)}; set to {fmt(y)}."
    return x, None


def set_lever(levers: Levers, name: str, raw: Any) -> tuple[Levers, str | None]:
    """Levers with ``name`` set to ``raw``, clamped to its range, and a message if it was not taken as is.

    A value of the wrong kind is refused (levers unchanged, with a message); a number out of
    range is clamped (with a message). Never raises for a value; an unknown lever name is a
    programming error (``KeyError``).
    """
    if name not in LABELS:
        raise KeyError(name)
    label, current = LABELS[name], getattr(levers, name)
    if name == "consultation":
        if raw not in CONSULTATION_MODES:
            return levers, (f"{label}: {show(raw)} is not allowed; choose {', '.join(CONSULTATION_MODES)} "
                            f"(kept {current}).")
        return dataclasses.replace(levers, consultation=raw), None
    if name in SWITCHES or name in ESTATE_SWITCHES:
        if not isinstance(raw, bool):
            return levers, f"{label}: {show(raw)} is not on or off (kept {'on' if current else 'off'})."
        return dataclasses.replace(levers, **{name: raw}), None
    x = _number(raw)
    if name == "free_rider_share":
        if x is None:
            return levers, f"{label}: {show(raw)} is not a number (kept {current:.0%})."
        y, msg = _clamp(label, x, *FREE_RIDER_SHARE_RANGE, fmt=lambda v: f"{v:.0%}")
        return dataclasses.replace(levers, free_rider_share=round(y, 4)), msg
    # buildings
    if x is None or x != int(x):
        return levers, f"{label}: {show(raw)} is not a whole number (kept {current})."
    y, msg = _clamp(label, x, *BUILDINGS_RANGE, fmt=lambda v: f"{v:g}")
    return dataclasses.replace(levers, buildings=int(y)), msg


def parse_seed(raw: Any, current: int) -> tuple[int | None, str | None]:
    """A seed from user input: a whole number in ``SEED_RANGE`` (clamped, with a message).

    Returns ``(None, message)`` when the input is refused (not a whole number; ``current``
    is named in the message as the seed kept).
    """
    text = raw.strip() if isinstance(raw, str) else show(raw)
    try:
        x = raw if isinstance(raw, int) and not isinstance(raw, bool) else int(text)
    except ValueError:  # not digits, or more than Python's 4300
        x = None
    if x is None:
        y = _number(text)
        if y is None or y != int(y):
            return None, f"Seed: {show(text)} is not a whole number (kept {current})."
        x = int(y)
    lo, hi = SEED_RANGE
    if x < lo or x > hi:
        y = min(max(x, lo), hi)
        return y, f"Seed: {show(x)} is outside {lo}–{hi}; set to {y}."
    return x, None


def clamp_speed(raw: Any) -> tuple[int, str | None]:
    """Steps per second, a whole number in ``SPEED_RANGE``."""
    x = _number(raw)
    if x is None:
        return DEFAULT_SPEED, f"Speed: {show(raw)} is not a number; set to {DEFAULT_SPEED} steps per second."
    y, msg = _clamp("Speed", round(x), *SPEED_RANGE, fmt=lambda v: f"{v:g}")
    return int(y), msg


def describe(levers: Levers, estate: bool = False) -> str:
    """One line naming every lever's value, for the run's caption (the estate's levers when ``estate``)."""
    def onoff(b: bool) -> str:
        return "on" if b else "off"

    return (f"consultation {levers.consultation} · incentives {onoff(levers.incentives)} · "
            f"peer sanctions {onoff(levers.sanctions)} · open ledger {onoff(levers.disclosure)} · "
            f"online {onoff(levers.online)} · free riders {levers.free_rider_share:.0%} · "
            f"{levers.buildings} building{'s' if levers.buildings != 1 else ''}"
            + (f" · owners' committee {onoff(levers.owners_committee)} · building deliberation "
               f"{onoff(levers.deliberation)}" if estate else ""))
