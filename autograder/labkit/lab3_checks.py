"""The checks of Lab 3 (mini-batches and the optimizers), as its notebook calls them.

``from labkit import lab3_checks as labcheck``; then ``labcheck.<visible check>(...)`` in the notebook
and ``labcheck.hidden_test(kind, ...)`` in its hidden tests. The lab's release ships this module and
what it imports (its import closure), nothing of another lab.
"""
from . import minibatch_checks, optimizer_checks
from .minibatch_checks import handout_minibatch_check, self_check_minibatches
from .optimizer_checks import handout_optimizer_check, self_check_nesterov, self_check_optparam
from .trace import hidden_test_of

hidden_test = hidden_test_of(minibatch_checks.PROBES, optimizer_checks.PROBES)

__all__ = ["hidden_test", "handout_minibatch_check", "self_check_minibatches", "handout_optimizer_check",
           "self_check_nesterov", "self_check_optparam"]
