"""The calibration patterns: stylised facts from the source documents, as checkable criteria.

One source of truth for ``python -m experiments.calibrate`` and the pattern tests
(``tests/test_calibration.py``). Each **arm** is one configuration (scenario, community,
overrides) run for 120 months over replications (seeds ``0 … n−1``; the same seeds in every
arm, so differences between arms are paired). Each run is reduced to a few **measures**
(:func:`measure`); each **criterion** turns the measures of one seed (across the arms it
needs) into one number, and passes when the 90% interval of that number over the
replications (its 5th to 95th percentile) lies inside the target range, i.e. the pattern
holds in at least nine replications out of ten, not just on average.

The figures of the seed documents are stylised patterns distilled from anonymous case
anecdotes, not measured data: the targets are ranges around them or directions, never
point estimates.

============  =====================================================================
pattern       criteria (outcomes)
============  =====================================================================
1 top-down    participation settles below 30% (and above 10%: residents still take
              part a little); most residents rarely take part [004]
2 co-creation participation reaches 60–80% in year 10 [000, 001, 004]; it rises over
              years [001], not in one jump; satisfaction ends about 35 points (25–45)
              higher than under top-down [004]
3 volunteers  about 30% of residents registered under co-creation (20–40%); community
              coins raise the volunteer share (×1.3–2.5; [004]: +70%)
4 sham        sham consultation ends with lower trust in government and participation
              than top-down, and more disputes per project [004]
5 channels    online-only raises youth participation and lowers elderly participation
              relative to offline-only [004]
6 upkeep      without co-management, use of completed facilities decays [004]; the
              facilities top-down builds are used less than co-creation's
7 lifts       in an old estate, with building deliberation a lift takes about half a
              year [003], and it is approved more often than without a channel
8 time, cost  co-creation's projects take 0.4–0.8 of top-down's time (−30 to −50%,
              ±10 points) and cost the office 0.6–0.9 as much per completed project
              (−25%, ±15 points) [004]
9 need fit    co-creation's projects fit residents' needs better [004]
10 co-funding where free riding dominates, about 70% of households refuse to
              co-fund (60–80%) [004]
============  =====================================================================

**Input checks** (``INPUT_CHECKS``, keys ``i1``–``i6``): figures that set a parameter (volunteer attrition
60% / 20%, the 18 months of a lift without a channel, 38% naming a neighbour, under 40% of views adopted and
surveys in 28% of top-down's projects). They show the calibration holds and are never counted as outcomes.

A criterion whose figure set a parameter says so (``Criterion.sets``); the table marks it as an input.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

YEAR = 12
STEPS = 120
FINAL_METRICS = ("participation_rate", "participation_rate_youth", "participation_rate_middle",
                 "participation_rate_elderly", "rarely_participating_share", "satisfaction",
                 "trust_in_government", "trust_in_neighbours", "efficacy", "need_fit", "social_capital",
                 "facility_use", "volunteer_share", "mean_contribution", "names_a_neighbour", "views_adopted",
                 "active_disputes")
"""Metrics whose mean over the last 12 months every run reports (``final_<metric>``)."""


# --------------------------------------------------------------------------- arms and runs
@dataclass(frozen=True)
class Arm:
    """One configuration run over replications: a scenario in a community, with overrides."""

    scenario: str
    community: str = "default"
    overrides: tuple[tuple[str, Any], ...] = ()
    steps: int = STEPS

    def describe(self) -> str:
        extra = ", ".join(f"{k}={v}" for k, v in self.overrides)
        return f"{self.scenario} / {self.community}" + (f" ({extra})" if extra else "")


ARMS: dict[str, Arm] = {
    "top_down": Arm("top_down"),
    "co_creation": Arm("co_creation"),
    "co_creation_no_incentives": Arm("co_creation", overrides=(("incentives.allowed", False),)),
    "co_creation_no_co_management": Arm("co_creation", overrides=(("co_management.allowed", False),)),
    "sham_consultation": Arm("sham_consultation"),
    "online_only": Arm("online_only"),
    "offline_only": Arm("offline_only"),
    "top_down_co_funding": Arm("top_down", overrides=(("co_building.mandated", True),)),
    "lifts_no_channel": Arm("no_property_supervision", "old_estate"),
    "lifts_deliberation": Arm("building_deliberation", "old_estate"),
}
"""The arms the patterns need, by name."""


def measure(model) -> dict[str, Any]:
    """Reduce a finished run to the measures the criteria read (small, picklable).

    - ``final_<metric>``: mean of the metric over the last 12 months (``FINAL_METRICS``);
    - ``participation_by_year``: mean participation rate in each year of the run;
    - ``first_year_names_a_neighbour``: mean share who can name a neighbour over months 1–12 (the status quo the
      community starts from);
    - ``volunteer_attrition``: share of volunteers enrolled 12 months earlier who are gone,
      averaged over months 24 to the end (the first year is a warm-up);
    - ``facility_relative_use``: mean condition of the facilities completed during the run
      that are at least 12 months old, i.e. their use now relative to their use when
      completed (use = condition × need fit, and need fit is fixed); NaN if there are none;
    - ``lift_duration``, ``lift_approval_share``: at the end of the run, mean months from proposal to a working
      lift of the lifts installed, and approved / (approved + abandoned) lift projects (NaN without lifts);
    - ``co_funding_refused``: mean over the months of the run of the share of residents asked to co-fund their
      grid's project who did not (NaN without co-building);
    - ``project_duration``, ``projects_surveyed_share``: at the end, mean months from a project's start to its
      completion, and the share of projects chosen with residents' needs asked (a meeting or a fresh survey);
    - ``disputes_per_project``: disputes started / projects started; ``complaints_total``: complaints in the run;
    - ``office_spending``: yuan spent out of the street office's budget in the run on projects and on running
      them (every use but purchased services, which buy social organisations' activities; the purse's pro-rata
      accounts), ``office_cost_per_project``: that over the projects completed;
    - ``completed_fit``, ``completed_use``: mean need fit and mean use (condition × need fit) at the end of the
      facilities completed during the run.
    """
    ts = model.timeseries()
    tail = ts.iloc[-YEAR:]
    out: dict[str, Any] = {f"final_{m}": float(tail[m].mean()) for m in FINAL_METRICS}
    part = ts["participation_rate"].to_numpy()[1:]
    years = len(part) // YEAR
    out["participation_by_year"] = [float(part[y * YEAR:(y + 1) * YEAR].mean()) for y in range(years)]
    out["first_year_names_a_neighbour"] = float(ts["names_a_neighbour"].iloc[1:YEAR + 1].mean())
    retention = ts["volunteer_retention"].to_numpy()[2 * YEAR:]
    out["volunteer_attrition"] = (1.0 - float(np.nanmean(retention))
                                  if np.isfinite(retention).any() else math.nan)
    fac = model.facilities
    built = fac.built[: fac.n]
    old = (built > 0) & (model.steps - built >= YEAR)
    out["facility_relative_use"] = float(fac.condition[: fac.n][old].mean()) if old.any() else math.nan
    for name in ("lift_duration", "lift_approval_share"):
        out[name] = float(ts[name].iloc[-1])
    refused = ts["co_funding_refused"].to_numpy()
    out["co_funding_refused"] = float(np.nanmean(refused)) if np.isfinite(refused).any() else math.nan
    out["project_duration"] = float(ts["project_duration"].iloc[-1])
    out["projects_surveyed_share"] = float(ts["projects_surveyed_share"].iloc[-1])
    totals = model.totals
    out["disputes_per_project"] = (totals["projects_disputed"] / totals["projects_started"]
                                   if totals["projects_started"] else math.nan)
    out["complaints_total"] = float(ts["complaints"].sum())
    out["office_spending"] = float(sum(v for (source, use), v in model.purse.by_source_and_use.items()
                                       if source == "street_office" and use != "purchased_services"))
    done = totals["projects_completed"]
    out["office_cost_per_project"] = out["office_spending"] / done if done else math.nan
    new = built > 0
    out["completed_fit"] = float(fac.fit[: fac.n][new].mean()) if new.any() else math.nan
    out["completed_use"] = float(fac.use(model.grid_fit)[new].mean()) if new.any() else math.nan
    return out


MEASURE = "experiments.patterns:measure"
"""The measure every calibration run keeps with its time series in the run store."""


def arm_config(arm: Arm, overrides: Sequence[str] = ()) -> dict:
    """The model config (nested dict) of an arm: its scenario and community composed with
    ``overrides`` (Hydra syntax, applied to every arm), then the arm's own overrides and steps."""
    import scenarios
    from model import config as config_mod

    data = scenarios.compose_dict(arm.scenario, arm.community, list(overrides))
    # The patterns describe a typical community: its uncertain quantities at their means (model.variation), so that
    # every replication is the same community and only chance differs; how communities differ is not a pattern here.
    config_mod.set_dotted(data, "variation.enabled", False)
    for key, value in arm.overrides:
        config_mod.set_dotted(data, key, value)
    data["steps"] = arm.steps
    return data


