"""Entry points: configs in, runs and result tables out (``python -m experiments.<name>``).

Follow one experiment from the command line to a table:

1. ``command_line``: the one grammar (Hydra's override syntax, parsed once by Hydra's parser), the
   declared options, one-line errors (exit 2);
2. ``study``: the seam every study is built on (parse → arms → size check → specs → manifest →
   execute → write → close); the studies are ``compare``, ``sensitivity``, ``calibrate`` (with the
   criteria of ``patterns``), ``attribute``, ``ema``, ``robustness``, ``ensemble``, ``lab_validation``;
3. ``runner``: the one runner — run specs, the run store, execution on every back-end (serial,
   joblib, Ray, submitit), job manifests, failure reports.

The Hydra apps ``run`` (``-m``: a sweep; ``sweep``, ``collect``, ``objective``) and ``lab`` run through the
same runner; ``api`` serves other tools; ``benchmark`` and ``odd_tables`` measure and document. What the
jobs write: ``docs/results.md``.
"""
