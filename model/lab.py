"""The laboratory public-goods game, played with the residents' own decision rule.

The canonical repeated linear public-goods game (voluntary contribution mechanism): in each
round each of ``group_size`` players in a group receives an ``endowment`` of tokens and puts
``g_i`` of them into a group account; every token in the account returns ``mpcr`` tokens (the
marginal per-capita return) to each group member::

    payoff_i = endowment − g_i + mpcr · Σ_{j in group} g_j          (tokens)

With ``1/group_size < mpcr < 1`` every token given costs its giver ``1 − mpcr`` but earns the
group ``group_size · mpcr − 1``: a social dilemma. Optionally a punishment stage follows
(Fehr & Gächter 2000): each player may assign points to each group mate, paying ``cost``
tokens per point, each point removing ``impact`` tokens from the target. Groups stay together
(``partner`` matching) or are formed afresh each round (``stranger``).

Players decide with the functions residents use in the community model
(:mod:`model.decisions`): a player type (disposition) and a belief about what others give set
the preferred share (:func:`~model.decisions.preferred_share`); the contribution share is
:func:`~model.decisions.contribution_share` with

- motivation 1 (the lab's task is all there is to do),
- net cost ``mpcr_reference − mpcr`` (the private cost of giving relative to the reference
  game whose behaviour the types describe), weighted by ``cost_sensitivity``,
- a pull towards a norm: early in the game towards matching one's belief (kindness, confusion
  and hope of others' cooperation that players unlearn at ``early_pull_decay`` a round:
  Andreoni 1995, Houser & Kurzban 2002); with communication towards the share agreed on; with
  punishment, by the perceived sanction risk, towards what the group's sanctioners gave,
- Gaussian noise;

and beliefs move towards the mean contribution of the other members of the round's group
(:func:`~model.decisions.update_belief`). Punishment uses the community's sanction rule
(:func:`~model.decisions.sanction_intensity`): those who gave at least the group mean punish
those who gave less, more the larger the shortfall. A player who fell short of the group mean
learns a perceived sanction risk (0–1): it moves towards the deterrence felt this round, the
tokens lost to punishment relative to the tokens the shortfall saved (``(1 − mpcr)`` ×
shortfall), capped at 1; players who did not fall short learn nothing new about it.

Everything is vectorised over all players of a session (no per-player Python loops). Random
draws come from named streams of the session's seed (:mod:`model.streams`): ``lab.players``
(types and traits), ``lab.groups`` (stranger matching) and ``lab.noise`` (decision noise), so a
treatment that draws more (stranger matching) leaves the other draws of a paired session unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from model import decisions
from model.config import BASE_BYTES, DispositionShares, build_section, check_memory, set_dotted, to_dict
from model.params import DISPOSITIONS, ConfigError, Dist, param, share
from model.population import categorical, sample_dist
from model.streams import Streams, resolve_seed

FGF2001 = "Fischbacher, Gächter & Fehr (2001): one-shot game, strategy method, 4 players, 20 tokens, MPCR 0.4"
FG2010 = "Fischbacher & Gächter (2010): 10 rounds, groups of 4 rematched each round, 20 tokens, MPCR 0.4"
FG2000 = "Fehr & Gächter (2000): costly peer punishment (up to 10 points per group mate)"
FG2002 = "Fehr & Gächter (2002): 1 token spent on punishment removes 3 from the target"



@dataclass
class Behaviour:
    """How players decide (terms of the shared rule in :mod:`model.decisions`)."""

    matching_slope: Dist = param(
        Dist(0.75, 0.15), "conditional cooperators' slope: share given per share expected of others",
        source="Fischbacher & Gächter (2010): conditional cooperators match imperfectly (slope < 1); "
               "same default as residents (resident.matching_slope)")
    unconditional_level: Dist = param(
        Dist(0.85, 0.1), "unconditional cooperators' contribution share",
        source="assumption (same default as residents: decision.unconditional_level)")
    initial_belief: Dist = param(
        Dist(0.55, 0.15), "share of the endowment players expect others to give in round 1",
        source="Fischbacher & Gächter (2010): first-round beliefs about half the endowment")
    belief_learning_rate: float = share(
        0.5, "weight of what the group's others gave last round in the updated belief",
        source="Fischbacher & Gächter (2010): beliefs follow others' previous contributions (rate an assumption)")
    early_pull: float = share(
        0.6, "round-1 pull towards matching one's belief fully (kindness, confusion, hope)",
        source="Andreoni (1995); Houser & Kurzban (2002): early contributions exceed preferences; "
               "value an assumption calibrated to 40–60% in round 1 (Ledyard 1995)")
    early_pull_decay: float = share(
        0.3, "share of the early pull unlearned each round",
        source="assumption calibrated to the decay in Ledyard (1995), Fischbacher & Gächter (2010)")
    cost_sensitivity: float = param(
        0.6, "weight of the net private cost of giving (mpcr_reference − mpcr) in the decision",
        range=(0.0, 10.0), source="assumption calibrated to the MPCR effect (Isaac & Walker 1988; Zelmer 2003)")
    mpcr_reference: float = param(
        0.4, "MPCR of the game whose behaviour the player types describe", range=(0.0, 1.0), source=FGF2001)
    noise_sd: float = param(0.1, "sd of idiosyncratic noise in the contribution share", range=(0.0, 1.0))
    communication_pull: float = share(
        0.3, "pull towards the agreed share when players can talk before deciding",
        source="Isaac & Walker (1988b); Zelmer (2003): communication raises contributions")
    communication_norm: float = share(1.0, "share of the endowment players agree on when they talk",
                                      source="Isaac & Walker (1988b): groups agree on full contribution")


@dataclass
class Punishment:
    """The punishment stage after each round's contributions (Fehr & Gächter 2000)."""

    enabled: bool = param(False, "a punishment stage follows each round's contributions", source=FG2000)
    cost: float = param(1.0, "tokens a punisher pays per point assigned", unit="tokens/point",
                        range=(0.0, 100.0), source=FG2002)
    impact: float = param(3.0, "tokens a point removes from the punished", unit="tokens/point",
                          range=(0.0, 100.0), source=FG2002)
    max_points: float = param(10.0, "most points a player can assign to one group mate in a round",
                              unit="points", range=(0.0, 1000.0), source=FG2000)
    propensity: float = share(
        0.25, "share of max_points a sanctioner assigns at a full shortfall",
        source="assumption (Fehr & Gächter 2000: punishment is used, far below its maximum)")
    full_at: float = share(
        0.5, "shortfall below the group mean (share of the endowment) punished at full propensity",
        source="Fehr & Gächter (2000): punishment grows with the shortfall below others' mean")
    risk_learning_rate: float = share(0.5, "weight of this round's deterrence in the perceived sanction risk")
    pull: float = share(0.8, "pull towards the sanctioners' contribution at full perceived risk",
                        source="assumption (same default as residents: sanctions.pull)")


