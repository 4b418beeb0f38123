"""Generate the ODD tables (docs/odd_tables.md) from the code, so the documentation cannot drift.

Usage::

    python -m experiments.odd_tables            # (re)write docs/odd_tables.md
    python -m experiments.odd_tables check=true  # exit 1 if the committed file is out of date

The file holds, all generated:

- one parameter table per config section, from the schema (:class:`model.config.ModelConfig`,
  walked by :func:`model.params.iter_params`): key, default, unit, allowed range or values,
  meaning and source of the default;
- what each scenario and community file changes relative to the schema defaults (composed
  through the scenario catalogue, :func:`scenarios.compose_dict`);
- the calibration criteria and input checks (:data:`experiments.patterns.CHECKS`): claim, target, source, and
  whether the row checks an outcome or an input (a figure that set a parameter).

``tests/test_docs.py`` fails when the committed file differs from what this module renders.
"""

from __future__ import annotations

import sys
from pathlib import Path

from experiments.command_line import flatten
from model import config as config_mod
from model.mechanisms import MECHANISMS
from model.params import iter_params

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "odd_tables.md"

CORE_SECTIONS = {
    "seed": "Run", "steps": "Run",
    "community": "Community structure (`community.*`)",
    "resident": "Resident traits at the start (`resident.*`)",
    "decision": "Contribution decision (`decision.*`)",
    "learning": "Attitudes and ties (`learning.*`)",
    "government": "Street office: budget, KPI, practice, leader (`government.*`)",
    "committee": "Residents' committee and grid workers (`committee.*`)",
    "social_orgs": "Social organisations (`social_orgs.*`)",
    "party": "Party organisation (`party.*`)",
    "units": "Units in the area (`units.*`)",
    "projects": "Projects and facilities (`projects.*`)",
    "life_course": "Life course: moving out and in, ageing, volunteers' succession (`life_course.*`)",
    "property": "Property company and fee payments (`property.*`)",
    "owners_committee": "Owners' committee (`owners_committee.*`)",
    "lifts": "Lift projects in stairwells without a lift (`lifts.*`)",
    "residents_body": "Residents' own bodies: self-management committees that carry programmes (`residents_body.*`)",
    "variation": "How communities differ: the sd of each uncertain quantity, drawn per seed (`variation.*`)",
}
COMMUNITY_SECTIONS = ("community", "resident", "projects", "life_course", "property")
SWITCHES = frozenset(f"{m}.{w}" for m in MECHANISMS for w in ("enabled", "mandated", "allowed"))
"""The mechanisms' switches, which the scenario table lists in columns of their own."""


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, str):
        return f"`{v}`" if v else '""'
    if isinstance(v, list):
        return "[" + ", ".join(str(x) for x in v) + "]"
    return str(v)


def _allowed(meta: dict) -> str:
    if meta.get("choices"):
        return " \\| ".join(f"`{c}`" for c in meta["choices"])
    rng = meta.get("range")
    if rng:
        lo, hi = rng
        return f"[{'−∞' if lo is None else f'{lo:g}'}, {'∞' if hi is None else f'{hi:g}'}]"
    return ""


def parameter_tables() -> str:
    """One markdown table per config section: every leaf parameter of the schema."""
    rows: dict[str, list[str]] = {}
    for key, meta, value in iter_params(config_mod.ModelConfig):
        top = key.split(".")[0]
        if top == "info":
            continue
        if top in CORE_SECTIONS:
            title = CORE_SECTIONS[top]
        else:
            doc = (MECHANISMS[top].__doc__ or top).strip().splitlines()[0]
            title = f"Mechanism `{top}`: {doc}"
        rows.setdefault(title, []).append(
            f"| `{key}` | {_cell(_value(value))} | {_cell(meta.get('unit') or '')} | {_cell(_allowed(meta))} "
            f"| {_cell(meta.get('doc'))} | {_cell(meta.get('source'))} |")
    out = []
    for title, lines in rows.items():
        out += [f"### {title}", "", "| key | default | unit | allowed | meaning | source |",
                "|---|---|---|---|---|---|", *lines, ""]
    return "\n".join(out)


def _changes(data: dict, sections: tuple[str, ...] | None, exclude: tuple[str, ...] = (),
             skip_keys: frozenset[str] = frozenset()) -> list[str]:
    defaults = flatten(config_mod.to_dict(config_mod.ModelConfig()))
    values = flatten(config_mod.to_dict(config_mod.from_dict(data)))
    keys = [k for k, v in values.items() if defaults.get(k) != v and not k.startswith(("info.", "seed", "steps"))]
    if sections is not None:
        keys = [k for k in keys if k.split(".")[0] in sections]
    keys = [k for k in keys if k.split(".")[0] not in exclude and k not in skip_keys]
    return [f"`{k}` = {_value(values[k])}" for k in keys]


