"""Checks of ``myOptParam`` and ``my_optimizer`` (the optimizers lab)."""
import numpy as np

from .trace import Step, Verdict, as_float_array, describe_error, error_text, judge_values, observe, show

SOLVERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam")  # the handout's, in its order
EXTRA_SOLVERS = ("nesterov",)                                 # the extra-credit one (seed 000)
GAMMA = 0.9
BETA1, BETA2 = 0.9, 0.99  # the course's Adam
OPT_STATE = ("W_dt", "B_dt", "W_mt", "B_mt", "W_vt", "B_vt")
# The state arrays each solver reads and writes (checked after every call).
STATE_OF = {
    "sgd": (),
    "momentum": ("W_dt", "B_dt"),
    "adagrad": ("W_vt", "B_vt"),
    "rmsprop": ("W_vt", "B_vt"),
    "adam": ("W_mt", "B_mt", "W_vt", "B_vt"),
    "nesterov": ("W_dt", "B_dt"),
}


def _fresh_opt(myOptParam, n_out, n_in):
    """Your myOptParam object when it can be built, else a plain one (graded separately)."""
    try:
        return myOptParam(n_out, n_in)
    except Exception:
        return type("OptState", (), {})()


def _optimizer_setup(myOptParam, myDenseLayer, shape, rng):
    """A layer and an optimizer state filled with non-zero values drawn from ``rng``."""
    n_out, n_in = shape
    lyr = myDenseLayer(n_out, n_in)
    lyr.wegt = rng.randn(n_out, n_in)
    lyr.bias = rng.randn(n_out)
    opt = _fresh_opt(myOptParam, n_out, n_in)
    for name in OPT_STATE:
        size = (n_out, n_in) if name.startswith("W") else (n_out,)
        value = rng.randn(*size)
        # second moments are sums of squares: positive, and away from 0 so that the
        # placement of epsilon (inside or outside the square root) cannot matter
        setattr(opt, name, 0.5 + np.abs(value) if name.endswith("vt") else value)
    return lyr, opt


def trace_optimizer(my_optimizer, myOptParam, myDenseLayer, solver, seed, calls, shape=(3, 4)):
    """Call ``my_optimizer`` once per (learning_rate, iter) in ``calls`` on one layer and state.

    Records after every call: lyr.wegt (n_out, n_in), lyr.bias (n_out,), the solver's state
    arrays, and W_grad / B_grad (which must come back unchanged).
    """
    rng = np.random.RandomState(seed)
    lyr, opt = _optimizer_setup(myOptParam, myDenseLayer, shape, rng)
    steps = []
    for number, (learning_rate, iteration) in enumerate(calls, start=1):
        W_grad, B_grad = rng.randn(*shape), rng.randn(shape[0])
        label = (f"{solver}, call {number} of {len(calls)} "
                 f"(learning_rate={learning_rate}, iter={iteration})")
        try:
            my_optimizer(lyr, opt, W_grad, B_grad, solver=solver,
                         learning_rate=learning_rate, iter=iteration)
        except Exception as exc:
            steps.append(Step(label, error=describe_error(exc)))
            break
        steps.append(observe(label, lambda: {
            "lyr.wegt": lyr.wegt, "lyr.bias": lyr.bias,
            **{f"opt.{name}": getattr(opt, name) for name in STATE_OF[solver]},
            "W_grad": W_grad, "B_grad": B_grad,
        }, meta={"iter": iteration}))
        if steps[-1].error:
            break
    return steps


def trace_unknown_solver(my_optimizer, myOptParam, myDenseLayer, solver, shape=(2, 3)):
    """Call ``my_optimizer`` with a solver name it must reject (ValueError)."""
    lyr, opt = _optimizer_setup(myOptParam, myDenseLayer, shape, np.random.RandomState(0))
    label = f"my_optimizer(..., solver={solver!r})"
    try:
        my_optimizer(lyr, opt, np.ones(shape), np.ones(shape[0]), solver=solver,
                     learning_rate=0.1, iter=1)
    except Exception as exc:
        return [Step(label, error=describe_error(exc))]
    return [Step(label, arrays={"lyr.wegt": as_float_array(lyr.wegt, "lyr.wegt")})]


