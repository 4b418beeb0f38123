"""Bad input at the entry points (issue 18): one line naming the key, exit code 2, nothing written.

Each case runs the command in an empty temporary working directory (``outputs/`` would appear there)
and, where it names one, with ``out=`` under a second temporary directory; both must stay empty.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_main

pytestmark = pytest.mark.slow  # ~50 subprocesses (Python + Hydra start-up): about 3 minutes

NINES = "9" * 400
LONG = "a" * 300

CASES = [
    # 1. option values: bounded, exact bounds, the key named
    ("experiments.compare", [f"replications={NINES}"],
     "replications = 99999999999999999999… (400 digits) is out of range; allowed: whole numbers 1 to 100000"),
    ("experiments.compare", [f"window={NINES}"], "window = 99999999999999999999… (400 digits) is out of range"),
    ("experiments.compare", [f"first_seed={NINES}"],
     "first_seed = 99999999999999999999… (400 digits) is out of range; "
     "allowed: whole numbers 0 to 9223372036854775807"),
    ("experiments.compare", ["first_seed=9223372036854775807", "replications=2"],
     "first_seed + replications - 1 = 9223372036854775808 is out of range"),
    ("experiments.compare", ["n_jobs=0"], "n_jobs = 0 is not allowed; allowed: whole numbers -1 to 4096 except 0"),
    ("experiments.compare", ["replications=0"], "replications = 0 is out of range; allowed: whole numbers 1 to 100000"),
    ("experiments.compare", ["replications=2.5"], "replications = 2.5 is not a whole number"),
    ("experiments.calibrate", ["n_jobs=0"], "n_jobs = 0 is not allowed"),
    ("experiments.sensitivity", [f"samples={NINES}"], "samples = 99999999999999999999… (400 digits) is out of range"),
    ("experiments.ema", ["prim.peel_alpha=2"], "prim.peel_alpha = 2 is out of range; allowed: numbers 0 to 1"),
    # 2. job sizes, before anything starts
    ("experiments.compare", ["replications=100000", "scenarios=[top_down,co_creation,open_ledger]",
                             "community.buildings=1000"],
     "replications × scenarios = 100000 × 3 = 300000 runs × about"),
    ("experiments.compare", ["community.buildings=100000", "community.households_per_building=10000"],
     "resident-months is more than 1,000,000,000; set allow_large=true"),
    ("experiments.sensitivity", ["method=morris", "samples=1073741824"],
     "samples × (D + 1) × replications = 1073741824 × 9 × 1 (D = 8 parameters) = 9663676416 runs is more than"),
    ("experiments.sensitivity", ["method=sobol", "samples=1000000000"],
     "samples × (D + 2) × replications = 1000000000 × 10 × 1 (D = 8 parameters) = 10000000000 runs is more than"),
    ("experiments.calibrate", ["replications=100000"], "replications × arms = 100000 × 10 = 1000000 runs × about"),
    ("experiments.lab", ["groups=1000000", "group_size=1000"],
     "groups × group_size × rounds = 1000000 × 1000 × 10 = 10,000,000,000 player-rounds is more than"),
    ("experiments.run", ["community.buildings=100000", "community.households_per_building=10000", "steps=3"],
     "≈ 6,300,000,000 resident-months is more than 1,000,000,000; set allow_large=true"),
    ("experiments.run", ["allow_large=maybe"], "allow_large = 'maybe' is not allowed; allowed: true, false"),
    # 3. labels are never paths
    ("experiments.run", ["info.scenario=../../../escape_run", "steps=1"],
     "info.scenario is set by the scenario file; choose scenario=<name>"),
    ("experiments.run", [f"info.scenario={LONG}", "steps=1"], "info.scenario is set by the scenario file"),
    ("experiments.run", ["scenario=top_down", "info.scenario=co_creation", "steps=1"],
     "info.scenario is set by the scenario file"),
    ("experiments.run", ["-m", "info.community=a,b", "steps=1"], "info.community is set by the scenario file"),
    ("experiments.compare", ["info.scenario=x"], "info.scenario is set by the scenario file"),
    ("experiments.lab", ["+info.scenario=x"], "info.scenario is set by the scenario file"),
    ("experiments.run", [f"scenario={LONG}"], "scenario = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa… is unknown"),
    ("experiments.run", ["scenario=../scenario/top_down"], "scenario = '../scenario/top_down' is unknown"),
    ("experiments.run", ["scenario=top_down,co_creation"], "scenario = 'top_down,co_creation' is unknown"),  # no -m
    # 4. output paths
    ("experiments.compare", ["out=/etc/passwd"], "out = /etc/passwd exists and is not a directory"),
    ("experiments.compare", ["out=/proc/x"], "out = /proc/x is not writable"),
    ("experiments.compare", [f"out={LONG}"], "out: a name in the path is 300 bytes long; allowed: up to 255"),
    ("experiments.compare", ["out=" + "a/" * 2100], "out: the path is"),
    ("experiments.compare", ["out=[a,b]"], "out = ['a', 'b'] is not a path"),
    ("experiments.sensitivity", ["out=/etc/passwd"], "out = /etc/passwd exists and is not a directory"),
    ("experiments.calibrate", ["out=/proc/x"], "out = /proc/x is not writable"),
    ("experiments.benchmark", ["out=/proc/x.json"], "out = /proc/x.json is not writable"),
    ("experiments.compare", ["hydra.run.dir=X"], "hydra.run.dir: hydra.* keys belong to experiments.run"),
    ("experiments.run", ["hydra.run.dir=/etc/passwd", "steps=1"], "hydra.run.dir = /etc/passwd exists and is not"),
    ("experiments.run", ["hydra.run.dir=/proc/x", "steps=1"], "hydra.run.dir = /proc/x is not writable"),
    ("experiments.lab", ["hydra.run.dir=/etc/passwd"], "hydra.run.dir = /etc/passwd exists and is not"),
    ("experiments.collect", ["sweep=/etc"], "sweep = '/etc' has no sweep manifest"),
]


@pytest.mark.parametrize(("prog", "args", "message"), CASES, ids=[f"{p} {' '.join(a)}"[:80] for p, a, _ in CASES])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, prog, args, message):
    cwd, out = tmp_path / "cwd", tmp_path / "out"
    cwd.mkdir()
    out.mkdir()
    r = run_main(prog, *args, cwd=cwd, timeout=120)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, r.stderr[-2000:]
    assert 1 <= len(lines) <= 3, r.stderr[-2000:]
    assert message in lines[-1], lines[-1]
    assert list(cwd.iterdir()) == [] and list(out.iterdir()) == []


def test_a_ranges_file_with_a_bad_value_is_one_line(tmp_path):
    ranges = tmp_path / "ranges.yaml"
    ranges.write_text("steps: abc\nmetrics: [participation_rate]\n"
                      "parameters:\n  consultation.adoption_rate: [0.1, 0.9]\n")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    r = run_main("experiments.sensitivity", f"ranges={ranges}", cwd=cwd, timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip() == (f"error: ranges file {ranges}: steps = 'abc' is not a whole number; "
                                "allowed: whole numbers 0 to 100000")
    assert list(cwd.iterdir()) == []


def test_collect_refuses_a_directory_without_our_sweep_manifest_and_writes_nothing(tmp_path):
    (tmp_path / "manifest.json").write_text('{"kind": "compare"}')
    r = run_main("experiments.collect", f"sweep={tmp_path}", cwd=tmp_path, timeout=120)
    assert r.returncode == 2 and "has no sweep manifest" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_the_python_api_refuses_labels_as_overrides():
    from model.community import CommunityModel
    from model.params import ConfigError

    with pytest.raises(ConfigError, match=r"^info\.scenario is set by the scenario file; choose scenario=<name>$"):
        CommunityModel(scenario_name="top_down", **{"info.scenario": "co_creation"})


def test_a_single_run_is_named_after_its_scenario_file(tmp_path):
    r = run_main("experiments.run", "scenario=top_down", "steps=1", "community.buildings=1", cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert [p.name for p in (tmp_path / "outputs").iterdir()] == ["top_down"]


def test_allow_large_runs_a_job_above_the_bounds_on_purpose(tmp_path, monkeypatch):
    from experiments import runner
    from experiments.study import check

    monkeypatch.setattr(runner, "MAX_RUNS", 1)
    cfg = {"community": {"buildings": 1, "households_per_building": 1, "adults_per_household": 1.0}, "steps": 1}
    with pytest.raises(SystemExit) as refused:
        check(runner.check_job_size, "replications × scenarios", 2, cfg, False, sizes="1 × 2")
    assert refused.value.code == 2
    check(runner.check_job_size, "replications × scenarios", 2, cfg, True)  # no exit


@pytest.mark.parametrize(("path", "ok"), [("new/dir", True), ("/etc/passwd", False), ("/proc/x", False),
                                          ("a" * 256, False), ("a" * 255, True)])
def test_check_out(tmp_path, monkeypatch, path, ok):
    from experiments import command_line

    monkeypatch.chdir(tmp_path)
    if ok:
        assert command_line.check_out("out", path) == Path(path)
    else:
        with pytest.raises(SystemExit):
            command_line.check_out("out", path)
    assert list(tmp_path.iterdir()) == []
