"""The calibrated ensemble (experiments.ensemble): pyabc's ABC-SMC recovers a toy problem's true value,
the pattern distance is zero exactly when the criteria hold, and a tiny job writes its posterior."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from experiments import ensemble as E
from experiments import patterns as P

TRUE_MU = 0.3


def _weighted_quantile(x, w, q):
    order = np.argsort(x)
    cdf = np.cumsum(w[order]) / np.sum(w)
    return np.interp(q, cdf, x[order])


@pytest.mark.slow
def test_abc_posterior_of_a_toy_problem_covers_the_true_value(tmp_path):
    rng = np.random.default_rng(5)
    observed = {"x": TRUE_MU + rng.normal(0, 0.05, 20).mean()}  # the mean of 20 noisy observations

    def model(p):
        return {"x": p["mu"] + np.random.normal(0, 0.05, 20).mean()}

    posterior, populations = E.run_abc(model, {"mu": (-2.0, 2.0)}, lambda x, y: abs(x["x"] - y["x"]), observed,
                                       population=100, generations=4, db=tmp_path / "abc.db", seed=1)
    w = posterior["weight"].to_numpy()
    mu = posterior["mu"].to_numpy()
    assert w.sum() == pytest.approx(1.0) and len(posterior) == 100
    lo, hi = _weighted_quantile(mu, w, [0.025, 0.975])
    assert lo <= TRUE_MU <= hi  # the 95% posterior interval covers the truth
    assert hi - lo < 0.4  # and is far narrower than the prior's width of 4
    assert abs(float(np.sum(w * mu)) - TRUE_MU) < 0.1
    assert list(populations["generation"]) == list(range(len(populations)))
    assert populations["epsilon"].is_monotonic_decreasing


def test_pattern_distance_is_zero_inside_every_target_and_grows_with_the_violation():
    two_sided = next(c for c in P.CRITERIA if c.low is not None and c.high is not None)
    one_sided = next(c for c in P.CRITERIA if (c.low is None) != (c.high is None))
    inside = {two_sided.key: (two_sided.low + two_sided.high) / 2,
              one_sided.key: (one_sided.low + 1.0) if one_sided.low is not None else one_sided.high - 1.0}
    assert E.pattern_distance(inside, [two_sided, one_sided]) == 0.0
    width = two_sided.high - two_sided.low
    out = {**inside, two_sided.key: two_sided.high + width / 2}
    assert E.pattern_distance(out, [two_sided, one_sided]) == pytest.approx(0.5)
    assert E.pattern_distance({**inside, two_sided.key: float("nan")}, [two_sided]) == E.NAN_DISTANCE


@pytest.mark.slow
def test_a_tiny_ensemble_job_writes_a_weighted_posterior_within_the_priors(tmp_path):
    out = tmp_path / "job"
    assert E.main(["criteria=[1a]", "community=demo", "replications=1", "population=3", "generations=1",
                   f"out={out}"]) == 0
    posterior = pd.read_parquet(out / "posterior.parquet")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "ensemble" and manifest["criteria"] == ["1a"]
    assert posterior["weight"].sum() == pytest.approx(1.0) and len(posterior) == 3
    for key, (lo, hi) in manifest["priors"].items():
        assert posterior[key].between(lo, hi).all()
    assert (out / "runs").is_dir() and any((out / "runs").glob("*.parquet"))


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exc:
        E.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for key in ("ranges=default", "criteria=[]", "population=12", "generations=2", "replications=2", "out=null"):
        assert key in text, key
