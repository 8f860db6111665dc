"""Checks of the regularization lab: ``l2_penalty`` and ``l2_gradients`` (weight decay, judged
against the reference's values) and ``myDropout`` (judged by properties, so that any right use of
``np.random`` passes)."""
import numpy as np

from .trace import Check, Step, Verdict, describe_error, error_text, judge_values, observe, show


def _layers(myDenseLayer, shapes, rng):
    layers = []
    for n_out, n_in in shapes:
        lyr = myDenseLayer(n_out, n_in)
        lyr.wegt, lyr.bias = rng.randn(n_out, n_in), rng.randn(n_out)
        layers.append(lyr)
    return layers


def trace_l2_penalty(l2_penalty, myDenseLayer, seed, lams, shapes=((4, 3), (2, 4))):
    """``l2_penalty(layers, lam)`` for each lam: the penalty (a float), then the layers (unchanged)."""
    layers = _layers(myDenseLayer, shapes, np.random.RandomState(seed))
    steps = []
    for lam in lams:
        label = f"l2_penalty(layers of shapes {list(shapes)}, lam={lam})"
        try:
            value = l2_penalty(layers, lam)
        except Exception as exc:
            return steps + [Step(label, error=describe_error(exc))]
        steps.append(observe(label, lambda: {"penalty": value}))
        if steps[-1].error:
            return steps
    steps.append(observe("the layers after the calls",
                         lambda: {f"layer {i + 1} wegt": l.wegt for i, l in enumerate(layers)}))
    return steps


def l2_penalty_hint(step_index, bad_names, expected, got):
    """The likely mistake in an ``l2_penalty`` trace."""
    if "penalty" in bad_names and got.arrays.get("penalty") is not None:
        e, g = float(np.ravel(expected.arrays["penalty"])[0]), float(np.ravel(got.arrays["penalty"])[0])
        if e and np.isclose(g, 2 * e):
            return "half of it: the penalty is lam / 2 times the sum of the squared weights."
        if e and g > e:
            return "only the weights (wegt) are penalised, not the biases."
    if any(name.endswith("wegt") for name in bad_names):
        return "compute the penalty without changing the layers."
    return "lam / 2 times the sum, over every layer, of the squared entries of wegt (np.sum(W ** 2))."


def trace_l2_gradients(l2_gradients, myDenseLayer, seed, lam, shapes=((4, 3), (2, 4))):
    """``l2_gradients(layers, grads, lam)`` with grads [(dW, db), ...] like my_backward's: the new
    pairs, then the grads passed in (which must come back unchanged)."""
    rng = np.random.RandomState(seed)
    layers = _layers(myDenseLayer, shapes, rng)
    grads = [(rng.randn(n_out, n_in), rng.randn(n_out)) for n_out, n_in in shapes]
    label = f"l2_gradients(layers, grads, lam={lam})"
    try:
        result = l2_gradients(layers, grads, lam)
    except Exception as exc:
        return [Step(label, error=describe_error(exc))]

    def read():
        pairs = list(result)
        if len(pairs) != len(shapes):
            raise ValueError(f"l2_gradients returned {len(pairs)} pairs for {len(shapes)} layers")
        arrays = {}
        for i, pair in enumerate(pairs, start=1):
            arrays[f"layer {i} dW"], arrays[f"layer {i} db"] = pair
        return arrays

    return [observe(label, read),
            observe("the grads passed in, after the call",
                    lambda: {f"grads[{i}] {k}": g for i, pair in enumerate(grads) for k, g in zip(("dW", "db"), pair)})]


def l2_gradients_hint(step_index, bad_names, expected, got):
    """The likely mistake in an ``l2_gradients`` trace (step 1: the gradients passed in)."""
    if step_index == 1:
        return "return new arrays (dW + lam * wegt); do not change the gradients passed in (no +=)."
    if any(name.endswith("db") for name in bad_names) and not any(name.endswith("dW") for name in bad_names):
        return "the biases are not decayed: db comes back as it was."
    return "each layer's dW becomes dW + lam * wegt (the derivative of lam / 2 * sum(W ** 2)); db stays."


