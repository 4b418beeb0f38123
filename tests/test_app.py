"""The trainer's live page without a browser: presets, levers, drawing, and the page in Solara.

The end-to-end test in a real browser is ``test_app_browser.py``.
"""

from __future__ import annotations

import dataclasses
import math
import re

import ipyvuetify as v
import numpy as np
import pytest
import solara
from hypothesis import given, settings
from hypothesis import strategies as st
from solara.widgets.widgets import HTML

from app import draw
from app import levers as L
from app import page as page_mod
from app import run as run_mod
from app.layout import structural_layout
from app.run import Run, categories, institution_cards, merge_cards
from conftest import run_cli
from model.community import CommunityModel
from model.params import ConfigError


@pytest.fixture(scope="module")
def presets():
    return L.load_presets()[0]


# ---------------------------------------------------------------------------- presets and levers
def test_presets_are_data_naming_scenarios_and_communities_that_exist(presets):
    import scenarios

    assert list(presets) == ["free_riders", "top_down_vs_co_creation", "ageing", "old_estate"]
    fr = presets["free_riders"]
    assert (fr.label, fr.scenario, fr.community) == ("Free riders take hold", "free_rider_demo", "demo")
    assert presets["top_down_vs_co_creation"].scenarios == ("top_down", "co_creation")
    assert presets["ageing"].community == "ageing"
    for p in presets.values():
        assert p.story, f"{p.key} tells the trainer nothing"
        for name in p.scenarios:
            assert name in scenarios.available("scenario")
        assert p.community in scenarios.available("community")
    assert L.load_presets()[1] == "free_riders"


def test_a_preset_naming_an_unknown_scenario_is_one_config_error(tmp_path):
    bad = tmp_path / "presets.yaml"
    bad.write_text("presets:\n  - {key: x, label: X, scenario: nowhere, community: demo}\n")
    with pytest.raises(ConfigError, match="scenario = 'nowhere' is unknown; allowed:"):
        L.load_presets(bad)


@pytest.mark.parametrize("scenario", ["free_rider_demo", "top_down", "co_creation"])
def test_levers_left_as_the_scenario_sets_them_change_nothing(presets, scenario):
    cfg = L.base_config(presets["free_riders"], scenario)
    assert L.overrides(L.levers_from_config(cfg), cfg) == {}


def test_each_lever_sets_its_config_keys(presets):
    cfg = L.base_config(presets["free_riders"])  # free_rider_demo: nothing switched on
    lev = L.levers_from_config(cfg)
    switches = (lev.consultation, lev.incentives, lev.sanctions, lev.disclosure, lev.online)
    assert switches == ("none", False, False, False, False)
    on = L.Levers(consultation="sham", incentives=True, sanctions=True, disclosure=True, online=True,
                  free_rider_share=0.6, buildings=5)
    o = L.overrides(on, cfg)
    assert o["consultation.mandated"] is True and o["consultation.adoption_rate"] == 0 and o["government.adoption"] == 0
    assert o["incentives.mandated"] and o["sanctions.enabled"] and o["disclosure.mandated"]
    assert o["channels.mandated"] is True  # channels.online is already on by default
    assert o["community.buildings"] == 5
    shares = {k.rsplit(".", 1)[1]: val for k, val in o.items() if k.startswith("resident.dispositions.")}
    assert shares["free_rider"] == 0.6 and math.isclose(sum(shares.values()), 1.0, abs_tol=1e-12)
    m = CommunityModel(scenario_name="free_rider_demo", community="demo", rng=1, **o)
    assert {"consultation", "incentives", "sanctions", "disclosure", "channels"} <= set(m.mechanisms)
    assert m.config.resident.dispositions.free_rider == 0.6
    assert m.config.channels.online and m.government.consultation_policy == "sham" and m.structure.n_buildings == 5


@pytest.mark.parametrize("scenario", ["no_property_supervision", "owners_committee", "building_deliberation"])
def test_the_estate_levers_start_where_the_scenario_puts_them(presets, scenario):
    cfg = L.base_config(presets["old_estate"], scenario)
    lev = L.levers_from_config(cfg)
    assert (lev.owners_committee, lev.deliberation) == (scenario == "owners_committee",
                                                        scenario == "building_deliberation")
    assert L.overrides(lev, cfg) == {}


