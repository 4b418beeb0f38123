"""Shared command-line plumbing for Hydra entry points: early, one-line config errors.

Hydra reports an unknown config option or a bad override with a multi-line message and exit
code 1 after creating an output directory. Our entry points check the command line first
(:func:`precheck`) and, inside the job, validate the composed config
(:func:`model_config`), so bad input ends the run before it starts with one line naming the
key and what is allowed, and exit code 2. A warning about the config (a parameter of a mechanism
that is off) prints as one line, ``warning: <message>``, without Python's source line.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import warnings

from model.params import ConfigError, InactiveParameterWarning

EXIT_CONFIG = 2

_format_warning = warnings.formatwarning


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    if issubclass(category, InactiveParameterWarning):
        return f"warning: {message}\n"
    return _format_warning(message, category, filename, lineno, line)


warnings.formatwarning = _one_line_warning


def fail(message: str) -> None:
    """Print a one-line error and exit with code 2."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_CONFIG)


def _overrides(argv: list[str]) -> list[str]:
    return [a for a in argv if not a.startswith("-") and "=" in a]


def precheck(argv: list[str], groups: dict[str, str], schema: type | None = None) -> None:
    """Check group choices (e.g. ``scenario=…``) on the command line against the config tree, and,
    with a ``schema``, every single value of a dotted key against it (:func:`model.config.check_key`:
    ``steps=3.5`` is one line with the key and what is allowed, before Hydra's own type errors).

    Args:
        argv: the command-line arguments (without the program name).
        groups: config group name → default option, for the groups to check.
        schema: the config dataclass the keys belong to (``ModelConfig``, the lab's ``LabConfig``).
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    import scenarios

    try:
        parsed = OverridesParser.create().parse_overrides(_overrides(argv))
    except Exception as exc:  # Hydra's own parse error: keep its first line
        fail(str(exc).strip().splitlines()[0])
    for o in parsed:
        group = o.key_or_group.lstrip("+~")
        if schema is not None and group not in groups:
            _check_value(o, group, schema)
        if group not in groups:
            continue
        values = list(o.sweep_string_iterator()) if o.is_sweep_override() else [o.value()]
        for v in values:
            try:
                scenarios.check_name(group, str(v))
            except ConfigError as exc:
                fail(str(exc))


def _check_value(o, key: str, schema: type) -> None:
    """One override's value checked against ``schema`` (exit 2 with one line), when it is a plain value
    of a key of the schema: not a sweep, a group choice, a ``hydra``/run key, a deletion or interpolation."""
    import scenarios
    from model import config as config_mod

    value = None if o.is_sweep_override() else o.value()
    if (value is None or "/" in key or key.split(".")[0] in ("hydra", *scenarios.RUN_KEYS)
            or o.key_or_group.startswith("~") or (isinstance(value, str) and "${" in value)):
        return
    try:
        with warnings.catch_warnings():  # whether a mechanism is on depends on the scenario: said later
            warnings.simplefilter("ignore")
            config_mod.build_section(schema, config_mod.apply_overrides({}, {key: value}, schema))
    except ConfigError as exc:
        fail(str(exc))


def is_multirun(argv: list[str]) -> bool:
    return any(a in ("-m", "--multirun") for a in argv)


def check_yaml(group: str, name: str) -> None:
    """Exit 2 with one line (file, line, column, problem) if the option's YAML file does not parse."""
    import yaml

    import scenarios

    path = scenarios.CONFIG_DIR / group / f"{name}.yaml"
    try:
        yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return  # an unknown name: scenarios.check_name reports it
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        fail(f"{group}={name}: {path} is not valid YAML: {where}{problem}")


def precompose(argv: list[str]):
    """For a single (non-multirun) job: compose and validate the config before Hydra starts; return
    its ModelConfig (None for a multirun)."""
    import scenarios

    if is_multirun(argv) or any(a.startswith("--") for a in argv):
        return None
    overrides = _overrides(argv)
    choice = {"scenario": None, "community": None}
    rest = []
    for o in overrides:
        key, _, value = o.partition("=")
        if key in choice:
            choice[key] = value
        elif not key.startswith("hydra"):
            rest.append(o)
    for group, name in choice.items():
        check_yaml(group, name or scenarios.default_choice(group))
    try:
        data = scenarios.compose_dict(choice["scenario"], choice["community"], rest)
    except ConfigError as exc:
        fail(str(exc))
    except Exception as exc:  # composition/type errors from Hydra/OmegaConf
        fail(_first_line(exc))
    return model_config(data)


MAX_SWEEP_RUNS = 10_000
"""Default bound on the runs of one sweep (``allow_large=true`` goes beyond): 10,000 runs of the default
community (10,160 residents, 120 months, ~2.5 s a run on one core) take about 7 core-hours."""

