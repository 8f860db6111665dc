"""Checks of the forward/backward lab: activations, layers, initialization, forward, backward,
loss and prediction.

Numerical checks compare values with the reference (``judge_values``); initialization is judged
statistically (``judge_init``), so that any right way of drawing the numbers passes.
"""
import contextlib
import warnings

import numpy as np

from .gradcheck import gradient_check
from .trace import Check, Step, Verdict, describe_error, error_text, judge_values, observe, show

INIT_METHODS = ("zeros", "random", "xavier", "he")


class _Layer:
    """Stand-in layer when the student's myDenseLayer cannot be built (it is graded on its own)."""

    def __init__(self, n_out, n_in):
        self.wegt, self.bias = np.zeros((n_out, n_in)), np.zeros(n_out)


def _layer(myDenseLayer, n_out, n_in):
    try:
        return myDenseLayer(n_out, n_in)
    except Exception:
        return _Layer(n_out, n_in)


def _network(myDenseLayer, sizes, rng, scale=1.0, output=None):
    """Layers for ``sizes`` = (n_in, h1, h2, n_out) with weights and biases drawn from ``rng`` times
    ``scale``; ``output`` = (scale, shift): the output layer's own scale, its biases shifted by ``shift``."""
    layers = []
    for number, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        layer_scale, shift = output if output and number == len(sizes) - 1 else (scale, 0.0)
        lyr = _layer(myDenseLayer, n_out, n_in)
        lyr.wegt = layer_scale * rng.randn(n_out, n_in)
        lyr.bias = layer_scale * rng.randn(n_out) + shift
        layers.append(lyr)
    return layers


# weights="large": a diverged network. Hidden pre-activations reach thousands, where exp(-z) of a sigmoid
# written 1 / (1 + np.exp(-z)) overflows; the output logits all lie near 750, where np.exp of any of them
# overflows, while their differences (all that softmax sees) stay small: no probability is near 0 and
# the loss never takes log(0), so answers that guard log(0) differently still agree.
LARGE_SCALE, OUTPUT_SCALE, OUTPUT_SHIFT = 1000.0, 0.25, 750.0
WEIGHTS = {"moderate": "", "large": " with large weights"}


def _probe_network(myDenseLayer, sizes, rng, weights, scale):
    """The probes' network: ``weights`` "moderate" (drawn times ``scale``) or "large" (see LARGE_SCALE)."""
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {sorted(WEIGHTS)}, not {weights!r}")
    if weights == "large":
        return _network(myDenseLayer, sizes, rng, LARGE_SCALE, output=(OUTPUT_SCALE, OUTPUT_SHIFT))
    return _network(myDenseLayer, sizes, rng, scale)


