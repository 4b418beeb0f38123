"""Speed and memory of the model, against the idiomatic Mesa reference: ``python -m experiments.benchmark``.

Usage::

    python -m experiments.benchmark                               # everything (~4 minutes on 2 cores)
    python -m experiments.benchmark sizes=[1000,10000] sweep_runs=0
    python -m experiments.benchmark reference_max=100000          # the reference at 100,000 too (slow)
    python -m experiments.benchmark out=bench.json                # where the JSON goes

What it measures (each model measurement in a fresh Python process, so that its peak memory
is that of one size alone, with one BLAS thread as every run of the runner has:
:func:`experiments.runner.one_blas_thread`):

1. **scaling** — for each size (residents: 1,000, 10,000, 100,000, 1,000,000) the
   ``co_creation`` scenario (all its mechanisms on) in a community scaled by
   ``community.buildings`` (~120 households and ~250 adults a building, 4 buildings a
   micro-grid, so a district of a million has ~1,000 grids): the time to build the model
   (population, graph, Mesa agents), the time of ``steps`` months, the steady-state
   resident-steps per second (months after the first ``warmup``), and the process's peak
   resident memory (RSS);
2. the same for the **reference implementation** (:mod:`benchmarks.reference`: one
   ``Resident.step()`` per agent in Python, neighbours through Mesa's network space) at the
   sizes up to ``reference_max``, for ``reference_steps`` months, and the speed-up;
3. a **default run** — the default community and scenario, 120 months — as an experiment
   does it: the first in a process (Hydra composes the config, then it is cached) and the
   median of the next five;
4. a **sweep** — ``sweep_runs`` runs of the default community through the experiment engine on
   all local cores (``python -m experiments.compare scenarios=[co_creation]
   replications=N``, joblib, into a temporary directory): runs per second.

It prints a table, the targets of issue 8 with the measured figure and pass/fail, and writes
everything as JSON (``out``, default ``outputs/benchmark/<time>.json``) with the machine, the
load average around each measurement, the versions and the git commit, so results can be
compared over time. Other work on the machine slows the figures: the load is reported.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from experiments.command_line import MAX_MONTHS, Option, check_out, fail, parse

PROG = "experiments.benchmark"
ROOT = Path(__file__).resolve().parents[1]

MAX_BENCHMARK_RESIDENTS = 10_000_000
"""The largest community the benchmark builds (the 1,000,000-resident district peaks at ~1.5 GiB)."""

OPTIONS = {
    "sizes": Option(["1000", "10000", "100000", "1000000"], list, "community sizes (adult residents)"),
    "scenario": Option("co_creation", str, "scenario of the scaling runs"),
    "steps": Option(120, int, "months of each scaling run", range=(2, MAX_MONTHS)),
    "warmup": Option(12, int, "months not counted in the steady-state rate", range=(0, MAX_MONTHS)),
    "reference_max": Option(10_000, int, "largest size the reference runs at (it is ~100x slower)",
                            range=(0, 1_000_000)),
    "reference_steps": Option(12, int, "months of each reference run", range=(2, MAX_MONTHS)),
    "reference_warmup": Option(2, int, "reference months not counted in its steady-state rate",
                               range=(0, MAX_MONTHS)),
    "sweep_runs": Option(1000, int, "runs of the sweep measurement (0: skip it)",
                         range=(0, 1_000_000)),
    "out": Option(None, str, "JSON file (default outputs/benchmark/<time>.json)"),
}

TARGETS = (
    # (key, what, comparison, limit, unit)
    ("rate_100k", "resident-steps/s at 100,000 residents", ">=", 10e6, "/s"),
    ("speedup_10k", "speed-up over the reference at 10,000 residents", ">=", 50, "x"),
    ("build_100k", "build a 100,000-resident community (graph included)", "<", 3.0, "s"),
    ("run_1m", "1,000,000 residents: build + 120 months", "<", 120.0, "s"),
    ("rss_1m", "1,000,000 residents: peak memory", "<", 8 * 1024, "MiB"),
    ("default_run", "a default run (default community, 120 months)", "<", 0.2, "s"),
)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


# ------------------------------------------------------------------ in the measuring process
def buildings_for(residents: int, scenario: str) -> int:
    """Buildings that house about ``residents`` adults (the community's households per building
    and adults per household)."""
    import scenarios

    c = scenarios.compose_dict(scenario, None)["community"]
    return max(1, round(residents / (c["households_per_building"] * c["adults_per_household"])))


def measure_model(impl: str, residents: int, scenario: str, steps: int, warmup: int) -> dict:
    """Build one model of about ``residents`` adults and run it ``steps`` months (this process)."""
    if impl == "fast":
        from model.community import CommunityModel as cls
    else:
        from benchmarks.reference import ReferenceModel as cls
    import scenarios

    buildings = buildings_for(residents, scenario)
    scenarios.compose_dict(scenario, None)  # imports and Hydra's start-up are not the model's build
    cls(scenario_name=scenario, rng=0, **{"community.buildings": 1})  # the composed config is cached from now on
    rss_before = _peak_rss_mib()
    start = time.perf_counter()
    m = cls(scenario_name=scenario, rng=1, **{"community.buildings": buildings})
    built = time.perf_counter()
    for _ in range(warmup):
        m.step()
    spent = _time_institutions(m) if impl == "fast" else None
    steady_start = time.perf_counter()
    for _ in range(steps - warmup):
        m.step()
    end = time.perf_counter()
    n = m.n_residents
    steady = end - steady_start
    return {
        "impl": impl, "target_residents": residents, "residents": n, "buildings": buildings,
        "grids": len(m.grids) if impl == "reference" else m.n_grids,
        "ties": m.G.number_of_edges() if impl == "reference" else m.graph.n_ties,
        "build_s": built - start, "steps": steps, "run_s": end - built, "warmup": warmup,
        "steady_s": steady, "steady_rate": n * (steps - warmup) / steady if steady > 0 else float("nan"),
        "month_ms": 1e3 * steady / max(steps - warmup, 1),
        "rss_before_build_mib": rss_before, "peak_rss_mib": _peak_rss_mib(),
        "institutions_share": spent[0] / steady if spent and steady > 0 else None,
    }


def _time_institutions(model) -> list[float]:
    """Wrap every institution's ``step`` (and the street office's approval and answers) with a timer;
    returns the running total in seconds (a one-element list)."""
    spent = [0.0]

    def timed(fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - t
        return wrapper

    for agent in model.institutions:
        agent.step = timed(agent.step)
    model.government.approve = timed(model.government.approve)
    model.government.answer = timed(model.government.answer)
    return spent


def measure_default_run(repeats: int = 5) -> dict:
    """A default run (default community and scenario, 120 months) as ``experiments.runner.run_model`` does it."""
    import statistics

    from model.community import CommunityModel

    times = []
    for k in range(repeats + 1):
        start = time.perf_counter()
        m = CommunityModel(rng=k)
        for _ in range(120):
            m.step()
        m.timeseries()
        times.append(time.perf_counter() - start)
    return {"residents": m.n_residents, "first_s": times[0], "median_s": statistics.median(times[1:]),
            "times_s": times, "peak_rss_mib": _peak_rss_mib()}


# ------------------------------------------------------------------ the driver
def _child(task: dict) -> dict:
    """Run one measurement in a fresh Python process; return its result (with the load around it)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    before = _load()
    proc = subprocess.run([sys.executable, "-m", PROG, "--measure", json.dumps(task)], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"measurement {task} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["load_before"], result["load_after"] = before, _load()
    return result


def _sweep(runs: int) -> dict:
    from benchmarks.experiments_scale import measure

    with tempfile.TemporaryDirectory(prefix="cogov-bench-") as tmp:
        before = _load()
        cmd = [sys.executable, "-m", "experiments.compare", "scenarios=[co_creation]", f"replications={runs}",
               f"out={Path(tmp) / 'sweep'}", "progress=false"]
        r = measure(cmd, ROOT)
    if r["rc"] != 0:
        raise RuntimeError(f"the sweep failed (exit code {r['rc']})")
    cores = len(os.sched_getaffinity(0))
    return {"runs": runs, "wall_s": r["wall"], "runs_per_s": runs / r["wall"], "cpu_s": r["cpu"],
            "cpu_s_per_run": r["cpu"] / runs, "cores": cores, "peak_tree_rss_mib": r["tree_mib"],
            "command": "python -m experiments.compare scenarios=[co_creation] "
                       f"replications={runs} out=<temporary directory> progress=false",
            "launcher": "experiments.runner, joblib (loky) on all cores",
            "load_before": before, "load_after": _load()}


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except Exception:
        return None


def _machine() -> dict:
    from importlib.metadata import version

    import mesa
    import numpy
    import scipy

    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "usable_cpus": len(os.sched_getaffinity(0)),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": platform.python_version(), "numpy": numpy.__version__, "scipy": scipy.__version__,
            "numba": version("numba"), "mesa": mesa.__version__, "platform": platform.platform()}


