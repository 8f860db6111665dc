"""Which file is each student's notebook (``autograder/intake/submissions.py``), without nbgrader: the stated rules
for several candidates, checkpoints, helper files within the caps, what is due from whom, and the
grader's own outputs left inside the submissions folder."""
import os

import nbformat
import pytest

from autograder.intake import submissions
from autograder.engine.grading import load_sources
from download_rows import ready as _ready, rows_of as _rows, text as _text

pytestmark = pytest.mark.fast  # in-process, no grading run: `make test-fast`

A = "lab3_optimizers"


@pytest.fixture(scope="module")
def sources():
    return load_sources()


@pytest.fixture(scope="module")
def books(release_nb, solution_nb):
    from autograder.authoring import samples
    return {"right": nbformat.writes(samples.answered(release_nb, solution_nb)), "blank": nbformat.writes(release_nb)}


def _put(folder, relative, text, mtime=None):
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_each_candidate_not_graded_is_named_with_its_reason(tmp_path, sources, books):
    submitted = tmp_path / "submitted"
    _put(submitted, f"kim/{A}/{A}.ipynb", books["right"], mtime=1_000_000)
    _put(submitted, f"kim/{A}/{A}_final.ipynb", books["right"], mtime=2_000_000)  # newer, same answers
    _put(submitted, f"kim/{A}/{A}-Copy1.ipynb", books["blank"])
    _put(submitted, f"kim/{A}/{A} (2).ipynb", "")
    row = _ready(_rows(tmp_path, submitted, sources), "kim")
    assert row.path.name == f"{A}.ipynb"
    text = _text(row)
    assert f"{A}/{A}_final.ipynb (not the exact name)" in text
    assert f"{A}/{A}-Copy1.ipynb (fewer answered exercises)" in text
    assert f"{A}/{A} (2).ipynb (empty)" in text
    assert "most answered" not in text


def test_a_checkpoint_is_graded_only_when_it_is_the_sole_copy(tmp_path, sources, books):
    submitted = tmp_path / "submitted"
    _put(submitted, f"kim/{A}/.ipynb_checkpoints/{A}-checkpoint.ipynb", books["right"])
    _put(submitted, f"lee/{A}/{A}.ipynb", books["right"])
    _put(submitted, f"lee/{A}/.ipynb_checkpoints/{A}-checkpoint.ipynb", books["blank"])
    rows = _rows(tmp_path, submitted, sources)
    assert "Jupyter's autosaved copy" in _text(_ready(rows, "kim"))
    assert _ready(rows, "lee").path.name == f"{A}.ipynb" and "checkpoint" not in _text(_ready(rows, "lee"))


def test_the_helper_module_is_copied_before_the_plots_that_fill_the_cap(tmp_path, sources, books):
    submitted = tmp_path / "submitted"
    _put(submitted, f"kim/{A}/{A}.ipynb", books["right"])
    for k in range(submissions.MAX_EXTRA_FILES + 50):
        _put(submitted, f"kim/{A}/loss_epoch_{k:03d}.png", "png")
    _put(submitted, f"kim/{A}/my_optim.py", "x = 1\n")
    row = _ready(_rows(tmp_path, submitted, sources), "kim")
    assert "my_optim.py" in {str(p) for p in row.extras} and len(row.extras) == submissions.MAX_EXTRA_FILES
    assert "not copied for grading" in _text(row)


def test_an_assignment_is_due_from_everyone_when_half_handed_it_in(tmp_path, sources, books):
    submitted = tmp_path / "submitted"
    for student in ("ann", "ben", "cho", "dan"):
        _put(submitted, f"{student}/{A}/{A}.ipynb", books["right"])
    _put(submitted, "ann/lab2_forward_backward/lab2_forward_backward.ipynb", books["blank"])  # one also hands in Lab 2
    _put(submitted, "ben/demo_optimizers/demo_optimizers.ipynb", books["blank"])            # and the ungraded demo
    rows = _rows(tmp_path, submitted, sources)
    assignments = {s: sorted(r.assignment for r in rows[s]) for s in rows}
    assert assignments == {"ann": ["lab2_forward_backward", A], "ben": [A], "cho": [A], "dan": [A]}
    assert "demo_optimizers/demo_optimizers.ipynb" in _text(_ready(rows, "ben"))     # named, not graded


