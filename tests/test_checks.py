"""The checks themselves (labkit.checks), run in-process against the reference solution:
right answers written differently pass, classic mistakes fail with a precise hint."""
import numpy as np
import pytest

from autograder.course import CourseDir
from autograder.labkit import checks
from autograder.preprocessors import decide
from autograder.reference import reference_namespace, reference_reports

from submissions_lab3 import ALTERNATIVE_MINIBATCHES, ALTERNATIVE_OPTIMIZER, ALTERNATIVE_OPTPARAM


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
    assert checks.handout_minibatch_check(ref["create_mini_batches"]).passed
    assert checks.handout_optimizer_check(ref["my_optimizer"], ref["myOptParam"], ref["myDenseLayer"]).passed
    printed = capsys.readouterr().out
    assert "[ 7.67789007  8.16882972 10.34203348 -3.22934657]" in printed
    assert printed.count("test passed.") == 2


CASES = [dict(solver=s, seed=40 + i, calls=[(0.05, 1), (0.3, 1), (1.7, 2), (0.01, 3), (0.5, 7)])
         for i, s in enumerate(checks.SOLVERS + checks.EXTRA_SOLVERS)]


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
    assert checks.self_check_nesterov(ref["my_optimizer"], ref["myOptParam"], ref["myDenseLayer"]).passed

    def momentum_instead(lyr, opt, W_grad, B_grad, solver='sgd', learning_rate=0.01, iter=1):
        return ref["my_optimizer"](lyr, opt, W_grad, B_grad, "momentum", learning_rate, iter)

    verdict = checks.self_check_nesterov(momentum_instead, ref["myOptParam"], ref["myDenseLayer"])
    assert not verdict.passed and "look" in verdict.message


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
    expected = checks.trace_unknown_solver(ref["my_optimizer"], *args, solver="nadam")
    silent = checks.trace_unknown_solver(lambda *a, **k: None, *args, solver="nadam")
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
    assert decide(expected, cell(reports))[0]
    noise = [{"output_type": "stream", "name": "stderr", "text": "RuntimeWarning"},
             {"output_type": "stream", "name": "stdout", "text": "test failed"}]
    assert decide(expected, cell(noise + reports))[0]  # prints and warnings change nothing
    passed, message = decide(expected, cell(reports + reports[:1]))
    assert not passed and "tampered" in message
    error = {"output_type": "error", "ename": "NameError", "evalue": "name 'my_optimizer' is not defined"}
    passed, message = decide(expected, cell(reports[:1] + [error]))
    assert not passed and "did not run: it stopped with NameError" in message
    garbage = [{"output_type": "display_data", "data": {checks.TRACE_MIME: {"kind": "optimizer"}}}]
    assert not decide(expected, cell(garbage))[0]


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

    verdict = checks.self_check_nesterov(seeds_nag, ref["myOptParam"], ref["myDenseLayer"])
    assert not verdict.passed and "opposite sign" in verdict.message, verdict.message
