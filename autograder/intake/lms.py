"""Downloads: a folder or a zip of submissions, as an LMS or a tool writes it, unpacked to one folder
per student.

Only the *student* is read from a file's path, and only where the system puts it. A download has a
layout, read level by level from its top (``_Layout``): at each level a folder is either
the system's own (a folder that wraps the whole download, nbgrader's ``submitted/``, ``downloaded/``,
``archive/``, an assignment's folder, sections when every folder there is one) and is looked
through, or a student's: named by a system's rule (``FORMATS``: Moodle's, the exchange's, Brightspace's
folder, GitHub Classroom's repository, nbgrader's ``<student>/<assignment>/``) or, failing that, by
its name alone; a file there is named by the flat layouts (Moodle, Canvas, Blackboard, Brightspace,
a student number). The student is named at the shallowest level that names one, and everything below
a student's folder or file is that student's, whatever its names look like: nothing inside a
student's files (a folder, a zip, a path of another layout) names anyone, replaces a classmate's
notebook or makes a student of someone who handed in nothing. What looks like another student's
submission there stays where it is and the owner's row says what was found.

Everything the student handed in is copied into ``<target>/<student folder>/`` and ``intake`` then
finds each notebook there (case, " (1)", "-Copy1", subfolders, extra words; helper files travel with
it). The student is keyed on the system's stable id wherever its names have one, and what the system
says (display name, late, the attempt graded) goes into the row's message. Zips inside the download
are opened (a student's own zip into that student's folder; a zip at one of the system's levels that
names no student, as nbgrader's ``zip_collect`` keeps the LMS's archives, as a download of its own).
Names written without the zip's UTF-8 flag are decoded as the systems meant them, and every name is
NFC-normalised (macOS writes Hangul decomposed).

Every byte that leaves a decompressor, or is copied, counts (``_Budget``): per file of the download
(a ratio to what it takes there), per student and per download, the temporary copies of zips inside
zips included; stated sizes are never trusted. What would exceed a budget is not unpacked and its
student's row says so; the batch goes on.

A file no rule fits is reported, never dropped; an nbgrader course's own folders (``source/``,
``release/``, ...) are reported and skipped; of several attempts of one student the latest is graded
and the others are reported as superseded. ``--pattern`` replaces the rules (``user_pattern``).

Ours, not nbgrader's ``zip_collect`` with its ``FileNameCollectorPlugin``: that plugin matches one
regular expression against each file's name, while the systems' downloads key the student on folder
names (Moodle, Brightspace), on attempts and receipts (Blackboard), and come as zips inside zips.
"""
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath

from .. import status
from . import submissions
from .submissions import STRAY, Submission

# an nbgrader course's folders, and this kit's: instructor copies when an assignment folder follows them
COURSE_FOLDERS = {"source", "release", "autograded", "feedback", "solutions", "notebooks"}
COURSE_FILES = {"gradebook.db", "nbgrader_config.py", "journal.json"}
NBGRADER_FOLDERS = {"submitted", "downloaded", "archive", "extracted"}  # nbgrader's steps: never a student
# the system's folders looked through, and what their folders are: "students" (each folder in it is a
# student's), "download" (read like a download: its own layout)
STEPS = {"submitted": "students", "inbound": "students", "downloaded": "download", "archive": "download",
         "extracted": "download"}
ATTEMPTS = ("Blackboard", "Brightspace", "nbgrader exchange")  # systems whose names carry attempts: the latest graded

# ---- budgets: every byte that leaves a decompressor (or is copied) counts, stated sizes are never trusted
MAX_ENTRY_BYTES = submissions.MAX_NOTEBOOK_BYTES  # one file (50 MiB): intake reads no larger notebook
# one student's files in all, the temporary copies of their zips included: a notebook is at most 50 MiB and
# the grader copies at most 20 MiB of other files with it, for each of the (at most three) assignments a
# download holds, with room for the zip they came in
MAX_STUDENT_BYTES = 256 << 20
MAX_DOWNLOAD_BYTES = 8 << 30  # the whole download: a class of 500 averaging 16 MiB each
# each file of the download, with everything it expands to (the zips in it, their temporary copies), at most
# this many times what it takes in the download, or MIN_ALLOWANCE: deflate itself never exceeds 1032 : 1, so
# a compressed file is never refused for it; only a zip inside zips (each level multiplies) or bzip2/LZMA's
# ratios get there. A 1 KB upload costs at most 1 MiB of disk.
MAX_EXPANSION = 1000
MIN_ALLOWANCE = 1 << 20
MAX_STUDENT_FILES = 10_000  # files one student's submission unpacks to (the grader copies at most 200)
MAX_FILES = 200_000         # files a download unpacks to (a class of 1,000 with 200 each)
CENTRAL_DIRECTORY_BYTES = 1024  # a zip's list of files may take this much per file it may unpack, no more
MAX_NESTING = 2             # zips inside zips inside the download: deeper ones are kept as files
MAX_PATH_PARTS = 64         # folders in one path: deeper is not unpacked
MAX_NAME = 255              # characters in one file or folder name (file systems' own limit): longer names no one
# Compressions whose output zipfile does not bound per read (bzip2, LZMA: 785 bytes became 2 GB in memory)
BOUNDED_COMPRESSIONS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
CHUNK = 1 << 20


@dataclass
class Found:
    """Whose a file is, as its path says. ``inner``: its path inside the student's folder (None for
    the system's own record of a submission: a receipt, a timestamp)."""
    student_id: str
    inner: str
    system: str
    name: str = ""           # the display name the system gives
    late: bool = False
    attempt: str = ""        # sortable (ISO time, or an increasing id): the latest is graded
    assignment: str = ""     # as the system's path names it (nbgrader's layouts)


@dataclass
class Item:
    """One file of the download: its path (POSIX, NFC), size (as stated), modification time, and how to
    open it. ``kind``: "file", or what is only reported ("link", "empty" folder, "hidden" notebook);
    ``within``: the zip it is in, as shown; ``origin``: the file of the download it comes from (budget)."""
    path: str
    size: int
    mtime: float
    open: object
    kind: str = "file"
    within: str = ""
    origin: str = ""
    stored: int = 0       # what it takes where it is stored: its size in a folder, compressed in a zip

    @property
    def shown(self):
        return f"{self.within}/{self.path}" if self.within else self.path


# ---------------------------------------------------------------------------------------------- the rules
MOODLE_FOLDER = re.compile(r"(?P<name>.+?)(?:_(?P<id>\d+))?_assignsubmission_(?P<plugin>[a-z0-9]+)_?")
MOODLE_FILE = re.compile(r"(?P<name>.+?)(?:_(?P<id>\d+))?_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<file>.+)")
# Canvas: a sortable name without underscores that is not a number (or anon_<base58 id>), LATE, user id
CANVAS = re.compile(r"(?:(?P<late2>LATE_)?(?P<anon>anon_[1-9A-HJ-NP-Za-km-z]{5})(?P<late3>_LATE)?|(?P<name>[^_]*[^\d_][^_]*)_(?P<late>LATE_)?(?P<id>\d+))_"
                    r"(?:(?P<attachment>\d+)_(?P<file>.+)|(?P<kind>text|link)\.html)")
# the first "_attempt_<time>" is Blackboard's: the file name the student chose follows it
BLACKBOARD = re.compile(r"(?P<assignment>.+?)_(?P<id>[^_]+)_(?:attempt|poging|versuch|intento|tentative)_"
                        r"(?P<time>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?:_(?P<file>.+)|(?P<receipt>\.txt))")
