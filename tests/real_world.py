"""Lab 3 submissions as editors, LMS downloads and students really hand them in, each rebuilt from the
release after a public bug report or Q&A thread, with the verdict it must get.

SUBMISSIONS: student_id -> make(folder, release_nb, solution_nb), writing that student's folder.
EXPECTED:    student_id -> (status, failed tests, phrases the row's message must contain).
"""
import base64
import copy
import os

import nbformat

import catalogue
from autograder import notebooks
from autograder.authoring import samples

A = "lab3_optimizers"
ALL_TESTS = list(catalogue.grading_table(A)[0])  # in the notebook's order


def _right(release_nb, solution_nb):
    return samples.answered(release_nb, solution_nb)


def _ids(nb):
    return [notebooks.nbgrader_meta(c).get("grade_id") for c in nb.cells]


def _write(folder, nb, relative=f"{A}/{A}.ipynb", version=4):
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path), version=version)
    return path


def _code(source):
    return nbformat.v4.new_code_cell(source)


# ---------------------------------------------------------------- editors: metadata lost or copied
def metadata_stripped(grade_ids):
    """VS Code drops the metadata of the cells it executes (vscode-python#9997): the right answers,
    with the metadata of ``grade_ids`` (or of every cell: None) removed."""
    def make(folder, release_nb, solution_nb):
        nb = _right(release_nb, solution_nb)
        for cell in nb.cells:
            if grade_ids is None or notebooks.nbgrader_meta(cell).get("grade_id") in grade_ids:
                cell["metadata"] = {}
        _write(folder, nb)
    return make


def stripped_answer_and_deleted_test(folder, release_nb, solution_nb):
    """The answer cell lost its metadata and its test cell was deleted: the test is put back after it."""
    nb = _right(release_nb, solution_nb)
    nb.cells = [c for c in nb.cells if notebooks.nbgrader_meta(c).get("grade_id") != "test_create_mini_batches"]
    for cell in nb.cells:
        if notebooks.nbgrader_meta(cell).get("grade_id") in ("create_mini_batches", "check_create_mini_batches"):
            cell["metadata"] = {}
    _write(folder, nb)


def answer_moved_below_its_deleted_test(folder, release_nb, solution_nb):
    """Tests deleted, and my_optimizer written at the very end of the notebook (a new cell)."""
    nb = _right(release_nb, solution_nb)
    answer = notebooks.solution_cells(nb)["my_optimizer"]
    nb.cells = [c for c in nb.cells if not notebooks.is_test_cell(c) and c is not answer]
    nb.cells.append(_code(answer.source))
    _write(folder, nb)


def answer_retyped_at_the_end(folder, release_nb, solution_nb):
    """The answer cell deleted and its code typed into a new cell at the end: the tests stay above it."""
    nb = _right(release_nb, solution_nb)
    answer = notebooks.solution_cells(nb)["my_optimizer"]
    nb.cells.remove(answer)
    nb.cells.append(_code(answer.source))
    _write(folder, nb)


def pasted_copy(grade_id, above):
    """Copy/paste duplicates a cell's nbgrader metadata (nbgrader#1083): ``grade_id`` pasted once more,
    above its answer cell or at the end."""
    def make(folder, release_nb, solution_nb):
        nb = _right(release_nb, solution_nb)
        ids = _ids(nb)
        duplicate = copy.deepcopy(nb.cells[ids.index(grade_id)])
        duplicate["id"] = "pasted1"
        nb.cells.insert(ids.index("my_optimizer") if above else len(nb.cells), duplicate)
        _write(folder, nb)
    return make


def forged_copy_where_the_test_was(folder, release_nb, solution_nb):
    """Wrong answers; the real test_sgd moved above the answer, a copy worth 100 points in its place."""
    nb = samples.answered(release_nb, solution_nb, sources={"my_optimizer": WRONG_OPTIMIZER})
    ids = _ids(nb)
    original = nb.cells.pop(ids.index("test_sgd"))
    forged = copy.deepcopy(original)
    forged.metadata.nbgrader["points"] = 100
    forged["id"] = "pasted1"
    nb.cells.insert(ids.index("test_sgd"), forged)
    nb.cells.insert(ids.index("my_optimizer"), original)
    _write(folder, nb)


WRONG_OPTIMIZER = ("def my_optimizer(lyr, opt, W_grad, B_grad, solver='sgd', learning_rate=0.01, iter=1):\n"
                   "    lyr.wegt -= 0.5 * W_grad\n    lyr.bias -= 0.5 * B_grad\n")


