"""The checks of Lab 3 (mini-batches and the optimizers), as its notebook calls them.

``from labkit import lab3_checks as labcheck``; then ``labcheck.check_<...>(...)`` (the visible checks
of its topic modules, every ``check_*`` they define) in the notebook and ``labcheck.hidden_test(kind, ...)``
in its hidden tests (every check its topic modules declare). The lab's release ships this module and
what it imports (its import closure), nothing of another lab.
"""
from .minibatch_checks import *  # noqa: F401,F403 - its visible checks, check_*
from .optimizer_checks import *  # noqa: F401,F403 - its visible checks, check_*
from .trace import hidden_test  # noqa: F401

__all__ = ["hidden_test"] + sorted(name for name in dir() if name.startswith("check_"))
