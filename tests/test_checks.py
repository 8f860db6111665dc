"""The checks themselves (labkit.checks), run in-process against the reference solution:
right answers written differently pass, classic mistakes fail with a precise hint (every classic
mistake of samples.MISTAKES, through the hidden tests of its lab's source notebook)."""
import re

import nbformat
import numpy as np
import pytest

import submissions_lab2
import submissions_lab3
import submissions_lab4
from autograder import notebooks, paths
from autograder.authoring import samples
from autograder.engine.course import CourseDir
from autograder.labkit import checks, solvers
from autograder.engine.preprocessors import decide
from autograder.engine.reference import reference_namespace, reference_reports

from submissions_lab3 import ALTERNATIVE_MINIBATCHES, ALTERNATIVE_OPTIMIZER, ALTERNATIVE_OPTPARAM

pytestmark = pytest.mark.fast  # in-process, no grading run: `make test-fast`


@pytest.fixture(scope="module")
def source_notebook(tmp_path_factory):
    return CourseDir(tmp_path_factory.mktemp("course")).install_source("lab3_optimizers") / "lab3_optimizers.ipynb"


@pytest.fixture(scope="module")
def ref(source_notebook):
    return reference_namespace(source_notebook)


@pytest.fixture(scope="module")
def alternative(ref):
    namespace = {"np": np}
    for code in (ALTERNATIVE_MINIBATCHES, ALTERNATIVE_OPTIMIZER, ALTERNATIVE_OPTPARAM):
        exec(code, namespace)
    return namespace


def _round_trip(kind, steps):
    return checks.decode_trace(checks.encode_trace(kind, steps))[1]


def test_handout_checks_pass_with_the_reference(ref, capsys):
    assert checks.check_handout_minibatches(ref["create_mini_batches"]).passed
    assert checks.check_handout_optimizer(ref["my_optimizer"], ref["myOptParam"], ref["myDenseLayer"]).passed
    printed = capsys.readouterr().out
    assert "[ 7.67789007  8.16882972 10.34203348 -3.22934657]" in printed
    assert printed.count("test passed.") == 2


CASES = [dict(solver=s, seed=40 + i, calls=[(0.05, 1), (0.3, 1), (1.7, 2), (0.01, 3), (0.5, 7)])
         for i, s in enumerate(checks.SOLVERS + checks.EXTRA_SOLVERS) if s in submissions_lab3.ALTERNATIVE_SOLVERS]


@pytest.mark.parametrize("case", CASES, ids=[c["solver"] for c in CASES])
def test_an_optimizer_written_differently_passes(ref, alternative, case):
    args = (ref["myOptParam"], ref["myDenseLayer"])
    expected = _round_trip("optimizer", checks.trace_optimizer(ref["my_optimizer"], *args, **case))
    got = _round_trip("optimizer", checks.trace_optimizer(alternative["my_optimizer"], *args, **case))
    verdict = checks.judge("optimizer", expected, got)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("n, y_columns, batch_size", [(100, 10, 20), (131, 10, 64), (37, 3, 64), (10, 1, 4)])
def test_minibatches_written_differently_pass(ref, alternative, n, y_columns, batch_size):
    case = dict(n=n, n_features=3, y_columns=y_columns, batch_size=batch_size, seed=7)
    expected = _round_trip("minibatches", checks.trace_minibatches(ref["create_mini_batches"], **case))
    got = _round_trip("minibatches", checks.trace_minibatches(alternative["create_mini_batches"], **case))
    assert checks.judge("minibatches", expected, got).passed


def test_optparam_written_differently_passes(ref, alternative):
    shapes = [(2, 3), (4, 1)]
    verdict = checks.judge("optparam", checks.trace_optparam(ref["myOptParam"], shapes),
                           checks.trace_optparam(alternative["myOptParam"], shapes))
    assert verdict.passed, verdict.message


