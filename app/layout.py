"""Where each resident is drawn: a layout computed once per community from its structure.

Force-directed layouts (networkx's ``spring_layout``, which Mesa's network drawing calls
when it builds a drawer) cost 0.1 s for 300 residents and minutes for thousands, and move
every time they are recomputed. The page instead draws the community as it is built:

- each **building** is a disc; its residents sit along an Archimedean spiral in index order,
  so the adults of one household (contiguous indices) sit next to each other;
- the buildings of a **micro-grid** form a block; blocks sit side by side with a gap.

The layout is vectorised (numpy) and deterministic: the same structure gives the same picture.
Coordinates are in drawing units: x in [0, width], y in [0, height] (y downwards, as in SVG).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


LABEL_FONT = 30.0
"""Font size of building and micro-grid labels, in drawing units (~17 px at 580 px wide)."""
LABEL_H = 1.35 * LABEL_FONT
"""Band above each building (and each micro-grid, when there are several) for its label."""
GAP = 0.3
"""Gap between micro-grid blocks, in building cells."""


@dataclass(frozen=True)
class Layout:
    """Positions of residents and buildings in drawing units (y downwards)."""

    x: np.ndarray
    """x of each resident."""
    y: np.ndarray
    """y of each resident."""
    radius: float
    """Radius of a resident's dot."""
    building_centre: np.ndarray
    """(buildings × 2) centre of each building's disc."""
    building_radius: float
    building_label: np.ndarray
    """(buildings × 2) where each building's label is written (centred, baseline)."""
    grid_box: np.ndarray
    """(grids × 4) x, y, width, height of each micro-grid's block (drawn when there are several)."""
    width: float
    height: float


def _spiral(k: int) -> tuple[np.ndarray, np.ndarray]:
    """``k`` points at equal spacing along an Archimedean spiral, scaled into the unit disc."""
    if k == 1:
        return np.zeros(1), np.zeros(1)
    i = np.arange(k, dtype=float) + 0.5
    theta = np.sqrt(4.0 * math.pi * i)  # equal arc length between consecutive points
    r = theta / theta[-1]
    return r * np.cos(theta), r * np.sin(theta)


def structural_layout(building: np.ndarray, grid: np.ndarray, width: float = 1000.0,
                      max_height: float = 820.0, margin: float = 8.0) -> Layout:
    """Lay residents out by building and micro-grid, as large as ``width`` × ``max_height`` allows.

    Args:
        building: building index of each resident (residents of a building contiguous).
        grid: micro-grid index of each resident.
        width: drawing width; the height follows from the arrangement (at most ``max_height``).
        margin: empty border in drawing units.
    """
    n = len(building)
    n_buildings = int(building.max()) + 1 if n else 0
    grid_of_building = np.zeros(n_buildings, dtype=np.int64)
    grid_of_building[building] = grid
    n_grids = max(int(grid_of_building.max()) + 1 if n_buildings else 1, 1)
    per_grid = np.bincount(grid_of_building, minlength=n_grids)
    b_max = max(int(per_grid.max()), 1)
    grid_label = LABEL_H if n_grids > 1 else 0.0

    # A micro-grid is a block of bc × br buildings; blocks are laid out gc × gr. Choose both
    # arrangements to make the buildings as large as possible.
    best = None
    for bc in range(1, b_max + 1):
        br = math.ceil(b_max / bc)
        for gc in range(1, n_grids + 1):
            gr = math.ceil(n_grids / gc)
            cell_w = (width - 2 * margin) / (gc * bc + (gc - 1) * GAP)
            cell_h = (max_height - 2 * margin - gr * (br * LABEL_H + grid_label)) / (gr * br + (gr - 1) * GAP)
            cell = min(cell_w, cell_h)
            if best is None or cell > best[0] + 1e-9:
                best = (cell, bc, br, gc, gr)
    cell, bc, br, gc, gr = best
    block_w = bc * cell
    block_h = grid_label + br * (cell + LABEL_H)
    total_w = gc * block_w + (gc - 1) * GAP * cell
    height = gr * block_h + (gr - 1) * GAP * cell + 2 * margin
    x0 = (width - total_w) / 2

    rank = np.zeros(n_buildings, dtype=np.int64)  # position of a building within its grid
    for g in range(n_grids):
        members = np.flatnonzero(grid_of_building == g)
        rank[members] = np.arange(len(members))
    g_col, g_row = np.arange(n_grids) % gc, np.arange(n_grids) // gc
    block_x = x0 + g_col * (block_w + GAP * cell)
    block_y = margin + g_row * (block_h + GAP * cell)
    grid_box = np.stack([block_x, block_y, np.full(n_grids, block_w), np.full(n_grids, block_h)], axis=1)
    b_col, b_row = rank % bc, rank // bc
    g = grid_of_building
    top = block_y[g] + grid_label + b_row * (cell + LABEL_H)  # top of each building's label band
    centres = np.stack([block_x[g] + (b_col + 0.5) * cell, top + LABEL_H + 0.5 * cell], axis=1)
    labels = np.stack([centres[:, 0], top + LABEL_H - 0.3 * LABEL_FONT], axis=1)
    radius_b = 0.46 * cell

    x = np.empty(n)
    y = np.empty(n)
    sizes = np.bincount(building, minlength=n_buildings)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    for b in range(n_buildings):  # one vectorised spiral per building (a dozen buildings at most)
        k = int(sizes[b])
        if k == 0:
            continue
        sx, sy = _spiral(k)
        sl = slice(starts[b], starts[b] + k)
        x[sl] = centres[b, 0] + radius_b * sx
        y[sl] = centres[b, 1] + radius_b * sy
    k_max = int(sizes.max()) if n_buildings else 1
    spacing = radius_b * math.sqrt(math.pi / max(k_max, 1))  # ~ distance between neighbouring dots
    dot = float(np.clip(0.42 * spacing, 1.2, 9.0))
    return Layout(x, y, dot, centres, radius_b, labels, grid_box, width, height)
