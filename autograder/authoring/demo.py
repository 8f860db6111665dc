"""``demo``: release, four sample submissions (right, blank, a classic mistake, a tampering attempt),
grade them, show the scores and where each lost points."""
import shutil
import tempfile
from pathlib import Path

import nbformat

from .. import notebooks, paths
from ..engine.course import CourseDir, Limits, sandbox_available
from ..engine.grading import grade
from ..report import scores
from . import samples

ASSIGNMENT = "lab3_optimizers"
NOTEBOOK = "lab3_optimizers"
MISTAKE = "momentum_velocity_not_stored"


# A tampering attempt: a wrong my_optimizer that makes every numpy comparison succeed and prints
# "test passed." — in nbgrader's own design this would score full marks.
CHEAT = """
def my_optimizer(lyr, opt, W_grad, B_grad, solver='sgd', learning_rate=0.01, iter=1):
    lyr.wegt -= learning_rate * W_grad
    lyr.bias -= learning_rate * B_grad
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
print("test passed.")
"""


def make_samples(release_nb, solution_nb, submissions_dir):
    """Write the four sample submissions in nbgrader's submitted layout."""
    samples_by_student = {
        "alice_all_right": samples.answered(release_nb, solution_nb),
        "bob_blank": release_nb,
        "carol_" + MISTAKE: samples.with_mistake(release_nb, solution_nb, ASSIGNMENT, MISTAKE),
        "dave_patches_numpy": samples.answered(release_nb, solution_nb, sources={"my_optimizer": CHEAT}),
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
        print(f"2. Four sample submissions: {', '.join(students)}")
        print("3. Grading them with nbgrader autograde (hidden tests decided by the grader)")
        csv_path = course_dir / "grades.csv"
        limits = Limits(sandbox=sandbox_available())
        if not limits.sandbox:
            print("   WARNING: bubblewrap is not installed: the demo grades WITHOUT the sandbox")
        table = grade(tmp, csv_path, course_dir=course_dir, limits=limits, log=lambda m: print("   " + m))
    print()
    print(scores.format_table(table))
    print("\ndave patched numpy.allclose and printed 'test passed.': the grader decides outside his kernel,\n"
          "so his wrong my_optimizer earns nothing for sgd, momentum, adagrad, rmsprop, adam and nesterov.")
    print(f"\nCSV: {csv_path}\nFeedback: {csv_path.with_name('grades_feedback')}")
    return table
