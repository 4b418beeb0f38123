"""Figures of a results directory: time series, age groups, sweeps, sensitivity indices.

Every function takes tidy tables and the report's scenario → colour mapping and returns a
matplotlib Figure; :func:`save` writes it as PNG and SVG and returns the PNG bytes for
embedding. Shares are plotted in percent; every axis names its unit.
"""

from __future__ import annotations

import io
import math
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter, MultipleLocator  # noqa: E402

from analysis import stats  # noqa: E402
from analysis.labels import AGE_METRICS, HEADLINE, metric  # noqa: E402
from analysis.palette import NEUTRAL, SEQUENTIAL  # noqa: E402

STYLE = {
    "font.size": 11,
    "axes.titlesize": 11.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 10.5,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.fontsize": 10.5,
    "figure.titlesize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.7,
    "axes.axisbelow": True,
    "svg.fonttype": "none",
    "figure.dpi": 100,
}
DPI = 130
"""Resolution of the PNG files (and of the images embedded in the report)."""


@contextmanager
def style():
    """The report's matplotlib style (readable fonts, light grid, no top/right spines)."""
    with plt.rc_context(STYLE):
        yield


@dataclass
class Saved:
    """A figure written beside the report."""

    stem: str
    png: Path
    svg: Path
    png_bytes: bytes


def save(fig, out_dir: Path, stem: str) -> Saved:
    """Write ``<stem>.png`` and ``<stem>.svg`` into ``out_dir``; close the figure."""
    out_dir.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    png = out_dir / f"{stem}.png"
    png.write_bytes(buf.getvalue())
    svg = out_dir / f"{stem}.svg"
    fig.savefig(svg, format="svg", bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return Saved(stem, png, svg, buf.getvalue())


def _grid(n: int, ncols: int = 3, panel=(4.3, 3.0)):
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows + 0.6),
                             squeeze=False, layout="constrained")
    flat = axes.ravel()
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _month_axis(ax, steps: int) -> None:
    ax.xaxis.set_major_locator(MultipleLocator(24 if steps > 72 else 12 if steps > 24 else 6))
    ax.set_xlim(0, steps)


def _units(ax, m) -> None:
    """Thousands separators on money and count axes."""
    if m.kind in ("yuan", "count"):
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 10 else f"{v:g}"))


def _legend(fig, colours: dict[str, str], title: str = "Scenario") -> None:
    handles = [plt.Line2D([], [], color=c, lw=2.5) for c in colours.values()]
    fig.legend(handles, list(colours), title=title, loc="outside upper right", ncols=min(len(colours), 6),
               frameon=False)


def _bands(ax, ts: pd.DataFrame, name: str, colours: dict[str, str]) -> None:
    """Per scenario: mean line and 95% band over replications, truncated to the metric's bounds;
    months where the metric is undefined in more than half of the runs are left out."""
    m = metric(name)
    b = stats.band(ts, ["scenario"], name)
    runs = ts.groupby("scenario")["seed"].nunique()
    for s, colour in colours.items():
        d = b[b["scenario"] == s]
        if d.empty:
            continue
        enough = d["n"] >= max(1, runs.get(s, 1) / 2)
        mean = d["mean"].where(enough)
        low, high = m.clip(d["low"].where(enough)), m.clip(d["high"].where(enough))
        ax.fill_between(d["step"], low * m.scale, high * m.scale, color=colour, alpha=0.22, lw=0)
        ax.plot(d["step"], mean * m.scale, color=colour, lw=1.8)


def timeseries(ts: pd.DataFrame, metrics: list[str], colours: dict[str, str], title: str,
               window: int):
    """Small multiples: each metric over months, per scenario the mean over replications with its
    95% confidence band; the shaded strip marks the last ``window`` months the table averages."""
    steps = int(ts["step"].max())
    fig, axes = _grid(len(metrics))
    for ax, name in zip(axes, metrics):
        m = metric(name)
        _bands(ax, ts, name, colours)
        ax.axvspan(max(steps - window, 0), steps, color="#f1f1f1", zorder=0, lw=0)
        ax.set_title(m.label, loc="left")
        ax.set_ylabel(m.unit)
        _units(ax, m)
        ax.set_xlabel("Month")
        _month_axis(ax, steps)
    fig.suptitle(title, x=0.01, ha="left")
    _legend(fig, colours)
    return fig


