"""Downloads as the systems really write them (``autograder/intake/lms.py``): every student kept apart on the
system's stable id, none invented or refused, the attempt graded and what the system says in the row.

Archives are built here, imitating each system's naming as its source code or documentation writes it
(Moodle's mod/assign downloader, Canvas's content zipper, Blackboard's attempt files and receipts,
Brightspace's submission folders, GitHub Classroom's repositories, nbgrader's collect and zip_collect).
Most tests stop before nbgrader (intake only: fast); one grades a mixed download for real.
"""
import csv
import io
import os
import struct
import threading
import zipfile
import zlib

import nbformat
import pytest

import catalogue
from autograder.intake import submissions, lms
from autograder.authoring import samples
from autograder.engine.grading import grade, load_sources
from autograder.report.csv_cells import read_rows
from download_rows import ready as _ready, rows_of as _rows, text as _text, zip_bytes as _nested

A = "lab3_optimizers"
RIGHT = f'{catalogue.points(A)[1]:g}'  # a right answer's score, as the CSV writes it
ASSIGNMENTS = ["lab2_forward_backward", "lab3_optimizers", "lab4_regularization"]


@pytest.fixture(scope="module")
def books(release_nb, solution_nb):
    """The notebooks students hand in, as text: right, blank (the release), and from scratch."""
    return {"right": nbformat.writes(samples.answered(release_nb, solution_nb)), "blank": nbformat.writes(release_nb)}


@pytest.fixture(scope="module")
def sources():
    return load_sources()


class _UnflaggedName(zipfile.ZipInfo):
    """An entry whose UTF-8 name is written without the zip's UTF-8 flag (bit 11), as Moodle and
    Brightspace write theirs."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("utf-8"), self.flag_bits & ~0x800


def _zip(path, entries, utf8_flag=True):
    """A zip with ``entries`` {name: text or bytes}; ``utf8_flag=False``: names without the UTF-8 flag."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr((zipfile.ZipInfo if utf8_flag else _UnflaggedName)(name, (2026, 11, 3, 10, 0, 0)), data)
    return path


def test_moodle_3_and_4_folders_and_flat_with_two_students_of_one_name(tmp_path, sources, books):
    archive = _zip(tmp_path / "CS101-Lab 3-1234.zip", {
        "Kim Minsu_482913_assignsubmission_file_/lab3_optimizers.ipynb": books["right"],        # 3.x
        "Kim Minsu_482914_assignsubmission_file/Lab3_Optimizers (1).ipynb": books["blank"],      # 4.1+, same name
        "김민지_482915_assignsubmission_file/lab3_optimizers.ipynb": books["right"],
        "김민지_482915_assignsubmission_onlinetext/onlinetext.html": "<p>done</p>",
        "Lee Jia_482916_assignsubmission_file_lab3_optimizers.ipynb": books["right"],            # flat
        "Participant_482917_assignsubmission_file/homework.ipynb": books["right"],               # blind marking
    }, utf8_flag=False)
    rows = _rows(tmp_path, archive, sources)
    assert set(rows) == {"482913", "482914", "482915", "482916", "482917"}
    assert "Moodle: Kim Minsu" in _text(_ready(rows, "482913")) and "Moodle: Kim Minsu" in _text(_ready(rows, "482914"))
    assert _ready(rows, "482913").path.read_text() == books["right"] and \
        _ready(rows, "482914").path.read_text() == books["blank"]   # never merged, never swapped
    assert "Moodle: 김민지" in _text(_ready(rows, "482915")) and "onlinetext.html" in _text(_ready(rows, "482915"))
    assert "Moodle: Participant" in _text(_ready(rows, "482917"))


def test_canvas_keys_on_the_user_id_and_keeps_late_anonymous_and_groups(tmp_path, sources, books):
    archive = _zip(tmp_path / "submissions.zip", {
        "kimminsu_123456_987654_lab3_optimizers.ipynb": books["right"],
        "kimminsu_123457_987655_lab3_optimizers.ipynb": books["blank"],              # another Kim Minsu
        "김민지_LATE_123458_987656_lab3_optimizers-1.ipynb": books["right"],          # late, renamed by Canvas
        "anon_Ab3dE_987657_lab3_optimizers.ipynb": books["right"],                   # anonymous grading
        "teamrocket_123460_987659_lab3_optimizers.ipynb": books["right"],            # a group's representative
        "leejia_123461_text.html": "<p>see my notebook</p>",                          # a text entry
    })
    rows = _rows(tmp_path, archive, sources)
    assert set(rows) == {"123456", "123457", "123458", "anon_Ab3dE", "123460", "123461"}
    assert _ready(rows, "123456").path.read_text() == books["right"]
    assert _ready(rows, "123457").path.read_text() == books["blank"]
    assert "Canvas: 김민지, LATE" in _text(_ready(rows, "123458"))
    assert "Canvas: kimminsu" in _text(_ready(rows, "123456")) and "LATE" not in _text(_ready(rows, "123456"))
    [text_only] = rows["123461"]
    assert text_only.status == submissions.MISSING and "text.html" in _text(text_only)


