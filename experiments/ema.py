"""cogov as an EMA Workbench model: exploratory modelling and scenario discovery (PRIM).

Usage::

    python -m experiments.ema                                   # scenarios/ema/default.yaml
    python -m experiments.ema ranges=path/design.yaml scenarios=200 n_processes=2 out=outputs/ema/mine
    python -m experiments.ema prim.outcome=participation_rate prim.below=0.3

The design file (``ranges=<name>`` under ``scenarios/ema/``, or a path; the commented example is
``scenarios/ema/default.yaml``) declares ``community`` (of every experiment, unless an uncertainty
varies it), ``steps``, ``window`` (a run's outcome: its mean over its last ``window`` months), ``seeds``
(the replications of every experiment), ``uncertainties`` (the states of the world) and ``levers`` (the
policies), each key → ``[low, high]`` (a range; two integers: an integer range) or a list of
categories, and ``outcomes`` (metrics of :mod:`model.metrics`).

Keys are dotted config keys (checked against the schema: a range must lie within the key's
declared range), ``scenario_name`` or ``community`` (catalogue names); EMA names a parameter by its
key with ``.`` written ``__``, as the experiments table does. Uncertainties are sampled by Latin
hypercube (``scenarios`` points), levers by full factorial (``lever_sampling=ff``: every category,
``policies`` evenly spaced values of a numeric lever) or Latin hypercube (``lever_sampling=lhs``),
both seeded by ``sampler_seed``: the same command gives the same design and outcomes. Every
experiment runs once per seed (EMA's ``ReplicatorModel``, replications ``[{"seed": s}]``) through the
runner: :func:`runner_evaluator` is an EMA evaluator that hands the runs to
:func:`experiments.runner.execute` (``n_processes=1``: in this process; more, or -1: joblib's workers)
and gives EMA back each outcome, equal to :func:`experiments.api.evaluate`'s for the same values and
seed; the runs stay in ``<out>/runs/`` (the same ``out`` again computes nothing new), a failed run is
recorded and listed (exit code 1). ``community=``, ``steps=``, ``window=`` and ``seeds=[...]`` replace
the design's; any other ``key=value`` fixes a model key for every experiment (not one the design
varies). The job directory (default ``outputs/ema/<time>``) is specified in ``docs/results.md`` (ema).

With ``prim.outcome`` and ``prim.below`` (or ``prim.above``), the cases of interest are the
experiments whose outcome, averaged over the seeds, lies below (above) that value; PRIM
(``ema_workbench.analysis.prim``, peeling ``prim.peel_alpha`` of the data per step) finds a box of
uncertainties and levers where they concentrate, and the box of its peeling trajectory with the
largest coverage at density >= ``prim.min_density`` is printed: coverage (share of the cases
inside), density (share of the box's experiments that are cases), mass and its limits.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

import scenarios
from experiments import api, runner
from experiments.command_line import MAX_MONTHS, MAX_SAMPLER_SEED, MAX_SAMPLES, MAX_WORKERS, Option, fail
from experiments.study import Study, read_design
from model.config import ModelConfig
from model.params import FLOAT_MAX, ConfigError, iter_params

DESIGN_KEYS = {"community", "steps", "window", "seeds", "uncertainties", "levers", "outcomes"}
NAME_KEYS = {"scenario_name": "scenario", "community": "community"}
"""Design keys that choose a catalogue entry → its config group."""

OPTIONS = {
    "ranges": Option("default", str, "the design: a name under scenarios/ema/ or a YAML path"),
    "scenarios": Option(20, int, "uncertainty samples (Latin hypercube)", range=(1, MAX_SAMPLES)),
    "policies": Option(2, int, "lever samples (lhs) or values per numeric lever (ff)",
                       range=(1, MAX_SAMPLES)),
    "lever_sampling": Option("ff", str, "how levers are sampled", choices=("ff", "lhs")),
    "sampler_seed": Option(0, int, "seed of the samplers", range=(0, MAX_SAMPLER_SEED)),
    "n_processes": Option(1, int, "1: SequentialEvaluator; more, or -1 (all cores): MultiprocessingEvaluator",
                          range=(-1, MAX_WORKERS), exclude=(0,)),
    "community": Option(None, str, "community of every experiment (default: the design's)"),
    "steps": Option(None, int, "months per run (default: the design's)", range=(0, MAX_MONTHS)),
    "window": Option(None, int, "months averaged into a run's outcome (default: the design's)",
                     range=(1, MAX_MONTHS)),
    "seeds": Option(None, list, "replication seeds, e.g. [0,1,2] (default: the design's)"),
    "out": Option(None, str, "job directory (default outputs/ema/<time>); the same out reuses its runs"),
    "prim.outcome": Option(None, str, "outcome whose seed-mean defines the cases of interest for PRIM"),
    "prim.below": Option(None, float, "cases of interest: prim.outcome below this value",
                          range=(-FLOAT_MAX, FLOAT_MAX)),
    "prim.above": Option(None, float, "cases of interest: prim.outcome above this value",
                          range=(-FLOAT_MAX, FLOAT_MAX)),
    "prim.peel_alpha": Option(0.05, float, "PRIM's peeling share per step", range=(0.0, 1.0)),
    "prim.min_density": Option(0.8, float, "the box shown: the largest coverage with at least this density",
                               range=(0.0, 1.0)),
}


def _workbench():
    """``ema_workbench``, imported without its warning about the optional ipyparallel evaluator."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel not installed")
        import ema_workbench
    return ema_workbench