def _strict(function, *args):
    """Call ``function`` with numpy's overflow / invalid / divide errors raised, not warned."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            return function(*args)


def _call(label, function, *args, strict=False, read=None, facts=None, meta=None):
    """A Step from calling ``function(*args)``; ``read(result)`` -> {name: array}, ``facts(result)`` ->
    {name: bool, int or str}; ``meta``: the case, for the judge and the hint."""
    try:
        result = _strict(function, *args) if strict else function(*args)
    except Exception as exc:
        return Step(label, error=describe_error(exc), meta=meta)
    return observe(label, lambda: read(result), meta=meta, facts=(lambda: facts(result)) if facts else None)


def _overflowed(step):
    """True when numpy reported an overflow (or another floating-point error) in ``step``."""
    return bool(step.error) and step.error["type"] in ("FloatingPointError", "RuntimeWarning")


def _lenient(function):
    """``function`` run with numpy's floating-point errors and warnings ignored."""
    def call(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            with np.errstate(all="ignore"):
                return function(*args, **kwargs)
    return call


def _harmless(name, activation):
    """The notebook's own activation, unable to overflow: ``sigmoid`` given its input clipped to +-700
    (where exp stays finite; the sigmoid changes by less than 1e-300), ``softmax`` given its logits shifted
    down by their largest entry (a shift changes no softmax), both with numpy's errors ignored. No formula
    of the answers is shipped this way."""
    lenient = _lenient(activation)
    if name == "softmax":
        return lambda x: lenient(np.asarray(x, dtype=float) - np.max(x))
    return lambda x: lenient(np.clip(x, -700.0, 700.0))


@contextlib.contextmanager
def _harmless_activations(function):
    """While inside: the ``sigmoid`` and ``softmax`` that ``function`` finds among its globals (the
    notebook's) made harmless (``_harmless``), then put back."""
    names = getattr(function, "__globals__", {})
    saved = {name: names[name] for name in ("sigmoid", "softmax") if callable(names.get(name))}
    names.update({name: _harmless(name, activation) for name, activation in saved.items()})
    try:
        yield bool(saved)
    finally:
        names.update(saved)


def _call_stable(label, function, *args, read=None, facts=None):
    """``_call`` with overflows raised. An overflow that goes away when the notebook's own sigmoid and
    softmax are made harmless was theirs: they are graded on their own (test_sigmoid, test_softmax), so
    an unstable activation costs only once; the step then holds the values computed that way."""
    step = _call(label, function, *args, strict=True, read=read, facts=facts)
    if not _overflowed(step):
        return step
    with _harmless_activations(function) as replaced:
        again = _call(label, function, *args, strict=True, read=read, facts=facts) if replaced else step
    return step if again.error else again


def stability_verdict(got, fix, when="for large |x|"):
    """A failing Verdict when numpy reported an overflow in a step of ``got`` (with ``fix``), else None."""
    for step in got:
        if _overflowed(step):
            return Verdict(False, f"{step.label}: numpy reported {error_text(step.error)} — the result must "
                                  f"not overflow {when}: {fix}.", step=step.label)
    return None


# ------------------------------------------------------------------------ activations
DIFFERENT_SCALES = "rows of different scales (3, 4)"  # the input where a whole-array maximum gives 0 / 0


def activation_inputs(seed):
    """Inputs for the activations: ordinary values, and rows of huge ones (+-1000)."""
    rng = np.random.RandomState(seed)
    ordinary = rng.randn(4, 5) * 3
    huge = np.array([[-1000.0, -750.0, 0.0, 750.0, 1000.0], [1000.0, 999.0, 998.0, -5.0, 0.5]])
    # rows far apart: a softmax that subtracts the whole array's maximum, not each row's, gets 0 / 0
    scales = np.array([[1000.0, 0.0, -5.0, 2.0], [0.0, 1.0, 2.0, 3.0], [-1000.0, -999.0, -998.0, -997.0]])
    return {"ordinary (4, 5)": ordinary, "huge values (2, 5)": huge, DIFFERENT_SCALES: scales,
            "a vector (5,)": rng.randn(5), "3-d (2, 3, 4)": rng.randn(2, 3, 4)}


def trace_activation(function, name, seed):
    """``function`` (sigmoid or softmax) on each input, with overflow warnings turned into errors."""
    return [_call(f"{name}(x) for x {label}", function, x, strict=True, read=lambda out: {f"{name}(x)": out},
                  meta={"activation": name, "input": label})
            for label, x in activation_inputs(seed).items()]


def activation_hint(step_index, bad_names, expected, got):
    """The likely mistake in an activation's values (``meta``: the activation and the input's name)."""
    name = expected.meta.get("activation")
    if name == "softmax" and expected.meta.get("input") == DIFFERENT_SCALES:
        return ("each row is a softmax of its own: subtract each row's maximum, "
                "np.max(x, axis=-1, keepdims=True), not the maximum of the whole array.")
    if name == "softmax":
        return ("softmax works on the last axis: subtract np.max(x, axis=-1, keepdims=True), "
                "exponentiate, divide by the sum over axis=-1 with keepdims=True.")
    return "sigmoid(x) = 1 / (1 + exp(-x)), elementwise, same shape as x."


def judge_activation(expected, got):
    """Values as the reference; an overflow (FloatingPointError) gets a stability hint."""
    name = expected[0].meta.get("activation")
    fix = ("compute exp only of non-positive numbers: 0.5 * (1 + np.tanh(x / 2)), or boolean masks "
           "(np.where evaluates both branches, so it still overflows)" if name == "sigmoid" else
           "subtract the row maximum before np.exp, so that no exponent is positive")
    scaled = next((step for step in expected if step.meta.get("input") == DIFFERENT_SCALES), None)
    row_by_row = next((mine for step, mine in zip(expected, got) if step is scaled and mine.error
                       and "invalid value" in error_text(mine.error)), None)
    if name == "softmax" and row_by_row is not None:  # 0 / 0: rows shifted by the whole array's maximum
        return Verdict(False, f"{row_by_row.label}: numpy reported {error_text(row_by_row.error)}.",
                       step=row_by_row.label, hint=activation_hint(0, set(), scaled, row_by_row))
    unstable = stability_verdict(got, fix)
    if unstable:
        return unstable
    verdict = judge_values(expected, got, activation_hint, what=name)
    failed = next((step for step in got if step.error), None)
    if (not verdict.passed and name == "softmax" and failed is not None and "AxisError" in failed.error["mro"]
            and verdict.step == failed.label):
        # judge_values gives no hint for an error; this one has a classic cause
        verdict.hint = ("softmax works on the LAST axis (axis=-1, keepdims=True), so that it also "
                        "takes a single vector (n,) and a 3-d array; axis=1 only fits 2-d input.")
    return verdict


# ------------------------------------------------------------------------------ layers
def _read_layer(layer):
    return {"wegt.shape": np.shape(layer.wegt), "bias.shape": np.shape(layer.bias)}


def _layer_facts(layer):  # a float conversion that raises makes the step an error
    return {"wegt is numeric": np.asarray(layer.wegt, dtype=float).size >= 0,
            "bias is numeric": np.asarray(layer.bias, dtype=float).size >= 0}


def trace_dense_layer(myDenseLayer, shapes):
    """The shapes of ``wegt`` and ``bias`` of ``myDenseLayer(n_out, n_in)`` for each shape."""
    steps = []
    for n_out, n_in in shapes:
        steps.append(_call(f"myDenseLayer({n_out}, {n_in})", myDenseLayer, n_out, n_in, read=_read_layer,
                           facts=_layer_facts))
    return steps


def dense_layer_hint(step_index, bad_names, expected, got):
    """The likely mistake in ``myDenseLayer``: wegt transposed, or the shapes."""
    shape = "wegt has shape (n_out, n_in) — one row per output unit — and bias has shape (n_out,)."
    if "wegt.shape" in bad_names and np.array_equal(
            got.arrays.get("wegt.shape", np.empty(0))[::-1], expected.arrays["wegt.shape"]):
        return f"your wegt is transposed, (n_in, n_out): {shape}"
    return shape


# ------------------------------------------------------------------------ initialization
def trace_init(my_init, myDenseLayer, method, shape, seed):
    """Call ``my_init(lyr, method)`` twice on a layer of ``shape`` = (n_out, n_in).

    ``myDenseLayer`` is not used (a plain layer object is), so that a mistake there costs only once.
    """
    n_out, n_in = shape
    np.random.seed(seed)
    lyr = _Layer(n_out, n_in)  # not the student's myDenseLayer: that one is graded on its own
    lyr.bias = np.ones(n_out)  # my_init must set the bias to zeros
    meta = {"method": method, "n_out": n_out, "n_in": n_in}
    steps = []
    for call in ("first", "second"):
        label = f"my_init(lyr, {method!r}) on a ({n_out}, {n_in}) layer, {call} call"
        try:
            my_init(lyr, method)
        except Exception as exc:
            steps.append(Step(label, error=describe_error(exc), meta=meta))
            break
        steps.append(observe(label, lambda: {"wegt": lyr.wegt, "bias": lyr.bias}, meta=meta))
        if steps[-1].error:
            break
    return steps


def init_bound(method, n_out, n_in):
    """The half-width of the uniform distribution of xavier and he (seed 003's formulas)."""
    return np.sqrt(6.0 / (n_in + n_out)) if method == "xavier" else np.sqrt(6.0 / n_in)


# Bounds of a uniform draw: each method's own, and the classic wrong ones (n_out for n_in, a normal
# initialization's standard deviation taken for the bound).
BOUND_FORMULAS = {
    "sqrt(6 / (n_in + n_out))": lambda n_out, n_in: np.sqrt(6.0 / (n_in + n_out)),
    "sqrt(6 / n_in)": lambda n_out, n_in: np.sqrt(6.0 / n_in),
    "sqrt(6 / n_out)": lambda n_out, n_in: np.sqrt(6.0 / n_out),
    "sqrt(2 / (n_in + n_out))": lambda n_out, n_in: np.sqrt(2.0 / (n_in + n_out)),
    "sqrt(2 / n_in)": lambda n_out, n_in: np.sqrt(2.0 / n_in),
    "sqrt(1 / n_in)": lambda n_out, n_in: np.sqrt(1.0 / n_in),
}


def _moments_fit(wegt, bound):
    """True when the mean and variance of ``wegt`` are those of a uniform draw on [-bound, bound]
    (0 and bound^2/3, 6 standard errors of slack)."""
    n = wegt.size
    return (abs(float(wegt.var()) - bound ** 2 / 3) <= 6 * np.sqrt(4 / 45 / n) * bound ** 2
            and abs(float(wegt.mean())) <= 6 * bound / np.sqrt(3 * n))


def _bound_used(wegt, method, n_out, n_in):
    """(formula, bound) of a wrong bound that ``wegt`` fits as a uniform draw, or None."""
    right = init_bound(method, n_out, n_in)
    largest = float(np.abs(wegt).max())
    for formula, bound_of in BOUND_FORMULAS.items():
        bound = float(bound_of(n_out, n_in))
        reached = 0.95 * bound <= largest <= bound * (1 + 1e-9)
        if not np.isclose(bound, right) and reached and _moments_fit(wegt, bound):
            return formula, bound
    return None


def _init_problem(method, n_out, n_in, wegt, bias, other):
    """None when ``wegt`` looks drawn as ``method`` prescribes, else why not."""
    if wegt.shape != (n_out, n_in):
        return f"wegt has shape {wegt.shape}, expected {(n_out, n_in)}"
    if bias.shape != (n_out,) or np.any(bias != 0):
        return "the bias must be set to zeros, of shape (n_out,)"
    if method == "zeros":
        return None if np.all(wegt == 0) else "'zeros' must set every weight to 0"
    n = wegt.size
    if np.array_equal(wegt, other):
        return "two calls gave the same weights: draw new random numbers on every call"
    mean, var = float(wegt.mean()), float(wegt.var())
    if method == "random":  # standard normal: mean 0, variance 1 (6 standard errors of slack)
        if abs(mean) > 6 / np.sqrt(n) or abs(var - 1) > 6 * np.sqrt(2 / n):
            return (f"'random' draws from a standard normal (np.random.randn): got mean {mean:.3f}, "
                    f"variance {var:.3f}, expected 0 and 1")
        return None
    bound = init_bound(method, n_out, n_in)
    largest = float(np.abs(wegt).max())
    formula = "sqrt(6 / (n_in + n_out))" if method == "xavier" else "sqrt(6 / n_in)"
    wrong = _bound_used(wegt, method, n_out, n_in)
    # a uniform draw with another formula's bound names that formula; otherwise the likely cause
    used = (f": the weights look drawn with the bound {wrong[0]} = {wrong[1]:.4f} instead (n_in is the layer's "
            "number of inputs, wegt.shape[1]; n_out its number of outputs, wegt.shape[0])") if wrong else None
    if largest > bound * (1 + 1e-9):
        return (f"{method}: |w| reaches {largest:.4f}, above the bound {formula} = {bound:.4f}" +
                (used or " (draw from a uniform distribution on [-bound, bound], not a normal one)"))
    if largest < 0.95 * bound:
        return (f"{method}: |w| never gets near the bound {formula} = {bound:.4f} (largest {largest:.4f})" +
                (used or ": check the bound's formula (n_in is the layer's number of inputs)"))
    if not _moments_fit(wegt, bound):
        return (f"{method}: variance {var:.5f}, mean {mean:.5f}; a uniform draw on [-bound, bound] has "
                f"variance bound^2/3 = {bound ** 2 / 3:.5f} and mean 0")
    return None


def judge_init(expected, got):
    """Statistical verdict: shapes, bias zeros, bound, variance, two calls differ; or ValueError."""
    first = expected[0]
    if first.error is not None:  # the reference raises (an unknown method)
        return judge_values(expected, got, what="my_init")
    meta = first.meta
    for step in got:
        if step.error:
            return Verdict(False, f"{step.label}: my_init raised {error_text(step.error)}.", step=step.label)
    if len(got) < 2:
        return Verdict(False, f"{first.label}: no result was recorded.", step=first.label)
    problem = _init_problem(meta["method"], meta["n_out"], meta["n_in"], got[0].arrays.get("wegt", np.empty(0)),
                            got[0].arrays.get("bias", np.empty(0)), got[1].arrays.get("wegt"))
    if problem:
        return Verdict(False, f"{first.label}: {problem}.", step=first.label, array="wegt")
    return Verdict(True, f"{first.label}: the weights look right.")


# ------------------------------------------------------------------------------ forward
def _probe_call(label, function, *args, weights="moderate", read=None, facts=None):
    """``_call``; with large weights, overflows are raised (see ``_call_stable``)."""
    if weights == "large":
        return _call_stable(label, function, *args, read=read, facts=facts)
    return _call(label, function, *args, read=read, facts=facts)


def _read_forward(out):
    return {"a_1": out[0], "a_2": out[1], "a_3": out[2]}


def trace_forward(my_forward, myDenseLayer, sizes, batch, seed, weights="moderate"):
    """``my_forward(layers, X)`` on a random network of ``sizes`` and a batch of ``batch`` rows;
    ``weights="large"``: a diverged network, where numpy's overflow warnings are errors."""
    rng = np.random.RandomState(seed)
    layers = _probe_network(myDenseLayer, sizes, rng, weights, 1.0)
    X = rng.randn(batch, sizes[0])
    label = f"my_forward on a {'-'.join(map(str, sizes))} network{WEIGHTS[weights]}, {batch} row(s)"
    return [_probe_call(label, my_forward, layers, X, weights=weights, read=_read_forward)]


def forward_hint(step_index, bad_names, expected, got):
    """The first layer whose activation is wrong, and what it takes."""
    if "a_1" in bad_names:
        return "a_1 is the sigmoid of X times the transpose of l1.wegt (n_out, n_in), plus l1.bias."
    if "a_2" in bad_names:
        return "the second layer takes a_1 (not X) with l2's weights and bias, then the sigmoid."
    return "the last layer takes a_2 with l3's weights and bias, then softmax (not sigmoid), over each row."


LARGE_WEIGHTS = "for large weights (a diverging training run reaches them)"
FORWARD_FIX = ("compute the activations with your stable sigmoid() and softmax() rather than an inline "
               "1 / (1 + np.exp(-z)) or np.exp(z) / np.sum(np.exp(z))")


def judge_forward(expected, got):
    """Overflows first (with large weights), then the values."""
    return (stability_verdict(got, FORWARD_FIX, LARGE_WEIGHTS)
            or judge_values(expected, got, forward_hint, what="my_forward"))


# ------------------------------------------------------------------------------ backward
def trace_backward(my_backward, myDenseLayer, sizes, batch, seed):
    """``my_backward`` on a random network, inputs and activations (a_1, a_2 in (0, 1), a_3 rows of
    probabilities): it must use the activations it is given. Records dW and db of every layer."""
    rng = np.random.RandomState(seed)
    layers = _network(myDenseLayer, sizes, rng)
    X = rng.randn(batch, sizes[0])
    a_1 = rng.uniform(0.05, 0.95, (batch, sizes[1]))
    a_2 = rng.uniform(0.05, 0.95, (batch, sizes[2]))
    logits = rng.randn(batch, sizes[3])
    a_3 = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.eye(sizes[3])[rng.randint(sizes[3], size=batch)]
    label = f"my_backward on a {'-'.join(map(str, sizes))} network, {batch} row(s)"

    def read(out):
        (dW1, db1), (dW2, db2), (dW3, db3) = out
        return {"d_1 dW": dW1, "d_1 db": db1, "d_2 dW": dW2, "d_2 db": db2, "d_3 dW": dW3, "d_3 db": db3}
    step = _call(label, my_backward, layers, a_1, a_2, a_3, X, y, read=read)
    step.meta["batch"] = batch
    return [step]


def backward_hint(step_index, bad_names, expected, got):
    """The likely mistake in my_backward's gradients: a mean instead of the sum, or the layer where it goes wrong."""
    batch = int(expected.meta.get("batch", 0)) or None
    ratios = [np.median(got.arrays[n][expected.arrays[n] != 0] / expected.arrays[n][expected.arrays[n] != 0])
              for n in bad_names if n in got.arrays and got.arrays[n].shape == expected.arrays[n].shape
              and np.any(expected.arrays[n] != 0)]
    if ratios and batch and batch > 1 and all(abs(r * batch - 1) < 1e-6 for r in ratios):
        return "your gradients are the batch mean; the course uses the SUM over the rows of the batch."
    if any(n.startswith("d_3") for n in bad_names):
        return ("the output layer's delta is a_3 minus y (softmax with cross-entropy); its dW is that delta "
                "transposed times a_2, shaped like wegt (n_out, n_in); db sums the delta over the rows.")
    if bad_names <= {"d_1 db", "d_2 db", "d_3 db"}:
        return "db is the delta summed over the rows of the batch (axis=0)."
    return ("going back one layer, multiply the delta by the next layer's wegt and then by the sigmoid's "
            "derivative a * (1 - a) of that layer's activation; dW is the delta transposed times the layer's input.")


# -------------------------------------------------------------------------- loss, predict
def _loss_inputs(myDenseLayer, sizes, batch, seed, weights="moderate"):
    rng = np.random.RandomState(seed)
    layers = _probe_network(myDenseLayer, sizes, rng, weights, 0.5)  # moderate probabilities either way: no log(0)
    X = rng.randn(batch, sizes[0])
    return layers, X, np.eye(sizes[3])[rng.randint(sizes[3], size=batch)]


def _read_loss(out):
    return {"loss": out}


def _loss_facts(out):
    return {"loss is a number": bool(np.ndim(out) == 0)}


def _read_labels(out):
    return {"labels": out}


def _label_facts(out):
    return {"labels are integers": bool(np.issubdtype(np.asarray(out).dtype, np.integer))}


def trace_loss(my_loss, myDenseLayer, sizes, batch, seed, weights="moderate"):
    """``my_loss``: one number, the mean cross-entropy over the rows (``weights``: see ``trace_forward``)."""
    layers, X, y = _loss_inputs(myDenseLayer, sizes, batch, seed, weights)
    step = _probe_call(f"my_loss on {batch} row(s){WEIGHTS[weights]}", my_loss, layers, X, y, weights=weights,
                       read=_read_loss, facts=_loss_facts)
    step.meta.update(rows=batch, classes=sizes[-1])  # for the hint: a sum, or a mean over every entry
    return [step]


def trace_predict(my_predict, myDenseLayer, sizes, batch, seed, weights="moderate"):
    """``my_predict``: integer labels, shape (n,) (``weights``: see ``trace_forward``)."""
    layers, X, _ = _loss_inputs(myDenseLayer, sizes, batch, seed, weights)
    return [_probe_call(f"my_predict on {batch} row(s){WEIGHTS[weights]}", my_predict, layers, X, weights=weights,
                        read=_read_labels, facts=_label_facts)]


_RUNS_MY_FORWARD = "it runs my_forward: when test_my_forward fails too, fix my_forward first"


def loss_hint(step_index, bad_names, expected, got):
    """The likely mistake in my_loss: a sum instead of the mean, or a mean over every entry."""
    if "loss" in bad_names and got.arrays.get("loss") is not None:
        ratio = float(np.sum(got.arrays["loss"]) / expected.arrays["loss"])
        rows, classes = expected.meta.get("rows"), expected.meta.get("classes")
        if rows and rows > 1 and np.isclose(ratio, rows, rtol=1e-6):
            return "the loss is the MEAN over the rows (my_backward sums, my_loss averages)."
        if classes and np.isclose(ratio, 1 / classes, rtol=1e-6):
            return "the mean is over the rows of -sum(y * log(a_3), axis=1), not over all entries."
    return f"my_loss returns one number: the mean over the rows of -sum(y * log(a_3), axis=1); {_RUNS_MY_FORWARD}."


def predict_hint(step_index, bad_names, expected, got):
    """The likely mistake in my_predict: float labels, or not the argmax."""
    if bad_names == {"labels are integers"}:
        return ("the labels are right but are not integers: return np.argmax(a_3, axis=1) as it is, an integer "
                "array (no .astype(float), no np.zeros to fill in).")
    return ("for each row, the index of the largest output: np.argmax(a_3, axis=1) (integers, shape (n,)); "
            f"{_RUNS_MY_FORWARD}.")


LOSS_FIX = ("my_loss runs the forward pass: call my_forward, with your stable sigmoid() and softmax(); a softmax "
            "or log-softmax of your own must subtract each row's maximum logit before np.exp")
PREDICT_FIX = ("my_predict runs the forward pass: call my_forward, with your stable sigmoid() and softmax() "
               "(or take np.argmax of the last layer's logits, which needs no exp at all)")


def judge_loss(expected, got):
    """Overflows first (with large weights), then the value."""
    return stability_verdict(got, LOSS_FIX, LARGE_WEIGHTS) or judge_values(expected, got, loss_hint, what="my_loss")


def judge_predict(expected, got):
    """Overflows first (with large weights), then the labels."""
    return (stability_verdict(got, PREDICT_FIX, LARGE_WEIGHTS)
            or judge_values(expected, got, predict_hint, what="my_predict"))


ACTIVATION = Check("activation", trace_activation, what="sigmoid / softmax", judge=judge_activation)
DENSE_LAYER = Check("dense_layer", trace_dense_layer, what="myDenseLayer", hint=dense_layer_hint)
INIT = Check("init", trace_init, what="my_init", judge=judge_init)
FORWARD = Check("forward", trace_forward, what="my_forward", judge=judge_forward)
BACKWARD = Check("backward", trace_backward, what="my_backward", hint=backward_hint)
LOSS = Check("loss", trace_loss, what="my_loss", judge=judge_loss)
PREDICT = Check("predict", trace_predict, what="my_predict", judge=judge_predict)


# ------------------------------------------------------------------ visible checks (notebook)
def fixed_network(myDenseLayer):
    """The visible checks' 3-4-3-2 network with fixed weights, two input rows and their labels."""
    weights = [np.linspace(-1, 1, 12).reshape(4, 3), np.linspace(-0.5, 0.5, 12).reshape(3, 4),
               np.array([[1.0, -1.0, 0.5], [-0.5, 0.5, 1.0]])]
    biases = [np.array([0.1, -0.1, 0.2, 0.0]), np.array([0.0, 0.1, -0.1]), np.array([0.2, -0.2])]
    layers = []
    for W, b in zip(weights, biases):
        lyr = _layer(myDenseLayer, *W.shape)
        lyr.wegt, lyr.bias = W.copy(), b.copy()
        layers.append(lyr)
    X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]])
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    return layers, X, y


