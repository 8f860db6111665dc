"""The course's given network code, from Lab 2: a 64-80-70-10 network (sigmoid, sigmoid, softmax).

GENERATED from solutions/lab2_forward_backward/lab2_forward_backward.ipynb (its cells tagged "export")
by `python -m autograder release`: edit the notebook, not this file.

Shapes: X (n, n_in); layer wegt (n_out, n_in), bias (n_out,); activations (n, n_out).
my_backward returns gradients of the cross-entropy SUMMED over the rows of X.
"""
import numpy as np


def sigmoid(x):
    # Logistic function, elementwise: any shape -> same shape; never overflows.
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softmax(x):
    # Softmax over the last axis: (..., k) -> (..., k), every row sums to 1; stable for huge logits.
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


class myDenseLayer:
    # A dense layer: wegt (n_out, n_in) and bias (n_out,), both zeros until my_init fills them.
    def __init__(self, n_out, n_in):
        self.wegt = np.zeros((n_out, n_in))
        self.bias = np.zeros(n_out)


def my_init(lyr, method):
    # Fills lyr.wegt (n_out, n_in) as `method` says and sets lyr.bias (n_out,) to zeros.
    n_out, n_in = lyr.wegt.shape
    if method == 'zeros':
        lyr.wegt = np.zeros((n_out, n_in))
    elif method == 'random':
        lyr.wegt = np.random.randn(n_out, n_in)
    elif method in ('xavier', 'he'):
        bound = np.sqrt(6.0 / (n_in + n_out)) if method == 'xavier' else np.sqrt(6.0 / n_in)
        lyr.wegt = np.random.uniform(-bound, bound, (n_out, n_in))
    else:
        raise ValueError(f"unknown initialization {method!r}: use 'zeros', 'random', 'xavier' or 'he'")
    lyr.bias = np.zeros(n_out)


def my_forward(layers, X):
    # layers: [l1, l2, l3]; X (n, n_in) -> a_1 (n, h1), a_2 (n, h2), a_3 (n, n_out).
    l1, l2, l3 = layers
    a_1 = sigmoid(X @ l1.wegt.T + l1.bias)
    a_2 = sigmoid(a_1 @ l2.wegt.T + l2.bias)
    a_3 = softmax(a_2 @ l3.wegt.T + l3.bias)
    return a_1, a_2, a_3


def my_backward(layers, a_1, a_2, a_3, X, y):
    # Gradients of the cross-entropy SUMMED over the rows of X (n, n_in), y (n, n_out) one-hot.
    # Returns d_1, d_2, d_3: pairs (dW, db) shaped like (wegt, bias) of layers 1, 2, 3.
    l1, l2, l3 = layers
    delta_3 = a_3 - y
    delta_2 = (delta_3 @ l3.wegt) * a_2 * (1.0 - a_2)
    delta_1 = (delta_2 @ l2.wegt) * a_1 * (1.0 - a_1)
    d_3 = (delta_3.T @ a_2, delta_3.sum(axis=0))
    d_2 = (delta_2.T @ a_1, delta_2.sum(axis=0))
    d_1 = (delta_1.T @ X, delta_1.sum(axis=0))
    return d_1, d_2, d_3


def my_loss(layers, X, y):
    # Mean cross-entropy over the rows of X (n, n_in) with one-hot y (n, n_out): a float.
    a_3 = my_forward(layers, X)[2]
    return float(-np.mean(np.sum(y * np.log(np.maximum(a_3, 1e-300)), axis=1)))


def my_predict(layers, X):
    # Predicted labels: X (n, n_in) -> (n,) integers.
    return np.argmax(my_forward(layers, X)[2], axis=1)
