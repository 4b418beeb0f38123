"""The one experiment runner: many configured runs, in parallel, resumably, on one of several back-ends.

Every job that runs the model many times goes through :func:`execute`: ``compare``,
``sensitivity``, ``calibrate`` and each job of a Hydra multirun (``experiments.run -m``, one
run per job through :func:`run_one`). A job is a list of :class:`RunSpec` (a resolved model
config validated once per job, a seed, labels such as the scenario or the sensitivity sample,
optionally a measure to keep). :func:`execute` skips every run already in the job's
:class:`~experiments.store.RunStore`, computes the rest and shows one progress bar (runs done,
rate, time left, failures):

``serial``
    one after the other in this process;
``joblib``
    joblib's loky worker processes on this machine (``n_jobs``: -1 = all cores);
``ray``
    Ray tasks, one CPU each: a private Ray instance on this machine, or a cluster
    (``ray_address``: ``host:port``, ``ray://host:10001`` or ``auto``; the store must then
    be on a file system every node sees; an address that does not answer within
    :data:`RAY_CONNECT_TIMEOUT` seconds raises ``ConfigError``, one line);
``submitit_slurm``
    a SLURM cluster through the ``submitit`` library: the runs are split into ``n_jobs`` tasks
    of a job array (-1: one task per 100 runs), submitit's files under ``<job dir>/.submitit/``
    (job dir and store on a file system the nodes share); ``submitit`` holds the executor's
    parameters (``{"slurm_partition": "compute", "timeout_min": 60}``);
``submitit_local``
    the same code path with processes on this machine instead of a queue (``n_jobs`` tasks;
    -1: one per core): tests the SLURM path without a cluster;
``submitit_debug``
    submitit's debug executor: the tasks run one after the other in this process (a debugger
    stops in them).

Each worker writes its run's file itself and returns only a small :class:`Outcome`, so memory
stays flat however many runs a job has and a killed job loses only the runs under way. A run
that raises is recorded (``<key>.failed.json``: error, traceback, config, seed, labels) and the
other runs go on. The same config and seed give identical numbers on every back-end: every
random draw comes from the model's generators, seeded by the run's seed.
"""

from __future__ import annotations

import importlib
import math
import os
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from experiments.store import Outcome, RunStore, run_key
from model.params import ConfigError

LAUNCHERS = ("serial", "joblib", "ray", "submitit_slurm", "submitit_local", "submitit_debug")
RUNS_PER_SLURM_TASK = 100
"""Runs per array task on SLURM when ``n_jobs`` = -1 (a run takes about a second of one core)."""


@dataclass(frozen=True)
class RunSpec:
    """One run: a resolved model config (nested dict, ``seed`` set), its seed and labels.

    ``measure`` (``"module:function"``, optional) is applied to the finished model; its small,
    JSON-able result is kept with the run in the store (``RunStore.record(key)["measures"]``).
    ``model_config`` is the validated config (validated once per job, not once per run).
    """

    key: str
    config: dict = field(repr=False, compare=False)
    seed: int = 0
    labels: dict = field(default_factory=dict, compare=False)
    measure: str | None = None
    model_config: Any = field(default=None, repr=False, compare=False)
    allow_large: bool = field(default=False, compare=False)  # a run above model.config.check_size, on purpose


_VALIDATED: dict[str, Any] = {}
"""Validated configs of this process by config hash: each distinct config is validated once."""


def validated(config: dict):
    """The validated ``ModelConfig`` of a model config (nested dict) with the config's seed,
    validated once per process per distinct config (seeds aside). Raises ``ConfigError`` (one
    line) for a bad key or value."""
    from experiments.store import config_hash
    from model import config as config_mod

    h = config_hash(config)
    if h not in _VALIDATED:
        cfg = config_mod.from_dict(config)
        _VALIDATED[h] = _VALIDATED[config_hash(config_mod.to_dict(cfg))] = cfg
    cfg = _VALIDATED[h]
    return replace(cfg, seed=int(config["seed"])) if "seed" in config else cfg