VISIBLE_EXPECTED = {  # printed in the notebook; the reference solution reproduces them
    "sigmoid": [0.0, 0.26894142, 0.5, 0.73105858, 1.0],
    "softmax": [[0.09003057, 0.24472847, 0.66524096], [1 / 3, 1 / 3, 1 / 3], [0.0, 0.0, 1.0]],
    "softmax of a vector": [0.09003057, 0.24472847, 0.66524096],
    "a_1": [[0.01159573, 0.20217957, 0.90024951, 0.99489658], [0.61387647, 0.56552998, 0.63729351, 0.58992041]],
    "a_2": [[0.3541004, 0.56606568, 0.69692499], [0.29418602, 0.524978, 0.68462955]],
    "a_3": [[0.43378855, 0.56621145], [0.42837046, 0.57162954]],
    "loss": 0.70827729,
    "labels": [1, 1],
    "labels, large network": [1, 1],  # the largest logit, as on the fixed network; a sigmoid output gives [0 0]
}


def check_activations(sigmoid=None, softmax=None):
    """sigmoid of [-1000, -1, 0, 1, 1000]; softmax of three rows, huge values included, and of the
    vector [1, 2, 3] (softmax works over the last axis). Checks the functions given."""
    cases = {"sigmoid": [("x", "sigmoid", np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0]))],
             "softmax": [("x", "softmax", np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0], [-1000.0, 0.0, 1000.0]])),
                         ("v", "softmax of a vector", np.array([1.0, 2.0, 3.0]))]}
    verdicts = []
    for name, function in (("sigmoid", sigmoid), ("softmax", softmax)):
        if function is None:
            continue
        for variable, key, value in cases[name]:
            label = f"{name}({variable})"
            meta = {"activation": name, "input": variable}
            got = [_call(label, function, value, strict=True, read=lambda out: {label: out}, meta=meta)]
            expected = [Step(label, {label: np.array(VISIBLE_EXPECTED[key])}, meta=meta)]
            print(f"{label} =\n{got[0].arrays[label] if not got[0].error else 'raised ' + error_text(got[0].error)}")
            verdicts.append(ACTIVATION.judge(expected, got))
    return show(Verdict.all_of(verdicts))