def read_only_cell_edited(folder, release_nb, solution_nb):
    """VS Code does not lock read-only cells: an import added to the setup cell, used in an answer."""
    nb = samples.answered(release_nb, solution_nb, edits={"my_optimizer": [(
        "    # Adjust weight\n", "    assert math.isfinite(learning_rate)\n    # Adjust weight\n")]})
    setup = nb.cells[_ids(nb).index("setup")]
    setup.source = "import math\n" + setup.source
    _write(folder, nb)


def test_code_edited(folder, release_nb, solution_nb):
    """The right answers, and the visible code of test_adam edited (a locked cell, edited anyway)."""
    nb = _right(release_nb, solution_nb)
    notebooks.test_cells(nb)["test_adam"].source = "print('test passed.')"
    _write(folder, nb)


# ---------------------------------------------------------------- files: names, folders, helpers
def named(relative, how="right"):
    """One notebook, at ``relative`` inside the student's folder."""
    def make(folder, release_nb, solution_nb):
        _write(folder, _right(release_nb, solution_nb) if how == "right" else release_nb, relative)
    return make


def byte_order_mark(folder, release_nb, solution_nb):
    """Saved by a Windows editor: a UTF-8 byte-order mark before the JSON."""
    path = folder / A / f"{A}.ipynb"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xef\xbb\xbf" + nbformat.writes(_right(release_nb, solution_nb)).encode())


def release_and_work_copy(folder, release_nb, solution_nb):
    """The untouched release as lab3_optimizers.ipynb, the work in lab3_optimizers-Copy1.ipynb."""
    _write(folder, release_nb)
    _write(folder, _right(release_nb, solution_nb), f"{A}/{A}-Copy1.ipynb")


def helper_module(folder, release_nb, solution_nb):
    """my_optimizer written in my_optim.py next to the notebook; the answer cell imports it."""
    answer = samples.answer_source(notebooks.solution_cells(solution_nb)["my_optimizer"].source)
    nb = samples.answered(release_nb, solution_nb, sources={"my_optimizer": "from my_optim import my_optimizer\n"})
    _write(folder, nb)
    (folder / A / "my_optim.py").write_text("import numpy as np\n\n" + answer)


def handmade_receipt(folder, release_nb, solution_nb):
    """A note named like nbgrader's record of a submission beside the notebook (timestamp.txt, and a
    submission_secret.txt that is no secret): nbgrader cannot read it; the notebook is graded anyway."""
    _write(folder, _right(release_nb, solution_nb))
    (folder / A / "timestamp.txt").write_text("handed in late, sorry!")
    (folder / A / "submission_secret.txt").write_text("my password is hunter2\n")


def checkpoint_folder(folder, release_nb, solution_nb):
    """Jupyter's .ipynb_checkpoints/ uploaded along (holding the blank release): never graded."""
    _write(folder, _right(release_nb, solution_nb))
    _write(folder, release_nb, f"{A}/.ipynb_checkpoints/{A}-checkpoint.ipynb")


def link_to_a_grader_file(folder, release_nb, solution_nb):
    """The right answers, and a symbolic link to a file of the grading machine: never followed."""
    _write(folder, _right(release_nb, solution_nb))
    os.symlink("/etc/passwd", folder / A / "passwords.txt")


# ---------------------------------------------------------------- what students leave in notebooks
def colab(folder, release_nb, solution_nb):
    """Saved by Google Colab: nbformat 4.0 (no cell ids), a kernelspec without language, drive.mount
    and %cd cells at the top."""
    nb = _right(release_nb, solution_nb)
    nb.cells[1:1] = [_code("from google.colab import drive\ndrive.mount('/content/drive')"),
                     _code("%cd /content/drive/MyDrive/lab3")]
    for cell in nb.cells:
        cell.pop("id", None)
        cell.get("metadata", {}).update({"colab": {"base_uri": "https://localhost/"}})
    nb.nbformat_minor = 0
    nb.metadata = {"colab": {"provenance": []}, "kernelspec": {"name": "python3", "display_name": "Python 3"}}
    path = folder / A / f"{A}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb, version=nbformat.NO_CONVERT))


def korean(folder, release_nb, solution_nb):
    """A Korean file name, Korean comments in the answers and Korean output."""
    nb = samples.answered(release_nb, solution_nb, edits={"my_optimizer": [(
        "    # Adjust weight\n", "    # 가중치 갱신 (모멘텀, 아다그라드)\n    # Adjust weight\n")]})
    nb.cells.insert(2, _code("print('안녕하세요, 최적화 실습입니다')"))
    _write(folder, nb, f"{A}/{A}_김민수.ipynb")


def leftovers(folder, release_nb, solution_nb):
    """An input() left in a cell, %%time, !pip install, and 30 MB of image outputs."""
    nb = _right(release_nb, solution_nb)
    image = base64.b64encode(os.urandom(3 << 20)).decode()  # 4 MB of base64 a figure
    figure = nbformat.v4.new_output("display_data", data={"image/png": image, "text/plain": "<Figure>"})
    extra = [_code("name = input('Your name: ')"), _code("%%time\nimport numpy as np\nx = np.ones(3)"),
             _code("!pip install --quiet tqdm")]
    plot = _code("# my plots\n")
    plot.outputs = [figure] * 8
    nb.cells[2:2] = extra + [plot]
    _write(folder, nb)