def test_the_owners_committee_lever_brings_guided_elections_and_deliberation_its_switch(presets):
    cfg = L.base_config(presets["old_estate"])  # no_property_supervision: neither
    lev = L.levers_from_config(cfg)
    on = L.set_lever(L.set_lever(lev, "owners_committee", True)[0], "deliberation", True)[0]
    assert L.overrides(on, cfg) == {"owners_committee.enabled": True, "owners_committee.guidance": L.OWNERS_GUIDANCE,
                                    "lifts.deliberation": True}
    assert L.set_lever(lev, "deliberation", "yes") == (lev, "Building deliberation of lifts: 'yes' is not on or off "
                                                            "(kept off).")
    oc_on = L.overrides(L.set_lever(lev, "owners_committee", True)[0], cfg)
    m = CommunityModel(scenario_name="no_property_supervision", community="old_estate", rng=0, **oc_on)
    scenario = CommunityModel(scenario_name="owners_committee", community="old_estate", rng=0)
    assert m.config.owners_committee == scenario.config.owners_committee, "the lever is the scenario's committee"
    assert "owners' committee on · building deliberation on" in L.describe(on, estate=True)
    assert "owners' committee" not in L.describe(on)


def test_the_online_lever_is_a_rule_and_switching_it_off_keeps_meetings_open(presets):
    cfg = L.base_config(presets["ageing"])  # co_creation: the office may run a platform; the rules do not require one
    lev = L.levers_from_config(cfg)
    assert not lev.online
    o = L.overrides(L.set_lever(lev, "online", True)[0], cfg)
    assert o == {"channels.mandated": True}  # the platform required, offline meetings kept
    cfg = L.base_config(presets["ageing"], "online_only")  # the rules require the platform and close meetings
    lev = L.levers_from_config(cfg)
    assert lev.online
    o = L.overrides(L.set_lever(lev, "online", False)[0], cfg)
    assert o == {"channels.mandated": False, "channels.online": False, "channels.offline": True}


@settings(max_examples=60, deadline=None)
@given(free_rider=st.floats(*L.FREE_RIDER_SHARE_RANGE),
       others=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3))
def test_the_free_rider_lever_keeps_the_other_dispositions_proportions(free_rider, others):
    cfg = L.base_config(L.load_presets()[0]["free_riders"])
    current = dict(zip(("conditional_cooperator", "unconditional_cooperator", "hump_shaped"), others))
    cfg["resident"]["dispositions"] = {**current, "free_rider": 0.3}
    lev = dataclasses.replace(L.levers_from_config(cfg), free_rider_share=free_rider)
    out = {k.rsplit(".", 1)[1]: v for k, v in L.overrides(lev, cfg).items() if k.startswith("resident.dispositions.")}
    if abs(free_rider - 0.3) <= 1e-9:
        assert out == {}
        return
    assert len(out) == 4  # every share: the model rescales nothing
    assert math.isclose(sum(out.values()), 1.0, abs_tol=1e-9)
    assert out["free_rider"] == free_rider and all(val >= 0 for val in out.values())
    if sum(others) > 1e-6 and free_rider < 0.95:
        a, b = out["conditional_cooperator"], out["hump_shaped"]
        assert math.isclose(a * others[2], b * others[0], rel_tol=1e-6, abs_tol=1e-9)
    elif sum(others) == 0:  # nobody else before: the rest split equally
        assert len({out[k] for k in current}) == 1


