"""The command line: clear errors, no traceback."""
import pytest

from autograder.cli import main
from autograder.grading import grade


def test_grade_refuses_a_missing_folder_with_a_clear_message(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nowhere"), "--csv", str(tmp_path / "g.csv")]) == 2
    assert "is not a folder of submissions" in capsys.readouterr().out
    assert not (tmp_path / "g.csv").exists()


def test_grade_from_the_command_line_writes_the_csv(tmp_path, capsys, release_nb, solution_nb):
    import catalogue
    catalogue.right("lab3_optimizers")(tmp_path / "submitted" / "ann", release_nb, solution_nb)
    args = ["grade", str(tmp_path / "submitted"), "--csv", str(tmp_path / "g.csv"), "--course-dir",
            str(tmp_path / "course"), "--workers", "1", "--cell-timeout", "60"]
    if not catalogue.SANDBOX:
        args.append("--no-sandbox")
    assert main(args) == 0
    assert "ann,lab3_optimizers,lab3_optimizers,15,14,graded" in (tmp_path / "g.csv").read_text()
    assert "15 / 14" in capsys.readouterr().out


def test_grading_refuses_to_run_without_a_sandbox(tmp_path, monkeypatch):
    from autograder import course
    monkeypatch.setattr(course.shutil, "which", lambda name: None)  # as on a machine without bubblewrap
    course.sandbox_problem.cache_clear()
    try:
        with pytest.raises(RuntimeError, match=r"bubblewrap is not installed.*--no-sandbox"):
            grade(tmp_path, tmp_path / "g.csv", course_dir=tmp_path / "course", log=lambda m: None)
    finally:
        course.sandbox_problem.cache_clear()
