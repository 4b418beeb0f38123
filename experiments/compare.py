"""Compare scenarios over replicated runs: ``python -m experiments.compare``.

Usage::

    python -m experiments.compare                          # top_down vs co_creation, 30 seeds each
    python -m experiments.compare scenarios=[top_down,co_creation] replications=50 community=ageing
    python -m experiments.compare steps=60 consultation.adoption_rate=0.5   # model overrides, all scenarios
    python -m experiments.compare launcher=ray ray_address=head-node:6379   # on a Ray cluster
    python -m experiments.compare out=outputs/compare/mine   # again after an interruption: resumes

Every scenario runs with the same seeds (``first_seed`` … ``first_seed + replications − 1``),
in parallel (``launcher=joblib`` on all local cores by default; ``serial``; ``ray``). A run's
outcome on a metric is its mean over the last ``window`` months (recorded in the manifest); the
summary gives per scenario and metric the mean with its 95% confidence interval, the difference
to the first scenario with Welch's 95% interval and Hedges' g (:mod:`analysis.stats`), and
prints the headline metrics as a table, then ``results: <job dir>``.

The job directory (``manifest.json``, the tables, ``failures.json``, the store ``runs/``) is specified in
``docs/results.md`` (compare).

Running the same command again with the same ``out`` computes only the runs that are not in
``runs/`` yet. A run that raises is recorded with its error and config; the others go on,
and the job ends with exit code 1 and the list of failed runs. Bad options end the job before
it starts with one line and exit code 2.
"""

from __future__ import annotations

import pandas as pd

from analysis import stats
from experiments import runner
from experiments.command_line import MAX_MONTHS, MAX_REPLICATIONS, MAX_SEED, Option, check_seeds, fail
from experiments.study import Study, arm_keys, check_name, console, fmt, launch_options, printed_table, resolved_config
from model.metrics import HEADLINE


OPTIONS = {
    "scenarios": Option(["top_down", "co_creation"], list, "scenarios to compare; the first is the reference"),
    "community": Option(None, str, "community (default: that of scenarios/config.yaml)"),
    "replications": Option(30, int, "runs per scenario", range=(1, MAX_REPLICATIONS)),
    "first_seed": Option(0, int, "seed of the first replication; the others follow",
                         range=(0, MAX_SEED)),
    "window": Option(runner.DEFAULT_WINDOW, int, "months at the end of a run averaged into its outcome",
                     range=(1, MAX_MONTHS)),
    **launch_options("compare"),
}


class Compare(Study):
    """Every scenario with the same seeds; the tidy time series and the summary table."""

    prog, kind, labels, csv = "experiments.compare", "compare", ("scenario",), ("summary",)
    options = OPTIONS
    reserved = {"seed": "replications use first_seed, first_seed+1, ...; set first_seed",
                "scenario": "list the scenarios with scenarios=[a,b]"}

    def arms(self) -> list[dict]:
        names = self.names = self.opts["scenarios"]
        if not names:
            fail("scenarios = [] is empty; list at least one scenario")
        if len(set(names)) != len(names):
            fail(f"scenarios = {names} lists a scenario twice")
        for name in names:
            check_name("scenario", name, "scenarios")
        self.configs = {name: resolved_config(name, self.opts["community"], self.overrides) for name in names}
        self.seeds = check_seeds(self.opts["first_seed"], self.opts["replications"])
        return list(self.configs.values())

    def size(self) -> tuple[str, int, str]:
        n, k = len(self.seeds), len(self.names)
        return "replications × scenarios", n * k, f"{n} × {k}"

    def specs(self) -> list[runner.RunSpec]:
        community = self.configs[self.names[0]]["info"]["community"]
        return [runner.make_spec(self.configs[name], seed, scenario=name, community=community,
                                 allow_large=self.opts["allow_large"]) for name in self.names for seed in self.seeds]

    def describe(self, specs: list[runner.RunSpec]) -> dict:
        window = self.opts["window"]
        return arm_keys(self.configs, self.seeds, window, f"mean over the last {window} months of each run")

    def message(self, specs: list[runner.RunSpec]) -> str:
        first = self.configs[self.names[0]]
        return (f"{len(self.names)} scenarios × {len(self.seeds)} seeds = {len(specs)} runs of {first['steps']} months "
                f"({first['info']['community']}), launcher {self.opts['launcher']}; job directory {self.out}")

    def tables(self, job, specs, outcomes) -> dict[str, pd.DataFrame]:
        ok = self.ok = [s for s in specs if outcomes[s.key].status != "failed"]
        ts = runner.tidy(job.store, ok)
        if ok:
            summary = stats.summarise(stats.run_outcomes(ts, ["scenario", "seed"], self.opts["window"]), self.names)
        else:
            summary = pd.DataFrame(columns=stats.SUMMARY_COLUMNS)
        return {"timeseries": ts, "summary": summary}

    def report(self, tables, failures) -> None:
        if self.ok:
            print_summary(tables["summary"], self.names, self.job.manifest)


def print_summary(summary: pd.DataFrame, names: list[str], manifest: dict) -> None:
    """The headline metrics of a summary as a table on stdout."""
    out = console()
    out.print(f"{manifest['community']} community, {manifest['replications']} runs per scenario of "
              f"{manifest['steps']} months; a run's value: {manifest['statistic']}.\n"
              f"mean with 95% CI; diff: difference to {names[0]} with Welch's 95% CI; g: Hedges' g.",
              highlight=False)
    t = printed_table("metric", "scenario", "mean [95% CI]", "diff [95% CI]", "g", "n", left=("metric", "scenario"))
    rows = summary.set_index(["metric", "scenario"])
    for m in HEADLINE:
        for k, name in enumerate(names):
            if (m, name) not in rows.index:
                continue
            r = rows.loc[(m, name)]
            diff = "" if k == 0 else f"{fmt(r['diff'])} [{fmt(r['diff_ci_low'])}, {fmt(r['diff_ci_high'])}]"
            g = "" if k == 0 else fmt(r["hedges_g"])
            t.add_row(m if k == 0 else "", name, f"{fmt(r['mean'])} [{fmt(r['ci_low'])}, {fmt(r['ci_high'])}]",
                          diff, g, str(int(r["n"])), end_section=k == len(names) - 1)
    out.print(t)


def main(argv: list[str] | None = None) -> int:
    """Run the comparison; return the exit code (0, or 1 when runs failed)."""
    return Compare().main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