def trace_optparam(myOptParam, shapes=((2, 3),)):
    """Build ``myOptParam(n_out, n_in)`` for each shape; record its six arrays, then check that
    adding 1 in place to one array leaves the others alone (no shared arrays)."""
    steps = []
    for n_out, n_in in shapes:
        try:
            opt = myOptParam(n_out, n_in)
        except Exception as exc:
            steps.append(Step(f"myOptParam({n_out}, {n_in})", error=describe_error(exc)))
            break

        def read_state():
            arrays = {f"opt.{name}": getattr(opt, name) for name in OPT_STATE}
            arrays.update({f"opt.{name} holds floats": np.issubdtype(
                np.asarray(getattr(opt, name)).dtype, np.floating) for name in OPT_STATE})
            return arrays

        steps.append(observe(f"myOptParam({n_out}, {n_in})", read_state))
        if steps[-1].error:
            break
        for name in OPT_STATE:
            def bump(name=name):
                getattr(opt, name)[...] += 1.0  # in place, as the optimizer updates do
                seen = {f"opt.{other}": as_float_array(getattr(opt, other), other) for other in OPT_STATE}
                getattr(opt, name)[...] -= 1.0
                return seen
            steps.append(observe(f"myOptParam({n_out}, {n_in}), then opt.{name} += 1 in place", bump))
            if steps[-1].error:
                return steps
    return steps


def _times(expected, got, name, factor):
    """True when ``got`` recorded ``factor`` times the expected value of array ``name``."""
    if expected is None or got is None or name not in expected.arrays or name not in got.arrays:
        return False
    e, g = np.asarray(expected.arrays[name], dtype=float), np.asarray(got.arrays[name], dtype=float)
    return e.shape == g.shape and np.any(e != 0) and np.allclose(g, factor * e, rtol=1e-6, atol=1e-9)


def _negated(expected, got, name):
    """True when ``got`` recorded minus the expected value of array ``name`` (a sign convention)."""
    return _times(expected, got, name, -1.0)


def _corrected_moments_stored(expected, got):
    """True when an Adam moment in opt holds its bias-corrected value, m / (1 - beta1**iter) or
    v / (1 - beta2**iter): the correction was stored back instead of kept in a local variable."""
    iteration = expected.meta.get("iter") if expected is not None else None
    if not iteration:
        return False
    return any(_times(expected, got, f"opt.{name}", 1 / (1 - beta ** iteration))
               for name, beta in (("W_mt", BETA1), ("B_mt", BETA1), ("W_vt", BETA2), ("B_vt", BETA2)))


def optimizer_hint(solver):
    """A hint function for ``judge_values`` on an optimizer trace of ``solver``."""

    def hint(step_index, bad_names, expected=None, got=None):
        state_bad = {n for n in bad_names if n.startswith("opt.")}
        weights_bad = bad_names & {"lyr.wegt", "lyr.bias"}
        if solver in ("momentum", "nesterov") and _negated(expected, got, "opt.W_dt"):
            return ("opt.W_dt holds the right velocity with the opposite sign: the course stores the delta "
                    "that is SUBTRACTED, opt.W_dt = gamma * opt.W_dt + learning_rate * W_grad "
                    "(seed 000's v = gamma v - eta g is its negative).")
        if bad_names & {"W_grad", "B_grad"}:
            return ("your my_optimizer changed W_grad or B_grad in place (for example with *=); "
                    "compute the delta into a new array, W_dlt = ..., and leave the gradients alone.")
        if weights_bad == {"lyr.bias"} and not state_bad:
            return "the weights are right but the bias is not: update lyr.bias with B_dlt too."
        if solver == "sgd":
            return "W_dlt = learning_rate * W_grad (use the learning_rate argument), then wegt -= W_dlt."
        if solver == "momentum":
            if step_index > 0 or not weights_bad:
                return ("store the new deltas in opt.W_dt and opt.B_dt for the next call "
                        "(the first update can be right while the velocity is never kept).")
            return ("W_dlt = gamma * opt.W_dt + learning_rate * W_grad with gamma = 0.9, then "
                    "wegt -= W_dlt (the course's sign convention).")
        if solver == "nesterov":
            if state_bad:
                return ("the velocity is momentum's: opt.W_dt = gamma * opt.W_dt + learning_rate * W_grad, "
                        "stored for the next call (gamma = 0.9).")
            return ("the step looks ahead: W_dlt = gamma * (the NEW opt.W_dt) + learning_rate * W_grad; "
                    "stepping by the velocity itself is plain momentum.")
        if solver == "adagrad":
            if state_bad:
                return "accumulate: add the squared gradient to opt.W_vt (and opt.B_vt) on every call, never reset it."
            return "W_dlt = eta / sqrt(opt.W_vt + epsilon) * W_grad, using the updated opt.W_vt, epsilon = 1e-8."
        if solver == "rmsprop":
            if state_bad:
                return "opt.W_vt = gamma * opt.W_vt + (1 - gamma) * W_grad**2 with gamma = 0.9."
            return "W_dlt = eta / sqrt(opt.W_vt + epsilon) * W_grad, using the updated opt.W_vt."
        if solver == "adam":
            if _corrected_moments_stored(expected, got):
                return ("opt holds the bias-corrected moments: they must not be stored back into opt.W_mt or "
                        "opt.W_vt; keep them in local variables (W_mc = opt.W_mt / (1 - beta1**iter), W_vc = "
                        "opt.W_vt / (1 - beta2**iter)), so that opt keeps the uncorrected moments for the next call.")
            if state_bad & {"opt.W_mt", "opt.B_mt"}:
                return "first moment: beta1 times the old opt.W_mt plus (1 - beta1) times the gradient, beta1 = 0.9."
            if state_bad:
                return ("second moment: opt.W_vt = beta2 * opt.W_vt + (1 - beta2) * W_grad**2 "
                        "with beta2 = 0.99 (the course's value, not 0.999).")
            return ("the moments are right, the step is not: correct the bias with the iter argument, "
                    "m_hat = m / (1 - beta1**iter), v_hat = v / (1 - beta2**iter), then "
                    "W_dlt = eta * m_hat / (sqrt(v_hat) + epsilon).")
        return None

    return hint