def check_dense_layer(myDenseLayer):
    """myDenseLayer(80, 64): wegt (80, 64), bias (80,)."""
    expected = [Step("myDenseLayer(80, 64)", {"wegt.shape": np.array([80.0, 64.0]), "bias.shape": np.array([80.0])},
                     facts={"wegt is numeric": True, "bias is numeric": True})]
    return DENSE_LAYER.visible(expected, trace_dense_layer(myDenseLayer, [(80, 64)]))


def check_init(my_init, myDenseLayer, shape=(80, 64)):
    """Each method on an (80, 64) layer: the largest |w| and the variance against the formulas."""
    verdicts = []
    for method in INIT_METHODS:
        got = trace_init(my_init, myDenseLayer, method, shape, seed=0)
        if got and not got[0].error:
            w = got[0].arrays["wegt"]
            target = ("" if method in ("zeros", "random") else
                      f"   (bound {init_bound(method, *shape):.4f}, variance bound^2/3 = {init_bound(method, *shape) ** 2 / 3:.5f})")
            print(f"{method:>7}: largest |w| {np.abs(w).max():.4f}, variance {w.var():.5f}{target}")
        verdicts.append(INIT.judge([Step(got[0].label if got else method, meta={
            "method": method, "n_out": shape[0], "n_in": shape[1]})], got))
    return show(Verdict.all_of(verdicts))