def test_blackboard_grades_the_latest_attempt_and_reads_the_receipts(tmp_path, sources, books):
    archive = _zip(tmp_path / "gradebook_CS101_Lab3_2026-11-03-09-03-11.zip", {
        "Lab3_jdoe3_attempt_2026-11-02-23-59-10.txt": "Name: Jane Doe (jdoe3)\n",
        "Lab3_jdoe3_attempt_2026-11-02-23-59-10_lab3_optimizers.ipynb": books["blank"],
        "Lab3_jdoe3_attempt_2026-11-03-08-12-44.txt": "Name: Jane Doe (jdoe3)\n",
        "Lab3_jdoe3_attempt_2026-11-03-08-12-44_lab3_optimizers.ipynb": books["right"],
        "과제3_2023123456_attempt_2026-11-03-00-12-44_lab3_optimizers.ipynb": books["right"],
    })
    rows = _rows(tmp_path, archive, sources)
    ready = _ready(rows, "jdoe3")
    assert ready.path.read_text() == books["right"]
    assert "Blackboard" in _text(ready) and "attempt 2026-11-03-08-12-44 graded (the latest of 2)" in _text(ready)
    [older] = [r for r in rows["jdoe3"] if r.status == "superseded"]
    assert "2026-11-02-23-59-10" in _text(older)
    assert _ready(rows, "2023123456").path.read_text() == books["right"]


def test_brightspace_folders_and_flat_files_keep_the_latest_submission(tmp_path, sources, books):
    archive = _zip(tmp_path / "Lab 3 Download Nov 3, 2026 903 AM.zip", {
        "index.html": "<table></table>",
        "123456-789012 - Jane Doe - Nov 2, 2026 1159 PM - lab3_optimizers.ipynb": books["blank"],
        "123458-789014 - Jane Doe - Nov 3, 2026 820 AM/lab3_optimizers.ipynb": books["right"],
        "123457-789013 - 김민지 - Nov 3, 2026 12:01 AM/Lab3.ipynb": books["right"],
    }, utf8_flag=False)
    rows = _rows(tmp_path, archive, sources)
    assert _ready(rows, "Jane Doe").path.read_text() == books["right"]
    assert "matched by name" in _text(_ready(rows, "Jane Doe")) and "the latest of 2" in _text(_ready(rows, "Jane Doe"))
    assert _ready(rows, "김민지").path.read_text() == books["right"]
    [index] = rows[""]
    assert index.status == submissions.STRAY and "index.html: the LMS's index of the download" in _text(index)


def test_github_classroom_clones_zipped_or_as_folders(tmp_path, sources, books):
    entries = {
        "lab3-optimizers-submissions/lab3-optimizers-octocat/lab3_optimizers.ipynb": books["right"],
        "lab3-optimizers-submissions/lab3-optimizers-octocat/.git/HEAD": "ref: refs/heads/main\n",
        "lab3-optimizers-submissions/lab3-optimizers-kim-minsu/lab3_optimizers.ipynb": books["blank"],
        "lab3-optimizers-submissions/lab3-optimizers-kim-minsu/README.md": "# Lab 3",
    }
    rows = _rows(tmp_path, _zip(tmp_path / "clones.zip", entries), sources)
    assert set(rows) == {"octocat", "kim-minsu"}
    folder = tmp_path / "clones"
    for name, data in entries.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(data)
    rows = _rows(tmp_path, folder / "lab3-optimizers-submissions", sources)
    assert set(rows) == {"octocat", "kim-minsu"}
    assert "README.md" in _text(_ready(rows, "kim-minsu"))


def test_nbgrader_collect_and_zip_collect(tmp_path, sources, books):
    archive = _zip(tmp_path / "course.ZIP", {                                     # an upper-case extension
        "course/source/lab3_optimizers/lab3_optimizers.ipynb": books["right"],      # the instructor's: skipped
        "course/release/lab3_optimizers/lab3_optimizers.ipynb": books["blank"],
        "course/gradebook.db": "",
        "course/submitted/bitdiddle/lab3_optimizers/lab3_optimizers.ipynb": books["right"],
        "course/submitted/bitdiddle/lab3_optimizers/timestamp.txt": "2026-11-03 09:00:00.000000 UTC",
        "course/submitted/김민지/lab3_optimizers/lab3_optimizers.ipynb": books["right"],
        "course/downloaded/lab3_optimizers/archive/notebooks.zip": _nested({  # zip_collect's archive
            "lab3_hacker_attempt_2026-11-03-10-00-00_lab3_optimizers.ipynb": books["right"],
        }),
    })
    rows = _rows(tmp_path, archive, sources)
    assert set(rows) == {"bitdiddle", "김민지", "hacker", ""}
    assert all(r.status == submissions.STRAY and "nbgrader course directory" in _text(r) for r in rows[""])
    assert {n.split(":")[0] for r in rows[""] for n in r.notes} == {
        "course/source/lab3_optimizers/lab3_optimizers.ipynb", "course/release/lab3_optimizers/lab3_optimizers.ipynb",
        "course/gradebook.db"}
    assert "timestamp.txt" not in _text(_ready(rows, "bitdiddle"))    # nbgrader's own record, read as such


