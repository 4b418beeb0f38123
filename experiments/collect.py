"""Merge a sweep's job directories into one parquet table: ``python -m experiments.collect sweep=<sweep dir>``.

A Hydra sweep (``python -m experiments.run -m ...``) leaves one job directory per run under
its sweep directory. The collector reads each job's ``summary.json`` (or ``failed.json``)
and ``timeseries.parquet`` and writes ``<sweep dir>/sweep.parquet``, one row per run and
step::

    job, key, scenario, community, seed, <each swept parameter>, step, <every metric>

Swept parameters are the keys swept on the command line (from the sweep's
``manifest.json``; without one, the keys whose value differs between jobs), one column each
under their dotted name (``resident.trust_in_government.mean``), typed (int, float, bool or
string). ``key`` is the run's key in the sweep's store ``runs/``. Failed runs are listed in
``<sweep dir>/failures.json``, jobs without a result (an interrupted sweep) reported; neither has rows.
Rows are streamed job by job (memory stays flat). The sweep runs this at its end; run it by hand after
a sweep whose driver was stopped (``out=<file>``: elsewhere). Exit code 1 if a run failed or has no
result; 2 for bad options.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from experiments import runner
from experiments.command_line import Option, check_out, check_path, fail, parse

FIRST = ["job", "key", "scenario", "community", "seed"]


@dataclass
class Collected:
    """What :func:`collect` found: finished runs written, failures, jobs without a result."""

    sweep_dir: Path
    path: Path | None
    runs: int = 0
    expected: int | None = None
    swept: list[str] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _job_dirs(sweep_dir: Path) -> list[Path]:
    dirs = [p.parent.parent for p in sweep_dir.glob("**/.hydra/overrides.yaml")
            if "runs" not in p.relative_to(sweep_dir).parts[:1]]

    def order(d: Path):
        name = d.relative_to(sweep_dir).as_posix()
        return (0, int(name), name) if name.isdigit() else (1, 0, name)

    return sorted(dirs, key=order)


def _parse(overrides: list[str]) -> dict:
    import scenarios

    out = {}
    for o in scenarios.parsed(list(overrides)):
        if not o.is_sweep_override():
            out[o.key_or_group.lstrip("+~")] = o.value()
    return out


def _arrow_type(values: list) -> pa.DataType:
    vals = [v for v in values if v is not None]
    if vals and all(isinstance(v, bool) for v in vals):
        return pa.bool_()
    if vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        return pa.int64()
    if vals and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return pa.float64()
    return pa.string()


def _cast(value, typ: pa.DataType):
    if value is None:
        return None
    if typ == pa.string():
        return value if isinstance(value, str) else json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    if typ == pa.float64():
        return float(value)
    return value


def collect(sweep_dir: Path | str, out: Path | str | None = None) -> Collected:
    """Write ``sweep.parquet`` (or ``out``) from a sweep directory; see the module docstring."""
    sweep_dir = Path(sweep_dir).absolute()
    manifest_path = sweep_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None

    finished, failures, missing = [], [], []
    for d in _job_dirs(sweep_dir):
        rel = d.relative_to(sweep_dir).as_posix()
        if (d / "summary.json").exists() and (d / "timeseries.parquet").exists():
            s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
            if "overrides" not in s:
                s["overrides"] = yaml.safe_load((d / ".hydra" / "overrides.yaml").read_text(encoding="utf-8")) or []
            finished.append((d, s))
        elif (d / "failed.json").exists():
            failures.append({"dir": rel, **json.loads((d / "failed.json").read_text(encoding="utf-8"))})
        else:
            missing.append(rel)

    parsed = [_parse(s["overrides"]) for _, s in finished]
    if manifest is not None:
        swept = list(manifest.get("swept", {}))
    else:
        keys = dict.fromkeys(k for p in parsed for k in p)
        swept = [k for k in keys if len({json.dumps(p.get(k), sort_keys=True, default=str) for p in parsed}) > 1]
    extra = [k for k in swept if k not in ("scenario", "community", "seed")]
    types = {k: _arrow_type([p.get(k) for p in parsed]) for k in extra}

    target = Path(out) if out else sweep_dir / "sweep.parquet"
    result = Collected(sweep_dir, target, runs=len(finished), swept=swept, failures=failures, missing=missing,
                       expected=(manifest or {}).get("runs"))

    def write(tmp: str) -> None:
        writer = None
        try:
            for (d, s), p in zip(finished, parsed):
                ts = pq.read_table(d / "timeseries.parquet").replace_schema_metadata(None)
                n = ts.num_rows
                head = {"job": pa.array([int(s.get("job", -1))] * n, pa.int64()),
                        "key": pa.array([s.get("key", "")] * n, pa.string()),
                        "scenario": pa.array([s["scenario"]] * n, pa.string()),
                        "community": pa.array([s["community"]] * n, pa.string()),
                        "seed": pa.array([int(s["seed"])] * n, pa.int64())}
                for k in extra:
                    head[k] = pa.array([_cast(p.get(k), types[k])] * n, types[k])
                table = pa.Table.from_arrays([*head.values(), *ts.columns], names=[*head, *ts.column_names])
                if writer is None:
                    schema = table.schema
                    writer = pq.ParquetWriter(tmp, schema)
                writer.write_table(table.cast(schema))
            if writer is None:  # no finished run: an empty table with the label columns
                pq.write_table(pa.table({c: pa.array([], pa.string()) for c in [*FIRST, *extra, "step"]}), tmp)
        finally:
            if writer is not None:
                writer.close()

    runner.atomic_write(target, write)
    if failures:
        runner.write_json(failures, sweep_dir / "failures.json")
    else:
        (sweep_dir / "failures.json").unlink(missing_ok=True)
    if manifest is not None:
        incomplete = missing or (result.expected or 0) > len(finished)
        status = "failed" if failures else "incomplete" if incomplete else "complete"
        runner.write_manifest(sweep_dir, manifest, status=status, failed=[f.get("key", f["dir"]) for f in failures],
                       counts={"finished": len(finished), "failed": len(failures), "missing": len(missing)})
    return result


def report(result: Collected, file=sys.stderr) -> None:
    """Print what was collected, the failed runs (the jobs' one failure report) and the jobs
    without a result."""
    expected = f" of {result.expected}" if result.expected else ""
    print(f"{result.runs}{expected} runs collected into {result.path}"
          + (f" (swept: {', '.join(result.swept)})" if result.swept else ""), file=file)
    runner.report_failures(result.failures, result.sweep_dir, file=file)
    if result.missing:
        print(f"{len(result.missing)} jobs have no result (interrupted?): {', '.join(result.missing[:20])}"
              + (" ..." if len(result.missing) > 20 else ""), file=file)


PROG = "experiments.collect"


def is_sweep_dir(path: Path) -> bool:
    """Whether ``path`` holds the manifest of one of our sweeps (``manifest.json``, a mapping of ``kind: sweep``)."""
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("kind") == "sweep"


def main(argv: list[str] | None = None) -> int:
    """Collect a sweep directory; return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    options = {"sweep": Option(None, str, "the sweep directory (hydra.sweep.dir of an experiments.run -m)"),
               "out": Option(None, str, "the table to write (default <sweep>/sweep.parquet)")}
    opts, _ = parse(argv, options, PROG, overrides=False)
    if not opts["sweep"]:
        fail("sweep=<sweep dir> is required")
    sweep_dir = check_path("sweep", opts["sweep"])
    if not sweep_dir.is_dir():
        fail(f"sweep = {str(sweep_dir)!r} is not a directory")
    if not is_sweep_dir(sweep_dir):
        fail(f"sweep = {str(sweep_dir)!r} has no sweep manifest (manifest.json of kind \"sweep\"); "
                 "choose the hydra.sweep.dir of an experiments.run -m")
    check_out("out", opts["out"] or sweep_dir / "sweep.parquet", directory=False)
    result = collect(sweep_dir, opts["out"])
    report(result)
    print(f"results: {result.path}")
    return 1 if result.failures or result.missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