def check_forward(my_forward, myDenseLayer):
    """my_forward on the fixed 3-4-3-2 network: a_1, a_2, a_3 as printed in the notebook; then on the
    same network with its weights and biases times 1000, where it must not overflow."""
    layers, X, _ = fixed_network(myDenseLayer)
    got = [_call("my_forward on the fixed network", my_forward, layers, X, read=_read_forward)]
    if not got[0].error:
        print("a_3 =\n", got[0].arrays["a_3"])
    expected = [Step(got[0].label, {k: np.array(VISIBLE_EXPECTED[k]) for k in ("a_1", "a_2", "a_3")})]
    values = FORWARD.judge(expected, got)
    unstable, _ = _unstable_on_large_weights("my_forward", my_forward, myDenseLayer, FORWARD_FIX, _read_forward)
    return show(_both(values, unstable))


LARGE_NETWORK = "the fixed network with its weights and biases times 1000 and every output logit plus 1000"


def large_network(myDenseLayer):
    """``fixed_network`` with weights and biases times 1000 (exp(-z) of an inline sigmoid, and exp of an
    unshifted logit, overflow there) and 1000 added to every output logit (softmax does not change; a
    sigmoid output saturates every class to 1.0)."""
    large, X, y = fixed_network(myDenseLayer)
    for lyr in large:
        lyr.wegt, lyr.bias = 1000 * lyr.wegt, 1000 * lyr.bias
    large[-1].bias = large[-1].bias + 1000
    return large, X, y


