"""Real-world submissions (``real_world.py``): what editors, LMS downloads and students really hand in
gets the verdict a fair instructor would give — graded with real nbgrader, in parallel, in the sandbox."""
import os
import subprocess
import sys
import time
import zipfile

import nbformat
import pytest

import catalogue
import real_world
from autograder import notebooks, paths
from autograder.authoring import samples
from autograder.engine.grading import grade
from autograder.report.csv_cells import read_rows
from submissions_lab3 import EXTRA, POINTS

A = real_world.A


def _rows(csv_path):
    return read_rows(csv_path)


@pytest.fixture(scope="module")
def real(tmp_path_factory, release_nb, solution_nb):
    root = tmp_path_factory.mktemp("real_world")
    for student, make in real_world.SUBMISSIONS.items():
        make(root / "submitted" / student, release_nb, solution_nb)
    csv_path = root / "grades.csv"
    grade(root / "submitted", csv_path, course_dir=root / "course", limits=catalogue.LIMITS, workers=2,
          log=lambda m: None)
    rows = _rows(csv_path)
    return {"rows": {r["student_id"]: r for r in rows}, "all": rows, "root": root}


@pytest.mark.parametrize("student", sorted(real_world.EXPECTED))
def test_each_real_world_submission_gets_a_fair_verdict(real, student):
    status, lost, phrases = real_world.EXPECTED[student]
    row = real["rows"][student]
    catalogue.assert_verdict(row, (status, lost), POINTS, EXTRA)
    for phrase in phrases:
        assert phrase in row["message"], (phrase, row["message"])


def test_every_student_has_exactly_one_row(real):
    assert sorted(r["student_id"] for r in real["all"]) == sorted(real_world.SUBMISSIONS)


def test_the_helper_module_travelled_into_the_grading_folder(real):
    graded = real["root"] / "course" / "autograded" / "helper_module" / A
    assert (graded / "my_optim.py").is_file()
    assert not (real["root"] / "course" / "autograded" / "link_to_grader_file" / A / "passwords.txt").exists()


def _moodle_zip(path, release_nb, solution_nb):
    right = nbformat.writes(samples.answered(release_nb, solution_nb))
    answer = samples.answer_source(notebooks.solution_cells(solution_nb)["my_optimizer"].source)
    helper = nbformat.writes(samples.answered(release_nb, solution_nb,
                                              sources={"my_optimizer": "from my_optim import my_optimizer\n"}))
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"Kim Minsu_1001_assignsubmission_file_/{A} (1).ipynb", right)      # browser's duplicate
        z.writestr("Lee Jia_1002_assignsubmission_file_/Lab3_Optimizers.ipynb", right)  # case
        z.writestr("Park Ha_1003_assignsubmission_file_/homework.ipynb", right)         # the only notebook
        z.writestr("Choi Yu_1004_assignsubmission_file_/lab3/lab3_optimizers.ipynb", helper)
        z.writestr("Choi Yu_1004_assignsubmission_file_/lab3/my_optim.py", "import numpy as np\n\n" + answer)
        z.writestr(f"Jung Ho_1005_assignsubmission_file_/{A}.ipynb", nbformat.writes(release_nb))
        z.writestr(f"Jung Ho_1005_assignsubmission_file_/{A}-Copy1.ipynb", right)      # the work is the copy
        z.writestr("Han Bo_1006_assignsubmission_file_/notes.txt", "I could not finish")
        scratch = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy as np\n\n" + "\n\n".join(
            samples.answer_source(c.source) for c in solution_nb.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("solution")))])
        z.writestr("Oh Se_1007_assignsubmission_file_/my work.ipynb", nbformat.writes(scratch))  # from scratch


