"""The reference side of every check: what the solution reports for each hidden test.

The instructor's source notebook is trusted: its setup cells (tag ``setup``) and solution cells are
run in this process, then the hidden part of each test cell is run with ``labkit.trace``
collecting the reports instead of displaying them. The same hidden code runs in the student's
kernel with the student's functions, so both sides probe the very same inputs.
"""
import contextlib
import os
import sys

from .. import notebooks


@contextlib.contextmanager
def _inside(directory):
    """cwd and sys.path[0] set to ``directory`` (where the assignment's labkit copy lives)."""
    old_cwd = os.getcwd()
    sys.path.insert(0, str(directory))
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path.remove(str(directory))


def reference_namespace(source_notebook):
    """Globals after running the setup and solution cells of ``source_notebook``."""
    source_notebook = os.path.abspath(source_notebook)
    namespace = {"__name__": "__reference__"}
    # each assignment has its own labkit copy (answer modules only where they belong): forget the
    # one another assignment's reference imported in this process
    for name in [m for m in sys.modules if m == "labkit" or m.startswith("labkit.")]:
        del sys.modules[name]
    with _inside(os.path.dirname(source_notebook)):
        for cell in notebooks.read(source_notebook).cells:
            is_setup = "setup" in cell.get("metadata", {}).get("tags", [])
            if cell.cell_type == "code" and (is_setup or notebooks.nbgrader_meta(cell).get("solution")):
                exec(compile(cell.source, f"<{source_notebook} setup/solution cell>", "exec"), namespace)
    return namespace


def reference_reports(source_notebook, replacements=None):
    """{grade_id: [trace payload, ...]} the reference solution reports for each test cell.

    ``replacements``: names to rebind in the reference namespace (e.g. a mistake's variant).
    """
    namespace = reference_namespace(source_notebook)
    namespace.update(replacements or {})
    trace = sys.modules["labkit.trace"]  # imported by the setup cell, from the assignment's copy
    reports = {}
    for grade_id, cell in notebooks.test_cells(notebooks.read(source_notebook)).items():
        with trace.collect_reports() as collected:
            exec(compile(notebooks.hidden_code(cell.source), f"<hidden tests of {grade_id}>", "exec"),
                 namespace)
        reports[grade_id] = collected
    return reports
