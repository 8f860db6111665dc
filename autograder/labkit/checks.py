"""The lab's checks, each defined once.

A check has two halves:

- a *probe* runs your functions on fixed inputs and records what they leave behind in a
  ``Trace`` (a list of ``Step``s, each a few named arrays). A probe never decides anything.
- a *judge* compares a recorded trace with the expected one and returns a ``Verdict``
  (passed or not, and a message that names the step, the array, the worst index and a hint).

The visible checks in your notebook run both halves against the handout's printed values.
When your notebook is graded, the hidden tests only run the probe in your kernel and *report*
the trace; the grader runs the same probe with the reference solution in its own process and
judges there. Nothing printed, patched or caught in the notebook can change a verdict.

Tolerance: arrays match when every ``|got - expected| <= ATOL + RTOL * max|expected|``
(RTOL = 1e-6 of the array's largest entry, ATOL = 1e-9).
"""
import base64

import numpy as np

RTOL = 1e-6
ATOL = 1e-9
TRACE_MIME = "application/vnd.optkit.trace+json"

SOLVERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
OPT_STATE = ("W_dt", "B_dt", "W_mt", "B_mt", "W_vt", "B_vt")
# The state arrays each solver reads and writes (checked after every call).
STATE_OF = {
    "sgd": (),
    "momentum": ("W_dt", "B_dt"),
    "adagrad": ("W_vt", "B_vt"),
    "rmsprop": ("W_vt", "B_vt"),
    "adam": ("W_mt", "B_mt", "W_vt", "B_vt"),
}


# ----------------------------------------------------------------------------- traces
class Step:
    """One observation: ``arrays`` {name: float ndarray}, or ``error`` when the code raised."""

    def __init__(self, label, arrays=None, error=None, meta=None):
        self.label = label
        self.arrays = arrays or {}
        self.error = error  # None or {"type": str, "mro": [str, ...], "message": str}
        self.meta = meta or {}


class Verdict:
    """A judge's decision: ``passed`` (bool) and a ``message`` for the student."""

    def __init__(self, passed, message):
        self.passed = bool(passed)
        self.message = message

    def __repr__(self):
        return f"Verdict(passed={self.passed}, message={self.message!r})"


def as_float_array(value, what):
    """A float64 copy of ``value``; raises TypeError naming ``what`` when that is impossible."""
    try:
        return np.array(value, dtype=np.float64, copy=True)
    except Exception as exc:  # any non-numeric object a student may leave behind
        raise TypeError(f"{what} is not a numeric array ({type(value).__name__}): {exc}") from None


def describe_error(exc):
    """An exception as plain data."""
    return {
        "type": type(exc).__name__,
        "mro": [cls.__name__ for cls in type(exc).__mro__],
        "message": str(exc)[:500],
    }


def observe(label, read_arrays, meta=None):
    """A Step from ``read_arrays()`` -> {name: value}; an exception becomes the step's error."""
    try:
        raw = read_arrays()
        arrays = {name: as_float_array(value, name) for name, value in raw.items()}
    except Exception as exc:
        return Step(label, error=describe_error(exc), meta=meta)
    return Step(label, arrays=arrays, meta=meta)


def encode_trace(kind, steps):
    """A trace as JSON-safe data (arrays as base64 float64, so NaN and inf survive)."""
    return {
        "kind": kind,
        "steps": [
            {
                "label": s.label,
                "error": s.error,
                "meta": s.meta,
                "arrays": {
                    name: {
                        "shape": list(a.shape),
                        "data": base64.b64encode(np.ascontiguousarray(a, "<f8").tobytes()).decode(),
                    }
                    for name, a in s.arrays.items()
                },
            }
            for s in steps
        ],
    }


def decode_trace(payload):
    """(kind, steps) from ``encode_trace`` data; raises ValueError on anything malformed."""
    try:
        steps = []
        for s in payload["steps"]:
            arrays = {}
            for name, a in s["arrays"].items():
                shape = tuple(int(d) for d in a["shape"])
                flat = np.frombuffer(base64.b64decode(a["data"], validate=True), dtype="<f8")
                arrays[str(name)] = flat.reshape(shape).astype(np.float64)
            error = s.get("error")
            if error is not None:
                error = {"type": str(error["type"]), "mro": [str(m) for m in error["mro"]],
                         "message": str(error["message"])}
            steps.append(Step(str(s["label"]), arrays, error, dict(s.get("meta") or {})))
        return str(payload["kind"]), steps
    except Exception as exc:
        raise ValueError(f"malformed trace: {type(exc).__name__}: {exc}") from None


