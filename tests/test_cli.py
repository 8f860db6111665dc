"""The command line: clear errors, no traceback."""
from autograder.cli import main


def test_grade_refuses_a_missing_folder_with_a_clear_message(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nowhere"), "--csv", str(tmp_path / "g.csv")]) == 2
    assert "is not a folder of submissions" in capsys.readouterr().out
    assert not (tmp_path / "g.csv").exists()