MISTAKES = {  # solver -> (replacement my_optimizer branch behaviour, words the hint must contain)
    "momentum": ("store the new deltas", lambda o, W, B, lr, it: (0.9 * o.W_dt + lr * W, 0.9 * o.B_dt + lr * B)),
    "adagrad": ("add the squared gradient to opt.W_vt",
                lambda o, W, B, lr, it: (setattr(o, "W_vt", W * W), setattr(o, "B_vt", B * B),
                                         lr * W / np.sqrt(o.W_vt + 1e-8), lr * B / np.sqrt(o.B_vt + 1e-8))[2:]),
    "rmsprop": ("gamma = 0.9",
                lambda o, W, B, lr, it: (setattr(o, "W_vt", 0.99 * o.W_vt + 0.01 * W * W),
                                         setattr(o, "B_vt", 0.99 * o.B_vt + 0.01 * B * B),
                                         lr * W / np.sqrt(o.W_vt + 1e-8), lr * B / np.sqrt(o.B_vt + 1e-8))[2:]),
    "adam": ("bias", lambda o, W, B, lr, it: (
        setattr(o, "W_mt", 0.9 * o.W_mt + 0.1 * W), setattr(o, "B_mt", 0.9 * o.B_mt + 0.1 * B),
        setattr(o, "W_vt", 0.99 * o.W_vt + 0.01 * W * W), setattr(o, "B_vt", 0.99 * o.B_vt + 0.01 * B * B),
        lr * o.W_mt / (np.sqrt(o.W_vt) + 1e-8), lr * o.B_mt / (np.sqrt(o.B_vt) + 1e-8))[4:]),
    "sgd": ("learning_rate argument", lambda o, W, B, lr, it: (0.01 * W, 0.01 * B)),
    "nesterov": ("look", lambda o, W, B, lr, it: (  # steps by the new velocity: that is momentum
        setattr(o, "W_dt", 0.9 * o.W_dt + lr * W), setattr(o, "B_dt", 0.9 * o.B_dt + lr * B), o.W_dt, o.B_dt)[2:]),
}


def test_the_visible_nesterov_check_follows_the_formulas(ref, capsys):
    assert checks.check_nesterov(ref["my_optimizer"], ref["myOptParam"], ref["myDenseLayer"]).passed

    def momentum_instead(lyr, opt, W_grad, B_grad, solver='sgd', learning_rate=0.01, iter=1):
        return ref["my_optimizer"](lyr, opt, W_grad, B_grad, "momentum", learning_rate, iter)

    with pytest.raises(checks.CheckFailed, match="look"):  # a failing visible check fails its cell
        checks.check_nesterov(momentum_instead, ref["myOptParam"], ref["myDenseLayer"])


@pytest.mark.parametrize("solver", sorted(MISTAKES))
def test_a_classic_mistake_fails_with_its_hint(ref, solver):
    words, delta = MISTAKES[solver]

    def wrong(lyr, opt, W_grad, B_grad, solver='sgd', learning_rate=0.01, iter=1):
        W_dlt, B_dlt = delta(opt, W_grad, B_grad, learning_rate, iter)
        lyr.wegt = lyr.wegt - W_dlt
        lyr.bias = lyr.bias - B_dlt

    case = next(c for c in CASES if c["solver"] == solver)
    args = (ref["myOptParam"], ref["myDenseLayer"])
    expected = checks.trace_optimizer(ref["my_optimizer"], *args, **case)
    verdict = checks.judge("optimizer", expected, checks.trace_optimizer(wrong, *args, **case))
    assert not verdict.passed
    assert words in verdict.message, verdict.message
    assert "expected" in verdict.message and "at index" in verdict.message


def test_a_probe_records_errors_instead_of_raising(ref):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("oops")
    steps = checks.trace_optimizer(broken, ref["myOptParam"], ref["myDenseLayer"], "sgd", 1, [(0.1, 1)])
    verdict = checks.judge("optimizer", checks.trace_optimizer(
        ref["my_optimizer"], ref["myOptParam"], ref["myDenseLayer"], "sgd", 1, [(0.1, 1)]), steps)
    assert not verdict.passed and "raised ZeroDivisionError: oops" in verdict.message


def test_an_unknown_solver_must_raise_value_error(ref):
    args = (ref["myOptParam"], ref["myDenseLayer"])
    expected = checks.trace_unknown_solver(ref["my_optimizer"], *args, solver="rmsprob")
    silent = checks.trace_unknown_solver(lambda *a, **k: None, *args, solver="rmsprob")
    assert checks.judge("unknown_solver", expected, expected).passed
    assert "expected a ValueError" in checks.judge("unknown_solver", expected, silent).message


def test_malformed_reports_are_rejected():
    with pytest.raises(ValueError):
        checks.decode_trace({"kind": "optimizer", "steps": [{"label": "x", "arrays": {"a": {"shape": [3], "data": "AAAA"}}}]})
    with pytest.raises(ValueError):
        checks.decode_trace({"steps": "nonsense"})


