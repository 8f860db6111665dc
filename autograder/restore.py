"""Before nbgrader sees a submission: undo metadata tampering, put back deleted instructor cells.

``restore_metadata``: every cell's nbgrader metadata (grade id, points, checksum, locked, ...) must
be the release's; a changed one is put back, an unknown or duplicated grade id is removed (the cell
becomes ordinary code). The student's code is kept; nbgrader then restores the locked cells' source.

nbgrader's own ``OverwriteCells.add_missing_cells`` only works when the cell before a deleted one is
a graded or solution cell (0.9.6 fails with a KeyError otherwise), so we restore here: every
missing locked cell (tests and read-only given code) is copied from the release and inserted after
the nearest earlier cell the submission still has. OverwriteCells then restores its full source
(hidden tests included) from the gradebook. Deleted answer cells are not restored: they are the
student's work.
"""
import copy
import uuid

from . import notebooks


def _fresh_copy(cell, nb):
    """A copy of a release cell for ``nb``, with a new cell id if ``nb`` already uses its id."""
    cell = copy.deepcopy(cell)
    if "id" in cell and any(c.get("id") == cell["id"] for c in nb.cells):
        cell["id"] = uuid.uuid4().hex[:8]
    return cell


def restore_missing_cells(submitted_nb, release_nb):
    """(notebook, restored grade_ids): ``submitted_nb`` (not modified) with the missing cells back."""
    nb = copy.deepcopy(submitted_nb)
    present = set(notebooks.graded_ids(nb))
    if not present:  # a notebook written from scratch: the lab's cells go after the student's code
        restored = []
        for c in release_nb.cells:
            if notebooks.nbgrader_meta(c).get("locked") and not notebooks.nbgrader_meta(c).get("solution"):
                restored.append(_fresh_copy(c, nb))
                nb.cells.append(restored[-1])
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
            nb.cells.insert(position, _fresh_copy(cell, nb))
            present.add(grade_id)
            restored.append(grade_id)
        if grade_id in present:
            previous_id = grade_id
    return nb, restored


def restore_metadata(submitted_nb, release_nb):
    """(notebook, notes): ``submitted_nb`` (not modified) with the release's nbgrader metadata."""
    nb = copy.deepcopy(submitted_nb)
    released = {notebooks.nbgrader_meta(c)["grade_id"]: notebooks.nbgrader_meta(c)
                for c in release_nb.cells if notebooks.nbgrader_meta(c).get("grade_id")}
    changed, unknown, seen = [], [], set()
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is None:
            continue
        grade_id = meta.get("grade_id")
        if grade_id not in released or grade_id in seen:
            unknown.append(str(grade_id))
            del cell["metadata"]["nbgrader"]
            continue
        seen.add(grade_id)
        if dict(meta) != dict(released[grade_id]):
            changed.append(grade_id)
            cell["metadata"]["nbgrader"] = copy.deepcopy(released[grade_id])
    notes = []
    if changed:
        notes.append("tampered: nbgrader metadata changed in " + ", ".join(changed) + " (put back)")
    if unknown:
        notes.append("tampered: unknown or repeated grade ids " + ", ".join(unknown) + " (removed)")
    return nb, notes