def identifier(key: str) -> str:
    """The EMA parameter name of a design key (``a.b`` → ``a__b``)."""
    return key.replace(".", "__")


@dataclass(frozen=True)
class Design:
    """A checked design file (see the module docstring)."""

    path: Path  # the design file
    community: str | None  # community of every experiment (None: config.yaml's default)
    steps: int | None  # months per run (None: the config's 120)
    window: int  # months at the end of a run averaged into its outcome, >= 1
    seeds: list[int]  # the replications of every experiment
    uncertainties: dict[str, list]  # design key → [low, high] or categories
    levers: dict[str, list]  # design key → [low, high] or categories
    outcomes: list[str]  # metrics of model.metrics
    overrides: dict = field(default_factory=dict)  # dotted key → value fixed for every experiment


def _is_range(bounds) -> bool:
    return (isinstance(bounds, list) and len(bounds) == 2
            and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds))


def _check_parameter(where: str, key: str, values, schema: dict) -> None:
    if not isinstance(values, list) or len(values) < 2:
        raise ConfigError(f"{where}.{key} = {values!r} must be [low, high] or a list of at least 2 categories")
    if key in NAME_KEYS:
        for v in values:
            scenarios.check_name(NAME_KEYS[key], str(v))
        return
    if key not in schema:
        raise ConfigError(f"{where}.{key} is not a config key (nor scenario_name, community)")
    meta, default = schema[key]
    if _is_range(values) and isinstance(default, (int, float)) and not isinstance(default, bool):
        lo, hi = meta.get("range") or (None, None)
        if not values[0] < values[1]:
            raise ConfigError(f"{where}.{key} = {values} must be [low, high] with low < high")
        if (lo is not None and values[0] < lo) or (hi is not None and values[1] > hi):
            raise ConfigError(f"{where}.{key} = {values} leaves the declared range [{lo}, {hi}]")


def load_design(spec: str | Path) -> Design:
    """Read and check a design file (a name under ``scenarios/ema/`` or a path); ConfigError (one
    line) for a bad key or value."""
    return check_design(*read_design("ranges", spec, "ema", "design file", keys=DESIGN_KEYS))


