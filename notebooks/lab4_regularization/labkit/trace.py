"""Traces and verdicts: the machinery every check shares.

A *probe* runs student code and records what it leaves behind in a trace (a list of ``Step``s,
each a few named float arrays and typed facts, or the error raised); a *judge* compares a trace with
the expected one and returns a ``Verdict``, a record (passed, the failed step, array, index, hint).
A ``Check`` declares one check once: its kind, probe, hint and judge; it registers itself, and
``hidden_test(kind, ...)`` finds it by its kind. Traces travel from the student's kernel to the
grader as a structured cell output (``TRACE_MIME``), arrays base64-encoded so that NaN and inf survive.

Tolerance: arrays match when every ``|got - expected| <= ATOL + RTOL * max|expected|``
(RTOL = 1e-6 of the array's largest entry, ATOL = 1e-9).
"""
import base64
import os

import numpy as np

RTOL = 1e-6
ATOL = 1e-9
TRACE_MIME = "application/vnd.optkit.trace+json"


FACT_TYPES = (bool, int, str, type(None))  # what a step's facts may hold (no float: floats are arrays)
LONGEST_FACT = 200  # characters of a str fact, digits of an int fact: a fact is a word or a count


def fact_problem(name, value):
    """Why ``value`` cannot be the fact ``name`` (another type, too long), or None."""
    if not isinstance(value, FACT_TYPES):
        return f"{name} is a {type(value).__name__}, not a bool, int, str or None"
    if isinstance(value, str) and len(value) > LONGEST_FACT or (
            isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** LONGEST_FACT):
        return f"{name} is longer than {LONGEST_FACT} characters"
    return None


class Step:
    """One observation.

    ``label``: what was done (shown to the student); ``arrays``: {name: float ndarray}, compared within
    the tolerance; ``facts``: {name: bool, int, str or None}, compared for equality (a yes/no property,
    a count, a name); ``error``: None, or {"type", "mro", "message"} when the code raised; ``meta``:
    the case's context for judges and hints (the solver, ``iter``, a role), never compared.
    """

    def __init__(self, label, arrays=None, error=None, meta=None, facts=None):
        self.label = label
        self.arrays = arrays or {}
        self.error = error
        self.meta = meta or {}
        self.facts = facts or {}


class Verdict:
    """A judge's decision, as data that travels unchanged to the CSV, the score table and the feedback.

    ``passed`` (bool); ``problem``: what the student reads first (one or more lines); ``step``: the
    label of the step that failed; ``array``: the first array (or fact) found wrong; ``index``: its
    worst entry (a tuple, () for a scalar); ``hint``: the likely cause, or None; ``note``: a remark on a
    right answer (a valid shuffle in another order than the handout's), or None. Each is None when it
    does not apply. ``message`` is the text shown: the problem, then ``Hint: ...``.
    """

    def __init__(self, passed, problem, *, step=None, array=None, index=None, hint=None, note=None):
        self.passed = bool(passed)
        self.problem = problem
        self.step, self.array, self.index, self.hint, self.note = step, array, index, hint, note

    @property
    def message(self):
        return self.problem + (f"\nHint: {self.hint}" if self.hint else "")

    def record(self):
        """The verdict as JSON-safe data (the grader keeps it in the autograded notebook)."""
        return {"passed": self.passed, "problem": self.problem, "step": self.step, "array": self.array,
                "index": list(self.index) if self.index is not None else None, "hint": self.hint,
                "note": self.note, "message": self.message}

    @classmethod
    def all_of(cls, verdicts):
        """One verdict for several: passed when all passed; else the failed ones' messages, one after
        another, and the first failure's step, array and index."""
        failed = [v for v in verdicts if not v.passed]
        if not failed:
            return cls(True, " ".join(v.message for v in verdicts))
        first = failed[0]
        return cls(False, "\n".join(v.message for v in failed), step=first.step, array=first.array,
                   index=first.index)

    def __repr__(self):
        return f"Verdict(passed={self.passed}, message={self.message!r})"


class CheckFailed(AssertionError):
    """A visible check that failed. Jupyter shows only its message, in red, instead of a traceback
    (IPython renders an exception through its ``_render_traceback_``, a list of lines)."""

    def _render_traceback_(self):
        lines = str(self).splitlines() or [""]
        return [f"\x1b[0;31mtest failed:\x1b[0m {lines[0]}"] + [f"  {line}" for line in lines[1:]]


NOT_ATTEMPTED = "not attempted"  # a Verdict's note: an extra credit never written (said, not failed)


