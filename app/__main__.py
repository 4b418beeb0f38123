"""Serve the trainer's live page: ``python -m app [--host HOST] [--port PORT]``.

Binds 127.0.0.1 (this machine only) unless a host is passed on purpose, e.g.
``--host 0.0.0.0`` to let others on the room's network open it. Prints the address first.

The server refuses cross-origin websockets, foreign ``Host`` names, CDN fetches and Solara's
internal endpoints (:mod:`app.server`).
"""

from __future__ import annotations

import argparse
import os
import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        print(f"--port = {args.port} is out of range; allowed: 1–65535", file=sys.stderr)
        return 2

    # Fail early with one line if the presets or their scenarios are broken.
    from app.levers import load_presets
    from model.params import ConfigError

    try:
        load_presets()
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    from app import assets

    try:  # Solara's JavaScript, from the npm registry into Solara's asset cache (once per venv)
        assets.ensure()
    except Exception as e:  # noqa: BLE001 - the server may still reach the CDN itself
        print(f"warning: could not fetch the page's assets ({e}); the page may stay blank offline", file=sys.stderr)

    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    print(f"Live page: http://{shown}:{args.port}", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"(listening on {args.host}: other machines on the network can open it)", flush=True)

    import warnings

    from solara.__main__ import main as solara_main

    # Solara warns on every new browser session that plain-http cookies fall back to samesite=lax:
    # expected on 127.0.0.1, and noise in the trainer's terminal.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    os.environ.setdefault("SOLARA_APP", "app.page")
    from app import server

    server.install(args.host)  # refuse foreign origins, CDN fetches and internal endpoints (app.server)
    sys.argv = ["solara", "run", "app.page", "--host", args.host, "--port", str(args.port),
                "--production", "--no-open", "--log-level", "warning"]
    return solara_main()


if __name__ == "__main__":
    sys.exit(main())
