"""Which lever explains the gap: Shapley attribution of an outcome gap between two scenarios.

Usage::

    python -m experiments.attribute                                    # top_down → co_creation, default community
    python -m experiments.attribute levers=path/levers.yaml replications=8 n_jobs=2
    python -m experiments.attribute community=demo steps=36 out=outputs/attribution/demo   # again: resumes
    python -m experiments.attribute method=sampled permutations=200 interactions=false

**Levers** are data: the file ``levers=<name>`` (under ``scenarios/attribution/``, or a path) is a
YAML list; each lever has a ``name``, a one-line ``description`` and ``keys``, a mapping of dotted
config keys to their ``[from, to]`` values (a lever may group several keys, e.g. a mechanism's
``enabled`` and its settings). Before anything runs, the two arms ``from`` and ``to`` are composed
(:func:`scenarios.compose_dict`, with the command line's overrides) and compared: the levers must
cover every key that differs between them (``info.*`` labels aside) and nothing else, each with
the values the arms give it; otherwise one line names the key and the job exits with code 2, so the
file stays true when the scenarios change.

**Coalitions.** For a set S of the k levers, the coalition config is the ``from`` config with the
keys of the levers in S set to their ``to`` values; v_r(S) is the outcome of that config run with
seed r: the run's mean over its last ``window`` months (``window`` in the manifest, as in every
job). Every coalition is run with the same seeds r = first_seed … first_seed + R − 1 (common random
numbers), through the one runner (:func:`experiments.runner.execute`: stored under ``runs/``,
resumable with ``out=``, parallel with ``n_jobs=``). v_r(∅) is the ``from`` arm, v_r(N) the ``to``
arm; the gap of seed r is G_r = v_r(N) − v_r(∅).

**Shapley value** of lever i (seed r)::

    φ_i(r) = Σ_{S ⊆ N∖{i}} |S|! (k − |S| − 1)! / k! · [v_r(S ∪ {i}) − v_r(S)]

*Efficiency*: Σ_i φ_i(r) = G_r exactly, for every seed (the levers' values add up to the gap).
A lever that changes nothing has φ_i(r) = 0 (its marginal contributions are differences of two
runs of the same model with the same seed). With k ≤ 10 levers (``method=auto``) the sum runs over
all 2^k coalitions (``method=exact``). Beyond, ``method=sampled`` draws M = ``permutations``
orderings π_1 … π_M of the levers (uniformly, seeded by ``sampler_seed``, the same for every seed)
and averages the marginal contribution of i to the levers before it::

    φ̂_i(r) = (1/M) Σ_m [v_r(P_m(i) ∪ {i}) − v_r(P_m(i))],   P_m(i) = levers before i in π_m

an unbiased estimator whose marginals along one ordering telescope to G_r, so efficiency still holds
exactly for every seed.

**Pair interaction** (Shapley interaction index of levers i, j)::

    I_ij(r) = Σ_{S ⊆ N∖{i,j}} |S|! (k − |S| − 2)! / (k − 1)! · Δ_ij v_r(S),
    Δ_ij v_r(S) = v_r(S ∪ {i,j}) − v_r(S ∪ {i}) − v_r(S ∪ {j}) + v_r(S)

positive when the two levers reinforce each other, negative when either does the other's work.
Sampled: S = P_m(i) ∖ {j}; removing j from a uniform ordering of N leaves a uniform ordering of
N ∖ {j}, so S has exactly the weights above and the average of the second difference over the M
orderings is unbiased (it needs coalitions off the orderings' chains: ``interactions=false`` saves them).

**Intervals.** The estimate is the mean over seeds, φ̂_i = (1/R) Σ_r φ_i(r); its 95% interval is
Student's t over the R paired per-seed values: φ̂_i ± t(0.975, R − 1)·se, se = s_r/√R (exact). Sampled
values add the permutation error: se² = s_r²/R + s_m²/M, s_m the standard deviation over orderings
of the seed-averaged marginal contribution (a conservative sum: the seed × ordering noise is counted
in both terms); ``se_perm`` = s_m/√M is stated in the table. The same holds for I_ij and the gap.

**Cost-effectiveness.** With the monthly spending ``government_spending`` (yuan a month, window mean)
among the outcomes, each lever's cost is its Shapley value of spending; participation points
(percentage points of residents) and trust points (trust in government × 100) per 10,000 yuan a
month are 10,000 · 100 · φ_i(outcome) / φ_i(spending), left empty when the lever's cost is below
1 yuan a month (a lever that costs nothing, or saves, is not a ratio). Shares are φ_i / Σ_j φ_j.

The job directory (``manifest.json``, the tables, ``failures.json``, the store ``runs/``) is specified in
``docs/results.md`` (attribution).

Bad options or a levers file that does not match the arms end the job before it starts with one
line and exit code 2; ``--help`` lists the options.
"""

