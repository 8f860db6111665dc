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
def _unmount_and_list(folder):
    import ctypes
    if ctypes.CDLL(None, use_errno=True).umount2(folder.encode(), 2) != 0:  # MNT_DETACH
        raise PermissionError(ctypes.get_errno())
    return os.listdir(folder)
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
    "unmount the hiding": _try(lambda: _unmount_and_list(%(course)r)),
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
                    "port": server.getsockname()[1], "course": str(course)}
    catalogue.answers("lab3_optimizers", extra={"my_optimizer": code})(originals / "snoop", release_nb, solution_nb)
    catalogue.right("lab3_optimizers")(originals / "other", release_nb, solution_nb)
    table = grade(originals, tmp_path / "grades.csv", course_dir=course, limits=catalogue.LIMITS, log=lambda m: None)
    server.close()
    assert {e["student_id"]: e["score"] for e in table} == {"other": 15, "snoop": 15}  # still graded right
    graded = notebooks.read(course / "autograded" / "snoop" / "lab3_optimizers" / "lab3_optimizers.ipynb")
    printed = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    snoop = json.loads(printed.split("SNOOP ")[1].splitlines()[0])
    for secret in ("solutions", "gradebook", "other students", "originals"):
        assert snoop[secret] in ([], "FileNotFoundError"), (secret, snoop)  # empty, or not there at all
    assert snoop["network"] != "connected" and snoop["write here"] != "written", snoop
    assert snoop["unmount the hiding"] == "PermissionError", snoop  # no capabilities, even for root
    # writes into the hidden folders land in throwaway memory: nothing outlives the run
    assert not (course / "pwned.txt").exists() and not (paths.REPO / "pwned.txt").exists()
    assert not list(course.rglob("pwned.txt"))


LEAVE_TRACES = '''
import os, subprocess
open("/tmp/leak.txt", "w").write("from the last student")
if os.path.isdir("/dev/shm"):
    open("/dev/shm/leak.txt", "w").write("from the last student")
subprocess.Popen(["setsid", "sh", "-c", "sleep 989 & sleep 989"], start_new_session=True)  # a daemon
'''
LOOK_FOR_TRACES = '''
import json, os
def _cmdlines():
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            found.append(open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" ").decode())
        except OSError:
            pass
    return found
def _try(action):
    try:
        return action()
    except Exception as exc:
        return type(exc).__name__
traces = {
    "tmp": os.path.exists("/tmp/leak.txt"),
    "shm": os.path.exists("/dev/shm/leak.txt"),
    "daemon": any("sleep 989" in c for c in _cmdlines()),
    "server memory": _try(lambda: len(open(f"/proc/{os.getppid()}/mem", "rb").read(1))),
    "server environment": _try(lambda: len(open(f"/proc/{os.getppid()}/environ", "rb").read())),
}
print("TRACES " + json.dumps(traces))
'''
KILL_THE_FACTORY = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"


def test_nothing_passes_from_one_student_to_the_next(tmp_path, release_nb, solution_nb):
    """Kernels come from one warm fork server per grading process (warm_kernels): what a student's
    kernel leaves behind (files in /tmp and /dev/shm, a daemon) is gone before the next kernel, the
    server's memory cannot be read, and a student who kills the server only loses their own run."""
    originals, course = tmp_path / "submitted", tmp_path / "course"
    for student, code in (("a_leaves_traces", LEAVE_TRACES), ("b_looks_for_traces", LOOK_FOR_TRACES),
                          ("c_kills_the_factory", KILL_THE_FACTORY)):
        catalogue.answers("lab3_optimizers", extra={"my_optimizer": code})(originals / student, release_nb, solution_nb)
    catalogue.right("lab3_optimizers")(originals / "d_after_the_killer", release_nb, solution_nb)
    table = grade(originals, tmp_path / "grades.csv", course_dir=course, limits=catalogue.LIMITS, workers=1,
                  log=lambda m: None)
    scores = {e["student_id"]: (e["score"], e["status"]) for e in table}
    assert scores["a_leaves_traces"] == (15, "graded") and scores["b_looks_for_traces"] == (15, "graded")
    assert scores["d_after_the_killer"] == (15, "graded"), scores   # the batch goes on with a new server
    graded = notebooks.read(course / "autograded" / "b_looks_for_traces" / "lab3_optimizers" / "lab3_optimizers.ipynb")
    printed = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    traces = json.loads(printed.split("TRACES ")[1].splitlines()[0])
    assert traces["tmp"] is False and traces["shm"] is False and traces["daemon"] is False, traces
    assert traces["server memory"] == "PermissionError" and traces["server environment"] == "PermissionError", traces