def optparam_hint(step_index, bad_names, expected=None, got=None):
    """Hint for ``myOptParam``."""
    if any(name.endswith("holds floats") for name in bad_names):
        return "create the arrays with np.zeros(...), which holds floats."
    if step_index > 0 and (step_index % (len(OPT_STATE) + 1)) != 0:
        return "two attributes share one array: create each one with its own np.zeros(...) call."
    return "W_dt, W_mt, W_vt have the shape of wegt (n_out, n_in); B_dt, B_mt, B_vt that of bias (n_out,); all zeros."


HANDOUT_OPTIMIZER_ROWS = {  # wegt[0] and bias[0] after each solver, applied one after another
    "sgd": [7.67789007, 8.16882972, 10.34203348, -3.22934657],
    "momentum": [14.46528172, 15.04341688, 19.30016537, -4.77070266],
    "adagrad": [22.50872929, 22.74302212, 28.47667875, -7.62607443],
    "rmsprop": [30.69802889, 30.60433129, 37.72651766, -10.62235939],
    "adam": [29.41774022, 19.27573813, 23.68071186, 1.52919472],
}


SOLO_OPTIMIZER_ROWS = {  # wegt[0] and bias[0] after one call of each solver alone from the handout's start
    "sgd": [7.67789007, 8.16882972, 10.34203348, -3.22934657],
    "momentum": [9.49424149, 7.50271987, 9.86610133, -2.38943308],
    "adagrad": [10.75029741, 8.32773795, 10.08448283, -3.70344875],
    "rmsprop": [15.71363257, 12.42867670, 20.19671293, -3.97327825],
    "adam": [0.60267908, -16.68786396, -33.39672406, 11.23510853],
}


