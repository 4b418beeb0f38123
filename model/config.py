"""The configuration schema of a cogov community model.

``ModelConfig`` is the whole schema: the core sections declared here (community structure,
resident traits, decision rule, learning rates, government, social organisations, projects)
plus one section per participation mechanism, taken from the mechanism registry
(:mod:`model.mechanisms`). Scenario and community YAML files under ``scenarios/`` only
override these defaults; every default records its source (or says it is an assumption).

Units: time in months (one model step), money in yuan, contributions as a share of a
resident's monthly time budget for community affairs (0–1).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from model.mechanisms import MECHANISMS
from model.params import (
    CALIBRATED,
    SHARE_TOLERANCE,
    ByAge,
    ByDomain,
    ConfigError,
    Dist,
    InactiveParameterWarning,
    _merged,
    allowed,
    check_number,
    param,
    plain,
    share,
    share_groups,
    shares_sum_to_one,
    show,
    validate,
)

SEED_CENSUS = "Jilin 2020 census (domain brief): 0–14 11.71%, 15–59 65.23%, 60+ 23.06%"
SEED_003 = "seed [003]: micro-grids of 300–500 households, about 120 households per building"
FGF2001 = "Fischbacher, Gächter & Fehr (2001): ~50% conditional cooperators, ~30% free riders, ~14% hump-shaped"
FG2010 = "Fischbacher & Gächter (2010): conditional cooperators match imperfectly (slope < 1)"


@dataclass
class Info:
    """Labels of a run (set by the scenario and community files, not parameters)."""

    scenario: str = param("custom", "scenario name")
    scenario_description: str = param("", "one line: what the scenario represents")
    community: str = param("custom", "community name")
    community_description: str = param("", "one line: who lives in the community")


@dataclass
class CommunityConfig:
    """Who lives where: households in buildings, buildings in grids, and the ties between residents."""

    buildings: int = param(8, "number of residential buildings", unit="buildings", range=(1, 100_000))
    households_per_building: int = param(
        120, "households in each building", unit="households", range=(1, 10_000), source=SEED_003
    )
    buildings_per_grid: int = param(
        4, "buildings in each micro-grid (grid = 300–500 households)", unit="buildings",
        range=(1, 1_000), source=SEED_003,
    )
    adults_per_household: float = param(
        2.1, "mean number of adult residents per household (1 + Poisson)", unit="adults",
        range=(1.0, 6.0), source="assumption (China 2020 census: 2.62 persons per household, incl. children)",
    )
    children_household_share: float = share(
        0.35, "share of households with children under 18 (raises need for children's projects)",
        source="assumption (census: 11.71% of Jilin residents are aged 0–14)",
    )
    ties_within_building: float = param(
        4.0, "mean number of ties to other households' adults in the same building", unit="ties",
        range=(0.0, 50.0),
    )
    ties_within_grid: float = param(
        1.0, "mean number of ties to residents of other buildings in the same grid", unit="ties",
        range=(0.0, 50.0),
    )
    shortcut_ties: float = param(
        0.3, "mean number of small-world shortcut ties to anyone in the community", unit="ties",
        range=(0.0, 50.0),
    )
    age_homophily: float = share(
        0.5, "probability that a tie to a different age group is redrawn (0 = no homophily)"
    )
    household_tie_strength: float = share(0.9, "strength of ties between adults of one household")
    neighbour_tie_strength: Dist = param(
        Dist(0.25, 0.1), "initial strength of ties between neighbours (0–1)",
        source="assumption (seed [004]: only 38% of residents can name a neighbour)",
    )
    storeys: int = param(
        6, "storeys of every residential building (households are spread evenly over them, floor 1 up)",
        unit="storeys", range=(1, 200), source="seed [004]: old walk-up buildings of 5–7 storeys without lifts")
    households_per_entrance: int = param(
        12, "households sharing a stairwell (单元): the unit that decides on installing a lift",
        unit="households", range=(1, 10_000), source="assumption (2 households a floor × 6 storeys)")
    lift_share: float = share(
        1.0, "share of entrances (stairwells) that have a lift at the start",
        source="seed [004]: old estates' walk-ups have none; new estates all have lifts")
    renter_tie_factor: float = share(
        1.0, "factor on the initial strength of a neighbour tie for each end that rents (renters have weaker "
        "ties: w = w₀ · f^(renting ends))",
        source="assumption (seed [004]: the 'society of strangers'; renters stay briefly and know few neighbours)")


@dataclass
@shares_sum_to_one
class AgeShares:
    """Shares of adult residents by age group."""

    youth: float = share(0.25, "share aged 18–34", source="assumption (split of census 15–59 share)")
    middle: float = share(0.48, "share aged 35–59", source="assumption (split of census 15–59 share)")
    elderly: float = share(
        0.27, "share aged 60+ (23.06% of all residents is 27% of adults)", source=SEED_CENSUS
    )


@dataclass
@shares_sum_to_one
class DispositionShares:
    """Shares of cooperative dispositions among residents."""

    conditional_cooperator: float = share(0.50, "match what they expect others to give", source=FGF2001)
    free_rider: float = share(0.30, "give nothing unless it pays privately", source=FGF2001)
    unconditional_cooperator: float = share(
        0.06, "give much whatever others do (FGF's 6% 'other' types, an assumption)", source=FGF2001
    )
    hump_shaped: float = share(0.14, "match others up to half the endowment, then give less", source=FGF2001)


@dataclass
class NeedsByAge:
    """Mean need profile (relative weights over domains) of each age group."""

    youth: ByDomain = param(ByDomain(0.15, 0.10, 0.35, 0.40), "need weights of residents aged 18–34",
                            source="assumption (seeds [001], [003]: parking, children's care)")
    middle: ByDomain = param(ByDomain(0.15, 0.30, 0.25, 0.30), "need weights of residents aged 35–59",
                             source="assumption (caring for parents and children)")
    elderly: ByDomain = param(ByDomain(0.15, 0.55, 0.05, 0.25), "need weights of residents aged 60+",
                              source="assumption (seeds [000], [004]: elderly care, canteens)")


@dataclass
class ResidentConfig:
    """How resident traits are distributed at the start."""

    age_shares: AgeShares = param(AgeShares(), "age structure of adult residents", source=SEED_CENSUS)
    dispositions: DispositionShares = param(DispositionShares(), "cooperative dispositions", source=FGF2001)
    matching_slope: Dist = param(
        Dist(0.75, 0.15), "conditional cooperators' slope: share given per share expected of others",
        source=FG2010,
    )
    trust_in_government: Dist = param(
        Dist(0.35, 0.15), "initial trust in government (0–1): the status quo after years of top-down works",
        source="assumption (seed [004]: 72% don't know where the money went; near the top-down steady state)",
    )
    trust_in_neighbours: Dist = param(
        Dist(0.30, 0.15), "initial trust in neighbours (0–1)",
        source="assumption (seed [004]: only 38% of residents can name a neighbour)",
    )
    satisfaction: Dist = param(
        Dist(0.40, 0.12), "initial satisfaction with the community (0–1)",
        source="assumption (seed [004]: 52% satisfied before a deliberation council; [001]: over 70% "
        "dissatisfied after a failed top-down renovation)",
    )
    efficacy: Dist = param(
        Dist(0.22, 0.10), "initial belief that taking part changes outcomes (0–1)",
        source="assumption (seed [004]: under 40% of residents' views adopted, needs surveys in 28% of projects)",
    )
    initial_belief: Dist = param(
        Dist(0.50, 0.15), "initially expected contribution of others (share of their time budget)",
        source="Fischbacher & Gächter (2010): first-round beliefs near half the endowment",
    )
    time_budget: ByAge = param(
        ByAge(8.0, 10.0, 20.0), "hours a month a resident can give to community affairs",
        unit="hours/month", range=(0.0, 200.0),
    )
    time_cost: ByAge = param(
        ByAge(0.12, 0.10, 0.06), "private cost of giving time, by age (the young are busiest)",
        unit="utility per share", range=(0.0, 2.0),
    )
    time_cost_variation: float = param(
        0.5, "coefficient of variation of the time cost within an age group (Gamma-distributed factor, mean 1)",
        range=(0.0, 3.0), source="assumption (working hours, commuting and care duties differ)",
    )
    digital_access: ByAge = param(
        ByAge(0.95, 0.85, 0.45), "probability of having smartphone/internet access", unit="share",
        range=(0.0, 1.0), source="assumption (CNNIC 2020: internet use falls steeply after 60)",
    )
    needs: NeedsByAge = param(NeedsByAge(), "need profiles by age group")
    children_need_boost: float = param(
        0.4, "extra need weight on children's projects in households with children", range=(0.0, 5.0)
    )
    need_concentration: float = param(
        8.0, "Dirichlet concentration of individual needs around the age profile (higher = alike)",
        range=(0.1, 1_000.0),
    )
    party_member_share: float = share(
        0.08, "share of Party members and capable residents (能人) among adults",
        source="assumption (CPC membership ~6.7% of the population)",
    )
    party_member_elderly_bias: float = param(
        2.0, "odds multiplier of being a Party member for the elderly ('ageing volunteer base')",
        range=(0.0, 20.0), source="domain brief: ageing volunteer base with no successors",
    )
    volunteer_share: float = share(0.05, "share of residents enrolled as volunteers at the start")
    owner_share: ByAge = param(
        ByAge(0.6, 0.85, 0.95), "probability that a household owns its home (else it rents), by the age of its "
        "first adult; owners vote in owners' meetings, renters do not", unit="share", range=(0.0, 1.0),
        source="assumption (China 2020 census: about a fifth of urban households rent, most of them young)")
    owner_years_in_community: float = param(
        15.0, "mean years owners have lived in the community at the start (Exponential, at most the first "
        "adult's age − 18)", unit="years", range=(0.0, 80.0),
        source="assumption (seed [002]: work-unit and commodity housing of the 1990s–2000s, owners stay)")
    renter_years_in_community: float = param(
        3.0, "mean years renters have lived in the community at the start (Exponential)", unit="years",
        range=(0.0, 80.0), source="assumption (renters move every few years; seed [002]: 单位人 → 社会人)")


@dataclass
class DecisionConfig:
    """Parameters of residents' contribution decision (:mod:`model.decisions`)."""

    unconditional_level: Dist = param(Dist(0.85, 0.1), "unconditional cooperators' contribution share")
    belief_learning_rate: float = share(
        0.3, "weight of what neighbours did last month in the updated belief",
        source="Fischbacher & Gächter (2010): beliefs track others' last contributions",
    )
    cost_sensitivity: float = param(1.0, "weight of net private cost in the decision", range=(0.0, 10.0))
    noise_sd: float = param(0.05, "sd of idiosyncratic noise in the contribution share", range=(0.0, 1.0))
    participation_threshold: float = share(
        0.10, "contribution share at which a resident counts as taking part this month (above a twentieth of the "
        "time budget, so that volunteers' committed floor alone does not set participation)", source=CALIBRATED
    )
    engagement_intercept: float = param(
        -2.6, "engagement logit intercept (engagement ≈ 0.1 at the status-quo attitudes)", range=(-20.0, 20.0),
        source=CALIBRATED)
    engagement_trust_in_government: float = param(
        3.0, "engagement logit weight of trust in government", range=(-10.0, 10.0), source=CALIBRATED)
    engagement_trust_in_neighbours: float = param(
        3.0, "engagement logit weight of trust in neighbours (belonging)", range=(-10.0, 10.0), source=CALIBRATED)
    engagement_efficacy: float = param(
        3.0, "engagement logit weight of efficacy", range=(-10.0, 10.0), source=CALIBRATED)
    engagement_stake: float = param(
        1.0, "engagement logit weight of stake (need fit of the grid's project)", range=(-10.0, 10.0),
        source=CALIBRATED)
    encouragement: float = param(
        1.5, "engagement logit gain, at saturation, from neighbours (contacts outside the household) who took part "
        "last month: joining takes encouragement from several active neighbours, weighted by how strong the ties "
        "are (a count, not a share)",
        range=(0.0, 20.0),
        source="Centola & Macy (2007): complex contagion; domain brief: ties and trust → belonging "
        "→ more participation")
    encouragement_scale: float = param(
        1.0, "strength-weighted number of active neighbours at which encouragement reaches 63% of its gain "
        "(1.0: two active neighbours with ties of strength 0.5)", range=(0.01, 100.0))
    habit_weight: float = param(
        0.3, "engagement logit gain of a resident who took part in every one of the last 12 months (a habit, in "
        "proportion to the months taken part; it decays over a year without taking part)", range=(0.0, 20.0),
        source="Gerber, Green & Shachar (2003): taking part once raises the chance of taking part again (habit); "
        "value assumed")
    notice_reach: float = share(
        0.3, "share of the occasions mechanisms create (meetings, co-building, supervision, …; not the social "
        "organisations' own activities) a resident hears of with no active neighbour to tell them (notices, "
        "posters); the rest travels along ties; residents on an online platform hear of them all",
        source="assumption (domain brief: bridging ties carry news of occasions)")
    news_scale: float = param(
        1.0, "strength-weighted number of active neighbours at which 63% of the rest of the occasions are heard of",
        range=(0.01, 100.0))
    base_opportunity: float = share(
        0.30, "how much there is to take part in with no programme running: everyday occasions (neighbourhood "
        "events, informal help)", source=CALIBRATED)
    idle_stake: float = share(0.3, "stake of a resident whose grid has no project under way")
    civic_return: float = param(
        0.30, "private return on taking part at full engagement for all but free riders (warm glow of "
        "belonging and efficacy), in time-cost units", range=(0.0, 2.0),
        source="Andreoni (1990) warm glow; domain brief: ties and trust → belonging → more participation; "
        "value calibrated (experiments.calibrate)",
    )
    stake_return: float = param(
        0.20, "private return on taking part per unit of stake (need fit of the grid's project), in "
        "time-cost units: lowers the net cost, like a higher MPCR", range=(0.0, 2.0),
        source="domain brief: residents join only when their own stake is high; Zelmer (2003): a higher "
        "MPCR raises contributions; value calibrated (experiments.calibrate)",
    )


