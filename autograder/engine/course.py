"""A working nbgrader course directory for the kit, and the nbgrader API bound to it."""
import functools
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
from sqlalchemy.engine import make_url  # nbgrader's own URL parser: every place a password can sit

from .. import notebooks, paths
from ..authoring import closure
from ..sandbox.policy import SandboxError, clean_environment, interpreter, sandboxed
from ..sandbox.warm_kernels import WarmKernelManager, server_for
from .nbgrader_config import COURSE_ID, course_config


def _venv_bin_on_path():
    """nbgrader runs `alembic` from PATH when it creates a gradebook: use this Python's."""
    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


@dataclass(frozen=True)
class Limits:
    """What one student's notebook may use while it is graded."""
    cell_seconds: float = 120      # nbgrader's Execute.timeout: then the cell is interrupted
    notebook_seconds: float = 600  # then the kernel and all it started are killed
    memory_mb: int = 2048          # the kernel's address space (a bigger allocation: MemoryError)
    sandbox: bool = True           # bubblewrap: the grader's files hidden, no network (fork_server)


@functools.lru_cache(maxsize=None)
def sandbox_problem(never=()):
    """None when bubblewrap can sandbox a kernel here (tried with the grader's own allow-list and flags),
    else why not. ``never``: folders student code must not see (a Python installation that holds one
    of them cannot be shown to a kernel)."""
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (`apt-get install bubblewrap`, or `make sandbox`)"
    try:
        with tempfile.TemporaryDirectory(prefix="optkit-sandbox-probe-") as here:
            tried = subprocess.run(sandboxed([interpreter(), "-c", "import numpy, ipykernel"],
                                             readable=[], here=here, never=never),
                                   capture_output=True, text=True, timeout=60, env=clean_environment())
    except SandboxError as exc:
        return str(exc)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not be run: {exc}"
    if tried.returncode != 0:
        why = (tried.stderr.strip().splitlines() or ["no message"])[-1]
        return (f"bubblewrap is installed but cannot make a sandbox here ({why}); user namespaces may be off, "
                "or the Python installation needs a folder outside the sandbox's allow-list")
    return None


def sandbox_available():
    """True when kernels can run in bubblewrap here (``sandbox_problem`` says why not otherwise)."""
    return sandbox_problem() is None


# What ipykernel reports of its language, with this Python's version. JupyterLab writes what the kernel
# reports into the notebook as it starts, and marks the notebook modified when anything differs: a
# notebook released here opens unmodified in the kit's environment (another Python version marks it).
LANGUAGE_INFO = {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                 "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                 "pygments_lexer": "ipython3", "version": platform.python_version()}


KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}  # ipykernel's own


def with_kernel_metadata(folder):
    """Give every notebook in ``folder`` ipykernel's KERNELSPEC and LANGUAGE_INFO, as JupyterLab writes
    them when the kernel starts: a fresh notebook opens unmodified."""
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = notebooks.read(path)
        nb.metadata["kernelspec"] = KERNELSPEC
        nb.metadata["language_info"] = LANGUAGE_INFO
        nbformat.write(nb, str(path))


KERNEL_NAME = "optkit-limited"
KIT_SETTINGS = "# Written by the course kit: `jupyter lab` started in this folder shows nbgrader's formgrader\n"
# nbgrader's collect follows a link a student left in their inbound folder (which they can write to after
# submitting), so a link to a course file (the source notebook, another student's work) would be collected
# as that file; kept a link, the grader never follows it. Written here, self-contained: nbgrader reads this
# file without the kit on its path. (For another exchange than nbgrader's default, ngshare say, delete it.)
COLLECT_KEEPING_LINKS = '''
import shutil as _shutil
from nbgrader.exchange.default.collect import ExchangeCollect as _ExchangeCollect


class ExchangeCollectKeepingLinks(_ExchangeCollect):
    """nbgrader's collect, a link in a submission copied as a link (the course kit never follows one)."""

    def do_copy(self, src, dest, log=None):
        copytree = _shutil.copytree

        def keeping_links(source, target, *args, **kwargs):  # (copytree's own recursion passes symlinks on)
            return copytree(source, target, *args, **(kwargs if args else dict(kwargs, symlinks=True)))
        _shutil.copytree = keeping_links
        try:
            super().do_copy(src, dest, log)
        finally:
            _shutil.copytree = copytree


c.ExchangeFactory.collect = ExchangeCollectKeepingLinks
'''
OWN_SETTINGS = ("# Your own settings go below this line (c.Exchange.root = ..., say): the kit keeps them when it "
                "writes this file again\n")


def _write_atomically(path, text):
    """Write ``text`` to ``path`` unless it already holds it, so that a reader never sees a half-written
    file: every grading worker installs the kernelspec while the others read it (a truncated kernel.json
    failed a notebook with 'Expecting value: line 1 column 1')."""
    if path.exists() and path.read_text() == text:
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