def show(verdict, detail=False):
    """Say a visible check's verdict in the notebook, the one way every visible check does; returns
    ``verdict``.

    A pass prints ``test passed.``, followed by the verdict's message when ``detail`` or when it has a
    note (a right answer worth a remark). An extra credit never written (note ``NOT_ATTEMPTED``) prints
    ``not attempted (extra credit): ...`` and does not fail the cell. A failure raises
    ``CheckFailed`` with the message, so the cell fails, Run All stops there and nbgrader's Validate
    names the cell. While the notebook is autograded (``NBGRADER_EXECUTION=autograde``) it only
    prints the failure: the grader judges outside the kernel, and the hidden tests below a visible
    check in the same cell must still run.
    """
    if verdict.passed:
        print("test passed. " + verdict.message if detail or verdict.note else "test passed.")
    elif verdict.note == NOT_ATTEMPTED:
        print(f"{NOT_ATTEMPTED} (extra credit): {verdict.problem}")
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


def observe(label, read_arrays, meta=None, facts=None):
    """A Step from ``read_arrays()`` -> {name: value} and ``facts()`` -> {name: bool, int, str or None};
    an exception in either becomes the step's error (TypeError for a fact of another type)."""
    try:
        raw = read_arrays()
        arrays = {name: as_float_array(value, name) for name, value in raw.items()}
        seen = facts() if facts else {}
        for name, value in seen.items():
            if fact_problem(name, value):
                raise TypeError(fact_problem(name, value))
    except Exception as exc:
        return Step(label, error=describe_error(exc), meta=meta)
    return Step(label, arrays=arrays, meta=meta, facts=seen)


def encode_trace(kind, steps):
    """A trace as JSON-safe data (arrays as base64 float64, so NaN and inf survive)."""
    return {
        "kind": kind,
        "steps": [
            {
                "label": s.label,
                "error": s.error,
                "meta": s.meta,
                "facts": s.facts,
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
                if any(d < 0 for d in shape) or int(np.prod(shape)) != flat.size:
                    raise ValueError(f"{name}: shape {list(shape)} does not hold {flat.size} numbers")
                arrays[str(name)] = flat.reshape(shape).astype(np.float64)
            error = s.get("error")
            if error is not None:
                error = {"type": str(error["type"]), "mro": [str(m) for m in error["mro"]],
                         "message": str(error["message"])}
            facts = {str(name): value for name, value in (s.get("facts") or {}).items()}
            problems = [fact_problem(name, value) for name, value in facts.items() if fact_problem(name, value)]
            if problems:
                raise TypeError(problems[0])
            steps.append(Step(str(s["label"]), arrays, error, dict(s.get("meta") or {}), facts))
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


REGISTRY = {}  # kind -> Check: every check of the labkit modules imported so far


class Check:
    """One check, declared once; it registers itself under ``kind`` (the name its hidden tests give).

    ``probe(*functions, **case)`` -> [Step]: runs the student's functions on a case and records what
    they leave; it never decides. ``hint(step_index, bad_names, expected_step, got_step)`` -> str or
    None: the likely cause of a mismatch (``bad_names``: the arrays and facts found wrong; the steps
    carry the case in their ``meta``). ``what``: who is judged, in messages ("my_optimizer").
    ``judge(expected, got)`` -> Verdict, for a check judged by properties; by default the traces are
    compared step by step (``judge_values``) with ``hint``. ValueError when another module already
    declared ``kind``.
    """

    def __init__(self, kind, probe, *, what, hint=None, judge=None):
        previous = REGISTRY.get(kind)
        if previous is not None and previous.probe.__module__ != probe.__module__:
            raise ValueError(f"check {kind!r} is declared twice: in {previous.probe.__module__} and {probe.__module__}")
        self.kind, self.probe, self.what, self.hint, self._judge = kind, probe, what, hint, judge
        REGISTRY[kind] = self

    def judge(self, expected, got):
        """The verdict on the trace ``got`` given the reference's ``expected`` (lists of Step)."""
        if self._judge is not None:
            return self._judge(expected, got)
        return judge_values(expected, got, self.hint, what=self.what)

    def visible(self, expected, got, detail=False):
        """Judge and say the verdict in the notebook (``show``): a visible check's last line."""
        return show(self.judge(expected, got), detail)

    def __repr__(self):
        return f"Check({self.kind!r}, {self.probe.__qualname__})"


def hidden_test(kind, *functions, **case):
    """Run the probe of the check ``kind`` on your functions with the hidden ``case`` and report its
    trace to the grader, which decides. KeyError when no imported labkit module declares ``kind``."""
    if kind not in REGISTRY:
        raise KeyError(f"no check {kind!r} in this lab's labkit (known: {', '.join(sorted(REGISTRY))})")
    report(kind, REGISTRY[kind].probe(*functions, **case))


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
def _within_tolerance(expected, got):
    """(mask of the entries of ``got`` that match ``expected``, the array's scale). The tolerance is
    ATOL + RTOL * scale, the scale being the largest finite |entry| of ``expected``, so that an entry
    that is nearly 0 after a subtraction is not judged on its own tiny magnitude; NaN matches NaN."""
    finite = np.isfinite(expected)
    scale = float(np.abs(expected[finite]).max()) if finite.any() else 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        return np.isclose(got, expected, rtol=0.0, atol=ATOL + RTOL * scale, equal_nan=True), scale


def worst_index(expected, got):
    """The index (a tuple, () for a scalar) of the entry of ``got`` farthest from ``expected`` (a NaN
    where a number was expected counts as farthest); None when the shapes differ or all entries match."""
    return compare(expected, got)[1]


def mismatch(expected, got):
    """None when ``got`` matches ``expected`` within tolerance (``_within_tolerance``), else a sentence
    on the worst entry."""
    return compare(expected, got)[0]


def compare(expected, got):
    """(``mismatch``'s sentence or None, ``worst_index``'s index or None), the tolerance taken once."""
    if got.shape != expected.shape:
        return f"has shape {got.shape}, expected {expected.shape}", None
    close, scale = _within_tolerance(expected, got)
    if close.all():
        return None, None
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(got - expected)
    badness = np.where(close, -np.inf, np.where(np.isnan(diff), np.inf, diff))
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(badness)), expected.shape))
    where = f" at index {worst}" if expected.ndim else ""
    n_bad = int((~close).sum())
    if _reveal[-1]:
        return (f"differs{where}: expected {expected[worst]:.10g}, got {got[worst]:.10g} "
                f"({n_bad} of {expected.size} entries off)"), worst
    off = abs(got[worst] - expected[worst]) / max(scale, ATOL)
    return (f"differs{where}: got {got[worst]:.10g}, off by {off:.2g} of the array's largest entry "
            f"({n_bad} of {expected.size} entries off)"), worst


