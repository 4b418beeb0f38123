"""The base of every institution agent: a Mesa agent that draws from streams named after itself."""

from __future__ import annotations

from typing import ClassVar

import mesa
import numpy as np

from model.streams import StreamOwner


class Institution(StreamOwner, mesa.Agent):
    """An institution (street office, residents' committee, Party organisation, unit in the area, social
    organisation, owners' committee, property company): an ordinary Mesa agent whose ``step()`` reads what it can
    observe and decides by the rule in its docstring.

    Its random numbers come from its own streams, ``agent.<kind>.<unique_id>`` (:attr:`rng`) and
    ``agent.<kind>.<unique_id>.<part>`` (:meth:`stream`), so its draws leave every other process's unchanged
    (:mod:`model.streams`).
    """

    kind: ClassVar[str] = ""
    """The institution's kind in stream names (``government``, ``social_org`` …)."""

    @property
    def stream_path(self) -> str:
        return f"agent.{self.kind}.{self.unique_id}"

    @property
    def rng(self) -> np.random.Generator:
        """The institution's own random stream, ``agent.<kind>.<unique_id>``."""
        return self.stream()

    def card(self) -> dict[str, str]:
        """What it decided this month, for the live page's institution card."""
        return {}
