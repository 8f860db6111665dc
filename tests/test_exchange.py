"""nbgrader's exchange end to end, as a JupyterHub runs it, on one machine: the instructor makes the kit's
course directory (``python -m autograder course``) and releases with nbgrader; two students fetch, fill
(one right, one with a classic mistake) and submit; the instructor collects, grades with the kit in the
same course directory, and releases the feedback; each student fetches their own.

The students are simulated as a hub of containers (DockerSpawner, Zero to JupyterHub) runs them: user
``jovyan`` (uid 1000), their own home, their name in ``JUPYTERHUB_USER`` (nbgrader's ``get_username``
reads it), here in a bubblewrap sandbox in which the course directory and the other homes are hidden.
All real: nbgrader's commands, the exchange folder, the kit's grading, the feedback HTML."""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import catalogue
from autograder import notebooks, paths
from autograder.authoring import samples
from autograder.engine.nbgrader_config import COURSE_ID
from autograder.report.csv_cells import read_rows

A = "lab3_optimizers"
MISTAKE = "momentum_velocity_not_stored"
BOB = "bob.lee@uni.example"  # a hub whose log-in (OAuth) names users by e-mail
CAROL_AS = "my lab3 final.ipynb"  # carol renames her notebook, and prints the hidden tests her kernel runs
SPY = ("\n_seen = []\nget_ipython().events.register('pre_run_cell', lambda info: _seen.append(info.raw_cell))\n")
PRINT_HIDDEN = "print('\\n'.join(c for c in _seen + list(In) if 'hidden' in c))"
NBGRADER = str(Path(sys.executable).with_name("nbgrader"))
pytestmark = pytest.mark.skipif(not catalogue.SANDBOX, reason="the students' servers are bubblewrap sandboxes "
                                "(`make sandbox` installs bubblewrap)")
PASSWD = "root:x:0:0:root:/root:/bin/sh\njovyan:x:1000:100:student:/home/jovyan:/bin/sh\n"


class Hub:
    """A temporary exchange, the kit's course directory, and students' homes."""

    def __init__(self, root):
        self.root, self.exchange, self.course = root, root / "exchange", root / "course"
        self.homes, self.passwd = root / "homes", root / "passwd"
        self.exchange.mkdir()
        self.exchange.chmod(0o777)
        self.homes.mkdir()
        self.passwd.write_text(PASSWD)

    def instructor(self, *args):
        """``nbgrader ARGS`` in the course directory (its nbgrader_config.py names the course)."""
        return _run([NBGRADER, *args, f"--Exchange.root={self.exchange}"], cwd=self.course)

    def home(self, student):
        return self.homes / student

    def student(self, student, *args):
        """``nbgrader ARGS`` as ``student`` in their own server: jovyan, their home, JUPYTERHUB_USER."""
        home = self.home(student)
        home.mkdir(exist_ok=True)
        return _run(["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                     "--unshare-user", "--uid", "1000", "--gid", "100", "--ro-bind", str(self.passwd), "/etc/passwd",
                     "--tmpfs", "/home", "--bind", str(home), "/home/jovyan", "--tmpfs", str(self.homes),
                     "--tmpfs", str(self.course), "--bind", str(self.exchange), str(self.exchange),
                     "--clearenv", "--setenv", "HOME", "/home/jovyan", "--setenv", "JUPYTERHUB_USER", student,
                     "--setenv", "PATH", os.environ["PATH"], "--chdir", "/home/jovyan",
                     NBGRADER, *args, "--course", COURSE_ID, f"--Exchange.root={self.exchange}"])


def _run(argv, cwd=None):
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{argv}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _kit(cwd, *args):
    """``python -m autograder ARGS`` as the README's instructor runs it: the kit's venv on PATH and the kit
    on PYTHONPATH, from anywhere (``cwd``)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", PYTHONPATH=str(paths.REPO))
    done = subprocess.run(["python", "-m", "autograder", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _grade(hub, csv_name):
    """The README's command: ``grade submitted --course-dir .`` in the course directory."""
    log = _kit(hub.course, "grade", "submitted", "--course-dir", ".", "--csv", csv_name, "--workers", "2",
               "--cell-timeout", str(catalogue.LIMITS.cell_seconds))
    return {row["student_id"]: row for row in read_rows(hub.course / csv_name)}, log


def _fill(hub, student, mistake=None, spy=False):
    """The student's answers in the notebook they fetched (the reference answers, or with ``mistake``);
    ``spy``: code that records every cell the kernel runs, printed at the end, in a renamed notebook."""
    path = hub.home(student) / A / f"{A}.ipynb"
    fetched = notebooks.read(path)
    solution = notebooks.read(paths.SOLUTIONS / A / f"{A}.ipynb")
    nb = samples.answered(fetched, solution) if mistake is None else samples.with_mistake(fetched, solution, A, mistake)
    if spy:
        notebooks.solution_cells(nb)["create_mini_batches"].source += SPY
        nb.cells.append(nbformat.v4.new_code_cell(PRINT_HIDDEN))
        path.unlink()
        path = path.with_name(CAROL_AS)
    nbformat.write(nb, str(path))