# ------------------------------------------------------------------- reporting (hidden tests)
_sinks = []  # the grader pushes a list here to collect reports instead of displaying them


def report(kind, steps):
    """Hand a probe's trace to the grader (a structured cell output); the grader decides."""
    payload = encode_trace(kind, steps)
    if _sinks:
        _sinks[-1].append(payload)
        return
    from IPython.display import display

    display({TRACE_MIME: payload,
             "text/plain": f"[{kind}] results recorded; the grader checks them."}, raw=True)


def hidden_test(kind, *functions, **case):
    """Run the probe of ``kind`` on your functions with the hidden ``case`` and report it."""
    report(kind, PROBES[kind](*functions, **case))


class collect_reports:
    """Context manager (grader side): ``with collect_reports() as reports:`` gathers payloads."""

    def __enter__(self):
        self.reports = []
        _sinks.append(self.reports)
        return self.reports

    def __exit__(self, *exc_info):
        _sinks.remove(self.reports)
        return False


# ----------------------------------------------------------------------------- judging values
def _mismatch(expected, got):
    """None when ``got`` matches ``expected`` within tolerance, else a sentence on the worst entry.

    The tolerance is relative to the array's scale (its largest finite |entry|), so that an entry
    that is nearly 0 after a subtraction is not judged on its own tiny magnitude.
    """
    if got.shape != expected.shape:
        return f"has shape {got.shape}, expected {expected.shape}"
    finite = np.isfinite(expected)
    scale = float(np.abs(expected[finite]).max()) if finite.any() else 0.0
    with np.errstate(invalid="ignore"):
        diff = np.abs(got - expected)
        close = (diff <= ATOL + RTOL * scale) | (got == expected) | (np.isnan(got) & np.isnan(expected))
    if close.all():
        return None
    badness = np.where(close, -np.inf, np.where(np.isnan(diff), np.inf, diff))
    worst = np.unravel_index(int(np.argmax(badness)), expected.shape)
    where = f" at index {tuple(int(i) for i in worst)}" if expected.ndim else ""
    n_bad = int((~close).sum())
    return (f"differs{where}: expected {expected[worst]:.10g}, got {got[worst]:.10g} "
            f"({n_bad} of {expected.size} entries off)")


def _error_text(error):
    return f"{error['type']}: {error['message']}" if error["message"] else error["type"]


def judge_values(expected, got, hint=None, what="your code"):
    """Compare two traces step by step; ``hint(step_index, bad_names)`` adds a likely cause."""
    for index, exp in enumerate(expected):
        if index >= len(got):
            return Verdict(False, f"{exp.label}: no result was recorded (the probe stopped early).")
        step = got[index]
        if exp.error is not None:  # the reference raises here: the same kind of error is expected
            if step.error is not None and exp.error["type"] in step.error["mro"]:
                continue
            did = f"raised {_error_text(step.error)}" if step.error else "raised nothing"
            return Verdict(False, f"{exp.label}: expected a {exp.error['type']}, but {what} {did}.")
        if step.error is not None:
            return Verdict(False, f"{exp.label}: {what} raised {_error_text(step.error)}.")
        problems = {}
        for name, exp_array in exp.arrays.items():
            if name not in step.arrays:
                problems[name] = "was not recorded"
                continue
            problem = _mismatch(exp_array, step.arrays[name])
            if problem:
                problems[name] = problem
        if problems:
            found = [f"{name} {text}" for name, text in problems.items()]
            lines = [f"{exp.label}: {found[0]}"] + [f"  and {line}" for line in found[1:]]
            extra = hint(index, set(problems)) if hint else None
            if extra:
                lines.append(f"Hint: {extra}")
            return Verdict(False, "\n".join(lines))
    return Verdict(True, f"all {len(expected)} steps match (rtol={RTOL:g}, atol={ATOL:g}).")


