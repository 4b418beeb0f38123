"""Communities differ as real ones do: the uncertain quantities of a community, drawn per seed.

What is uncertain about a community — its budget per resident, its organisations' capacity, its leader's
quality and KPI pressure, its grid workers' load, initial trust, the density of its ties — is drawn once per
run from the distributions its community file states (``variation.<quantity>``: the standard deviation around
the value the config gives; :data:`model.config.VARIED` maps each to its config key), so replications are
different communities, not the same one re-rolled:

- a share (a key declared 0–1) is Beta-distributed with that mean and sd (the sd reduced to the largest a Beta
  with that mean allows);
- a positive amount is Gamma-distributed with that mean and sd, clipped to the key's range.

Each quantity is the inverse CDF of one uniform number from the stream ``community.variation`` (one per
quantity, in the order of :data:`model.config.VARIED`, drawn whether or not its sd is 0): two scenarios run with
the same seed get the same quantile of each quantity, i.e. the same community (common random numbers), even
where a scenario moves a quantity's mean (co-creation's lighter administrative load). ``variation.enabled =
false`` fixes every quantity at its mean, for paired mechanism tests.

Source of the idea: model ensembles over structural uncertainty (Lempert, Popper & Bankes 2003; EMA Workbench);
the ranges are each community file's, with their reasons.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import stats

from model.config import VARIED, from_dict, get_dotted, set_dotted, to_dict
from model.params import iter_params

STREAM = "community.variation"


def _meta(key: str) -> dict:
    from model.config import ModelConfig

    for k, meta, _ in iter_params(ModelConfig):
        if k == key:
            return meta
    raise KeyError(key)  # pragma: no cover - VARIED names schema keys (tested)


def quantile(mean: float, sd: float, u: float, meta: dict) -> float:
    """The ``u``-quantile (0–1) of the distribution of a quantity with ``mean`` and ``sd`` (module docstring)."""
    low, high = meta.get("range", (None, None))
    if sd <= 0 or mean <= 1e-12 * sd:  # no spread, or a mean too small to have a distribution around it
        return mean
    if meta.get("unit") == "share" or (low == 0.0 and high == 1.0):
        if mean >= 1:
            return mean
        var = min(sd * sd, 0.98 * mean * (1 - mean))
        k = mean * (1 - mean) / var - 1
        value = float(stats.beta.ppf(u, mean * k, (1 - mean) * k))
    else:
        shape = (mean / sd) ** 2
        value = float(stats.gamma.ppf(u, shape, scale=mean / shape))
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


def draw(cfg, streams):
    """The community of this run: ``cfg`` with every varied quantity drawn (module docstring).

    Returns:
        (config, drawn): the config with the drawn values (validated), and ``{config key: value}`` of the
        quantities whose sd is above 0 (empty when ``variation.enabled`` is false).
    """
    v = cfg.variation
    u = streams.get(STREAM).random(len(VARIED))
    if not v.enabled or not any(getattr(v, name) > 0 for name in VARIED):
        return cfg, {}
    data = to_dict(cfg)
    drawn = {}
    for k, (name, key) in enumerate(VARIED.items()):
        sd = getattr(v, name)
        if sd <= 0:
            continue
        value = quantile(float(get_dotted(data, key)), float(sd), float(u[k]), _meta(key))
        set_dotted(data, key, value)
        drawn[key] = value
    out = from_dict(data)
    return dataclasses.replace(out, seed=cfg.seed), drawn