# 'Mar 6, 2024 820 AM', 'Sep 7, 2018 12:50 AM', '5 September 2023 13:05': a date with a year, then a time
D2L_TIME = r"(?P<time>[^/]*?\d{4},? \d{1,2}[:_.]?\d{2}(?: ?[AP]M)?)"
D2L_FOLDER = re.compile(r"(?P<submission>\d+-\d+) - (?P<name>.+?) - " + D2L_TIME)
D2L_FILE = re.compile(r"(?P<submission>\d+-\d+) - (?P<name>.+?) - " + D2L_TIME + r" - (?P<file>.+)")
NBGRADER_INBOUND = re.compile(r"(?P<id>[^+]+)\+(?P<assignment>[^+]+)\+(?P<time>[^+]+?)(?:\+[^+]+)?")
STUDENT_NUMBER = re.compile(r"[^\W_]*\d{3,}[^\W_]*")  # a token that is an id (s2024001, 2023123456)


def _d2l_time(text):
    """Brightspace's 'Mar 6, 2024 820 AM' (or with a colon or underscore) as a sortable ISO time."""
    text = text.replace("_", ":").replace(".", "")
    for layout in ("%b %d, %Y %I:%M %p", "%b %d, %Y %I%M %p", "%B %d, %Y %I:%M %p", "%B %d, %Y %I%M %p",
                   "%b %d, %Y %H:%M", "%b %d, %Y %H%M", "%d %B %Y %H:%M", "%d %b %Y %H:%M", "%d %B, %Y %H:%M"):
        try:
            return datetime.strptime(text.strip(), layout).isoformat()
        except ValueError:
            continue
    return text


def user_pattern(pattern):
    """``--pattern``: a rule from a regular expression with the group ``student_id`` (and optionally
    ``notebook``, unpacking the file as ``<notebook>.ipynb``), matched against the whole path.
    Raises ValueError when it is not a regular expression or lacks the group."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"--pattern is not a regular expression: {exc}") from None
    if "student_id" not in compiled.groupindex:
        raise ValueError("--pattern needs a group (?P<student_id>...)")

    def rule(parts, context):
        found = compiled.fullmatch("/".join(parts))
        if not found:
            return None
        notebook = found.groupdict().get("notebook")
        return Found(found.group("student_id"), f"{notebook}.ipynb" if notebook else parts[-1], "--pattern")
    return rule


# Each rule reads one name at one level of the download: ``name``, a folder's (``children``: the names of
# the folders in it) or a file's (``children`` None). It returns the student that name names (``inner``:
# for a file, its name inside the student's folder; for a folder, filled in for each file below), or None.
def moodle(name, children, context):
    """Moodle's download: a folder ``<name>[_<participant id>]_assignsubmission_<plugin>_`` holding the
    files (``MOODLE_FOLDER``), or flat files ``<name>_<id>_assignsubmission_<plugin>_<file>``."""
    found = (MOODLE_FILE if children is None else MOODLE_FOLDER).fullmatch(name)
    if not found:
        return None
    return Found(found.group("id") or found.group("name"), found.group("file") if children is None else "", "Moodle",
                 name=found.group("name"))


def nbgrader_exchange(name, children, context):
    """nbgrader's exchange inbound folders: ``<student>+<assignment>+<timestamp>[+random]/``."""
    found = NBGRADER_INBOUND.fullmatch(name) if children is not None else None
    if found and submissions.key(found.group("assignment")) in context["assignments"]:
        return Found(found.group("id"), "", "nbgrader exchange", attempt=found.group("time"),
                     assignment=found.group("assignment"))
    return None


def github_classroom(name, children, context):
    """``[<slug>-submissions/]<slug>-<login>/...``: the slug is the prefix the level's folders share."""
    slug = context.get("classroom_slug")
    if children is not None and slug and name.startswith(f"{slug}-") and len(name) > len(slug) + 1 \
            and name != f"{slug}-submissions":
        return Found(name[len(slug) + 1:], "", "GitHub Classroom")
    return None


def nbgrader_submitted(name, children, context):
    """nbgrader's ``[anything/]<student_id>/<assignment>/...`` (``collect``'s layout): a folder holding a
    folder named like an assignment."""
    if children is not None and name not in COURSE_FOLDERS | NBGRADER_FOLDERS \
            and any(submissions.key(c) in context["assignments"] for c in children):
        return Found(name, "", "nbgrader")
    return None


def assignment_first(name, children, context):
    """``<assignment>/<student_id>/...``: work sorted by assignment first. Not a student's name: a folder
    of the system's whose folders are students (``_Unpacker._classify``)."""
    return None


def blackboard(name, children, context):
    """Blackboard's ``<assignment>_<username>_attempt_<time>...``: a username may hold ``_`` too, so it
    is the receipt's ``(username)``, else what follows the assignment name all the level's files share."""
    found = BLACKBOARD.fullmatch(name) if children is None else None
    if not found:
        return None
    head = f"{found.group('assignment')}_{found.group('id')}"
    prefix = context.get("blackboard_prefix") or ""
    student = context.get("blackboard_users", {}).get(head) or (
        head[len(prefix):] if prefix and head.startswith(prefix) and len(head) > len(prefix) else found.group("id"))
    return Found(student, None if found.group("receipt") else found.group("file"), "Blackboard",
                 attempt=found.group("time"))


def _blackboard_context(items):
    """{head: username} from the receipts (``Name: Jane Doe (jdoe_3)``) and the assignment-name prefix
    the level's Blackboard files share (``Lab 3_``), for ``blackboard``."""
    heads, users = set(), {}
    for item in items:
        name = PurePosixPath(item.path).name
        found = BLACKBOARD.fullmatch(name) if len(name) <= MAX_NAME else None
        if not found or item.kind != "file":
            continue
        head = f"{found.group('assignment')}_{found.group('id')}"
        heads.add(head)
        if found.group("receipt") and item.size < 1 << 20:
            try:
                with item.open() as handle:
                    text = handle.read(1 << 16).decode("utf-8", errors="replace")
            except (OSError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError):
                continue
            # the receipt's first line only (the comments below it are the student's words), its last
            # parentheses (a display name may hold some: "Alice (Ali) Kim (akim_3)")
            first = next((line for line in text.splitlines() if line.strip()), "")
            named = re.fullmatch(r"[^:]*:.*\(([^()\s]+)\)\s*", first)
            if named and head.endswith("_" + named.group(1)):
                users[head] = named.group(1)
    common = os.path.commonprefix(sorted(heads)) if len(heads) > 1 else ""
    return {"blackboard_users": users, "blackboard_prefix": common[:common.rfind("_") + 1] if "_" in common else ""}


def canvas(name, children, context):
    """Canvas's download: flat files ``<name>[_LATE]_<user id>_<attachment id>_<file>`` (``CANVAS``)."""
    found = CANVAS.fullmatch(name) if children is None else None
    if not found:
        return None
    file = found.group("file") or f"{found.group('kind')}.html"
    return Found(found.group("id") or found.group("anon"), file, "Canvas", name=found.group("name") or "",
                 late=bool(found.group("late") or found.group("late2") or found.group("late3")),
                 attempt=f"{int(found.group('attachment') or 0):020d}")


def brightspace(name, children, context):
    """Brightspace (D2L)'s download: a folder ``<n>-<n> - <name> - <date and time>`` holding the files
    (``D2L_FOLDER``), or flat files ``... - <date and time> - <file>``."""
    found = (D2L_FILE if children is None else D2L_FOLDER).fullmatch(name)
    if not found:
        return None
    return Found(found.group("name"), found.group("file") if children is None else "", "Brightspace",
                 name=found.group("name"), attempt=_d2l_time(found.group("time")))


