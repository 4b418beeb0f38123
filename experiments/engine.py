"""Run many configured runs in parallel, resumably: the engine of ``compare`` and ``sensitivity``.

A job is a list of :class:`RunSpec` (a validated, resolved model config, a seed and labels
such as the scenario or the sensitivity sample). :func:`execute` skips every run already in
the job's :class:`~experiments.store.RunStore`, computes the rest on one of three back-ends
and shows a progress bar (runs done, rate, time left):

``serial``
    one after the other in this process;
``joblib``
    joblib's loky worker processes on this machine (``n_jobs``: -1 = all cores);
``ray``
    Ray tasks, one CPU each: a private Ray instance on this machine, or a cluster
    (``ray_address``: ``host:port``, ``ray://host:10001`` or ``auto``; the store must then
    be on a file system every node sees).

Each worker writes its run's file itself and returns only a small :class:`Outcome`, so
memory stays flat however many runs a job has and a killed job loses only the runs under
way. A run that raises is recorded (``<key>.failed.json``: error, traceback, config, seed,
labels) and the other runs go on. The same config and seed give identical numbers on every
back-end: every random draw comes from the model's generator, seeded by the run's seed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from experiments.store import Outcome, RunStore, run_key

LAUNCHERS = ("serial", "joblib", "ray")


@dataclass(frozen=True)
class RunSpec:
    """One run: a resolved model config (nested dict, ``seed`` set), its seed and labels."""

    key: str
    config: dict = field(repr=False, compare=False)
    seed: int = 0
    labels: dict = field(default_factory=dict, compare=False)


def make_spec(config: dict, seed: int, **labels) -> RunSpec:
    """A run of ``config`` (a validated, resolved model config as a nested dict) with ``seed``."""
    config = {**config, "seed": int(seed)}
    return RunSpec(key=run_key(config, seed), config=config, seed=int(seed), labels=labels)


def run_one(spec: RunSpec, store_root: str) -> Outcome:
    """Compute one run into the store (unless it is there already); never raises for the run's
    own errors, which are recorded in the store instead."""
    from experiments import simulate as simulate_mod
    from model import config as config_mod

    store = RunStore(store_root)
    if store.has(spec.key):
        return Outcome(spec.key, "cached")
    record = {"config": spec.config, "seed": spec.seed, "labels": spec.labels,
              "version": simulate_mod.package_version(), "host": os.uname().nodename}
    start = time.perf_counter()
    try:
        cfg = config_mod.from_dict(spec.config)
        ts = simulate_mod.simulate(cfg, seed=spec.seed)
    except Exception as exc:  # the run's own failure: record it, let the job go on
        store.save_failure(spec.key, exc, record)
        return Outcome(spec.key, "failed", time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - start
    store.save(spec.key, ts, {**record, "seconds": seconds})
    return Outcome(spec.key, "done", seconds)


def _progress(total: int, initial: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit="run", disable=not enabled,
                dynamic_ncols=True, mininterval=0.5, smoothing=0.05)


def execute(specs: Sequence[RunSpec], store: RunStore, *, launcher: str = "joblib", n_jobs: int = -1,
            ray_address: str | None = None, progress: bool = True, desc: str = "runs") -> dict[str, Outcome]:
    """Run every spec not yet in ``store``; return each key's :class:`Outcome`.

    Args:
        specs: the runs (duplicates by key are run once).
        store: where finished and failed runs are written.
        launcher: ``serial``, ``joblib`` or ``ray`` (see the module docstring).
        n_jobs: parallel runs for joblib (-1: all cores), CPUs of a private Ray instance
            (-1: all).
        ray_address: a Ray cluster to join; None starts a private instance on this machine
            (or uses the one this process already started with ``ray.init``).
        progress: show a progress bar on stderr.
    """
    if launcher not in LAUNCHERS:
        raise ValueError(f"launcher = {launcher!r} is unknown; allowed: {', '.join(LAUNCHERS)}")
    unique = list({s.key: s for s in specs}.values())
    outcomes = {s.key: Outcome(s.key, "cached") for s in unique if store.has(s.key)}
    pending = [s for s in unique if s.key not in outcomes]
    root = str(store.root)
    store.root.mkdir(parents=True, exist_ok=True)
    bar = _progress(len(unique), len(outcomes), desc, progress)
    failed = 0

    def record(o: Outcome) -> None:
        nonlocal failed
        outcomes[o.key] = o
        failed += o.status == "failed"
        if failed:
            bar.set_postfix(failed=failed, refresh=False)
        bar.update()

    try:
        if not pending:
            pass
        elif launcher == "serial" or (launcher == "joblib" and (n_jobs == 1 or len(pending) == 1)):
            for s in pending:
                record(run_one(s, root))
        elif launcher == "joblib":
            for o in _joblib(pending, root, n_jobs):
                record(o)
        else:
            for o in _ray(pending, root, n_jobs, ray_address):
                record(o)
    finally:
        bar.close()
    return outcomes


def _joblib(pending: list[RunSpec], root: str, n_jobs: int) -> Iterable[Outcome]:
    from joblib import Parallel, delayed

    return Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered")(
        delayed(run_one)(s, root) for s in pending)


def ensure_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """Connect to Ray: the instance this process already started, the cluster at ``address``,
    or a new private instance on this machine (dashboard off, a small object store: runs
    return only their outcome)."""
    import ray

    if ray.is_initialized():
        return
    if address:
        ray.init(address=address, include_dashboard=False, log_to_driver=True)
    else:
        ray.init(address="local", num_cpus=num_cpus, include_dashboard=False,
                 object_store_memory=100 * 1024 * 1024)


def _ray(pending: list[RunSpec], root: str, n_jobs: int, address: str | None) -> Iterable[Outcome]:
    import ray

    ensure_ray(address, None if n_jobs is None or n_jobs < 1 else n_jobs)
    remote = ray.remote(num_cpus=1, max_retries=0)(run_one)
    waiting = [remote.remote(s, root) for s in pending]
    try:
        while waiting:
            ready, waiting = ray.wait(waiting, num_returns=min(len(waiting), 16), timeout=0.5)
            for ref in ready:
                yield ray.get(ref)
    finally:
        for ref in waiting:  # an interrupted driver does not leave runs queued on the cluster
            ray.cancel(ref)