def trace_dropout(myDropout, drop_rate, shape, seed):
    """A myDropout(drop_rate) on x of ``shape`` (entries in [0.5, 1.5]): forward in training right after
    ``np.random.seed(seed)``, backward of ones, forward again after the same seed, a third forward
    (no re-seeding), and forward with ``train_flag=False``."""
    x = np.random.RandomState(seed + 1).uniform(0.5, 1.5, shape)
    steps = [Step("the input x", {"x": x}, meta={"role": "inputs", "drop_rate": drop_rate, "seed": seed})]
    try:
        dropout = myDropout(drop_rate)
    except Exception as exc:
        return steps + [Step(f"myDropout({drop_rate})", error=describe_error(exc), meta={"role": "make"})]
    given = x.copy()  # the first forward's argument, recorded after the call: it must be left alone
    calls = (("train", f"forward(x, train_flag=True) right after np.random.seed({seed})",
              lambda: dropout.forward(given, train_flag=True), True),
             ("backward", "backward(ones) after it", lambda: dropout.backward(np.ones(shape)), False),
             ("again", f"forward(x, train_flag=True) after np.random.seed({seed}) again",
              lambda: dropout.forward(x.copy(), train_flag=True), True),
             ("next", "the next forward(x, train_flag=True), without re-seeding",
              lambda: dropout.forward(x.copy(), train_flag=True), False),
             ("eval", "forward(x, train_flag=False)", lambda: dropout.forward(x.copy(), train_flag=False), False))
    for role, label, call, reseed in calls:
        if reseed:
            np.random.seed(seed)
        try:
            out = call()
        except Exception as exc:
            return steps + [Step(label, error=describe_error(exc), meta={"role": role})]
        seen = {"out": out, **({"x after forward": given} if role == "train" else {})}
        steps.append(observe(label, lambda: seen, meta={"role": role}))
        if steps[-1].error:
            return steps
    return steps


def judge_dropout(expected, got):
    """Property-based: inverted dropout with any right use of np.random passes."""
    inputs = next(s for s in expected if s.meta.get("role") == "inputs")
    x, p, seed = inputs.arrays["x"], float(inputs.meta["drop_rate"]), inputs.meta["seed"]
    case = f"myDropout({p:g}) on x of shape {x.shape}"
    mine = {s.meta.get("role"): s for s in got}
    for role in ("train", "backward", "again", "next", "eval"):
        step = mine.get(role)
        if step is None or step.error:
            what = step.label if step is not None else role
            why = error_text(step.error) if step is not None and step.error else "no result was recorded"
            return Verdict(False, f"{case}: {what}: {why}.")
    out = {role: np.asarray(mine[role].arrays["out"], dtype=float) for role in mine if role != "inputs"}
    for role, value in out.items():
        if value.shape != x.shape:
            return Verdict(False, f"{case}: {mine[role].label} has shape {value.shape}, expected {x.shape}.")
    if "x after forward" in mine["train"].arrays and not np.array_equal(mine["train"].arrays["x after forward"], x):
        return Verdict(False, f"{case}: forward(a, train_flag=True) changed a in place (a *= mask?): return a "
                              "new array, a * self.mask — the backward pass still needs the activations a.")
    close = lambda a, b: np.abs(a - b) <= 1e-9 + 1e-9 * np.abs(b)  # noqa: E731
    train, kept_value = out["train"], x / (1 - p) if p < 1 else np.zeros_like(x)
    dropped = train == 0
    if not np.all(dropped | close(train, kept_value)):
        if np.all(dropped | close(train, x)):
            return Verdict(False, f"{case}: the kept units are not scaled: inverted dropout divides them by "
                                  "(1 - drop_rate) in training, so that nothing needs scaling at test time.")
        return Verdict(False, f"{case}: in training each unit must be either dropped (0) or kept and "
                              "divided by (1 - drop_rate).")
    n, fraction = x.size, float(np.mean(dropped))
    spread = 5 * np.sqrt(p * (1 - p) / n) + 1.0 / n
    if abs(fraction - p) > spread:
        hint = (" (drop_rate is the fraction DROPPED: keep a unit when np.random.rand(...) > drop_rate)"
                if abs(fraction - (1 - p)) <= spread else "")
        return Verdict(False, f"{case}: {fraction:.3f} of the units were dropped, expected about {p:g}{hint}.")
    if not np.all(close(out["backward"], (~dropped) / (1 - p) if p < 1 else 0.0)):
        return Verdict(False, f"{case}: backward(dout) must use the mask of the last forward: dout times "
                              "the mask, divided by (1 - drop_rate) (keep the mask in self).")
    if not np.array_equal(out["again"], train):
        return Verdict(False, f"{case}: two forwards right after np.random.seed({seed}) dropped different "
                              "units: draw the mask with np.random (np.random.rand), not another generator.")
    if 0 < p < 1 and n >= 100 and np.array_equal(out["next"], train):
        return Verdict(False, f"{case}: the next forward dropped the same units: draw a new mask on every "
                              "forward in training (and never call np.random.seed inside).")
    if not np.all(close(out["eval"], x)):
        if p < 1 and np.all(close(out["eval"], x * (1 - p))):
            return Verdict(False, f"{case}: at test time (train_flag=False) inverted dropout returns x "
                                  "unchanged; scaling by (1 - drop_rate) is the other convention (seed 003's).")
        return Verdict(False, f"{case}: at test time (train_flag=False) all units are kept: return x unchanged.")
    return Verdict(True, f"{case}: dropped {fraction:.3f} of the units, scaled the rest, backward and test "
                         "mode right.")


