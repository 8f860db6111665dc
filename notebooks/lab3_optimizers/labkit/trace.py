"""Traces and verdicts: the machinery every check shares.

A *probe* runs student code and records what it leaves behind in a trace (a list of ``Step``s,
each a few named float arrays, or the error raised); a *judge* compares a trace with the expected
one and returns a ``Verdict``. Traces travel from the student's kernel to the grader as a
structured cell output (``TRACE_MIME``), arrays base64-encoded so that NaN and inf survive.

Tolerance: arrays match when every ``|got - expected| <= ATOL + RTOL * max|expected|``
(RTOL = 1e-6 of the array's largest entry, ATOL = 1e-9).
"""
import base64
import os

import numpy as np

RTOL = 1e-6
ATOL = 1e-9
TRACE_MIME = "application/vnd.optkit.trace+json"


class Step:
    """One observation: ``arrays`` {name: float ndarray}, or ``error`` when the code raised."""

    def __init__(self, label, arrays=None, error=None, meta=None):
        self.label = label
        self.arrays = arrays or {}
        self.error = error  # None or {"type": str, "mro": [str, ...], "message": str}
        self.meta = meta or {}


class Verdict:
    """A judge's decision: ``passed`` (bool) and a ``message`` for the student."""

    def __init__(self, passed, message):
        self.passed = bool(passed)
        self.message = message

    def __repr__(self):
        return f"Verdict(passed={self.passed}, message={self.message!r})"


class CheckFailed(AssertionError):
    """A visible check that failed. Jupyter shows only its message, in red, instead of a traceback
    (IPython renders an exception through its ``_render_traceback_``, a list of lines)."""

    def _render_traceback_(self):
        lines = str(self).splitlines() or [""]
        return [f"\x1b[0;31mtest failed:\x1b[0m {lines[0]}"] + [f"  {line}" for line in lines[1:]]


def show(verdict, detail=False):
    """Say a visible check's verdict in the notebook; returns ``verdict``.

    A pass prints ``test passed.`` (followed by the verdict's message when ``detail``). A failure raises
    ``CheckFailed`` with the message, so the cell fails, Run All stops there and nbgrader's Validate
    names the cell. While the notebook is autograded (``NBGRADER_EXECUTION=autograde``) it only
    prints the failure: the grader judges outside the kernel, and the hidden tests below a visible
    check in the same cell must still run.
    """
    if verdict.passed:
        print("test passed. " + verdict.message if detail else "test passed.")
    elif os.environ.get("NBGRADER_EXECUTION") == "autograde":
        print("test failed: " + verdict.message)
    else:
        raise CheckFailed(verdict.message)
    return verdict


def as_float_array(value, what):
    """A float64 copy of ``value``; raises TypeError naming ``what`` when that is impossible."""
    try:
        return np.array(value, dtype=np.float64, copy=True)
    except Exception as exc:  # any non-numeric object a student may leave behind
        raise TypeError(f"{what} is not a numeric array ({type(value).__name__}): {exc}") from None


def describe_error(exc):
    """An exception as plain data."""
    return {
        "type": type(exc).__name__,
        "mro": [cls.__name__ for cls in type(exc).__mro__],
        "message": str(exc)[:500],
    }


def observe(label, read_arrays, meta=None):
    """A Step from ``read_arrays()`` -> {name: value}; an exception becomes the step's error."""
    try:
        raw = read_arrays()
        arrays = {name: as_float_array(value, name) for name, value in raw.items()}
    except Exception as exc:
        return Step(label, error=describe_error(exc), meta=meta)
    return Step(label, arrays=arrays, meta=meta)


def encode_trace(kind, steps):
    """A trace as JSON-safe data (arrays as base64 float64, so NaN and inf survive)."""
    return {
        "kind": kind,
        "steps": [
            {
                "label": s.label,
                "error": s.error,
                "meta": s.meta,
                "arrays": {
                    name: {
                        "shape": list(a.shape),
                        "data": base64.b64encode(np.ascontiguousarray(a, "<f8").tobytes()).decode(),
                    }
                    for name, a in s.arrays.items()
                },
            }
            for s in steps
        ],
    }


def decode_trace(payload):
    """(kind, steps) from ``encode_trace`` data; raises ValueError on anything malformed."""
    try:
        steps = []
        for s in payload["steps"]:
            arrays = {}
            for name, a in s["arrays"].items():
                shape = tuple(int(d) for d in a["shape"])
                flat = np.frombuffer(base64.b64decode(a["data"], validate=True), dtype="<f8")
                arrays[str(name)] = flat.reshape(shape).astype(np.float64)
            error = s.get("error")
            if error is not None:
                error = {"type": str(error["type"]), "mro": [str(m) for m in error["mro"]],
                         "message": str(error["message"])}
            steps.append(Step(str(s["label"]), arrays, error, dict(s.get("meta") or {})))
        return str(payload["kind"]), steps
    except Exception as exc:
        raise ValueError(f"malformed trace: {type(exc).__name__}: {exc}") from None


