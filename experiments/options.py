"""The one command-line parser of every entry point but the Hydra apps, in Hydra's override grammar.

``compare``, ``sensitivity``, ``calibrate``, ``collect``, ``benchmark``, ``odd_tables``,
``lab_validation``, ``benchmarks/experiments_scale.py`` and ``analysis.report`` take
``key=value`` arguments parsed with Hydra's override parser, so lists, quoting and numbers read
as in ``experiments.run`` (a Hydra app): ``scenarios=[top_down,co_creation] replications=50``.
Keys the entry point declares are its options; for a job entry point every other ``key=value``
is a model config override passed to the scenario catalogue (``steps=60``,
``community.buildings=4``), checked there against the schema; for the others it is an error.
``--help`` lists the keys. A bad option ends the job before it starts with one line naming the
key and what is allowed (exit code 2).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from experiments import cli


@dataclass
class Option:
    """A declared option: default, type (``int``, ``float``, ``str``, ``bool``, ``list``), help,
    allowed values."""

    default: Any
    type: type
    help: str
    choices: tuple | None = None
    minimum: float | None = None


def _convert(key: str, value: Any, opt: Option) -> Any:
    if value is None:
        return None
    if opt.type is list:
        if not isinstance(value, list):
            value = [value]
        return [str(v) for v in value]
    if opt.type is bool:
        if isinstance(value, bool):
            return value
        cli.fail(f"{key} = {value!r} is not allowed; allowed: true, false")
    if opt.type in (int, float):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or (opt.type is int and isinstance(value, float)):
            cli.fail(f"{key} = {value!r} is not a{'n integer' if opt.type is int else ' number'}")
        if opt.minimum is not None and value < opt.minimum:
            cli.fail(f"{key} = {value} is out of range; allowed: >= {opt.minimum:g}")
        return opt.type(value)
    value = str(value)
    if opt.choices and value not in opt.choices:
        cli.fail(f"{key} = {value!r} is not allowed; allowed: {', '.join(map(str, opt.choices))}")
    return value


def parse(argv: list[str], options: dict[str, Option], prog: str, reserved: dict[str, str] | None = None,
          overrides: bool = True) -> tuple[dict[str, Any], list[str]]:
    """Split ``argv`` into the entry point's options (typed, defaults filled) and model overrides.

    Args:
        reserved: model keys the entry point sets itself → the one-line reason (e.g. ``seed``).
        overrides: whether the entry point takes model config overrides (else any other key is
            an error).

    Exits with code 2 and one line on a malformed argument or a bad option value;
    ``--help``/``-h`` prints the options and exits 0.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    if any(a in ("-h", "--help") for a in argv):
        print(usage(options, prog, overrides))
        raise SystemExit(0)
    for a in argv:
        if a.startswith("-") or "=" not in a:
            cli.fail(f"unexpected argument {a!r}; arguments are key=value (see --help)")
    try:
        parsed = OverridesParser.create().parse_overrides(argv)
    except Exception as exc:
        cli.fail(str(exc).strip().splitlines()[0])
    values = {k: o.default for k, o in options.items()}
    extra = []
    for o in parsed:
        key = o.key_or_group
        if key in options:
            if o.is_sweep_override():
                cli.fail(f"{key}: sweeps (a,b or range()) are for experiments.run -m; use a list [a,b]")
            values[key] = _convert(key, o.value(), options[key])
        elif not overrides:
            cli.fail(f"{key} is not an option; allowed: {', '.join(options)}")
        elif reserved and key.lstrip("+~") in reserved:
            cli.fail(f"{key} cannot be set here: {reserved[key.lstrip('+~')]}")
        else:
            if o.is_sweep_override():
                cli.fail(f"{key}: sweeps (a,b or range()) are for experiments.run -m")
            extra.append(o.input_line)
    return values, extra


def usage(options: dict[str, Option], prog: str, overrides: bool = True) -> str:
    run = f"python {prog}" if prog.endswith(".py") else f"python -m {prog}"
    lines = [f"usage: {run} [option=value ...]" + (" [model.key=value ...]" if overrides else ""), "", "options:"]
    for k, o in options.items():
        extra = f" (one of: {', '.join(o.choices)})" if o.choices else ""
        lines.append(f"  {k}={_show(o.default)}".ljust(36) + f" {o.help}{extra}")
    if overrides:
        lines += ["", "Any other key=value is a model config override, e.g. steps=60 community.buildings=4."]
    return "\n".join(lines)


def _show(v) -> str:
    if isinstance(v, list):
        return "[" + ",".join(map(str, v)) + "]"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return str(v).lower()
    return str(v)


def command_line(prog: str, argv: list[str], extra: dict[str, Any] | None = None) -> str:
    """The shell command that reproduces a job: its arguments plus ``extra`` options not given."""
    given = {a.split("=", 1)[0] for a in argv}
    args = list(argv) + [f"{k}={_show(v)}" for k, v in (extra or {}).items() if k not in given]
    return shlex.join(["python", "-m", prog, *args])
