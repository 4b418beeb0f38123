"""Compiled kernel of the social graph's monthly tie update (numba).

:class:`model.network.SocialGraph` uses it for large graphs (``model.network.COMPILED_MIN_ENTRIES``
stored tie entries or more, about 30,000 residents); smaller graphs use numpy, because
importing numba and loading the compiled kernel (~0.4 s once a process: 0.17 s for numba, 0.2 s
to load the kernel from the disk cache) would cost a small run more than it saves.

The kernel does in one pass over the tie entries what numpy needs a dozen passes for (the
update itself and four row sums). It runs on one thread: a second thread (``prange``) gained
nothing inside a month on the 2-core machine it was measured on, where two model processes
each run at half speed, i.e. the month is bound by the memory system the cores share
(``docs/performance.md``). Every row is summed entry by entry in
storage order, as scipy's CSR product does, so the results are **bit-identical** to the numpy
path. Nothing here draws random numbers.

The kernel is compiled on first use and cached on disk (``cache=True``, in ``__pycache__``),
so later processes load it in a fraction of a second.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def update_ties(indptr, indices, strength, floor, active, growth, decay, bonding, bridging,
                row_strength, active_strength, bonding_sum, bridging_sum):  # pragma: no cover - compiled
    """One month of tie change, in place, with the row sums the month needs afterwards.

    ``w += growth (1 − w)`` where both ends were ``active``, else ``w −= decay (w − floor)``
    (an exact 0/1 blend, no branch per entry). Per resident ``i`` it then writes
    ``row_strength[i] = Σ_j w_ij``, ``active_strength[i] = Σ_j w_ij active_j`` and the sums of
    its bonding and bridging tie strengths (``bonding``/``bridging``: 0/1 per entry).
    """
    for i in range(len(indptr) - 1):
        own = 1.0 if active[i] else 0.0
        total = 0.0
        with_active = 0.0
        bond = 0.0
        bridge = 0.0
        for jj in range(indptr[i], indptr[i + 1]):
            other = 1.0 if active[indices[jj]] else 0.0
            joint = own * other
            w = strength[jj]
            w = w + joint * (growth * (1.0 - w)) - (1.0 - joint) * (decay * (w - floor[jj]))
            strength[jj] = w
            total += w
            with_active += w * other
            bond += w * bonding[jj]
            bridge += w * bridging[jj]
        row_strength[i] = total
        active_strength[i] = with_active
        bonding_sum[i] = bond
        bridging_sum[i] = bridge


def warm_up() -> None:
    """Compile (or load from the disk cache) the kernel on a tiny graph."""
    indptr = np.array([0, 1, 2], np.int32)
    indices = np.array([1, 0], np.int32)
    flags = np.zeros(2, np.uint8)
    update_ties(indptr, indices, np.array([0.5, 0.5]), np.zeros(2), np.ones(2, bool), 0.1, 0.1, flags, flags,
                np.empty(2), np.empty(2), np.empty(2), np.empty(2))