# -------------------------------------------------------------------------------- optimizers
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
        }))
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


def optimizer_hint(solver):
    """A hint function for ``judge_values`` on an optimizer trace of ``solver``."""

    def hint(step_index, bad_names):
        state_bad = {n for n in bad_names if n.startswith("opt.")}
        weights_bad = bad_names & {"lyr.wegt", "lyr.bias"}
        if bad_names & {"W_grad", "B_grad"}:
            return ("your my_optimizer changed W_grad or B_grad in place (for example with *=); "
                    "compute the delta into a new array, W_dlt = ..., and leave the gradients alone.")
        if weights_bad == {"lyr.bias"} and not state_bad:
            return "the weights are right but the bias is not: update lyr.bias with B_dlt too."
        if solver == "sgd":
            return "W_dlt = learning_rate * W_grad (use the learning_rate argument), then wegt -= W_dlt."
        if solver == "momentum":
            if step_index > 0 or not weights_bad:
                return ("store the new delta for the next call: opt.W_dt = W_dlt and opt.B_dt = B_dlt "
                        "(the first update can be right while the velocity is never kept).")
            return ("W_dlt = gamma * opt.W_dt + learning_rate * W_grad with gamma = 0.9, then "
                    "wegt -= W_dlt (the course's sign convention).")
        if solver == "adagrad":
            if state_bad:
                return "accumulate the squared gradient: opt.W_vt = opt.W_vt + W_grad * W_grad (never reset it)."
            return "W_dlt = eta / sqrt(opt.W_vt + epsilon) * W_grad, using the updated opt.W_vt, epsilon = 1e-8."
        if solver == "rmsprop":
            if state_bad:
                return "opt.W_vt = gamma * opt.W_vt + (1 - gamma) * W_grad**2 with gamma = 0.9."
            return "W_dlt = eta / sqrt(opt.W_vt + epsilon) * W_grad, using the updated opt.W_vt."
        if solver == "adam":
            if state_bad & {"opt.W_mt", "opt.B_mt"}:
                return "first moment: opt.W_mt = beta1 * opt.W_mt + (1 - beta1) * W_grad with beta1 = 0.9."
            if state_bad:
                return ("second moment: opt.W_vt = beta2 * opt.W_vt + (1 - beta2) * W_grad**2 "
                        "with beta2 = 0.99 (the course's value, not 0.999).")
            return ("the moments are right, the step is not: correct the bias with the iter argument, "
                    "m_hat = m / (1 - beta1**iter), v_hat = v / (1 - beta2**iter), then "
                    "W_dlt = eta * m_hat / (sqrt(v_hat) + epsilon).")
        return None

    return hint


def optparam_hint(step_index, bad_names):
    """Hint for ``myOptParam``."""
    if any(name.endswith("holds floats") for name in bad_names):
        return "create the arrays with np.zeros(...), which holds floats."
    if step_index > 0 and (step_index % (len(OPT_STATE) + 1)) != 0:
        return "two attributes share one array: create each one with its own np.zeros(...) call."
    return "W_dt, W_mt, W_vt have the shape of wegt (n_out, n_in); B_dt, B_mt, B_vt that of bias (n_out,); all zeros."


# -------------------------------------------------------------------------------- mini-batches
def minibatch_inputs(n, n_features, y_columns):
    """X (n, n_features) with unique rows (row i holds i*n_features, ...), y (n, y_columns).

    With ``y_columns == 1``, y is the handout's column -(10 + i); otherwise a one-hot label.
    """
    X = np.arange(n * n_features).reshape(n, n_features)
    if y_columns == 1:
        return X, -np.arange(10, 10 + n).reshape(n, 1)
    return X.astype(float), np.eye(y_columns)[(3 * np.arange(n) + 1) % y_columns]


