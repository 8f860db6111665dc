"""`make demo`'s command: release, four sample submissions, grading, the score table."""
import catalogue
from autograder.authoring import demo


def test_demo_grades_its_four_samples(tmp_path, capsys):
    table = demo.main(course_dir=tmp_path / "demo")
    scores = {e["student_id"]: (e["score"], e["max_score"]) for e in table}
    A = "lab3_optimizers"
    most, right = catalogue.points(A)
    assert scores == {"alice_all_right": (right, most), "bob_blank": (0, most),
                      "carol_momentum_velocity_not_stored": (right - catalogue.test_points(A, "test_momentum"), most),
                      "dave_patches_numpy": (catalogue.test_points(A, "test_create_mini_batches")
                                             + catalogue.test_points(A, "test_myOptParam"), most)}
    printed = capsys.readouterr().out
    assert "lost test_momentum" in printed and "store the new deltas" in printed
    assert (tmp_path / "demo" / "grades.csv").exists()
