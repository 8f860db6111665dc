"""notebooks/ is exactly a fresh nbgrader release of solutions/, with no answers and no hidden tests;
labkit/dnn.py is exactly what Lab 2's solution exports."""
import filecmp

import papermill
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder.authoring import closure
from autograder.report import export
from autograder import notebooks, paths
from autograder.authoring.release import release
from autograder.authoring.release import write_zip as release_zip

ASSIGNMENTS = paths.assignments()


def _same_but_python_version(left, right):
    """Two notebooks alike but for language_info.version (a release made with another Python)."""
    if left.suffix != ".ipynb":
        return False
    first, second = notebooks.read(left), notebooks.read(right)
    for nb in (first, second):
        nb.metadata.get("language_info", {}).pop("version", None)
    return first == second


def _differences(left, right):
    cmp = filecmp.dircmp(left, right, ignore=["__pycache__", ".ipynb_checkpoints"])
    differ = [n for n in cmp.diff_files if not _same_but_python_version(left / n, right / n)]
    found = cmp.left_only + cmp.right_only + differ + cmp.funny_files
    for sub in cmp.common_dirs:
        found += [f"{sub}/{name}" for name in _differences(left / sub, right / sub)]
    return found


def _solution_lines(nb):
    """Every line between the solution delimiters (long enough to mean something)."""
    return [line.strip() for cell in nb.cells for line in notebooks.split_region(cell.source, notebooks.SOLUTION)[0]
            if len(line.strip()) >= 16]


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A fresh release (folders and zips) in a temporary folder: (folders root, zips root)."""
    root = tmp_path_factory.mktemp("release")
    release(out_dir=root / "notebooks", zip_dir=root / "dist")
    return root / "notebooks", root / "dist"


def test_release_is_up_to_date(released):
    stale = _differences(released[0], paths.NOTEBOOKS)
    assert not stale, f"notebooks/ is stale, run `python -m autograder release`: {stale}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_lab_has_a_zip_with_its_whole_folder(released, assignment):
    """One zip per lab, its release folder under one top folder; the same bytes when made again."""
    import zipfile
    folders, zips = released
    with zipfile.ZipFile(zips / f"{assignment}.zip") as archive:
        names = sorted(archive.namelist())
        assert names == sorted(f"{assignment}/{p.relative_to(folders / assignment).as_posix()}"
                               for p in (folders / assignment).rglob("*") if p.is_file()
                               and "__pycache__" not in p.parts)
        assert f"{assignment}/{assignment}.ipynb" in names and f"{assignment}/labkit/__init__.py" in names
    again = release_zip(folders / assignment, zips / "again.zip")
    assert again.read_bytes() == (zips / f"{assignment}.zip").read_bytes()


def test_a_lab_unzipped_anywhere_runs(released, tmp_path):
    """What a student does with the zip from an LMS: unzip it, open the notebook, run it."""
    import zipfile
    with zipfile.ZipFile(released[1] / "lab3_optimizers.zip") as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / "lab3_optimizers"
    nb = notebooks.read(folder / "lab3_optimizers.ipynb")
    setup = [c for c in nb.cells if c.cell_type == "code"][:4]  # labkit, the data, the network
    nb.cells = setup
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    assert "loss before training" in "".join(o.get("text", "") for c in nb.cells for o in c.outputs)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_notebook_opened_alone_says_in_two_lines_what_to_do(tmp_path, assignment):
    """Uploaded to Colab or downloaded without labkit/: the cell that needs labkit says what to do, in two
    lines (no traceback), and Run All stops there."""
    import shutil
    shutil.copy(paths.NOTEBOOKS / assignment / f"{assignment}.ipynb", tmp_path)
    nb = notebooks.read(tmp_path / f"{assignment}.ipynb")
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError):
        client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [o for o in outputs if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "LabkitMissing", errors
    lines = errors[0].traceback
    assert len(lines) == 2, lines
    assert f"unzip {assignment}.zip" in lines[0] and f"!unzip -oq {assignment}.zip" in lines[1]
    assert f"%cd {assignment}" in lines[1]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], outputs


def test_the_given_network_code_is_exported_from_lab2():
    assert export.TARGET.read_text() == export.module_text(), "run `python -m autograder release`"


def test_a_fresh_notebook_opens_unmodified():
    """JupyterLab marks a notebook modified when the kernel's language_info adds fields to it."""
    for assignment in ASSIGNMENTS:
        metadata = notebooks.read(paths.NOTEBOOKS / assignment / f"{assignment}.ipynb").metadata
        assert {"codemirror_mode", "file_extension", "mimetype", "name", "nbconvert_exporter",
                "pygments_lexer", "version"} <= set(metadata.language_info), (assignment, metadata)
        assert metadata.kernelspec == {"display_name": "Python 3 (ipykernel)", "language": "python",
                                       "name": "python3"}, (assignment, metadata)


