"""Downloads: a folder or a zip of submissions, as an LMS or a tool writes it, unpacked to one folder
per student.

Only the *student* is read from a file's path; everything the student handed in is copied into
``<target>/<student folder>/`` and ``intake`` then finds each notebook there (case, " (1)", "-Copy1",
subfolders, extra words; helper files travel with it). ``FORMATS`` lists the rules, tried in order
on each path (inside a wrapper folder that holds everything, when the path itself fits none); the
student is keyed on the system's stable id wherever its names have one, and what the system says
(display name, late, the attempt graded) goes into the row's message. Zips inside the download are
opened (a student's own zip into that student's folder; an archive of submissions, as nbgrader's
``zip_collect`` keeps them, as a download of its own). Names written without the zip's UTF-8 flag are
decoded as the systems meant them, and every name is NFC-normalised (macOS writes Hangul decomposed).

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
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from .. import status
from . import submissions
from .submissions import STRAY, Submission

# an nbgrader course's folders, and this kit's: instructor copies when an assignment folder follows them
COURSE_FOLDERS = {"source", "release", "autograded", "feedback", "solutions", "notebooks"}
COURSE_FILES = {"gradebook.db", "nbgrader_config.py", "journal.json"}
NBGRADER_FOLDERS = {"submitted", "downloaded", "archive", "extracted"}  # nbgrader's steps: never a student
MAX_ENTRY_BYTES = submissions.MAX_NOTEBOOK_BYTES
MAX_TOTAL_BYTES = 4 << 30  # unpacked in all: past it, files are reported, not unpacked (a zip bomb)
MAX_NESTING = 2            # zips inside zips inside the download
ATTEMPTS = ("Blackboard", "Brightspace", "nbgrader exchange")  # systems whose names carry attempts: the latest graded


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
    """One file of the download: its path (POSIX, NFC), size, modification time, and how to open it."""
    path: str
    size: int
    mtime: float
    open: object


# ---------------------------------------------------------------------------------------------- the rules
MOODLE_FOLDER = re.compile(r"(?P<name>.+?)(?:_(?P<id>\d+))?_assignsubmission_(?P<plugin>[a-z0-9]+)_?")
MOODLE_FILE = re.compile(r"(?P<name>.+?)(?:_(?P<id>\d+))?_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<file>.+)")
# Canvas: a sortable name without underscores that is not a number (or anon_<base58 id>), LATE, user id
CANVAS = re.compile(r"(?:(?P<late2>LATE_)?(?P<anon>anon_[1-9A-HJ-NP-Za-km-z]{5})(?P<late3>_LATE)?|(?P<name>[^_]*[^\d_][^_]*)_(?P<late>LATE_)?(?P<id>\d+))_"
                    r"(?:(?P<attachment>\d+)_(?P<file>.+)|(?P<kind>text|link)\.html)")
BLACKBOARD = re.compile(r"(?P<assignment>.+)_(?P<id>[^_]+)_(?:attempt|poging|versuch|intento|tentative)_"
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


def moodle(parts, context):
    """Moodle's download: a folder ``<name>[_<participant id>]_assignsubmission_<plugin>_`` holding the
    files (``MOODLE_FOLDER``; ``parts``: a path's folders and file name). A ``Found`` (the student, the
    file), or None when it is not Moodle's."""
    for i, part in enumerate(parts[:-1]):
        found = MOODLE_FOLDER.fullmatch(part)
        if found:
            return Found(found.group("id") or found.group("name"), "/".join(parts[i + 1:]), "Moodle",
                         name=found.group("name"))
    found = MOODLE_FILE.fullmatch(parts[-1])
    if found:
        return Found(found.group("id") or found.group("name"), found.group("file"), "Moodle", name=found.group("name"))
    return None


