"""Build results directories (the experiments → analysis contract) from real model runs.

The report is developed and tested against directories shaped like those ``experiments.compare``,
sweeps and sensitivity analyses write (see :mod:`analysis.results`), filled with numbers from
real runs of the model (``experiments.runner.simulate``), never invented ones. Small
communities and short runs keep the tests fast.

Command line (for development and for measuring the report at full scale)::

    python tests/results_fixture.py compare out=/tmp/cmp seeds=30 steps=120 small=false report=true
    python tests/results_fixture.py sweep out=/tmp/sweep
    python tests/results_fixture.py sensitivity out=/tmp/sens method=sobol
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis import stats  # noqa: E402
from experiments import runner  # noqa: E402
from experiments.runner import package_version, simulate  # noqa: E402
from model.community import resolve_config  # noqa: E402

SMALL = {"community.buildings": 2, "community.households_per_building": 60, "community.buildings_per_grid": 1,
         "variation.enabled": False}
"""A two-building community of about 250 adults, at its means (model.variation): runs in milliseconds."""


def run(scenario: str, community: str, seed: int, steps: int,
        overrides: dict | None = None) -> tuple[pd.DataFrame, object]:
    """One run's tidy time series (scenario, community, seed, step, metrics) and its config."""
    cfg = resolve_config(scenario, community, None, dict(overrides or {}))
    ts = simulate(cfg, seed=seed, steps=steps)
    ts.insert(0, "seed", seed)
    ts.insert(0, "community", cfg.info.community)
    ts.insert(0, "scenario", cfg.info.scenario)
    return ts, cfg


def _command(kind: str, **kw) -> str:
    args = " ".join(f"{k}={shlex.quote(str(v))}" for k, v in kw.items())
    return f"python tests/results_fixture.py {kind} {args}"


def _base_manifest(kind, scenarios, cfgs, community, seeds, steps, overrides, command, window) -> dict:
    return {
        "kind": kind,
        "scenarios": list(scenarios),
        "descriptions": {s: cfgs[s].info.scenario_description for s in scenarios},
        "community": community,
        "community_description": next(iter(cfgs.values())).info.community_description,
        "replications": len(seeds),
        "steps": steps,
        "seeds": [int(s) for s in seeds],
        "version": package_version(),
        "command": command,
        "overrides": dict(overrides or {}),
        "window": window,
    }


def build_compare(out: Path, scenarios=("top_down", "co_creation"), community: str = "default",
                  seeds=range(3), steps: int = 24, overrides: dict | None = SMALL,
                  with_cost_in_summary: bool = False, window: int = 12) -> Path:
    """A compare job directory: timeseries.parquet, summary.parquet, manifest.json.

    ``summary.parquet`` leaves out the cost per completed project unless asked, so the report's
    own computation of it from the time series is exercised.
    """
    out = Path(out)
    seeds = list(seeds)
    parts, cfgs = [], {}
    for s in scenarios:
        for seed in seeds:
            ts, cfgs[s] = run(s, community, seed, steps, overrides)
            parts.append(ts)
    ts = pd.concat(parts, ignore_index=True)
    outcomes = stats.run_outcomes(ts, ["scenario", "seed"], window)
    metrics = [c for c in outcomes.columns if c not in ("scenario", "seed")]
    if not with_cost_in_summary:
        metrics.remove(stats.COST_PER_PROJECT)
    summary = stats.summarise(outcomes, list(scenarios), metrics)
    runner.write_parquet(ts, out / "timeseries.parquet")
    runner.write_parquet(summary, out / "summary.parquet")
    cmd = _command("compare", out=out, scenarios=",".join(scenarios), community=community,
                   seeds=len(seeds), steps=steps, small=bool(overrides))
    runner.write_json(_base_manifest("compare", scenarios, cfgs, community, seeds, steps, overrides, cmd, window),
                  out / "manifest.json")
    return out


def build_sweep(out: Path, parameters: dict[str, list] | None = None, scenarios=("co_creation",),
                community: str = "default", seeds=range(2), steps: int = 24,
                overrides: dict | None = SMALL, window: int = 12) -> Path:
    """A sweep job directory: sweep.parquet (parameters as columns) and manifest.json."""
    out = Path(out)
    parameters = parameters or {"consultation.adoption_rate": [0.1, 0.5, 0.9], "disclosure.level": [0.0, 0.9]}
    names = list(parameters)
    grid = pd.MultiIndex.from_product(list(parameters.values()), names=names).to_frame(index=False)
    seeds = list(seeds)
    parts, cfgs = [], {}
    for s in scenarios:
        for _, point in grid.iterrows():
            values = {n: point[n].item() if hasattr(point[n], "item") else point[n] for n in names}
            for seed in seeds:
                ts, cfgs[s] = run(s, community, seed, steps, {**(overrides or {}), **values})
                for n in names:
                    ts[n] = values[n]
                parts.append(ts)
    table = pd.concat(parts, ignore_index=True)
    runner.write_parquet(table, out / "sweep.parquet")
    cmd = _command("sweep", out=out, community=community, seeds=len(seeds), steps=steps)
    manifest = _base_manifest("sweep", scenarios, cfgs, community, seeds, steps, overrides, cmd, window)
    manifest["swept"] = {n: list(v) for n, v in parameters.items()}
    runner.write_json(manifest, out / "manifest.json")
    return out


