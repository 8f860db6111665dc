"""One source for the given network code: ``labkit/dnn.py`` is generated from Lab 2's solution.

The cells of ``solutions/lab2_forward_backward/lab2_forward_backward.ipynb`` tagged ``export`` are
written out as a module, without the exercise markers and hints. Later labs import it
(``from labkit.dnn import ...``); ``python -m autograder release`` regenerates it and a test fails
when it is stale.
"""
from .. import notebooks, paths

SOURCE = paths.SOLUTIONS / "lab2_forward_backward" / "lab2_forward_backward.ipynb"
TARGET = paths.LABKIT / "dnn.py"
HINTS_BEGIN, HINTS_END = "### START CODE HERE ###", "### END CODE HERE ###"  # the course's (seed 004) markers


def answer_code(source):
    """A solution cell's code without the exercise markers and the hint lines before the answer (those
    between the course's START CODE HERE and nbgrader's solution delimiter)."""
    begin, end = notebooks.delimiters()[notebooks.SOLUTION]
    kept, in_hints = [], False
    for line in source.splitlines():
        if HINTS_BEGIN in line:
            in_hints = True
        elif begin in line:
            in_hints = False
        elif end in line or HINTS_END in line or in_hints:
            continue
        else:
            kept.append(line)
    return "\n".join(kept).strip("\n")


def module_text(source_notebook=SOURCE):
    """The text of labkit/dnn.py."""
    relative = source_notebook.relative_to(paths.REPO) if source_notebook.is_relative_to(paths.REPO) else source_notebook
    header = (
        '"""The course\'s given network code, from Lab 2: a 64-80-70-10 network (sigmoid, sigmoid, softmax).\n\n'
        f'GENERATED from {relative} (its cells tagged "export")\n'
        'by `python -m autograder release`: edit the notebook, not this file.\n\n'
        "Shapes: X (n, n_in); layer wegt (n_out, n_in), bias (n_out,); activations (n, n_out).\n"
        "my_backward returns gradients of the cross-entropy SUMMED over the rows of X.\n"
        '"""\nimport numpy as np\n'
    )
    cells = [answer_code(c.source) for c in notebooks.read(source_notebook).cells
             if c.cell_type == "code" and "export" in c.get("metadata", {}).get("tags", [])]
    return header + "\n\n" + "\n\n\n".join(cells) + "\n"


def write_module():
    """Regenerate labkit/dnn.py; returns its path."""
    TARGET.write_text(module_text())
    return TARGET