def nbgrader_exchange(parts, context):
    """nbgrader's exchange inbound folders: ``<student>+<assignment>+<timestamp>[+random]/``."""
    for i, part in enumerate(parts[:-1]):
        found = NBGRADER_INBOUND.fullmatch(part)
        if found and submissions.key(found.group("assignment")) in context["assignments"]:
            return Found(found.group("id"), "/".join(parts[i + 1:]), "nbgrader exchange", attempt=found.group("time"),
                         assignment=found.group("assignment"))
    return None


def nbgrader_submitted(parts, context):
    """nbgrader's ``[anything/]<student_id>/<assignment>/...`` (``collect``'s layout)."""
    for i, part in enumerate(parts[1:-1], start=1):
        if submissions.key(part) in context["assignments"] and parts[i - 1] not in COURSE_FOLDERS | NBGRADER_FOLDERS:
            return Found(parts[i - 1], "/".join(parts[i:]), "nbgrader", assignment=part)
    return None


def assignment_first(parts, context):
    """``<assignment>/<student_id>/...``: work sorted by assignment first (the student's folder holds a
    notebook somewhere, so a ``labkit/`` beside one student's notebook is no student)."""
    if (len(parts) >= 3 and submissions.key(parts[0]) in context["assignments"]
            and submissions.key(parts[1]) not in context["assignments"] and parts[1] not in COURSE_FOLDERS | NBGRADER_FOLDERS
            and (context.get("notebook_dirs") is None or parts[:2] in context["notebook_dirs"])):
        return Found(parts[1], "/".join(parts[2:]), "a folder per assignment")
    return None


def blackboard(parts, context):
    """Blackboard's ``<assignment>_<username>_attempt_<time>...``: a username may hold ``_`` too, so it
    is the receipt's ``(username)``, else what follows the assignment name all the download's files share."""
    found = BLACKBOARD.fullmatch(parts[-1])
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
    the download's Blackboard files share (``Lab 3_``), for ``blackboard``."""
    heads, users = set(), {}
    for item in items:
        found = BLACKBOARD.fullmatch(PurePosixPath(item.path).name)
        if not found:
            continue
        head = f"{found.group('assignment')}_{found.group('id')}"
        heads.add(head)
        if found.group("receipt") and item.size < 1 << 20:
            with item.open() as handle:
                text = handle.read(1 << 16).decode("utf-8", errors="replace")
            named = re.search(r"^[^:\n]*:[^\n(]*\(([^()\s]+)\)\s*$", text, re.MULTILINE)
            if named and head.endswith("_" + named.group(1)):
                users[head] = named.group(1)
    common = os.path.commonprefix(sorted(heads)) if len(heads) > 1 else ""
    return {"blackboard_users": users, "blackboard_prefix": common[:common.rfind("_") + 1] if "_" in common else ""}


def canvas(parts, context):
    """Canvas's download: flat files ``<name>[_LATE]_<user id>_<attachment id>_<file>`` (``CANVAS``;
    ``parts``: a path's folders and file name; ``context["depth"]``: the folders above the files). A
    ``Found``, or None when it is not Canvas's."""
    found = CANVAS.fullmatch(parts[-1])
    if not found or len(parts) > 1 + context["depth"]:
        return None
    file = found.group("file") or f"{found.group('kind')}.html"
    return Found(found.group("id") or found.group("anon"), file, "Canvas", name=found.group("name") or "",
                 late=bool(found.group("late") or found.group("late2") or found.group("late3")),
                 attempt=f"{int(found.group('attachment') or 0):020d}")


def brightspace(parts, context):
    """Brightspace (D2L)'s download: a folder ``<n>-<n> - <name> - <date and time>`` holding the files
    (``D2L_FOLDER``; ``parts``: a path's folders and file name). A ``Found``, or None when it is not
    Brightspace's."""
    for i, part in enumerate(parts[:-1]):
        found = D2L_FOLDER.fullmatch(part)
        if found:
            return Found(found.group("name"), "/".join(parts[i + 1:]), "Brightspace", name=found.group("name"),
                         attempt=_d2l_time(found.group("time")))
    found = D2L_FILE.fullmatch(parts[-1])
    if found:
        return Found(found.group("name"), found.group("file"), "Brightspace", name=found.group("name"),
                     attempt=_d2l_time(found.group("time")))
    return None