def student_number(name, children, context):
    """A notebook named with a student number and the notebook (``s2024001_lab3_optimizers``,
    ``김민지_2023123456_lab3_optimizers``): only a token with three or more digits is taken for an id,
    never a word (``final_lab3_optimizers.ipynb`` names no student)."""
    if children is not None or not submissions.is_notebook_name(name):
        return None
    stem = re.sub(r"\.ipynb(\.(txt|json))?$", "", name, flags=re.IGNORECASE)
    for notebook in context["notebooks"]:
        pattern = r"[\W_]*".join(re.escape(c) for c in submissions.key(notebook))
        rest = re.sub(pattern, " ", stem, count=1, flags=re.IGNORECASE) if re.search(pattern, stem, re.IGNORECASE) else None
        if rest is None:
            continue
        tokens = [t for t in re.split(r"[\W_]+", rest) if t]
        ids = [t for t in tokens if STUDENT_NUMBER.fullmatch(t)]
        if len(ids) == 1:
            return Found(ids[0], name, "a student number", name=" ".join(t for t in tokens if t != ids[0]))
    return None


def student_folder(name, children, context):
    """A folder per student: ``<student_id>/...``: at a level where the system puts students, a folder
    no other rule names is the student of that name."""
    if children is not None and name not in NBGRADER_FOLDERS:
        return Found(name, "", "a folder per student")
    return None


FORMATS = [  # (rule, what it reads): the README's list of recognised downloads
    (moodle, "Moodle 3.x and 4.1+: <Full Name>_<id>_assignsubmission_<plugin>[_]/<file>, or flat "
             "<Full Name>_<id>_assignsubmission_<plugin>_<file> (student: the id; groups: the group's)"),
    (nbgrader_exchange, "nbgrader's exchange: <student>+<assignment>+<timestamp>/<file> (the latest graded)"),
    (github_classroom, "GitHub Classroom: [<slug>-submissions/]<slug>-<login>/... (student: the login)"),
    (nbgrader_submitted, "nbgrader's collect layout: [...]/<student>/<assignment>/<file> (+ timestamp.txt)"),
    (assignment_first, "a folder per assignment: <assignment>/<student>/..."),
    (blackboard, "Blackboard Learn: <assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>, with a "
                 ".txt receipt per attempt (the latest attempt graded)"),
    (canvas, "Canvas: <name>[_LATE]_<user id>_<file id>_<file>, anonymous anon_<id>_<file id>_<file>, "
             "groups <group>_<user id>_... (student: the user id)"),
    (brightspace, "Brightspace/D2L: <n>-<n> - <First Last> - <date>/<file> or ... - <date> - <file> "
                  "(no id in its names: the student is the name; the latest submission graded)"),
    (student_number, "a notebook named with a student number: <number>_<notebook>.ipynb, "
                     "<name>_<number>_<notebook>.ipynb, <notebook>_<number>.ipynb"),
    (student_folder, "a folder per student: <student>/..."),
]
# a folder's own name first; nbgrader's rule reads what the folder holds (which its student chose)
FOLDER_NAMING = [moodle, nbgrader_exchange, github_classroom, brightspace, nbgrader_submitted]
FILE_NAMING = [moodle, blackboard, canvas, brightspace]  # then, only when none fits, student_number


def _named(name, children, context):
    """The student a system's rule reads from one name at one level, or None. A folder: the first rule of
    ``FOLDER_NAMING`` that fits. A file: the system writes its part first and the name the student chose
    after it, so of the rules that fit, the one whose part is shortest (``Canvas_..._Lab3_bob_attempt_...``
    is Canvas's, whatever the student's part looks like); a student number only when none fits."""
    if len(name) > MAX_NAME:  # no system writes such a name, and the rules' regexes would cost its square
        return None
    if children is not None:
        return next((f for f in (rule(name, children, context) for rule in FOLDER_NAMING) if f is not None), None)
    fits = [f for f in (rule(name, None, context) for rule in FILE_NAMING) if f is not None]
    if fits:
        return min(fits, key=lambda f: len(name) - len(f.inner) if f.inner and name.endswith(f.inner) else len(name))
    return student_number(name, None, context)


# ------------------------------------------------------------------------------------------- the listing
def _decoded(info):
    """A zip entry's name as its writer meant it: UTF-8 written without the zip's UTF-8 flag (Moodle,
    Brightspace, Korean Windows tools) comes back from zipfile as cp437 mojibake."""
    name = info.filename
    if not info.flag_bits & 0x800:
        raw = name.encode("cp437")
        for encoding in ("utf-8", "cp949"):
            try:
                name = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if "/" not in name and "\\" in name:  # written on Windows with its separator
        name = name.replace("\\", "/")
    name = re.sub(r"^(?:[A-Za-z]:)?/+", "", name)  # an absolute path (or a drive) is read as relative
    return unicodedata.normalize("NFC", name)


def _zip_items(archive, within="", origin=None):
    """The files of ``archive``; ``within``: the zip's own path as shown; ``origin``: the download's file
    it comes from (None: each entry is one, the zip being the download)."""
    for info in archive.infolist():
        name = _decoded(info)
        if info.is_dir() or name.endswith("/"):
            continue
        stamp = datetime(*info.date_time).timestamp() if info.date_time[0] >= 1980 else 0.0
        yield Item(name, info.file_size, stamp, lambda archive=archive, info=info: _open_entry(archive, info),
                   within=within, origin=origin if origin is not None else name, stored=info.compress_size)


def _open_entry(archive, info):
    """The entry ``info`` of ``archive``, opened for reading. Raises NotImplementedError for a compression
    whose output a read cannot bound (``BOUNDED_COMPRESSIONS``)."""
    if info.compress_type not in BOUNDED_COMPRESSIONS:
        raise NotImplementedError("compressed with bzip2 or LZMA, which the grader does not unpack "
                                  "(zip it again with the usual 'deflate')")
    return archive.open(info)


def _census(path):
    """(files listed, bytes of the list) that a zip's end record states, or None when it is not a zip:
    read before the list is (zipfile holds all of it in memory)."""
    try:
        with open(path, "rb") as handle:
            end = zipfile._EndRecData(handle)  # noqa: SLF001 - the stdlib's own reader of the end record
    except OSError:
        return None
    return (end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]) if end else None  # noqa: SLF001


def _folder_items(root, links, exclude, empty_folders):
    """The files below ``root`` (not in ``exclude``: the grader's own outputs, when they were put there);
    the links and the empty folders found go to ``links`` and ``empty_folders``."""
    exclude = {os.path.realpath(p) for p in exclude}
    for directory, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if (not submissions.skipped(d) or d == submissions.CHECKPOINTS)
                         and os.path.realpath(os.path.join(directory, d)) not in exclude]
        names[:] = [n for n in names if os.path.realpath(os.path.join(directory, n)) not in exclude]
        if not names and not subfolders and os.path.realpath(directory) != os.path.realpath(root):
            empty_folders.append(os.path.relpath(directory, root).replace(os.sep, "/"))
        for entry in sorted(subfolders + names):
            if os.path.islink(os.path.join(directory, entry)):
                links.append(os.path.relpath(os.path.join(directory, entry), root))
        subfolders[:] = sorted(d for d in subfolders if not os.path.islink(os.path.join(directory, d)))
        for name in sorted(names):
            path = os.path.join(directory, name)
            if os.path.islink(path):
                continue
            relative = unicodedata.normalize("NFC", os.path.relpath(path, root).replace(os.sep, "/"))
            stat = os.stat(path)
            yield Item(relative, stat.st_size, stat.st_mtime, lambda path=path: open(path, "rb"), origin=relative,
                       stored=stat.st_size)


