"""Residents' contribution decision: the public-goods choice at the heart of free riding.

The same functions drive residents in the community model and players in the laboratory
public-goods game (:mod:`model.lab`, run by ``python -m experiments.lab``), so the community inherits the laboratory
regularities (Ledyard 1995; Fischbacher, Gächter & Fehr 2001; Fischbacher & Gächter 2010).

A decision-maker ``i`` holds a belief ``b_i`` (0–1) about the share others contribute and a
disposition that maps the belief to a preferred share ``T_i(b_i)``:

=========================  ==============================================
disposition                preferred share ``T_i(b)``
=========================  ==============================================
conditional cooperator     ``s_i · b`` (matching slope ``s_i`` < 1: imperfect matching)
free rider                 ``0``
unconditional cooperator   ``u_i`` (a high share whatever others do)
hump-shaped                ``s_i · min(b, 1 - b)`` (matches up to half, then gives less)
=========================  ==============================================

The contribution share is then

    base_i = m_i · T_i(b_i) − κ · k_i
    c_i    = clip( max( base_i + π_i · max(n_i − base_i, 0) + ε_i , f_i ), 0, 1 )

with motivation ``m_i`` (0–1: opportunity × engagement in the community, 1 in the
laboratory), net private cost per unit ``k_i`` (time cost minus incentives; ``1 − MPCR``
relative to the reference game in the laboratory), cost sensitivity ``κ``, a pull ``π_i``
(0–1, from expected sanctions or reputation) up to the norm ``n_i``, a committed floor
``f_i`` (volunteers, leaders), and noise ``ε_i ~ N(0, σ²)``.

Peer sanctions (Fehr & Gächter 2000) follow one rule, :func:`sanction_intensity`, in the
community (sanctions mechanism) and the laboratory game (punishment stage): only those who
gave at least the norm sanction, only those who gave less are sanctioned, and a sanction
grows with the shortfall ``norm − c_j`` until it is full at ``full_at`` (0: any shortfall is
sanctioned in full). A sanctioned decision-maker learns a perceived sanction risk (updated
like a belief, :func:`update_belief`) that becomes the pull ``π_i`` towards the norm.

After everyone has contributed, beliefs move towards what was observed:
``b_i ← b_i + λ (o_i − b_i)``, where ``o_i`` is the mean contribution of ``i``'s neighbours
(community: tie-strength weighted) or group partners (laboratory). Because ``s_i < 1``,
conditional cooperators give a little less than they see, and contributions decay unless
something (sanctions, incentives, leaders) holds them up.
"""

from __future__ import annotations

import numpy as np

from model.population import CONDITIONAL, FREE_RIDER, HUMP_SHAPED, UNCONDITIONAL


def preferred_share(disposition: np.ndarray, matching_slope: np.ndarray,
                    unconditional_level: np.ndarray, belief: np.ndarray) -> np.ndarray:
    """Share each decision-maker would give, by disposition, given the belief about others (0–1)."""
    # Every rule is computed for everyone and weighted by a 0/1 indicator of the disposition
    # (exactly the value of the resident's own rule; branch-free, see model.arrays).
    assert FREE_RIDER not in (CONDITIONAL, HUMP_SHAPED, UNCONDITIONAL)  # free riders: 0
    belief = np.asarray(belief, dtype=float)
    out = matching_slope * belief
    out *= disposition == CONDITIONAL
    hump = matching_slope * np.minimum(belief, 1.0 - belief)
    hump *= disposition == HUMP_SHAPED
    out += hump
    out += np.multiply(unconditional_level, disposition == UNCONDITIONAL)
    return out


def contribution_share(preferred: np.ndarray, *, motivation: np.ndarray | float = 1.0,
                       net_cost: np.ndarray | float = 0.0, cost_sensitivity: float = 1.0,
                       norm_pull: np.ndarray | float = 0.0, norm: np.ndarray | float = 0.0,
                       floor: np.ndarray | float = 0.0, noise: np.ndarray | float = 0.0) -> np.ndarray:
    """Share of the endowment (time budget) contributed, 0–1. See the module docstring."""
    base = preferred * motivation - cost_sensitivity * net_cost
    c = base + norm_pull * np.maximum(norm - base, 0.0) + noise
    return np.clip(np.maximum(c, floor), 0.0, 1.0)


def update_belief(belief: np.ndarray, observed: np.ndarray, rate: float) -> np.ndarray:
    """Move beliefs a share ``rate`` (0–1) of the way towards what was observed; in place."""
    belief += rate * (observed - belief)
    return belief


def sanction_intensity(sanctioner: np.ndarray, target: np.ndarray, norm: np.ndarray | float, *,
                       full_at: float = 0.0) -> np.ndarray:
    """How strongly a sanctioner sanctions a target, 0–1 (Fehr & Gächter 2000).

    Args:
        sanctioner: the sanctioner's contribution share (0–1).
        target: the target's contribution share (0–1).
        norm: the contribution share expected (0–1): only sanctioners who gave at least this
            much sanction, and only targets who gave less are sanctioned.
        full_at: shortfall ``norm − target`` (share of the endowment, 0–1) at which the sanction
            is full; below it the sanction grows in proportion. 0: any shortfall in full.

    Returns:
        Intensity per (sanctioner, target) pair, 0–1 (broadcast of the inputs).
    """
    shortfall = norm - target
    hit = (sanctioner >= norm) & (shortfall > 0)
    if full_at <= 0:
        return hit.astype(float)
    return np.where(hit, np.minimum(shortfall / full_at, 1.0), 0.0)
