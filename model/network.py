"""The social-capital graph: ties between residents, their strengths, and social capital.

The graph is built from the community's structure (vectorised, so a district of a million
residents builds in seconds):

- **household ties**: every pair of adults in a household, strength
  ``community.household_tie_strength``; they never decay;
- **building ties**: each resident starts on average ``ties_within_building / 2`` ties to
  adults of other households in the same building (so the mean degree from these is
  ``ties_within_building``);
- **grid ties**: likewise, ``ties_within_grid`` to residents anywhere in the grid;
- **shortcuts**: ``shortcut_ties`` small-world ties to anyone in the community;
- **age homophily**: a tie drawn to a different age group is redrawn once with probability
  ``age_homophily``.

Ties are stored once per direction in a CSR matrix (``scipy.sparse``) whose ``data`` array
holds the current strengths; both directions are updated by the same symmetric rule, so the
matrix stays symmetric. :meth:`SocialGraph.to_networkx` gives the networkx view.

**Social capital** (``social_capital``) is the mean strength of neighbour ties (all ties
except those within a household), 0–1; **bonding** is the mean over ties within a building,
**bridging** over ties across buildings.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

from model.population import Structure, sample_dist
from model.streams import substream

COMPILED_MIN_ENTRIES = 200_000
"""Stored tie entries (twice the ties) from which the monthly tie update runs in the compiled
kernel of :mod:`model.graph_kernels` (about 30,000 residents)."""


HOUSEHOLD, BUILDING, GRID, SHORTCUT = 0, 1, 2, 3
TIE_KINDS = ("household", "building", "grid", "shortcut")


def _partners_in_block(rng, origin, block_start, block_size, age, homophily):
    """Draw one partner per origin uniformly within its block, redrawing once for homophily."""
    partner = block_start + (rng.random(len(origin)) * block_size).astype(np.int64)
    if homophily > 0 and len(origin):
        redraw = (age[partner] != age[origin]) & (rng.random(len(origin)) < homophily)
        idx = np.flatnonzero(redraw)
        partner[idx] = block_start[idx] + (rng.random(len(idx)) * block_size[idx]).astype(np.int64)
    return partner


def _stub_ties(rng, n, mean_degree, block_of, block_start, block_size, age, homophily):
    """Ties started by residents: Poisson(mean_degree/2) per resident, partner in its block."""
    if mean_degree <= 0 or n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    counts = rng.poisson(mean_degree / 2.0, n)
    origin = np.repeat(np.arange(n, dtype=np.int64), counts)
    b = block_of[origin]
    partner = _partners_in_block(rng, origin, block_start[b], block_size[b], age, homophily)
    return origin, partner


def _household_pairs(household: np.ndarray):
    """All pairs of residents sharing a household (residents of a household are contiguous)."""
    n_h = int(household[-1]) + 1 if len(household) else 0
    sizes = np.bincount(household, minlength=n_h)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    us, vs = [], []
    for a in range(int(sizes.max(initial=0))):
        for b in range(a + 1, int(sizes.max(initial=0))):
            h = np.flatnonzero(sizes > b)
            us.append(starts[h] + a)
            vs.append(starts[h] + b)
    if not us:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(us).astype(np.int64), np.concatenate(vs).astype(np.int64)


def _blocks(labels: np.ndarray):
    n_blocks = int(labels[-1]) + 1 if len(labels) else 0
    size = np.bincount(labels, minlength=n_blocks).astype(np.int64)
    start = np.concatenate(([0], np.cumsum(size)[:-1])).astype(np.int64)
    return start, size


class SocialGraph:
    """Ties between residents with strengths in [0, 1], as a symmetric CSR matrix.

    Attributes:
        adjacency: ``scipy.sparse.csr_array`` (n × n); ``adjacency.data`` are tie strengths.
        rows, cols: the (row, column) of each stored entry (both directions of each tie).
        kind: tie kind of each entry (``TIE_KINDS``).
        floor: strength each entry decays towards without joint activity.
        neighbour_tie: bool, entry is not a household tie (counts for social capital).
        same_building: bool, entry joins residents of one building (bonding).

    Args:
        streams: the run's :class:`model.streams.Streams` (each kind of tie from its own stream
            ``network.<kind>``) or one ``numpy.random.Generator`` for all.
        compiled: run the monthly tie update (with its row sums) in the compiled kernel of
            :mod:`model.graph_kernels` (same numbers, bit for bit); None: when the graph has at
            least ``COMPILED_MIN_ENTRIES`` entries.
        tie_factor: optional factor per resident on the initial strength of its neighbour ties
            (``w = w₀ · f_u · f_v``; e.g. ``community.renter_tie_factor`` for renters).

    After changing strengths by hand (``strength`` is writable), call :meth:`refresh`.
    """

    def __init__(self, streams, community, structure: Structure, age: np.ndarray,
                 tie_floor: float, compiled: bool | None = None, tie_factor: np.ndarray | None = None) -> None:
        n = structure.n
        self.n = n
        h = community.age_homophily
        b_start, b_size = _blocks(structure.building)
        g_start, g_size = _blocks(structure.grid)
        pieces = [(*_household_pairs(structure.household), HOUSEHOLD)]
        pieces.append((*_stub_ties(substream(streams, "network.building"), n, community.ties_within_building,
                                   structure.building, b_start, b_size, age, h), BUILDING))
        pieces.append((*_stub_ties(substream(streams, "network.grid"), n, community.ties_within_grid,
                                   structure.grid, g_start, g_size, age, h), GRID))
        everyone = np.zeros(n, dtype=np.int64)
        pieces.append((*_stub_ties(substream(streams, "network.shortcut"), n, community.shortcut_ties, everyone,
                                   np.zeros(1, np.int64), np.array([n], np.int64), age, h), SHORTCUT))

        u = np.concatenate([p[0] for p in pieces])
        v = np.concatenate([p[1] for p in pieces])
        kind = np.concatenate([np.full(len(p[0]), p[2], np.int8) for p in pieces])
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        keep = lo != hi
        lo, hi, kind = lo[keep], hi[keep], kind[keep]
        # One tie per pair: the first kind listed (household before building before ...).
        key = lo * n + hi
        _, first = np.unique(key, return_index=True)
        lo, hi, kind = lo[first], hi[first], kind[first]
        self.n_ties = len(lo)

        strength = np.where(kind == HOUSEHOLD, community.household_tie_strength,
                            sample_dist(substream(streams, "network.strength"), community.neighbour_tie_strength,
                                        len(lo)))
        if tie_factor is not None:  # e.g. renters' weaker ties: each end's factor (household ties unchanged)
            strength = np.where(kind == HOUSEHOLD, strength, strength * tie_factor[lo] * tie_factor[hi])
        floor = np.where(kind == HOUSEHOLD, strength, np.minimum(tie_floor, strength))
        self.tie_floor = tie_floor

        rows = np.concatenate([lo, hi])
        cols = np.concatenate([hi, lo])
        order = np.lexsort((cols, rows))
        # Entries sorted by (row, column): the CSR order. Row and column indices are kept as
        # numpy's index type so gathers over entries (``x[rows]``) need no conversion.
        self.rows = rows[order].astype(np.intp)
        self.cols = cols[order].astype(np.intp)
        self.kind = np.concatenate([kind, kind])[order]
        self.floor = np.concatenate([floor, floor])[order]
        data = np.concatenate([strength, strength])[order]
        index_type = np.int32 if len(data) < 2**31 else np.int64
        indptr = np.zeros(n + 1, dtype=index_type)
        np.cumsum(np.bincount(self.rows, minlength=n), out=indptr[1:])
        self.adjacency = sp.csr_array((data, self.cols.astype(index_type), indptr), shape=(n, n))
        self.neighbour_tie = self.kind != HOUSEHOLD
        self.same_building = structure.building[self.rows] == structure.building[self.cols]
        self._bonding = self.neighbour_tie & self.same_building
        self._bridging = self.neighbour_tie & ~self.same_building
        # Positions of the entries of each kind (social capital averages over them every month).
        self._entries = {name: np.flatnonzero(mask) for name, mask in (
            ("neighbour", self.neighbour_tie), ("bonding", self._bonding), ("bridging", self._bridging))}
        self.degree = np.diff(indptr)
        self._neighbour_degree = np.bincount(self.rows[self.neighbour_tie], minlength=n)
        self._home = np.flatnonzero(~self.neighbour_tie)
        """Positions of the ties within households (about one per resident: cheap to sum over every month)."""
        self._home_rows, self._home_cols = self.rows.take(self._home), self.cols.take(self._home)
        self._ones = np.ones(n)
        self._buffers: tuple[np.ndarray, ...] | None = None
        self._compiled = bool(len(data) >= COMPILED_MIN_ENTRIES if compiled is None else compiled)
        if self._compiled:  # numba is imported only for graphs large enough to gain from it
            from model import graph_kernels

            graph_kernels.warm_up()  # compiled, or loaded from the disk cache, while the model is built
        self._active_strength: np.ndarray | None = None
        self._last_active: np.ndarray | None = None
        self._mirror: np.ndarray | None = None
        self._capital_sums: tuple[np.ndarray, np.ndarray] | None = None
        self.refresh()

    @property
    def compiled(self) -> bool:
        """Whether the monthly tie update runs in the compiled kernel (:mod:`model.graph_kernels`)."""
        return self._compiled

    @property
    def strength(self) -> np.ndarray:
        """Current tie strengths, one per stored entry (view of the CSR data)."""
        return self.adjacency.data

    def neighbour_mean(self, x: np.ndarray, default: np.ndarray | float) -> np.ndarray:
        """Tie-strength-weighted mean of ``x`` over each resident's neighbours.

        Residents with no ties get ``default``.
        """
        return self.neighbour_means([x], [default])[0]

    def neighbour_means(self, xs: list[np.ndarray], defaults: list[np.ndarray | float]) -> list[np.ndarray]:
        """:meth:`neighbour_mean` of several arrays at once (one pass over the ties).

        Args:
            xs: arrays of one value per resident (bool or float).
            defaults: for each, the value (array or scalar) for residents with no ties.
        """
        if len(xs) > 1:  # one pass over the ties for all of them (n × k)
            sums = self.adjacency @ np.stack([np.asarray(x, dtype=float) for x in xs], axis=1)
            sums = list(sums.T)
        else:
            sums = [self.adjacency @ np.asarray(xs[0], dtype=float)]
        means = []
        for out, default in zip(sums, defaults):
            out = np.ascontiguousarray(out)
            np.divide(out, self._row_strength, out=out, where=self._has_ties)
            if not self._all_have_ties:
                lonely = ~self._has_ties
                out[lonely] = default[lonely] if isinstance(default, np.ndarray) else default
            means.append(out)
        return means

    def active_neighbour_share(self, default: np.ndarray | float) -> np.ndarray:
        """Tie-weighted share of each resident's neighbours who were ``active`` in the last
        :meth:`update_ties` (with the ties as updated): ``neighbour_mean(active)``, computed
        during the update. Residents with no ties get ``default``.

        Raises:
            RuntimeError: no update has happened yet.
        """
        if self._active_strength is None:
            raise RuntimeError("active_neighbour_share: the ties have not been updated yet")
        out = self._active_strength / np.where(self._has_ties, self._row_strength, 1.0)
        if not self._all_have_ties:
            lonely = ~self._has_ties
            out[lonely] = default[lonely] if isinstance(default, np.ndarray) else default
        return out

    def _home_sums(self, weights: np.ndarray) -> np.ndarray:
        """Per resident, the sum of ``weights`` (one per stored entry, given at the household ties) over the
        resident's ties within the household."""
        return np.bincount(self._home_rows, weights=weights, minlength=self.n)

    def neighbour_active_strength(self) -> np.ndarray:
        """Strength-weighted number of each resident's neighbours (contacts outside the household) who were
        ``active`` in the last :meth:`update_ties`: ``A_i = Σ_j w_ij · active_j · 1[j not in i's household]``
        (ties as updated; a count, not a share).

        Raises:
            RuntimeError: no update has happened yet.
        """
        if self._active_strength is None:
            raise RuntimeError("neighbour_active_strength: the ties have not been updated yet")
        at_home = self._home_sums(self.adjacency.data.take(self._home) * self._last_active.take(self._home_cols))
        return np.maximum(self._active_strength - at_home, 0.0)

    def neighbour_strength(self) -> np.ndarray:
        """Mean strength of each resident's neighbour ties (every tie but those within the household; 0–1;
        0 for a resident with none): ``S_i = Σ_j w_ij 1[j not in i's household] / #neighbour ties_i``."""
        outside = self._row_strength - self._home_sums(self.adjacency.data.take(self._home))
        return np.maximum(outside, 0.0) / np.maximum(self._neighbour_degree, 1)

    def names_a_neighbour(self, strength: float) -> np.ndarray:
        """Whether each resident has at least one neighbour tie (not within the household) of at least
        ``strength`` (0–1): someone they can name."""
        strong = self.neighbour_tie & (self.adjacency.data >= strength)
        return np.bincount(self.rows[strong], minlength=self.n) > 0

    def refresh(self) -> None:
        """Recompute cached row sums after tie strengths changed."""
        self._set_row_strength(self.adjacency @ self._ones)
        self._active_strength = None
        self._capital_sums = None

    def _set_row_strength(self, row_strength: np.ndarray) -> None:
        self._row_strength = row_strength
        self._has_ties = row_strength > 0
        self._all_have_ties = bool(self._has_ties.all())

    def entries_of(self, residents: np.ndarray) -> np.ndarray:
        """Positions (into :attr:`strength`) of the entries of the given residents' rows (their CSR slices)."""
        indptr = self.adjacency.indptr
        start = indptr[residents].astype(np.intp)
        counts = indptr[np.asarray(residents) + 1] - start
        shift = start - np.concatenate(([0], np.cumsum(counts)[:-1]))
        return np.repeat(shift, counts) + np.arange(int(counts.sum()), dtype=np.intp)

    @property
    def mirror(self) -> np.ndarray:
        """Position of each entry's mirror: ``mirror[e]`` is the entry (j, i) of the entry e = (i, j). Sorting the
        entries by (column, row) lists the mirrors in CSR order (the pairs are symmetric); made on first use."""
        if self._mirror is None:
            self._mirror = np.lexsort((self.rows, self.cols)).astype(np.intp)
        return self._mirror

    def reset_rows(self, residents: np.ndarray, strength: float) -> int:
        """The ``residents`` (indices) are strangers: every neighbour tie with an end among them, in both
        directions (the entry and its mirror), gets ``strength`` and the floor ``min(tie_floor, strength)``;
        household ties are kept (a household moves in together). The cached row sums (and the active-neighbour
        and social-capital sums of the last :meth:`update_ties`, with the activity as it now is) are
        recomputed for the rows touched, so :meth:`active_neighbour_share` stays valid for the month.

        Returns:
            The number of entries reset.
        """
        residents = np.asarray(residents, dtype=np.intp)
        if len(residents) == 0:
            return 0
        own = self.entries_of(residents)
        entries = np.concatenate((own, self.mirror[own]))
        entries = np.unique(entries)  # a tie between two of them: once (and none for residents without ties)
        entries = entries[self.neighbour_tie[entries]]
        w = self.adjacency.data
        w[entries] = strength
        self.floor[entries] = min(self.tie_floor, strength)
        mark = np.zeros(self.n, dtype=bool)
        mark[residents] = True
        mark[self.rows[entries]] = True
        touched = np.flatnonzero(mark)
        own = self.entries_of(touched)  # the touched rows' sums, recomputed over their entries
        at = np.repeat(np.arange(len(touched)), np.diff(self.adjacency.indptr)[touched])
        w_own = w[own]

        def row_sums(weights: np.ndarray) -> np.ndarray:
            return np.bincount(at, weights=weights, minlength=len(touched))

        self._row_strength[touched] = row_sums(w_own)
        self._set_row_strength(self._row_strength)
        if self._active_strength is not None:
            self._active_strength[touched] = row_sums(w_own * self._last_active[self.cols[own]])
        if self._capital_sums is not None:
            for sums, mask in zip(self._capital_sums, (self._bonding, self._bridging)):
                sums[touched] = row_sums(w_own * mask[own])
        return len(entries)

    def update_ties(self, active: np.ndarray, growth: float, decay: float) -> None:
        """Ties grow when both ends were active this month and decay towards their floor otherwise.

        ``w += growth * (1 - w)`` for joint activity; ``w -= decay * (w - floor)`` otherwise.
        Afterwards :meth:`active_neighbour_share` gives the share of neighbours who were active.
        """
        self._last_active = active
        if self._compiled:
            from model.graph_kernels import update_ties

            a = self.adjacency
            row_strength, active_strength, bonding, bridging = (np.empty(self.n) for _ in range(4))
            update_ties(a.indptr, a.indices, a.data, self.floor, np.asarray(active, dtype=bool), float(growth),
                        float(decay), self._bonding.view(np.uint8), self._bridging.view(np.uint8),
                        row_strength, active_strength, bonding, bridging)
            self._set_row_strength(row_strength)
            self._active_strength = active_strength
            self._capital_sums = (bonding, bridging)
            return
        w = self.adjacency.data
        if self._buffers is None:  # reused every month: no temporaries the size of the graph
            self._buffers = (np.empty(len(w)), np.empty(len(w)), np.empty(len(w)), np.empty(len(w), bool),
                             np.empty(len(w), bool))
        change, grow, joint_share, joint, other_end = self._buffers
        np.take(active, self.rows, out=joint)
        np.take(active, self.cols, out=other_end)
        joint &= other_end
        np.subtract(w, self.floor, out=change)
        change *= -decay
        np.subtract(1.0, w, out=grow)
        grow *= growth
        # change = where(joint, grow, change), as an exact blend of 0/1 shares (model.arrays)
        np.copyto(joint_share, joint)
        grow *= joint_share
        np.subtract(1.0, joint_share, out=joint_share)
        change *= joint_share
        change += grow
        w += change
        self.refresh()
        self._active_strength = self.adjacency @ np.asarray(active, dtype=float)

    def social_capital(self) -> tuple[float, float, float]:
        """(mean, bonding, bridging) strength of neighbour ties; NaN where there are none."""
        w = self.adjacency.data
        e = self._entries
        if self._capital_sums is not None:  # summed per resident by the last compiled update
            bonding, bridging = (float(x.sum()) for x in self._capital_sums)
            return tuple(total / len(e[name]) if len(e[name]) else float("nan") for name, total in (
                ("neighbour", bonding + bridging), ("bonding", bonding), ("bridging", bridging)))

        def mean(entries):
            return float(w.take(entries).mean()) if len(entries) else float("nan")

        return mean(e["neighbour"]), mean(e["bonding"]), mean(e["bridging"])

    def to_networkx(self, node_attrs: dict[str, np.ndarray] | None = None) -> nx.Graph:
        """The graph as networkx, with ``weight`` (strength) and ``kind`` on edges.

        Args:
            node_attrs: optional arrays (one value per resident) to set as node attributes.
        """
        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        upper = self.rows < self.cols
        w = self.adjacency.data
        g.add_edges_from(
            (int(a), int(b), {"weight": float(s), "kind": TIE_KINDS[k]})
            for a, b, s, k in zip(self.rows[upper], self.cols[upper], w[upper], self.kind[upper])
        )
        for name, values in (node_attrs or {}).items():
            nx.set_node_attributes(g, {i: v for i, v in enumerate(values.tolist())}, name)
        return g
