"""``python -m autograder {release, course, grade, demo}``."""
import argparse
import os
from pathlib import Path

from . import paths
from .engine.course import Limits


def main(argv=None):
    """``python -m autograder`` with ``argv`` (default: the command line); the exit status: 0, 2 for a
    bad input or a refused run (the message says why), 130 when interrupted (the CSV is written)."""
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="regenerate notebooks/ from solutions/ with nbgrader")
    release.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    release.add_argument("--out", default=str(paths.NOTEBOOKS), help="release folder (default: notebooks/)")
    release.add_argument("--zips", default=str(paths.DIST),
                         help="folder for one zip per lab (notebook, labkit/, data) to upload to an LMS (default: dist/)")

    course = commands.add_parser("course", help="make an nbgrader course directory for a JupyterHub: each lab's "
                                                "source/ and release/, the gradebook and nbgrader_config.py; then "
                                                "`nbgrader release_assignment LAB` there (README)")
    course.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    course.add_argument("--course-dir", required=True, help="the course directory (made when missing)")
    course.add_argument("--db-url", help="gradebook database URL (default: SQLite in the course directory)")

    grade = commands.add_parser("grade", help="grade SUBMISSIONS_DIR/<student>/<assignment>/<notebook>.ipynb, "
                                              "or a zip of submissions from an LMS")
    grade.add_argument("submissions_dir", help="a download of submissions: a folder or a zip (an LMS's, nbgrader's, "
                                               "one folder per student...)")
    grade.add_argument("--pattern", help="for a school whose LMS the grader does not know: a regular expression with the group "
                                         "(?P<student_id>...) and optionally (?P<notebook>...), matched against each "
                                         "whole path of the folder or zip, instead of the built-in formats (README)")
    grade.add_argument("--csv", required=True, help="where to write the grades")
    grade.add_argument("--course-dir", help=f"working nbgrader course directory (default: {paths.WORK})")
    grade.add_argument("--db-url", help="gradebook database URL (default: SQLite in the course directory)")
    grade.add_argument("--feedback-dir", help="feedback HTML folder (default: <csv stem>_feedback/)")
    grade.add_argument("--assignment", action="append", dest="assignments",
                       help="expect this assignment from every student (repeatable)")
    defaults = Limits()
    grade.add_argument("--cell-timeout", type=float, default=defaults.cell_seconds,
                       help=f"seconds a cell may run before it is interrupted (default {defaults.cell_seconds:g})")
    grade.add_argument("--notebook-timeout", type=float, default=defaults.notebook_seconds,
                       help=f"seconds a notebook may run before its kernel is killed (default {defaults.notebook_seconds:g})")
    grade.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="students graded at once, each in its own kernel (default: the number of cores)")
    grade.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="grade on the workers of this Dask cluster instead of local processes (workers "
                            "started with --nthreads 1 from this repository, the course directory at the same path "
                            "on each; docs/scaling.md)")
    grade.add_argument("--regrade", action="store_true",
                       help="grade everything again (default: keep what this course directory already graded, "
                            "unchanged, with the same grader; so an interrupted run resumes)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="grade without bubblewrap: student code then runs with your permissions "
                            "(it could read solutions/, the gradebook, other submissions)")
    grade.add_argument("--memory-mb", type=int, default=defaults.memory_mb,
                       help=f"memory a kernel may use, MiB (default {defaults.memory_mb})")

    demo = commands.add_parser("demo", help="release Lab 3, grade four sample submissions, print the scores")
    demo.add_argument("--course-dir", help=f"working course directory (default: {paths.WORK / 'demo'})")

    args = parser.parse_args(argv)
    try:
        return _run(args)
    except (RuntimeError, FileNotFoundError, NotADirectoryError, ValueError) as exc:
        print(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        print("interrupted: the grades so far are in the CSV and the gradebook; run the same command again "
              "to grade the rest")
        return 130


class ProgressBar:
    """``progress(done, total)`` for ``grade``: a tqdm bar (with its time estimate) on stderr."""

    def __init__(self, tqdm):
        self.tqdm, self.bar = tqdm, None

    def __call__(self, done, total):
        if self.bar is None:
            self.bar = self.tqdm(total=total, unit="notebook", desc="grading")
        self.bar.update(done - self.bar.n)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _run(args):
    if args.command == "release":
        from .authoring.release import release as run_release
        for target in run_release(args.assignments or None, args.out, args.zips):
            print(f"released {target}  (and {Path(args.zips) / target.name}.zip)")
    elif args.command == "course":
        from .authoring.release import setup_course
        released = setup_course(args.course_dir, args.assignments or None, args.db_url)
        root = Path(args.course_dir).resolve()
        for target in released:
            print(f"released {target}")
        print(f"\nnext, in {root} (with the kit's venv on PATH): nbgrader release_assignment "
              f"{released[0].name} --Exchange.root=EXCHANGE (README: On a JupyterHub)")
    elif args.command == "grade":
        from .engine.interrupt import Stop
        with Stop(print) as stop:  # from here: a Ctrl-C while the grader loads stops it before the first student
            from tqdm import tqdm

            from .engine.grading import grade as run_grade
            from .report.scores import format_table
            bar, stop.log = ProgressBar(tqdm), tqdm.write
            table = run_grade(args.submissions_dir, args.csv, course_dir=args.course_dir, db_url=args.db_url,
                              feedback_dir=args.feedback_dir, assignments=args.assignments, pattern=args.pattern,
                              limits=Limits(args.cell_timeout, args.notebook_timeout, args.memory_mb,
                                            sandbox=not args.no_sandbox),
                              regrade=args.regrade, workers=args.workers, log=tqdm.write, progress=bar,
                              scheduler=args.scheduler, stop=stop)
        bar.close()
        print(format_table(table))
        feedback = args.feedback_dir or Path(args.csv).with_name(Path(args.csv).stem + "_feedback")
        print(f"\nwrote {args.csv} (feedback HTML in {feedback}/<student>/<assignment>/)")
    elif args.command == "demo":
        from .authoring.demo import main as run_demo
        run_demo(args.course_dir)
    return 0
