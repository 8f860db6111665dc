"""How long each classroom demo takes top to bottom: with its default parameters (the budget is 60 s on
2 cores) and as nbgrader runs it (NBGRADER_EXECUTION set: a few seconds). Kernel start included.

    .venv/bin/python benchmarks/demo_runtime.py [demo_optimizers ...]
"""
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder.engine.course import CourseDir  # noqa: E402

DEMOS = ["demo_optimizers"]
BUDGET_SECONDS = 60


def run(source, grading):
    """Seconds to execute the notebook in ``source`` (a folder with its labkit) in a fresh kernel."""
    nb = nbformat.read(str(next(source.glob("*.ipynb"))), as_version=4)
    previous = os.environ.pop("NBGRADER_EXECUTION", None)
    if grading:
        os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        start = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(source)}}).execute()
        return time.perf_counter() - start
    finally:
        os.environ.pop("NBGRADER_EXECUTION", None)
        if previous is not None:
            os.environ["NBGRADER_EXECUTION"] = previous


def main():
    demos = sys.argv[1:] or DEMOS
    print(f"{'demo':<22} {'defaults (s)':>13} {'budget':>7} {'under grading (s)':>18}  ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory(prefix="optkit-demos-") as tmp:
        course = CourseDir(tmp)
        for demo in demos:
            source = course.install_source(demo)
            full, graded = run(source, grading=False), run(source, grading=True)
            verdict = "ok" if full <= BUDGET_SECONDS else "OVER"
            print(f"{demo:<22} {full:>13.1f} {BUDGET_SECONDS:>5} s {graded:>18.1f}  {verdict}")


if __name__ == "__main__":
    main()
