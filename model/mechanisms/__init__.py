"""Participation mechanisms: pluggable units, each switched on and parameterised by config.

A mechanism is a subclass of :class:`model.mechanisms.base.Mechanism` in its own module in
this package. It declares

- ``name``: its config section (``consultation`` → ``consultation.adoption_rate`` etc.),
- ``Params``: a dataclass of its parameters (always with ``enabled``),
- ``order``: where it runs relative to other mechanisms within a phase,

and overrides the phase hooks it acts in. Modules here are discovered automatically, so
adding a mechanism means adding one module and one YAML block in a scenario file.
"""

from __future__ import annotations

import importlib
import pkgutil

from model.mechanisms.base import Mechanism

MECHANISMS: dict[str, type[Mechanism]] = {}
"""Registry: config section name → mechanism class, in the order they run."""


def _discover() -> None:
    found: list[type[Mechanism]] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Mechanism) and obj is not Mechanism and obj.__module__ == module.__name__:
                found.append(obj)
    for cls in sorted(found, key=lambda c: (c.order, c.name)):
        if cls.name in MECHANISMS:
            raise RuntimeError(f"two mechanisms are named {cls.name!r}")
        MECHANISMS[cls.name] = cls


_discover()

__all__ = ["MECHANISMS", "Mechanism"]