@dataclass
class LearningConfig:
    """Monthly adjustment rates of residents' attitudes and ties (exponential smoothing weights)."""

    trust_in_government_rate: float = share(
        0.02, "monthly adjustment rate of trust in government (half-life about 3 years)",
        source="assumption (seed [001]: participation grows from 20% to over 60% over about a decade)")
    trust_loss_rate: float = share(
        0.04, "monthly adjustment rate of trust in government when what residents see lowers it (trust is lost "
        "faster than it is won: half-life about 1.4 years)",
        source="Slovic (1993): the asymmetry principle — trust is easier to destroy than to build")
    empty_answer: float = share(
        0.25, "what an answer to a complaint or suggestion that no action follows is worth to the resident (1: an "
        "answer acted on, 0: none; ½ is neutral)", source="assumption (seed [004]: 形式主义 — replies without change)")
    trust_in_neighbours_rate: float = share(
        0.02, "monthly adjustment rate of trust in neighbours (half-life about 3 years)",
        source="assumption (seed [001]: participation grows from 20% to over 60% over about a decade)")
    satisfaction_rate: float = share(0.08, "monthly adjustment rate of satisfaction")
    efficacy_rate: float = share(
        0.03, "monthly adjustment rate of efficacy (half-life about 2 years)",
        source="assumption (seed [001]: participation grows from 20% to over 60% over about a decade)")
    trust_baseline: float = share(0.35, "trust in government a resident drifts to with no signal at all")
    trust_satisfaction_weight: float = param(0.5, "weight of satisfaction in the trust target", range=(0.0, 2.0))
    neighbour_trust_baseline: float = share(0.2, "neighbour trust with no joint activity")
    neighbour_trust_weight: float = param(0.7, "weight of neighbours' participation in the neighbour-trust target", range=(0.0, 2.0))
    tie_trust_weight: float = param(
        0.2, "neighbour-trust target gain per unit of a resident's mean neighbour-tie strength above the tie floor "
        "(trust in neighbours grows from strong ties)", range=(0.0, 2.0),
        source="Putnam (2000): bonding ties and generalised trust; domain brief: joint activity → ties and trust")
    named_tie_strength: float = share(
        0.4, "neighbour-tie strength from which a resident can name the neighbour (the names_a_neighbour metric)",
        source="set so that about 38% can name a neighbour in the status quo the community starts from (seed "
        "[004]: 38%; 33% in the model's first year); input check i4")
    tie_growth: float = share(0.08, "monthly growth of a tie when both residents take part")
    tie_decay: float = share(0.01, "monthly decay of a tie towards its floor without joint activity")
    tie_floor: float = share(0.05, "strength a neighbour tie decays to (household ties do not decay)")
    satisfaction_baseline: float = share(0.32, "satisfaction with no benefit, voice or dispute", source=CALIBRATED)
    satisfaction_benefit_weight: float = param(0.6, "weight of benefits received in the satisfaction target",
                                               range=(0.0, 2.0), source=CALIBRATED)
    benefit_reference: float = param(
        1.5, "benefit (need-fit-weighted facility service) that counts as fully served", range=(0.01, 100.0)
    )
    efficacy_baseline: float = share(0.2, "efficacy with no signal")
    efficacy_progress_weight: float = param(
        0.5, "efficacy target gain when one's time went into a project that progressed this month",
        range=(0.0, 2.0),
    )
    dispute_penalty: float = param(
        0.1, "satisfaction and neighbour-trust target loss per escalation level of a dispute in one's grid",
        range=(0.0, 1.0),
    )


