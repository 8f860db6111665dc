"""Limits: endless loops, loops that ignore interrupts, os._exit, leftover processes and huge
allocations each end in a clear verdict for that student, and the batch goes on."""
import csv
import subprocess

import pytest

import catalogue
from autograder import notebooks
from autograder.engine.course import Limits
from autograder.engine.grading import grade

A = "lab3_optimizers"
RIGHT = catalogue.points(A)[1]  # a right answer's score
LIMITS = Limits(cell_seconds=4, notebook_seconds=25, memory_mb=2048, sandbox=catalogue.SANDBOX)
FILL = """
import os
chunk, outcome = b"0" * (64 << 20), {}
for folder in ("/tmp", "/dev/shm", os.getcwd()):
    try:
        with open(os.path.join(folder, "fill.bin"), "wb") as f:
            for _ in range(40):   # 2.5 GB
                f.write(chunk)
                f.flush()
        outcome[folder] = "wrote 2.5 GB"
    except OSError as exc:
        outcome[folder] = type(exc).__name__
print("FILL", outcome)
"""
SUBMISSIONS = {
    "endless_loop": "while True:\n    pass\n",
    "ignores_interrupts": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n",
    "exits_the_kernel": "import os\nos._exit(3)\n",
    "crashes_the_kernel": "import ctypes\nctypes.string_at(0)\n",   # a segmentation fault
    "leaves_a_process": "import subprocess\nsubprocess.Popen(['sleep', '987'])\n",
    "leaves_a_daemon": "import subprocess\nsubprocess.Popen(['setsid', 'sh', '-c', 'sleep 986 & sleep 986'])\n",
    "huge_allocation": "import numpy as np\ntry:\n    big = np.ones(600_000_000)\nexcept MemoryError:\n    raise\n",
    "fills_the_disk": FILL,
}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("limits")


@pytest.fixture(scope="module")
def rows(root, release_nb, solution_nb):
    for student, code in SUBMISSIONS.items():  # right answers, with the code at the end of the last answer
        catalogue.answers(A, extra={"my_optimizer": code})(root / "submitted" / student, release_nb, solution_nb)
    catalogue.right(A)(root / "submitted" / "zz_right", release_nb, solution_nb)
    grade(root / "submitted", root / "grades.csv", course_dir=root / "course", limits=LIMITS, log=lambda m: None)
    with open(root / "grades.csv", newline="") as handle:
        return {r["student_id"]: r for r in csv.DictReader(handle)}


def test_an_interrupted_loop_costs_nothing_else(rows):
    assert rows["endless_loop"]["status"] == "graded"
    assert float(rows["endless_loop"]["score"]) == RIGHT
    assert "interrupted" in rows["endless_loop"]["message"]


def test_a_loop_that_ignores_interrupts_is_stopped(rows):
    assert rows["ignores_interrupts"]["status"] == "timeout"
    assert float(rows["ignores_interrupts"]["score"]) == 0
    assert "did not stop when interrupted" in rows["ignores_interrupts"]["message"]


def test_a_dead_kernel_is_a_verdict(rows):
    assert rows["exits_the_kernel"]["status"] == rows["crashes_the_kernel"]["status"] == "kernel died"
    assert "kernel stopped while running the notebook (exit code 3)" in rows["exits_the_kernel"]["message"]
    assert "(killed by SIGSEGV)" in rows["crashes_the_kernel"]["message"]  # the fork server's word, not a guess


def test_no_process_outlives_its_notebook(rows):
    assert rows["leaves_a_process"]["status"] == rows["leaves_a_daemon"]["status"] == "graded"
    leftovers = subprocess.run(["pgrep", "-f", "sleep 98[67]"], capture_output=True, text=True).stdout
    assert not leftovers.strip()


def test_a_huge_allocation_raises_memory_error(rows):
    assert rows["huge_allocation"]["status"] == "graded"
    assert "MemoryError" in rows["huge_allocation"]["message"]
    assert float(rows["huge_allocation"]["score"]) == RIGHT  # its functions were defined before


def test_student_code_cannot_fill_the_memory_or_the_disk(rows, root):
    """/tmp and /dev/shm are capped tmpfs (memory), the notebook's folder is read-only, no file may
    outgrow the memory cap: each 2.5 GB write fails in the student's cell, and grading goes on."""
    assert rows["fills_the_disk"]["status"] == "graded" and float(rows["fills_the_disk"]["score"]) == RIGHT
    graded = notebooks.read(root / "course" / "autograded" / "fills_the_disk" / A / f"{A}.ipynb")
    printed = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    outcome = printed.split("FILL ")[1].splitlines()[0]
    assert "wrote" not in outcome and outcome.count("OSError") == 3, outcome


