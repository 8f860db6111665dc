"""``grade``: intake, real nbgrader autograde into the gradebook, feedback HTML, CSV."""
import collections
import contextlib
import ctypes
import dataclasses
import datetime
import multiprocessing
import os
import secrets
import shutil
import signal
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat
import psutil

from .. import notebooks, paths, status
from ..intake import lms, submissions
from ..intake.restore import reconcile
from ..report import scores
from ..sandbox import fork_server
from .bounded_execute import LOST_KEY, TRUNCATED_KEY, human
from .course import CourseDir, Limits, sandbox_problem
from .interrupt import Stop
from .journal import Journal, grader_fingerprint, submission_fingerprint
from .nbgrader_config import RESTORED
from .preprocessors import CUT_KEY, INERT_KEY, OVERWRITTEN_KEY


def load_sources():
    """{assignment: {notebook name: source NotebookNode}} from solutions/."""
    return {a: {p.stem: notebooks.read(p) for p in sorted((paths.SOLUTIONS / a).glob("*.ipynb"))}
            for a in paths.assignments()}


PR_SET_PDEATHSIG = 1  # prctl(2)
GENERIC = ("There was an error processing", "Please see the", "Traceback")


def failure_reason(result):
    """The most specific line of a failed nbgrader call's log (e.g. 'Kernel died ...')."""
    log = (result.get("log") or "").splitlines()
    for line in log:
        if line.startswith("[ERROR]") and not any(g in line for g in GENERIC):
            return line[len("[ERROR]"):].strip()[:300]
    lines = [line.strip() for line in (result.get("error") or "").splitlines() if line.strip()]
    return lines[-1][:300] if lines else "unknown error"


def failure_verdict(result, ended, limits):
    """(status, note) when nbgrader could not grade a notebook: its kernel was killed or died.
    ``ended``: how the kernel ended, as the fork server says (``CourseDir.kernel_end``), or None."""
    reason = failure_reason(result)
    why = (ended or {}).get("why")
    if "Timeout waiting for execute reply" in result.get("log", ""):  # nbclient's own words for a cell it gave up on
        return status.TIMEOUT, (f"a cell ran for more than {limits.cell_seconds:g} s and did not stop when interrupted "
                                "(a loop that ignores interrupts?): no points")
    if why == "deadline":
        return status.TIMEOUT, (f"the notebook ran for more than {limits.notebook_seconds:g} s in all and was stopped "
                                "(long experiments left in it, or a loop that ignores interrupts?): no points")
    if why == "files":
        return status.KERNEL_DIED, (f"the kernel was stopped: it made more than {fork_server.MOST_FILES:,} files "
                                    "in /tmp, /dev/shm or its sockets' folder: no points")
    if why == "ipc":
        return status.KERNEL_DIED, ("the kernel was stopped: it held more than "
                                    f"{fork_server.MOST_IPC_BYTES >> 20} MB of System V shared memory or message "
                                    "queues: no points")
    if why == "processes":
        return status.KERNEL_DIED, (f"the kernel was stopped: it ran more than {fork_server.MOST_PROCESSES} "
                                    "processes: no points")
    how = ended_how((ended or {}).get("exit"))
    if "Kernel died" in reason or "DeadKernel" in reason or how:
        return status.KERNEL_DIED, (f"the kernel stopped while running the notebook{f' ({how})' if how else ''}: "
                                    f"os._exit, a crash, or more than {limits.memory_mb} MB of memory: no points")
    return status.ERROR, "nbgrader autograde failed: " + reason


def ended_how(code):
    """How a kernel process ended, from its exit code as ``os.waitstatus_to_exitcode`` gives it (minus the
    signal's number when killed): "exit code 3", "killed by SIGSEGV"; None for 0 or None (no end known)."""
    if not code:
        return None
    if code > 0:
        return f"exit code {code}"
    try:
        return f"killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"killed by signal {-code}"