def test_a_students_own_zip_is_opened_in_their_folder(tmp_path, sources, books):
    archive = _zip(tmp_path / "moodle.zip", {
        "Kim Minsu_482913_assignsubmission_file/lab3.zip": _nested({"lab3/lab3_optimizers.ipynb": books["right"],
                                                                   "lab3/my_optim.py": "x = 1\n"}),
    })
    row = _ready(_rows(tmp_path, archive, sources), "482913")
    assert row.path.read_text() == books["right"] and "my_optim.py" in _text(row)


def test_no_student_is_invented_from_a_word(tmp_path, sources, books):
    """A Google Drive folder: student-chosen names. A student number is an id; a word never is."""
    archive = _zip(tmp_path / "Homework3-20261103T000312Z-001.zip", {
        "Homework3/final_lab3_optimizers.ipynb": books["right"],
        "Homework3/김민지_2023123456_lab3_optimizers.ipynb": books["right"],
        "Homework3/s2024001-lab3_optimizers.ipynb": books["right"],
        "Homework3/lab3_optimizers (1).ipynb": books["right"],
    })
    rows = _rows(tmp_path, archive, sources)
    assert set(rows) == {"2023123456", "s2024001", ""}
    assert "김민지" in _text(_ready(rows, "2023123456"))
    unknown = " ".join(_text(r) for r in rows[""])
    assert "final_lab3_optimizers.ipynb: no student in its path" in unknown and "lab3_optimizers (1).ipynb" in unknown


def test_any_printable_id_is_accepted_and_path_steps_are_not(tmp_path, sources, books):
    folder = tmp_path / "submitted"
    for student in ("김민지", "José Núñez", "o'brien"):
        (folder / student / A).mkdir(parents=True)
        (folder / student / A / f"{A}.ipynb").write_text(books["right"])
    rows = _rows(tmp_path, folder, sources)
    assert set(rows) == {"김민지", "José Núñez", "o'brien"}
    archive = _zip(tmp_path / "evil.zip", {"up/../lab3_optimizers/lab3_optimizers.ipynb": books["right"]})
    [row] = _rows(tmp_path, archive, sources)[""]
    assert row.status == submissions.STRAY and "not a plain name" in _text(row)


def test_pattern_works_for_folders_and_zips_and_says_when_it_matches_nothing(tmp_path, sources, books):
    pattern = r"(?P<student_id>id\d+)__.*\.ipynb"
    folder = tmp_path / "own"
    folder.mkdir()
    (folder / "id42__Lab3.ipynb").write_text(books["right"])
    assert set(_rows(tmp_path, folder, sources, pattern)) == {"id42"}
    archive = _zip(tmp_path / "own.zip", {"id43__Lab3.ipynb": books["right"]})
    assert set(_rows(tmp_path, archive, sources, pattern)) == {"id43"}
    with pytest.raises(ValueError, match="matches no path"):
        _rows(tmp_path, archive, sources, r"(?P<student_id>nobody)\.ipynb")
    with pytest.raises(ValueError, match="needs a group"):
        _rows(tmp_path, archive, sources, r"(?P<id>\d+)")


def test_a_mixed_download_is_graded_for_real(tmp_path, books):
    """End to end: two Canvas students of one name (one right, one blank) are graded apart; a late one
    says so; a resubmitted Blackboard attempt is the one graded."""
    archive = _zip(tmp_path / "submissions.zip", {
        "kimminsu_123456_987654_lab3_optimizers.ipynb": books["right"],
        "kimminsu_123457_987655_lab3_optimizers.ipynb": books["blank"],
        "leejia_LATE_123458_987656_lab3_optimizers.ipynb": books["right"],
        "parkjisoo_12345_67890_lab3_optimizers.ipynb": books["blank"],
        "parkjisoo_12345_67891_lab3_optimizers-1.ipynb": books["right"],    # two files in one submission
    })
    grade(archive, tmp_path / "g.csv", course_dir=tmp_path / "course", limits=catalogue.LIMITS, workers=2,
          log=lambda m: None)
    rows = {r["student_id"]: r for r in read_rows(tmp_path / "g.csv")}
    assert (rows["123456"]["score"], rows["123457"]["score"], rows["123458"]["score"]) == (RIGHT, "0", RIGHT)
    assert "Canvas: leejia, LATE" in rows["123458"]["message"]
    assert rows["12345"]["score"] == RIGHT and "also found, not graded: lab3_optimizers.ipynb" in rows["12345"]["message"]


