"""Sample submissions made from the release: the reference answers, blank, or a classic mistake.

Used by the instructor demo and by the tests. A submission is the released notebook with the
answer cells filled in from the solution notebook, optionally edited by (old, new) replacements.
"""
import copy
from typing import NamedTuple

from .. import notebooks


def answer_source(solution_source):
    """A solution cell's source as a student would write it (no solution delimiters)."""
    begin, end = notebooks.delimiters()[notebooks.SOLUTION]
    return "\n".join(line for line in solution_source.splitlines() if begin not in line and end not in line)


def answered(release_nb, solution_nb, edits=None, sources=None):
    """The release notebook with every answer cell filled in from the solution.

    edits: {grade_id: [(old, new), ...]} applied to those answer cells, one after another; each ``old``
    must occur exactly once when it is applied (ValueError otherwise: a line that also stands in another
    branch, as Adam's do in an Adam-like extra credit, would change that branch too). An edit
    ``(within, old, new)`` changes the first ``old`` after ``within`` (a line that occurs once, such as
    ``elif solver == 'adam':``): the edit of one branch, whatever other branches repeat its lines.
    sources: {grade_id: source} answer cells written another way (replacing the solution's).
    """
    nb = copy.deepcopy(release_nb)
    solutions = notebooks.solution_cells(solution_nb)
    for grade_id, cell in notebooks.solution_cells(nb).items():
        source = (sources or {}).get(grade_id) or answer_source(solutions[grade_id].source)
        for edit in (edits or {}).get(grade_id, []):
            source = _apply(source, grade_id, *edit)
        cell.source = source
    return nb


def _apply(source, grade_id, *edit):
    """``source`` with one edit of ``answered`` made: (old, new), or (within, old, new)."""
    within, old, new = edit if len(edit) == 3 else (None, *edit)
    start = 0
    if within is not None:
        if source.count(within) != 1:
            raise ValueError(f"edit for {grade_id!r} does not apply: its place {within!r} occurs "
                             f"{source.count(within)} times, not once")
        start = source.index(within) + len(within)
    found = source.count(old, start)
    if not found or (within is None and found > 1):
        raise ValueError(f"edit for {grade_id!r} does not apply: {old!r} " + (
            "not found" if not found else f"occurs {found} times: make it longer, or name its branch "
                                          "(within, old, new), so that it names one place"))
    at = source.index(old, start)
    return source[:at] + new + source[at + len(old):]


class Mistake(NamedTuple):
    """A classic mistake: ``what`` it is (one line); ``edits`` {grade_id: [(old, new), ...]} to the
    reference answers (each ``old`` must occur in that answer cell); ``says`` {grade_id of each test it
    loses: the phrase its failure must say, or (first phrase, more phrases...)}: the tests it loses
    are the keys. The first phrase is in the first failed test's message, the others anywhere in it.
    An unstable activation costs only its own test: with large weights the probes make the notebook's
    own sigmoid and softmax harmless before judging my_forward, my_loss and my_predict."""
    what: str
    edits: dict
    says: dict