def overwritten(autograded_path):
    """What nbgrader's OverwriteCells put back in a graded notebook (``NoteOverwrites``), as
    ["points of test_sgd", ...]; [] for an honest submission (restore puts the release's cells back first)."""
    if not autograded_path.exists():
        return []
    changes = notebooks.read(autograded_path).metadata.get(OVERWRITTEN_KEY) or []
    return [f"{c.get('attribute')} of {c.get('grade_id')}" for c in changes]


def run_notes(autograded_path, limits):
    """Notes on what happened in a graded notebook: interrupted cells, memory errors, output cut."""
    if not autograded_path.exists():
        return []
    nb = notebooks.read(autograded_path)
    cells = nb.cells
    names = [out.get("ename") for cell in cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    notes = []
    cut = [cell.metadata[TRUNCATED_KEY] for cell in cells if TRUNCATED_KEY in cell.get("metadata", {})]
    if cut:
        notes.append(f"output truncated: {human(sum(c['printed'] for c in cut))} printed, "
                     f"{human(sum(c['kept'] for c in cut))} kept ({len(cut)} cell(s))")
    lost = collections.Counter(cell.metadata[LOST_KEY] for cell in cells if LOST_KEY in cell.get("metadata", {}))
    notes += [f"output lost in {count} cell(s): {why}" for why, count in lost.items()]
    if nb.metadata.get(CUT_KEY):
        notes.append("output truncated: a message over 16 MB was cut in the kernel")
    if "KeyboardInterrupt" in names or "CellTimeoutError" in names:
        notes.append(f"a cell ran for more than {limits.cell_seconds:g} s and was interrupted")
    found = nb.metadata.get(INERT_KEY, [])
    if found:
        shown = ", ".join(sorted(set(map(str, found)))[:4])
        notes.append(f"shown inert to whoever opens it: {len(found)} thing(s) a browser would run or load ({shown})")
    if "MemoryError" in names:
        notes.append(f"MemoryError: the notebook may use at most {limits.memory_mb} MB")
    return notes


def _intake(submissions_dir, course, sources, assignments, pattern, exclude=()):
    """The rows of everything found: the download (a folder or a zip, ``lms``) unpacked to one folder per
    student in the course directory, then each student's notebooks found (``intake``)."""
    source = Path(submissions_dir)
    if not source.is_dir() and not (source.is_file() and source.suffix.lower() == ".zip"):
        raise NotADirectoryError(f"{source} is not a folder of submissions (<student_id>/<assignment>/<notebook>.ipynb) "
                                 "nor a zip")
    unpacked_dir = course.root / "lms_unpacked"
    if unpacked_dir.exists():
        shutil.rmtree(unpacked_dir)
    unpacked_dir.mkdir()
    # the course directory's own files and folders, when it lies within the download (all but nbgrader's submitted/)
    own = [p for p in course.root.iterdir() if p.name != "submitted"]
    unpacked = lms.unpack(source, unpacked_dir, list(sources), [n for a in sources for n in sources[a]], pattern,
                          exclude=[course.root, *own, *exclude])
    rows = submissions.scan(unpacked_dir, sources, assignments)
    for row in rows:
        row.csv_id = unpacked.students.get(row.student_id, row.student_id)
        row.notes = unpacked.said.get(row.csv_id, []) + row.notes
        record = unpacked.records.get(row.student_id, {}).get(submissions.key(row.assignment))
        if record is not None and row.path is not None and row.status == submissions.READY:
            row.records, notes = submissions.checked_records(record, row.path, unpacked_dir / row.student_id)
            row.notes += notes
    return rows + unpacked.unused


def exchange_course(folder):
    """The nbgrader course directory whose ``submitted/`` (``nbgrader collect``'s) ``folder`` is, or None."""
    folder = Path(folder)
    if folder.name == "submitted" and (folder.parent / "nbgrader_config.py").is_file():
        return folder.parent.resolve()
    return None


def grade(submissions_dir, csv_path, course_dir=None, db_url=None, feedback_dir=None,
          assignments=None, pattern=None, limits=Limits(), regrade=False, workers=1, log=print,
          progress=None, scheduler=None, stop=None):
    """Grade every submission below ``submissions_dir`` (or in a zip from an LMS, see ``lms``);
    write ``csv_path``; return the rows.

    The originals are copied into the working course directory (``course_dir``, default .grading/),
    with their cells matched to the release's (``restore``), and are never modified. Feedback HTML
    goes to ``feedback_dir`` (default: <csv stem>_feedback/). ``scheduler``: the address of a Dask
    cluster (``tcp://host:8786``) whose workers grade instead of ``workers`` local processes (``Cluster``).
    The CSV is written on every path: when
    the batch cannot go on (no sandbox, a broken course directory, Ctrl-C), the rows not graded say
    why, and the error is raised after the CSV is written. A first Ctrl-C (SIGINT) stops once the
    notebooks being graded are done, a second one at once (``interrupt.Stop``; ``stop``: one the caller
    installed earlier): KeyboardInterrupt.
    """
    with contextlib.nullcontext(stop) if stop is not None else Stop(log) as stop:
        return _grade(submissions_dir, csv_path, course_dir, db_url, feedback_dir, assignments, pattern, limits,
                      regrade, workers, log, progress, scheduler, stop)


def _grade(submissions_dir, csv_path, course_dir, db_url, feedback_dir, assignments, pattern, limits, regrade,
           workers, log, progress, scheduler, stop):
    sources = load_sources()
    originals = Path(submissions_dir).resolve()  # hidden from the kernels, like the course directory
    hidden = [originals.parent if originals.is_file() else originals]
    course = CourseDir(course_dir or paths.WORK, db_url, limits, hidden)
    feedback_dir = Path(feedback_dir or Path(csv_path).with_name(Path(csv_path).stem + "_feedback"))
    other = exchange_course(originals)
    if other is not None and other != course.root:
        log(f"note: {originals} is what `nbgrader collect` wrote in the course directory {other}; the grades and "
            f"feedback go to {course.root}. For `nbgrader release_feedback` there, grade with --course-dir {other}")
    try:
        rows = _intake(submissions_dir, course, sources, assignments, pattern, exclude=[csv_path, feedback_dir])
    except (NotADirectoryError, ValueError) as exc:
        stop.writing = True
        _write(course, [submissions.Submission("", "", "", status=status.ERROR, notes=[str(exc)])], sources, csv_path)
        raise
    try:
        problem = limits.sandbox and sandbox_problem(tuple(str(p) for p in (course.root, paths.REPO, *hidden)))
        if problem:
            raise RuntimeError(f"no sandbox: {problem}. To grade without isolation, with student code "
                               "running with your permissions, pass --no-sandbox")
        _grade_ready(course, rows, sources, feedback_dir, regrade, workers, log, progress, scheduler, stop)
    except BaseException as exc:
        stop.writing = True
        interrupted = isinstance(exc, KeyboardInterrupt)
        for row in rows:
            if row.status == submissions.READY and not row.done:
                row.status = status.INTERRUPTED if interrupted else status.ERROR
                row.notes = row.notes + ["not graded yet: run the same command again" if interrupted
                                         else f"not graded: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"]
        _write(course, rows, sources, csv_path)
        raise
    stop.writing = True
    return _write(course, rows, sources, csv_path)


def _grade_ready(course, rows, sources, feedback_dir, regrade, workers, log, progress, scheduler, stop):
    """Grade the rows ready for it (a kernel per student and assignment), or keep the journal's; stop
    between two students when ``stop`` (``interrupt.Stop``) says so."""
    by_student = {}
    for row in rows:
        if row.status == submissions.READY:
            by_student.setdefault((row.student_id, row.assignment), []).append(row)
        elif row.assignment and course.path("autograded", row.student_id, row.assignment).is_dir():
            row.notes.append("the course directory still holds the grade of an earlier submission (in its gradebook "
                             "and feedback/: nbgrader's formgrader and release_feedback show that one)")
    journal = Journal(course.root / "journal.json", grader_fingerprint(course.limits))
    total, to_grade = len(by_student), []
    for number, ((student, assignment), group) in enumerate(sorted(by_student.items()), start=1):
        key, fingerprint = f"{student}/{assignment}", submission_fingerprint(group)
        if not regrade and journal.done(key, fingerprint) and course.path("autograded", student, assignment).exists():
            log(f"[{number}/{total}] {student} / {assignment}: already graded, kept")
            journal.restore(key, group)
            _copy_feedback(course, student, assignment, group, feedback_dir)
        else:
            to_grade.append((number, student, assignment, group, key, fingerprint))
    # the kernel factories (this process's, or each worker's) start while the assignments are generated
    if scheduler and to_grade:
        pool = Cluster(scheduler, course.limits)
    else:
        pool = _start_pool(course, workers) if workers > 1 and len(to_grade) > 1 else None
    if to_grade and pool is None:
        course.warm_up()
    with pool or contextlib.nullcontext():
        try:
            for assignment in sorted({r.assignment for _, _, _, group, _, _ in to_grade for r in group}):
                course.generate(assignment)  # source cells (with hidden tests) into the gradebook
            tick = progress or (lambda done, total: None)
            tick(0, len(to_grade))
            if pool is not None:
                _grade_in_parallel(course, to_grade, feedback_dir, pool, journal, log, tick, stop)
                return
            for done, (number, student, assignment, group, key, fingerprint) in enumerate(to_grade, start=1):
                stop.check()
                log(f"[{number}/{total}] grading {student} / {assignment}")
                before = [(row.status, list(row.notes)) for row in group]
                _grade_one(course, student, assignment, group, feedback_dir)
                if stop.forced:  # stopped in the middle of this student (nbgrader may have caught it): not graded
                    for row, (was, notes) in zip(group, before):
                        row.status, row.notes, row.done = was, notes, False
                    raise KeyboardInterrupt
                journal.record(key, fingerprint, group)
                tick(done, len(to_grade))
        except KeyboardInterrupt:
            if isinstance(pool, ProcessPoolExecutor):
                _stop_pool(pool)
            raise


def _stop_pool(pool):
    """Kill ``pool``'s grading processes and what they started (their fork servers and kernels): a second
    Ctrl-C must not wait for the students being graded."""
    workers = list((getattr(pool, "_processes", None) or {}).values())  # concurrent.futures has no public way
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        try:
            tree = psutil.Process(worker.pid)
            for process in [tree] + tree.children(recursive=True):
                process.kill()
        except psutil.Error:
            pass


def _start_pool(course, workers):
    """``workers`` grading processes, started now: each starts its kernel factory (``warm_up``) while
    this process still generates the assignments."""
    context = multiprocessing.get_context("spawn")  # fresh processes: no kernel or socket is inherited
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_warm_worker,
                               initargs=(os.getpid(), course.root, course.db_url, course.limits, course.hidden))
    for _ in range(workers):  # a process is started for each task submitted while none is idle
        pool.submit(os.getpid)
    return pool


