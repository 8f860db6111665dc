"""The course's optimizers with their hyperparameters exposed, for the demos.

``my_optimizer`` has the labs' interface, ``my_optimizer(lyr, opt, W_grad, B_grad, solver,
learning_rate, iter)``, and the labs' defaults; the demos' sliders pass other values of ``gamma``,
``beta1``, ``beta2`` and ``epsilon`` as keywords. It holds the answers of Lab 3: it ships only with
notebooks that import it (release them after Lab 3 is due).

Shapes: lyr.wegt (n_out, n_in), lyr.bias (n_out,); the W_* state like wegt, the B_* state like bias.
"""
import numpy as np

from .hyperparameters import BETA1, BETA2, EPSILON, GAMMA
from .solvers import ALL_SOLVERS as SOLVERS, STATE_OF

DEFAULTS = {"gamma": GAMMA, "beta1": BETA1, "beta2": BETA2, "epsilon": EPSILON}  # the course's values


class myOptParam:
    """Optimizer state of one layer: previous delta (dt), first (mt) and second (vt) moments."""

    def __init__(self, n_out, n_in):
        for prefix, shape in (("W", (n_out, n_in)), ("B", (n_out,))):
            for kind in ("dt", "mt", "vt"):
                setattr(self, f"{prefix}_{kind}", np.zeros(shape))


# Each solver's step: (its state s, the gradient g, learning_rate, t = iter, the hyperparameters) -> the
# delta to subtract, updating s, a dict holding the solver's arrays of ``opt`` for this parameter ("dt",
# "mt", "vt": ``solvers.STATE_OF``). One entry per solver of ``solvers.REGISTRY`` (seed 004; 000-002).
def _sgd(s, g, lr, t, gamma, beta1, beta2, epsilon):
    return lr * g


def _momentum(s, g, lr, t, gamma, beta1, beta2, epsilon):
    s["dt"] = gamma * s["dt"] + lr * g
    return s["dt"]


def _nesterov(s, g, lr, t, gamma, beta1, beta2, epsilon):
    s["dt"] = gamma * s["dt"] + lr * g
    return gamma * s["dt"] + lr * g


def _adagrad(s, g, lr, t, gamma, beta1, beta2, epsilon):
    s["vt"] = s["vt"] + g * g
    return lr / np.sqrt(s["vt"] + epsilon) * g


def _rmsprop(s, g, lr, t, gamma, beta1, beta2, epsilon):
    s["vt"] = gamma * s["vt"] + (1 - gamma) * g * g
    return lr / np.sqrt(s["vt"] + epsilon) * g


def _adam(s, g, lr, t, gamma, beta1, beta2, epsilon):
    s["mt"] = beta1 * s["mt"] + (1 - beta1) * g
    s["vt"] = beta2 * s["vt"] + (1 - beta2) * g * g
    m_hat, v_hat = s["mt"] / (1 - beta1 ** t), s["vt"] / (1 - beta2 ** t)
    return lr * m_hat / (np.sqrt(v_hat) + epsilon)


FORMULAS = {"sgd": _sgd, "momentum": _momentum, "adagrad": _adagrad, "rmsprop": _rmsprop, "adam": _adam,
            "nesterov": _nesterov}
# (solver, "W" or "B") -> {kind: attribute of opt}: which arrays of opt a solver's step reads and writes
_STATE = {(solver, prefix): {name[2:]: name.replace("W_", f"{prefix}_", 1) for name in names if name.startswith("W_")}
          for solver, names in STATE_OF.items() for prefix in ("W", "B")}


def delta(opt, prefix, g, solver, learning_rate, t, gamma, beta1, beta2, epsilon):
    """The step to subtract for the parameter whose state is opt.<prefix>_*, its gradient g;
    updates that state. ValueError for a solver without a formula."""
    if solver not in FORMULAS:
        raise ValueError(f"unknown solver {solver!r}: use one of {', '.join(SOLVERS)}")
    names = _STATE[solver, prefix]
    state = {kind: getattr(opt, name) for kind, name in names.items()}
    step = FORMULAS[solver](state, g, learning_rate, t, gamma, beta1, beta2, epsilon)
    for kind, name in names.items():
        setattr(opt, name, state[kind])
    return step


def my_optimizer(lyr, opt, W_grad, B_grad, solver="sgd", learning_rate=0.01, iter=1, **hyperparameters):
    """wegt -= delta(W_grad), bias -= delta(B_grad); ``hyperparameters``: any of DEFAULTS."""
    unknown = set(hyperparameters) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown hyperparameters {sorted(unknown)}: use {', '.join(DEFAULTS)}")
    settings = {**DEFAULTS, **hyperparameters}
    W_dlt = delta(opt, "W", W_grad, solver, learning_rate, iter, **settings)
    B_dlt = delta(opt, "B", B_grad, solver, learning_rate, iter, **settings)
    lyr.wegt = lyr.wegt - W_dlt
    lyr.bias = lyr.bias - B_dlt