def test_no_lever_position_warns_of_an_inactive_parameter(presets):
    """Whatever the trainer switches, the page sets no parameter of a mechanism that is off."""
    import warnings

    from model import config as config_mod
    from model.params import InactiveParameterWarning

    positions = [dict(consultation=c) for c in L.CONSULTATION_MODES]
    positions += [{name: value} for name in L.SWITCHES + L.ESTATE_SWITCHES for value in (False, True)]
    positions += [dict(free_rider_share=0.6), dict(buildings=5)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", InactiveParameterWarning)
        for preset in presets.values():
            for scenario in preset.scenarios:
                cfg = L.base_config(preset, scenario)
                start = L.levers_from_config(cfg)
                for change in positions:
                    o = {**preset.overrides, **L.overrides(dataclasses.replace(start, **change), cfg)}
                    config_mod.from_dict(config_mod.apply_overrides(cfg, o))


@pytest.mark.parametrize("name, raw, expect, message", [
    ("free_rider_share", 1.5, 0.95, "outside 0%–95%; set to 95%"),
    ("free_rider_share", -0.2, 0.0, "outside 0%–95%; set to 0%"),
    ("free_rider_share", "lots", 0.3, "is not a number"),
    ("free_rider_share", float("nan"), 0.3, "is not a number"),
    ("buildings", 40, 12, "outside 1–12; set to 12"),
    ("buildings", 0, 1, "outside 1–12; set to 1"),
    ("buildings", 2.5, 3, "not a whole number"),
    ("consultation", "maybe", "none", "choose none, sham, real"),
    ("sanctions", "yes", False, "is not on or off"),
    ("free_rider_share", 0.55, 0.55, None),
    ("consultation", "real", "real", None),
])
def test_out_of_range_or_wrong_values_are_clamped_or_refused_with_a_message(name, raw, expect, message):
    new, msg = L.set_lever(L.Levers(), name, raw)
    assert getattr(new, name) == expect
    if message is None:
        assert msg is None
    else:
        assert message in msg and "\n" not in msg


@pytest.mark.parametrize("raw, expect, message", [
    ("42", 42, None), (" 7 ", 7, None), ("1e3", 1000, None), ("-5", 0, "outside 0–4294967295; set to 0"),
    ("99999999999", 2**32 - 1, "set to 4294967295"), ("abc", None, "not a whole number (kept 3)"),
    ("2.5", None, "not a whole number"), ("", None, "not a whole number"),
])
def test_seed_input_is_a_bounded_whole_number(raw, expect, message):
    seed, msg = L.parse_seed(raw, current=3)
    assert seed == expect
    assert (msg is None) if message is None else (message in msg)


def test_speed_is_clamped():
    assert L.clamp_speed(500) == (30, "Speed: 500 is outside 1–30; set to 30.")
    assert L.clamp_speed(12) == (12, None)
    assert L.clamp_speed(None)[0] == L.DEFAULT_SPEED


# ---------------------------------------------------------------------------- what is drawn
@pytest.fixture(scope="module")
def stepped_run(presets):
    p = presets["free_riders"]
    run = Run(p, p.scenario, L.levers_from_config(L.base_config(p)), seed=4)
    for _ in range(18):
        run.step()
    return run


def test_graph_colours_use_the_models_own_definitions(stepped_run):
    m = stepped_run.model
    cat = categories(m)
    assert np.mean(cat == draw.FREE_RODE) == pytest.approx(m.latest["free_riding_rate"], abs=1e-12)
    assert np.mean(cat == draw.CONTRIBUTED) == pytest.approx(m.latest["participation_rate"], abs=1e-12)
    svg, counts = stepped_run.network_svg()
    assert counts.sum() == m.n_residents
    assert f"data-step='{m.steps}'" in svg
    # one path of dots per colour present, with one circle (two arcs) per resident of that colour
    for k in range(3):
        match = re.search(rf"class='dots-{k}' d='([^']*)'", svg)
        assert (match is not None) == (counts[k] > 0)
        if match:
            assert match.group(1).count("a") == 2 * counts[k]


def test_layout_puts_residents_in_their_building_and_households_together():
    m = CommunityModel(scenario_name="top_down", community="ageing", rng=2)
    s = m.structure
    lay = structural_layout(s.building, s.grid)
    d = np.hypot(lay.x - lay.building_centre[s.building, 0], lay.y - lay.building_centre[s.building, 1])
    assert np.all(d <= lay.building_radius + 1e-9)
    c = lay.building_centre
    gaps = np.hypot(*(c[:, None, :] - c[None, :, :]).transpose(2, 0, 1))[np.triu_indices(len(c), 1)]
    assert gaps.min() > 2 * lay.building_radius, "building discs overlap"
    assert lay.x.min() >= 0 and lay.x.max() <= lay.width and lay.y.min() >= 0 and lay.y.max() <= lay.height
    # adults of one household sit side by side: much closer than two residents of a building at random
    same = np.flatnonzero(s.household[1:] == s.household[:-1])
    hh = np.hypot(lay.x[same + 1] - lay.x[same], lay.y[same + 1] - lay.y[same])
    assert np.median(hh) < 0.25 * lay.building_radius
    # and the layout is cheap enough to compute per run: no spring layout
    assert structural_layout(s.building, s.grid).x.tolist() == lay.x.tolist()


def test_line_chart_draws_each_series_and_breaks_at_missing_values():
    series = [draw.Series("a", np.array([0.1, 0.2, np.nan, 0.3]), draw.BLACK)]
    ghost = [draw.Series("prev", np.array([0.2, 0.25]), draw.BLACK)]
    svg = draw.line_chart(series, ghost, 60, "c")
    paths = re.findall(r"<path d='([^']*)'[^>]*class='(line|ghost)'", svg)
    assert [kind for _, kind in paths] == ["ghost", "line"]
    assert paths[1][0].count("M") == 2 and paths[1][0].count("L") == 1
    assert draw.nice_max([np.array([0.07])]) == 0.1
    assert draw.months_axis(10) == 60 and draw.months_axis(61) == 120
    long = draw.line_chart([draw.Series("a", np.linspace(0, 1, 5000), draw.BLACK)], [], 5000, "c")
    assert long.count("L") <= draw.MAX_POINTS + 1


def test_units_in_the_area_are_one_card_counting_who_gave_and_summing_what_was_given():
    cards = [{"gave this month": "yes", "given": "4,500 yuan", "kind": "school"},
             {"gave this month": "no", "given": "1,500.5 yuan", "kind": "school"},
             {"gave this month": "yes", "given": "0 yuan", "kind": "firm"}]
    assert merge_cards(cards) == {"gave this month": "2 of 3", "given": "6,000.5 yuan", "kind": "varies"}
    assert merge_cards(cards[:1]) == cards[0]


@pytest.mark.parametrize("scenario", ["top_down", "co_creation"])
def test_every_institution_of_the_model_has_a_card_showing_its_own_decisions(scenario):
    m = CommunityModel(scenario_name=scenario, community="demo", rng=1)
    for _ in range(4):
        m.step()
    cards = {c.card_id: c for c in institution_cards(m)}
    orgs = [f"social-org-{k + 1}" for k in range(len(m.social_orgs))]
    bodies = [f"residents-body-{k + 1}" for k in range(m.n_grids)]
    assert list(cards) == ["street-office", "committee", "party", *orgs, "units", *bodies, "programmes"]
    assert cards["street-office"].entries == m.government.card()
    assert cards["committee"].entries == m.committee.card()
    assert cards["party"].entries == m.party.card()
    for org, key in zip(m.social_orgs, orgs):
        assert cards[key].entries == org.card()
    gave = sum(u.gave for u in m.units)
    assert cards["units"].entries["gave this month"] == f"{gave} of {len(m.units)}"
    assert cards["units"].title == f"Units in the area ({len(m.units)})"
    for body, key in zip(m.bodies, bodies):
        assert cards[key].entries == body.card()
    programmes = cards["programmes"].entries  # which programmes run, who started them, who keeps them
    assert set(programmes) == {p.name.replace("_", " ") for p in m.programmes}
    for prog in m.programmes:
        entry = programmes[prog.name.replace("_", " ")]
        if prog.running:
            assert entry.startswith(", ".join(prog.holders())) and f"started by {prog.started_by}" in entry
        else:
            assert entry in ("not run",) or entry.startswith("stopped in month")
    assert any(p.running for p in m.programmes) == (scenario == "co_creation" or any(p.office for p in m.programmes))


def test_an_estate_has_cards_for_its_owners_committee_and_property_company_and_fee_colours():
    m = CommunityModel(scenario_name="owners_committee", community="old_estate", rng=0)
    assert all(k == draw.NO_BILL for k in run_mod.fee_categories(m)), "month 0: nobody billed yet"
    for _ in range(3):
        m.step()
    cards = {c.card_id: c for c in institution_cards(m)}
    ids = list(cards)
    assert ids.index("property-1") == ids.index("owners-committee") + 1 and ids[-1] == "programmes"
    assert cards["owners-committee"].entries == m.owners_committee.card()
    assert cards["property-1"].entries == list(m.property_companies)[0].card()
    assert cards["property-1"].title == "Property company", "one company: no number"
    fees = run_mod.fee_categories(m)
    assert len(fees) == m.structure.n_households
    assert np.mean(fees == draw.PAID) == m.latest["fee_collection"]  # every household of the old estate is billed
    assert not (fees == draw.NO_BILL).any()


def test_cards_mark_what_changed_since_last_month_and_escape_their_text():
    before = [draw.Card("office", "Street office", {"views adopted": "30%", "leader": "no. 1"})]
    now = [draw.Card("office", "Street office", {"views adopted": "35%", "leader": "no. 1"}),
           draw.Card("org", "Social <org>", {"domain": "elderly_care"})]
    out = draw.institution_cards(now, before, step=7)
    assert "data-step='7'" in out
    assert re.search(r"class='entry changed' data-key='views-adopted' data-value='35%'", out)
    assert "class='entry' data-key='leader'" in out, "an unchanged entry is not marked"
    assert "Social &lt;org&gt;" in out and "data-value='elderly care'" in out
    assert "changed" not in draw.institution_cards(now, [], step=0), "nothing is marked in the first month"


# ---------------------------------------------------------------------------- the page in Solara
def _html(rc, element_id: str):
    for w in rc.find(HTML).widgets:
        if w.attributes.get("id") == element_id:
            return w
    raise AssertionError(f"no element #{element_id}")


def _text(rc) -> str:
    return " ".join(w.unsafe_innerHTML or "" for w in rc.find(HTML).widgets)


@pytest.fixture
def page():
    box, rc = solara.render(page_mod.Page(), handle_error=False)
    yield rc
    rc.close()


def _click(rc, label: str):
    rc.find(v.Btn, children=[label]).widget.click()


def test_step_advances_the_month_and_shows_the_models_values(page):
    chart0 = _html(page, "month").unsafe_innerHTML, _text(page)
    for _ in range(6):
        _click(page, "Step")
    assert _html(page, "month").attributes["data-step"] == "6"
    expected = CommunityModel(scenario_name="free_rider_demo", community="demo", rng=0)
    for _ in range(6):
        expected.step()
    tile = _html(page, "run-caption")  # caption names the run
    assert "Free rider demo" in tile.unsafe_innerHTML and "seed 0" in tile.unsafe_innerHTML
    text = _text(page)
    assert text != chart0[1], "charts did not change"
    value = float(re.search(r"id='tile-free-riders' data-value='([^']+)'", text).group(1))
    assert value == expected.latest["free_riding_rate"]
    assert f"<div class='value'>{draw.pct(value)}</div>" in text
    # the institution cards are redrawn with the month: the street office's card shows this month's decisions
    cards = next(w.unsafe_innerHTML for w in page.find(HTML).widgets if "id='institutions'" in (w.unsafe_innerHTML or ""))
    assert "data-step='6'" in cards
    adopted = expected.government.card()["views adopted"]
    assert f"data-key='views-adopted' data-value='{adopted}'" in cards


def test_switching_sanctions_on_restarts_the_run_with_sanctions_and_keeps_the_old_one_faded(page):
    for _ in range(5):
        _click(page, "Step")
    page.find(v.Switch, label="Peer sanctions").widget.v_model = True
    assert _html(page, "month").attributes["data-step"] == "0"
    caption = _html(page, "run-caption").unsafe_innerHTML
    assert "peer sanctions on" in caption and "Previous run (faded)" in caption and "peer sanctions off" in caption
    for _ in range(5):
        _click(page, "Step")
    expected = CommunityModel(scenario_name="free_rider_demo", community="demo", rng=0, **{"sanctions.enabled": True})
    for _ in range(5):
        expected.step()
    text = _text(page)
    value = float(re.search(r"id='tile-free-riders' data-value='([^']+)'", text).group(1))
    assert value == expected.latest["free_riding_rate"]
    assert "class='ghost'" in text and "previous run" in text


@pytest.mark.slow
def test_presets_and_scenarios_load_their_levers(page):
    _click(page, "Ageing community")
    caption = _html(page, "run-caption").unsafe_innerHTML
    # the levers are co-creation's rules: real consultation and an open ledger required, the rest the office's choice
    assert "Co-creation" in caption and "consultation real" in caption and "open ledger on" in caption
    assert "online off" in caption and page.find(v.Switch, label="Online channel").widget.v_model is False
    _click(page, "Top-down vs co-creation")
    assert "Top-down" in _html(page, "run-caption").unsafe_innerHTML
    page.find(v.BtnToggle, class_="scenario-toggle").widget.v_model = "co_creation"
    caption = _html(page, "run-caption").unsafe_innerHTML
    assert caption.startswith("<b>This run:</b> Co-creation") and "open ledger on" in caption


@pytest.mark.slow
def test_an_estate_shows_its_levers_fee_chart_and_graph_coloured_by_fees_paid(page):
    assert not page.find(v.Switch, label=L.LABELS["owners_committee"]).widgets, "no estate: no estate levers"
    assert "chart-estate" not in _text(page) and not page.find(v.BtnToggle, class_="colour-toggle").widgets
    _click(page, "An old estate")
    for _ in range(3):
        _click(page, "Step")
    expected = CommunityModel(scenario_name="no_property_supervision", community="old_estate", rng=0)
    for _ in range(3):
        expected.step()
    text = _text(page)
    assert "id='chart-estate'" in text and "id='chart-lifts'" in text
    assert f"{draw.pct(expected.latest['fee_collection'])} paid" in text
    assert _html(page, "graph").attributes["data-colouring"] == "activity"
    page.find(v.BtnToggle, class_="colour-toggle").widget.v_model = "fees"
    graph = _html(page, "graph")
    assert graph.attributes["data-colouring"] == "fees" and "households" in graph.unsafe_innerHTML
    paid = int(re.search(r"id='legend-0' data-count='(\d+)'", graph.unsafe_innerHTML).group(1))
    assert paid == int(expected.estate.paying.sum())
    page.find(v.Switch, label=L.LABELS["owners_committee"]).widget.v_model = True
    caption = _html(page, "run-caption").unsafe_innerHTML
    assert "owners' committee on" in caption and "Previous run (faded)" in caption
    assert _html(page, "graph").attributes["data-colouring"] == "fees", "the colouring chosen stays"
    _click(page, "Free riders take hold")
    assert _html(page, "graph").attributes["data-colouring"] == "activity", "no fees: coloured by what they did"


def test_bad_seed_is_clamped_or_refused_with_a_message_not_a_traceback(page):
    seed_box = page.find(v.TextField, label="Seed").widget

    def enter(text: str):
        seed_box.v_model = text
        seed_box.fire_event("keyup.enter", {})

    enter("-7")
    assert page.find(v.Alert, children=["Seed: -7 is outside 0–4294967295; set to 0."]).widgets
    assert seed_box.v_model == "0", "the box shows the seed actually used"
    enter("5")
    assert "seed 5" in _html(page, "run-caption").unsafe_innerHTML
    assert not page.find(v.Alert).widgets, "a valid seed clears the message"
    _click(page, "Step")
    enter("twelve")
    assert page.find(v.Alert, children=["Seed: 'twelve' is not a whole number (kept 5)."]).widgets
    assert _html(page, "month").attributes["data-step"] == "1", "a refused seed leaves the run alone"
    assert seed_box.v_model == "5", "the box shows the seed still in use"
    _click(page, "Reset")
    assert _html(page, "month").attributes["data-step"] == "0"
    assert "seed 5" in _html(page, "run-caption").unsafe_innerHTML


def test_a_model_that_cannot_be_built_is_reported_in_one_line(page, monkeypatch):
    def broken(*args, **kwargs):
        raise ConfigError("community.buildings = 0 is out of range; allowed: [1, 100000]")

    monkeypatch.setattr(page_mod, "Run", broken)
    page.find(v.Switch, label="Incentives (community coins)").widget.v_model = True
    alert = page.find(v.Alert).widget
    assert "Could not start the run: community.buildings = 0 is out of range" in str(alert.children)
    assert "Traceback" not in str(alert.children)
    assert _html(page, "month") is not None  # the old run is still shown


def test_a_scenario_that_cannot_be_composed_is_reported_in_one_line(page, monkeypatch):
    def broken(*args, **kwargs):
        raise ConfigError("scenario/ageing.yaml: consultation.mode = 'loud' is not allowed; allowed: none, sham, real")

    monkeypatch.setattr(L, "base_config", broken)
    _click(page, "Ageing community")
    alert = page.find(v.Alert).widget
    assert "Could not load co_creation: scenario/ageing.yaml: consultation.mode = 'loud'" in str(alert.children)
    assert "Free rider demo" in _html(page, "run-caption").unsafe_innerHTML, "the old run stays"


def test_an_error_while_stepping_is_reported_and_stops_the_run(page, monkeypatch):
    _click(page, "Step")

    def failing(self):
        raise FloatingPointError("overflow in trust update")

    monkeypatch.setattr(Run, "step", failing)
    _click(page, "Step")
    alert = page.find(v.Alert).widget
    assert str(alert.children) == "['The model stopped at month 1: overflow in trust update']"


def test_cli_refuses_a_bad_port_in_one_line():
    res = run_cli("app", "--port", "70000", timeout=60)
    assert res.returncode == 2
    assert res.stderr.strip() == "--port = 70000 is out of range; allowed: 1–65535"


# ---------------------------------------------------------------------------- foreign frames and requests
@pytest.mark.parametrize("index, raw", [(i, raw) for i in range(3)
                                        for raw in ("fast", float("nan"), float("inf"), -float("inf"), 10**400, None)])
def test_a_forged_slider_value_gives_a_message_not_a_traceback(page, index, raw):
    """A websocket frame may set any slider's ``v_model`` to anything: the page clamps or refuses it with one
    line (speed: falls back to its default), the run goes on; Solara's own casts would raise here."""
    _click(page, "Step")
    sliders = page.find(v.Slider).widgets
    assert len(sliders) == 3
    sliders[index].v_model = raw
    assert _html(page, "month").attributes["data-step"] == "1", "a refused value leaves the run alone"
    if index:  # free-rider share, buildings: a message names the lever
        (alert,) = page.find(v.Alert).widgets
        label = L.LABELS["free_rider_share" if index == 1 else "buildings"]
        assert alert.children[0].startswith(f"{label}: ") and "\n" not in alert.children[0]
        assert "is not a" in alert.children[0] and "(kept " in alert.children[0]
    else:
        assert f"Speed: <b>{L.DEFAULT_SPEED}</b>" in _text(page)


FORGED = ["fast", float("nan"), float("inf"), 10**400, None, [1, 2], {"a": 1}, -1, True, "", "x" * 10_000]


@pytest.mark.slow
@pytest.mark.parametrize("widget", [v.Slider, v.Switch, v.BtnToggle, v.TextField])
def test_no_forged_value_of_any_widget_raises(page, widget):
    """Every slider, switch, toggle and text box, set to each of ``FORGED`` (the box also "entered"): the page
    answers with at most one message line each time, never an exception (``handle_error=False`` re-raises)."""
    for raw in FORGED:
        for w in page.find(widget).widgets:
            w.v_model = raw
            if widget is v.TextField:
                w.fire_event("keyup.enter", {})
            alerts = [a.children[0] for a in page.find(v.Alert).widgets]
            assert all("\n" not in a and len(a) < 300 for a in alerts), alerts


def test_a_huge_seed_or_lever_value_is_a_message():
    assert L.parse_seed(10**5000, 3) == (4294967295, "Seed: 10000000000000000000… (5001 digits) is outside "
                                                     "0–4294967295; set to 4294967295.")
    assert L.parse_seed("9" * 5000, 3)[0] is None
    levers = L.levers_from_config(L.base_config(L.load_presets()[0]["free_riders"]))
    assert L.set_lever(levers, "buildings", 10**400)[1].endswith("is not a whole number (kept "
                                                                f"{levers.buildings}).")


def _call(app, kind: str, path: str, headers: dict, method: str = "GET") -> list[dict]:
    """The ASGI messages ``app`` sends for one request (Starlette's TestClient needs httpx, not installed)."""
    import asyncio

    scope = {"type": kind, "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in {"Host": "127.0.0.1:8765", **headers}.items()],
             "scheme": "ws" if kind == "websocket" else "http", "server": ("127.0.0.1", 8765),
             "client": ("127.0.0.1", 50000), "extensions": {"websocket.http.response": {}}}
    if kind == "http":
        scope.update(method=method, http_version="1.1")
    incoming = [{"type": "websocket.connect"} if kind == "websocket" else
                {"type": "http.request", "body": b"", "more_body": False}]
    sent: list[dict] = []

    async def receive():
        return incoming.pop(0) if incoming else {"type": f"{kind}.disconnect", "code": 1000}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def _status(sent: list[dict]) -> int:
    """HTTP status of a response or of a websocket's denial; 101 for an accepted websocket."""
    for m in sent:
        if m["type"] in ("http.response.start", "websocket.http.response.start"):
            return m["status"]
        if m["type"] == "websocket.accept":
            return 101
    raise AssertionError(sent)


@pytest.fixture
def guarded_app(tmp_path):
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route, WebSocketRoute

    from app.server import guarded

    async def ws_endpoint(ws):
        await ws.accept()
        await ws.close()

    inner = Starlette(routes=[
        Route("/", lambda r: PlainTextResponse("page")),
        Route("/resourcez", lambda r: PlainTextResponse("internals")),
        Route("/_solara/cdn/{path:path}", lambda r: PlainTextResponse("fetched from the cdn")),
        Route("/post", lambda r: PlainTextResponse("posted"), methods=["POST"]),
        WebSocketRoute("/jupyter/api/kernels/{k}/channels", ws_endpoint)])
    (tmp_path / "requirejs@2.3.6").mkdir()
    (tmp_path / "requirejs@2.3.6" / "require.js").write_text("//")
    return guarded(inner, host="127.0.0.1", cache_dir=tmp_path)


def test_the_kernel_websocket_refuses_a_foreign_origin(guarded_app):
    url = "/jupyter/api/kernels/k/channels"
    assert _status(_call(guarded_app, "websocket", url, {"Origin": "http://evil.example"})) == 403
    assert _status(_call(guarded_app, "websocket", url, {"Origin": "http://127.0.0.1:8765"})) == 101  # the page
    assert _status(_call(guarded_app, "websocket", url, {})) == 101  # a client that is not a browser
    assert _status(_call(guarded_app, "http", "/post", {"Origin": "http://evil.example"}, "POST")) == 403
    assert _status(_call(guarded_app, "http", "/post", {"Origin": "http://127.0.0.1:8765"}, "POST")) == 200


def test_a_foreign_host_name_is_refused(guarded_app):
    """DNS rebinding: evil.example resolved to 127.0.0.1 sends Origin = Host = evil.example."""
    assert _status(_call(guarded_app, "http", "/", {"Host": "evil.example:8765"})) == 400
    assert _status(_call(guarded_app, "http", "/", {"Host": "localhost:8765"})) == 200
    assert _status(_call(guarded_app, "http", "/", {"Host": "[::1]:8765"})) == 200
    assert _status(_call(guarded_app, "http", "/", {"Host": ""})) == 400
    assert _status(_call(guarded_app, "websocket", "/jupyter/api/kernels/k/channels",
                         {"Host": "evil.example:8765", "Origin": "http://evil.example:8765"})) == 400


def test_assets_come_from_the_local_cache_only_and_internal_endpoints_are_closed(guarded_app):
    assert _status(_call(guarded_app, "http", "/_solara/cdn/requirejs@2.3.6/require.js", {})) == 200  # cached
    for path in ("/_solara/cdn/evil.example/x.js", "/_solara/cdn/requirejs@2.3.6/../../../etc/passwd",
                 "/_solara/cdn/requirejs@2.3.6/missing.js", "/resourcez", "/resourcez/"):
        assert _status(_call(guarded_app, "http", path, {})) == 404, path
    assert _status(_call(guarded_app, "http", "/", {})) == 200


def test_allowed_hosts_follow_the_address_listened_on():
    from app.server import allowed_hosts

    assert allowed_hosts("127.0.0.1") == ["127.0.0.1", "::1", "localhost"]
    assert allowed_hosts("192.168.1.5") == ["192.168.1.5"]
    assert allowed_hosts("0.0.0.0") is None


@pytest.mark.parametrize("text, message", [
    ("presets: [\n  {key: x\n", r"presets\.yaml is not valid YAML at line 3, column 1: "),
    ("- a\n- b\n", r"presets\.yaml must be a mapping with a presets list, got \['a', 'b'\]"),
    ("presets: {key: x}\n", r"presets\.yaml: presets must be a list of presets, got dict"),
    ("presets: [7]\n", r"presets\.yaml: preset 0 must be a mapping of fields, got 7"),
    ("presets:\n  - {key: [1], label: X, scenario: top_down, community: demo}\n",
     r"presets\.yaml: preset 0 key = \[1\] must be text"),
    ("presets:\n  - {key: x, label: X, scenario: top_down, community: demo, alternatives: co_creation}\n",
     r"presets\.yaml: preset 0 alternatives = 'co_creation' must be a list of scenario names"),
    ("presets:\n  - {key: x, label: X, scenario: top_down, community: demo, overrides: [1]}\n",
     r"presets\.yaml: preset 0 overrides = \[1\] must be a mapping"),
])
def test_a_broken_presets_file_is_one_config_error_line(tmp_path, text, message):
    bad = tmp_path / "presets.yaml"
    bad.write_text(text)
    with pytest.raises(ConfigError, match="^" + message) as e:
        L.load_presets(bad)
    assert "\n" not in str(e.value)
    with pytest.raises(ConfigError, match=r"^nowhere\.yaml cannot be read: No such file or directory$"):
        L.load_presets(tmp_path / "nowhere.yaml")
