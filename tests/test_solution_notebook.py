"""The solution notebook runs top to bottom (grading mode) and reproduces the handout's checks."""

from nbclient import NotebookClient

from autograder import notebooks
from autograder.course import CourseDir


def test_solution_executes_and_reproduces_the_handout(tmp_path, monkeypatch):
    source = CourseDir(tmp_path / "course").install_source("lab3_optimizers")
    nb = notebooks.read(source / "lab3_optimizers.ipynb")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # skips the long training
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(source)}}).execute()
    outputs = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            grade_id = notebooks.nbgrader_meta(cell).get("grade_id")
            outputs[grade_id] = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            assert not [o for o in cell.outputs if o.output_type == "error"], grade_id
    assert outputs["check_create_mini_batches"].rstrip().endswith("test passed.")
    assert "[[ 4  5]\n [18 19]\n [12 13]\n [ 8  9]]" in outputs["check_create_mini_batches"]
    assert outputs["check_my_optimizer"].rstrip().endswith("test passed.")
    assert "[29.41774022 19.27573813 23.68071186  1.52919472]" in outputs["check_my_optimizer"]
    for solver in ("sgd", "momentum", "adagrad", "rmsprop", "adam"):
        assert "test passed." in outputs[f"test_{solver}"], solver


def test_the_lecture_run_trains_and_draws_with_few_epochs(tmp_path, monkeypatch):
    """Not grading: all five optimizers train (3 epochs here), the figures and the table appear."""
    import papermill

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    source = CourseDir(tmp_path / "course").install_source("lab3_optimizers")
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(source / "lab3_optimizers.ipynb"), str(out), cwd=str(source),
                               parameters={"n_epochs": 3}, kernel_name="python3", progress_bar=False)
    nb = notebooks.read(out)
    by_id = {notebooks.nbgrader_meta(c).get("grade_id"): c for c in nb.cells if c.cell_type == "code"}
    for grade_id in ("plot_losses", "sample_digits"):
        assert any("image/png" in o.get("data", {}) for o in by_id[grade_id].outputs), grade_id
    table = "".join(o.get("text", "") for o in by_id["accuracy_table"].outputs)
    for solver in ("sgd", "momentum", "adagrad", "rmsprop", "adam"):
        assert f"\n{solver} " in "\n" + table, table
    training_log = "".join(o.get("text", "") for o in by_id["train_all"].outputs)
    assert "--- adam" in training_log
