"""Result tables in, figures and reports out (``python -m analysis.report results=<dir>``).

Modules:
    palette   one colour per scenario (colour-blind-safe), used by every figure
    metrics   labels, units and number formats of the model's metrics
    stats     confidence intervals, differences to the baseline, per-run outcomes
    results   reading a results directory (manifest and tables)
    figures   time series, age groups, sweeps, sensitivity indices
    network   the social-capital graph of a representative run
    report    the self-contained HTML report and its command line
"""