def spread(outcomes: pd.DataFrame, metrics: list[str], colours: dict[str, str], title: str,
           scenarios: list[str] | None = None):
    """Small multiples: each metric's run outcomes (one dot a run, jittered) per scenario, with the middle half of
    the runs as a box and the 5th–95th percentiles as whiskers: the spread across seeds (different communities
    where the community's uncertain quantities are drawn per seed), not only the mean."""
    scen = scenarios or list(dict.fromkeys(outcomes["scenario"]))
    fig, axes = _grid(len(metrics))
    rng = np.random.default_rng(0)  # jitter only (a drawing, not the model)
    for ax, name in zip(axes, metrics):
        m = metric(name)
        for k, s in enumerate(scen):
            v = outcomes.loc[outcomes["scenario"] == s, name].to_numpy(dtype=float) * m.scale
            v = v[np.isfinite(v)]
            if not len(v):
                continue
            lo, q1, q3, hi = np.percentile(v, [5, 25, 75, 95])
            colour = colours.get(s, "#666666")
            ax.add_patch(plt.Rectangle((k - 0.3, q1), 0.6, q3 - q1, fill=False, edgecolor=colour, lw=1.2))
            ax.plot([k, k], [lo, q1], color=colour, lw=1)
            ax.plot([k, k], [q3, hi], color=colour, lw=1)
            ax.plot([k - 0.3, k + 0.3], [np.median(v)] * 2, color=colour, lw=2)
            ax.scatter(k + rng.uniform(-0.22, 0.22, len(v)), v, s=9, color=colour, alpha=0.55, lw=0)
        ax.set_xticks(range(len(scen)), [s.replace("_", " ") for s in scen], rotation=20, ha="right")
        ax.set_xlim(-0.6, len(scen) - 0.4)
        ax.set_title(m.label, loc="left")
        ax.set_ylabel(m.unit)
        _units(ax, m)
    fig.suptitle(title, x=0.01, ha="left")
    return fig


def age_groups(ts: pd.DataFrame, colours: dict[str, str], window: int):
    """Participation by age group: the last-``window``-month mean per scenario (bars with 95%
    intervals), and each age group's participation over time (mean and 95% band)."""
    present = [a for a in AGE_METRICS if a in ts]
    steps = int(ts["step"].max())
    fig, axes = _grid(1 + len(present), ncols=2, panel=(5.6, 3.5))
    ax = axes[0]
    outcomes = stats.run_outcomes(ts[["scenario", "seed", "step", *present]], ["scenario", "seed"], window)
    width = 0.8 / max(len(colours), 1)
    for k, (s, colour) in enumerate(colours.items()):
        runs = outcomes[outcomes["scenario"] == s]
        ci = np.array([stats.t_interval(runs[a])[:3] for a in present], dtype=float)
        ci[:, 1:] = np.clip(ci[:, 1:], 0, 1)
        mean = ci[:, 0] * 100
        err = np.abs(np.stack([ci[:, 0] - ci[:, 1], ci[:, 2] - ci[:, 0]])) * 100
        x = np.arange(len(present)) + (k - (len(colours) - 1) / 2) * width
        ax.bar(x, mean, width=width * 0.92, color=colour, label=s)
        ax.errorbar(x, mean, yerr=np.nan_to_num(err), fmt="none", ecolor="#222222", elinewidth=1.1, capsize=3)
    ax.set_xticks(np.arange(len(present)), [metric(a).label.split(", ")[1] for a in present])
    ax.set_ylabel("% of age group taking part")
    ax.set_title(f"Mean of the last {window} months (95% CI)", loc="left")
    ax.grid(axis="x", visible=False)
    for ax, name in zip(axes[1:], present):
        _bands(ax, ts, name, colours)
        ax.axvspan(max(steps - window, 0), steps, color="#f1f1f1", zorder=0, lw=0)
        ax.set_title(metric(name).label.split(", ")[1].capitalize() + " over time", loc="left")
        ax.set_xlabel("Month")
        ax.set_ylabel("% of age group taking part")
        _month_axis(ax, steps)
    top = max(a.get_ylim()[1] for a in axes)
    for a in axes:
        a.set_ylim(0, top)
    fig.suptitle("Participation by age group", x=0.01, ha="left")
    _legend(fig, colours)
    return fig