from __future__ import annotations

import copy
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import scenarios
from analysis import stats
from experiments import api, runner
from experiments.command_line import (MAX_MONTHS, MAX_REPLICATIONS, MAX_SAMPLER_SEED, MAX_SAMPLES, MAX_SEED, Option,
                                      check_seeds, fail, flatten)
from experiments.study import (Study, arm_keys, check, check_name, console, fmt, launch_options, printed_table,
                              read_design, resolved_config, window_means)
from model import config as config_mod
from model.params import ConfigError

MAX_EXACT = 10
"""``method=auto`` is exact up to this many levers (2^10 = 1,024 coalitions), sampled beyond."""
SPENDING = "government_spending"
"""The monthly spending (yuan a month) whose Shapley values are the levers' costs."""
DEFAULT_OUTCOMES = ("participation_rate", "trust_in_government", "satisfaction", "free_riding_rate",
                    SPENDING, "government_spending_total")
"""Outcomes attributed by default (plus every ``spending_<use>`` column of the model's time series)."""
PER = 10_000.0
"""Yuan a month of the cost-effectiveness ratios (points per 10,000 yuan a month)."""
MIN_COST = 1.0
"""Yuan a month below which a lever's cost is no denominator (its ratios are left empty)."""

OPTIONS = {
    "levers": Option("default", str, "the levers: a name under scenarios/attribution/ or a YAML path"),
    "from": Option("top_down", str, "the arm the gap starts from (a scenario)"),
    "to": Option("co_creation", str, "the arm the gap goes to (a scenario)"),
    "community": Option(None, str, "community of every run (default: config.yaml's)"),
    "replications": Option(6, int, "paired seeds per coalition", range=(2, MAX_REPLICATIONS)),
    "first_seed": Option(0, int, "seed of the first replication", range=(0, MAX_SEED)),
    "window": Option(12, int, "months at the end of a run averaged into its outcome", range=(1, MAX_MONTHS)),
    "outcomes": Option(None, list, "metrics to attribute (default: participation, trust, satisfaction, "
                       "free riding, spending and every spending_<use> column)"),
    "method": Option("auto", str, f"exact over all 2^k coalitions, sampled permutations, or auto (exact up to "
                     f"{MAX_EXACT} levers)", choices=("auto", "exact", "sampled")),
    "permutations": Option(64, int, "orderings sampled (method=sampled)", range=(2, MAX_SAMPLES)),
    "interactions": Option(True, bool, "compute the pair interaction indices"),
    "sampler_seed": Option(0, int, "seed of the sampled orderings", range=(0, MAX_SAMPLER_SEED)),
    **launch_options("attribution"),
}
LABEL_PREFIX = "info."
"""Keys that label a run (scenario name and description) and are no lever."""


# ------------------------------------------------------------------------------------- levers
@dataclass(frozen=True)
class Lever:
    """One lever: dotted config keys moved together from their ``from`` to their ``to`` values."""

    name: str
    description: str
    keys: dict  # dotted key → (from value, to value)