def run_arm(arm: Arm, seed: int) -> dict[str, Any]:
    """Run one arm with one seed in this process and return its measures."""
    from experiments import runner

    return measure(runner.run_model(runner.validated(arm_config(arm)), seed=seed))


def arm_specs(arms: dict[str, Arm], seeds: Sequence[int], overrides: Sequence[str] = (), *,
              allow_large: bool = False) -> list:
    """The runs of every arm with every seed (:class:`experiments.runner.RunSpec`, label ``arm``),
    each keeping its measures (:data:`MEASURE`); ``allow_large``: runs above
    :func:`model.config.check_size`, on purpose."""
    from experiments import runner

    specs = []
    for name, arm in arms.items():
        data = arm_config(arm, overrides)
        specs += [runner.make_spec(data, seed, measure=MEASURE, allow_large=allow_large, arm=name,
                                   scenario=arm.scenario)
                  for seed in seeds]
    return specs


def measures(specs: Sequence, store) -> dict[str, list[dict[str, Any]]]:
    """The stored measures of finished runs by arm, in the order of ``specs`` (seed order)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for s in specs:
        out.setdefault(s.labels["arm"], [])
        if store.has(s.key):
            out[s.labels["arm"]].append(store.record(s.key)["measures"])
    return out


def replicate(arms: dict[str, Arm], seeds: Sequence[int], n_jobs: int = 2, progress: bool = False, *,
              store=None, launcher: str = "joblib", overrides: Sequence[str] = ()) -> dict[str, list[dict[str, Any]]]:
    """Run every arm with every seed through the experiment runner; measures by arm, in seed order.

    Args:
        store: a :class:`~experiments.runner.RunStore` to keep (and resume) the runs in; None: a
            temporary one, deleted afterwards.
        overrides: model config overrides (Hydra syntax) applied to every arm.

    Results do not depend on ``n_jobs`` or the launcher: each run is seeded by its own seed only.
    """
    import tempfile

    from experiments import runner

    specs = arm_specs(arms, seeds, overrides)
    with tempfile.TemporaryDirectory(prefix="cogov-patterns-") as tmp:
        store = store if store is not None else runner.RunStore(tmp)
        runner.execute(specs, store, launcher=launcher, n_jobs=n_jobs, progress=progress)
        return measures(specs, store)


# --------------------------------------------------------------------------- criteria
Statistic = Callable[[dict[str, dict[str, Any]]], float]


@dataclass(frozen=True)
class Criterion:
    """One checkable claim of a pattern: a per-replication statistic and its target range."""

    key: str
    """Pattern number and letter, e.g. ``"2a"``."""
    claim: str
    """What is claimed, in the domain's words."""
    statistic: Statistic
    """Per replication: the measures of each arm (by name) → one number."""
    arms: tuple[str, ...]
    low: float | None = None
    """Lower bound of the target range (None: unbounded)."""
    high: float | None = None
    """Upper bound of the target range (None: unbounded)."""
    source: str = ""
    unit: str = "share"
    """``share`` (0–1, shown as %), ``points`` (a difference of shares, shown signed), ``months`` or ``ratio``."""
    strict: bool = False
    """Bounds exclude their value (a direction: 'lower than', 'higher than')."""
    sets: str = ""
    """The parameter this criterion's figure set by calibration, if any: the criterion then checks an input
    (that the calibration holds), not an outcome."""

    def show(self, x: float) -> str:
        if not math.isfinite(x):
            return "n/a"
        if self.unit == "share":
            return f"{100 * x:.1f}%"
        if self.unit == "points":
            return f"{x:+.3f}"
        if self.unit == "months":
            return f"{x:.1f} mo"
        return f"{x:.2f}"

    @property
    def target(self) -> str:
        def f(x: float) -> str:
            return self.show(x).replace(".0%", "%").replace("+0.000", "0")

        lo, hi = ("> ", "< ") if self.strict else (">= ", "<= ")
        if self.low is not None and self.high is not None:
            return f"{f(self.low)} to {f(self.high)}"
        if self.low is not None:
            return lo + f(self.low)
        return hi + f(self.high)  # type: ignore[arg-type]

    def contains(self, x: float) -> bool:
        if self.strict:
            return (self.low is None or x > self.low) and (self.high is None or x < self.high)
        return (self.low is None or x >= self.low) and (self.high is None or x <= self.high)


