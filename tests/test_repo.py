"""The repository's own promises: one package list, CI = the README's test command."""
import re

import pytest

from autograder import paths

pytestmark = pytest.mark.fast  # in-process, no grading run: `make test-fast`


def _requirements():
    lines = (paths.REPO / "requirements.txt").read_text().splitlines()
    return dict(line.split("==") for line in (l.split("#")[0].strip() for l in lines) if line)


def _environment():
    found = {}
    for line in (paths.REPO / "environment.yml").read_text().splitlines():
        match = re.match(r"\s*-\s*([A-Za-z0-9_.-]+)==?([0-9][^\s#]*)", line)  # conda = or pip ==
        if match and match.group(1) != "python":
            found[match.group(1)] = match.group(2)
    return found


def test_requirements_and_environment_list_the_same_packages():
    assert _requirements() and _requirements() == _environment()


def test_ci_runs_the_readme_test_command():
    readme = (paths.REPO / "README.md").read_text()
    assert "make test" in readme and "make demo" in readme
    ci = [l for l in (paths.REPO / ".ci" / "run").read_text().splitlines() if l and not l.startswith("#")]
    assert ci[-1] == "make test"


def test_the_working_course_directory_is_ignored_by_git():
    ignored = (paths.REPO / ".gitignore").read_text().split()
    assert ".grading/" in ignored and ".venv/" in ignored


def test_every_status_is_defined_once_and_in_the_readme():
    """autograder/status.py holds every status a row can have; the README names each of them, and no
    module of the grader spells one out again."""
    from autograder import status
    readme = (paths.REPO / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in status.MEANING), [n for n in status.MEANING if f"`{n}`" not in readme]
    names = {getattr(status, n) for n in dir(status) if n.isupper() and isinstance(getattr(status, n), str)}
    assert names == set(status.MEANING) | {status.READY}
    for module in (paths.REPO / "autograder").glob("*.py"):
        if module.name != "status.py":
            found = re.findall(r"status\s*=\s*\"([^\"]+)\"|return \"(graded|tampered|timeout|kernel died|error)\"",
                               module.read_text())
            assert not found, (module.name, found)


PHASES = ("intake", "engine", "sandbox", "report", "authoring")


def test_the_layout_shows_the_architecture():
    """autograder/ is its phases (a sub-package each, with a one-line docstring the README's "How it
    works" follows) and labkit/, beside a few shared modules; every module of a phase is named there."""
    import ast
    package = paths.REPO / "autograder"
    assert sorted(p.name for p in package.glob("*.py")) == ["__init__.py", "__main__.py", "cli.py", "inert.py",
                                                          "notebooks.py", "paths.py", "status.py"]
    readme = (paths.REPO / "README.md").read_text()
    how = readme[readme.index("## How it works"):readme.index("## Benchmarks")]
    for phase in PHASES:
        doc = ast.get_docstring(ast.parse((package / phase / "__init__.py").read_text()))
        assert doc and "\n" not in doc.strip(), phase
        diagram = how.split("```")[1]
        assert re.search(rf"\b{phase}\b", diagram) and f"`{phase}/`" in how, phase  # in the diagram and the list
        for module in (package / phase).glob("*.py"):
            if module.name != "__init__.py":
                assert f"`{module.stem}`" in how, (phase, module.stem)


def test_public_functions_and_classes_have_docstrings():
    """Every public module-level function and class of autograder/ says what it does (labkit/dnn.py is
    Lab 2's given code, generated from its notebook, and excepted)."""
    import ast
    missing = []
    for path in sorted((paths.REPO / "autograder").rglob("*.py")):
        if path.name == "dnn.py":
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_") \
                    and not ast.get_docstring(node):
                missing.append(f"{path.relative_to(paths.REPO)}:{node.lineno} {node.name}")
    assert not missing, missing
