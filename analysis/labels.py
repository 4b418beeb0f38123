"""Labels, units and number formats of the model's metrics (see :mod:`model.metrics`).

Each metric has a human label, a unit for axis labels and a *kind* that decides how numbers are
printed: ``share`` (0–1, printed as a percentage; differences in percentage points), ``score``
(a mean 0–1 score), ``corr`` (a correlation, −1–1), ``yuan`` (money), ``count``. A metric the
catalogue does not know gets a label made from its name, so new metrics still appear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from model.mechanisms import MECHANISMS
from model.purse import SOURCES, USES

COST_PER_PROJECT = "cost_per_completed_project"
"""Derived outcome: government_spending_total / projects_completed_total at the end of a run."""
COST_PER_PARTICIPANT = "cost_per_participant"
"""Monthly spending / residents taking part that month (the model's metric); the report's run outcome is
the window's mean spending / its mean participants (:func:`analysis.report.money_outcomes`)."""
SOURCE_NAMES = {"street_office": "the street office's budget", "units": "units in the area",
                "residents": "residents' co-funding", "district": "the district's lift programme"}
"""How the report names the purse's sources of money (:data:`model.purse.SOURCES`)."""


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    kind: str  # share | score | corr | yuan | count

    @property
    def axis_label(self) -> str:
        """Axis label with the unit, e.g. "Participation (% of residents)"."""
        return f"{self.label} ({self.unit})" if self.unit else self.label

    @property
    def bounds(self) -> tuple[float, float]:
        """The values the metric can take (intervals are truncated to them)."""
        if self.kind == "corr":
            return (-1.0, 1.0)
        if self.kind in ("yuan", "count"):
            return (0.0, math.inf)
        if self.kind == "share" or self.unit.endswith("0–1"):
            return (0.0, 1.0)
        return (-math.inf, math.inf)

    def clip(self, x):
        """``x`` truncated to the metric's bounds (NaN stays NaN)."""
        import numpy as np

        lo, hi = self.bounds
        return np.clip(x, lo, hi)

    @property
    def scale(self) -> float:
        """Factor from stored value to plotted value (shares are plotted in %)."""
        return 100.0 if self.kind == "share" else 1.0


_RES = "% of residents"
_SCORE = "mean score, 0–1"
CATALOGUE: dict[str, Metric] = {m.name: m for m in [
    Metric("participation_rate", "Participation", _RES, "share"),
    Metric("participation_rate_youth", "Participation, youth (18–34)", "% of age group", "share"),
    Metric("participation_rate_middle", "Participation, middle age (35–59)", "% of age group", "share"),
    Metric("participation_rate_elderly", "Participation, elderly (60+)", "% of age group", "share"),
    Metric("rarely_participating_share", "Rarely take part (<3 of 12 months)", _RES, "share"),
    Metric("mean_contribution", "Mean contribution", "% of time budget", "share"),
    Metric("contribution_conditional_cooperator", "Contribution, conditional cooperators", "% of time budget", "share"),
    Metric("contribution_free_rider", "Contribution, free riders", "% of time budget", "share"),
    Metric("contribution_unconditional_cooperator", "Contribution, unconditional cooperators",
           "% of time budget", "share"),
    Metric("contribution_hump_shaped", "Contribution, hump-shaped", "% of time budget", "share"),
    Metric("free_riding_rate", "Free-riding rate", "% benefiting without contributing", "share"),
    Metric("payoff_gap", "Payoff gap, contributors − others", "utility per month", "score"),
    Metric("cooperation_assortativity", "Participation assortativity", "correlation", "corr"),
    Metric("trust_in_government", "Trust in government", _SCORE, "score"),
    Metric("trust_in_neighbours", "Trust in neighbours", _SCORE, "score"),
    Metric("social_capital", "Social capital", "mean tie strength, 0–1", "score"),
    Metric("social_capital_bonding", "Social capital, bonding (same building)", "mean tie strength, 0–1", "score"),
    Metric("social_capital_bridging", "Social capital, bridging (across buildings)", "mean tie strength, 0–1",
           "score"),
    Metric("names_a_neighbour", "Can name a neighbour", "% of residents", "share"),
    Metric("satisfaction", "Satisfaction", _SCORE, "score"),
    Metric("efficacy", "Efficacy", _SCORE, "score"),
    Metric("need_fit", "Need fit", "mean fit of services to needs, 0–1", "score"),
    Metric("facility_use", "Facility use", "condition × fit, 0–1", "score"),
    Metric("facilities", "Facilities", "count", "count"),
    Metric("projects_completed", "Projects completed", "per month", "count"),
    Metric("projects_completed_total", "Projects completed, cumulative", "projects", "count"),
    Metric("government_spending", "Government spending", "yuan per month", "yuan"),
    Metric("government_spending_total", "Government spending, cumulative", "yuan", "yuan"),
    Metric("volunteer_share", "Volunteers", _RES, "share"),
    Metric("volunteer_retention", "Volunteer retention (12 months)", "% of volunteers", "share"),
    Metric("active_disputes", "Active disputes", "grids", "count"),
    Metric(COST_PER_PROJECT, "Cost per completed project", "yuan per project", "yuan"),
    Metric(COST_PER_PARTICIPANT, "Cost per participant", "yuan per participant a month", "yuan"),
    Metric("income_total", "Income, cumulative", "yuan", "yuan"),
    Metric("purse_balance", "Money left in the purse", "yuan", "yuan"),
    Metric("kpi_attention", "Street office's attention to residents", "KPI pressure residents can relieve, 0–1",
           "score"),
    Metric("views_adopted", "Residents' views adopted", "% of a project's choice", "share"),
    Metric("answer_rate", "Complaints and suggestions answered", "% answered", "share"),
    Metric("disclosure", "Spending disclosed on the open ledger", "% disclosed", "share"),
    Metric("consultation_real", "Real consultation held", "% of runs", "share"),
    Metric("complaints", "Complaints", "residents a month", "count"),
    Metric("residents_visited", "Residents visited by grid workers", "% of residents a month", "share"),
    Metric("social_org_quality", "Social organisations' quality", "mean, 0–1", "score"),
    Metric("social_org_capacity", "Social organisations' capacity", "mean, 0–1", "score"),
    Metric("contracts", "Purchased-service contracts", "organisations holding one", "count"),
    Metric("responsibility_settled", "Responsibility settled by a joint meeting", "% of runs", "share"),
    Metric("units_giving", "Units in the area giving", "units a month", "count"),
    Metric("facility_condition", "Facility condition", "mean condition, 0–1", "score"),
    Metric("fee_collection", "Property fees paid", "% of households billed", "share"),
    Metric("property_service", "Property service", "% of full service", "share"),
    Metric("fee_income", "Property fee income", "yuan per month", "yuan"),
    Metric("property_spending", "Property company's spending on service", "yuan per month", "yuan"),
    Metric("owners_committee_active", "Owners' committee active", "% of runs", "share"),
    Metric("owners_committee_turnout", "Owners' election turnout", "% of flats", "share"),
    Metric("property_replaced", "Property company replaced", "times, cumulative", "count"),
    Metric("maintenance_fund", "Maintenance fund", "yuan", "yuan"),
    Metric("lifts_installed", "Lifts installed", "lifts, cumulative", "count"),
    Metric("entrances_with_lift", "Stairwells with a lift", "% of stairwells", "share"),
    Metric("lift_projects_waiting", "Lift projects awaiting approval", "stairwells", "count"),
    Metric("lift_duration", "Lift project duration", "months, proposal to working lift", "count"),
    Metric("lift_approval_share", "Lift projects approved", "% of projects decided", "share"),
]}
CATALOGUE.update({m.name: m for m in [
    Metric("programmes_running", "Programmes running", "programmes", "count"),
    Metric("programmes_by_office", "Programmes the street office runs", "programmes", "count"),
    Metric("programmes_by_bodies", "Programmes residents' bodies carry", "programmes", "count"),
    Metric("residents_bodies", "Residents' bodies", "grids with one", "count"),
    Metric("core_activists", "Core activists (≥ 6 of 12 months)", _RES, "share"),
    Metric("programmes_staffed", "Programmes' staff hours met", "% of hours needed", "share"),
    Metric("social_orgs_active", "Social organisations", "organisations", "count"),
    Metric("org_activities", "Occasions from social organisations' activities", "mean per resident, 0–1", "score"),
    Metric("units_readiness", "Units' readiness to give", "mean, 0–1", "score"),
    Metric("members_mobilised", "Party members mobilised", "members", "count"),
    Metric("ledger_shows", "What the open ledger shows", "money well spent − misused, −1 to 1", "corr"),
    Metric("coins_honoured", "Confidence that points are redeemed", "mean, 0–1", "score"),
    Metric("need_fit_owners", "Need fit, owners", "0–1", "score"),
    Metric("need_fit_renters", "Need fit, renters", "0–1", "score"),
    Metric("need_fit_youth", "Need fit, youth (18–34)", "0–1", "score"),
    Metric("need_fit_middle", "Need fit, middle age (35–59)", "0–1", "score"),
    Metric("need_fit_elderly", "Need fit, elderly (60+)", "0–1", "score"),
]})
PROGRAMMES = tuple(name for name, cls in MECHANISMS.items() if cls.programme)
"""The model's programmes (:mod:`model.programmes`), in the mechanisms' order."""
PROGRAMME_NAMES = {"consultation": "Consultation (co-decide)", "co_building": "Co-building",
                   "co_management": "Supervision (co-manage)", "co_evaluation": "Co-evaluation",
                   "incentives": "Community coins (co-share)", "disclosure": "Open ledger", "mediation": "Mediation",
                   "channels": "Online platform", "mobilisation": "Party mobilisation",
                   "funding": "Committed purchased services"}
for _p in PROGRAMMES:
    CATALOGUE[f"programme_{_p}"] = Metric(f"programme_{_p}", PROGRAMME_NAMES[_p], "delivery, 0–1", "score")
    CATALOGUE[f"programme_{_p}_by_bodies"] = Metric(f"programme_{_p}_by_bodies", PROGRAMME_NAMES[_p]
                                                    + ", carried by residents' bodies", "% of grids", "share")
for _use in USES:  # money by use and by source (model.purse), monthly flows
    CATALOGUE[f"spending_{_use}"] = Metric(f"spending_{_use}", "Spending on " + _use.replace("_", " "),
                                           "yuan per month", "yuan")
for _source in SOURCES:
    CATALOGUE[f"income_{_source}"] = Metric(f"income_{_source}", "Income from " + SOURCE_NAMES.get(_source, _source),
                                            "yuan per month", "yuan")

HEADLINE = ("participation_rate", "trust_in_government", "social_capital", "satisfaction", "need_fit",
            "free_riding_rate", COST_PER_PROJECT)
"""Rows of the report's headline table, in order."""

AGE_METRICS = ("participation_rate_youth", "participation_rate_middle", "participation_rate_elderly")

GROUPS: dict[str, tuple[str, ...]] = {
    "Participation and free riding": (
        "participation_rate", "rarely_participating_share", "mean_contribution", "free_riding_rate",
        "payoff_gap", "cooperation_assortativity", "volunteer_share", "volunteer_retention"),
    "Trust, social capital and satisfaction": (
        "trust_in_government", "trust_in_neighbours", "satisfaction", "efficacy", "social_capital",
        "social_capital_bonding", "social_capital_bridging"),
    "Services, projects and cost": (
        "need_fit", "facility_use", "facilities", "facility_condition", "active_disputes", "projects_completed",
        "projects_completed_total", "government_spending", "government_spending_total", "income_total",
        "purse_balance", COST_PER_PROJECT, COST_PER_PARTICIPANT),
    "Contribution by cooperative disposition": (
        "contribution_conditional_cooperator", "contribution_unconditional_cooperator",
        "contribution_hump_shaped", "contribution_free_rider"),
}
"""Time-series figures: one small-multiples figure per group (age groups have their own figure).
Metrics in a table but in no group (nor in :data:`GOVERNMENT_CHOICES`, :data:`INSTITUTION_OUTCOMES` or the
money columns, which have their own sections) are drawn in a figure "Further metrics"."""

GOVERNMENT_CHOICES = ("views_adopted", "answer_rate", "disclosure", "kpi_attention", "consultation_real")
"""The street office's decisions over time (the report's section 'What the institutions decided')."""
INSTITUTION_OUTCOMES = ("social_org_quality", "social_org_capacity", "contracts", "residents_visited",
                        "complaints", "units_giving", "responsibility_settled")
"""What the other institutions did and met (same section)."""
ESTATE_OUTCOMES = ("fee_collection", "property_service", "facility_condition", "owners_committee_active")
"""Rows of the report's estate table (means over the last months of a run), when the runs have property fees."""
LIFT_OUTCOMES = ("lifts_installed", "entrances_with_lift", "lift_duration", "lift_approval_share")
"""Rows of the estate table on lifts (values at the end of a run), when lifts were installed in some run."""
ESTATE_SERIES = ("fee_collection", "property_service", "facility_condition", "fee_income", "property_spending",
                 "owners_committee_active", "owners_committee_turnout", "maintenance_fund", "property_replaced")
"""The estate's figure over time (section 'The estate'), each where the runs have it."""
LIFT_SERIES = ("lifts_installed", "entrances_with_lift", "lift_projects_waiting", "lift_duration",
               "lift_approval_share")
"""The lifts' figure over time (same section)."""
SPENDING_PREFIX, INCOME_PREFIX = "spending_", "income_"
"""Monthly money columns: ``spending_<use>``, ``income_<source>`` (``income_total`` is cumulative)."""

ID_COLUMNS = ("scenario", "community", "seed", "step", "run", "run_id", "replication", "job", "index")
"""Columns of a tidy table that identify a run or a row, never metrics."""


def metric(name: str) -> Metric:
    """The catalogue entry of a metric, or a generic one made from its name."""
    if name in CATALOGUE:
        return CATALOGUE[name]
    return Metric(name, name.replace("_", " ").capitalize(), "", "score")


def fmt_value(name: str, x: float | None, signed: bool = False) -> str:
    """A value as printed in tables: shares in %, money with thousands separators; ``signed``
    for a difference (shares then in percentage points)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    sign = "+" if signed else ""
    kind = metric(name).kind
    if kind == "share":
        return f"{100 * x:{sign}.1f}" + (" pp" if signed else "%")
    if kind == "yuan":
        return f"{x:{sign},.0f}"
    if kind == "count":
        return f"{x:{sign},.1f}"
    return f"{x:{sign}.3f}"


def fmt_diff(name: str, x: float | None) -> str:
    """A difference as printed in tables: shares in percentage points, signed."""
    return fmt_value(name, x, signed=True)


def fmt_interval(name: str, lo: float | None, hi: float | None, diff: bool = False) -> str:
    """"[lo, hi]" in the metric's format (percentage points for differences of shares)."""
    f = fmt_diff if diff else fmt_value
    a, b = f(name, lo), f(name, hi)
    if diff and metric(name).kind == "share":
        a, b = a.removesuffix(" pp"), b.removesuffix(" pp")
    return f"[{a}, {b}]"