def check_design(path: Path, data: dict) -> Design:
    """Check a design (the mapping read from the file ``path``); ConfigError (one line) for a bad key
    or value."""
    schema = {k: (meta, v) for k, meta, v in iter_params(ModelConfig)}
    sections = {}
    for where in ("uncertainties", "levers"):
        section = data.get(where) or {}
        if not isinstance(section, dict):
            raise ConfigError(f"design file {path}: {where} must map keys to [low, high] or categories")
        for key, values in section.items():
            _check_parameter(where, str(key), values, schema)
        sections[where] = {str(k): list(v) for k, v in section.items()}
    if not sections["uncertainties"] and not sections["levers"]:
        raise ConfigError(f"design file {path}: declare at least one uncertainty or lever")
    both = set(sections["uncertainties"]) & set(sections["levers"])
    if both:
        raise ConfigError(f"design file {path}: {sorted(both)[0]} is both an uncertainty and a lever")
    if data.get("community") is not None:
        scenarios.check_name("community", str(data["community"]))
    if not isinstance(data.get("outcomes"), list) or not data["outcomes"]:
        raise ConfigError(f"design file {path}: outcomes must list at least one metric")
    outcomes = api.check_metrics([str(m) for m in data["outcomes"]], "outcomes")
    with warnings.catch_warnings():  # a check of values only: no warnings about mechanisms that are off
        warnings.simplefilter("ignore")
        api.resolve(None, data.get("community"), {}, data.get("steps"))
        for where, section in sections.items():
            for key, values in section.items():
                for v in [] if key in NAME_KEYS else values:  # each category, both ends of a range
                    try:
                        api.resolve(None, data.get("community"), {key: v})
                    except ConfigError as exc:
                        raise ConfigError(f"design file {path}: {where}.{exc}") from None
    return Design(path=path, community=data.get("community"), steps=data.get("steps"),
                  window=api.check_window(data.get("window", 12)), seeds=api.check_seeds(data.get("seeds", [0])),
                  uncertainties=sections["uncertainties"], levers=sections["levers"], outcomes=outcomes)


def _parameter(key: str, values: list):
    wb = _workbench()
    name = identifier(key)
    if key not in NAME_KEYS and _is_range(values):
        if all(isinstance(v, int) for v in values):
            return wb.IntegerParameter(name, values[0], values[1], variable_name=key)
        return wb.RealParameter(name, float(values[0]), float(values[1]), variable_name=key)
    return wb.CategoricalParameter(name, values, variable_name=key)


@dataclass
class CogovRun:
    """The function EMA calls once per experiment and seed: keyword arguments are the design's
    keys (dotted config keys, ``scenario_name``, ``community``) and ``seed``; returns each
    outcome, the run's mean over its last ``window`` months (picklable, for EMA's workers)."""

    community: str | None
    steps: int | None
    window: int
    outcomes: list[str]
    overrides: dict
    store: str | None = None

    def __call__(self, seed: int, **values) -> dict[str, float]:
        scenario = values.pop("scenario_name", None)
        community = values.pop("community", self.community)
        result = api.evaluate(scenario, community, [seed], {**self.overrides, **values}, steps=self.steps,
                              window=self.window, metrics=self.outcomes, store=self.store)
        row = result.summary.iloc[0]
        return {m: float(row[m]) for m in self.outcomes}


def model(design: Design, store: str | Path | None = None):
    """cogov as an ``ema_workbench.ReplicatorModel`` named ``cogov`` (see the module docstring)."""
    wb = _workbench()
    m = wb.ReplicatorModel("cogov", function=CogovRun(design.community, design.steps, design.window,
                                                     list(design.outcomes), dict(design.overrides),
                                                     None if store is None else str(store)))
    m.uncertainties = [_parameter(k, v) for k, v in design.uncertainties.items()]
    m.levers = [_parameter(k, v) for k, v in design.levers.items()]
    m.outcomes = [wb.ArrayOutcome(name) for name in design.outcomes]  # one value per seed
    m.replications = [{"seed": s} for s in design.seeds]
    return m


