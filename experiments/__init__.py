"""Entry points: configs in, runs and result tables out (``python -m experiments.<name>``).

Follow one experiment from the command line to a table:

1. ``command_line``: the one grammar (Hydra's override syntax, parsed once by Hydra's parser), the
   declared options, one-line errors (exit 2);
2. ``study``: the seam every study is built on (parse → arms → size check → specs → manifest →
   execute → write → close); the studies are ``compare``, ``sensitivity``, ``calibrate`` (with the
   criteria of ``patterns``), ``attribute``, ``ema``, ``robustness``, ``ensemble``, ``lab_validation``;
3. ``runner``: the one runner — run specs, the run store, execution on every back-end (serial,
   joblib, Ray, submitit), job manifests, failure reports.

The Hydra apps ``run`` (one run; ``-m``: a sweep, ``sweep`` its callback, ``collect`` its table,
``objective`` a value for sweepers) and ``lab`` (the laboratory game) run their jobs through the same
runner; ``api`` is the Python entry point for other tools; ``benchmark`` and ``odd_tables`` measure
and document. Statistics: ``analysis.stats``. What the jobs write is specified in ``docs/results.md``.
"""
