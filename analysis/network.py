"""The social-capital graph of one representative run, at its start and its end.

The run is re-created deterministically from the manifest (scenario, community, seed, steps and
any overrides): same config + seed → identical numbers, so the report can draw the graph without
the experiment having stored it. The re-run's time series is checked against the stored one.

Drawing: residents are grouped by building (buildings in rows by micro-grid); within a building a
force-directed layout of the initial ties places tied residents near each other. The layout is
computed once and shared by every panel, so a resident sits in the same place at the start and
the end, and in every scenario when the scenarios share the community (same seed → same graph).
Node colour: the share of months the resident took part in the first (start) or last (end)
``window`` months (the job manifest's window); node size: weighted degree (sum of tie
strengths); edge darkness and width: tie strength. Ties across buildings are drawn fainter, so the buildings stay readable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from matplotlib.collections import LineCollection

from analysis.palette import SEQUENTIAL
from model.metrics import assortativity

MAX_BUILDINGS = 16
"""Buildings drawn at most (the first ones, by index); a larger community is drawn in part."""


@dataclass
class Snapshot:
    """What the figure needs of one run: ties at the start and the end, and who took part."""

    scenario: str
    seed: int
    steps: int
    rows: np.ndarray
    cols: np.ndarray
    weight_start: np.ndarray
    weight_end: np.ndarray
    took_part_start: np.ndarray
    """Share of months 1–window each resident took part in (0–1)."""
    took_part_end: np.ndarray
    """Share of the last ``window`` months each resident took part in (0–1)."""
    building: np.ndarray
    grid: np.ndarray
    timeseries: pd.DataFrame
    window: int
    """Months shown at the start and the end: the job's window, at most the run's length."""
    household: np.ndarray
    trust_in_neighbours_end: np.ndarray
    """Each resident's trust in neighbours at the end (0–1)."""
    neighbour_tie_strength_end: np.ndarray
    """Each resident's mean strength of its ties outside the household at the end
    (:meth:`model.network.SocialGraph.neighbour_strength`)."""

    def active_neighbours_end(self) -> np.ndarray:
        """Per resident, over the ties outside the household at the end: ``Σ_j w_ij · p_j`` with ``p_j`` the share
        of the last ``window`` months neighbour j took part in (the strength of active neighbours that encourages
        and brings news, averaged over the window)."""
        out = self.household[self.rows] != self.household[self.cols]
        return np.bincount(self.rows[out], weights=self.weight_end[out] * self.took_part_end[self.cols[out]],
                           minlength=self.n)

    @property
    def n(self) -> int:
        return len(self.building)

    def same_graph(self, other: "Snapshot") -> bool:
        return (self.n == other.n and np.array_equal(self.rows, other.rows) and np.array_equal(self.cols, other.cols)
                and np.array_equal(self.building, other.building))


def representative_seed(ts: pd.DataFrame, scenarios: list[str], window: int,
                        metric: str = "participation_rate") -> int:
    """The seed whose runs are closest to every scenario's median outcome.

    Score of a seed: Σ over scenarios of |its last-``window``-month mean of ``metric`` − the
    scenario's median| / the scenario's interquartile range; the lowest score wins (ties: the
    smaller seed). Only seeds run under every scenario count.
    """
    last = ts.groupby(["scenario", "seed"])["step"].transform("max")
    out = ts[ts["step"] > last - window].groupby(["scenario", "seed"])[metric].mean().unstack("scenario")
    out = out[[s for s in scenarios if s in out]].dropna()
    if out.empty:
        return int(ts["seed"].min())
    med = out.median()
    iqr = (out.quantile(0.75) - out.quantile(0.25)).replace(0, 1.0).fillna(1.0)
    score = ((out - med).abs() / iqr).sum(axis=1)
    return int(score.sort_index().idxmin())


def rerun(scenario: str, community: str | None, seed: int, steps: int, window: int,
          overrides: dict | None = None) -> Snapshot:
    """Re-create one run and keep its ties at the start and the end and the share of the first and
    the last ``window`` months each resident took part in."""
    from model.community import CommunityModel, resolve_config

    cfg = resolve_config(scenario, community, None, dict(overrides or {}))
    model = CommunityModel(config=cfg, rng=seed)
    g = model.graph
    w0 = g.adjacency.data.copy()
    took_part = np.zeros((steps, model.n_residents), dtype=bool)
    for t in range(steps):
        model.step()
        took_part[t] = model.state.participated
    k = min(window, steps)
    return Snapshot(scenario, seed, steps, g.rows.copy(), g.cols.copy(), w0, g.adjacency.data.copy(),
                    took_part[:k].mean(axis=0), took_part[-k:].mean(axis=0),
                    model.structure.building.copy(), model.structure.grid.copy(), model.timeseries(), k,
                    model.structure.household.copy(), model.state.trust_in_neighbours.copy(),
                    g.neighbour_strength())