def _skipped(path):
    """The junk operating systems add (__MACOSX/, .DS_Store, ._files, .git/). Jupyter's checkpoints go
    along: intake grades one only when it is the sole copy of a student's work."""
    return any(submissions.skipped(p) for p in PurePosixPath(path).parts if p not in ("..", submissions.CHECKPOINTS))


def _hidden_notebook(path):
    """A notebook the student hid (``.lab3.ipynb``): named in their row, never graded. Not the copies
    macOS adds (``__MACOSX/``, ``._x.ipynb``) nor one inside a hidden folder (``.git/``): those are junk,
    and a folder of junk must not stand among the download's folders (``_Layout``)."""
    parts = PurePosixPath(path).parts
    return (submissions.is_notebook_name(parts[-1]) and not parts[-1].startswith("._")
            and not any(submissions.skipped(p) for p in parts[:-1] if p != submissions.CHECKPOINTS))


def _classroom_slug(folders, assignments):
    """The prefix GitHub Classroom gives every repository of an assignment (``lab3-optimizers-``): the
    longest dash-separated start that the level's ``folders`` share and that names a course assignment
    (``assignments``: their keys). A ``<slug>-submissions/`` folder (``gh classroom clone``) names it."""
    folders = sorted(folders)
    if len(folders) == 1 and folders[0].endswith("-submissions"):
        return folders[0][:-len("-submissions")]
    if len(folders) < 2:
        return None
    common = os.path.commonprefix(folders)
    starts = [common[:i] for i, c in enumerate(common) if c == "-"]
    fitting = [s for s in starts if submissions.key(s) and any(submissions.key(s) in a for a in assignments)]
    return fitting[-1] if fitting else None


def _acceptable(student_id):
    """Any printable id, in any script; not blank, not a path step ('.', '..')."""
    return student_id.isprintable() and bool(student_id.strip()) and student_id.strip() not in (".", "..")


def safe_folder(student_id):
    """The folder name for a student id: the id itself when it is one safe path component, else the id
    with its unsafe characters replaced (the CSV keeps the id as the system gave it). The folder name is
    nbgrader's student id, which formgrader writes unescaped into its pages and scripts
    (``var student_id = "{{ student_id }}"``): HTML and script quoting characters are replaced too."""
    folder = re.sub(r"[/\\\x00-\x1f<>\"'`&]", "_", student_id)
    if not folder.strip() or folder.startswith(".") or folder in COURSE_FOLDERS:
        folder = "_" + folder
    return folder[:200]


def _size(n):
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.1f} {unit}"
    return f"{n} bytes"


# ------------------------------------------------------------------------------------------------ unpack
@dataclass
class Unpacked:
    """What ``unpack`` made of a download: rows of the files not used, the student folders written
    ({folder: student id}), and what the system said of each student ({student id: [notes]})."""
    unused: list = field(default_factory=list)
    students: dict = field(default_factory=dict)
    said: dict = field(default_factory=dict)
    # nbgrader's record of each submission, where `nbgrader submit` writes it (the top of the submission):
    # {student folder: {key(assignment): {"folder": that top, inside the student's folder, <record name>: text}}}
    records: dict = field(default_factory=dict)


def _record(found):
    """The name of nbgrader's record of a submission (timestamp.txt, submission_secret.txt) when ``found``
    is one, where nbgrader submit writes it: the top of the submission folder. Else None."""
    inner = PurePosixPath(found.inner or "")
    if found.system not in ("nbgrader", "nbgrader exchange") or inner.name not in submissions.RECORDS:
        return None
    top = PurePosixPath(found.assignment) if found.system == "nbgrader" else PurePosixPath(".")
    return inner.name if inner.parent == top else None


def _describe(system, found_list, chosen):
    """The row's note on what the system says of a student: display name, late, the attempt graded."""
    names = sorted({f.name for f in found_list if f.name and f.name != f.student_id})
    attempts = sorted({f.attempt for f in found_list if f.attempt and system in ATTEMPTS})
    parts = [f"{system}" + (f": {', '.join(names)}" if names else "")]
    if system in ("a folder per student", "nbgrader", "--pattern") and not names and not attempts \
            and not any(f.late for f in chosen):
        return None
    if system == "Brightspace":
        parts.append("its download names no student id: matched by name")
    if any(f.late for f in chosen):
        parts.append("LATE")
    if attempts:
        parts.append(f"attempt {attempts[-1]} graded" + (f" (the latest of {len(attempts)})" if len(attempts) > 1 else ""))
    return ", ".join(parts)


def unpack(source, target, assignments, notebooks, pattern=None, exclude=()):
    """Copy the download ``source`` (a folder, or a zip) into ``target``/<student folder>/...

    assignments, notebooks: the course's assignment and notebook names; exclude: paths inside a
    folder ``source`` that are not submissions (the grader's own course directory, CSV, feedback).
    Returns an ``Unpacked``.
    Raises ValueError for a zip that cannot be read, or a ``--pattern`` that is not one or matches nothing.
    """
    source, target = Path(source), Path(target)
    context = {"assignments": {submissions.key(a) for a in assignments}, "notebooks": list(notebooks)}
    unpacker = _Unpacker(source, target, context, user_pattern(pattern) if pattern else None)
    links, empty_folders = [], []
    try:
        if source.is_dir():
            items = list(_folder_items(source, links, exclude, empty_folders))
            stored = sum(i.size for i in items)
        else:
            census = _census(source)
            if census is not None and (census[0] > MAX_FILES or census[1] > MAX_FILES * CENTRAL_DIRECTORY_BYTES):
                raise ValueError(f"{source.name} lists {census[0]:,} files ({_size(census[1])} of names): more than "
                                 f"the {MAX_FILES:,} a download may unpack to")
            try:
                unpacker.archives.append(zipfile.ZipFile(source))
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                raise ValueError(f"{source} cannot be read as a zip ({exc})") from None
            stored = source.stat().st_size
            items = list(_zip_items(unpacker.archives[0]))
            if len(items) > MAX_FILES:
                raise ValueError(f"{source.name} holds {len(items):,} files: more than the {MAX_FILES:,} a download "
                                 "may unpack to")
            files = {PurePosixPath(i.path).parent for i in items}
            empty_folders += [n.rstrip("/") for n in (_decoded(i) for i in unpacker.archives[0].infolist())
                              if n.endswith("/") and not any(PurePosixPath(n.rstrip("/")) in (f, *f.parents) for f in files)]
        if not items and not links and not empty_folders:
            raise ValueError(f"{source.name} holds no files: nothing to grade (the wrong download?)")
        unpacker.budget = _Budget(stored)
        for item in items:  # each file of the download may expand to MAX_EXPANSION times what it takes there
            unpacker.budget.origin(item.origin, min(item.stored, stored))
        unpacker.budget.add_listed(None, len(items))
        markers = [Item(path, 0, 0.0, None, kind="link") for path in links]
        markers += [Item(f"{path}/(empty)", 0, 0.0, None, kind="empty") for path in empty_folders]
        markers += [Item(i.path, 0, 0.0, None, kind="hidden") for i in items if _skipped(i.path) and _hidden_notebook(i.path)]
        items = [i for i in items if not _skipped(i.path)]
        placed = unpacker.place(items + markers, depth=0)
        if pattern and not any(f.system == "--pattern" for f, _, _ in placed):
            raise ValueError(f"--pattern '{pattern}' matches no path of {source.name}; its paths look like: "
                             + ", ".join(i.path for i in items[:3]))
        unpacker.write(placed)
        unpacker.report_asides()
        unpacker.report_refused()
    finally:
        unpacker.close()
    return unpacker.result


