"""The one command line of every entry point: ``key=value`` arguments in Hydra's override grammar
(lists ``[a,b]``, quoting, dotted keys, ``+``/``~``), parsed once, by Hydra's own parser.

:func:`parse_overrides` is the one call of Hydra's ``OverridesParser`` on a command line; what it
returns (Hydra's ``Override`` objects, their values already typed by the grammar) is what every check
and every composition after it reads:

* the studies and tools (``compare``, ``sensitivity``, ``calibrate``, ``attribute``, ``ema``,
  ``robustness``, ``ensemble``, ``lab_validation``, ``collect``, ``benchmark``, ``odd_tables``,
  ``analysis.report``, ``benchmarks/*``) declare their options (:class:`Option`: a default, a type,
  a range) and :func:`parse` splits the parsed overrides into those options (typed and range-checked)
  and model config overrides (every other key, for a study: handed on, parsed, to the scenario
  catalogue, :func:`scenarios.compose_dict`, checked there against the schema); ``--help`` lists
  the options (:func:`usage`);
* the Hydra apps (``experiments.run``, ``experiments.lab``) read their command line with
  :func:`hydra_command_line` before Hydra starts: it refuses labels, takes out ``allow_large`` and
  checks the output directories; each app then checks the parsed overrides against its schema and
  hands the command line to Hydra, which parses it once more itself to run its app (launchers,
  sweepers).

Bad input ends an entry point before anything is written: :func:`fail` prints one line,
``error: <key> ... allowed: ...``, and exits with code 2. Every numeric option has an explicit range,
checked exactly (:func:`model.params.check_number`, also for an int of 400 digits). Two kinds of keys
are no option and no override anywhere: ``info.*`` (labels the scenario and community files set) and
``hydra.*`` (settings of the Hydra app ``experiments.run``). A warning about the config (a parameter
of a mechanism that is off) prints as one line, ``warning: <message>``.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.params import ConfigError, InactiveParameterWarning, allowed, check_number, iter_params, show

EXIT_CONFIG = 2
"""The exit code of bad input (a bad key, value, name or path), before anything is written."""

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


def first_line(exc: BaseException) -> str:
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


# ------------------------------------------------------------------------------------ the grammar
def parse_overrides(args: list[str]) -> list:
    """The ``key=value`` arguments parsed by Hydra's ``OverridesParser`` (a list of Hydra's
    ``Override``: ``key_or_group``, ``value()``, ``is_sweep_override()``, ``input_line``); Hydra's
    own parse error exits 2 with its first line."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        return OverridesParser.create().parse_overrides(list(args))
    except Exception as exc:  # noqa: BLE001 - Hydra's OverrideParseException, with a multi-line message
        fail(str(exc).strip().splitlines()[0])


def key_of(o) -> str:
    """An override's key without Hydra's ``+``/``++``/``~`` prefix."""
    return o.key_or_group.lstrip("+~")


def texts(overrides) -> list[str]:
    """Parsed overrides as the text they were given as (for manifests and commands)."""
    return [o.input_line for o in overrides]


LABEL_MESSAGE = "{key} is set by the scenario file; choose scenario=<name>"
"""The one line refusing an ``info.*`` key (a run's labels come from the files it was composed of)."""

HYDRA_MESSAGE = "{key}: hydra.* keys belong to experiments.run"
"""The one line refusing a ``hydra.*`` key in an entry point that is not the Hydra app."""


def check_override_key(key: str, hydra_app: bool = False) -> None:
    """Refuse, with one line, a key no override may set: ``info.*`` (:data:`LABEL_MESSAGE`) anywhere and,
    unless ``hydra_app``, ``hydra.*`` (:data:`HYDRA_MESSAGE`); ``+``/``~`` prefixes count."""
    bare = key.lstrip("+~")
    head = bare.split(".")[0].split("/")[0]
    if head == "info":
        fail(LABEL_MESSAGE.format(key=bare if "." in bare else "info.scenario"))
    if head == "hydra" and not hydra_app:
        fail(HYDRA_MESSAGE.format(key=bare))


