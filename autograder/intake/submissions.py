"""Intake: map a folder of submissions to (student, assignment, notebook) with a status each.

SUBMISSIONS_DIR/<student_id>/... : each top-level folder is one student (nbgrader's submitted layout
is ``<student_id>/<assignment>/<notebook>.ipynb``; an LMS zip is unpacked to the same shape by
``lms``). Inside a student's folder, at any depth, the notebook of each assignment is found by one
policy, the same for folders and zips:

1. by name: the notebook's name inside the file name, ignoring case, punctuation and extra words
   (``Lab3_Optimizers.ipynb``, ``lab3_optimizers (1).ipynb``, ``lab3_optimizers-Copy1.ipynb``,
   ``final lab3 optimizers kim.ipynb``);
2. else by folder: a notebook in a folder named like the assignment;
3. else by content: a notebook that carries the assignment's nbgrader cells;
4. else the student's only notebook, when one assignment is expected (graded with a note);
5. else Jupyter's autosaved copy in ``.ipynb_checkpoints/`` (graded with a note).

Of several candidates, the one with the most answered exercises is graded (then: the exact name,
the shallowest, the newest, the first in name order); the others are named in the row's message,
each with the reason. Without a list of assignments, one is due from every student when at least
half of them handed it in (a 'missing notebook' row for the others); an assignment fewer handed in
is graded for them only; the ungraded notebooks (no test points) are only named.
Every file found is accounted for: graded, copied along with the graded notebook (the non-notebook
files of its folder: helper modules, data; size-capped), or named in the message. Jupyter's and
operating systems' own files (``.ipynb_checkpoints/``, ``__pycache__/``, ``__MACOSX/``, hidden
files) are skipped. nbgrader's record of a submission next to the graded notebook (``timestamp.txt``,
``submission_secret.txt``, written by ``nbgrader submit``) is kept for nbgrader, not as the student's
files (``records``). The originals are only read.
"""
import functools
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .. import notebooks, paths
from ..inert import runs_in_browser
from ..status import INVALID, MISSING, READY, STRAY  # noqa: F401 - READY: read as intake.READY too
from .cellcode import defined_names

MAX_NOTEBOOK_BYTES = 50 << 20                     # a larger "notebook" is not read
MAX_EXTRA_BYTES, MAX_EXTRA_FILES = 20 << 20, 200  # files copied along with a notebook, at most
CHECKPOINTS = ".ipynb_checkpoints"  # Jupyter's autosaved copies: graded only when nothing else is there
JUNK = {CHECKPOINTS, "__pycache__", "__MACOSX"}


@dataclass
class Submission:
    """One expected notebook of one student (or one thing that could not be mapped)."""
    student_id: str
    assignment: str
    notebook: str                 # the notebook's name, without .ipynb
    path: Path = None             # the file to grade, when there is one
    status: str = READY
    notes: list = field(default_factory=list)
    extras: list = field(default_factory=list)    # files copied along, relative to path.parent
    restored_tests: list = field(default_factory=list)  # tests the grader put back (set when graded)
    tampered: bool = False        # a change that could raise a score was found (and undone)
    csv_id: str = ""              # the id as the LMS gave it, when the folder name had to differ
    done: bool = False            # graded (or failed for a reason of its own) in this run or an earlier one
    records: dict = field(default_factory=dict)   # nbgrader's record of the submission: {file name: text}

    RESULT = ("status", "notes", "restored_tests", "tampered")  # what grading sets: kept by the journal


def skipped(name):
    """Jupyter's, Python's and operating systems' own files and folders (never a student's work)."""
    return name.startswith(".") or name in JUNK


def key(text):
    """A name compared loosely: lower case, letters and digits only."""
    return re.sub(r"[\W_]+", "", text.lower())


def is_notebook_name(name):
    """A notebook's file name, also as browsers save a download (``x.ipynb.txt``, ``x.ipynb.json``)."""
    return re.search(r"\.ipynb(\.(txt|json))?$", name, re.IGNORECASE) is not None


