"""Scale of the experiment tools on this machine: prints wall time, peak memory and runs per second.

    python benchmarks/experiments_scale.py                 # all three measurements (~5 minutes on 2 cores)
    python benchmarks/experiments_scale.py runs=200         # a smaller sweep
    python benchmarks/experiments_scale.py only=[compare]   # any of compare, sweep-hydra, sweep-engine

1. ``python -m experiments.compare`` with its defaults (top_down vs co_creation, 30 seeds each,
   default community, 120 months, joblib on all cores): wall time; peak resident memory of
   the whole process tree (driver + worker processes, sampled every 0.1 s) and of its largest
   single process.
2. A ``runs``-run sweep of the default community (default scenario, 120 months, seeds
   0…runs−1) through Hydra's multirun and the official joblib launcher on all cores
   (``python -m experiments.run -m seed='range(0,N)' hydra/launcher=joblib``): runs per second,
   start-up, composition, job directories and collection into ``sweep.parquet`` included.
3. The same runs through the experiment engine (``python -m experiments.compare
   scenarios=[co_creation] replications=N``): runs per second.

Every measurement runs the real command in a fresh process, in a fresh temporary directory,
and reports the machine's load average before and after (other work on the machine slows
the figures). Nothing is cached between measurements.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def measure(cmd: list[str], cwd: Path) -> dict:
    """Run ``cmd``; return wall seconds, exit code, peak tree RSS and peak single-process RSS (MiB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = {"tree": 0, "single": 0}
    stop = threading.Event()

    def sample() -> None:
        root = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            rss = []
            for p in procs:
                try:
                    rss.append(p.memory_info().rss)
                except psutil.NoSuchProcess:
                    pass
            if rss:
                peak["tree"] = max(peak["tree"], sum(rss))
                peak["single"] = max(peak["single"], max(rss))
            stop.wait(0.1)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    t.join()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.stderr.write(err[-3000:])
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return {"wall": wall, "cpu": cpu, "rc": proc.returncode, "tree_mib": peak["tree"] / 2**20,
            "single_mib": peak["single"] / 2**20, "stdout": out}


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def report(name: str, runs: int, r: dict, before: str) -> None:
    """Print one measurement: wall, runs/s, memory, CPU time, and the load around it."""
    cores = len(os.sched_getaffinity(0))
    print(f"{name}\n  wall {r['wall']:.1f} s = {runs / r['wall']:.2f} runs/s; peak memory {r['tree_mib']:.0f} MiB "
          f"(whole process tree), {r['single_mib']:.0f} MiB (largest process); exit code {r['rc']}\n"
          f"  CPU time {r['cpu']:.1f} s = {r['cpu'] / runs:.3f} CPU s per run (start-up included), i.e. "
          f"about {cores * runs / r['cpu']:.2f} runs/s on {cores} idle cores\n"
          f"  load average (1, 5, 15 min) before {before}, after {load()}")


MEASUREMENTS = ("compare", "sweep-hydra", "sweep-engine")


def main(argv: list[str] | None = None) -> None:
    from experiments.command_line import Option, fail, parse

    options = {"runs": Option(1000, int, "runs in the sweep measurements", range=(1, 1_000_000)),
               "only": Option(list(MEASUREMENTS), list, f"the measurements: any of {', '.join(MEASUREMENTS)}")}
    argv = sys.argv[1:] if argv is None else list(argv)
    opts, _ = parse(argv, options, "benchmarks/experiments_scale.py", overrides=False)
    bad = [m for m in opts["only"] if m not in MEASUREMENTS]
    if bad:
        fail(f"only: {bad[0]!r} is not a measurement; allowed: {', '.join(MEASUREMENTS)}")
    todo, runs = opts["only"], opts["runs"]

    py = sys.executable
    print(f"machine: {os.cpu_count()} CPUs (this process may use {len(os.sched_getaffinity(0))}); "
          f"python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="cogov-bench-") as tmp:
        tmp = Path(tmp)
        if "compare" in todo:
            before = load()
            r = measure([py, "-m", "experiments.compare", f"out={tmp / 'compare'}", "progress=false"], ROOT)
            report("python -m experiments.compare (defaults: 2 scenarios x 30 seeds x 120 months, joblib, all cores)",
                   60, r, before)
        if "sweep-hydra" in todo:
            before = load()
            r = measure([py, "-m", "experiments.run", "-m", f"seed=range(0,{runs})", "hydra/launcher=joblib",
                         f"hydra.sweep.dir={tmp / 'sweep'}", "hydra.callbacks.sweep.progress=false"], ROOT)
            report(f"python -m experiments.run -m seed='range(0,{runs})' hydra/launcher=joblib "
                   f"({runs} runs, default community and scenario, 120 months)", runs, r, before)
        if "sweep-engine" in todo:
            before = load()
            r = measure([py, "-m", "experiments.compare", "scenarios=[co_creation]", f"replications={runs}",
                         f"out={tmp / 'engine'}", "progress=false"], ROOT)
            report(f"python -m experiments.compare scenarios=[co_creation] replications={runs} "
                   f"(the same {runs} runs through the engine, joblib)", runs, r, before)


if __name__ == "__main__":
    main()