@dataclass
class LabConfig:
    """A repeated linear public-goods game: design, player pool, behaviour, punishment."""

    seed: int = param(0, "random seed of the session", range=(0, 2**63 - 1))
    group_size: int = param(4, "players per group", unit="players", range=(2, 1000), source=FG2010)
    mpcr: float = param(0.4, "marginal per-capita return: tokens each member gets per token in the account",
                        range=(0.0, 1.0), source=FG2010)
    endowment: float = param(20.0, "tokens each player receives each round", unit="tokens", range=(0.0, 1e6),
                             source=FG2010)
    rounds: int = param(10, "rounds played", unit="rounds", range=(1, 10_000), source=FG2010)
    groups: int = param(36, "groups in the session", unit="groups", range=(1, 1_000_000),
                        source="Fischbacher & Gächter (2010): 140 subjects (36 groups of 4 is 144)")
    matching: str = param("stranger", "partner: fixed groups; stranger: groups formed afresh each round",
                          choices=("partner", "stranger"), source=FG2010)
    communication: bool = param(False, "players talk before each round (agreeing on what to give)",
                                source="Isaac & Walker (1988b)")
    types: DispositionShares = param(DispositionShares(), "player types (the residents' dispositions)",
                                     source=FGF2001)
    behaviour: Behaviour = param(Behaviour(), "decision rule terms")
    punishment: Punishment = param(Punishment(), "punishment stage")


