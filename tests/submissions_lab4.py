"""Lab 4 (weight decay and dropout): the submissions the grading tests grade, each with its verdict.

SUBMISSIONS: student_id -> make(folder, release_nb, solution_nb).
EXPECTED:    student_id -> (status, failed tests) — every other test must get full points.
"""
import catalogue

ASSIGNMENT = "lab4_regularization"
POINTS, EXTRA = catalogue.grading_table(ASSIGNMENT)  # from solutions/: what a right answer earns
ALL_TESTS = list(POINTS)

# ------------------------------------------------------------- right answers, written differently
ALTERNATIVE_L2 = '''
def l2_penalty(layers, lam):
    return 0.5 * lam * sum(float(np.vdot(l.wegt, l.wegt)) for l in layers)    # a dot product


def l2_gradients(layers, grads, lam):
    new = []
    for lyr, pair in zip(layers, grads):
        dW = pair[0].copy()
        dW += lam * lyr.wegt                                                  # in place, on a copy
        new.append((dW, pair[1].copy()))
    return tuple(new)                                                         # a tuple is fine
'''

ALTERNATIVE_DROPOUT = '''
class myDropout:
    def __init__(self, drop_rate=0.5):
        self.p = drop_rate
        self.keep = None

    def forward(self, a, train_flag=True):
        if train_flag:
            self.keep = np.random.uniform(size=a.shape) >= self.p              # another np.random draw
            return np.where(self.keep, a / (1 - self.p), 0.0)
        return a.copy()

    def backward(self, dout):
        return np.where(self.keep, dout / (1 - self.p), 0.0)
'''


ALTERNATIVES = {"l2_penalty": ALTERNATIVE_L2, "myDropout": ALTERNATIVE_DROPOUT}
SUBMISSIONS, EXPECTED = catalogue.standard(ASSIGNMENT, ALTERNATIVES, ALL_TESTS)
