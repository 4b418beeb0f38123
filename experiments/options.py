"""The one command-line parser of every entry point but the Hydra apps, in Hydra's override grammar.

``compare``, ``sensitivity``, ``calibrate``, ``collect``, ``benchmark``, ``odd_tables``,
``lab_validation``, ``benchmarks/experiments_scale.py`` and ``analysis.report`` take
``key=value`` arguments parsed with Hydra's override parser, so lists, quoting and numbers read
as in ``experiments.run`` (a Hydra app): ``scenarios=[top_down,co_creation] replications=50``.
Keys the entry point declares are its options; for a job entry point every other ``key=value``
is a model config override passed to the scenario catalogue (``steps=60``,
``community.buildings=4``), checked there against the schema; for the others it is an error.
``--help`` lists the keys. A bad option ends the job before it starts with one line naming the
key and what is allowed (exit code 2): every numeric option has an explicit range, checked exactly
(:func:`model.params.check_number`, also for an int of 400 digits). Two kinds of keys are no option
and no override anywhere: ``info.*`` (labels the scenario and community files set, :data:`LABEL_KEYS`)
and ``hydra.*`` (settings of the Hydra app ``experiments.run``).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from experiments import cli
from model.params import ConfigError, allowed, check_number, show

LABEL_MESSAGE = "{key} is set by the scenario file; choose scenario=<name>"
"""The one line refusing an ``info.*`` key (a run's labels come from the files it was composed of)."""

HYDRA_MESSAGE = "{key}: hydra.* keys belong to experiments.run"
"""The one line refusing a ``hydra.*`` key in an entry point that is not the Hydra app."""

MAX_SEED = 2**63 - 1
"""The largest seed (``seed``'s range in :class:`model.config.ModelConfig`)."""

MAX_MONTHS = 100_000
"""The most months an option may name (``steps``' range in :class:`model.config.ModelConfig`)."""

MAX_REPLICATIONS = 100_000
"""The most seeds per scenario, arm or sample an option may ask for (the job size is bounded too:
:func:`experiments.jobs.check_job_size`)."""

MAX_SAMPLES = 2**30
"""The most samples (Sobol' base N, Morris trajectories, EMA scenarios/policies) an option may ask for;
the job size is checked before sampling (:func:`experiments.jobs.check_job_size`)."""

MAX_SAMPLER_SEED = 2**32 - 1
"""The largest seed of a sampler (numpy's legacy ``RandomState`` seeds, used by SALib and EMA Workbench)."""

MAX_WORKERS = 4_096
"""The most parallel workers an option may ask for (``-1``: all cores)."""


@dataclass
class Option:
    """A declared option: default, type (``int``, ``float``, ``str``, ``bool``, ``list``), help,
    allowed values.

    Args:
        choices: the allowed values of a ``str`` option.
        range: inclusive (low, high) bounds of an ``int``/``float`` option; required for those.
        exclude: values inside ``range`` that are still not allowed (``n_jobs=0``).
    """

    default: Any
    type: type
    help: str
    choices: tuple | None = None
    range: tuple[float, float] | None = None  # noqa: A003 - the word of model.params.param
    exclude: tuple = ()

    def __post_init__(self) -> None:
        if self.type in (int, float) and (self.range is None or None in self.range):
            raise TypeError(f"a {self.type.__name__} option needs an explicit range (low, high)")

    def allowed(self) -> str:
        """What the option allows, for a message: ``whole numbers 1 to 100000``."""
        if self.type is bool:
            return "true, false"
        if self.type is list:
            return "a list [a,b] of names"
        if self.type is str:
            return ", ".join(map(str, self.choices)) if self.choices else "text"
        text = allowed({"range": self.range}, self.type)
        return text + (f" except {', '.join(map(show, self.exclude))}" if self.exclude else "")


def convert(key: str, value: Any, opt: Option) -> Any:
    """``value`` of option ``key`` as ``opt.type``, or exit 2 with one line naming the key and what is allowed."""
    if value is None:
        return None
    if opt.type is list:
        if not isinstance(value, list):
            value = [value]
        if any(isinstance(v, (list, dict)) for v in value):
            cli.fail(f"{key} = {show(value)} is not allowed; allowed: {opt.allowed()}")
        return [str(v) for v in value]
    if opt.type is bool:
        if isinstance(value, bool):
            return value
        cli.fail(f"{key} = {show(value)} is not allowed; allowed: {opt.allowed()}")
    if opt.type in (int, float):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or (opt.type is int and isinstance(value, float)):
            cli.fail(f"{key} = {show(value)} is not a{' whole' if opt.type is int else ''} number; "
                     f"allowed: {opt.allowed()}")
        try:
            check_number(key, value, {"range": opt.range}, opt.type)
        except ConfigError as exc:
            cli.fail(str(exc).split("; allowed:")[0] + f"; allowed: {opt.allowed()}")
        if value in opt.exclude:
            cli.fail(f"{key} = {show(value)} is not allowed; allowed: {opt.allowed()}")
        return opt.type(value)
    if isinstance(value, (list, dict)):
        cli.fail(f"{key} = {show(value)} is not {'a path' if key == 'out' else 'text'}; allowed: {opt.allowed()}")
    value = str(value)
    if opt.choices and value not in opt.choices:
        cli.fail(f"{key} = {show(value)} is not allowed; allowed: {opt.allowed()}")
    return value


def check_override_key(key: str, hydra_app: bool = False) -> None:
    """Refuse, with one line, a key no override may set: ``info.*`` (:data:`LABEL_MESSAGE`) anywhere and,
    unless ``hydra_app``, ``hydra.*`` (:data:`HYDRA_MESSAGE`); ``+``/``~`` prefixes count."""
    bare = key.lstrip("+~")
    head = bare.split(".")[0].split("/")[0]
    if head == "info":
        cli.fail(LABEL_MESSAGE.format(key=bare if "." in bare else "info.scenario"))
    if head == "hydra" and not hydra_app:
        cli.fail(HYDRA_MESSAGE.format(key=bare))


ALLOW_LARGE = Option(False, bool, "run a job larger than the size bounds on purpose")


def hydra_app_argv(argv: list[str]) -> tuple[bool, list[str]]:
    """The command line of a Hydra app (``experiments.run``, ``experiments.lab``) before Hydra starts:
    refuses ``info.*`` keys (:func:`check_override_key`) and takes out ``allow_large=<bool>``
    (:data:`ALLOW_LARGE`; not a config key, so Hydra never sees it).

    Returns:
        (allow_large, the other arguments in their order).
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    allow_large, rest = False, []
    for a in argv:
        if a.startswith("-") or "=" not in a:
            rest.append(a)
            continue
        try:
            o = OverridesParser.create().parse_override(a)
        except Exception:  # noqa: BLE001 - Hydra reports a malformed override itself (cli.precheck)
            rest.append(a)
            continue
        check_override_key(o.key_or_group, hydra_app=True)
        if o.key_or_group.lstrip("+") == "allow_large":
            allow_large = convert("allow_large", o.value(), ALLOW_LARGE)
        else:
            rest.append(a)
    return allow_large, rest


def check_seeds(first_seed: int, replications: int) -> list[int]:
    """The seeds ``first_seed`` … ``first_seed + replications − 1``, or exit 2 with one line when the last
    is beyond :data:`MAX_SEED` (both already checked against their options' ranges)."""
    last = first_seed + replications - 1
    if last > MAX_SEED:
        cli.fail(f"first_seed + replications - 1 = {show(last)} is out of range; allowed: seeds 0 to {MAX_SEED}")
    return list(range(first_seed, last + 1))


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
        check_override_key(key)
        if key in options:
            if o.is_sweep_override():
                cli.fail(f"{key}: sweeps (a,b or range()) are for experiments.run -m; use a list [a,b]")
            values[key] = convert(key, o.value(), options[key])
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
        extra = f" (one of: {', '.join(o.choices)})" if o.choices else f" ({o.allowed()})" if o.range else ""
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
