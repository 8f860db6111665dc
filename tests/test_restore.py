"""restore.reconcile in-process, over many ways editors and students change a notebook: every test
cell ends up after the code it calls, exactly one cell per grade id, and only score-raising changes
are called tampering."""
import copy
import random

import nbformat
import pytest

from autograder import notebooks
from autograder.authoring import samples
from autograder.intake.cellcode import defined_names, used_names
from autograder.intake.restore import reconcile

pytestmark = pytest.mark.fast  # in-process, no grading run: `make test-fast`


@pytest.fixture(scope="module")
def lab3(release_nb, solution_nb):
    return release_nb, solution_nb, samples.answered(release_nb, solution_nb)


def _ids(nb):
    return [notebooks.nbgrader_meta(c).get("grade_id") for c in nb.cells]


def _tests_run_after_what_they_call(nb, solution_nb):
    """Every name a test cell's (hidden) code calls that the notebook defines is defined above it."""
    sources = {notebooks.nbgrader_meta(c).get("grade_id"): c.source for c in solution_nb.cells}
    defined = [defined_names(c.source) if c.cell_type == "code" else frozenset() for c in nb.cells]
    for index, cell in enumerate(nb.cells):
        if notebooks.is_test_cell(cell):
            needs = used_names(sources[notebooks.nbgrader_meta(cell)["grade_id"]]) & frozenset().union(*defined)
            above = frozenset().union(*defined[:index])
            assert needs <= above, (notebooks.nbgrader_meta(cell)["grade_id"], sorted(needs - above))


@pytest.mark.parametrize("seed", range(40))
def test_stripped_deleted_and_moved_cells_end_in_a_gradable_order(lab3, seed):
    release_nb, solution_nb, right = lab3
    rng = random.Random(seed)
    nb = copy.deepcopy(right)
    for cell in nb.cells:
        if rng.random() < 0.4:
            cell["metadata"] = {}                        # VS Code dropped it
    nb.cells = [c for c in nb.cells if not (notebooks.is_test_cell(c) and rng.random() < 0.3)]  # deleted
    if rng.random() < 0.5:                               # an answer re-typed in a new cell at the end
        answer = next(c for c in nb.cells if "def my_optimizer" in c.source)
        nb.cells.remove(answer)
        nb.cells.append(nbformat.v4.new_code_cell(answer.source))
    fixed, done = reconcile(nb, release_nb, solution_nb)
    ids = [g for g in _ids(fixed) if g]
    assert sorted(ids) == sorted(set(ids)) and set(notebooks.test_cells(release_nb)) <= set(ids)
    assert not done.tampered
    _tests_run_after_what_they_call(fixed, solution_nb)


def test_a_notebook_written_from_scratch_gets_every_test_after_its_code(lab3):
    release_nb, solution_nb, right = lab3
    scratch = copy.deepcopy(release_nb)
    scratch.cells = [copy.deepcopy(c) for c in right.cells if notebooks.nbgrader_meta(c).get("solution")]
    for cell in scratch.cells:
        cell["metadata"] = {}
    scratch.cells.reverse()                                 # written in another order
    fixed, done = reconcile(scratch, release_nb, solution_nb)
    _tests_run_after_what_they_call(fixed, solution_nb)
    assert not done.tampered


def test_a_pasted_copy_is_not_tampering_wherever_it_is(lab3):
    release_nb, solution_nb, right = lab3
    for grade_id in ("test_momentum", "my_optimizer", "setup", "check_my_optimizer"):
        for position in (0, 8, 16, len(right.cells)):
            nb = copy.deepcopy(right)
            nb.cells.insert(position, copy.deepcopy(nb.cells[_ids(nb).index(grade_id)]))
            fixed, done = reconcile(nb, release_nb, solution_nb)
            assert not done.tampered and done.copies == [grade_id], (grade_id, position)
            assert _ids(fixed).count(grade_id) == 1
            _tests_run_after_what_they_call(fixed, solution_nb)


@pytest.mark.parametrize("change, what", [
    (lambda m: m.update(points=100), "'points'"),
    (lambda m: m.update(points="300"), "'points'"),    # as a string too
    (lambda m: m.update(grade=False), "'grade'"),
    (lambda m: m.update(solution=True), "'solution'"),
    (lambda m: m.update(locked=False), "'locked'"),
])
def test_score_raising_metadata_changes_are_tampering_and_undone(lab3, change, what):
    release_nb, solution_nb, right = lab3
    nb = copy.deepcopy(right)
    change(notebooks.test_cells(nb)["test_adam"].metadata.nbgrader)
    fixed, done = reconcile(nb, release_nb, solution_nb)
    assert any(what in kind and "test_adam" in ids for kind, ids in done.tampered.items()), done.tampered
    assert notebooks.test_cells(fixed)["test_adam"].metadata.nbgrader == \
        notebooks.test_cells(release_nb)["test_adam"].metadata.nbgrader


def test_harmless_metadata_differences_are_put_back_silently(lab3):
    release_nb, solution_nb, right = lab3
    nb = copy.deepcopy(right)
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta:
            meta["checksum"], meta["schema_version"] = "0" * 32, 1
            if meta.get("points") is not None:
                meta["points"] = float(meta["points"])      # 3.0 is 3
    fixed, done = reconcile(nb, release_nb, solution_nb)
    assert not done.tampered and not done.relabelled and not done.restored
