"""labkit: the code that ships with every released lab, next to the notebook.

- ``labkit.dnn``    the given network code of the course (sigmoid, softmax, myDenseLayer, ...);
- ``labkit.lab2_checks`` (``lab3_checks``, ``lab4_checks``) this lab's checks: probes that run your
  functions on fixed inputs, and the judges that compare what they return with the expected values.

The source of truth is ``autograder/labkit/`` in the course kit; ``python -m autograder release``
copies into each assignment the modules its notebook imports. Do not edit the copies.
"""
