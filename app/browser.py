"""Drive the live page in a real browser: start its server, open Debian's Chromium headless.

Used by the end-to-end test (``tests/test_app_browser.py``) and the speed benchmark
(``benchmarks/live_page.py``). Playwright drives the system's Chromium
(``/usr/bin/chromium``, Debian package ``chromium``); no browser is downloaded.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("COGOV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1920, "height": 1080}
"""A full-HD projector."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(port: int | None = None, timeout: float = 90.0, log: Path | None = None) -> Iterator[str]:
    """Start ``python -m app`` on 127.0.0.1 and yield its address; stop it on exit.

    Raises:
        RuntimeError: the server exited or did not answer within ``timeout`` seconds (with its output).
    """
    from app import assets

    assets.ensure(quiet=True)  # the page is blank without its JavaScript
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "app", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                text = log.read_text() if log else ""
                raise RuntimeError(f"the live page's server exited with code {proc.returncode}: {text[-2000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the live page's server did not answer on {url} within {timeout:.0f} s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()


def launch(playwright):
    """Debian's Chromium, headless, through Playwright."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_page(browser, url: str, timeout_ms: float = 60_000):
    """A new tab on the live page, once its month counter is shown."""
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(timeout_ms)
    page.goto(url)
    page.wait_for_selector("#month", timeout=timeout_ms)
    return page


def month(page) -> int:
    return int(page.get_attribute("#month", "data-step"))


def screenshot(path: Path, preset: str, months: int, colour_by_fees: bool = False,
               viewport: dict | None = None) -> Path:
    """Serve the page, choose a preset by its label, step ``months`` and save a screenshot at ``path``
    (the graph coloured by fees paid when ``colour_by_fees``)."""
    from playwright.sync_api import sync_playwright

    with serving() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport=viewport or VIEWPORT)
        page.set_default_timeout(60_000)
        page.goto(url)
        page.wait_for_selector("#month")
        page.get_by_role("button", name=preset).click()
        page.wait_for_function("document.querySelector('#month')?.dataset.step === '0'")
        for i in range(months):
            page.get_by_role("button", name="Step").click()
            page.wait_for_function(f"document.querySelector('#graph svg')?.dataset.step === '{i + 1}'")
        if colour_by_fees:
            page.locator(".colour-toggle").get_by_role("button", name="Fee paid").click()
            page.wait_for_selector("#graph[data-colouring='fees']")
        time.sleep(0.5)  # let button ripples fade
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))
        browser.close()
    return Path(path)


if __name__ == "__main__":  # python -m app.browser <png> "<preset label>" <months> [fees] [<width>x<height>]
    args = sys.argv[1:]
    size = next((a for a in args[3:] if "x" in a), None)
    vp = dict(zip(("width", "height"), map(int, size.split("x")))) if size else None
    print(screenshot(Path(args[0]), args[1], int(args[2]), "fees" in args[3:], vp))