def _yuan_axis(axis) -> None:
    """Yuan with thousands written out short: 132,000 → 132k, 2,500,000 → 2.5M."""
    def short(v, _):
        a = abs(v)
        if a >= 1e6:
            return f"{v / 1e6:g}M"
        if a >= 1e3:
            return f"{v / 1e3:g}k"
        return f"{v:g}"
    axis.set_major_formatter(FuncFormatter(short))


def bars_ci(panels: list[tuple[str, str, list[str], dict[str, list[tuple[float, float, float]]]]],
            colours: dict[str, str], title: str, horizontal: bool = True):
    """Bars with 95% whiskers, one bar per scenario for each item, one panel per entry of ``panels``:
    ``(panel title, axis label, item labels, {scenario: [(mean, low, high) per item]})`` (money, in yuan).

    Horizontal bars (items down the y axis, first item on top; panels stacked) suit long lists of uses;
    vertical bars (panels side by side) one or two headline numbers. A panel without items says so, and
    an undefined value (NaN: e.g. the cost per project of runs that completed none) is written 'n/a'."""
    sizes = [max(len(p[2]), 1) for p in panels]
    k = max(len(colours), 1)
    if horizontal:  # panels stacked on one yuan axis, each as tall as its items need (bars equally thick)
        fig, axes = plt.subplots(len(panels), 1, figsize=(9.0, 0.9 * len(panels) + 0.2 * k * sum(sizes) + 0.6),
                                 squeeze=False, layout="constrained", height_ratios=sizes, sharex=True)
        axes = axes[:, 0]
    else:
        fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels) + 1.0, 3.6), squeeze=False,
                                 layout="constrained")
        axes = axes[0]
    width = 0.8 / k
    for ax, (panel, axis_label, items, values) in zip(axes, panels):
        ax.set_title(panel, loc="left")
        if not items:
            ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes, color=NEUTRAL)
            ax.set_axis_off()
            continue
        base = np.arange(len(items))
        for j, (s, colour) in enumerate(colours.items()):
            ci = np.array(values.get(s, [(np.nan,) * 3] * len(items)), dtype=float)
            mean = np.nan_to_num(ci[:, 0])
            err = np.nan_to_num(np.abs(np.stack([ci[:, 0] - ci[:, 1], ci[:, 2] - ci[:, 0]])))
            pos = base + (j - (k - 1) / 2) * width
            if horizontal:
                ax.barh(pos, mean, height=width * 0.9, color=colour, label=s)
                ax.errorbar(mean, pos, xerr=err, fmt="none", ecolor="#222222", elinewidth=1.0, capsize=2.5)
            else:
                ax.bar(pos, mean, width=width * 0.9, color=colour, label=s)
                ax.errorbar(pos, mean, yerr=err, fmt="none", ecolor="#222222", elinewidth=1.0, capsize=3)
            for x, m in zip(pos, ci[:, 0]):  # an undefined value is said, not drawn as a zero bar
                if not np.isfinite(m):
                    xy, align = ((0, x), {"va": "center"}) if horizontal else ((x, 0), {"ha": "center", "va": "bottom"})
                    ax.annotate(" n/a", xy, color=colour, fontsize=10, fontweight="bold", **align)
        if horizontal:
            ax.set_yticks(base, items)
            ax.invert_yaxis()  # the first item (the largest) on top
            if ax is axes[-1]:  # one shared yuan axis, labelled once at the bottom
                ax.set_xlabel(axis_label)
            ax.grid(axis="y", visible=False)
            _yuan_axis(ax.xaxis)
        else:
            ax.set_xticks(base, items) if len(items) > 1 else ax.set_xticks([])
            ax.set_ylabel(axis_label)
            ax.grid(axis="x", visible=False)
            _yuan_axis(ax.yaxis)
    fig.suptitle(title, x=0.01, ha="left")
    _legend(fig, colours)
    return fig