def evaluate_targets(results: dict) -> list[dict]:
    """The issue's targets with the measured figures (None where not measured)."""
    fast = {r["target_residents"]: r for r in results["scaling"] if r["impl"] == "fast"}
    ref = {r["target_residents"]: r for r in results["scaling"] if r["impl"] == "reference"}
    figures = {
        "rate_100k": fast.get(100_000, {}).get("steady_rate"),
        "speedup_10k": (fast[10_000]["steady_rate"] / ref[10_000]["steady_rate"]
                        if 10_000 in fast and 10_000 in ref else None),
        "build_100k": fast.get(100_000, {}).get("build_s"),
        "run_1m": (fast[1_000_000]["build_s"] + fast[1_000_000]["run_s"]
                   if 1_000_000 in fast and fast[1_000_000]["steps"] == 120 else None),
        "rss_1m": fast.get(1_000_000, {}).get("peak_rss_mib"),
        "default_run": (results.get("default_run") or {}).get("median_s"),
    }
    out = []
    for key, what, op, limit, unit in TARGETS:
        v = figures[key]
        ok = None if v is None else (v >= limit if op == ">=" else v < limit)
        out.append({"target": key, "what": what, "limit": f"{op} {limit:g} {unit}", "measured": v, "unit": unit,
                    "met": ok})
    return out


