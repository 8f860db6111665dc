"""What a code cell defines and what it uses: Python's ``ast`` over the cell's source, with IPython's
magics and shell escapes (``%time``, ``!pip``) first turned into plain calls, as the kernel would, and
the body of a cell magic (``%%time``) read as the Python it usually is."""
import ast
import builtins
import functools

from IPython.core.inputtransformer2 import TransformerManager


def _parse(source):
    """The cell's module AST, or None when it is not Python even after IPython's transformations."""
    lines = source.lstrip().splitlines()
    if lines and lines[0].startswith("%%"):  # a cell magic (%%time, %%capture) runs its body as Python
        source = "\n".join(lines[1:])
    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except Exception:  # noqa: BLE001 - a cell that does not parse (SyntaxError, odd magics) binds nothing we know
        return None


@functools.lru_cache(maxsize=4096)
def defined_names(source):
    """Top-level names a cell binds (functions, classes, assignments, imports), a frozenset; empty if
    the cell is not Python."""
    tree = _parse(source)
    names = set()
    for node in tree.body if tree else []:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        else:
            names.update(sub.id for sub in ast.walk(node) if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store))
    return names


@functools.lru_cache(maxsize=4096)
def used_names(source):
    """Names a cell reads that it does not bind itself and that are not builtins, a frozenset."""
    tree = _parse(source)
    if tree is None:
        return frozenset()
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return frozenset(loaded - defined_names(source) - set(dir(builtins)))