def _m(arm: str, measure: str) -> Statistic:
    """A measure of one arm."""
    return lambda r: r[arm][measure]


def _final(arm: str, metric: str) -> Statistic:
    """The final-year mean of a metric in one arm."""
    return _m(arm, f"final_{metric}")


def _diff(a: str, b: str, metric: str) -> Statistic:
    """``metric`` of arm a minus that of arm b (same seed)."""
    return lambda r: r[a][f"final_{metric}"] - r[b][f"final_{metric}"]


def _rise(r: dict[str, dict[str, Any]]) -> float:
    years = r["co_creation"]["participation_by_year"]
    return years[-1] - years[0]


def _largest_jump_share(r: dict[str, dict[str, Any]]) -> float:
    """Largest one-year rise of co-creation participation as a share of its whole rise from the
    status quo (the same community's first year under top-down, same seed) to year 10."""
    status_quo = r["top_down"]["participation_by_year"][0]
    years = np.asarray([status_quo, *r["co_creation"]["participation_by_year"]])
    total = years[-1] - years[0]
    if total <= 0:
        return math.inf
    return float(np.diff(years).max() / total)


def _ratio(a: str, b: str, measure: str) -> Statistic:
    """``measure`` of arm a over that of arm b (same seed)."""
    return lambda r: r[a][measure] / r[b][measure] if r[b][measure] else math.nan


