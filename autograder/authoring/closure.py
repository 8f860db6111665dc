"""Which labkit modules a notebook needs: the import closure of its code cells.

A lab's release ships ``labkit/`` with only these modules: Lab 2 does not carry Lab 3's optimizer
checks (whose hints spell out the update rules), and no lab carries an answer module it does not
import. Imports are read from the syntax tree (``ast``), wherever they are written: ``import
labkit.x``, ``from labkit import x``, ``from labkit.x import y``, ``import labkit.x as y``, inside a
function (a lazy import) or a ``try``; then, module by module, the imports of each labkit module,
relative (``from .trace import ...``, ``from . import x``) or absolute. Cells are read as IPython runs
them (magics and ``!`` commands turned into Python by IPython's own transformer).
"""
import ast
from pathlib import Path

from IPython.core.inputtransformer2 import TransformerManager

from .. import notebooks, paths

PACKAGE = "labkit"


def _imported(tree, package_of_file=None):
    """Names of labkit modules that ``tree`` imports ("" for the package itself). ``package_of_file``:
    set when the tree is a labkit module's own (relative imports resolve into the package)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == PACKAGE:
                    found.add(parts[1] if len(parts) > 1 else "")
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.split(".")[0] == PACKAGE:
                parts = node.module.split(".")
            elif node.level == 1 and package_of_file:  # from . import x / from .x import y
                parts = [PACKAGE, *(node.module.split(".") if node.module else [])]
            else:
                continue
            if len(parts) > 1:
                found.add(parts[1])
            else:  # from labkit import x, y: modules (or names of __init__, which ships always)
                found.update(alias.name for alias in node.names)
    return found


def cell_code(source):
    """The Python that IPython runs for a cell's ``source`` (magics and shell escapes transformed)."""
    return TransformerManager().transform_cell(source)


def notebook_imports(notebook):
    """Names of the labkit modules the code cells of ``notebook`` (a NotebookNode) import.

    Raises SyntaxError (with the cell's number) for a code cell Python cannot parse."""
    found = set()
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell_code(cell.source))
        except SyntaxError as exc:
            raise SyntaxError(f"cell {number}: {exc}") from None
        found |= _imported(tree)
    return found


def closure(names, labkit=paths.LABKIT):
    """``names`` (labkit module names) and every labkit module they import, transitively, as the set
    of module names that exist in the ``labkit`` folder (``__init__`` always; names that are not
    modules, like a function imported from the package, are dropped)."""
    modules = {p.stem for p in Path(labkit).glob("*.py")}
    needed, todo = {"__init__"}, {n or "__init__" for n in names} | {"__init__"}
    while todo:
        name = todo.pop()
        if name not in modules:
            continue
        needed.add(name)
        tree = ast.parse((Path(labkit) / f"{name}.py").read_text())
        todo |= {n or "__init__" for n in _imported(tree, package_of_file=True)} - needed
    return needed


def notebook_closure(notebook_paths, labkit=paths.LABKIT):
    """The labkit modules the notebooks at ``notebook_paths`` need, imports of imports included."""
    names = set()
    for path in notebook_paths:
        names |= notebook_imports(notebooks.read(path))
    return closure(names, labkit)
