"""Validate the laboratory game against the published regularities: measure and print them.

Usage::

    python -m experiments.lab_validation            # 20 sessions per game
    python -m experiments.lab_validation sessions=50

Plays each game of :data:`GAMES` (the default design of ``scenarios/lab/config.yaml`` with a
few changes) over sessions with seeds 0…N−1 and prints the mean contribution share per round,
then the figures the tests check (``tests/test_lab.py``) next to the published facts
(docs/lab.md).
"""

from __future__ import annotations

import numpy as np

from experiments.command_line import Option
from experiments.study import Study
from model import lab

GAMES: dict[str, dict] = {
    "default (FG 2010 design)": {},
    "punishment (1:3)": {"punishment.enabled": True},
    "punishment, partner": {"punishment.enabled": True, "matching": "partner"},
    "MPCR 0.75": {"mpcr": 0.75},
    "MPCR 0.3": {"mpcr": 0.3},
    "groups of 10, MPCR 0.4": {"group_size": 10, "groups": 14},
    "communication": {"communication": True},
}


def measure(sessions: int) -> dict[str, np.ndarray]:
    """Mean contribution share by session (rows) and round (columns), for each game."""
    base = lab.config_from_dict({})
    out = {}
    for name, changes in GAMES.items():
        cfg = lab.with_overrides(base, **changes)
        out[name] = np.array([lab.play(cfg, rng=s)["mean_contribution_share"].to_numpy() for s in range(sessions)])
    return out


def report(results: dict[str, np.ndarray]) -> str:
    rounds = next(iter(results.values())).shape[1]
    n = next(iter(results.values())).shape[0]
    lines = [f"mean contribution share of the endowment, by round (mean of {n} sessions of 144 players)",
             f"{'game':<26}" + "".join(f"{r:>7}" for r in range(1, rounds + 1)) + f"{'all':>8}"]
    for name, g in results.items():
        lines.append(f"{name:<26}" + "".join(f"{v:7.3f}" for v in g.mean(axis=0)) + f"{g.mean():8.3f}")
    d, p = results["default (FG 2010 design)"], results["punishment (1:3)"]
    first = d[:, 0]
    se = first.std(ddof=1) / np.sqrt(n)
    size_effect = results["groups of 10, MPCR 0.4"].mean() - d.mean()
    lines += [
        "",
        "fact (source)                                              measured",
        f"round 1 gives 40–60% (Ledyard 1995)                        {first.mean():.3f} ± {1.96 * se:.3f} (95% CI)",
        f"decay, never to zero (Ledyard 1995; FG 2010)               round 10: {d[:, -1].mean():.3f}; "
        f"lowest session {d[:, -1].min():.3f}",
        f"punishment: rise, end high (Fehr & Gächter 2000)           round 1 {p[:, 0].mean():.3f} → round 10 "
        f"{p[:, -1].mean():.3f} (no punishment {d[:, -1].mean():.3f})",
        f"higher MPCR, higher contributions (Zelmer 2003)            MPCR 0.3/0.4/0.75: "
        f"{results['MPCR 0.3'].mean():.3f} / {d.mean():.3f} / {results['MPCR 0.75'].mean():.3f}",
        f"group size alone changes little (Isaac & Walker 1988)      10 vs 4 players: {size_effect:+.3f}",
        f"communication raises contributions (Zelmer 2003)           {results['communication'].mean() - d.mean():+.3f}",
    ]
    return "\n".join(lines)


class LabValidation(Study):
    """The games of :data:`GAMES` over sessions 0…N−1; printed beside the published facts."""

    prog = "experiments.lab_validation"
    options = {"sessions": Option(20, int, "sessions per game (seeds 0…N−1)", range=(2, 10_000))}
    overrides_allowed = False

    def arms(self) -> list[dict]:
        return []  # the games of GAMES, played by measure(): no model runs

    def tables(self, job, specs, outcomes) -> dict:
        return measure(self.opts["sessions"])

    def report(self, tables, failures) -> None:
        print(report(tables))


def main(argv: list[str] | None = None) -> int:
    """Measure and print the lab regularities; return the exit code (0)."""
    return LabValidation().main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