def load_levers(spec: str) -> tuple[Path, list[Lever]]:
    """Read and check a levers file (a name under ``scenarios/attribution/`` or a path); exit 2 with
    one line naming the problem."""
    path, data = check(read_design, "levers", spec, "attribution", "levers file", shape=list)
    if not isinstance(data, list) or not data:
        fail(f"levers file {path} must be a non-empty list of levers (name, description, keys)")
    levers, seen_keys = [], {}
    for n, item in enumerate(data):
        where = f"levers file {path}: lever {n + 1}"
        if not isinstance(item, dict) or set(item) != {"name", "description", "keys"}:
            fail(f"{where} must have exactly name, description and keys")
        name = item["name"]
        if not isinstance(name, str) or not scenarios.NAME_PATTERN.fullmatch(name):
            fail(f"{where}: name = {name!r} must be 1-64 letters, digits, _ or -")
        if any(lv.name == name for lv in levers):
            fail(f"{where}: name {name!r} is used twice")
        if not isinstance(item["description"], str) or not item["description"].strip():
            fail(f"{where} ({name}): description must be one line of text")
        keys = item["keys"]
        if not isinstance(keys, dict) or not keys:
            fail(f"{where} ({name}): keys must map dotted config keys to [from, to]")
        for key, values in keys.items():
            if not isinstance(values, list) or len(values) != 2:
                fail(f"{where} ({name}): {key} = {values!r} must be [from, to]")
            if key in seen_keys:
                fail(f"{where} ({name}): {key} is also in lever {seen_keys[key]}")
            seen_keys[key] = name
        levers.append(Lever(name, item["description"].strip(), {str(k): tuple(v) for k, v in keys.items()}))
    return path, levers


def config_differences(a: dict, b: dict) -> dict:
    """The keys whose values differ between two resolved configs → (a's value, b's value); labels
    (``info.*``) and the seed are no difference."""
    fa, fb = flatten(a), flatten(b)
    return {k: (fa.get(k), fb.get(k)) for k in sorted(set(fa) | set(fb))
            if not k.startswith(LABEL_PREFIX) and k != "seed" and fa.get(k) != fb.get(k)}


def check_coverage(levers: list[Lever], source: dict, target: dict, names: tuple[str, str]) -> None:
    """The levers cover every key that differs between the two arms' configs, with the arms' values,
    and nothing else; else raise ConfigError (one line naming the key)."""
    diff = config_differences(source, target)
    owner = {key: lv for lv in levers for key in lv.keys}
    for key, (a, b) in diff.items():
        if key not in owner:
            raise ConfigError(f"{key} differs between {names[0]} ({a!r}) and {names[1]} ({b!r}) but no lever "
                              "sets it; add it to a lever")
    fa, fb = flatten(source), flatten(target)
    for key, lv in owner.items():
        if key not in fa:
            raise ConfigError(f"lever {lv.name}: {key} is not a config key")
        if key not in diff:
            raise ConfigError(f"lever {lv.name}: {key} is {fa[key]!r} in both {names[0]} and {names[1]}; "
                              "remove it")
        if list(lv.keys[key]) != [fa[key], fb[key]]:
            raise ConfigError(f"lever {lv.name}: {key} = {list(lv.keys[key])!r} but the arms give "
                              f"[{fa[key]!r}, {fb[key]!r}]")


def coalition_config(base: dict, levers: list[Lever], mask: int) -> dict:
    """The ``from`` config with the keys of the levers in coalition ``mask`` (bit i: lever i) at their
    ``to`` values."""
    data = copy.deepcopy(base)
    for i, lv in enumerate(levers):
        if mask >> i & 1:
            for key, (_, to) in lv.keys.items():
                config_mod.set_dotted(data, key, to)
    return data


def coalition_name(levers: list[Lever], mask: int) -> str:
    """The coalition's levers joined by ``+`` (``"(none)"`` for the empty one)."""
    return "+".join(lv.name for i, lv in enumerate(levers) if mask >> i & 1) or "(none)"


# --------------------------------------------------------------------------------------- maths
def exact_coalitions(k: int) -> list[int]:
    """Every coalition of k levers, as bit masks 0 … 2^k − 1."""
    return list(range(1 << k))