def _num(v, unit=""):
    if v is None:
        return "—"
    if unit == "/s":
        return f"{v / 1e6:.2f} M/s" if v >= 1e6 else f"{v / 1e3:.1f} k/s"
    if unit == "MiB":
        return f"{v:,.0f} MiB"
    if unit == "x":
        return f"{v:,.0f}x"
    return f"{v:.3f} {unit}".strip()


def print_report(results: dict) -> None:
    from experiments.study import console, printed_table

    out = console()
    m = results["machine"]
    out.print(f"{m['cpu']}, {m['usable_cpus']} usable CPUs, {m['memory_gib']} GiB; Python {m['python']}, numpy "
              f"{m['numpy']}, numba {m.get('numba', '?')}, Mesa {m['mesa']}; "
              f"commit {(results['commit'] or 'unknown')[:10]}", highlight=False)
    table = printed_table("", "residents", "ties", "build s", "months", "run s", "ms/month", "res-steps/s", "RSS MiB",
                          "speed-up", "institutions", "load", left=("",),
                          title=f"{results['options']['scenario']}: build, steady state, peak memory")
    ref = {r["target_residents"]: r for r in results["scaling"] if r["impl"] == "reference"}
    for r in results["scaling"]:
        speedup = ""
        if r["impl"] == "fast" and r["target_residents"] in ref:
            speedup = f"{r['steady_rate'] / ref[r['target_residents']]['steady_rate']:,.0f}x"
        table.add_row("vectorised" if r["impl"] == "fast" else "reference", f"{r['residents']:,}", f"{r['ties']:,}",
                      f"{r['build_s']:.2f}", str(r["steps"]),
                      f"{r['run_s']:.2f}", f"{r['month_ms']:.2f}", _num(r["steady_rate"], "/s"),
                      f"{r['peak_rss_mib']:,.0f}", speedup,
                      f"{r['institutions_share']:.1%}" if r.get("institutions_share") is not None else "",
                      f"{r['load_before'][0]:.2f}-{r['load_after'][0]:.2f}")
    out.print(table)
    out.print("reference: benchmarks/reference.py (one Resident.step() per agent, neighbours through "
              "mesa.discrete_space.Network);\nties: social ties (each stored twice in the CSR graph); RSS: peak "
              "resident memory of the process; institutions: share of the steady-state month spent in the "
              "institutions' steps (street office, committee, Party organisation, units, social organisations); "
              "load: 1-minute load average before-after", highlight=False)
    d = results.get("default_run")
    if d:
        out.print(f"default run ({d['residents']:,} residents, 120 months): first in a process {d['first_s']:.3f} s "
                  f"(Hydra composes the config), then median {d['median_s']:.3f} s", highlight=False)
    s = results.get("sweep")
    if s:
        out.print(f"sweep: {s['runs']:,} default runs in {s['wall_s']:.1f} s = {s['runs_per_s']:.1f} runs/s on "
                  f"{s['cores']} cores ({s['cpu_s_per_run']:.3f} CPU s per run, start-up included; peak memory "
                  f"{s['peak_tree_rss_mib']:,.0f} MiB); load {s['load_before'][0]:.2f}→{s['load_after'][0]:.2f}\n"
                  f"  {s['command']}", highlight=False, markup=False)
    t = printed_table("target", "limit", "measured", "met", left=("target",), title="targets (issue 8)")
    for r in results["targets"]:
        met = "—" if r["met"] is None else ("yes" if r["met"] else "NO")
        t.add_row(r["what"], r["limit"], _num(r["measured"], r["unit"]), met)
    out.print(t)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--measure"]:  # inside a fresh measuring process, with one BLAS thread as the runner's runs
        from experiments.runner import one_blas_thread

        task = json.loads(argv[1])
        kind = task.pop("kind")
        with one_blas_thread():
            result = measure_default_run() if kind == "default_run" else measure_model(**task)
        print(json.dumps(result))
        return 0
    opts, overrides = parse(argv, OPTIONS, PROG)
    if overrides:
        fail(f"unknown option {overrides[0].key_or_group!r}; options: {', '.join(OPTIONS)}")
    try:
        sizes = [int(s) for s in opts["sizes"]]
    except ValueError:
        fail(f"sizes = {opts['sizes']} must be whole numbers of residents")
    if any(s < 10 or s > MAX_BENCHMARK_RESIDENTS for s in sizes):
        fail(f"sizes: each must be whole numbers 10 to {MAX_BENCHMARK_RESIDENTS} residents")
    if opts["warmup"] >= opts["steps"] or opts["reference_warmup"] >= opts["reference_steps"]:
        fail("warmup must be smaller than steps (and reference_warmup than reference_steps)")
    import scenarios
    from model.params import ConfigError

    try:
        scenarios.check_name("scenario", opts["scenario"])
    except ConfigError as exc:
        fail(str(exc))

    stamp = time.strftime("%Y-%m-%d_%H-%M-%S")
    out = check_out("out", opts["out"] or Path("outputs") / "benchmark" / f"{stamp}.json", directory=False)
    results = {"kind": "benchmark", "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "commit": _git_commit(),
               "machine": _machine(), "options": opts, "command": " ".join(["python", "-m", PROG, *argv]),
               "scaling": []}
    for size in sizes:
        for impl, steps, warmup in (("fast", opts["steps"], opts["warmup"]),
                                    ("reference", opts["reference_steps"], opts["reference_warmup"])):
            if impl == "reference" and size > opts["reference_max"]:
                continue
            print(f"measuring {impl} at {size:,} residents ...", file=sys.stderr, flush=True)
            results["scaling"].append(_child({"kind": "model", "impl": impl, "residents": size,
                                              "scenario": opts["scenario"], "steps": steps, "warmup": warmup}))
    print("measuring a default run ...", file=sys.stderr, flush=True)
    results["default_run"] = _child({"kind": "default_run"})
    if opts["sweep_runs"]:
        print(f"measuring a sweep of {opts['sweep_runs']:,} runs ...", file=sys.stderr, flush=True)
        results["sweep"] = _sweep(opts["sweep_runs"])
    results["targets"] = evaluate_targets(results)
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    out.parent.mkdir(parents=True, exist_ok=True)
    from experiments import runner

    runner.write_json(results, out)
    print_report(results)
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