def _unstable_on_large_weights(name, function, myDenseLayer, fix, read, facts=None, with_labels=False):
    """A failing Verdict when ``function`` overflows on ``large_network``, else None; and the Step."""
    large, X, y = large_network(myDenseLayer)
    args = (large, X, y) if with_labels else (large, X)
    stable = _call_stable(f"{name} on {LARGE_NETWORK}", function, *args, read=read, facts=facts)
    return stability_verdict([stable], fix, LARGE_WEIGHTS), stable


def _both(values, unstable):
    """The values' verdict and, when there is one, the failed stability verdict."""
    return Verdict.all_of([values] + ([unstable] if unstable else []))


def check_gradients(my_forward, my_backward, myDenseLayer):
    """``gradcheck.gradient_check`` on a small 5-4-3-3 network (np.random.seed(0), six rows): every dW
    and db of my_backward against centred differences of the summed loss of your my_forward (so a
    wrong my_forward fails it too)."""
    np.random.seed(0)
    layers = [_layer(myDenseLayer, 4, 5), _layer(myDenseLayer, 3, 4), _layer(myDenseLayer, 3, 3)]
    for lyr in layers:
        lyr.wegt, lyr.bias = np.random.randn(*lyr.wegt.shape), np.random.randn(*lyr.bias.shape)
    X, y = np.random.randn(6, 5), np.eye(3)[np.random.randint(3, size=6)]
    return gradient_check(my_forward, my_backward, layers, X, y, note=(
        "\n(The numerical gradients differentiate your my_forward: when its own check fails, fix it first.)"))


