"""Reading a results directory (the contract between experiments and analysis).

Every job directory holds ``manifest.json``::

    {"kind": "compare" | "sweep" | "sensitivity", "scenarios": [...],
     "descriptions": {scenario: one line}, "community": ..., "replications": n, "steps": ...,
     "seeds": [...], "version": ..., "command": "<command line that reproduces it>", ...}

plus kind-specific keys (sweeps: the swept parameter names; sensitivity: method, samples,
parameter ranges), and optionally ``overrides`` (dotted config keys and values applied to
every run, as ``{"key": value}`` or ``["key=value", ...]``). Tables:

=============  =====================================================================================
kind           tables
=============  =====================================================================================
compare        ``timeseries.parquet`` (tidy: scenario, community, seed, step, metric columns) and
               ``summary.parquet`` (scenario, metric, mean, ci_low, ci_high, diff, diff_ci_low,
               diff_ci_high, hedges_g, n over each run's mean of the last ``window`` months;
               first scenario = baseline)
sweep          ``sweep.parquet`` (tidy: swept parameters as columns, seed, step, metric columns)
sensitivity    ``indices.parquet`` (method, metric, parameter, S1, S1_conf, ST, ST_conf; Morris:
               mu_star, mu_star_conf, sigma)
attribution    ``attribution.parquet``, ``gap.parquet`` (and ``interactions.parquet``,
               ``cost_effectiveness.parquet``): :mod:`experiments.attribute`
robustness     ``robustness.parquet`` (and ``regret.parquet``, ``prim.txt``): :mod:`experiments.robustness`
=============  =====================================================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.labels import ID_COLUMNS
from model.params import ConfigError

KINDS = ("compare", "sweep", "sensitivity", "attribution", "robustness")
TABLES = {"compare": ("timeseries.parquet",), "sweep": ("sweep.parquet",), "sensitivity": ("indices.parquet",),
          "attribution": ("attribution.parquet", "gap.parquet"), "robustness": ("robustness.parquet",)}
OPTIONAL = {"compare": ("summary.parquet",), "sweep": (), "sensitivity": (),
            "attribution": ("interactions.parquet", "cost_effectiveness.parquet"), "robustness": ()}
COMPARE_METRICS = ("participation_rate", "trust_in_government", "social_capital", "satisfaction", "need_fit",
                   "free_riding_rate", "government_spending_total", "projects_completed_total")
"""Metrics a compare's ``timeseries.parquet`` must hold: those of the report's headline table and of
its derived cost per completed project (every run of the model writes them)."""
COLUMNS = {
    "timeseries.parquet": ("scenario", "seed", "step", *COMPARE_METRICS),
    "summary.parquet": ("scenario", "metric", "mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high", "n"),
    "sweep.parquet": ("seed", "step"),
    "indices.parquet": ("metric", "parameter"),
    "attribution.parquet": ("lever", "outcome", "shapley", "ci_low", "ci_high", "share"),
    "gap.parquet": ("outcome", "from_mean", "to_mean", "gap", "ci_low", "ci_high"),
    "interactions.parquet": ("lever_a", "lever_b", "outcome", "interaction", "ci_low", "ci_high"),
    "cost_effectiveness.parquet": ("lever", "cost", "cost_share", "participation_per_10k", "trust_per_10k"),
    "robustness.parquet": ("policy", "outcome", "max_regret", "mean_regret", "minimax"),
}
"""Columns each table must have (``summary.parquet`` may also lack ``hedges_g``: written before it
was recorded, its numbers are then computed again from the time series)."""
INDEX_SETS = (("S1", "ST"), ("mu_star",))
"""``indices.parquet`` holds the Sobol indices, the Morris μ*, or both."""
LEGACY_WINDOW = 12
"""The window of manifests that do not record one (written before ``window`` was recorded)."""
SWEPT_KEYS = ("swept", "parameters", "swept_parameters", "sweep")
"""Manifest keys that may list a sweep's parameter names (first found wins)."""


