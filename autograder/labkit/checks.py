"""All the labs' checks, for the grader (which judges every lab); a lab's notebook imports only its own
(``lab2_checks``, ``lab3_checks``, ``lab4_checks``), and its release ships only what that imports.

A check has two halves:

- a *probe* runs your functions on fixed inputs and records what they leave behind in a trace;
  a probe never decides anything.
- a *judge* compares a recorded trace with the expected one and returns a ``Verdict`` (passed or
  not, and a message that names the step, the array, the worst index and a likely cause).

The visible checks in your notebook run both halves against the handout's printed values.
When your notebook is graded, the hidden tests only run the probe in your kernel and *report*
the trace; the grader runs the same probe with the reference solution in its own process and
judges there. Nothing printed, patched or caught in the notebook can change a verdict.

Modules: ``trace`` (the shared machinery and the tolerance), ``minibatch_checks`` and
``optimizer_checks`` (the optimizers lab), ``network_checks`` (the forward/backward lab),
``regularization_checks`` (the weight decay and dropout lab).
"""
from . import minibatch_checks, network_checks, optimizer_checks, regularization_checks
from .network_checks import (check_activations, check_backward, check_dense_layer, check_forward, check_init,
                             check_gradients, check_loss, check_predict)
from .minibatch_checks import handout_minibatch_check, self_check_minibatches, trace_minibatches
from .hyperparameters import EXTRA_SOLVERS, SOLVERS
from .optimizer_checks import (handout_optimizer_check, self_check_nesterov,
                               self_check_optparam, trace_optimizer, trace_optparam, trace_unknown_solver)
from .regularization_checks import self_check_dropout, self_check_l2
from .trace import (ATOL, RTOL, TRACE_MIME, CheckFailed, Step, Verdict, collect_reports, concealed, decode_trace,
                    encode_trace, hidden_test_of, judge_values, report)

_TOPICS = (minibatch_checks, optimizer_checks, network_checks, regularization_checks)
PROBES = {kind: probe for topic in _TOPICS for kind, probe in topic.PROBES.items()}
JUDGES = {kind: judge for topic in _TOPICS for kind, judge in topic.JUDGES.items()}


def judge(kind, expected, got):
    """The verdict for one reported trace of ``kind`` (``expected``: the reference's trace)."""
    return JUDGES[kind](expected, got)


hidden_test = hidden_test_of(PROBES)


__all__ = ["ATOL", "RTOL", "TRACE_MIME", "CheckFailed", "Step", "Verdict", "collect_reports", "concealed", "decode_trace",
           "encode_trace",
           "judge_values", "report", "judge", "hidden_test", "PROBES", "JUDGES", "SOLVERS", "EXTRA_SOLVERS",
           "handout_minibatch_check", "self_check_minibatches", "trace_minibatches",
           "handout_optimizer_check", "self_check_nesterov", "self_check_optparam", "trace_optimizer", "trace_optparam",
           "trace_unknown_solver", "check_activations", "check_backward", "check_gradients", "check_dense_layer", "check_forward", "check_init",
           "check_loss", "check_predict", "self_check_dropout", "self_check_l2"]