SEED_004_KPI = "seed [004]: KPI = projects completed leads to cosmetic works (越位/缺位, 形式共谋)"


@dataclass
@shares_sum_to_one
class KpiWeights:
    """What the street office is judged on: weights of its KPI terms (sum to 1)."""

    projects_completed: float = share(1.0, "weight of projects completed (visible works)", source=SEED_004_KPI)
    satisfaction: float = share(0.0, "weight of residents' satisfaction (as the office observes it)")
    participation: float = share(0.0, "weight of residents' participation (attendance it counts)")
    complaints: float = share(0.0, "weight of (few) complaints and petitions")


@dataclass
class GovernmentConfig:
    """The street office (街道办): its budget, KPI, leader and decision rule (``agents/government.py``)."""

    budget_per_resident: float = param(
        8.0, "street-office budget for the community per adult resident per month, paid into the one purse "
        "(projects, purchased services, meetings, coins, upkeep all come out of it)", unit="yuan/month",
        range=(0.0, 10_000.0), source="assumption (seed [004]: government holds 80–90% of community funds)",
    )
    priorities: ByDomain = param(
        ByDomain(0.55, 0.10, 0.10, 0.25), "the office's own priorities over project domains (visible works first)",
        source="seed [004]: 'government builds, residents don't use'",
    )
    kpi: KpiWeights = param(KpiWeights(), "what the office is judged on (the scenario's rule)", source=SEED_004_KPI)
    adoption: float = share(
        0.3, "the leader's baseline share of residents' views (as the office perceives them) adopted in choosing "
        "projects", source="seed [004]: under 40% of residents' views adopted under top-down")
    responsiveness: float = share(
        0.2, "the leader's baseline share of complaints and suggestions answered",
        source="seed [004]: suggestions ignored → trust falls")
    adaptation_rate: float = share(
        0.1, "monthly share of the way the office moves its practice towards what its KPI asks for")
    planning_horizon: float = param(
        4.5, "months of the budget its standing commitments leave that the office counts on when it approves a new "
        "project", unit="months", range=(0.0, 120.0), source=CALIBRATED)
    upkeep_share: float = share(
        0.15, "share of the monthly budget set aside for contractors' upkeep of facilities under a KPI that "
        "counts nothing but upkeep's effects (scaled by 1 − the projects-completed weight)",
        source="seed [004]: 'maintenance vacuum' after construction under a projects KPI")
    upkeep_cost: float = param(
        400.0, "contractors' cost of keeping one facility in condition for a month", unit="yuan/month",
        range=(0.0, 1e7))
    answer_cost: float = param(20.0, "staff cost of answering one complaint or suggestion", unit="yuan",
                               range=(0.0, 1e6))
    complaint_threshold: float = share(0.35, "satisfaction below which a resident may complain (12345 hotline, petitions)")
    complaint_probability: float = share(0.1, "monthly probability a dissatisfied resident complains, at full efficacy")
    complaint_trust_weight: float = param(
        0.2, "trust-in-government target shift per unit of (complaints answered − 0.5) in a complainant's memory",
        range=(0.0, 2.0), source="seed [004]: suggestions ignored → trust falls")
    complaint_memory: float = share(0.3, "weight of a new complaint's answer in a complainant's memory")
    survey_above: float = share(
        0.35, "the office's attention (KPI pressure, 0–1) from which it commissions a needs survey every quarter "
        "(below it, in a quarter with probability attention / survey_above)")
    survey_base: float = share(
        0.0, "probability a quarter brings a needs survey whatever the office's attention (the district's rules for "
        "some projects)", source="seed [004]: needs surveys in only 28% of projects under top-down")
    survey_share: float = share(0.1, "share of residents a needs survey samples")
    survey_cost: float = param(10.0, "cost of a needs survey per resident sampled", unit="yuan/resident",
                               range=(0.0, 1e5))
    needs_memory: float = share(
        0.9, "monthly retention of the office's picture of residents' needs (Dirichlet counts forgotten at 1 − this)")
    prior_strength: float = param(
        20.0, "weight of the office's own priorities in its picture of a grid's needs, in residents' reports",
        unit="reports", range=(0.0, 1e6))
    tenure_months: int = param(
        0, "month a new leader takes office (0: none in the run)", unit="month", range=(0, 100_000),
        source="seed [004]: a co-creation pilot stopped when the leadership changed (一阵风)")
    successor_kpi: KpiWeights = param(KpiWeights(), "what the new leader is judged on")
    successor_responsiveness: float = share(0.2, "the new leader's baseline share of complaints answered")
    successor_adoption: float = share(0.3, "the new leader's baseline share of residents' views adopted")
    discretion: bool = param(
        True, "the office may take up programmes beyond those the rules require, by what its KPI values (false: it "
        "runs the mandated ones only)", source="assumption")
    successor_bound: bool = param(
        True, "the rules' mandates (<programme>.mandated) bind the new leader too (false: they were the first "
        "leader's own pilot, 一阵风)", source="seed [004]: a co-creation pilot stopped when the leadership changed")
    projects_target: float = param(
        1.5, "projects a grid is expected to complete a year (the projects term of the office's KPI counts the "
        "shortfall from it)", unit="projects/grid/year", range=(0.0, 100.0),
        source="assumption (about what the default budget builds under top-down: 1.5 a grid a year)")
    project_reserve: float = share(
        1.0, "share of its budget the office keeps for projects, per unit of the projects-completed weight of its "
        "KPI (the rest it may spend on programmes)", source="assumption (money follows what the office is judged "
        "on; seed [002]: 权随责走、费随事转)")
    start_value: float = share(
        0.08, "worth (KPI relief expected, weighted by its KPI and the uptake it has seen) from which the office takes "
        "up a programme", source="assumption (aspiration level; Simon 1955, Selten 1998)")
    keep_value: float = share(
        0.04, "worth below which the office drops a programme it runs (below start_value: it does not drop one at "
        "the first dip)", source="assumption")
    min_months: int = param(
        12, "months the office runs a programme it has taken up before it may drop it for its worth (money short "
        "drops it sooner)", unit="months", range=(0, 1_000), source="assumption (a programme is budgeted a year)")
    ramp_months: int = param(
        30, "months a programme the office takes up takes to reach its full delivery (staff learn to run it, residents "
        "learn that it exists)", unit="months", range=(0, 600), source="assumption (seed [001]: co-governance matures "
        "over years)")
    new_programmes: int = param(
        1, "programmes the office can take up at one quarterly review besides those the rules require (setting one "
        "up takes time and staff)", range=(0, 100), source="assumption (seed [001]: co-governance matures over about "
        "a decade, not at once)")
    uptake_learning: float = share(
        0.2, "monthly weight of the uptake the office sees in its memory of a programme's uptake")


