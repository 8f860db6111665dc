"""Our network trained with scikit-learn's conventions, to reproduce ``MLPClassifier.loss_curve_``.

The course and scikit-learn train the same network differently:

| | the course | scikit-learn's MLPClassifier |
|---|---|---|
| gradient | summed over the mini-batch | averaged, plus the L2 term alpha W / B |
| loss | mean cross-entropy | mean cross-entropy (probabilities clipped to [eps, 1-eps]) + alpha/2 sum(W^2) / B |
| momentum | delta = gamma delta + lr g; w -= delta | v = mu v - lr g; w += v (the same, sign flipped) |
| Nesterov | — (the demos' 'nesterov') | v = mu v - lr g; w += mu v - lr g |
| Adam | t = epoch; beta2 = 0.99; lr m_hat / (sqrt(v_hat) + eps) | t = batch count; beta2 = 0.999; lr_t m / (sqrt(v) + eps), lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t) |

With the same initial weights and the same batch order, ``train_like_sklearn`` follows
scikit-learn's arithmetic step by step; ``sklearn_loss_curve`` runs the real MLPClassifier from those
weights through its public API only (warm_start, coefs_ / intercepts_, shuffle=False).
"""
import warnings

import numpy as np

from .training import Network

SETTINGS = {  # name -> MLPClassifier arguments for the solver
    "sgd": {"solver": "sgd", "momentum": 0.0, "nesterovs_momentum": False},
    "momentum": {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": False},
    "nesterov": {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": True},
    "adam": {"solver": "adam", "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8},
}


def train_like_sklearn(weights, biases, X, Y, setting, n_epochs, batch_size, learning_rate, alpha):
    """Train with scikit-learn's conventions; batches in the data's order (shuffle=False).

    Returns the loss curve: per epoch, the batch losses (taken before each update) weighted by
    batch size, divided by n — scikit-learn's ``loss_curve_``.
    """
    options = SETTINGS[setting]
    net = Network(weights, biases)
    n_weights = sum(W.size for W in net.W)
    params, grads = net.params, net.grads
    velocity, m, v = np.zeros_like(params), np.zeros_like(params), np.zeros_like(params)
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    n, t, eps = X.shape[0], 0, np.finfo(float).eps
    curve = []
    for _ in range(n_epochs):
        accumulated = 0.0
        for start in range(0, n, batch_size):
            X_mini, Y_mini = X[start:start + batch_size], Y[start:start + batch_size]
            size = X_mini.shape[0]
            probabilities = np.clip(net.forward(X_mini)[-1], eps, 1 - eps)
            loss = -np.sum(Y_mini * np.log(probabilities)) / size
            loss += 0.5 * alpha * np.dot(params[:n_weights], params[:n_weights]) / size
            accumulated += loss * size
            net.backward(X_mini, Y_mini)                       # summed gradients
            grads[:n_weights] += alpha * params[:n_weights]    # + the L2 term, weights only
            grads /= size                                      # averaged
            if options["solver"] == "sgd":
                mu = options["momentum"]
                velocity[:] = mu * velocity - learning_rate * grads
                params += mu * velocity - learning_rate * grads if options["nesterovs_momentum"] else velocity
            else:
                t += 1
                b1, b2 = options["beta_1"], options["beta_2"]
                m[:] = b1 * m + (1 - b1) * grads
                v[:] = b2 * v + (1 - b2) * grads ** 2
                lr_t = learning_rate * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                params -= lr_t * m / (np.sqrt(v) + options["epsilon"])
        curve.append(accumulated / n)
    return np.array(curve)


def sklearn_loss_curve(weights, biases, X, labels, setting, n_epochs, batch_size, learning_rate, alpha):
    """MLPClassifier's ``loss_curve_`` trained from (weights, biases), public API only."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    hidden = tuple(W.shape[0] for W in weights[:-1])
    mlp = MLPClassifier(hidden_layer_sizes=hidden, activation="logistic", alpha=alpha, batch_size=batch_size,
                        learning_rate_init=learning_rate, shuffle=False, warm_start=True, max_iter=1,
                        random_state=0, **SETTINGS[setting])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, labels)                                     # builds the network once
        mlp.coefs_ = [np.array(W, dtype=float).T.copy() for W in weights]   # sklearn: (n_in, n_out)
        mlp.intercepts_ = [np.array(b, dtype=float).copy() for b in biases]
        mlp.set_params(max_iter=n_epochs, tol=0.0, n_iter_no_change=10 ** 9)
        mlp.fit(X, labels)                                     # a new optimizer, from our weights
    return np.array(mlp.loss_curve_[1:])


def parity(weights, biases, X, labels, setting, n_epochs=5, batch_size=64, learning_rate=0.01, alpha=0.01):
    """(ours, sklearn's, max relative difference) of the two loss curves for ``setting``."""
    Y = np.eye(int(labels.max()) + 1)[labels]
    ours = train_like_sklearn(weights, biases, X, Y, setting, n_epochs, batch_size, learning_rate, alpha)
    theirs = sklearn_loss_curve(weights, biases, X, labels, setting, n_epochs, batch_size, learning_rate, alpha)
    return ours, theirs, float(np.max(np.abs(ours - theirs) / np.abs(theirs)))
