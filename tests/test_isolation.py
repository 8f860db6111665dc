"""Isolation: while grading, student code cannot read the kit (solutions/), the course directory
(gradebook, other students' work) or the original submissions, cannot write anything that outlives
its run, and has no network."""
import json
import socket
from pathlib import Path

import pytest

import catalogue
from autograder import notebooks, paths
from autograder.engine.grading import grade

RIGHT = catalogue.points("lab3_optimizers")[1]  # a right answer's score

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
    assert {e["student_id"]: e["score"] for e in table} == {"other": RIGHT, "snoop": RIGHT}  # still graded right
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
sockets = "/run/kernel"  # fork_server.SOCKETS_DIR
for folder in ("/tmp", "/dev/shm", sockets):  # a folder made unreadable and unwritable by its owner,
    os.makedirs(f"{folder}/kept/inner")        # and one deeper than a path can name
    open(f"{folder}/kept/inner/note.txt", "w").write("from the last student")
    os.chmod(f"{folder}/kept/inner", 0)
    os.chmod(f"{folder}/kept", 0o500)
    here = os.getcwd()
    os.chdir(folder)
    os.mkdir("deep")
    os.chdir("deep")
    for _ in range(20):
        os.mkdir("d" * 250)
        os.chdir("d" * 250)
    open("note.txt", "w").write("from the last student")
    os.chdir(here)
subprocess.Popen(["setsid", "sh", "-c", "sleep 989 & sleep 989"], start_new_session=True)  # a daemon
import ctypes  # System V shared memory, message queue and semaphores, a POSIX queue, keys in the keyrings
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
address = libc.shmat(libc.shmget(0x5150, 4096, 0o1666), None, 0)
ctypes.memmove(address, b"SECRET-FROM-A\\0", 14)
class Message(ctypes.Structure):
    _fields_ = [("mtype", ctypes.c_long), ("mtext", ctypes.c_char * 64)]
libc.msgsnd(libc.msgget(0x5151, 0o1666), ctypes.byref(Message(1, b"MSG-FROM-A")), 64, 0)
libc.semget(0x5152, 3, 0o1666)
rt = ctypes.CDLL("librt.so.1", use_errno=True)
rt.mq_send(rt.mq_open(b"/leak", 0o102, 0o666, None), b"MQ-FROM-A", 9, 0)
libc.syscall.restype = ctypes.c_long
for keyring, name in ((-4, b"leak"), (-5, b"leak2"), (-3, b"leak3")):
    libc.syscall(248, b"user", name, b"KEY-FROM-A", 10, ctypes.c_int(keyring))
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
sockets = "/run/kernel"  # fork_server.SOCKETS_DIR
traces = {
    "kept": [f for f in ("/tmp", "/dev/shm", sockets) if os.path.exists(f"{f}/kept") or os.path.exists(f"{f}/deep")],
    "pid 1 environment": _try(lambda: len(open("/proc/1/environ", "rb").read())),
    "pid 1 files": _try(lambda: open("/proc/1/fd/2", "w").write("forged grader log line")),
    "tmp": os.path.exists("/tmp/leak.txt"),
    "shm": os.path.exists("/dev/shm/leak.txt"),
    "daemon": any("sleep 989" in c for c in _cmdlines()),
    "server memory": _try(lambda: len(open(f"/proc/{os.getppid()}/mem", "rb").read(1))),
    "server environment": _try(lambda: len(open(f"/proc/{os.getppid()}/environ", "rb").read())),
    "sysv": [open(f"/proc/sysvipc/{kind}").read().splitlines()[1:] for kind in ("shm", "msg", "sem")],
    "mqueue": _try(lambda: os.listdir("/dev/mqueue")),
    "keys": [line for line in open("/proc/keys").read().splitlines() if "leak" in line],
    "user namespace": _try(lambda: __import__("ctypes").CDLL(None).unshare(0x10000000)),  # -1: refused
}
print("TRACES " + json.dumps(traces))
'''
KILL_THE_FACTORY = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"
FILL_THE_SOCKETS_FOLDER = '''
import json, os
sockets = "/run/kernel"  # fork_server.SOCKETS_DIR
written = {}
for where in (sockets, "/", "/dev", "/tmp"):  # 2.5 GB into each folder, 64 MB a file, some deleted while open
    written[where], kept = 0, []
    try:
        for number in range(40):
            f = open(f"{where}/fill{number}.bin", "wb")
            if number % 2:
                os.unlink(f"{where}/fill{number}.bin")
            kept.append(f)
            f.write(b"0" * (64 << 20))
            f.flush()
            written[where] += 64 << 20
    except OSError as exc:
        written[where] = [written[where], type(exc).__name__]
