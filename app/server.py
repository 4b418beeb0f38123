"""What the live page's server lets in: a guard around Solara's ASGI app.

Solara's server (``solara.server.starlette.app``) accepts a kernel websocket from any web
page, proxies ``/_solara/cdn/<anything>`` from a public CDN on a visitor's behalf, and
answers ``/resourcez`` and any ``Host`` name. :class:`Guard` closes those doors; :func:`install`
adds it to Solara's app before Solara's command line starts the server in this process.

- **Origin.** A websocket (and any request other than GET/HEAD) whose ``Origin`` header names
  another host than its ``Host`` header is refused with 403. A request without ``Origin``
  (not from a browser) passes: only browsers carry a visitor's cookies and network position.
- **Host.** Bound to 127.0.0.1 (the default), only ``127.0.0.1`` and ``localhost`` are valid
  ``Host`` names (400 otherwise), so a foreign name resolved to 127.0.0.1 (DNS rebinding) gets
  nothing; bound to one address, only that address. (Starlette's ``TrustedHostMiddleware`` would
  do this but reads ``[::1]:8765`` as the name ``[``.)
- **Assets.** ``/_solara/cdn/...`` is served from Solara's local asset cache
  (:mod:`app.assets` fills it from the npm registry); a file not in the cache is 404 and
  never fetched.
- **Internal endpoints.** ``/resourcez`` and Solara's test-only eviction route are 404.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

CDN_PREFIX = "/_solara/cdn/"
CLOSED_PREFIXES: tuple[str, ...] = ("/resourcez", "/_solara/api/evict/")
"""Paths of Solara's internal endpoints the page does not need."""

LOOPBACK_NAMES: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
WILDCARD_HOSTS: tuple[str, ...] = ("0.0.0.0", "::", "")


def same_origin(headers: Headers) -> bool:
    """True if the request has no ``Origin`` header or its host[:port] is the ``Host`` header's."""
    origin = headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == headers.get("host", "").lower()


def host_name(headers: Headers) -> str:
    """The name in the ``Host`` header, without port or IPv6 brackets, lower case ("" if absent)."""
    return (urlsplit("//" + headers.get("host", "")).hostname or "").lower()


def in_cache(cache_dir: Path, path: str) -> bool:
    """True if ``/_solara/cdn/<path>`` names a file inside ``cache_dir`` (no ``..`` escapes)."""
    root = cache_dir.resolve()
    target = (root / path[len(CDN_PREFIX):]).resolve()
    return target.is_relative_to(root) and target.is_file()


class Guard:
    """ASGI middleware: refuses foreign origins, CDN fetches and internal endpoints (module docstring)."""

    def __init__(self, app: ASGIApp, *, cache_dir: Path, hosts: list[str] | None) -> None:
        """``hosts``: the valid ``Host`` names (None: any)."""
        self.app = app
        self.cache_dir = Path(cache_dir)
        self.hosts = None if hosts is None else {h.lower() for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path, headers = scope["path"], Headers(scope=scope)
        if self.hosts is not None and host_name(headers) not in self.hosts:
            refusal = PlainTextResponse("Invalid host header", status_code=400)
        elif path.startswith(CLOSED_PREFIXES) or (path.startswith(CDN_PREFIX) and not in_cache(self.cache_dir, path)):
            refusal = PlainTextResponse("Not Found", status_code=404)
        elif not same_origin(headers) and (scope["type"] == "websocket" or scope["method"] not in ("GET", "HEAD")):
            refusal = PlainTextResponse("Forbidden: cross-origin request", status_code=403)
        else:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http":
            await refusal(scope, receive, send)
        elif "websocket.http.response" in scope.get("extensions", {}):
            await WebSocket(scope, receive, send).send_denial_response(refusal)
        else:  # the server answers a close before accept with 403
            await WebSocket(scope, receive, send).close(code=1008)


def allowed_hosts(host: str) -> list[str] | None:
    """Valid ``Host`` names for a server listening on ``host`` (None on all interfaces: any)."""
    if host in WILDCARD_HOSTS:
        return None
    return sorted({host, *LOOPBACK_NAMES}) if host in LOOPBACK_NAMES else [host]


def guarded(app: ASGIApp, *, host: str, cache_dir: Path) -> ASGIApp:
    """``app`` behind :class:`Guard` for a server listening on ``host``."""
    return Guard(app, cache_dir=cache_dir, hosts=allowed_hosts(host))


def install(host: str) -> None:
    """Put the guard in front of Solara's server app (call before Solara's command line starts it)."""
    import solara.server.starlette as solara_app
    from solara.server import settings

    solara_app.app.add_middleware(Guard, cache_dir=Path(settings.assets.proxy_cache_dir), hosts=allowed_hosts(host))


def fetch_assets() -> None:
    """Solara's JavaScript, from the npm registry into Solara's asset cache (once per venv); a warning on
    stderr when it cannot be fetched (the server may still reach the CDN itself)."""
    import sys

    from app import assets

    try:
        assets.ensure()
    except Exception as e:  # noqa: BLE001 - see above
        print(f"warning: could not fetch the page's assets ({e}); the page may stay blank offline", file=sys.stderr)


def shown_host(host: str) -> str:
    """The host to print in an address: 127.0.0.1 for the wildcard addresses, IPv6 in brackets."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"[{shown}]" if ":" in shown else shown


def serve(module: str, host: str, port: int) -> int:
    """Serve the Solara page ``module`` on ``host:port`` behind this module's guard (:func:`install`); returns
    Solara's exit code. Says on stdout when others on the network can open it."""
    import os
    import sys
    import warnings

    from solara.__main__ import main as solara_main

    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"(listening on {host}: other machines on the network can open it)", flush=True)
    # Solara warns on every new browser session that plain-http cookies fall back to samesite=lax:
    # expected on 127.0.0.1, and noise in the trainer's terminal.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    os.environ.setdefault("SOLARA_APP", module)
    install(host)  # refuse foreign origins, CDN fetches and internal endpoints
    sys.argv = ["solara", "run", module, "--host", host, "--port", str(port),
                "--production", "--no-open", "--log-level", "warning"]
    return solara_main()
