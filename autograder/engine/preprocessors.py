"""DecideFromTraces: the nbgrader preprocessor that decides every test cell's verdict.

It runs after Execute and before SaveAutoGrades. For each graded test cell it reads the trace
reports the student's kernel left in the cell's outputs, judges them against the reference
solution's reports for the same hidden inputs (``reference.reference_reports``), and replaces the
cell's outputs by the verdict: a message, plus an error output when the test failed (so that
nbgrader's SaveAutoGrades gives 0 points, and full points otherwise). Prints, warnings and patched
functions in the student's kernel never reach this decision.
"""
import json
import os

import nbformat
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells
from traitlets import Unicode

from .. import inert, notebooks
from ..sandbox import fork_server
from ..labkit import checks
from .reference import reference_reports

VERDICT_KEY = "optkit"  # cell metadata where the verdict is kept for reports
OVERWRITTEN_KEY = "optkit_overwritten"  # notebook metadata: what nbgrader's OverwriteCells put back


def student_reports(cell):
    """The trace payloads in a cell's outputs, in order."""
    return [out["data"][checks.TRACE_MIME] for out in cell.get("outputs", [])
            if out.get("output_type") in ("display_data", "execute_result")
            and checks.TRACE_MIME in out.get("data", {})]


def cell_error(cell):
    """'Name: value' of the first error output of a cell, or None."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".strip()
    return None


def forged(expected_reports, cell):
    """Why the cell's reports cannot be the probes' own (more of them than its tests make, unreadable,
    or of another kind), or None. Only code that forges reports produces these."""
    got_reports = student_reports(cell)
    if len(got_reports) > len(expected_reports):
        return "The test cell produced more results than its tests report: its output was tampered with. No points."
    for number, (expected_payload, got_payload) in enumerate(zip(expected_reports, got_reports), start=1):
        try:
            got_kind, _ = checks.decode_trace(got_payload)
        except ValueError as exc:
            return f"Test {number}: the reported result is unreadable ({exc}). No points."
        if got_kind != checks.decode_trace(expected_payload)[0]:
            return f"Test {number}: a result of the wrong kind was reported. No points."
    return None


PASSED, FAILED, DID_NOT_RUN, FORGED = "passed", "failed", "did not run", "forged"  # a test's outcome


def decide(expected_reports, cell):
    """The verdict record of one executed test cell, given the reference's reports (JSON-safe data, kept
    in the autograded notebook's cell metadata under ``VERDICT_KEY`` and read by the reports as it is).

    ``passed``, ``forged`` (bool); ``message``: what the student reads in the feedback; ``tests``: one
    record per test of the cell, in order, each with ``number``, ``of``, ``outcome`` (passed, failed,
    did not run, forged), ``summary`` (one line for the score table) and, for a judged test, the
    judge's ``Verdict.record()`` (problem, step, array, index, hint, note).
    """
    forgery = forged(expected_reports, cell)
    if forgery:
        return {"passed": False, "forged": True, "message": forgery,
                "tests": [{"number": 1, "of": len(expected_reports), "outcome": FORGED, "summary": forgery,
                           "hint": None}]}
    got_reports = student_reports(cell)
    messages, tests, passed = [], [], True
    total = len(expected_reports)
    for number, expected_payload in enumerate(expected_reports, start=1):
        if number > len(got_reports):
            error = cell_error(cell)
            why = f"it stopped with {error}" if error else "no result was reported"
            line = f"Test {number} of {total} did not run: {why}."
            messages.append(line)
            tests.append({"number": number, "of": total, "outcome": DID_NOT_RUN, "summary": line, "hint": None})
            return {"passed": False, "forged": False, "message": "\n".join(messages), "tests": tests}
        kind, expected = checks.decode_trace(expected_payload)
        _, got = checks.decode_trace(got_reports[number - 1])
        try:
            with checks.concealed():  # the feedback says where and how far off, not the hidden expected value
                verdict = checks.judge(kind, expected, got)
        except Exception as exc:  # noqa: BLE001 - the probes' own reports never make a judge raise
            why = f"Test {number}: the reported result is unreadable ({type(exc).__name__}: {str(exc)[:200]}). No points."
            return {"passed": False, "forged": True, "message": why,
                    "tests": tests + [{"number": number, "of": total, "outcome": FORGED, "summary": why, "hint": None}]}
        passed = passed and verdict.passed
        outcome = PASSED if verdict.passed else FAILED
        messages.append(f"Test {number} of {total} {'passed' if verdict.passed else 'FAILED'}: {verdict.message}")
        tests.append({"number": number, "of": total, "outcome": outcome, "kind": kind,
                      "summary": verdict.message.splitlines()[0] if verdict.message else "", **verdict.record()})
    return {"passed": passed, "forged": False, "message": "\n".join(messages), "tests": tests}


def verdict_outputs(passed, message):
    """The outputs a decided test cell keeps: the message, and an error when it failed."""
    outputs = [nbformat.v4.new_output("stream", name="stdout", text=message + "\n")]
    if not passed:
        outputs.append(nbformat.v4.new_output(
            "error", ename="TestFailed", evalue=message.splitlines()[0][:300], traceback=[]))
    return outputs


_from_source = {}  # (what, path, mtime) -> value: computed once per source notebook per process


def from_source(source_directory, info, what, compute):
    """``compute(path)`` of the instructor's source notebook of ``info`` (nbgrader's resources), cached."""
    path = os.path.join(source_directory, info["assignment"], info["notebook"] + ".ipynb")
    key = (what, path, os.path.getmtime(path))
    if key not in _from_source:
        _from_source[key] = compute(path)
    return _from_source[key]


class DecideFromTraces(NbGraderPreprocessor):
    """Decide each graded test cell from the reported traces (see the module docstring)."""

    source_directory = Unicode(
        "", help="The course's source/ directory, holding <assignment>/<notebook>.ipynb").tag(config=True)

    def preprocess(self, nb, resources):
        self.expected = from_source(self.source_directory, resources["nbgrader"], "reports", reference_reports)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        if not notebooks.is_test_cell(cell):
            return cell, resources
        grade_id = notebooks.nbgrader_meta(cell)["grade_id"]
        if grade_id in self.expected:
            record = decide(self.expected[grade_id], cell)
        else:
            unknown = f"Unknown test cell {grade_id!r}: not in the assignment. No points."
            record = {"passed": False, "forged": False, "message": unknown,
                      "tests": [{"number": 1, "of": 1, "outcome": FAILED, "summary": unknown, "hint": None}]}
        cell.outputs = verdict_outputs(record["passed"], record["message"])
        cell.metadata[VERDICT_KEY] = record
        return cell, resources


class AwardExtraCredit(NbGraderPreprocessor):
    """After SaveAutoGrades: an extra-credit test (0 nbgrader points; its points in the source cell's
    ``optkit_extra_credit`` metadata) that passed gets those points as nbgrader's ``extra_credit``,
    so they count in the score and not in the maximum. Decided from the verdict DecideFromTraces
    left, with the points read from the instructor's source notebook, never from the submission."""

    source_directory = Unicode("", help="The course's source/ directory").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        extra = from_source(self.source_directory, info, "extra credit",
                            lambda path: notebooks.extra_credit(notebooks.read(path)))
        if not extra:
            return nb, resources
        passed = {notebooks.nbgrader_meta(c)["grade_id"]: c.metadata.get(VERDICT_KEY, {}).get("passed", False)
                  for c in nb.cells if notebooks.is_test_cell(c)}
        with Gradebook(info["db_url"]) as gradebook:
            for grade_id, points in extra.items():
                grade = gradebook.find_grade(grade_id, info["notebook"], info["assignment"], info["student"])
                grade.extra_credit = points if passed.get(grade_id) else 0.0
            gradebook.db.commit()
        return nb, resources


