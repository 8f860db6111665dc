# Quick start: `make demo` (instructor demo) and `make test` (the test suite).
# Both create .venv from requirements.txt the first time.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# JupyterLab refuses to start as root (a container, a server shell) unless told so
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: demo test test-fast lab solutions release benchmark comparison clean sandbox postgres browser

$(VENV)/installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

sandbox:  ## bubblewrap, the grader's sandbox (Debian's package; needs root the first time)
	@command -v bwrap >/dev/null || (apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null) \
	  || echo "WARNING: could not install bubblewrap: grading will refuse to run without --no-sandbox"
	@test ! -x $(PY) || $(PY) -c "from autograder.engine.course import sandbox_problem as p; \
	  print('WARNING: no sandbox here: ' + p() + '; grading will refuse to run without --no-sandbox' if p() else \
	  'sandbox: a kernel sees only its allow-list (README, Isolation)')"

postgres:  ## PostgreSQL (Debian's package), for the test of a shared gradebook (--db-url)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null \
	  || (apt-get update -qq && apt-get install -y -qq postgresql >/dev/null) \
	  || echo "WARNING: could not install postgresql: the PostgreSQL gradebook test will be skipped"

browser:  ## Debian's chromium, driven by playwright (from requirements.txt) in the browser tests
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
	  || echo "WARNING: could not install chromium: the browser tests will be skipped (failed under CI=true)"

demo: $(VENV)/installed sandbox  ## release the lab, grade four sample submissions, print the scores
	$(PY) -m autograder demo

test: $(VENV)/installed sandbox postgres browser  ## run the tests (real notebooks, real nbgrader, a real browser)
	$(PY) -m pytest

test-fast: $(VENV)/installed  ## the in-process tests only (checks, hints, intake): seconds, for editing a check
	$(PY) -m pytest -m fast

lab: $(VENV)/installed  ## JupyterLab on the student notebooks
	$(VENV)/bin/jupyter lab $(ALLOW_ROOT) notebooks/

solutions: $(VENV)/installed  ## JupyterLab on the instructor's notebooks (labkit and data linked in)
	$(VENV)/bin/jupyter lab $(ALLOW_ROOT) solutions/

release: $(VENV)/installed  ## regenerate notebooks/ from solutions/
	$(PY) -m autograder release

benchmark: $(VENV)/installed  ## the training loop's speed against scikit-learn's (about 1 minute)
	$(PY) benchmarks/training_speed.py

comparison: $(VENV)/installed  ## the final comparison with its defaults, beside the handout's table (about 4 minutes)
	$(PY) benchmarks/comparison_report.py

clean:  ## remove the working course directories
	rm -rf .grading
