"""Limits: endless loops, loops that ignore interrupts, os._exit, leftover processes and huge
allocations each end in a clear verdict for that student, and the batch goes on."""
import csv
import subprocess

import pytest

import catalogue
from autograder.course import Limits
from autograder.grading import grade

A = "lab3_optimizers"
LIMITS = Limits(cell_seconds=4, notebook_seconds=25, memory_mb=2048, sandbox=catalogue.SANDBOX)
SUBMISSIONS = {
    "endless_loop": "while True:\n    pass\n",
    "ignores_interrupts": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n",
    "exits_the_kernel": "import os\nos._exit(3)\n",
    "leaves_a_process": "import subprocess\nsubprocess.Popen(['sleep', '987'])\n",
    "leaves_a_daemon": "import subprocess\nsubprocess.Popen(['setsid', 'sh', '-c', 'sleep 986 & sleep 986'])\n",
    "huge_allocation": "import numpy as np\ntry:\n    big = np.ones(600_000_000)\nexcept MemoryError:\n    raise\n",
}


@pytest.fixture(scope="module")
def rows(tmp_path_factory, release_nb, solution_nb):
    root = tmp_path_factory.mktemp("limits")
    for student, code in SUBMISSIONS.items():  # right answers, with the code at the end of the last answer
        catalogue.answers(A, extra={"my_optimizer": code})(root / "submitted" / student, release_nb, solution_nb)
    catalogue.right(A)(root / "submitted" / "zz_right", release_nb, solution_nb)
    grade(root / "submitted", root / "grades.csv", course_dir=root / "course", limits=LIMITS, log=lambda m: None)
    with open(root / "grades.csv", newline="") as handle:
        return {r["student_id"]: r for r in csv.DictReader(handle)}


def test_an_interrupted_loop_costs_nothing_else(rows):
    assert rows["endless_loop"]["status"] == "graded"
    assert float(rows["endless_loop"]["score"]) == 15
    assert "interrupted" in rows["endless_loop"]["message"]


def test_a_loop_that_ignores_interrupts_is_stopped(rows):
    assert rows["ignores_interrupts"]["status"] == "timeout"
    assert float(rows["ignores_interrupts"]["score"]) == 0
    assert "did not stop when interrupted" in rows["ignores_interrupts"]["message"]


def test_a_dead_kernel_is_a_verdict(rows):
    assert rows["exits_the_kernel"]["status"] == "kernel died"
    assert "kernel stopped" in rows["exits_the_kernel"]["message"]


def test_no_process_outlives_its_notebook(rows):
    assert rows["leaves_a_process"]["status"] == rows["leaves_a_daemon"]["status"] == "graded"
    leftovers = subprocess.run(["pgrep", "-f", "sleep 98[67]"], capture_output=True, text=True).stdout
    assert not leftovers.strip()


def test_a_huge_allocation_raises_memory_error(rows):
    assert rows["huge_allocation"]["status"] == "graded"
    assert "MemoryError" in rows["huge_allocation"]["message"]
    assert float(rows["huge_allocation"]["score"]) == 15  # its functions were defined before


def test_the_batch_goes_on(rows):
    assert rows["zz_right"]["status"] == "graded" and float(rows["zz_right"]["score"]) == 15


def test_a_notebook_over_its_total_time_is_stopped(tmp_path, release_nb, solution_nb):
    """Every cell within the cell limit, the whole notebook over its own: the kernel is killed."""
    slow = "import time\ntime.sleep(3)\n"
    catalogue.answers(A, extra={"create_mini_batches": slow, "myOptParam": slow, "my_optimizer": slow})(
        tmp_path / "submitted" / "slow", release_nb, solution_nb)
    limits = Limits(cell_seconds=5, notebook_seconds=8, memory_mb=2048, sandbox=catalogue.SANDBOX)
    table = grade(tmp_path / "submitted", tmp_path / "grades.csv", course_dir=tmp_path / "course", limits=limits,
                  log=lambda m: None)
    assert table[0]["status"] == "timeout" and "more than 8 s" in table[0]["message"]
