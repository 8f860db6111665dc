"""A PostgreSQL gradebook (``grade --db-url``), as several graders would share: a real server, started
here from Debian's postgresql package (`make postgres` installs it; the ``postgres_url`` fixture of
conftest.py), with parallel workers."""

import catalogue
from autograder.engine.grading import grade

A = "lab3_optimizers"


def test_a_postgresql_gradebook_with_parallel_workers(tmp_path, postgres_url, release_nb, solution_nb):
    submitted = tmp_path / "submitted"
    catalogue.right(A)(submitted / "ann", release_nb, solution_nb)
    catalogue.blank(A)(submitted / "bob", release_nb, solution_nb)
    catalogue.mistake(A, "momentum_velocity_not_stored")(submitted / "cyd", release_nb, solution_nb)
    catalogue.right(A)(submitted / "dan", release_nb, solution_nb)
    table = grade(submitted, tmp_path / "grades.csv", course_dir=tmp_path / "course", db_url=postgres_url,
                  limits=catalogue.LIMITS, workers=2, log=lambda m: None)
    right = catalogue.points(A)[1]
    expected = {"ann": right, "bob": 0, "cyd": right - catalogue.test_points(A, "test_momentum"), "dan": right}
    assert {e["student_id"]: e["score"] for e in table} == expected
    assert not (tmp_path / "course" / "gradebook.db").exists()  # the grades went to PostgreSQL

    from nbgrader.api import Gradebook
    with Gradebook(postgres_url, course_id="optimizers-course") as gradebook:
        scores = {s.student.id: s.score for s in gradebook.assignment_submissions(A)}
    assert scores == expected
