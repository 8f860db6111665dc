"""Shared fixtures: the notebooks, and one real nbgrader grading run per lab.

Grading is the slow part (a kernel per notebook), so every submission a lab's grading tests need is
made once, graded in a single ``grade`` call, and each test reads its own row of the result.
"""
import glob
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import submissions_lab2
import submissions_lab3
import submissions_lab4
from autograder import notebooks, paths
from autograder.engine.grading import grade
from autograder.report.csv_cells import read_rows
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
        csv_rows = read_rows(csv_path)  # the exact texts: a cell the writer neutralised, given back (csv_cells)
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


# ------------------------------------------------------------------ a real PostgreSQL server
def _postgres_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL server on a unix socket; yields an SQLAlchemy URL of an empty database."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (`make postgres`)")
    run_as = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as its own user
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        run_as = ["runuser", "-u", "postgres", "--"]
    home = Path(tempfile.mkdtemp(prefix="optkit-pg-"))
    data, sockets = home / "data", home / "sockets"
    sockets.mkdir()
    if run_as:
        home.chmod(0o755)
        shutil.chown(home, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    subprocess.run(run_as + [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "grader"],
                   check=True, capture_output=True)
    subprocess.run(run_as + [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(home / "server.log"), "-w",
                             "-o", f"-k {sockets} -p {port} -c listen_addresses=''", "start"],
                   check=True, capture_output=True)
    try:
        import psycopg  # SQLAlchemy's driver for postgresql:// URLs
        with psycopg.connect(dbname="postgres", user="grader", host=str(sockets), port=port,
                             autocommit=True) as connection:
            connection.execute("CREATE DATABASE course")
        yield f"postgresql://grader@/course?host={sockets}&port={port}"
    finally:
        subprocess.run(run_as + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        time.sleep(0.2)
        shutil.rmtree(home, ignore_errors=True)