def _walk(folder):
    """(files, checkpoints) below ``folder``, skipping junk; checkpoints: the notebooks in Jupyter's
    checkpoint folders. (``lms.unpack`` wrote the folder: it holds no links, and reported the originals'.)"""
    files, checkpoints = [], []
    for directory, subfolders, names in os.walk(folder):
        here = Path(directory)
        if CHECKPOINTS in here.relative_to(folder).parts:
            checkpoints += [here / n for n in sorted(names) if is_notebook_name(n)]
            subfolders[:] = []
            continue
        subfolders[:] = sorted(d for d in subfolders if not skipped(d) or d == CHECKPOINTS)
        files += [here / n for n in sorted(names) if not skipped(n)]
    return files, checkpoints


def _name_claim(path, names):
    """The course notebook whose name is in this file's name (the longest such), or None."""
    stem = key(re.sub(r"\.ipynb(\.(txt|json))?$", "", path.name, flags=re.IGNORECASE))
    found = [n for n in names if key(n) and key(n) in stem]
    return max(found, key=lambda n: len(key(n))) if found else None


def _read(path):
    """(notebook, None) or (None, why it is not one)."""
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        return None, f"{path.name} is larger than {MAX_NOTEBOOK_BYTES >> 20} MiB: not read"
    if holds_course_secrets(path):  # the instructor's source notebook (a copy, a link a system followed)
        return None, f"{path.name} holds the course's solutions or hidden tests: not graded"
    try:
        nb = notebooks.read(path)
        nbformat.validate(nb)
        return nb, None
    except Exception as exc:  # noqa: BLE001 - anything unreadable is reported, whatever the cause
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, f"{path.name} is not a valid notebook ({type(exc).__name__}: {reason[:200]})"


def answered(nb, source_nb):
    """How many of the lab's exercises ``nb`` answers: solution cells of the source whose names a
    cell of ``nb`` defines without the stub's ``raise NotImplementedError``."""
    written = [defined_names(c.source) for c in nb.cells
               if c.cell_type == "code" and "NotImplementedError" not in c.source]
    wanted = [defined_names(c.source) for c in notebooks.solution_cells(source_nb).values()]
    return sum(1 for names in wanted if names and any(names <= w for w in written))


def _distinctive_ids(sources):
    """{notebook: its grade ids that no other notebook of the course uses} ('setup', 'data' are shared)."""
    ids = {n: set(notebooks.graded_ids(nb)) for a in sources for n, nb in sources[a].items()}
    return {n: own - set().union(*(other for m, other in ids.items() if m != n)) for n, own in ids.items()}


