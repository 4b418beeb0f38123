"""A classroom session end to end: a real ``python -m app.classroom`` server, one trainer and five
players in Debian's Chromium (Playwright), each player in a browser context of their own (a phone).

Players join with the code, play three rounds; one does not answer and an agent decides for them
(their page says so); one closes their page and comes back to the same resident from the same
address; one disconnects for good and is taken over by an agent; the trainer switches peer
sanctions on between rounds and a player sanctions a neighbour; the debrief shows people and
model residents apart; the CSV has one row per player and round. Screenshots of the console and a
phone go to ``docs/img/`` (the README shows them). Waits are for states (``expect``), never for
a time that assumes speed: CI's two cores are shared by the server and six browser pages.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from app import browser as B

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_classroom_browser")]  # one classroom: one worker

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
IMG = ROOT / "docs" / "img"
PHONE = {"width": 390, "height": 844}
CONSOLE = {"width": 1600, "height": 1000}
expect.set_options(timeout=60_000)


@contextlib.contextmanager
def classroom_server(log: Path, timeout: float = 120.0):
    """Start ``python -m app.classroom`` on a free port; yield (console address, join address, code)."""
    from app import assets

    assets.ensure(quiet=True)
    port = B.free_port()
    out = open(log, "w")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "app.classroom", "--port", str(port), "--max-players", "6",
                             "--round-seconds", "900"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the classroom server exited with code {proc.returncode}: "
                                   f"{log.read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    if r.status == 200:
                        break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the classroom server did not answer within {timeout:.0f} s")
            time.sleep(0.3)
        text = log.read_text()
        console = re.search(r"^Trainer console: (\S+)$", text, re.M).group(1)
        join, code = re.search(r"^Players join at: (\S+) with code (\S+)$", text, re.M).groups()
        yield console, join, code
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()


@pytest.fixture(scope="module")
def room():
    ARTIFACTS.mkdir(exist_ok=True)
    with classroom_server(ARTIFACTS / "classroom_server.log") as addresses, sync_playwright() as p:
        browser = B.launch(p)
        yield browser, addresses
        browser.close()


def join(browser, join_url: str, code: str, nickname: str):
    """A phone-sized context of its own; the player types the code and a nickname."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(join_url)
    page.get_by_label("Join code").fill(code)
    page.get_by_label("Nickname").fill(nickname)
    page.get_by_role("button", name="Join").click()
    expect(page.locator("#me")).to_be_visible()
    assert "/play?t=" in page.url
    return context, page


def in_round(page, number: int) -> None:
    expect(page.locator("#round")).to_have_attribute("data-round", str(number))


def answer(page, hours: str, sanction: bool = False) -> None:
    """Send an answer; wait until it is confirmed, or until the round it closed is over (the last
    answer closes the round at once, and the next round's page has no confirmation)."""
    current = page.locator("#round").get_attribute("data-round")
    page.get_by_label(re.compile("Hours you give")).fill(hours)
    if sanction:
        page.get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_function(
        "r => (document.querySelector('#answer-message')?.textContent || '').startsWith('Sent')"
        " || document.querySelector('#round')?.dataset.round !== r", arg=current, timeout=60_000)


def shot(page, path: Path) -> None:
    time.sleep(0.5)  # let button ripples fade (cosmetic only)
    page.screenshot(path=str(path), full_page=True)


