"""Checks of ``create_mini_batches`` (the optimizers lab): judged by properties, so that any right
way of shuffling with ``np.random`` passes."""
from collections.abc import Iterator

import numpy as np

from .trace import Check, Step, Verdict, error_text, mismatch, describe_error, observe, show


def minibatch_inputs(n, n_features, y_columns):
    """X (n, n_features) with unique rows (row i holds i*n_features, ...), y (n, y_columns).

    With ``y_columns == 1``, y is the handout's column -(10 + i); otherwise a one-hot label.
    """
    X = np.arange(n * n_features).reshape(n, n_features)
    if y_columns == 1:
        return X, -np.arange(10, 10 + n).reshape(n, 1)
    return X.astype(float), np.eye(y_columns)[(3 * np.arange(n) + 1) % y_columns]


def trace_minibatches(create_mini_batches, n, n_features, y_columns, batch_size, seed):
    """Call ``create_mini_batches`` three times: after ``np.random.seed(seed)``, after the same
    seed again (same batches: it must use np.random), and once more (a new shuffle)."""
    X, y = minibatch_inputs(n, n_features, y_columns)
    steps = [Step("the inputs", {"X": X.astype(float), "y": y.astype(float)},
                  meta={"role": "inputs", "batch_size": batch_size, "seed": seed})]
    calls = (("first", f"create_mini_batches(X, y, {batch_size}) right after np.random.seed({seed})"),
             ("again", f"the same call after np.random.seed({seed}) again"),
             ("next", "the next call, without re-seeding"))
    for role, label in calls:
        if role != "next":
            np.random.seed(seed)
        meta = {"role": role}
        try:
            batches = create_mini_batches(X, y, batch_size)
            if isinstance(batches, Iterator):  # a generator (yield), zip, map...: judged on its batches too
                meta["returned"] = type(batches).__name__
                batches = list(batches)
        except Exception as exc:
            steps.append(Step(label, error=describe_error(exc), meta=meta))
            return steps

        def read_batches():
            if not isinstance(batches, (list, tuple)):
                raise TypeError(f"create_mini_batches must return a list, not {type(batches).__name__}")
            arrays = {}
            for number, pair in enumerate(batches, start=1):
                if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
                    raise TypeError(f"batch {number} is not an (X_mini, y_mini) pair")
                arrays[f"X_mini {number}"], arrays[f"y_mini {number}"] = pair
            return arrays

        meta["n_batches"] = len(batches) if isinstance(batches, (list, tuple)) else 0
        steps.append(observe(label, read_batches, meta=meta))
        if steps[-1].error:
            return steps
    steps.append(Step("X and y after the calls", {"X": X.astype(float), "y": y.astype(float)},
                      meta={"role": "after"}))
    return steps


def _batches(step):
    """[(X_mini, y_mini), ...] from a recorded step: as many as it recorded arrays for (a count stated in
    its meta, which the kernel writes, is not trusted)."""
    batches, k = [], 1
    while f"X_mini {k}" in step.arrays or f"y_mini {k}" in step.arrays:  # at most as many as it holds
        batches.append((step.arrays.get(f"X_mini {k}"), step.arrays.get(f"y_mini {k}")))
        k += 1
    return batches


def _batch_problem(batches, X, y, batch_size):
    """None when ``batches`` split (X, y) into aligned mini-batches of the right sizes, else why."""
    n = X.shape[0]
    sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if len(batches) != len(sizes):
        return (f"got {len(batches)} mini-batches, expected {len(sizes)} for {n} rows in batches of "
                f"{batch_size} (the last one holds the {n % batch_size or batch_size} remaining rows; "
                "there is never an empty batch)")
    row_of = {tuple(row): i for i, row in enumerate(X)}
    seen = []
    for number, ((X_mini, y_mini), size) in enumerate(zip(batches, sizes), start=1):
        if X_mini is None or y_mini is None:
            return f"mini-batch {number} is missing"
        if X_mini.shape != (size, X.shape[1]):
            return f"X_mini of batch {number} has shape {X_mini.shape}, expected {(size, X.shape[1])}"
        if y_mini.shape != (size, y.shape[1]):
            return (f"y_mini of batch {number} has shape {y_mini.shape}, expected {(size, y.shape[1])} "
                    "(keep y 2-D, one row per sample)")
        for r, row in enumerate(X_mini):
            i = row_of.get(tuple(row))
            if i is None:
                return f"row {r} of X_mini in batch {number} is not a row of X"
            if not np.array_equal(y_mini[r], y[i]):
                return (f"row {r} of batch {number}: y_mini does not belong to its X_mini row "
                        "(shuffle X and y together, with one permutation)")
            seen.append(i)
    if sorted(seen) != list(range(n)):
        return "the mini-batches repeat some rows and miss others (every row exactly once)"
    return None


