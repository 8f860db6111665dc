"""A PostgreSQL gradebook (``grade --db-url``), as several graders would share: a real server, started
here from Debian's postgresql package (`make postgres` installs it), with parallel workers."""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import catalogue
from autograder.engine.grading import grade

A = "lab3_optimizers"


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


def test_a_postgresql_gradebook_with_parallel_workers(tmp_path, postgres_url, release_nb, solution_nb):
    submitted = tmp_path / "submitted"
    catalogue.right(A)(submitted / "ann", release_nb, solution_nb)
    catalogue.blank(A)(submitted / "bob", release_nb, solution_nb)
    catalogue.mistake(A, "momentum_velocity_not_stored")(submitted / "cyd", release_nb, solution_nb)
    catalogue.right(A)(submitted / "dan", release_nb, solution_nb)
    table = grade(submitted, tmp_path / "grades.csv", course_dir=tmp_path / "course", db_url=postgres_url,
                  limits=catalogue.LIMITS, workers=2, log=lambda m: None)
    right = catalogue.points(A)[1]
    expected = {"ann": right, "bob": 0, "cyd": right - catalogue.test_points(A, "test_momentum"), "dan": right}
    assert {e["student_id"]: e["score"] for e in table} == expected
    assert not (tmp_path / "course" / "gradebook.db").exists()  # the grades went to PostgreSQL

    from nbgrader.api import Gradebook
    with Gradebook(postgres_url, course_id="optimizers-course") as gradebook:
        scores = {s.student.id: s.score for s in gradebook.assignment_submissions(A)}
    assert scores == expected