def test_every_recognised_format_is_in_the_readme():
    from autograder import paths
    readme = (paths.REPO / "README.md").read_text()
    for _, description in lms.FORMATS:
        assert f"  - {description}\n" in readme, description


def test_single_paths_name_their_student():
    cases = {
        "Lee Minho_20231234_assignsubmission_file_/sub/Lab3 (1).ipynb": ("20231234", "sub/Lab3 (1).ipynb", "Moodle"),
        "parkjisoo_LATE_12345_67891_lab3_optimizers-1.ipynb": ("12345", "lab3_optimizers-1.ipynb", "Canvas"),
        "s2024001_lab2_forward_backward.ipynb": ("s2024001", "s2024001_lab2_forward_backward.ipynb", "a student number"),
        "lab3_optimizers_2023123456.ipynb": ("2023123456", "lab3_optimizers_2023123456.ipynb", "a student number"),
        "kim/lab3_optimizers/lab3_optimizers/x.ipynb": ("kim", "lab3_optimizers/lab3_optimizers/x.ipynb", "nbgrader"),
        "bitdiddle+lab3_optimizers+2026-11-03 09:00:00.000000 UTC/lab3_optimizers.ipynb":
            ("bitdiddle", "lab3_optimizers.ipynb", "nbgrader exchange"),
    }
    for path, (student, inner, system) in cases.items():
        found = lms.whose(path, ASSIGNMENTS, ASSIGNMENTS)
        assert (found.student_id, found.inner, found.system) == (student, inner, system), path
    for path in ("final_lab3_optimizers.ipynb", "lab3_optimizers (1).ipynb", "lab3_optimizers_v2.ipynb",
                 "2023_10001_lab3_optimizers.ipynb", "kim_minsu_lab3_optimizers.ipynb"):  # a year is no Canvas name
        assert lms.whose(path, ASSIGNMENTS, ASSIGNMENTS) is None, path


def test_section_folders_hold_students(tmp_path, sources, books):
    archive = _zip(tmp_path / "sections.zip", {
        f"section1/alice/{A}.ipynb": books["right"], f"section1/bob/{A}.ipynb": books["blank"],
        f"section2/carol/{A}.ipynb": books["right"], f"section2/dave/{A}.ipynb": books["blank"],
    })
    rows = _rows(tmp_path, archive, sources)
    assert set(rows) == {"alice", "bob", "carol", "dave"}
    assert _ready(rows, "bob").path.read_text() == books["blank"]
    assert "inside section1/" in _text(_ready(rows, "alice"))


def test_blackboard_usernames_with_underscores(tmp_path, sources, books):
    receipt = "Name: {} ({})\nAssignment: Lab 3\n"
    with_receipts = _zip(tmp_path / "bb.zip", {
        "Lab 3_kim_ms_attempt_2026-11-03-08-00-00.txt": receipt.format("Kim Minsu", "kim_ms"),
        "Lab 3_kim_ms_attempt_2026-11-03-08-00-00_lab3_optimizers.ipynb": books["right"],
        "Lab 3_lee_ms_attempt_2026-11-03-09-00-00.txt": receipt.format("Lee Minseo", "lee_ms"),
        "Lab 3_lee_ms_attempt_2026-11-03-09-00-00_lab3_optimizers.ipynb": books["blank"],
    })
    rows = _rows(tmp_path, with_receipts, sources)
    assert set(rows) == {"kim_ms", "lee_ms"} and _ready(rows, "kim_ms").path.read_text() == books["right"]
    without = _zip(tmp_path / "bb2.zip", {  # no receipts: the assignment name is what every file shares
        "Lab 3_kim_ms_attempt_2026-11-03-08-00-00_lab3_optimizers.ipynb": books["right"],
        "Lab 3_lee_ms_attempt_2026-11-03-09-00-00_lab3_optimizers.ipynb": books["blank"],
    })
    assert set(_rows(tmp_path, without, sources)) == {"kim_ms", "lee_ms"}


def test_zips_of_students_inside_archives_and_inside_each_other(tmp_path, sources, books):
    archive = _zip(tmp_path / "course.zip", {
        "downloaded/lab3_optimizers/archive/Lee_102_assignsubmission_file_work.zip": _nested({f"{A}.ipynb": books["right"]}),
        "Park_103_assignsubmission_file/outer.zip": _nested({"inner.zip": _nested({f"{A}.ipynb": books["right"]})}),
        "Choi_104_assignsubmission_file/broken.zip": b"not a zip",
        f"Han_105_assignsubmission_file/{A}.ipynb": books["right"],
    })
    rows = _rows(tmp_path, archive, sources)
    assert {"102", "103", "104", "105"} <= set(rows)
    assert _ready(rows, "102").path.read_text() == books["right"]
    assert _ready(rows, "103").path.read_text() == books["right"]
    assert "broken.zip: not a zip that can be opened" in " ".join(_text(r) for r in rows["104"])