class _Budget:
    """Bytes that leave a decompressor or are copied, counted on accounts with a limit each: ("origin",
    file of the download), ("student", id), ("download",); and the files written, per student and in all."""

    def __init__(self, stored):
        self.limits = {("download",): min(MAX_DOWNLOAD_BYTES, MIN_ALLOWANCE + MAX_EXPANSION * stored)}
        self.stored, self.spent, self.files, self.listed = {}, {}, {}, {}

    def origin(self, path, stored):
        self.stored[path] = stored
        self.limits[("origin", path)] = MIN_ALLOWANCE + MAX_EXPANSION * max(stored, 0)

    def accounts(self, item, student):
        return [("origin", item.origin)] + ([("student", student)] if student is not None else []) + [("download",)]

    def limit(self, account):
        return self.limits.get(account, MAX_STUDENT_BYTES if account[0] == "student" else MIN_ALLOWANCE)

    def room(self, accounts):
        return max(0, min(self.limit(a) - self.spent.get(a, 0) for a in accounts))

    def spend(self, accounts, n):
        for account in accounts:
            self.spent[account] = self.spent.get(account, 0) + n

    def over(self, accounts):
        """Why the budget ran out: the first account spent past its limit."""
        account = next((a for a in accounts if self.spent.get(a, 0) > self.limit(a)), accounts[-1])
        if account[0] == "origin":
            return (f"{account[1]} would expand to more than {MAX_EXPANSION:,} times the "
                    f"{_size(self.stored.get(account[1], 0))} it takes in the download (a zip bomb?)")
        if account[0] == "student":
            return f"over the {_size(MAX_STUDENT_BYTES)} one student's files may expand to"
        return f"over the {_size(self.limit(account))} the download may expand to"

    def file_room(self, student, counts=None):
        """Files ``student`` (None: the download) may still have: written, or (``counts``) listed."""
        counts = self.files if counts is None else counts
        room = MAX_FILES - counts.get(None, 0)
        return room if student is None else min(room, MAX_STUDENT_FILES - counts.get(student, 0))

    def add_file(self, student, n=1, counts=None):
        counts = self.files if counts is None else counts
        for key in {student, None}:
            counts[key] = counts.get(key, 0) + n

    def list_room(self, student):
        """Files the zips still to open may list (zipfile holds each zip's whole list in memory)."""
        return self.file_room(student, self.listed)

    def add_listed(self, student, n):
        self.add_file(student, n, self.listed)


@dataclass
@dataclass
class _Decision:
    """What a file of the download is, read from where it stands: a student's ("student", with ``found``;
    ``base``: where its student's files stand in the download), only reported ("aside": a link, an empty
    folder, a hidden notebook), an nbgrader course's ("course", ``found``: the folder or file that says
    so), nobody's ("stray", ``found``: why), or a zip of submissions read as a download ("archive")."""
    what: str
    found: object
    item: Item
    base: str = ""


class _Layout:
    """Whose each file of a download is, read from where the system put it, level by level from the top.

    At a level, a file is a student's when a flat layout's rule names it (Moodle, Canvas, Blackboard,
    Brightspace, a student number), else an archive of submissions (a zip) or nobody's. A folder is the
    system's (a course's ``source/<assignment>/``..., skipped; nbgrader's steps, ``<slug>-submissions/``,
    an assignment's folder, looked through), or a student's, named by a rule (``_named``). The folders
    no rule names are decided for the level as a whole: the only thing there wraps the download; when
    every folder there could be a section and at least half hold two students or more, each is one; a folder that holds nothing but the system's own (named
    students, nbgrader's steps: an exchange's, a course directory) is looked through when no folder there
    is a student's (beside one, it is a student's folder too, whatever it holds); any other folder is the
    student of its name. Below a student's folder or file nothing is read for a student: it is all theirs."""

    def __init__(self, context, find_slug=True):
        self.context, self.find_slug, self.slugs = context, find_slug, set()

    def decide(self, items):
        """The ``_Decision`` of every item (files, and the asides: links, empty folders, hidden notebooks)."""
        out = []
        self._resolve(_tree(items), (), "download", out)
        return out

    def _resolve(self, node, where, kind, out, system="a folder per student", slug=None):
        """The decisions for everything below ``node``, the level of the download at ``where`` (its path):
        of ``kind`` "download" (read like a download: wrappers, sections, groups decided here for the whole
        level) or "students" (each folder in it is a student's; ``system``: how the rows name them)."""
        level = dict(self.context, **_blackboard_context([i for items in node.files.values() for i in items]))
        level["classroom_slug"] = slug or (_classroom_slug(node.folders, level["assignments"]) if self.find_slug else None)
        for name, items in node.files.items():
            for item in items:
                out.append(self._file(name, item, level, kind, where))
        decisions = {name: self._classify(name, sub, level, kind) for name, sub in node.folders.items()}
        if kind == "download":
            self._level(node, decisions, level)
        for name, decision in decisions.items():
            sub, path = node.folders[name], where + (name,)
            if decision[0] == "course":
                out += [_Decision("course", name, item) for _, item in sub.items()]
            elif decision[0] == "container":
                _, inner_kind, label = decision
                inner_system = {"assignment": "a folder per assignment",
                                "section": f"a folder per student, inside {name}/"}.get(label, "a folder per student")
                inner_slug = label if label not in ("assignment", "section", None) else None
                self._resolve(sub, path, inner_kind, out, inner_system, inner_slug)
            else:
                template = decision[1]
                if template is not None and template.system == "GitHub Classroom":
                    self.slugs.add(level["classroom_slug"])
                for rel, item in sub.items():
                    found = _inside(template, rel, name, system, level["assignments"])
                    out.append(_Decision("aside" if item.kind != "file" else "student", found, item, "/".join(path)))

    def _file(self, name, item, level, kind, where):
        """The decision for a file standing at a level of the download."""
        found = _named(name, None, level)
        if item.kind == "link":  # a link standing where a student's folder would: that student's, never followed
            if found is None and _acceptable(name):
                found = Found(name, name, "a folder per student")
            return _Decision("aside", found, item, "/".join(where))
        if item.kind != "file":
            return _Decision("aside", found, item, "/".join(where))
        if name in COURSE_FILES:
            return _Decision("course", name, item)
        if found is not None:
            return _Decision("student", found, item, "/".join(where))
        if name.lower().endswith(".zip"):
            return _Decision("archive", None, item, "/".join(where))
        if name == "index.html" and kind == "download":
            return _Decision("stray", "the LMS's index of the download (Brightspace writes one): not graded", item)
        return _Decision("stray", "no student in its path (a format the grader does not know? see --pattern)", item)

    def _classify(self, name, sub, level, kind):
        """A folder at a level: ("course",), ("container", kind inside, label), ("student", the Found a
        rule reads from its name, or None: the student of its name), or ("unnamed",) (``_level`` decides)."""
        if name in COURSE_FOLDERS and any(submissions.key(c) in level["assignments"] for c in sub.folders):
            return ("course",)
        if name in STEPS:
            return ("container", STEPS[name], None)
        slug = level.get("classroom_slug")
        if slug and name == f"{slug}-submissions":
            return ("container", "students", slug)
        if kind == "download" and submissions.key(name) in level["assignments"] and not sub.files:
            return ("container", "students", "assignment")
        found = _named(name, frozenset(sub.folders), level)
        if found is not None:
            return ("student", found)
        return ("unnamed",) if kind == "download" else ("student", None)

    def _level(self, node, decisions, level):
        """Decide, for the whole level, what its folders that no rule names are (see the class docstring)."""
        unnamed = [n for n, d in decisions.items() if d[0] == "unnamed"]
        if not unnamed:
            return
        if len(node.folders) == 1 and not node.files:
            sub = node.folders[unnamed[0]]
            wraps = not sub.files or self._names_any(sub, level)
            decisions[unnamed[0]] = ("container", "download", None) if wraps else ("student", None)
            return
        if not any(d[0] == "student" for d in decisions.values()) and all(_section_like(node.folders[n]) for n in unnamed) \
                and 2 * sum(_section(node.folders[n]) for n in unnamed) >= len(unnamed):
            for n in unnamed:
                decisions[n] = ("container", "students", "section")
            return
        nbgrader = any(d[0] == "student" and d[1].system == "nbgrader" for d in decisions.values())
        shaped = {n: self._group(node.folders[n], level) for n in unnamed}
        plain = not all(shaped.values())
        for n in unnamed:  # beside a student's folder, a folder shaped like a course's is a student's too
            if shaped[n] and not nbgrader and not plain:
                decisions[n] = ("container", "download", None)
            else:
                decisions[n] = ("student", None)

    def _group(self, sub, level):
        """Whether a folder holds only the system's own: no file of its own but a course's, and folders each
        named by a rule, a system's step or a course's. "course directory" when some are a course's."""
        if any(n not in COURSE_FILES for n in sub.files) or not sub.folders:
            return False
        inner = dict(level, classroom_slug=_classroom_slug(sub.folders, level["assignments"]))
        kinds = [self._classify(n, s, inner, "download")[0] for n, s in sub.folders.items()]
        if not all(k in ("student", "container", "course") for k in kinds):
            return False
        return "course directory" if "course" in kinds or sub.files else True

    def _names_any(self, sub, level):
        """True when a rule names a student at the level inside ``sub``, or a system's folder stands there."""
        inner = dict(level, classroom_slug=_classroom_slug(sub.folders, level["assignments"]))
        return (any(_named(n, None, inner) for n in sub.files)
                or any(self._classify(n, s, inner, "download")[0] in ("student", "container", "course")
                       for n, s in sub.folders.items()))