def test_the_grader_decides_from_reports_only(source_notebook):
    expected = reference_reports(source_notebook)["test_momentum"]
    def cell(outputs):
        return {"cell_type": "code", "outputs": outputs}
    reports = [{"output_type": "display_data", "data": {checks.TRACE_MIME: p}} for p in expected]
    assert decide(expected, cell(reports))["passed"]
    noise = [{"output_type": "stream", "name": "stderr", "text": "RuntimeWarning"},
             {"output_type": "stream", "name": "stdout", "text": "test failed"}]
    assert decide(expected, cell(noise + reports))["passed"]  # prints and warnings change nothing
    record = decide(expected, cell(reports + reports[:1]))
    assert not record["passed"] and record["forged"] and "tampered" in record["message"]
    assert [t["outcome"] for t in record["tests"]] == ["forged"]
    error = {"output_type": "error", "ename": "NameError", "evalue": "name 'my_optimizer' is not defined"}
    record = decide(expected, cell(reports[:1] + [error]))
    assert not record["passed"] and "did not run: it stopped with NameError" in record["message"]
    assert [t["outcome"] for t in record["tests"]] == ["passed", "did not run"]
    assert record["tests"][1]["summary"] == f"Test 2 of {len(expected)} did not run: it stopped with NameError: " \
                                            "name 'my_optimizer' is not defined."
    garbage = [{"output_type": "display_data", "data": {checks.TRACE_MIME: {"kind": "optimizer"}}}]
    assert decide(expected, cell(garbage))["forged"]


@pytest.mark.parametrize("sizes, batch", [((5, 4, 3, 3), 1), ((3, 6, 2, 4), 5), ((64, 80, 70, 10), 2)])
def test_the_reference_backward_matches_numerical_gradients(sizes, batch):
    """The truth the backward tests compare with: centred differences of the summed cross-entropy."""
    from autograder.labkit import dnn
    from autograder.labkit.gradcheck import numerical_gradient, relative_error
    rng = np.random.RandomState(sum(sizes) + batch)
    layers = [dnn.myDenseLayer(n_out, n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    for lyr in layers:
        lyr.wegt, lyr.bias = rng.randn(*lyr.wegt.shape), rng.randn(*lyr.bias.shape)
    X, y = rng.randn(batch, sizes[0]), np.eye(sizes[3])[rng.randint(sizes[3], size=batch)]
    analytic = dnn.my_backward(layers, *dnn.my_forward(layers, X), X, y)
    loss = lambda: -np.sum(y * np.log(dnn.my_forward(layers, X)[2]))  # noqa: E731
    for lyr, (dW, db) in zip(layers, analytic):
        assert relative_error(dW, numerical_gradient(loss, lyr.wegt)) < 1e-6
        assert relative_error(db, numerical_gradient(loss, lyr.bias)) < 1e-6


def test_the_references_of_several_labs_in_one_process(tmp_path):
    """Each lab's reference imports its own labkit copy, whatever another lab's imported before (Lab 2's
    copy has no dnn.py, which Lab 4 imports): one grading process grades any mix of labs."""
    course = CourseDir(tmp_path)
    for lab in ("lab2_forward_backward", "lab4_regularization", "lab3_optimizers", "lab2_forward_backward"):
        reports = reference_reports(course.install_source(lab) / f"{lab}.ipynb")
        assert reports and all(reports.values()), lab


def test_the_seeds_sign_convention_gets_its_own_hint(ref):
    """Seed 000 writes v = gamma v - eta g, w += gamma v - eta g: the same steps with the velocity's sign
    flipped. The course stores the subtracted delta; the hint says so."""
    def seeds_nag(lyr, opt, W_grad, B_grad, solver='sgd', learning_rate=0.01, iter=1):
        opt.W_dt = 0.9 * opt.W_dt - learning_rate * W_grad
        opt.B_dt = 0.9 * opt.B_dt - learning_rate * B_grad
        lyr.wegt = lyr.wegt + 0.9 * opt.W_dt - learning_rate * W_grad
        lyr.bias = lyr.bias + 0.9 * opt.B_dt - learning_rate * B_grad

    with pytest.raises(checks.CheckFailed, match="opposite sign"):
        checks.check_nesterov(seeds_nag, ref["myOptParam"], ref["myDenseLayer"])


# ---------------------------------------------------------------- whole labs, in-process (no nbgrader)
# Each hidden test of a lab's source notebook run as the grader runs it: the answers (the reference's,
# edited or replaced) report their traces, judged against the reference's with the grader's decide().
CATALOGUES = {"lab2_forward_backward": submissions_lab2, "lab3_optimizers": submissions_lab3,
              "lab4_regularization": submissions_lab4}


@pytest.fixture(scope="module")
def labs(tmp_path_factory):
    """{assignment: (source notebook, the reference's reports)}, each lab installed once."""
    course, found = CourseDir(tmp_path_factory.mktemp("labs")), {}

    def lab(assignment):
        if assignment not in found:
            path = course.install_source(assignment) / f"{assignment}.ipynb"
            found[assignment] = path, reference_reports(path)
        return found[assignment]
    return lab


def _variant(source_notebook, edits=None, sources=None):
    """The source notebook with its answers edited (``edits``) or replaced (``sources``), beside it."""
    nb = notebooks.read(source_notebook)
    path = source_notebook.with_name("variant.ipynb")
    nbformat.write(samples.answered(nb, nb, edits=edits, sources=sources), str(path))
    return path


def _reporting_cell(payloads):
    return {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {checks.TRACE_MIME: p}}
                                             for p in payloads]}


