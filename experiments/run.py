"""Run one community under one scenario and write its results.

Usage::

    python -m experiments.run                                   # defaults (scenario/config.yaml)
    python -m experiments.run scenario=co_creation seed=3 steps=120
    python -m experiments.run scenario=top_down community=ageing
    python -m experiments.run -m scenario=top_down,co_creation seed='range(0,10)'   # sweep

Writes into Hydra's output directory: ``timeseries.parquet`` (one row per step),
``summary.json`` (final values, means over the last 12 steps, seed, scenario, version) and
the resolved config (``.hydra/config.yaml``). Prints the headline metrics and, last,
``results: <output dir>``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

import scenarios
from experiments import cli, io
from experiments.simulate import headline_table, simulate, summarise


def execute(cfg_dict: dict, out_dir: Path) -> dict:
    """Validate, simulate and write one run; return its summary."""
    cfg = cli.model_config(cfg_dict)
    ts = simulate(cfg)
    summary = summarise(ts, cfg, cfg.seed)
    io.write_parquet(ts, out_dir / "timeseries.parquet")
    io.write_json(summary, out_dir / "summary.json")
    return summary


@hydra.main(version_base="1.3", config_path=str(scenarios.CONFIG_DIR), config_name="config")
def _main(cfg: DictConfig) -> None:
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    summary = execute(OmegaConf.to_container(cfg, resolve=True), out_dir)
    print(headline_table(summary))
    print(f"results: {out_dir}")


def main() -> None:
    argv = sys.argv[1:]
    cli.precheck(argv, {"scenario": "", "community": ""})
    cli.precompose(argv)
    _main()


if __name__ == "__main__":
    main()