@dataclass
class CommitteeConfig:
    """The residents' committee (居委会) and its grid workers (``agents/committee.py``)."""

    grid_workers_per_grid: float = param(
        2.0, "grid workers (and social workers) serving each micro-grid", unit="workers", range=(0.0, 1_000.0),
        source="seeds [001], [003]: 1 secretary + 3 social workers + N grid workers per community")
    hours_per_worker: float = param(160.0, "working hours of a grid worker a month", unit="hours/month",
                                    range=(0.0, 744.0))
    administrative_load: float = share(
        0.6, "share of grid workers' hours spent on tasks handed down from above (行政化), not with residents",
        source="seeds [001], [004]: the committee is 'administrativised', tasks handed down crowd out residents")
    reporting: float = share(
        0.5, "share of grid workers' hours left after tasks handed down that reporting on projects takes under a "
        "KPI of projects completed alone (scaled by that KPI weight)", source="seeds [001], [004]: 行政化, "
        "形式主义 — paperwork and records to show results crowd out work with residents")
    visit_hours: float = param(0.5, "hours one household visit takes", unit="hours", range=(0.01, 100.0))
    visit_opportunity: float = share(0.3, "occasion to take part a visit brings the resident visited (an invitation)")
    dispute_settling: float = share(
        0.3, "monthly probability grid workers settle a dispute they visit, at full coverage of the grid")


@dataclass
class PartyConfig:
    """The community Party organisation (社区党组织) (``agents/party.py``)."""

    joint_meeting: bool = param(
        False, "the Party organisation convenes a joint meeting (联席会议) of committee, organisations and units",
        source="seed [003]: '1+4+32+96' joint meetings; seed [001]: Party building leads")
    mobilisation: bool = param(
        False, "the rules give the Party organisation the remit to mobilise its registered members (党建引领): it runs "
        "the mobilisation programme where participation is low", source="seeds [001], [002]: Party-building-led "
        "governance; Party members lead by example")
    participation_target: float = share(
        0.5, "participation in a grid below which the Party organisation mobilises more than its base",
        source="assumption")
    mobilisation_base: float = share(0.3, "share of a grid's registered members it mobilises at the target")
    mobilisation_strength: float = param(
        1.0, "extra share mobilised per unit of a grid's relative shortfall from the target", range=(0.0, 10.0))
    meeting_interval: int = param(3, "months between joint meetings", unit="months", range=(1, 120))
    settlement_months: int = param(
        6, "months a joint meeting's division of responsibility holds", unit="months", range=(1, 120))
    coordination_loss: float = share(
        0.5, "share of upkeep (residents' and contractors') lost when no settled division of responsibility "
        "exists (actors push it onto each other)", source="seed [003]: 相互推诿 — shared facilities decay")
    registered_share: float = share(
        0.6, "share of Party members registered in the community (报到) whom the organisation can mobilise",
        source="seed [002]: in-service members register in their community")


@dataclass
class UnitsConfig:
    """Units in the area (驻区单位: enterprises, schools, offices) (``agents/unit.py``)."""

    count: int = param(3, "number of units in the area", range=(0, 1_000))
    money: float = param(1_500.0, "yuan a unit gives in a month when it contributes", unit="yuan",
                         range=(0.0, 1e7), source="seed [004]: co-building units, PPP")
    staff_hours: float = param(30.0, "staff volunteer hours a unit gives to a project in a month when it contributes",
                               unit="hours", range=(0.0, 1e6))
    willingness: float = share(0.1, "probability a unit gives when the office asks it alone (little standing in it)")
    recognition: float = share(
        0.5, "extra probability a unit gives when asked at a joint meeting (its standing is recognised there)")
    capture: float = share(
        0.1, "weight a contributing unit pulls the next project's domain towards its own interest with",
        source="stakeholders sketch: strong groups pull project choice towards their needs")
    interest: ByDomain = param(ByDomain(0.5, 0.0, 0.1, 0.4), "what units want projects to be about (visible "
                               "works: greening and public space; parking and safety near their premises)",
                               source="stakeholders sketch: units push their own projects; seed [004]: visible works")
    return_learning: float = share(
        0.3, "how far a unit's readiness to give moves, each time it is asked, towards what its last gift brought",
        source="assumption (reciprocity in repeated exchange; Axelrod 1984)")
    returned_willingness: float = share(
        0.5, "readiness to give a unit moves towards while its giving is recognised or returned",
        source="assumption (seed [004]: units co-build where they gain standing)")


@dataclass
class SocialOrgConfig:
    """Social organisations (NGOs, social-work agencies, volunteer teams) (``agents/social_org.py``)."""

    count: int = param(2, "number of social organisations serving the community", range=(0, 1_000))
    capacity: Dist = param(Dist(0.3, 0.1), "professional capacity (0–1)", source="domain brief: 'small, scattered, weak'")
    quality: Dist = param(Dist(0.6, 0.1), "initial quality of the service delivered (0–1)")
    recruitment_rate: float = share(
        0.0115, "monthly probability that an organisation at full capacity recruits a willing contributor",
        source=CALIBRATED)
    volunteer_threshold: float = share(0.15, "contribution share above which a resident can be recruited")
    volunteer_commitment: float = share(0.15, "minimum share of time budget a volunteer gives")
    volunteer_dropout: float = share(
        0.074, "monthly probability a volunteer drifts away with no reward (1 - 0.4^(1/12))",
        source="seed [004]: 60% of volunteers gone after a year without incentives",
    )
    contract_rule: str = param(
        "incumbent", "how purchased-service contracts are awarded each year: 'incumbent' (renewed by habit with "
        "probability contract_stability) or 'rated' (to bidders rated at least rating_threshold)",
        choices=("incumbent", "rated"), source="seed [004]: only ~35% of contracts stable; 小散弱")
    contract_stability: float = share(
        0.35, "probability a purchased-service contract is renewed at the end of a year (incumbent rule)",
        source="domain brief: only ~35% of purchased-service contracts are stable",
    )
    rating_threshold: float = share(0.5, "quality rating a bidder needs for a contract under the 'rated' rule")
    contract_value: float = param(
        2.0, "purchased-service funding per adult resident per month, shared among contracted organisations",
        unit="yuan/month", range=(0.0, 1_000.0),
    )
    capacity_growth: float = share(0.05, "monthly growth of capacity towards 1 while funded")
    capacity_loss: float = share(0.08, "monthly loss of capacity while unfunded")
    activity_opportunity: float = share(
        0.1, "occasion to take part an organisation's activities bring a resident whose top need is its domain, "
        "at full capacity and quality")
    quality_decay: float = share(
        0.04, "monthly loss of quality without oversight (no ratings, no third-party evaluation)",
        source="seed [004]: complaints +80% where purchased services had no oversight")
    quality_recovery: float = share(0.05, "monthly gain of quality towards 1 under oversight")
    quality_floor: float = share(0.3, "quality an organisation without oversight falls towards (it still shows up)")
    staff_hours: float = param(
        100.0, "hours a month of professional staff (social workers) an organisation at full capacity gives the "
        "street office's programmes while contracted (the rest of their time goes to the services contracted)",
        unit="hours/month", range=(0.0, 1e6),
        source="seeds [001], [003]: 1 secretary + 3 social workers per community; assumption (two thirds of a "
        "social worker's month)")
    exit_months: int = param(
        12, "months in a row below the bidding capacity after which an organisation folds and leaves", unit="months",
        range=(1, 600), source="assumption (domain brief: 小散弱)")
    entry: float = share(0.5, "probability a vacant place is taken by a new organisation at a year's tender",
                         source="assumption")
    entry_capacity: Dist = param(Dist(0.15, 0.05), "capacity of a new organisation (0–1): it starts small",
                                 source="domain brief: 'small, scattered, weak'")


