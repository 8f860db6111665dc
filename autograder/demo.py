"""``demo``: release, three sample submissions (right, blank, a classic mistake), grade, show."""
import shutil
import tempfile
from pathlib import Path

import nbformat

from . import notebooks, paths, report, samples
from .course import CourseDir
from .grading import grade

ASSIGNMENT = "lab3_optimizers"
NOTEBOOK = "lab3_optimizers"
MISTAKE = "momentum_velocity_not_stored"


def make_samples(release_nb, solution_nb, submissions_dir):
    """Write the three sample submissions in nbgrader's submitted layout."""
    samples_by_student = {
        "alice_all_right": samples.answered(release_nb, solution_nb),
        "bob_blank": release_nb,
        "carol_" + MISTAKE: samples.with_mistake(release_nb, solution_nb, ASSIGNMENT, MISTAKE),
    }
    for student, nb in samples_by_student.items():
        path = Path(submissions_dir) / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, str(path))
    return sorted(samples_by_student)


def main(course_dir=None):
    """Run the demo; print the score table. Returns the table."""
    course_dir = Path(course_dir or paths.WORK / "demo")
    if course_dir.exists():  # the demo starts from scratch every time
        shutil.rmtree(course_dir)
    print(f"1. Building the release of {ASSIGNMENT} with nbgrader (course directory: {course_dir})")
    release_dir = CourseDir(course_dir).generate(ASSIGNMENT)
    release_nb = notebooks.read(release_dir / f"{NOTEBOOK}.ipynb")
    solution_nb = notebooks.read(paths.SOLUTIONS / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    with tempfile.TemporaryDirectory(prefix="optkit-demo-") as tmp:
        students = make_samples(release_nb, solution_nb, tmp)
        print(f"2. Three sample submissions: {', '.join(students)}")
        print("3. Grading them with nbgrader autograde (hidden tests decided by the grader)")
        csv_path = course_dir / "grades.csv"
        table = grade(tmp, csv_path, course_dir=course_dir, log=lambda m: print("   " + m))
    print()
    print(report.format_table(table))
    print(f"\nCSV: {csv_path}\nFeedback: {csv_path.with_name('grades_feedback')}")
    return table