class NoteOverwrites(OverwriteCells):
    """nbgrader's OverwriteCells, keeping what it puts back (its ``report_change`` hook: a cell's type,
    locked flag or points that differ from the gradebook's) in the notebook's metadata
    under ``OVERWRITTEN_KEY``, [{"grade_id", "attribute"}, ...]. ``restore`` puts the release's cells back
    before nbgrader runs, so an honest submission has nothing there; the grader marks a row that has
    something tampered, whatever slipped past ``restore``."""

    def preprocess(self, nb, resources):
        self.changes = []
        nb.metadata.pop(OVERWRITTEN_KEY, None)  # the submission's own copy of the key is never read
        nb, resources = super().preprocess(nb, resources)
        if self.changes:
            nb.metadata[OVERWRITTEN_KEY] = self.changes
        return nb, resources

    def report_change(self, name, attr, old, new):
        super().report_change(name, attr, old, new)
        if attr != "checksum":  # every locked test cell's source is put back (its hidden tests): no sign of tampering
            self.changes.append({"grade_id": name, "attribute": attr})


INERT_KEY = "optkit_made_inert"  # what MakeInert found (the notebook's metadata): the row says so
CUT_KEY = "optkit_cut_in_kernel"  # an output the kernel cut (fork_server.CUT_IN_KERNEL), seen before MakeInert


class MakeInert(NbGraderPreprocessor):
    """Last of autograde's steps: the autograded notebook, which nbgrader's formgrader and the feedback
    are rendered from, holds nothing a browser would run or load (``autograder.inert``: markdown shown as
    text, outputs dropped, output metadata reduced). What was found is kept under ``INERT_KEY``."""

    def preprocess(self, nb, resources):
        for key in (INERT_KEY, CUT_KEY):
            nb.metadata.pop(key, None)  # the submission's own copy of the key is never read
        # the kernel's cut may stand in output metadata, which is removed here: noted first
        if fork_server.CUT_IN_KERNEL in json.dumps([cell.get("outputs", []) for cell in nb.cells]):
            nb.metadata[CUT_KEY] = True
        found = inert.inert_notebook(nb)
        if found:
            nb.metadata[INERT_KEY] = found
        return nb, resources
