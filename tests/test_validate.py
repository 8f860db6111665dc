"""nbgrader's Validate, the student's last look before submitting, tells the truth: it fails a blank
or wrong notebook, naming the failing cells with the checks' short messages (no tracebacks), and
passes a right one (the extra credit left unwritten included). Real ``nbgrader validate`` runs, real
kernels, on copies of the release."""
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from autograder import notebooks, paths
from autograder.authoring import samples

LABS = ["lab2_forward_backward", "lab3_optimizers", "lab4_regularization"]
NBGRADER = Path(sys.executable).with_name("nbgrader")


def _graded_ids(nb):
    return [notebooks.nbgrader_meta(c)["grade_id"] for c in nb.cells if notebooks.nbgrader_meta(c).get("grade")]


def _case(root, assignment, name, edit=None):
    """A copy of the released lab folder whose notebook is made by ``edit(release, source)``."""
    folder = root / f"{assignment}-{name}"
    shutil.copytree(paths.NOTEBOOKS / assignment, folder)
    path = folder / f"{assignment}.ipynb"
    if edit is not None:
        release, source = notebooks.read(path), notebooks.read(paths.SOLUTIONS / assignment / f"{assignment}.ipynb")
        nbformat.write(edit(release, source), str(path))
    return path


def _validate(path):
    run = subprocess.run([str(NBGRADER), "validate", path.name], cwd=path.parent, capture_output=True,
                         text=True, timeout=600)
    return run.stdout + run.stderr


def _without_nesterov(release, source):
    nb = samples.answered(release, source)
    for cell in nb.cells:  # the extra credit's branch left as released
        if notebooks.nbgrader_meta(cell).get("grade_id") == "my_optimizer":
            released = notebooks.solution_cells(release)["my_optimizer"].source
            start = released.index("    elif solver == 'nesterov'")
            end = released.index("    else:\n        raise ValueError")
            mine_start = cell.source.index("    elif solver == 'nesterov'")
            mine_end = cell.source.index("    else:\n        raise ValueError")
            cell.source = cell.source[:mine_start] + released[start:end] + cell.source[mine_end:]
    return nb


def _mistake(assignment, name):
    return lambda release, source: samples.with_mistake(release, source, assignment, name)


def _catalogues():
    import submissions_lab2  # the grading tests' catalogues of each lab
    import submissions_lab3
    import submissions_lab4
    return {"lab2_forward_backward": submissions_lab2, "lab3_optimizers": submissions_lab3,
            "lab4_regularization": submissions_lab4}


def _written_differently(assignment):
    def edit(release, source):
        module = _catalogues()[assignment]
        sources = getattr(module, "ALTERNATIVES", None) or {
            "create_mini_batches": module.ALTERNATIVE_MINIBATCHES, "my_optimizer": module.ALTERNATIVE_OPTIMIZER,
            "myOptParam": module.ALTERNATIVE_OPTPARAM}
        return samples.answered(release, source, sources=sources)
    return edit


MISTAKES = [("lab3_optimizers", "adam_beta2_0999"), ("lab3_optimizers", "sgd_scales_gradient_in_place"),
            ("lab2_forward_backward", "forward_sigmoid_output"), ("lab2_forward_backward", "backward_mean"),
            ("lab4_regularization", "dropout_not_inverted")]
CASES = {  # name -> (assignment, edit, what Validate must say: "fails", "passes", or a classic mistake's name)
    **{f"{a}-blank": (a, None, "fails") for a in LABS},
    **{f"{a}-right": (a, samples.answered, "passes") for a in LABS},
    **{f"{a}-written-differently": (a, _written_differently(a), "passes") for a in LABS},
    "lab3-right-but-no-extra-credit": ("lab3_optimizers", _without_nesterov, "passes"),
    **{f"{a}-{name}": (a, _mistake(a, name), name) for a, name in MISTAKES},
}


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    """{case: (notebook path, what nbgrader validate printed)}, validated two at a time."""
    root = tmp_path_factory.mktemp("validate")
    cases = {name: _case(root, assignment, name, edit) for name, (assignment, edit, _) in CASES.items()}
    with ThreadPoolExecutor(max_workers=2) as pool:
        printed = dict(zip(cases, pool.map(_validate, cases.values())))
    return {name: (cases[name], printed[name]) for name in cases}


@pytest.mark.parametrize("lab", LABS)
def test_validate_fails_the_blank_release_naming_each_graded_cell_with_a_short_message(validated, lab):
    path, printed = validated[f"{lab}-blank"]
    assert "Success!" not in printed, printed
    failed = printed.count("The following cell failed:")
    graded = _graded_ids(notebooks.read(path))
    extra_credit = [c for c in notebooks.read(path).cells if notebooks.nbgrader_meta(c).get("points") == 0]
    assert failed == len(graded) - len(extra_credit), printed  # every graded cell but the extra credit's
    assert printed.count("test failed:") == failed, printed  # each with our message...
    assert "Traceback" not in printed and "File \"" not in printed and "---->" not in printed, printed  # ...alone


@pytest.mark.parametrize("case", [c for c, (_, _, say) in CASES.items() if say == "passes"])
def test_validate_passes_right_answers(validated, case):
    _, printed = validated[case]
    assert "Success! Your notebook passes all the tests." in printed, printed
    assert "failed" not in printed.lower(), printed


@pytest.mark.parametrize("case", [c for c, (_, _, say) in CASES.items() if say not in ("fails", "passes")])
def test_validate_fails_a_classic_mistake_in_the_cells_that_lose_points(validated, case):
    assignment, _, name = CASES[case]
    path, printed = validated[case]
    loses = list(samples.MISTAKES[assignment][name].says)  # the tests the mistake loses
    graded = {notebooks.nbgrader_meta(c)["grade_id"]: c.source for c in notebooks.read(path).cells
              if notebooks.nbgrader_meta(c).get("grade")}
    assert "Success!" not in printed and "test failed:" in printed, printed
    assert printed.count("The following cell failed:") == len(loses), printed  # those cells, and no other
    for test in loses:  # each named by its first line, whose comment names the function graded
        assert graded[test].splitlines()[0][:60] in printed, printed