def test_every_lab_is_released():
    assert ASSIGNMENTS == ["demo_optimizers", "final_comparison", "lab2_forward_backward", "lab3_optimizers",
                           "lab4_regularization"]


ANSWERS_OF = {"dnn": "lab2_forward_backward", "optimizers": "lab3_optimizers", "training": "lab3_optimizers",
              "parity": "lab3_optimizers"}  # answer module -> the lab whose answers it holds


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_answer_and_no_hidden_test_is_released(assignment):
    """No solution line of any lab in any released file, except the answers of the labs whose answer
    modules this one ships anyway (Lab 4 builds on Lab 2's network: released after Lab 2 is due)."""
    shipped = {p.stem for p in (paths.NOTEBOOKS / assignment / "labkit").glob("*.py")}
    known = {ANSWERS_OF[m] for m in shipped & set(paths.LABKIT_ANSWERS)}
    answers = [line for a in ASSIGNMENTS if a not in known for p in (paths.SOLUTIONS / a).glob("*.ipynb")
               for line in _solution_lines(notebooks.read(p))]
    assert answers and set(ANSWERS_OF) == set(paths.LABKIT_ANSWERS)
    for path in sorted((paths.NOTEBOOKS / assignment).rglob("*")):
        if not path.is_file() or path.stem in paths.LABKIT_ANSWERS or "__pycache__" in path.parts:
            continue
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text, path
        if path.suffix == ".ipynb":  # the formulas in markdown are meant to be there: look at the code
            text = "\n".join(c.source for c in notebooks.read(path).cells if c.cell_type == "code")
        assert "hidden_test(" not in text or path.suffix == ".py", path
        leaked = [line for line in answers if line in text]
        assert not leaked, (path, leaked)


def _shipped(assignment):
    return {p.stem for p in (paths.NOTEBOOKS / assignment / "labkit").glob("*.py")}


def _checks_of(assignment):
    """The check modules a lab's notebook uses: its own checks module (``labN_checks``) and the check
    modules that one imports (the shared machinery and the course's constants aside)."""
    own = {m for m in closure.notebook_imports(notebooks.read(paths.SOLUTIONS / assignment / f"{assignment}.ipynb"))
           if m.endswith("_checks")}
    return {m for m in closure.closure(own) if m.endswith("_checks")} if own else set()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_release_ships_the_import_closure_of_its_notebook(assignment):
    """labkit/ in a release is exactly what its notebook's code cells import, and what that imports."""
    released = sorted((paths.NOTEBOOKS / assignment).glob("*.ipynb"))
    assert _shipped(assignment) == closure.notebook_closure(released), assignment


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_lab_ships_the_checks_of_another(assignment):
    """Lab 2's release has no optimizer checks (their hints spell out Lab 3's update rules), Lab 3's
    none of Lab 4's, and the demos none at all; answer modules only where imported."""
    others = set().union(*(_checks_of(a) for a in ASSIGNMENTS if a != assignment)) - _checks_of(assignment)
    assert others and not _shipped(assignment) & others, (assignment, _shipped(assignment) & others)
    assert _checks_of("lab2_forward_backward") >= {"lab2_checks", "network_checks"}
    assert _checks_of("lab3_optimizers") >= {"lab3_checks", "optimizer_checks", "minibatch_checks"}
    shipped = {a: _shipped(a) for a in ASSIGNMENTS}
    assert not shipped["lab2_forward_backward"] & set(paths.LABKIT_ANSWERS)   # Lab 2 writes dnn itself
    assert shipped["lab3_optimizers"] & set(paths.LABKIT_ANSWERS) == {"dnn"}  # no optimizer code in Lab 3
    assert shipped["lab4_regularization"] & set(paths.LABKIT_ANSWERS) == {"dnn"}   # no optimizer code either
    assert {"optimizers", "training"} <= shipped["demo_optimizers"]            # released after Lab 3 is due