def state_kept_problem(my_optimizer, myOptParam, myDenseLayer, solver):
    """What two calls from a zero state with the same gradient show of the state an optimizer keeps in
    ``opt`` (the handout's check makes one call per solver), or None. Properties only, no formula:
    momentum's second step is not the same as its first (the velocity is kept); Adam's moments stay
    running averages, never larger than the gradient they average; no solver changes the gradients it
    is given (the training loop reuses nothing, but the handout's check does)."""
    rng = np.random.RandomState(7)
    lyr = myDenseLayer(2, 3)
    lyr.wegt, lyr.bias = rng.randn(2, 3), rng.randn(2)
    opt = _fresh_opt(myOptParam, 2, 3)
    W_grad, B_grad = rng.randn(2, 3), rng.randn(2)
    steps, given = [], []
    try:
        for iteration in (1, 2):
            before = np.array(lyr.wegt, dtype=float)
            given.append((W_grad.copy(), B_grad.copy()))
            my_optimizer(lyr, opt, *given[-1], solver, 0.1, iteration)
            steps.append(before - np.asarray(lyr.wegt, dtype=float))
        W_mt = np.asarray(opt.W_mt, dtype=float)
    except Exception:  # noqa: BLE001 - errors are the handout check's to report
        return None
    if not all(np.array_equal(W, W_grad) and np.array_equal(B, B_grad) for W, B in given):
        return ("my_optimizer changed the gradients W_grad / B_grad passed to it: compute the delta as a new "
                "array (alpha * W_grad), do not scale the gradient in place (W_grad *= ...)")
    if solver == "momentum" and np.allclose(steps[0], steps[1], rtol=1e-12, atol=0):
        return ("two calls in a row moved the weights by exactly the same amount: momentum must keep its "
                "velocity in opt.W_dt and opt.B_dt from one call to the next")
    if solver == "adam" and W_mt.shape == W_grad.shape and np.any(np.abs(W_mt) > np.abs(W_grad) * (1 + 1e-9)):
        return ("after two calls with the same gradient, opt.W_mt is larger than that gradient, so it is no "
                "running average: keep the bias-corrected moments in local variables, do not store them in opt")
    return None


def _handout_start(myOptParam, myDenseLayer):
    """The handout's starting point: after np.random.seed(101), a (2, 3) layer, a non-zero state (the
    v's non-negative) and one gradient, all drawn with np.random.randn."""
    np.random.seed(101)
    lyr = myDenseLayer(2, 3)
    opt = _fresh_opt(myOptParam, 2, 3)
    lyr.wegt = np.random.randn(2, 3)
    lyr.bias = np.random.randn(2)
    for name in OPT_STATE:
        value = np.random.randn(2, 3) if name.startswith("W") else np.random.randn(2)
        setattr(opt, name, np.abs(value) if name.endswith("vt") else value)
    return lyr, opt, np.random.randn(2, 3), np.random.randn(2)


def handout_optimizer_check(my_optimizer, myOptParam, myDenseLayer, only=None):
    """The handout's check: from its starting point (``_handout_start``), learning_rate 10, iter 3, the
    five solvers one after another on the same layer and state; prints wegt[0] and bias[0] after each.

    ``only`` (a solver's graded cell): that solver alone, one call from the starting point, so that a
    mistake in an earlier solver shows in its own cell only. Either way, the state a solver keeps is
    checked over two calls (``state_kept_problem``)."""
    solvers, rows = ([only], SOLO_OPTIMIZER_ROWS) if only else (SOLVERS, HANDOUT_OPTIMIZER_ROWS)
    lyr, opt, W_grad, B_grad = _handout_start(myOptParam, myDenseLayer)
    label = "{} alone, from the handout's starting point" if only else "after {}"
    expected = [Step(label.format(solver), {"row": np.array(rows[solver])}) for solver in solvers]
    got = []
    for solver in solvers:
        try:
            my_optimizer(lyr, opt, W_grad, B_grad, solver, 10, 3)
        except Exception as exc:
            got.append(Step(label.format(solver), error=describe_error(exc)))
        else:
            got.append(observe(label.format(solver), lambda: {"row": np.concatenate((lyr.wegt[0], lyr.bias[0:1]))}))
        print(f"For {solver}:")
        print(got[-1].arrays["row"] if "row" in got[-1].arrays else "raised " + error_text(got[-1].error))
        if got[-1].error:
            break
    verdict = judge_values(expected, got, what="my_optimizer")
    for solver in solvers:
        problem = verdict.passed and state_kept_problem(my_optimizer, myOptParam, myDenseLayer, solver)
        if problem:
            verdict = Verdict(False, f"{solver}: {problem}.")
    return show(verdict)