class _Student:
    """One student's folder: its files, their notebooks read once, and what each row used."""

    def __init__(self, folder, sources):
        self.folder, self.sources = folder, sources
        self.files, self.checkpoints = _walk(folder)
        self.notebooks = [p for p in self.files if is_notebook_name(p.name)]
        names = [n for a in sources for n in sources[a]]
        self.claims = {p: _name_claim(p, names) for p in self.notebooks}
        self._read = {}
        self.used = set()

    def read(self, path):
        if path not in self._read:
            self._read[path] = _read(path)
        return self._read[path]

    def owner(self, path):
        """The course notebook whose own cells (grade ids no other notebook of the course has) this
        notebook carries most of, or None."""
        nb = self.read(path)[0]
        if nb is None:
            return None
        ids = set(notebooks.graded_ids(nb))
        overlap = {name: len(ids & own) for name, own in _distinctive_ids(self.sources).items()}
        best = max(overlap, key=overlap.get, default=None)
        return best if best is not None and overlap[best] > 0 else None

    def rel(self, path):
        return path.relative_to(self.folder).as_posix()

    def candidates(self, assignment, notebook, only_assignment):
        """(files, how they were found) for one expected notebook: rules 1-4 of the module docstring."""
        by_name = [p for p in self.notebooks if self.claims[p] == notebook]
        if by_name:
            return by_name, "name"
        unclaimed = [p for p in self.notebooks if self.claims[p] is None]
        by_folder = [p for p in unclaimed if any(key(part) == key(assignment) for part in p.relative_to(self.folder).parts[:-1])]
        if by_folder:
            return by_folder, "folder"
        by_content = [p for p in unclaimed if self.owner(p) == notebook]
        if by_content:
            return by_content, "content"
        if only_assignment and len(unclaimed) == 1:
            return unclaimed, "only"
        autosaved = [p for p in self.checkpoints if _name_claim(p, [notebook]) == notebook]
        if autosaved:
            return autosaved, "checkpoint"
        return [], None

    def choose(self, candidates, assignment, notebook):
        """(the candidate to grade, [(another, why it was not graded)]): see the module docstring."""
        source_nb = self.sources[assignment][notebook]

        def rank(path):
            nb = self.read(path)[0]
            exact = path.name == f"{notebook}.ipynb" and path.parent.name == assignment
            return (-(answered(nb, source_nb) if nb is not None else -1), not exact, len(path.parts),
                    -path.stat().st_mtime, str(path))
        ordered = sorted(candidates, key=rank)
        best = rank(ordered[0])
        reasons = ["fewer answered exercises", "not the exact name", "deeper in folders", "older", "later by name"]
        others = []
        for path in ordered[1:]:
            problem = self.read(path)[1]
            if problem:
                others.append((path, "empty" if path.stat().st_size == 0 else "not a valid notebook"))
                continue
            differs = next(i for i, (a, b) in enumerate(zip(rank(path), best)) if a != b)
            others.append((path, reasons[differs]))
        return ordered[0], others

    def extras(self, path, assignment):
        """(files to copy along with the notebook ``path`` of ``assignment``, notes on what was left out).
        Python modules first, then the files the notebook names, then the smallest: within the caps, what
        the code needs. The release's own files handed back unchanged (``labkit/``, data) are not the
        student's: nbgrader puts the source's copies there anyway. Never copied: a file that would stand
        where nbgrader keeps its own record of the submission (``RECORDS``), or that holds the course's
        solutions or hidden tests (a link the student slipped into nbgrader's exchange, which
        ``nbgrader collect`` follows)."""
        folder, chosen, left_out, total = path.parent, [], [], 0
        text = path.read_text(errors="replace") if path.stat().st_size <= MAX_NOTEBOOK_BYTES else ""
        given = released_files(assignment)
        files, refused = [], []
        for f in self.files:
            if is_notebook_name(f.name) or folder not in f.parents:
                continue
            if f.parent == folder and f.name in RECORDS:
                self.used.add(f)
                refused.append(f"{self.rel(f)} (nbgrader's name for its own record of a submission)")
                continue
            rel = f.relative_to(folder).as_posix()
            if rel in given and f.stat().st_size == given[rel][0] and _sha256(f) == given[rel][1]:
                self.used.add(f)
                continue
            files.append(f)
        files.sort(key=lambda f: (f.suffix != ".py", f.name not in text, f.stat().st_size, str(f)))
        for file in files:
            size = file.stat().st_size
            if len(chosen) >= MAX_EXTRA_FILES or total + size > MAX_EXTRA_BYTES:
                left_out.append(self.rel(file))
                continue
            if holds_course_secrets(file):
                self.used.add(file)
                refused.append(f"{self.rel(file)} (it holds the course's solutions or hidden tests)")
                continue
            if runs_in_browser(file.name):  # formgrader serves a submission's files on the instructor's origin
                self.used.add(file)
                refused.append(f"{self.rel(file)} (a web page, picture or script a browser would run)")
                continue
            chosen.append(file.relative_to(folder))
            total += size
            self.used.add(file)
        chosen.sort()
        notes = ["copied with the notebook: " + _names(p.as_posix() for p in chosen)] if chosen else []
        if left_out:
            notes.append(f"not copied for grading (over {MAX_EXTRA_FILES} files or {MAX_EXTRA_BYTES >> 20} MiB): "
                         + _names(left_out))
        if refused:
            notes.append("not copied for grading: " + _names(refused))
        return chosen, notes


