"""Real nbgrader grading of the Lab 3 submissions in ``submissions_lab3.py``: scores, statuses, feedback."""
import pytest

import catalogue
from submissions_lab3 import ASSIGNMENT, EXPECTED, EXTRA, POINTS


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_its_expected_scores(graded, student):
    catalogue.assert_verdict(graded["rows"][student], EXPECTED[student], POINTS, EXTRA)


def test_the_csv_has_a_row_for_everything_found(graded):
    keys = [(r["student_id"], r["assignment"]) for r in graded["csv_rows"]]
    assert sorted(keys) == sorted((s, ASSIGNMENT) for s in EXPECTED)
    assert list(graded["csv_rows"][0])[:5] == ["student_id", "assignment", "notebook", "score", "max_score"]


def test_bad_inputs_say_why(graded):
    rows = graded["rows"]
    assert "not a valid notebook" in rows["bad_not_json"]["message"]
    assert "no lab3_optimizers.ipynb found (found: lab3_optimizers/notes.txt)" in rows["bad_no_notebook"]["message"]
    assert "graded lab3/lab3_optimizers.ipynb as lab3_optimizers/lab3_optimizers.ipynb" in \
        rows["wrong_folder_name"]["message"]
    assert "tampered: forged test results in" in rows["cheat_fake_report"]["message"]
    assert "deleted test cell(s) restored" in rows["tests_deleted"]["message"]
    assert "test_adam" in rows["tests_deleted"]["message"]
    assert "graded lab3_optimizers/lab3_optimizers (1).ipynb as lab3_optimizers/lab3_optimizers.ipynb" in \
        rows["renamed_notebook"]["message"]


def test_originals_are_never_modified(graded):
    assert graded["before"] == graded["after"]


def test_feedback_names_the_mistake_and_hides_the_hidden_tests(graded):
    feedback = graded["csv_path"].with_name("grades_feedback")
    html = (feedback / "mistake_momentum_velocity_not_stored" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "momentum, call 1 of 5" in html and "opt.W_dt" in html
    assert "store the new deltas in opt.W_dt and opt.B_dt" in html
    assert "hidden_test" not in html and "BEGIN HIDDEN TESTS" not in html
    assert (feedback / "right" / ASSIGNMENT / f"{ASSIGNMENT}.html").exists()


def test_feedback_reads_offline_and_in_full(graded):
    """Math is MathML (no MathJax from a CDN: nothing is loaded from the network), long lines wrap, and
    the extra credit is said as such, never as "Score: 1.0 / 0.0"."""
    import re
    feedback = graded["csv_path"].with_name("grades_feedback")
    right = (feedback / "right" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    blank = (feedback / "blank" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    for html in (right, blank):
        assert not re.search(r"<script[^>]+src=|<link[^>]+href=[\"']https?:", html), "loads from the network"
        assert "<math" in html and "$10^{-6}$" not in html
        assert "white-space: pre-wrap" in html
        assert "/ 0.0)" not in html
        head = html[:html.index("</head>")]  # a policy that lets no script run, before anything else in the head
        policy = re.search(r"<meta[^>]*default-src 'none'[^>]*>", head)
        assert policy and 'http-equiv="Content-Security-Policy"' in policy.group(0), head[:400]
        assert "<script" not in head[:policy.start()] and "<style" not in head[:policy.start()]
    assert "Extra credit: 1.0 of 1.0" in right and "Extra credit: 0.0 of 1.0" in blank
    most, full = catalogue.points(ASSIGNMENT)
    assert f"(Score: {full:.1f} / {most:.1f})" in right


def test_failure_messages_name_the_array_and_the_index(graded):
    table = {e["student_id"]: e for e in graded["table"] if e["assignment"] == ASSIGNMENT}
    message = table["mistake_adam_beta2_0999"]["failed"]["test_adam"]
    assert "adam, call 1 of 6" in message and "opt.W_vt differs at index" in message
    assert "got" in message and "off by" in message and "0.999" in message
    assert "expected" not in message.split("Hint:")[0]  # hidden tests' expected values stay hidden
    fake = table["cheat_fake_report"]["failed"]["test_sgd"]
    assert "tampered" in fake


def test_what_nbgrader_puts_back_is_kept_and_marks_tampering(graded):
    """Defence in depth: a points change that reaches nbgrader (``restore`` bypassed here) is put back by
    its OverwriteCells, and ``NoteOverwrites`` keeps it in the graded notebook, where the grader reads
    it (``grading.overwritten``) to mark the row tampered; an honest notebook has nothing there."""
    import nbformat

    from autograder import notebooks
    from autograder.engine.course import CourseDir
    from autograder.engine.grading import overwritten
    course = CourseDir(graded["root"] / "course", limits=catalogue.LIMITS)
    name = f"{ASSIGNMENT}.ipynb"
    assert overwritten(course.path("autograded", "right", ASSIGNMENT, name)) == []
    nb = notebooks.read(course.path("restored", "right", ASSIGNMENT, name))
    notebooks.nbgrader_meta(notebooks.test_cells(nb)["test_sgd"])["points"] = 100
    nb.metadata["optkit_overwritten"] = "abc"  # a submission's own copy of the key: dropped, never read
    folder = course.path("restored", "zz_restore_bypassed", ASSIGNMENT)
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / name))
    assert course.api.autograde(ASSIGNMENT, "zz_restore_bypassed", force=True, create=True)["success"]
    assert overwritten(course.path("autograded", "zz_restore_bypassed", ASSIGNMENT, name)) == ["points of test_sgd"]
