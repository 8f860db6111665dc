"""labkit: the code that ships with every released lab, next to the notebook.

- ``labkit.dnn``    the given network code of the course (sigmoid, softmax, myDenseLayer, ...);
- ``labkit.checks`` the checks: probes that run your functions on fixed inputs, and the judges
  that compare what they return with the expected values.

The source of truth is ``autograder/labkit/`` in the course kit; ``python -m autograder release``
copies it into every assignment. Do not edit the copies.
"""
