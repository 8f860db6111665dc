"""The checks of Lab 4 (L2 weight decay and dropout), as its notebook calls them.

``from labkit import lab4_checks as labcheck``; then ``labcheck.<visible check>(...)`` in the notebook
and ``labcheck.hidden_test(kind, ...)`` in its hidden tests. The lab's release ships this module and
what it imports (its import closure), nothing of another lab.
"""
from . import regularization_checks
from .regularization_checks import self_check_dropout, self_check_l2
from .trace import hidden_test_of

hidden_test = hidden_test_of(regularization_checks.PROBES)

__all__ = ["hidden_test", "self_check_dropout", "self_check_l2"]