def trace_minibatches(create_mini_batches, n, n_features, y_columns, batch_size, seed):
    """Call ``create_mini_batches`` three times: after ``np.random.seed(seed)``, after the same
    seed again (same batches: it must use np.random), and once more (a new shuffle)."""
    X, y = minibatch_inputs(n, n_features, y_columns)
    steps = [Step("the inputs", {"X": X.astype(float), "y": y.astype(float)},
                  meta={"role": "inputs", "batch_size": batch_size, "seed": seed})]
    calls = (("first", f"create_mini_batches(X, y, {batch_size}) right after np.random.seed({seed})"),
             ("again", f"the same call after np.random.seed({seed}) again"),
             ("next", "the next call, without re-seeding"))
    for role, label in calls:
        if role != "next":
            np.random.seed(seed)
        try:
            batches = create_mini_batches(X, y, batch_size)
        except Exception as exc:
            steps.append(Step(label, error=describe_error(exc), meta={"role": role}))
            return steps

        def read_batches():
            if not isinstance(batches, (list, tuple)):
                raise TypeError(f"create_mini_batches must return a list, not {type(batches).__name__}")
            arrays = {}
            for number, pair in enumerate(batches, start=1):
                if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
                    raise TypeError(f"batch {number} is not an (X_mini, y_mini) pair")
                arrays[f"X_mini {number}"], arrays[f"y_mini {number}"] = pair
            return arrays

        steps.append(observe(label, read_batches, meta={"role": role, "n_batches": len(batches)
                                                        if isinstance(batches, (list, tuple)) else 0}))
        if steps[-1].error:
            return steps
    steps.append(Step("X and y after the calls", {"X": X.astype(float), "y": y.astype(float)},
                      meta={"role": "after"}))
    return steps


def _batches(step):
    """[(X_mini, y_mini), ...] from a recorded step."""
    count = int(step.meta.get("n_batches", 0))
    return [(step.arrays.get(f"X_mini {k}"), step.arrays.get(f"y_mini {k}")) for k in range(1, count + 1)]


def _batch_problem(batches, X, y, batch_size):
    """None when ``batches`` split (X, y) into aligned mini-batches of the right sizes, else why."""
    n = X.shape[0]
    sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if len(batches) != len(sizes):
        return (f"got {len(batches)} mini-batches, expected {len(sizes)} for {n} rows in batches of "
                f"{batch_size} (the last one holds the {n % batch_size or batch_size} remaining rows; "
                "there is never an empty batch)")
    row_of = {tuple(row): i for i, row in enumerate(X)}
    seen = []
    for number, ((X_mini, y_mini), size) in enumerate(zip(batches, sizes), start=1):
        if X_mini is None or y_mini is None:
            return f"mini-batch {number} is missing"
        if X_mini.shape != (size, X.shape[1]):
            return f"X_mini of batch {number} has shape {X_mini.shape}, expected {(size, X.shape[1])}"
        if y_mini.shape != (size, y.shape[1]):
            return (f"y_mini of batch {number} has shape {y_mini.shape}, expected {(size, y.shape[1])} "
                    "(keep y 2-D, one row per sample)")
        for r, row in enumerate(X_mini):
            i = row_of.get(tuple(row))
            if i is None:
                return f"row {r} of X_mini in batch {number} is not a row of X"
            if not np.array_equal(y_mini[r], y[i]):
                return (f"row {r} of batch {number}: y_mini does not belong to its X_mini row "
                        "(shuffle X and y together, with one permutation)")
            seen.append(i)
    if sorted(seen) != list(range(n)):
        return "the mini-batches repeat some rows and miss others (every row exactly once)"
    return None


