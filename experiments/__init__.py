"""Entry points: configs in, runs and result tables out (``python -m experiments.<name>``).

``run`` (one run; ``-m``: a Hydra sweep), ``compare`` (scenarios over replications),
``sensitivity`` (SALib), ``collect`` (a sweep's job directories into one table). Behind them:
``store`` (per-run results keyed by config hash and seed), ``engine`` (parallel, resumable
execution), ``stats`` (CIs and effect sizes), ``sweep`` (the Hydra multirun callback). What
the jobs write is specified in ``docs/results.md``.
"""
