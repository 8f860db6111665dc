"""The command line: clear errors, no traceback."""
import pytest

from autograder.cli import main
from autograder.engine.grading import grade
from autograder.report.csv_cells import read_rows


def test_grade_refuses_a_missing_folder_with_a_clear_message_and_still_writes_the_csv(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nowhere"), "--csv", str(tmp_path / "g.csv"),
                 "--course-dir", str(tmp_path / "course")]) == 2
    assert "is not a folder of submissions" in capsys.readouterr().out
    assert "is not a folder of submissions" in (tmp_path / "g.csv").read_text()


def test_a_file_that_is_not_a_zip_gets_a_csv_row_saying_so(tmp_path, capsys):
    (tmp_path / "download.zip").write_text("<html>Session expired</html>")  # what a browser may save
    assert main(["grade", str(tmp_path / "download.zip"), "--csv", str(tmp_path / "g.csv"),
                 "--course-dir", str(tmp_path / "course")]) == 2
    assert "cannot be read as a zip" in capsys.readouterr().out
    assert "cannot be read as a zip" in (tmp_path / "g.csv").read_text()


def test_grade_from_the_command_line_writes_the_csv(tmp_path, capsys, release_nb, solution_nb):
    import catalogue
    catalogue.right("lab3_optimizers")(tmp_path / "submitted" / "ann", release_nb, solution_nb)
    args = ["grade", str(tmp_path / "submitted"), "--csv", str(tmp_path / "g.csv"), "--course-dir",
            str(tmp_path / "course"), "--workers", "1", "--cell-timeout", "60"]
    if not catalogue.SANDBOX:
        args.append("--no-sandbox")
    assert main(args) == 0
    full, most = catalogue.csv_scores("lab3_optimizers")
    assert f"ann,lab3_optimizers,lab3_optimizers,{full},{most},graded" in (tmp_path / "g.csv").read_text()
    assert f"{full} / {most}" in capsys.readouterr().out


def test_grading_refuses_to_run_without_a_sandbox_and_says_so_in_the_csv(tmp_path, monkeypatch, release_nb, solution_nb):
    import catalogue
    from autograder.engine import course
    monkeypatch.setattr(course.shutil, "which", lambda name: None)  # as on a machine without bubblewrap
    course.sandbox_problem.cache_clear()
    catalogue.blank("lab3_optimizers")(tmp_path / "submitted" / "ann", release_nb, solution_nb)
    try:
        with pytest.raises(RuntimeError, match=r"bubblewrap is not installed.*--no-sandbox"):
            grade(tmp_path / "submitted", tmp_path / "g.csv", course_dir=tmp_path / "course", log=lambda m: None)
        [row] = read_rows(tmp_path / "g.csv")
        assert (row["student_id"], row["status"]) == ("ann", "error")
        assert row["message"].startswith("not graded: no sandbox: bubblewrap is not installed")
    finally:
        course.sandbox_problem.cache_clear()


def test_the_score_table_keeps_its_columns_when_a_score_holds_extra_credit():
    from autograder.report.scores import format_table
    entry = dict(assignment="lab3_optimizers", max_score=14.0, status="graded", message="", failed={}, verdicts={})
    table = [dict(entry, student_id="alice", score=15.0, extra=1.0), dict(entry, student_id="bob", score=0.0)]
    lines = format_table(table).splitlines()
    assert "15 / 14 (incl. 1 extra credit)" in lines[1] and "0 / 14" in lines[2]
    assert len({line.index("graded") for line in lines[1:]} | {lines[0].index("status")}) == 1


@pytest.mark.parametrize("db_url", ["postgresql://ta:s3cret@127.0.0.1:5432/course", "postgresql://:s3cret@127.0.0.1/db",
                                    "postgresql+psycopg://ta@127.0.0.1/db?password=s3cret&sslmode=disable"])