@dataclass
class ProjectConfig:
    """Community micro-projects: one at a time per grid, from proposal to facility."""

    start_probability: float = share(
        0.3, "monthly probability a grid with no project proposes one (more while the office has money to spare: it "
        "asks for proposals, with certainty once the spare money would pay a whole project)")
    cost: float = param(40_000.0, "money a project needs", unit="yuan", range=(0.0, 1e9))
    monthly_funding: float = param(15_000.0, "money released to a project per month", unit="yuan/month", range=(0.0, 1e9))
    resident_hours: float = param(
        0.0, "volunteer hours a project needs from residents (co-building adds to this)", unit="hours",
        range=(0.0, 1e9),
    )
    upkeep_share: float = share(0.3, "share of residents' contributed hours that goes to upkeep of facilities")
    unorganised_upkeep_efficiency: float = share(
        0.1, "share of residents' upkeep hours that actually maintain facilities with no supervision group",
        source="assumption (seed [004]: 'maintenance vacuum' after construction)",
    )
    rework_probability: float = share(0.3, "probability a finished project fails inspection and needs rework",
                                      source="seed [001]: failed renovations overran schedule by 50%")
    rework_cost_share: float = share(0.3, "share of the cost spent again on rework")
    facility_decay: float = share(0.02, "monthly loss of a facility's condition without upkeep")
    upkeep_hours: float = param(20.0, "residents' upkeep hours a month that keep one facility in condition",
                                unit="hours/month", range=(0.0, 1e6))
    residents_served: float = param(
        400.0, "residents one facility in full condition can serve (sets how fast service saturates)",
        unit="residents", range=(1.0, 1e7))
    facility_value: float = param(1.0, "service a facility in full condition gives a resident whose top need it meets",
                                  range=(0.0, 100.0))
    legacy_facilities_per_grid: int = param(2, "facilities each grid has at the start (built top-down)", range=(0, 100))
    dispute_probability: float = share(0.25, "probability a new project starts a dispute between groups")
    dispute_escalation: float = share(0.15, "monthly probability an unmediated dispute escalates one level")
    dispute_resolution: float = share(0.05, "monthly probability a dispute settles on its own")
    dispute_abandon_level: int = param(3, "escalation level at which a disputed project is abandoned", range=(1, 100))
    needs_drift: float = param(0.0, "monthly sd of random drift in residents' needs", range=(0.0, 1.0))


CIVIL_CODE = ("Civil Code of the PRC (2021), art. 278: owners' decisions need owners of two thirds of the area and of "
              "the number to take part; ordinary matters a majority of those taking part, rebuilding and the "
              "maintenance fund three quarters")


@dataclass
class PropertyConfig:
    """The property company (物业) and households' fee payments (``agents/property.py``, ``model/estate.py``)."""

    companies: int = param(
        0, "property companies serving the estate, each an equal block of buildings (0: none, as in many old "
        "estates)", range=(0, 1_000), source="seeds [001], [003], [004]: 物业 as part of the estate's working core")
    fee: float = param(60.0, "property fee a household is billed a month", unit="yuan/household/month",
                       range=(0.0, 10_000.0), source="assumption (0.5–2 yuan/m² a month for a flat of ~70 m²)")
    full_service_cost: float = param(
        45.0, "what full service (cleaning, security, greenery, repairs) costs the company per household a month",
        unit="yuan/household/month", range=(1.0, 10_000.0), source="assumption")
    margin: float = share(0.2, "share of fee income an unsupervised company keeps as profit and overhead",
                          source="assumption (seed [004]: property service as a source of residents' complaints)")
    supervised_margin: float = share(
        0.05, "share of fee income a company keeps under a contract an owners' committee or the joint meeting "
        "holds it to")
    initial_service: float = share(0.7, "service quality at the start (0–1: share of full service delivered)")
    service_adjustment: float = share(
        0.2, "monthly share of the way service quality moves towards the level the company's spending funds")
    upkeep_weight: float = share(
        0.5, "upkeep coverage of the estate's shared facilities the company's full service gives (its staff keep "
        "them)", source="seed [003]: property company, committee and organisations share facilities' upkeep")
    satisfaction_weight: float = param(
        0.2, "satisfaction target shift per unit of service quality above (or below) 0.5", range=(0.0, 2.0))
    fee_burden: float = param(
        0.5, "net private cost of paying a bill of full_service_cost (decision units, as a contribution's "
        "time cost)", range=(0.0, 10.0))
    service_value: float = param(
        1.0, "private return of paying per unit of service quality the household receives", range=(0.0, 10.0))
    trust_weight: float = param(
        0.1, "private return of paying per unit of trust in neighbours above 0.5", range=(0.0, 10.0))
    enforcement: float = share(
        0.4, "pull towards paying in full (arrears notices, courts): the norm pull of the fee decision")
    initial_payment_belief: float = share(0.85, "share of neighbours households expect to pay at the start")
    belief_learning_rate: float = share(0.2, "monthly share of the way the payment belief moves to what neighbours do")
    fee_noise: float = param(0.1, "sd of the noise in a household's fee decision", range=(0.0, 1.0))
    replacement_service: float = share(0.6, "service quality a newly hired company starts with")


@dataclass
class OwnersCommitteeConfig:
    """The owners' committee (业主委员会) (``agents/owners.py``)."""

    enabled: bool = param(
        False, "owners hold elections for an owners' committee (业委会) that can supervise the property company",
        source="seed [003]: owners' meetings for lifts; the domain brief's actors")
    term_months: int = param(60, "months between elections of the committee", unit="months", range=(1, 600),
                             source="assumption (local rules: terms of 3–5 years)")
    retry_months: int = param(12, "months before owners try again after an election that failed its quorum",
                              unit="months", range=(1, 600))
    turnout_base: float = share(0.3, "probability an owner household takes part in an owners' vote anyway")
    absentee_turnout: float = share(
        0.1, "probability the absent owner of a rented flat takes part in an owners' vote (renters have no vote)")
    turnout_trust: float = share(
        0.5, "extra probability of taking part per unit of trust in neighbours of the household's first adult")
    guidance: float = share(
        0.0, "extra probability of taking part when the residents' committee and street office organise the vote "
        "door to door (指导成立)", source="seeds [001], [003]: committees guided and supported by the Party")
    quorum: float = share(2 / 3, "share of owner households that must take part for a vote to count",
                          source=CIVIL_CODE)
    majority: float = share(0.5, "share of those taking part needed for ordinary matters (committee, company)",
                            source=CIVIL_CODE)
    capture_risk: float = share(
        0.3, "probability a committee elected by a bare quorum is captured by a faction (it then supervises no "
        "one), falling linearly to 0 at full turnout", source="stakeholders sketch: it can be inactive or captured")
    collection_support: float = share(
        0.2, "extra pull towards paying fees while an active committee holds the company to its contract")
    replace_below: float = share(0.35, "service quality below which the committee moves to replace the company")
    patience: int = param(6, "months of service below replace_below before the committee calls a vote",
                          unit="months", range=(1, 600))
    fund_deposit: float = param(
        5.0, "yuan an owner household pays into the maintenance fund (专项维修资金) a month",
        unit="yuan/household/month", range=(0.0, 10_000.0), source="assumption")
    fund_share: float = share(
        0.5, "largest share of the owners' part of a lift's cost an active committee pays out of the fund")