def check_dropout(myDropout, drop_rate=0.3, shape=(200, 50), seed=0):
    """A visible check of myDropout on one case, judged from the specification alone."""
    got = trace_dropout(myDropout, drop_rate, shape, seed)
    return DROPOUT.visible(got[:1], got, detail=True)


def check_l2(l2_penalty, l2_gradients, myDenseLayer):
    """A visible check on two layers (a 2x2 and a 1x2), against numbers worked out by hand (lam = 0.5):
    penalty 0.25 * (1 + 4 + 0 + 9) + 0.25 * (4 + 1) = 4.75; each dW + 0.5 * wegt, each db unchanged.
    Two layers, so that a loop that returns after the first one fails."""
    layers = [myDenseLayer(2, 2), myDenseLayer(1, 2)]
    layers[0].wegt, layers[0].bias = np.array([[1.0, -2.0], [0.0, 3.0]]), np.array([5.0, -5.0])
    layers[1].wegt, layers[1].bias = np.array([[2.0, -1.0]]), np.array([7.0])
    grads = [(np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([1.0, 2.0])), (np.array([[0.5, -0.5]]), np.array([3.0]))]
    expected = [Step("l2_penalty(layers, 0.5) on two layers", {"penalty": np.array(0.25 * (1 + 4 + 0 + 9) + 0.25 * (4 + 1))}),
                Step("l2_gradients(layers, grads, 0.5) on two layers",
                     {name: value for number, (lyr, (dW, db)) in enumerate(zip(layers, grads), start=1)
                      for name, value in ((f"layer {number} dW", dW + 0.5 * lyr.wegt), (f"layer {number} db", db))})]
    got = []
    try:
        value = l2_penalty(layers, 0.5)
        got.append(observe(expected[0].label, lambda: {"penalty": value}))
        given = [(dW.copy(), db.copy()) for dW, db in grads]
        pairs = list(l2_gradients(layers, given, 0.5))
        got.append(observe(expected[1].label, lambda: {
            name: value for number, (dW, db) in enumerate(pairs, start=1)
            for name, value in ((f"layer {number} dW", dW), (f"layer {number} db", db))}))
    except Exception as exc:
        got.append(Step(expected[len(got)].label, error=describe_error(exc)))
    else:
        if not all(np.array_equal(g[0], w[0]) and np.array_equal(g[1], w[1]) for g, w in zip(given, grads)):
            return show(Verdict(False, "l2_gradients changed the gradients passed to it: return new arrays "
                                       "(dW + lam * lyr.wegt), leave the given ones unchanged."))

    def hint(step_index, bad_names, expected_step, got_step):  # step 0: the penalty, 1: the gradients
        if step_index == 0:
            return l2_penalty_hint(0, bad_names, expected_step, got_step)
        return l2_gradients_hint(0, bad_names, expected_step, got_step)

    return show(judge_values(expected, got, hint, what="l2_penalty / l2_gradients"))


L2_PENALTY = Check("l2_penalty", trace_l2_penalty, what="l2_penalty", hint=l2_penalty_hint)
L2_GRADIENTS = Check("l2_gradients", trace_l2_gradients, what="l2_gradients", hint=l2_gradients_hint)
DROPOUT = Check("dropout", trace_dropout, what="myDropout", judge=judge_dropout)
