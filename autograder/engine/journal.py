"""The grading journal: what a course directory has already graded, so that a run can resume.

Each (student, assignment) is recorded right after it is graded, with a fingerprint of the submitted
files; the journal as a whole carries a fingerprint of the grader (its code, the source notebooks,
the limits). A later run keeps a recorded result only when both fingerprints are unchanged.
"""
import copy
import hashlib
import json
import os

from .. import paths, status


def _digest(chunks):
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk if isinstance(chunk, bytes) else str(chunk).encode())
    return h.hexdigest()


def grader_fingerprint(limits):
    """Everything that can change a verdict: the grader's code, the source notebooks, the limits."""
    files = sorted(p for p in list((paths.REPO / "autograder").rglob("*.py")) + list(paths.SOLUTIONS.rglob("*.ipynb"))
                   if "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts)
    return _digest([str(p.relative_to(paths.REPO)).encode() + p.read_bytes() for p in files] + [repr(limits)])


def submission_fingerprint(group):
    """The submitted files of one student's assignment (rows with .path, .notebook, .extras and .records:
    a new ``nbgrader submit`` of the same notebook is graded again, its feedback named by its new secret)."""
    return _digest([row.notebook.encode() + row.path.read_bytes() for row in group]
                   + [str(extra).encode() + (row.path.parent / extra).read_bytes() for row in group for extra in row.extras]
                   + [f"{name}\0{text}" for row in group for name, text in sorted(row.records.items())])


class Journal:
    """``journal.json`` in a course directory."""

    def __init__(self, path, grader):
        self.path, self.grader = path, grader
        saved = json.loads(path.read_text()) if path.exists() else {}
        self.entries = saved.get("entries", {}) if saved.get("grader") == grader else {}

    def done(self, key, fingerprint):
        """Recorded with this fingerprint, and not failed for a reason of the grader's own (``error``:
        a worker that died, a broken course directory), which the next run tries again."""
        entry = self.entries.get(key)
        return bool(entry) and entry["fingerprint"] == fingerprint and \
            all(row["status"] != status.ERROR for row in entry["rows"])

    def recorded(self, key):
        return key in self.entries

    def restore(self, key, group):
        """Give the rows of ``group`` the status and notes recorded for them."""
        for row, saved in zip(group, self.entries[key]["rows"]):
            for name in row.RESULT:
                setattr(row, name, copy.deepcopy(saved[name]))
            row.done = True

    def record(self, key, fingerprint, group):
        """Record one graded group, and write the journal at once (atomically)."""
        self.entries[key] = {"fingerprint": fingerprint,
                             "rows": [{name: getattr(r, name) for name in r.RESULT} for r in group]}
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"grader": self.grader, "entries": self.entries}, indent=1))
        os.replace(temporary, self.path)