def trace_nesterov_from_rest(my_optimizer, myOptParam, myDenseLayer, learning_rate=0.1, calls=2):
    """``solver='nesterov'`` from a zero state, ``calls`` times with the same gradient: wegt, bias,
    opt.W_dt and opt.B_dt after each call."""
    rng = np.random.RandomState(3)
    lyr = myDenseLayer(2, 3)
    lyr.wegt, lyr.bias = rng.randn(2, 3), rng.randn(2)
    opt = _fresh_opt(myOptParam, 2, 3)
    opt.W_dt, opt.B_dt = np.zeros((2, 3)), np.zeros(2)
    W_grad, B_grad = rng.randn(2, 3), rng.randn(2)
    steps = []
    for number in range(1, calls + 1):
        label = f"nesterov from rest, call {number} (learning_rate={learning_rate})"
        try:
            my_optimizer(lyr, opt, W_grad.copy(), B_grad.copy(), solver="nesterov",
                         learning_rate=learning_rate, iter=number)
        except Exception as exc:
            steps.append(Step(label, error=describe_error(exc)))
            break
        steps.append(observe(label, lambda: {"lyr.wegt": lyr.wegt, "lyr.bias": lyr.bias,
                                             "opt.W_dt": opt.W_dt, "opt.B_dt": opt.B_dt}))
        if steps[-1].error:
            break
    return steps


def expected_nesterov_from_rest(learning_rate=0.1, calls=2):
    """What ``trace_nesterov_from_rest`` must record, by the formulas: v = gamma v + a g; w -= gamma v + a g."""
    rng = np.random.RandomState(3)
    W, b = rng.randn(2, 3), rng.randn(2)
    W_grad, B_grad = rng.randn(2, 3), rng.randn(2)
    W_v, B_v, steps = np.zeros((2, 3)), np.zeros(2), []
    for number in range(1, calls + 1):
        W_v, B_v = GAMMA * W_v + learning_rate * W_grad, GAMMA * B_v + learning_rate * B_grad
        W, b = W - (GAMMA * W_v + learning_rate * W_grad), b - (GAMMA * B_v + learning_rate * B_grad)
        steps.append(Step(f"nesterov from rest, call {number} (learning_rate={learning_rate})",
                          {"lyr.wegt": W, "lyr.bias": b, "opt.W_dt": W_v, "opt.B_dt": B_v}))
    return steps


def self_check_nesterov(my_optimizer, myOptParam, myDenseLayer):
    """A visible check of the 'nesterov' branch: two calls from rest, against the formulas.

    Extra credit: a branch never written (it raises NotImplementedError, or the unknown solver's
    ValueError) is said to be not attempted, and does not fail the cell (nor nbgrader's Validate)."""
    got = trace_nesterov_from_rest(my_optimizer, myOptParam, myDenseLayer)
    if got and got[0].error and {"NotImplementedError", "ValueError"} & set(got[0].error["mro"]):
        print("not attempted (extra credit): solver='nesterov' raised " + error_text(got[0].error))
        return Verdict(False, "not attempted")
    return show(judge_values(expected_nesterov_from_rest(), got, optimizer_hint("nesterov"), what="my_optimizer"))


def expected_optparam_trace(shapes):
    """What ``trace_optparam`` must record, from the specification: zeros of the right shapes."""
    steps = []
    for n_out, n_in in shapes:
        zeros = {name: np.zeros((n_out, n_in) if name.startswith("W") else (n_out,)) for name in OPT_STATE}
        arrays = {f"opt.{name}": a for name, a in zeros.items()}
        arrays.update({f"opt.{name} holds floats": np.array(1.0) for name in OPT_STATE})
        steps.append(Step(f"myOptParam({n_out}, {n_in})", arrays))
        for bumped in OPT_STATE:
            arrays = {f"opt.{name}": zeros[name] + (1.0 if name == bumped else 0.0) for name in OPT_STATE}
            steps.append(Step(f"myOptParam({n_out}, {n_in}), then opt.{bumped} += 1 in place", arrays))
    return steps


def self_check_optparam(myOptParam, shapes=((2, 3),)):
    """A visible check of myOptParam against its specification."""
    return show(judge_values(expected_optparam_trace(shapes), trace_optparam(myOptParam, shapes),
                             optparam_hint, what="myOptParam"))


def judge_optimizer(expected, got):
    """Verdict on a ``trace_optimizer`` trace, with a hint for the solver's classic mistakes."""
    solver = expected[0].label.split(",")[0] if expected else ""
    return judge_values(expected, got, optimizer_hint(solver), what="my_optimizer")


def judge_optparam(expected, got):
    return judge_values(expected, got, optparam_hint, what="myOptParam")


def judge_unknown_solver(expected, got):
    return judge_values(expected, got, what="my_optimizer")


PROBES = {"optimizer": trace_optimizer, "unknown_solver": trace_unknown_solver, "optparam": trace_optparam}
JUDGES = {"optimizer": judge_optimizer, "unknown_solver": judge_unknown_solver, "optparam": judge_optparam}