def reproduces(snap: Snapshot, stored: pd.DataFrame) -> float:
    """Largest absolute difference between the re-run and the stored run over shared metric
    columns (0.0: the stored run was reproduced exactly; NaN: nothing to compare)."""
    cols = [c for c in snap.timeseries.columns if c in stored.columns and c != "step"]
    a = snap.timeseries.set_index("step")[cols]
    b = stored.set_index("step")[cols]
    common = a.index.intersection(b.index)
    if not len(common) or not cols:
        return math.nan
    diff = (a.loc[common].astype(float) - b.loc[common].astype(float)).abs()
    both_nan = a.loc[common].isna() & b.loc[common].isna()
    diff = diff.mask(both_nan, 0.0).fillna(np.inf)
    return float(diff.to_numpy().max())


def drawn_residents(snap: Snapshot) -> np.ndarray:
    """Residents of the buildings drawn (all, unless the community has more than MAX_BUILDINGS)."""
    return np.flatnonzero(snap.building < MAX_BUILDINGS)


def layout(snap: Snapshot, seed: int = 0) -> np.ndarray:
    """Positions (n × 2; NaN for residents not drawn): buildings on a grid, in rows by micro-grid;
    inside a building a weighted force-directed layout (networkx spring layout) of its initial ties."""
    n = snap.n
    pos = np.full((n, 2), np.nan)
    A = sp.csr_array((snap.weight_start, (snap.rows, snap.cols)), shape=(n, n))
    buildings = np.unique(snap.building[drawn_residents(snap)])
    per_grid = int(np.bincount(snap.grid[np.searchsorted(snap.building, buildings)]).max()) if len(buildings) else 1
    # one micro-grid per row when grids hold 2–6 buildings; otherwise a wide grid of buildings
    ncols = per_grid if 2 <= per_grid <= 6 else max(1, math.ceil(math.sqrt(2 * len(buildings))))
    for k, b in enumerate(buildings):
        idx = np.flatnonzero(snap.building == b)
        G = nx.from_scipy_sparse_array(A[idx][:, idx])
        p = nx.spring_layout(G, seed=seed, iterations=100, weight="weight")
        xy = np.array([p[i] for i in range(len(idx))]) if len(idx) > 1 else np.zeros((1, 2))
        xy -= np.median(xy, axis=0)
        r = np.linalg.norm(xy, axis=1)
        scale = np.quantile(r, 0.95) if len(idx) > 1 else 1.0
        xy /= scale if scale > 0 else 1.0
        r = np.linalg.norm(xy, axis=1)
        xy *= np.where(r > 1.12, 1.12 / np.maximum(r, 1e-9), 1.0)[:, None]  # pull stragglers in
        row, col = divmod(k, ncols)
        pos[idx] = xy + np.array([col * 2.5, -row * 2.5])
    return pos


def _assortativity(x: np.ndarray, rows, cols, w, n) -> float:
    A = sp.csr_array((w, (rows, cols)), shape=(n, n))
    total = A @ np.ones(n)
    nb = np.divide(A @ x, total, out=np.full(n, x.mean()), where=total > 0)
    return assortativity(x, nb)


def _panel(ax, snap: Snapshot, pos: np.ndarray, end: bool):
    w = snap.weight_end if end else snap.weight_start
    x = snap.took_part_end if end else snap.took_part_start
    drawn = np.isfinite(pos[:, 0])
    upper = (snap.rows < snap.cols) & drawn[snap.rows] & drawn[snap.cols]
    r, c, wu = snap.rows[upper], snap.cols[upper], w[upper]
    order = np.argsort(wu)  # strong ties drawn last (on top)
    r, c, wu = r[order], c[order], wu[order]
    same = snap.building[r] == snap.building[c]
    alpha = (0.05 + 0.45 * wu ** 2) * np.where(same, 1.0, 0.25)
    colours = np.column_stack([np.full((len(wu), 3), 0.4), alpha])
    segs = np.stack([pos[r], pos[c]], axis=1)
    ax.add_collection(LineCollection(segs, linewidths=0.25 + 1.1 * wu, colors=colours, zorder=1, rasterized=True))
    strength = np.bincount(snap.rows, weights=w, minlength=snap.n)
    idx = np.flatnonzero(drawn)
    idx = idx[np.argsort(x[idx], kind="stable")]  # frequent participants on top
    sc = ax.scatter(pos[idx, 0], pos[idx, 1], c=x[idx] * 100, s=3 + 4.5 * strength[idx], cmap=SEQUENTIAL,
                    vmin=0, vmax=100, edgecolors="white", linewidths=0.25, zorder=2, rasterized=True)
    ax.set_aspect("equal")
    ax.set_axis_off()
    k = snap.window
    if end:
        when = f"end (ties at month {snap.steps}; participation in months {snap.steps - k + 1}–{snap.steps})"
    else:
        when = f"start (ties at month 0; participation in months 1–{k})"
    neighbour = snap.rows < snap.cols
    numbers = (f"took part ≥1 month: {100 * (x > 0).mean():.0f}% · mean {100 * x.mean():.0f}% of months · "
               f"assortativity {_assortativity(x, snap.rows, snap.cols, w, snap.n):.2f} · "
               f"tie strength {w[neighbour].mean():.2f}")
    ax.set_title(f"{snap.scenario} — {when}\n{numbers}", loc="left", fontsize=10.5, fontweight="normal")
    return sc