SAMPLE_VALUES = 16
"""Values of a swept key :func:`precheck_sweep` checks at most: beyond, the extremes and an even sample."""


def _sample(values: list) -> list:
    """The distinct values of a swept key to check: all of them up to :data:`SAMPLE_VALUES`, else the
    first, the last, the smallest and the largest (numbers) and an evenly spaced sample."""
    distinct = list(dict.fromkeys(map(repr, values)))
    by_repr = {repr(v): v for v in values}
    if len(distinct) <= SAMPLE_VALUES:
        return [by_repr[r] for r in distinct]
    picked = [values[0], values[-1]]
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if numbers:
        picked += [min(numbers), max(numbers)]
    step = len(values) / SAMPLE_VALUES
    picked += [values[int(i * step)] for i in range(SAMPLE_VALUES)]
    return list({repr(v): v for v in picked}.values())


def _allow_large(parsed) -> bool:
    for o in parsed:
        if o.key_or_group.lstrip("+~") == "allow_large" and not o.is_sweep_override():
            return str(o.value()).lower() in ("true", "1", "yes")
    return False


def precheck_sweep(argv: list[str], max_runs: int = MAX_SWEEP_RUNS) -> list[str]:
    """For a multirun (``-m``): check every swept value before Hydra launches anything, or exit 2
    with one line naming the key (the file and line for a YAML error) and what is allowed.

    Checks, in this order: ``-m`` comes before the overrides (argparse's rule); every config group
    choice (``scenario``, ``community``, ``hydra/launcher``, ``hydra/sweeper``, …) is an option of its
    group and its YAML file parses; the number of runs (the grid's size) is at most ``max_runs`` unless
    ``allow_large=true``; the config composes for each distinct scenario and community (the other keys
    at their first values) and validates; and each distinct value of each swept model key
    (:func:`_sample`: at most :data:`SAMPLE_VALUES` of them, always the extremes), set on that config,
    validates. Composing every combination is what makes Hydra slow to start a large sweep: this
    composes once per distinct group choice. A value that fails only in combination with another key's
    value stays a recorded failed run of the sweep.

    Returns:
        ``argv`` without ``allow_large=…`` when the config has no such key (it is this check's flag).
    """
    import warnings as _warnings

    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser

    import scenarios
    from experiments import sweep
    from model.config import apply_overrides, from_dict

    flags = [i for i, a in enumerate(argv) if a in ("-m", "--multirun")]
    overrides = _overrides(argv)
    if overrides and flags and argv.index(overrides[0]) < flags[0] and any(
            argv.index(a) > flags[0] for a in overrides):
        fail(f"-m must come before the overrides (python -m experiments.run -m key=a,b ...); it came after "
             f"{overrides[0]!r}")
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception as exc:  # Hydra's own parse error: keep its first line
        fail(str(exc).strip().splitlines()[0])
    allow_large = _allow_large(parsed)
    has_flag = "allow_large" in {f.name for f in dataclasses.fields(scenarios.RunConfig)}
    if not has_flag:
        parsed = [o for o in parsed if o.key_or_group.lstrip("+~") != "allow_large"]
        argv = [a for a in argv if a.lstrip("+~").partition("=")[0] != "allow_large"]

    def values(o) -> list:
        if not o.is_sweep_override():
            return [o.value()]
        return list(o.sweep_iterator()) if o.is_discrete_sweep() else []  # interval(): the sweeper samples

    gh = GlobalHydra.instance()
    gh.clear()
    try:
        with initialize_config_dir(config_dir=str(scenarios.CONFIG_DIR), version_base="1.3"):
            loader = GlobalHydra.instance().hydra.config_loader
            groups, keys = {}, []
            for o in parsed:
                key = o.key_or_group.lstrip("+~")
                if "." not in key and loader.repository.group_exists(key):
                    options = loader.get_group_options(key)
                    for v in (list(o.sweep_string_iterator()) if o.is_sweep_override() else [str(o.value())]):
                        if v not in options:
                            fail(f"{key} = {v!r} is unknown; allowed: {', '.join(options)}")
                        if key in scenarios.GROUPS:
                            check_yaml(key, v)
                    groups[key] = o
                elif not key.startswith("hydra.") and key not in scenarios.RUN_KEYS and not key.startswith(
                        tuple(f"{k}." for k in scenarios.RUN_KEYS)):
                    keys.append(o)
            for group in scenarios.GROUPS:
                if group not in groups:
                    check_yaml(group, scenarios.default_choice(group))
            swept = sweep.sweep_overrides([o.input_line for o in parsed])
            runs = math.prod(len(v) for v in swept.values() if isinstance(v, list)) if swept else 1
            if runs > max_runs and not allow_large:
                sizes = " × ".join(f"{k}: {len(v)}" for k, v in swept.items() if isinstance(v, list))
                fail(f"the sweep has {runs:,} runs ({sizes}), more than {max_runs:,}; "
                     "set allow_large=true to run it on purpose")
            fixed = [f"{o.get_key_element()}={next(o.sweep_string_iterator())}" if o.is_sweep_override()
                     else o.input_line for o in keys if not (o.is_sweep_override() and not values(o))]
            choices = [{g: next(o.sweep_string_iterator()) if o.is_sweep_override() else str(o.value())
                        for g, o in groups.items() if g in scenarios.GROUPS}]
            for g in scenarios.GROUPS:
                if g in groups and groups[g].is_sweep_override():
                    choices += [{**choices[0], g: v} for v in list(groups[g].sweep_string_iterator())[1:]]
            for choice in {tuple(sorted(c.items())): c for c in choices}.values():
                args = [f"{g}={v}" for g, v in choice.items()] + fixed
                try:
                    cfg = compose(config_name="config", overrides=args)
                except Exception as exc:  # composition/type errors from Hydra/OmegaConf
                    fail(_first_line(exc))
                from omegaconf import OmegaConf

                with _warnings.catch_warnings():
                    _warnings.simplefilter("ignore")
                    data = model_data(scenarios.apply_command_line(OmegaConf.to_container(cfg, resolve=True), fixed))
                    try:
                        from_dict(data)
                        for o in keys:
                            for v in _sample(values(o))[1:] if o.is_sweep_override() else []:
                                from_dict(apply_overrides(data, {o.key_or_group.lstrip("+~"): v}))
                    except ConfigError as exc:
                        fail(str(exc))
    finally:
        gh.clear()
    return argv