def test_the_kits_own_folders_are_not_students_but_a_student_may_be_called_source(tmp_path, sources, books):
    archive = _zip(tmp_path / "kit.zip", {
        f"kit/solutions/{A}/{A}.ipynb": books["right"], f"kit/notebooks/{A}/{A}.ipynb": books["blank"],
        f"kit/submitted/kim/{A}/{A}.ipynb": books["right"],
    })
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    rows = _rows(tmp_path / "a", archive, sources)
    assert {"kim"} <= set(rows) and "solutions" not in rows and "notebooks" not in rows
    students = _zip(tmp_path / "students.zip", {f"source/{A}.ipynb": books["right"], f"lee/{A}.ipynb": books["right"]})
    assert {"source", "lee"} <= set(_rows(tmp_path / "b", students, sources))


def test_a_pattern_is_the_whole_rule_and_reports_what_it_does_not_match(tmp_path, sources, books):
    folder = tmp_path / "data"
    for student in ("s2024001", "s2024002"):
        (folder / student).mkdir(parents=True)
        (folder / student / f"{A}.ipynb").write_text(books["right"])
    (folder / "README.txt").write_text("from the TA")
    rows = _rows(tmp_path, folder, sources, r"(?P<student_id>s\d+)/.*")
    assert {"s2024001", "s2024002"} <= set(rows)
    assert "README.txt: no student in its path" in " ".join(_text(r) for r in rows[""])


def test_github_classroom_logins_that_share_a_start(tmp_path, sources, books):
    folder = tmp_path / "clones"
    for login in ("snu-kim", "snu-lee"):
        (folder / f"lab3-optimizers-{login}").mkdir(parents=True)
        (folder / f"lab3-optimizers-{login}" / f"{A}.ipynb").write_text(books["right"])
    assert set(_rows(tmp_path, folder, sources)) == {"snu-kim", "snu-lee"}


def test_empty_student_folders_get_rows_and_an_empty_download_is_an_error(tmp_path, sources, books):
    folder = tmp_path / "submitted"
    (folder / "bob").mkdir(parents=True)
    (folder / "carol" / A).mkdir(parents=True)
    (folder / "alice" / A).mkdir(parents=True)
    (folder / "alice" / A / f"{A}.ipynb").write_text(books["right"])
    rows = _rows(tmp_path, folder, sources)
    assert set(rows) == {"alice", "bob", "carol"}
    assert rows["bob"][0].status == submissions.MISSING and "bob/ (an empty folder)" in _text(rows["bob"][0])
    with pytest.raises(ValueError, match="holds no files"):
        _rows(tmp_path, _zip(tmp_path / "empty.zip", {}), sources)


def test_more_dates_and_ids_as_systems_write_them(tmp_path, sources, books):
    archive = _zip(tmp_path / "d2l.zip", {
        f"5-3 - Park Sora - 5 September 2023 13:05/{A}.ipynb": books["blank"],
        f"6-3 - Park Sora - 6 September 2023 09:05/{A}.ipynb": books["right"],
        f"anon_12345_5006_{A}.ipynb": books["right"],
        f"/etc/alice/{A}/{A}.ipynb": books["right"],
    })
    rows = _rows(tmp_path, archive, sources)
    assert _ready(rows, "Park Sora").path.read_text() == books["right"]
    assert "anon_12345" in rows and "alice" in rows and "/" not in rows