def github_classroom(parts, context):
    """``[<slug>-submissions/]<slug>-<login>/...``: the slug is the prefix the download's folders share."""
    slug = context["classroom_slug"]
    start = 1 if slug and parts[0] == f"{slug}-submissions" else 0
    if slug and len(parts) > start + 1 and parts[start].startswith(f"{slug}-") and len(parts[start]) > len(slug) + 1:
        return Found(parts[start][len(slug) + 1:], "/".join(parts[start + 1:]), "GitHub Classroom")
    return None


def student_number(parts, context):
    """A top-level notebook named with a student number and the notebook (``s2024001_lab3_optimizers``,
    ``김민지_2023123456_lab3_optimizers``): only a token with three or more digits is taken for an id,
    never a word (``final_lab3_optimizers.ipynb`` names no student)."""
    if len(parts) > 1 + context["depth"] or not submissions.is_notebook_name(parts[-1]):
        return None
    stem = re.sub(r"\.ipynb(\.(txt|json))?$", "", parts[-1], flags=re.IGNORECASE)
    for notebook in context["notebooks"]:
        pattern = r"[\W_]*".join(re.escape(c) for c in submissions.key(notebook))
        rest = re.sub(pattern, " ", stem, count=1, flags=re.IGNORECASE) if re.search(pattern, stem, re.IGNORECASE) else None
        if rest is None:
            continue
        tokens = [t for t in re.split(r"[\W_]+", rest) if t]
        ids = [t for t in tokens if STUDENT_NUMBER.fullmatch(t)]
        if len(ids) == 1:
            name = " ".join(t for t in tokens if t != ids[0])
            return Found(ids[0], parts[-1], "a student number", name=name)
    return None


def student_folder(parts, context):
    """A folder per student: ``<student_id>/...``."""
    if len(parts) >= 2 and parts[0] not in NBGRADER_FOLDERS:
        return Found(parts[0], "/".join(parts[1:]), "a folder per student")
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


def _zip_items(archive):
    for info in archive.infolist():
        name = _decoded(info)
        if info.is_dir() or name.endswith("/"):
            continue
        stamp = datetime(*info.date_time).timestamp() if info.date_time[0] >= 1980 else 0.0
        yield Item(name, info.file_size, stamp, lambda archive=archive, info=info: archive.open(info))


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
            yield Item(relative, stat.st_size, stat.st_mtime, lambda path=path: open(path, "rb"))


def _skipped(path):
    """The junk operating systems add (__MACOSX/, .DS_Store, ._files, .git/). Jupyter's checkpoints go
    along: intake grades one only when it is the sole copy of a student's work."""
    return any(submissions.skipped(p) for p in PurePosixPath(path).parts if p not in ("..", submissions.CHECKPOINTS))


