"""A working nbgrader course directory for the kit, and the nbgrader API bound to it."""
import logging
import os
import shutil
import sys
import warnings
from pathlib import Path

from . import paths
from .nbgrader_config import course_config


def _venv_bin_on_path():
    """nbgrader runs `alembic` from PATH when it creates a gradebook: use this Python's."""
    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


class CourseDir:
    """``root``/source/<assignment> (solutions + labkit), release/, submitted/, autograded/, ..."""

    def __init__(self, root, db_url=None):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.config = course_config(self.root, db_url)
        self._api = None

    def install_source(self, assignment):
        """Copy solutions/<assignment>/ and the labkit package into source/<assignment>/."""
        target = self.root / "source" / assignment
        if target.exists():
            shutil.rmtree(target)
        def ignore(folder, names):  # solutions/ links labkit and data files in for `make solutions`
            return [n for n in names if os.path.islink(os.path.join(folder, n))
                    or n in (".ipynb_checkpoints", "__pycache__") or n.endswith(".pyc")]
        shutil.copytree(paths.SOLUTIONS / assignment, target, ignore=ignore)
        # modules that hold answers go only with the notebooks that import them (labkit.<name>)
        text = "".join(p.read_text() for p in target.glob("*.ipynb"))
        withheld = [f"{name}.py" for name in paths.LABKIT_ANSWERS if f"labkit.{name}" not in text]
        shutil.copytree(paths.LABKIT, target / "labkit", ignore=shutil.ignore_patterns(
            ".ipynb_checkpoints", "__pycache__", "*.pyc", *withheld))
        for data_file in sorted(paths.DATA.glob("*.json")):  # reference data the notebooks name
            if data_file.name in text:
                shutil.copyfile(data_file, target / data_file.name)
        return target

    @property
    def api(self):
        """An NbGraderAPI for this course directory (quiet: its logs are returned per call)."""
        if self._api is None:
            from nbgrader.apps import NbGraderAPI
            from nbgrader.coursedir import CourseDirectory

            _venv_bin_on_path()
            # nbgrader 0.9.6 with SQLAlchemy 2 warns on every new submission; the grades are right
            warnings.filterwarnings("ignore", message=".*not in session.*")
            self._api = NbGraderAPI(coursedir=CourseDirectory(config=self.config), config=self.config)
            self._api.log.setLevel(logging.WARNING)
        return self._api

    def run(self, what, *args, **kwargs):
        """Call an API method; raise RuntimeError with nbgrader's log when it fails."""
        result = getattr(self.api, what)(*args, **kwargs)
        if not result.get("success"):
            raise RuntimeError(f"nbgrader {what} failed:\n{result.get('log', '')}\n{result.get('error', '')}")
        return result

    def generate(self, assignment):
        """Install the source of ``assignment`` and run nbgrader generate_assignment (fills release/)."""
        self.install_source(assignment)
        try:
            self.run("generate_assignment", assignment, force=True, create=True)
        except RuntimeError as exc:
            if "because there are submissions" in str(exc):
                raise RuntimeError(
                    f"the gradebook in {self.root} holds grades made with another version of {assignment}'s "
                    "cells; grade into a new --course-dir (or move this one away)") from None
            raise
        return self.root / "release" / assignment

    def path(self, kind, *parts):
        """A path below the course directory: kind is source, release, submitted, autograded, feedback."""
        return self.root.joinpath(kind, *parts)
