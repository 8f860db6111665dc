"""Before nbgrader sees a submission: its cells matched to the release's, as editors really save them.

``reconcile(submitted, release, source)`` returns the notebook nbgrader grades and what was done:

1. **Metadata lost** (VS Code drops the metadata of the cells it runs, vscode-python#9997; students
   re-create cells): a cell without nbgrader metadata is recognised as the release cell it was — a
   read-only or test cell by its source, an answer cell by the names the stub defines (the last cell
   that defines them) — and gets that cell's metadata back, where it stands.
2. **Copies** (copy/paste duplicates a cell's metadata, nbgrader#1083): of several cells with one grade
   id, the one standing where the release has it (after the answer it tests) is kept; the other
   copies become ordinary cells. Not tampering.
3. **Edited read-only cells** (VS Code does not lock them): the release's code is graded, and the
   student's version runs right after it as an ordinary cell (an ``import`` added there still counts).
   **Tampering**: only what could raise a score is called so — a test cell's source, a cell's points,
   its grade / solution / locked flags, a graded cell the release does not have; each is put back or
   removed and named. Other metadata differences (checksums, schema versions) are put back silently.
4. **Deleted cells**: every missing read-only or test cell is copied from the release and inserted
   after the cells the release puts before it (and step 5 moves it below the code it calls). (nbgrader's own
   ``OverwriteCells.add_missing_cells`` inserts after the previous graded cell only, and 0.9.6 fails
   with a KeyError when that cell is not a graded or solution cell.) Deleted answer cells are the
   student's work and are not restored. OverwriteCells then restores full sources (hidden tests) from
   the gradebook.
5. **Order**: a test cell (or a cell put back) that calls a name no cell above it defines, while a
   cell below does (an answer re-typed at the end of the notebook), moves below that cell; noted.
"""
import copy
import uuid
from dataclasses import dataclass, field

from .. import notebooks
from .cellcode import defined_names, used_names

# the nbgrader metadata that decides a score: a change here is tampering
SCORING_KEYS = ("grade", "solution", "locked", "points")


@dataclass
class Reconciled:
    """What ``reconcile`` did; every list holds grade ids."""
    relabelled: list = field(default_factory=list)    # recognised cells whose metadata was lost
    copies: list = field(default_factory=list)        # grade ids with pasted copies (copies unmarked)
    restored: list = field(default_factory=list)      # deleted cells put back (tests and read-only code)
    restored_tests: list = field(default_factory=list)
    moved: list = field(default_factory=list)         # test cells moved below the code they call
    edited_given: list = field(default_factory=list)  # read-only cells the student edited
    deleted_answers: list = field(default_factory=list)
    tampered: dict = field(default_factory=dict)      # what was changed (and what was done) -> grade ids
    from_scratch: bool = False                         # none of the lab's cells were found

    def notes(self):
        """The row's message parts (tampering first: it decides the status)."""
        notes = [f"tampered: {what}: {', '.join(ids)}" for what, ids in self.tampered.items()]
        if self.from_scratch:
            notes.append("none of the lab's cells are in this notebook (not started from the released one?): "
                         "the lab's cells and tests were added after its code")
        elif self.restored_tests:
            notes.append("deleted test cell(s) restored from the source: " + ", ".join(self.restored_tests))
        given = [g for g in self.restored if g not in self.restored_tests]
        if given and not self.from_scratch:
            notes.append("deleted read-only cell(s) restored: " + ", ".join(given))
        if self.deleted_answers and not self.from_scratch:
            notes.append("answer cell(s) deleted: " + ", ".join(self.deleted_answers))
        if self.relabelled:
            shown = ", ".join(self.relabelled[:6]) + (f" and {len(self.relabelled) - 6} more"
                                                      if len(self.relabelled) > 6 else "")
            notes.append(f"{len(self.relabelled)} cell(s) had lost their nbgrader metadata (an editor such as "
                         f"VS Code drops it) and were recognised by their code: {shown}")
        if self.edited_given:
            notes.append("read-only cell(s) edited: " + ", ".join(self.edited_given) + " (the release's code runs, "
                         "then the edited version as an ordinary cell)")
        if self.moved:
            notes.append("test cell(s) moved below the code they call (written further down): "
                         + ", ".join(self.moved))
        if self.copies:
            notes.append("pasted copies of " + ", ".join(self.copies) + " ran as ordinary cells; the copy "
                         "where the release has the cell was graded")
        return notes