def _classroom_slug(paths, assignments):
    """The prefix GitHub Classroom gives every repository of an assignment (``lab3-optimizers-``): the
    longest dash-separated start that the download's folders share and that names a course assignment
    (``assignments``: their keys). A ``<slug>-submissions/`` folder (``gh classroom clone``) names it."""
    folders = sorted({PurePosixPath(p).parts[0] for p in paths if len(PurePosixPath(p).parts) > 1})
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
    rules = [user_pattern(pattern)] if pattern else [rule for rule, _ in FORMATS]  # a pattern is the whole rule
    result, links, temporary = Unpacked(), [], tempfile.mkdtemp(dir=target.parent, prefix=".nested-")
    archives = []
    try:
        empty_folders = []
        if source.is_dir():
            items = list(_folder_items(source, links, exclude, empty_folders))
        else:
            try:
                archives.append(zipfile.ZipFile(source))
            except (zipfile.BadZipFile, OSError) as exc:
                raise ValueError(f"{source} cannot be read as a zip ({exc})") from None
            items = list(_zip_items(archives[0]))
            files = {PurePosixPath(i.path).parent for i in items}
            empty_folders += [n.rstrip("/") for n in (_decoded(i) for i in archives[0].infolist())
                              if n.endswith("/") and not any(PurePosixPath(n.rstrip("/")) in (f, *f.parents) for f in files)]
        if not items and not links and not empty_folders:
            raise ValueError(f"{source.name} holds no files: nothing to grade (the wrong download?)")
        hidden = [i.path for i in items if _skipped(i.path)]
        items = [i for i in items if not _skipped(i.path)]
        context = {"assignments": {submissions.key(a) for a in assignments}, "notebooks": list(notebooks), "depth": 0}
        placed = _place(items, rules, context, result, archives, temporary, depth=0)
        if pattern and not any(f.system == "--pattern" for f, _ in placed):
            raise ValueError(f"--pattern '{pattern}' matches no path of {source.name}; its paths look like: "
                             + ", ".join(i.path for i in items[:3]))
        _write(placed, target, result, source)
        context = dict(context, classroom_slug=None)
        for link in links:  # reported with the student whose path it is in, never read
            _report_aside(link, "a link: not followed", rules, context, target, result)
        for path in empty_folders:
            _report_aside(f"{path}/(empty)", "an empty folder", rules, context, target, result, shown=f"{path}/")
        for path in hidden:  # a hidden notebook is named; the student gets a row even if nothing else is there
            if submissions.is_notebook_name(PurePosixPath(path).name):
                _report_aside(path, "a hidden file: not graded", rules, context, target, result)
    finally:
        for archive in archives:
            archive.close()
        shutil.rmtree(temporary, ignore_errors=True)
    return result


def _place(items, rules, context, result, archives, temporary, depth):
    """[(Found, Item)] for every item a rule fits; the rest reported in ``result.unused``.

    A top-level folder is a *grouping* folder, not a student, when the paths inside it fit a rule (a
    wrapper: ``download/``, ``Homework3/``), or when it holds no file of its own but two or more
    folders with notebooks (``section1/alice/``, ``section1/bob/``): then each of those is a student
    (noted). Otherwise a top-level folder is one student's."""
    paths = [i.path for i in items]
    context = dict(context, classroom_slug=_classroom_slug(paths, context["assignments"]), depth=0,
                   notebook_dirs={PurePosixPath(p).parts[:2] for p in paths if submissions.is_notebook_name(p)},
                   **_blackboard_context(items))
    specific = [rule for rule in rules if rule is not student_folder]
    firsts = {PurePosixPath(p).parts[0] for p in paths}
    wrapper = next(iter(firsts)) if len(firsts) == 1 and all(len(PurePosixPath(p).parts) >= 2 for p in paths) else None
    fits, groups = {}, set()
    for item in items:
        parts = PurePosixPath(item.path).parts
        fits[item.path] = _fit(parts, specific, context)
        if fits[item.path] is None and (len(parts) > 2 or parts[0] == wrapper):
            fits[item.path] = _fit(parts[1:], specific, context)
            if fits[item.path] is not None:
                groups.add(parts[0])
    sections = set()
    for first in firsts:
        inside = [PurePosixPath(p).parts[1:] for p in paths if PurePosixPath(p).parts[0] == first]
        with_notebooks = {rest[0] for rest in inside if len(rest) >= 2 and submissions.is_notebook_name(rest[-1])}
        if all(len(rest) >= 2 for rest in inside) and (first == wrapper or len(with_notebooks) >= 2):
            (groups if first == wrapper else sections).add(first)
    placed = []
    for item in items:
        parts = PurePosixPath(item.path).parts
        course_folder = next((p for i, p in enumerate(parts[:-2]) if p in COURSE_FOLDERS
                              and submissions.key(parts[i + 1]) in context["assignments"]), None)
        if course_folder or (len(parts) <= 2 and parts[-1] in COURSE_FILES):
            result.unused.append(Submission("", "", "", status=STRAY, notes=[
                f"{item.path}: part of an nbgrader course directory ({course_folder or parts[-1]}), not a student's: skipped"]))
            continue
        found = fits[item.path]
        if found is None and student_folder in rules:
            found = student_folder(parts[1:] if parts[0] in groups | sections else parts, context)
            if found is not None and parts[0] in sections:
                found.system = f"a folder per student, inside {parts[0]}/"
        if item.path.lower().endswith(".zip") and depth < MAX_NESTING:
            student_zip = found is not None and (not _archive_of_submissions(parts)
                                                 or _fit(parts[-1:], specific, context) is not None)
            if student_zip and _archive_of_submissions(parts):
                found = _fit(parts[-1:], specific, context)
            expanded = _expand(item, found if student_zip else None, rules, context, result, archives, temporary, depth)
            if expanded is not None:
                placed += expanded
                continue
            if found is not None:
                result.said.setdefault(found.student_id, []).append(f"{found.inner}: not a zip that can be opened")
        if found is None:
            why = ("the LMS's index of the download (Brightspace writes one): not graded" if parts[-1] == "index.html"
                   and len(parts) <= 2 else "no student in its path: it does not match --pattern"
                   if student_folder not in rules else
                   "no student in its path (a format the grader does not know? see --pattern)")
            result.unused.append(Submission("", "", "", status=STRAY, notes=[f"{item.path}: {why}"]))
            continue
        placed.append((found, item))
    return placed