BYTES_PER_PLAYER = 160
"""Memory a player takes without punishment, in bytes. Measured: peak RSS (``ru_maxrss``) of a
3-round session minus the RSS before, per player: 139 B at 250,000 groups of 4. Rounded up."""

PUNISHMENT_BYTES_PER_PLAYER_MATE = 32
"""Extra memory of the punishment stage per player and group mate (the groups × size × size point
arrays), in bytes. Measured as above: 252 B a player at groups of 4 (28 a mate over the 139 B
without), 2,686 B at groups of 100 (27), 24,184 B at groups of 1,000 (24). Rounded up."""

MAX_PLAYER_ROUNDS = 1_000_000_000
"""Default bound on players × rounds of one session (Fischbacher & Gächter 2010: 144 × 10)."""


def check_size(cfg: LabConfig, *, max_player_rounds: float = MAX_PLAYER_ROUNDS, memory_bytes: int | None = None,
               allow_large: bool = False) -> tuple[int, float]:
    """Refuse a session too large for this machine, before anything is built.

    Estimates, from the config alone:

        players = groups × group_size
        memory ≈ BASE_BYTES + players × (BYTES_PER_PLAYER + PUNISHMENT_BYTES_PER_PLAYER_MATE × group_size
                                         if punishment.enabled)

    and refuses players × rounds above ``max_player_rounds`` or memory above ``MEMORY_SHARE`` of
    ``memory_bytes`` (default: this machine's physical memory), unless ``allow_large``.

    Returns:
        (players, memory in bytes), the estimates.

    Raises:
        ConfigError: one line naming the keys, the estimate, the bound and the flag ``allow_large=true``.
    """
    players = cfg.groups * cfg.group_size
    per_player = BYTES_PER_PLAYER + (PUNISHMENT_BYTES_PER_PLAYER_MATE * cfg.group_size
                                     if cfg.punishment.enabled else 0)
    memory = BASE_BYTES + players * per_player
    if allow_large:
        return players, memory
    if players * cfg.rounds > max_player_rounds:
        raise ConfigError(f"groups × group_size × rounds = {cfg.groups} × {cfg.group_size} × {cfg.rounds} = "
                          f"{players * cfg.rounds:,} player-rounds is more than {max_player_rounds:,.0f}; "
                          "set allow_large=true to run it on purpose")
    check_memory(f"groups × group_size = {cfg.groups} × {cfg.group_size} = {players:,} players"
                 f"{' with punishment' if cfg.punishment.enabled else ''}", memory, memory_bytes)
    return players, memory


def config_from_dict(data: dict) -> LabConfig:
    """A validated :class:`LabConfig` from a nested dict (missing keys take defaults).

    Raises:
        ConfigError: an unknown key, a wrong type, or a value out of range (one line).
    """
    return build_section(LabConfig, data)


TYPE_NAMES = DISPOSITIONS
"""Player types, in the order of :data:`model.params.DISPOSITIONS`."""


