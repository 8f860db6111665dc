"""LMS intake: a zip of submissions downloaded from an LMS, unpacked to one folder per student.

Only the *student* is read from a path inside the zip; everything the student handed in is unpacked
into ``<target>/<student_id>/`` and ``intake`` then finds each notebook there with the same policy as
for a folder of submissions (case, " (1)", "-Copy1", subfolders, extra words; helper files travel
with the notebook). A path names its student by the first rule that fits:

1. ``--pattern``: a regular expression with the group ``student_id`` (and optionally ``notebook``:
   the file is then unpacked as ``<notebook>.ipynb``), matched against the whole path;
2. Moodle: a folder ``<Full Name>_<id>_assignsubmission_<plugin>_`` (student_id: the id);
3. nbgrader's layout: ``[anything/]<student_id>/<assignment>/...``;
4. Canvas: a file ``<login>[_LATE]_<user id>_<submission id>_<file>`` (student_id: the login; a
   resubmission's ``-<n>`` suffix is dropped from the file name);
5. plain: a file ``<student_id>_<notebook>.ipynb`` or ``<student_id>-<notebook>.ipynb``;
6. a folder: ``<student_id>/...`` (after a wrapper folder that holds everything, if any).

A file no rule fits is reported (never dropped). When two files of one student land on the same
path (resubmissions), the later in name order is used and the other reported as superseded.
"""
import os
import re
import shutil
import time
import zipfile
from pathlib import PurePosixPath

from . import intake
from .intake import STRAY, Submission

MOODLE = re.compile(r".+_(?P<student_id>\d+)_assignsubmission_[a-z]+_?")
CANVAS = re.compile(r"(?P<student_id>[^_]+)(?:_LATE)?_\d+_\d+_(?P<file>.+?)(?:-\d+)?(?P<ext>\.[^.]+)?")
PLAIN = re.compile(r"(?P<student_id>[^_-]+)[_-](?P<file>.+\.ipynb)", re.IGNORECASE)
COURSE_FOLDERS = {"source", "release", "autograded", "feedback"}  # an nbgrader course's, not students
MAX_ENTRY_BYTES = intake.MAX_NOTEBOOK_BYTES
MAX_TOTAL_BYTES = 4 << 30  # unpacked in all: past it, files are reported, not unpacked (a zip bomb)


def safe_id(student_id):
    """A student id usable as one folder name: printable, no separator, not hidden or '..'."""
    return (bool(student_id) and student_id.isprintable() and "/" not in student_id and "\\" not in student_id
            and not student_id.startswith(".") and len(student_id) <= 200)


def _skipped(name):
    """Folders, and the junk operating systems add to zips (__MACOSX/, .DS_Store, ._files)."""
    return name.endswith("/") or any(intake.skipped(p) for p in PurePosixPath(name).parts if p not in ("..",))


def student_of(name, assignments, pattern=None):
    """(student_id, path inside the student's folder) for a path inside the zip, or None.

    assignments: the course's assignment names (rule 3). Rule 6 is left to ``unpack``.
    """
    parts = PurePosixPath(name).parts
    if pattern:
        found = re.fullmatch(pattern, name)
        if found:
            notebook = found.groupdict().get("notebook")
            return found.group("student_id"), f"{notebook}.ipynb" if notebook else parts[-1]
    for i, part in enumerate(parts[:-1]):
        found = MOODLE.fullmatch(part)
        if found:
            return found.group("student_id"), "/".join(parts[i + 1:])
    keys = {intake.key(a) for a in assignments}
    for i, part in enumerate(parts[1:-1], start=1):
        if intake.key(part) in keys and parts[i - 1] not in COURSE_FOLDERS:
            return parts[i - 1], "/".join(parts[i:])
    found = CANVAS.fullmatch(parts[-1])
    if found and len(parts) == 1:
        return found.group("student_id"), found.group("file") + (found.group("ext") or "")
    found = PLAIN.fullmatch(parts[-1])
    if found and len(parts) == 1:
        return found.group("student_id"), found.group("file")
    return None


def _wrapper(names):
    """A folder that holds every path of the zip in subfolders (``download/kim/...``), or None."""
    firsts = {PurePosixPath(n).parts[0] for n in names}
    if len(firsts) == 1 and all(len(PurePosixPath(n).parts) >= 3 for n in names):
        return firsts.pop()
    return None


def unpack(zip_path, target, assignments, pattern=None):
    """Unpack the zip's files into ``target``/<student_id>/...; return the Submission rows of the
    files that were not used (no student found, unsafe, too large, or an older resubmission).

    assignments: the course's assignment names. Raises zipfile.BadZipFile for a file that is not a zip.
    """
    unused, chosen = [], {}
    with zipfile.ZipFile(zip_path) as archive:
        names = [n for n in sorted(archive.namelist()) if not _skipped(n)]
        mapped = {n: student_of(n, assignments, pattern) for n in names}
        rest = [n for n in names if mapped[n] is None and len(PurePosixPath(n).parts) >= 2]
        wrapper = _wrapper(rest)
        for name in rest:  # rule 6: the first folder (inside the wrapper) is the student
            parts = PurePosixPath(name).parts[1 if wrapper else 0:]
            if len(parts) >= 2 and parts[0] not in COURSE_FOLDERS:
                mapped[name] = (parts[0], "/".join(parts[1:]))
        for name in names:
            where = f"{name} (in {os.path.basename(zip_path)})"
            if mapped[name] is None:
                unused.append(Submission("", "", "", status=STRAY, notes=[f"{where}: no student in its path"]))
                continue
            student, inner = mapped[name]
            inner_parts = PurePosixPath(inner).parts
            if not safe_id(student) or not inner_parts or any(p in ("..", "") or p.startswith("/") for p in inner_parts):
                unused.append(Submission("", "", "", status=STRAY, notes=[
                    f"{where}: the student id {student!r} or the path is not a plain name"]))
                continue
            if archive.getinfo(name).file_size > MAX_ENTRY_BYTES:
                unused.append(Submission(student, "", "", status=intake.INVALID,
                                         notes=[f"{where} is larger than {MAX_ENTRY_BYTES >> 20} MiB: not unpacked"]))
                continue
            if (student, inner) in chosen:
                unused.append(Submission(student, "", "", status="superseded", notes=[
                    f"{chosen[student, inner]} (in {os.path.basename(zip_path)}) was replaced by {name}, "
                    "later in name order"]))
            chosen[student, inner] = name
        total = 0
        for (student, inner), name in chosen.items():
            total += archive.getinfo(name).file_size
            if total > MAX_TOTAL_BYTES:
                unused.append(Submission(student, "", "", status=STRAY, notes=[
                    f"{name} (in {os.path.basename(zip_path)}): not unpacked, the zip holds more than "
                    f"{MAX_TOTAL_BYTES >> 30} GiB"]))
                continue
            destination = target.joinpath(student, *PurePosixPath(inner).parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(name) as source, open(destination, "wb") as out:
                shutil.copyfileobj(source, out)
            stamp = time.mktime(archive.getinfo(name).date_time + (0, 0, -1))
            os.utime(destination, (stamp, stamp))  # "the newest" among candidates is the LMS's newest
    return unused