def _warm_worker(parent, root, db_url, limits, hidden):
    """A grading process's start: it ends with the grading command ``parent`` (killed, say), never
    outliving it with its kernels; its fork server warms up (a failure here shows in its first grading)."""
    try:  # multiprocessing has no setting for it: Linux's parent-death signal, as bubblewrap's --die-with-parent
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the command's: it stops the batch (interrupt.Stop)
    try:
        CourseDir(root, db_url, limits, hidden).warm_up()
    except Exception:  # noqa: BLE001 - grade_student starts it again and reports what goes wrong
        pass


def _grade_in_parallel(course, to_grade, feedback_dir, pool, journal, log, tick, stop):
    """Grade the groups of ``to_grade`` in ``pool``'s processes; each student's notebooks still run
    in a kernel of their own. The journal is written as each one finishes. On a stop request, the
    students not started are cancelled, those being graded finish."""
    started, finished = time.monotonic(), 0
    futures = {pool.submit(grade_student, course.root, course.db_url, course.limits, course.hidden, student,
                           assignment, group, feedback_dir): (student, assignment, group, key, fingerprint)
               for _, student, assignment, group, key, fingerprint in to_grade}

    def cancel_the_waiting():
        for waiting in futures:
            if not waiting.done():
                waiting.cancel()  # concurrent.futures: only those not started yet
    if not isinstance(pool, Cluster):  # in the signal handler: a Future's lock is re-entrant
        stop.on_request(cancel_the_waiting)
    cancelled = False
    for future in getattr(pool, "as_completed", as_completed)(futures):
        if stop.requested and not cancelled and isinstance(pool, Cluster):
            cancel_the_waiting()  # a Dask worker's student in progress is cancelled too (graded again next run)
            cancelled = True
        if future.cancelled():
            continue
        student, assignment, group, key, fingerprint = futures[future]
        try:
            graded_group = future.result()
        except Exception as exc:  # noqa: BLE001 - a worker that died (BrokenProcessPool, KilledWorker): the row says so
            _failed(group, f"the grading process failed ({type(exc).__name__}: {exc}); run the same command again")
            continue
        for row, graded in zip(group, graded_group):
            for name in row.RESULT + ("done",):
                setattr(row, name, getattr(graded, name))
        journal.record(key, fingerprint, group)
        finished += 1
        tick(finished, len(to_grade))
        eta = (time.monotonic() - started) / finished * (len(to_grade) - finished)
        log(f"[{finished}/{len(to_grade)}] graded {student} / {assignment} (about {eta:.0f} s to go)")
    if any(future.cancelled() for future in futures):
        raise KeyboardInterrupt