def figure(snaps: list[Snapshot], positions: list[np.ndarray], colours: dict[str, str]):
    """Rows: scenarios; columns: start and end of the representative run."""
    n = len(snaps)
    finite = positions[0][np.isfinite(positions[0][:, 0])]
    span = np.ptp(finite, axis=0) + 1.0
    panel_w = 7.0
    panel_h = panel_w * span[1] / span[0] + 0.5
    fig, axes = plt.subplots(n, 2, figsize=(2 * panel_w, n * panel_h + 0.9), squeeze=False, layout="constrained")
    sc = None
    for i, (snap, pos) in enumerate(zip(snaps, positions)):
        for j in range(2):
            sc = _panel(axes[i, j], snap, pos, end=bool(j))
            for spine in ("left",):
                axes[i, j].spines[spine].set_visible(True)
        axes[i, 0].add_patch(plt.Rectangle((0, 0), 0.006, 1, transform=axes[i, 0].transAxes, clip_on=False,
                                           color=colours.get(snap.scenario, "#555555")))
    cb = fig.colorbar(sc, ax=axes, orientation="horizontal", shrink=0.45, aspect=40, pad=0.01, location="bottom")
    cb.set_label(f"months the resident took part (% of the {snaps[0].window} months shown)")
    seed = snaps[0].seed
    fig.suptitle(f"Social-capital graph of the representative run (seed {seed}): node colour = participation, "
                 f"node size = weighted degree, line = tie strength", x=0.01, ha="left")
    return fig


def _binned(x: np.ndarray, y: np.ndarray, edges: np.ndarray, min_count: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``y`` in each bin of ``x`` (bins with fewer than ``min_count`` residents left out): centres, means."""
    idx = np.clip(np.digitize(x, edges) - 1, 0, len(edges) - 2)
    count = np.bincount(idx, minlength=len(edges) - 1)
    total = np.bincount(idx, weights=y, minlength=len(edges) - 1)
    keep = count >= min_count
    centres = 0.5 * (edges[:-1] + edges[1:])
    return centres[keep], total[keep] / count[keep]


def why_figure(snaps: list[Snapshot], colours: dict[str, str]):
    """Why the ties matter, at the end of each representative run: residents' participation against the strength
    of their active neighbours (encouragement and news travel along ties, ODD §3.4.3), and their trust in
    neighbours against the mean strength of their neighbour ties (trust grows from strong ties, §3.4.6)."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained")
    for snap in snaps:
        colour = colours.get(snap.scenario, "#555555")
        active = snap.active_neighbours_end()
        edges = np.unique(np.percentile(active, np.linspace(0, 100, 11)))  # deciles: every point holds ~10%
        edges[-1] += 1e-9
        x, y = _binned(active, snap.took_part_end, edges) if len(edges) > 1 else (active[:0], active[:0])
        axes[0].plot(x, 100 * y, marker="o", color=colour, label=snap.scenario)
        x, y = _binned(snap.neighbour_tie_strength_end, snap.trust_in_neighbours_end, np.linspace(0, 1, 21))
        axes[1].plot(x, 100 * y, marker="o", color=colour, label=snap.scenario)
    axes[0].set_xlabel("strength of active neighbours (Σ tie strength × share of months they took part)")
    axes[0].set_ylabel(f"took part (% of the last {snaps[0].window} months)")
    axes[0].set_title("Participation goes with the strength of one's active ties (deciles)", loc="left",
                      fontsize=10.5)
    axes[1].set_xlabel("mean strength of the resident's neighbour ties (0–1)")
    axes[1].set_ylabel("trust in neighbours (%)")
    axes[1].set_title("Trust in neighbours grows with the strength of one's ties", loc="left", fontsize=10.5)
    for ax in axes:
        ax.set_ylim(0, 100)
        ax.legend(frameon=False, fontsize=9)
    return fig
