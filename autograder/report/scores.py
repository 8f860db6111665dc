"""Scores out of the gradebook, the CSV, and the score table printed by the demo."""
import csv
import unicodedata

from nbgrader.api import Gradebook, MissingEntry

from .. import notebooks, status
from ..engine.preprocessors import VERDICT_KEY
from ..intake import submissions
from .csv_cells import neutralised

FIXED_COLUMNS = ["student_id", "assignment", "notebook", "score", "max_score", "status", "message"]
LONGEST_CELL = 4000  # characters of a CSV cell (spreadsheets hold 32,767; Python's csv reads 131,072)
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def shown_safe(text, limit=LONGEST_CELL, counted=True):
    """``text`` as one line that cannot pass for another row: control characters (a newline, a
    terminal's escape sequences) and bidirectional overrides become spaces, and it is cut to ``limit``
    characters (saying how many more there were, when ``counted``). Student-chosen text (file and folder
    names, messages of their exceptions) reaches the table and the CSV only this way."""
    text = "".join(" " if unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS else c for c in str(text))
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)" if counted else text[:limit]


def test_points(source_nb):
    """{grade_id: points} of a source notebook's test cells, in order."""
    return {g: float(notebooks.nbgrader_meta(c)["points"]) for g, c in notebooks.test_cells(source_nb).items()}


def verdicts(course, row):
    """{grade_id: verdict record} of the tests in the autograded notebook of ``row``, as DecideFromTraces
    left them (``preprocessors.decide``: passed, forged, message, tests)."""
    path = course.path("autograded", row.student_id, row.assignment, f"{row.notebook}.ipynb")
    if not path.exists():
        return {}
    return {grade_id: cell.metadata[VERDICT_KEY] for grade_id, cell in notebooks.test_cells(notebooks.read(path)).items()
            if VERDICT_KEY in cell.metadata}




def graded_status(row, tests):
    """(status, extra note) of a graded row, from what grading found and the tests' verdicts.

    tampered: a change that could raise a score (test code, points, grade flags, forged reports);
    needs review: a test the grader itself put back failed (its failure may come from where it was put).
    """
    forged = [g for g, v in tests.items() if v.get("forged")]
    if row.tampered or forged:
        return status.TAMPERED, ("tampered: forged test results in " + ", ".join(forged)) if forged else None
    failed_restored = [g for g in row.restored_tests if g in tests and not tests[g]["passed"]]
    if failed_restored:
        return status.NEEDS_REVIEW, (", ".join(failed_restored) + " failed after the grader put the deleted cell(s) "
                              "back: check by hand that the submission defines what they call")
    return status.GRADED, None


def score_rows(course, rows, sources):
    """One dict per intake row: the fixed columns plus one column per test (its score)."""
    table = []
    gradebook = Gradebook(course.config.CourseDirectory.db_url, course.config.CourseDirectory.course_id) \
        if any(r.status == submissions.READY for r in rows) else None
    try:
        for row in rows:
            points = test_points(sources[row.assignment][row.notebook]) if row.assignment in sources and row.notebook else {}
            entry = {"student_id": row.csv_id or row.student_id, "assignment": row.assignment, "notebook": row.notebook,
                     "score": 0.0, "max_score": sum(points.values()) if points else "",
                     "status": row.status, "message": "; ".join(row.notes), "failed": {}, "verdicts": {}}
            entry.update({g: 0.0 for g in points})
            if row.status == submissions.READY:
                try:
                    submission = gradebook.find_submission_notebook(row.notebook, row.assignment, row.student_id)
                except MissingEntry:
                    entry["status"] = status.ERROR
                    entry["message"] = "; ".join(row.notes + ["no grade was recorded"])
                else:
                    tests = verdicts(course, row)
                    entry["status"], note = graded_status(row, tests)
                    if note:
                        entry["message"] = "; ".join(row.notes + [note])
                    entry["score"], entry["max_score"] = submission.score, submission.max_score
                    entry["extra"] = sum(grade.extra_credit or 0.0 for grade in submission.grades)
                    for grade in submission.grades:
                        if grade.name in points:
                            entry[grade.name] = grade.score
                    entry["failed"] = {g: v["message"] for g, v in tests.items() if not v["passed"]}
                    entry["verdicts"] = {g: v for g, v in tests.items() if not v["passed"]}
            table.append(entry)
    finally:
        if gradebook is not None:
            gradebook.close()
    return table


def csv_cell(value):
    """One value as the CSV writes it: a number the kit computed (a score, a maximum, a test's points, negative
    ones too) as a number; text (student ids, file names, messages: the student's) shown safe
    (``shown_safe``) and neutralised against spreadsheet formulas (``csv_cells.neutralised``: OWASP's
    "CSV Injection"; ``csv_cells.exact`` gives the text back)."""
    if isinstance(value, float):
        return f"{value:g}"
    return neutralised(shown_safe(value)) if isinstance(value, str) else value


def write_csv(table, csv_path, sources):
    """The CSV: fixed columns, then every test of the assignments in ``table`` (blank where not applicable),
    in UTF-8 (names in any script). Every text cell is written by ``csv_cell``: a spreadsheet evaluates none."""
    present = {e["assignment"] for e in table}
    tests = [g for a in sorted(sources) if a in present for nb in sources[a].values() for g in test_points(nb)]
    with open(csv_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, FIXED_COLUMNS + tests, extrasaction="ignore")
        writer.writeheader()
        for entry in sorted(table, key=lambda e: (e["student_id"], e["assignment"], e["notebook"])):
            writer.writerow({k: csv_cell(v) for k, v in entry.items()})


def format_table(table):
    """A plain-text score table, with where each submission lost points."""
    table = [dict(e, student_id=shown_safe(e["student_id"], 80), message=shown_safe(e["message"], 1000)) for e in table]
    width = max([len("student")] + [len(e["student_id"]) for e in table])
    # (a score above its maximum holds extra credit: tests worth points on top of the total)
    scores = [(f"{e['score']:g} / {e['max_score']:g}" if e["max_score"] != "" else "-")
              + (f" (incl. {e['extra']:g} extra credit)" if e.get("extra") else "") for e in table]
    score_width = max([len("score")] + [len(s) for s in scores])
    lines = [f"{'student':<{width}}  {'assignment':<16} {'score':>{score_width}}  status"]
    for entry, score in zip(table, scores):
        lines.append(f"{entry['student_id']:<{width}}  {entry['assignment']:<16} {score:>{score_width}}  "
                     f"{entry['status']}")
        if entry["message"]:
            lines.append(f"{'':<4}{entry['message']}")
        for grade_id, record in entry["verdicts"].items():
            lost = next((t for t in record["tests"] if t["outcome"] != "passed"), record["tests"][0])
            summary = shown_safe(lost["summary"], 160, counted=False)
            lines.append(f"{'':<4}lost {shown_safe(grade_id, 80)}: {summary}")
            hint = next((t["hint"] for t in record["tests"] if t.get("hint")), None)
            if hint:
                lines.append(f"{'':<8}{shown_safe('Hint: ' + hint, 150, counted=False)}")
    return "\n".join(lines)
