"""Run a configuration over seeds and summarise it: the entry point for outside tools.

::

    from experiments import api
    r = api.evaluate("co_creation", "demo", seeds=range(5), overrides={"consultation.adoption_rate": 0.5},
                     steps=60)
    r.summary              # one row per seed
    api.aggregate(r.summary)  # per metric: mean over the seeds with its 95% t interval

A run's value on a metric is its mean over the last ``window`` months of its time series (the
time series has one row per step, step 0 the initial state; when ``window`` exceeds the
steps every row counts), NaN months left out (``volunteer_retention`` is NaN in the first
year), as ``experiments.compare`` computes it. Runs go through the project's runner
(:func:`experiments.runner.execute` into a :class:`experiments.runner.RunStore`), so a run
here equals the run of the same config and seed in ``experiments.compare`` bit for bit, and
with ``store=`` a second call computes only the runs that are not stored yet.

Bad names, keys or values raise :class:`model.params.ConfigError` with one line naming the
key and what is allowed; a run that raises makes :class:`RunError`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import stats
from model.params import ConfigError, plain

ID_COLUMNS = ["scenario", "community", "seed", "steps", "window"]
"""The identifying columns of :attr:`Result.summary`, before one column per metric."""


class RunError(RuntimeError):
    """A run raised; ``failures`` holds (seed, store key, one-line error) of each failed run."""

    def __init__(self, failures: list[tuple[int, str, str]], store: Path | None):
        self.failures = failures
        where = f"; tracebacks in {store}/<key>.failed.json" if store else ""
        seed, key, error = failures[0]
        super().__init__(f"{len(failures)} run(s) failed, first seed {seed} (run {key}): {error}{where}")


@dataclass(frozen=True)
class Result:
    """What :func:`evaluate` returns.

    Attributes:
        summary: one row per seed, in the order given: ``scenario``, ``community``, ``seed``,
            ``steps`` (months simulated), ``window`` (months averaged), then one column per
            metric: the run's mean over its last ``window`` months.
        timeseries: with ``timeseries=True``, one row per seed and step: ``scenario``,
            ``community``, ``seed``, ``step``, one column per metric; else None.
        keys: seed → the run's key in the store (``<config hash>-<seed>``).
    """

    summary: pd.DataFrame
    timeseries: pd.DataFrame | None
    keys: dict[int, str]

    def aggregate(self) -> pd.DataFrame:
        """:func:`aggregate` of the summary."""
        return aggregate(self.summary)


def metric_names() -> tuple[str, ...]:
    """The model's output metrics (``model.metrics``), in the order of its time series (the store's
    columns without ``step``: :func:`experiments.runner.model_metrics`, read once per process)."""
    from experiments.runner import model_metrics

    return model_metrics()[1:]


def check_metrics(metrics: Iterable[str] | None, key: str = "metrics") -> list[str]:
    """The metrics asked for (all when None), or a one-line ConfigError naming ``key``."""
    names = metric_names()
    if metrics is None:
        return list(names)
    if isinstance(metrics, str):
        metrics = [metrics]
    chosen = list(metrics)
    if not chosen:
        raise ConfigError(f"{key} = [] is empty; allowed: {', '.join(names)}")
    for m in chosen:
        if m not in names:
            raise ConfigError(f"{key}: {m!r} is not a metric; allowed: {', '.join(names)}")
    return chosen


def check_seeds(seeds) -> list[int]:
    """Seeds as a list of distinct Python ints >= 0 (one int is a list of one), or a one-line ConfigError."""
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, (bool, np.bool_)):
        seeds = [seeds]
    try:
        out = [plain(s) for s in seeds]
    except TypeError:
        raise ConfigError(f"seeds = {seeds!r} must be a list of integers >= 0") from None
    if not out or any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in out):
        raise ConfigError(f"seeds = {out!r} must be a non-empty list of integers >= 0")
    if len(set(out)) != len(out):
        raise ConfigError(f"seeds = {out!r} lists a seed twice")
    return out


def check_window(window) -> int:
    """A window of months as a Python int >= 1, or a one-line ConfigError."""
    window = plain(window)
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        raise ConfigError(f"window = {window!r} must be an integer >= 1 (months)")
    return window


def resolve(scenario: str | None = None, community: str | None = None, overrides: dict | None = None,
            steps: int | None = None) -> dict:
    """The validated, fully resolved model config (a nested dict) of a scenario and community with
    dotted overrides (``{"consultation.adoption_rate": 0.5}``); ``None`` names the defaults of
    ``scenarios/config.yaml``. Raises ConfigError (one line) for a bad name, key or value."""
    from model import config as config_mod
    from model.community import resolve_config

    changes = {str(k): plain(v) for k, v in (overrides or {}).items()}
    if steps is not None:
        changes["steps"] = plain(steps)
    return config_mod.to_dict(resolve_config(scenario, community, None, changes))


def evaluate(scenario: str | None = None, community: str | None = None, seeds: Iterable[int] | int = (0,),
             overrides: dict | None = None, *, steps: int | None = None, window: int = 12,
             metrics: Sequence[str] | None = None, timeseries: bool = False, launcher: str = "joblib",
             n_jobs: int = 1, store=None, progress: bool = False) -> Result:
    """Run a scenario in a community with dotted overrides over ``seeds`` and summarise each run.

    Args:
        scenario: a scenario name (``scenarios/scenario/``); None: the default (``co_creation``).
        community: a community name (``scenarios/community/``); None: the default (``default``).
        seeds: the runs' seeds (integers >= 0, each once); a run's seed is its model's ``rng``.
        overrides: dotted config keys → values (numpy scalars accepted), e.g.
            ``{"resident.trust_in_government.mean": 0.4}``.
        steps: months to simulate (default: the config's ``steps``, 120).
        window: months at the end of a run averaged into its value (>= 1).
        metrics: the metric columns (default: all of :func:`metric_names`).
        timeseries: also return the time series (one row per seed and step).
        launcher: ``serial``, ``joblib`` or ``ray`` (:mod:`experiments.runner`).
        n_jobs: parallel runs (joblib: 1 runs serially in this process, -1 all cores).
        store: a run store directory (path or :class:`~experiments.runner.RunStore`) to keep the
            runs in and resume from; None: a temporary directory, deleted afterwards.
        progress: show the runner's progress bar on stderr.
    """
    config = resolve(scenario, community, overrides, steps)
    return evaluate_config(config, seeds, window=window, metrics=metrics, timeseries=timeseries,
                           launcher=launcher, n_jobs=n_jobs, store=store, progress=progress)


def evaluate_config(config: dict, seeds: Iterable[int] | int = (0,), *, window: int = 12,
                    metrics: Sequence[str] | None = None, timeseries: bool = False, launcher: str = "joblib",
                    n_jobs: int = 1, store=None, progress: bool = False) -> Result:
    """:func:`evaluate` of a resolved model config (a nested dict, e.g. from :func:`resolve`; it is
    validated, once per process); its ``seed`` is replaced by each of ``seeds``."""
    from experiments import runner

    seeds = check_seeds(seeds)
    window = check_window(window)
    chosen = check_metrics(metrics)
    info = runner.validated(config).info
    specs = [runner.make_spec(config, s, scenario=info.scenario, community=info.community) for s in seeds]
    with tempfile.TemporaryDirectory(prefix="cogov-api-") as tmp:
        runs = store if isinstance(store, runner.RunStore) else runner.RunStore(tmp if store is None else store)
        outcomes = runner.execute(specs, runs, launcher=launcher, n_jobs=n_jobs, progress=progress,
                                  desc="evaluate")
        failed = [(s.seed, s.key, outcomes[s.key].error) for s in specs if outcomes[s.key].status == "failed"]
        if failed:
            raise RunError(failed, None if store is None else runs.root)
        ts, summary = tables(runs, specs, window, chosen)
    return Result(summary=summary, timeseries=ts if timeseries else None, keys={s.seed: s.key for s in specs})


def tables(store, specs: Sequence, window: int, metrics: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The time series and the summary (:attr:`Result.summary`) of the finished runs of one config in a
    store (the runner's :class:`~experiments.runner.RunSpec`, one per seed)."""
    from experiments.runner import tidy

    info, seeds = specs[0].config["info"], [s.seed for s in specs]
    ts = tidy(store, specs).assign(scenario=info["scenario"], community=info["community"])
    ts = ts[["scenario", "community", "seed", "step", *metrics]]
    # each run's mean over its last `window` months (and its cost per completed project), in seed order given
    summary = stats.run_outcomes(ts[["seed", "step", *metrics]], by=["seed"], window=window)
    summary = summary.set_index("seed").loc[seeds].reset_index()
    summary.insert(0, "scenario", info["scenario"])
    summary.insert(1, "community", info["community"])
    summary.insert(3, "steps", int(specs[0].config["steps"]))
    summary.insert(4, "window", window)
    return ts, summary


def aggregate(summary: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, community and metric: the mean over the seeds with its 95% t interval
    (:func:`analysis.stats.t_interval`, the one used by every report): ``mean`` ± t(0.975, n − 1)·s/√n
    over the n seeds whose value is not NaN; with n < 2 no interval, with s = 0 it collapses onto
    the mean.

    Args:
        summary: a :attr:`Result.summary` (or several concatenated).

    Returns:
        columns ``scenario``, ``community``, ``metric``, ``mean``, ``ci_low``, ``ci_high``, ``n``;
        one row per scenario, community and metric, in the summary's order.
    """
    metrics = [c for c in summary.columns if c not in ID_COLUMNS]
    rows = []
    for (scenario, community), runs in summary.groupby(["scenario", "community"], sort=False):
        for m in metrics:
            mean, low, high, n = stats.t_interval(runs[m])
            rows.append([scenario, community, m, mean, low, high, n])
    return pd.DataFrame(rows, columns=["scenario", "community", "metric", "mean", "ci_low", "ci_high", "n"])
