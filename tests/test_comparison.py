"""The comparison notebook runs end to end (tiny parameters) and writes a complete comparison.json."""
import json

import papermill
import pytest

from autograder import notebooks
from autograder.course import CourseDir

SOLVERS = ["sgd", "momentum", "adagrad", "rmsprop", "adam", "nesterov"]  # NAG: the extra credit, not in the handout


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    source = CourseDir(tmp_path_factory.mktemp("course")).install_source("final_comparison")
    out = source / "out.ipynb"
    papermill.execute_notebook(str(source / "final_comparison.ipynb"), str(out), cwd=str(source), kernel_name="python3",
                               progress_bar=False, execution_timeout=300,
                               parameters={"n_epochs": 4, "n_seeds": 2, "mlp_max_iter": 4, "validation_epochs": 6,
                                           "parity_epochs": 3})
    return json.loads((source / "comparison.json").read_text()), notebooks.read(out)


def test_comparison_json_is_complete_and_sane(run):
    comparison, _ = run
    assert comparison["parameters"]["n_epochs"] == 4 and comparison["parameters"]["n_seeds"] == 2
    assert set(comparison["results"]) == set(SOLVERS) | {"MLPClassifier"}
    for name, result in comparison["results"].items():
        assert 0.0 <= result["accuracy_mean"] <= 1.0 and result["accuracy_se"] >= 0.0, name
        assert result["final_loss_mean"] > 0.0 and result["seconds_mean"] > 0.0 and result["runs"] == 2, name
    assert comparison["results"]["momentum"]["accuracy_mean"] > 0.5  # it learns, even in 4 epochs
    assert comparison["handout"]["test_accuracy"]["adam"] == 0.9778 and "seed 004" in comparison["handout"]["source"]
    for solver in SOLVERS:
        assert 1 <= comparison["validation"][solver]["best_epoch"] <= 6
    assert set(comparison["parity_max_relative_difference"]) == {"sgd", "momentum", "nesterov", "adam"}
    assert max(comparison["parity_max_relative_difference"].values()) < 1e-10


def test_the_figures_are_drawn(run):
    _, nb = run
    cells = {notebooks.nbgrader_meta(c).get("grade_id"): c for c in nb.cells if c.cell_type == "code"}
    for grade_id in ("loss_curves", "validation", "confusion", "digits", "parity"):
        assert any("image/png" in o.get("data", {}) for o in cells[grade_id].outputs), grade_id
    table = "".join(o.get("text", "") for o in cells["summary_table"].outputs)
    assert "MLPClassifier" in table and "±" in table
    assert "nesterov" in table and "—" in table.split("nesterov")[1].splitlines()[0]  # no handout figure for NAG
