"""``release``: regenerate notebooks/ (the student version) from solutions/ with nbgrader; ``course``: the
same release in an nbgrader course directory, for nbgrader's exchange on a JupyterHub."""
import shutil
import tempfile
import zipfile
from pathlib import Path

from .. import notebooks, paths
from ..engine.course import CourseDir
from ..report import export


def check_source(assignment):
    """Refuse a source notebook whose test cells would not be decided by the grader."""
    for path in sorted((paths.SOLUTIONS / assignment).glob("*.ipynb")):
        for grade_id, cell in notebooks.test_cells(notebooks.read(path)).items():
            if "hidden_test(" not in notebooks.hidden_code(cell.source):
                raise ValueError(f"{path.name}: test cell {grade_id!r} has no hidden_test(...) "
                                 "between the hidden-test delimiters; the grader could not decide it.")


def write_zip(folder, zip_path):
    """``zip_path``: the released ``folder`` (notebook, labkit/, data) under one top folder of its name,
    ready to upload to an LMS or Colab. The same bytes for the same files (sorted, fixed dates);
    caches and checkpoints left out."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not
                   {"__pycache__", ".ipynb_checkpoints"} & set(p.relative_to(folder).parts))
    Path(zip_path).parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", (1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return Path(zip_path)


def release(assignments=None, out_dir=paths.NOTEBOOKS, zip_dir=paths.DIST):
    """Write the release of each assignment (default: all) to ``out_dir``/<assignment>/, and the same
    as ``zip_dir``/<assignment>.zip (``write_zip``; None: no zips). Returns the folders written."""
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
            if zip_dir is not None:
                write_zip(target, Path(zip_dir) / f"{assignment}.zip")
            written.append(target)
    return written


def setup_course(course_dir, assignments=None, db_url=None):
    """Make ``course_dir`` an nbgrader course directory holding each assignment (default: all): source/
    (solutions and the labkit modules they import), release/ (the student version, as notebooks/ holds it),
    the gradebook (``db_url``, default SQLite there) and nbgrader_config.py. Then, in ``course_dir``,
    ``nbgrader release_assignment <assignment>`` hands it out through the exchange, ``nbgrader collect``
    brings the submissions into submitted/, and ``python -m autograder grade <course_dir>/submitted
    --course-dir <course_dir>`` grades them there. Returns the release folders.
    Raises ValueError for an assignment the kit does not have, or a source notebook the grader could not decide."""
    known = paths.assignments()
    unknown = [a for a in assignments or [] if a not in known]
    if unknown:
        raise ValueError(f"not an assignment of this course: {', '.join(unknown)} (the course has {', '.join(known)})")
    course = CourseDir(course_dir, db_url)
    released = []
    for assignment in assignments or known:
        check_source(assignment)
        released.append(course.generate(assignment))
    return released