def draw_permutations(k: int, m: int, seed: int) -> np.ndarray:
    """``m`` uniform orderings of k levers (m × k), from numpy's generator seeded by ``seed``."""
    rng = np.random.default_rng(seed)
    return np.array([rng.permutation(k) for _ in range(m)], dtype=int).reshape(m, k)


def _pair_subset(perm: np.ndarray, i: int, j: int) -> int:
    """S = the levers before i in the ordering, without j (the sampled interaction's coalition)."""
    before = perm[: int(np.flatnonzero(perm == i)[0])]
    return sum(1 << int(x) for x in before if x != j)


def sampled_coalitions(perms: np.ndarray, interactions: bool) -> list[int]:
    """The coalitions the sampled estimators need: every prefix of every ordering and, with
    ``interactions``, S, S∪{i}, S∪{j}, S∪{i,j} for each pair and ordering (sorted, distinct)."""
    k = perms.shape[1]
    need = {0}
    for perm in perms:
        mask = 0
        for x in perm:
            mask |= 1 << int(x)
            need.add(mask)
        if interactions:
            for i in range(k):
                for j in range(i + 1, k):
                    s = _pair_subset(perm, i, j)
                    need.update((s, s | 1 << i, s | 1 << j, s | 1 << i | 1 << j))
    return sorted(need)


def _popcount(masks: np.ndarray) -> np.ndarray:
    return np.array([int(x).bit_count() for x in masks], dtype=int)


def shapley_exact(values: dict[int, np.ndarray], k: int) -> np.ndarray:
    """φ_i(r) for each lever i and seed r (k × R) from the values of all 2^k coalitions (mask → R values)."""
    masks = np.arange(1 << k)
    v = np.stack([values[int(m)] for m in masks])  # 2^k × R
    size = _popcount(masks)
    weight = np.array([math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) if s < k else 0.0
                       for s in range(k + 1)])
    out = np.zeros((k, v.shape[1]))
    for i in range(k):
        without = masks[(masks >> i & 1) == 0]
        out[i] = (weight[size[without]][:, None] * (v[without | 1 << i] - v[without])).sum(axis=0)
    return out


def interactions_exact(values: dict[int, np.ndarray], k: int) -> dict[tuple[int, int], np.ndarray]:
    """I_ij(r) for each pair i < j (R values each) from the values of all 2^k coalitions."""
    masks = np.arange(1 << k)
    v = np.stack([values[int(m)] for m in masks])
    size = _popcount(masks)
    weight = np.array([math.factorial(s) * math.factorial(k - s - 2) / math.factorial(k - 1) if s <= k - 2 else 0.0
                       for s in range(k + 1)])
    out = {}
    for i in range(k):
        for j in range(i + 1, k):
            s = masks[((masks >> i & 1) == 0) & ((masks >> j & 1) == 0)]
            second = v[s | 1 << i | 1 << j] - v[s | 1 << i] - v[s | 1 << j] + v[s]
            out[(i, j)] = (weight[size[s]][:, None] * second).sum(axis=0)
    return out


def marginals_sampled(values: dict[int, np.ndarray], perms: np.ndarray) -> np.ndarray:
    """Δ_i(m, r): the marginal contribution of lever i to the levers before it in ordering m, seed r
    (k × M × R); averaged over m it is the sampled Shapley value."""
    m_count, k = perms.shape
    r = len(values[0])
    out = np.zeros((k, m_count, r))
    for m, perm in enumerate(perms):
        mask = 0
        for x in perm:
            out[int(x), m] = values[mask | 1 << int(x)] - values[mask]
            mask |= 1 << int(x)
    return out


def second_differences_sampled(values: dict[int, np.ndarray], perms: np.ndarray) -> dict[tuple[int, int], np.ndarray]:
    """For each pair i < j, the second difference at S = P_m(i) ∖ {j} for each ordering m and seed
    (M × R); averaged over m it is the sampled interaction index."""
    _m_count, k = perms.shape
    out = {}
    for i in range(k):
        for j in range(i + 1, k):
            rows = []
            for perm in perms:
                s = _pair_subset(perm, i, j)
                rows.append(values[s | 1 << i | 1 << j] - values[s | 1 << i] - values[s | 1 << j] + values[s])
            out[(i, j)] = np.array(rows)
    return out