def checked_records(found, path, student_folder):
    """nbgrader's record of the submission that holds the notebook ``path``, as ``lms`` found it (``found``:
    {"folder": the submission's top inside ``student_folder``, record name: text}): ({record name: text}
    nbgrader can read, notes). nbgrader reads the time at autograde and the secret at release_feedback,
    which names the feedback by it and by the notebook's name; its fetch_feedback looks for the notebooks
    at the top of the submission only, so a notebook further down is noted."""
    kept, notes = {}, []
    for name, problem in RECORDS.items():
        if name not in found:
            notes.append(f"{name} missing from nbgrader's submission")
            continue
        text = found[name].strip()
        why = problem(text) if len(text) <= MAX_RECORD_BYTES else "longer than nbgrader writes it"
        if why:
            notes.append(f"{name} left out: {why}")
        else:
            kept[name] = text
    top = Path(student_folder) / found.get("folder", "")
    if path.parent != top:
        notes.append(f"the notebook was submitted in {path.parent.relative_to(top).as_posix()}/, where nbgrader's "
                     "fetch_feedback does not look: send the student the feedback HTML")
    elif notes:
        notes.append("nbgrader's fetch_feedback will not find this feedback: send the student the feedback HTML")
    return kept, notes


@functools.lru_cache(maxsize=None)
def _secret_markers():
    """nbgrader's begin delimiters as the source writes them: a comment line of its own (``### BEGIN
    SOLUTION``), at a line's start or a string's (a notebook's JSON, the gradebook's rows). Code that
    merely names the words (``"BEGIN SOLUTION" in text``) is no marker."""
    begins = "|".join(re.escape(begin) for begin, _ in notebooks.delimiters().values())
    return re.compile(rf"""(?:^|["'\n])[ \t]*#+[ \t]*(?:{begins})[ \t]*(?:\\n|["'\r\n]|$)""".encode(), re.MULTILINE)


def holds_course_secrets(path):
    """True when the file at ``path`` holds a line of nbgrader's solution or hidden-test begin delimiter
    (the source notebooks, the gradebook, a copy of them): no student file does."""
    with open(path, "rb") as handle:
        return _secret_markers().search(handle.read()) is not None


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.lru_cache(maxsize=None)
def released_files(assignment):
    """{path in the release folder: (size, sha256)} of the files the release of ``assignment`` hands out
    besides its notebooks (``labkit/``, data), from notebooks/; {} for an unknown assignment."""
    folder = paths.NOTEBOOKS / assignment
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, _sha256(p)) for p in sorted(folder.rglob("*"))
            if p.is_file() and not is_notebook_name(p.name) and not any(skipped(part) for part in p.relative_to(folder).parts)}


def _timestamp_problem(text):
    """None for a time nbgrader reads (its own parser) and that has come, else why not."""
    import datetime

    from nbgrader.utils import parse_utc
    if len(text) > 100:
        return "longer than a time"
    try:
        when = parse_utc(text)
    except (ValueError, OverflowError, TypeError):
        return f"{text[:40]!r} is not a time nbgrader can read"
    if when > datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(days=1):
        return f"{text[:40]!r} is in the future"
    return None


def _secret_problem(text):
    """None for a secret as ``nbgrader submit`` writes it (hexadecimal), else why not."""
    if not re.fullmatch(r"[0-9a-fA-F]{16,512}", text):
        return "not the hexadecimal secret nbgrader submit writes"
    return None


# nbgrader submit's record of a submission, in its folder: checked, then kept for nbgrader
RECORDS = {"timestamp.txt": _timestamp_problem, "submission_secret.txt": _secret_problem}
MAX_RECORD_BYTES = 1024


def _points(source_nb):
    """The points of a source notebook's tests (extra credit included): 0 for the ungraded ones."""
    return sum(notebooks.points(source_nb))


