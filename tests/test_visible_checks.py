"""The checks a student sees never say "test passed." on code that is not right: every visible check of
every lab, run in-process on the blank release's stubs, says it failed; on each classic mistake of
``samples.MISTAKES``, the visible checks of the tests the mistake loses say they failed; on the
reference answers, every visible check passes."""
import contextlib
import io
import sys

import pytest

from autograder import notebooks
from autograder.authoring import samples
from autograder.engine.course import CourseDir
from autograder.engine.reference import _inside

pytestmark = pytest.mark.fast  # in-process, no grading run: `make test-fast`

LABS = ["lab2_forward_backward", "lab3_optimizers", "lab4_regularization"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """{assignment: source notebook path}, each installed with its labkit copy."""
    course = CourseDir(tmp_path_factory.mktemp("visible"))
    return {a: course.install_source(a) / f"{a}.ipynb" for a in LABS}


def _visible(cell):
    """A test cell's code without its hidden tests: what the student's copy runs."""
    return "\n".join(notebooks.split_region(cell.source, notebooks.HIDDEN_TESTS)[1])


def _is_check(cell):
    grade_id = notebooks.nbgrader_meta(cell).get("grade_id", "")
    return notebooks.is_test_cell(cell) or grade_id.startswith("check_")


def visible_checks(path, answers):
    """{grade_id: what its visible check printed} with the answer cells' code ``answers``
    ({grade_id: source}); the cells before the last check run in order, as a student runs them."""
    nb = notebooks.read(path)
    last = max(i for i, c in enumerate(nb.cells) if _is_check(c))
    printed, namespace = {}, {"__name__": "__main__"}
    for name in [m for m in sys.modules if m == "labkit" or m.startswith("labkit.")]:
        del sys.modules[name]
    with _inside(path.parent):
        for cell in nb.cells[:last + 1]:
            if cell.cell_type != "code":
                continue
            meta = notebooks.nbgrader_meta(cell)
            code = answers[meta["grade_id"]] if meta.get("solution") else _visible(cell)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                try:
                    exec(compile(code, f"<{meta.get('grade_id')}>", "exec"), namespace)
                except Exception as exc:  # noqa: BLE001 - a check that raises has said it failed
                    # (CheckFailed of the installed labkit copy: how a failing visible check says so)
                    failed = type(exc).__name__ == "CheckFailed"
                    print(f"test failed: {exc}" if failed else f"raised {type(exc).__name__}: {exc}")
            if _is_check(cell):
                printed[meta["grade_id"]] = out.getvalue()
    return printed


def _answers(path, edits=None, blank=False):
    nb = notebooks.read(path)
    if blank:
        from autograder import paths
        release = notebooks.read(paths.NOTEBOOKS / path.parent.name / path.name)
        return {g: c.source for g, c in notebooks.solution_cells(release).items()}
    return {g: c.source for g, c in notebooks.solution_cells(samples.answered(nb, nb, edits=edits)).items()}


def _passed(text):
    return "test passed" in text and "test failed" not in text and "raised " not in text


@pytest.mark.parametrize("assignment", LABS)
def test_every_visible_check_passes_on_the_reference(installed, assignment):
    printed = {g: t for g, t in visible_checks(installed[assignment], _answers(installed[assignment])).items() if t}
    assert printed and all(_passed(t) for t in printed.values()), printed


@pytest.mark.parametrize("assignment", LABS)
def test_no_visible_check_passes_on_the_blank_release(installed, assignment):
    printed = visible_checks(installed[assignment], _answers(installed[assignment], blank=True))
    passing = {g: t for g, t in printed.items() if "test passed" in t}
    assert not passing, passing


MISTAKES = [(a, name) for a in LABS for name in samples.MISTAKES[a]]


@pytest.mark.parametrize("assignment, name", MISTAKES, ids=[n for _, n in MISTAKES])
def test_a_classic_mistake_fails_the_visible_checks_of_what_it_loses(installed, assignment, name):
    mistake = samples.MISTAKES[assignment][name]
    loses, edits = list(mistake.says), mistake.edits
    printed = visible_checks(installed[assignment], _answers(installed[assignment], edits=edits))
    for test in loses:  # its own visible part says it failed (what nbgrader's Validate reads)
        assert "test failed" in printed[test] and not _passed(printed[test]), (test, printed[test])


def test_a_judge_with_nothing_to_compare_fails():
    from autograder.labkit.trace import judge_values
    assert not judge_values([], [], what="my_optimizer").passed


def test_each_solver_cell_judges_its_own_solver(installed):
    """The blank release with only sgd written: sgd's cell passes, every other solver's cell fails on its
    own solver (not on the earlier ones), and the handout's sequence check fails at momentum."""
    path = installed["lab3_optimizers"]
    answers = _answers(path, blank=True)
    answers["my_optimizer"] = ("def my_optimizer(lyr, opt, W_grad, B_grad, solver='sgd', learning_rate=0.01, iter=1):\n"
                               "    if solver != 'sgd':\n        raise NotImplementedError()\n"
                               "    lyr.wegt -= learning_rate * W_grad\n    lyr.bias -= learning_rate * B_grad\n")
    answers["myOptParam"] = _answers(path)["myOptParam"]
    printed = visible_checks(path, answers)
    assert _passed(printed["test_sgd"])
    assert "test failed: after momentum: my_optimizer raised NotImplementedError" in printed["check_my_optimizer"]
    for solver in ("momentum", "adagrad", "rmsprop", "adam"):
        assert (f"test failed: {solver} alone from the handout's start, call 1 of 2 (learning_rate=10, iter=3): "
                "my_optimizer raised "
                "NotImplementedError") in printed[f"test_{solver}"], printed[f"test_{solver}"]


def test_a_mistake_in_sgd_fails_only_the_sgd_cell(installed):
    """sgd scaling the gradient in place breaks the handout's sequence for every later solver; each
    solver's graded cell still judges only its own solver, as its hidden tests do."""
    path = installed["lab3_optimizers"]
    edits = samples.MISTAKES["lab3_optimizers"]["sgd_scales_gradient_in_place"].edits
    printed = visible_checks(path, _answers(path, edits=edits))
    assert not _passed(printed["check_my_optimizer"]) and not _passed(printed["test_sgd"])
    assert all(_passed(printed[f"test_{s}"]) for s in ("momentum", "adagrad", "rmsprop", "adam")), printed


STATE_NOT_KEPT = {  # a solver's state computed but never stored in opt (found by a breaker): cell -> edits
    "adam_moments_in_locals": ("test_adam", [(samples.ADAM, old, new) for old, new in (  # Adam's branch only
        ("opt.W_mt = beta1 * opt.W_mt", "W_mt = beta1 * opt.W_mt"), ("opt.B_mt = beta1 * opt.B_mt", "B_mt = beta1 * opt.B_mt"),
        ("opt.W_vt = beta2 * opt.W_vt", "W_vt = beta2 * opt.W_vt"), ("opt.B_vt = beta2 * opt.B_vt", "B_vt = beta2 * opt.B_vt"),
        ("W_mc = opt.W_mt /", "W_mc = W_mt /"), ("B_mc = opt.B_mt /", "B_mc = B_mt /"),
        ("W_vc = opt.W_vt /", "W_vc = W_vt /"), ("B_vc = opt.B_vt /", "B_vc = B_vt /"))]),
    "adam_bias_moment_in_a_local": ("test_adam", [(samples.ADAM, "opt.B_mt = beta1 * opt.B_mt", "B_mt = beta1 * opt.B_mt"),
                                                  (samples.ADAM, "B_mc = opt.B_mt /", "B_mc = B_mt /")]),
    "momentum_bias_velocity_not_stored": ("test_momentum", [("        opt.B_dt = B_dlt\n", "")]),
    "adagrad_accumulates_in_a_local": ("test_adagrad", [
        ("opt.W_vt = opt.W_vt + W_grad * W_grad", "kept = (opt.W_vt, opt.B_vt)\n        opt.W_vt = opt.W_vt + W_grad * W_grad"),
        ("    lyr.bias -= B_dlt", "    lyr.bias -= B_dlt\n    if solver == 'adagrad':\n        opt.W_vt, opt.B_vt = kept")]),
    "rmsprop_blends_in_a_local": ("test_rmsprop", [
        ("opt.W_vt = gamma * opt.W_vt + (1 - gamma)", "kept = (opt.W_vt, opt.B_vt)\n        opt.W_vt = gamma * opt.W_vt + (1 - gamma)"),
        ("    lyr.bias -= B_dlt", "    lyr.bias -= B_dlt\n    if solver == 'rmsprop':\n        opt.W_vt, opt.B_vt = kept")]),
}


@pytest.mark.parametrize("name", sorted(STATE_NOT_KEPT))
def test_a_state_never_stored_fails_its_solvers_own_cell(installed, name):
    """One call can be right while the state is never kept: the solver's cell makes two calls and reads
    its state, so the mistake fails there (where nbgrader's Validate looks), and only there."""
    cell, edits = STATE_NOT_KEPT[name]
    path = installed["lab3_optimizers"]
    printed = visible_checks(path, _answers(path, edits={"my_optimizer": edits}))
    assert "test failed" in printed[cell], (cell, printed[cell])
    others = [f"test_{s}" for s in ("sgd", "momentum", "adagrad", "rmsprop", "adam") if f"test_{s}" != cell]
    assert all(_passed(printed[t]) for t in others), {t: printed[t] for t in others}
