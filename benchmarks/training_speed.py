"""Speed of the course's reference training loop against scikit-learn's MLPClassifier.

Both train the 64-80-70-10 network on the course's digits split for the same number of epochs with
batches of 64 (scikit-learn with tol=0, so that it never stops early), one after the other, in one
process; the script prints the times and their ratio (ours / scikit-learn's; the target is <= 0.45).
A third line times the float64 floor in the same run: only the work no training loop can skip — the
eight matrix products of a step (three forward, five backward) and the exponentials of the two
sigmoids and the softmax, with numpy's cheapest exponential (``np.exp``) — for the same number of
steps. Its ratio bounds what any numpy loop can reach on this machine.

    .venv/bin/python benchmarks/training_speed.py [--epochs 1000] [--repeats 1]
"""
import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.neural_network import MLPClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "autograder"))
from labkit.digits import course_digits  # noqa: E402
from labkit.training import initial_weights, train  # noqa: E402

SKLEARN_SOLVER = {"sgd": {"solver": "sgd", "momentum": 0.0, "nesterovs_momentum": False},
                  "adam": {"solver": "adam"}}


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def floor_seconds(sizes, batch, steps):
    """Seconds for ``steps`` rounds of a step's matrix products and exponentials, nothing else.

    sizes: layer widths (64, 80, 70, 10); weights (n_out, n_in) scaled by 0.1 so that no exponential
    overflows (the cost of np.exp depends on its range); work arrays (batch, n) allocated once.
    """
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, sizes[0]))
    W = [0.1 * rng.standard_normal((n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    dW = [np.empty_like(w) for w in W]
    a = [np.empty((batch, n)) for n in sizes[1:]]
    delta = [rng.standard_normal((batch, n)) for n in sizes[1:]]
    start = time.perf_counter()
    for _ in range(steps):
        inputs = X
        for w, out in zip(W, a):                      # forward: products and exponentials
            np.matmul(inputs, w.T, out=out)
            np.exp(out, out=out)
            inputs = out
        for i in range(len(W) - 1, -1, -1):           # backward: dW_i, and delta_(i-1) below the top
            np.matmul(delta[i].T, a[i - 1] if i else X, out=dW[i])
            if i:
                np.matmul(delta[i], W[i], out=delta[i - 1])
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=1, help="alternating runs per solver; the median counts")
    args = parser.parse_args()
    data = course_digits()
    X, Y, labels = data.X_train, data.y_train, data.y_train_num
    weights, biases = initial_weights(0)
    steps = args.epochs * int(np.ceil(X.shape[0] / 64))
    print(f"{args.epochs} epochs of {X.shape[0]} rows, batch 64 ({steps} steps), 64-80-70-10, float64")
    print(f"{'solver':<7} {'ours (s)':>9} {'sklearn (s)':>12} {'ours/step':>10} {'sklearn/step':>13} {'ratio':>6}")
    floor = float(np.median([floor_seconds((64, 80, 70, 10), 64, steps) for _ in range(args.repeats)]))
    for solver, options in SKLEARN_SOLVER.items():
        ours, theirs = [], []
        for _ in range(args.repeats):
            np.random.seed(1)
            ours.append(timed(lambda: train(weights, biases, X, Y, solver, args.epochs, 64, 0.01)))
            mlp = MLPClassifier((80, 70), activation="logistic", alpha=0.01, batch_size=64, learning_rate_init=0.01,
                                max_iter=args.epochs, tol=0.0, n_iter_no_change=10 ** 9, random_state=0, **options)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs.append(timed(lambda: mlp.fit(X, labels)))
            assert mlp.n_iter_ == args.epochs
        o, t = float(np.median(ours)), float(np.median(theirs))
        print(f"{solver:<7} {o:>9.2f} {t:>12.2f} {o / steps * 1e6:>8.0f}us {t / steps * 1e6:>11.0f}us {o / t:>6.2f}")
        print(f"{'  floor':<7} {floor:>9.2f} {'':>12} {floor / steps * 1e6:>8.0f}us {'':>13} {floor / t:>6.2f}"
              "   (products + exponentials only)")


if __name__ == "__main__":
    main()
