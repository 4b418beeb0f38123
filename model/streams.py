"""Named random streams: one independent generator per process of the model (common random numbers).

Every process of a run draws only from its own ``numpy.random.Generator``, derived from the
run's seed and the process's stable name::

    Generator(PCG64(SeedSequence(seed, spawn_key=(stable_key(name),))))

with ``stable_key`` the first 8 bytes of BLAKE2b of the name (never Python's salted ``hash``).
Switching a mechanism on, or changing how much one process draws, therefore leaves every
other process's numbers unchanged; two runs with the same seed are *paired* (common random
numbers), so the effect of a lever or a parameter is not drowned in sampling noise (arms whose
dynamics diverge early, such as co-creation and top-down, gain little: ``docs/ODD.md`` §2.9). Processes that
run every month draw a vector of fixed size (one number per grid or per resident, selected
afterwards), so their numbers stay aligned month by month even when a mechanism changes the
state (which grids start projects, who takes part). ``STREAMS`` lists every name, and a name it does not
cover is refused; parts of the model that draw are :class:`StreamOwner` s, whose streams are named from
their own path.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np

from model.params import ConfigError

STREAMS: dict[str, str] = {
    "mesa": "Mesa's own ``model.rng`` (cogov's processes draw none from it)",
    "mesa.random": "the seed of Mesa's ``model.random`` (e.g. ``AgentSet.shuffle_do``)",
    "structure": "adults per household (setup)",
    "community.variation": "the community's uncertain quantities (model.variation; setup: one number per quantity)",
    "population.<trait>": "each trait of the residents (setup): age_group, disposition, matching_slope, "
                          "unconditional_level, trust_in_government, trust_in_neighbours, satisfaction, efficacy, "
                          "belief, time_cost, digital_access, has_children, needs, party_member, owner, "
                          "years_in_community, age_years, volunteer",
    "network.<kind>": "ties started within a building, within a grid and as shortcuts, and tie strengths (setup): "
                      "network.building, network.grid, network.shortcut, network.strength",
    "social_orgs": "social organisations' domains and capacities (setup)",
    "social_orgs.quality": "social organisations' initial quality (setup)",
    "social_orgs.entry": "new social organisations entering at a tender: whether each vacant place is taken (one "
                         "number per place a year) and the newcomer's domain, capacity and quality",
    "needs.drift": "residents' needs drifting (projects.needs_drift > 0: one number per resident and domain)",
    "complaints": "dissatisfied residents complaining (one number per resident)",
    "complaints.answered": "the street office answering complaints (one number per complaint)",
    "facilities.legacy": "domains and condition of the facilities a community starts with (setup)",
    "projects.start": "which idle grids start a project this month (one number per grid)",
    "projects.domain": "the domain of each project started (one number per grid)",
    "projects.dispute": "whether a started project begins with a dispute (one number per grid)",
    "disputes": "disputes settling or escalating (two numbers per grid)",
    "projects.rework": "finished projects failing inspection (one number per grid)",
    "decision.noise": "noise of residents' contribution decisions (one number per resident)",
    "volunteers": "volunteers dropping out and being recruited (two numbers per resident)",
    "estate.lifts.initial": "the estate (model.estate): which stairwells have a lift at the start (setup)",
    "estate.lifts.propose": "the estate: whether a stairwell without a lift proposes one (one number per stairwell a "
                            "month)",
    "estate.lifts.stances": "the estate: households persuaded, heard and voting on a lift (three numbers per "
                            "household a month)",
    "estate.fees.noise": "the estate: noise of households' fee decisions (one number per household a month)",
    "life_course.<name>": "the life course (life_course.enabled): life_course.move (one number per household a "
                          "month), life_course.volunteers (two per resident a month), life_course.birthdays (one per "
                          "resident a year), and the newcomers' traits life_course.<trait> (one per newcomer or "
                          "newcomer household; their number depends on the life course's own draws alone)",
    "life_course.age_group.others": "the life course: the age groups of a newcomer household's other adults",
    "mechanism.<name>": "each mechanism's own draws (``Mechanism.rng``), e.g. ``mechanism.co_evaluation``",
    "mechanism.consultation.reach": "renters invited to consultation meetings (one per resident a meeting month)",
    "mechanism.consultation.held": "whether a meeting is held for a grid's project where consultation reaches only part "
                                   "of it (one number per grid a month while it runs)",
    "lab.players": "laboratory game (model.lab): players' types and traits",
    "lab.groups": "laboratory game: stranger matching's regrouping each round",
    "lab.noise": "laboratory game: decision noise (one number per player a round)",
    "agent.<type>.<id>": "each institution agent's own draws (``Institution.rng``), e.g. ``agent.social_org.2`` "
                         "(contract renewals), ``agent.committee.<id>`` (visits), ``agent.party.<id>`` (members "
                         "registered), ``agent.unit.<id>`` (giving when asked), ``agent.owners_committee.<id>`` "
                         "(elections)",
    "agent.party.<id>.rank": "the Party organisation: each resident's rank for mobilisation (setup)",
    "agent.government.<id>.<channel>": "the street office's channels: ``online`` (who posts a need, drawn while the "
                                       "platform runs), ``survey`` and ``survey_decision`` (survey samples and "
                                       "whether to survey, drawn every quarter)",
}
"""Every stream name and what draws from it (documented in ``docs/ODD.md``, *Stochasticity*). A placeholder
``<...>`` stands for one part of a dotted name. :meth:`Streams.get` refuses a name that matches no entry, so a
stream cannot be drawn from without being listed here."""

_PLACEHOLDER = re.compile(r"<[a-z_]+>")


def _pattern(registry: dict[str, str]) -> re.Pattern:
    """One regular expression matching every name of ``registry`` (a placeholder ``<...>``: one dotted part)."""
    def one(name: str) -> str:
        literals = _PLACEHOLDER.split(name)
        return r"[A-Za-z0-9_]+".join(re.escape(text) for text in literals)

    return re.compile("|".join(f"(?:{one(name)})" for name in registry))


_REGISTERED = _pattern(STREAMS)


class UnregisteredStream(ValueError):
    """A stream name that no entry of :data:`STREAMS` covers."""


def check_registered(name: str) -> str:
    """``name`` if an entry of :data:`STREAMS` covers it; else :class:`UnregisteredStream` (one line)."""
    if not _REGISTERED.fullmatch(name):
        raise UnregisteredStream(f"random stream {name!r} is not registered: add it, with what draws from it, to "
                                 "model.streams.STREAMS")
    return name


def stream_name(owner: str, part: str = "") -> str:
    """The name of an owner's stream: ``<owner>.<part>``, or the owner's path alone (``part`` empty)."""
    return f"{owner}.{part}" if owner and part else owner or part


class StreamOwner:
    """A part of the model that draws random numbers (an institution, a mechanism, the estate, the life course).

    Its streams are named from its own :attr:`stream_path` (``agent.<kind>.<id>``, ``mechanism.<name>``,
    ``estate``, ``life_course``), never typed at the call: ``self.stream()`` is the owner's own stream,
    ``self.stream("survey")`` its stream ``<stream_path>.survey``. The owner reaches the run's streams through its
    ``model``.
    """

    model: Any

    @property
    def stream_path(self) -> str:  # pragma: no cover - each owner defines it
        raise NotImplementedError

    def stream(self, part: str = "") -> np.random.Generator:
        """The generator of the owner's stream ``<stream_path>[.<part>]`` (registered in :data:`STREAMS`)."""
        return self.model.streams.get(stream_name(self.stream_path, part))


