"""Grading throughput: our grader against plain `nbgrader autograde`, on the same submissions.

Makes N copies of three sample submissions of Lab 3 (right, blank, a classic mistake), then, one
after the other on this machine: plain nbgrader 0.9.6 (`nbgrader autograde` over all students, in
a course directory of its own) and `python -m autograder grade --workers W`. Prints the wall times,
the time per submission-notebook (overall, and the median time between two finished notebooks once
the workers are busy) and the throughput ratio.

    .venv/bin/python benchmarks/grading_speed.py [--students 40] [--workers 2]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from autograder import notebooks, paths
from autograder.authoring import samples  # noqa: E402
from autograder.engine.course import CourseDir  # noqa: E402
from autograder.engine.grading import grade  # noqa: E402

import nbformat  # noqa: E402

A = "lab3_optimizers"


def make_submissions(folder, count):
    release_nb = notebooks.read(paths.NOTEBOOKS / A / f"{A}.ipynb")
    solution_nb = notebooks.read(paths.SOLUTIONS / A / f"{A}.ipynb")
    kinds = [samples.answered(release_nb, solution_nb), release_nb,
             samples.with_mistake(release_nb, solution_nb, A, "momentum_velocity_not_stored")]
    for k in range(count):
        target = folder / f"student{k:03d}" / A
        target.mkdir(parents=True)
        nbformat.write(kinds[k % 3], str(target / f"{A}.ipynb"))


def plain_nbgrader(submitted, root):
    """nbgrader's own way: one `nbgrader autograde` call over every student (default config)."""
    course = CourseDir(root)                    # only to lay out source/ (solutions + labkit)
    course.install_source(A)
    (root / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(root)!r}\nc.CourseDirectory.course_id = 'plain'\n")
    shutil.copytree(submitted, root / "submitted")
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    run = lambda *args: subprocess.run([str(bin_dir / "nbgrader"), *args], cwd=root, env=env,  # noqa: E731
                                       capture_output=True, text=True, check=True)
    run("generate_assignment", A, "--force")
    start = time.perf_counter()
    run("autograde", A, "--force")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="optkit-bench-") as tmp:
        tmp = Path(tmp)
        make_submissions(tmp / "submitted", args.students)
        plain = plain_nbgrader(tmp / "submitted", tmp / "plain")
        start, finished = time.perf_counter(), []
        grade(tmp / "submitted", tmp / "grades.csv", course_dir=tmp / "ours", workers=args.workers, log=lambda m: None,
              progress=lambda done, total: finished.append(time.perf_counter()) if done else None)
        ours = time.perf_counter() - start
        gaps = sorted(b - a for a, b in zip(finished, finished[1:]))  # time per notebook, all workers busy
    n = args.students
    print(f"{n} submissions of {A}, {os.cpu_count()} cores")
    print(f"plain nbgrader autograde:          {plain:7.1f} s  ({plain / n:.2f} s per notebook)")
    print(f"autograder grade --workers {args.workers}:     {ours:7.1f} s  ({ours / n:.2f} s per notebook; "
          f"median {gaps[len(gaps) // 2] if gaps else ours:.2f} s between two finished notebooks)")
    print(f"throughput, ours / plain nbgrader: {plain / ours:.2f}x   (target: >= 2.5x and <= 1 s per notebook)")


if __name__ == "__main__":
    main()
