"""docs/extending.md, followed on a temporary copy: a toy check written the way the doc says (a probe,
its hint, its declaration as a ``Check``, a visible check, a lab's checks module, a source notebook with
a hidden test) ships with its lab, and the reference side and the judge decide with it."""
import shutil
import sys

import nbformat
import numpy as np
import pytest

from autograder.authoring import closure
from autograder import notebooks, paths
from autograder.engine import reference

pytestmark = pytest.mark.fast  # in-process, no grading run: `make test-fast`

TOY_CHECKS = '''"""Checks of ``double(x)``: 2 x, elementwise."""
import numpy as np

from .trace import Check, Step, observe


def trace_double(double, xs):
    return [observe(f"double({x})", lambda x=x: {"result": double(np.array(x, dtype=float))}) for x in xs]


def double_hint(step_index, bad_names, expected, got):
    return "return two times x."


DOUBLE = Check("double", trace_double, what="double", hint=double_hint)


def check_double(double):
    """The visible check: double(3.0) is 6.0."""
    return DOUBLE.visible([Step("double(3.0)", {"result": np.array(6.0)})], trace_double(double, [3.0]))
'''
LAB_CHECKS = '''"""The checks of the toy lab."""
from .toy_checks import *  # noqa: F401,F403
from .trace import hidden_test  # noqa: F401
'''


def _toy_lab(folder):
    """The toy lab's source folder: its notebook next to a labkit copy with the toy check added."""
    shutil.copytree(paths.LABKIT, folder / "labkit", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "labkit" / "toy_checks.py").write_text(TOY_CHECKS)
    (folder / "labkit" / "lab9_checks.py").write_text(LAB_CHECKS)
    meta = {"schema_version": 3, "locked": False, "task": False}
    cells = [
        nbformat.v4.new_code_cell("from labkit import lab9_checks as labcheck", metadata={"tags": ["setup"]}),
        nbformat.v4.new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                                  metadata={"nbgrader": dict(meta, grade=False, solution=True, grade_id="double")}),
        nbformat.v4.new_code_cell("labcheck.check_double(double)"),
        nbformat.v4.new_code_cell("### BEGIN HIDDEN TESTS\nlabcheck.hidden_test(\"double\", double, xs=[1.0, -2.5])\n"
                                  "### END HIDDEN TESTS",
                                  metadata={"nbgrader": dict(meta, grade=True, solution=False, points=1,
                                                             grade_id="test_double", locked=True)}),
    ]
    path = folder / "lab9_toy.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), str(path))
    return path


@pytest.fixture
def toy_lab(tmp_path):
    path = _toy_lab(tmp_path)
    yield path
    for name in [m for m in sys.modules if m == "labkit" or m.startswith("labkit.")]:
        del sys.modules[name]  # the copy's modules: not another test's labkit


def test_a_check_added_as_the_doc_says_ships_and_decides(toy_lab):
    # the release ships the toy check with its lab, and no other lab's checks
    shipped = closure.notebook_closure([toy_lab], labkit=toy_lab.parent / "labkit")
    assert shipped == {"__init__", "lab9_checks", "toy_checks", "trace"}
    assert notebooks.test_cells(notebooks.read(toy_lab))["test_double"]  # nbgrader's markers read as usual
    # the reference side reports what the solution does for the hidden inputs
    reports = reference.reference_reports(toy_lab)
    trace, toy = sys.modules["labkit.trace"], sys.modules["labkit.toy_checks"]
    kind, expected = trace.decode_trace(reports["test_double"][0])
    assert kind == "double" and [s.label for s in expected] == ["double(1.0)", "double(-2.5)"]

    def student(double):  # what a student's kernel reports for the same hidden test
        with trace.collect_reports() as got:
            sys.modules["labkit.lab9_checks"].hidden_test("double", double, xs=[1.0, -2.5])
        return trace.REGISTRY[kind].judge(expected, trace.decode_trace(got[0])[1])

    assert student(lambda x: x + x).passed                   # right, written differently
    wrong = student(lambda x: 3 * x)
    assert not wrong.passed and "return two times x." in wrong.message
    # the visible check: passes a right answer, fails a wrong one in the cell
    assert toy.check_double(lambda x: 2 * x).passed
    with pytest.raises(trace.CheckFailed):
        toy.check_double(lambda x: x)
    assert np.isfinite(expected[1].arrays["result"]).all()


def test_an_edit_of_a_classic_mistake_names_one_place():
    """A TA's Adam-like extra credit repeats Adam's lines: an edit that would change both says so, and an
    edit scoped to its branch (within, old, new) changes Adam's only."""
    from autograder.authoring import samples
    source = "    elif solver == 'adam':\n        v = beta2 * v\n    elif solver == 'nadam':\n        v = beta2 * v\n"
    with pytest.raises(ValueError, match="occurs 2 times"):
        samples._apply(source, "my_optimizer", "v = beta2 * v", "v = 0.999 * v")
    edited = samples._apply(source, "my_optimizer", "    elif solver == 'adam':", "v = beta2 * v", "v = 0.999 * v")
    assert edited.count("0.999") == 1 and edited.index("0.999") < edited.index("nadam")
    with pytest.raises(ValueError, match="not found"):
        samples._apply(source, "my_optimizer", "    elif solver == 'nadam':", "v = 0.9 * v", "")
