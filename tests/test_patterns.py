"""Pattern over replications: co-creation beats top-down in the default community.

20 seeds per scenario, 120 months (the runs of the calibration patterns, shared through the
session fixture ``pattern_results``: ``make test-slow``); 4 seeds for participation and trust in
``make test`` (``few_pattern_results``). The claim is tested on the mean over the last 12 months
of each run: the difference of means must exceed zero by more than three standard errors
(a one-sided test at far below 1% if runs were normal; the observed margins are much larger).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import FEW, PATTERNS


@pytest.mark.replicated
@pytest.mark.xdist_group(PATTERNS)
@pytest.mark.parametrize("metric", ["participation_rate", "trust_in_government", "need_fit"])
def test_co_creation_ends_higher_than_top_down(pattern_results, metric):
    higher_by_three_standard_errors(pattern_results, metric, 20)


@pytest.mark.slow
@pytest.mark.xdist_group(FEW)
@pytest.mark.parametrize("metric", ["participation_rate", "trust_in_government"])
def test_co_creation_ends_higher_than_top_down_over_a_few_seeds(few_pattern_results, metric):
    """The representative of the test above in ``make test`` (need fit needs the 20 seeds)."""
    higher_by_three_standard_errors(few_pattern_results, metric, 4)


def higher_by_three_standard_errors(results, metric: str, n: int) -> None:
    co = np.array([r[f"final_{metric}"] for r in results["co_creation"]])
    td = np.array([r[f"final_{metric}"] for r in results["top_down"]])
    assert len(co) == len(td) == n
    diff = co.mean() - td.mean()
    se = np.sqrt(co.var(ddof=1) / len(co) + td.var(ddof=1) / len(td))
    assert diff > 3 * se, f"{metric}: co-creation {co.mean():.3f} vs top-down {td.mean():.3f} (se {se:.3f})"
