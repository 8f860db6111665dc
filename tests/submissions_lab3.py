"""Lab 3 (optimizers): the submissions the grading tests grade, each with the verdict it must get.

SUBMISSIONS: student_id -> make(folder, release_nb, solution_nb), writing that student's files.
EXPECTED:    student_id -> (status, failed tests) — every other test must get full points.
"""

import nbformat

import catalogue
from autograder import notebooks
from autograder.authoring import samples
from autograder.labkit import solvers
from autograder.labkit.checks import TRACE_MIME

ASSIGNMENT = NOTEBOOK = "lab3_optimizers"
POINTS, EXTRA = catalogue.grading_table(ASSIGNMENT)  # from solutions/: what a right answer earns
ALL_TESTS = list(POINTS)

# ---------------------------------------------------------------- right answers, written differently
ALTERNATIVE_MINIBATCHES = '''
def create_mini_batches(X, y, batch_size=64):
    order = np.random.permutation(X.shape[0])      # index with one permutation
    X_shuffled, y_shuffled = X[order], y[order]
    return [(X_shuffled[start:start + batch_size], y_shuffled[start:start + batch_size])
            for start in range(0, X.shape[0], batch_size)]
'''

ALTERNATIVE_SOLVERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")  # the branches it has
# a solver it does not have (one added since) it rejects as unknown: that extra credit is then not attempted
UNWRITTEN_TESTS = [f"test_{s}" for s in solvers.ALL_SOLVERS if s not in ALTERNATIVE_SOLVERS]
ALTERNATIVE_OPTIMIZER = '''
def my_optimizer(lyr, opt, W_grad, B_grad, solver='sgd', learning_rate=0.01, iter=1):
    eps = 1e-8
    if solver == 'sgd':
        W_dlt, B_dlt = learning_rate * W_grad, learning_rate * B_grad
    elif solver == 'momentum':
        opt.W_dt = 0.9 * opt.W_dt + learning_rate * W_grad
        opt.B_dt = 0.9 * opt.B_dt + learning_rate * B_grad
        W_dlt, B_dlt = opt.W_dt, opt.B_dt
    elif solver == 'nesterov':
        W_velocity = 0.9 * opt.W_dt + learning_rate * W_grad
        B_velocity = 0.9 * opt.B_dt + learning_rate * B_grad
        W_dlt = 0.9 * W_velocity + learning_rate * W_grad
        B_dlt = 0.9 * B_velocity + learning_rate * B_grad
        opt.W_dt[...] = W_velocity                   # stored in place, after use
        opt.B_dt[...] = B_velocity
    elif solver == 'adagrad':
        opt.W_vt += W_grad ** 2                      # in place
        opt.B_vt += B_grad ** 2
        W_dlt = learning_rate * W_grad / (np.sqrt(opt.W_vt) + eps)   # epsilon outside the root
        B_dlt = learning_rate * B_grad / (np.sqrt(opt.B_vt) + eps)
    elif solver == 'rmsprop':
        opt.W_vt *= 0.9
        opt.W_vt += 0.1 * W_grad ** 2
        opt.B_vt = 0.9 * opt.B_vt + 0.1 * B_grad ** 2
        W_dlt = learning_rate * W_grad / (np.sqrt(opt.W_vt) + eps)
        B_dlt = learning_rate * B_grad / np.sqrt(opt.B_vt + eps)
    elif solver == 'adam':
        b1, b2 = 0.9, 0.99
        opt.W_mt = b1 * opt.W_mt + (1 - b1) * W_grad
        opt.B_mt = b1 * opt.B_mt + (1 - b1) * B_grad
        opt.W_vt = b2 * opt.W_vt + (1 - b2) * W_grad ** 2
        opt.B_vt = b2 * opt.B_vt + (1 - b2) * B_grad ** 2
        lr_t = learning_rate * np.sqrt(1 - b2 ** iter) / (1 - b1 ** iter)   # Kingma & Ba's form
        W_dlt = lr_t * opt.W_mt / (np.sqrt(opt.W_vt) + eps)
        B_dlt = lr_t * opt.B_mt / (np.sqrt(opt.B_vt) + eps)
    else:
        raise ValueError(solver)
    lyr.wegt = lyr.wegt - W_dlt                      # rebinding instead of in place
    lyr.bias = lyr.bias - B_dlt
'''