class Cluster:
    """A Dask cluster as the pool of grading processes: ``submit`` and ``as_completed`` as
    concurrent.futures has them, ``grade_student`` running in the workers' processes.

    Each worker grades one student at a time in its own sandbox with its own warm kernels, so it must
    run one thread (``dask worker ADDRESS --nthreads 1``; ``--nworkers N`` for N of them), import this
    very grader (``PYTHONPATH`` = this checkout, the same code as the command's) and see the course
    directory at the same path. A worker that dies mid-student (its machine, a kill) loses nothing
    finished: the scheduler gives its students to another worker, up to Dask's
    ``distributed.scheduler.allowed-failures`` times, after which the row says so.

    RuntimeError, with the reason: the scheduler cannot be reached; it has no worker; a worker runs
    several threads, cannot import the grader, or runs other grader code than this command; no worker
    is left for ``ALONE_SECONDS`` while students wait (the rows not graded then say so). A worker that
    joins later is checked by each task it runs (``grade_on_worker``).
    """

    ALONE_SECONDS = 60  # no worker at all for this long while students wait: stop, saying why

    def __init__(self, address, limits, timeout=10):
        from distributed import Client  # only the --scheduler path needs Dask

        self.address, self.grader = address, grader_fingerprint(limits)
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise RuntimeError(f"no Dask scheduler answers at {address}: {exc}") from None
        try:
            self._check_workers(limits)
        except BaseException:
            self.client.close()
            raise

    def _check_workers(self, limits):
        workers = self.client.scheduler_info()["workers"]
        if not workers:
            raise RuntimeError(f"the Dask scheduler at {self.address} has no worker: start some with "
                               f"`PYTHONPATH={paths.REPO} dask worker {self.address} --nthreads 1`")
        threaded = [w.get("name") or where for where, w in workers.items() if w.get("nthreads", 1) != 1]
        if threaded:
            raise RuntimeError(f"Dask workers {', '.join(map(str, threaded))} run several threads: a grading "
                               "process grades one student at a time; start them with --nthreads 1 (and "
                               "--nworkers N for more)")

        def grader_here(fields=dataclasses.asdict(limits)):  # sent by value: it runs where ours cannot import
            try:
                from autograder.engine.course import Limits
                from autograder.engine.journal import grader_fingerprint as here
                return here(Limits(**fields))
            except Exception as exc:  # noqa: BLE001 - said as the reason
                return f"cannot import the grader ({type(exc).__name__}: {exc})"

        other = {where: found for where, found in self.client.run(grader_here).items() if found != self.grader}
        if other:
            why = "; ".join(f"{where}: " + (found if " " in found else "runs other grader code than this command")
                            for where, found in other.items())
            raise RuntimeError(f"Dask workers cannot grade for this command ({why}): start them from this checkout, "
                               f"`PYTHONPATH={paths.REPO} dask worker {self.address} --nthreads 1`, and restart "
                               "those started before the code changed")

    def submit(self, function, *args):
        """``function(*args)`` on a worker, through ``grade_on_worker`` (never merged with an equal call)."""
        return self.client.submit(grade_on_worker, self.grader, function, *args, pure=False)

    def as_completed(self, futures):
        """The futures as they finish; RuntimeError when no worker has been left for ``ALONE_SECONDS``."""
        from distributed import as_completed as dask_as_completed

        waiting, alone_since = dask_as_completed(list(futures), loop=self.client.loop), None
        while not waiting.is_empty():
            if waiting.has_ready():
                alone_since = None
                yield from waiting.next_batch(block=False)
                continue
            if self.client.scheduler_info()["workers"]:
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > self.ALONE_SECONDS:
                raise RuntimeError(f"no Dask worker has been left at {self.address} for {self.ALONE_SECONDS} s: "
                                   "start workers and run the same command again (what was graded is kept)")
            time.sleep(0.5)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.client.close()
        return False


