"""Intake: map a folder of submissions to (student, assignment, notebook) with a status each.

SUBMISSIONS_DIR/<student_id>/<assignment>/<notebook>.ipynb is nbgrader's submitted layout. Every
file and folder found gets a row: nothing is dropped silently, and the originals are only read.
"""
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import notebooks

READY = "ready"  # to be graded; the other statuses are final verdicts
MISSING = "missing notebook"
INVALID = "invalid notebook"
UNKNOWN = "unknown assignment"
STRAY = "unrecognised file"


@dataclass
class Submission:
    """One expected notebook of one student (or one thing that could not be mapped)."""
    student_id: str
    assignment: str
    notebook: str                 # the notebook's name, without .ipynb
    path: Path = None             # the file to grade, when there is one
    status: str = READY
    notes: list = field(default_factory=list)


def _visible(path):
    return not path.name.startswith(".") and path.name != "__MACOSX"


def check_notebook(path, source_nb):
    """(status, notes) for a submitted notebook file, against its source notebook."""
    try:
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return INVALID, [f"{path.name} is not a valid notebook ({type(exc).__name__}: {reason[:200]})"]
    present = set(notebooks.graded_ids(nb))
    if not present:
        return READY, ["none of the lab's cells are in this notebook (not started from the released one?): "
                       "the lab's cells and tests were appended after its code"]
    notes = []
    deleted_tests = [g for g in notebooks.test_cells(source_nb) if g not in present]
    deleted_answers = [g for g in notebooks.solution_cells(source_nb) if g not in present]
    deleted_given = [g for g in notebooks.graded_ids(source_nb)
                     if g not in present and g not in deleted_tests and g not in deleted_answers]
    if deleted_tests:
        notes.append("deleted test cell(s) restored from the source: " + ", ".join(deleted_tests))
    if deleted_given:
        notes.append("deleted read-only cell(s) restored: " + ", ".join(deleted_given))
    if deleted_answers:
        notes.append("answer cell(s) deleted: " + ", ".join(deleted_answers))
    return READY, notes


def _find_notebook(folder, name):
    """The file to grade for notebook ``name``: the exact name, else the folder's only notebook."""
    exact = folder / f"{name}.ipynb"
    if exact.is_file():
        return exact, []
    candidates = [p for p in sorted(folder.glob("*.ipynb")) if _visible(p)]
    if len(candidates) == 1:
        return candidates[0], [f"graded {candidates[0].name} as {name}.ipynb"]
    found = ", ".join(p.name for p in candidates) or "no notebook"
    return None, [f"no {name}.ipynb in {folder.name}/ (found: {found})"]


def scan(submissions_dir, sources, assignments=None):
    """Submissions found below ``submissions_dir``.

    sources: {assignment: {notebook name: source NotebookNode}}.
    assignments: the assignments every student is expected to hand in (default: those that
    appear in the folder); a student without one gets a 'missing notebook' row for it.
    """
    root = Path(submissions_dir)
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a folder of submissions (<student_id>/<assignment>/<notebook>.ipynb)")
    students = sorted(p for p in root.iterdir() if p.is_dir() and _visible(p))
    expected = set(assignments or [])
    if not assignments:
        expected = {a.name for s in students for a in s.iterdir() if a.is_dir() and a.name in sources}
    rows = [Submission(p.name, "", "", path=p, status=STRAY,
                       notes=[f"{p.name} is not a student folder (<student_id>/<assignment>/<notebook>.ipynb)"])
            for p in sorted(root.iterdir()) if p.is_file() and _visible(p)]
    for student in students:
        folders = {p.name: p for p in student.iterdir() if _visible(p)}
        for name, folder in sorted(folders.items()):
            if name not in sources:
                rows.append(Submission(student.name, name, "", path=folder, status=UNKNOWN,
                                       notes=[f"{name}/ is not an assignment of this course "
                                              f"({', '.join(sorted(sources))}); not graded"]))
        for assignment in sorted(expected):
            for notebook, source_nb in sources[assignment].items():
                row = Submission(student.name, assignment, notebook)
                folder = folders.get(assignment)
                if folder is None or not folder.is_dir():
                    row.status, row.notes = MISSING, [f"no {assignment}/ folder"]
                else:
                    row.path, row.notes = _find_notebook(folder, notebook)
                    if row.path is None:
                        row.status = MISSING
                    else:
                        row.status, notes = check_notebook(row.path, source_nb)
                        row.notes += notes
                rows.append(row)
    return rows