ALTERNATIVE_OPTPARAM = '''
class myOptParam:
    def __init__(self, n_out, n_in):
        for name in ("W_dt", "W_mt", "W_vt"):
            setattr(self, name, np.zeros((n_out, n_in)))
        for name in ("B_dt", "B_mt", "B_vt"):
            setattr(self, name, np.zeros(n_out))
        self.steps = 0                               # extra state is allowed
'''

# ------------------------------------------------------------------------------- cheating
PATCH_NUMPY = '''
import numpy as np
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *a, **k: True
'''

PATCH_CHECKS = '''
labcheck.judge = lambda *a, **k: labcheck.Verdict(True, "test passed.")
labcheck.judge_values = lambda *a, **k: labcheck.Verdict(True, "test passed.")
labcheck.judge_minibatches = lambda *a, **k: labcheck.Verdict(True, "test passed.")
labcheck.hidden_test = lambda *a, **k: print("test passed.")
print("test passed.")
'''

FAKE_REPORT = '''
from IPython.display import display
def my_optimizer(lyr, opt, W_grad, B_grad, solver='sgd', learning_rate=0.01, iter=1):
    print("test passed.")
    fake = {"kind": "optimizer", "steps": []}
    display({%r: fake, "text/plain": "ok"}, raw=True)
    lyr.wegt -= 0.01 * W_grad
    lyr.bias -= 0.01 * B_grad
''' % TRACE_MIME

SWALLOW = '''
import builtins, sys
def my_optimizer(lyr, opt, W_grad, B_grad, solver='sgd', learning_rate=0.01, iter=1):
    try:
        raise ValueError(solver)
    except Exception:
        pass
    import warnings
    warnings.warn("a harmless warning")                  # noise must never cost points...
    sys.stderr.write("stderr noise\\n")
'''


def noisy_right(folder, release_nb, solution_nb):
    """Right answers that print and warn: noise costs nothing."""
    catalogue.answers(ASSIGNMENT, edits={"my_optimizer": [(
        "    # Adjust weight\n",
        "    import warnings, sys\n    warnings.warn('noise')\n    sys.stderr.write('noise\\n')\n"
        "    print('debug', solver)\n    # Adjust weight\n")]})(folder, release_nb, solution_nb)


WRONG_ANSWERS = {  # wrong everywhere: a cheat must not turn these into points
    "create_mini_batches": "def create_mini_batches(X, y, batch_size=64):\n    return [(X, y)]\n",
    "myOptParam": ("class myOptParam:\n    def __init__(self, n_out, n_in):\n"
                   "        self.W_dt = self.B_dt = self.W_mt = self.B_mt = self.W_vt = self.B_vt = np.zeros(1)\n"),
    "my_optimizer": ("def my_optimizer(lyr, opt, W_grad, B_grad, solver='sgd', learning_rate=0.01, iter=1):\n"
                     "    lyr.wegt -= 0.5 * W_grad\n    lyr.bias -= 0.5 * B_grad\n"),
}


def with_cell_code(grade_id, code, append=True):
    """Wrong answers, with ``code`` added to (or replacing) the answer cell ``grade_id``."""
    if append:
        return catalogue.answers(ASSIGNMENT, sources=WRONG_ANSWERS, extra={grade_id: code})
    return catalogue.answers(ASSIGNMENT, sources={**WRONG_ANSWERS, grade_id: code})


def tests_replaced(folder, release_nb, solution_nb):
    """Blank answers; every test cell replaced by a print and given 100 points."""
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            cell.source = 'print("test passed.")'
            meta["points"] = 100
    catalogue.write(folder, ASSIGNMENT, nb)


def tests_deleted(folder, release_nb, solution_nb):
    """Right answers, every test cell deleted: they are restored and graded."""
    nb = samples.answered(release_nb, solution_nb)
    nb.cells = [c for c in nb.cells if not notebooks.is_test_cell(c)]
    catalogue.write(folder, ASSIGNMENT, nb)


def metadata_tampered(answers):
    """``answers`` (right or wrong) in a notebook whose test cells claim 100 points (and 100 of extra
    credit), one with another grade id and one with a forged checksum."""
    def make(folder, release_nb, solution_nb):
        nb = samples.answered(release_nb, solution_nb, sources=None if answers == "right" else WRONG_ANSWERS)
        tests = [c for c in nb.cells if notebooks.is_test_cell(c)]
        for cell in tests:
            cell.metadata.nbgrader["points"] = 100
            cell.metadata["optkit_extra_credit"] = 100  # extra credit is read from the source only
        tests[0].metadata.nbgrader["grade_id"] = "my_own_test"
        tests[1].metadata.nbgrader["checksum"] = "0" * 32
        catalogue.write(folder, ASSIGNMENT, nb)
    return make