class _Unpacker:
    """One ``unpack``: the layout, the budget, the zips opened and their temporary copies, the rows."""

    def __init__(self, source, target, context, pattern):
        self.source, self.target, self.context, self.pattern = source, target, context, pattern
        self.where = os.path.basename(str(source))
        self.layout = _Layout(context)
        self.result, self.archives, self.asides = Unpacked(), [], []
        self.refused = {}      # {(student id, why): [path shown]}: one row each
        self.kept_zips = {}    # {student id: [zips nested too deep to open, kept as files]}
        self.budget = _Budget(0)
        self.temporary = tempfile.mkdtemp(dir=target.parent, prefix=".nested-")

    def close(self):
        for archive in self.archives:
            archive.close()
        shutil.rmtree(self.temporary, ignore_errors=True)

    # ------------------------------------------------------------------------------ whose is each file
    def place(self, items, depth):
        """[(Found, Item, base)] for every file whose student the download's layout names; the others are
        reported (``result.unused``), the asides kept for ``report_asides``; zips opened."""
        if self.pattern is not None:
            return self._place_by_pattern(items, depth)
        for item in items:
            if len(PurePosixPath(item.path).parts) > MAX_PATH_PARTS:
                self._stray(item, f"a path more than {MAX_PATH_PARTS} folders deep: not unpacked")
        decisions = self.layout.decide([i for i in items if len(PurePosixPath(i.path).parts) <= MAX_PATH_PARTS])
        placed = []
        for d in decisions:
            item = d.item
            if d.what == "course":
                self.result.unused.append(Submission("", "", "", status=STRAY, notes=[
                    f"{item.shown}: part of an nbgrader course directory ({d.found}), not a student's: skipped"]))
            elif d.what == "aside":
                self.asides.append(d)
            elif d.what == "stray":
                self._stray(item, d.found)
            elif d.what == "archive":
                expanded = self._expand(item, None, depth, d.base) if depth < MAX_NESTING else None
                if expanded is None:
                    self._stray(item, "no student in its path (a format the grader does not know? see --pattern)")
                elif expanded is not REFUSED:
                    placed += expanded
            else:
                placed += self._own(d.found, item, depth, d.base)
        return placed

    def _own(self, found, item, depth, base):
        """[(Found, Item, base)] of one file of a student: a zip opened into their folder."""
        if item.path.lower().endswith(".zip") and item.kind == "file":
            if depth >= MAX_NESTING:
                self.kept_zips.setdefault(found.student_id, []).append(found.inner)
            else:
                expanded = self._expand(item, found, depth, base)
                if expanded is REFUSED:
                    return []
                if expanded is not None:
                    return expanded
                self._say(found.student_id, f"{found.inner}: not a zip that can be opened")
        return [(found, item, base)]

    def _place_by_pattern(self, items, depth):
        """``--pattern``: the instructor's expression, matched against each whole path, is the whole rule."""
        placed = []
        for item in items:
            found = self.pattern(PurePosixPath(item.path).parts, self.context)
            if item.kind != "file":
                self.asides.append(_Decision("aside", found, item))
            elif found is not None:
                placed += self._own(found, item, depth, "")
            else:
                expanded = (self._expand(item, None, depth, "") if item.path.lower().endswith(".zip")
                            and depth < MAX_NESTING else None)
                if expanded is None:
                    self._stray(item, "no student in its path: it does not match --pattern")
                elif expanded is not REFUSED:
                    placed += expanded
        return placed

    # ------------------------------------------------------------------------------ what is found inside
    def flag_planted(self, placed):
        """Name, in the owner's row, each path inside a student's files that names another student (a
        classmate, or anyone a system's rule names): it stays the owner's."""
        names = {}
        for found in [f for f, _, _ in placed] + [d.found for d in self.asides if d.found is not None]:
            names.setdefault(found.student_id, set()).update({found.student_id, found.name} - {""})
        everyone = set().union(*names.values()) if names else set()
        flagged = {}
        for found, item, base in placed + [(d.found, d.item, d.base) for d in self.asides if d.found is not None]:
            if not found.inner:
                continue
            mine = names.get(found.student_id, set()) | {safe_folder(found.student_id)}
            parts = PurePosixPath(found.inner).parts
            hit = _names_another(parts, mine, everyone - mine, self.context, self.layout.slugs)
            if hit is None:
                continue
            index, how = hit
            shown = (item.shown if index + 1 == len(parts)  # the file itself: as the download shows it
                     else "/".join(p for p in (base, *parts[:index + 1]) if p) + "/…")
            flagged.setdefault(found.student_id, {}).setdefault(shown, how)
        for student, paths in flagged.items():
            for shown, how in list(paths.items())[:5]:
                self._say(student, f"{shown}: a path inside {student}'s files names another student ({how}): "
                                   f"kept as {student}'s")
            if len(paths) > 5:
                self._say(student, f"{len(paths) - 5} more paths inside {student}'s files name other students: "
                                   f"kept as {student}'s")

    # ------------------------------------------------------------------------------ zips inside the download
    def _expand(self, item, found, depth, base):
        """The placed entries of a zip inside the download; None when it is not a zip that can be opened;
        REFUSED when it would not fit the budget (reported). ``found``: the student whose own zip it is (its
        entries go into their folder, zips in it opened too); None: an archive of submissions, placed like
        a download of its own."""
        student = found.student_id if found is not None else None
        inner = self._open_nested(item, student)
        if inner is None or inner is REFUSED:
            return inner
        entries = [i for i in _zip_items(inner, within=item.shown, origin=item.origin) if not _skipped(i.path)]
        if found is None:
            return self.place(entries, depth + 1)
        folder = re.sub(r"\.zip$", "", found.inner, flags=re.IGNORECASE)
        placed = []
        for entry in entries:
            mine = Found(found.student_id, f"{folder}/{entry.path}", found.system, found.name, found.late, found.attempt)
            placed += self._own(mine, entry, depth + 1, base)
        return placed

    def _open_nested(self, item, student):
        """A zip inside the download, opened from a temporary copy counted on the budget; None when it is
        not a zip; REFUSED when the copy or its list of files would not fit (reported)."""
        path = os.path.join(self.temporary, f"{len(self.archives)}.zip")
        why = self._copy(item, path, self.budget.accounts(item, student))
        if why is not None:
            return None if why.startswith("it cannot be read") else self._refuse(student, item, why)
        census = _census(path)
        if census is None:
            os.remove(path)
            return None
        room = self.budget.list_room(student)
        whom = "its student's submission" if student is not None else "the download"
        if census[0] > room or census[1] > room * CENTRAL_DIRECTORY_BYTES:
            os.remove(path)
            return self._refuse(student, item, f"it lists {census[0]:,} files ({_size(census[1])} of names): more "
                                               f"than the {max(room, 0):,} {whom} may still unpack to")
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            os.remove(path)
            return None
        self.archives.append(archive)
        listed = len(archive.infolist())
        if listed > room:  # the end record understated it
            return self._refuse(student, item, f"it holds {listed:,} files: more than the {max(room, 0):,} {whom} "
                                               "may still unpack to")
        self.budget.add_listed(student, listed)
        return archive

    def _refuse(self, student, item, why):
        self.refused.setdefault((student or "", why), []).append(item.shown)
        return REFUSED

    def _copy(self, item, destination, accounts, cap=None):
        """Copy ``item`` to ``destination``, counting every byte read on ``accounts`` (and ``cap``: one
        file's limit). None when done; else why not (the partial copy removed; what was read stays counted)."""
        written = 0
        try:
            with item.open() as source, open(destination, "wb") as out:
                while True:
                    limit = self.budget.room(accounts)
                    if cap is not None:
                        limit = min(limit, cap - written)
                    chunk = source.read(min(CHUNK, limit + 1))
                    if not chunk:
                        return None
                    self.budget.spend(accounts, len(chunk))
                    if len(chunk) > limit:
                        out.close()
                        os.remove(destination)
                        if cap is not None and written + len(chunk) > cap:
                            return f"larger than {_size(cap)}"
                        return self.budget.over(accounts)
                    out.write(chunk)
                    written += len(chunk)
        except (OSError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError,
                MemoryError) as exc:
            if os.path.isfile(destination):
                os.remove(destination)
            return f"it cannot be read ({type(exc).__name__}: {str(exc)[:120]})"

    # ------------------------------------------------------------------------------ writing the folders
    def _folder(self, student_id):
        """The student's folder: theirs already, else a new one (never another student's)."""
        folder = next((f for f, s in self.result.students.items() if s == student_id), None)
        if folder is None:
            folder = safe_folder(student_id)
            while folder in self.result.students:
                folder += "~"
            self.result.students[folder] = student_id
        return folder

    def write(self, placed):
        """Write the placed files; of one student's attempts only the latest; of two files on one path the
        later; report the others. Each student's notebooks first, then Python modules, then the rest,
        smallest first, each within the budget."""
        self.flag_planted(placed)
        for student, zips in self.kept_zips.items():
            one = len(zips) == 1
            self._say(student, f"{_names(zips)}: {'a zip' if one else 'zips'} inside {MAX_NESTING} zips: not opened "
                               f"(kept as {'a file' if one else 'files'})")
        result, where = self.result, self.where
        by_student = {}
        for found, item, _ in placed:
            by_student.setdefault(found.student_id, []).append((found, item))
        for student_id, entries in sorted(by_student.items()):
            if not _acceptable(student_id):
                for found, item in entries:
                    result.unused.append(Submission("", "", "", status=STRAY, notes=[
                        f"{item.shown} (in {where}): the student id {student_id!r} is not a plain name"]))
                continue
            attempts = sorted({f.attempt for f, _ in entries if f.attempt})
            latest = attempts[-1] if attempts and entries[0][0].system in ATTEMPTS else None
            chosen = {}
            for found, item in sorted(entries, key=lambda e: (e[0].attempt, e[1].shown)):
                if found.inner is None:  # the system's own record (a receipt, a timestamp): its attempt is noted
                    continue
                if latest is not None and found.attempt != latest:
                    if _record(found):  # the record of an attempt not graded
                        continue
                    result.unused.append(Submission(student_id, "", "", status=status.SUPERSEDED, notes=[
                        f"{item.shown} (in {where}): attempt {found.attempt}, not the latest ({latest})"]))
                    continue
                if found.inner in chosen:
                    result.unused.append(Submission(student_id, "", "", status=status.SUPERSEDED, notes=[
                        f"{chosen[found.inner][1].shown} (in {where}) was replaced by {item.shown}, later"]))
                chosen[found.inner] = (found, item)
            folder = self._folder(student_id)
            said = _describe(entries[0][0].system, [f for f, _ in entries], [f for f, _ in chosen.values()])
            if said:
                result.said[student_id] = [said] + result.said.get(student_id, [])
            for inner, (found, item) in sorted(chosen.items(), key=lambda c: _priority(c[0], c[1][1])):
                self._write_one(student_id, folder, inner, found, item)

    def _write_one(self, student_id, folder, inner, found, item):
        result, where = self.result, self.where
        inner_parts = PurePosixPath(inner).parts
        if not inner_parts or any(p in ("..", "") for p in inner_parts) or inner.startswith("/"):
            result.unused.append(Submission(student_id, "", "", status=STRAY, notes=[
                f"{item.shown} (in {where}): an unsafe path, not unpacked"]))
            return
        if len(inner_parts) == 1 and inner in COURSE_FILES and PurePosixPath(item.path).name == inner:
            result.unused.append(Submission(student_id, "", "", status=STRAY, notes=[  # at the top of their folder
                f"{item.shown}: named like a file of an nbgrader course directory ({inner}): skipped"]))
            return
        record = _record(found)
        if record:  # kept for nbgrader, checked by intake; never one of the student's files
            try:
                with item.open() as data:
                    text = data.read(submissions.MAX_RECORD_BYTES + 1).decode("utf-8", errors="replace")
            except (OSError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError):
                text = ""
            top = PurePosixPath(found.inner).parent.as_posix()
            mine = result.records.setdefault(folder, {}).setdefault(submissions.key(found.assignment), {})
            mine.update({"folder": "" if top == "." else top, record: text})
            return
        if item.size > MAX_ENTRY_BYTES:  # as stated: refused unread (a smaller statement is never trusted)
            self.refused.setdefault((student_id, f"larger than {_size(MAX_ENTRY_BYTES)}"), []).append(item.shown)
            return
        if self.budget.file_room(student_id) <= 0:
            whose = (f"over the {MAX_STUDENT_FILES:,} files one student's submission may unpack to"
                     if self.budget.files.get(student_id, 0) >= MAX_STUDENT_FILES
                     else f"over the {MAX_FILES:,} files a download may unpack to")
            self.refused.setdefault((student_id, whose), []).append(item.shown)
            return
        destination = self.target.joinpath(folder, *inner_parts)
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.refused.setdefault((student_id, f"it cannot be written ({type(exc).__name__})"), []).append(item.shown)
            return
        why = self._copy(item, destination, self.budget.accounts(item, student_id), cap=MAX_ENTRY_BYTES)
        if why is not None:
            self.refused.setdefault((student_id, why), []).append(item.shown)
            return
        self.budget.add_file(student_id)
        os.utime(destination, (item.mtime, item.mtime))  # "the newest" among candidates is the system's

    def report_asides(self):
        """Links, empty folders and hidden notebooks: named in their student's row (the student gets a
        folder, so a row, even when nothing else of theirs is there); a row of their own when no student
        is in their path."""
        why = {"link": "a link: not followed", "empty": "an empty folder", "hidden": "a hidden file: not graded"}
        for d in self.asides:
            item, found = d.item, d.found
            shown = item.path[:-len("(empty)")] if item.kind == "empty" else None
            if found is None or not _acceptable(found.student_id):
                self.result.unused.append(Submission("", "", "", status=STRAY, notes=[
                    f"{shown or item.shown}: {why[item.kind]}"]))
                continue
            folder = self._folder(found.student_id)
            (self.target / folder).mkdir(parents=True, exist_ok=True)
            self._say(found.student_id, f"{shown or found.inner or item.path} ({why[item.kind]})")

    def report_refused(self):
        """One row per student and reason for what was not unpacked (status invalid notebook)."""
        for (student, why), paths in self.refused.items():
            self.result.unused.append(Submission(student, "", "", status=status.INVALID, notes=[
                f"{_names(paths)} (in {self.where}): not unpacked: {why}"]))

    def _stray(self, item, why):
        self.result.unused.append(Submission("", "", "", status=STRAY, notes=[f"{item.shown}: {why}"]))

    def _say(self, student, note):
        said = self.result.said.setdefault(student, [])
        if note not in said:
            said.append(note)


