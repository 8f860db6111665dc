"""Checks of ``myOptParam`` and ``my_optimizer`` (the optimizers lab)."""
import re

import numpy as np

from .hyperparameters import GAMMA
from .solvers import BY_NAME, SOLVERS, STATE_OF
from .trace import NOT_ATTEMPTED, Check, Step, Verdict, as_float_array, describe_error, error_text, observe, show

OPT_STATE = ("W_dt", "B_dt", "W_mt", "B_mt", "W_vt", "B_vt")  # myOptParam's arrays; each solver's: solvers.STATE_OF


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
        }, meta={"solver": solver, "iter": iteration}))
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

        steps.append(observe(f"myOptParam({n_out}, {n_in})",
                             lambda: {f"opt.{name}": getattr(opt, name) for name in OPT_STATE},
                             facts=lambda: {f"opt.{name} holds floats": bool(np.issubdtype(
                                 np.asarray(getattr(opt, name)).dtype, np.floating)) for name in OPT_STATE}))
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


def optimizer_hint(step_index, bad_names, expected, got):
    """The likely mistake in an optimizer trace: the gradients changed in place, the bias forgotten,
    else the solver's own hint (``solvers.REGISTRY``; the solver read from the step's ``meta``)."""
    solver = BY_NAME.get(expected.meta.get("solver"))
    if bad_names & {"W_grad", "B_grad"}:
        return ("your my_optimizer changed W_grad or B_grad in place (for example with *=); "
                "compute the delta into a new array, W_dlt = ..., and leave the gradients alone.")
    if bad_names & {"lyr.wegt", "lyr.bias"} == {"lyr.bias"} and not any(n.startswith("opt.") for n in bad_names):
        return "the weights are right but the bias is not: update lyr.bias with B_dlt too."
    return solver.hint(step_index, bad_names, expected, got) if solver and solver.hint else None


def optparam_hint(step_index, bad_names, expected, got):
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


def _handout_numbers():
    """The handout's numbers, drawn with np.random.randn after np.random.seed(101): wegt (2, 3), bias (2,),
    {state name: array} (the v's non-negative), W_grad (2, 3), B_grad (2,)."""
    np.random.seed(101)
    wegt, bias = np.random.randn(2, 3), np.random.randn(2)
    state = {}
    for name in OPT_STATE:
        value = np.random.randn(2, 3) if name.startswith("W") else np.random.randn(2)
        state[name] = np.abs(value) if name.endswith("vt") else value
    return wegt, bias, state, np.random.randn(2, 3), np.random.randn(2)


def _handout_start(myOptParam, myDenseLayer):
    """The handout's starting point: a (2, 3) layer and a state of yours holding ``_handout_numbers``,
    and the gradient."""
    lyr, opt = myDenseLayer(2, 3), _fresh_opt(myOptParam, 2, 3)
    lyr.wegt, lyr.bias, state, W_grad, B_grad = _handout_numbers()
    for name, value in state.items():
        setattr(opt, name, value)
    return lyr, opt, W_grad, B_grad


SOLO_CALLS = ((1, 3), (2, 4))  # (call number, iter): two calls of one solver, learning_rate 10


def _solo_label(solver, number, iteration):
    return f"{solver} alone from the handout's start, call {number} of 2 (learning_rate=10, iter={iteration})"


def trace_solo(my_optimizer, myOptParam, myDenseLayer, solver):
    """``solver`` alone, two calls (learning_rate 10, iter 3 then 4) from the handout's starting point
    with its gradient: lyr.wegt, lyr.bias, the solver's state and the gradients given, after each."""
    lyr, opt, W_grad, B_grad = _handout_start(myOptParam, myDenseLayer)
    steps = []
    for number, iteration in SOLO_CALLS:
        label = _solo_label(solver, number, iteration)
        given = (W_grad.copy(), B_grad.copy())
        try:
            my_optimizer(lyr, opt, *given, solver, 10, iteration)
        except Exception as exc:
            steps.append(Step(label, error=describe_error(exc)))
            break
        steps.append(observe(label, lambda: {"lyr.wegt": lyr.wegt, "lyr.bias": lyr.bias, "W_grad": given[0],
                                             "B_grad": given[1],
                                             **{f"opt.{name}": getattr(opt, name) for name in STATE_OF[solver]}},
                             meta={"solver": solver, "iter": iteration}))
        if steps[-1].error:
            break
    return steps