def test_the_closure_follows_every_way_of_importing(tmp_path):
    """Imports written any way a notebook or module writes them count; words that only look like one
    do not."""
    labkit = tmp_path / "labkit"
    labkit.mkdir()
    modules = {"__init__": "", "a": "", "b": "from .c import thing\n", "c": "from . import d\n", "d": "",
               "e": "def later():\n    from labkit import f\n", "f": "", "g": "", "h": "", "i": "", "unused": ""}
    for name, text in modules.items():
        (labkit / f"{name}.py").write_text(text)
    cells = ["import labkit.a as first",
             "%time import numpy\n!ls labkit\nfrom labkit import b",
             "def lazy():\n    from labkit.e import later\n    return later",
             "try:\n    import labkit.g, labkit.h\nexcept ModuleNotFoundError:\n    pass",
             "from labkit import i as helper, name_of_init",
             "text = 'import labkit.unused'  # a string, not an import"]
    import nbformat
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    names = closure.notebook_imports(notebook)
    assert closure.closure(names, labkit) == {"__init__", "a", "b", "c", "d", "e", "f", "g", "h", "i"}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_keeps_the_hints_and_the_markers(assignment):
    for path in (paths.NOTEBOOKS / assignment).glob("*.ipynb"):
        for grade_id, cell in notebooks.solution_cells(notebooks.read(path)).items():
            assert "### START CODE HERE ###" in cell.source and "### END CODE HERE ###" in cell.source, grade_id
            assert "raise NotImplementedError()" in cell.source, grade_id
            hints = cell.source.split("### START CODE HERE ###")[1].split("# YOUR CODE HERE")[0]
            assert hints.strip().startswith("#"), grade_id  # at least one hint line


@pytest.mark.parametrize("assignment", ["lab2_forward_backward", "lab3_optimizers"])
def test_every_test_cell_is_decided_by_the_grader(assignment):
    for path in (paths.SOLUTIONS / assignment).glob("*.ipynb"):
        tests = notebooks.test_cells(notebooks.read(path))
        assert tests
        for grade_id, cell in tests.items():
            assert "hidden_test(" in notebooks.hidden_code(cell.source), grade_id


@pytest.mark.parametrize("notebook", sorted(paths.SOLUTIONS.glob("*/*.ipynb")), ids=lambda p: p.stem)
def test_papermill_reads_every_parameter(notebook, caplog):
    """Each name the parameters cell assigns (outside an if) is one `papermill -p` can set, read
    without a parse warning: an unread one is ignored by papermill's parameter check."""
    import ast
    import logging

    cell = next(c for c in notebooks.read(notebook).cells if "parameters" in c.metadata.get("tags", []))
    assigned = [target.id for node in ast.parse(cell.source).body if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)]
    with caplog.at_level(logging.WARNING, logger="papermill"):
        found = papermill.inspect_notebook(str(notebook))
    assert not [r for r in caplog.records if "Unable to parse" in r.getMessage()], caplog.text
    assert list(found) == assigned


def test_a_notebook_next_to_another_labs_labkit_says_what_to_do(tmp_path):
    """Lab 3's notebook dropped into Lab 2's unzipped folder (whose labkit has no dnn.py): the same two
    lines, not a traceback."""
    import shutil
    shutil.copytree(paths.NOTEBOOKS / "lab2_forward_backward", tmp_path / "lab2_forward_backward")
    folder = tmp_path / "lab2_forward_backward"
    shutil.copy(paths.NOTEBOOKS / "lab3_optimizers" / "lab3_optimizers.ipynb", folder)
    nb = notebooks.read(folder / "lab3_optimizers.ipynb")
    with pytest.raises(CellExecutionError):
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert [e.ename for e in errors] == ["LabkitMissing"] and len(errors[0].traceback) == 2, errors
