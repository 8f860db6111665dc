"""Identity only from where the LMS put it (``autograder/intake/lms.py``, ``_Layout``): for every layout the
README lists, a student who plants, inside their own files, a classmate's submission (in the download's
layout, in a zip, where nbgrader's ``zip_collect`` keeps archives, in another layout, one folder down and
three) or the name of someone who handed in nothing never names a student: the classmate's notebook is
the classmate's own, no student is made up, and the planter's row says what was found. Intake only: fast.
"""
import io
import zipfile
from dataclasses import dataclass

import nbformat
import pytest

from autograder.engine.grading import load_sources
from download_rows import ready as _ready, rows_of as _rows, text as _text, zip_bytes as _zip

pytestmark = pytest.mark.fast  # in-process, no grading run: `make test-fast`

A = "lab3_optimizers"
NB = f"{A}.ipynb"
PEOPLE = {"alice": ("20240001", "Alice Kim"), "bob": ("20240002", "Bob Lee"), "carol": ("20240003", "Carol Park"),
          "dave": ("20240004", "Dave Choi"), "zed": ("20249999", "Zed Nobody")}  # zed hands in nothing
MARK = "PLANTED-BY-ALICE"


def _book(marker):
    """A small valid notebook that says whose it is."""
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(marker)]))


BOOKS = {p: _book(f"the work of {p}") for p in PEOPLE}
PLANTED = _book(MARK)  # what alice plants: found nowhere but in her own folder


def _id(p):
    return PEOPLE[p][0]


def _name(p):
    return PEOPLE[p][1]


@dataclass
class Layout:
    """One layout of the README: ``folder(p)``, the folder of student p in the download (folder layouts),
    with their notebook at ``own`` inside it; or ``file(p, name)``, the download's name for p's file
    ``name`` (flat layouts); ``key(p)``: the student id the rows use."""
    name: str
    key: object = _id
    folder: object = None
    own: str = NB
    file: object = None
    people: tuple = ("alice", "bob", "carol")

    def path(self, p, name=NB):
        """Where the layout puts p's notebook (or file ``name``) in the download."""
        return f"{self.folder(p)}/{self.own}" if self.folder else self.file(p, name)

    def download(self, plants, alone=False):
        """The download's entries: every student's notebook, and ``plants`` ({path inside alice's files:
        data}) in alice's files (``alone``: instead of her notebook). In a flat layout, alice's files are her
        uploads: a plant in a folder goes into her zip ``work.zip``."""
        entries = {self.path(p): BOOKS[p] for p in self.people if not (alone and p == "alice")}
        flat, nested = {}, {}
        for inner, data in plants.items():
            if self.folder:
                entries[f"{self.folder('alice')}/{inner}"] = data
            elif "/" in inner:
                nested[inner] = data
            else:
                flat[inner] = data
        for name, data in flat.items():
            entries[self.file("alice", name)] = data
        if nested:
            entries[self.file("alice", "work.zip")] = _zip(nested)
        return entries


D2L_TIME = {"alice": "Nov 3, 2026 820 AM", "bob": "Nov 3, 2026 821 AM", "carol": "Nov 3, 2026 822 AM",
            "dave": "Nov 3, 2026 823 AM", "zed": "Nov 3, 2026 824 AM"}
N = {p: i + 1 for i, p in enumerate(PEOPLE)}
LAYOUTS = [
    Layout("Moodle folders", folder=lambda p: f"{_name(p)}_{_id(p)}_assignsubmission_file"),
    Layout("Moodle flat", file=lambda p, n: f"{_name(p)}_{_id(p)}_assignsubmission_file_{n}"),
    Layout("nbgrader exchange", folder=lambda p: f"{_id(p)}+{A}+2026-11-03 09:00:0{N[p]}.000000 UTC"),
    Layout("GitHub Classroom", folder=lambda p: f"lab3-optimizers-submissions/lab3-optimizers-{_id(p)}"),
    Layout("nbgrader collect", folder=_id, own=f"{A}/{NB}"),
    Layout("folder per assignment", folder=lambda p: f"{A}/{_id(p)}"),
    Layout("Blackboard", file=lambda p, n: f"Lab3_{_id(p)}_attempt_2026-11-03-08-00-0{N[p]}_{n}"),
    Layout("Canvas", file=lambda p, n: f"{p}{_name(p).split()[1].lower()}_{_id(p)}_90000{N[p]}_{n}"),
    Layout("Brightspace folders", key=_name, folder=lambda p: f"{N[p]}-{N[p]} - {_name(p)} - {D2L_TIME[p]}"),
    Layout("Brightspace flat", key=_name, file=lambda p, n: f"{N[p]}-{N[p]} - {_name(p)} - {D2L_TIME[p]} - {n}"),
    Layout("folder per student", folder=lambda p: _id(p)),
    Layout("inside a wrapper folder", folder=lambda p: f"download/{_id(p)}"),
    Layout("inside sections", folder=lambda p: f"section{1 if p in ('alice', 'carol') else 2}/{_id(p)}",
           people=("alice", "bob", "carol", "dave")),
]
BY_NAME = {layout.name: layout for layout in LAYOUTS}


