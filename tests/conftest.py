"""Shared fixtures and helpers for cogov's tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.community import CommunityModel

ROOT = Path(__file__).resolve().parents[1]

SLOW_MODULES = {"test_docking", "test_app_browser", "test_benchmark", "test_mechanisms", "test_free_rider_demo",
                "test_streams", "test_hardening", "test_store_hardening", "test_api", "test_ema", "test_objective",
                "test_classroom_browser", "test_institutions", "test_parameters", "test_estate",
                "test_life_course", "test_ties"}
"""Test modules that are slow as a whole: docking against the reference model, the browser, the
benchmark, the mechanisms' and the free-rider demo's replicated runs, the paired-stream replications,
the hardening fuzz over every numeric key and the store's subprocess jobs, the API's, EMA's and the Optuna sweeper's runs,
the classroom in the browser, the institutions' replicated decisions, the sweep over every parameter and the
estate's replicated fee spirals and lift projects, and the ties' paired counterfactuals."""
SLOW_TESTS = {
    # more than ~2 s each on this machine (pytest --durations): subprocesses (Python + Hydra start-up), many runs
    "test_config::test_every_scenario_and_community_file_composes_and_validates",
    "test_config::test_cli_shows_the_warning_as_one_line",
    "test_config::test_numpy_scalars_give_the_same_config_as_python_values",
    "test_config::test_the_three_override_paths_rescale_the_same_way",
    "test_config::test_cli_rejects_bad_config_with_exit_code_2_and_one_line",
    "test_config::test_python_api_composes_the_same_config_as_the_cli",
    "test_invariants::test_state_and_metrics_stay_in_range",
    "test_determinism::test_cli_runs_in_separate_processes_write_identical_timeseries",
    "test_rules::test_real_consultation_builds_what_residents_need",
    "test_lab::test_cli_writes_lab_csv_prints_the_table_and_ends_with_results_line",
    "test_lab::test_cli_rejects_bad_lab_config_with_exit_code_2_and_one_line",
    "test_app::test_presets_and_scenarios_load_their_levers",
    "test_docs::test_committed_odd_tables_are_what_the_code_generates",
    "test_docs::test_odd_tables_list_every_parameter_with_its_source",
    "test_report::test_a_compare_job_with_window_24_is_reported_over_24_months_everywhere",
    "test_report::test_sensitivity_report",
    "test_experiments_compare::test_a_job_killed_part_way_resumes_with_only_the_rest_and_identical_results",
    "test_experiments_compare::test_submitit_local_launcher_gives_identical_tables_with_its_files_under_the_job_dir",
    "test_experiments_compare::test_joblib_workers_give_identical_tables",
    "test_experiments_sensitivity::test_sobol_writes_samples_indices_and_manifest",
    "test_experiments_sweep::test_a_failing_run_is_recorded_and_the_sweep_ends_with_exit_1_and_the_list",
    "test_experiments_sweep::test_a_task_of_its_own_is_not_reported_as_interrupted",
    "test_experiments_sweep::test_submitit_slurm_config_composes_for_the_official_plugin",
    "test_calibration::test_replications_do_not_depend_on_the_number_of_jobs",
    "test_calibration::test_calibrate_passes_with_exit_0_keeps_its_runs_and_resumes",
    "test_calibration::test_calibrate_fails_with_exit_1_when_an_override_breaks_a_criterion",
    "test_calibration::test_calibrate_rejects_bad_options_with_one_line_and_exit_code_2",
    "test_run_cli::test_run_writes_timeseries_summary_and_config_and_ends_with_results_line",
    "test_run_cli::test_every_entry_point_lists_its_keys_on_help",
    "test_run_cli::test_a_bad_option_is_one_line_and_exit_2",
    # policy analysis (issue 16): subprocess jobs
    "test_attribute::test_coverage_check_names_an_uncovered_key_and_a_key_that_does_not_differ",
    "test_attribute::test_cli_writes_the_tables_of_a_small_attribution",
    "test_robustness::test_prim_finds_a_planted_box_of_failures",
    "test_robustness::test_small_job_writes_regret_with_a_zero_for_each_world_and_outcome",
    "test_robustness::test_worlds_from_a_posterior_table_are_the_rows_drawn",
    "test_robustness::test_bad_design_and_worlds_are_one_line_and_exit_2",
    "test_ensemble::test_abc_posterior_of_a_toy_problem_covers_the_true_value",
    "test_ensemble::test_a_tiny_ensemble_job_writes_a_weighted_posterior_within_the_priors",
}
"""Single slow tests (``<module>::<function>``, every parameter) of modules that are otherwise fast."""
SLOW_FIXTURES = {"pattern_results", "local_ray", "compare_report", "sweep_report", "sobol_report", "morris_report",
                 "serial_sweep", "estate_report"}
"""Fixtures that make a test slow: the 20-seed calibration runs, Ray, built reports, Hydra sweeps."""


def pytest_collection_modifyitems(config, items):
    """Mark the slow tests (``make test-fast`` runs ``-m "not slow"``): those of :data:`SLOW_MODULES`,
    :data:`SLOW_TESTS` and those using one of :data:`SLOW_FIXTURES`."""
    for item in items:
        module = getattr(item, "module", None)
        name = module.__name__.rsplit(".", 1)[-1] if module else ""
        test = f"{name}::{getattr(item, 'originalname', item.name)}"
        if name in SLOW_MODULES or test in SLOW_TESTS or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m <args>`` from the repository root and capture its output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd or ROOT, env=env, text=True,
                          capture_output=True, timeout=timeout)


FIXED_COMMUNITY = {"variation.enabled": False}
"""The community's uncertain quantities at their means (model.variation): paired mechanism tests compare levers in
one community, not across the communities seeds would draw."""


def run_model(scenario: str = "co_creation", community: str = "default", seed: int = 0, steps: int = 24,
              **overrides) -> CommunityModel:
    """Build and step a model, its community fixed at its means unless ``variation.enabled`` is given."""
    m = CommunityModel(scenario_name=scenario, community=community, rng=seed, **{**FIXED_COMMUNITY, **overrides})
    for _ in range(steps):
        m.step()
    return m


def mean_and_se(values) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v)))


@pytest.fixture(scope="session")
def small_model() -> CommunityModel:
    """A default co-creation community after two years (read-only use)."""
    return run_model(steps=24, seed=11)


PATTERN_SEEDS = range(20)
"""Replications of the calibration patterns in the tests (the same as ``experiments.calibrate``)."""


@pytest.fixture(scope="session")
def pattern_results():
    """Every arm of the calibration patterns, 20 seeds × 120 months, run once per test session
    (on 2 cores): measures by arm, in seed order (:func:`experiments.patterns.replicate`)."""
    from experiments import patterns

    return patterns.replicate(patterns.arms_needed(patterns.CHECKS), PATTERN_SEEDS, n_jobs=2)
