"""The yardstick: a trivial vectorised network rule, timed beside the model in the same minute.

The machine's speed drifts by 2x from hour to hour, so a speed is quoted as a ratio to this
kernel measured in the same run, never as an absolute figure alone::

    W = row-normalised CSR adjacency of watts_strogatz(100_000, 8, 0.1)
    repeat 100 times:  m = W @ x;  x = where(m > 0.5, 1, 0.9 x)

Its rate is node-steps a second; the model's is resident-months a second, so the ratio
``model / yardstick`` says how many trivial rule-steps one resident-month costs.

Usage::

    python -m benchmarks.yardstick                      # 100,000 residents, co-creation: the ratio
    python -m benchmarks.yardstick residents=10000 months=24 scenario=top_down repeats=5

Each figure is the median of ``repeats`` alternating measurements (yardstick, model, yardstick, ...),
in wall time and in this process's CPU time, with the load average before and after.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np

NODES = 100_000
STEPS = 100


def yardstick_graph(n: int = NODES, seed: int = 0):
    """The yardstick's row-normalised CSR matrix (``watts_strogatz(n, 8, 0.1)``)."""
    import networkx as nx
    import scipy.sparse as sp

    g = nx.watts_strogatz_graph(n, 8, 0.1, seed=seed)
    a = nx.to_scipy_sparse_array(g, format="csr", dtype=float)
    rows = np.asarray(a.sum(axis=1)).ravel()
    return sp.csr_array(sp.diags(1.0 / np.maximum(rows, 1)) @ a)


def yardstick_rate(w, steps: int = STEPS, seed: int = 0) -> tuple[float, float]:
    """Node-steps a second of the yardstick rule on ``w``: (wall, CPU)."""
    x = np.random.default_rng(seed).random(w.shape[0])
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        m = w @ x
        x = np.where(m > 0.5, 1.0, 0.9 * x)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = w.shape[0] * steps
    return n / wall, n / max(cpu, 1e-9)


def model_rate(model, months: int) -> tuple[float, float]:
    """Resident-months a second of ``months`` further months of ``model``: (wall, CPU)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(months):
        model.step()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = model.n_residents * months
    return n / wall, n / max(cpu, 1e-9)


def measure(residents: int = NODES, scenario: str = "co_creation", months: int = 12, warmup: int = 6,
            repeats: int = 3) -> dict:
    """The model's rate at about ``residents`` adults beside the yardstick's, alternated ``repeats`` times."""
    from experiments.benchmark import buildings_for
    from model.community import CommunityModel

    w = yardstick_graph()
    yardstick_rate(w, 5)  # warm the caches
    model = CommunityModel(scenario_name=scenario, rng=1, **{"community.buildings": buildings_for(residents, scenario)})
    for _ in range(warmup):
        model.step()
    load_before = os.getloadavg()
    ys, ms = [], []
    for _ in range(repeats):
        ys.append(yardstick_rate(w))
        ms.append(model_rate(model, months))
    ys.append(yardstick_rate(w))
    y_wall, y_cpu = (statistics.median(v[k] for v in ys) for k in (0, 1))
    m_wall, m_cpu = (statistics.median(v[k] for v in ms) for k in (0, 1))
    return {"residents": model.n_residents, "scenario": scenario, "months": months, "repeats": repeats,
            "yardstick_wall": y_wall, "yardstick_cpu": y_cpu, "model_wall": m_wall, "model_cpu": m_cpu,
            "ratio_wall": m_wall / y_wall, "ratio_cpu": m_cpu / y_cpu,
            "month_ms_wall": 1e3 * model.n_residents / m_wall, "month_ms_cpu": 1e3 * model.n_residents / m_cpu,
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> int:
    args = dict(a.split("=", 1) for a in (sys.argv[1:] if argv is None else argv))
    r = measure(residents=int(args.get("residents", NODES)), scenario=args.get("scenario", "co_creation"),
                months=int(args.get("months", 12)), repeats=int(args.get("repeats", 3)))
    print(f"{r['residents']:,} residents, {r['scenario']}, {r['months']} months × {r['repeats']} (median); "
          f"load {r['load_before']} → {r['load_after']}")
    print(f"  yardstick   {r['yardstick_wall'] / 1e6:8.1f} M node-steps/s wall   {r['yardstick_cpu'] / 1e6:8.1f} M CPU")
    print(f"  model       {r['model_wall'] / 1e6:8.2f} M resident-months/s wall {r['model_cpu'] / 1e6:6.2f} M CPU"
          f"   ({r['month_ms_wall']:.1f} ms a month wall, {r['month_ms_cpu']:.1f} CPU)")
    print(f"  model / yardstick: {r['ratio_wall']:.4f} wall, {r['ratio_cpu']:.4f} CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