@dataclass
class Results:
    """A loaded results directory."""

    path: Path
    manifest: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.manifest["kind"]

    @property
    def scenarios(self) -> list[str]:
        """Scenarios in manifest order (the first is the baseline)."""
        listed = list(self.manifest.get("scenarios") or [])
        table = self.tables.get("timeseries.parquet", self.tables.get("sweep.parquet"))
        if table is not None and "scenario" in table:
            listed += [s for s in pd.unique(table["scenario"]) if s not in listed]
        return listed

    @property
    def window(self) -> int:
        """Months at the end of a run averaged into its outcome: the manifest's ``window`` (manifests
        written before it was recorded: the 12 months every job then used)."""
        return int(self.manifest.get("window") or LEGACY_WINDOW)

    @property
    def timeseries(self) -> pd.DataFrame | None:
        return self.tables.get("timeseries.parquet")

    @property
    def summary(self) -> pd.DataFrame | None:
        return self.tables.get("summary.parquet")

    @property
    def sweep(self) -> pd.DataFrame | None:
        return self.tables.get("sweep.parquet")

    @property
    def indices(self) -> pd.DataFrame | None:
        return self.tables.get("indices.parquet")

    def overrides(self) -> dict:
        """Dotted config overrides applied to every run (``{}`` when none)."""
        o = self.manifest.get("overrides") or {}
        if isinstance(o, dict):
            return dict(o)
        out = {}
        for item in o:
            key, sep, value = str(item).partition("=")
            if not sep:
                raise ConfigError(f"manifest overrides: {item!r} is not key=value")
            out[key.strip()] = _yaml_value(value)
        return out

    def swept_parameters(self) -> list[str]:
        """The sweep's parameter columns: from the manifest, else every non-metric column that varies."""
        for key in SWEPT_KEYS:
            value = self.manifest.get(key)
            if value:
                names = list(value.keys()) if isinstance(value, dict) else [str(v) for v in value]
                missing = [n for n in names if n not in self.sweep.columns]
                if missing:
                    raise ConfigError(f"manifest {key}: {', '.join(missing)} not a column of sweep.parquet")
                return names
        from analysis.labels import CATALOGUE

        return [c for c in self.sweep.columns
                if c not in ID_COLUMNS and c not in CATALOGUE and self.sweep[c].nunique() > 1]


def _yaml_value(text: str):
    import yaml

    return yaml.safe_load(text)


def load(path: str | Path) -> Results:
    """Read a job directory's manifest and tables.

    Raises:
        ConfigError: no such directory, no manifest (naming any job directories found below),
            an unknown kind (naming the allowed ones) or a missing table.
    """
    path = Path(path)
    if not path.is_dir():
        raise ConfigError(f"results = {str(path)!r} is not a directory")
    mpath = path / "manifest.json"
    if not mpath.is_file():
        jobs = sorted(str(p.parent) for p in path.glob("*/manifest.json"))
        hint = f"; job directories below it: {', '.join(jobs[:5])}" if jobs else ""
        raise ConfigError(f"results = {str(path)!r} holds no manifest.json{hint}")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{mpath}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(manifest, dict):
        raise ConfigError(f"{mpath}: not a JSON object (it holds a {type(manifest).__name__}); "
                          "re-run the job's command to rebuild it")
    kind = manifest.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"manifest.json kind = {kind!r} is unknown; allowed: {', '.join(KINDS)}")
    _check_manifest(mpath, manifest)
    res = Results(path, manifest)
    for name in TABLES[kind]:
        if not (path / name).is_file():
            raise ConfigError(f"{kind} results need {name} in {path}")
    for name in (*TABLES[kind], *OPTIONAL[kind]):
        if (path / name).is_file():
            try:
                res.tables[name] = pd.read_parquet(path / name)
            except (OSError, ValueError) as exc:  # pyarrow.ArrowInvalid is a ValueError
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ConfigError(f"{path / name}: not a readable parquet table ({first}); "
                                  "re-run the job's command to rebuild it") from None
    for name, table in res.tables.items():
        missing = [c for c in COLUMNS[name] if c not in table]
        if name == "indices.parquet" and not any(set(cols) <= set(table) for cols in INDEX_SETS):
            missing += ["S1 and ST, or mu_star"]
        if missing:
            raise ConfigError(f"{path / name} lacks column(s) {', '.join(missing)}; "
                              "re-run the job's command to rebuild it")
    if kind == "compare":
        ts = res.timeseries
        unknown = [s for s in manifest.get("scenarios") or [] if s not in set(ts["scenario"])]
        if unknown:
            raise ConfigError(f"manifest scenarios {', '.join(unknown)} have no rows in timeseries.parquet")
    return res


def _check_manifest(mpath: Path, manifest: dict) -> None:
    """The manifest keys the report reads have the types it needs (one line naming the key)."""
    scenarios = manifest.get("scenarios")
    if scenarios is not None and not (isinstance(scenarios, list) and all(isinstance(x, str) for x in scenarios)):
        raise ConfigError(f"{mpath}: scenarios = {scenarios!r:.80} is not a list of scenario names")
    window = manifest.get("window")
    if window is not None and (isinstance(window, bool) or not isinstance(window, int) or window < 1):
        raise ConfigError(f"{mpath}: window = {window!r:.80} is not a whole number of months (1 or more)")
    for key in ("overrides", *SWEPT_KEYS):
        value = manifest.get(key)
        if value is not None and not isinstance(value, (dict, list)):
            raise ConfigError(f"{mpath}: {key} = {value!r:.80} is not a mapping or a list")