def _expand(item, found, rules, context, result, archives, temporary, depth):
    """The placed entries of a zip inside the download, or None when it cannot be opened. ``found``: the
    student whose own zip it is (its entries go into their folder, zips in it opened too); None: an
    archive of submissions, placed like a download of its own."""
    inner = _open_nested(item, archives, temporary)
    if inner is None:
        return None
    inside = [i for i in _zip_items(inner) if not _skipped(i.path)]
    if found is None:
        return _place(inside, rules, context, result, archives, temporary, depth + 1)
    folder = re.sub(r"\.zip$", "", found.inner, flags=re.IGNORECASE)
    placed = []
    for entry in inside:
        mine = Found(found.student_id, f"{folder}/{entry.path}", found.system, found.name, found.late, found.attempt)
        nested = (_expand(entry, mine, rules, context, result, archives, temporary, depth + 1)
                  if entry.path.lower().endswith(".zip") and depth + 1 < MAX_NESTING else None)
        placed += nested if nested is not None else [(mine, entry)]
    return placed


def _archive_of_submissions(parts):
    """nbgrader's zip_collect keeps the LMS's archives in ``downloaded/<assignment>/archive/``."""
    return len(parts) >= 3 and parts[-2] == "archive" and "downloaded" in parts[:-2]


def _report_aside(path, why, rules, context, target, result, shown=None):
    """A file or link that is not unpacked, named in its student's row (the student gets a folder, so a
    row, even when nothing else of theirs is there); a row of its own when no student is in its path."""
    parts = PurePosixPath(path).parts
    found = _fit(parts, rules, context) or (Found(parts[0], parts[0], "a folder per student") if len(parts) == 1
                                           and why.startswith("a link") and _acceptable(parts[0]) else None)
    if found is None or not _acceptable(found.student_id):
        result.unused.append(Submission("", "", "", status=STRAY, notes=[f"{shown or path}: {why}"]))
        return
    folder = next((f for f, s in result.students.items() if s == found.student_id), safe_folder(found.student_id))
    result.students.setdefault(folder, found.student_id)
    (target / folder).mkdir(parents=True, exist_ok=True)
    result.said.setdefault(found.student_id, []).append(f"{shown or found.inner or path} ({why})")


def whose(path, assignments, notebooks, pattern=None):
    """The ``Found`` for one path on its own (no wrapper or GitHub Classroom slug from other paths), or None."""
    rules = ([user_pattern(pattern)] if pattern else []) + [rule for rule, _ in FORMATS]
    context = {"assignments": {submissions.key(a) for a in assignments}, "notebooks": list(notebooks), "depth": 0,
               "classroom_slug": None}
    return _fit(PurePosixPath(path).parts, rules, context)