REFUSED = object()  # a zip not opened for the budget: reported already


def _names(paths, at_most=3):
    return ", ".join(paths[:at_most]) + (f" and {len(paths) - at_most:,} more" if len(paths) > at_most else "")


def _priority(inner, item):
    """Written first: notebooks, then Python modules, then the rest; smaller first."""
    name = PurePosixPath(inner).name
    return (not submissions.is_notebook_name(name), not name.endswith(".py"), item.size, inner)


class _Folder:
    """A folder of the download, as its paths list it: {name: [Item]} (a zip may hold a name twice) and
    {name: _Folder}."""
    __slots__ = ("files", "folders")

    def __init__(self):
        self.files, self.folders = {}, {}

    def items(self, prefix=()):
        """(path below this folder as parts, Item) of everything below it."""
        for name, items in self.files.items():
            for item in items:
                yield prefix + (name,), item
        for name, sub in self.folders.items():
            yield from sub.items(prefix + (name,))

    def holds_notebook(self):
        return any(item.kind == "file" and submissions.is_notebook_name(rel[-1]) for rel, item in self.items())


def _tree(items):
    root = _Folder()
    for item in items:
        parts = PurePosixPath(item.path).parts
        node = root
        for part in parts[:-1]:
            node = node.folders.setdefault(part, _Folder())
        node.files.setdefault(parts[-1], []).append(item)
    return root


