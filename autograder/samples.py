"""Sample submissions made from the release: the reference answers, blank, or a classic mistake.

Used by the instructor demo and by the tests. A submission is the released notebook with the
answer cells filled in from the solution notebook, optionally edited by (old, new) replacements.
"""
import copy

from . import notebooks


def answer_source(solution_source):
    """A solution cell's source as a student would write it (no solution delimiters)."""
    return "\n".join(line for line in solution_source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def answered(release_nb, solution_nb, edits=None, sources=None):
    """The release notebook with every answer cell filled in from the solution.

    edits: {grade_id: [(old, new), ...]} applied to those answer cells; every ``old`` must occur.
    sources: {grade_id: source} answer cells written another way (replacing the solution's).
    """
    nb = copy.deepcopy(release_nb)
    solutions = notebooks.solution_cells(solution_nb)
    for grade_id, cell in notebooks.solution_cells(nb).items():
        source = (sources or {}).get(grade_id) or answer_source(solutions[grade_id].source)
        for old, new in (edits or {}).get(grade_id, []):
            if old not in source:
                raise ValueError(f"edit for {grade_id!r} does not apply: {old!r} not found")
            source = source.replace(old, new)
        cell.source = source
    return nb


# Classic mistakes, by assignment: name -> (what it is, edits to the reference answers).
MISTAKES = {"lab3_optimizers": {
    "momentum_velocity_not_stored": (
        "momentum never stores its delta in opt.W_dt / opt.B_dt",
        {"my_optimizer": [("        opt.W_dt = W_dlt\n", ""), ("        opt.B_dt = B_dlt\n", "")]}),
    "adam_beta2_0999": (
        "Adam with beta2 = 0.999 instead of the course's 0.99",
        {"my_optimizer": [("beta1, beta2 = 0.9, 0.99", "beta1, beta2 = 0.9, 0.999")]}),
    "adam_no_bias_correction": (
        "Adam without bias correction",
        {"my_optimizer": [("W_mc = opt.W_mt / (1 - np.power(beta1, iter))", "W_mc = opt.W_mt"),
                          ("B_mc = opt.B_mt / (1 - np.power(beta1, iter))", "B_mc = opt.B_mt"),
                          ("W_vc = opt.W_vt / (1 - np.power(beta2, iter))", "W_vc = opt.W_vt"),
                          ("B_vc = opt.B_vt / (1 - np.power(beta2, iter))", "B_vc = opt.B_vt")]}),
    "adagrad_not_accumulated": (
        "Adagrad replaces v by g**2 instead of adding it",
        {"my_optimizer": [("opt.W_vt = opt.W_vt + W_grad * W_grad", "opt.W_vt = W_grad * W_grad"),
                          ("opt.B_vt = opt.B_vt + B_grad * B_grad", "opt.B_vt = B_grad * B_grad")]}),
    "rmsprop_gamma_099": (
        "RMSProp with gamma = 0.99",
        {"my_optimizer": [("        gamma = 0.9  # default setting\n        ### START CODE HERE ###\n"
                           "        # blend", "        gamma = 0.99\n        ### START CODE HERE ###\n        # blend")]}),
    "sgd_scales_gradient_in_place": (
        "sgd multiplies the gradient in place (W_grad *= alpha)",
        {"my_optimizer": [("W_dlt = alpha * W_grad\n", "W_grad *= alpha\n        W_dlt = W_grad\n"),
                          ("B_dlt = alpha * B_grad\n", "B_grad *= alpha\n        B_dlt = B_grad\n")]}),
    "nesterov_steps_by_velocity": (
        "NAG steps by the new velocity itself (that is momentum), without the look-ahead",
        {"my_optimizer": [("        opt.B_dt = gamma * opt.B_dt + alpha * B_grad\n"
                           "        W_dlt = gamma * opt.W_dt + alpha * W_grad\n"
                           "        B_dlt = gamma * opt.B_dt + alpha * B_grad\n",
                           "        opt.B_dt = gamma * opt.B_dt + alpha * B_grad\n"
                           "        W_dlt = opt.W_dt\n        B_dlt = opt.B_dt\n")]}),
    "minibatch_remainder_dropped": (
        "create_mini_batches drops the remaining rows",
        {"create_mini_batches": [("if data.shape[0] % batch_size != 0:", "if False:")]}),
    "minibatch_shuffles_x_and_y_apart": (
        "create_mini_batches shuffles X and y separately",
        {"create_mini_batches": [("data = np.hstack((X, y))\n    np.random.shuffle(data)",
                                  "Xs, ys = X.copy(), y.copy()\n    np.random.shuffle(Xs)\n"
                                  "    np.random.shuffle(ys)\n    data = np.hstack((Xs, ys))")]}),
    "adam_corrected_moments_stored": (
        "Adam stores the bias-corrected moments back into opt (opt.W_mt = opt.W_mt / (1 - beta1**iter))",
        {"my_optimizer": [
            ("W_mc = opt.W_mt / (1 - np.power(beta1, iter))",
             "opt.W_mt = opt.W_mt / (1 - np.power(beta1, iter))\n        W_mc = opt.W_mt"),
            ("B_mc = opt.B_mt / (1 - np.power(beta1, iter))",
             "opt.B_mt = opt.B_mt / (1 - np.power(beta1, iter))\n        B_mc = opt.B_mt"),
            ("W_vc = opt.W_vt / (1 - np.power(beta2, iter))",
             "opt.W_vt = opt.W_vt / (1 - np.power(beta2, iter))\n        W_vc = opt.W_vt"),
            ("B_vc = opt.B_vt / (1 - np.power(beta2, iter))",
             "opt.B_vt = opt.B_vt / (1 - np.power(beta2, iter))\n        B_vc = opt.B_vt")]}),
    "minibatch_generator_drops_remainder": (
        "create_mini_batches written as a generator (yield) that also drops the remaining rows",
        {"create_mini_batches": [("    if data.shape[0] % batch_size != 0:\n"
                                  "        mini_batch = data[n_minibatches * batch_size:, :]\n"
                                  "        X_mini, y_mini = np.split(mini_batch, [-y.shape[1]], axis=1)\n"
                                  "        mini_batches.append((X_mini, y_mini))\n", ""),
                                 ("        mini_batches.append((X_mini, y_mini))\n", "        yield X_mini, y_mini\n"),
                                 ("    return mini_batches", "")]}),
    "optparam_shared_array": (
        "myOptParam uses one array for W_dt, W_mt and W_vt",
        {"myOptParam": [("self.W_dt = np.zeros((n_out, n_in))", "self.W_dt = self.W_mt = self.W_vt = np.zeros((n_out, n_in))"),
                        ("        self.W_mt = np.zeros((n_out, n_in))\n", ""),
                        ("        self.W_vt = np.zeros((n_out, n_in))\n", "")]}),
}, "lab2_forward_backward": {
    "sigmoid_overflows": (
        "sigmoid as 1 / (1 + exp(-x)), which overflows for large negative x",
        {"activations": [("return 0.5 * (1.0 + np.tanh(0.5 * x))", "return 1 / (1 + np.exp(-x))")]}),
    "softmax_without_max_shift": (
        "softmax without subtracting the maximum (overflows)",
        {"activations": [("e = np.exp(x - np.max(x, axis=-1, keepdims=True))", "e = np.exp(x)")]}),
    "softmax_global_max": (
        "softmax subtracts the maximum of the whole array instead of each row's",
        {"activations": [("e = np.exp(x - np.max(x, axis=-1, keepdims=True))", "e = np.exp(x - np.max(x))")]}),
    "softmax_over_axis_1": (
        "softmax over axis 1 instead of the last axis",
        {"activations": [("axis=-1, keepdims=True))\n", "axis=1, keepdims=True))\n"),
                         ("np.sum(e, axis=-1, keepdims=True)", "np.sum(e, axis=1, keepdims=True)")]}),
    "layer_transposed": (
        "myDenseLayer with wegt of shape (n_in, n_out)",
        {"myDenseLayer": [("self.wegt = np.zeros((n_out, n_in))", "self.wegt = np.zeros((n_in, n_out))")]}),
    "he_bound_with_n_out": (
        "He initialization with sqrt(6 / n_out)",
        {"my_init": [("np.sqrt(6.0 / n_in)", "np.sqrt(6.0 / n_out)")]}),
    "xavier_normal": (
        "Xavier drawn from a normal distribution of the same variance",
        {"my_init": [("lyr.wegt = np.random.uniform(-bound, bound, (n_out, n_in))",
                      "lyr.wegt = np.random.randn(n_out, n_in) * bound / np.sqrt(3)")]}),
    "forward_inline_unstable_sigmoid": (
        "my_forward computes its own sigmoid inline as 1 / (1 + np.exp(-z)), which overflows for large weights",
        {"my_forward": [("a_1 = sigmoid(X @ l1.wegt.T + l1.bias)",
                         "a_1 = 1 / (1 + np.exp(-(X @ l1.wegt.T + l1.bias)))"),
                        ("a_2 = sigmoid(a_1 @ l2.wegt.T + l2.bias)",
                         "a_2 = 1 / (1 + np.exp(-(a_1 @ l2.wegt.T + l2.bias)))")]}),
    "loss_log_softmax_without_max_shift": (
        "my_loss takes the log-softmax of the logits itself, without subtracting the maximum (overflows)",
        {"my_loss_predict": [("    a_3 = my_forward(layers, X)[2]\n"
                              "    return float(-np.mean(np.sum(y * np.log(np.maximum(a_3, 1e-300)), axis=1)))",
                              "    a_1, a_2, _ = my_forward(layers, X)\n"
                              "    z = a_2 @ layers[2].wegt.T + layers[2].bias\n"
                              "    log_a_3 = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))\n"
                              "    return float(-np.mean(np.sum(y * log_a_3, axis=1)))")]}),
    "forward_sigmoid_output": (
        "sigmoid instead of softmax on the output layer",
        {"my_forward": [("a_3 = softmax(", "a_3 = sigmoid(")]}),
    "backward_mean": (
        "gradients averaged over the batch instead of summed",
        {"my_backward": [("delta_3 = a_3 - y\n", "delta_3 = (a_3 - y) / X.shape[0]\n")]}),
    "backward_no_sigmoid_derivative": (
        "backward without the sigmoid's derivative in layer 2",
        {"my_backward": [("delta_2 = (delta_3 @ l3.wegt) * a_2 * (1.0 - a_2)", "delta_2 = delta_3 @ l3.wegt")]}),
    "loss_summed": (
        "my_loss sums over the rows instead of averaging",
        {"my_loss_predict": [("-np.mean(np.sum(", "-np.sum(np.sum(")]}),
    "predict_floats": (
        "my_predict returns floats",
        {"my_loss_predict": [("return np.argmax(my_forward(layers, X)[2], axis=1)",
                              "return np.argmax(my_forward(layers, X)[2], axis=1).astype(float)")]}),
}, "lab4_regularization": {
    "l2_penalty_without_half": (
        "the L2 penalty without the 1/2 (lam times the sum of squares)",
        {"l2_penalty": [("return float(lam / 2 * total)", "return float(lam * total)")]}),
    "l2_biases_decayed": (
        "weight decay applied to the biases too",
        {"l2_penalty": [("return [(dW + lam * lyr.wegt, db) for", "return [(dW + lam * lyr.wegt, db + lam * lyr.bias) for")]}),
    "l2_gradients_in_place": (
        "l2_gradients adds lam * W to the gradients passed in (+=)",
        {"l2_penalty": [("    return [(dW + lam * lyr.wegt, db) for lyr, (dW, db) in zip(layers, grads)]",
                         "    for lyr, (dW, db) in zip(layers, grads):\n        dW += lam * lyr.wegt\n"
                         "    return grads")]}),
    "dropout_not_inverted": (
        "dropout as seed 003 writes it: no scaling in training, times (1 - p) at test time",
        {"myDropout": [("        if not train_flag:\n            return a\n",
                        "        if not train_flag:\n            return a * (1.0 - self.drop_rate)\n"),
                       ("(np.random.rand(*a.shape) > self.drop_rate) / (1.0 - self.drop_rate)",
                        "(np.random.rand(*a.shape) > self.drop_rate) * 1.0")]}),
    "dropout_keeps_drop_rate": (
        "drop_rate used as the fraction kept",
        {"myDropout": [("np.random.rand(*a.shape) > self.drop_rate", "np.random.rand(*a.shape) < self.drop_rate")]}),
    "dropout_new_mask_in_backward": (
        "backward draws a new mask instead of using the forward's",
        {"myDropout": [("        return dout * self.mask\n",
                        "        return dout * (np.random.rand(*dout.shape) > self.drop_rate) / (1.0 - self.drop_rate)\n")]}),
    "dropout_forward_in_place": (
        "forward masks its input in place (a *= mask): the backward pass then sees the masked activations",
        {"myDropout": [("        return a * self.mask\n", "        a *= self.mask\n        return a\n")]}),
}}


def with_mistake(release_nb, solution_nb, assignment, name):
    """The reference answers with the classic mistake ``name`` of ``assignment`` (see MISTAKES)."""
    return answered(release_nb, solution_nb, MISTAKES[assignment][name][1])