def verdicts(lab, edits=None, sources=None):
    """{test grade_id: (passed, message)} of the answers edited or replaced, as the grader decides."""
    source_notebook, expected = lab
    got = reference_reports(_variant(source_notebook, edits, sources))
    records = {grade_id: decide(reports, _reporting_cell(got[grade_id])) for grade_id, reports in expected.items()}
    return {grade_id: (record["passed"], record["message"]) for grade_id, record in records.items()}


def first_failure(message):
    """The first failed test's part of a decided cell's message (what a student reads first)."""
    return next(part for part in re.split(r"\n(?=Test \d+ of \d+ )", message) if " FAILED: " in part.split("\n")[0])


@pytest.mark.parametrize("assignment", sorted(CATALOGUES))
def test_the_reference_answers_pass_every_hidden_test(labs, assignment):
    failed = {g: m for g, (passed, m) in verdicts(labs(assignment)).items() if not passed}
    assert not failed, failed


WRITTEN_DIFFERENTLY = {
    "lab2_forward_backward": submissions_lab2.ALTERNATIVES,
    "lab3_optimizers": {"create_mini_batches": ALTERNATIVE_MINIBATCHES, "my_optimizer": ALTERNATIVE_OPTIMIZER,
                        "myOptParam": ALTERNATIVE_OPTPARAM},
    "lab4_regularization": submissions_lab4.ALTERNATIVES,
}


@pytest.mark.parametrize("assignment", sorted(CATALOGUES))
def test_the_catalogues_answers_written_differently_pass(labs, assignment):
    failed = {g: m for g, (passed, m) in verdicts(labs(assignment), sources=WRITTEN_DIFFERENTLY[assignment]).items()
              if not passed}
    assert sorted(failed) == sorted(CATALOGUES[assignment].EXPECTED["written_differently"][1]), failed


STABLE_ANSWERS = {  # Lab 2: stable forward passes, losses and predictions written other ways (all right)
    "forward_inline_tanh": {"my_forward": '''
def my_forward(layers, X):
    l1, l2, l3 = layers
    a_1 = 0.5 * (1 + np.tanh(0.5 * (X @ l1.wegt.T + l1.bias)))
    a_2 = 0.5 * (1 + np.tanh(0.5 * (a_1 @ l2.wegt.T + l2.bias)))
    z = a_2 @ l3.wegt.T + l3.bias
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return a_1, a_2, e / e.sum(axis=1, keepdims=True)
'''},
    "forward_scipy": {"my_forward": '''
from scipy.special import expit, softmax as scipy_softmax

def my_forward(layers, X):
    out, a = [], X
    for number, lyr in enumerate(layers, start=1):
        z = np.dot(a, lyr.wegt.T) + lyr.bias
        a = scipy_softmax(z, axis=1) if number == 3 else expit(z)
        out.append(a)
    return tuple(out)
'''},
    "forward_masks": {"my_forward": '''
def stable_sigmoid(z):
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1 / (1 + np.exp(-z[positive]))
    e = np.exp(z[~positive])
    out[~positive] = e / (1 + e)
    return out

def my_forward(layers, X):
    l1, l2, l3 = layers
    a_1 = stable_sigmoid(X @ l1.wegt.T + l1.bias)
    a_2 = stable_sigmoid(a_1 @ l2.wegt.T + l2.bias)
    return a_1, a_2, softmax(a_2 @ l3.wegt.T + l3.bias)
'''},
    "forward_clipped": {"my_forward": '''
def my_forward(layers, X):
    l1, l2, l3 = layers
    a_1 = 1 / (1 + np.exp(-np.clip(X @ l1.wegt.T + l1.bias, -500, 500)))
    a_2 = 1 / (1 + np.exp(-np.clip(a_1 @ l2.wegt.T + l2.bias, -500, 500)))
    return a_1, a_2, softmax(a_2 @ l3.wegt.T + l3.bias)
'''},
    "loss_plain_log_predict_argmax_logits": {"my_loss_predict": '''
def my_loss(layers, X, y):
    a_3 = my_forward(layers, X)[2]
    return -np.mean(np.sum(y * np.log(a_3), axis=1))        # the handout's formula, as written


def my_predict(layers, X):
    l3 = layers[2]
    return np.argmax(my_forward(layers, X)[1] @ l3.wegt.T + l3.bias, axis=1)   # softmax keeps the order
'''},
    "loss_logsumexp_clip": {"my_loss_predict": '''
from scipy.special import logsumexp

def my_loss(layers, X, y):
    l3 = layers[2]
    z = my_forward(layers, X)[1] @ l3.wegt.T + l3.bias
    return float(-np.mean(np.sum(y * (z - logsumexp(z, axis=1, keepdims=True)), axis=1)))


def my_predict(layers, X):
    return np.clip(my_forward(layers, X)[2], 1e-15, 1.0).argmax(axis=-1)
'''},
}


