"""The classroom session (:mod:`app.classroom`) without a browser: joining, rounds, takeover, safety.

Behaviour only: no test depends on the model's calibration (values are compared between twin
sessions or with what the players sent).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from app import classroom as C
from model.community import CommunityModel
from model.mechanisms import MECHANISMS
from model.params import ConfigError


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def session(max_players: int = 5, round_seconds: int = 60, seed: int = 0) -> tuple[C.Session, Clock]:
    clock = Clock()
    return C.Session(C.Settings(max_players=max_players, round_seconds=round_seconds, seed=seed), clock=clock), clock


def joined(s: C.Session, n: int) -> list[C.Player]:
    return [s.join(s.join_code, f"player {k}") for k in range(n)]


def test_a_join_code_is_needed_and_typed_loosely():
    s, _ = session()
    for wrong in ("", "AAAAAA", None, 123456, "x" * 10_000, ["A"]):
        with pytest.raises(C.Refused, match="Join code"):
            s.join(wrong, "Ann")
    code = s.join_code
    p = s.join(f" {code[:3].lower()}-{code[3:]} ", "Ann")
    assert p.number == 1 and not s.ended
    assert len(code) == C.JOIN_CODE_LENGTH and set(code) <= set(C.JOIN_CODE_ALPHABET)


def test_at_most_max_players_join_each_with_their_own_resident():
    s, _ = session(max_players=4)
    players = joined(s, 4)
    with pytest.raises(C.Refused, match=r"full \(4 players\)"):
        s.join(s.join_code, "late")
    residents = [p.resident for p in players]
    assert len(set(residents)) == 4
    assert all(len(s.neighbours(r)) > 0 for r in residents), "players get residents with neighbours"
    assert len({p.token for p in players}) == 4 and all(len(p.token) >= 20 for p in players)


@pytest.mark.parametrize("name", ["", "   ", "x" * 25, "a\x00b", "tab\x1b[31m", None, 5, ["Ann"]])
def test_a_bad_nickname_is_refused(name):
    s, _ = session()
    with pytest.raises(C.Refused, match="Nickname"):
        s.join(s.join_code, name)
    assert not s.players


@pytest.mark.parametrize("hours", [-0.5, 20.01, 1e400, "1e400", math.nan, "nan", math.inf, "-inf", "abc", "",
                                   True, None, [3], {"h": 3}, "3" * 40])
def test_hours_outside_0_to_the_budget_or_not_a_number_are_refused_with_a_message(hours):
    s, _ = session()
    (p,) = joined(s, 1)
    s.start()
    budget = s.model.state.time_budget[p.resident]
    with pytest.raises(C.Refused, match="Hours") as e:
        s.answer(p.token, hours if not (isinstance(hours, float) and hours == 20.01) else budget + 0.01)
    assert "\n" not in str(e.value)
    assert s.player(p.token).answer is None and s.round == 1 and s.model.steps == 0, "nothing reached the model"


def test_the_budget_is_named_in_the_refusal_and_both_ends_are_allowed():
    s, _ = session()
    a, b = joined(s, 2)
    s.start()
    budget = float(s.model.state.time_budget[a.resident])
    with pytest.raises(C.Refused, match=f"outside 0–{budget:g}"):
        s.answer(a.token, budget * 1.5)
    assert s.answer(a.token, f"{budget:g}").startswith("Sent")
    assert s.answer(b.token, "0,0").startswith("Sent")  # a decimal comma is a number too
    assert s.round == 2
    assert s.model.state.contribution[a.resident] == pytest.approx(1.0)
    assert s.model.state.contribution[b.resident] == 0.0


def test_a_player_acts_only_for_their_own_resident():
    s, _ = session()
    a, b = joined(s, 2)
    s.start()
    for token in ("", "forged", None, 7, a.token + "x", "t" * 5000):
        with pytest.raises(C.Refused):
            s.answer(token, 1)
        with pytest.raises(C.Refused):
            s.view(token)
    s.answer(a.token, 2)
    s.answer(a.token, 3)  # changed before the round closed: the last answer counts
    s.answer(b.token, 0)
    st = s.model.state
    assert st.contribution[a.resident] == pytest.approx(3 / st.time_budget[a.resident])
    assert st.contribution[b.resident] == 0.0
    assert s.view(a.token)["resident"] == a.resident and s.view(b.token)["resident"] == b.resident


def test_sanctions_are_refused_while_off_and_only_neighbours_once_each():
    s, _ = session()
    a, b = joined(s, 2)
    s.start()
    neighbour = int(s.neighbours(a.resident)[0])
    with pytest.raises(C.Refused, match="off"):
        s.answer(a.token, 1, [neighbour])
    assert s.set_lever("sanctions", True) is None
    stranger = next(i for i in range(s.model.n_residents)
                    if i != a.resident and i not in set(s.neighbours(a.resident).tolist()))
    for targets in ([stranger], [neighbour, neighbour], [str(neighbour)], [True], "12", [a.resident],
                    [-1], [10**30], 5, [neighbour] * 10_000):
        with pytest.raises(C.Refused, match="Sanctions"):
            s.answer(a.token, 1, targets)
    assert s.answer(a.token, 1, [np.int64(neighbour)]).startswith("Sent: 1 of")


def test_players_sanctions_cost_the_target_impact_and_the_player_cost():
    """Twin sessions with the same seed and answers, one with a player's sanction: the payoffs differ
    by exactly the mechanism's impact (target) and cost (player)."""
    runs = []
    for sanction in (False, True):
        s, _ = session(seed=3)
        a, b = joined(s, 2)
        s.set_lever("sanctions", True)
        s.start()
        target = int(s.neighbours(a.resident)[0])
        s.answer(a.token, 2, [target] if sanction else [])
        s.answer(b.token, 1)
        runs.append((s, a, target))
    (s0, a0, t0), (s1, a1, t1) = runs
    cfg = s1.model.config.sanctions
    assert t0 == t1 and a0.resident == a1.resident
    p0, p1 = s0.model.state.payoff, s1.model.state.payoff
    assert p1[t1] == pytest.approx(p0[t0] - cfg.impact, abs=1e-12)
    assert p1[a1.resident] == pytest.approx(p0[a0.resident] - cfg.cost, abs=1e-12)
    others = np.setdiff1d(np.arange(s1.model.n_residents), [t1, a1.resident])
    np.testing.assert_array_equal(p1[others], p0[others])
    row = [r for r in s1.rows if r["player"] == 1][0]
    assert row["sanctioned"] in (f"R{t1}", "P2") and s1.summaries[0].sanctions_by_players == 1


