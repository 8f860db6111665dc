"""LMS intake: a zip of submissions is mapped to students, graded, and nothing is dropped silently."""
import csv
import zipfile

import nbformat

import catalogue
from autograder import lms, samples
from autograder.grading import grade

ASSIGNMENTS = ["lab2_forward_backward", "lab3_optimizers"]


def test_lms_paths_name_their_student_and_keep_the_rest():
    cases = {
        "submitted/kim/lab3_optimizers/lab3_optimizers.ipynb": ("kim", "lab3_optimizers/lab3_optimizers.ipynb"),
        "kim/lab3_optimizers/lab3_optimizers/lab3_optimizers.ipynb":
            ("kim", "lab3_optimizers/lab3_optimizers/lab3_optimizers.ipynb"),
        "Lee Minho_20231234_assignsubmission_file_/lab3_optimizers.ipynb": ("20231234", "lab3_optimizers.ipynb"),
        "Lee Minho_20231234_assignsubmission_file_/sub/Lab3 (1).ipynb": ("20231234", "sub/Lab3 (1).ipynb"),
        "Lee Minho_20231234_assignsubmission_file_/my_optim.py": ("20231234", "my_optim.py"),
        "parkjisoo_12345_67890_lab3_optimizers.ipynb": ("parkjisoo", "lab3_optimizers.ipynb"),
        "parkjisoo_LATE_12345_67891_lab3_optimizers-1.ipynb": ("parkjisoo", "lab3_optimizers.ipynb"),
        "s2024001_lab2_forward_backward.ipynb": ("s2024001", "lab2_forward_backward.ipynb"),
        "s2024001-lab3_optimizers.ipynb": ("s2024001", "lab3_optimizers.ipynb"),
    }
    for name, expected in cases.items():
        assert lms.student_of(name, ASSIGNMENTS) == expected, name
    assert lms.student_of("homework.ipynb", ASSIGNMENTS) is None
    assert lms.student_of("course/source/lab3_optimizers/lab3_optimizers.ipynb", ASSIGNMENTS) is None
    assert lms.student_of("x_id42_Lab3.ipynb", ASSIGNMENTS, r"x_(?P<student_id>id\d+)_(?P<notebook>.+)\.ipynb") \
        == ("id42", "Lab3.ipynb")


def test_a_zip_is_graded_and_every_file_gets_a_row(tmp_path, release_nb, solution_nb):
    right = nbformat.writes(samples.answered(release_nb, solution_nb))
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("parkjisoo_12345_67890_lab3_optimizers.ipynb", nbformat.writes(release_nb))      # first try
        z.writestr("parkjisoo_LATE_12345_67891_lab3_optimizers-1.ipynb", right)                    # resubmission
        z.writestr("Lee Minho_20231234_assignsubmission_file_/lab3_optimizers.ipynb", right)
        z.writestr("notes/readme.txt", "not a notebook")
        z.writestr("up/../lab3_optimizers/lab3_optimizers.ipynb", right)                          # id ".."
    csv_path = tmp_path / "grades.csv"
    grade(archive, csv_path, course_dir=tmp_path / "course", limits=catalogue.LIMITS, log=lambda m: None)
    with open(csv_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    graded = {r["student_id"]: r for r in rows if r["status"] == "graded"}
    assert set(graded) == {"parkjisoo", "20231234"}
    assert float(graded["parkjisoo"]["score"]) == 15 and float(graded["parkjisoo"]["max_score"]) == 14  # the later
    assert float(graded["20231234"]["score"]) == 15  # all right: 14 + 1 extra credit
    others = [r for r in rows if r["status"] != "graded"]
    assert sorted(r["status"] for r in others) == ["missing notebook", "superseded", "unrecognised file"]
    messages = " ".join(r["message"] for r in others)
    assert "not a plain name" in messages and "replaced by" in messages
    notes = next(r for r in rows if r["student_id"] == "notes")  # a folder in the zip: a student, as in a folder
    assert notes["status"] == "missing notebook" and "readme.txt" in notes["message"]
    assert not (tmp_path / "course" / "lab3_optimizers").exists()
