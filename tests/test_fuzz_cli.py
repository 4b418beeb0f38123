"""Fuzzing every entry point's keys with bad values (hypothesis): each must be refused before anything
starts with exit code 2, at most 3 lines on stderr naming the key, and nothing written in the working
directory.

The entry points are called in this process (``main(argv)``, or ``main()`` with ``sys.argv`` for the
Hydra apps ``experiments.run`` and ``experiments.lab``), each example in a fresh temporary working
directory. Nothing may start: a job (:meth:`experiments.runner.Job.running`), the Hydra apps' task
functions and model construction are replaced by a function raising :class:`Started`, so a bad value
that is not refused shows up as ``started`` instead of running (and a 20 s alarm ends one that hangs).

A cell (entry point × kind of bad value) that fails today in an area another change owns is marked
``xfail(strict=True)`` with the command that fails: flip it when that change lands. The tally of the
examples tried (refused cleanly, started, anything else) prints at the end of the module (``-s``).
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
import tempfile
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow


class Started(Exception):
    """A bad value was not refused: the entry point went on to start its work."""


def _started(*args, **kwargs):
    raise Started


def _hydra_app(module: str):
    def call(argv: list[str]) -> None:
        import importlib

        mod = importlib.import_module(module)
        with mock.patch.object(sys, "argv", [module, *argv]), mock.patch.object(mod, "_main", _started):
            mod.main()
    return call


def _main_argv(module: str):
    def call(argv: list[str]) -> None:
        import importlib

        importlib.import_module(module).main(argv)
    return call


INT, FLOAT, RATE, PATH, LIST, BOOL = "int", "float", "rate", "path", "list", "bool"

ENTRY_POINTS = {  # entry point: (call, base arguments keeping an accidental run tiny, key → kind)
    "experiments.run": (_hydra_app("experiments.run"), ["steps=1", "community=demo"],
                        {"seed": INT, "steps": INT, "community.buildings": INT,
                         "consultation.adoption_rate": RATE, "info.scenario": PATH}),
    "experiments.run -m": (_hydra_app("experiments.run"), ["-m", "steps=1", "community=demo", "seed=0,1"],
                           {"steps": INT, "community.buildings": INT, "consultation.adoption_rate": RATE}),
    "experiments.lab": (_hydra_app("experiments.lab"), ["rounds=1", "groups=1"],
                        {"seed": INT, "group_size": INT, "rounds": INT, "mpcr": RATE}),
    "experiments.compare": (_main_argv("experiments.compare"), ["steps=1", "community=demo", "replications=2"],
                            {"replications": INT, "first_seed": INT, "window": INT, "community.buildings": INT,
                             "consultation.adoption_rate": RATE, "community": PATH}),
    "experiments.sensitivity": (_main_argv("experiments.sensitivity"), ["steps=1", "community=demo"],
                                {"samples": INT, "replications": INT, "first_seed": INT, "levels": INT,
                                 "sampler_seed": INT, "ranges": PATH}),
    "experiments.calibrate": (_main_argv("experiments.calibrate"), [], {"replications": INT}),
    "experiments.collect": (_main_argv("experiments.collect"), [], {"sweep": PATH}),
    "experiments.benchmark": (_main_argv("experiments.benchmark"), ["sizes=[1000]", "sweep_runs=0"],
                              {"steps": INT, "warmup": INT, "reference_steps": INT}),
    "experiments.odd_tables": (_main_argv("experiments.odd_tables"), ["check=true"], {"check": BOOL}),
    "experiments.lab_validation": (_main_argv("experiments.lab_validation"), [], {"sessions": INT}),
    "analysis.report": (_main_argv("analysis.report"), [], {"results": PATH}),
    "experiments.ema": (_main_argv("experiments.ema"), ["steps=1", "community=demo"],
                        {"scenarios": INT, "policies": INT, "sampler_seed": INT, "window": INT,
                         "prim.peel_alpha": FLOAT}),
}

# Bad values by kind, as command-line text, for keys of a kind (None: not bad for that kind).
huge = st.integers(min_value=19, max_value=400).map(lambda k: str(10 ** k))
negative = st.integers(min_value=1, max_value=10 ** 6).map(lambda n: str(-n))
fraction = st.integers(min_value=0, max_value=10 ** 6).map(lambda n: f"{n}.5")
nonfinite = st.sampled_from(["nan", "inf", "-inf"])
word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12).filter(
    lambda w: w not in ("true", "false", "null", "nan", "inf"))
listed = st.lists(st.integers(0, 9), min_size=2, max_size=4).map(lambda v: "[" + ",".join(map(str, v)) + "]")
PATH_LIKE = ["../../escape", "/nonexistent/x/y", "a/../../b", "x" * 300, "[a,b]", "'a b/c'"]  # each one tried

BAD = {
    "huge": {INT: huge, FLOAT: huge.map(lambda s: s + ".0"), RATE: huge},
    "float_for_int": {INT: fraction},
    "nonfinite": {INT: nonfinite, FLOAT: nonfinite, RATE: nonfinite},
    "negative": {INT: negative, RATE: negative},
    "string": {INT: word, FLOAT: word, RATE: word, BOOL: word},
    "list": {INT: listed, FLOAT: listed, RATE: listed, BOOL: listed},
    "path_label": {PATH: st.sampled_from(PATH_LIKE)},
}
UNKNOWN = st.from_regex(r"\Azz_[a-z]{1,8}(\.[a-z]{1,6})?\Z")

KNOWN_FAILURES: dict[tuple[str, str], str] = {}  # (entry point, kind) → the failing command, while one is known

TALLY: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def tally():
    yield TALLY
    print(f"\nfuzz tally: {sum(TALLY[k] for k in ('refused', 'started', 'other'))} inputs tried, "
          f"{TALLY['refused']} refused cleanly, {TALLY['started']} started, {TALLY['other']} anything else",
          file=sys.__stderr__)


def _alarm(signum, frame):
    raise TimeoutError("no answer in 20 s")


def outcome(entry: str, argv: list[str]) -> tuple[str, int | None, str, list[str]]:
    """Run the entry point on ``argv`` in a fresh working directory: (what happened, exit code, stderr,
    files written there)."""
    import importlib

    importlib.import_module(entry.split()[0])  # before the guards: some modules build a tiny model on import
    call = ENTRY_POINTS[entry][0]
    err = io.StringIO()
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as root:
        cwd = Path(root) / "a" / "b" / "cwd"  # room for ../../ labels to land inside the temporary root
        cwd.mkdir(parents=True)
        os.chdir(cwd)
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(20)
        code, what = None, "other"
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
                    mock.patch("experiments.runner.Job.running", _started), \
                    mock.patch("model.community.CommunityModel.__init__", _started):
                call(argv)
            what = "returned"
        except SystemExit as exc:
            code, what = exc.code, "exit"
        except Started:
            what = "started"
        except BaseException as exc:  # noqa: BLE001 - a traceback is what the test looks for
            err.write(f"{type(exc).__name__}: {exc}\n")
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
            os.chdir(old)
        written = sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())
    return what, code, err.getvalue(), written


def check(entry: str, key: str, value: str) -> None:
    base = ENTRY_POINTS[entry][1]
    argv = [a for a in base if a.partition("=")[0] != key] + [f"{key}={value}"]
    what, code, err, written = outcome(entry, argv)
    lines = err.strip().splitlines()
    named = key.split(".")[0] if key.startswith("zz_") else key  # an unknown key: its first unknown part
    clean = what == "exit" and code == 2 and 1 <= len(lines) <= 3 and named in err and not written
    TALLY["refused" if clean else "started" if what == "started" else "other"] += 1
    assert clean, (f"python -m {entry} {' '.join(argv)}: {what}, exit {code}, {len(lines)} lines, "
                   f"written {written[:3]}: {err.strip()[:300]}")


def cells():
    for entry, (_, _, keys) in ENTRY_POINTS.items():
        kinds = set(keys.values())
        for bad, by_kind in BAD.items():
            if kinds & set(by_kind):
                marks = [pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[(entry, bad)])] \
                    if (entry, bad) in KNOWN_FAILURES else []
                yield pytest.param(entry, bad, id=f"{entry}-{bad}", marks=marks)
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[(entry, "unknown_key")])] \
            if (entry, "unknown_key") in KNOWN_FAILURES else []
        yield pytest.param(entry, "unknown_key", id=f"{entry}-unknown_key", marks=marks)


FUZZ = settings(max_examples=4, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("entry,bad", list(cells()))
@FUZZ
@given(data=st.data())
def test_a_bad_value_is_refused_in_one_line_with_exit_2_and_nothing_written(entry, bad, data):
    keys = ENTRY_POINTS[entry][2]
    if bad == "unknown_key":
        key, value = data.draw(UNKNOWN, label="key"), "1"
    else:
        key = data.draw(st.sampled_from(sorted(k for k, kind in keys.items() if kind in BAD[bad])), label="key")
        if bad == "path_label":  # few enough to try every one
            for value in PATH_LIKE:
                check(entry, key, value)
            return
        value = data.draw(BAD[bad][keys[key]], label="value")
    check(entry, key, value)
