"""Compiled kernel of the street office's reports (numba), for large models.

:meth:`agents.government.Government.hear` counts, for the residents it hears, each one's most
pressing unmet need ``argmax_d needs_i[d] (1 − cover[g_i, d])`` by grid and domain. In numpy that
is a fancy-indexed copy of the reporters' needs and coverage rows and an ``argmax`` along a
4-wide axis: about 3.5 ms a month at 100,000 residents, 7% of the month. The kernel does it in
one pass over the reporters. It is used where numba is loaded anyway, when the social graph's
tie update is compiled (:attr:`model.network.SocialGraph.compiled`, about 30,000 residents and
more); smaller models keep the numpy path. Both give the same counts: the first domain wins a
tie, as in ``numpy.argmax``. Nothing here draws random numbers.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def count_top_unmet(idx, grid, needs, cover, counts):  # pragma: no cover - compiled
    """Add 1 to ``counts[g_i, d_i]`` for each resident ``i`` in ``idx``, ``d_i`` its most pressing unmet
    need; return the sum of nothing (counts are updated in place)."""
    k = needs.shape[1]
    for ii in range(len(idx)):
        i = idx[ii]
        g = grid[i]
        best = needs[i, 0] * (1.0 - cover[g, 0])
        top = 0
        for d in range(1, k):
            v = needs[i, d] * (1.0 - cover[g, d])
            if v > best:
                best = v
                top = d
        counts[g, top] += 1.0


def warm_up() -> None:
    """Compile (or load from the disk cache) the kernel on a tiny input."""
    count_top_unmet(np.array([0], np.int64), np.array([0], np.int32), np.ones((1, 4)), np.zeros((1, 4)),
                    np.zeros((1, 4)))
