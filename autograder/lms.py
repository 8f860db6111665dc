"""LMS intake: a zip of submissions downloaded from an LMS, mapped to nbgrader's submitted layout.

Every notebook in the zip is matched, by its path inside the zip, against a list of patterns (regular
expressions with the named groups ``student_id`` and ``notebook``; ``--pattern`` adds one, tried
first). The notebook name decides the assignment. Built in, in this order:

- nbgrader's submitted layout: ``[anything/]<student_id>/<assignment>/<notebook>.ipynb``;
- Moodle: ``<Full Name>_<id>_assignsubmission_file_/<notebook>.ipynb`` (student_id: the id);
- Canvas: ``<login>[_LATE]_<user id>_<submission id>_<notebook>[-<n>].ipynb`` (student_id: the login);
- plain: ``<student_id>_<notebook>.ipynb`` or ``<student_id>-<notebook>.ipynb``.

A file that matches no pattern, or names no notebook of the course, is reported (never dropped).
When one student has several files for one notebook (resubmissions), the last in name order is used
and the others are reported.
"""
import re
import shutil
import zipfile
from pathlib import PurePosixPath

from .intake import STRAY, Submission

PATTERNS = [
    r"(?:.*/)?(?P<student_id>[^/]+)/(?P<assignment>[^/]+)/(?P<notebook>[^/]+)\.ipynb",
    r"(?:.*/)?[^/]*?_(?P<student_id>\d+)_assignsubmission_file_/(?P<notebook>[^/]+)\.ipynb",
    r"(?:.*/)?(?P<student_id>[^/_]+)(?:_LATE)?_\d+_\d+_(?P<notebook>[^/]+?)(?:-\d+)?\.ipynb",
    r"(?:.*/)?(?P<student_id>[^/_-]+)[_-](?P<notebook>[^/]+)\.ipynb",
]


SAFE_ID = re.compile(r"[A-Za-z0-9@][A-Za-z0-9._@+-]*")  # a student id that is safe as a folder name
MAX_NOTEBOOK_BYTES = 50 << 20


def _skipped(name):
    """Folders, and the junk operating systems add to zips (__MACOSX/, .DS_Store, ._files)."""
    parts = PurePosixPath(name).parts
    return name.endswith("/") or any((p.startswith(".") and p not in (".", "..")) or p == "__MACOSX" for p in parts)


def match(name, notebooks, patterns):
    """(student_id, notebook) for a path inside the zip, or None. notebooks: {notebook: assignment}."""
    for pattern in patterns:
        found = re.fullmatch(pattern, name)
        if found and found.group("notebook") in notebooks:
            assignment = found.groupdict().get("assignment")
            if assignment is None or assignment == notebooks[found.group("notebook")]:
                return found.group("student_id"), found.group("notebook")
    return None


def unpack(zip_path, target, notebooks, pattern=None):
    """Write the zip's notebooks into ``target``/<student_id>/<assignment>/<notebook>.ipynb.

    notebooks: {notebook name: assignment}. Returns the Submission rows of the files that were not
    used (unmapped, or older resubmissions).
    """
    patterns = ([pattern] if pattern else []) + PATTERNS
    unused, chosen = [], {}
    with zipfile.ZipFile(zip_path) as archive:
        for name in sorted(archive.namelist()):
            if _skipped(name):
                continue
            mapped = match(name, notebooks, patterns) if name.endswith(".ipynb") else None
            if mapped is None or not SAFE_ID.fullmatch(mapped[0]):
                why = "no student and notebook of this course in its name" if mapped is None else \
                    f"the student id {mapped[0]!r} is not a plain name"
                unused.append(Submission("", "", "", status=STRAY, notes=[f"{name} (in {zip_path}): {why}"]))
                continue
            if archive.getinfo(name).file_size > MAX_NOTEBOOK_BYTES:
                unused.append(Submission(mapped[0], notebooks[mapped[1]], mapped[1], status="invalid notebook",
                                         notes=[f"{name} (in {zip_path}) is larger than {MAX_NOTEBOOK_BYTES >> 20} MiB"]))
                continue
            if mapped in chosen:
                unused.append(Submission(mapped[0], notebooks[mapped[1]], mapped[1], status="superseded", notes=[
                    f"{chosen[mapped]} (in {zip_path}) was replaced by {name}, later in name order"]))
            chosen[mapped] = name
        for (student, notebook), name in chosen.items():
            destination = target / student / notebooks[notebook] / f"{notebook}.ipynb"
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(name) as source, open(destination, "wb") as out:
                shutil.copyfileobj(source, out)
    return unused