def make_spec(config: dict, seed: int, *, measure: str | None = None, allow_large: bool = False, **labels) -> RunSpec:
    """A run of ``config`` (a model config as a nested dict: validated here, once per distinct
    config) with ``seed``; ``measure``: see :class:`RunSpec`; ``labels``: what identifies the run
    in the job (scenario, sample, arm ...)."""
    from model import config as config_mod

    cfg = replace(validated(config), seed=int(seed))
    full = config_mod.to_dict(cfg)
    return RunSpec(key=run_key(full, seed, measure), config=full, seed=int(seed), labels=labels, measure=measure,
                   model_config=cfg, allow_large=allow_large)


def _function(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def run_one(spec: RunSpec, store_root: str) -> Outcome:
    """Compute one run into the store (unless it is there already); never raises for the run's
    own errors, which are recorded in the store instead."""
    from experiments import simulate as simulate_mod
    from model import config as config_mod

    store = RunStore(store_root)
    if store.has(spec.key):
        return Outcome(spec.key, "cached")
    record = {"config": spec.config, "seed": spec.seed, "measure": spec.measure, "labels": spec.labels,
              "version": simulate_mod.package_version(), "host": os.uname().nodename}
    start = time.perf_counter()
    try:
        cfg = spec.model_config if spec.model_config is not None else config_mod.from_dict(spec.config)
        large = {"allow_large": True} if spec.allow_large else {}
        if spec.measure:
            model = simulate_mod.run_model(cfg, seed=spec.seed, **large)
            ts, record["measures"] = model.timeseries(), _function(spec.measure)(model)
        else:
            ts = simulate_mod.simulate(cfg, seed=spec.seed, **large)
    except Exception as exc:  # the run's own failure: record it, let the job go on
        store.save_failure(spec.key, exc, record)
        return Outcome(spec.key, "failed", time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - start
    store.save(spec.key, ts, {**record, "seconds": seconds})
    return Outcome(spec.key, "done", seconds)


def run_many(specs: Sequence[RunSpec], store_root: str) -> list[Outcome]:
    """:func:`run_one` for each spec, in order (one task of a submitit job array)."""
    return [run_one(s, store_root) for s in specs]


def progress_bar(total: int | None, initial: int = 0, desc: str = "runs", enabled: bool = True):
    """The progress bar of every job (runs done, rate, time left) on stderr; ``total`` None: unknown."""
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit="run", disable=not enabled,
                dynamic_ncols=True, mininterval=0.5, smoothing=0.05)


def execute(specs: Sequence[RunSpec], store: RunStore, *, launcher: str = "joblib", n_jobs: int = -1,
            ray_address: str | None = None, submitit: dict | None = None, progress: bool = True,
            desc: str = "runs") -> dict[str, Outcome]:
    """Run every spec not yet in ``store``; return each key's :class:`Outcome`.

    Args:
        specs: the runs (duplicates by key are run once).
        store: where finished and failed runs are written.
        launcher: one of :data:`LAUNCHERS` (see the module docstring).
        n_jobs: parallel runs for joblib (-1: all cores), CPUs of a private Ray instance
            (-1: all), tasks of a submitit job (-1: see the module docstring).
        ray_address: a Ray cluster to join; None starts a private instance on this machine
            (or uses the one this process already started with ``ray.init``).
        submitit: parameters of the submitit executor (``AutoExecutor.update_parameters``).
        progress: show a progress bar on stderr.
    """
    if launcher not in LAUNCHERS:
        raise ValueError(f"launcher = {launcher!r} is unknown; allowed: {', '.join(LAUNCHERS)}")
    unique = list({s.key: s for s in specs}.values())
    outcomes = {s.key: Outcome(s.key, "cached") for s in unique if store.has(s.key)}
    pending = [s for s in unique if s.key not in outcomes]
    root = str(store.root)
    store.root.mkdir(parents=True, exist_ok=True)
    bar = progress_bar(len(unique), len(outcomes), desc, progress)
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
            results: Iterable[Outcome] = ()
        elif launcher == "serial" or (launcher == "joblib" and (n_jobs == 1 or len(pending) == 1)):
            results = (run_one(s, root) for s in pending)
        elif launcher == "joblib":
            results = _joblib(pending, root, n_jobs)
        elif launcher == "ray":
            results = _ray(pending, root, n_jobs, ray_address)
        else:
            results = _submitit(pending, root, launcher.removeprefix("submitit_"), n_jobs, submitit or {})
        for o in results:
            record(o)
    finally:
        bar.close()
    return outcomes


def _joblib(pending: list[RunSpec], root: str, n_jobs: int) -> Iterable[Outcome]:
    from joblib import Parallel, delayed

    return Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered")(
        delayed(run_one)(s, root) for s in pending)