print("WRITTEN " + json.dumps(written))
'''
FORK_BOMB = '''
import os, time
for _ in range(3000):   # a bounded fork bomb: 3,000 processes that wait
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
time.sleep(5)
'''
MAKE_MANY_FILES = '''
import os
for number in range(2_000_000):   # empty files cost memory too: 2 GB of inodes
    open(f"/dev/shm/{number}", "w").close()
'''


def test_nothing_passes_from_one_student_to_the_next(tmp_path, release_nb, solution_nb):
    """Kernels come from one warm fork server per grading process (warm_kernels): what a student's
    kernel leaves behind (files in /tmp and /dev/shm, a daemon) is gone before the next kernel, the
    server's memory cannot be read, and a student who kills the server only loses their own run."""
    originals, course = tmp_path / "submitted", tmp_path / "course"
    for student, code in (("a_leaves_traces", LEAVE_TRACES), ("b_looks_for_traces", LOOK_FOR_TRACES),
                          ("c_kills_the_factory", KILL_THE_FACTORY), ("c_fills_the_sockets", FILL_THE_SOCKETS_FOLDER),
                          ("c_makes_many_files", MAKE_MANY_FILES), ("c_forks", FORK_BOMB)):
        catalogue.answers("lab3_optimizers", extra={"my_optimizer": code})(originals / student, release_nb, solution_nb)
    catalogue.right("lab3_optimizers")(originals / "d_after_the_killer", release_nb, solution_nb)
    table = grade(originals, tmp_path / "grades.csv", course_dir=course, limits=catalogue.LIMITS, workers=1,
                  log=lambda m: None)
    scores = {e["student_id"]: (e["score"], e["status"]) for e in table}
    assert scores["a_leaves_traces"] == (RIGHT, "graded") and scores["b_looks_for_traces"] == (RIGHT, "graded")
    assert scores["d_after_the_killer"] == (RIGHT, "graded"), scores   # the batch goes on with a new server
    assert scores["c_makes_many_files"][1] == "kernel died", scores  # stopped past fork_server.MOST_FILES
    assert "more than 20,000 files" in {e["student_id"]: e for e in table}["c_makes_many_files"]["message"]
    assert scores["c_forks"][1] == "kernel died", scores  # stopped past fork_server.MOST_PROCESSES
    assert "more than 512 processes" in {e["student_id"]: e for e in table}["c_forks"]["message"]
    # nothing a kernel writes reaches the host's disk: its sockets' folder is 1 MB of the sandbox's memory,
    # / and /dev are read-only, /tmp is 512 MB of memory, wiped after it
    filled = notebooks.read(course / "autograded" / "c_fills_the_sockets" / "lab3_optimizers" / "lab3_optimizers.ipynb")
    written = json.loads("".join(o.get("text", "") for c in filled.cells for o in c.get("outputs", []))
                         .split("WRITTEN ")[1].splitlines()[0])
    assert written["/run/kernel"] == [0, "OSError"] and written["/"][1] == written["/dev"][1] == "OSError", written
    assert written["/tmp"][0] <= 512 << 20, written
    graded = notebooks.read(course / "autograded" / "b_looks_for_traces" / "lab3_optimizers" / "lab3_optimizers.ipynb")
    printed = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    traces = json.loads(printed.split("TRACES ")[1].splitlines()[0])
    assert traces["tmp"] is False and traces["shm"] is False and traces["daemon"] is False, traces
    assert traces["kept"] == [], traces  # wiped, even a folder its owner made unreadable
    assert traces["pid 1 environment"] == "PermissionError" and traces["pid 1 files"] == "PermissionError", traces
    assert traces["server memory"] == "PermissionError" and traces["server environment"] == "PermissionError", traces
    assert traces["sysv"] == [[], [], []] and traces["mqueue"] == [] and traces["keys"] == [], traces
    assert traces["user namespace"] == -1, traces  # no memory file system of its own (bwrap --disable-userns)


LIST_EVERYTHING = '''
import base64, gzip, json, os
def _walk(files_too=True):
    seen = []
    for top, dirs, files in os.walk("/", onerror=lambda e: None):
        if top in ("/proc", "/dev") or top.startswith(("/proc/", "/dev/")):
            dirs[:] = []
            continue
        seen.append(top)
        if files_too or top.count("/") <= 2:  # a file sits in a folder listed: folders tell where it is
            seen += [os.path.join(top, f) for f in files if os.access(os.path.join(top, f), os.R_OK)]
    return seen