def _other(kind, p, key):
    """A path of another layout naming student p (``key``: p's id in the download's rows), or None when that
    layout cannot write that id."""
    number = key.isdigit()
    return {
        "nbgrader collect": f"{key}/{A}/{NB}",
        "nbgrader exchange": f"{key}+{A}+2026-11-09 09:00:00.000000 UTC/{NB}",
        "Moodle": f"{_name(p)}_{key}_assignsubmission_file/{NB}" if number else f"{key}_assignsubmission_file/{NB}",
        "Moodle flat": f"{_name(p)}_{key}_assignsubmission_file_{NB}" if number else f"{key}_assignsubmission_file_{NB}",
        "Canvas": f"{p}{_name(p).split()[1].lower()}_{key}_900099_{NB}" if number else None,
        "Blackboard": f"Lab3_{key}_attempt_2026-11-09-08-00-00_{NB}",
        "Brightspace": f"9-9 - {_name(p)} - Nov 9, 2026 820 AM/{NB}",
        "student number": f"{key}_{NB}" if number else None,
        "folder per student": f"{key}/{NB}",
        "folder per assignment": f"{A}/{key}/{NB}",
    }[kind]


OTHERS = ["nbgrader collect", "nbgrader exchange", "Moodle", "Moodle flat", "Canvas", "Blackboard", "Brightspace",
          "student number", "folder per student", "folder per assignment"]


def _plants(layout):
    """{case: (plants inside alice's files, naming bob; alice hands in nothing else)}."""
    bob = layout.path("bob")
    cases = {
        "a classmate's submission in this layout": ({bob: PLANTED}, False),
        "only a classmate's submission in this layout": ({bob: PLANTED}, True),
        "a zip of a classmate's submission": ({"classmates.zip": _zip({bob: PLANTED})}, False),
        "a zip where zip_collect keeps archives": (
            {f"downloaded/{A}/archive/classmates.zip": _zip({bob: PLANTED})}, False),
    }
    if layout.folder and "/" in layout.folder("bob"):  # bob's own folder alone, without the system's above it
        cases["a classmate's folder in this layout"] = ({f"{layout.folder('bob').split('/')[-1]}/{layout.own}": PLANTED},
                                                        False)
    for kind in OTHERS:
        path = _other(kind, "bob", layout.key("bob"))
        if path is not None:
            cases[f"{kind}, one folder down and three"] = ({path: PLANTED, f"x/y/{path}": PLANTED}, False)
    return cases


CASES = [(layout.name, case) for layout in LAYOUTS for case in _plants(layout)]


@pytest.fixture(scope="module")
def sources():
    return load_sources()


def _unpacked(tmp_path, row):
    return tmp_path / "course" / "lms_unpacked" / row.student_id


def _check(tmp_path, layout, rows, planter_says):
    """The classmates' notebooks are their own, nothing planted reached their folders, no student was made
    up, and alice's row says what was found."""
    assert set(rows) == {layout.key(p) for p in layout.people}, {s: [_text(r) for r in rs] for s, rs in rows.items()}
    for p in layout.people:
        if p == "alice":
            continue
        row = _ready(rows, layout.key(p))
        assert row.path.read_text() == BOOKS[p]
        assert not [f for f in _unpacked(tmp_path, row).rglob("*") if f.is_file() and MARK.encode() in f.read_bytes()]
    said = " ".join(_text(r) for r in rows[layout.key("alice")])
    assert planter_says in said, said