def runner_evaluator(model, job):
    """An EMA evaluator (EMA's ``BaseEvaluator`` protocol) whose runs go through the runner.

    EMA samples the experiments; its ``evaluate_experiments`` turns each experiment and replication
    into a :class:`~experiments.runner.RunSpec` (the experiment's uncertainties and levers by their
    variable names, as EMA's own evaluators pass them to :class:`CogovRun`), runs them all with
    ``job.execute`` (:class:`experiments.runner.Job`: stored, resumable, parallel, failures recorded)
    and gives EMA each experiment's outcomes, one value per seed (NaN for a failed run), computed as
    :func:`experiments.api.evaluate` computes them. Its ``specs`` and ``outcomes`` hold what ran.
    (A function, so that ``ema_workbench`` is imported only when EMA runs.)
    """
    return _runner_evaluator_class()(model, job)


@functools.cache
def _runner_evaluator_class():
    _workbench()
    from ema_workbench.em_framework.evaluators import BaseEvaluator

    class RunnerEvaluator(BaseEvaluator):
        __doc__ = runner_evaluator.__doc__

        def __init__(self, model, job) -> None:
            super().__init__(model)
            self.job, self.specs, self.outcomes = job, [], {}

        def initialize(self) -> None:
            """Nothing to start: the job's launcher starts its workers."""

        def finalize(self) -> None:
            """Nothing to stop."""

        def evaluate_experiments(self, experiments, callback, **kwargs) -> None:
            model = self._msis[0]
            run: CogovRun = model.function
            parameters = [(p, "scenario") for p in model.uncertainties] + [(p, "policy") for p in model.levers]
            planned = []
            for experiment in experiments:
                values = {p.variable_name[0]: getattr(experiment, where)[p.name] for p, where in parameters
                          if p.name in getattr(experiment, where)}
                scenario = values.pop("scenario_name", None)
                community = values.pop("community", run.community)
                config = api.resolve(scenario, community, {**run.overrides, **values}, run.steps)
                specs = [runner.make_spec(config, r["seed"], experiment=experiment.experiment_id,
                                          scenario=config["info"]["scenario"]) for r in model.replications]
                planned.append((experiment, specs))
                self.specs += specs
            self.outcomes.update(self.job.execute(self.specs))
            for experiment, specs in planned:
                ok = [s for s in specs if self.outcomes[s.key].status != "failed"]
                summary = api.tables(self.job.store, ok, run.window, run.outcomes)[1] if ok else None
                value = {} if summary is None else summary.set_index("seed").to_dict("index")
                callback(experiment, {m: [float(value[s.seed][m]) if s.seed in value else math.nan for s in specs]
                                      for m in run.outcomes})

    return RunnerEvaluator


def perform(design: Design, n_scenarios: int, n_policies: int, job, *, lever_sampling: str = "ff",
            sampler_seed: int = 0, samples=None) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    """Sample the design with EMA and run it in ``job`` (:func:`runner_evaluator`); return (experiments,
    outcomes, the evaluator: what ran), as described in the module docstring (outcomes: one row per
    experiment and seed). ``samples``: the uncertainties' samples to run instead of a Latin hypercube."""
    wb = _workbench()
    kwargs = dict(scenarios=(samples if samples is not None else n_scenarios if design.uncertainties else 0),
                  policies=n_policies if design.levers else 0,
                  uncertainty_sampling=wb.Samplers.LHS, uncertainty_sampling_kwargs={"rng": sampler_seed},
                  lever_sampling=wb.Samplers.FF if lever_sampling == "ff" else wb.Samplers.LHS,
                  lever_sampling_kwargs={"rng": sampler_seed + 1})
    with runner_evaluator(model(design), job) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(**kwargs)
    n = len(experiments)
    long = pd.DataFrame({"experiment": np.repeat(np.arange(n), len(design.seeds)),
                         "seed": np.tile(design.seeds, n)})
    for name in design.outcomes:
        long[name] = np.asarray(outcomes[name], float).reshape(n * len(design.seeds))
    return experiments.reset_index(drop=True), long, evaluator


