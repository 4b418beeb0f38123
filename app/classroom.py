"""Classroom mode: trainees play residents of the simulated community beside the model's residents.

``python -m app.classroom [--host HOST] [--port PORT] [--max-players N] [--round-seconds S]`` serves
the trainer's console and the players' join page (:mod:`app.classroom_page`); ``make classroom``
runs it on 127.0.0.1:8766 (``make classroom HOST=0.0.0.0`` on purpose, for the room's network).

One :class:`Session` holds one model for the whole session (it is never restarted) and is the
only door from the players to it. A **round** is one month of the model:

1. the round opens; every player sees their resident's time budget, their neighbours'
   contributions last month, the project under way, what everyone received and their payoff;
2. a player answers with the hours they give, ``0 ≤ h ≤ time_budget_i`` (the share
   ``c_i = h / time_budget_i``, the model's contribution share) and, when peer sanctions are on,
   which of their neighbours to sanction; they may change the answer until the round closes;
3. the round closes when every connected player has answered, or the timer runs out: the
   players' shares go to :meth:`CommunityModel.choose_contributions`; for a player who did not
   answer (or was disconnected) the model's decision rule decides (an agent takes over, and
   their page says so); the model steps one month;
4. players' sanctions are applied by the model (:meth:`model.community.CommunityModel.choose_sanctions`,
   in place of the sanctions rule for the players who answered): for ``k`` sanctions a player's
   resident pays ``k · cost`` and each target loses ``impact`` per sanction (``model.config.sanctions``),
   in this month's ``state.payoff``. Residents not played keep the sanctions mechanism's own rule
   (model residents still sanction players who give little, as they would any neighbour).

Between rounds the trainer switches levers (peer sanctions, incentives, open ledger,
consultation) with :func:`switch_levers`, which changes the model's rules
(:meth:`model.community.CommunityModel.set_rule`) without restarting the model.

Safe by default: a join code is needed (compared in constant time), at most ``max_players``
join, every value from a browser passes one of :meth:`Session.join`, :meth:`Session.answer`,
:meth:`Session.set_lever`, :meth:`Session.set_round_seconds` (bounded, validated, refused with a
one-line :class:`Refused` message) and a player is known only by the secret token in their
address, so they can act only for their own resident. The trainer's console needs the trainer
key printed in the terminal. Nicknames are shown on the console only and never exported: the
CSV names players by number.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import math
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from app import levers as L
from model.params import ConfigError, show

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8766
MAX_PLAYERS_RANGE = (1, 100)
"""Players a session admits (the demo community has 299 adults; a room rarely has more than 40)."""
ROUND_SECONDS_RANGE = (10, 900)
"""The trainer's timer per round, in seconds."""
NICKNAME_MAX = 24
JOIN_CODE_ALPHABET = "ACDEFHJKLMNPRTUVWXY3479"
"""Letters and digits that are hard to confuse when read from a projector (no 0/O, 1/I, 5/S, 2/Z, 8/B)."""
JOIN_CODE_LENGTH = 6
PRESENCE_TIMEOUT = 6.0
"""Seconds without a sign of life from a player's page before they count as disconnected."""
CLASSROOM_LEVERS: tuple[str, ...] = ("sanctions", "incentives", "disclosure", "consultation")
"""Levers the trainer switches between rounds (names of :mod:`app.levers`, each a mechanism)."""
CSV_FIELDS = ("round", "month", "player", "resident", "building", "time_budget_hours", "hours", "share",
              "took_part", "decided_by", "reason", "sanctions_on", "incentives_on", "open_ledger_on",
              "consultation", "sanctioned", "sanctioned_by_players", "benefit", "payoff", "payoff_so_far")
"""Columns of the session's CSV: one row per player and round (players by number, never by nickname)."""


class Refused(Exception):
    """A player's or trainer's input that is not taken: the message (one line) says why."""


@dataclass(frozen=True)
class Settings:
    """What a session is built from (validated by :func:`check_settings`)."""

    scenario: str = "free_rider_demo"
    """A scenario under ``scenarios/scenario/`` (the levers start as it sets them)."""
    community: str = "demo"
    """A community under ``scenarios/community/`` (demo: 299 adults in 2 buildings)."""
    seed: int = 0
    max_players: int = 30
    """At most this many players join (``MAX_PLAYERS_RANGE``)."""
    round_seconds: int = 90
    """The timer of a round in seconds (``ROUND_SECONDS_RANGE``); the trainer can change it."""