@pytest.mark.parametrize("layout, case", CASES, ids=[f"{layout}: {case}" for layout, case in CASES])
def test_a_planted_classmates_submission_stays_the_planters(tmp_path, sources, layout, case):
    layout = BY_NAME[layout]
    plants, alone = _plants(layout)[case]
    archive = tmp_path / "download.zip"
    archive.write_bytes(_zip(layout.download(plants, alone)))
    rows = _rows(tmp_path, archive, sources)
    _check(tmp_path, layout, rows, f"a path inside {layout.key('alice')}'s files names another student")


@pytest.mark.parametrize("layout", [layout.name for layout in LAYOUTS])
def test_a_planted_name_of_someone_who_handed_in_nothing_makes_no_student(tmp_path, sources, layout):
    """zed handed in nothing: alice's files name zed in this layout (where it can) and in layouts whose names
    are a system's (the exchange's, Moodle's, Blackboard's): zed gets no row, alice's row names them."""
    layout = BY_NAME[layout]
    plants = {f"nobody/{_other(kind, 'zed', layout.key('zed'))}": PLANTED
              for kind in ("nbgrader exchange", "Moodle", "Blackboard")}
    if layout.name not in ("folder per student", "inside a wrapper folder", "inside sections", "folder per assignment"):
        plants[layout.path("zed")] = PLANTED  # a folder of the student's name alone is just a folder: not said
    archive = tmp_path / "download.zip"
    archive.write_bytes(_zip(layout.download(plants)))
    rows = _rows(tmp_path, archive, sources)
    _check(tmp_path, layout, rows, "names another student")
    said = " ".join(_text(r) for r in rows[layout.key("alice")])
    assert layout.key("zed") in said or _name("zed") in said