def interval(per_seed: np.ndarray, per_draw: np.ndarray | None = None) -> tuple[float, float, float, float, int]:
    """(estimate, low, high, se_perm, n) of paired per-seed values (R): Student's t over seeds; with
    ``per_draw`` (M × R, sampled orderings) the permutation error s_m²/M is added to se² (module docstring)."""
    mean, lo, hi, n = stats.t_interval(per_seed)
    if per_draw is None or n < 2 or not np.isfinite(per_seed).all():
        return mean, lo, hi, (0.0 if per_draw is None else math.nan), n
    from scipy import stats as sps

    by_draw = per_draw.mean(axis=1)
    se_perm = float(by_draw.std(ddof=1) / math.sqrt(len(by_draw))) if len(by_draw) > 1 else math.nan
    se_seed = float(np.std(per_seed, ddof=1) / math.sqrt(n))
    half = float(sps.t.ppf(0.5 + stats.LEVEL / 2, n - 1) * math.sqrt(se_seed ** 2 + se_perm ** 2))
    return mean, mean - half, mean + half, se_perm, n


def attribute(values: dict[int, np.ndarray], names: list[str], *, perms: np.ndarray | None = None,
              interactions: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Shapley values and pair interactions of one outcome from coalition values.

    Args:
        values: coalition bit mask → the outcome of each seed (R values, the same seeds in every
            coalition); all 2^k masks for the exact method, :func:`sampled_coalitions` for sampled.
        names: the levers' names (bit i of a mask is ``names[i]``).
        perms: the sampled orderings (M × k); None: exact.

    Returns:
        (shapley table: lever, shapley, ci_low, ci_high, se_perm, share, n; interaction table:
        lever_a, lever_b, interaction, ci_low, ci_high, se_perm, n; the gap: mean, ci_low, ci_high, n,
        shapley_sum).
    """
    k = len(names)
    full = (1 << k) - 1
    gap_r = values[full] - values[0]
    g_mean, g_lo, g_hi, g_n = stats.t_interval(gap_r)
    if perms is None:
        phi_r, draws = shapley_exact(values, k), [None] * k
    else:
        draws = marginals_sampled(values, perms)
        phi_r = draws.mean(axis=1)
    rows = []
    for i, name in enumerate(names):
        est, lo, hi, se_perm, n = interval(phi_r[i], None if perms is None else draws[i])
        rows.append([name, est, lo, hi, se_perm, est / g_mean if g_mean else math.nan, n])
    shap = pd.DataFrame(rows, columns=["lever", "shapley", "ci_low", "ci_high", "se_perm", "share", "n"])
    pairs = []
    if interactions and k >= 2:
        if perms is None:
            inter = {p: (x, None) for p, x in interactions_exact(values, k).items()}
        else:
            inter = {p: (x.mean(axis=0), x) for p, x in second_differences_sampled(values, perms).items()}
        for (i, j), (per_seed, per_draw) in inter.items():
            est, lo, hi, se_perm, n = interval(per_seed, per_draw)
            pairs.append([names[i], names[j], est, lo, hi, se_perm, n])
    inter_table = pd.DataFrame(pairs, columns=["lever_a", "lever_b", "interaction", "ci_low", "ci_high", "se_perm",
                                               "n"])
    gap = {"gap": g_mean, "ci_low": g_lo, "ci_high": g_hi, "n": g_n, "shapley_sum": float(phi_r.mean(axis=1).sum())}
    return shap, inter_table, gap


def cost_effectiveness(shapley: pd.DataFrame) -> pd.DataFrame:
    """Per lever: its cost (Shapley value of monthly spending, yuan a month) and share of it, its share of
    cumulative spending, participation and trust, and participation and trust points per 10,000 yuan a
    month (empty when the cost is below :data:`MIN_COST`). ``shapley``: the attribution table (all outcomes)."""
    wide = shapley.pivot(index="lever", columns="outcome", values="shapley")
    share = shapley.pivot(index="lever", columns="outcome", values="share")
    wide, share = wide.loc[list(dict.fromkeys(shapley["lever"]))], share.loc[list(dict.fromkeys(shapley["lever"]))]
    out = pd.DataFrame(index=wide.index)
    nan = pd.Series(math.nan, index=wide.index)
    cost = wide.get(SPENDING, nan)
    out["cost"] = cost
    out["cost_share"] = share.get(SPENDING, nan)
    out["spending_total_share"] = share.get("government_spending_total", nan)
    for col in [c for c in wide.columns if str(c).startswith("spending_")]:
        out[f"{col}_share"] = share[col]
    out["participation_share"] = share.get("participation_rate", nan)
    out["trust_share"] = share.get("trust_in_government", nan)
    paid = cost.where(cost >= MIN_COST)
    out["participation_per_10k"] = 100 * wide.get("participation_rate", nan) / (paid / PER)
    out["trust_per_10k"] = 100 * wide.get("trust_in_government", nan) / (paid / PER)
    return out.reset_index()


# ---------------------------------------------------------------------------------------- job
def default_outcomes() -> list[str]:
    """:data:`DEFAULT_OUTCOMES` present in the model's time series, plus every ``spending_<use>`` column."""
    names = api.metric_names()
    return [m for m in DEFAULT_OUTCOMES if m in names] + [m for m in names if m.startswith("spending_")]


class Attribute(Study):
    """Every coalition of the levers from the ``from`` arm towards the ``to`` arm, over paired seeds; the
    Shapley tables."""

    prog, kind, labels = "experiments.attribute", "attribution", ("coalition",)
    options = OPTIONS
    reserved = {"seed": "coalitions use first_seed, first_seed+1, ...; set first_seed",
                "scenario": "the arms are from=<scenario> and to=<scenario>"}

    def arms(self) -> list[dict]:
        opts = self.opts
        self.levers_path, self.levers = load_levers(opts["levers"])
        arms = self.names = (opts["from"], opts["to"])
        for what, name in zip(("from", "to"), arms):
            check_name("scenario", name, what)
        if arms[0] == arms[1]:
            fail(f"from = to = {arms[0]}: choose two different scenarios")
        if opts["community"] is not None:
            check_name("community", opts["community"])
        with warnings.catch_warnings():  # parameters of mechanisms off in one arm: the levers say so
            warnings.simplefilter("ignore")
            self.source = resolved_config(arms[0], opts["community"], self.overrides)
            self.target = resolved_config(arms[1], opts["community"], self.overrides)
        try:
            check_coverage(self.levers, self.source, self.target, arms)
        except ConfigError as exc:
            fail(f"levers file {self.levers_path}: {exc}")
        self.outcomes = (default_outcomes() if opts["outcomes"] is None
                         else check(api.check_metrics, opts["outcomes"], "outcomes"))
        k = len(self.levers)
        self.method = opts["method"] if opts["method"] != "auto" else ("exact" if k <= MAX_EXACT else "sampled")
        if self.method == "exact" and k > 16:
            fail(f"method = exact with {k} levers needs 2^{k} coalitions; allowed: up to 16 levers "
                 "(use method=sampled)")
        self.perms = (None if self.method == "exact"
                      else draw_permutations(k, opts["permutations"], opts["sampler_seed"]))
        self.masks = exact_coalitions(k) if self.perms is None else sampled_coalitions(self.perms, opts["interactions"])
        self.seeds = check_seeds(opts["first_seed"], opts["replications"])
        return [self.source]

    def size(self) -> tuple[str, int, str]:
        return ("coalitions × replications", len(self.masks) * len(self.seeds),
                f"{len(self.masks)} × {len(self.seeds)} ({len(self.levers)} levers, {self.method})")

    def specs(self) -> list[runner.RunSpec]:
        return check(coalition_specs, self.source, self.levers, self.masks, self.seeds,
                     allow_large=self.opts["allow_large"])

    def describe(self, specs) -> dict:
        perms, window = self.perms, self.opts["window"]
        return {**arm_keys(dict(zip(self.names, (self.source, self.target))), self.seeds, window,
                           f"mean over the last {window} months of each run; Shapley values per seed, "
                           "95% t interval over the paired seeds"),
                "levers_file": str(self.levers_path),
                "levers": {lv.name: {"description": lv.description, "keys": {k: list(v) for k, v in lv.keys.items()}}
                           for lv in self.levers},
                "method": self.method, "permutations": None if perms is None else len(perms),
                "sampler_seed": None if perms is None else self.opts["sampler_seed"],
                "interactions": self.opts["interactions"], "coalitions": len(self.masks), "outcomes": self.outcomes}

    def message(self, specs) -> str:
        return (f"attribution {self.names[0]} → {self.names[1]}: {len(self.levers)} levers, {self.method}, "
                f"{len(self.masks)} coalitions × {len(self.seeds)} seeds = {len(specs)} runs of "
                f"{int(self.source['steps'])} months; job directory {self.out}")

    def tables(self, job, specs, outcomes) -> dict[str, pd.DataFrame]:
        coalitions = coalition_table(specs, outcomes, job.store, self.levers, self.outcomes, self.opts["window"])
        shap, inter, gap = tables(coalitions, self.levers, self.outcomes, self.seeds, self.perms,
                                  self.opts["interactions"])
        return {"coalitions": coalitions, "attribution": shap, "interactions": inter, "gap": gap,
                "cost_effectiveness": cost_effectiveness(shap)}

    def report(self, t, failures) -> None:
        print_tables(t["attribution"], t["interactions"], t["gap"], t["cost_effectiveness"], self.names,
                     self.opts["window"])


def main(argv: list[str] | None = None) -> int:
    """Run the attribution (see the module docstring); return the exit code (0, or 1 when runs failed)."""
    return Attribute().main(argv)


def coalition_specs(source: dict, levers: list[Lever], masks: list[int], seeds: list[int], *,
                    allow_large: bool = False) -> list:
    """The runs of every coalition (bit masks) with every seed (:class:`experiments.runner.RunSpec`,
    label ``coalition``: the mask); a coalition config the schema refuses raises ConfigError naming it."""
    specs = []
    with warnings.catch_warnings():  # a parameter of a mechanism off in this coalition: the lever says so
        warnings.simplefilter("ignore")
        for mask in masks:
            data = coalition_config(source, levers, mask)
            try:
                runner.validated(data)
            except ConfigError as exc:
                raise ConfigError(f"coalition {coalition_name(levers, mask)}: {exc}") from None
            specs.extend(runner.make_spec(data, s, coalition=mask, scenario=source["info"]["scenario"],
                                          allow_large=allow_large) for s in seeds)
    return specs


def coalition_table(specs, outcome_by_run: dict, store: runner.RunStore, levers: list[Lever], outcomes: list[str],
                    window: int) -> pd.DataFrame:
    """One row per coalition and seed: mask, coalition, size, seed, each outcome (the run's mean over its
    last ``window`` months; NaN for a failed run)."""
    runs = window_means(store, specs, outcome_by_run, outcomes, window)
    masks = runs["coalition"]
    head = pd.DataFrame({"mask": masks, "coalition": [coalition_name(levers, m) for m in masks],
                         "size": [int(m).bit_count() for m in masks], "seed": runs["seed"]})
    return pd.concat([head, runs[outcomes]], axis=1)


def tables(coalitions: pd.DataFrame, levers: list[Lever], outcomes: list[str], seeds: list[int],
           perms: np.ndarray | None, interactions: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The attribution, interaction and gap tables of every outcome from the coalition table."""
    names = [lv.name for lv in levers]
    full = (1 << len(levers)) - 1
    shaps, inters, gaps = [], [], []
    for m in outcomes:
        wide = coalitions.pivot(index="mask", columns="seed", values=m)[seeds]
        values = {int(mask): row.to_numpy(float) for mask, row in wide.iterrows()}
        shap, inter, gap = attribute(values, names, perms=perms, interactions=interactions)
        shaps.append(shap.assign(outcome=m))
        inters.append(inter.assign(outcome=m))
        gaps.append({"outcome": m, "from_mean": float(np.mean(values[0])), "to_mean": float(np.mean(values[full])),
                     **gap})
    shap = pd.concat(shaps, ignore_index=True)[["lever", "outcome", "shapley", "ci_low", "ci_high", "se_perm",
                                                "share", "n"]]
    inter = pd.concat(inters, ignore_index=True)
    inter = inter[["lever_a", "lever_b", "outcome", "interaction", "ci_low", "ci_high", "se_perm", "n"]]
    gap = pd.DataFrame(gaps)[["outcome", "from_mean", "to_mean", "gap", "ci_low", "ci_high", "shapley_sum", "n"]]
    return shap, inter, gap


def print_tables(shap: pd.DataFrame, inter: pd.DataFrame, gap: pd.DataFrame, ce: pd.DataFrame,
                 arms: tuple[str, str], window: int = 12) -> None:
    """The attribution of each outcome (with the gap), the strongest interactions and the
    cost-effectiveness table on stdout."""
    out = console()
    out.print(f"Shapley attribution of the gap {arms[0]} → {arms[1]} (each run: mean of its last {window} months; "
              "95% intervals over paired seeds)", highlight=False)
    t = printed_table("outcome", "lever", "shapley [95% CI]", "share of gap", left=("outcome", "lever"))
    for _, g in gap.iterrows():
        rows = shap[shap["outcome"] == g["outcome"]].sort_values("shapley", key=abs, ascending=False)
        for n, (_, r) in enumerate(rows.iterrows()):
            perm = f" (permutation se {fmt(r['se_perm'])})" if r["se_perm"] > 0 else ""
            t.add_row(g["outcome"] if n == 0 else "", r["lever"], f"{fmt(r['shapley'])} [{fmt(r['ci_low'])}, "
                      f"{fmt(r['ci_high'])}]{perm}", "n/a" if pd.isna(r["share"]) else f"{100 * r['share']:.0f}%")
        t.add_row("", "total gap", f"{fmt(g['gap'])} [{fmt(g['ci_low'])}, {fmt(g['ci_high'])}]",
                  f"sum {fmt(g['shapley_sum'])}", end_section=True)
    out.print(t)
    if len(inter):
        order = inter["interaction"].abs().sort_values(ascending=False).index
        strongest = inter.reindex(order).groupby("outcome", sort=False).head(2)
        t = printed_table("outcome", "levers", "interaction [95% CI]", left=("outcome", "levers"),
                  title="strongest pair interactions per outcome (Shapley interaction index)")
        for _, r in strongest.iterrows():
            t.add_row(r["outcome"], f"{r['lever_a']} × {r['lever_b']}",
                      f"{fmt(r['interaction'])} [{fmt(r['ci_low'])}, {fmt(r['ci_high'])}]")
        out.print(t)
    t = printed_table("lever", "cost ¥/month", "cost", "participation", "trust", "part. pp/10k ¥", "trust pts/10k ¥",
              left=("lever",), title="cost-effectiveness: cost = Shapley value of monthly spending; shares of the "
              "gap in cost, participation, trust; points per 10,000 yuan a month")
    pct = lambda x: "n/a" if pd.isna(x) else f"{100 * x:.0f}%"
    for _, r in ce.iterrows():
        t.add_row(r["lever"], fmt(r["cost"]), pct(r["cost_share"]), pct(r["participation_share"]),
                  pct(r["trust_share"]), fmt(r["participation_per_10k"]), fmt(r["trust_per_10k"]))
    out.print(t)


if __name__ == "__main__":
    raise SystemExit(main())