def scenario_tables() -> str:
    """What each scenario and each community file sets, relative to the schema defaults."""
    import scenarios

    out = ["### Scenarios", "",
           "Composed with the default community: the programmes the rules require (mandated: run from the first "
           "month) and forbid (not allowed: nobody may run them), the behaviours switched on, and every other "
           "value that differs from the schema default (community and resident settings omitted). The other "
           "programmes are the actors' choice (docs/ODD.md §3.4.13).", "",
           "| scenario | represents | mandated | forbidden | behaviours on | other settings |",
           "|---|---|---|---|---|---|"]
    for name in scenarios.available("scenario"):
        data = scenarios.compose_dict(name, "default")
        cfg = config_mod.from_dict(data)
        sections = {m: getattr(cfg, m) for m in MECHANISMS}
        mandated = [m for m, p in sections.items() if getattr(p, "mandated", False)]
        forbidden = [m for m, p in sections.items() if hasattr(p, "allowed") and not p.allowed]
        on = [m for m, p in sections.items() if getattr(p, "enabled", False)]
        other = _changes(data, None, exclude=COMMUNITY_SECTIONS, skip_keys=SWITCHES)
        out.append(f"| `{name}` | {_cell(cfg.info.scenario_description)} | {', '.join(mandated) or '—'} "
                   f"| {', '.join(forbidden) or '—'} | {', '.join(on) or '—'} "
                   f"| {_cell('; '.join(other)) or '—'} |")
    out += ["", "### Communities", "",
            "Composed with the `top_down` scenario; every community, resident or project value that "
            "differs from the schema default.", "",
            "| community | who lives here | settings |", "|---|---|---|"]
    for name in scenarios.available("community"):
        data = scenarios.compose_dict("top_down", name)
        cfg = config_mod.from_dict(data)
        out.append(f"| `{name}` | {_cell(cfg.info.community_description)} "
                   f"| {_cell('; '.join(_changes(data, COMMUNITY_SECTIONS))) or '—'} |")
    return "\n".join(out) + "\n"


def criteria_table() -> str:
    from experiments import patterns

    out = ["| criterion | claim | arms | target | source | input or outcome |", "|---|---|---|---|---|---|"]
    for c in patterns.CHECKS:
        arms = ", ".join(patterns.ARMS[a].describe() for a in c.arms)
        kind = f"input check: the figure set `{c.sets}`" if c.sets else "outcome"
        out.append(f"| {c.key} | {_cell(c.claim)} | {_cell(arms)} | {_cell(c.target)} | {_cell(c.source)} "
                   f"| {_cell(kind)} |")
    return "\n".join(out) + "\n"


def render() -> str:
    """The whole generated file."""
    n_params = sum(1 for k, _, _ in iter_params(config_mod.ModelConfig) if not k.startswith("info."))
    return "\n".join([
        "<!-- Generated by `python -m experiments.odd_tables` from the code; do not edit by hand. -->",
        "# ODD tables: parameters, scenarios, communities and calibration criteria",
        "",
        "Generated from the config schema (`model/config.py`, the mechanisms' `Params` in "
        "`model/mechanisms/`), the scenario catalogue (`scenarios/`) and the calibration patterns "
        "(`experiments/patterns.py`); `tests/test_docs.py` fails when this file is out of date. "
        "The model description is in [ODD.md](ODD.md).",
        "",
        "Units: time in months, money in yuan, contributions and most attitudes as shares (0–1). "
        "A source that says *assumption* is a modelling choice, not a measurement; *calibrated* "
        "means the value was chosen so that the model reproduces the patterns below. The seed "
        "documents' figures are stylised patterns from anonymous case anecdotes, not measured data.",
        "",
        "## Calibration criteria",
        "",
        "Outcomes (criteria 1a–10) and input checks (i1–i6). An *input check* is a figure of the seeds that set "
        "a parameter: it shows that the calibration still holds and is never counted as evidence that the model "
        "reproduces an outcome; no criterion checks a parameter set from its own figure. Parameters marked "
        "*calibrated* in the parameter table were chosen so that all the criteria hold together (ODD §4).",
        "",
        criteria_table(),
        "## Scenarios and communities",
        "",
        scenario_tables(),
        f"## Parameters ({n_params})",
        "",
        parameter_tables(),
    ])


def main(argv: list[str] | None = None) -> int:
    """Write (or check) the parameter tables; return the exit code."""
    from experiments.command_line import Option, parse

    argv = sys.argv[1:] if argv is None else list(argv)
    options = {"check": Option(False, bool, "exit 1 if the committed file is out of date, write nothing"),
               "output": Option(str(OUTPUT), str, "the file to write")}
    opts, _ = parse(argv, options, "experiments.odd_tables", overrides=False)
    output = Path(opts["output"])
    text = render()
    if opts["check"]:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            print(f"{output} is out of date: run python -m experiments.odd_tables", file=sys.stderr)
            return 1
        print(f"{output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


