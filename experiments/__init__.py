"""Entry points: configs in, runs and result tables out (``python -m experiments.<name>``)."""