def test_the_batch_goes_on(rows):
    assert rows["zz_right"]["status"] == "graded" and float(rows["zz_right"]["score"]) == RIGHT


def test_a_notebook_over_its_total_time_is_stopped(tmp_path, release_nb, solution_nb):
    """Every cell within the cell limit, the whole notebook over its own: the kernel is killed."""
    slow = "import time\ntime.sleep(3)\n"
    catalogue.answers(A, extra={"create_mini_batches": slow, "myOptParam": slow, "my_optimizer": slow})(
        tmp_path / "submitted" / "slow", release_nb, solution_nb)
    limits = Limits(cell_seconds=5, notebook_seconds=8, memory_mb=2048, sandbox=catalogue.SANDBOX)
    table = grade(tmp_path / "submitted", tmp_path / "grades.csv", course_dir=tmp_path / "course", limits=limits,
                  log=lambda m: None)
    assert table[0]["status"] == "timeout" and "more than 8 s" in table[0]["message"]


PRINTS_1GB = "chunk = 'x' * (10 << 20)\nfor _ in range(100):   # 1 GB of text, 10 MB a write (flushed: all of it reaches the grader)\n    print(chunk, flush=True)\n"
SHOWS_IMAGES = """
import base64, os
from IPython.display import Image, display
png = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
for _ in range(3000):   # 3,000 images of 200 KB each: 600 MB
    display({"image/png": base64.b64encode(png + os.urandom(200_000)).decode()}, raw=True)
"""