@dataclass
class LiftConfig:
    """Lift projects in stairwells without a lift: split stakes and an owners' vote (``model/estate.py``)."""

    proposal_rate: float = share(
        0.05, "monthly probability that elderly households above the second storey of an entrance without a lift "
        "propose one, at an entrance where all households are such", source="seed [004]: 加装电梯 in old estates")
    cost: float = param(400_000.0, "cost of installing a lift in one stairwell", unit="yuan", range=(0.0, 1e9),
                        source="assumption (typical 加装电梯 costs of 300–600 thousand yuan)")
    subsidy_share: float = share(0.4, "share of the cost the district's lift programme pays (through the street "
                                 "office: purse source 'district')",
                                 source="assumption (many cities subsidise about 40%)")
    gain: float = param(1.0, "value of a lift to a top-storey household (decision units; linear in storey)",
                        range=(0.0, 100.0))
    elderly_gain: float = param(1.0, "extra value (multiple of gain) for households with an elderly adult",
                                range=(0.0, 100.0))
    cost_weight: float = param(
        0.6, "value lost by a top-storey household paying its owners' part of the cost (parts grow with storey; "
        "the ground floor pays nothing)", range=(0.0, 100.0))
    disturbance: float = param(
        0.3, "value lost by households on affected storeys (light, noise, a blocked passage)", range=(0.0, 100.0),
        source="seed [004]: low-floor residents bear the cost and disturbance")
    affected_storeys: int = param(2, "storeys (from the ground) whose households bear the disturbance",
                                  range=(0, 200))
    persuasion: float = share(
        0.6, "monthly probability an objector comes round, per unit of the tie-weighted share of its contacts who "
        "support the lift (informal pressure: the only channel without deliberation)", source=CALIBRATED)
    deliberation: bool = param(
        False, "building-level deliberation with defined steps (楼事楼议: hear everyone, owners' meeting, formal "
        "vote): objectors are heard and compensated out of the supporters' surplus",
        source="seed [003]: '3 stages, 10 nodes' cut lift replacement from over a year to half a year")
    approval: float = share(0.75, "share of voting owners who must agree (rebuilding: three quarters)",
                            source=CIVIL_CODE)
    affected_consent: bool = param(
        True, "the owners of the affected storeys must all agree as well (local rules on 加装电梯 ask for the "
        "consent of the owners whose light, air or passage it affects)",
        source="assumption (e.g. the 2/3 + affected-owners rules of several cities' 加装电梯 measures)")
    absentee_turnout: float = share(0.3, "monthly probability the absent owner of a rented flat takes part in a vote")
    construction_months: int = param(4, "months from approval to a working lift", unit="months", range=(0, 600))
    patience_months: int = param(36, "months without approval after which a lift project is abandoned",
                                 unit="months", range=(1, 600))
    cooldown_months: int = param(24, "months before an entrance whose project failed may propose again",
                                 unit="months", range=(0, 600))
    conflict_penalty: float = param(
        0.05, "neighbour-trust target loss for residents of an entrance with a lift project awaiting approval",
        range=(0.0, 1.0))
    satisfaction_gain: float = param(
        0.1, "satisfaction target gain of a top-storey resident of an entrance with a lift (linear in storey)",
        range=(0.0, 1.0))
    stranded_access: float = share(
        0.5, "share of occasions to take part an elderly resident above affected storeys reaches without a lift",
        source="seed [004]: elderly on upper floors of walk-ups seldom come down")
@dataclass
class ResidentsBodyConfig:
    """Residents' own bodies in micro-grids (自管会, residents' councils) (``agents/residents_body.py``)."""

    allowed: bool = param(True, "the rules let residents organise a body of their own in a grid",
                          source="seed [001]: 居民自治; seed [004]: residents' councils")
    core_months: int = param(
        6, "months of the last 12 a resident must have taken part in to count as a core activist", unit="months",
        range=(1, 12), source="assumption (a regular: every other month)")
    formation_share: float = share(
        0.15, "share of a grid's residents who must be core activists before a body can form",
        source="assumption (a committee of a few dozen in a grid of ~1,000 adults, drawn from a pool of regulars "
        "several times larger)")
    formation_rate: float = share(
        0.003, "monthly probability that, with enough core activists, someone takes the lead and a body forms "
        "unguided (about once in 28 years)", source="assumption (seed [004]: residents rarely organise on their "
        "own: 'wait, rely, demand')")
    guidance: float = share(
        0.0, "extra monthly probability a body forms when the residents' committee guides residents to set one up "
        "(指导成立)", source="seeds [001], [003]: committees guide residents to set up self-management committees")
    capacity_share: float = share(
        0.2, "share of core activists at which a body carries its programmes in full", source="assumption")
    dissolution_share: float = share(
        0.05, "share of core activists below which a body withers", source="assumption")
    dissolution_months: int = param(6, "months below dissolution_share after which it dissolves", unit="months",
                                    range=(1, 600))
    takeover_months: int = param(
        12, "months a programme must have reached the grid while the body existed before the body takes it over",
        unit="months", range=(1, 600), source="assumption (residents run what they have learnt to run; seed "
        "[004]: 长效机制)")


VARIED = {
    "budget_per_resident": "government.budget_per_resident",
    "leader_adoption": "government.adoption",
    "leader_responsiveness": "government.responsiveness",
    "kpi_pressure": "government.adaptation_rate",
    "org_capacity": "social_orgs.capacity.mean",
    "contract_stability": "social_orgs.contract_stability",
    "administrative_load": "committee.administrative_load",
    "trust_in_government": "resident.trust_in_government.mean",
    "trust_in_neighbours": "resident.trust_in_neighbours.mean",
    "ties_within_building": "community.ties_within_building",
}
"""The quantities a community's ``variation`` draws per seed: variation field → the config key it varies."""


@dataclass
class VariationConfig:
    """What is uncertain about a community, drawn per seed (``model.variation``): replications are different
    communities, not one re-rolled. Each field is the standard deviation of one quantity around the value the
    config gives it (a share: Beta; a positive amount: Gamma; 0: fixed). The community file states each range
    with its source or reason."""

    enabled: bool = param(True, "draw the community's uncertain quantities per seed (false: every one at its mean, "
                          "for paired mechanism tests)")
    budget_per_resident: float = param(0.0, "sd of the street office's budget per resident", unit="yuan/month",
                                       range=(0.0, 1_000.0))
    leader_adoption: float = param(0.0, "sd of the leader's baseline adoption of residents' views (leader's quality)",
                                   unit="share", range=(0.0, 0.5))
    leader_responsiveness: float = param(0.0, "sd of the leader's baseline share of complaints answered",
                                         unit="share", range=(0.0, 0.5))
    kpi_pressure: float = param(0.0, "sd of how fast the office moves its practice towards its KPI "
                                "(government.adaptation_rate)", unit="share", range=(0.0, 0.5))
    org_capacity: float = param(0.0, "sd of the social organisations' mean capacity", unit="share", range=(0.0, 0.5))
    contract_stability: float = param(0.0, "sd of the share of purchased-service contracts renewed", unit="share",
                                      range=(0.0, 0.5))
    administrative_load: float = param(0.0, "sd of the share of grid workers' hours taken by tasks handed down",
                                       unit="share", range=(0.0, 0.5))
    trust_in_government: float = param(0.0, "sd of residents' mean initial trust in government", unit="share",
                                       range=(0.0, 0.5))
    trust_in_neighbours: float = param(0.0, "sd of residents' mean initial trust in neighbours", unit="share",
                                       range=(0.0, 0.5))
    ties_within_building: float = param(0.0, "sd of the mean number of ties within a building (density of ties)",
                                        unit="ties", range=(0.0, 50.0))


SEED_002_MOBILITY = "seed [002]: free mobility ('单位人' become '社会人') dissolves the old neighbourhood ties"
SEED_004_SUCCESSION = "seed [004]: volunteers mostly elderly, few young, a break in succession (代际传承断层)"


@dataclass
@shares_sum_to_one
class ArrivalAgeShares:
    """Age groups of the first adult of a household moving in (movers are young)."""

    youth: float = share(0.60, "share of arriving households headed by an adult aged 18–34",
                         source="assumption (movers are young: renting couples, first homes)")
    middle: float = share(0.32, "share headed by an adult aged 35–59", source="assumption")
    elderly: float = share(0.08, "share headed by an adult aged 60+", source="assumption")


@dataclass
class LifeCourseConfig:
    """The population changes: households move out and in, residents age, volunteers retire
    (:mod:`model.life_course`)."""

    enabled: bool = param(False, "households move out and in, residents age and volunteers retire, monthly")
    owner_move_out: float = share(
        0.03, "annual probability an owner household moves out (sells)",
        source="assumption (owners stay for decades; seed [002]: mobility)")
    renter_move_out: float = share(
        0.30, "annual probability a renter household moves out (leases of 1–3 years)",
        source="assumption (renters stay about 3 years; seed [002]: mobility)")
    elderly_exit: float = share(
        0.01, "annual probability at 60 that a household leaves with its oldest adult (moving to children or "
        "care, death); it grows by the factor exp(elderly_exit_growth · (age − 60))",
        source="assumption (Gompertz: old-age mortality doubles about every 8 years)")
    elderly_exit_growth: float = param(
        0.09, "growth per year of age of the elderly exit hazard (Gompertz slope)", unit="1/year",
        range=(0.0, 1.0), source="assumption (Gompertz slope of human mortality ≈ 0.085–0.1 a year)")
    arrival_ages: ArrivalAgeShares = param(ArrivalAgeShares(), "age groups of arriving households' first adults")
    arrival_owner_share: float = share(
        0.35, "share of arriving households that buy (the others rent)",
        source="assumption (movers are more often renters than the settled population)")
    stranger_tie_strength: float = share(
        0.05, "strength of a newcomer's neighbour ties on arrival (the flat's ties, reset)",
        source="assumption (= learning.tie_floor: newcomers are strangers)")
    volunteer_retirement_age: float = param(
        75.0, "age above which volunteers retire", unit="years", range=(18.0, 120.0),
        source=SEED_004_SUCCESSION)
    volunteer_retirement: float = share(
        0.25, "annual probability a volunteer above the retirement age retires", source=SEED_004_SUCCESSION)
    volunteer_succession: float = share(
        0.0, "probability a retiring or leaving volunteer hands over to a younger contact who took part in the "
        "last 12 months (the strongest such tie)", source=SEED_004_SUCCESSION)