def _names(items, at_most=8):
    items = list(items)
    return ", ".join(items[:at_most]) + (f" and {len(items) - at_most} more" if len(items) > at_most else "")


def _row(student, assignment, notebook, only_assignment):
    """The Submission of one expected notebook of one student."""
    row = Submission(student.folder.name, assignment, notebook)
    candidates, how = student.candidates(assignment, notebook, only_assignment)
    if not candidates:
        found = _names(student.rel(p) for p in student.files) or "nothing"
        row.status, row.notes = MISSING, [f"no {notebook}.ipynb found (found: {found})"]
        return row
    chosen, others = student.choose(candidates, assignment, notebook)
    student.used.update(candidates)
    row.path = chosen
    where, depth = student.rel(chosen), chosen.relative_to(student.folder).parts
    plain = chosen.name == f"{notebook}.ipynb" and (len(depth) == 1 or len(depth) == 2 and key(depth[0]) == key(assignment))
    if not plain or how != "name":  # said when the file is not simply <notebook>.ipynb where it belongs
        why = {"name": "", "folder": f" (the only notebook in a folder named {assignment})",
               "content": " (it holds this lab's cells)", "only": " (the only notebook handed in)",
               "checkpoint": " (Jupyter's autosaved copy: no other copy was handed in)"}[how]
        row.notes.append(f"graded {where} as {assignment}/{notebook}.ipynb{why}")
    if others:
        row.notes.append("also found, not graded: " + _names(f"{student.rel(p)} ({why})" for p, why in others))
    nb, problem = student.read(chosen)
    if nb is None:
        row.status, row.notes = INVALID, [problem] + row.notes
        return row
    row.extras, notes = student.extras(chosen, assignment)
    row.notes += notes
    return row


def scan(submissions_dir, sources, assignments=None):
    """Submissions found below ``submissions_dir``: one folder per student, as ``lms.unpack`` writes
    them from any download (see the module docstring).

    sources: {assignment: {notebook name: source NotebookNode}}.
    assignments: the assignments every student is expected to hand in (default: those that any
    student's folder holds); a student without one gets a 'missing notebook' row for it.
    Raises NotADirectoryError when ``submissions_dir`` is not a folder.
    """
    root = Path(submissions_dir)
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a folder of student folders")
    students = [_Student(p, sources) for p in sorted(root.iterdir())
                if p.is_dir() and not skipped(p.name)]
    unknown = [a for a in assignments or [] if a not in sources]
    if unknown:
        raise ValueError(f"not an assignment of this course: {', '.join(unknown)} (the course has "
                         f"{', '.join(sorted(sources))})")
    graded = [a for a in sources if any(_points(nb) for nb in sources[a].values())]
    handed = {s.folder.name: {a for a in graded for n in sources[a] if s.candidates(a, n, only_assignment=False)[0]}
              for s in students}
    if assignments:
        expected = list(assignments)
    else:  # what at least half of the students handed in (at least the most handed-in one) is due from all
        counts = {a: sum(a in h for h in handed.values()) for a in graded}
        most = max(counts.values(), default=0)
        expected = sorted(a for a, n in counts.items() if n and (2 * n >= len(students) or n == most))
    rows = []
    for student in students:
        mine = expected if assignments else sorted(set(expected) | handed[student.folder.name])
        student_rows = [_row(student, a, n, len(expected) == 1) for a in mine for n in sources.get(a, {})]
        if not student_rows:
            found = _names(student.rel(p) for p in student.files) or "nothing"
            student_rows = [Submission(student.folder.name, "", "", status=MISSING, notes=[
                f"no notebook of this course found (found: {found}); --assignment NAME grades a single "
                "notebook as that assignment"])]
        leftover = [student.rel(p) for p in student.files if p not in student.used]
        found_row = next((r for r in student_rows if r.status != MISSING), None)
        if leftover and found_row is not None:  # (a missing-notebook row already lists every file found)
            found_row.notes.append("not used: " + _names(leftover))
        rows += student_rows
    return rows