def test_a_moodle_zip_follows_the_folder_policy(tmp_path, release_nb, solution_nb):
    archive = tmp_path / "moodle.zip"
    _moodle_zip(archive, release_nb, solution_nb)
    grade(archive, tmp_path / "g.csv", course_dir=tmp_path / "course", limits=catalogue.LIMITS, log=lambda m: None)
    rows = {r["student_id"]: r for r in _rows(tmp_path / "g.csv")}
    assert set(rows) == {"1001", "1002", "1003", "1004", "1005", "1006", "1007"}
    for student in ("1001", "1002", "1003", "1004", "1005", "1007"):
        catalogue.assert_verdict(rows[student], ("graded", []), POINTS, EXTRA)
    assert f"graded {A} (1).ipynb as" in rows["1001"]["message"]
    assert "graded homework.ipynb as lab3_optimizers/lab3_optimizers.ipynb (it holds this lab's cells)" \
        in rows["1003"]["message"]
    assert "graded my work.ipynb as lab3_optimizers/lab3_optimizers.ipynb (the only notebook handed in)" \
        in rows["1007"]["message"]
    assert "copied with the notebook: my_optim.py" in rows["1004"]["message"]
    assert f"also found, not graded: {A}.ipynb" in rows["1005"]["message"]
    assert rows["1006"]["status"] == "missing notebook" and "notes.txt" in rows["1006"]["message"]


def test_nothing_gradable_still_writes_the_csv_with_the_venv_not_activated(tmp_path, release_nb):
    """A zip whose only notebook names no student, into a new course directory, from a shell where the
    virtual environment is not activated (its bin/ not on PATH: nbgrader's alembic must still be found)."""
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("my homework.ipynb", nbformat.writes(release_nb))
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != os.path.dirname(sys.executable))
    args = [sys.executable, "-m", "autograder", "grade", str(archive), "--csv", str(tmp_path / "g.csv"),
            "--course-dir", str(tmp_path / "new_course"), "--workers", "1"]
    done = subprocess.run(args + ([] if catalogue.SANDBOX else ["--no-sandbox"]), cwd=paths.REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    [row] = _rows(tmp_path / "g.csv")
    assert row["status"] == "unrecognised file" and "my homework.ipynb" in row["message"]


def test_a_parallel_batch_is_the_same_every_time(tmp_path, release_nb, solution_nb):
    """Three fresh parallel runs of identical right notebooks: every one graded, every time (a worker
    rewrote the kernelspec while another read it: one run in three had an 'Expecting value' error)."""
    for student in ("a", "b", "c", "d"):
        catalogue.right(A)(tmp_path / "submitted" / student, release_nb, solution_nb)
    for run in range(3):
        csv_path = tmp_path / f"run{run}.csv"
        grade(tmp_path / "submitted", csv_path, course_dir=tmp_path / f"course{run}", limits=catalogue.LIMITS,
              workers=2, log=lambda m: None)
        rows = _rows(csv_path)
        assert [(r["status"], r["score"]) for r in rows] == [("graded", f"{catalogue.points(A)[1]:g}")] * 4, rows


def _rewrite_forever(path, texts, stop):
    from autograder.engine.course import _write_atomically
    while not os.path.exists(stop):
        for text in texts:
            _write_atomically(path, text)


def test_the_kernelspec_is_never_seen_half_written(tmp_path):
    """Two processes rewrite a file with _write_atomically while this one reads it: every read is one
    whole version (write_text truncates first: readers saw an empty kernel.json)."""
    import multiprocessing
    path, stop = tmp_path / "kernel.json", str(tmp_path / "stop")
    texts = ['{"argv": ["a"], "display_name": "%s"}' % ("x" * (2 << 20)), '{"argv": ["b"]}']
    path.write_text(texts[0])
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_rewrite_forever, args=(path, texts, stop)) for _ in range(2)]
    for writer in writers:
        writer.start()
    seen, reads, deadline = set(), 0, time.monotonic() + 60
    try:
        while (len(seen) < 2 or reads < 2000) and time.monotonic() < deadline:
            seen.add(path.read_text())
            reads += 1
    finally:
        open(stop, "w").close()
        for writer in writers:
            writer.join(30)
    assert seen <= set(texts) and len(seen) == 2