def _graded_peak(tmp_path, students):
    """Grade ``students`` ({name: extra code in my_optimizer}) with `python -m autograder grade` in a
    process of its own: (its peak resident memory in MB, the CSV rows, the course directory)."""
    import sys
    import time

    from autograder import paths
    release = notebooks.read(paths.NOTEBOOKS / A / f"{A}.ipynb")
    source = notebooks.read(paths.SOLUTIONS / A / f"{A}.ipynb")
    for name, code in students.items():
        catalogue.answers(A, extra={"my_optimizer": code} if code else None)(tmp_path / "in" / name, release, source)
    command = [sys.executable, "-m", "autograder", "grade", str(tmp_path / "in"), "--csv", str(tmp_path / "g.csv"),
               "--course-dir", str(tmp_path / "course"), "--workers", "1"]
    if not catalogue.SANDBOX:
        command.append("--no-sandbox")
    process = subprocess.Popen(command, cwd=paths.REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:  # the grading process's own high-water mark (not its kernels')
        try:
            status = open(f"/proc/{process.pid}/status").read()
            peak = max(peak, int(status.split("VmHWM:")[1].split()[0]))
        except (OSError, IndexError):
            pass
        time.sleep(0.1)
    assert process.returncode == 0
    with open(tmp_path / "g.csv", newline="") as handle:
        rows = {r["student_id"]: r for r in csv.DictReader(handle)}
    return peak / 1024, rows, tmp_path / "course"


def test_a_flood_of_output_stays_within_a_fixed_budget(tmp_path):
    """1 GB of prints and 600 MB of images: the grading process's peak memory stays within a few hundred
    MB of a plain run's, the course directory and the feedback stay small, the row says the output was
    truncated, and the rest of the batch is graded (the grader's budget: autograder.engine.bounded_execute)."""
    plain_peak, _, _ = _graded_peak(tmp_path / "plain", {"plain": None})
    peak, rows, course = _graded_peak(tmp_path / "flood", {"prints": PRINTS_1GB, "images": SHOWS_IMAGES,
                                                          "zz_right": None})
    print(f"grader's peak: {peak:.0f} MB with the flood, {plain_peak:.0f} MB without")
    assert peak < plain_peak + 600, (peak, plain_peak)  # was 6.9 GB for 1 GB of prints
    for student in ("prints", "images"):
        assert rows[student]["status"] == "graded" and float(rows[student]["score"]) == RIGHT, rows[student]
        assert "output truncated:" in rows[student]["message"], rows[student]
    assert "1000.0 MB printed" in rows["prints"]["message"], rows["prints"]  # 100 writes of 10 MiB
    assert float(rows["zz_right"]["score"]) == RIGHT
    size = sum(p.stat().st_size for p in course.rglob("*") if p.is_file() and "source" not in p.parts)
    feedback = sum(p.stat().st_size for p in (tmp_path / "flood" / "g_feedback").rglob("*") if p.is_file())
    assert size < 60 << 20 and feedback < 20 << 20, (size >> 20, feedback >> 20)


HOSTILE_OUTPUTS = {  # each kind of output a breaker sent past the first budget (a right answer besides)
    "updates": ("from IPython.display import display, update_display\n"
                "display({'text/plain': 'small'}, raw=True, display_id='d1')\n"
                "for _ in range(3):\n    update_display({'text/plain': 'U' * (200 << 20)}, raw=True, display_id='d1')\n"),
    "errors": ("k = get_ipython().kernel\n"
               "for _ in range(3000):\n"
               "    k.session.send(k.iopub_socket, 'error', {'ename': 'E', 'evalue': 'v' * 16000,"
               " 'traceback': ['t' * 16000]}, parent=k.get_parent())\n"
               "k.session.send(k.iopub_socket, 'error', {'ename': 'N' * (150 << 20), 'evalue': '', 'traceback': []},"
               " parent=k.get_parent())\n"),
    "one_big_last": ("from IPython.display import display\nprint('p' * (1100 << 10))\n"
                     "display({'text/plain': 'T' * (200 << 20)}, raw=True)\n"),
    "display_ids": ("from IPython.display import display\npad = 'x' * 1_000_000\n"  # nbclient remembers each id
                    "for i in range(300):\n    display({'text/plain': '.'}, raw=True, display_id=f'{i}-{pad}')\n"),
    "empty_lists": ("from IPython.display import display\n"   # 1.5 MB sent, 180 MB once decoded and kept
                    "display({'text/plain': '.'}, metadata={'m': [[]] * 500_000}, raw=True)\n"),
    "metadata": ("from IPython.display import display\n"
                 "display({'text/plain': 'tiny'}, metadata={'x': 'M' * (200 << 20)}, raw=True)\n"),
    "output_widget": ("import comm\nparent = get_ipython().kernel.get_parent()['header']['msg_id']\n"
                      "c = comm.create_comm(target_name='jupyter.widget', data={'state': {"
                      "'_model_module': '@jupyter-widgets/output', '_model_name': 'OutputModel', 'outputs': []},"
                      " 'buffer_paths': []})\n"
                      "c.send({'method': 'update', 'state': {'msg_id': parent}})\n"
                      "for _ in range(25):\n    print('w' * (20 << 20), flush=True)\n"),
}


def test_no_kind_of_output_gets_past_the_budget(tmp_path):
    """Updates of a shown output, thousands of errors and a huge error name, one huge output after the
    budget ran out, huge output metadata, an output widget capturing prints: the grader's memory, the
    course directory and the feedback stay bounded; every row is graded, and says what was cut."""
    plain_peak, _, _ = _graded_peak(tmp_path / "plain", {"plain": None})
    peak, rows, course = _graded_peak(tmp_path / "hostile", HOSTILE_OUTPUTS)
    print(f"grader's peak: {peak:.0f} MB with hostile outputs, {plain_peak:.0f} MB without")
    assert peak < plain_peak + 600, (peak, plain_peak)  # single messages of 150-200 MB: 1.0 GB before the kernel's cap
    for student in HOSTILE_OUTPUTS:
        assert rows[student]["status"] == "graded" and float(rows[student]["score"]) == RIGHT, rows[student]
        assert "output truncated:" in rows[student]["message"], rows[student]
        notebook = course / "autograded" / student / A / f"{A}.ipynb"
        assert notebook.stat().st_size < 4 << 20, (student, notebook.stat().st_size)
    feedback = sum(p.stat().st_size for p in (tmp_path / "hostile" / "g_feedback").rglob("*") if p.is_file())
    assert feedback < 20 << 20, feedback >> 20


GIANT_FRAMES = {  # code that gets around the kernel's cut: raw frames and binary buffers, 600 MB each
    "raw_frame": "get_ipython().kernel.iopub_socket.send_multipart([b'x' * (600 << 20)], copy=False)\n",
    "binary_buffer": ("k = get_ipython().kernel\n"
                      "k.session.send(k.iopub_socket, 'display_data', {'data': {'text/plain': 'b'}, 'metadata': {}},"
                      " buffers=[b'x' * (600 << 20)], parent=k.get_parent())\n"),
    "dense_message": ("k = get_ipython().kernel\n"  # signed with the kernel's key: 60 MB, 1.4 GB once decoded
                      "parts = [k.session.pack(k.session.msg_header('display_data')), b'{}', b'{}',"
                      " b'{\"m\": [' + b'[],' * 20_000_000 + b'[]]}']\n"
                      "k.iopub_socket.send_multipart([b'<IDS|MSG>', k.session.sign(parts), *parts], copy=False)\n"),
    "garbage_frames": ("k = get_ipython().kernel\n"  # not Jupyter messages at all, and a forged one
                       "k.iopub_socket.send_multipart([b'garbage'])\n"
                       "k.iopub_socket.send_multipart([b'<IDS|MSG>', b'bad signature', b'{}', b'{}', b'{}', b'{}'])\n"),
    "deep_nesting": ("k = get_ipython().kernel\n"  # valid JSON 700 levels deep: deeper than the grader can walk
                     "k.session.send(k.iopub_socket, 'display_data', ('{\"data\": {\"text/plain\": \"deep\", "
                     "\"application/x-deep+json\": ' + '[' * 700 + ']' * 700 + '}, \"metadata\": {}}').encode(),"
                     " parent=k.get_parent('shell'))\n"),
    "lone_surrogate": ("k = get_ipython().kernel\n"  # valid JSON that no notebook can hold
                       "k.session.send(k.iopub_socket, 'stream', b'{\"name\": \"stdout\", \"text\": \"lone "
                       "\\\\ud800 surrogate\\\\n\"}', parent=k.get_parent('shell'))\n"),
    "huge_header": ("k = get_ipython().kernel\nbig = 'h' * (60 << 20)\n"  # the kernel's cut leaves headers alone
                    "for i in range(3):\n"
                    "    k.session.send(k.iopub_socket, 'stream', {'name': 'stdout', 'text': 'x'},"
                    " parent=k.get_parent('shell'), header=dict(k.session.msg_header('stream'), junk=big))\n"),
    "control_stdin": ("k = get_ipython().kernel\ncontent = b'{\"x\": \"' + b'a' * (60 << 20) + b'\"}'\n"
                      "for socket in (k.stdin_socket, k.control_stream.socket):\n"  # channels nothing reads
                      "    for i in range(5):\n"
                      "        k.session.send(socket, 'input_request', content, parent=k.get_parent('shell'),"
                      " ident=k._shell_parent_ident.get())\n"),
    "shell_frame": ("k = get_ipython().kernel\n"
                    "k.session.send(k.shell_stream, 'execute_reply', {'status': 'ok'}, buffers=[b'x' * (600 << 20)],"
                    " parent=k.get_parent(), ident=k._shell_parent_ident.get())\n"),
}


def test_a_giant_message_is_refused_where_it_enters_the_grader(tmp_path):
    """A message of 600 MB sent past the kernel's cut (a raw frame, a binary buffer, a frame on the shell
    channel) is refused by the grader's sockets before it is read (zmq's MAXMSGSIZE); one of 60 MB made
    of empty lists, raw garbage or a forged signature is refused before it is decoded (BoundedSession):
    the grader's memory stays near a plain run's, the row says a message was refused, and the batch
    goes on."""
    plain_peak, _, _ = _graded_peak(tmp_path / "plain", {"plain": None})
    peak, rows, _ = _graded_peak(tmp_path / "giant", {**GIANT_FRAMES, "zz_right": None})
    print(f"grader's peak: {peak:.0f} MB with giant frames, {plain_peak:.0f} MB without; {rows}")
    assert peak < plain_peak + 300, (peak, plain_peak)  # about 2.2 GB before the grader refused them
    for student in GIANT_FRAMES:
        assert rows[student]["status"] in ("graded", "timeout"), rows[student]
        if student not in ("lone_surrogate", "control_stdin"):  # the first is saved (repaired), the second unread
            assert "output lost in" in rows[student]["message"], rows[student]
    assert rows["lone_surrogate"]["status"] == "graded" and float(rows["lone_surrogate"]["score"]) == RIGHT
    assert rows["zz_right"]["status"] == "graded" and float(rows["zz_right"]["score"]) == RIGHT, rows["zz_right"]