BACKWARD_CASE = {"sizes": (3, 4, 3, 2), "batch": 2, "seed": 7}
BACKWARD_EXPECTED = {  # the reference's gradients on BACKWARD_CASE (computed once, kept as numbers)
    "d_1 dW": [[-0.0165305875, 0.0402898597, -0.0035298248], [-0.0598611347, 0.0985366702, 0.1243978099], [0.0235601408, -0.0390504379, -0.0481831377], [-0.2537491865, 0.3561161673, 0.705669796]],
    "d_1 db": [0.0427560374, -0.0303086583, 0.0108797776, -0.36918112],
    "d_2 dW": [[-0.059132097, 0.280137718, 0.2061172076, 0.3754930606], [0.0894468704, -0.0396315531, -0.0246838938, -0.1248513116], [-0.0437503222, 0.1235766403, 0.0899489372, 0.1812685734]],
    "d_2 db": [0.3538401886, -0.0120697839, 0.1478121669],
    "d_3 dW": [[-0.499249981, -0.0804814694, 0.1334396947], [0.499249981, 0.0804814694, -0.1334396947]],
    "d_3 db": [-0.0199922193, 0.0199922193],
}


def check_backward(my_backward, myDenseLayer):
    """my_backward alone, given the activations (as its hidden tests): a 3-4-3-2 network, two rows,
    against the reference's gradients."""
    got = trace_backward(my_backward, myDenseLayer, **BACKWARD_CASE)
    expected = [Step(got[0].label, {k: np.array(v) for k, v in BACKWARD_EXPECTED.items()},
                     meta={"batch": BACKWARD_CASE["batch"]})]
    if not got[0].error:
        print("d_3 =", *(np.round(got[0].arrays[k], 8) for k in ("d_3 dW", "d_3 db") if k in got[0].arrays))
    return BACKWARD.visible(expected, got)


