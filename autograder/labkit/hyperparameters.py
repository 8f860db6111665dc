"""The course's hyperparameters, defined once (seed 004, the Lab 3 handout; seeds 000-002 for
momentum, NAG and Adam). The checks and their hints, the reference optimizers, the training loop and
the demos read them from here; the solvers themselves are listed in ``solvers``.

- ``GAMMA`` 0.9: the decay of momentum's velocity and of RMSProp's average; ``BETA1`` 0.9 and
  ``BETA2`` 0.99: Adam's moments (the course's β2, not Kingma & Ba's 0.999); ``EPSILON`` 1e-8.

A fact a check author must know: with these values 1 − β1 = √(1 − β2) = 0.1, so at ``iter = 1`` an
Adam that leaves out both bias corrections takes the same step as a right one (a check needs a
second call, or the moments themselves, to tell them apart).
"""
GAMMA = 0.9
BETA1, BETA2 = 0.9, 0.99
EPSILON = 1e-8


def shown(value):
    """``value`` as the handout writes it in a formula or hint: 0.9, 0.99, 1e-8 (not 1e-08)."""
    return f"{value:g}".replace("e-0", "e-")
