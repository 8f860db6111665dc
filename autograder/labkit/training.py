"""The reference training loop of the course, written for speed.

Same network (sigmoid hidden layers, softmax output), same conventions and the same formulas as the
labs: cross-entropy SUMMED over each mini-batch, the course's optimizers (``iter`` = epoch + 1),
mini-batches from ``np.random.permutation`` (the order ``create_mini_batches`` gives for the same
seed). The speed comes from the loop around the formulas:

- every weight and bias lives in ONE flat array (each layer's ``wegt`` and ``bias`` are views into
  it), and so does every gradient: an optimizer step is a handful of numpy calls on the whole
  network instead of a handful per array;
- every other array is allocated once and written in place (``out=``);
- the rows are shuffled once per epoch, so a mini-batch is a contiguous slice, not a copy;
- each batch's loss is read off its forward pass (as scikit-learn does) instead of a second forward
  pass over the training set.

Shapes: X (n, n_in), Y (n, n_out) one-hot; weights[i] (n_out_i, n_in_i) like ``wegt``; biases[i] (n_out_i,).
"""
import numpy as np
from scipy.special import expit

from .hyperparameters import BETA1, BETA2, EPSILON, GAMMA
from .solvers import ALL_SOLVERS

FAST = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")  # the solvers Optimizer.step has a fast path for
SOLVERS = tuple(s for s in ALL_SOLVERS if s in FAST)  # the API: what this loop trains, in the registry's order


