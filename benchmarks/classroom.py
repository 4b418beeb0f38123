"""How fast a classroom round turns over with 30 players, and the server's memory after 100 rounds.

    .venv/bin/python benchmarks/classroom.py                 # 30 simulated clients, 100 rounds (~10 s)
    .venv/bin/python benchmarks/classroom.py --browsers 30   # also 30 phones in Chromium (minutes)

Prints, for the demo community (299 adults):

1. **simulated clients** (``--clients``, default 30): one thread per player does what a
   player's page does (:mod:`app.classroom_page`): waits on :meth:`Session.wait`, builds its view
   (:meth:`Session.view`) when what it shows changes (:meth:`Session.player_key`), and answers. Per round, the time from the
   last answer (which closes the round: the model steps a month) to every client holding a view
   of the next round; then the process's memory (RSS) after ``--rounds`` (default 100) rounds.
2. **browsers** (``--browsers N``): a real ``python -m app.classroom`` server and N players, each
   in a phone-sized Chromium context, answering through the page (Playwright). Per round, the
   time from the last "Send" click to every page showing the next round (a MutationObserver in
   each page stamps when ``#round`` changes; one machine, one clock), and the server's RSS
   after the rounds (``--browser-rounds``, default 100).

The issue's target: under 1 s from the last answer to every screen showing the next round.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import psutil  # noqa: E402


def rss_mb(pid: int | None = None) -> float:
    return psutil.Process(pid or os.getpid()).memory_info().rss / 2**20


def summary(name: str, seconds: list[float]) -> str:
    ms = 1000 * np.asarray(seconds)
    return (f"{name}: median {np.median(ms):.0f} ms, 95th percentile {np.percentile(ms, 95):.0f} ms, "
            f"max {ms.max():.0f} ms over {len(ms)} rounds")


def simulated(clients: int, rounds: int) -> None:
    from app import classroom as C

    before = rss_mb()
    s = C.Session(C.Settings(max_players=clients, round_seconds=900))
    players = [s.join(s.join_code, f"p{k}") for k in range(clients)]
    built = rss_mb()
    shown = [[0.0] * (rounds + 2) for _ in players]  # when each client first held a view of each round
    stop = threading.Event()

    def client(k: int) -> None:
        token, version, key = players[k].token, -1, None
        while not stop.is_set():
            version = s.wait(version, 1.0)
            s.seen(token)
            if s.player_key(token) == key:  # as the page: re-rendered only when what it shows changed
                continue
            key = s.player_key(token)
            r = s.view(token)["round"]
            if r and not shown[k][r]:
                shown[k][r] = time.perf_counter()

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    rng = np.random.default_rng(0)
    s.start()
    latencies = []
    for r in range(1, rounds + 1):
        while not all(shown[k][r] for k in range(clients)):  # every client has the round before answering
            time.sleep(0.001)
        for p in players[:-1]:
            s.answer(p.token, float(rng.uniform(0, s.model.state.time_budget[p.resident])))
        last = players[-1]
        t0 = time.perf_counter()
        s.answer(last.token, 1.0)  # closes the round: the model steps, the next round opens
        while not all(shown[k][r + 1] for k in range(clients)):
            time.sleep(0.0005)
        latencies.append(max(shown[k][r + 1] for k in range(clients)) - t0)
    stop.set()
    after = rss_mb()
    print(f"Simulated clients: {clients} players, demo community ({s.model.n_residents} adults), {rounds} rounds")
    print("  " + summary("last answer → every client holds the next round", latencies))
    print(f"  memory (RSS): {before:.0f} MB before the session, {built:.0f} MB with it built, "
          f"{after:.0f} MB after {rounds} rounds (+{after - built:.1f} MB); CSV {len(s.csv_text()) / 1024:.0f} kB, "
          f"{len(s.rows)} rows")


OBSERVER = """
window.__shown = {};
new MutationObserver(() => {
  const r = document.querySelector('#round')?.dataset.round;
  if (r && !(r in window.__shown)) window.__shown[r] = Date.now();
}).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-round']});
"""


def browsers(n: int, rounds: int) -> None:
    from playwright.sync_api import sync_playwright

    from app import assets
    from app import browser as B

    assets.ensure(quiet=True)
    port = B.free_port()
    log = ROOT / "test-artifacts" / "classroom_bench_server.log"
    log.parent.mkdir(exist_ok=True)
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "-m", "app.classroom", "--port", str(port), "--max-players", str(n),
                                   "--round-seconds", "900"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while "Players join at" not in log.read_text():
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the classroom server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        text = log.read_text()
        console = re.search(r"^Trainer console: (\S+)$", text, re.M).group(1)
        join, code = re.search(r"^Players join at: (\S+) with code (\S+)$", text, re.M).groups()
        with sync_playwright() as p:
            browser = B.launch(p)
            trainer = browser.new_page(viewport=B.VIEWPORT)
            trainer.set_default_timeout(120_000)
            for _ in range(60):  # the server answers HTTP a moment after printing
                try:
                    trainer.goto(console)
                    break
                except Exception:  # noqa: BLE001
                    time.sleep(0.5)
            trainer.wait_for_selector("#join-code")
            pages = []
            for k in range(n):
                page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
                page.set_default_timeout(120_000)
                page.add_init_script(OBSERVER)
                page.goto(f"{join}?code={code}")
                page.get_by_label("Nickname").fill(f"p{k}")
                page.get_by_role("button", name="Join").click()
                page.wait_for_selector("#me")
                pages.append(page)
            joined = rss_mb(server.pid)
            print(f"  {n} players joined", file=sys.stderr, flush=True)
            trainer.get_by_role("button", name="Start round 1").click()
            latencies = []
            rng = np.random.default_rng(0)
            for r in range(1, rounds + 1):
                for page in pages:
                    page.wait_for_selector(f"#round[data-round='{r}']")
                for page in pages:
                    page.get_by_label(re.compile("Hours you give")).fill(f"{rng.uniform(0, 8):.1f}")
                for page in pages[:-1]:
                    page.get_by_role("button", name="Send").click()
                for page in pages[:-1]:
                    page.wait_for_function("document.querySelector('#answer-message')?.textContent.startsWith('Sent')")
                t0 = time.time() * 1000
                pages[-1].get_by_role("button", name="Send").click()
                shown = [page.wait_for_function(f"window.__shown['{r + 1}']").json_value() for page in pages]
                latencies.append((max(shown) - t0) / 1000)
                print(f"  round {r}: {1000 * latencies[-1]:.0f} ms", file=sys.stderr, flush=True)
            after = rss_mb(server.pid)
            print(f"Browsers: {n} players in Chromium (one phone context each) + the trainer's console, "
                  f"{rounds} rounds")
            print("  " + summary("last Send click → every page shows the next round", latencies))
            print(f"  server memory (RSS): {joined:.0f} MB with {n} players joined, {after:.0f} MB after "
                  f"{rounds} rounds (+{after - joined:.1f} MB)")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/classroom.py", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30, help="simulated players (default 30; 1–100)")
    parser.add_argument("--rounds", type=int, default=100, help="rounds with simulated clients (default 100)")
    parser.add_argument("--browsers", type=int, default=0, help="players in Chromium too (default 0: none; 1–100)")
    parser.add_argument("--browser-rounds", type=int, default=100, help="rounds in the browsers (default 100)")
    args = parser.parse_args(argv)
    for key, value, lo, hi in (("--clients", args.clients, 1, 100), ("--rounds", args.rounds, 1, 10_000),
                               ("--browsers", args.browsers, 0, 100), ("--browser-rounds", args.browser_rounds, 1,
                                                                      10_000)):
        if not lo <= value <= hi:
            print(f"{key} = {value} is out of range; allowed: {lo}–{hi}", file=sys.stderr)
            return 2
    simulated(args.clients, args.rounds)
    if args.browsers:
        browsers(args.browsers, args.browser_rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
