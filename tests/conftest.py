"""Shared fixtures: the notebooks, and one real nbgrader grading run over many submissions.

Grading is the slow part (a kernel per notebook), so every submission the grading tests need is
made once, graded in a single ``grade`` call, and each test reads its own row of the result.
"""
import csv
import hashlib
from pathlib import Path

import pytest

from autograder import notebooks, paths
from autograder.grading import grade

from submissions import SUBMISSIONS

ASSIGNMENT = NOTEBOOK = "lab3_optimizers"


@pytest.fixture(scope="session")
def solution_nb():
    return notebooks.read(paths.SOLUTIONS / ASSIGNMENT / f"{NOTEBOOK}.ipynb")


@pytest.fixture(scope="session")
def release_nb():
    return notebooks.read(paths.NOTEBOOKS / ASSIGNMENT / f"{NOTEBOOK}.ipynb")


def _digest(folder):
    """A hash of every file below ``folder`` (to prove the originals are untouched)."""
    h = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(folder)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="session")
def graded(tmp_path_factory, release_nb, solution_nb):
    """Grade every submission of ``submissions.SUBMISSIONS`` with real nbgrader, once.

    Returns a dict: rows (student_id -> CSV row), csv_rows, digests before/after, paths.
    """
    root = tmp_path_factory.mktemp("grading")
    submitted = root / "submitted"
    for student, make in SUBMISSIONS.items():
        make(submitted / student, release_nb, solution_nb)
    before = _digest(submitted)
    csv_path = root / "grades.csv"
    table = grade(submitted, csv_path, course_dir=root / "course", log=lambda m: None)
    with open(csv_path, newline="") as handle:
        csv_rows = list(csv.DictReader(handle))
    return {
        "table": table,
        "csv_rows": csv_rows,
        "rows": {r["student_id"]: r for r in csv_rows if r["assignment"] == ASSIGNMENT},
        "all_rows": csv_rows,
        "before": before,
        "after": _digest(submitted),
        "csv_path": csv_path,
        "root": root,
        "submitted": submitted,
    }