def initial_weights(seed, sizes=(64, 80, 70, 10)):
    """The course's start: standard-normal weights (n_out, n_in), zero biases, as after np.random.seed(seed)."""
    rng = np.random.RandomState(seed)  # the same stream as np.random.seed(seed); the global one is left alone
    weights = [rng.randn(n_out, n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]


def flat_views(shapes):
    """(flat array, [views]) with one C-contiguous view of the flat array per shape."""
    flat = np.zeros(sum(int(np.prod(s)) for s in shapes))
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(flat[start:start + size].reshape(shape))
        start += size
    return flat, views


class Optimizer:
    """The course's update rules, applied in place to the flat parameter vector.

    Two liberties, both exact in real arithmetic, save passes over the parameters:
    the running averages are kept without their (1 - beta) factor (``m' = m / (1 - beta1)`` so that
    ``m' = beta1 m' + g``, likewise ``v'``), the factor going into the scalar step size; and square
    roots are taken of the running average itself, their scale factors moved into scalars.
    """

    def __init__(self, solver, learning_rate, size):
        if solver not in SOLVERS:
            raise ValueError(f"unknown solver {solver!r}: use one of {', '.join(SOLVERS)}")
        self.solver, self.lr = solver, learning_rate
        self.state = np.zeros(size)                                   # delta (momentum) or v'
        self.m = np.zeros(size) if solver == "adam" else None        # m' (Adam)
        self.tmp = np.empty(size)

    def step(self, params, grad, t):
        """params -= delta(grad), with t = the course's ``iter``; ``grad`` is used as scratch."""
        lr, solver, tmp = self.lr, self.solver, self.tmp
        if solver == "sgd":                      # delta = lr g
            grad *= lr
            params -= grad
            return
        if solver in ("momentum", "nesterov"):   # delta = gamma delta_prev + lr g, kept for next time
            delta = self.state
            delta *= GAMMA
            grad *= lr
            delta += grad
            if solver == "nesterov":             # the step looks ahead: gamma delta + lr g
                np.multiply(delta, GAMMA, out=tmp)
                tmp += grad
                params -= tmp
            else:
                params -= delta
            return
        v = self.state
        np.multiply(grad, grad, out=tmp)
        if solver == "adagrad":                  # v += g^2; delta = lr g / sqrt(v + eps)
            v += tmp
            np.add(v, EPSILON, out=tmp)
            np.sqrt(tmp, out=tmp)
            np.divide(grad, tmp, out=tmp)
            tmp *= lr
            params -= tmp
        elif solver == "rmsprop":                # v = gamma v + (1 - gamma) g^2; delta = lr g / sqrt(v + eps)
            v *= GAMMA                           # v' = v / (1 - gamma): v' = gamma v' + g^2
            v += tmp
            np.add(v, EPSILON / (1 - GAMMA), out=tmp)   # sqrt(v + eps) = sqrt(1 - gamma) sqrt(v' + eps / (1 - gamma))
            np.sqrt(tmp, out=tmp)
            np.divide(grad, tmp, out=tmp)
            tmp *= lr / np.sqrt(1 - GAMMA)
            params -= tmp
        else:                                    # adam: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
            v *= BETA2                           # delta = lr m_hat / (sqrt(v_hat) + eps), the hats with t
            v += tmp
            m = self.m
            m *= BETA1
            m += grad
            # m_hat = c1 m', sqrt(v_hat) = c2 sqrt(v'), so delta = lr c1 / c2 * m' / (sqrt(v') + eps / c2)
            c1, c2 = (1 - BETA1) / (1 - BETA1 ** t), np.sqrt((1 - BETA2) / (1 - BETA2 ** t))
            np.sqrt(v, out=tmp)
            tmp += EPSILON / c2
            np.divide(m, tmp, out=tmp)
            tmp *= lr * c1 / c2
            params -= tmp


class Network:
    """A dense sigmoid-sigmoid-softmax network on flat parameters, with its work arrays."""

    def __init__(self, weights, biases):
        shapes = [np.shape(W) for W in weights] + [np.shape(b) for b in biases]
        self.params, views = flat_views(shapes)
        self.grads, grad_views = flat_views(shapes)
        k = len(weights)
        self.W, self.b = views[:k], views[k:]
        self.dW, self.db = grad_views[:k], grad_views[k:]
        for view, value in zip(views, list(weights) + list(biases)):
            view[...] = value
        self.sizes = [self.W[0].shape[1]] + [W.shape[0] for W in self.W]
        self._ones_out = np.ones(self.sizes[-1])
        self._work = {}

    def work(self, batch):
        """Activations, deltas, scratch arrays and a vector of ones for ``batch`` rows (made once)."""
        if batch not in self._work:
            make = lambda: [np.empty((batch, n)) for n in self.sizes[1:]]  # noqa: E731
            self._work[batch] = (make(), make(), make(), np.ones(batch))
        return self._work[batch]

    def forward(self, X):
        """a_1 .. a_k for the rows of X (views of work arrays: valid until the next call)."""
        a_all = self.work(X.shape[0])[0]
        inputs, last = X, len(self.W) - 1
        for i, (W, b, a) in enumerate(zip(self.W, self.b, a_all)):
            np.matmul(inputs, W.T, out=a)
            a += b
            if i < last:
                expit(a, out=a)
            else:                                 # softmax, shifted by the row maximum
                a -= a.max(axis=1, keepdims=True)
                np.exp(a, out=a)
                a /= (a @ self._ones_out)[:, None]  # row sums as a matrix-vector product (faster)
            inputs = a
        return a_all

    def backward(self, X, Y):
        """Gradients of the cross-entropy summed over the rows, into self.grads (after forward)."""
        a_all, delta_all, scratch_all, ones = self.work(X.shape[0])
        np.subtract(a_all[-1], Y, out=delta_all[-1])              # softmax + cross-entropy
        for i in range(len(self.W) - 1, -1, -1):
            delta = delta_all[i]
            np.matmul(delta.T, a_all[i - 1] if i else X, out=self.dW[i])
            np.matmul(ones, delta, out=self.db[i])                # the column sums of delta
            if i:                                                  # through W_i and the sigmoid
                below, a, scratch = delta_all[i - 1], a_all[i - 1], scratch_all[i - 1]
                np.matmul(delta, self.W[i], out=below)
                below *= a
                np.subtract(1.0, a, out=scratch)
                below *= scratch

    def predict(self, X):
        """Labels: the index of the largest output of each row."""
        inputs = X
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            inputs = inputs @ W.T + b
            if i < len(self.W) - 1:
                inputs = expit(inputs)
        return np.argmax(inputs, axis=1)


def train(weights, biases, X, Y, solver, n_epochs, batch_size=64, learning_rate=0.01,
          X_val=None, labels_val=None):
    """Train a copy of (weights, biases) with the course's ``solver``. The batches come from the
    global ``np.random`` (seed it first, as the labs do). ``learning_rate``: a number, or a
    schedule: a function of the epoch (0, 1, ...) returning the rate (``labkit.schedules``).

    Returns (network, losses, val_accuracies): losses[e] is the mean cross-entropy over epoch e's
    batches, each taken before its update; val_accuracies[e] the accuracy on X_val after epoch e.
    """
    net = Network(weights, biases)
    rate = learning_rate if callable(learning_rate) else (lambda epoch: learning_rate)
    optimizer = Optimizer(solver, rate(0), net.params.size)
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    n = X.shape[0]
    X_shuffled, Y_shuffled = np.empty_like(X), np.empty_like(Y)
    labels, labels_shuffled = np.argmax(Y, axis=1), np.empty(n, dtype=np.intp)
    true_probability, rows = np.empty(n), np.arange(batch_size)
    losses, val_accuracies = np.empty(n_epochs), []
    for epoch in range(n_epochs):
        optimizer.lr = rate(epoch)
        order = np.random.permutation(n)
        np.take(X, order, axis=0, out=X_shuffled)
        np.take(Y, order, axis=0, out=Y_shuffled)
        np.take(labels, order, out=labels_shuffled)
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            X_mini, Y_mini = X_shuffled[start:stop], Y_shuffled[start:stop]
            a_3 = net.forward(X_mini)[-1]
            true_probability[start:stop] = a_3[rows[:stop - start], labels_shuffled[start:stop]]
            net.backward(X_mini, Y_mini)
            optimizer.step(net.params, net.grads, epoch + 1)
        losses[epoch] = -np.log(np.maximum(true_probability, 1e-300)).mean()
        if X_val is not None:
            val_accuracies.append(float(np.mean(net.predict(X_val) == labels_val)))
    return net, losses, val_accuracies
