"""The scenario catalogue: Hydra config tree and the function that composes it from names.

Layout (a Hydra config directory; YAML only, except this module)::

    config.yaml            defaults: the schema, a community, a scenario; run keys
    community/<name>.yaml  who lives here (``community`` and ``resident`` sections)
    scenario/<name>.yaml   which mechanisms are on, with their parameters
    lab/config.yaml        the laboratory public-goods game (``experiments.lab``; its own schema)
    hydra/launcher/*.yaml  launchers for sweeps

Both entry points compose the same way: ``experiments.run`` through ``@hydra.main`` and the
Python API (``CommunityModel(scenario_name=..., community=...)``) through :func:`compose_dict`,
which uses Hydra's compose API on this directory. The model core never imports this package: it
finds :func:`compose_dict` through the entry point ``cogov.catalogue`` (``pyproject.toml``), so
the core sits below the catalogue and a name is looked up only when a model is built from one. The schema
(:class:`model.config.ModelConfig`) is registered in Hydra's ConfigStore as ``cogov_schema``
so every key has its default and command-line overrides are type-checked. Overrides then pass
:func:`model.config.apply_overrides` (:func:`apply_command_line`), as the Python API's do: a
share set alone rescales the others of its group, a parameter of a mechanism that is off warns.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from hydra.core.config_store import ConfigStore

from model.config import ModelConfig, apply_overrides, get_dotted
from model.params import ConfigError, show

CONFIG_DIR = Path(__file__).resolve().parent
GROUPS = ("scenario", "community")

RUN_KEYS = ("seeds", "objective")
"""Keys of ``config.yaml`` that configure ``experiments.run``, not the model: :func:`compose_dict` drops them."""


@dataclasses.dataclass
class RunConfig(ModelConfig):  # type: ignore[misc, valid-type]
    """The model's schema plus the run keys of ``experiments.run`` (see :mod:`experiments.objective`)."""

    seeds: Optional[list[int]] = None  # seeds the objective averages over (null: [seed])
    objective: Any = None  # an option of the config group ``objective``: metric, target


ConfigStore.instance().store(name="cogov_schema", node=RunConfig)


def available(group: str) -> list[str]:
    """Names of the options in a config group (``scenario``, ``community``, ``lab``)."""
    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))


def default_choice(group: str) -> str:
    """The option ``config.yaml`` selects for a group when none is given."""
    import yaml

    with open(CONFIG_DIR / "config.yaml", encoding="utf-8") as fh:
        for entry in yaml.safe_load(fh)["defaults"]:
            if isinstance(entry, dict) and group in entry:
                return entry[group]
    raise ConfigError(f"config.yaml selects no default {group}")


NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What the name of a scenario or community file may be: output directories are named after it."""


def check_name(group: str, name: str) -> None:
    """Raise a one-line ConfigError if ``name`` is not an option of ``group`` or not a safe name
    (:data:`NAME_PATTERN`: it becomes part of output paths)."""
    options = [n for n in available(group) if NAME_PATTERN.fullmatch(n)]
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name) or name not in options:
        raise ConfigError(f"{group} = {show(name)} is unknown; allowed: {', '.join(options)}")


def compose_dict(scenario_name: str | None = None, community: str | None = None,
                 overrides: Sequence | None = None) -> dict:
    """Compose ``config.yaml`` with the given scenario and community (and Hydra-syntax overrides,
    e.g. ``["resident.dispositions.free_rider=0.6"]``, or the same already parsed by Hydra's parser,
    applied as :func:`apply_command_line` says).

    ``None`` selects the default of ``config.yaml``.

    Returns the model config as a plain nested dict (Hydra's own ``hydra`` node and the run keys
    :data:`RUN_KEYS` excluded).

    Raises:
        ConfigError: an unknown scenario or community (one line, with the allowed names); shares
            set together above 1 or a negative share.
    """
    scenario_name = scenario_name or default_choice("scenario")
    community = community or default_choice("community")
    check_name("scenario", scenario_name)
    check_name("community", community)
    overrides = parsed(overrides or [])
    data = compose(CONFIG_DIR, [f"scenario={scenario_name}", f"community={community}",
                                *(o.input_line for o in overrides)])
    for key in RUN_KEYS:
        data.pop(key, None)  # type: ignore[union-attr]
    return apply_command_line(data, overrides)  # type: ignore[arg-type]


def compose(config_dir: Path, overrides: Sequence[str]) -> dict:
    """``config.yaml`` of a Hydra config directory composed with Hydra-syntax overrides, as a plain dict
    (from inside a running Hydra app too: its global state is put back)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    gh = GlobalHydra.instance()
    outer = gh.hydra if gh.is_initialized() else None  # called from inside a Hydra app
    gh.clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir), version_base="1.3"):
            cfg = hydra_compose(config_name="config", overrides=list(overrides))
    finally:
        GlobalHydra.instance().clear()
        if outer is not None:
            GlobalHydra.instance().initialize(outer)
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]


def parsed(overrides: Sequence) -> list:
    """Overrides as Hydra's parsed ``Override`` objects: those given as text parsed (once) here."""
    text = [o for o in overrides if isinstance(o, str)]
    if not text:
        return list(overrides)
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = iter(OverridesParser.create().parse_overrides(text))
    return [next(parsed) if isinstance(o, str) else o for o in overrides]


def apply_command_line(data: dict, overrides: Sequence) -> dict:
    """A config dict Hydra composed with the command-line ``overrides``, finished as the Python
    API's overrides are (:func:`model.config.apply_overrides`): a share set alone rescales the
    others of its group, and a parameter of a mechanism that is off warns.

    Hydra has already set (and type-checked) every value: this takes the keys the overrides name
    from the command line and their values from ``data``. Group choices (``scenario=…``),
    ``hydra.*`` keys, the run keys (:data:`RUN_KEYS`) and deletions (``~key``) are not config values and pass untouched.
    ``overrides``: text, or Hydra's parsed ``Override`` objects.
    """
    from hydra.core.override_parser.types import OverrideType

    chosen = {}
    for o in parsed(overrides):
        key = o.key_or_group
        if o.type == OverrideType.DEL or key.split(".")[0] in ("hydra", *RUN_KEYS) or o.is_sweep_override():
            continue
        value = get_dotted(data, key, _MISSING)
        if value is not _MISSING:
            chosen[key] = _leaves(value, o.value()) if isinstance(value, dict) else value
    return apply_overrides(data, chosen) if chosen else data


_MISSING = object()


def model_data(data: dict) -> dict:
    """A composed config dict without the keys that are not the model's (``hydra``, the run keys
    :data:`RUN_KEYS`)."""
    return {k: v for k, v in data.items() if k != "hydra" and k not in RUN_KEYS}


def _leaves(composed: dict, given) -> dict:
    """The part of a composed section that a mapping on the command line named (``key={a: 1}``)."""
    if not isinstance(given, dict):
        return composed
    return {k: _leaves(composed[k], v) if isinstance(composed.get(k), dict) else composed[k]
            for k in given if k in composed}