class PublicGoodsGame:
    """One session of the repeated public-goods game (all groups at once).

    Args:
        cfg: the game's config.
        rng: the session's seed, a ``numpy.random.Generator`` to draw the seed from, or None for
            ``cfg.seed``; the streams ``lab.*`` are derived from it (:mod:`model.streams`).
        allow_large: play a session larger than :func:`check_size` allows, on purpose.

    Raises:
        ConfigError: the session is too large (:func:`check_size`).

    Attributes (one entry per player, shares of the endowment 0–1 unless stated):
        player_type: int8 index into :data:`TYPE_NAMES`.
        belief: expected contribution share of the group's others.
        contribution: this round's contribution share.
        group: this round's group of each player.
        risk: perceived sanction risk (0–1).
        payoff: this round's payoff (tokens).
    """

    def __init__(self, cfg: LabConfig, rng=None, *, allow_large: bool = False) -> None:
        check_size(cfg, allow_large=allow_large)
        self.cfg = cfg
        self.seed = cfg.seed if rng is None else resolve_seed(rng)
        """The seed the session used."""
        self.streams = Streams(self.seed)
        b, n = cfg.behaviour, cfg.groups * cfg.group_size
        self.n_players = n
        shares = np.array([getattr(cfg.types, t) for t in TYPE_NAMES])
        players = self.streams.get("lab.players")
        self.player_type = categorical(players, shares, n)
        self.matching_slope = sample_dist(players, b.matching_slope, n)
        self.unconditional_level = sample_dist(players, b.unconditional_level, n)
        self.belief = sample_dist(players, b.initial_belief, n)
        self.risk = np.zeros(n)
        self.sanction_norm = np.zeros(n)
        self.contribution = np.zeros(n)
        self.payoff = np.zeros(n)
        self.group = np.arange(n) // cfg.group_size
        self.round = 0

    # ---------------------------------------------------------------- one round
    def _form_groups(self) -> None:
        if self.cfg.matching == "stranger" and self.round > 0:
            self.group = np.empty(self.n_players, dtype=np.int64)
            order = self.streams.get("lab.groups").permutation(self.n_players)
            self.group[order] = np.arange(self.n_players) // self.cfg.group_size

    def _by_group(self, x: np.ndarray) -> np.ndarray:
        """Per-player values arranged (groups × group_size) in the order of ``self._order``."""
        return x[self._order].reshape(self.cfg.groups, self.cfg.group_size)

    def _decide(self) -> np.ndarray:
        cfg, b = self.cfg, self.cfg.behaviour
        n = self.n_players
        preferred = decisions.preferred_share(self.player_type, self.matching_slope, self.unconditional_level,
                                              self.belief)
        # Pulls towards norms, combined as the community's mechanisms combine them.
        early = b.early_pull * (1.0 - b.early_pull_decay) ** self.round
        pull = np.full(n, early)
        norm = self.belief.copy()
        if cfg.communication:
            pull += b.communication_pull
            norm = np.maximum(norm, b.communication_norm)
        if cfg.punishment.enabled:
            pull += cfg.punishment.pull * self.risk
            norm = np.maximum(norm, np.where(self.risk > 0, self.sanction_norm, 0.0))
        noise = self.streams.get("lab.noise").normal(0.0, b.noise_sd, n) if b.noise_sd > 0 else 0.0
        return decisions.contribution_share(
            preferred, motivation=1.0, net_cost=b.mpcr_reference - cfg.mpcr, cost_sensitivity=b.cost_sensitivity,
            norm_pull=np.clip(pull, 0.0, 1.0), norm=norm, floor=0.0, noise=noise)

    def _punish(self, c_g: np.ndarray, first_stage: np.ndarray) -> dict[str, np.ndarray]:
        """Punishment stage on contributions arranged by group; returns per-group-slot arrays."""
        p, e = self.cfg.punishment, self.cfg.endowment
        mean = c_g.mean(axis=1, keepdims=True)
        # points[g, i, j]: points player i of group g assigns to player j.
        intensity = decisions.sanction_intensity(c_g[:, :, None], c_g[:, None, :], mean[:, :, None],
                                                 full_at=p.full_at)
        points = p.max_points * p.propensity * intensity
        idx = np.arange(self.cfg.group_size)
        points[:, idx, idx] = 0.0
        received = points.sum(axis=1)
        given = points.sum(axis=2)
        lost = np.minimum(p.impact * received, np.maximum(first_stage, 0.0))
        # Deterrence felt: tokens lost relative to the tokens the shortfall saved.
        saved = (1.0 - self.cfg.mpcr) * np.maximum(mean - c_g, 0.0) * e
        with np.errstate(divide="ignore", invalid="ignore"):
            deterrence = np.where(saved > 0, np.minimum(lost / saved, 1.0), 0.0)
        # What the sanctioners gave (point-weighted), the norm a punished player is pulled to.
        with np.errstate(divide="ignore", invalid="ignore"):
            sanctioner_norm = np.where(received > 0, (points * c_g[:, :, None]).sum(axis=1) / received, 0.0)
        return {"received": received, "given": given, "lost": lost, "deterrence": deterrence,
                "sanctioner_norm": sanctioner_norm, "punished": received > 0, "short": saved > 0}

    def play_round(self) -> dict[str, float]:
        """Play one round; return its summary row (see :func:`play`)."""
        cfg = self.cfg
        e, n = cfg.endowment, self.n_players
        self._form_groups()
        self._order = np.argsort(self.group, kind="stable")
        c = self._decide()
        self.contribution = c
        c_g = self._by_group(c)
        total = c_g.sum(axis=1, keepdims=True)
        first_stage = e - e * c_g + cfg.mpcr * e * total
        payoff_g = first_stage
        unscatter = np.empty(n, dtype=np.int64)
        unscatter[self._order] = np.arange(n)

        def per_player(x_g: np.ndarray) -> np.ndarray:
            return x_g.reshape(-1)[unscatter]

        row_pun = {"punishment_points": 0.0, "punished_share": 0.0}
        if cfg.punishment.enabled:
            pun = self._punish(c_g, first_stage)
            payoff_g = first_stage - pun["lost"] - cfg.punishment.cost * pun["given"]
            deterrence = per_player(pun["deterrence"])
            punished, short = per_player(pun["punished"]), per_player(pun["short"])
            # Only a player who fell short learns how costly falling short is.
            self.risk[short] = decisions.update_belief(self.risk[short], deterrence[short],
                                                       cfg.punishment.risk_learning_rate)
            self.sanction_norm = np.where(punished, per_player(pun["sanctioner_norm"]), self.sanction_norm)
            row_pun = {"punishment_points": float(pun["given"].mean()), "punished_share": float(punished.mean())}
        self.payoff = per_player(payoff_g)
        others = per_player((total - c_g) / (cfg.group_size - 1))
        decisions.update_belief(self.belief, others, cfg.behaviour.belief_learning_rate)

        self.round += 1
        row = {"round": self.round, "mean_contribution": float(c.mean() * e),
               "mean_contribution_share": float(c.mean())}
        for k, t in enumerate(TYPE_NAMES):
            mask = self.player_type == k
            row[f"contribution_share_{t}"] = float(c[mask].mean()) if mask.any() else float("nan")
        row["mean_belief"] = float(self.belief.mean())
        row["mean_payoff"] = float(self.payoff.mean())
        row.update(row_pun)
        return row