class CourseDir:
    """``root``/source/<assignment> (solutions + labkit), release/, restored/ (what is graded), autograded/,
    feedback/, gradebook.db, nbgrader_config.py: an nbgrader course directory (its own ``submitted/`` is
    left to ``nbgrader collect``)."""

    def __init__(self, root, db_url=None, limits=Limits(), hidden=()):
        _venv_bin_on_path()  # before anything opens the gradebook (the CSV's scores read it too)
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.limits, self.db_url, self.hidden = limits, db_url, tuple(str(h) for h in hidden)
        self.config = course_config(self.root, db_url)
        self.config.Execute.timeout = int(limits.cell_seconds)
        self.config.Execute.kernel_name = KERNEL_NAME
        # kernels forked by a warm server (warm_kernels), talking over unix sockets (they cross the sandbox)
        self.config.Execute.kernel_manager_class = WarmKernelManager
        self.config.Execute.shutdown_kernel = "immediate"  # the server kills and wipes it anyway
        self.config.KernelManager.transport = "ipc"
        self.config.WarmKernelManager.fork_server = self.fork_server_spec = {
            "root": str(self.root), "hidden": list(self.hidden), "sandbox": limits.sandbox,
            "memory_mb": limits.memory_mb, "seconds": limits.notebook_seconds}
        self._install_kernel()
        self._write_formgrader_config()
        self._api = None

    def _write_formgrader_config(self):
        """nbgrader_config.py in the course directory: ``jupyter lab`` started there shows nbgrader's
        formgrader on this gradebook, and nbgrader's commands run there (``release_assignment``,
        ``collect``, ``release_feedback``) use this course. A database URL's password is left out of the
        file. The instructor's own lines (below ``OWN_SETTINGS``, or a whole file the kit did not write)
        are kept."""
        db_url = self.config.CourseDirectory.db_url
        url = make_url(db_url)
        clean = url._replace(password=None).difference_update_query(["password"])
        shown = clean.render_as_string(hide_password=False) if clean != url else db_url
        text = (KIT_SETTINGS +
                "c = get_config()  # noqa: F821\n"
                f"c.CourseDirectory.root = {str(self.root)!r}\n"
                f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
                f"c.CourseDirectory.db_url = {shown!r}"
                + ("  # add the password (or use ~/.pgpass)\n" if shown != db_url else "\n")
                + COLLECT_KEEPING_LINKS + OWN_SETTINGS)
        path = self.root / "nbgrader_config.py"
        before = path.read_text(errors="replace") if path.exists() else ""
        if OWN_SETTINGS in before:
            text += before.split(OWN_SETTINGS, 1)[1]
        elif before.strip() and not before.startswith(KIT_SETTINGS):
            text += before
        _write_atomically(path, text)

    def _install_kernel(self):
        """The graded kernel's kernelspec: what a forked kernel runs (warm_kernels does the forking)."""
        spec_dir = self.root / "jupyter" / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        spec = json.dumps({"argv": argv, "display_name": "Python 3 (graded: forked, limited, sandboxed)",
                           "language": "python", "interrupt_mode": "message"},  # the kernel carries out interrupts
                          indent=1)
        # written here, not with ipykernel.kernelspec.write_kernel_spec: that one writes kernel.json in place,
        # and parallel workers read it while another writes it
        _write_atomically(spec_dir / "kernel.json", spec)
        paths_now = os.environ.get("JUPYTER_PATH", "")
        mine = str(self.root / "jupyter")
        if mine not in paths_now.split(os.pathsep):
            os.environ["JUPYTER_PATH"] = mine + (os.pathsep + paths_now if paths_now else "")

    def install_source(self, assignment):
        """Copy solutions/<assignment>/ into source/<assignment>/, with the labkit modules its notebooks
        import (``closure``: the import closure of their code cells)."""
        target = self.root / "source" / assignment
        if target.exists():
            shutil.rmtree(target)
        def ignore(folder, names):  # solutions/ links labkit and data files in for `make solutions`
            return [n for n in names if os.path.islink(os.path.join(folder, n))
                    or n in (".ipynb_checkpoints", "__pycache__") or n.endswith(".pyc")]
        shutil.copytree(paths.SOLUTIONS / assignment, target, ignore=ignore)
        # only the labkit modules its notebooks import, and theirs: no other lab's checks or answers
        needed = closure.notebook_closure(sorted(target.glob("*.ipynb")))
        (target / "labkit").mkdir()
        for name in sorted(needed):
            shutil.copyfile(paths.LABKIT / f"{name}.py", target / "labkit" / f"{name}.py")
        text = "".join(p.read_text() for p in target.glob("*.ipynb"))
        for data_file in sorted(paths.DATA.glob("*.json")):  # reference data the notebooks name
            if data_file.name in text:
                shutil.copyfile(data_file, target / data_file.name)
        return target

    def kernel_end(self):
        """How this process's last kernel ended, as its fork server says: {"exit": code, "why": None |
        "deadline" | "files" | "ipc"}, or None (it ended normally, or was never polled dead)."""
        return server_for(self.fork_server_spec).last_end

    def warm_up(self):
        """Start this process's fork server now (in the background), before the first kernel is needed."""
        server_for(self.fork_server_spec)

    @property
    def api(self):
        """An NbGraderAPI for this course directory (quiet: its logs are returned per call)."""
        if self._api is None:
            from nbgrader.apps import NbGraderAPI
            from nbgrader.coursedir import CourseDirectory

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
        """Install the source of ``assignment`` and run nbgrader generate_assignment: release/<assignment>/
        (the student version, as ``nbgrader release_assignment`` hands it out) and the gradebook's cells."""
        self.install_source(assignment)
        try:
            self.run("generate_assignment", assignment, force=True, create=True)
        except RuntimeError as exc:
            if "because there are submissions" in str(exc):
                raise RuntimeError(
                    f"the gradebook in {self.root} holds grades made with another version of {assignment}'s "
                    "cells; grade into a new --course-dir (or move this one away)") from None
            raise
        released = self.root / "release" / assignment
        with_kernel_metadata(released)
        return released

    def path(self, kind, *parts):
        """A path below the course directory: kind is source, release, restored, autograded, feedback."""
        return self.root.joinpath(kind, *parts)