SEED_LIMIT = 2**63
"""Seeds are integers ``0 … 2**63 − 1`` (the range of ``config.seed``)."""


def stable_key(name: str) -> int:
    """A 64-bit integer of the name, the same on every machine and Python process (BLAKE2b)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def resolve_seed(rng: Any) -> int:
    """The seed a run uses, from what the caller gave as ``rng``.

    ``None``: a fresh seed from the operating system's entropy; an integer (Python or numpy,
    or a string of digits, as a text box gives it): that seed; a ``numpy.random.Generator``: a
    seed drawn from it. The result is what ``config.seed`` records: rebuilding with it gives
    the same numbers.

    Raises:
        ConfigError: anything else, or an integer outside ``0 … 2**63 − 1``.
    """
    if rng is None:
        return int(np.random.default_rng().integers(SEED_LIMIT))
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(SEED_LIMIT))
    if isinstance(rng, str) and rng.strip().isdigit():
        rng = int(rng.strip())
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)) and 0 <= rng < SEED_LIMIT:
        return int(rng)
    raise ConfigError(f"rng = {rng!r}: expected an integer seed 0 … 2**63 - 1, a numpy Generator or None")


def substream(source: "Streams | np.random.Generator", name: str) -> np.random.Generator:
    """Stream ``name`` of a run's ``Streams``; a plain ``Generator`` given instead serves every name."""
    return source if isinstance(source, np.random.Generator) else source.get(name)


class Streams:
    """The named generators of one run, created on first use and cached.

    Args:
        seed: the run's seed (``0 … 2**63 − 1``).
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._generators: dict[str, np.random.Generator] = {}

    def sequence(self, name: str) -> np.random.SeedSequence:
        """The ``SeedSequence`` of a registered stream (independent of every other name's).

        Raises:
            UnregisteredStream: ``name`` is not covered by :data:`STREAMS`.
        """
        return np.random.SeedSequence(self.seed, spawn_key=(stable_key(check_registered(name)),))

    def get(self, name: str) -> np.random.Generator:
        """The generator of stream ``name`` (the same object on every call; registered in :data:`STREAMS`)."""
        gen = self._generators.get(name)
        if gen is None:
            gen = self._generators[name] = np.random.Generator(np.random.PCG64(self.sequence(name)))
        return gen

    __getitem__ = get

    def integer(self, name: str) -> int:
        """A 63-bit integer seed derived from stream ``name`` (for ``random.Random`` and other libraries)."""
        return int(self.sequence(name).generate_state(1, np.uint64)[0] >> np.uint64(1))