def _same_source(a, b):
    """Equal up to trailing white space on lines and at the end (editors add or strip it)."""
    def norm(text):
        return "\n".join(line.rstrip() for line in text.strip().splitlines())
    return norm(a) == norm(b)


def _fresh_copy(cell, nb):
    """A copy of a release cell for ``nb``: a new cell id where ``nb`` uses ids (nbformat ≥ 4.5)."""
    cell = copy.deepcopy(cell)
    cell.pop("id", None)
    if nb.get("nbformat_minor", 0) >= 5:
        used = {c.get("id") for c in nb.cells}
        cell["id"] = uuid.uuid4().hex[:8]
        while cell["id"] in used:
            cell["id"] = uuid.uuid4().hex[:8]
    return cell


def _points(meta):
    try:
        return float(meta.get("points") or 0)
    except (TypeError, ValueError):
        return float("inf")  # points that are not a number: never the release's


def _set_meta(cell, meta):
    cell.setdefault("metadata", {})["nbgrader"] = copy.deepcopy(meta)


def _unmark(cell):
    cell.get("metadata", {}).pop("nbgrader", None)


def _tamper(done, what, grade_id):
    done.tampered.setdefault(what, []).append(grade_id)


def _keep_one_copy(nb, release_order, grade_id, indices):
    """Of the cells ``indices`` carrying ``grade_id``, the one standing where the release has it:
    the first after the cells the release puts before it (for a test: after its answer)."""
    position = release_order.index(grade_id)
    before = set(release_order[:position])
    latest_before = max((i for i, c in enumerate(nb.cells)
                         if notebooks.nbgrader_meta(c).get("grade_id") in before), default=-1)
    after = [i for i in indices if i > latest_before]
    return after[0] if after else indices[-1]


def _check_metadata(nb, release, order, done):
    """Step 2 and 3: one cell per grade id, with the release's metadata; tampering named; an edited
    read-only cell keeps the release's code (nbgrader puts it back) with the student's version after it."""
    by_id, edited = {}, []
    for index, cell in enumerate(nb.cells):
        grade_id = notebooks.nbgrader_meta(cell).get("grade_id")
        if "nbgrader" in cell.get("metadata", {}):
            by_id.setdefault(grade_id, []).append(index)
    for grade_id, indices in by_id.items():
        if grade_id not in release:
            for i in indices:
                meta = notebooks.nbgrader_meta(nb.cells[i])
                if meta.get("grade") and _points(meta) > 0:
                    _tamper(done, "graded cells the assignment does not have (removed)", str(grade_id))
                _unmark(nb.cells[i])
            continue
        kept = indices[0] if len(indices) == 1 else _keep_one_copy(nb, order, grade_id, indices)
        if len(indices) > 1:
            done.copies.append(grade_id)
            for i in indices:
                if i != kept:
                    _unmark(nb.cells[i])
        cell, expected = nb.cells[kept], release[grade_id]
        meta, expected_meta = notebooks.nbgrader_meta(cell), notebooks.nbgrader_meta(expected)
        for key in SCORING_KEYS:
            if (_points(meta) != _points(expected_meta)) if key == "points" else \
                    bool(meta.get(key)) != bool(expected_meta.get(key)):
                _tamper(done, f"nbgrader {key!r} changed (the release's put back)", grade_id)
        if notebooks.is_test_cell(expected) and not _same_source(cell.source, expected.source):
            _tamper(done, "test code changed (the release's put back)", grade_id)
        elif (expected_meta.get("locked") and not expected_meta.get("solution") and expected.cell_type == "code"
              and cell.get("cell_type") == "code" and not _same_source(cell.source, expected.source)):
            edited.append((kept, grade_id))  # a read-only cell edited (VS Code does not lock cells)
        _set_meta(cell, notebooks.nbgrader_meta(expected))
    for index, grade_id in sorted(edited, reverse=True):
        own = _fresh_copy(nb.cells[index], nb)
        _unmark(own)
        nb.cells.insert(index + 1, own)
        done.edited_given.insert(0, grade_id)


