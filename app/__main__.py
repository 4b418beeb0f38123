"""Serve the trainer's live page: ``python -m app [--host HOST] [--port PORT]``.

Binds 127.0.0.1 (this machine only) unless a host is passed on purpose, e.g.
``--host 0.0.0.0`` to let others on the room's network open it. Prints the address first.

The server refuses cross-origin websockets, foreign ``Host`` names, CDN fetches and Solara's
internal endpoints (:mod:`app.server`).
"""

from __future__ import annotations

import argparse
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

    from app import server

    server.fetch_assets()
    print(f"Live page: http://{server.shown_host(args.host)}:{args.port}", flush=True)
    return server.serve("app.page", args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