def check_handout_optimizer(my_optimizer, myOptParam, myDenseLayer, only=None):
    """The handout's check: from its starting point (``_handout_start``), learning_rate 10, iter 3, the
    five solvers one after another on the same layer and state; prints wegt[0] and bias[0] after each.

    ``only`` (a solver's graded cell): that solver alone, two calls from the starting point
    (``trace_solo``), every array it leaves (weights, bias, its state, the gradients given) against the
    reference's, so that a mistake shows in its own cell only, and a state never stored shows at all.
    """
    if only:
        if not (BY_NAME.get(only) and BY_NAME[only].solo):
            raise KeyError(f"no visible numbers for {only!r}: its entry in labkit/solvers.py needs solo= (the "
                           "test test_a_solvers_visible_numbers_are_the_references prints them)")
        got = trace_solo(my_optimizer, myOptParam, myDenseLayer, only)
        print(f"For {only}:")
        print(np.concatenate((got[0].arrays["lyr.wegt"][0], got[0].arrays["lyr.bias"][0:1]))
              if got and not got[0].error and "lyr.bias" in got[0].arrays else "raised " + error_text(got[0].error))
        *_, W_grad, B_grad = _handout_numbers()  # given to each call, to come back unchanged
        expected = [Step(_solo_label(only, n, i), {**{k: np.array(v) for k, v in arrays.items()},
                                                   "W_grad": W_grad, "B_grad": B_grad}, meta={"solver": only, "iter": i})
                    for (n, i), arrays in zip(SOLO_CALLS, BY_NAME[only].solo)]
        return not_attempted(got, only) or OPTIMIZER.visible(expected, got)
    lyr, opt, W_grad, B_grad = _handout_start(myOptParam, myDenseLayer)
    expected = [Step(f"after {solver}", {"row": np.array(HANDOUT_OPTIMIZER_ROWS[solver])}) for solver in SOLVERS]
    got = []
    for solver in SOLVERS:
        try:
            my_optimizer(lyr, opt, W_grad, B_grad, solver, 10, 3)
        except Exception as exc:
            got.append(Step(f"after {solver}", error=describe_error(exc)))
        else:
            got.append(observe(f"after {solver}", lambda: {"row": np.concatenate((lyr.wegt[0], lyr.bias[0:1]))}))
        print(f"For {solver}:")
        print(got[-1].arrays["row"] if "row" in got[-1].arrays else "raised " + error_text(got[-1].error))
        if got[-1].error:
            break
    verdict = OPTIMIZER.judge(expected, got)  # no hint: the five solvers run one after another
    for solver in SOLVERS:
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
                                             "opt.W_dt": opt.W_dt, "opt.B_dt": opt.B_dt}, meta={"solver": "nesterov"}))
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
                          {"lyr.wegt": W, "lyr.bias": b, "opt.W_dt": W_v, "opt.B_dt": B_v}, meta={"solver": "nesterov"}))
    return steps


def check_nesterov(my_optimizer, myOptParam, myDenseLayer):
    """A visible check of the 'nesterov' branch: two calls from rest, against the formulas.

    Extra credit: a branch never written (it raises NotImplementedError, or a ValueError naming the solver
    as unknown) is said to be not attempted, and does not fail the cell (nor nbgrader's Validate); any
    other error (a broadcasting ValueError, say) is a failure."""
    got = trace_nesterov_from_rest(my_optimizer, myOptParam, myDenseLayer)
    return not_attempted(got, "nesterov") or OPTIMIZER.visible(expected_nesterov_from_rest(), got)


def not_attempted(got, solver):
    """For an extra-credit ``solver`` whose branch was never written (its first call raised
    NotImplementedError, or a ValueError naming it as unknown): the verdict ``show`` says as "not
    attempted", which does not fail the cell (nor nbgrader's Validate). None otherwise: any other error
    (a broadcasting ValueError, say) or a handout solver is judged as usual."""
    error = got[0].error if got else None
    if not (error and BY_NAME.get(solver) and BY_NAME[solver].extra):
        return None
    unknown = "ValueError" in error["mro"] and re.search(rf"unknown|not supported|{re.escape(solver)}",
                                                           error["message"], re.I)
    if "NotImplementedError" in error["mro"] or unknown:
        return show(Verdict(False, f"solver={solver!r} raised " + error_text(error), note=NOT_ATTEMPTED))
    return None


def expected_optparam_trace(shapes):
    """What ``trace_optparam`` must record, from the specification: zeros of the right shapes."""
    steps = []
    for n_out, n_in in shapes:
        zeros = {name: np.zeros((n_out, n_in) if name.startswith("W") else (n_out,)) for name in OPT_STATE}
        steps.append(Step(f"myOptParam({n_out}, {n_in})", {f"opt.{name}": a for name, a in zeros.items()},
                          facts={f"opt.{name} holds floats": True for name in OPT_STATE}))
        for bumped in OPT_STATE:
            arrays = {f"opt.{name}": zeros[name] + (1.0 if name == bumped else 0.0) for name in OPT_STATE}
            steps.append(Step(f"myOptParam({n_out}, {n_in}), then opt.{bumped} += 1 in place", arrays))
    return steps


def check_optparam(myOptParam, shapes=((2, 3),)):
    """A visible check of myOptParam against its specification."""
    return OPTPARAM.visible(expected_optparam_trace(shapes), trace_optparam(myOptParam, shapes))


OPTIMIZER = Check("optimizer", trace_optimizer, what="my_optimizer", hint=optimizer_hint)
UNKNOWN_SOLVER = Check("unknown_solver", trace_unknown_solver, what="my_optimizer")
OPTPARAM = Check("optparam", trace_optparam, what="myOptParam", hint=optparam_hint)