_reveal = [True]  # the grader turns this off: hidden tests' expected values stay hidden


class concealed:
    """Context manager (grader side): verdict messages say how far off a value is, not what it should be."""

    def __enter__(self):
        _reveal.append(False)

    def __exit__(self, *exc_info):
        _reveal.pop()
        return False


def error_text(error):
    """A recorded error ({"type", "message"}) as one line: "Type: message", or "Type" alone."""
    return f"{error['type']}: {error['message']}" if error["message"] else error["type"]


def judge_values(expected, got, hint=None, what="your code"):
    """Compare two traces step by step: errors by kind, arrays within the tolerance, facts for equality.

    ``hint(step_index, bad_names, expected_step, got_step)`` may return a likely cause (or None).
    Fails when there is nothing to compare: a check that cannot fail is no check.
    """
    if not expected:
        return Verdict(False, f"nothing was checked: no result of {what} to compare (the check stopped early).")
    for index, exp in enumerate(expected):
        if index >= len(got):
            return Verdict(False, f"{exp.label}: no result was recorded (the probe stopped early).", step=exp.label)
        step = got[index]
        if exp.error is not None:  # the reference raises here: the same kind of error is expected
            if step.error is not None and exp.error["type"] in step.error["mro"]:
                continue
            did = f"raised {error_text(step.error)}" if step.error else "raised nothing"
            return Verdict(False, f"{exp.label}: expected a {exp.error['type']}, but {what} {did}.", step=exp.label)
        if step.error is not None:
            return Verdict(False, f"{exp.label}: {what} raised {error_text(step.error)}.", step=exp.label)
        problems, worst = {}, {}
        for name, exp_array in exp.arrays.items():
            if name not in step.arrays:
                problems[name] = "was not recorded"
                continue
            problem, at = compare(exp_array, step.arrays[name])
            if problem:
                problems[name], worst[name] = problem, at
        for name, value in exp.facts.items():
            if name not in step.facts:
                problems[name] = "was not recorded"
            elif step.facts[name] != value or type(step.facts[name]) is not type(value):
                shown_value = _reveal[-1] or isinstance(value, bool)  # a hidden test's word or count stays hidden
                problems[name] = (f"is {step.facts[name]!r}, expected {value!r}" if shown_value
                                  else f"is {step.facts[name]!r}, not the expected value")
        if problems:
            found = [f"{name} {text}" for name, text in problems.items()]
            lines = [f"{exp.label}: {found[0]}"] + [f"  and {line}" for line in found[1:]]
            first = next(iter(problems))
            return Verdict(False, "\n".join(lines), step=exp.label, array=first, index=worst.get(first),
                           hint=hint(index, set(problems), exp, step) if hint else None)
    return Verdict(True, f"all {len(expected)} steps match (rtol={RTOL:g}, atol={ATOL:g}).")