# ------------------------------------------------------------------- reporting (hidden tests)
_sinks = []  # the grader pushes a list here to collect reports instead of displaying them


def report(kind, steps):
    """Hand a probe's trace to the grader (a structured cell output); the grader decides."""
    payload = encode_trace(kind, steps)
    if _sinks:
        _sinks[-1].append(payload)
        return
    from IPython.display import display

    display({TRACE_MIME: payload,
             "text/plain": f"[{kind}] results recorded; the grader checks them."}, raw=True)


def hidden_test_of(*probe_tables):
    """The ``hidden_test(kind, *functions, **case)`` of a lab whose checks' probes are ``probe_tables``
    ({kind: probe} dicts): it runs the probe of ``kind`` on the student's functions with the hidden
    ``case`` and reports the trace (``report``). KeyError for a kind none of the tables holds."""
    probes = {kind: probe for table in probe_tables for kind, probe in table.items()}

    def hidden_test(kind, *functions, **case):
        """Run the probe of ``kind`` on your functions with the hidden ``case`` and report it."""
        report(kind, probes[kind](*functions, **case))

    return hidden_test


class collect_reports:
    """Context manager (grader side): ``with collect_reports() as reports:`` gathers payloads."""

    def __enter__(self):
        self.reports = []
        _sinks.append(self.reports)
        return self.reports

    def __exit__(self, *exc_info):
        _sinks.remove(self.reports)
        return False


# ----------------------------------------------------------------------------- judging values
def mismatch(expected, got):
    """None when ``got`` matches ``expected`` within tolerance, else a sentence on the worst entry.

    The tolerance is relative to the array's scale (its largest finite |entry|), so that an entry
    that is nearly 0 after a subtraction is not judged on its own tiny magnitude.
    """
    if got.shape != expected.shape:
        return f"has shape {got.shape}, expected {expected.shape}"
    finite = np.isfinite(expected)
    scale = float(np.abs(expected[finite]).max()) if finite.any() else 0.0
    with np.errstate(invalid="ignore"):
        diff = np.abs(got - expected)
        close = (diff <= ATOL + RTOL * scale) | (got == expected) | (np.isnan(got) & np.isnan(expected))
    if close.all():
        return None
    badness = np.where(close, -np.inf, np.where(np.isnan(diff), np.inf, diff))
    worst = np.unravel_index(int(np.argmax(badness)), expected.shape)
    where = f" at index {tuple(int(i) for i in worst)}" if expected.ndim else ""
    n_bad = int((~close).sum())
    if _reveal[-1]:
        return (f"differs{where}: expected {expected[worst]:.10g}, got {got[worst]:.10g} "
                f"({n_bad} of {expected.size} entries off)")
    off = abs(got[worst] - expected[worst]) / max(scale, ATOL)
    return (f"differs{where}: got {got[worst]:.10g}, off by {off:.2g} of the array's largest entry "
            f"({n_bad} of {expected.size} entries off)")


_reveal = [True]  # the grader turns this off: hidden tests' expected values stay hidden


class concealed:
    """Context manager (grader side): verdict messages say how far off a value is, not what it should be."""

    def __enter__(self):
        _reveal.append(False)

    def __exit__(self, *exc_info):
        _reveal.pop()
        return False


def error_text(error):
    return f"{error['type']}: {error['message']}" if error["message"] else error["type"]


def judge_values(expected, got, hint=None, what="your code"):
    """Compare two traces step by step.

    ``hint(step_index, bad_names, expected_step, got_step)`` may return a likely cause (or None).
    Fails when there is nothing to compare: a check that cannot fail is no check.
    """
    if not expected:
        return Verdict(False, f"nothing was checked: no result of {what} to compare (the check stopped early).")
    for index, exp in enumerate(expected):
        if index >= len(got):
            return Verdict(False, f"{exp.label}: no result was recorded (the probe stopped early).")
        step = got[index]
        if exp.error is not None:  # the reference raises here: the same kind of error is expected
            if step.error is not None and exp.error["type"] in step.error["mro"]:
                continue
            did = f"raised {error_text(step.error)}" if step.error else "raised nothing"
            return Verdict(False, f"{exp.label}: expected a {exp.error['type']}, but {what} {did}.")
        if step.error is not None:
            return Verdict(False, f"{exp.label}: {what} raised {error_text(step.error)}.")
        problems = {}
        for name, exp_array in exp.arrays.items():
            if name not in step.arrays:
                problems[name] = "was not recorded"
                continue
            problem = mismatch(exp_array, step.arrays[name])
            if problem:
                problems[name] = problem
        if problems:
            found = [f"{name} {text}" for name, text in problems.items()]
            lines = [f"{exp.label}: {found[0]}"] + [f"  and {line}" for line in found[1:]]
            extra = hint(index, set(problems), exp, step) if hint else None
            if extra:
                lines.append(f"Hint: {extra}")
            return Verdict(False, "\n".join(lines))
    return Verdict(True, f"all {len(expected)} steps match (rtol={RTOL:g}, atol={ATOL:g}).")