_grader_here = {}  # repr(limits) -> this process's grader fingerprint, taken once: the code it has loaded


def grade_on_worker(grader, function, *args):
    """``function(*args)`` in a Dask worker that can grade for the command whose grader fingerprint is
    ``grader``; RuntimeError (the row says it) in a worker of several threads or of other grader code,
    such as one that joined the cluster after the command checked it."""
    from distributed import get_worker

    threads = get_worker().state.nthreads
    if threads != 1:
        raise RuntimeError(f"this Dask worker runs {threads} threads: a grading process grades one student at "
                           "a time (--nthreads 1); run the same command again once it is gone")
    limits = args[2]  # grade_student's: root, db_url, limits, ...
    if repr(limits) not in _grader_here:
        _grader_here[repr(limits)] = grader_fingerprint(limits)
    if _grader_here[repr(limits)] != grader:
        raise RuntimeError("this Dask worker runs other grader code than the command: restart it from the "
                           "command's checkout, and run the same command again")
    return function(*args)


def grade_student(root, db_url, limits, hidden, student, assignment, group, feedback_dir):
    """Grade one student's notebooks of one assignment in the course directory ``root``; returns the
    rows of ``group`` (submissions.Submission) with their status and notes. ``hidden``: folders the
    sandboxed kernel must not see, besides the course directory and the kit.

    Self-contained and picklable, so any process pool can run it: this module's ``--workers``, or a
    Dask / Ray cluster whose workers share the course directory and a PostgreSQL gradebook
    (``db_url``); see docs/scaling.md.
    """
    course = CourseDir(root, db_url, limits, hidden)
    course.warm_up()
    _grade_one(course, student, assignment, group, feedback_dir)
    return group


