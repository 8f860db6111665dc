"""The comparison notebook runs end to end (tiny parameters) and writes a complete comparison.json;
the report script (benchmarks/comparison_report.py) runs it and prints it beside the handout's table."""
import pytest

from autograder import notebooks
from autograder.labkit import training
from benchmarks.comparison_report import near, report_lines, run_comparison

SOLVERS = training.SOLVERS  # every solver the training loop has (NAG, the extra credit, among them)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    comparison, executed = run_comparison(tmp_path_factory.mktemp("course"), timeout=300, parameters={
        "n_epochs": 4, "n_seeds": 2, "mlp_max_iter": 4, "validation_epochs": 6, "parity_epochs": 3})
    return comparison, notebooks.read(executed)


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


def test_the_report_sets_each_row_beside_the_handout(run):
    comparison, _ = run
    lines = report_lines(comparison)
    assert "4 epochs, 2 seeds" in lines[0]
    rows = {line.split()[0]: line for line in lines[2:2 + len(comparison["results"])]}
    assert set(rows) == set(SOLVERS) | {"MLPClassifier"}
    assert "0.9778" in rows["adam"] and "—" in rows["nesterov"]     # the handout's figure, none for NAG
    assert rows["MLPClassifier"].split()[5] in ("yes", "NO")


@pytest.mark.parametrize("mean, se, runs, handout, expected", [
    (0.9572, 0.0056, 5, 0.9667, True),     # the README's sgd row: one run's spread is 0.0125
    (0.9428, 0.0038, 5, 0.9500, True),
    (0.9000, 0.0010, 5, 0.9667, False),
    (0.9667, 0.0, 5, 0.9667 + 1.5 / 360, True),   # no spread at all: one test digit still counts as near
    (0.9667, 0.0, 5, 0.9667 + 3 / 360, False),
])
def test_near_means_within_two_standard_deviations_of_one_run(mean, se, runs, handout, expected):
    assert near({"accuracy_mean": mean, "accuracy_se": se, "runs": runs}, handout) is expected