def _section(sub):
    """A section's folder: no file of its own, two or more folders with notebooks."""
    return not sub.files and sum(s.holds_notebook() for s in sub.folders.values()) >= 2


def _section_like(sub):
    """A folder that could be a section (of one student, say): no file of its own, a folder with a notebook."""
    return not sub.files and any(s.holds_notebook() for s in sub.folders.values())


def _inside(template, rel, owner, system, assignments):
    """The Found of the file at ``rel`` (parts) inside the folder of the student ``template`` names (None:
    the folder's name ``owner``, with ``system``). nbgrader's layout: a first folder named like an
    assignment is the submission."""
    inner = "/".join(rel)
    if template is not None and template.system != "nbgrader":
        return replace(template, inner=inner)
    student = template.student_id if template is not None else owner
    if len(rel) >= 2 and submissions.key(rel[0]) in assignments:
        return Found(student, inner, "nbgrader", assignment=rel[0])
    return Found(student, inner, system)


def _names_another(parts, mine, classmates, context, slugs):
    """(index, what it says) of the shallowest part of a path inside a student's files that names someone
    else: a classmate by name or id, or anyone a system's rule names; None. ``mine``: the owner's names."""
    assignments = context["assignments"]
    known = {submissions.key(n) for n in context["notebooks"]} | assignments
    ctx = dict(context, blackboard_users={}, blackboard_prefix="")

    def words(name):  # a folder named for the course's work (lab3/, Lab 3 optimizers/) names no student
        k = submissions.key(name)
        return not k or any(k in a or a in k for a in known) or name in COURSE_FOLDERS | set(STEPS)

    for i, part in enumerate(parts):
        if len(part) > MAX_NAME:  # names nobody (and would cost the regexes its square)
            continue
        last = i == len(parts) - 1
        following = frozenset() if last or i + 1 == len(parts) - 1 else frozenset({parts[i + 1]})
        children = None if last else following
        rules = [moodle, nbgrader_exchange, blackboard, canvas, brightspace] + (
            [github_classroom] if not last else [])
        for rule in rules:
            for slug in (slugs or {None}) if rule is github_classroom else (None,):
                found = rule(part, children, dict(ctx, classroom_slug=slug))
                if found is None or found.student_id in mine or found.name in mine:
                    continue
                if rule is blackboard and any(m.endswith("_" + found.student_id) for m in mine):
                    continue  # the owner's own username, read without the receipts
                if rule is canvas and found.student_id not in classmates and not found.student_id.startswith("anon_") \
                        and (len(found.student_id) < 3 or int(found.attempt) < 100):
                    continue  # hw_3_2_final.ipynb: numbers a student chose, not Canvas's ids
                return i, f"{found.system}: {found.student_id}"
        if not last and nbgrader_submitted(part, children, ctx) and not words(part) and part not in mine:
            return i, f"nbgrader's <student>/<assignment>/: {part}"
        if part in classmates:
            return i, f"a classmate's {'file' if last else 'folder'}: {part}"
        if last:
            found = student_number(part, None, ctx)
            if found is not None and found.student_id in classmates:
                return i, f"a student number: {found.student_id}"
    return None


def whose(path, assignments, notebooks, pattern=None):
    """The ``Found`` for one path on its own (no wrapper or GitHub Classroom slug from other paths), or None."""
    context = {"assignments": {submissions.key(a) for a in assignments}, "notebooks": list(notebooks)}
    if pattern:
        found = user_pattern(pattern)(PurePosixPath(path).parts, context)
        if found is not None:
            return found
    decisions = _Layout(context, find_slug=False).decide([Item(path, 0, 0.0, None)])
    return next((d.found for d in decisions if d.what == "student"), None)
