"""Lab 2 (forward/backward): the submissions the grading tests grade, each with its verdict.

SUBMISSIONS: student_id -> make(folder, release_nb, solution_nb).
EXPECTED:    student_id -> (status, failed tests) — every other test must get full points.
"""
import catalogue

ASSIGNMENT = "lab2_forward_backward"
POINTS, EXTRA = catalogue.grading_table(ASSIGNMENT)  # from solutions/: what a right answer earns
ALL_TESTS = list(POINTS)

# ------------------------------------------------------------- right answers, written differently
ALTERNATIVE_ACTIVATIONS = '''
def sigmoid(x):
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    positive = x >= 0                                   # boolean masks: exp of non-positive numbers only
    out[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
    e = np.exp(x[~positive])
    out[~positive] = e / (1.0 + e)
    return out


def softmax(x):
    shifted = x - x.max(axis=-1, keepdims=True)
    return np.exp(shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True)))   # via log-sum-exp
'''

ALTERNATIVE_LAYER = '''
class myDenseLayer:
    def __init__(self, n_out, n_in):
        self.n_out, self.n_in = n_out, n_in             # extra attributes are fine
        self.wegt = np.zeros([n_out, n_in])
        self.bias = np.zeros([n_out])
'''

ALTERNATIVE_INIT = '''
def my_init(lyr, method):
    rng = np.random.default_rng()                       # another generator: judged statistically
    n_out, n_in = lyr.wegt.shape
    bounds = {'xavier': (6 / (n_in + n_out)) ** 0.5, 'he': (6 / n_in) ** 0.5}
    if method == 'zeros':
        lyr.wegt = np.zeros_like(lyr.wegt)
    elif method == 'random':
        lyr.wegt = rng.standard_normal((n_out, n_in))
    elif method in bounds:
        lyr.wegt = (rng.random((n_out, n_in)) * 2 - 1) * bounds[method]
    else:
        raise ValueError(method)
    lyr.bias = np.zeros(n_out)
'''

ALTERNATIVE_FORWARD = '''
def my_forward(layers, X):
    activations, a = [], X
    for number, lyr in enumerate(layers):
        z = np.dot(a, lyr.wegt.T) + lyr.bias
        a = softmax(z) if number == len(layers) - 1 else sigmoid(z)
        activations.append(a)
    return tuple(activations)
'''

ALTERNATIVE_BACKWARD = '''
def my_backward(layers, a_1, a_2, a_3, X, y):
    l1, l2, l3 = layers
    inputs, outputs = [X, a_1, a_2], [a_1, a_2]
    delta, grads = a_3 - y, []
    for k in (2, 1, 0):
        grads.append((np.einsum('ni,nj->ij', delta, inputs[k]), delta.sum(0)))
        if k:
            delta = np.einsum('ni,ij->nj', delta, layers[k].wegt) * outputs[k - 1] * (1 - outputs[k - 1])
    return tuple(reversed(grads))
'''

ALTERNATIVE_LOSS_PREDICT = '''
def my_loss(layers, X, y):
    a_3 = my_forward(layers, X)[2]
    return -np.sum(y * np.log(a_3 + 1e-12)) / X.shape[0]


def my_predict(layers, X):
    return my_forward(layers, X)[2].argmax(-1)
'''


ALTERNATIVES = {"activations": ALTERNATIVE_ACTIVATIONS, "myDenseLayer": ALTERNATIVE_LAYER, "my_init": ALTERNATIVE_INIT,
                "my_forward": ALTERNATIVE_FORWARD, "my_backward": ALTERNATIVE_BACKWARD,
                "my_loss_predict": ALTERNATIVE_LOSS_PREDICT}
SUBMISSIONS, EXPECTED = catalogue.standard(ASSIGNMENT, ALTERNATIVES, ALL_TESTS)