def test_the_formgrader_config_never_holds_a_password(tmp_path, db_url):
    """The course directory's nbgrader_config.py (for the formgrader) names the database, never its password."""
    from autograder.engine.course import CourseDir
    CourseDir(tmp_path, db_url=db_url)
    text = (tmp_path / "nbgrader_config.py").read_text()
    assert "s3cret" not in text and "127.0.0.1" in text and "add the password" in text, text
    assert f"c.CourseDirectory.root = {str(tmp_path.resolve())!r}" in text


def test_no_sandbox_where_the_python_installation_would_show_the_course():
    """A course directory inside the venv (or a Python installed inside the course directory): the
    allow-list would show it to every kernel, so grading refuses, saying why."""
    import sys
    from autograder.engine.course import sandbox_problem
    problem = sandbox_problem((f"{sys.prefix}/course",))
    assert problem and "must not see" in problem and sys.prefix in problem, problem


def test_student_text_cannot_pass_for_another_row_of_the_table_or_the_csv(tmp_path):
    """File names and exception messages are the student's: a newline, a terminal escape or a bidi
    override in them is shown as a space, and a huge one is cut, in the score table and in the CSV."""
    from autograder.report.scores import LONGEST_CELL, format_table, write_csv
    fake = "\n\x1b[2K\x1b[1Aalice  lab3_optimizers  15 / 14  graded\u202e"
    record = {"passed": False, "tests": [{"outcome": "failed", "summary": "raised ValueError: " + fake, "hint": fake}]}
    entry = dict(student_id="mallory" + fake, assignment="lab3_optimizers", notebook="lab3_optimizers", score=0.0,
                 max_score=14.0, status="graded", message="copied with the notebook: x" + fake + "y" * 10 ** 6,
                 failed={"test_sgd": "..."}, verdicts={"test_sgd": record})
    lines = format_table([entry]).splitlines()
    assert len(lines) == 5 and not any("\x1b" in line or "\u202e" in line for line in lines), lines
    assert sum(line.startswith("alice") for line in lines) == 0
    write_csv([entry], tmp_path / "g.csv", {})
    rows = read_rows(tmp_path / "g.csv")
    assert len(rows) == 1 and "\n" not in rows[0]["student_id"] and "\x1b" not in rows[0]["message"]
    assert len(rows[0]["message"]) < LONGEST_CELL + 50 and rows[0]["message"].endswith("more characters)")


def test_the_course_directorys_nbgrader_config_keeps_the_instructors_own_lines(tmp_path):
    """nbgrader's commands run in the course directory read its nbgrader_config.py: the kit rewrites its own
    settings and keeps what the instructor added (``c.Exchange.root``), or a whole file of their own."""
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.engine.course import CourseDir
    CourseDir(tmp_path)
    path = tmp_path / "nbgrader_config.py"
    path.write_text(path.read_text() + "c.Exchange.root = '/srv/exchange'\n")
    CourseDir(tmp_path, db_url=f"sqlite:///{tmp_path}/other.db")  # the kit writes it again
    loaded = PyFileConfigLoader(path.name, str(tmp_path)).load_config()
    assert loaded.Exchange.root == "/srv/exchange" and loaded.CourseDirectory.db_url.endswith("other.db")
    assert path.read_text().count("/srv/exchange") == 1
    own = tmp_path / "own"
    own.mkdir()
    (own / "nbgrader_config.py").write_text("c = get_config()\nc.Exchange.root = '/y'\n")
    CourseDir(own)
    CourseDir(own)
    loaded = PyFileConfigLoader("nbgrader_config.py", str(own)).load_config()
    assert loaded.Exchange.root == "/y" and loaded.CourseDirectory.root == str(own.resolve())
    assert (own / "nbgrader_config.py").read_text().count("/y") == 1


def test_course_refuses_an_unknown_assignment_with_a_clear_message(tmp_path, capsys):
    assert main(["course", "lab9_transformers", "--course-dir", str(tmp_path / "course")]) == 2
    out = capsys.readouterr().out
    assert "not an assignment of this course: lab9_transformers" in out and "lab3_optimizers" in out
