"""Shapley attribution (experiments.attribute): the estimators on toy games with known values, and
small attributions of the model (demo community, a few months) that hold whatever its calibration."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments import attribute as A
from tests.conftest import run_cli, run_main

K = 5
A_WEIGHTS = np.array([1.0, -2.0, 0.5, 0.0, 3.0])
PAIR, TRIPLE = 1.5, 0.9  # a synergy of levers 0 and 1, and one of 2, 3, 4


def toy_values(k: int = K, seeds: int = 3, noise: float = 0.0) -> dict[int, np.ndarray]:
    """v_r(S) = Σ_i a_i [i ∈ S] + PAIR·[0,1 ∈ S] + TRIPLE·[2,3,4 ∈ S] + a seed effect common to every
    coalition (common random numbers) + optional independent noise. Known Shapley values: a_i plus
    PAIR/2 to levers 0, 1 and TRIPLE/3 to 2, 3, 4; interaction indices: PAIR for (0, 1), TRIPLE/2 for
    each pair of {2, 3, 4} (a unanimity game on T gives each pair of T 1/(|T|−1)), 0 otherwise."""
    rng = np.random.default_rng(1)
    seed_effect = rng.normal(0, 5, seeds)
    out = {}
    for mask in range(1 << k):
        x = np.array([mask >> i & 1 for i in range(k)], float)
        v = A_WEIGHTS @ x + PAIR * x[0] * x[1] + TRIPLE * x[2] * x[3] * x[4]
        out[mask] = v + seed_effect + noise * rng.normal(0, 1, seeds)
    return out


TRUE_SHAPLEY = A_WEIGHTS + np.array([PAIR / 2, PAIR / 2, TRIPLE / 3, TRIPLE / 3, TRIPLE / 3])
TRUE_INTERACTION = {(0, 1): PAIR, (2, 3): TRIPLE / 2, (2, 4): TRIPLE / 2, (3, 4): TRIPLE / 2}
NAMES = [f"l{i}" for i in range(K)]


def test_exact_shapley_and_interactions_of_a_toy_game_are_the_known_values():
    shap, inter, gap = A.attribute(toy_values(), NAMES)
    np.testing.assert_allclose(shap["shapley"], TRUE_SHAPLEY, atol=1e-12)
    for _, r in inter.iterrows():
        pair = (NAMES.index(r["lever_a"]), NAMES.index(r["lever_b"]))
        assert r["interaction"] == pytest.approx(TRUE_INTERACTION.get(pair, 0.0), abs=1e-12)
    # efficiency: the values add up to the gap v(N) − v(∅) (common seed effects cancel: zero-width intervals)
    assert gap["shapley_sum"] == pytest.approx(gap["gap"], abs=1e-12)
    assert gap["gap"] == pytest.approx(A_WEIGHTS.sum() + PAIR + TRIPLE, abs=1e-12)
    assert (shap["ci_high"] - shap["ci_low"]).max() < 1e-9


def test_shapley_values_sum_to_the_gap_for_every_seed_even_with_noise_and_sampled_orderings():
    values = toy_values(seeds=6, noise=0.5)
    full = (1 << K) - 1
    gap_r = values[full] - values[0]
    np.testing.assert_allclose(A.shapley_exact(values, K).sum(axis=0), gap_r, atol=1e-9)
    perms = A.draw_permutations(K, 7, seed=3)
    np.testing.assert_allclose(A.marginals_sampled(values, perms).mean(axis=1).sum(axis=0), gap_r, atol=1e-9)
    shap, _, gap = A.attribute(values, NAMES, perms=perms)
    assert shap["shapley"].sum() == pytest.approx(gap["gap"], abs=1e-9)


def test_a_lever_without_effect_gets_zero_and_an_interval_including_zero():
    values = toy_values(seeds=5, noise=0.3)  # lever 3 has no effect of its own, only its share of the triple
    noeffect = {m: v for m, v in values.items()}
    k = K + 1  # add a sixth lever that changes nothing: v(S ∪ {5}) = v(S)
    for mask in range(1 << K):
        noeffect[mask | 1 << K] = values[mask]
    shap, inter, _ = A.attribute(noeffect, [*NAMES, "null"])
    row = shap.set_index("lever").loc["null"]
    assert row["shapley"] == 0.0 and row["ci_low"] <= 0.0 <= row["ci_high"]
    assert (inter[(inter["lever_b"] == "null")]["interaction"] == 0).all()
    perms = A.draw_permutations(k, 20, seed=0)
    shap, _, _ = A.attribute(noeffect, [*NAMES, "null"], perms=perms)
    row = shap.set_index("lever").loc["null"]
    assert row["shapley"] == 0.0 and row["ci_low"] <= 0.0 <= row["ci_high"]


def test_exact_attribution_is_invariant_to_the_order_levers_are_listed():
    values = toy_values(seeds=4, noise=0.2)
    base, base_inter, _ = A.attribute(values, NAMES)
    for order in [(4, 3, 2, 1, 0), (2, 0, 4, 1, 3)]:
        # relabel: new lever position p is old lever order[p]
        relabelled = {}
        for mask, v in values.items():
            new = sum(1 << p for p, old in enumerate(order) if mask >> old & 1)
            relabelled[new] = v
        names = [NAMES[o] for o in order]
        shap, inter, _ = A.attribute(relabelled, names)
        merged = base.merge(shap, on="lever", suffixes=("", "_r"))
        np.testing.assert_allclose(merged["shapley"], merged["shapley_r"], atol=1e-12)
        np.testing.assert_allclose(merged["ci_low"], merged["ci_low_r"], atol=1e-9)
        key = lambda t: t.assign(pair=[frozenset(p) for p in zip(t["lever_a"], t["lever_b"])]).set_index("pair")
        np.testing.assert_allclose(key(base_inter)["interaction"], key(inter).loc[key(base_inter).index]["interaction"],
                                   atol=1e-12)


def test_exact_and_sampled_agree_on_a_toy_game_within_the_stated_error():
    values = toy_values(seeds=4, noise=0.0)
    exact, exact_inter, _ = A.attribute(values, NAMES)
    perms = A.draw_permutations(K, 400, seed=11)
    sampled, sampled_inter, _ = A.attribute(values, NAMES, perms=perms)
    se = sampled["se_perm"].to_numpy()
    assert (se > 0).all()
    # within 4 stated standard errors (and the interval covers the exact value)
    assert (np.abs(sampled["shapley"] - exact["shapley"]) <= 4 * se + 1e-12).all()
    assert ((sampled["ci_low"] <= exact["shapley"]) & (exact["shapley"] <= sampled["ci_high"])).all()
    diff = np.abs(sampled_inter["interaction"] - exact_inter["interaction"])
    assert (diff <= 4 * sampled_inter["se_perm"] + 1e-12).all()


def test_sampled_coalitions_are_the_prefixes_of_the_orderings_and_the_pair_sets():
    perms = A.draw_permutations(4, 3, seed=0)
    chain = A.sampled_coalitions(perms, interactions=False)
    assert 0 in chain and 15 in chain and len(chain) <= 3 * 3 + 2
    with_pairs = A.sampled_coalitions(perms, interactions=True)
    assert set(chain) <= set(with_pairs)
    # the pair coalition S = P(i) minus j: the weights of the interaction index (S uniform over orderings of N∖{j})
    counts = {}
    for perm in itertools.permutations(range(4)):
        s = A._pair_subset(np.array(perm), 0, 1)
        counts[s] = counts.get(s, 0) + 1
    for s, c in counts.items():
        size = (s).bit_count()
        assert c / 24 == pytest.approx(math.factorial(size) * math.factorial(4 - size - 2) / math.factorial(3))


def test_cost_effectiveness_divides_by_the_lever_cost_and_leaves_free_levers_empty():
    shap = pd.DataFrame({
        "lever": ["a", "b", "a", "b", "a", "b"],
        "outcome": [A.SPENDING, A.SPENDING, "participation_rate", "participation_rate", "trust_in_government",
                    "trust_in_government"],
        "shapley": [20_000.0, -50.0, 0.10, 0.05, 0.02, 0.01], "share": [1.0, 0.0, 0.67, 0.33, 0.67, 0.33]})
    ce = A.cost_effectiveness(shap).set_index("lever")
    assert ce.loc["a", "participation_per_10k"] == pytest.approx(5.0)  # 10 points per 20,000 yuan a month
    assert ce.loc["a", "trust_per_10k"] == pytest.approx(1.0)
    assert math.isnan(ce.loc["b", "participation_per_10k"])  # saves money: no ratio


# ------------------------------------------------------------------------------- with the model
def _model_levers():
    """One real lever (the first key in which co_creation differs from top_down) and one that changes
    nothing (a numeric parameter of a mechanism that is off in both arms), found from the configs."""
    from experiments.study import resolved_config
    from model.config import ModelConfig
    from model.params import iter_params

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = resolved_config("top_down", "demo", ["steps=18"])
        target = resolved_config("co_creation", "demo", ["steps=18"])
    diff = A.config_differences(source, target)
    real_key = next((k for k in diff if k.endswith(".enabled")), next(iter(diff)))
    flat_s, flat_t = A.flatten(source), A.flatten(target)
    off = {k.rsplit(".", 1)[0] for k, v in flat_s.items() if k.endswith(".enabled") and v is False
           and flat_t.get(k) is False}
    candidates = [(k, m) for k, m, v in iter_params(ModelConfig) if k.rsplit(".", 1)[0] in off
                  and isinstance(v, float) and m.get("range") and k not in diff]
    if candidates:  # a parameter of a mechanism that is off: it changes the config, not the run
        null_key, meta = candidates[0]
        lo, hi = meta["range"]
        value = flat_s[null_key]
        null = (value, value / 2 if value > lo else min(hi, value + 0.1))
    else:  # no mechanism is off in both arms: a key set to the value it has
        null_key = next(k for k in flat_s if k not in diff and not k.startswith("info.") and k != "seed")
        null = (flat_s[null_key], flat_s[null_key])
    return source, [A.Lever("real", "the first mechanism co-creation turns on", {real_key: diff[real_key]}),
                    A.Lever("null", "a key that changes nothing", {null_key: null})]


@pytest.fixture(scope="module")
def model_attribution(tmp_path_factory):
    from experiments import runner
    from experiments.runner import RunStore

    source, levers = _model_levers()
    seeds = [0, 1, 2]
    store = RunStore(tmp_path_factory.mktemp("attr") / "runs")
    masks = A.exact_coalitions(len(levers))
    specs = A.coalition_specs(source, levers, masks, seeds)
    outcomes = runner.execute(specs, store, launcher="serial", progress=False)
    metrics = ["participation_rate", "trust_in_government"]
    table = A.coalition_table(specs, outcomes, store, levers, metrics, 6)
    return source, levers, seeds, store, table, metrics


@pytest.mark.slow
def test_model_attribution_sums_to_the_gap_and_the_null_lever_interval_includes_zero(model_attribution):
    _, levers, seeds, _, table, metrics = model_attribution
    shap, inter, gap = A.tables(table, levers, metrics, seeds, None, True)
    for m in metrics:
        s = shap[shap["outcome"] == m].set_index("lever")
        g = gap.set_index("outcome").loc[m]
        assert s["shapley"].sum() == pytest.approx(g["gap"], abs=1e-9)
        assert s.loc["null", "ci_low"] <= 0 <= s.loc["null", "ci_high"]
        assert abs(s.loc["null", "shapley"]) < 1e-12  # same seed, same model: no effect at all
    assert (inter["interaction"].abs() < 1e-12).all()  # a lever without effect interacts with none


@pytest.mark.slow
def test_model_attribution_is_invariant_to_lever_order(model_attribution):
    from experiments import runner

    source, levers, seeds, store, table, metrics = model_attribution
    flipped = levers[::-1]
    specs = A.coalition_specs(source, flipped, A.exact_coalitions(2), seeds)
    outcomes = runner.execute(specs, store, launcher="serial", progress=False)
    assert all(o.status == "cached" for o in outcomes.values())  # the same configs: the same runs
    shap, _, _ = A.tables(A.coalition_table(specs, outcomes, store, flipped, metrics, 6), flipped, metrics, seeds,
                          None, True)
    base, _, _ = A.tables(table, levers, metrics, seeds, None, True)
    merged = base.merge(shap, on=["lever", "outcome"], suffixes=("", "_f"))
    np.testing.assert_allclose(merged["shapley"], merged["shapley_f"], atol=1e-12)


def test_default_levers_file_covers_the_difference_of_its_arms():
    from experiments.study import resolved_config

    _, levers = A.load_levers("default")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        A.check_coverage(levers, resolved_config("top_down", None, []), resolved_config("co_creation", None, []),
                         ("top_down", "co_creation"))


@pytest.mark.slow
def test_coverage_check_names_an_uncovered_key_and_a_key_that_does_not_differ(tmp_path):
    _, levers = A.load_levers("default")
    data = [{"name": lv.name, "description": lv.description, "keys": {k: list(v) for k, v in lv.keys.items()}}
            for lv in levers]
    dropped_key = next(iter(data[0]["keys"]))
    short = [{**data[0], "keys": dict(list(data[0]["keys"].items())[1:])}, *data[1:]]
    short = [lv for lv in short if lv["keys"]]
    path = tmp_path / "short.yaml"
    path.write_text(yaml.safe_dump(short), encoding="utf-8")
    r = run_main("experiments.attribute", f"levers={path}", f"out={tmp_path / 'job'}")
    assert r.returncode == 2, r.stderr
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith("error: ") and dropped_key in line and len(r.stderr.splitlines()) == 1
    assert not (tmp_path / "job").exists()
    extra = [*data[:-1], {**data[-1], "keys": {**data[-1]["keys"], "steps": [120, 120]}}]
    path.write_text(yaml.safe_dump(extra), encoding="utf-8")
    r = run_main("experiments.attribute", f"levers={path}", f"out={tmp_path / 'job'}")
    assert r.returncode == 2 and "steps" in r.stderr and "remove it" in r.stderr
    assert not (tmp_path / "job").exists()


@pytest.mark.slow
def test_cli_writes_the_tables_of_a_small_attribution(tmp_path):
    from experiments.study import resolved_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        diff = A.config_differences(resolved_config("top_down", "demo", []), resolved_config("co_creation", "demo", []))
    keys = list(diff)
    two = [{"name": "first", "description": "the first differing key", "keys": {keys[0]: list(diff[keys[0]])}},
           {"name": "rest", "description": "every other differing key",
            "keys": {k: list(diff[k]) for k in keys[1:]}}]
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(two), encoding="utf-8")
    out = tmp_path / "job"
    r = run_cli("experiments.attribute", f"levers={path}", "community=demo", "steps=12", "replications=2", "window=6",
                "n_jobs=1", "progress=false", f"out={out}", "outcomes=[participation_rate,government_spending]")
    assert r.returncode == 0, r.stderr
    shap = pd.read_parquet(out / "attribution.parquet")
    gap = pd.read_parquet(out / "gap.parquet").set_index("outcome")
    assert list(shap.columns[:5]) == ["lever", "outcome", "shapley", "ci_low", "ci_high"]
    for m, rows in shap.groupby("outcome"):
        assert rows["shapley"].sum() == pytest.approx(gap.loc[m, "gap"], rel=1e-9, abs=1e-9)
    assert len(pd.read_parquet(out / "coalitions.parquet")) == 4 * 2  # 2^2 coalitions × 2 seeds
    assert {"lever_a", "lever_b", "interaction"} <= set(pd.read_parquet(out / "interactions.parquet").columns)
    assert "participation_per_10k" in pd.read_parquet(out / "cost_effectiveness.parquet")
    assert "Shapley attribution" in r.stdout
    from analysis.report import build_report

    page = build_report(out).read_text(encoding="utf-8")
    for sid in ("attribution", "cost-effectiveness", "what-was-run"):
        assert f'<section id="{sid}">' in page
    assert "add up to the whole change" in page and (out / "figures" / "attribution_waterfall.png").is_file()
    assert (out / "figures" / "effect_vs_cost.png").is_file()
    # a robustness job inside the attribution job is shown in its report
    sub = out / "robustness"
    sub.mkdir()
    pd.DataFrame({"policy": ["top_down", "co_creation"], "outcome": "participation_rate", "max_regret": [0.3, 0.0],
                  "mean_regret": [0.2, 0.0], "minimax": [False, True]}).to_parquet(sub / "robustness.parquet")
    (sub / "manifest.json").write_text('{"kind": "robustness", "minimax_regret_policy": "co_creation", '
                                       '"n_worlds": 5}', encoding="utf-8")
    (sub / "prim.txt").write_text("PRIM: a box\n", encoding="utf-8")
    page = build_report(out).read_text(encoding="utf-8")
    assert '<section id="robustness">' in page and "PRIM: a box" in page


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exc:
        A.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for key in ("levers=default", "from=top_down", "to=co_creation", "replications=6", "method=auto",
                "permutations=64", "n_jobs=-1", "out=null"):
        assert key in text, key