ADAM = "    elif solver == 'adam':"  # the place of Adam's branch in my_optimizer's answer: its edits change that branch only
# Classic mistakes, by assignment: name -> Mistake.
MISTAKES = {"lab3_optimizers": {
    "momentum_velocity_not_stored": Mistake(
        "momentum never stores its delta in opt.W_dt / opt.B_dt",
        {"my_optimizer": [("        opt.W_dt = W_dlt\n", ""), ("        opt.B_dt = B_dlt\n", "")]},
        says={'test_momentum': 'store the new deltas in opt.W_dt'}),
    "adam_beta2_0999": Mistake(
        "Adam with beta2 = 0.999 instead of the course's 0.99",
        {"my_optimizer": [(ADAM, "beta1, beta2 = 0.9, 0.99", "beta1, beta2 = 0.9, 0.999")]},
        says={'test_adam': 'not 0.999'}),
    "adam_no_bias_correction": Mistake(
        "Adam without bias correction",
        {"my_optimizer": [(ADAM, "W_mc = opt.W_mt / (1 - np.power(beta1, iter))", "W_mc = opt.W_mt"),
                          (ADAM, "B_mc = opt.B_mt / (1 - np.power(beta1, iter))", "B_mc = opt.B_mt"),
                          (ADAM, "W_vc = opt.W_vt / (1 - np.power(beta2, iter))", "W_vc = opt.W_vt"),
                          (ADAM, "B_vc = opt.B_vt / (1 - np.power(beta2, iter))", "B_vc = opt.B_vt")]},
        says={'test_adam': 'correct the bias with the iter argument'}),
    "adagrad_not_accumulated": Mistake(
        "Adagrad replaces v by g**2 instead of adding it",
        {"my_optimizer": [("opt.W_vt = opt.W_vt + W_grad * W_grad", "opt.W_vt = W_grad * W_grad"),
                          ("opt.B_vt = opt.B_vt + B_grad * B_grad", "opt.B_vt = B_grad * B_grad")]},
        says={'test_adagrad': 'add the squared gradient to opt.W_vt'}),
    "rmsprop_gamma_099": Mistake(
        "RMSProp with gamma = 0.99",
        {"my_optimizer": [("        gamma = 0.9  # default setting\n        ### START CODE HERE ###\n"
                           "        # blend", "        gamma = 0.99\n        ### START CODE HERE ###\n        # blend")]},
        says={'test_rmsprop': 'with gamma = 0.9'}),
    "sgd_scales_gradient_in_place": Mistake(
        "sgd multiplies the gradient in place (W_grad *= alpha)",
        {"my_optimizer": [("W_dlt = alpha * W_grad\n", "W_grad *= alpha\n        W_dlt = W_grad\n"),
                          ("B_dlt = alpha * B_grad\n", "B_grad *= alpha\n        B_dlt = B_grad\n")]},
        says={'test_sgd': 'changed W_grad or B_grad in place'}),
    "nesterov_steps_by_velocity": Mistake(
        "NAG steps by the new velocity itself (that is momentum), without the look-ahead",
        {"my_optimizer": [("        opt.B_dt = gamma * opt.B_dt + alpha * B_grad\n"
                           "        W_dlt = gamma * opt.W_dt + alpha * W_grad\n"
                           "        B_dlt = gamma * opt.B_dt + alpha * B_grad\n",
                           "        opt.B_dt = gamma * opt.B_dt + alpha * B_grad\n"
                           "        W_dlt = opt.W_dt\n        B_dlt = opt.B_dt\n")]},
        says={'test_nesterov': 'stepping by the velocity itself is plain momentum'}),
    "minibatch_remainder_dropped": Mistake(
        "create_mini_batches drops the remaining rows",
        {"create_mini_batches": [("if data.shape[0] % batch_size != 0:", "if False:")]},
        says={'test_create_mini_batches': 'remaining rows'}),
    "minibatch_shuffles_x_and_y_apart": Mistake(
        "create_mini_batches shuffles X and y separately",
        {"create_mini_batches": [("data = np.hstack((X, y))\n    np.random.shuffle(data)",
                                  "Xs, ys = X.copy(), y.copy()\n    np.random.shuffle(Xs)\n"
                                  "    np.random.shuffle(ys)\n    data = np.hstack((Xs, ys))")]},
        says={'test_create_mini_batches': 'shuffle X and y together'}),
    "adam_corrected_moments_stored": Mistake(
        "Adam stores the bias-corrected moments back into opt (opt.W_mt = opt.W_mt / (1 - beta1**iter))",
        {"my_optimizer": [
            (ADAM, "W_mc = opt.W_mt / (1 - np.power(beta1, iter))",
             "opt.W_mt = opt.W_mt / (1 - np.power(beta1, iter))\n        W_mc = opt.W_mt"),
            (ADAM, "B_mc = opt.B_mt / (1 - np.power(beta1, iter))",
             "opt.B_mt = opt.B_mt / (1 - np.power(beta1, iter))\n        B_mc = opt.B_mt"),
            (ADAM, "W_vc = opt.W_vt / (1 - np.power(beta2, iter))",
             "opt.W_vt = opt.W_vt / (1 - np.power(beta2, iter))\n        W_vc = opt.W_vt"),
            (ADAM, "B_vc = opt.B_vt / (1 - np.power(beta2, iter))",
             "opt.B_vt = opt.B_vt / (1 - np.power(beta2, iter))\n        B_vc = opt.B_vt")]},
        says={'test_adam': ('bias-corrected moments: they must not be stored back', 'keep them in local variables')}),
    "minibatch_generator_drops_remainder": Mistake(
        "create_mini_batches written as a generator (yield) that also drops the remaining rows",
        {"create_mini_batches": [("    if data.shape[0] % batch_size != 0:\n"
                                  "        mini_batch = data[n_minibatches * batch_size:, :]\n"
                                  "        X_mini, y_mini = np.split(mini_batch, [-y.shape[1]], axis=1)\n"
                                  "        mini_batches.append((X_mini, y_mini))\n", ""),
                                 ("        mini_batches.append((X_mini, y_mini))\n", "        yield X_mini, y_mini\n"),
                                 ("    return mini_batches", "")]},
        says={'test_create_mini_batches': ('returned a generator, not a list', 'remaining rows')}),
    "optparam_shared_array": Mistake(
        "myOptParam uses one array for W_dt, W_mt and W_vt",
        {"myOptParam": [("self.W_dt = np.zeros((n_out, n_in))", "self.W_dt = self.W_mt = self.W_vt = np.zeros((n_out, n_in))"),
                        ("        self.W_mt = np.zeros((n_out, n_in))\n", ""),
                        ("        self.W_vt = np.zeros((n_out, n_in))\n", "")]},
        says={'test_myOptParam': 'two attributes share one array'}),
}, "lab2_forward_backward": {
    "sigmoid_overflows": Mistake(
        "sigmoid as 1 / (1 + exp(-x)), which overflows for large negative x",
        {"activations": [("return 0.5 * (1.0 + np.tanh(0.5 * x))", "return 1 / (1 + np.exp(-x))")]},
        says={'test_sigmoid': 'must not overflow for large |x|'}),
    "softmax_without_max_shift": Mistake(
        "softmax without subtracting the maximum (overflows)",
        {"activations": [("e = np.exp(x - np.max(x, axis=-1, keepdims=True))", "e = np.exp(x)")]},
        says={'test_softmax': 'subtract the row maximum'}),
    "softmax_global_max": Mistake(
        "softmax subtracts the maximum of the whole array instead of each row's",
        {"activations": [("e = np.exp(x - np.max(x, axis=-1, keepdims=True))", "e = np.exp(x - np.max(x))")]},
        says={'test_softmax': 'each row is a softmax of its own'}),
    "softmax_over_axis_1": Mistake(
        "softmax over axis 1 instead of the last axis",
        {"activations": [("axis=-1, keepdims=True))\n", "axis=1, keepdims=True))\n"),
                         ("np.sum(e, axis=-1, keepdims=True)", "np.sum(e, axis=1, keepdims=True)")]},
        says={'test_softmax': 'softmax works on the LAST axis'}),
    "layer_transposed": Mistake(
        "myDenseLayer with wegt of shape (n_in, n_out)",
        {"myDenseLayer": [("self.wegt = np.zeros((n_out, n_in))", "self.wegt = np.zeros((n_in, n_out))")]},
        says={'test_myDenseLayer': 'your wegt is transposed'}),
    "he_bound_with_n_out": Mistake(
        "He initialization with sqrt(6 / n_out)",
        {"my_init": [("np.sqrt(6.0 / n_in)", "np.sqrt(6.0 / n_out)")]},
        says={'test_my_init': 'look drawn with the bound sqrt(6 / n_out)'}),
    "xavier_normal": Mistake(
        "Xavier drawn from a normal distribution of the same variance",
        {"my_init": [("lyr.wegt = np.random.uniform(-bound, bound, (n_out, n_in))",
                      "lyr.wegt = np.random.randn(n_out, n_in) * bound / np.sqrt(3)")]},
        says={'test_my_init': 'not a normal one'}),
    "forward_inline_unstable_sigmoid": Mistake(
        "my_forward computes its own sigmoid inline as 1 / (1 + np.exp(-z)), which overflows for large weights",
        {"my_forward": [("a_1 = sigmoid(X @ l1.wegt.T + l1.bias)",
                         "a_1 = 1 / (1 + np.exp(-(X @ l1.wegt.T + l1.bias)))"),
                        ("a_2 = sigmoid(a_1 @ l2.wegt.T + l2.bias)",
                         "a_2 = 1 / (1 + np.exp(-(a_1 @ l2.wegt.T + l2.bias)))")]},
        says={'test_my_forward': 'rather than an inline 1 / (1 + np.exp(-z))', 'test_my_loss': 'call my_forward, with your stable sigmoid()', 'test_my_predict': 'call my_forward, with your stable sigmoid()'}),
    "loss_log_softmax_without_max_shift": Mistake(
        "my_loss takes the log-softmax of the logits itself, without subtracting the maximum (overflows)",
        {"my_loss_predict": [("    a_3 = my_forward(layers, X)[2]\n"
                              "    return float(-np.mean(np.sum(y * np.log(np.maximum(a_3, 1e-300)), axis=1)))",
                              "    a_1, a_2, _ = my_forward(layers, X)\n"
                              "    z = a_2 @ layers[2].wegt.T + layers[2].bias\n"
                              "    log_a_3 = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))\n"
                              "    return float(-np.mean(np.sum(y * log_a_3, axis=1)))")]},
        says={'test_my_loss': "subtract each row's maximum logit before np.exp"}),
    "forward_sigmoid_output": Mistake(
        "sigmoid instead of softmax on the output layer",
        {"my_forward": [("a_3 = softmax(", "a_3 = sigmoid(")]},
        says={'test_my_forward': 'softmax (not sigmoid)', 'test_my_loss': 'fix my_forward first', 'test_my_predict': 'fix my_forward first'}),
    "backward_mean": Mistake(
        "gradients averaged over the batch instead of summed",
        {"my_backward": [("delta_3 = a_3 - y\n", "delta_3 = (a_3 - y) / X.shape[0]\n")]},
        says={'test_my_backward': 'the course uses the SUM'}),
    "backward_no_sigmoid_derivative": Mistake(
        "backward without the sigmoid's derivative in layer 2",
        {"my_backward": [("delta_2 = (delta_3 @ l3.wegt) * a_2 * (1.0 - a_2)", "delta_2 = delta_3 @ l3.wegt")]},
        says={'test_my_backward': "sigmoid's derivative a * (1 - a)"}),
    "loss_summed": Mistake(
        "my_loss sums over the rows instead of averaging",
        {"my_loss_predict": [("-np.mean(np.sum(", "-np.sum(np.sum(")]},
        says={'test_my_loss': 'the loss is the MEAN over the rows'}),
    "predict_floats": Mistake(
        "my_predict returns floats",
        {"my_loss_predict": [("return np.argmax(my_forward(layers, X)[2], axis=1)",
                              "return np.argmax(my_forward(layers, X)[2], axis=1).astype(float)")]},
        says={'test_my_predict': 'the labels are right but are not integers'}),
}, "lab4_regularization": {
    "l2_penalty_without_half": Mistake(
        "the L2 penalty without the 1/2 (lam times the sum of squares)",
        {"l2_penalty": [("return float(lam / 2 * total)", "return float(lam * total)")]},
        says={'test_l2': 'half of it'}),
    "l2_biases_decayed": Mistake(
        "weight decay applied to the biases too",
        {"l2_penalty": [("return [(dW + lam * lyr.wegt, db) for", "return [(dW + lam * lyr.wegt, db + lam * lyr.bias) for")]},
        says={'test_l2': 'the biases are not decayed'}),
    "l2_gradients_in_place": Mistake(
        "l2_gradients adds lam * W to the gradients passed in (+=)",
        {"l2_penalty": [("    return [(dW + lam * lyr.wegt, db) for lyr, (dW, db) in zip(layers, grads)]",
                         "    for lyr, (dW, db) in zip(layers, grads):\n        dW += lam * lyr.wegt\n"
                         "    return grads")]},
        says={'test_l2': 'do not change the gradients passed in'}),
    "dropout_not_inverted": Mistake(
        "dropout as seed 003 writes it: no scaling in training, times (1 - p) at test time",
        {"myDropout": [("        if not train_flag:\n            return a\n",
                        "        if not train_flag:\n            return a * (1.0 - self.drop_rate)\n"),
                       ("(np.random.rand(*a.shape) > self.drop_rate) / (1.0 - self.drop_rate)",
                        "(np.random.rand(*a.shape) > self.drop_rate) * 1.0")]},
        says={'test_dropout': 'the kept units are not scaled'}),
    "dropout_keeps_drop_rate": Mistake(
        "drop_rate used as the fraction kept",
        {"myDropout": [("np.random.rand(*a.shape) > self.drop_rate", "np.random.rand(*a.shape) < self.drop_rate")]},
        says={'test_dropout': 'drop_rate is the fraction DROPPED'}),
    "dropout_new_mask_in_backward": Mistake(
        "backward draws a new mask instead of using the forward's",
        {"myDropout": [("        return dout * self.mask\n",
                        "        return dout * (np.random.rand(*dout.shape) > self.drop_rate) / (1.0 - self.drop_rate)\n")]},
        says={'test_dropout': 'must use the mask of the last forward'}),
    "dropout_forward_in_place": Mistake(
        "forward masks its input in place (a *= mask): the backward pass then sees the masked activations",
        {"myDropout": [("        return a * self.mask\n", "        a *= self.mask\n        return a\n")]},
        says={'test_dropout': 'changed a in place'}),
}}


def with_mistake(release_nb, solution_nb, assignment, name):
    """The reference answers with the classic mistake ``name`` of ``assignment`` (see MISTAKES)."""
    return answered(release_nb, solution_nb, MISTAKES[assignment][name].edits)