def _first_line(exc: BaseException) -> str:
    """Hydra/OmegaConf's multi-line error (and its cause) folded into one line."""
    parts: list[str] = []
    key, first = None, exc
    while exc is not None:
        for ln in str(exc).strip().splitlines():
            ln = ln.strip()
            if ln and not ln.startswith(("To append", "object_type", "full_key", "reference_type")) \
                    and ln not in parts:
                parts.append(ln)
        exc = exc.__cause__
    while first is not None and not key:  # OmegaConf's error names the key (Hydra raises from it)
        key, first = getattr(first, "full_key", None), first.__cause__ or first.__context__
    text = " ".join(parts[:3]) or "invalid configuration"
    return f"{text} (key: {key})" if key and key not in text else text


def model_data(data: dict) -> dict:
    """A composed config dict without the keys that are not the model's (``hydra``, the run keys)."""
    import scenarios

    return {k: v for k, v in data.items() if k != "hydra" and k not in scenarios.RUN_KEYS}


def model_config(data: dict):
    """Validate a composed config dict into a ModelConfig (once per process and distinct config:
    :func:`experiments.engine.validated`), or exit 2 with a one-line error."""
    from experiments import engine

    data = model_data(data)
    try:
        return engine.validated(data)
    except ConfigError as exc:
        fail(str(exc))


def _flatten(data: dict, path: str = "") -> dict:
    out = {}
    for k, v in data.items():
        key = f"{path}.{k}" if path else str(k)
        if isinstance(v, dict) and v:
            out.update(_flatten(v, key))
        else:
            out[key] = v
    return out


def hydra_help(argv: list[str], prog: str, composed: dict, schema, groups: dict[str, list[str]],
               examples: list[str]) -> None:
    """For a Hydra app: on ``--help``/``-h`` print its keys (every key of the composed default config
    with its default and, from ``schema``, its meaning), its config groups and examples; exit 0.
    (Hydra's own help stays available as ``--hydra-help``.)"""
    if not any(a in ("-h", "--help") for a in argv):
        return
    from model.params import iter_params

    docs = {k: (meta.get("doc") or "").split("\n")[0] for k, meta, _ in iter_params(schema)}
    lines = [f"usage: python -m {prog} [-m] [key=value ...]", "", "examples:", *(f"  {e}" for e in examples)]
    if groups:
        lines += ["", "config groups:", *(f"  {g}={{{','.join(names)}}}" for g, names in groups.items())]
    lines += ["", "keys (key=default  meaning):"]
    for key, value in _flatten({k: v for k, v in composed.items() if k != "hydra"}).items():
        shown = "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        shown = shown if len(shown) <= 30 else shown[:27] + "..."
        doc = docs.get(key, "")
        lines.append(f"  {key}={shown}".ljust(52) + (f" {doc[:110]}" if doc else ""))
    lines += ["", "-m runs a Hydra multirun (sweeps: a,b  range()  interval() with a sweeper; launchers:",
              "hydra/launcher=joblib|ray|submitit_local|submitit_slurm). Hydra's own help: --hydra-help."]
    print("\n".join(lines))
    raise SystemExit(0)
