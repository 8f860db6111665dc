"""`make demo`'s command: release, four sample submissions, grading, the score table."""
from autograder import demo


def test_demo_grades_its_four_samples(tmp_path, capsys):
    table = demo.main(course_dir=tmp_path / "demo")
    scores = {e["student_id"]: (e["score"], e["max_score"]) for e in table}
    assert scores == {"alice_all_right": (15, 14), "bob_blank": (0, 14),
                      "carol_momentum_velocity_not_stored": (13, 14), "dave_patches_numpy": (4, 14)}
    printed = capsys.readouterr().out
    assert "lost test_momentum" in printed and "store the new deltas" in printed
    assert (tmp_path / "demo" / "grades.csv").exists()