def find_box(experiments: pd.DataFrame, outcomes: pd.DataFrame, design: Design, outcome: str,
             below: float | None = None, above: float | None = None, peel_alpha: float = 0.05,
             min_density: float = 0.8):
    """PRIM over the uncertainties and levers: the cases of interest are the experiments whose
    ``outcome`` (mean over seeds) is below ``below`` (or above ``above``). Of the boxes on PRIM's
    peeling trajectory it selects the one with the largest coverage among those with density >=
    ``min_density`` (the densest when none reaches it). Returns (box, y); box is None without
    cases of interest."""
    _workbench()
    from ema_workbench.analysis import prim

    y_mean = outcomes.groupby("experiment", sort=True)[outcome].mean().to_numpy()
    y = y_mean < below if below is not None else y_mean > above
    if not y.any():
        return None, y
    columns = [identifier(k) for k in (*design.uncertainties, *design.levers)]
    x = experiments[columns].copy()
    for c in columns:  # PRIM treats category columns as nominal
        if not pd.api.types.is_numeric_dtype(x[c]):
            x[c] = x[c].astype(str).astype("category")
    with warnings.catch_warnings():  # EMA 3.0's PRIM calls pandas' deprecated drop(inplace=True)
        warnings.filterwarnings("ignore", message="The inplace keyword")
        box = prim.Prim(x, y, peel_alpha=peel_alpha).find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    dense = trajectory[trajectory["density"] >= min_density]
    box.select(int(dense["coverage"].idxmax() if len(dense) else trajectory["density"].idxmax()))
    return box, y


def box_text(box, y: np.ndarray, condition: str) -> str:
    """The box as plain text: the condition, the box's coverage, density and mass, and its limits
    on each restricted dimension (read from ``box.box_lim``: EMA 3.0's ``inspect`` fails on
    pandas 3 when a box restricts a category)."""
    lims, init = box.box_lim, box.prim.box_init
    stats = box.stats
    restricted = [c for c in lims.columns if list(lims[c]) != list(init[c])]
    lines = [f"PRIM: {int(y.sum())} of {len(y)} experiments with {condition}; box: coverage {stats['coverage']:.2f}, "
             f"density {stats['density']:.2f}, mass {stats['mass']:.2f}, {len(restricted)} restricted dimensions"]
    for c in restricted:
        lo, hi = lims[c].iloc[0], lims[c].iloc[1]
        if isinstance(lo, set):
            lines.append(f"  {c} in {{{', '.join(sorted(map(str, lo)))}}}")
        else:
            lines.append(f"  {lo:.4g} <= {c} <= {hi:.4g}")
    return "\n".join(lines)


class EMAStudy(Study):
    """A study whose experiments EMA samples (``ema``, ``robustness``): the design, EMA's sampling,
    the runs through :func:`runner_evaluator`, EMA's tables."""

    labels = ("experiment",)

    def launch(self) -> dict:
        n = self.opts["n_processes"]
        return {"launcher": "serial" if n == 1 else "joblib", "n_jobs": n}

    def run_design(self, job, design: Design, n_scenarios: int, n_policies: int, lever_sampling: str,
                   samples=None) -> dict:
        """Run the design in the job (:func:`perform`); keep EMA's tables and what ran."""
        t0, c0 = time.perf_counter(), time.process_time()
        self.experiments, self.outcomes_table, evaluator = perform(
            design, n_scenarios, n_policies, job, lever_sampling=lever_sampling,
            sampler_seed=self.opts["sampler_seed"], samples=samples)
        job.manifest.update(wall_seconds=round(time.perf_counter() - t0, 1),
                            cpu_seconds_main_process=round(time.process_time() - c0, 1))
        self.run_specs = evaluator.specs
        return evaluator.outcomes

    def finish(self, job, specs, outcomes):
        return job.finish(self.run_specs, outcomes, self.labels)