def test_a_classroom_session_with_a_trainer_and_five_players(room):
    browser, (console_url, join_url, code) = room
    assert console_url.startswith("http://127.0.0.1:") and join_url.startswith("http://127.0.0.1:")
    trainer = browser.new_page(viewport=CONSOLE)
    trainer.set_default_timeout(60_000)
    errors: list[str] = []
    trainer.on("pageerror", lambda e: errors.append(str(e)))
    trainer.goto(console_url)
    expect(trainer.locator("#join-code")).to_have_text(code)
    expect(trainer.locator("#join svg")).to_be_visible()  # the QR code

    # Without the key there is no console; a wrong code does not join.
    outsider = browser.new_page(viewport=PHONE)
    outsider.goto(console_url.split("?")[0])
    expect(outsider.get_by_text("needs the address printed in the terminal")).to_be_visible()
    outsider.goto(join_url)
    outsider.get_by_label("Join code").fill("WRONG1")
    outsider.get_by_label("Nickname").fill("Mallory")
    outsider.get_by_role("button", name="Join").click()
    expect(outsider.locator("#join-message")).to_contain_text("not this session's code")
    outsider.close()

    players = [join(browser, join_url, code, name) for name in ("Ann", "Bo", "<b>Cy</b>", "Di", "Ed")]
    pages = [p for _, p in players]
    residents = [p.locator("#me").get_attribute("data-resident") for p in pages]
    assert len(set(residents)) == 5
    expect(trainer.locator("#players tr[data-player]")).to_have_count(5)
    expect(trainer.locator("#players")).to_contain_text("<b>Cy</b>")  # escaped, shown as typed

    # Round 1: four answer (one tries too many hours first); Ed does not, the trainer closes the round.
    trainer.get_by_role("button", name="Start round 1").click()
    for page in pages:
        in_round(page, 1)
    expect(trainer.get_by_role("button", name="Start round 1")).to_have_count(0)
    pages[0].get_by_label(re.compile("Hours you give")).fill("999")
    pages[0].get_by_role("button", name="Send").click()
    expect(pages[0].locator("#answer-message")).to_contain_text("is outside 0–")
    for page, hours in zip(pages[:4], ("2", "0", "1.5", "4")):
        answer(page, hours)
    expect(trainer.locator("#answered")).to_have_text("4")
    trainer.get_by_role("button", name="Close round now").click()
    for page in pages:
        in_round(page, 2)
    expect(pages[4].locator("#outcome")).to_have_attribute("data-decided-by", "agent")
    expect(pages[4].locator("#outcome")).to_contain_text("An agent decided for you")
    expect(pages[0].locator("#outcome")).to_have_attribute("data-decided-by", "person")

    # Round 2: sanctions on; Di closes her page and comes back to the same resident; Ed leaves.
    trainer.get_by_label("Peer sanctions").click()
    expect(trainer.get_by_label("Peer sanctions")).to_be_checked()
    expect(pages[0].get_by_text("Peer sanctions are on.")).to_be_visible()
    address = pages[3].url
    pages[3].close()
    pages[3] = players[3][0].new_page()
    pages[3].goto(address)
    expect(pages[3].locator("#me")).to_have_attribute("data-resident", residents[3])
    in_round(pages[3], 2)
    players[4][0].close()  # Ed's phone is gone
    expect(trainer.locator("#players tr[data-player='5']")).to_have_attribute("data-connected", "false")
    shot(pages[0], IMG / "classroom_phone.png")
    answer(pages[0], "3", sanction=True)
    for page, hours in zip(pages[1:4], ("0", "2", "5")):
        answer(page, hours)
    for page in pages[:4]:
        in_round(page, 3)

    # Round 3: the four answer; the round closes without waiting for Ed.
    for page, hours in zip(pages[:4], ("3", "1", "2", "5")):
        answer(page, hours)
    for page in pages[:4]:
        in_round(page, 4)
    expect(trainer.locator("#status")).to_have_attribute("data-round", "4")
    shot(trainer, IMG / "classroom_console.png")

    # Debrief: people and model residents apart; the CSV: one row per player and round.
    trainer.get_by_role("button", name="End, debrief").click()
    expect(trainer.locator("#status")).to_have_attribute("data-ended", "true")
    for chart in ("#chart-contribution", "#chart-free-riding"):
        expect(trainer.locator(f"{chart} path.line-people")).to_have_count(1)
        expect(trainer.locator(f"{chart} path.line-agents")).to_have_count(1)
        expect(trainer.locator(f"{chart} rect.sanctioned-round")).to_have_count(2)
    expect(trainer.locator("#response tr[data-group='people']")).to_be_visible()
    expect(trainer.locator("#response tr[data-group='agents']")).to_be_visible()
    in_round(pages[0], 4)
    expect(pages[0].locator("#round")).to_have_attribute("data-ended", "true")
    with trainer.expect_download() as download:
        trainer.get_by_role("button", name="Download the decisions (CSV)").click()
    text = Path(download.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted((r["round"], r["player"]) for r in rows) == [(str(r), str(p)) for r in (1, 2, 3)
                                                                for p in (1, 2, 3, 4, 5)]
    for name in ("Ann", "Bo", "Cy", "Di", "Ed"):
        assert name not in text, "nicknames are never exported"
    by = {(r["round"], r["player"]): r for r in rows}
    assert by[("1", "5")]["decided_by"] == "agent" and by[("1", "1")]["decided_by"] == "person"
    assert [by[(r, "5")]["reason"] for r in ("2", "3")] == ["disconnected", "disconnected"]
    assert by[("2", "4")]["decided_by"] == "person" and by[("2", "4")]["resident"] == residents[3]
    assert by[("1", "1")]["hours"] == "2.0" and by[("2", "1")]["sanctioned"] != ""
    assert [by[(r, "1")]["sanctions_on"] for r in ("1", "2", "3")] == ["False", "True", "True"]
    shot(trainer, IMG / "classroom_debrief.png")
    assert not errors, errors