# -------------------------------------------------------------------------------------- options
MAX_SEED = 2**63 - 1
"""The largest seed (``seed``'s range in :class:`model.config.ModelConfig`)."""

MAX_MONTHS = 100_000
"""The most months an option may name (``steps``' range in :class:`model.config.ModelConfig`)."""

MAX_REPLICATIONS = 100_000
"""The most seeds per scenario, arm or sample an option may ask for (the job size is bounded too:
:func:`experiments.runner.check_job_size`)."""

MAX_SAMPLES = 2**30
"""The most samples (Sobol' base N, Morris trajectories, EMA scenarios/policies) an option may ask for;
the job size is checked before sampling (:func:`experiments.runner.check_job_size`)."""

MAX_SAMPLER_SEED = 2**32 - 1
"""The largest seed of a sampler (numpy's legacy ``RandomState`` seeds, used by SALib and EMA Workbench)."""

MAX_WORKERS = 4_096
"""The most parallel workers an option may ask for (``-1``: all cores)."""


@dataclass
class Option:
    """A declared option: default, type (``int``, ``float``, ``str``, ``bool``, ``list``), help,
    allowed values. Its value is the one Hydra's grammar parsed (``3`` an int, ``[a,b]`` a list,
    ``true`` a bool); :meth:`check` checks it against the type and range.

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

    def check(self, key: str, value: Any) -> Any:
        """``value`` (as Hydra's grammar typed it) as this option's type, or exit 2 with one line
        naming ``key`` and what is allowed."""
        if value is None:
            return None
        bad = f"{key} = {show(value)} is not allowed; allowed: {self.allowed()}"
        if self.type is list:
            value = value if isinstance(value, list) else [value]
            if any(isinstance(v, (list, dict)) for v in value):
                fail(bad)
            return [str(v) for v in value]
        if self.type is bool:
            return value if isinstance(value, bool) else fail(bad)
        if self.type in (int, float):
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not number or (self.type is int and isinstance(value, float)):
                fail(f"{key} = {show(value)} is not a{' whole' if self.type is int else ''} number; "
                     f"allowed: {self.allowed()}")
            try:
                check_number(key, value, {"range": self.range}, self.type)
            except ConfigError as exc:
                fail(str(exc).split("; allowed:")[0] + f"; allowed: {self.allowed()}")
            if value in self.exclude:
                fail(bad)
            return self.type(value)
        if isinstance(value, (list, dict)):
            fail(f"{key} = {show(value)} is not {'a path' if key == 'out' else 'text'}; allowed: {self.allowed()}")
        value = str(value)
        if self.choices and value not in self.choices:
            fail(bad)
        return value


def parse(argv: list[str], options: dict[str, Option], prog: str, reserved: dict[str, str] | None = None,
          overrides: bool = True) -> tuple[dict[str, Any], list]:
    """Split ``argv`` into the entry point's options (typed, defaults filled) and model overrides.

    Args:
        reserved: model keys the entry point sets itself → the one-line reason (e.g. ``seed``).
        overrides: whether the entry point takes model config overrides (else any other key is
            an error).

    Returns:
        (option → value, the model overrides as Hydra parsed them, in their order).

    Exits with code 2 and one line on a malformed argument or a bad option value;
    ``--help``/``-h`` prints the options and exits 0.
    """
    if any(a in ("-h", "--help") for a in argv):
        print(usage(options, prog, overrides))
        raise SystemExit(0)
    for a in argv:
        if a.startswith("-") or "=" not in a:
            fail(f"unexpected argument {a!r}; arguments are key=value (see --help)")
    values = {k: o.default for k, o in options.items()}
    extra = []
    for o in parse_overrides(argv):
        key = o.key_or_group
        check_override_key(key)
        if key in options:
            if o.is_sweep_override():
                fail(f"{key}: sweeps (a,b or range()) are for experiments.run -m; use a list [a,b]")
            values[key] = options[key].check(key, o.value())
        elif not overrides:
            fail(f"{key} is not an option; allowed: {', '.join(options)}")
        elif reserved and key.lstrip("+~") in reserved:
            fail(f"{key} cannot be set here: {reserved[key.lstrip('+~')]}")
        elif o.is_sweep_override():
            fail(f"{key}: sweeps (a,b or range()) are for experiments.run -m")
        else:
            extra.append(o)
    return values, extra


def usage(options: dict[str, Option], prog: str, overrides: bool = True) -> str:
    """The ``--help`` text of an entry point: its options with their defaults, help and allowed values."""
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


def check_seeds(first_seed: int, replications: int) -> list[int]:
    """The seeds ``first_seed`` … ``first_seed + replications − 1``, or exit 2 with one line when the last
    is beyond :data:`MAX_SEED` (both already checked against their options' ranges)."""
    last = first_seed + replications - 1
    if last > MAX_SEED:
        fail(f"first_seed + replications - 1 = {show(last)} is out of range; allowed: seeds 0 to {MAX_SEED}")
    return list(range(first_seed, last + 1))


# ---------------------------------------------------------------------------------------- paths
MAX_NAME_BYTES = 255
"""The longest file or directory name (NAME_MAX of Linux and macOS file systems), in bytes."""


def max_path_bytes() -> int:
    """The longest path this system takes (``PATH_MAX``: ``os.pathconf``; 4096 where it cannot be read)."""
    try:
        return os.pathconf("/", "PC_PATH_MAX")
    except (ValueError, OSError, AttributeError):
        return 4096


def check_path(key: str, path: str | os.PathLike) -> Path:
    """A path to read or write that the file system can take, or exit 2 with one line naming ``key``:
    not empty, no NUL byte, no component over :data:`MAX_NAME_BYTES` bytes, the absolute path shorter
    than :func:`max_path_bytes`."""
    text = os.fspath(path)
    if not text or "\0" in text:
        fail(f"{key} = {text!r} is not a path")
    long = next((c for c in Path(text).parts if len(os.fsencode(c)) > MAX_NAME_BYTES), None)
    if long is not None:
        fail(f"{key}: a name in the path is {len(os.fsencode(long))} bytes long; allowed: up to {MAX_NAME_BYTES}")
    full = len(os.fsencode(os.path.abspath(text)))
    if full >= max_path_bytes():
        fail(f"{key}: the path is {full} bytes long; allowed: up to {max_path_bytes() - 1}")
    return Path(text)


def check_out(key: str, path: str | os.PathLike, *, directory: bool = True) -> Path:
    """Check an output path before anything is written, or exit 2 with one line naming ``key``.

    Refused: a component longer than :data:`MAX_NAME_BYTES` bytes or an absolute path longer than
    :func:`max_path_bytes`; for a ``directory``, an existing file (for a file, an existing directory);
    a path whose nearest existing ancestor is not a writable directory (``/proc/x``, ``/etc/x`` as a user;
    probed by creating and removing an empty directory there).

    Returns:
        the path, as given (relative paths stay relative).
    """
    out = check_path(key, path)
    text = os.fspath(path)
    if out.exists() and directory and not out.is_dir():
        fail(f"{key} = {text} exists and is not a directory; choose a new or job directory")
    if out.exists() and not directory and out.is_dir():
        fail(f"{key} = {text} is a directory; choose a file name")
    parent = out.absolute()
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK) or not _can_create_in(parent):
        fail(f"{key} = {text} is not writable ({parent} is not a writable directory)")
    return out


def _can_create_in(directory: Path) -> bool:
    """Whether a directory can be created (and removed) in ``directory``: permissions alone do not tell
    for root, or on ``/proc`` and read-only mounts."""
    try:
        tempfile.TemporaryDirectory(dir=directory, prefix=".cogov-probe-").cleanup()
    except OSError:
        return False
    return True


# ----------------------------------------------------------------------------------- Hydra apps
ALLOW_LARGE = Option(False, bool, "run a job larger than the size bounds on purpose")


@dataclass
class HydraCommandLine:
    """The command line of a Hydra app, read once before Hydra starts (:func:`hydra_command_line`).

    Attributes:
        argv: the arguments for Hydra, in their order, without ``allow_large`` (no config key).
        overrides: the ``key=value`` arguments among them, parsed (Hydra's ``Override``).
        allow_large: ``allow_large=true`` was given.
    """

    argv: list[str]
    overrides: list = field(default_factory=list)
    allow_large: bool = False

    @property
    def multirun(self) -> bool:
        return any(a in ("-m", "--multirun") for a in self.argv)

    @property
    def flags(self) -> bool:
        """Whether Hydra is asked for something other than a run (``--cfg``, ``--info``, ...)."""
        return any(a.startswith("--") for a in self.argv)


def hydra_command_line(argv: list[str]) -> HydraCommandLine:
    """Parse a Hydra app's ``key=value`` arguments once (:func:`parse_overrides`); refuse labels
    (:func:`check_override_key`), take out ``allow_large=<bool>`` (:data:`ALLOW_LARGE`) and check the
    output directories the command line sets (``hydra.run.dir``, ``hydra.sweep.dir``: :func:`check_out`;
    a value with interpolations by the part before the first one). Exits 2 with one line on bad input."""
    positions = [i for i, a in enumerate(argv) if not a.startswith("-") and "=" in a]
    parsed = parse_overrides([argv[i] for i in positions]) if positions else []
    allow_large, dropped, kept = False, set(), []
    for i, o in zip(positions, parsed):
        check_override_key(o.key_or_group, hydra_app=True)
        if key_of(o) == "allow_large":
            allow_large = ALLOW_LARGE.check("allow_large", o.value())
            dropped.add(i)
            continue
        if key_of(o) in ("hydra.run.dir", "hydra.sweep.dir"):
            value = argv[i].partition("=")[2]
            check_out(key_of(o), value.split("${")[0] or ".")
        kept.append(o)
    return HydraCommandLine([a for i, a in enumerate(argv) if i not in dropped], kept, allow_large)


def flatten(data: dict, prefix: str = "") -> dict:
    """A nested config as ``{dotted key: value}`` (lists and other values are leaves)."""
    out = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out.update(flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def hydra_help(argv: list[str], prog: str, composed, schema, groups: dict[str, list[str]],
               examples: list[str]) -> None:
    """For a Hydra app, on ``--help``/``-h``: print its keys (every key of the default config ``composed()``
    returns, with its default and its meaning from ``schema``), config groups and examples; exit 0.
    (Hydra's own help: ``--hydra-help``.)"""
    if not any(a in ("-h", "--help") for a in argv):
        return
    docs = {k: (meta.get("doc") or "").split("\n")[0] for k, meta, _ in iter_params(schema)}
    lines = [f"usage: python -m {prog} [-m] [key=value ...]", "", "examples:", *(f"  {e}" for e in examples)]
    if groups:
        lines += ["", "config groups:", *(f"  {g}={{{','.join(names)}}}" for g, names in groups.items())]
    lines += ["", "keys (key=default  meaning):"]
    for key, value in flatten({k: v for k, v in composed().items() if k != "hydra"}).items():
        shown = "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        shown = shown if len(shown) <= 30 else shown[:27] + "..."
        doc = docs.get(key, "")
        lines.append(f"  {key}={shown}".ljust(52) + (f" {doc[:110]}" if doc else ""))
    lines += ["", "-m runs a Hydra multirun (sweeps: a,b  range()  interval() with a sweeper; launchers:",
              "hydra/launcher=joblib|ray|submitit_local|submitit_slurm). Hydra's own help: --hydra-help."]
    print("\n".join(lines))
    raise SystemExit(0)


def usage_examples(doc: str) -> list[str]:
    """The example commands of a module docstring: the lines of the first block after ``Usage::``."""
    return [ln.strip() for ln in doc.split("Usage::")[1].split("\n\n")[1].splitlines() if ln.strip()]