SENSITIVITY_PROBLEM = {
    "num_vars": 3,
    "names": ["consultation.adoption_rate", "disclosure.level", "incentives.coin_value"],
    "bounds": [[0.0, 1.0], [0.0, 1.0], [0.0, 5.0]],
}
SENSITIVITY_METRICS = ("participation_rate", "trust_in_government", "satisfaction", "free_riding_rate")


def build_sensitivity(out: Path, method: str = "sobol", samples: int = 8, scenario: str = "co_creation",
                      community: str = "default", seed: int = 0, steps: int = 24,
                      overrides: dict | None = SMALL, problem: dict | None = None, window: int = 12) -> Path:
    """A sensitivity job directory (Sobol or Morris via SALib): indices.parquet and manifest.json.

    Each sample point is one run with the same seed (common random numbers).
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    out = Path(out)
    problem = problem or SENSITIVITY_PROBLEM
    if method == "sobol":
        X = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    elif method == "morris":
        X = morris_sample.sample(problem, samples, num_levels=4, seed=seed)
    else:
        raise ValueError(f"method = {method!r}; allowed: sobol, morris")
    outcomes, cfg = [], None
    for row in X:
        values = dict(zip(problem["names"], (float(v) for v in row)))
        ts, cfg = run(scenario, community, seed, steps, {**(overrides or {}), **values})
        o = stats.run_outcomes(ts, ["scenario", "seed"], window)
        outcomes.append(o.iloc[0])
    Y = pd.DataFrame(outcomes)
    rows = []
    for metric in SENSITIVITY_METRICS:
        y = Y[metric].to_numpy(dtype=float)
        if method == "sobol":
            S = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
            for k, name in enumerate(problem["names"]):
                rows.append({"method": "sobol", "metric": metric, "parameter": name,
                             "S1": S["S1"][k], "S1_conf": S["S1_conf"][k], "ST": S["ST"][k],
                             "ST_conf": S["ST_conf"][k]})
        else:
            S = morris_analyze.analyze(problem, X, y, num_levels=4, seed=seed)
            for k, name in enumerate(problem["names"]):
                rows.append({"method": "morris", "metric": metric, "parameter": name, "mu_star": S["mu_star"][k],
                             "mu_star_conf": S["mu_star_conf"][k], "sigma": S["sigma"][k]})
    runner.write_parquet(pd.DataFrame(rows), out / "indices.parquet")
    cmd = _command("sensitivity", out=out, method=method, samples=samples, steps=steps)
    manifest = _base_manifest("sensitivity", [scenario], {scenario: cfg}, community, [seed], steps, overrides, cmd,
                              window)
    manifest.update({"method": method, "samples": samples, "runs": len(X),
                     "parameters": dict(zip(problem["names"], problem["bounds"])),
                     "metrics": list(SENSITIVITY_METRICS)})
    runner.write_json(manifest, out / "manifest.json")
    return out


def main(argv: list[str]) -> None:
    kind, *rest = argv
    kw = dict(a.split("=", 1) for a in rest)
    out = Path(kw.pop("out", f"/tmp/cogov-{kind}"))
    small = kw.pop("small", "true").lower() != "false"
    report = kw.pop("report", "false").lower() == "true"
    overrides = SMALL if small else {}
    t0 = time.perf_counter()
    if kind == "compare":
        build_compare(out, scenarios=tuple(kw.get("scenarios", "top_down,co_creation").split(",")),
                      community=kw.get("community", "default"), seeds=range(int(kw.get("seeds", 3))),
                      steps=int(kw.get("steps", 24)), overrides=overrides)
    elif kind == "sweep":
        build_sweep(out, seeds=range(int(kw.get("seeds", 2))), steps=int(kw.get("steps", 24)), overrides=overrides)
    elif kind == "sensitivity":
        build_sensitivity(out, method=kw.get("method", "sobol"), samples=int(kw.get("samples", 8)),
                          steps=int(kw.get("steps", 24)), overrides=overrides)
    else:
        raise SystemExit(f"kind = {kind!r}; allowed: compare, sweep, sensitivity")
    simulated = time.perf_counter() - t0
    print(f"{kind} results: {out} (simulation {simulated:.1f} s)")
    if report:
        from analysis.report import build_report

        t1 = time.perf_counter()
        path = build_report(out, quiet=False)
        built = time.perf_counter() - t1
        print(f"report: {path}")
        print(f"timing: simulation {simulated:.1f} s + report {built:.1f} s = {simulated + built:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
