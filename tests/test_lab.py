"""The laboratory public-goods game reproduces the best-replicated experimental regularities.

Each claim is tested over 20 sessions (seeds 0–19) of the default design: 36 groups of 4,
144 players, 10 rounds (Fischbacher & Gächter 2010). A session's mean contribution share in a
round has a standard deviation of about 0.02 across sessions, so the standard error of a mean
over 20 sessions is about 0.005. Tolerances are stated at each test; a difference is required
to exceed three standard errors of the difference *and* a stated size, so a claim holds by a
margin that matters, not merely by significance.

Sources of the regularities: Ledyard (1995), Fischbacher, Gächter & Fehr (2001), Fischbacher &
Gächter (2010), Fehr & Gächter (2000), Zelmer (2003), Isaac & Walker (1988); see docs/lab.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model import decisions, lab
from model.params import ConfigError
from tests.conftest import run_cli, run_main

SESSIONS = range(20)
DEFAULT = lab.config_from_dict({})


def sessions(**changes) -> np.ndarray:
    """Mean contribution share by session (rows) and round (columns)."""
    cfg = lab.with_overrides(DEFAULT, **changes)
    return np.array([lab.play(cfg, rng=s)["mean_contribution_share"].to_numpy() for s in SESSIONS])


@pytest.fixture(scope="module")
def games() -> dict[str, np.ndarray]:
    return {
        "default": sessions(),
        "punishment": sessions(**{"punishment.enabled": True}),
        "mpcr_0.75": sessions(mpcr=0.75),
        "mpcr_0.3": sessions(mpcr=0.3),
        "group_10": sessions(group_size=10, groups=14),  # 140 players, MPCR fixed at 0.4
        "communication": sessions(communication=True),
    }


def se(x: np.ndarray) -> float:
    return float(x.std(ddof=1) / np.sqrt(len(x)))


def test_round_one_contributions_are_40_to_60_percent_of_the_endowment(games):
    first = games["default"][:, 0]
    lo, hi = first.mean() - 3 * se(first), first.mean() + 3 * se(first)
    assert 0.40 <= lo and hi <= 0.60, f"round 1: {first.mean():.3f} ± {3 * se(first):.3f}"


def test_without_punishment_contributions_decay_but_stay_above_zero(games):
    g = games["default"]
    means = g.mean(axis=0)
    # Decay: the last round is at most half the first (Ledyard 1995: about 40–60% falling
    # towards 10–20% by round 10), and the decline is gradual: no round rises by more than
    # 0.02 over the one before, on average over sessions.
    drop = g[:, 0] - g[:, -1]
    assert drop.mean() > 3 * se(drop) and means[-1] < 0.5 * means[0], means.round(3)
    assert np.all(np.diff(means) < 0.02), means.round(3)
    # Above zero: every session's last round still has at least 5% of the endowment given.
    assert g[:, -1].min() > 0.05, g[:, -1].min()


def test_punishment_makes_contributions_rise_and_end_well_above_the_game_without_it(games):
    pun, none = games["punishment"], games["default"]
    rise = pun[:, -1] - pun[:, 0]
    assert rise.mean() > max(0.10, 3 * se(rise)), f"rise {rise.mean():.3f}"
    assert pun.mean(axis=0)[-3:].mean() > pun.mean(axis=0)[:3].mean() + 0.10
    gap = pun[:, -1] - none[:, -1]
    assert gap.mean() > max(0.30, 3 * se(gap)), \
        f"last round: punishment {pun[:, -1].mean():.3f}, none {none[:, -1].mean():.3f}"


def test_a_higher_mpcr_gives_higher_contributions(games):
    low, ref, high = (games[k].mean(axis=1) for k in ("mpcr_0.3", "default", "mpcr_0.75"))
    for a, b in ((ref, low), (high, ref)):
        d = a - b
        assert d.mean() > max(0.03, 3 * se(d)), f"{a.mean():.3f} vs {b.mean():.3f}"


def test_group_size_alone_changes_little(games):
    """Isaac & Walker (1988): with the MPCR fixed, 10-player groups give about what 4-player groups give.

    Tolerance: the session means differ by less than 0.03 (3% of the endowment), less than a
    quarter of the effect of raising the MPCR from 0.4 to 0.75.
    """
    d = games["group_10"].mean(axis=1).mean() - games["default"].mean(axis=1).mean()
    mpcr_effect = games["mpcr_0.75"].mean() - games["default"].mean()
    assert abs(d) < 0.03 and abs(d) < 0.25 * mpcr_effect, (d, mpcr_effect)


def test_communication_raises_contributions(games):
    d = games["communication"].mean(axis=1) - games["default"].mean(axis=1)
    assert d.mean() > max(0.10, 3 * se(d))


def test_player_types_behave_as_their_names_say():
    df = pd.concat([lab.play(DEFAULT, rng=s) for s in range(5)]).groupby("round").mean()
    cc, fr = df["contribution_share_conditional_cooperator"], df["contribution_share_free_rider"]
    uc = df["contribution_share_unconditional_cooperator"]
    assert (cc > fr).all() and (uc > cc).all()
    # Conditional cooperators follow the decline; unconditional cooperators do not.
    assert cc.iloc[-1] < 0.5 * cc.iloc[0] and uc.iloc[-1] > 0.7


def test_the_game_uses_the_residents_decision_functions(monkeypatch):
    calls = {"preferred_share": 0, "contribution_share": 0, "update_belief": 0, "sanction_intensity": 0}
    for name in calls:
        original = getattr(decisions, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(decisions, name, counted)
    cfg = lab.with_overrides(DEFAULT, **{"punishment.enabled": True, "rounds": 3})
    lab.play(cfg, rng=0)
    assert calls["preferred_share"] == calls["contribution_share"] == calls["sanction_intensity"] == 3
    assert calls["update_belief"] >= 3


def test_partner_matching_keeps_groups_and_stranger_matching_reforms_them():
    def groups_over_rounds(matching):
        game = lab.PublicGoodsGame(lab.with_overrides(DEFAULT, matching=matching), rng=1)
        seen = []
        for _ in range(3):
            game.play_round()
            seen.append(game.group.copy())
        return seen

    partner = groups_over_rounds("partner")
    assert all(np.array_equal(partner[0], g) for g in partner)
    stranger = groups_over_rounds("stranger")
    assert not np.array_equal(stranger[0], stranger[1])
    assert np.all(np.bincount(stranger[1]) == DEFAULT.group_size)


def test_payoffs_follow_the_linear_public_goods_game():
    cfg = lab.with_overrides(DEFAULT, rounds=1, groups=5)
    game = lab.PublicGoodsGame(cfg, rng=2)
    game.play_round()
    e, c = cfg.endowment, game.contribution
    account = np.bincount(game.group, weights=c * e)
    expected = e - c * e + cfg.mpcr * account[game.group]
    assert np.allclose(game.payoff, expected)


def test_punishment_costs_the_punisher_and_more_the_punished():
    cfg = lab.with_overrides(DEFAULT, **{"punishment.enabled": True, "rounds": 1})
    game = lab.PublicGoodsGame(cfg, rng=3)
    row = game.play_round()
    e, c, p = cfg.endowment, game.contribution, cfg.punishment
    first_stage = e - c * e + cfg.mpcr * np.bincount(game.group, weights=c * e)[game.group]
    loss = first_stage - game.payoff
    mean = (np.bincount(game.group, weights=c) / cfg.group_size)[game.group]
    below = c < mean
    assert loss[below].mean() > loss[~below].mean() > 0
    # Every point costs its giver `cost` and its target `impact` tokens (no payoff hits zero here).
    assert loss.sum() == pytest.approx((p.cost + p.impact) * row["punishment_points"] * game.n_players)


def test_same_seed_same_session_and_different_seed_different():
    a, b, c = (lab.play(DEFAULT, rng=s) for s in (4, 4, 5))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


@pytest.mark.parametrize("changes, key", [
    ({"matching": "random"}, "matching"),
    ({"mpcr": 1.5}, "mpcr"),
    ({"types.free_rider": 0.9}, "types"),
    ({"group_size": 1}, "group_size"),
    ({"punishment.impact": -1.0}, "punishment.impact"),
    ({"no_such_key": 1}, "no_such_key"),
])
def test_bad_lab_values_raise_one_line_naming_the_key(changes, key):
    with pytest.raises(ConfigError) as err:
        lab.with_overrides(DEFAULT, **changes)
    assert key in str(err.value) and "\n" not in str(err.value)


@pytest.mark.slow
def test_cli_writes_lab_csv_prints_the_table_and_ends_with_results_line(tmp_path):
    out = tmp_path / "out"
    r = run_cli("experiments.lab", "punishment.enabled=true", "rounds=6", "seed=2", f"hydra.run.dir={out}",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[-1] == f"results: {out}"
    df = pd.read_csv(out / "lab.csv")
    assert list(df["round"]) == list(range(1, 7))
    for col in ["mean_contribution", "mean_contribution_share"] + [f"contribution_share_{t}" for t in lab.TYPE_NAMES]:
        assert col in df.columns
    assert np.allclose(df["mean_contribution"], 20 * df["mean_contribution_share"])
    cfg = lab.with_overrides(DEFAULT, **{"punishment.enabled": True, "rounds": 6, "seed": 2})
    pd.testing.assert_frame_equal(df, lab.play(cfg), check_exact=False, rtol=1e-12)
    assert any(ln.split()[:1] == ["6"] for ln in lines), "per-round table printed"
    assert (out / ".hydra" / "config.yaml").exists()


@pytest.mark.slow
@pytest.mark.parametrize("arg, fragment", [
    ("matching=random", "matching = 'random' is not allowed; allowed: partner, stranger"),
    ("group_size=abc", "group_size"),
    ("types.free_rider=0.6", "types shares must sum to 1"),
])
def test_cli_rejects_bad_lab_config_with_exit_code_2_and_one_line(arg, fragment, tmp_path):
    r = run_main("experiments.lab", arg, f"hydra.run.dir={tmp_path}/out", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and fragment in lines[0], r.stderr
    assert not (tmp_path / "out").exists()