def test_the_csv_has_columns_only_for_the_assignments_in_it(tmp_path):
    from autograder.report.scores import write_csv
    sources = load_sources()
    table = [{"student_id": "김민지", "assignment": A, "notebook": A, "score": 15.0, "max_score": 14.0,
              "status": "graded", "message": "", "test_sgd": 1.0}]
    write_csv(table, tmp_path / "g.csv", sources)
    with open(tmp_path / "g.csv", newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert "test_sgd" in header and "test_sigmoid" not in header and "test_l2" not in header
    assert "김민지" in (tmp_path / "g.csv").read_text(encoding="utf-8")


SECRET = "9f" * 64  # as nbgrader submit writes it: secrets.token_hex(64)


def test_nbgraders_record_of_a_submission_is_kept_for_nbgrader(tmp_path, sources, books):
    """timestamp.txt and submission_secret.txt where nbgrader submit writes them (the top of the submission)
    are kept for nbgrader (autograde records the time, release_feedback names the feedback by the secret),
    never as the student's files; one nbgrader could not read is left out, saying why; files of those names
    elsewhere are the student's and never copied where nbgrader's would stand; an earlier attempt's record
    goes with its attempt; a notebook submitted in a subfolder is noted (fetch_feedback does not look there)."""
    stamp, earlier, forged = "2026-11-03 09:00:00.000000 UTC", "2026-11-02 09:00:00.000000 UTC", "2000-01-01 00:00:00 UTC"
    folder = tmp_path / "exchange"
    for name, data in {
        f"course/submitted/ann/{A}/{A}.ipynb": books["right"],
        f"course/submitted/ann/{A}/timestamp.txt": stamp + "\n",
        f"course/submitted/ann/{A}/submission_secret.txt": SECRET,
        f"course/submitted/ben/{A}/{A}.ipynb": books["right"],
        f"course/submitted/ben/{A}/timestamp.txt": "2099-01-01 00:00:00.000000 UTC",  # edited in the exchange
        f"course/submitted/ben/{A}/submission_secret.txt": "x" * 5000,
        f"course/submitted/nina/{A}/work/{A}.ipynb": books["right"],           # in a subfolder, with forged records
        f"course/submitted/nina/{A}/work/timestamp.txt": forged,
        f"course/submitted/nina/{A}/work/submission_secret.txt": "ab" * 64,
        f"course/submitted/nina/{A}/timestamp.txt": stamp,
        f"course/submitted/nina/{A}/submission_secret.txt": SECRET,
        f"inbound/cyd+{A}+{earlier}+AbC/{A}.ipynb": books["blank"],             # the exchange's inbound folder
        f"inbound/cyd+{A}+{earlier}+AbC/timestamp.txt": earlier,
        f"inbound/cyd+{A}+{earlier}+AbC/submission_secret.txt": SECRET,
        f"inbound/cyd+{A}+{stamp}+XyZ/{A}.ipynb": books["right"],
        f"inbound/cyd+{A}+{stamp}+XyZ/timestamp.txt": stamp,
        f"inbound/cyd+{A}+{stamp}+XyZ/submission_secret.txt": "ab" * 64,
    }.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(data)
    rows = _rows(tmp_path, folder, sources)
    assert set(rows) == {"ann", "ben", "cyd", "nina"}
    ann, ben, cyd, nina = (_ready(rows, s) for s in ("ann", "ben", "cyd", "nina"))
    assert ann.records == {"timestamp.txt": stamp, "submission_secret.txt": SECRET} and not ann.extras
    assert "timestamp" not in _text(ann) and "secret" not in _text(ann)
    assert ben.records == {} and not ben.extras
    assert "timestamp.txt left out: '2099-01-01 00:00:00.000000 UTC' is in the future" in _text(ben)
    assert "submission_secret.txt left out: longer than nbgrader writes it" in _text(ben)
    assert "nbgrader's fetch_feedback will not find this feedback" in _text(ben)
    assert cyd.records == {"timestamp.txt": stamp, "submission_secret.txt": "ab" * 64}
    assert cyd.path.read_text() == books["right"]
    superseded = [r for r in rows["cyd"] if r.status == "superseded"]
    assert len(superseded) == 1 and f"{A}.ipynb" in _text(superseded[0])  # the earlier notebook, not its record
    assert nina.records == {"timestamp.txt": stamp, "submission_secret.txt": SECRET}   # the real ones, not hers
    assert nina.extras == []
    assert f"not copied for grading: {A}/work/submission_secret.txt (nbgrader's name" in _text(nina)
    assert "the notebook was submitted in work/, where nbgrader's fetch_feedback does not look" in _text(nina)


def test_a_file_holding_the_courses_solutions_or_hidden_tests_is_never_copied(tmp_path, sources, books):
    """``nbgrader collect`` follows a link a student slipped into the exchange: the copy of a course file
    (the source notebook, the gradebook) is not given to the student's kernel."""
    from autograder import paths
    folder = tmp_path / "submitted"
    (folder / "rita" / A).mkdir(parents=True)
    (folder / "rita" / A / f"{A}.ipynb").write_text(books["right"])
    (folder / "rita" / A / "notes.py").write_bytes((paths.SOLUTIONS / A / f"{A}.ipynb").read_bytes())
    (folder / "rita" / A / "my_optim.py").write_text('NOTE = "my code goes where BEGIN SOLUTION was"\n')  # words only
    (folder / "sol" / A).mkdir(parents=True)                                  # the source notebook handed in
    (folder / "sol" / A / f"{A}.ipynb").write_bytes((paths.SOLUTIONS / A / f"{A}.ipynb").read_bytes())
    rows = _rows(tmp_path, folder, sources)
    rita = _ready(rows, "rita")
    assert [p.as_posix() for p in rita.extras] == ["my_optim.py"]
    assert f"not copied for grading: {A}/notes.py (it holds the course's solutions or hidden tests)" in _text(rita)
    [sol] = rows["sol"]
    assert sol.status == submissions.INVALID and "holds the course's solutions or hidden tests: not graded" in _text(sol)
    words = nbformat.reads(books["right"], as_version=4)                    # a notebook whose code names the words
    words.cells.append(nbformat.v4.new_code_cell('found = "### BEGIN SOLUTION" in open("x.txt").read()\n'
                                                 '# a comment that says BEGIN HIDDEN TESTS is no marker either\n'))
    (folder / "kim" / A).mkdir(parents=True)
    nbformat.write(words, str(folder / "kim" / A / f"{A}.ipynb"))
    assert _ready(_rows(tmp_path, folder, sources), "kim").status == submissions.READY


def test_the_releases_own_files_handed_back_unchanged_are_not_the_students(tmp_path, sources, books):
    """A lab's folder handed back whole (notebook, labkit/, data: an exchange submission, a zipped folder):
    the release's files unchanged are neither copied nor named; a changed or added one is."""
    from autograder import paths
    folder = tmp_path / "submitted"
    for student in ("ann", "ben"):
        for path in (paths.NOTEBOOKS / A).rglob("*"):
            if path.is_file() and path.suffix != ".ipynb" and "__pycache__" not in path.parts:
                target = folder / student / A / path.relative_to(paths.NOTEBOOKS / A)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
        (folder / student / A / f"{A}.ipynb").write_text(books["right"])
    (folder / "ben" / A / "labkit" / "trace.py").write_text("def report(*a, **k): pass\n")  # changed
    (folder / "ben" / A / "my_optim.py").write_text("x = 1\n")                               # added
    rows = _rows(tmp_path, folder, sources)
    ann, ben = _ready(rows, "ann"), _ready(rows, "ben")
    assert ann.extras == [] and "labkit" not in _text(ann) and "not used" not in _text(ann)
    assert sorted(p.as_posix() for p in ben.extras) == ["labkit/trace.py", "my_optim.py"]
    assert "copied with the notebook: labkit/trace.py, my_optim.py" in _text(ben)


# ------------------------------------------------------------------------- zip bombs: every byte counts
def _deflated_zeros(mib):
    """A raw deflate stream of ``mib`` MiB of zeros, made in a blink: one compressed MiB, its history reset
    by a full flush, repeated (about 1 KB each), then an empty final block."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return one * mib + b"\x03\x00"


def _crc_of_zeros(mib):
    crc, one = 0, bytes(1 << 20)
    for _ in range(mib):
        crc = zlib.crc32(one, crc)
    return crc


def _raw_zip(entries):
    """A zip written byte by byte, as zipfile would not: ``entries`` [(name, method, data, crc, stated size)],
    the stated size free to lie."""
    out, central = io.BytesIO(), []
    for name, method, data, crc, size in entries:
        offset, raw = out.tell(), name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x5A63, crc, len(data), size, len(raw), 0)
                  + raw + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x5A63, crc, len(data),
                                   size, len(raw), 0, 0, 0, 0, 0, offset) + raw)
    start = out.tell()
    out.write(b"".join(central))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def _zeros_entry(name, mib, stated=None):
    """A deflated entry of ``mib`` MiB of zeros; ``stated``: the size its headers claim (default: the truth)."""
    return (name, zipfile.ZIP_DEFLATED, _deflated_zeros(mib), _crc_of_zeros(mib), (mib << 20) if stated is None else stated)


class _DiskPeak:
    """The most bytes ever seen below ``folder`` while the block runs (a thread adds up the files' sizes
    every few milliseconds), and what is left at the end."""

    def __init__(self, folder):
        self.folder, self.peak, self._done = folder, 0, threading.Event()

    def _used(self):
        total = 0
        for directory, _, names in os.walk(self.folder):
            for name in names:
                try:
                    total += os.stat(os.path.join(directory, name)).st_size
                except OSError:
                    pass
        return total

    def _watch(self):
        while not self._done.wait(0.003):
            self.peak = max(self.peak, self._used())

    def __enter__(self):
        self.before = self._used()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()
        self.left = self._used()
        self.peak = max(self.peak, self.left) - self.before


MiB = 1 << 20


@pytest.mark.fast
def test_zip_bombs_cost_no_disk_and_the_honest_students_keep_their_files(tmp_path, sources, books):
    """A Moodle download where each bomber's zip would expand to hundreds of MiB or more (a header that lies
    about the size, bzip2 far past deflate's ratio, a 42.zip-like nest four levels deep, ten thousand and
    more files, an end record that claims 65,535): each bomber's row says what was not unpacked and why,
    the disk used stays small, and the honest students' notebooks are unpacked."""
    lying = _raw_zip([_zeros_entry(f"{A}.ipynb", 64, stated=1000), _zeros_entry("data.bin", 4, stated=3 << 30)])
    with io.BytesIO() as buffer:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
            archive.writestr("zeros.bin", bytes(8 * MiB))                  # about a hundred bytes: 8 MiB
        bzip2 = buffer.getvalue()
    inner = _raw_zip([_zeros_entry(f"z{i}.bin", 16) for i in range(4)])  # 64 KB: 64 MiB
    middle = _nested({f"inner{i}.zip": inner for i in range(4)})
    nest = _nested({f"middle{i}.zip": middle for i in range(4)})           # four levels, 1 MB: 1 GiB in all
    many = _nested({f"f{i:05d}.txt": b"" for i in range(lms.MAX_STUDENT_FILES + 2000)})
    claims = _raw_zip([])[:-22] + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 60 << 20, 0, 0)
    bombs = {"lying.zip": lying, "bzip2.zip": bzip2, "nest.zip": nest, "many.zip": many, "claims.zip": claims}
    entries = {f"Bomber{i}_20{i}_assignsubmission_file/{name}": data for i, (name, data) in enumerate(bombs.items())}
    entries.update({f"Han_101_assignsubmission_file/{A}.ipynb": books["right"],
                    "Han_101_assignsubmission_file/my_optim.py": "x = 1\n",
                    f"Lee_109_assignsubmission_file/{A}.ipynb": books["blank"],
                    f"Kim_102_assignsubmission_file/{A}.ipynb": books["right"],  # a bomber's own notebook beside one
                    "Kim_102_assignsubmission_file/lab3.zip": lying})
    archive = _zip(tmp_path / "download.zip", entries)
    with _DiskPeak(tmp_path / "course") as disk:
        rows = _rows(tmp_path, archive, sources)
    assert disk.peak < 8 * MiB and disk.left < 2 * MiB, (disk.peak, disk.left)  # 1.2 GiB if all were unpacked
    assert _ready(rows, "101").path.read_text() == books["right"] and "my_optim.py" in _text(_ready(rows, "101"))
    assert _ready(rows, "109").path.read_text() == books["blank"]
    assert _ready(rows, "102").path.read_text() == books["right"]              # the bomber's own notebook too
    said = {s: " ".join(_text(r) for r in rows[s] if r.status == submissions.INVALID) for s in rows}
    assert f"lying.zip/{A}.ipynb (in download.zip): not unpacked: it cannot be read (BadZipFile: Bad CRC-32" in said["200"]
    assert "lying.zip/data.bin (in download.zip): not unpacked: larger than 50.0 MiB" in said["200"]
    assert "bzip2.zip/zeros.bin (in download.zip): not unpacked: it cannot be read (NotImplementedError: " \
           "compressed with bzip2 or LZMA" in said["201"]
    assert "nest/middle0/inner0.zip, nest/middle0/inner1.zip, nest/middle0/inner2.zip and 13 more: zips inside 2 " \
           "zips: not opened (kept as files)" in " ".join(_text(r) for r in rows["202"])
    assert f"many.zip (in download.zip): not unpacked: it lists {lms.MAX_STUDENT_FILES + 2000:,} files" in said["203"]
    assert "claims.zip (in download.zip): not unpacked: it lists 65,535 files (60.0 MiB of names)" in said["204"]
    assert "lab3.zip/lab3_optimizers.ipynb (in download.zip): not unpacked: it cannot be read" in said["102"]