CRITERIA: tuple[Criterion, ...] = (
    Criterion("1a", "top-down: participation settles below 30% (residents still take part a little)",
              _final("top_down", "participation_rate"), ("top_down",), 0.10, 0.30,
              "seed [004]: participation below 30% under 'government works, residents watch'"),
    Criterion("1b", "top-down: most residents rarely take part (fewer than 3 of the last 12 months)",
              _final("top_down", "rarely_participating_share"), ("top_down",), 0.50, None,
              "seed [004]: 65% rarely take part"),
    Criterion("2a", "co-creation: participation in year 10",
              lambda r: r["co_creation"]["participation_by_year"][-1], ("co_creation",), 0.60, 0.80,
              "seeds [000], [004]: 70–85% in mature cases; [001]: over 60% after a decade"),
    Criterion("2b", "co-creation: participation rises over the years (year 10 minus year 1)",
              _rise, ("co_creation",), 0.20, None, "seed [001]: 20% → over 60%; [004]: 25% → 70%, 30% → 75%"),
    Criterion("2c", "co-creation: not in one jump (largest one-year rise / rise from the status quo)",
              _largest_jump_share, ("co_creation", "top_down"), None, 0.50, "seed [001]: 'over about a decade'",
              unit="ratio"),
    Criterion("2d", "satisfaction: co-creation minus top-down (final year), around +35 points",
              _diff("co_creation", "top_down", "satisfaction"), ("co_creation", "top_down"), 0.25, 0.45,
              "seed [004]: satisfaction +35%, 52% → 85%; [001]: over 70% dissatisfied after top-down",
              unit="points"),
    Criterion("3a", "co-creation: registered volunteers among residents in year 10, about 30%",
              _final("co_creation", "volunteer_share"), ("co_creation",), 0.20, 0.40,
              "seed [004]: a 'volunteer bank' registered 30% of residents (the best case)"),
    Criterion("3b", "community coins raise the volunteer share: with / without incentives (year 10)",
              _ratio("co_creation", "co_creation_no_incentives", "final_volunteer_share"),
              ("co_creation", "co_creation_no_incentives"), 1.3, 2.5,
              "seed [004]: a community-coin system raised volunteer participation by 70%", unit="ratio"),
    Criterion("4a", "trust in government: top-down minus sham consultation (final year)",
              _diff("top_down", "sham_consultation", "trust_in_government"), ("top_down", "sham_consultation"),
              0.0, None, "seed [004]: meetings held, views ignored → collective petitions", unit="points",
              strict=True),
    Criterion("4b", "participation: sham consultation minus top-down (final year)",
              _diff("sham_consultation", "top_down", "participation_rate"), ("sham_consultation", "top_down"),
              None, 0.0, "seed [004]: sham consultation (形式共谋) leaves participation a formality", unit="points",
              strict=True),
    Criterion("4c", "disputes per project started: sham consultation minus top-down",
              lambda r: r["sham_consultation"]["disputes_per_project"] - r["top_down"]["disputes_per_project"],
              ("sham_consultation", "top_down"), 0.0, None,
              "seed [004]: a plan drafted in advance, views not adopted → collective petitions (群体性上访)",
              unit="points", strict=True),
    Criterion("5a", "youth participation: online-only minus offline-only",
              _diff("online_only", "offline_only", "participation_rate_youth"), ("online_only", "offline_only"),
              0.0, None, "seed [004]: meetings and suggestion boxes fail the young; an online platform "
              "raised youth participation 50%", unit="points", strict=True),
    Criterion("5b", "elderly participation: offline-only minus online-only",
              _diff("offline_only", "online_only", "participation_rate_elderly"), ("online_only", "offline_only"),
              0.0, None, "seed [004]: over-reliance on an online platform shut the elderly out", unit="points",
              strict=True),
    Criterion("6a", "without co-management: use of facilities 12+ months after completion, relative to new",
              lambda r: r["co_creation_no_co_management"]["facility_relative_use"],
              ("co_creation_no_co_management",), None, 0.70,
              "seed [004]: a centre without residents' self-management was used <30% after a year"),
    Criterion("6b", "use of the facilities built in the run (condition × need fit): co-creation minus top-down",
              lambda r: r["co_creation"]["completed_use"] - r["top_down"]["completed_use"], ("co_creation", "top_down"),
              0.0, None, "seed [004]: 'government builds, residents don't use': idle rates of 40%, a centre "
              "used <30%", unit="points", strict=True),
    Criterion("7b", "old estate, building deliberation (楼事楼议): months from a lift's proposal to a working lift",
              lambda r: r["lifts_deliberation"]["lift_duration"], ("lifts_deliberation",), 4.0, 9.0,
              "seed [003]: '3 stages, 10 nodes' cut lift replacement from over a year to half a year",
              unit="months"),
    Criterion("7c", "lift projects approved: building deliberation minus no channel",
              lambda r: r["lifts_deliberation"]["lift_approval_share"] - r["lifts_no_channel"]["lift_approval_share"],
              ("lifts_deliberation", "lifts_no_channel"), 0.0, None,
              "seeds [003], [004]: heard, low-floor residents stop blocking", unit="points", strict=True),
    Criterion("8a", "project time (start to completion): co-creation / top-down, −30 to −50% (±10 points)",
              _ratio("co_creation", "top_down", "project_duration"), ("co_creation", "top_down"), 0.40, 0.80,
              "seed [004]: implementation time −30 to −50% under co-creation", unit="ratio"),
    Criterion("8b", "governance cost per completed project (the office's money): co-creation / top-down, −25% (±15)",
              _ratio("co_creation", "top_down", "office_cost_per_project"), ("co_creation", "top_down"), 0.60, 0.90,
              "seed [004]: a community applying the co-creation model cut its governance cost by 25%",
              unit="ratio"),
    Criterion("9a", "need fit of the projects completed in the run: co-creation minus top-down",
              lambda r: r["co_creation"]["completed_fit"] - r["top_down"]["completed_fit"], ("co_creation", "top_down"),
              0.0, None, "seed [004]: mismatch is top-down's main failure ('government builds, residents don't "
              "use'); needs matched 90% with a needs platform", unit="points", strict=True),
    Criterion("10", "top-down with co-funding asked: share of households that refuse to co-fund, about 70%",
              _m("top_down_co_funding", "co_funding_refused"), ("top_down_co_funding",), 0.60, 0.80,
              "seed [004]: 70% of residents refused to pay their share of a renovation; it stalled"),
)
"""Every criterion: outcomes only (no figure here set a parameter; those are :data:`INPUT_CHECKS`), in order."""

