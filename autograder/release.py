"""``release``: regenerate notebooks/ (the student version) from solutions/ with nbgrader."""
import shutil
import tempfile
from pathlib import Path

import nbformat

from . import export, notebooks, paths
from .course import CourseDir


def check_source(assignment):
    """Refuse a source notebook whose test cells would not be decided by the grader."""
    for path in sorted((paths.SOLUTIONS / assignment).glob("*.ipynb")):
        for grade_id, cell in notebooks.test_cells(notebooks.read(path)).items():
            if "hidden_test(" not in notebooks.hidden_code(cell.source):
                raise ValueError(f"{path.name}: test cell {grade_id!r} has no hidden_test(...) "
                                 "between the hidden-test delimiters; the grader could not decide it.")


# What ipykernel reports of its language. JupyterLab marks a notebook modified as soon as the kernel
# starts when its language_info lacks these fields (the version may differ: JupyterLab keeps it).
LANGUAGE_INFO = {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                 "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                 "pygments_lexer": "ipython3", "version": "3.11"}


def _with_language_info(folder):
    """Give every notebook in ``folder`` the full LANGUAGE_INFO (a fresh notebook opens unmodified)."""
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = notebooks.read(path)
        nb.metadata["language_info"] = LANGUAGE_INFO
        nbformat.write(nb, str(path))


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
            _with_language_info(target)
            written.append(target)
    return written