# ---------------------------------------------------------------------------------------- sweeps
def _is_numeric(values) -> bool:
    return pd.api.types.is_numeric_dtype(pd.Series(values)) and not pd.api.types.is_bool_dtype(pd.Series(values))


def sweep_outcomes(table: pd.DataFrame, params: list[str], window: int) -> pd.DataFrame:
    """Per run (parameter values × scenario × seed): last-``window``-month means and cost per project."""
    by = [*params, *(["scenario"] if "scenario" in table else []), "seed"]
    return stats.run_outcomes(table, by, window)


def sweep_metrics(outcomes: pd.DataFrame) -> list[str]:
    return [m for m in HEADLINE if m in outcomes]


def sweep_lines(outcomes: pd.DataFrame, param: str, colours: dict[str, str], others: list[str]):
    """Each headline outcome against one swept parameter (mean over the replications and over the
    other swept parameters' values), per scenario, with its 95% interval over runs."""
    metrics = sweep_metrics(outcomes)
    has_scen = "scenario" in outcomes
    values = sorted(outcomes[param].unique())
    numeric = _is_numeric(values)
    x = np.asarray(values, dtype=float) if numeric else np.arange(len(values))
    fig, axes = _grid(len(metrics))
    for ax, name in zip(axes, metrics):
        m = metric(name)
        for s, colour in colours.items():
            runs = outcomes[outcomes["scenario"] == s] if has_scen else outcomes
            ci = np.array([stats.t_interval(runs.loc[runs[param] == v, name])[:3] for v in values], dtype=float)
            ci = np.column_stack([ci[:, 0], m.clip(ci[:, 1:])]) * m.scale
            ax.fill_between(x, ci[:, 1], ci[:, 2], color=colour, alpha=0.22, lw=0)
            ax.plot(x, ci[:, 0], color=colour, lw=1.8, marker="o", ms=4)
        if not numeric:
            ax.set_xticks(np.arange(len(values)), [str(v) for v in values])
        ax.set_title(m.label, loc="left")
        ax.set_ylabel(m.unit)
        _units(ax, m)
        ax.set_xlabel(param)
    over = f" (averaged over {', '.join(others)})" if others else ""
    fig.suptitle(f"Outcomes over {param}{over}", x=0.01, ha="left")
    _legend(fig, colours)
    return fig


def sweep_heatmaps(outcomes: pd.DataFrame, params: list[str], scenario: str | None, window: int):
    """Heatmaps of each headline outcome over two swept parameters (mean over replications)."""
    px, py = params[:2]
    runs = outcomes[outcomes["scenario"] == scenario] if scenario is not None and "scenario" in outcomes else outcomes
    metrics = sweep_metrics(outcomes)
    xs, ys = sorted(runs[px].unique()), sorted(runs[py].unique())
    fig, axes = _grid(len(metrics), ncols=3, panel=(5.0, 3.6))
    for ax, name in zip(axes, metrics):
        m = metric(name)
        grid = runs.groupby([py, px])[name].mean().unstack(px).reindex(index=ys, columns=xs) * m.scale
        im = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap=SEQUENTIAL)
        ax.set_xticks(range(len(xs)), [f"{v:g}" if _is_numeric([v]) else str(v) for v in xs])
        ax.set_yticks(range(len(ys)), [f"{v:g}" if _is_numeric([v]) else str(v) for v in ys])
        ax.set_xlabel(px)
        ax.set_ylabel(py)
        ax.grid(False)
        ax.set_title(m.label, loc="left")
        cb = fig.colorbar(im, ax=ax, shrink=0.9)
        cb.set_label(m.unit)
        _units(cb.ax, m)
        vals = grid.to_numpy()
        if len(xs) * len(ys) <= 64 and np.isfinite(vals).any():  # an all-undefined metric gets no labels
            lo, hi = np.nanmin(vals), np.nanmax(vals)
            for (r, c), v in np.ndenumerate(vals):
                if np.isfinite(v):
                    light = hi > lo and (v - lo) / (hi - lo) > 0.6
                    ax.text(c, r, _short(v), ha="center", va="center", fontsize=8.5,
                            color="black" if light else "white")
    where = f" — scenario {scenario}" if scenario else ""
    fig.suptitle(f"Mean of the last {window} months over {px} × {py}{where}", x=0.01, ha="left")
    return fig