INPUT_CHECKS: tuple[Criterion, ...] = (
    Criterion("i1", "volunteer attrition after 12 months without incentives",
              lambda r: r["co_creation_no_incentives"]["volunteer_attrition"], ("co_creation_no_incentives",),
              0.50, 0.70, "seed [004]: 60% of volunteers gone after a year without points or honours",
              sets="social_orgs.volunteer_dropout"),
    Criterion("i2", "volunteer attrition after 12 months with community coins",
              lambda r: r["co_creation"]["volunteer_attrition"], ("co_creation",), 0.10, 0.30,
              "seed [004]: community coins cut attrition from 60% to 20%", sets="incentives.dropout_multiplier"),
    Criterion("i3", "old estate, no channel for low-floor residents: months from a lift's proposal to a working lift",
              lambda r: r["lifts_no_channel"]["lift_duration"], ("lifts_no_channel",), 12.0, 24.0,
              "seed [004]: 加装电梯 without a channel for low-floor residents takes 18 months on average",
              unit="months", sets="lifts.persuasion"),
    Criterion("i4", "the status quo (top-down, first year): residents who can name a neighbour, about 38%",
              _m("top_down", "first_year_names_a_neighbour"), ("top_down",), 0.26, 0.50,
              "seed [004]: only 38% of residents can name a neighbour", sets="learning.named_tie_strength"),
    Criterion("i5", "top-down: share of residents' views adopted below 40%",
              _final("top_down", "views_adopted"), ("top_down",), None, 0.40,
              "seed [004]: adoption of residents' views below 40% under top-down", sets="government.adoption"),
    Criterion("i6", "top-down: projects chosen with residents' needs asked (survey or meeting), about 28%",
              _m("top_down", "projects_surveyed_share"), ("top_down",), 0.10, 0.55,
              "seed [004]: needs surveys in only 28% of projects", sets="government.survey_base"),
)
"""Figures that set a parameter (``Criterion.sets``): checked to see that the calibration holds, never counted as
evidence that the model reproduces an outcome."""

