"""The course kit's grading package: releases the labs and grades submissions with real nbgrader.

How a verdict is made (see README, "How it works"): in the student's kernel a hidden test only runs a
*probe* (``labkit.checks``) and reports what the student's functions returned; the
``DecideFromTraces`` preprocessor, in the grading process, compares that with the reference
solution's report for the same inputs and alone sets the cell's score and message.
"""
import sys

# jsonschema (under nbformat) imports rfc3987_syntax where it is installed (JupyterLab's jupyter-events
# asks for it), which compiles a grammar at import: 0.9 s in every grading process, for the "iri"
# string format that no notebook schema uses. jsonschema leaves that format unchecked without it.
sys.modules.setdefault("rfc3987_syntax", None)