def play(cfg: LabConfig, rng=None, *, allow_large: bool = False) -> pd.DataFrame:
    """Play a whole session; one row per round.

    Columns: ``round`` (1…), ``mean_contribution`` (tokens), ``mean_contribution_share`` (of the
    endowment), ``contribution_share_<type>`` (mean share by player type; NaN if no player has
    the type), ``mean_belief`` (after the round's update), ``mean_payoff`` (tokens, after
    punishment), ``punishment_points`` (mean points a player assigned) and ``punished_share``
    (share of players who received any points).

    Raises:
        ConfigError: the session is too large (:func:`check_size`; ``allow_large`` overrides).
    """
    game = PublicGoodsGame(cfg, rng, allow_large=allow_large)
    return pd.DataFrame([game.play_round() for _ in range(cfg.rounds)])


def with_overrides(cfg: LabConfig, **changes) -> LabConfig:
    """A copy of ``cfg`` with dotted-key changes, validated (e.g. ``**{"punishment.enabled": True}``)."""
    data = to_dict(cfg)
    for key, value in changes.items():
        set_dotted(data, key, value)
    return config_from_dict(data)


__all__ = ["LabConfig", "PublicGoodsGame", "TYPE_NAMES", "check_size", "config_from_dict", "play", "with_overrides"]
