"""Every status a row of the grades CSV can have, defined once, with what it means (the README's list
is checked against ``MEANING``). A row is ``READY`` until it is graded or fails; every other status is
final."""
READY = "ready"
GRADED = "graded"
TAMPERED = "tampered"
NEEDS_REVIEW = "needs review"
MISSING = "missing notebook"
INVALID = "invalid notebook"
STRAY = "unrecognised file"
SUPERSEDED = "superseded"
TIMEOUT = "timeout"
KERNEL_DIED = "kernel died"
ERROR = "error"
INTERRUPTED = "interrupted"

MEANING = {
    GRADED: "graded; the message says what was noted on the way (output cut, a cell interrupted, ...)",
    TAMPERED: "a change that could raise a score was found and undone; the score is what the honest part earned",
    NEEDS_REVIEW: "a test the grader had to put back failed: check by hand",
    MISSING: "the student's folder has no notebook for this assignment",
    INVALID: "the file is not a notebook nbformat can read",
    STRAY: "a file or folder that maps to no student or assignment",
    SUPERSEDED: "an older submission of the same student: the latest is graded",
    TIMEOUT: "the notebook ran out of its time: no points",
    KERNEL_DIED: "the kernel stopped (os._exit, a crash, its memory): no points",
    ERROR: "grading failed for a reason given in the message: run the same command again",
    INTERRUPTED: "not graded yet (Ctrl-C): run the same command again",
}
