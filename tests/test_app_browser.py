"""The trainer's live page end to end, as a person uses it: a real server and Debian's Chromium.

Starts ``python -m app`` on a free port of 127.0.0.1, drives headless Chromium
(``/usr/bin/chromium``) through Playwright, and saves screenshots in ``test-artifacts/``.
Runs in CI (``.ci/run`` installs Debian's chromium); it fails, never skips, without it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from app import browser as B
from app import draw
from model.community import CommunityModel

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_app_browser")]  # one live page: one worker

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHARTS = ("#chart-participation", "#chart-free-riders", "#chart-contribution", "#chart-trust")
expect.set_options(timeout=30_000)  # generous: CI's two cores are shared by the server and Chromium


@pytest.fixture(scope="module")
def live():
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "live_page_server.log"
    with B.serving(log=log) as url, sync_playwright() as p:
        browser = B.launch(p)
        yield url, browser, log
        browser.close()


def wait_month(page, month: int, timeout: float = 30_000) -> None:
    page.wait_for_function(f"document.querySelector('#month')?.dataset.step === '{month}'", timeout=timeout)


def press_step(page, times: int) -> None:
    start = B.month(page)
    for i in range(times):
        page.get_by_role("button", name="Step").click()
        wait_month(page, start + i + 1)
    # the graph and charts re-render with the counter; wait until the graph shows this month too
    page.wait_for_function(f"document.querySelector('#graph svg')?.dataset.step === '{start + times}'")


def drawn(page) -> dict[str, str]:
    return {sel: page.inner_html(sel) for sel in (*CHARTS, "#graph svg")}


def shown_share(page) -> tuple[str, float]:
    tile = page.locator("#tile-free-riders")
    return tile.locator(".value").inner_text(), float(tile.get_attribute("data-value"))


def card_value(page, card: str, key: str) -> str:
    """The value an institution card shows for ``key`` (its label as a slug, e.g. 'views-adopted')."""
    return page.get_attribute(f"#card-{card} [data-key='{key}']", "data-value")


def model_after(steps: int, scenario: str = "free_rider_demo", **overrides) -> CommunityModel:
    m = CommunityModel(scenario_name=scenario, community="demo", rng=0, **overrides)
    for _ in range(steps):
        m.step()
    return m


def play_until(page, month: int) -> int:
    """Press play, wait for ``month``, pause; return the month the run stopped at."""
    page.get_by_role("button", name="▶ Play").click()
    page.wait_for_function(f"Number(document.querySelector('#month').dataset.step) >= {month}", timeout=30_000)
    page.get_by_role("button", name="❚❚ Pause").click()
    expect(page.get_by_role("button", name="▶ Play")).to_be_visible()
    time.sleep(0.3)  # a step already under way when Pause arrived may still be drawn
    return B.month(page)


def shot(page, name: str) -> None:
    time.sleep(0.4)  # let button ripples fade
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_trainer_watches_free_riding_then_switches_sanctions_on(live):
    url, browser, log = live
    assert log.read_text().splitlines()[0] == f"Live page: {url}", "the address is printed first"
    assert url.startswith("http://127.0.0.1:")
    page = B.open_page(browser, url)
    page_errors: list[str] = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))

    page.get_by_role("button", name="Free riders take hold").click()
    wait_month(page, 0)
    expect(page.locator("h1")).to_have_text("Free riders take hold")
    before = drawn(page)

    press_step(page, 6)
    expect(page.locator("#month")).to_contain_text("Month 6")
    after = drawn(page)
    for sel in before:
        assert after[sel] != before[sel], f"{sel} did not change after 6 steps"
    expected = model_after(6)
    text, value = shown_share(page)
    assert value == expected.latest["free_riding_rate"]
    assert text == draw.pct(expected.latest["free_riding_rate"])
    free_rode = int(page.get_attribute("#legend-1", "data-count"))
    assert free_rode == round(expected.latest["free_riding_rate"] * expected.n_residents)
    shot(page, "live_page_1_free_riders.png")

    play_until(page, 36)

    page.get_by_label("Peer sanctions").check()
    wait_month(page, 0)
    expect(page.locator("#run-caption")).to_contain_text("peer sanctions on")
    expect(page.locator("#run-caption")).to_contain_text("Previous run (faded)")
    press_step(page, 6)
    with_sanctions = model_after(6, **{"sanctions.enabled": True})
    text, value = shown_share(page)
    assert value == with_sanctions.latest["free_riding_rate"]
    assert text == draw.pct(value)
    assert page.locator("#chart-free-riders path.ghost").count() == 1, "the run without sanctions stays, faded"
    paused = play_until(page, 36)
    time.sleep(0.7)
    assert B.month(page) == paused, "pause stops the run"
    shot(page, "live_page_2_sanctions_on.png")

    page.get_by_role("button", name="▶ Play").click()
    page.wait_for_function(f"Number(document.querySelector('#month').dataset.step) >= {paused + 6}")
    # While playing: restarts and plays on. Click, then wait for the state: a frame rendered before the
    # click reached the server may show the switch unchecked for a moment (Playwright's check() fails on
    # that); a click that was lost fails the two expectations below.
    disclosure = page.get_by_label("Disclosure (open ledger)")
    disclosure.click()
    expect(disclosure).to_be_checked()
    expect(page.locator("#run-caption")).to_contain_text("open ledger on")
    assert B.month(page) < 12
    page.wait_for_function("Number(document.querySelector('#month').dataset.step) >= 15", timeout=30_000)
    page.get_by_role("button", name="❚❚ Pause").click()
    assert not page_errors, page_errors


def test_out_of_range_values_get_a_message_not_a_traceback(live):
    url, browser, _ = live
    page = B.open_page(browser, url)
    seed = page.get_by_label("Seed")
    seed.fill("-7")
    seed.press("Enter")
    expect(page.get_by_text("Seed: -7 is outside 0–4294967295; set to 0.")).to_be_visible()
    expect(seed).to_have_value("0")
    seed.fill("twelve")
    seed.press("Enter")
    expect(page.get_by_text("Seed: 'twelve' is not a whole number (kept 0).")).to_be_visible()
    shown = page.inner_text("body")
    assert "Traceback" not in shown and "Error" not in shown
    shot(page, "live_page_3_seed_refused.png")


def test_comparison_and_ageing_presets(live):
    url, browser, _ = live
    page = B.open_page(browser, url)
    page.get_by_role("button", name="Top-down vs co-creation").click()
    expect(page.locator("#run-caption")).to_contain_text("Top-down in the demo community")
    wait_month(page, 0)
    press_step(page, 24)
    assert card_value(page, "street-office", "consultation") == "none", "top-down: no consultation"
    page.locator(".scenario-toggle").get_by_role("button", name="Co-creation").click()
    expect(page.locator("#run-caption")).to_contain_text("This run: Co-creation in the demo community")
    wait_month(page, 0)
    # one card per institution: the street office, the committee, the Party organisation, each social
    # organisation, the units in the area together and each grid's residents' body, as the model has them, then
    # the programmes (who runs each)
    fresh = model_after(0, "co_creation")
    ids = page.eval_on_selector_all("#institutions .card", "cards => cards.map(c => c.id)")
    assert ids == ["card-street-office", "card-committee", "card-party",
                   *[f"card-social-org-{k + 1}" for k in range(len(fresh.social_orgs))], "card-units",
                   *[f"card-residents-body-{k + 1}" for k in range(fresh.n_grids)], "card-programmes"]
    expect(page.locator("#card-programmes")).to_contain_text("street office")
    expect(page.locator("#card-units .title")).to_have_text(f"Units in the area ({len(fresh.units)})")
    start = card_value(page, "street-office", "views-adopted")
    # while playing, the office's adoption of residents' views moves month by month (it adapts to its KPI)
    page.get_by_role("button", name="▶ Play").click()
    seen = {start}
    deadline = time.monotonic() + 30
    while len(seen) < 3 and time.monotonic() < deadline:
        seen.add(card_value(page, "street-office", "views-adopted"))
        time.sleep(0.05)
    page.get_by_role("button", name="❚❚ Pause").click()
    expect(page.get_by_role("button", name="▶ Play")).to_be_visible()
    assert len(seen) >= 3, f"views adopted shown while playing: {seen}"
    assert card_value(page, "street-office", "consultation") == "real"
    time.sleep(0.3)  # a step already under way when Pause arrived may still be drawn
    press_step(page, 3)
    month = B.month(page)
    page.wait_for_function(f"document.querySelector('#institutions')?.dataset.step === '{month}'")
    expected = model_after(month, "co_creation")
    assert card_value(page, "street-office", "views-adopted") == expected.government.card()["views adopted"]
    assert card_value(page, "party", "joint-meeting") == expected.party.card()["joint meeting"]
    shot(page, "live_page_4_top_down_vs_co_creation.png")

    page.get_by_role("button", name="Ageing community").click()
    expect(page.locator("h1")).to_have_text("Ageing community")
    expect(page.locator("#run-caption")).to_contain_text("Co-creation in the ageing community")
    expect(page.locator("#run-caption")).to_contain_text("online off")  # the rules do not require a platform
    wait_month(page, 0)
    press_step(page, 12)
    shot(page, "live_page_5_ageing.png")


def test_an_old_estate_shows_fees_paid_on_its_chart_and_graph(live):
    url, browser, _ = live
    page = B.open_page(browser, url)
    page.get_by_role("button", name="An old estate").click()
    expect(page.locator("#run-caption")).to_contain_text("No property supervision in the old_estate community")
    wait_month(page, 0)
    press_step(page, 12)
    expected = CommunityModel(scenario_name="no_property_supervision", community="old_estate", rng=0)
    for _ in range(12):
        expected.step()
    fees = page.locator("#chart-estate path.line").first
    assert float(fees.get_attribute("data-last")) == expected.latest["fee_collection"]
    page.locator(".colour-toggle").get_by_role("button", name="Fee paid").click()
    expect(page.locator("#graph")).to_have_attribute("data-colouring", "fees")
    assert int(page.get_attribute("#legend-0", "data-count")) == int(expected.estate.paying.sum())
    expect(page.locator("#card-owners-committee")).to_be_visible()
    expect(page.locator("#card-property-1 [data-key='service']")).to_have_attribute(
        "data-value", list(expected.property_companies)[0].card()["service"])
    shot(page, "live_page_6_old_estate.png")


def test_the_server_refuses_foreign_origins_cdn_fetches_and_internal_endpoints(live):
    """The running server (the page itself loads through the same guard: the tests above)."""
    import urllib.error
    import urllib.request
    import uuid

    import websockets.sync.client as ws_client
    from websockets.exceptions import InvalidStatus

    url, _, _ = live
    for path in ("/resourcez", "/_solara/cdn/evil.example/x.js"):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url + path, timeout=10)
        assert e.value.code == 404, path
    kernel = url.replace("http://", "ws://") + f"/jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={uuid.uuid4()}"
    with pytest.raises(InvalidStatus) as e:
        ws_client.connect(kernel, origin="http://evil.example", open_timeout=10)
    assert e.value.response.status_code == 403
