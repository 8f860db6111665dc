"""Real nbgrader grading of the Lab 2 submissions in ``submissions_lab2.py``."""
import pytest

import catalogue
from submissions_lab2 import EXPECTED, POINTS


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_its_expected_scores(graded_lab2, student):
    catalogue.assert_verdict(graded_lab2["rows"][student], EXPECTED[student], POINTS)


@pytest.mark.parametrize("student, test, words", [
    ("mistake_sigmoid_overflows", "test_sigmoid", "must not overflow"),
    ("mistake_softmax_without_max_shift", "test_softmax", "subtract the row maximum"),
    ("mistake_xavier_normal", "test_my_init", "not a normal one"),
    ("mistake_he_bound_with_n_out", "test_my_init", "never gets near the bound"),
    ("mistake_backward_mean", "test_my_backward", "the course uses the SUM"),
    ("mistake_backward_no_sigmoid_derivative", "test_my_backward", "derivative"),
    ("mistake_loss_summed", "test_my_loss", "MEAN"),
    ("mistake_predict_floats", "test_my_predict", "labels are integers"),
    ("mistake_layer_transposed", "test_myDenseLayer", "(n_out, n_in)"),
])
def test_feedback_names_the_likely_mistake(graded_lab2, student, test, words):
    entry = next(e for e in graded_lab2["table"] if e["student_id"] == student)
    assert words in entry["failed"][test], entry["failed"][test]


def test_lab2_originals_are_never_modified(graded_lab2):
    assert graded_lab2["before"] == graded_lab2["after"]
