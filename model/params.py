"""Building blocks of the configuration schema: documented parameters and validation.

Every parameter of cogov is a dataclass field declared with :func:`param`, which records
its meaning, unit, allowed range or choices, and the source of its default value. The
validation walker (:func:`validate`) and the ODD parameter tables
(``python -m experiments.odd_tables``) both read these records, so the documentation
cannot drift from the code.

This module imports nothing else from cogov.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ASSUMPTION = "assumption"

AGE_GROUPS: tuple[str, ...] = ("youth", "middle", "elderly")
"""Adult age groups: youth 18–34, middle 35–59, elderly 60+."""

DOMAINS: tuple[str, ...] = ("environment", "elderly_care", "children", "safety_parking")
"""Project domains residents have needs over."""

DISPOSITIONS: tuple[str, ...] = (
    "conditional_cooperator",
    "free_rider",
    "unconditional_cooperator",
    "hump_shaped",
)
"""Cooperative dispositions (Fischbacher, Gächter & Fehr 2001)."""

KPI_TERMS: tuple[str, ...] = ("projects_completed", "satisfaction", "participation", "complaints")
"""What the street office can be judged on (its KPI's terms)."""


SHARE_TOLERANCE = 1e-6
"""How far the shares of a ``@shares_sum_to_one`` group may sum from 1."""



CALIBRATED = "assumption, calibrated to the patterns of experiments.patterns (python -m experiments.calibrate)"
"""The source of a value chosen so that the calibration patterns hold together."""

class ConfigError(ValueError):
    """A configuration value is invalid. The message is one line naming the key."""


class InactiveParameterWarning(UserWarning):
    """An override sets a parameter of a mechanism that is switched off: the value has no effect."""


def plain(value: Any) -> Any:
    """``value`` with numpy scalars (and 0-d arrays) as the Python values they hold, also inside
    lists, tuples and dicts: ``np.int64(3)`` → ``3``, ``np.float64`` → float, ``np.bool_`` →
    bool, ``np.str_`` → str. Configs built from either are equal, hash and serialise the same."""
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return value.item()
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def param(
    default: Any,
    doc: str,
    *,
    unit: str = "",
    range: tuple[float | None, float | None] | None = None,  # noqa: A002 - domain word
    choices: tuple[str, ...] | None = None,
    source: str = ASSUMPTION,
) -> Any:
    """Declare a documented config field.

    Args:
        default: default value; dataclass instances and containers are copied per instance.
        doc: what the parameter means, in the domain's words.
        unit: unit of measurement ("" for dimensionless, "share" for 0–1 fractions).
        range: inclusive (low, high) bounds; None on a side means unbounded.
        choices: the allowed values of a string parameter.
        source: where the default comes from (a citation, a seed file, or "assumption").
    """
    meta = {"doc": doc, "unit": unit, "range": range, "choices": choices, "source": source}
    if dataclasses.is_dataclass(default) or isinstance(default, (dict, list)):
        return field(default_factory=lambda d=default: copy.deepcopy(d), metadata=meta)
    return field(default=default, metadata=meta)


def share(default: float, doc: str, *, source: str = ASSUMPTION) -> Any:
    """A fraction in [0, 1]."""
    return param(default, doc, unit="share", range=(0.0, 1.0), source=source)


@dataclass
class Dist:
    """A trait distributed over residents: a Beta distribution on [0, 1] given by mean and sd."""

    mean: float = param(0.5, "mean of the distribution", range=(0.0, 1.0))
    sd: float = param(0.15, "standard deviation (0 gives every resident the mean)", range=(0.0, 0.5))


@dataclass
class ByAge:
    """One value per adult age group."""

    youth: float = param(0.0, "value for residents aged 18–34")
    middle: float = param(0.0, "value for residents aged 35–59")
    elderly: float = param(0.0, "value for residents aged 60+")

    def as_tuple(self) -> tuple[float, float, float]:
        return tuple(getattr(self, a) for a in AGE_GROUPS)  # type: ignore[return-value]


@dataclass
class ByDomain:
    """One weight per project domain (relative: users normalise over the domains)."""

    environment: float = param(0.25, "greening, sanitation, public space", range=(0.0, 1.0))
    elderly_care: float = param(0.25, "day care, canteens, home visits", range=(0.0, 1.0))
    children: float = param(0.25, "play areas, after-school care", range=(0.0, 1.0))
    safety_parking: float = param(0.25, "lighting, security, parking order", range=(0.0, 1.0))

    def as_tuple(self) -> tuple[float, float, float, float]:
        return tuple(getattr(self, d) for d in DOMAINS)  # type: ignore[return-value]


@dataclass
class ByKpi:
    """One value (0–1) per KPI term of the street office."""

    projects_completed: float = param(0.0, "projects completed (visible works)", range=(0.0, 1.0))
    satisfaction: float = param(0.0, "residents' satisfaction", range=(0.0, 1.0))
    participation: float = param(0.0, "residents' participation", range=(0.0, 1.0))
    complaints: float = param(0.0, "(few) complaints and petitions", range=(0.0, 1.0))

    def as_tuple(self) -> tuple[float, float, float, float]:
        return tuple(getattr(self, k) for k in KPI_TERMS)  # type: ignore[return-value]


SHARE_GROUPS: set[str] = set()
"""Qualified names of dataclasses whose float fields are shares that must sum to 1."""


def shares_sum_to_one(cls: type) -> type:
    """Class decorator: the float fields of this dataclass are shares summing to 1."""
    SHARE_GROUPS.add(cls.__qualname__)
    return cls


@functools.lru_cache(maxsize=8)
def share_groups(root: type) -> dict[str, tuple[str, ...]]:
    """The ``@shares_sum_to_one`` sections of a schema: dotted path → names of their shares,
    e.g. ``{"resident.dispositions": ("conditional_cooperator", "free_rider", ...)}``."""
    out: dict[str, tuple[str, ...]] = {}

    def walk(obj: Any, path: str) -> None:
        if type(obj).__qualname__ in SHARE_GROUPS:
            out[path] = tuple(f.name for f in dataclasses.fields(obj))
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                walk(value, f"{path}.{f.name}" if path else f.name)

    walk(root(), "")
    return out


LONG_NUMBER_DIGITS = 20
"""An integer with more digits than this is shown in messages as its first digits, "…" and its length."""

LONG_TEXT_CHARS = 40
"""A value whose ``repr`` is longer than this is shown in messages cut to this length and "…"."""


def show(value: Any) -> str:
    """``value`` for a one-line message, exactly and briefly: integers in full digits (an absurdly long
    one as its first :data:`LONG_NUMBER_DIGITS` digits, "…" and its digit count), floats as the
    shortest text that reads back to the same float (a whole float below 1e16 without ".0"), and
    anything else as its ``repr`` cut to :data:`LONG_TEXT_CHARS` characters. Never ``float()`` of an int."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        sign, digits = ("-" if value < 0 else ""), _digits(abs(value))
        if len(digits) > LONG_NUMBER_DIGITS:
            return f"{sign}{digits[:LONG_NUMBER_DIGITS]}… ({len(digits)} digits)"
        return sign + digits
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    text = repr(value)
    return text if len(text) <= LONG_TEXT_CHARS else text[:LONG_TEXT_CHARS] + "…"


def _digits(n: int) -> str:
    """Decimal digits of a non-negative int, even beyond Python's 4300-digit ``str(int)`` limit."""
    try:
        return str(n)
    except ValueError:  # more than sys.get_int_max_str_digits() digits
        length = int(n.bit_length() * math.log10(2)) + 1  # the digit count, exact or one too many
        if length > 1 and n < 10 ** (length - 1):
            length -= 1
        head = n // 10 ** (length - LONG_NUMBER_DIGITS)
        return str(head) + "0" * (length - LONG_NUMBER_DIGITS)  # only the head and the length are shown


def allowed(meta: dict, kind: type | None = None) -> str:
    """What a parameter allows, for a message: ``"0 to 9223372036854775807"``, ``"whole numbers 1 to
    100000"``, ``"numbers 0 or more"``, ``"partner, stranger"``. Bounds are exact (see :func:`show`)."""
    choices = meta.get("choices")
    if choices is not None:
        return ", ".join(map(str, choices))
    if kind is bool:
        return "true or false"
    if kind is str:
        return "text"
    noun = "whole numbers" if kind is int else "numbers"
    lo, hi = (meta.get("range") or (None, None))
    if lo is not None and hi is not None:
        return f"{noun} {show(lo)} to {show(hi)}"
    if lo is not None:
        return f"{noun} {show(lo)} or more"
    if hi is not None:
        return f"{noun} up to {show(hi)}"
    return f"finite {noun}"


def check_number(key: str, value: Any, meta: dict, kind: type | None = None) -> None:
    """Refuse a number outside ``meta['range']`` or not finite, with one line naming ``key``.

    Comparisons are exact for ints of any size (Python compares int with float exactly), and a
    float key refuses an int too large for a float. Not a number (or a bool): nothing to check here.

    Raises:
        ConfigError: ``seed = 99999999999999999999… (400 digits) is out of range; allowed: whole
            numbers 0 to 9223372036854775807``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    kind = kind or type(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{key} = {show(value)} is not a finite number; allowed: {allowed(meta, kind)}")
    lo, hi = (meta.get("range") or (None, None))
    too_big_for_float = isinstance(value, int) and kind is float and abs(value) > FLOAT_MAX
    if (lo is not None and value < lo) or (hi is not None and value > hi) or too_big_for_float:
        raise ConfigError(f"{key} = {show(value)} is out of range; allowed: {allowed(meta, kind)}")


FLOAT_MAX = 1.7976931348623157e308
"""The largest finite float: an int above it cannot be a float key's value."""


def _check_value(path: str, value: Any, meta: dict, kind: type | None) -> None:
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        raise ConfigError(f"{path} = {show(value)} is not allowed; allowed: {allowed(meta)}")
    check_number(path, value, meta, kind)


def _merged(meta: dict, inherited: dict | None) -> dict:
    """A leaf's metadata, taking range, unit and source from its container where it has none."""
    out = dict(meta)
    for k in ("range", "unit", "source", "choices"):
        if inherited and inherited.get(k) and (not out.get(k) or out.get(k) == ASSUMPTION):
            out[k] = inherited[k]
    return out


def validate(obj: Any, path: str = "", inherited: dict | None = None) -> None:
    """Check every field of a config dataclass tree against its declared range and choices.

    A container field (e.g. a ``ByAge``) passes its range down to leaves that declare none.

    Raises:
        ConfigError: one line naming the dotted key, the value and what is allowed.
    """
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{path}.{f.name}" if path else f.name
        meta = _merged(dict(f.metadata), inherited)
        if dataclasses.is_dataclass(value):
            validate(value, key, meta)
        else:
            number = f.default if isinstance(f.default, int | float) and not isinstance(f.default, bool) else None
            _check_value(key, value, meta, None if number is None else type(number))
    if type(obj).__qualname__ in SHARE_GROUPS:
        values = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
        total = sum(values.values())
        if abs(total - 1.0) > SHARE_TOLERANCE:
            parts = " + ".join(f"{k}={show(v)}" for k, v in values.items())
            raise ConfigError(f"{path} shares must sum to 1 ({parts} = {show(total)})")


def iter_params(cls_or_obj: Any, path: str = "", inherited: dict | None = None, docs: tuple = ()):
    """Yield (dotted key, metadata, value) for every leaf parameter of a schema.

    The metadata's ``doc`` is the chain of container docs and the leaf's own doc.
    """
    obj = cls_or_obj() if isinstance(cls_or_obj, type) else cls_or_obj
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{path}.{f.name}" if path else f.name
        meta = _merged(dict(f.metadata), inherited)
        chain = docs + ((meta.get("doc") or ""),)
        if dataclasses.is_dataclass(value):
            yield from iter_params(value, key, meta, chain)
        else:
            yield key, {**meta, "doc": ": ".join(d for d in chain if d)}, value