def judge_minibatches(expected, got):
    """Property-based: any right way of shuffling with np.random passes.

    ``expected`` holds the trusted inputs (role "inputs"), optionally the reference batches
    (role "first") and the inputs as they must be after the calls (role "after").
    """
    roles = {s.meta.get("role"): s for s in expected}
    X, y = roles["inputs"].arrays["X"], roles["inputs"].arrays["y"]
    batch_size, seed = roles["inputs"].meta["batch_size"], roles["inputs"].meta["seed"]
    case = f"create_mini_batches on {X.shape[0]} rows, batch_size={batch_size}"
    mine = {s.meta.get("role"): s for s in got}
    for role in ("first", "again", "next"):
        step = mine.get(role)
        if step is None or step.error:
            why = _error_text(step.error) if step else "no result was recorded"
            return Verdict(False, f"{case}: {roles[role].label if role in roles else role}: {why}.")
    first = _batches(mine["first"])
    problem = _batch_problem(first, X, y, batch_size)
    if problem:
        return Verdict(False, f"{case}: {problem}.")
    if "after" in roles:
        after = mine.get("after")
        if after is None or any(_mismatch(roles["after"].arrays[k], after.arrays.get(k, np.empty(0)))
                                for k in ("X", "y")):
            return Verdict(False, f"{case}: X or y was changed by create_mini_batches; shuffle a copy "
                                  "(np.hstack makes one) or index with a permutation.")
    order = np.concatenate([b[0] for b in first])
    big_enough = X.shape[0] >= 50  # for fewer rows an unshuffled order is not proof of a mistake
    if big_enough and np.array_equal(order, X):
        return Verdict(False, f"{case}: the rows are not shuffled (shuffle them with np.random).")
    if any(not (np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]))
           for a, b in zip(first, _batches(mine["again"]))) or len(_batches(mine["again"])) != len(first):
        return Verdict(False, f"{case}: two calls right after np.random.seed({seed}) gave different "
                              "batches; shuffle with np.random (np.random.shuffle or np.random.permutation), "
                              "not another random generator.")
    following = _batches(mine["next"])
    if big_enough and all(np.array_equal(a[0], b[0]) for a, b in zip(first, following)):
        return Verdict(False, f"{case}: the next call gave the same batches again; do not call "
                              "np.random.seed inside create_mini_batches (each epoch needs a new shuffle).")
    note = ""
    if "first" in roles:  # the reference's batches: a different order is right, but worth saying
        reference = _batches(roles["first"])
        if len(reference) != len(first) or not all(
                np.array_equal(a[0], b[0]) for a, b in zip(reference, first)):
            note = (" (a valid shuffle, in another order than np.random.shuffle of the rows gives: "
                    "the handout's printed batches will differ)")
    return Verdict(True, f"{case}: the batches are right{note}.")


# -------------------------------------------------------------------------------- registry
PROBES = {
    "optimizer": trace_optimizer,
    "unknown_solver": trace_unknown_solver,
    "optparam": trace_optparam,
    "minibatches": trace_minibatches,
}


def judge(kind, expected, got):
    """The verdict for one reported trace of ``kind`` (expected: the reference's trace)."""
    if kind == "minibatches":
        return judge_minibatches(expected, got)
    if kind == "optimizer":
        solver = expected[0].label.split(",")[0] if expected else ""
        return judge_values(expected, got, optimizer_hint(solver), what="my_optimizer")
    if kind == "optparam":
        return judge_values(expected, got, optparam_hint, what="myOptParam")
    return judge_values(expected, got, what="my_optimizer")


# -------------------------------------------------------------------------- the handout's checks
HANDOUT_MINIBATCHES = [  # printed in the handout for seed 1, np.arange(20).reshape(10, 2), batch 4
    ([[4, 5], [18, 19], [12, 13], [8, 9]], [[-12], [-19], [-16], [-14]]),
    ([[0, 1], [6, 7], [2, 3], [14, 15]], [[-10], [-13], [-11], [-17]]),
    ([[16, 17], [10, 11]], [[-18], [-15]]),
]
HANDOUT_OPTIMIZER_ROWS = {  # wegt[0] and bias[0] after each solver, applied one after another
    "sgd": [7.67789007, 8.16882972, 10.34203348, -3.22934657],
    "momentum": [14.46528172, 15.04341688, 19.30016537, -4.77070266],
    "adagrad": [22.50872929, 22.74302212, 28.47667875, -7.62607443],
    "rmsprop": [30.69802889, 30.60433129, 37.72651766, -10.62235939],
    "adam": [29.41774022, 19.27573813, 23.68071186, 1.52919472],
}