SUBMISSIONS = {
    "vscode_three_cells": metadata_stripped({"create_mini_batches", "check_create_mini_batches",
                                             "test_create_mini_batches"}),
    "vscode_every_cell": metadata_stripped(None),
    "vscode_answer_test_deleted": stripped_answer_and_deleted_test,
    "answer_below_deleted_tests": answer_moved_below_its_deleted_test,
    "answer_retyped_at_the_end": answer_retyped_at_the_end,
    "copy_below": pasted_copy("test_momentum", above=False),
    "copy_above": pasted_copy("test_momentum", above=True),
    "copy_forged": forged_copy_where_the_test_was,
    "test_code_edited": test_code_edited,
    "read_only_cell_edited": read_only_cell_edited,
    "case_and_suffix": named(f"{A}/Lab3_Optimizers (1).ipynb"),
    "no_assignment_folder": named(f"{A}.ipynb"),
    "one_folder_too_deep": named(f"{A}/{A}/{A}.ipynb"),
    "extra_words": named("Lab 3/final lab3-optimizers v2.ipynb"),
    "only_notebook_renamed": named(f"{A}/homework.ipynb"),
    "release_and_copy1": release_and_work_copy,
    "browser_txt_suffix": named(f"{A}/{A}.ipynb.txt"),
    "byte_order_mark": byte_order_mark,
    "helper_module": helper_module,
    "checkpoint_folder": checkpoint_folder,
    "handmade_receipt": handmade_receipt,
    "link_to_grader_file": link_to_a_grader_file,
    "colab": colab,
    "김민수": korean,
    "leftovers": leftovers,
}

GRADED = ("graded", [])
EXPECTED = {
    "vscode_three_cells": GRADED + (["recognised by their code: create_mini_batches"],),
    "vscode_every_cell": GRADED + (["22 cell(s) had lost their nbgrader metadata"],),
    "vscode_answer_test_deleted": GRADED + (["deleted test cell(s) restored from the source: test_create_mini_batches"],),
    "answer_below_deleted_tests": GRADED + (["deleted test cell(s) restored", "recognised by their code: my_optimizer"],),
    "answer_retyped_at_the_end": GRADED + (["test cell(s) moved below the code they call (written further down): "
                                            "test_sgd, test_momentum", "recognised by their code: my_optimizer"],),
    "copy_below": GRADED + (["pasted copies of test_momentum ran as ordinary cells"],),
    "copy_above": GRADED + (["pasted copies of test_momentum"],),
    "copy_forged": ("tampered", ALL_TESTS[2:], ["tampered: nbgrader 'points' changed (the release's put back): test_sgd"]),
    "test_code_edited": ("tampered", [], ["tampered: test code changed (the release's put back): test_adam"]),
    "read_only_cell_edited": GRADED + (["read-only cell(s) edited: setup (the release's code runs, then the edited"],),
    "case_and_suffix": GRADED + ([f"graded {A}/Lab3_Optimizers (1).ipynb as {A}/{A}.ipynb"],),
    "no_assignment_folder": GRADED + ([],),
    "one_folder_too_deep": GRADED + ([f"graded {A}/{A}/{A}.ipynb as"],),
    "extra_words": GRADED + (["graded Lab 3/final lab3-optimizers v2.ipynb as"],),
    "only_notebook_renamed": GRADED + ([f"graded {A}/homework.ipynb as {A}/{A}.ipynb (the only notebook"],),
    "release_and_copy1": GRADED + ([f"graded {A}/{A}-Copy1.ipynb", f"also found, not graded: {A}/{A}.ipynb"],),
    "browser_txt_suffix": GRADED + ([f"graded {A}/{A}.ipynb.txt as {A}/{A}.ipynb"],),
    "byte_order_mark": GRADED + ([],),
    "helper_module": GRADED + (["copied with the notebook: my_optim.py"],),
    "checkpoint_folder": GRADED + ([],),
    "handmade_receipt": GRADED + (["timestamp.txt left out: 'handed in late, sorry!' is not a time nbgrader can read",
                                   "submission_secret.txt left out"],),
    "link_to_grader_file": GRADED + ([f"{A}/passwords.txt (a link: not followed)"],),
    "colab": GRADED + ([],),
    "김민수": GRADED + ([f"graded {A}/{A}_김민수.ipynb as"],),
    "leftovers": GRADED + ([],),
}
assert set(EXPECTED) == set(SUBMISSIONS)