def _fit(parts, rules, context):
    if not parts:
        return None
    for rule in rules:
        found = rule(parts, context)
        if found is not None:
            return found
    return None


def _open_nested(item, archives, temporary):
    """A zip inside the download, opened from a temporary copy, or None when it is not a zip."""
    if item.size > MAX_TOTAL_BYTES:
        return None
    path = os.path.join(temporary, f"{len(archives)}.zip")
    with item.open() as source, open(path, "wb") as out:
        shutil.copyfileobj(source, out)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return None
    archives.append(archive)
    return archive


def _write(placed, target, result, source):
    """Write the placed files; of one student's attempts only the latest; of two files on one path the
    later; report the others."""
    by_student = {}
    for found, item in placed:
        by_student.setdefault(found.student_id, []).append((found, item))
    total, where = 0, os.path.basename(str(source))
    for student_id, entries in sorted(by_student.items()):
        if not _acceptable(student_id):
            for found, item in entries:
                result.unused.append(Submission("", "", "", status=STRAY, notes=[
                    f"{item.path} (in {where}): the student id {student_id!r} is not a plain name"]))
            continue
        folder = safe_folder(student_id)
        while folder in result.students and result.students[folder] != student_id:
            folder += "~"
        attempts = sorted({f.attempt for f, _ in entries if f.attempt})
        latest = attempts[-1] if attempts and entries[0][0].system in ATTEMPTS else None
        chosen = {}
        for found, item in sorted(entries, key=lambda e: (e[0].attempt, e[1].path)):
            if found.inner is None:  # the system's own record (a receipt, a timestamp): its attempt is noted
                continue
            if latest is not None and found.attempt != latest:
                if _record(found):  # the record of an attempt not graded
                    continue
                result.unused.append(Submission(student_id, "", "", status=status.SUPERSEDED, notes=[
                    f"{item.path} (in {where}): attempt {found.attempt}, not the latest ({latest})"]))
                continue
            if found.inner in chosen:
                result.unused.append(Submission(student_id, "", "", status=status.SUPERSEDED, notes=[
                    f"{chosen[found.inner][1].path} (in {where}) was replaced by {item.path}, later"]))
            chosen[found.inner] = (found, item)
        result.students[folder] = student_id
        said = _describe(entries[0][0].system, [f for f, _ in entries], [f for f, _ in chosen.values()])
        if said:
            result.said[student_id] = [said] + result.said.get(student_id, [])
        for inner, (found, item) in chosen.items():
            inner_parts = PurePosixPath(inner).parts
            if not inner_parts or any(p in ("..", "") for p in inner_parts) or inner.startswith("/"):
                result.unused.append(Submission(student_id, "", "", status=STRAY, notes=[
                    f"{item.path} (in {where}): an unsafe path, not unpacked"]))
                continue
            record = _record(found)
            if record:  # kept for nbgrader, checked by intake; never one of the student's files
                with item.open() as data:
                    text = data.read(submissions.MAX_RECORD_BYTES + 1).decode("utf-8", errors="replace")
                top = PurePosixPath(found.inner).parent.as_posix()
                mine = result.records.setdefault(folder, {}).setdefault(submissions.key(found.assignment), {})
                mine.update({"folder": "" if top == "." else top, record: text})
                continue
            total += item.size
            if item.size > MAX_ENTRY_BYTES or total > MAX_TOTAL_BYTES:
                result.unused.append(Submission(student_id, "", "", status=submissions.INVALID, notes=[
                    f"{item.path} (in {where}) is larger than {MAX_ENTRY_BYTES >> 20} MiB (or the download than "
                    f"{MAX_TOTAL_BYTES >> 30} GiB): not unpacked"]))
                continue
            destination = target.joinpath(folder, *inner_parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with item.open() as data, open(destination, "wb") as out:
                shutil.copyfileobj(data, out)
            os.utime(destination, (item.mtime, item.mtime))  # "the newest" among candidates is the system's