@pytest.mark.parametrize("name", sorted(STABLE_ANSWERS))
def test_stable_answers_written_differently_pass_the_large_weights(labs, name):
    failed = {g: m for g, (passed, m) in verdicts(labs("lab2_forward_backward"), sources=STABLE_ANSWERS[name]).items()
              if not passed}
    assert not failed, failed


def test_an_unstable_activation_costs_only_once(labs):
    """my_forward calls the notebook's sigmoid and softmax: with large weights an overflow of theirs is
    theirs (test_sigmoid, test_softmax), not my_forward's, my_loss's or my_predict's."""
    unstable = {"activations": '''
def sigmoid(x):
    return np.exp(x) / (1 + np.exp(x))


def softmax(x):
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)
'''}
    decided = verdicts(labs("lab2_forward_backward"), sources=unstable)
    assert sorted(g for g, (passed, _) in decided.items() if not passed) == ["test_sigmoid", "test_softmax"]


def test_the_visible_forward_check_catches_an_overflow(labs):
    source_notebook, _ = labs("lab2_forward_backward")
    edits = samples.MISTAKES["lab2_forward_backward"]["forward_inline_unstable_sigmoid"].edits
    right, wrong = reference_namespace(source_notebook), reference_namespace(_variant(source_notebook, edits))
    assert right["labcheck"].check_forward(right["my_forward"], right["myDenseLayer"]).passed
    with pytest.raises(Exception, match="weights and biases times 1000") as failed:
        wrong["labcheck"].check_forward(wrong["my_forward"], wrong["myDenseLayer"])
    assert type(failed.value).__name__ == "CheckFailed" and "must not overflow for large weights" in str(failed.value)


# Every classic mistake of samples.MISTAKES: the tests it loses (the catalogues' tables), and for each of
# them a phrase that names this very mistake, in the first failed hidden test's message (what a student
# reads first); further phrases (a second problem of the same answer) anywhere in that test's feedback.
MISTAKE_HINTS = {(a, name): m.says for a, mistakes in samples.MISTAKES.items() for name, m in mistakes.items()}


def test_every_classic_mistake_has_its_hint_phrases():
    assert set(MISTAKE_HINTS) == {(a, name) for a, mistakes in samples.MISTAKES.items() for name in mistakes}


@pytest.mark.parametrize("assignment, name", sorted(MISTAKE_HINTS), ids=[n for _, n in sorted(MISTAKE_HINTS)])
def test_a_classic_mistake_fails_with_the_hint_that_names_it(labs, assignment, name):
    decided = verdicts(labs(assignment), edits=samples.MISTAKES[assignment][name].edits)
    lost = CATALOGUES[assignment].EXPECTED[f"mistake_{name}"][1]
    assert sorted(g for g, (passed, _) in decided.items() if not passed) == sorted(lost)
    assert set(MISTAKE_HINTS[assignment, name]) == set(lost)  # every test it loses says why
    for test, phrases in MISTAKE_HINTS[assignment, name].items():
        main, *more = (phrases,) if isinstance(phrases, str) else phrases
        assert main in first_failure(decided[test][1]), (test, decided[test][1])
        assert all(phrase in decided[test][1] for phrase in more), (test, decided[test][1])