_CORE_FIELDS = [
    ("info", Info, param(Info(), "labels of the run")),
    ("seed", int, param(0, "random seed of the run (experiments pass it as the model's rng)", range=(0, 2**63 - 1))),
    ("steps", int, param(120, "months to simulate", unit="months", range=(0, 100_000))),
    ("community", CommunityConfig, param(CommunityConfig(), "community structure")),
    ("resident", ResidentConfig, param(ResidentConfig(), "resident traits")),
    ("decision", DecisionConfig, param(DecisionConfig(), "contribution decision")),
    ("learning", LearningConfig, param(LearningConfig(), "attitude and tie dynamics")),
    ("government", GovernmentConfig, param(GovernmentConfig(), "the street office")),
    ("committee", CommitteeConfig, param(CommitteeConfig(), "the residents' committee and grid workers")),
    ("social_orgs", SocialOrgConfig, param(SocialOrgConfig(), "social organisations")),
    ("party", PartyConfig, param(PartyConfig(), "the community Party organisation")),
    ("units", UnitsConfig, param(UnitsConfig(), "units in the area")),
    ("projects", ProjectConfig, param(ProjectConfig(), "projects and facilities")),
    ("property", PropertyConfig, param(PropertyConfig(), "the property company and fee payments")),
    ("owners_committee", OwnersCommitteeConfig, param(OwnersCommitteeConfig(), "the owners' committee")),
    ("lifts", LiftConfig, param(LiftConfig(), "lift projects in stairwells without a lift")),
    ("life_course", LifeCourseConfig, param(LifeCourseConfig(), "moving out and in, ageing, volunteers' succession")),
    ("residents_body", ResidentsBodyConfig, param(ResidentsBodyConfig(), "residents' own bodies in micro-grids")),
    ("variation", VariationConfig, param(VariationConfig(), "what is uncertain about the community, drawn per seed")),
]

ModelConfig = dataclasses.make_dataclass(
    "ModelConfig",
    _CORE_FIELDS
    + [(name, m.Params, param(m.Params(), (m.__doc__ or name).strip().splitlines()[0]))
       for name, m in MECHANISMS.items()],
    module=__name__,
)
ModelConfig.__doc__ = "The whole configuration of one community model: core sections and one section per mechanism."


def from_dict(data: dict) -> "ModelConfig":  # type: ignore[valid-type]
    """Build a validated ``ModelConfig`` from a nested dict (missing keys take defaults).

    Raises:
        ConfigError: for an unknown key, a wrong type, or a value out of range.
    """
    cfg = _build(ModelConfig, data, "")
    validate(cfg)
    return cfg


def build_section(cls: type, data: dict):
    """Build and validate any config dataclass declared with :func:`model.params.param` from a
    nested dict (missing keys take defaults); e.g. the laboratory game's ``LabConfig``.

    Raises:
        ConfigError: for an unknown key, a wrong type, or a value out of range.
    """
    cfg = _build(cls, data, "")
    validate(cfg)
    return cfg


def check_key(key: str, value: Any, schema: type | None = None) -> Any:
    """``value`` coerced and checked as the dotted ``key`` of ``schema`` (default ``ModelConfig``),
    e.g. a seed before Mesa sees it: ``check_key("seed", 10**400)`` raises.

    Raises:
        ConfigError: an unknown key, a wrong type, or a value out of range (one line).
    """
    schema = schema or ModelConfig
    data: dict = {}
    set_dotted(data, key, value)
    return get_dotted(to_dict(build_section(schema, data)), key)


BYTES_PER_RESIDENT = 2_600
"""Memory a resident takes, in bytes (arrays, ties, the Mesa agent), an upper bound. Measured as the
growth of peak RSS (``VmHWM``, reset after a warm-up model) over building a model (default scenario)
and running 3 months, per resident: 1,431 B at 10,160 residents (40 buildings), 2,329 B at 100,702
(400 buildings, incl. ~90 MiB of the numba kernel loaded from ~30,000 residents); the benchmark's
1,000,000-resident district peaks at 1,492 MiB (docs/performance.md), ~1,400 B a resident. Rounded up."""

BASE_BYTES = 400 * 2**20
"""Memory of an empty process with the model's libraries loaded (measured 150 MB RSS; doubled)."""

MAX_RESIDENT_MONTHS = 1_000_000_000
"""Default bound on residents × months of one run: the benchmark's one-million-resident district
runs 1.2e8 (1,000,000 × 120); 1e9 is about 4 minutes at the 4.4 million resident-months a second
measured at that size (docs/performance.md)."""

MEMORY_SHARE = 0.8
"""Share of the machine's physical memory one run may be estimated to use."""