def handout_minibatch_check(create_mini_batches):
    """The handout's check: seed 1, X = np.arange(20).reshape(10, 2), y = -(10..19), batch 4."""
    got = trace_minibatches(create_mini_batches, n=10, n_features=2, y_columns=1, batch_size=4, seed=1)
    first = next((s for s in got if s.meta.get("role") == "first"), None)
    if first is not None and not first.error:
        for X_mini, y_mini in _batches(first):
            print(X_mini.astype(int) if X_mini is not None else X_mini)
            print(y_mini.astype(int) if y_mini is not None else y_mini, "\n")
    expected = [s for s in got if s.meta.get("role") in ("inputs", "after")]
    arrays = {}
    for number, (X_mini, y_mini) in enumerate(HANDOUT_MINIBATCHES, start=1):
        arrays[f"X_mini {number}"], arrays[f"y_mini {number}"] = np.array(X_mini, float), np.array(y_mini, float)
    expected.insert(1, Step("first", arrays, meta={"role": "first", "n_batches": len(HANDOUT_MINIBATCHES)}))
    verdict = judge_minibatches(expected, got)
    if verdict.passed and "another order" not in verdict.message:
        print("test passed.")
    else:
        print(("test failed: " if not verdict.passed else "") + verdict.message)
    return verdict


def handout_optimizer_check(my_optimizer, myOptParam, myDenseLayer, only=None):
    """The handout's check: seed 101, learning_rate 10, iter 3, the five solvers one after another
    on the same layer and state. ``only``: judge just that solver's row (for its graded cell)."""
    np.random.seed(101)
    lyr = myDenseLayer(2, 3)
    opt = _fresh_opt(myOptParam, 2, 3)
    lyr.wegt = np.random.randn(2, 3)
    lyr.bias = np.random.randn(2)
    for name in OPT_STATE:
        value = np.random.randn(2, 3) if name.startswith("W") else np.random.randn(2)
        setattr(opt, name, np.abs(value) if name.endswith("vt") else value)
    W_grad, B_grad = np.random.randn(2, 3), np.random.randn(2)
    got, expected = [], []
    for solver in SOLVERS:
        label = f"after {solver}"
        try:
            my_optimizer(lyr, opt, W_grad, B_grad, solver, 10, 3)
        except Exception as exc:
            got.append(Step(label, error=describe_error(exc)))
        else:
            got.append(observe(label, lambda: {"row": np.concatenate((lyr.wegt[0], lyr.bias[0:1]))}))
        expected.append(Step(label, {"row": np.array(HANDOUT_OPTIMIZER_ROWS[solver])}))
        if only in (None, solver):
            print(f"For {solver}:")
            print(got[-1].arrays["row"] if "row" in got[-1].arrays else got[-1].error)
        if got[-1].error:
            break
        if solver == only:
            break
    if only is None:
        verdict = judge_values(expected, got, what="my_optimizer")
    else:
        index = SOLVERS.index(only)
        verdict = judge_values(expected[index:index + 1], got[index:index + 1], what="my_optimizer")
        earlier = judge_values(expected[:index], got[:index], what="my_optimizer")
        if not verdict.passed and index and not earlier.passed:
            verdict.message += ("\n(The handout applies the solvers one after another, so this row also "
                                f"depends on {', '.join(SOLVERS[:index])}: " + earlier.message + ")")
    print("test passed." if verdict.passed else "test failed: " + verdict.message)
    return verdict


def self_check_minibatches(create_mini_batches, n, n_features, y_columns, batch_size, seed):
    """A visible check on any case: the batches' properties, judged from the case alone."""
    got = trace_minibatches(create_mini_batches, n, n_features, y_columns, batch_size, seed)
    X, y = minibatch_inputs(n, n_features, y_columns)
    expected = [Step("the inputs", {"X": X.astype(float), "y": y.astype(float)},
                     meta={"role": "inputs", "batch_size": batch_size, "seed": seed}),
                Step("X and y after the calls", {"X": X.astype(float), "y": y.astype(float)},
                     meta={"role": "after"})]
    verdict = judge_minibatches(expected, got)
    print("test passed: " + verdict.message if verdict.passed else "test failed: " + verdict.message)
    return verdict


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
    verdict = judge_values(expected_optparam_trace(shapes), trace_optparam(myOptParam, shapes),
                           optparam_hint, what="myOptParam")
    print("test passed." if verdict.passed else "test failed: " + verdict.message)
    return verdict