class EMA(EMAStudy):
    """cogov as an EMA model: the design's experiments × seeds; EMA's tables; PRIM on request."""

    prog, kind = "experiments.ema", "ema"
    options = OPTIONS
    reserved = {"seed": "every experiment runs with each of the design's seeds; set seeds=[...]"}

    def arms(self) -> list[dict]:
        opts = self.opts
        try:
            self.design = _with_options(load_design(opts["ranges"]), opts, _overrides(self.overrides))
            if opts["prim.outcome"] is not None and opts["prim.outcome"] not in self.design.outcomes:
                raise ConfigError(f"prim.outcome = {opts['prim.outcome']!r} is not an outcome of the design; "
                                  f"allowed: {', '.join(self.design.outcomes)}")
            if opts["prim.outcome"] is not None and (opts["prim.below"] is None) == (opts["prim.above"] is None):
                raise ConfigError("prim.outcome needs exactly one of prim.below=<value>, prim.above=<value>")
        except ConfigError as exc:
            fail(str(exc))
        return []

    def describe(self, specs) -> dict:
        d = self.design
        return {"design": str(d.path), "community": d.community, "steps": d.steps, "window": d.window,
                "seeds": d.seeds, "uncertainties": d.uncertainties, "levers": d.levers, "outcomes": d.outcomes,
                **{k: self.opts[k] for k in ("scenarios", "policies", "lever_sampling", "sampler_seed")}}

    def execute(self, job, specs):
        o = self.opts
        with job.running(f"EMA: {o['scenarios']} scenarios × levers ({o['lever_sampling']}, {o['policies']}) × "
                         f"{len(self.design.seeds)} seeds, design {self.design.path}; job directory {self.out}"):
            return self.run_design(job, self.design, o["scenarios"], o["policies"], o["lever_sampling"])

    def tables(self, job, specs, outcomes) -> dict[str, pd.DataFrame]:
        job.manifest.update(experiments=len(self.experiments), runs=len(self.outcomes_table))
        o, self.prim = self.opts, None
        if o["prim.outcome"] is not None:
            below, above = o["prim.below"], o["prim.above"]
            condition = f"{o['prim.outcome']} " + (f"< {below:g}" if below is not None else f"> {above:g}")
            box, y = find_box(self.experiments, self.outcomes_table, self.design, o["prim.outcome"], below, above,
                              o["prim.peel_alpha"], o["prim.min_density"])
            self.prim = (box_text(box, y, condition) if box is not None
                         else f"PRIM: no box (no experiment with {condition})")
            write_text(self.prim, self.out / "prim.txt")
        return {"experiments": _storable(self.experiments), "outcomes": self.outcomes_table}

    def report(self, tables, failures) -> None:
        print(f"{len(self.experiments)} experiments × {len(self.design.seeds)} seeds = {len(self.outcomes_table)} runs")
        if self.prim is not None:
            print(self.prim)


def write_text(text: str, path: Path) -> None:
    """A text file written atomically, with a final newline."""
    runner.atomic_write(path, lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Run the command line (see the module docstring); return the exit code (0, 1 when runs failed)."""
    return EMA().main(argv)


def _with_options(design: Design, opts: dict, overrides: dict) -> Design:
    """The design with the command line's community, steps, window, seeds and fixed model overrides
    (every other ``key=value``), checked."""
    for key in overrides:
        if key in design.uncertainties or key in design.levers:
            raise ConfigError(f"{key} is varied by the design; it cannot also be fixed on the command line")
    if opts["community"] is not None:
        scenarios.check_name("community", opts["community"])
    seeds = design.seeds
    if opts["seeds"] is not None:
        try:
            seeds = [int(s) for s in opts["seeds"]]
        except ValueError:
            raise ConfigError(f"seeds = {opts['seeds']} must be a list of integers >= 0") from None
    design = dataclasses.replace(
        design, community=opts["community"] or design.community, seeds=api.check_seeds(seeds), overrides=overrides,
        steps=design.steps if opts["steps"] is None else opts["steps"],
        window=design.window if opts["window"] is None else opts["window"])
    api.resolve(None, design.community, overrides, design.steps)  # the fixed overrides are valid
    return design


def _overrides(overrides: list) -> dict:
    """Model overrides as parsed by :func:`experiments.command_line.parse`: dotted key → value."""
    return {o.key_or_group: o.value() for o in overrides}


def _storable(experiments: pd.DataFrame) -> pd.DataFrame:
    """EMA's experiments table with categorical columns as strings (parquet keeps them typed)."""
    out = experiments.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype) or out[c].dtype == object:
            out[c] = out[c].astype(str)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