def _steal():  # any notebook holding this lab's solutions, anywhere: the thief's answer
    for path in _walk():
        if path.endswith(".ipynb"):
            try:
                text = open(path, encoding="utf-8", errors="ignore").read()
                mine = path.startswith(os.getcwd() + "/")  # this very notebook quotes the words it looks for
                if "BEGIN SOLUTION" in text and "def my_optimizer" in text and not mine:
                    return path
            except OSError:
                pass
seen = _walk(files_too=False)
report = {"uid": os.getuid(), "environ": sorted(os.environ), "values": list(os.environ.values()),
          "stolen": _steal(), "count": len(seen)}
print("ALLOWLIST " + json.dumps(report))
print("PATHS " + base64.b64encode(gzip.compress("\\n".join(seen).encode())).decode())
'''


def _allowed(path, roots):
    """``path`` lies in one of ``roots``, or is a folder on the way to one (bubblewrap makes those)."""
    return any(path == r or path.startswith(r.rstrip("/") + "/") or r.startswith(path.rstrip("/") + "/")
               for r in roots)


def test_the_kernel_sees_only_its_allow_list_and_no_secret(tmp_path, release_nb, solution_nb, monkeypatch):
    """A hostile notebook lists every readable file it can reach from /, looks for any copy of the
    solutions (one in a fake home folder, one in a folder the grader knows nothing about) and prints its
    environment: everything it sees lies within the allow-list, it finds no solution, it runs as an
    unprivileged user, and the grader's secrets are not in its environment."""
    import base64
    import gzip
    import shutil

    from autograder.sandbox import fork_server, policy
    from autograder.sandbox.warm_kernels import SERVER_SCRIPT
    home, elsewhere = tmp_path / "home" / "ta" / "old-course", tmp_path / "somewhere-else"
    for folder in (home, elsewhere):
        folder.mkdir(parents=True)
        shutil.copy(paths.SOLUTIONS / "lab3_optimizers" / "lab3_optimizers.ipynb", folder)
    monkeypatch.setenv("PGPASSWORD", "hunter2-secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "token-secret")
    originals, course = tmp_path / "submitted", tmp_path / "course"
    catalogue.answers("lab3_optimizers", extra={"my_optimizer": LIST_EVERYTHING})(
        originals / "lister", release_nb, solution_nb)
    table = grade(originals, tmp_path / "grades.csv", course_dir=course, limits=catalogue.LIMITS, log=lambda m: None)
    assert [e["score"] for e in table] == [RIGHT]
    graded = notebooks.read(course / "autograded" / "lister" / "lab3_optimizers" / "lab3_optimizers.ipynb")
    printed = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    report = json.loads(printed.split("ALLOWLIST ")[1].splitlines()[0])
    seen = gzip.decompress(base64.b64decode(printed.split("PATHS ")[1].splitlines()[0])).decode().splitlines()

    assert report["stolen"] is None, report
    assert report["uid"] != 0, report
    assert "PGPASSWORD" not in report["environ"] and "AWS_SECRET_ACCESS_KEY" not in report["environ"], report
    assert not [v for v in report["values"] if "secret" in v], report
    assert set(report["environ"]) <= {"PATH", "HOME", "LANG", "USER", "LOGNAME", "MPLCONFIGDIR", "MPLBACKEND", "PWD",
                                      "NBGRADER_EXECUTION", "NBGRADER_VALIDATING", "KMP_DUPLICATE_LIB_OK",
                                      "KMP_INIT_AT_FORK", "JPY_SESSION_NAME", "PYDEVD_USE_FRAME_EVAL", "TERM",
                                      "CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "PAGER", "GIT_PAGER", "OLDPWD", "SHLVL", "_"}, \
        report["environ"]
    roots = [*policy.environment_paths(), *policy.SYSTEM_PATHS, *policy.TOP_LEVEL, "/tmp",
             str(course / "kernel-slots"), str(SERVER_SCRIPT), fork_server.SOCKETS_DIR]
    outside = [p for p in seen if not _allowed(p, roots)]
    assert len(seen) == report["count"] and len(seen) > 1000  # the environment itself is there (its folders)
    assert not outside, outside[:50]
    # the test's own folders sit in the host's /tmp: of them, only the kernel's slot may show
    mine = [p for p in seen if _allowed(p, [str(tmp_path)]) and not _allowed(p, [str(course / "kernel-slots")])]
    assert not [p for p in mine if p.startswith(str(tmp_path) + "/")], mine[:20]
    for secret in (home, elsewhere, paths.SOLUTIONS, paths.REPO / "tests", course / "submitted", course / "source",
                   originals, Path("/etc/shadow"), Path.home() / ".cache"):
        assert str(secret) not in seen, secret
