"""Put back the instructor's cells a student deleted, before nbgrader sees the notebook.

nbgrader's own ``OverwriteCells.add_missing_cells`` only works when the cell before a deleted one is
a graded or solution cell (0.9.6 fails with a KeyError otherwise), so we restore here: every
missing locked cell (tests and read-only given code) is copied from the release and inserted after
the nearest earlier cell the submission still has. OverwriteCells then restores its full source
(hidden tests included) from the gradebook. Deleted answer cells are not restored: they are the
student's work.
"""
import copy

from . import notebooks


def restore_missing_cells(submitted_nb, release_nb):
    """(notebook, restored grade_ids): ``submitted_nb`` (not modified) with the missing cells back."""
    nb = copy.deepcopy(submitted_nb)
    present = set(notebooks.graded_ids(nb))
    if not present:  # a notebook written from scratch: the lab's cells go after the student's code
        restored = [copy.deepcopy(c) for c in release_nb.cells
                    if notebooks.nbgrader_meta(c).get("locked") and not notebooks.nbgrader_meta(c).get("solution")]
        nb.cells.extend(restored)
        return nb, [notebooks.nbgrader_meta(c)["grade_id"] for c in restored]
    restored, previous_id = [], None
    for cell in release_nb.cells:
        meta = notebooks.nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        if not grade_id:
            continue
        if grade_id not in present and meta.get("locked") and not meta.get("solution"):
            ids = [notebooks.nbgrader_meta(c).get("grade_id") for c in nb.cells]
            position = ids.index(previous_id) + 1 if previous_id in ids else 0
            nb.cells.insert(position, copy.deepcopy(cell))
            present.add(grade_id)
            restored.append(grade_id)
        if grade_id in present:
            previous_id = grade_id
    return nb, restored