SYSTEM_EXIT = '''
def my_optimizer(lyr, opt, W_grad, B_grad, solver='sgd', learning_rate=0.01, iter=1):
    raise SystemExit("no more tests, please")
'''


def from_scratch(folder, release_nb, solution_nb):
    """Right answers typed into a new notebook (no nbgrader cells at all): still graded in full."""
    code = "import numpy as np\n" + "\n\n".join(
        samples.answer_source(c.source) for c in notebooks.solution_cells(solution_nb).values())
    catalogue.write(folder, ASSIGNMENT, nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]))


def not_json(folder, release_nb, solution_nb):
    (folder / ASSIGNMENT).mkdir(parents=True)
    (folder / ASSIGNMENT / f"{NOTEBOOK}.ipynb").write_text('{"cells": [ this is not json')


def no_notebook(folder, release_nb, solution_nb):
    (folder / ASSIGNMENT).mkdir(parents=True)
    (folder / ASSIGNMENT / "notes.txt").write_text("I forgot to upload it")


def wrong_assignment_name(folder, release_nb, solution_nb):
    """Right answers in a folder named lab3/ instead of lab3_optimizers/: found by its name."""
    catalogue.write(folder, "lab3", samples.answered(release_nb, solution_nb), name=f"{NOTEBOOK}.ipynb")


SUBMISSIONS = {
    "right": catalogue.right(ASSIGNMENT),
    "blank": catalogue.blank(ASSIGNMENT),
    "written_differently": catalogue.answers(ASSIGNMENT, sources={
        "create_mini_batches": ALTERNATIVE_MINIBATCHES, "my_optimizer": ALTERNATIVE_OPTIMIZER,
        "myOptParam": ALTERNATIVE_OPTPARAM}),
    "noisy_right": noisy_right,
    **{f"mistake_{name}": catalogue.mistake(ASSIGNMENT, name) for name in samples.MISTAKES[ASSIGNMENT]},
    "cheat_patch_numpy": with_cell_code("my_optimizer", PATCH_NUMPY),
    "cheat_patch_checks": with_cell_code("my_optimizer", PATCH_CHECKS),
    "cheat_fake_report": with_cell_code("my_optimizer", FAKE_REPORT, append=False),
    "cheat_swallow_and_warn": with_cell_code("my_optimizer", SWALLOW, append=False),
    "cheat_tests_replaced": tests_replaced,
    "tests_deleted": tests_deleted,
    "from_scratch": from_scratch,
    "cheat_metadata": metadata_tampered("wrong"),
    "tampered_right": metadata_tampered("right"),
    "cheat_system_exit": with_cell_code("my_optimizer", SYSTEM_EXIT, append=False),
    "bad_not_json": not_json,
    "bad_no_notebook": no_notebook,
    "wrong_folder_name": wrong_assignment_name,
    "renamed_notebook": catalogue.right(ASSIGNMENT, name=f"{NOTEBOOK} (1).ipynb"),
}

OPTIMIZER_TESTS = ["test_sgd", "test_momentum", "test_adagrad", "test_rmsprop", "test_adam"]
EXPECTED = {
    "right": ("graded", []),
    "blank": ("graded", ALL_TESTS),
    "written_differently": ("graded", UNWRITTEN_TESTS),
    "noisy_right": ("graded", []),
    **{f"mistake_{name}": ("graded", list(m.says)) for name, m in samples.MISTAKES[ASSIGNMENT].items()},
    "cheat_patch_numpy": ("graded", ALL_TESTS),
    "cheat_patch_checks": ("graded", ALL_TESTS),
    "cheat_fake_report": ("tampered", ALL_TESTS),
    "cheat_swallow_and_warn": ("graded", ALL_TESTS),
    "cheat_tests_replaced": ("tampered", ALL_TESTS),
    "tests_deleted": ("graded", []),
    "from_scratch": ("graded", []),
    "cheat_metadata": ("tampered", ALL_TESTS),
    "tampered_right": ("tampered", []),
    "cheat_system_exit": ("graded", ALL_TESTS),
    "bad_not_json": ("invalid notebook", ALL_TESTS),
    "bad_no_notebook": ("missing notebook", ALL_TESTS),
    "wrong_folder_name": ("graded", []),
    "renamed_notebook": ("graded", []),
}
assert set(EXPECTED) == set(SUBMISSIONS)
