"""Nothing lost: re-running regrades idempotently (same CSV), an interrupted run resumes and keeps
every finished grade, and the originals are never touched."""
import pytest

import catalogue
from autograder.engine.grading import grade

A = "lab3_optimizers"
FULL, MOST = catalogue.csv_scores(A)  # a right answer's score and the maximum, from solutions/


def _submissions(folder, release_nb, solution_nb):
    catalogue.right(A)(folder / "ann", release_nb, solution_nb)
    catalogue.mistake(A, "adam_beta2_0999")(folder / "ben", release_nb, solution_nb)
    catalogue.blank(A)(folder / "cho", release_nb, solution_nb)


def test_an_interrupted_run_resumes_and_matches_a_clean_run(tmp_path, release_nb, solution_nb):
    _submissions(tmp_path / "submitted", release_nb, solution_nb)
    clean_csv = tmp_path / "clean.csv"
    grade(tmp_path / "submitted", clean_csv, course_dir=tmp_path / "clean", limits=catalogue.LIMITS, log=lambda m: None)

    def interrupt_at_the_second(message):
        if message.startswith("[2/3] grading"):
            raise KeyboardInterrupt
    csv_path = tmp_path / "grades.csv"
    with pytest.raises(KeyboardInterrupt):
        grade(tmp_path / "submitted", csv_path, course_dir=tmp_path / "course", limits=catalogue.LIMITS, log=interrupt_at_the_second)
    partial = csv_path.read_text()
    assert f"ann,{A},{A},{FULL},{MOST},graded" in partial
    assert partial.count(",interrupted,") == 2

    messages = []
    grade(tmp_path / "submitted", csv_path, course_dir=tmp_path / "course", limits=catalogue.LIMITS, log=messages.append)
    assert messages[0] == "[1/3] ann / lab3_optimizers: already graded, kept"
    assert csv_path.read_text() == clean_csv.read_text()

    messages.clear()  # and once more: nothing to do, the same CSV
    grade(tmp_path / "submitted", csv_path, course_dir=tmp_path / "course", limits=catalogue.LIMITS, log=messages.append)
    assert all("already graded, kept" in m for m in messages) and len(messages) == 3
    assert csv_path.read_text() == clean_csv.read_text()

    catalogue.right(A)(tmp_path / "submitted" / "cho", release_nb, solution_nb)  # cho hands in again
    messages.clear()
    grade(tmp_path / "submitted", csv_path, course_dir=tmp_path / "course", limits=catalogue.LIMITS, log=messages.append)
    assert messages[2] == "[3/3] grading cho / lab3_optimizers"
    assert f"cho,{A},{A},{FULL},{MOST},graded" in csv_path.read_text()


def test_parallel_grading_gives_the_serial_results(tmp_path, release_nb, solution_nb):
    _submissions(tmp_path / "submitted", release_nb, solution_nb)
    catalogue.mistake(A, "momentum_velocity_not_stored")(tmp_path / "submitted" / "dan", release_nb, solution_nb)
    serial, parallel = tmp_path / "serial.csv", tmp_path / "parallel.csv"
    grade(tmp_path / "submitted", serial, course_dir=tmp_path / "one", limits=catalogue.LIMITS, log=lambda m: None)
    messages = []
    grade(tmp_path / "submitted", parallel, course_dir=tmp_path / "two", limits=catalogue.LIMITS, workers=2, log=messages.append)
    assert parallel.read_text() == serial.read_text()
    assert len(messages) == 4 and all("graded" in m and "to go" in m for m in messages)


def test_a_killed_grading_command_leaves_no_process_behind(tmp_path, release_nb, solution_nb):
    """``kill -9`` of the grading command (a closed terminal, an OOM kill): its grading processes and
    their sandboxed kernel factories end with it instead of living on as orphans."""
    import subprocess
    import sys
    import time

    import psutil

    from autograder import paths
    _submissions(tmp_path / "submitted", release_nb, solution_nb)
    command = [sys.executable, "-m", "autograder", "grade", str(tmp_path / "submitted"), "--csv",
               str(tmp_path / "g.csv"), "--course-dir", str(tmp_path / "course"), "--workers", "2"]
    if not catalogue.SANDBOX:
        command.append("--no-sandbox")
    run = subprocess.Popen(command, cwd=paths.REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    main = psutil.Process(run.pid)
    deadline = time.monotonic() + 120
    def servers():  # the workers' kernel factories, once started
        found = []
        for process in main.children(recursive=True):
            try:
                found += [process] if "fork_server.py" in " ".join(process.cmdline()) else []
            except psutil.Error:  # ended meanwhile
                pass
        return found
    while len(servers()) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    started = main.children(recursive=True)
    assert len(servers()) >= 2, started
    run.kill()
    run.wait()
    gone, alive = psutil.wait_procs(started, timeout=20)
    assert not alive, [(p.pid, p.cmdline()[:4]) for p in alive]
