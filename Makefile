# Two commands do all set-up on a fresh machine:  make run   and   make test
# Each creates the virtual environment (.venv, Python 3.12 via .python-version) when missing.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-fast test-slow venv clean compare sensitivity bench-experiments bench app classroom

# The trainer's live page: make app  (this machine only), or  make app HOST=0.0.0.0  on purpose.
# Plain '=': a HOST variable in the environment (zsh sets one) is ignored; the command line wins.
HOST = 127.0.0.1
PORT = 8765

$(STAMP): pyproject.toml
	@python3 -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 12) else "cogov needs Python >= 3.12: python3 is " + sys.version.split()[0] + " (pyenv reads .python-version)")'
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# The main job: compare top-down with co-creation (30 seeds each, 120 months) and write the
# analyst's report; the last line printed is the path of report.html.
RUN_DIR := outputs/compare/$(shell date +%Y-%m-%d_%H-%M-%S)
run: $(STAMP)
	$(PY) -m experiments.compare out=$(RUN_DIR)
	$(PY) -m analysis.report results=$(RUN_DIR)

# The tests run on every core (pytest-xdist, -n auto). Markers are on the tests (tests/conftest.py):
# test       every test but the statistical checks over hundreds of runs (about 10 minutes on 2 cores)
# test-fast  the tests not marked slow, for development (about 35 s)
# test-slow  the statistical checks over hundreds of replicated runs (about 2 minutes); .ci/run runs test and test-slow
test: $(STAMP)
	$(PY) -m pytest -q -n auto -m "not replicated"

test-fast: $(STAMP)
	$(PY) -m pytest -q -n auto -m "not slow and not replicated"

test-slow: $(STAMP)
	$(PY) -m pytest -q -n auto -m replicated

compare: $(STAMP)
	$(PY) -m experiments.compare

sensitivity: $(STAMP)
	$(PY) -m experiments.sensitivity

bench-experiments: $(STAMP)
	$(PY) benchmarks/experiments_scale.py

# Speed and memory at 1,000 to 1,000,000 residents against the idiomatic Mesa reference (~4 minutes)
bench: $(STAMP)
	$(PY) -m experiments.benchmark

app: $(STAMP)
	$(PY) -m app --host $(HOST) --port $(PORT)

# A classroom session (trainer console + players' join page) on 127.0.0.1:8766, or HOST=0.0.0.0 on purpose.
CLASSROOM_PORT = 8766
classroom: $(STAMP)
	$(PY) -m app.classroom --host $(HOST) --port $(CLASSROOM_PORT)

clean:
	rm -rf outputs multirun .pytest_cache test-artifacts
