"""Real nbgrader grading of the Lab 2 and Lab 4 catalogues (``submissions_lab2.py``,
``submissions_lab4.py``): every submission gets its expected scores, and the feedback names the
likely mistake. (Lab 3, with the red team, is ``test_grading.py``.)"""
import pytest

import catalogue
import submissions_lab2
import submissions_lab4

LABS = {"lab2_forward_backward": submissions_lab2, "lab4_regularization": submissions_lab4}
CASES = [(lab, student) for lab, module in LABS.items() for student in sorted(module.EXPECTED)]


@pytest.fixture(scope="session")
def graded_lab(graded_lab2, graded_lab4):
    return {"lab2_forward_backward": graded_lab2, "lab4_regularization": graded_lab4}


@pytest.mark.parametrize("lab, student", CASES)
def test_each_submission_gets_its_expected_scores(graded_lab, lab, student):
    catalogue.assert_verdict(graded_lab[lab]["rows"][student], LABS[lab].EXPECTED[student], LABS[lab].POINTS)


@pytest.mark.parametrize("lab, student, test, words", [
    ("lab2_forward_backward", "mistake_sigmoid_overflows", "test_sigmoid", "must not overflow"),
    ("lab2_forward_backward", "mistake_softmax_without_max_shift", "test_softmax", "subtract the row maximum"),
    ("lab2_forward_backward", "mistake_xavier_normal", "test_my_init", "not a normal one"),
    ("lab2_forward_backward", "mistake_he_bound_with_n_out", "test_my_init", "never gets near the bound"),
    ("lab2_forward_backward", "mistake_backward_mean", "test_my_backward", "the course uses the SUM"),
    ("lab2_forward_backward", "mistake_backward_no_sigmoid_derivative", "test_my_backward", "derivative"),
    ("lab2_forward_backward", "mistake_loss_summed", "test_my_loss", "MEAN"),
    ("lab2_forward_backward", "mistake_predict_floats", "test_my_predict", "labels are integers"),
    ("lab2_forward_backward", "mistake_layer_transposed", "test_myDenseLayer", "(n_out, n_in)"),
    ("lab4_regularization", "mistake_l2_penalty_without_half", "test_l2", "half of it"),
    ("lab4_regularization", "mistake_l2_biases_decayed", "test_l2", "biases are not decayed"),
    ("lab4_regularization", "mistake_l2_gradients_in_place", "test_l2", "do not change the gradients passed in"),
    ("lab4_regularization", "mistake_dropout_not_inverted", "test_dropout", "not scaled"),
    ("lab4_regularization", "mistake_dropout_keeps_drop_rate", "test_dropout", "fraction DROPPED"),
    ("lab4_regularization", "mistake_dropout_new_mask_in_backward", "test_dropout", "mask of the last forward"),
])
def test_feedback_names_the_likely_mistake(graded_lab, lab, student, test, words):
    entry = next(e for e in graded_lab[lab]["table"] if e["student_id"] == student)
    assert words in entry["failed"][test], entry["failed"][test]


@pytest.mark.parametrize("lab", sorted(LABS))
def test_the_originals_are_never_modified(graded_lab, lab):
    assert graded_lab[lab]["before"] == graded_lab[lab]["after"]
