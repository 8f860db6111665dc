"""What a student's feedback may show (``autograder/report/feedback_html.py``): no output quotes the
course's solutions or hidden tests, whatever student code printed; the student's own output stays."""
import copy

import pytest
from nbformat.v4 import new_output

from autograder import paths
from autograder.report.feedback_html import REDACTED_LINE, REDACTED_OUTPUT, _redacted, secret_quotes

pytestmark = pytest.mark.fast  # in-process, no grading run: `make test-fast`

A = "lab3_optimizers"
SOURCE = paths.SOLUTIONS / A / f"{A}.ipynb"


def test_a_traceback_through_a_hidden_test_loses_that_line_only():
    delimiters, lines = secret_quotes(SOURCE)
    hidden = next(line for line in lines if "hidden_test(" in line)
    error = new_output("error", ename="ValueError", evalue="shapes (64,80) and (70,) not aligned",
                       traceback=["Traceback (most recent call last)", f"----> 3 {hidden}", "ValueError: shapes"])
    assert _redacted(error, delimiters, lines).traceback == [
        "Traceback (most recent call last)", REDACTED_LINE, "ValueError: shapes"]
    printed = new_output("stream", name="stdout", text=f"epoch 10: loss 0.31\n{hidden}\nepoch 20: loss 0.22\n")
    assert _redacted(printed, delimiters, lines).text == f"epoch 10: loss 0.31\n{REDACTED_LINE}\nepoch 20: loss 0.22\n"


def test_an_output_holding_a_course_file_or_a_hidden_cell_is_removed_whole():
    delimiters, lines = secret_quotes(SOURCE)
    dump = new_output("stream", name="stdout", text=SOURCE.read_text())  # the source notebook, printed
    assert _redacted(dump, delimiters, lines).text == REDACTED_OUTPUT
    history = new_output("execute_result", data={"text/plain": repr([c.source for c in __import__("nbformat").read(
        str(SOURCE), as_version=4).cells])})                                       # IPython's In, shown
    assert _redacted(history, delimiters, lines).text == REDACTED_OUTPUT


def test_the_students_own_output_is_kept():
    delimiters, lines = secret_quotes(SOURCE)
    assert lines and all(len(line) >= 12 for line in lines)
    mine = new_output("display_data", data={"text/plain": "<Figure size 640x480 with 1 Axes>", "image/png": "iVBOR"})
    assert _redacted(copy.deepcopy(mine), delimiters, lines) == mine
    own = new_output("stream", name="stdout", text="W_dt = momentum * W_dt - learning_rate * W_grad\n")
    assert _redacted(own, delimiters, lines).text == own.text
