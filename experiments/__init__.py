"""Entry points: configs in, runs and result tables out (``python -m experiments.<name>``).

``run`` (one run; ``-m``: a Hydra sweep), ``compare`` (scenarios over replications),
``sensitivity`` (SALib), ``calibrate`` (the patterns), ``collect`` (a sweep's job directories
into one table). Behind them: ``engine`` (the one runner: parallel, resumable execution on
serial, joblib, Ray or submitit), ``store`` (per-run results keyed by config hash and seed),
``jobs`` (manifest, launcher options, failure report), ``options`` (the one key=value parser),
``sweep`` (the Hydra multirun callback). Statistics: ``analysis.stats``. What the jobs write is
specified in ``docs/results.md``.
"""
