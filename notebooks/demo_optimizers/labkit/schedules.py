"""Learning-rate schedules: functions of the epoch (0, 1, 2, ...) that return the learning rate.

Each takes the starting rate ``lr0``; ``labkit.training.train`` accepts one in place of a constant
``learning_rate``.
"""
import numpy as np


def constant(lr0):
    """The learning rate ``lr0`` at every epoch (``epoch`` -> lr)."""
    return lambda epoch: lr0


def step_decay(lr0, drop=0.5, every=10):
    """lr0 * drop ** floor(epoch / every): halved every 10 epochs by default."""
    return lambda epoch: lr0 * drop ** (epoch // every)


def exponential(lr0, k=0.05):
    """lr0 * exp(-k epoch)."""
    return lambda epoch: lr0 * np.exp(-k * epoch)


def inverse_time(lr0, k=0.1):
    """lr0 / (1 + k epoch): the 1/t decay of the convergence proofs."""
    return lambda epoch: lr0 / (1 + k * epoch)


def cosine_with_warmup(lr0, n_epochs, warmup=5, lr_min=0.0):
    """Linear warm-up from lr0 / warmup to lr0 over ``warmup`` epochs, then half a cosine down to
    ``lr_min`` at the last epoch (n_epochs - 1)."""
    def rate(epoch):
        if epoch < warmup:
            return lr0 * (epoch + 1) / warmup
        progress = (epoch - warmup) / max(1, n_epochs - 1 - warmup)
        return lr_min + 0.5 * (lr0 - lr_min) * (1 + np.cos(np.pi * min(progress, 1.0)))
    return rate


SCHEDULES = {  # name -> (how to make it from lr0 and the number of epochs, its formula in LaTeX)
    "step": (lambda lr0, n: step_decay(lr0, 0.5, max(1, n // 4)),
             r"\eta_e = \eta_0 \cdot 0.5^{\lfloor e / (E/4) \rfloor}"),
    "exponential": (lambda lr0, n: exponential(lr0, 4.0 / n), r"\eta_e = \eta_0\, e^{-4e/E}"),
    "1/t": (lambda lr0, n: inverse_time(lr0, 10.0 / n), r"\eta_e = \eta_0 / (1 + 10e/E)"),
    "cosine + warm-up": (lambda lr0, n: cosine_with_warmup(lr0, n, max(1, n // 10)),
                         r"\eta_e = \tfrac{1}{2}\eta_0 \left(1 + \cos \pi \tfrac{e - w}{E - 1 - w}\right),\ e \ge w"),
}
