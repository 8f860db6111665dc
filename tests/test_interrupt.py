"""Ctrl-C, as a terminal sends it (SIGINT to the command's process group), on a real grading command:
the first stops the batch once the notebooks being graded are done, the second at once; either way the
command exits 130 with the CSV written, the graded rows right and the others ``interrupted`` (never an
``error`` that blames the student), nothing left running, and the same command finishes the batch."""
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

import catalogue
from autograder import paths
from autograder.report.csv_cells import read_rows

A = "lab3_optimizers"


def _batch(folder, release_nb, solution_nb, students):
    for number in range(students):
        catalogue.right(A)(folder / f"right_{number}", release_nb, solution_nb)
        catalogue.mistake(A, "momentum_velocity_not_stored")(folder / f"momentum_{number}", release_nb, solution_nb)


def _start(tmp_path, workers):
    command = [sys.executable, "-m", "autograder", "grade", str(tmp_path / "submitted"), "--csv",
               str(tmp_path / "g.csv"), "--course-dir", str(tmp_path / "course"), "--workers", str(workers)]
    return subprocess.Popen(command + ([] if catalogue.SANDBOX else ["--no-sandbox"]), cwd=paths.REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _wait_for_graded(tmp_path, count, run):
    journal = tmp_path / "course" / "journal.json"
    deadline = time.monotonic() + 300
    while not journal.exists() or journal.read_text().count('"fingerprint"') < count:
        assert run.poll() is None and time.monotonic() < deadline, "the batch did not get under way"
        time.sleep(0.1)


def _rows(tmp_path):
    return read_rows(tmp_path / "g.csv")


def _right(rows):
    full = catalogue.points(A)[1]
    momentum = full - catalogue.test_points(A, "test_momentum")
    for row in rows:
        if row["status"] == "graded":
            assert float(row["score"]) == (full if row["student_id"].startswith("right") else momentum), row
        else:
            assert row["status"] == "interrupted" and "run the same command again" in row["message"], row


@pytest.mark.parametrize("workers", [1, 2])
def test_one_ctrl_c_finishes_the_notebooks_being_graded_then_stops(tmp_path, release_nb, solution_nb, workers):
    _batch(tmp_path / "submitted", release_nb, solution_nb, students=4)
    run = _start(tmp_path, workers)
    _wait_for_graded(tmp_path, 1, run)
    os.killpg(run.pid, signal.SIGINT)
    out = run.communicate(timeout=300)[0]
    assert run.returncode == 130, out
    assert "Ctrl-C: stopping once the notebooks being graded now are done" in out and "interrupted:" in out
    rows = _rows(tmp_path)
    assert len(rows) == 8 and {r["status"] for r in rows} == {"graded", "interrupted"}, rows
    _right(rows)
    if workers > 1:
        return  # the same command finishing the batch: once is enough (CI time)
    again = subprocess.run(run.args, cwd=paths.REPO, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout
    rows = _rows(tmp_path)
    assert {r["status"] for r in rows} == {"graded"}
    _right(rows)


def test_a_second_ctrl_c_stops_at_once_and_leaves_nothing_running(tmp_path, release_nb, solution_nb):
    _batch(tmp_path / "submitted", release_nb, solution_nb, students=3)
    run = _start(tmp_path, workers=2)
    _wait_for_graded(tmp_path, 1, run)
    started = psutil.Process(run.pid).children(recursive=True)
    assert started
    os.killpg(run.pid, signal.SIGINT)
    time.sleep(0.3)
    os.killpg(run.pid, signal.SIGINT)
    stopped = time.monotonic()
    out = run.communicate(timeout=120)[0]
    assert run.returncode == 130, out
    assert time.monotonic() - stopped < 30, out
    rows = _rows(tmp_path)
    assert len(rows) == 6 and "interrupted" in {r["status"] for r in rows}, rows
    _right(rows)
    time.sleep(1)
    assert [p.pid for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []
