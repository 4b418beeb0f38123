"""Play the laboratory public-goods game with the residents' decision rule.

Usage::

    python -m experiments.lab                                  # defaults (scenarios/lab/config.yaml)
    python -m experiments.lab punishment.enabled=true          # with a punishment stage
    python -m experiments.lab mpcr=0.75 group_size=10 matching=partner communication=true seed=3
    python -m experiments.lab -m seed='range(0,10)' punishment.enabled=false,true   # Hydra multirun

Writes ``lab.csv`` (one row per round: ``round``, ``mean_contribution`` in tokens,
``mean_contribution_share`` of the endowment, ``contribution_share_<type>`` by player type,
``mean_belief``, ``mean_payoff``, ``punishment_points``, ``punished_share``) and the resolved
config (``.hydra/config.yaml``) into Hydra's output directory; prints the per-round table and,
last, ``results: <output dir>``. A bad value ends the run before it starts, with one line
naming the key and what is allowed, and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

import scenarios
from experiments import runner
from experiments.command_line import fail, first_line, hydra_command_line, hydra_help, usage_examples
from model import lab
from model.params import ConfigError

CONFIG_DIR = scenarios.CONFIG_DIR / "lab"
ConfigStore.instance().store(name="lab_schema", node=lab.LabConfig)


def lab_config(data: dict) -> lab.LabConfig:
    """Validate a composed config dict into a LabConfig, or exit 2 with a one-line error."""
    try:
        return lab.config_from_dict({k: v for k, v in data.items() if k != "hydra"})
    except ConfigError as exc:
        fail(str(exc))


def compose(overrides: list[str] | None = None) -> dict:
    """The lab config composed from ``scenarios/lab/config.yaml`` and Hydra-syntax overrides."""
    return scenarios.compose(CONFIG_DIR, overrides or [])


def precompose(overrides: list, allow_large: bool = False) -> None:
    """For a single job: compose and validate the config (the command line's overrides, parsed) and
    check its size (:func:`model.lab.check_size`) before Hydra starts (one-line errors)."""
    try:
        data = compose([o.input_line for o in overrides if not o.key_or_group.startswith("hydra")])
    except Exception as exc:  # composition/type errors from Hydra/OmegaConf
        fail(first_line(exc))
    try:
        lab.check_size(lab_config(data), allow_large=allow_large)
    except ConfigError as exc:
        fail(str(exc))


def table(df: pd.DataFrame) -> str:
    """The per-round table as plain text: tokens and shares by round and player type."""
    cols = ["round", "mean_contribution", "mean_contribution_share"] + [
        f"contribution_share_{t}" for t in lab.TYPE_NAMES]
    if df["punishment_points"].any():
        cols += ["punishment_points", "punished_share"]
    short = {"mean_contribution": "tokens", "mean_contribution_share": "share",
             "contribution_share_conditional_cooperator": "cond_coop", "contribution_share_free_rider": "free_rider",
             "contribution_share_unconditional_cooperator": "uncond_coop",
             "contribution_share_hump_shaped": "hump_shaped", "punishment_points": "pun_points",
             "punished_share": "punished"}
    view = df[cols].rename(columns=short)
    return view.to_string(index=False, float_format=lambda v: f"{v:.3f}")


ALLOW_LARGE = False
"""``allow_large=true`` on the command line (see :func:`main`): the session's size was checked before Hydra started."""


def execute(cfg_dict: dict, out_dir: Path) -> pd.DataFrame:
    """Validate, play and write one session; return its per-round table."""
    cfg = lab_config(cfg_dict)
    df = lab.play(cfg, allow_large=ALLOW_LARGE)
    runner.write_csv(df, out_dir / "lab.csv")
    return df


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _main(cfg: DictConfig) -> None:
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    data = OmegaConf.to_container(cfg, resolve=True)
    df = execute(data, out_dir)
    c = lab_config(data)
    pun = "on" if c.punishment.enabled else "off"
    print(f"public-goods game: {c.groups} groups of {c.group_size}, MPCR {c.mpcr:g}, endowment {c.endowment:g} "
          f"tokens, {c.matching} matching, punishment {pun}, communication {'on' if c.communication else 'off'}, "
          f"seed {c.seed}")
    print("contribution: mean tokens, share of the endowment, share by player type")
    print(table(df))
    print(f"results: {out_dir}")


def main() -> None:
    """``python -m experiments.lab``: check the command line (one line, exit 2 on bad input), then run Hydra."""
    hydra_help(sys.argv[1:], "experiments.lab", compose, lab.LabConfig, {}, usage_examples(__doc__))
    global ALLOW_LARGE
    line = hydra_command_line(sys.argv[1:])
    ALLOW_LARGE = line.allow_large
    if not any(a.startswith("-") for a in line.argv):  # a single session (no -m, no Hydra flags)
        precompose(line.overrides, ALLOW_LARGE)
    sys.argv = [sys.argv[0], *line.argv]  # without allow_large, which is not a config key
    _main()


if __name__ == "__main__":
    main()