def test_a_round_closes_when_every_connected_player_answered_or_the_timer_runs_out():
    s, clock = session(round_seconds=30)
    a, b, c = joined(s, 3)
    s.start()
    s.answer(a.token, 1)
    s.answer(b.token, 1)
    s.tick()
    assert s.round == 1, "c is connected and has not answered"
    for _ in range(299):  # c's page stays connected (a sign of life every 0.1 s) but c does not answer
        clock.t += 0.1
        s.seen(c.token)
        s.tick()
    assert s.round == 1
    clock.t += 0.2
    s.tick()
    assert s.round == 2 and s.model.steps == 1
    row_c = [r for r in s.rows if r["player"] == c.number][0]
    assert row_c["decided_by"] == "agent" and row_c["reason"] == "no answer"
    assert s.view(c.token)["outcome"]["decided_by"] == "agent"
    assert s.view(a.token)["outcome"]["decided_by"] == "person"
    assert s.seconds_left() == pytest.approx(30)


def test_a_disconnected_player_is_taken_over_by_an_agent_and_gets_the_same_resident_back():
    s, clock = session()
    a, b, c = joined(s, 3)
    s.start()
    s.left(c.token)  # the tab closed
    s.answer(a.token, 1)
    assert s.round == 1
    s.answer(b.token, 1)
    assert s.round == 2, "a disconnected player is not waited for"
    assert [r["reason"] for r in s.rows if r["player"] == c.number] == ["disconnected"]
    # No sign of life for PRESENCE_TIMEOUT seconds counts as disconnected too.
    for p in (a, b):
        s.seen(p.token)
    clock.t += C.PRESENCE_TIMEOUT - 0.5
    s.seen(a.token)
    clock.t += 1.0
    assert [r["connected"] for r in s.roster()] == [True, False, False]
    # Reconnecting (the same address) gives the same resident back, connected again.
    again = s.player(c.token)
    assert again is c and again.resident == c.resident
    s.seen(c.token)
    assert s.roster()[2]["connected"]


def test_rounds_do_not_close_by_themselves_before_anyone_answers():
    s, _ = session()
    (a,) = joined(s, 1)
    s.left(a.token)
    s.start()
    s.tick()
    assert s.round == 1 and s.model.steps == 0


def test_switching_sanctions_on_between_rounds_is_the_same_model_as_starting_with_them():
    """No restart: the session's model is the same object; switched on before the first month it
    runs exactly as a model built with sanctions on."""
    s, _ = session(seed=5)
    model = s.model
    s.set_lever("sanctions", True)
    assert s.model is model and list(model.mechanisms) == [n for n in MECHANISMS if n in model.mechanisms]
    assert "sanctions" in model.mechanisms and model.config.sanctions.enabled
    reference = CommunityModel(scenario_name=s.settings.scenario, community=s.settings.community, rng=5,
                               **{"sanctions.enabled": True})
    for _ in range(4):
        model.step()
        reference.step()
    np.testing.assert_array_equal(model.state.contribution, reference.state.contribution)
    np.testing.assert_array_equal(model.state.payoff, reference.state.payoff)
    s.set_lever("sanctions", False)
    assert "sanctions" not in model.mechanisms and not model.config.sanctions.enabled
    s.set_lever("consultation", "sham")
    assert model.mechanisms["consultation"].params.adoption_rate == 0 and model.government.adoption == 0
    assert model.government.consultation_policy == "sham"
    s.set_lever("consultation", "real")
    assert model.mechanisms["consultation"].params.adoption_rate == C.L.REAL_ADOPTION
    assert list(model.mechanisms) == [n for n in MECHANISMS if n in model.mechanisms]


