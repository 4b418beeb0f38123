"""The trainer's live page: an interactive browser page to demonstrate free riding and compare mechanisms.

``make app`` (or ``python -m app``) serves it on http://127.0.0.1:8765. The page
(:mod:`app.page`) is built with Solara, the toolkit under Mesa's ``SolaraViz``; presets are
data (``app/presets.yaml``), the levers and their ranges are in :mod:`app.levers`, and the
drawing (:mod:`app.draw`, :mod:`app.layout`) is plain SVG from numpy arrays so that a
300-resident community redraws many times a second.

The package sits outside the model core: it imports ``model`` and ``scenarios``; nothing
imports it.
"""
