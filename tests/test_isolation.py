"""Isolation: while grading, student code cannot read the kit (solutions/), the course directory
(gradebook, other students' work) or the original submissions, cannot write anything that outlives
its run, and has no network."""
import json
import socket

import pytest

import catalogue
from autograder import notebooks, paths
from autograder.grading import grade

pytestmark = pytest.mark.skipif(not catalogue.SANDBOX, reason="bubblewrap is not installed (`make sandbox`)")

SNOOP = '''
import json, os, socket
def _try(action):
    try:
        return action()
    except Exception as exc:
        return type(exc).__name__
def _write(path):
    with open(path, "w") as f:
        f.write("pwned")
    return "written"
def _connect(port):
    socket.create_connection(("127.0.0.1", port), timeout=3).close()
    return "connected"
snoop = {
    "solutions": _try(lambda: os.listdir(%(solutions)r)),
    "gradebook": _try(lambda: os.path.getsize(%(gradebook)r)),
    "other students": _try(lambda: os.listdir(%(submitted)r)),
    "originals": _try(lambda: os.listdir(%(originals)r)),
    "write the course": _try(lambda: _write(%(course_file)r)),
    "write the kit": _try(lambda: _write(%(kit_file)r)),
    "write here": _try(lambda: _write("pwned.txt")),
    "network": _try(lambda: _connect(%(port)d)),
}
print("SNOOP " + json.dumps(snoop))
'''


def test_student_code_sees_nothing_of_the_grader(tmp_path, release_nb, solution_nb):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    course, originals = tmp_path / "course", tmp_path / "submitted"
    code = SNOOP % {"solutions": str(paths.SOLUTIONS), "gradebook": str(course / "gradebook.db"),
                    "submitted": str(course / "submitted"), "originals": str(originals),
                    "course_file": str(course / "pwned.txt"), "kit_file": str(paths.REPO / "pwned.txt"),
                    "port": server.getsockname()[1]}
    catalogue.answers("lab3_optimizers", extra={"my_optimizer": code})(originals / "snoop", release_nb, solution_nb)
    catalogue.right("lab3_optimizers")(originals / "other", release_nb, solution_nb)
    table = grade(originals, tmp_path / "grades.csv", course_dir=course, limits=catalogue.LIMITS, log=lambda m: None)
    server.close()
    assert {e["student_id"]: e["score"] for e in table} == {"other": 14, "snoop": 14}  # still graded right
    graded = notebooks.read(course / "autograded" / "snoop" / "lab3_optimizers" / "lab3_optimizers.ipynb")
    printed = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    snoop = json.loads(printed.split("SNOOP ")[1].splitlines()[0])
    for secret in ("solutions", "gradebook", "other students", "originals"):
        assert snoop[secret] in ([], "FileNotFoundError"), (secret, snoop)  # empty, or not there at all
    assert snoop["network"] != "connected" and snoop["write here"] != "written", snoop
    # writes into the hidden folders land in throwaway memory: nothing outlives the run
    assert not (course / "pwned.txt").exists() and not (paths.REPO / "pwned.txt").exists()
    assert not list(course.rglob("pwned.txt"))