def test_the_examples_of_the_issue(tmp_path, sources):
    """Canvas's name one folder down, two classmates' folders that looked like a section, an archive where
    zip_collect keeps them, a Brightspace folder holding a Moodle folder, a Blackboard name inside a
    Blackboard name, and an empty folder, a link and a hidden notebook named like other students."""
    entries = {
        f"alice/{NB}": BOOKS["alice"], f"alice/x/bob_123_456_{NB}": PLANTED,
        f"bob/{NB}": BOOKS["bob"], f"carol/{NB}": BOOKS["carol"],
        f"dave/bob/{NB}": PLANTED, f"dave/carol/{NB}": PLANTED,              # dave's folder: no file of his own
        f"erin/{A}/{NB}": BOOKS["alice"],
        f"erin/downloaded/{A}/archive/x.zip": _zip({f"Lab3_bob_attempt_2026-11-03-10-00-00_{NB}": PLANTED}),
        "erin/Zed_999_assignsubmission_file/": b"", "erin/zed+lab3_optimizers+2026-11-03/.hidden.ipynb": PLANTED,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    (tmp_path / "d.zip").write_bytes(buffer.getvalue())
    rows = _rows(tmp_path, tmp_path / "d.zip", sources)
    assert set(rows) == {"alice", "bob", "carol", "dave", "erin"}
    for student in ("bob", "carol"):
        assert _ready(rows, student).path.read_text() == BOOKS[student]
    assert "alice/x/bob_123_456_lab3_optimizers.ipynb: a path inside alice's files names another student (Canvas: 123)" \
        in _text(_ready(rows, "alice"))
    assert "dave/bob/…: a path inside dave's files names another student" in _text(_ready(rows, "dave"))
    erin = _text(_ready(rows, "erin"))
    assert "(Blackboard: bob): kept as erin's" in erin and "(Moodle: 999)" in erin and "(nbgrader exchange: zed)" in erin

    d2l = {f"1-1 - Alice Kim - Nov 3, 2026 820 AM/Bob Lee_assignsubmission_file/{NB}": PLANTED,
           f"1-1 - Alice Kim - Nov 3, 2026 820 AM/{NB}": BOOKS["alice"],
           f"2-2 - Bob Lee - Nov 3, 2026 821 AM/{NB}": BOOKS["bob"],
           f"Lab3_carol_attempt_2026-11-03-08-00-00_Lab3_dave_attempt_2026-11-09-08-00-00_{NB}": PLANTED,
           f"Lab3_dave_attempt_2026-11-03-08-00-00_{NB}": BOOKS["dave"]}
    (tmp_path / "c2").mkdir()
    (tmp_path / "d2.zip").write_bytes(_zip(d2l))
    rows = _rows(tmp_path / "c2", tmp_path / "d2.zip", sources)
    assert set(rows) == {"Alice Kim", "Bob Lee", "carol", "dave"}
    assert _ready(rows, "Bob Lee").path.read_text() == BOOKS["bob"]
    assert _ready(rows, "dave").path.read_text() == BOOKS["dave"]
    assert "(Blackboard: dave): kept as carol's" in _text(_ready(rows, "carol"))


def test_a_student_number_names_one_student_only(tmp_path, sources):
    """A folder of notebooks named with student numbers (no system names them: the name is the student's):
    a notebook named with two numbers names nobody and says so; the classmate's is untouched."""
    entries = {f"20240001_20240002_{NB}": PLANTED, f"20240002_{NB}": BOOKS["bob"], f"20240001_{NB}": BOOKS["alice"]}
    (tmp_path / "d.zip").write_bytes(_zip(entries))
    rows = _rows(tmp_path, tmp_path / "d.zip", sources)
    assert set(rows) == {"20240001", "20240002", ""}
    assert _ready(rows, "20240002").path.read_text() == BOOKS["bob"]
    assert f"20240001_20240002_{NB}: no student in its path" in _text(rows[""][0])


def test_a_students_folder_shaped_like_a_course_directory_makes_no_student(tmp_path, sources):
    """Second breaker round: alice's folder holds a gradebook.db and <student>/<assignment>/ folders, as an
    nbgrader course directory does; beside bob's and carol's folders it is hers (zed is made up by no one)."""
    for variant, extra in (("gradebook", {"alice/gradebook.db": b""}),
                           ("source", {f"alice/source/{A}/{NB}": PLANTED})):
        entries = {f"bob/{NB}": BOOKS["bob"], f"carol/{NB}": BOOKS["carol"], f"alice/alice/{A}/{NB}": BOOKS["alice"],
                   f"alice/zed/{A}/{NB}": PLANTED, f"alice/Bob/{A}/{NB}": PLANTED, f"alice/submitted/bob/{A}/{NB}": PLANTED,
                   **extra}
        (tmp_path / variant).mkdir()
        (tmp_path / variant / "d.zip").write_bytes(_zip(entries))
        rows = _rows(tmp_path / variant, tmp_path / variant / "d.zip", sources)
        assert set(rows) == {"alice", "bob", "carol"}, (variant, set(rows))
        assert _ready(rows, "bob").path.read_text() == BOOKS["bob"]
        assert "names another student" in " ".join(_text(r) for r in rows["alice"]), variant


def test_a_blackboard_receipts_comment_never_names_the_student(tmp_path, sources):
    """Second breaker round: ali_bob's display name holds parentheses and her comment ends in '(bob)'; the
    receipt's first line names her, whatever she wrote below it."""
    def receipt(shown, user, comment):
        return f"Name: {shown} ({user})\nAssignment: Lab 3\nDate Submitted: x\n\nComments:\n{comment}\n"
    entries = {f"Lab 3_bob_attempt_2026-11-03-08-00-01_{NB}": BOOKS["bob"],
               "Lab 3_bob_attempt_2026-11-03-08-00-01.txt": receipt("Bob Lee", "bob", "none"),
               f"Lab 3_carol_attempt_2026-11-03-08-00-02_{NB}": BOOKS["carol"],
               "Lab 3_carol_attempt_2026-11-03-08-00-02.txt": receipt("Carol Park", "carol", "none"),
               f"Lab 3_ali_bob_attempt_2026-11-03-09-00-00_{NB}": PLANTED,
               "Lab 3_ali_bob_attempt_2026-11-03-09-00-00.txt": receipt("Alice (Ali) Kim", "ali_bob",
                                                                        "Note to grader: please see (bob)")}
    (tmp_path / "d.zip").write_bytes(_zip(entries))
    rows = _rows(tmp_path, tmp_path / "d.zip", sources)
    assert set(rows) == {"ali_bob", "bob", "carol"}
    assert _ready(rows, "bob").path.read_text() == BOOKS["bob"]
    assert _ready(rows, "ali_bob").path.read_text() == PLANTED


def test_sections_of_one_student_are_sections(tmp_path, sources):
    """An honest download in sections, one of which has a single student: three students, not two."""
    entries = {f"sec1/alice/{NB}": BOOKS["alice"], f"sec1/bob/{NB}": BOOKS["bob"], f"sec2/carol/{NB}": BOOKS["carol"]}
    (tmp_path / "d.zip").write_bytes(_zip(entries))
    rows = _rows(tmp_path, tmp_path / "d.zip", sources)
    assert set(rows) == {"alice", "bob", "carol"}
    assert _ready(rows, "carol").path.read_text() == BOOKS["carol"]


def test_one_student_with_two_subfolders_makes_no_sections(tmp_path, sources):
    """alice has two folders with notebooks, each classmate one: their folders stay students."""
    entries = {f"alice/v1/{NB}": PLANTED, f"alice/v2/{NB}": BOOKS["alice"], f"bob/work/{NB}": BOOKS["bob"],
               f"carol/lab/{NB}": BOOKS["carol"], f"dave/x/{NB}": BOOKS["dave"]}
    (tmp_path / "d.zip").write_bytes(_zip(entries))
    rows = _rows(tmp_path, tmp_path / "d.zip", sources)
    assert set(rows) == {"alice", "bob", "carol", "dave"}
    assert _ready(rows, "bob").path.read_text() == BOOKS["bob"]


def test_names_longer_than_a_file_system_allows_cost_no_square_time(tmp_path, sources):
    """Second breaker round: rule regexes on a 60,000-character name took time quadratic in it; such a name
    names nobody (no file system holds it) and the download is read in about the time of a plain one."""
    import time
    long_names = {f"{i}1-1 - " + " -" * 30_000: b"" for i in range(4)}
    entries = {f"alice/{NB}": BOOKS["alice"], f"bob/{NB}": BOOKS["bob"],
               "alice/work.zip": _zip({"inner.zip": _zip(long_names)})}
    (tmp_path / "d.zip").write_bytes(_zip(entries))
    started = time.process_time()
    rows = _rows(tmp_path, tmp_path / "d.zip", sources)
    assert time.process_time() - started < 30  # before: hours of CPU for names like these (a bound, not a speed)
    assert set(rows) == {"alice", "bob"} and _ready(rows, "bob").path.read_text() == BOOKS["bob"]


def test_bzip2_entries_are_refused_before_they_expand(tmp_path, sources):
    """Second breaker round: a 785-byte bzip2 entry stating 1,000 bytes expanded to 2 GB in memory (zipfile
    bounds no bzip2 or LZMA read); such entries are refused with a row, the classmate keeps their notebook."""
    import resource
    import struct
    import zlib
    import bz2
    compressor, zeros, data, crc = bz2.BZ2Compressor(9), b"\0" * (64 << 20), b"", 0
    for _ in range(4):  # 256 MiB of zeros in a few hundred bytes
        data += compressor.compress(zeros)
        crc = zlib.crc32(zeros, crc)
    data += compressor.flush()
    name = f"x_{NB}".encode()
    local = struct.pack("<4sHHHHHIIIHH", b"PK\3\4", 46, 0, 12, 0, 0x21, crc, len(data), 1000, len(name), 0) + name
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\1\2", 46, 46, 0, 12, 0, 0x21, crc, len(data), 1000, len(name),
                          0, 0, 0, 0, 0, 0) + name
    bomb = local + data + central + struct.pack("<4sHHHHIIH", b"PK\5\6", 0, 0, 1, 1, len(central), len(local + data), 0)
    entries = {f"bob/{NB}": BOOKS["bob"], f"alice/{NB}": BOOKS["alice"], "alice/work.zip": bomb}
    (tmp_path / "d.zip").write_bytes(_zip(entries))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = _rows(tmp_path, tmp_path / "d.zip", sources)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, grown_mb  # the 256 MiB never exist
    assert _ready(rows, "bob").path.read_text() == BOOKS["bob"]
    assert "bzip2" in " ".join(_text(r) for r in rows["alice"])
