"""Grading on a Dask cluster (``grade --scheduler``), for real on loopback: a ``dask scheduler`` and two
``dask worker`` processes started here, a PostgreSQL gradebook (conftest's ``postgres_url``). The CSV is
the one local grading writes; a worker killed mid-batch loses no grade, and its students are graded by
the other worker."""
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

import catalogue
from autograder import paths

A = "lab3_optimizers"


def _start(command, log):
    """A process of the cluster, from this repository (its workers import the grading package)."""
    env = dict(os.environ, PYTHONPATH=str(paths.REPO))
    return subprocess.Popen(command, cwd=paths.REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(scheduler address, [worker processes]): a scheduler and two one-thread workers on 127.0.0.1."""
    pytest.importorskip("distributed")
    root = tmp_path_factory.mktemp("dask")
    dask = str(paths.REPO / ".venv" / "bin" / "dask") if (paths.REPO / ".venv" / "bin" / "dask").exists() else "dask"
    scheduler_file = root / "scheduler.json"
    logs = open(root / "cluster.log", "w")
    processes = [_start([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                         "--scheduler-file", str(scheduler_file)], logs)]
    deadline = time.monotonic() + 60
    while not scheduler_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    import json
    address = json.loads(scheduler_file.read_text())["address"]
    workers = [_start([dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", name,
                       "--local-directory", str(root / name)], logs) for name in ("w1", "w2")]
    processes += workers
    from distributed import Client
    with Client(address, timeout=30) as client:
        client.wait_for_workers(2, timeout=60)
    yield address, workers
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    logs.close()


def _batch(folder, release_nb, solution_nb, students):
    """Right, wrong and hostile submissions (``students``: how many of each kind)."""
    import submissions_lab3
    kinds = {"right": catalogue.right(A), "mistake": catalogue.mistake(A, "adam_beta2_0999"),
             "cheat": submissions_lab3.SUBMISSIONS["cheat_fake_report"], "blank": catalogue.blank(A)}
    for number in range(students):
        for kind, make in kinds.items():
            make(folder / f"{kind}_{number:02d}", release_nb, solution_nb)


def _grade(submitted, csv, course, *options):
    command = [sys.executable, "-m", "autograder", "grade", str(submitted), "--csv", str(csv), "--course-dir",
               str(course), *options] + ([] if catalogue.SANDBOX else ["--no-sandbox"])
    return subprocess.Popen(command, cwd=paths.REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_batch_graded_on_the_cluster_is_graded_as_locally(tmp_path, cluster, postgres_url, release_nb, solution_nb):
    address, _ = cluster
    _batch(tmp_path / "submitted", release_nb, solution_nb, students=1)
    on_cluster = _grade(tmp_path / "submitted", tmp_path / "cluster.csv", tmp_path / "course", "--scheduler", address,
                        "--db-url", postgres_url)
    local = _grade(tmp_path / "submitted", tmp_path / "local.csv", tmp_path / "local", "--workers", "2")
    out_cluster, out_local = on_cluster.communicate(timeout=900)[0], local.communicate(timeout=900)[0]
    assert on_cluster.returncode == 0, out_cluster
    assert local.returncode == 0, out_local
    assert (tmp_path / "cluster.csv").read_text() == (tmp_path / "local.csv").read_text()
    rows = (tmp_path / "cluster.csv").read_text()
    full, most = catalogue.csv_scores(A)
    assert f"right_00,{A},{A},{full},{most},graded" in rows and ",tampered," in rows
    assert "about" in out_cluster and "to go" in out_cluster  # progress and time estimate, as for local workers


def test_a_worker_killed_mid_batch_loses_nothing(tmp_path, cluster, release_nb, solution_nb):
    """One worker killed (SIGKILL, as a machine that goes away) once the batch is under way: every
    submission still has its row, graded by the other worker, and a second run keeps them all."""
    address, workers = cluster
    _batch(tmp_path / "submitted", release_nb, solution_nb, students=3)
    run = _grade(tmp_path / "submitted", tmp_path / "grades.csv", tmp_path / "course", "--scheduler", address)
    journal = tmp_path / "course" / "journal.json"
    deadline = time.monotonic() + 300
    while (not journal.exists() or journal.read_text().count('"fingerprint"') < 2) and time.monotonic() < deadline:
        time.sleep(0.2)  # two students graded: the batch is under way
    victim = psutil.Process(workers[0].pid)
    for process in [victim] + victim.children(recursive=True):
        process.kill()
    out = run.communicate(timeout=900)[0]
    assert run.returncode == 0, out
    rows = [line.split(",") for line in (tmp_path / "grades.csv").read_text().splitlines()[1:]]
    assert sorted(r[0] for r in rows) == sorted(p.name for p in (tmp_path / "submitted").iterdir())
    assert {r[5] for r in rows} <= {"graded", "tampered"}, rows  # nothing lost, nothing left ungraded
    again = _grade(tmp_path / "submitted", tmp_path / "again.csv", tmp_path / "course", "--scheduler", address)
    out = again.communicate(timeout=600)[0]
    assert again.returncode == 0 and out.count("already graded, kept") == len(rows), out
    assert (tmp_path / "again.csv").read_text() == (tmp_path / "grades.csv").read_text()


def test_a_cluster_that_cannot_grade_is_refused_with_a_reason_and_the_csv(tmp_path, release_nb, solution_nb):
    """No scheduler at the address, or workers of several threads (two students would share one kernel
    factory): the command says why, and every row of the CSV says it was not graded."""
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    from autograder.engine.grading import grade
    catalogue.right(A)(tmp_path / "submitted" / "ann", release_nb, solution_nb)
    with pytest.raises(RuntimeError, match="no Dask scheduler answers at tcp://127.0.0.1:9"):
        grade(tmp_path / "submitted", tmp_path / "g.csv", course_dir=tmp_path / "course", limits=catalogue.LIMITS,
              scheduler="tcp://127.0.0.1:9", log=lambda m: None)
    assert "not graded: no Dask scheduler answers" in (tmp_path / "g.csv").read_text()
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as threaded:
        with pytest.raises(RuntimeError, match="run several threads"):
            grade(tmp_path / "submitted", tmp_path / "g.csv", course_dir=tmp_path / "course",
                  limits=catalogue.LIMITS, scheduler=threaded.scheduler_address, log=lambda m: None)


def test_a_worker_that_cannot_grade_for_this_command_is_refused_at_once(tmp_path, cluster, release_nb, solution_nb):
    """A worker started without this checkout on its path (it would die on its first student, and the
    command would wait for ever) is named, with the way to start it, before anything is graded."""
    address, _ = cluster
    from autograder.engine.grading import grade
    log = open(tmp_path / "stray.log", "w")
    stray = subprocess.Popen([str(paths.REPO / ".venv" / "bin" / "dask"), "worker", address, "--nthreads", "1",
                              "--no-nanny", "--no-dashboard", "--name", "stray"], cwd="/", stdout=log,
                             stderr=subprocess.STDOUT, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
                             start_new_session=True)
    try:
        from distributed import Client
        with Client(address, timeout=30) as client:
            deadline = time.monotonic() + 60
            while not any(w.get("name") == "stray" for w in client.scheduler_info()["workers"].values()):
                assert time.monotonic() < deadline, "the stray worker did not join"
                time.sleep(0.2)
        catalogue.right(A)(tmp_path / "submitted" / "ann", release_nb, solution_nb)
        start = time.monotonic()
        with pytest.raises(RuntimeError, match="cannot import the grader"):
            grade(tmp_path / "submitted", tmp_path / "g.csv", course_dir=tmp_path / "course",
                  limits=catalogue.LIMITS, scheduler=address, log=lambda m: None)
        assert time.monotonic() - start < 60
        assert "not graded: Dask workers cannot grade for this command" in (tmp_path / "g.csv").read_text()
    finally:
        os.killpg(stray.pid, signal.SIGKILL)
        stray.wait()
        log.close()


def test_a_threaded_worker_that_joins_mid_batch_grades_nobody_wrong(tmp_path, cluster, release_nb, solution_nb,
                                                                    monkeypatch):
    """A worker of two threads joins after the command checked the cluster (two students would share its
    kernel factory): the students it is given get a row that says why, never a grade, and the same command
    run again once it is gone grades them; the others' grades stand."""
    from autograder.engine import grading
    address, _ = cluster
    log = open(tmp_path / "threaded.log", "w")
    late = []
    checked = grading.Cluster._check_workers

    def check_then_let_a_threaded_worker_join(self, limits):
        checked(self, limits)
        late.append(_start([str(paths.REPO / ".venv" / "bin" / "dask"), "worker", address, "--nthreads", "2",
                            "--no-nanny", "--no-dashboard", "--name", "threaded",
                            "--local-directory", str(tmp_path / "threaded")], log))
        deadline = time.monotonic() + 60
        while not any(w.get("name") == "threaded" for w in self.client.scheduler_info()["workers"].values()):
            assert time.monotonic() < deadline, "the threaded worker did not join"
            time.sleep(0.2)
    monkeypatch.setattr(grading.Cluster, "_check_workers", check_then_let_a_threaded_worker_join)
    _batch(tmp_path / "submitted", release_nb, solution_nb, students=2)
    try:
        first = grading.grade(tmp_path / "submitted", tmp_path / "g.csv", course_dir=tmp_path / "course",
                              limits=catalogue.LIMITS, scheduler=address, log=lambda m: None)
    finally:
        for process in late:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    refused = [r for r in first if r["status"] == "error"]
    assert refused, "the threaded worker was given no student"
    assert all("this Dask worker runs 2 threads" in r["message"] for r in refused), refused
    monkeypatch.setattr(grading.Cluster, "_check_workers", checked)
    second = grading.grade(tmp_path / "submitted", tmp_path / "g2.csv", course_dir=tmp_path / "course",
                           limits=catalogue.LIMITS, scheduler=address, log=lambda m: None)
    by_student = {r["student_id"]: r for r in second}
    assert {r["status"] for r in second} <= {"graded", "tampered"}, second
    for row in first:
        if row["status"] != "error":  # kept as graded the first time
            assert (row["status"], row["score"]) == (by_student[row["student_id"]]["status"],
                                                     by_student[row["student_id"]]["score"])
    full = catalogue.points(A)[1]
    assert all(r["score"] == full for r in second if r["student_id"].startswith("right")), second


def test_when_no_worker_is_left_the_command_stops_and_says_so(tmp_path, cluster, release_nb, solution_nb,
                                                              monkeypatch):
    """The last worker killed mid-batch: after ``Cluster.ALONE_SECONDS`` without any worker, the command
    stops instead of waiting for ever; the graded rows are kept, the others say why (last test of the
    module: it leaves the cluster without workers)."""
    import threading

    from autograder.engine import grading
    address, workers = cluster
    monkeypatch.setattr(grading.Cluster, "ALONE_SECONDS", 3)
    _batch(tmp_path / "submitted", release_nb, solution_nb, students=2)
    journal = tmp_path / "course" / "journal.json"

    def kill_the_workers_once_one_is_graded():
        deadline = time.monotonic() + 300
        while (not journal.exists() or '"fingerprint"' not in journal.read_text()) and time.monotonic() < deadline:
            time.sleep(0.2)
        for worker in workers:
            if worker.poll() is None:
                for process in [psutil.Process(worker.pid)] + psutil.Process(worker.pid).children(recursive=True):
                    process.kill()
    killer = threading.Thread(target=kill_the_workers_once_one_is_graded)
    killer.start()
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="no Dask worker has been left"):
        grading.grade(tmp_path / "submitted", tmp_path / "g.csv", course_dir=tmp_path / "course",
                      limits=catalogue.LIMITS, scheduler=address, log=lambda m: None)
    killer.join()
    assert time.monotonic() - start < 300
    rows = [line.split(",") for line in (tmp_path / "g.csv").read_text().splitlines()[1:]]
    assert len(rows) == 8 and any(r[5] in ("graded", "tampered") for r in rows), rows
    assert all(r[5] in ("graded", "tampered") or "no Dask worker has been left" in ",".join(r[6:]) for r in rows), rows
