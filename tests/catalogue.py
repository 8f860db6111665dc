"""Factories for sample submissions: each returns ``make(folder, release_nb, solution_nb)``, which
writes one student's files below ``folder`` in nbgrader's submitted layout."""
import nbformat

from autograder import notebooks, samples


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
