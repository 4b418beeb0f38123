"""Robustness over deep uncertainty on EMA Workbench: regret, the minimax-regret policy, and where
co-creation fails (PRIM): ``python -m experiments.robustness``.

Usage::

    python -m experiments.robustness                                 # scenarios/robustness/default.yaml
    python -m experiments.robustness scenarios=100 n_processes=2 out=outputs/robustness/mine
    python -m experiments.robustness worlds=outputs/ensemble/x/posterior.parquet   # the calibrated worlds

The design file (``ranges=<name>`` under ``scenarios/robustness/``, or a path; the commented example is
``scenarios/robustness/default.yaml``) declares, as an EMA design does, ``community``, ``steps``,
``window``, ``seeds`` and ``uncertainties`` (dotted config keys → ``[low, high]``: the states of the world),
and ``policies`` (scenario names), ``outcomes`` (headline metric → ``higher`` or ``lower`` is better),
``baseline`` and ``policy`` (PRIM: where does ``policy`` fail to beat ``baseline``?) and, optionally,
``margins`` (outcome → the advantage that counts as beating; default 0).

It is run as an EMA design (:mod:`experiments.ema`: cogov as an EMA ``ReplicatorModel``, its
checks, its runs through the runner and PRIM; the policies are the lever ``scenario_name``, full factorial): every
sampled world (Latin hypercube, ``scenarios`` points, ``sampler_seed``) with every policy and
every seed, each run kept in ``<out>/runs/`` (the same ``out`` again computes nothing new). With
``worlds=<posterior.parquet>`` (a table of parameter vectors, e.g. the ABC posterior of
:mod:`experiments.ensemble`: one column per dotted key, optionally ``weight``), the worlds are
``scenarios`` rows drawn from it without replacement (by weight, ``sampler_seed``), every key of
the table a design uncertainty; the design's other uncertainties stay at their configured values.

**Regret.** For outcome o with sign s_o (+1 when higher is better, −1 when lower is better, e.g.
cost), policy p in world w (y: the mean over the seeds, the same seeds for every policy)::

    regret(p, w, o) = max_q s_o·y(q, w, o) − s_o·y(p, w, o)   ≥ 0, and 0 for the best policy of the world

The **minimax-regret** policy of an outcome minimises max_w regret(p, w, o). Overall, each outcome's
regret is divided by the spread of that outcome over all runs (max − min: a dimensionless 0–1
scale), and the policy that minimises the largest such regret over worlds and outcomes is chosen.

**PRIM.** Per world the paired advantage of ``policy`` over ``baseline`` on o is s_o·(y(policy) −
y(baseline)) − m_o (same world, same seeds; m_o = ``margins[o]``, default 0: any shortfall fails); the
cases of interest are the worlds where it is below 0 on participation, on trust or on cost (each
outcome of the design with a PRIM box), and where it fails on any of them. PRIM
(``ema_workbench.analysis.prim`` through :func:`experiments.ema.find_box`) finds a box of
uncertainties where they concentrate, printed with coverage (share of the cases inside),
density (share of the box's worlds that are cases) and limits (:func:`experiments.ema.box_text`).

The job directory (default ``outputs/robustness/<time>``) is specified in ``docs/results.md`` (robustness).

Bad options end the job before it starts with one line and exit code 2; ``--help`` lists them.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd

from experiments import ema
from experiments.command_line import MAX_MONTHS, MAX_SAMPLER_SEED, MAX_SAMPLES, MAX_WORKERS, Option, check_path
from experiments.study import check, console, fmt, printed_table, read_design
from model.params import ConfigError

EMA_KEYS = {"community", "steps", "window", "seeds", "uncertainties"}
DESIGN_KEYS = EMA_KEYS | {"policies", "outcomes", "baseline", "policy", "margins"}
DIRECTIONS = {"higher": 1.0, "lower": -1.0}
PRIM_OUTCOMES = ("participation_rate", "trust_in_government", "government_spending", "government_spending_total")
"""Outcomes PRIM asks about (those of the design): participation, trust, cost."""
WEIGHT = "weight"
"""The optional column of a worlds table with each row's weight (an ABC posterior's importance weights)."""
NOT_PARAMETERS = (WEIGHT, "distance")
"""Columns of a worlds table that are no parameter (an ABC posterior's weight and distance)."""

OPTIONS = {
    "ranges": Option("default", str, "the design: a name under scenarios/robustness/ or a YAML path"),
    "scenarios": Option(40, int, "worlds: Latin hypercube samples, or rows drawn from worlds=",
                        range=(1, MAX_SAMPLES)),
    "worlds": Option(None, str, "a parquet table of parameter vectors (e.g. an ABC posterior) to use as the worlds"),
    "sampler_seed": Option(0, int, "seed of the sampler (and of the draw from worlds=)", range=(0, MAX_SAMPLER_SEED)),
    "n_processes": Option(1, int, "1: EMA's SequentialEvaluator; more, or -1 (all cores): MultiprocessingEvaluator",
                          range=(-1, MAX_WORKERS), exclude=(0,)),
    "community": Option(None, str, "community of every run (default: the design's)"),
    "steps": Option(None, int, "months per run (default: the design's)", range=(0, MAX_MONTHS)),
    "window": Option(None, int, "months averaged into a run's outcome (default: the design's)", range=(1, MAX_MONTHS)),
    "seeds": Option(None, list, "replication seeds, e.g. [0,1] (default: the design's)"),
    "out": Option(None, str, "job directory (default outputs/robustness/<time>); the same out reuses its runs"),
    "prim.peel_alpha": Option(0.05, float, "PRIM's peeling share per step", range=(0.0, 1.0)),
    "prim.min_density": Option(0.8, float, "the box shown: the largest coverage with at least this density",
                               range=(0.0, 1.0)),
}


@dataclasses.dataclass(frozen=True)
class Robustness:
    """A checked robustness design: the EMA design it runs and what regret and PRIM need."""

    path: Path
    design: ema.Design  # levers = {scenario_name: policies}
    directions: dict[str, float]  # outcome → +1 (higher is better) or −1
    baseline: str
    policy: str
    margins: dict = dataclasses.field(default_factory=dict)  # outcome → the advantage that counts as beating


def load(spec: str) -> Robustness:
    """Read and check a robustness design (see the module docstring); ConfigError (one line) when bad.
    The EMA part is checked by :func:`experiments.ema.load_design` (every range inside its key's range)."""
    path, data = read_design("ranges", spec, "robustness", "design file", keys=DESIGN_KEYS)
    policies = data.get("policies")
    if not isinstance(policies, list) or len(policies) < 2:
        raise ConfigError(f"design file {path}: policies must list at least 2 scenario names")
    outcomes = data.get("outcomes")
    if not isinstance(outcomes, dict) or not outcomes:
        raise ConfigError(f"design file {path}: outcomes must map metrics to higher or lower")
    for m, d in outcomes.items():
        if d not in DIRECTIONS:
            raise ConfigError(f"design file {path}: outcomes.{m} = {d!r}; allowed: higher, lower")
    baseline, policy = str(data.get("baseline", policies[0])), str(data.get("policy", policies[-1]))
    for what, name in (("baseline", baseline), ("policy", policy)):
        if name not in policies:
            raise ConfigError(f"design file {path}: {what} = {name!r} is not one of the policies {policies}")
    margins = data.get("margins") or {}
    if not isinstance(margins, dict):
        raise ConfigError(f"design file {path}: margins must map outcomes to numbers")
    for m, v in margins.items():
        if m not in outcomes or isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigError(f"design file {path}: margins.{m} = {v!r} must be a number for an outcome "
                              "of the design")
    ema_part = {k: data[k] for k in EMA_KEYS if k in data}
    ema_part.update(levers={"scenario_name": [str(p) for p in policies]}, outcomes=[str(m) for m in outcomes])
    design = ema.check_design(path, ema_part)
    return Robustness(path, design, {str(m): DIRECTIONS[d] for m, d in outcomes.items()}, baseline, policy,
                      {str(m): float(v) for m, v in margins.items()})


def load_worlds(path: str, design: ema.Design, n: int, seed: int) -> tuple:
    """``n`` worlds drawn without replacement (by the table's ``weight``, if any) from a parquet table of
    parameter vectors, as an EMA ``SampleCollection`` (in the table's row order); returns (samples, the
    uncertainties restricted to the table's keys: each key of the table must be one of the design's).
    ConfigError (one line) when the table does not fit."""
    ema._workbench()  # imported without its warning
    p = check_path("worlds", path)
    try:
        table = pd.read_parquet(p)
    except (OSError, ValueError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"worlds = {path}: not a readable parquet table ({first})") from None
    keys = [c for c in table.columns if c not in NOT_PARAMETERS]
    unknown = [k for k in keys if k not in design.uncertainties]
    if unknown or not keys:
        raise ConfigError(f"worlds = {path}: column {unknown[0] if unknown else '(none)'} is not an uncertainty of the "
                          f"design; allowed: {', '.join(design.uncertainties)}")
    for k in keys:
        lo, hi = design.uncertainties[k]
        if not table[k].between(lo, hi).all():
            raise ConfigError(f"worlds = {path}: {k} leaves the design's range [{lo}, {hi}]")
    weights = table[WEIGHT].to_numpy(float) if WEIGHT in table else np.ones(len(table))
    if len(table) == 0 or not (np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0):
        raise ConfigError(f"worlds = {path}: needs at least one row and finite weights >= 0 that do not all vanish")
    rng = np.random.default_rng(seed)
    size = min(n, int((weights > 0).sum()))
    rows = rng.choice(len(table), size=size, replace=False, p=weights / weights.sum())
    kept = {k: design.uncertainties[k] for k in keys}
    from ema_workbench.em_framework.points import SampleCollection

    samples = SampleCollection(table[keys].iloc[np.sort(rows)].to_numpy(float),
                                  [ema._parameter(k, v) for k, v in kept.items()])
    return samples, kept


# ---------------------------------------------------------------------------------------- regret
def world_values(experiments: pd.DataFrame, outcomes: pd.DataFrame, design: ema.Design) -> pd.DataFrame:
    """One row per world and policy: world (EMA's scenario id), policy (scenario name), the uncertainties,
    and each outcome's mean over the seeds."""
    cols = [ema.identifier(k) for k in design.uncertainties]
    means = outcomes.groupby("experiment", sort=True)[list(design.outcomes)].mean()
    table = experiments[["scenario", "scenario_name", *cols]].copy()
    table = table.rename(columns={"scenario": "world", "scenario_name": "policy"})
    table["world"] = table["world"].astype(str)
    table["policy"] = table["policy"].astype(str)
    return pd.concat([table.reset_index(drop=True), means.reset_index(drop=True)], axis=1)


def regret(values: pd.DataFrame, directions: dict[str, float]) -> pd.DataFrame:
    """regret(p, w, o) = max_q s_o·y(q, w, o) − s_o·y(p, w, o) (module docstring) from a table with
    columns world, policy and one per outcome; long: world, policy, outcome, value, regret."""
    rows = []
    for o, sign in directions.items():
        signed = sign * values[o]
        best = signed.groupby(values["world"]).transform("max")
        rows.append(pd.DataFrame({"world": values["world"], "policy": values["policy"], "outcome": o,
                                  "value": values[o], "regret": best - signed}))
    return pd.concat(rows, ignore_index=True)


def minimax(regrets: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Per policy and outcome: max and mean regret over the worlds and whether it is the outcome's
    minimax-regret policy; and the overall choice (largest regret over worlds and outcomes, each
    outcome's regret divided by its values' spread, minimised)."""
    table = regrets.groupby(["policy", "outcome"], sort=False)["regret"].agg(max_regret="max", mean_regret="mean")
    table = table.reset_index()
    best = table.groupby("outcome", sort=False)["max_regret"].transform("min")
    table["minimax"] = table["max_regret"] == best
    spread = regrets.groupby("outcome")["value"].agg(lambda v: v.max() - v.min())
    scaled = regrets["regret"] / regrets["outcome"].map(spread).replace(0, np.nan)
    overall = scaled.fillna(0).groupby(regrets["policy"], sort=False).max()
    return table, str(overall.idxmin())


def advantage(experiments: pd.DataFrame, outcomes: pd.DataFrame, design: ema.Design, policy: str, baseline: str,
              directions: dict[str, float], margins: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per world: its uncertainties (an EMA-like experiments table, one row per world) and per world and
    seed the paired advantage s_o·(y(policy) − y(baseline)) − m_o of every outcome (columns experiment,
    seed, …; m_o = ``margins[o]``, default 0)."""
    cols = [ema.identifier(k) for k in design.uncertainties]
    runs = outcomes.merge(experiments[["scenario", "scenario_name"]].astype(str), left_on="experiment",
                          right_index=True)
    a = runs[runs["scenario_name"] == policy].set_index(["scenario", "seed"])[list(directions)]
    b = runs[runs["scenario_name"] == baseline].set_index(["scenario", "seed"])[list(directions)]
    margin = pd.Series({o: (margins or {}).get(o, 0.0) for o in directions})
    diff = (a - b.loc[a.index]) * pd.Series(directions) - margin
    worlds = list(dict.fromkeys(experiments["scenario"].astype(str)))
    x = (experiments.assign(scenario=experiments["scenario"].astype(str)).drop_duplicates("scenario")
         .set_index("scenario").loc[worlds, cols].reset_index(drop=True))
    diff = diff.reset_index()
    diff["experiment"] = diff["scenario"].map({w: i for i, w in enumerate(worlds)})
    return x, diff.drop(columns="scenario")


def failure_boxes(x: pd.DataFrame, adv: pd.DataFrame, design: ema.Design, policy: str, baseline: str,
                  outcomes: list[str], peel_alpha: float = 0.05, min_density: float = 0.8,
                  margins: dict | None = None) -> str:
    """PRIM boxes of the worlds where ``policy`` fails to beat ``baseline`` on each of ``outcomes`` and on
    any of them (advantage < 0, averaged over the seeds), as text (:func:`experiments.ema.box_text`)."""
    worlds = dataclasses.replace(design, levers={})
    adv = adv.copy()
    adv["any"] = adv.groupby("experiment")[outcomes].transform("mean").min(axis=1)
    texts = []
    for o in [*outcomes, "any"]:
        what = o if o != "any" else " or ".join(outcomes)
        if o != "any" and (margins or {}).get(o):
            what += f" by the margin {margins[o]:g}"
        condition = f"{policy} not better than {baseline} on {what}"
        box, y = ema.find_box(x, adv, worlds, o, below=0.0, peel_alpha=peel_alpha, min_density=min_density)
        if box is None:
            texts.append(f"PRIM: no world with {condition} ({len(y)} worlds)")
        elif y.all():
            texts.append(f"PRIM: every one of the {len(y)} worlds has {condition}: no box to find")
        else:
            texts.append(ema.box_text(box, y, condition))
    return "\n".join(texts)


# ----------------------------------------------------------------------------------------- study
class RobustnessStudy(ema.EMAStudy):
    """Every world × policy × seed through the runner; regret, the minimax choice, PRIM's failure boxes."""

    prog, kind = "experiments.robustness", "robustness"
    options = OPTIONS
    reserved = {"seed": "every world runs with each of the design's seeds; set seeds=[...]",
                "scenario": "the policies are the design's scenarios"}

    def arms(self) -> list[dict]:
        opts = self.opts
        self.rob = check(load, opts["ranges"])
        fixed = {k: opts[k] for k in ("community", "steps", "window", "seeds")}
        design = check(ema._with_options, self.rob.design, fixed, ema._overrides(self.overrides))
        self.samples, self.n = None, opts["scenarios"]
        if opts["worlds"] is not None:
            self.samples, kept = check(load_worlds, opts["worlds"], design, opts["scenarios"], opts["sampler_seed"])
            design, self.n = dataclasses.replace(design, uncertainties=kept), len(self.samples)
        self.design = design
        return []

    def describe(self, specs) -> dict:
        d, rob = self.design, self.rob
        return {"scenarios": list(d.levers["scenario_name"]), "design": str(rob.path), "community": d.community,
                "steps": d.steps, "window": d.window, "seeds": d.seeds, "replications": len(d.seeds),
                "uncertainties": d.uncertainties, "worlds": self.opts["worlds"], "n_worlds": self.n,
                "directions": rob.directions, "margins": rob.margins, "baseline": rob.baseline, "policy": rob.policy,
                "sampler_seed": self.opts["sampler_seed"]}

    def execute(self, job, specs):
        policies = self.design.levers["scenario_name"]
        with job.running(f"robustness: {self.n} worlds × {len(policies)} policies × {len(self.design.seeds)} seeds = "
                         f"{self.n * len(policies) * len(self.design.seeds)} runs, design {self.rob.path}; "
                         f"job directory {self.out}"):
            return self.run_design(job, self.design, self.n, len(policies), "ff", samples=self.samples)

    def tables(self, job, specs, outcomes) -> dict[str, pd.DataFrame]:
        rob, d, o = self.rob, self.design, self.opts
        regrets = regret(world_values(self.experiments, self.outcomes_table, d), rob.directions)
        table, self.choice = minimax(regrets)
        x, adv = advantage(self.experiments, self.outcomes_table, d, rob.policy, rob.baseline, rob.directions,
                           rob.margins)
        prim_outcomes = [p for p in PRIM_OUTCOMES if p in rob.directions]
        self.prim = failure_boxes(x, adv, d, rob.policy, rob.baseline, prim_outcomes,
                                  o["prim.peel_alpha"], o["prim.min_density"], rob.margins)
        ema.write_text(self.prim, self.out / "prim.txt")
        job.manifest.update(minimax_regret_policy=self.choice, runs=len(self.outcomes_table))
        return {"experiments": ema._storable(self.experiments), "outcomes": self.outcomes_table,
                "regret": regrets, "robustness": table}

    def report(self, tables, failures) -> None:
        print_table(tables["robustness"], self.choice)
        print(self.prim)


def main(argv: list[str] | None = None) -> int:
    """Run the command line (see the module docstring); return the exit code (0, 1 when runs failed)."""
    return RobustnessStudy().main(argv)


def print_table(table: pd.DataFrame, choice: str) -> None:
    """Max and mean regret of each policy per outcome, the minimax-regret choice marked."""
    t = printed_table("outcome", "policy", "max regret", "mean regret", left=("outcome", "policy"),
              title="regret over the worlds (0: the best policy of a world); * minimax regret")
    for o, rows in table.groupby("outcome", sort=False):
        for n, (_, r) in enumerate(rows.iterrows()):
            t.add_row(o if n == 0 else "", r["policy"] + (" *" if r["minimax"] else ""), fmt(r["max_regret"]),
                      fmt(r["mean_regret"]), end_section=n == len(rows) - 1)
    out = console()
    out.print(t)
    out.print(f"minimax-regret policy over all outcomes (regret scaled by each outcome's spread): {choice}",
              highlight=False)


if __name__ == "__main__":
    raise SystemExit(main())