def physical_memory() -> int:
    """Bytes of physical memory of this machine (``os.sysconf``; 0 where it cannot be read)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def check_size(cfg, *, max_resident_months: float = MAX_RESIDENT_MONTHS, memory_bytes: int | None = None,
               allow_large: bool = False) -> tuple[float, float]:
    """Refuse a run too large for this machine, before anything is built.

    Estimates, from the config alone:

        residents ≈ community.buildings × community.households_per_building × community.adults_per_household
        resident-months = residents × max(steps, 1)
        memory ≈ BASE_BYTES + BYTES_PER_RESIDENT × residents

    and refuses resident-months above ``max_resident_months`` or memory above ``MEMORY_SHARE`` of
    ``memory_bytes`` (default: this machine's physical memory), unless ``allow_large``.

    Returns:
        (residents, memory in bytes), the estimates.

    Raises:
        ConfigError: one line naming the keys, the estimate, the bound and the flag ``allow_large=true``.
    """
    c = cfg.community
    residents = c.buildings * c.households_per_building * c.adults_per_household
    memory = BASE_BYTES + BYTES_PER_RESIDENT * residents
    if allow_large:
        return residents, memory
    keys = "community.buildings × community.households_per_building × community.adults_per_household"
    months = residents * max(cfg.steps, 1)
    if months > max_resident_months:
        raise ConfigError(f"{keys} × steps = {c.buildings} × {c.households_per_building} × "
                          f"{show(c.adults_per_household)} × {cfg.steps} ≈ {months:,.0f} resident-months is more "
                          f"than {max_resident_months:,.0f}; set allow_large=true to run it on purpose")
    check_memory(f"{keys} = {c.buildings} × {c.households_per_building} × {show(c.adults_per_household)}"
                 f" ≈ {residents:,.0f} residents", memory, memory_bytes)
    return residents, memory


def check_memory(what: str, memory: float, memory_bytes: float | None = None) -> None:
    """Refuse a job whose estimated ``memory`` (bytes) is above :data:`MEMORY_SHARE` of the machine's
    physical memory (or of ``memory_bytes``), with one line starting with ``what``.

    Raises:
        ConfigError: ``<what> need about … GiB, more than … GiB (80% of this machine's memory); set
            allow_large=true to run it on purpose``.
    """
    limit = MEMORY_SHARE * (physical_memory() if memory_bytes is None else memory_bytes)
    if limit and memory > limit:
        raise ConfigError(f"{what} need about {memory / 2**30:,.1f} GiB, more than {limit / 2**30:,.1f} GiB "
                          f"({MEMORY_SHARE:.0%} of this machine's memory); set allow_large=true to run it on purpose")


def _build(cls: type, data: dict, path: str, inherited: dict | None = None):
    if isinstance(data, cls):  # a section given as its dataclass, e.g. Dist(0.5, 0.1)
        data = dataclasses.asdict(data)
    if not isinstance(data, dict):
        raise ConfigError(f"{path or 'config'} must be a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        key = f"{path}.{unknown[0]}" if path else unknown[0]
        raise ConfigError(f"{key} is not a config key; allowed here: {', '.join(fields)}")
    kwargs = {}
    for name, value in data.items():
        f = fields[name]
        key = f"{path}.{name}" if path else name
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        meta = _merged(dict(f.metadata), inherited)
        if dataclasses.is_dataclass(default):
            kwargs[name] = _build(type(default), value, key, meta)
        else:
            kwargs[name] = _coerce(key, value, default, meta)
    return cls(**kwargs)


def _coerce(key: str, value, default, meta: dict):
    """``value`` as the type of ``default``; numpy scalars count as the Python values they hold
    (``np.int64`` is an int, ``np.bool_`` a bool), but a bool is never a number nor a number a bool.

    A number is checked against ``meta['range']`` before it is converted (exactly, for an int of any
    size: never ``float()`` of an unbounded int); an int key takes a float only if it is whole.

    Raises:
        ConfigError: one line naming ``key``, the value and what is allowed.
    """
    value = plain(value)
    kind = type(default)
    if kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key} = {show(value)} is not a number; allowed: {allowed(meta, kind)}")
        check_number(key, value, meta, kind)
        if kind is float:
            return float(value)
        if isinstance(value, float) and not value.is_integer():
            raise ConfigError(f"{key} = {show(value)} is not a whole number; allowed: {allowed(meta, kind)}")
        return int(value)
    if kind is bool and isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        return str(value)
    if kind is list and isinstance(value, (list, tuple)):
        return list(value)
    raise ConfigError(f"{key} = {show(value)} has the wrong type; allowed: {allowed(meta, kind)}")


def to_dict(cfg) -> dict:
    """The config as a plain nested dict (for YAML, JSON and hashing)."""
    return dataclasses.asdict(cfg)


def set_dotted(data: dict, key: str, value) -> None:
    """Set ``data['a']['b'] = value`` for ``key='a.b'`` in a nested dict, creating levels."""
    parts = key.split(".")
    node = data
    for p in parts[:-1]:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise ConfigError(f"{key}: {p} is a value, not a section")
    node[parts[-1]] = value


def get_dotted(data: dict, key: str, default: Any = None) -> Any:
    """``data['a']['b']`` for ``key='a.b'`` in a nested dict, or ``default`` where a level is missing."""
    node: Any = data
    for p in key.split("."):
        if not isinstance(node, dict) or p not in node:
            return default
        node = node[p]
    return node


_UNSET = object()


@functools.lru_cache(maxsize=8)
def _defaults(schema: type) -> dict:
    return to_dict(schema())


def _flatten(key: str, value: Any) -> dict[str, Any]:
    """A dotted override whose value is a mapping, as one override per leaf under it."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(f"{key}.{k}", v))
        return out
    return {key: plain(value)}


def _is_share(value: Any) -> bool:
    """A number (not a bool) that can be compared and summed as a share: a finite float or an int of any size."""
    return isinstance(value, int | float) and not isinstance(value, bool) and (
        isinstance(value, int) or math.isfinite(value))


def apply_overrides(data: dict, overrides: Mapping[str, Any], schema: type | None = None) -> dict:
    """A copy of the nested config dict ``data`` with dotted ``overrides`` set on it.

    ``schema`` is the config dataclass ``data`` describes (default :class:`ModelConfig`; e.g. the
    laboratory game's ``LabConfig``): its defaults stand in for keys ``data`` lacks.

    Every entry of ``overrides`` is an explicit choice of the caller (values a scenario file sets
    are in ``data``). A value may be a numpy scalar (stored as the Python value it holds) or a
    mapping (it sets each key under the dotted one).

    **Shares set alone.** In a group of shares that sum to 1 (the ``@shares_sum_to_one``
    sections: ``resident.dispositions``, ``resident.age_shares``), setting some shares S keeps
    them and rescales the others to the remainder, in their current proportions:

        s_k ← s_k / Σ_{i∉S} s_i · (1 − Σ_{j∈S} s_j)      for every share k ∉ S;

    if the others are all zero, the remainder is split equally among them:
    s_k ← (1 − Σ_{j∈S} s_j) / (number of shares not set). Setting every share of a group
    rescales nothing: they must sum to 1 within ``SHARE_TOLERANCE`` (checked by :func:`from_dict`).

    **Parameters of a mechanism that is off.** An override of ``<section>.<key>`` where the
    section's ``enabled`` (a behaviour) or ``allowed`` (a programme) is false once all overrides are set warns with
    :class:`~model.params.InactiveParameterWarning`, one line naming the key
    (``sanctions.pull is set but sanctions is off (sanctions.enabled = false):
    the value has no effect``).

    **Labels.** ``info.*`` (the scenario's and community's names and descriptions) is set by the
    files a config is composed of, never by an override: a label that disagreed with what runs
    would be recorded, and output directories are named after it.

    The result is not validated: :func:`from_dict` does that (a value of the wrong type or out of
    range raises there).

    Raises:
        ConfigError: an ``info.*`` key (``info.scenario is set by the scenario file; choose
            scenario=<name>``); a negative share, or shares set together to more than 1, naming the keys.
    """
    schema = schema or ModelConfig
    defaults = _defaults(schema)
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        flat.update(_flatten(key, value))
    label = next((k for k in flat if k.split(".")[0] == "info"), None)
    if label is not None:
        raise ConfigError(f"{label if '.' in label else 'info.scenario'} is set by the scenario file; "
                          "choose scenario=<name>")
    out = copy.deepcopy(data)
    for key, value in flat.items():
        set_dotted(out, key, value)
    for path, names in share_groups(schema).items():
        chosen = {n: flat[f"{path}.{n}"] for n in names if f"{path}.{n}" in flat}
        _rescale_shares(out, get_dotted(defaults, path), path, names, chosen)
    for key in flat:
        _warn_if_inactive(out, defaults, key)
    return out


def _rescale_shares(data: dict, defaults: dict, path: str, names: tuple[str, ...], chosen: dict[str, Any]) -> None:
    """Rescale the shares of ``path`` not in ``chosen`` to the remainder (see :func:`apply_overrides`)."""
    if not chosen or len(chosen) == len(names) or not all(_is_share(v) for v in chosen.values()):
        return  # none or all set, or a value of the wrong type (from_dict names it)
    for n, v in chosen.items():
        if v < 0:
            raise ConfigError(f"{path}.{n} = {show(v)} is a negative share; allowed: numbers 0 to 1")
    total = sum(chosen.values())
    if total > 1.0 + SHARE_TOLERANCE:
        keys = " + ".join(f"{path}.{n}" for n in chosen)
        raise ConfigError(f"{keys} = {show(total)}: shares set together must not sum above 1 "
                          f"(the other shares of {path} take the remainder)")
    section = get_dotted(data, path, {})
    if not isinstance(section, dict):
        return  # from_dict names the bad value
    others = {n: plain(section.get(n, defaults[n])) for n in names if n not in chosen}
    if not all(_is_share(v) and 0 <= v <= 1 for v in others.values()):
        return  # from_dict names the bad value
    remainder = max(0.0, 1.0 - total)
    current = sum(others.values())
    for n, v in others.items():
        # Proportions first, then the scale: with a denormal sum (5e-324) v * r / sum is not v / sum * r.
        set_dotted(data, f"{path}.{n}", float(v / current * remainder if current > 0 else remainder / len(others)))


def _warn_if_inactive(data: dict, defaults: dict, key: str) -> None:
    """Warn when ``key`` belongs to a section that is off: a behaviour with ``enabled`` false, or a programme the
    rules forbid (``allowed`` false), whose parameters then have no effect."""
    parts = key.split(".")
    for i in range(1, len(parts)):
        section = ".".join(parts[:i])
        for flag, word in (("enabled", "off"), ("allowed", "not allowed")):
            default = get_dotted(defaults, f"{section}.{flag}", _UNSET)
            if default is _UNSET or key == f"{section}.{flag}":
                continue
            if plain(get_dotted(data, f"{section}.{flag}", default)) is False:
                warnings.warn(f"{key} is set but {section} is {word} ({section}.{flag} = false): the value has no "
                              "effect", InactiveParameterWarning, stacklevel=1)
                return
