"""Pattern over replications: co-creation beats top-down in the default community.

20 seeds per scenario, 120 months (the runs of the calibration patterns, shared through the
session fixture ``pattern_results``). The claim is tested on the mean over the last 12 months
of each run: the difference of means must exceed zero by more than three standard errors
(a one-sided test at far below 1% if runs were normal; the observed margins are much larger).
"""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.slow
@pytest.mark.parametrize("metric", ["participation_rate", "trust_in_government", "need_fit"])
def test_co_creation_ends_higher_than_top_down(pattern_results, metric):
    co = np.array([r[f"final_{metric}"] for r in pattern_results["co_creation"]])
    td = np.array([r[f"final_{metric}"] for r in pattern_results["top_down"]])
    assert len(co) == len(td) == 20
    diff = co.mean() - td.mean()
    se = np.sqrt(co.var(ddof=1) / len(co) + td.var(ddof=1) / len(td))
    assert diff > 3 * se, f"{metric}: co-creation {co.mean():.3f} vs top-down {td.mean():.3f} (se {se:.3f})"
