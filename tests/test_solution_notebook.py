"""The solution notebooks run top to bottom: in grading mode every visible check passes (and Lab 3
reproduces the handout's printed values); in a lecture run they train and draw their figures."""
import papermill
import pytest
from nbclient import NotebookClient

from autograder import notebooks
from autograder.engine.course import CourseDir

LABS = ["lab2_forward_backward", "lab3_optimizers", "lab4_regularization"]
FIGURE_CELLS = {"lab2_forward_backward": ["train_run", "histograms", "init_curves"],
                "lab3_optimizers": ["plot_losses", "sample_digits"], "lab4_regularization": ["curves"]}


def _stdout(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _code_cells(nb):
    return {notebooks.nbgrader_meta(c).get("grade_id"): c for c in nb.cells if c.cell_type == "code"}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Each lab's solution executed in grading mode (NBGRADER_EXECUTION set: no training)."""
    done = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NBGRADER_EXECUTION", "autograde")
        for lab in LABS:
            source = CourseDir(tmp_path_factory.mktemp(lab)).install_source(lab)
            nb = notebooks.read(source / f"{lab}.ipynb")
            NotebookClient(nb, timeout=300, kernel_name="python3",
                           resources={"metadata": {"path": str(source)}}).execute()
            done[lab] = _code_cells(nb)
    return done


@pytest.mark.parametrize("lab", LABS)
def test_solution_runs_and_every_visible_check_passes(executed, lab):
    cells = executed[lab]
    for grade_id, cell in cells.items():
        assert not [o for o in cell.outputs if o.output_type == "error"], grade_id
    checked = [g for g, c in cells.items() if "test passed." in _stdout(c)]
    visible = [g for g in cells if g and g.startswith(("check_", "test_"))]  # every graded cell checks visibly
    assert visible and set(visible) <= set(checked), (visible, checked)
    assert not [g for g, c in cells.items() if "test failed" in _stdout(c)]


def test_lab3_reproduces_the_handout_exactly(executed):
    cells = executed["lab3_optimizers"]
    assert "[[ 4  5]\n [18 19]\n [12 13]\n [ 8  9]]" in _stdout(cells["check_create_mini_batches"])
    assert "[29.41774022 19.27573813 23.68071186  1.52919472]" in _stdout(cells["check_my_optimizer"])
    for solver in ("sgd", "momentum", "adagrad", "rmsprop", "adam"):
        assert "test passed." in _stdout(cells[f"test_{solver}"]), solver


@pytest.mark.parametrize("lab", LABS)
def test_the_lecture_run_trains_and_draws_with_few_epochs(tmp_path, monkeypatch, lab):
    """Not grading: the training and the experiments run (3 epochs here), the figures appear."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    source = CourseDir(tmp_path / "course").install_source(lab)
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(source / f"{lab}.ipynb"), str(out), cwd=str(source),
                               parameters={"n_epochs": 3}, kernel_name="python3", progress_bar=False,
                               execution_timeout=300)
    cells = _code_cells(notebooks.read(out))
    for grade_id in FIGURE_CELLS[lab]:
        assert any("image/png" in o.get("data", {}) for o in cells[grade_id].outputs), grade_id
    if lab == "lab3_optimizers":
        table = _stdout(cells["accuracy_table"])
        for solver in ("sgd", "momentum", "adagrad", "rmsprop", "adam"):
            assert f"\n{solver} " in "\n" + table, table
    elif lab == "lab4_regularization":
        table = _stdout(cells["experiment"])
        for name in ("none", "L2", "dropout", "L2 + dropout"):
            assert f"\n{name} " in "\n" + table, table
    else:
        assert "after 3 epochs" in _stdout(cells["train_run"])
