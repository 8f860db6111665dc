"""Helpers for the intake tests: what ``grading._intake`` makes of a download, without nbgrader."""
import io
import types
import zipfile

from autograder.intake import submissions
from autograder.engine.grading import _intake


def rows_of(tmp_path, source, sources, pattern=None, assignments=None):
    """{student_id: row} of what intake makes of a download, and the rows without a student."""
    course = types.SimpleNamespace(root=tmp_path / "course")
    course.root.mkdir(exist_ok=True)
    rows = _intake(source, course, sources, assignments, pattern)
    by_student = {}
    for row in rows:
        by_student.setdefault(row.csv_id or row.student_id, []).append(row)
    return by_student


def ready(rows, student):
    [row] = [r for r in rows[student] if r.status == submissions.READY]
    return row


def text(row):
    return "; ".join(row.notes)


def zip_bytes(entries):
    """The bytes of a zip holding ``entries`` {name: text or bytes} (a zip inside a download)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()