def check_loss(my_loss, myDenseLayer):
    """my_loss on the fixed network: the mean cross-entropy printed in the notebook."""
    layers, X, y = fixed_network(myDenseLayer)
    got = [_call("my_loss on the fixed network", my_loss, layers, X, y, read=_read_loss, facts=_loss_facts)]
    print(f"{got[0].label}: " + (f"{float(got[0].arrays['loss']):.8f}" if "loss" in got[0].arrays
                                 else "raised " + error_text(got[0].error)))
    values = LOSS.judge([Step(got[0].label, {"loss": np.array(VISIBLE_EXPECTED["loss"])}, meta={"rows": 2, "classes": 2},
                              facts={"loss is a number": True})], got)
    unstable, _ = _unstable_on_large_weights("my_loss", my_loss, myDenseLayer, LOSS_FIX, _read_loss, _loss_facts,
                                             with_labels=True)
    return show(_both(values, unstable))


def check_predict(my_predict, myDenseLayer):
    """my_predict on the fixed network: the labels printed in the notebook."""
    layers, X, _ = fixed_network(myDenseLayer)
    got = [_call("my_predict on the fixed network", my_predict, layers, X, read=_read_labels, facts=_label_facts)]
    print(f"{got[0].label}: " + (str(got[0].arrays["labels"].astype(int)) if "labels" in got[0].arrays
                                 else "raised " + error_text(got[0].error)))
    unstable, large = _unstable_on_large_weights("my_predict", my_predict, myDenseLayer, PREDICT_FIX, _read_labels,
                                                 _label_facts)
    expected = [Step(label, {"labels": np.array(VISIBLE_EXPECTED[key], float)}, facts={"labels are integers": True})
                for label, key in ((got[0].label, "labels"), (large.label, "labels, large network"))]
    return show(_both(PREDICT.judge(expected, got + [large]), unstable))