def check_settings(settings: Settings) -> Settings:
    """``settings`` if valid; else :class:`ConfigError` with one line naming the key and what is allowed."""
    import scenarios

    scenarios.check_name("scenario", settings.scenario)
    scenarios.check_name("community", settings.community)
    for key, (lo, hi) in (("max_players", MAX_PLAYERS_RANGE), ("round_seconds", ROUND_SECONDS_RANGE),
                          ("seed", L.SEED_RANGE)):
        value = getattr(settings, key)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ConfigError(f"{key} = {show(value)} is not allowed; allowed: whole numbers {lo}–{hi}")
    return settings


@dataclass
class Answer:
    """A player's answer this round (already validated)."""

    hours: float
    sanctioned: tuple[int, ...] = ()
    """Residents (indices) the player sanctions, all neighbours of their resident."""


@dataclass
class Player:
    """A person playing one resident."""

    number: int
    """1, 2, …: how the player is named in the CSV and the debrief."""
    nickname: str
    token: str
    resident: int
    last_seen: float
    answer: Answer | None = None
    payoff_so_far: float = 0.0
    outcome: dict[str, Any] | None = None
    """What happened to the player's resident last round (shown on their page)."""

    @property
    def label(self) -> str:
        return f"Player {self.number}"


@dataclass
class RoundSummary:
    """People versus model residents in one round (the debrief)."""

    round: int
    month: int
    sanctions_on: bool
    people: int
    """Residents whose choice a person made this round."""
    taken_over: int
    """Players for whom an agent decided (timeout or disconnected)."""
    contribution_people: float
    contribution_agents: float
    """Mean contribution share (0–1) of people's and of model residents' residents."""
    free_riding_people: float
    free_riding_agents: float
    """Share who benefited without taking part (the model's definition)."""
    sanctions_by_players: int


def switch_levers(model, levers: L.Levers) -> None:
    """Put the classroom's levers on a running model without restarting it (:meth:`CommunityModel.set_rule`).

    Peer sanctions are switched on or off; incentives, disclosure and consultation are rules: "on" makes the rules
    require the street office to run the programme (from now on), "off" lifts the requirement. Consultation
    ``sham`` requires meetings and sets the street office's adoption to 0 (the plan drafted in advance); ``real``
    requires ``app.levers.REAL_ADOPTION`` of residents' views adopted. ``model.config`` records every change.

    Raises:
        ConfigError: a lever value the model's config does not allow.
    """
    if levers.consultation not in L.CONSULTATION_MODES:
        raise ConfigError(f"consultation = {show(levers.consultation)}; allowed: none, sham, real")
    model.set_rule("sanctions", enabled=bool(levers.sanctions))
    model.set_rule("incentives", mandated=bool(levers.incentives))
    model.set_rule("disclosure", mandated=bool(levers.disclosure))
    changes: dict[str, Any] = {"mandated": levers.consultation != "none"}
    if levers.consultation != "none":
        # sham: meetings with the plan drafted in advance (nothing adopted); real: the rules require
        # REAL_ADOPTION of residents' views adopted (the street office adopts at least that)
        changes["adoption_rate"] = 0.0 if levers.consultation == "sham" else L.REAL_ADOPTION
        if levers.consultation == "sham":
            model.government.baseline_adoption = model.government.adoption = 0.0
    model.set_rule("consultation", **changes)