def _write(course, rows, sources, csv_path):
    table = scores.score_rows(course, rows, sources)
    scores.write_csv(table, csv_path, sources)
    return table


def _failed(group, note):
    for row in group:
        row.status, row.notes, row.done = status.ERROR, row.notes + [note], True


def _grade_one(course, student, assignment, group, feedback_dir):
    """Autograde one student's notebooks of one assignment, then their feedback; sets the rows' status.
    Never raises for a bad submission: its rows get the status ``error`` and the reason."""
    try:
        _autograde(course, student, assignment, group)
    except Exception as exc:  # noqa: BLE001 - one student's failure must not stop the batch
        _failed(group, f"grading failed: {type(exc).__name__}: {str(exc)[:300]}")
        return
    for row in group:
        row.done = True
    if all(row.status == submissions.READY for row in group):
        made = course.api.generate_feedback(assignment, student, force=True)
        if not made["success"]:  # the grades stand; the row says why there is no feedback file
            last = [line for line in (made.get("error") or made.get("log") or "").splitlines() if line.strip()]
            for row in group:
                row.notes.append("no feedback HTML: nbgrader generate_feedback failed"
                                 + (f" ({last[-1].strip()[:200]})" if last else ""))
        else:
            _feedback_for_exchange(course, student, assignment, group)
        _copy_feedback(course, student, assignment, group, feedback_dir)