def judge_minibatches(expected, got):
    """Property-based: any right way of shuffling with np.random passes.

    ``expected`` holds the trusted inputs (role "inputs"), optionally the reference batches
    (role "first") and the inputs as they must be after the calls (role "after").
    """
    roles = {s.meta.get("role"): s for s in expected}
    X, y = roles["inputs"].arrays["X"], roles["inputs"].arrays["y"]
    batch_size, seed = roles["inputs"].meta["batch_size"], roles["inputs"].meta["seed"]
    case = f"create_mini_batches on {X.shape[0]} rows, batch_size={batch_size}"
    mine = {s.meta.get("role"): s for s in got}
    for role in ("first", "again", "next"):
        step = mine.get(role)
        if step is None or step.error:
            why = error_text(step.error) if step else "no result was recorded"
            return Verdict(False, f"{case}: {roles[role].label if role in roles else role}: {why}.")
    first = _batches(mine["first"])
    problem = _batch_problem(first, X, y, batch_size)
    returned = mine["first"].meta.get("returned")
    if returned:  # the most specific first, then whatever else is wrong with the batches
        why = (" (a function with yield returns a generator, which has no len() and can be walked through "
               "only once)" if returned == "generator" else "")
        besides = f"; besides, {problem}" if problem else ""
        return Verdict(False, f"{case}: create_mini_batches returned a {returned}, not a list: append each "
                              f"(X_mini, y_mini) pair to a list and return the list{why}{besides}.")
    if problem:
        return Verdict(False, f"{case}: {problem}.")
    if "after" in roles:
        after = mine.get("after")
        if after is None or any(mismatch(roles["after"].arrays[k], after.arrays.get(k, np.empty(0)))
                                for k in ("X", "y")):
            return Verdict(False, f"{case}: X or y was changed by create_mini_batches; shuffle a copy "
                                  "(np.hstack makes one) or index with a permutation.")
    order = np.concatenate([b[0] for b in first])
    big_enough = X.shape[0] >= 50  # for fewer rows an unshuffled order is not proof of a mistake
    if big_enough and np.array_equal(order, X):
        return Verdict(False, f"{case}: the rows are not shuffled (shuffle them with np.random).")
    if any(not (np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]))
           for a, b in zip(first, _batches(mine["again"]))) or len(_batches(mine["again"])) != len(first):
        return Verdict(False, f"{case}: two calls right after np.random.seed({seed}) gave different "
                              "batches; shuffle with np.random (np.random.shuffle or np.random.permutation), "
                              "not another random generator.")
    following = _batches(mine["next"])
    if big_enough and all(np.array_equal(a[0], b[0]) for a, b in zip(first, following)):
        return Verdict(False, f"{case}: the next call gave the same batches again; do not call "
                              "np.random.seed inside create_mini_batches (each epoch needs a new shuffle).")
    note = None
    if "first" in roles:  # the reference's batches: a different order is right, but worth saying
        reference = _batches(roles["first"])
        if len(reference) != len(first) or not all(
                np.array_equal(a[0], b[0]) for a, b in zip(reference, first)):
            note = ("a valid shuffle, in another order than np.random.shuffle of the rows gives: "
                    "the handout's printed batches will differ")
    return Verdict(True, f"{case}: the batches are right{f' ({note})' if note else ''}.", note=note)


HANDOUT_MINIBATCHES = [  # printed in the handout for seed 1, np.arange(20).reshape(10, 2), batch 4
    ([[4, 5], [18, 19], [12, 13], [8, 9]], [[-12], [-19], [-16], [-14]]),
    ([[0, 1], [6, 7], [2, 3], [14, 15]], [[-10], [-13], [-11], [-17]]),
    ([[16, 17], [10, 11]], [[-18], [-15]]),
]


def check_handout_minibatches(create_mini_batches):
    """The handout's check: seed 1, X = np.arange(20).reshape(10, 2), y = -(10..19), batch 4."""
    got = trace_minibatches(create_mini_batches, n=10, n_features=2, y_columns=1, batch_size=4, seed=1)
    first = next((s for s in got if s.meta.get("role") == "first"), None)
    if first is not None and not first.error:
        for X_mini, y_mini in _batches(first):
            print(X_mini.astype(int) if X_mini is not None else X_mini)
            print(y_mini.astype(int) if y_mini is not None else y_mini, "\n")
    expected = [s for s in got if s.meta.get("role") in ("inputs", "after")]
    arrays = {}
    for number, (X_mini, y_mini) in enumerate(HANDOUT_MINIBATCHES, start=1):
        arrays[f"X_mini {number}"], arrays[f"y_mini {number}"] = np.array(X_mini, float), np.array(y_mini, float)
    expected.insert(1, Step("first", arrays, meta={"role": "first", "n_batches": len(HANDOUT_MINIBATCHES)}))
    return MINIBATCHES.visible(expected, got)  # a right shuffle in another order passes, with a note


def check_minibatches(create_mini_batches, n, n_features, y_columns, batch_size, seed):
    """A visible check: the batches' properties, judged from the case alone, for ``n`` rows and for a
    number of rows with the other kind of last batch (``batch_size`` dividing it, or not)."""
    other = n - n % batch_size if n % batch_size else n + batch_size // 2 + 1
    verdicts = []
    for rows in (n, other):
        got = trace_minibatches(create_mini_batches, rows, n_features, y_columns, batch_size, seed)
        X, y = minibatch_inputs(rows, n_features, y_columns)
        expected = [Step("the inputs", {"X": X.astype(float), "y": y.astype(float)},
                         meta={"role": "inputs", "batch_size": batch_size, "seed": seed}),
                    Step("X and y after the calls", {"X": X.astype(float), "y": y.astype(float)},
                         meta={"role": "after"})]
        verdicts.append(MINIBATCHES.judge(expected, got))
    failed = [v for v in verdicts if not v.passed]
    return show(failed[0] if failed else Verdict.all_of(verdicts), detail=True)


MINIBATCHES = Check("minibatches", trace_minibatches, what="create_mini_batches", judge=judge_minibatches)