def _relabel(nb, release, order, done):
    """Step 1: cells that lost their metadata get it back, matched in release order."""
    unmarked = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "nbgrader" not in c.get("metadata", {})]
    cursor = 0
    for grade_id in order:
        marked = [i for i, c in enumerate(nb.cells) if notebooks.nbgrader_meta(c).get("grade_id") == grade_id]
        if marked:
            cursor = max(cursor, marked[0])
            continue
        cell = release[grade_id]
        if cell.cell_type != "code":
            continue
        meta = notebooks.nbgrader_meta(cell)
        if meta.get("solution"):
            names = defined_names(cell.source)
            matches = [i for i in unmarked if names and names <= defined_names(nb.cells[i].source)]
            matches = matches[-1:]  # the last definition is the one the tests after it see
        else:
            matches = [i for i in unmarked if _same_source(nb.cells[i].source, cell.source)]
            later = [i for i in matches if i >= cursor]
            matches = later[:1] or matches[:1]
        if matches:
            _set_meta(nb.cells[matches[0]], meta)
            unmarked.remove(matches[0])
            done.relabelled.append(grade_id)
            cursor = max(cursor, matches[0])


def _insert_missing(nb, release, order, source_cells, done):
    """Step 4: missing read-only and test cells put back after what they need (see module docstring)."""
    present = set(notebooks.graded_ids(nb))
    done.from_scratch = not present
    for grade_id in order:
        cell = release[grade_id]
        meta = notebooks.nbgrader_meta(cell)
        if grade_id in present:
            continue
        if meta.get("solution"):
            done.deleted_answers.append(grade_id)
            continue
        if not meta.get("locked"):
            continue
        ids = [notebooks.nbgrader_meta(c).get("grade_id") for c in nb.cells]
        earlier = [ids.index(g) for g in order[:order.index(grade_id)] if g in ids]
        nb.cells.insert(max(earlier, default=-1) + 1, _fresh_copy(cell, nb))
        present.add(grade_id)
        done.restored.append(grade_id)
        if notebooks.is_test_cell(cell):
            done.restored_tests.append(grade_id)


def _order_after_definitions(nb, source_cells, done):
    """Step 5: a test cell, or a cell put back, that calls a name no cell above it defines but a cell
    below does, moves after the first cells below that define all such names. (Names defined above
    stay as nbgrader's top-to-bottom run sees them.)"""
    def grade_id(cell):
        return notebooks.nbgrader_meta(cell).get("grade_id")

    movable = {g for g in done.restored} | {grade_id(c) for c in nb.cells if notebooks.is_test_cell(c)}
    for _ in range(len(nb.cells) ** 2):  # each move only goes down: this ends well before the bound
        defined_above, move = set(), None
        for index, cell in enumerate(nb.cells):
            if grade_id(cell) in movable:
                needs = used_names(source_cells.get(grade_id(cell), cell).source) - defined_above
                below = {}
                for later in range(index + 1, len(nb.cells)):
                    for name in needs & defined_names(nb.cells[later].source) - below.keys():
                        below[name] = later
                if below:
                    move = (index, max(below.values()))
                    break
            if cell.get("cell_type") == "code":
                defined_above |= defined_names(cell.source)
        if move is None:
            return
        index, after = move
        cell = nb.cells.pop(index)
        nb.cells.insert(after, cell)  # (after the pop, index ``after`` is just below that cell)
        if grade_id(cell) not in done.restored and grade_id(cell) not in done.moved:
            done.moved.append(grade_id(cell))


def reconcile(submitted_nb, release_nb, source_nb=None):
    """(notebook, Reconciled): ``submitted_nb`` (not modified) with its cells matched to the release's.

    ``source_nb``: the instructor's source notebook, whose test cells (with their hidden tests) say
    which names a restored test calls; the release's are used without it.
    """
    nb = copy.deepcopy(submitted_nb)
    release = {notebooks.nbgrader_meta(c)["grade_id"]: c for c in release_nb.cells
               if notebooks.nbgrader_meta(c).get("grade_id")}
    order = list(release)
    source_cells = {notebooks.nbgrader_meta(c).get("grade_id"): c for c in (source_nb or release_nb).cells}
    done = Reconciled()
    _check_metadata(nb, release, order, done)
    _relabel(nb, release, order, done)
    _insert_missing(nb, release, order, source_cells, done)
    _order_after_definitions(nb, source_cells, done)
    return nb, done
