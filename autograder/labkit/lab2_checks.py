"""The checks of Lab 2 (the forward and backward passes), as its notebook calls them.

``from labkit import lab2_checks as labcheck``; then ``labcheck.check_<...>(...)`` (the visible checks
of its topic modules, every ``check_*`` they define) in the notebook and ``labcheck.hidden_test(kind, ...)``
in its hidden tests (every check its topic modules declare). The lab's release ships this module and
what it imports (its import closure), nothing of another lab.
"""
from .network_checks import *  # noqa: F401,F403 - its visible checks, check_*
from .trace import hidden_test  # noqa: F401

__all__ = ["hidden_test"] + sorted(name for name in dir() if name.startswith("check_"))