def _short(v: float) -> str:
    a = abs(v)
    if a >= 1e4:
        return f"{v / 1e3:,.1f}k"
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


# ----------------------------------------------------------------------------------- sensitivity
def sobol(indices: pd.DataFrame):
    """Sobol first-order (S1) and total (ST) indices per outcome and parameter, with their 95%
    bootstrap intervals; parameters sorted by ST."""
    metrics = list(dict.fromkeys(indices["metric"]))
    n_par = indices["parameter"].nunique()
    fig, axes = _grid(len(metrics), ncols=2, panel=(6.2, 0.75 + 0.42 * n_par))
    for ax, name in zip(axes, metrics):
        d = indices[indices["metric"] == name].sort_values("ST")
        y = np.arange(len(d))
        h = 0.38
        ax.barh(y + h / 2, d["ST"], height=h, color="#9ecae1", edgecolor="#3a6f8f", label="total (ST)")
        ax.errorbar(d["ST"], y + h / 2, xerr=np.nan_to_num(d["ST_conf"]), fmt="none", ecolor="#222222", capsize=2.5)
        ax.barh(y - h / 2, d["S1"], height=h, color="#08519c", label="first order (S1)")
        ax.errorbar(d["S1"], y - h / 2, xerr=np.nan_to_num(d["S1_conf"]), fmt="none", ecolor="#222222", capsize=2.5)
        ax.set_yticks(y, d["parameter"])
        ax.axvline(0, color="#888888", lw=0.8)
        ax.set_xlabel("share of output variance (Sobol index)")
        ax.set_title(metric(name).label, loc="left")
        ax.grid(axis="y", visible=False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="outside upper right", ncols=2, frameon=False)
    fig.suptitle("Sobol sensitivity indices (95% bootstrap intervals)", x=0.01, ha="left")
    return fig


def morris(indices: pd.DataFrame):
    """Morris elementary effects: μ* (mean absolute effect, with its 95% interval) and σ (spread:
    interactions or non-linearity) per outcome and parameter, in the outcome's unit."""
    metrics = list(dict.fromkeys(indices["metric"]))
    n_par = indices["parameter"].nunique()
    fig, axes = _grid(len(metrics), ncols=2, panel=(6.2, 0.75 + 0.42 * n_par))
    for ax, name in zip(axes, metrics):
        m = metric(name)
        d = indices[indices["metric"] == name].sort_values("mu_star")
        y = np.arange(len(d))
        ax.barh(y, d["mu_star"] * m.scale, height=0.6, color="#08519c", label="μ* (mean |effect|)")
        ax.errorbar(d["mu_star"] * m.scale, y, xerr=np.nan_to_num(d["mu_star_conf"]) * m.scale, fmt="none",
                    ecolor="#222222", capsize=2.5)
        if "sigma" in d:
            ax.plot(d["sigma"] * m.scale, y, "D", mfc="white", mec=NEUTRAL, ms=6, label="σ (spread)")
        ax.set_yticks(y, d["parameter"])
        unit = "percentage points" if m.kind == "share" else m.unit
        ax.set_xlabel(f"effect over the parameter's range ({unit})")
        ax.set_title(m.label, loc="left")
        ax.grid(axis="y", visible=False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="outside upper right", ncols=2, frameon=False)
    fig.suptitle("Morris elementary effects", x=0.01, ha="left")
    return fig
