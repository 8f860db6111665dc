"""Shared fixtures: the notebooks, and one real nbgrader grading run per lab.

Grading is the slow part (a kernel per notebook), so every submission a lab's grading tests need is
made once, graded in a single ``grade`` call, and each test reads its own row of the result.
"""
import csv
import hashlib
from pathlib import Path

import pytest

import submissions_lab2
import submissions_lab3
import submissions_lab4
from autograder import notebooks, paths
from autograder.engine.grading import grade
from catalogue import LIMITS

CATALOGUES = {"lab2_forward_backward": submissions_lab2, "lab3_optimizers": submissions_lab3,
              "lab4_regularization": submissions_lab4}


def _notebook(folder, assignment):
    return notebooks.read(folder / assignment / f"{assignment}.ipynb")


@pytest.fixture(scope="session")
def solution_nb():
    return _notebook(paths.SOLUTIONS, "lab3_optimizers")


@pytest.fixture(scope="session")
def release_nb():
    return _notebook(paths.NOTEBOOKS, "lab3_optimizers")


def _digest(folder):
    """A hash of every file below ``folder`` (to prove the originals are untouched)."""
    h = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(folder)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


_runs = {}


def graded_run(assignment, tmp_path_factory):
    """Grade every submission of the lab's catalogue with real nbgrader, once per session.

    Returns a dict: table, csv_rows, rows (student_id -> CSV row of this lab), digests, paths.
    """
    if assignment not in _runs:
        catalogue = CATALOGUES[assignment]
        root = tmp_path_factory.mktemp(f"grading_{assignment}")
        submitted = root / "submitted"
        release_nb, solution_nb = _notebook(paths.NOTEBOOKS, assignment), _notebook(paths.SOLUTIONS, assignment)
        for student, make in catalogue.SUBMISSIONS.items():
            make(submitted / student, release_nb, solution_nb)
        before = _digest(submitted)
        csv_path = root / "grades.csv"
        table = grade(submitted, csv_path, course_dir=root / "course", limits=LIMITS, log=lambda m: None)
        with open(csv_path, newline="") as handle:
            csv_rows = list(csv.DictReader(handle))
        _runs[assignment] = {
            "table": table, "csv_rows": csv_rows, "csv_path": csv_path, "root": root,
            "rows": {r["student_id"]: r for r in csv_rows if r["assignment"] == assignment},
            "before": before, "after": _digest(submitted),
        }
    return _runs[assignment]


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    return graded_run("lab3_optimizers", tmp_path_factory)


@pytest.fixture(scope="session")
def graded_lab2(tmp_path_factory):
    return graded_run("lab2_forward_backward", tmp_path_factory)


@pytest.fixture(scope="session")
def graded_lab4(tmp_path_factory):
    return graded_run("lab4_regularization", tmp_path_factory)
