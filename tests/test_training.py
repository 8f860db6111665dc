"""The fast reference training loop computes what the labs' code computes, and our network trained
with scikit-learn's conventions reproduces MLPClassifier's loss curve."""
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from autograder.engine.course import CourseDir
from autograder.labkit import dnn, parity, training
from autograder.labkit.digits import course_digits
from autograder.engine.reference import reference_namespace


@pytest.fixture(scope="module")
def digits():
    data = course_digits()
    return data.X_train, data.y_train_num


def test_the_course_data_and_start():
    """labkit's shortcuts give what the labs spell out: the split, the scaler, the first rows, the start."""
    X_raw, X_test_raw, labels, y_test = train_test_split(*load_digits(return_X_y=True), test_size=0.2,
                                                         random_state=101)
    full, small = course_digits(), course_digits(n_train=300)
    assert np.array_equal(full.X_train, StandardScaler().fit_transform(X_raw)) and np.array_equal(full.y_test, y_test)
    assert np.array_equal(full.y_train, np.eye(10)[labels]) and full.X_test.shape == (360, 64)
    assert np.array_equal(small.X_train, StandardScaler().fit_transform(X_raw[:300])) and small.y_train.shape == (300, 10)
    np.random.seed(4)
    expected = [np.random.randn(80, 64), np.random.randn(70, 80), np.random.randn(10, 70)]
    weights, biases = training.initial_weights(4)
    assert all(np.array_equal(w, e) for w, e in zip(weights, expected))
    assert [b.shape for b in biases] == [(80,), (70,), (10,)] and not any(b.any() for b in biases)


@pytest.fixture(scope="module")
def lab3(tmp_path_factory):
    source = CourseDir(tmp_path_factory.mktemp("course")).install_source("lab3_optimizers")
    return reference_namespace(source / "lab3_optimizers.ipynb")


def _initial(seed=1):
    rng = np.random.RandomState(seed)
    return [rng.randn(80, 64), rng.randn(70, 80), rng.randn(10, 70)], [rng.randn(80), rng.randn(70), rng.randn(10)]


@pytest.mark.parametrize("solver", training.SOLVERS)
def test_the_fast_loop_follows_the_labs_code(digits, lab3, solver):
    X, labels = digits
    Y = np.eye(10)[labels]
    weights, biases = _initial()
    layers = []
    for W, b in zip(weights, biases):
        lyr = dnn.myDenseLayer(*W.shape)
        lyr.wegt, lyr.bias = W.copy(), b.copy()
        layers.append(lyr)
    opts = [lab3["myOptParam"](*W.shape) for W in weights]
    np.random.seed(7)
    for epoch in range(3):  # the handout's loop, with the labs' functions
        for X_mini, y_mini in lab3["create_mini_batches"](X, Y, batch_size=64):
            grads = dnn.my_backward(layers, *dnn.my_forward(layers, X_mini), X_mini, y_mini)
            for lyr, opt, (dW, db) in zip(layers, opts, grads):
                lab3["my_optimizer"](lyr, opt, dW, db, solver=solver, learning_rate=0.01, iter=epoch + 1)
    np.random.seed(7)
    net, losses, _ = training.train(weights, biases, X, Y, solver, n_epochs=3)
    for lyr, W, b in zip(layers, net.W, net.b):
        scale = np.abs(lyr.wegt).max()
        assert np.max(np.abs(W - lyr.wegt)) < 1e-9 * scale and np.max(np.abs(b - lyr.bias)) < 1e-9 * scale
    assert losses.shape == (3,) and np.all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_an_unknown_solver_is_refused(digits):
    with pytest.raises(ValueError, match="unknown solver"):
        training.train(*_initial(), digits[0], np.eye(10)[digits[1]], "no_such_solver", n_epochs=1)


@pytest.mark.parametrize("setting", sorted(parity.SETTINGS))
def test_sklearn_conventions_reproduce_mlpclassifier(digits, setting):
    X, labels = digits
    weights, biases = _initial(seed=3)
    weights = [0.3 * W for W in weights]
    ours, theirs, difference = parity.parity(weights, biases, X, labels, setting, n_epochs=4)
    assert ours.shape == theirs.shape == (4,)
    assert difference < 1e-10, (ours, theirs)