@pytest.mark.fast
def test_a_students_files_and_the_download_have_budgets_of_their_own(tmp_path, sources, books, monkeypatch):
    """A student's budget (scaled down here: the disk stays small) counts the bytes that come out, not the
    sizes stated: over it, the student's notebook is unpacked first and what does not fit is named in a
    row; the next student has a budget of their own. A download that lists more files than a download may
    unpack to is refused before its list is read."""
    monkeypatch.setattr(lms, "MAX_STUDENT_BYTES", 3 * MiB)
    entries = {f"ann/{A}/{A}.ipynb": books["right"], f"ben/{A}/{A}.ipynb": books["blank"],
               f"ben/{A}/zeros.zip": _raw_zip([_zeros_entry(f"zeros{i}.bin", 8) for i in range(4)]),  # 32 MiB
               f"cho/{A}/{A}.ipynb": books["right"]}
    entries.update({f"ann/{A}/data{i}.bin": os.urandom(MiB) for i in range(4)})  # 4 MiB that do not compress
    archive = _zip(tmp_path / "d.zip", entries)
    with _DiskPeak(tmp_path / "course") as disk:
        rows = _rows(tmp_path, archive, sources)
    assert disk.peak < 10 * MiB, disk.peak
    for student, book in (("ann", "right"), ("ben", "blank"), ("cho", "right")):
        assert _ready(rows, student).path.read_text() == books[book]
    [ann] = [r for r in rows["ann"] if r.status == submissions.INVALID]
    assert "not unpacked: over the 3.0 MiB one student's files may expand to" in _text(ann)
    assert _text(ann).startswith(f"ann/{A}/data") and "data0.bin" not in _text(ann)  # the smallest first
    [ben] = [r for r in rows["ben"] if r.status == submissions.INVALID]
    assert _text(ben).startswith(f"ben/{A}/zeros.zip/zeros") and "over the 3.0 MiB one student's files" in _text(ben)
    monkeypatch.setattr(lms, "MAX_FILES", 5)
    with pytest.raises(ValueError, match=f"lists {len(entries)} files .* more than the 5 a download may unpack to"):
        _rows(tmp_path, archive, sources)
