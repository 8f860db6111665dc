"""The course's given network code (Lab2): a 64-80-70-10 network, sigmoid-sigmoid-softmax.

Shapes: X (n, n_in); layer ``wegt`` (n_out, n_in), ``bias`` (n_out,); activations (n, n_out).
``my_backward`` returns gradients of the cross-entropy SUMMED over the rows of X, as in the course.
"""
import numpy as np


def sigmoid(x):
    """Logistic function, written with tanh so that it never overflows: (n, m) -> (n, m)."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softmax(x):
    """Softmax over the last axis, shifted by the row maximum for stability: (n, k) -> (n, k)."""
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


class myDenseLayer:
    """A dense layer holding ``wegt`` (n_out, n_in) and ``bias`` (n_out,), both zeros.

    The labs then draw the weights (the course uses a standard normal: ``np.random.randn``);
    creating a layer does not touch the random generator.
    """

    def __init__(self, n_out, n_in):
        self.wegt = np.zeros((n_out, n_in))
        self.bias = np.zeros(n_out)


def my_forward(layers, X):
    """Forward pass. layers: [l1, l2, l3]; X (n, 64) -> a_1 (n, 80), a_2 (n, 70), a_3 (n, 10)."""
    l1, l2, l3 = layers
    a_1 = sigmoid(X @ l1.wegt.T + l1.bias)
    a_2 = sigmoid(a_1 @ l2.wegt.T + l2.bias)
    a_3 = softmax(a_2 @ l3.wegt.T + l3.bias)
    return a_1, a_2, a_3


def my_backward(layers, a_1, a_2, a_3, X, y):
    """Gradients of the cross-entropy summed over the batch.

    Returns d_1, d_2, d_3, each a pair (dW, db) shaped like (wegt, bias) of that layer.
    """
    l1, l2, l3 = layers
    delta_3 = a_3 - y                                  # softmax + cross-entropy: (n, 10)
    delta_2 = (delta_3 @ l3.wegt) * a_2 * (1.0 - a_2)  # (n, 70)
    delta_1 = (delta_2 @ l2.wegt) * a_1 * (1.0 - a_1)  # (n, 80)
    d_3 = (delta_3.T @ a_2, delta_3.sum(axis=0))
    d_2 = (delta_2.T @ a_1, delta_2.sum(axis=0))
    d_1 = (delta_1.T @ X, delta_1.sum(axis=0))
    return d_1, d_2, d_3


def my_loss(layers, X, y):
    """Mean cross-entropy over the rows of X (a float); y is one-hot (n, 10)."""
    a_3 = my_forward(layers, X)[2]
    return float(-np.mean(np.sum(y * np.log(np.maximum(a_3, 1e-300)), axis=1)))


def my_predict(layers, X):
    """Predicted class labels: X (n, 64) -> (n,) integers."""
    return np.argmax(my_forward(layers, X)[2], axis=1)