RAY_CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a Ray cluster's port to accept a connection before giving up."""
RAY_PORTS = {"ray://": 10001, "": 6379}
"""Default port of a Ray address without one: the Ray Client server (``ray://``) and the GCS."""


def check_ray_address(address: str, timeout: float = RAY_CONNECT_TIMEOUT) -> None:
    """Check that the Ray cluster at ``address`` (``host:port``, ``ray://host[:port]``; ``auto``
    and ``local`` are left to Ray) accepts a TCP connection within ``timeout`` seconds: ``ray.init``
    itself retries an unreachable address for over 90 s.

    Raises:
        ConfigError: one line naming the address, the timeout and the reason.
    """
    if address in ("auto", "local"):
        return
    scheme = "ray://" if address.startswith("ray://") else ""
    host, sep, port = address.removeprefix(scheme).rpartition(":")
    if not sep or host.endswith(":"):  # no port, or a bare IPv6 address
        host, port = address.removeprefix(scheme), str(RAY_PORTS[scheme])
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except (OSError, ValueError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise ConfigError(f"ray_address: cannot reach the Ray cluster at {address} within {timeout:g} s "
                          f"({reason}); start it (ray start --head) or check the address") from None


def ensure_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """Connect to Ray: the instance this process already started, the cluster at ``address``,
    or a new private instance on this machine (dashboard off, a small object store: runs
    return only their outcome)."""
    import ray

    if ray.is_initialized():
        return
    if address:
        check_ray_address(address)
        # Ray retries a port that accepts connections but is no Ray GCS once a second, 20 times by
        # default (ray._private.node: RAY_gcs_server_port_wait_time_s), logging each retry
        os.environ.setdefault("RAY_gcs_server_port_wait_time_s", str(int(RAY_CONNECT_TIMEOUT)))
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=True, logging_level="error")
        except ConnectionError:
            raise ConfigError(f"ray_address: cannot reach the Ray cluster at {address} within "
                              f"{RAY_CONNECT_TIMEOUT:g} s (the port answers, but no Ray cluster); "
                              "start it (ray start --head) or check the address") from None
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


def _submitit(pending: list[RunSpec], root: str, cluster: str, n_jobs: int, parameters: dict) -> Iterable[Outcome]:
    """Split the runs into tasks of a submitit job array (``cluster``: slurm, local or debug);
    yield each run's outcome as soon as its file is in the store, the task's outcomes when it ends."""
    import submitit

    if n_jobs < 1:
        n_jobs = math.ceil(len(pending) / RUNS_PER_SLURM_TASK) if cluster == "slurm" else (os.cpu_count() or 1)
    n_tasks = max(1, min(n_jobs, len(pending)))
    chunks = [pending[k::n_tasks] for k in range(n_tasks)]
    executor = submitit.AutoExecutor(folder=Path(root).parent / ".submitit" / "%j", cluster=cluster)
    executor.update_parameters(**{"timeout_min": 60, "cpus_per_task": 1, "name": "cogov", **parameters})
    jobs = executor.map_array(run_many, chunks, [root] * n_tasks)
    store, seen = RunStore(root), set()
    waiting = list(zip(jobs, chunks))
    try:
        while waiting:
            for job, chunk in list(waiting):
                if job.done():
                    waiting.remove((job, chunk))
                    try:
                        results = job.result()
                    except Exception as exc:  # the task itself died (killed, out of time): its runs failed
                        error = f"{type(exc).__name__}: " + (str(exc).strip().splitlines() or [""])[-1]
                        results = [Outcome(s.key, "done" if store.path(s.key).exists() else "failed",
                                           error="" if store.path(s.key).exists() else error) for s in chunk]
                    for o in results:
                        if o.key not in seen:
                            seen.add(o.key)
                            yield o
            for _, chunk in waiting:  # progress inside running tasks: the files they have written
                for s in chunk:
                    if s.key not in seen and store.path(s.key).exists():
                        seen.add(s.key)
                        yield Outcome(s.key, "done")
            if waiting:
                time.sleep(0.5)
    finally:
        for job, _ in waiting:  # an interrupted driver does not leave tasks queued on the cluster
            job.cancel(check=False)
