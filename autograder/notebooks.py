"""Small helpers to read nbgrader notebooks: cells by grade_id, nbgrader's solution and hidden-test regions."""
import functools

import nbformat
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

SOLUTION, HIDDEN_TESTS = "solution", "hidden tests"  # the two kinds of nbgrader region


@functools.lru_cache(maxsize=None)
def delimiters():
    """nbgrader's markers as its own preprocessors are set (``ClearSolutions.begin_solution_delimeter``
    and the others, nbgrader's spelling): {SOLUTION: (begin, end), HIDDEN_TESTS: (begin, end)}."""
    solutions, hidden = ClearSolutions(), ClearHiddenTests()
    return {SOLUTION: (solutions.begin_solution_delimeter, solutions.end_solution_delimeter),
            HIDDEN_TESTS: (hidden.begin_test_delimeter, hidden.end_test_delimeter)}


def split_region(source, kind):
    """(inside, outside): the lines of ``source`` within nbgrader's regions of ``kind`` (SOLUTION or
    HIDDEN_TESTS) and the others, the delimiter lines left out of both. A line is a delimiter when it
    holds nbgrader's delimiter, the rule nbgrader's ClearSolutions and ClearHiddenTests apply."""
    begin, end = delimiters()[kind]
    inside, outside, within = [], [], False
    for line in source.splitlines():
        if begin in line:
            within = True
        elif end in line:
            within = False
        else:
            (inside if within else outside).append(line)
    return inside, outside


def nbgrader_meta(cell):
    """The cell's nbgrader metadata ({} when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test_cell(cell):
    """A graded code cell that is not a solution: an autograder test."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and meta.get("grade") and not meta.get("solution")


def test_cells(nb):
    """{grade_id: cell} of the notebook's autograder tests, in order."""
    return {nbgrader_meta(c)["grade_id"]: c for c in nb.cells if is_test_cell(c)}


EXTRA_CREDIT_KEY = "optkit_extra_credit"  # test-cell metadata in the source: points on top of the total


def extra_credit(nb):
    """{grade_id: points} of the notebook's extra-credit tests (nbgrader points 0, ours on top)."""
    return {g: float(c.metadata[EXTRA_CREDIT_KEY]) for g, c in test_cells(nb).items()
            if c.get("metadata", {}).get(EXTRA_CREDIT_KEY)}


def points(nb):
    """(max_score, extra) of a source notebook, in points: the nbgrader points of its test cells, and
    the extra credit on top of them (``extra_credit``)."""
    max_score = sum(float(nbgrader_meta(c).get("points") or 0) for c in test_cells(nb).values())
    return max_score, sum(extra_credit(nb).values())


def solution_cells(nb):
    """{grade_id: cell} of the notebook's solution cells, in order."""
    return {nbgrader_meta(c)["grade_id"]: c for c in nb.cells if nbgrader_meta(c).get("solution")}


def graded_ids(nb):
    """grade_ids of every cell with nbgrader metadata (tests, solutions, read-only cells)."""
    return [nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c).get("grade_id")]


def hidden_code(source):
    """The code between the hidden-test delimiters of a cell's source ('' when there is none)."""
    return "\n".join(split_region(source, HIDDEN_TESTS)[0])


def read(path):
    """Read a notebook as nbformat v4. A UTF-8 byte-order mark (Windows editors write one) is allowed:
    nbformat rejects it. Raises nbformat's errors (NotJSONError, ...) and UnicodeDecodeError."""
    with open(path, "rb") as handle:
        return nbformat.reads(handle.read().decode("utf-8-sig"), as_version=4)
