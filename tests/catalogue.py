"""Factories for sample submissions: each returns ``make(folder, release_nb, solution_nb)``, which
writes one student's files below ``folder`` in nbgrader's submitted layout."""
import nbformat

from autograder import notebooks, paths
from autograder.authoring import samples
from autograder.engine.course import Limits, sandbox_available

# The tests grade in the sandbox when bubblewrap is there (`make test` installs it); the isolation
# tests skip, saying why, when it is not.
SANDBOX = sandbox_available()
LIMITS = Limits(sandbox=SANDBOX)


def points(assignment):
    """(max_score, full) of ``assignment``, read from its source notebooks in solutions/: full is a
    right answer's score, every extra credit earned. Tests compare with these, never with a number."""
    found = [notebooks.points(notebooks.read(p)) for p in sorted((paths.SOLUTIONS / assignment).glob("*.ipynb"))]
    max_score = sum(m for m, _ in found)
    return max_score, max_score + sum(e for _, e in found)


def csv_scores(assignment):
    """(full, max_score) of ``assignment`` as the CSV and the score table write them ("15", "14")."""
    most, full = points(assignment)
    return f"{full:g}", f"{most:g}"


def grading_table(assignment):
    """(points, extra) of ``assignment``, read from its source notebooks: {grade_id: what a right answer
    earns} for every test cell, in the notebook's order (extra credit included), and the grade ids of
    the extra-credit tests. The catalogues' POINTS and EXTRA: no test writes a point by hand."""
    table, extra = {}, []
    for path in sorted((paths.SOLUTIONS / assignment).glob("*.ipynb")):
        nb = notebooks.read(path)
        bonus = notebooks.extra_credit(nb)
        for grade_id, cell in notebooks.test_cells(nb).items():
            table[grade_id] = float(notebooks.nbgrader_meta(cell).get("points") or 0) + bonus.get(grade_id, 0.0)
        extra += list(bonus)
    return table, tuple(extra)


def test_points(assignment, grade_id):
    """The points of one test cell of ``assignment`` (from its source notebook)."""
    for path in sorted((paths.SOLUTIONS / assignment).glob("*.ipynb")):
        cells = notebooks.test_cells(notebooks.read(path))
        if grade_id in cells:
            return float(notebooks.nbgrader_meta(cells[grade_id]).get("points") or 0)
    raise KeyError(f"{assignment} has no test {grade_id}")


def write(folder, assignment, nb, name=None):
    target = folder / assignment
    target.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target / (name or f"{assignment}.ipynb")))


def right(assignment, name=None):
    def make(folder, release_nb, solution_nb):
        write(folder, assignment, samples.answered(release_nb, solution_nb), name)
    return make


def blank(assignment):
    def make(folder, release_nb, solution_nb):
        write(folder, assignment, release_nb)
    return make


def mistake(assignment, name):
    def make(folder, release_nb, solution_nb):
        write(folder, assignment, samples.with_mistake(release_nb, solution_nb, assignment, name))
    return make


def answers(assignment, sources=None, edits=None, extra=None):
    """The reference answers, some written another way (``sources``), edited (``edits``), or with
    ``extra`` code appended to answer cells ({grade_id: code})."""
    def make(folder, release_nb, solution_nb):
        nb = samples.answered(release_nb, solution_nb, edits=edits, sources=sources)
        for grade_id, code in (extra or {}).items():
            cell = notebooks.solution_cells(nb)[grade_id]
            cell.source += "\n" + code
        write(folder, assignment, nb)
    return make


def assert_verdict(row, expected, points, extra=()):
    """A CSV row has the expected (status, lost tests): 0 for those, full points for the others;
    ``extra``: the extra-credit tests (in the score, not in the maximum)."""
    status, lost = expected
    assert row["status"] == status, row
    for test, full in points.items():
        assert float(row[test]) == (0 if test in lost else full), (test, row)
    assert float(row["score"]) == sum(points.values()) - sum(points[t] for t in lost), row
    assert float(row["max_score"]) == sum(p for t, p in points.items() if t not in extra), row


def standard(assignment, alternative_sources, all_tests):
    """(SUBMISSIONS, EXPECTED) of a lab's usual catalogue: right, blank, written differently
    (``alternative_sources``: {grade_id: source}) and each classic mistake of samples.MISTAKES, which
    loses the tests its ``says`` names."""
    mistake_loses = {name: list(m.says) for name, m in samples.MISTAKES[assignment].items()}
    submissions = {"right": right(assignment), "blank": blank(assignment),
                   "written_differently": answers(assignment, sources=alternative_sources),
                   **{f"mistake_{name}": mistake(assignment, name) for name in mistake_loses}}
    expected = {"right": ("graded", []), "blank": ("graded", list(all_tests)), "written_differently": ("graded", []),
                **{f"mistake_{name}": ("graded", lost) for name, lost in mistake_loses.items()}}
    return submissions, expected