def _digest(folder):
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return h.hexdigest()


def _feedback(hub, student):
    """{timestamp folder: feedback HTML} the student fetched."""
    return {p.parent.name: p.read_text() for p in (hub.home(student) / A / "feedback").glob(f"*/{A}.html")}


def test_release_fetch_submit_collect_grade_and_feedback_through_nbgraders_exchange(tmp_path):
    hub = Hub(tmp_path)
    assert "nbgrader release_assignment" in _kit(tmp_path, "course", A, "--course-dir", str(hub.course))
    hub.instructor("release_assignment", A)

    for student in ("alice", BOB, "carol"):
        hub.student(student, "fetch_assignment", A)
    fetched = hub.home("alice") / A
    assert _digest(fetched) == _digest(paths.NOTEBOOKS / A)  # exactly the kit's release: notebook, labkit/, data
    _fill(hub, "alice")
    _fill(hub, BOB, MISTAKE)
    _fill(hub, "carol", spy=True)
    for student in ("alice", BOB, "carol"):
        hub.student(student, "submit", A)

    # carol, after submitting, puts links to the course's solution notebook in her inbound folder (she can
    # write there): collect must not turn them into copies of it
    [inbound] = (hub.exchange / COURSE_ID / "inbound").glob(f"carol+{A}+*")
    for name in ("notes.py", "answers.ipynb"):
        (inbound / name).symlink_to(hub.course / "source" / A / f"{A}.ipynb")
    hub.instructor("collect", A)
    submitted = hub.course / "submitted"
    assert (submitted / "carol" / A / "answers.ipynb").is_symlink()
    assert sorted(p.name for p in submitted.iterdir()) == sorted(["alice", BOB, "carol"])
    before = _digest(submitted)
    rows, _ = _grade(hub, "grades.csv")
    assert _digest(submitted) == before  # what nbgrader collected is graded, never changed

    max_score, full = catalogue.points(A)
    momentum = catalogue.test_points(A, "test_momentum")
    assert {s: (r["status"], float(r["score"]), float(r["max_score"])) for s, r in rows.items()} == {
        "alice": ("graded", full, max_score), BOB: ("graded", full - momentum, max_score),
        "carol": ("graded", full, max_score)}
    assert all("timestamp" not in r["message"] and "secret" not in r["message"] for r in rows.values()), rows
    assert f"{A}/answers.ipynb (a link: not followed)" in rows["carol"]["message"], rows["carol"]

    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc
    with Gradebook(f"sqlite:///{hub.course}/gradebook.db", course_id=COURSE_ID) as gradebook:
        for student in ("alice", BOB):  # the time nbgrader submit wrote, recorded by autograde
            stamp = (submitted / student / A / "timestamp.txt").read_text()
            assert gradebook.find_submission(A, student).timestamp == parse_utc(stamp).replace(tzinfo=None)

    hub.instructor("release_feedback", A)
    for student in ("alice", BOB, "carol"):
        hub.student(student, "fetch_feedback", A)
    alice, bob = _feedback(hub, "alice"), _feedback(hub, BOB)
    assert len(alice) == len(bob) == 1, (alice, bob)
    alice_html, bob_html = next(iter(alice.values())), next(iter(bob.values()))
    [carol_html] = [p.read_text() for p in (hub.home("carol") / A / "feedback").glob("*/*.html")]  # by her name
    assert "line removed from the feedback" in carol_html or "output removed from the feedback" in carol_html
    says = samples.MISTAKES[A][MISTAKE].says["test_momentum"]
    assert says in bob_html and says not in alice_html
    hidden = [line.strip() for cell in notebooks.test_cells(notebooks.read(paths.SOLUTIONS / A / f"{A}.ipynb")).values()
              for line in notebooks.hidden_code(cell.source).splitlines() if line.strip()]
    assert hidden
    for html in (alice_html, bob_html, carol_html):
        assert "hidden_test(" not in html and "BEGIN HIDDEN TESTS" not in html and "BEGIN SOLUTION" not in html
        assert not [line for line in hidden if line in html]

    # alice hands in again (the same notebook): a new submission, graded again, its feedback found by its new
    # secret; bob hands in again without his notebook: the CSV says so, and that the course still shows his first
    hub.student("alice", "submit", A)
    (hub.home(BOB) / A / f"{A}.ipynb").unlink()
    hub.student(BOB, "submit", A)
    hub.instructor("collect", "--update", A)
    rows, log = _grade(hub, "again.csv")
    assert "carol / lab3_optimizers: already graded, kept" in log and "alice / lab3_optimizers: already graded" not in log
    assert float(rows["alice"]["score"]) == full and float(rows["carol"]["score"]) == full
    assert rows[BOB]["status"] == "missing notebook" and "still holds the grade of an earlier submission" in rows[BOB]["message"]
    hub.instructor("release_feedback", A)
    hub.student("alice", "fetch_feedback", A)
    assert len(_feedback(hub, "alice")) == 2  # one folder per submission's time
