# Quick start: `make demo` (instructor demo) and `make test` (the test suite).
# Both create .venv from requirements.txt the first time.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test lab solutions release benchmark clean

$(VENV)/installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

demo: $(VENV)/installed  ## release the lab, grade three sample submissions, print the scores
	$(PY) -m autograder demo

test: $(VENV)/installed  ## run the tests (real notebooks, real nbgrader)
	$(PY) -m pytest

lab: $(VENV)/installed  ## JupyterLab on the student notebooks
	$(VENV)/bin/jupyter lab notebooks/

solutions: $(VENV)/installed  ## JupyterLab on the instructor's notebooks (labkit and data linked in)
	$(VENV)/bin/jupyter lab solutions/

release: $(VENV)/installed  ## regenerate notebooks/ from solutions/
	$(PY) -m autograder release

benchmark: $(VENV)/installed  ## the training loop's speed against scikit-learn's (about 1 minute)
	$(PY) benchmarks/training_speed.py

clean:  ## remove the working course directories
	rm -rf .grading
