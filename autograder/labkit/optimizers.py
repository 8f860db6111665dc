"""The course's optimizers with their hyperparameters exposed, for the demos.

``my_optimizer`` has the labs' interface, ``my_optimizer(lyr, opt, W_grad, B_grad, solver,
learning_rate, iter)``, and the labs' defaults; the demos' sliders pass other values of ``gamma``,
``beta1``, ``beta2`` and ``epsilon`` as keywords. It holds the answers of Lab 3: it ships only with
notebooks that import it (release them after Lab 3 is due).

Shapes: lyr.wegt (n_out, n_in), lyr.bias (n_out,); the W_* state like wegt, the B_* state like bias.
"""
import numpy as np

from .hyperparameters import ALL_SOLVERS as SOLVERS, BETA1, BETA2, EPSILON, GAMMA

DEFAULTS = {"gamma": GAMMA, "beta1": BETA1, "beta2": BETA2, "epsilon": EPSILON}  # the course's values


class myOptParam:
    """Optimizer state of one layer: previous delta (dt), first (mt) and second (vt) moments."""

    def __init__(self, n_out, n_in):
        for prefix, shape in (("W", (n_out, n_in)), ("B", (n_out,))):
            for kind in ("dt", "mt", "vt"):
                setattr(self, f"{prefix}_{kind}", np.zeros(shape))


def delta(opt, prefix, g, solver, learning_rate, t, gamma, beta1, beta2, epsilon):
    """The step to subtract for the parameter whose state is opt.<prefix>_*, its gradient g;
    updates that state."""
    dt, mt, vt = (f"{prefix}_{kind}" for kind in ("dt", "mt", "vt"))
    if solver == "sgd":
        return learning_rate * g
    if solver in ("momentum", "nesterov"):
        velocity = gamma * getattr(opt, dt) + learning_rate * g
        setattr(opt, dt, velocity)
        return velocity if solver == "momentum" else gamma * velocity + learning_rate * g
    if solver == "adagrad":
        setattr(opt, vt, getattr(opt, vt) + g * g)
        return learning_rate / np.sqrt(getattr(opt, vt) + epsilon) * g
    if solver == "rmsprop":
        setattr(opt, vt, gamma * getattr(opt, vt) + (1 - gamma) * g * g)
        return learning_rate / np.sqrt(getattr(opt, vt) + epsilon) * g
    if solver == "adam":
        setattr(opt, mt, beta1 * getattr(opt, mt) + (1 - beta1) * g)
        setattr(opt, vt, beta2 * getattr(opt, vt) + (1 - beta2) * g * g)
        m_hat = getattr(opt, mt) / (1 - beta1 ** t)
        v_hat = getattr(opt, vt) / (1 - beta2 ** t)
        return learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    raise ValueError(f"unknown solver {solver!r}: use one of {', '.join(SOLVERS)}")


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
