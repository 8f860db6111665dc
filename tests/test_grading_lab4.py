"""Real nbgrader grading of the Lab 4 (weight decay and dropout) submissions in ``submissions_lab4.py``."""
import pytest

import catalogue
from submissions_lab4 import EXPECTED, POINTS


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_its_expected_scores(graded_lab4, student):
    catalogue.assert_verdict(graded_lab4["rows"][student], EXPECTED[student], POINTS)


@pytest.mark.parametrize("student, test, words", [
    ("mistake_l2_penalty_without_half", "test_l2", "half of it"),
    ("mistake_l2_biases_decayed", "test_l2", "biases are not decayed"),
    ("mistake_l2_gradients_in_place", "test_l2", "do not change the gradients passed in"),
    ("mistake_dropout_not_inverted", "test_dropout", "not scaled"),
    ("mistake_dropout_keeps_drop_rate", "test_dropout", "fraction DROPPED"),
    ("mistake_dropout_new_mask_in_backward", "test_dropout", "mask of the last forward"),
])
def test_feedback_names_the_likely_mistake(graded_lab4, student, test, words):
    entry = next(e for e in graded_lab4["table"] if e["student_id"] == student)
    assert words in entry["failed"][test], entry["failed"][test]