CHECKS: tuple[Criterion, ...] = CRITERIA + INPUT_CHECKS
"""Everything ``experiments.calibrate`` checks: the criteria, then the inputs."""


# --------------------------------------------------------------------------- evaluation
@dataclass
class Row:
    """The result of one criterion over the replications."""

    criterion: Criterion
    values: np.ndarray = field(repr=False)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def interval(self) -> tuple[float, float]:
        """The 90% interval of the replications: 5th and 95th percentiles."""
        lo, hi = np.percentile(self.values, [5, 95])
        return float(lo), float(hi)

    @property
    def passed(self) -> bool:
        lo, hi = self.interval
        return bool(np.all(np.isfinite(self.values))) and self.criterion.contains(lo) and self.criterion.contains(hi)


def arms_needed(criteria: Iterable[Criterion]) -> dict[str, Arm]:
    names = []
    for c in criteria:
        names += [a for a in c.arms if a not in names]
    return {n: ARMS[n] for n in names}


def evaluate(results: dict[str, list[dict[str, Any]]], criteria: Iterable[Criterion] = CHECKS) -> list[Row]:
    """Apply each criterion to every replication of the results of :func:`replicate`."""
    rows = []
    for c in criteria:
        n = min(len(results[a]) for a in c.arms)
        values = np.array([c.statistic({a: results[a][k] for a in c.arms}) for k in range(n)], dtype=float)
        rows.append(Row(c, values))
    return rows


def format_table(rows: list[Row], n_seeds: int) -> str:
    """A plain-text table: one row per criterion with target, mean, 90% interval, pass/fail."""

    header = f"{'':4}{'pattern':<86}{'target':>14}{'mean':>9}{'90% interval':>20}  result"
    lines = [f"Calibration patterns over {n_seeds} replications (120 months each; seeds 0–{n_seeds - 1})",
             header, "-" * len(header)]
    outcomes = [r for r in rows if not r.criterion.sets]
    inputs = [r for r in rows if r.criterion.sets]
    if inputs:
        rows = [*outcomes, None, *inputs]
    for row in rows:
        if row is None:
            lines.append("Inputs: figures that set a parameter; they check that the calibration holds and are not "
                         "evidence of an outcome")
            continue
        c = row.criterion
        lo, hi = row.interval
        lines.append(f"{c.key:<4}{c.claim[:85]:<86}{c.target:>14}{c.show(row.mean):>9}"
                     f"{'[' + c.show(lo) + ', ' + c.show(hi) + ']':>20}  {'pass' if row.passed else 'FAIL'}")
    counts = [f"{sum(r.passed for r in group)}/{len(group)} {what}" for group, what in
              ((outcomes, "criteria pass"), (inputs, "inputs hold")) if group]
    lines.append("; ".join(counts))
    if inputs:
        lines.append("Inputs (the parameter each figure set): "
                     + ", ".join(f"{r.criterion.key} {r.criterion.sets}" for r in inputs))
    return "\n".join(lines)