@pytest.mark.parametrize("name, value", [("sanctions", "yes"), ("sanctions", 1), ("consultation", "loud"),
                                         ("buildings", 5), ("free_rider_share", 0.9), ("__class__", True)])
def test_a_bad_lever_is_refused_with_a_message_and_changes_nothing(name, value):
    s, _ = session()
    before, mechanisms = s.levers, list(s.model.mechanisms)
    message = s.set_lever(name, value)
    assert message and "\n" not in message
    assert s.levers == before and list(s.model.mechanisms) == mechanisms


def test_round_seconds_are_clamped_with_a_message():
    s, _ = session()
    assert s.set_round_seconds("45") is None and s.round_seconds == 45
    assert "set to 10 s" in s.set_round_seconds(1)
    assert "set to 900 s" in s.set_round_seconds("1e9")
    assert "not a number" in s.set_round_seconds("soon") and s.round_seconds == 900


def test_csv_has_one_row_per_player_and_round_and_no_nicknames():
    s, clock = session()
    players = joined(s, 3)
    s.start()
    for rnd in range(3):
        for p in players[: 2 if rnd == 1 else 3]:
            s.answer(p.token, 1)
        if s.round == rnd + 1:
            clock.t += 61
            s.tick()
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(s.csv_text())))
    assert len(rows) == 9
    assert sorted((int(r["round"]), int(r["player"])) for r in rows) == [(r, p) for r in (1, 2, 3) for p in (1, 2, 3)]
    assert tuple(rows[0]) == C.CSV_FIELDS
    assert "player 0" not in s.csv_text() and "nick" not in s.csv_text()
    assert [r["decided_by"] for r in rows if r["round"] == "2"] == ["person", "person", "agent"]


def test_the_debrief_separates_people_from_model_residents():
    s, _ = session()
    players = joined(s, 3)
    s.start()
    for p in players:
        s.answer(p.token, 0)
    (r,) = s.debrief()
    assert r.people == 3 and r.taken_over == 0
    assert r.contribution_people == 0.0 and r.free_riding_people in (0.0, 1 / 3, 2 / 3, 1.0)
    st = s.model.state
    others = np.setdiff1d(np.arange(s.model.n_residents), s.people_residents())
    assert r.contribution_agents == pytest.approx(st.contribution[others].mean())
    response = s.response_to_sanctions()
    assert response["people"]["off"] == 0.0 and math.isnan(response["people"]["on"])


def test_the_session_settings_are_checked():
    for settings, key in ((C.Settings(max_players=0), "max_players"), (C.Settings(round_seconds=5), "round_seconds"),
                          (C.Settings(max_players=True), "max_players"), (C.Settings(scenario="nope"), "scenario")):
        with pytest.raises(C.ConfigError, match=key):
            C.check_settings(settings)


def test_command_line_rejects_bad_options_with_one_line_and_exit_2(capsys):
    assert C.main(["--max-players", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--max-players" in err[0] and "1–100" in err[0]
    assert C.main(["--port", "70000"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as e:
        C.main(["--help"])
    assert e.value.code == 0 and "--max-players" in capsys.readouterr().out


def test_wait_returns_when_the_session_changes():
    import threading
    import time

    s, _ = session()
    v0 = s.version
    t0 = time.perf_counter()
    threading.Timer(0.05, lambda: s.join(s.join_code, "Ann")).start()
    assert s.wait(v0, timeout=5.0) > v0
    assert time.perf_counter() - t0 < 2.0


def test_players_sanctions_replace_the_rule_for_them_and_enter_this_months_payoffs():
    """A player's sanctions are exactly those chosen (none by the rule along their ties): the target pays
    ``impact`` and the player ``cost`` per sanction, in the month's payoff, as the model's residents do."""
    def month(choose):
        m = CommunityModel(scenario_name="free_rider_demo", community="demo", rng=3, **{"sanctions.enabled": True})
        for _ in range(3):
            m.step()
        player = int(np.flatnonzero(m.state.participated)[0]) if m.state.participated.any() else 0
        target = int(m.resident_list[player].neighbours[0].index)
        m.choose_contributions([player], [1.0])
        if choose:
            m.choose_sanctions([player], [(player, target)])
        m.step()
        return m, player, target

    with_choice, player, target = month(True)
    rule, _, _ = month(False)
    cfg = with_choice.config.sanctions
    assert with_choice.chosen_sanctions is None  # cleared after the month
    # the player gave everything, so nobody sanctions them: their cost is their one sanction, not the rule's
    assert with_choice.record.sanction_cost[player] == pytest.approx(cfg.cost)
    assert rule.record.sanction_cost[player] != pytest.approx(cfg.cost)
    assert with_choice.record.sanction_cost[target] >= cfg.impact - 1e-12
    with pytest.raises(ConfigError, match="not among the sanctioners"):
        with_choice.choose_sanctions([player], [(target, player)])