def _number(raw: Any) -> float | None:
    """A finite number from a browser's value (a number or text; ',' as decimal mark), or None."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip().replace(",", ".")
        if not text or len(text) > 32:
            return None
        raw = text
    try:
        x = float(raw)
    except (TypeError, ValueError, OverflowError):
        return None
    return x if math.isfinite(x) else None


def check_nickname(raw: Any) -> str:
    """A nickname: text of 1–24 printable characters (spaces collapsed), else :class:`Refused`."""
    if not isinstance(raw, str):
        raise Refused("Nickname: type a name of 1 to 24 letters.")
    name = " ".join(raw.split())
    if not name or len(name) > NICKNAME_MAX or not name.isprintable():
        raise Refused(f"Nickname: type a name of 1 to {NICKNAME_MAX} letters (no control characters).")
    return name


def normalise_code(raw: Any) -> str:
    """A typed join code in upper case without spaces or hyphens ('' for anything else)."""
    if not isinstance(raw, str) or len(raw) > 32:
        return ""
    return re.sub(r"[\s\-]", "", raw).upper()


class Session:
    """One classroom session: one model, the players, the rounds (module docstring).

    Every public method takes the session's lock, so the players' pages, the trainer's console
    and the timer thread may call it at once. ``version`` grows with every change the pages
    show; :meth:`wait` blocks until it does.

    Args:
        settings: the session's settings (validated).
        clock: seconds, monotonic (tests pass their own).
    """

    def __init__(self, settings: Settings = Settings(), clock: Callable[[], float] = time.monotonic) -> None:
        from model.community import CommunityModel

        self.settings = check_settings(settings)
        self.clock = clock
        self.levers = L.levers_from_config(L.base_config(_preset(settings)))
        self.model = CommunityModel(scenario_name=settings.scenario, community=settings.community, rng=settings.seed)
        switch_levers(self.model, self.levers)
        self.join_code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        self.trainer_key = secrets.token_urlsafe(18)
        self.round_seconds = settings.round_seconds
        self.round = 0
        """The round now open (1, 2, …), or 0 before the trainer starts."""
        self.deadline: float | None = None
        self.ended = False
        self.players: dict[str, Player] = {}
        self.rows: list[dict[str, Any]] = []
        self.summaries: list[RoundSummary] = []
        self.version = 0
        self.last_close_reason = ""
        self.join_url = ""
        """The address players open (set by :func:`main`; the console shows it with a QR code)."""
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._free = self._residents_to_give(settings.seed)
        self._by_resident: dict[int, Player] = {}

    # ---------------------------------------------------------------- helpers
    def _residents_to_give(self, seed: int) -> list[int]:
        """Residents in the order players get them: shuffled, those with neighbours first, buildings
        alternating (so players spread across the community)."""
        m = self.model
        rng = np.random.default_rng([seed, 17])
        order = rng.permutation(m.n_residents)
        order = order[np.argsort(m.graph.degree[order] == 0, kind="stable")]  # residents with neighbours first
        by_building: dict[int, list[int]] = {}
        for i in order:
            by_building.setdefault(int(m.structure.building[i]), []).append(int(i))
        out: list[int] = []
        queues = list(by_building.values())
        while any(queues):
            for q in queues:
                if q:
                    out.append(q.pop(0))
        return out

    def _bump(self) -> None:
        self.version += 1
        self._changed.notify_all()

    def connected(self, player: Player) -> bool:
        return self.clock() - player.last_seen < PRESENCE_TIMEOUT

    def neighbours(self, resident: int) -> np.ndarray:
        """Indices of a resident's neighbours (the social graph's ties)."""
        g = self.model.graph
        return g.cols[g.rows == resident]

    def _player(self, token: Any) -> Player:
        if not isinstance(token, str) or len(token) > 64 or token not in self.players:
            raise Refused("This address is not a player's of this session: join again with the code.")
        return self.players[token]

    # ---------------------------------------------------------------- players
    def join(self, code: Any, nickname: Any) -> Player:
        """Admit a player and give them a resident.

        Raises:
            Refused: a wrong join code, a bad nickname, a full session or an ended one.
        """
        with self._lock:
            if not secrets.compare_digest(normalise_code(code).encode(), self.join_code.encode()):
                raise Refused("Join code: that is not this session's code; check the code on the screen.")
            name = check_nickname(nickname)
            if self.ended:
                raise Refused("The session has ended.")
            if len(self.players) >= self.settings.max_players or not self._free:
                raise Refused(f"The session is full ({self.settings.max_players} players).")
            resident = self._free.pop(0)
            player = Player(number=len(self.players) + 1, nickname=name, token=secrets.token_urlsafe(18),
                            resident=resident, last_seen=self.clock())
            self.players[player.token] = player
            self._by_resident[resident] = player
            self._bump()
            return player

    def player(self, token: Any) -> Player | None:
        """The player of a token (from their address), or None."""
        with self._lock:
            try:
                return self._player(token)
            except Refused:
                return None

    def seen(self, token: Any) -> None:
        """A sign of life from a player's page (reconnecting is being seen again)."""
        with self._lock:
            p = self._player(token)
            was = self.connected(p)
            p.last_seen = self.clock()
            if not was:
                self._bump()

    def left(self, token: Any) -> None:
        """A player's page closed: they count as disconnected at once (an agent takes over)."""
        with self._lock:
            p = self.players.get(token) if isinstance(token, str) else None
            if p is not None and self.connected(p):
                p.last_seen = -math.inf
                self._bump()
                self._close_if_done()

    def answer(self, token: Any, hours: Any, sanctioned: Iterable[Any] = ()) -> str:
        """Take a player's answer for the open round; return the confirmation to show.

        ``hours``: a number ``0 ≤ h ≤`` the resident's time budget (hours a month);
        ``sanctioned``: residents among the player's neighbours (only while sanctions are on).

        Raises:
            Refused: no round open, an unknown token, hours out of range or not a number, a target
            who is not a neighbour.
        """
        with self._lock:
            p = self._player(token)
            if self.round == 0 or self.ended:
                raise Refused("No round is open: wait for the trainer.")
            budget = float(self.model.state.time_budget[p.resident])
            h = _number(hours)
            if h is None:
                raise Refused(f"Hours: {show(hours)} is not a number; type 0 to {budget:g}.")
            if not 0 <= h <= budget:
                raise Refused(f"Hours: {h:g} is outside 0–{budget:g} (your time this month); not sent.")
            if isinstance(sanctioned, (str, bytes)) or not isinstance(sanctioned, Iterable):
                raise Refused("Sanctions: choose neighbours from your list.")
            targets = list(sanctioned)
            if targets and not self.levers.sanctions:
                raise Refused("Sanctions are off this round.")
            neighbours = set(self.neighbours(p.resident).tolist())
            chosen: list[int] = []
            for t in targets[: len(neighbours) + 1]:
                if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or int(t) not in neighbours:
                    raise Refused("Sanctions: you can sanction only your own neighbours.")
                chosen.append(int(t))
            if len(targets) > len(neighbours) or len(set(chosen)) != len(chosen):
                raise Refused("Sanctions: each neighbour at most once.")
            p.answer = Answer(h, tuple(sorted(chosen)))
            p.last_seen = self.clock()
            self._bump()
            message = f"Sent: {h:g} of {budget:g} hours" + (f", {len(chosen)} sanction(s)" if chosen else "")
            self._close_if_done()
            return message + ". You can change it until the round closes."

    # ---------------------------------------------------------------- trainer
    def is_trainer(self, key: Any) -> bool:
        return isinstance(key, str) and secrets.compare_digest(key.encode(), self.trainer_key.encode())

    def start(self) -> None:
        """Open the first round (nothing if already started)."""
        with self._lock:
            if self.round == 0 and not self.ended:
                self._open(1)

    def end(self) -> None:
        """End the session: no more rounds (the open one is dropped unplayed); the debrief stays."""
        with self._lock:
            self.ended, self.deadline = True, None
            for p in self.players.values():
                p.answer = None
            self._bump()

    def set_lever(self, name: Any, value: Any) -> str | None:
        """Switch a lever for the next month (:func:`switch_levers`); return a message if refused."""
        with self._lock:
            if name not in CLASSROOM_LEVERS:
                return f"Lever: {show(name)} is not a classroom lever; allowed: {', '.join(CLASSROOM_LEVERS)}."
            new, message = L.set_lever(self.levers, name, value)
            if new != self.levers:
                switch_levers(self.model, new)
                self.levers = new
                if not new.sanctions:
                    for p in self.players.values():
                        if p.answer is not None:
                            p.answer = Answer(p.answer.hours)
                self._bump()
            return message

    def set_round_seconds(self, raw: Any) -> str | None:
        """The timer of the next rounds, clamped to ``ROUND_SECONDS_RANGE`` (a message if not taken as is)."""
        with self._lock:
            x = _number(raw)
            lo, hi = ROUND_SECONDS_RANGE
            if x is None:
                return f"Round time: {show(raw)} is not a number of seconds (kept {self.round_seconds})."
            y = int(min(max(round(x), lo), hi))
            self.round_seconds = y
            self._bump()
            return None if y == x else f"Round time: {x:g} is outside {lo}–{hi} s; set to {y} s."

    def close_round(self, reason: str = "closed by the trainer") -> None:
        """Close the open round now (agents decide for players who did not answer) and open the next."""
        with self._lock:
            if self.round == 0 or self.ended:
                return
            self._close(reason)

    def tick(self) -> None:
        """Close the round if its timer ran out or every connected player answered (the timer thread)."""
        with self._lock:
            if self.round and not self.ended and self.deadline is not None and self.clock() >= self.deadline:
                self._close("time ran out")
            else:
                self._close_if_done()

    def wait(self, version: int, timeout: float) -> int:
        """Block until ``version`` is out of date or ``timeout`` seconds pass; return the current version."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != version, timeout=timeout)
            return self.version

    # ---------------------------------------------------------------- rounds
    def _open(self, number: int) -> None:
        self.round = number
        self.deadline = self.clock() + self.round_seconds
        for p in self.players.values():
            p.answer = None
        self._bump()

    def _close_if_done(self) -> None:
        """Close when someone answered and every connected player has."""
        if self.round == 0 or self.ended:
            return
        live = [p for p in self.players.values() if self.connected(p)]
        if any(p.answer for p in self.players.values()) and all(p.answer is not None for p in live):
            self._close("everyone answered")

    def _close(self, reason: str) -> None:
        m = self.model
        s = m.state
        players = sorted(self.players.values(), key=lambda p: p.number)
        people = [p for p in players if p.answer is not None]
        budget = s.time_budget
        m.choose_contributions([p.resident for p in people],
                               [min(p.answer.hours / budget[p.resident], 1.0) for p in people])
        pairs = [(p.resident, t) for p in people for t in p.answer.sanctioned]
        m.choose_sanctions([p.resident for p in people], pairs)  # in place of the rule, in this month's payoffs
        m.step()
        received = np.zeros(m.n_residents, dtype=np.int64)
        for _, t in pairs:
            received[t] += 1
        self._record(players, people, received, reason)
        self.last_close_reason = reason
        self._open(self.round + 1)

    def _record(self, players: list[Player], people: list[Player], received: np.ndarray, reason: str) -> None:
        m, s, lev = self.model, self.model.state, self.levers
        benefited = s.benefit > 1e-3 * m.config.projects.facility_value
        free_rode = benefited & ~s.participated
        by_person = np.zeros(m.n_residents, dtype=bool)
        by_person[[p.resident for p in people]] = True
        label = {p.resident: p.label for p in players}
        for p in players:
            i = p.resident
            if p.answer is not None:
                decided, why, hours = "person", "answered", p.answer.hours
            else:
                decided = "agent"
                why = "no answer" if self.connected(p) else "disconnected"
                hours = float(s.contribution[i] * s.time_budget[i])
            p.payoff_so_far += float(s.payoff[i])
            p.outcome = {"round": self.round, "decided_by": decided, "reason": why, "hours": hours,
                         "took_part": bool(s.participated[i]), "benefit": float(s.benefit[i]),
                         "payoff": float(s.payoff[i]), "sanctioned_by_players": int(received[i]),
                         "sanctioned": [label.get(t, "a model resident") for t in
                                        (p.answer.sanctioned if p.answer else ())]}
            self.rows.append({
                "round": self.round, "month": int(m.steps), "player": p.number, "resident": i,
                "building": int(m.structure.building[i]) + 1, "time_budget_hours": float(s.time_budget[i]),
                "hours": round(hours, 4), "share": round(float(s.contribution[i]), 4),
                "took_part": bool(s.participated[i]), "decided_by": decided, "reason": why,
                "sanctions_on": lev.sanctions, "incentives_on": lev.incentives, "open_ledger_on": lev.disclosure,
                "consultation": lev.consultation,
                "sanctioned": " ".join(f"P{self._by_resident[t].number}" if t in self._by_resident else f"R{t}"
                                       for t in (p.answer.sanctioned if p.answer else ())),
                "sanctioned_by_players": int(received[i]), "benefit": round(float(s.benefit[i]), 4),
                "payoff": round(float(s.payoff[i]), 4), "payoff_so_far": round(p.payoff_so_far, 4)})

        def mean(x: np.ndarray, mask: np.ndarray) -> float:
            return float(x[mask].mean()) if mask.any() else math.nan

        self.summaries.append(RoundSummary(
            round=self.round, month=int(m.steps), sanctions_on=lev.sanctions, people=int(by_person.sum()),
            taken_over=len(players) - len(people),
            contribution_people=mean(s.contribution, by_person), contribution_agents=mean(s.contribution, ~by_person),
            free_riding_people=mean(free_rode, by_person), free_riding_agents=mean(free_rode, ~by_person),
            sanctions_by_players=int(received.sum())))

    # ---------------------------------------------------------------- what pages show
    def view(self, token: Any) -> dict[str, Any]:
        """Everything a player's page shows (plain values; raises :class:`Refused` for an unknown token)."""
        with self._lock:
            p = self._player(token)
            m, s = self.model, self.model.state
            i = p.resident
            g = m.graph
            ties = np.flatnonzero(g.rows == i)
            strength = g.strength
            neighbours = [{"resident": int(g.cols[k]), "label": resident_label(m, int(g.cols[k])),
                           "tie": float(strength[k]),
                           "hours": float(s.contribution[g.cols[k]] * s.time_budget[g.cols[k]]) if m.steps else None,
                           "took_part": bool(s.participated[g.cols[k]]) if m.steps else None}
                          for k in ties[np.argsort(-strength[ties], kind="stable")]]
            grid = int(m.structure.grid[i])
            pb = m.projects
            project = None
            if pb.active[grid]:
                project = {"domain": m.DOMAINS[int(pb.domain[grid])].replace("_", " "),
                           "funded": float(pb.funded[grid] / pb.cost[grid]) if pb.cost[grid] else 1.0,
                           "hours_done": float(pb.hours_done[grid]), "hours_needed": float(pb.hours_needed[grid]),
                           "disputed": bool(pb.dispute_level[grid] > 0)}
            took_part = s.participated if m.steps else np.zeros(m.n_residents, dtype=bool)
            return {
                "number": p.number, "nickname": p.nickname, "resident": i, "label": resident_label(m, i),
                "age_group": m.resident_list[i].age_group, "time_budget": float(s.time_budget[i]),
                "round": self.round, "month": int(m.steps), "ended": self.ended,
                "seconds_left": self.seconds_left(), "round_seconds": self.round_seconds,
                "answer": dataclasses.asdict(p.answer) if p.answer else None,
                "outcome": p.outcome, "payoff_so_far": p.payoff_so_far,
                "levers": dataclasses.asdict(self.levers), "neighbours": neighbours, "project": project,
                "benefit": float(s.benefit[i]), "benefit_mean": float(s.benefit.mean()),
                "benefit_took_part": float(s.benefit[took_part].mean()) if took_part.any() else math.nan,
                "benefit_did_not": float(s.benefit[~took_part].mean()) if (~took_part).any() else math.nan,
                "participation": float(took_part.mean()),
            }

    def player_key(self, token: Any) -> tuple:
        """What a player's page shows that others change: the round, the levers, the end, the timer
        and their own answer and outcome (the page re-renders when it changes)."""
        with self._lock:
            p = self._player(token)
            return (self.round, self.ended, self.levers, self.deadline, p.answer, p.outcome and p.outcome["round"])

    def seconds_left(self) -> float | None:
        with self._lock:
            if self.round == 0 or self.ended or self.deadline is None:
                return None
            return max(0.0, self.deadline - self.clock())

    def roster(self) -> list[dict[str, Any]]:
        """The players for the console: number, nickname, resident, connected, answered this round."""
        with self._lock:
            return [{"number": p.number, "nickname": p.nickname, "resident": p.resident,
                     "label": resident_label(self.model, p.resident), "connected": self.connected(p),
                     "answered": p.answer is not None, "payoff_so_far": p.payoff_so_far}
                    for p in sorted(self.players.values(), key=lambda p: p.number)]

    def people_residents(self) -> np.ndarray:
        """Residents played by people (connected or not)."""
        with self._lock:
            return np.array(sorted(self._by_resident), dtype=np.intp)

    def debrief(self) -> list[RoundSummary]:
        with self._lock:
            return list(self.summaries)

    def response_to_sanctions(self) -> dict[str, dict[str, float]]:
        """Mean contribution share of people and of model residents in rounds with peer sanctions off
        and on, and the change (on − off; NaN when a state has no rounds yet)."""
        with self._lock:
            out: dict[str, dict[str, float]] = {}
            for group in ("people", "agents"):
                values = {state: [getattr(r, f"contribution_{group}") for r in self.summaries
                                  if r.sanctions_on == state and math.isfinite(getattr(r, f"contribution_{group}"))]
                          for state in (False, True)}
                off, on = (float(np.mean(v)) if v else math.nan for v in (values[False], values[True]))
                out[group] = {"off": off, "on": on, "change": on - off}
            return out

    def csv_text(self) -> str:
        """The session's decisions as CSV: one row per player and round (:data:`CSV_FIELDS`)."""
        with self._lock:
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(self.rows)
            return buf.getvalue()


