"""Every sample submission's grading, as JSON, to compare the grader before and after a refactor.

    .venv/bin/python tests/snapshot_verdicts.py before.json     # on the old commit
    .venv/bin/python tests/snapshot_verdicts.py after.json      # on the new one
    diff before.json after.json                                  # must be empty

Grades, with real nbgrader, the catalogues the grading tests use (``submissions_lab2/3/4``,
``real_world``) and records per row: status, message, score, each test's score and each failed
test's message (what the CSV, the score table and the feedback are made of). Timings are left out.
"""
import json
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent.parent)]

import real_world  # noqa: E402
import submissions_lab2  # noqa: E402
import submissions_lab3  # noqa: E402
import submissions_lab4  # noqa: E402
from autograder import notebooks, paths  # noqa: E402
from autograder.engine.grading import grade  # noqa: E402
from autograder.report.scores import format_table  # noqa: E402
from catalogue import LIMITS  # noqa: E402

CATALOGUES = {"lab2": ("lab2_forward_backward", submissions_lab2), "lab3": ("lab3_optimizers", submissions_lab3),
              "lab4": ("lab4_regularization", submissions_lab4), "real_world": ("lab3_optimizers", real_world)}


def snapshot(root, workers=2):
    """{catalogue: {student: {...row...}}} graded below ``root``."""
    result = {}
    for name, (assignment, module) in CATALOGUES.items():
        folder = Path(root) / name
        release_nb = notebooks.read(paths.NOTEBOOKS / assignment / f"{assignment}.ipynb")
        solution_nb = notebooks.read(paths.SOLUTIONS / assignment / f"{assignment}.ipynb")
        for student, make in module.SUBMISSIONS.items():
            make(folder / "submitted" / student, release_nb, solution_nb)
        table = grade(folder / "submitted", folder / "grades.csv", course_dir=folder / "course", limits=LIMITS,
                      workers=workers, log=lambda m: None)
        rows = {}
        for entry in table:
            key = f"{entry['student_id']}/{entry['assignment']}/{entry['notebook']}"
            rows[key] = {k: v for k, v in entry.items() if k not in ("seconds",)}
            rows[key]["table"] = format_table([entry])
        result[name] = dict(sorted(rows.items()))
    return result


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        data = snapshot(tmp)
    Path(sys.argv[1]).write_text(json.dumps(data, indent=1, sort_keys=True, default=str))
    print(f"{sum(len(v) for v in data.values())} rows written to {sys.argv[1]}")