def test_work_sorted_by_assignment_first_and_wrapped_folders(tmp_path, sources, books):
    by_assignment = tmp_path / "by_assignment"
    _put(by_assignment, f"{A}/alice/{A}.ipynb", books["right"])
    _put(by_assignment, f"{A}/bob/{A}.ipynb", books["blank"])
    assert set(_rows(tmp_path, by_assignment, sources)) == {"alice", "bob"}
    wrapped = tmp_path / "wrapped"
    _put(wrapped, f"submitted/alice/{A}/{A}.ipynb", books["right"])
    _put(wrapped, f"submitted/bob/{A}/{A}.ipynb", books["blank"])
    assert set(_rows(tmp_path, wrapped, sources)) == {"alice", "bob"}


def test_the_graders_own_outputs_inside_the_submissions_folder_are_not_submissions(tmp_path, sources, books):
    from autograder.engine.grading import _intake
    import types
    submitted = tmp_path / "submitted"
    _put(submitted, f"kim/{A}/{A}.ipynb", books["right"])
    _put(submitted, f"grading/submitted/kim/{A}/{A}.ipynb", books["right"])   # --course-dir submitted/grading
    _put(submitted, "grades.csv", "student_id\n")
    _put(submitted, f"grades_feedback/kim/{A}/{A}.html", "<html>")
    course = types.SimpleNamespace(root=submitted / "grading")
    rows = _intake(submitted, course, sources, None, None,
                   exclude=[submitted / "grades.csv", submitted / "grades_feedback"])
    assert [(r.student_id, r.status) for r in rows] == [("kim", submissions.READY)]


def test_a_student_with_only_a_hidden_notebook_or_a_linked_folder_still_gets_a_row(tmp_path, sources, books):
    submitted = tmp_path / "submitted"
    _put(submitted, "hidden_only/.lab3_optimizers.ipynb", books["right"])
    _put(submitted, f"alice/{A}/{A}.ipynb", books["right"])
    (tmp_path / "elsewhere").mkdir()
    (submitted / "linked").symlink_to(tmp_path / "elsewhere")
    rows = _rows(tmp_path, submitted, sources)
    assert set(rows) == {"alice", "hidden_only", "linked"}
    [hidden] = rows["hidden_only"]
    assert hidden.status == submissions.MISSING and ".lab3_optimizers.ipynb (a hidden file: not graded)" in _text(hidden)
    [linked] = rows["linked"]
    assert linked.status == submissions.MISSING and "a link: not followed" in _text(linked)


def test_the_course_directory_given_as_the_download_yields_only_its_students(tmp_path, sources, books):
    """An instructor who gives `grade` the course directory itself (not its submitted/): the kit's own folders
    (jupyter/, restored/, autograded/, feedback/...) and an earlier CSV are no students."""
    import types

    from autograder.engine.grading import _intake, exchange_course
    course = tmp_path / "course"
    _put(course, f"submitted/alice/{A}/{A}.ipynb", books["right"])
    _put(course, "nbgrader_config.py", "c = get_config()\n")
    for own in ("jupyter/kernels/optkit-limited/kernel.json", f"restored/alice/{A}/{A}.ipynb",
                f"autograded/alice/{A}/{A}.ipynb", f"feedback/alice/{A}/{A}.html", "kernel-slots/0/x",
                "grades.csv", f"grades_feedback/alice/{A}/{A}.html", "journal.json"):
        _put(course, own, books["right"] if own.endswith(".ipynb") else "x")
    rows = _intake(course, types.SimpleNamespace(root=course), sources, None, None)
    assert [(r.student_id, r.status) for r in rows] == [("alice", submissions.READY)], [(r.student_id, r.notes) for r in rows]
    assert exchange_course(course / "submitted") == course.resolve() and exchange_course(course) is None