def _feedback_for_exchange(course, student, assignment, group):
    """Ready the course directory's feedback for nbgrader's release_feedback, which names each HTML by
    the submission's secret and the notebook's name, as the student's fetch_feedback looks it up: the
    HTML also under the name the notebook was submitted as. A submission without nbgrader's record
    (an LMS download, a record left out) gets stand-ins beside its HTML: release_feedback stops the
    whole class at the first folder without them, and a random secret names a file nobody fetches."""
    folder = course.path("feedback", student, assignment)
    if not folder.is_dir():
        return
    for row in group:
        html = folder / f"{row.notebook}.html"
        name = row.path.name if row.path is not None else ""
        if row.records and html.exists() and name.endswith(".ipynb") and name[:-len(".ipynb")] != row.notebook:
            shutil.copyfile(html, folder / (name[:-len(".ipynb")] + ".html"))
    stand_ins = {"timestamp.txt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC"),
                 "submission_secret.txt": secrets.token_hex(64)}
    for name, text in stand_ins.items():
        if not (folder / name).exists():
            (folder / name).write_text(text)


def _autograde(course, student, assignment, group):
    """The restored folder (notebooks matched to the release, helper files along, nbgrader's record of the
    submission), then nbgrader."""
    folder = course.path(RESTORED, student, assignment)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for row in group:
        for extra in row.extras:  # the student's helper modules and data, next to the notebook
            target = folder / extra
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(row.path.parent / extra, target)
        for name, text in row.records.items():  # nbgrader reads the time at autograde, the secret at release_feedback
            (folder / name).write_text(text)
    for row in group:
        release_nb = notebooks.read(course.path("release", assignment, f"{row.notebook}.ipynb"))
        source_nb = notebooks.read(course.path("source", assignment, f"{row.notebook}.ipynb"))
        nb, done = reconcile(notebooks.read(row.path), release_nb, source_nb)
        row.notes, row.restored_tests, row.tampered = done.notes() + row.notes, done.restored_tests, bool(done.tampered)
        nbformat.write(nb, str(folder / f"{row.notebook}.ipynb"))
    result = course.api.autograde(assignment, student, force=True, create=True)
    if not result.get("success"):
        verdict, note = failure_verdict(result, course.kernel_end(), course.limits)
        for row in group:
            row.status = verdict
            row.notes.append(note)
        return
    for row in group:
        autograded = course.path("autograded", student, assignment, f"{row.notebook}.ipynb")
        row.notes += run_notes(autograded, course.limits)
        put_back = overwritten(autograded)
        if put_back:
            row.tampered = True
            row.notes.append("tampered: nbgrader put back " + ", ".join(put_back))


def _copy_feedback(course, student, assignment, group, feedback_dir):
    """The feedback HTML of each notebook, from the course directory to ``feedback_dir``."""
    for row in group:
        html = course.path("feedback", student, assignment, f"{row.notebook}.html")
        if html.exists():
            target = feedback_dir / student / assignment / html.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(html, target)
