"""``release``: regenerate notebooks/ (the student version) from solutions/ with nbgrader."""
import shutil
import tempfile
from pathlib import Path

from . import export, notebooks, paths
from .course import CourseDir


def check_source(assignment):
    """Refuse a source notebook whose test cells would not be decided by the grader."""
    for path in sorted((paths.SOLUTIONS / assignment).glob("*.ipynb")):
        for grade_id, cell in notebooks.test_cells(notebooks.read(path)).items():
            if "hidden_test(" not in notebooks.hidden_code(cell.source):
                raise ValueError(f"{path.name}: test cell {grade_id!r} has no hidden_test(...) "
                                 "between the hidden-test delimiters; the grader could not decide it.")


def release(assignments=None, out_dir=paths.NOTEBOOKS):
    """Write the release of each assignment (default: all) to ``out_dir``/<assignment>/."""
    out_dir = Path(out_dir)
    export.write_module()  # labkit/dnn.py from Lab 2's solution, before it is shipped
    written = []
    with tempfile.TemporaryDirectory(prefix="optkit-release-") as tmp:
        course = CourseDir(tmp)
        for assignment in assignments or paths.assignments():
            check_source(assignment)
            released = course.generate(assignment)
            target = out_dir / assignment
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(released, target)
            written.append(target)
    return written
