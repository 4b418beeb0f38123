"""Put the browser assets Solara's server proxies from a CDN into its local asset cache.

Solara's server serves the page's JavaScript and CSS (its Vuetify app, RequireJS, Font
Awesome) under ``/_solara/cdn/NAME@VERSION/...``: it reads them from its asset cache
(``solara.server.settings.assets.proxy_cache_dir``, by default ``<venv>/share/solara/cdn``)
and fetches what is missing from a public CDN. Where that CDN cannot be reached (a workshop
room without internet, this project's CI) the page stays blank. This module fills the cache
from the npm registry with the machine's ``npm`` client: ``npm pack NAME@VERSION``, unpacked
into ``<cache>/NAME@VERSION/``.

The packages are read from Solara's page template (every ``{{cdn}}/NAME@VERSION/``) and its
Font Awesome setting, so an upgrade of Solara asks for the versions it needs. ``python -m app.assets`` prints what it
did; it is idempotent (a package already in the cache is skipped) and exits 1 with one line
when npm fails.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

EXTRA_PACKAGES: tuple[str, ...] = ()
"""Packages the page loads lazily, not named in the template (none so far)."""


def cache_dir() -> Path:
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def required_packages() -> list[str]:
    """``NAME@VERSION`` of every CDN package Solara's page template loads."""
    import solara.server
    from solara.server import settings

    package = r"((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/"
    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    found = set(re.findall(r"\{\{\s*cdn\s*\}\}/" + package, template.read_text(encoding="utf-8")))
    if settings.assets.fontawesome_enabled:  # Font Awesome's path is a setting, not in the template
        found |= set(re.findall("^/?" + package, settings.assets.fontawesome_path))
    # The template loads the Vuetify app of the installed Vue major version only (the test of
    # solara.server.server, which must not be imported before Solara's command line runs).
    import ipyvue

    vue3 = ipyvue.__version__.startswith("3")

    unused = "@widgetti/solara-vuetify-app@" if vue3 else "@widgetti/solara-vuetify3-app@"
    return sorted(p for p in found | set(EXTRA_PACKAGES) if not p.startswith(unused))


def missing(packages: list[str] | None = None) -> list[str]:
    root = cache_dir()
    return [p for p in (packages or required_packages()) if not (root / p).is_dir()]


def ensure(packages: list[str] | None = None, quiet: bool = False) -> list[str]:
    """Fetch the packages not yet in the cache; return those fetched.

    Raises:
        RuntimeError: npm is missing or a package could not be fetched (one line).
    """
    todo = missing(packages)
    if not todo:
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm not found: install Node.js and npm to fetch the page's assets "
                           f"({', '.join(todo)})")
    root = cache_dir()
    with tempfile.TemporaryDirectory(prefix="solara-assets-") as tmp:
        for spec in todo:
            proc = subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", tmp], cwd=tmp,
                                  capture_output=True, text=True, timeout=600)
            if proc.returncode != 0:
                last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
                raise RuntimeError(f"npm pack {spec} failed: {last}")
            tarball = Path(tmp) / proc.stdout.strip().splitlines()[-1]
            target = root / spec
            staging = Path(tmp) / "unpacked"
            shutil.rmtree(staging, ignore_errors=True)
            with tarfile.open(tarball) as tar:
                tar.extractall(staging, filter="data")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staging / "package"), str(target))
            if not quiet:
                print(f"fetched {spec} -> {target}")
    return todo


def main() -> int:
    try:
        fetched = ensure()
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if not fetched:
        print(f"page assets present in {cache_dir()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
