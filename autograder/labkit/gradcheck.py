"""Numerical gradient checking with centred differences (as in CS231n's gradient_check.py).

    df/dw  ~  (f(w + h) - f(w - h)) / (2 h)     for each entry w of a parameter array

Relative error ``max|a - n| / max(|a|, |n|)`` (over the array) between an analytic gradient a and
the numerical one n:
below 1e-7 the gradient is right; up to 1e-5 it is probably right (look at the largest entries);
above 1e-3 it is wrong (kinks, e.g. ReLU at 0, can give more; sigmoid and softmax have none).
"""
import numpy as np

from .trace import Verdict, describe_error, error_text, show


def numerical_gradient(f, param, h=1e-5):
    """The gradient of the scalar function ``f()`` w.r.t. the array ``param`` (changed in place, restored)."""
    grad = np.zeros_like(param, dtype=float)
    for index in np.ndindex(param.shape):
        saved = param[index]
        param[index] = saved + h
        f_plus = f()
        param[index] = saved - h
        f_minus = f()
        param[index] = saved
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(analytic, numerical):
    """The largest difference between two arrays, relative to their largest entry.

    (Entry by entry, a gradient that is nearly 0 — a saturated unit — would give a large ratio of
    two tiny numbers; measured against the array's scale it does not.)
    """
    analytic, numerical = np.asarray(analytic, float), np.asarray(numerical, float)
    if analytic.shape != numerical.shape:
        return np.inf
    scale = max(np.max(np.abs(analytic), initial=0.0), np.max(np.abs(numerical), initial=0.0), 1e-12)
    return float(np.max(np.abs(analytic - numerical), initial=0.0) / scale)


def gradient_check(my_forward, my_backward, layers, X, y, threshold=1e-6, note=""):
    """Compare ``my_backward`` with centred differences of the SUMMED cross-entropy of ``my_forward``.

    Prints the relative error of every dW and db, then the verdict (``trace.show``: a failure, NaN
    included, raises ``CheckFailed``, its message ending with ``note``); returns the largest relative
    error (inf when a function raised).
    """
    def summed_loss():
        probabilities = my_forward(layers, X)[2]
        return float(-np.sum(y * np.log(probabilities)))

    try:
        a_1, a_2, a_3 = my_forward(layers, X)
        analytic = list(my_backward(layers, a_1, a_2, a_3, X, y))
        if len(analytic) != len(layers):
            raise ValueError(f"my_backward returned {len(analytic)} (dW, db) pairs for {len(layers)} layers")
        errors = []
        for number, (lyr, (dW, db)) in enumerate(zip(layers, analytic), start=1):
            for name, param, grad in (("dW", lyr.wegt, dW), ("db", lyr.bias, db)):
                error = relative_error(grad, numerical_gradient(summed_loss, param))
                errors.append(error)
                print(f"layer {number} {name}: relative error {error:.2e}  {'ok' if error < threshold else 'WRONG'}")
    except Exception as exc:  # the student's functions: any error is the check's answer
        show(Verdict(False, f"the gradient check could not run: {error_text(describe_error(exc))}{note}"))
        return np.inf
    worst = max(errors, key=lambda e: e if e < threshold else np.inf)  # NaN counts as the worst
    show(Verdict(all(e < threshold for e in errors),
                 f"the largest relative error is {worst:.2e} (should be below {threshold:g}).{note}"))
    return worst