def test_an_unwritten_extra_credit_passes_its_cell_but_a_broken_one_fails(ref):
    """The extra credit's cell: a branch never written (NotImplementedError, or the unknown solver's
    ValueError) is 'not attempted' and does not fail; a written branch that raises (a broadcasting
    ValueError) fails like any wrong answer."""
    def answer(nesterov):
        def my_optimizer(lyr, opt, W_grad, B_grad, solver='sgd', learning_rate=0.01, iter=1):
            if solver == 'nesterov':
                return nesterov(lyr, opt, W_grad, B_grad, learning_rate)
            return ref["my_optimizer"](lyr, opt, W_grad, B_grad, solver, learning_rate, iter)
        return my_optimizer

    def unknown(*args):
        raise ValueError("unknown solver 'nesterov': use 'sgd', 'momentum', 'adagrad', 'rmsprop' or 'adam'")

    def stub(*args):
        raise NotImplementedError()

    def broadcasting(lyr, opt, W_grad, B_grad, learning_rate):
        opt.W_dt = 0.9 * opt.W_dt + learning_rate * W_grad.T  # (3, 2) against (2, 3): numpy's ValueError

    args = (ref["myOptParam"], ref["myDenseLayer"])
    for unwritten in (unknown, stub):
        assert not checks.check_nesterov(answer(unwritten), *args).passed  # said, not raised
    with pytest.raises(checks.CheckFailed, match="broadcast"):
        checks.check_nesterov(answer(broadcasting), *args)


def test_the_course_constants_are_defined_once():
    """Every module that names the solvers reads them from labkit/solvers.py (each with its formula), and
    their hyperparameters from labkit/hyperparameters.py."""
    from autograder.labkit import hyperparameters, optimizer_checks, optimizers, training
    assert set(training.SOLVERS) <= set(solvers.ALL_SOLVERS) == set(optimizers.FORMULAS)  # every solver has its formula
    assert optimizers.SOLVERS == checks.SOLVERS + checks.EXTRA_SOLVERS == solvers.ALL_SOLVERS
    assert solvers.SOLVERS == ("sgd", "momentum", "adagrad", "rmsprop", "adam")  # the handout's five, in its order
    assert set(solvers.STATE_OF["adam"]) <= set(optimizer_checks.OPT_STATE)
    assert optimizers.DEFAULTS == {"gamma": 0.9, "beta1": 0.9, "beta2": 0.99, "epsilon": 1e-8}  # seed 004
    assert [hyperparameters.shown(v) for v in (0.9, 0.99, 1e-8)] == ["0.9", "0.99", "1e-8"]


def _solvers_checked_alone():
    """The solvers whose graded cell in Lab 3's source notebook calls the visible check with ``only=``."""
    nb = notebooks.read(paths.SOLUTIONS / "lab3_optimizers" / "lab3_optimizers.ipynb")
    return sorted({m for c in nb.cells for m in re.findall(r"only\s*=\s*[\"'](\w+)[\"']", c.source)})


@pytest.mark.parametrize("solver", _solvers_checked_alone())
def test_a_solvers_visible_numbers_are_the_references(solver):
    """Each solver whose graded cell checks it alone has its ``solo`` numbers in its registry entry, and
    they are what the reference optimizer gives; for a new solver, the failure prints the entry to paste."""
    import json

    from autograder.labkit import optimizer_checks, optimizers
    got = optimizer_checks.trace_solo(optimizers.my_optimizer, optimizers.myOptParam, _Layer, solver)
    numbers = [{name: np.round(a, 10).tolist() for name, a in step.arrays.items() if name not in ("W_grad", "B_grad")}
               for step in got]
    paste = f"{json.dumps(solver)}: {json.dumps(numbers)},"
    expected = solvers.BY_NAME[solver].solo if solver in solvers.BY_NAME else None
    if not expected or len(expected) != len(numbers) or any(
            set(want) != set(have) or not all(np.allclose(want[k], have[k], rtol=1e-9, atol=1e-9) for k in want)
            for want, have in zip(expected, numbers)):
        pytest.fail(f"{solver}'s visible numbers are missing or differ from the reference's: in "
                    f"autograder/labkit/solvers.py, make this line its entry of _SOLO:\n{paste}", pytrace=False)


class _Layer:
    def __init__(self, n_out, n_in):
        self.wegt, self.bias = np.zeros((n_out, n_in)), np.zeros(n_out)