AGES = {"youth": "18–34", "middle": "35–59", "elderly": "60+"}


def resident_label(model, i: int) -> str:
    """'Building 2, household 41, 35–59 (#203)' for resident ``i`` (residents of a household differ by number)."""
    return (f"Building {int(model.structure.building[i]) + 1}, household {int(model.structure.household[i]) + 1}, "
            f"{AGES[model.resident_list[i].age_group]} (#{i})")


def _preset(settings: Settings) -> L.Preset:
    return L.Preset(key="classroom", label="Classroom", scenario=settings.scenario, community=settings.community)


def ticking(session: Session, interval: float = 0.25) -> threading.Thread:
    """Start the session's timer thread (daemon): :meth:`Session.tick` every ``interval`` seconds."""
    def run() -> None:
        while True:
            session.tick()
            time.sleep(interval)

    thread = threading.Thread(target=run, name="classroom-timer", daemon=True)
    thread.start()
    return thread


current: Session | None = None
"""The session the server's pages show (set by :func:`main`)."""


def join_address(host: str, port: int) -> str:
    """The address players open: this machine's network address when listening on all interfaces."""
    import socket

    shown = host
    if host in ("0.0.0.0", "::", ""):
        try:  # the address of the interface that routes outwards (no packet is sent)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect(("192.0.2.1", 9))
                shown = s.getsockname()[0]
        except OSError:
            shown = "127.0.0.1"
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def main(argv: list[str] | None = None) -> int:
    """``python -m app.classroom``: the command line (``--help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m app.classroom",
        description="Serve a classroom session: the trainer's console and the players' join page.")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}: this machine only; "
                             "0.0.0.0 lets phones on the room's network join)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--max-players", type=int, default=Settings.max_players,
                        help=f"at most this many players join (default {Settings.max_players}; "
                             f"{MAX_PLAYERS_RANGE[0]}–{MAX_PLAYERS_RANGE[1]})")
    parser.add_argument("--round-seconds", type=int, default=Settings.round_seconds,
                        help=f"timer of a round in seconds (default {Settings.round_seconds}; "
                             f"{ROUND_SECONDS_RANGE[0]}–{ROUND_SECONDS_RANGE[1]})")
    parser.add_argument("--scenario", default=Settings.scenario, help=f"scenario (default {Settings.scenario})")
    parser.add_argument("--community", default=Settings.community, help=f"community (default {Settings.community})")
    parser.add_argument("--seed", type=int, default=Settings.seed, help="the model's seed (default 0)")
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        print(f"--port = {args.port} is out of range; allowed: 1–65535", file=sys.stderr)
        return 2
    settings = Settings(scenario=args.scenario, community=args.community, seed=args.seed,
                        max_players=args.max_players, round_seconds=args.round_seconds)
    global current
    try:
        current = Session(settings)
    except ConfigError as e:
        print(f"error: {str(e).replace('max_players', '--max-players').replace('round_seconds', '--round-seconds')}",
              file=sys.stderr)
        return 2

    from app import server

    server.fetch_assets()
    print(f"Trainer console: http://{server.shown_host(args.host)}:{args.port}/console?key={current.trainer_key}",
          flush=True)
    print(f"Players join at: {join_address(args.host, args.port)} with code {current.join_code}", flush=True)
    current.join_url = join_address(args.host, args.port)
    ticking(current)
    return server.serve("app.classroom_page", args.host, args.port)


if __name__ == "__main__":
    from app import classroom  # the module the pages import (not this __main__ copy)

    sys.exit(classroom.main())
