"""All the labs' checks, for the grader (which judges every lab); a lab's notebook imports only its own
(``lab2_checks``, ``lab3_checks``, ``lab4_checks``), and its release ships only what that imports.

A check (``trace.Check``) is declared once, in its topic module, and registers itself under its kind:

- its *probe* runs your functions on fixed inputs and records what they leave behind in a trace;
  a probe never decides anything.
- its *judge* compares a recorded trace with the expected one and returns a ``Verdict``: passed or
  not, the step, the array, the worst index and a likely cause (its *hint*).

The visible checks in your notebook (``check_*``) run both halves against the handout's printed
values. When your notebook is graded, the hidden tests only run the probe in your kernel and
*report* the trace; the grader runs the same probe with the reference solution in its own process
and judges there. Nothing printed or caught in the notebook can change a verdict (README, How it
works, says the one known limit: a student who rewrites this kit's reporting in their own kernel).

Modules: ``trace`` (the shared machinery and the tolerance), ``minibatch_checks`` and
``optimizer_checks`` (the optimizers lab), ``network_checks`` (the forward/backward lab),
``regularization_checks`` (the weight decay and dropout lab). Importing this module imports them
all, so that ``REGISTRY`` holds every check.
"""
from . import minibatch_checks, network_checks, optimizer_checks, regularization_checks  # noqa: F401 - they register
from .solvers import EXTRA_SOLVERS, SOLVERS  # noqa: F401 - the API
from .minibatch_checks import check_handout_minibatches, check_minibatches, trace_minibatches  # noqa: F401
from .optimizer_checks import (check_handout_optimizer, check_nesterov, check_optparam,  # noqa: F401
                               trace_optimizer, trace_optparam, trace_unknown_solver)
from .trace import (ATOL, REGISTRY, RTOL, TRACE_MIME, CheckFailed, Step, Verdict,  # noqa: F401
                    collect_reports, concealed, decode_trace, encode_trace, hidden_test, judge_values, report)


def judge(kind, expected, got):
    """The verdict for one reported trace of ``kind`` (``expected``: the reference's trace, a list of
    Step). KeyError for a kind no check declares."""
    return REGISTRY[kind].judge(expected, got)
