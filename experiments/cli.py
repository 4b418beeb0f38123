"""Shared command-line plumbing for Hydra entry points: early, one-line config errors.

Hydra reports an unknown config option or a bad override with a multi-line message and exit
code 1 after creating an output directory. Our entry points check the command line first
(:func:`precheck`) and, inside the job, validate the composed config
(:func:`model_config`), so bad input ends the run before it starts with one line naming the
key and what is allowed, and exit code 2. A warning about the config (a parameter of a mechanism
that is off) prints as one line, ``warning: <message>``, without Python's source line.
"""

from __future__ import annotations

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


def precheck(argv: list[str], groups: dict[str, str]) -> None:
    """Check group choices (e.g. ``scenario=…``) on the command line against the config tree.

    Args:
        argv: the command-line arguments (without the program name).
        groups: config group name → default option, for the groups to check.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    import scenarios

    try:
        parsed = OverridesParser.create().parse_overrides(_overrides(argv))
    except Exception as exc:  # Hydra's own parse error: keep its first line
        fail(str(exc).strip().splitlines()[0])
    for o in parsed:
        group = o.key_or_group.lstrip("+~")
        if group not in groups:
            continue
        values = list(o.sweep_string_iterator()) if o.is_sweep_override() else [o.value()]
        for v in values:
            try:
                scenarios.check_name(group, str(v))
            except ConfigError as exc:
                fail(str(exc))


def precompose(argv: list[str]):
    """For a single (non-multirun) job: compose and validate the config before Hydra starts; return
    its ModelConfig (None for a multirun)."""
    import scenarios

    if any(a in ("-m", "--multirun") for a in argv) or any(a.startswith("--") for a in argv):
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
    try:
        data = scenarios.compose_dict(choice["scenario"], choice["community"], rest)
    except ConfigError as exc:
        fail(str(exc))
    except Exception as exc:  # composition/type errors from Hydra/OmegaConf
        fail(_first_line(exc))
    return model_config(data)


def _first_line(exc: BaseException) -> str:
    """Hydra/OmegaConf's multi-line error (and its cause) folded into one line."""
    parts: list[str] = []
    while exc is not None:
        for ln in str(exc).strip().splitlines():
            ln = ln.strip()
            if ln and not ln.startswith(("To append", "object_type", "full_key", "reference_type")) \
                    and ln not in parts:
                parts.append(ln)
        exc = exc.__cause__
    return " ".join(parts[:3]) or "invalid configuration"


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
