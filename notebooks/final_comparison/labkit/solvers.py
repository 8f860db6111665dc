"""The course's solvers, one registry entry each (seed 004, the Lab 3 handout; seeds 000-002 for
momentum, NAG and Adam): the ``myOptParam`` arrays it keeps, whether it is extra credit, and the hint
for its classic mistakes. The checks, the training loop, the demos and the palette read the solver
lists from here.

Adding a solver (say ``'nadam'``) is one ``Solver(...)`` entry here, its formula in
``optimizers.FORMULAS`` (the reference, shipped only after Lab 3 is due), its branch and graded test
cell in the source notebook (the points live there), and its classic mistakes in ``samples.MISTAKES``.

Hints never quote a solution's line (``test_no_answer_and_no_hidden_test_is_released``): they
describe the formula. Each takes ``(step_index, bad_names, expected, got)``, like every hint.
"""
from typing import Callable, NamedTuple, Optional

import numpy as np

from .hyperparameters import BETA1, BETA2, EPSILON, GAMMA, shown


class Solver(NamedTuple):
    """One solver: ``name`` (``my_optimizer``'s ``solver`` argument); ``state``: the ``opt`` arrays it
    reads and writes (a check records them after every call); ``hint(step_index, bad_names, expected,
    got)`` -> the likely mistake, or None; ``extra``: extra credit, beyond the handout's five."""
    name: str
    state: tuple
    hint: Optional[Callable] = None
    extra: bool = False
    solo: Optional[tuple] = None


def state_bad(bad_names):
    """The ``opt.*`` arrays among ``bad_names``."""
    return {n for n in bad_names if n.startswith("opt.")}


def times(expected, got, name, factor):
    """True when ``got`` recorded ``factor`` times the expected value of array ``name``."""
    if expected is None or got is None or name not in expected.arrays or name not in got.arrays:
        return False
    e, g = np.asarray(expected.arrays[name], dtype=float), np.asarray(got.arrays[name], dtype=float)
    return e.shape == g.shape and np.any(e != 0) and np.allclose(g, factor * e, rtol=1e-6, atol=1e-9)


def _corrected_moments_stored(expected, got):
    """True when an Adam moment in opt holds its bias-corrected value, m / (1 - beta1**iter) or
    v / (1 - beta2**iter): the correction was stored back instead of kept in a local variable."""
    iteration = expected.meta.get("iter")
    if not iteration:
        return False
    return any(times(expected, got, f"opt.{name}", 1 / (1 - beta ** iteration))
               for name, beta in (("W_mt", BETA1), ("B_mt", BETA1), ("W_vt", BETA2), ("B_vt", BETA2)))


def _sgd_hint(step_index, bad_names, expected, got):
    return "W_dlt = learning_rate * W_grad (use the learning_rate argument), then wegt -= W_dlt."


SIGN_CONVENTION = ("opt.W_dt holds the right velocity with the opposite sign: the course stores the delta "
                   "that is SUBTRACTED, opt.W_dt = gamma * opt.W_dt + learning_rate * W_grad "
                   "(seed 000's v = gamma v - eta g is its negative).")


def _momentum_hint(step_index, bad_names, expected, got):
    if times(expected, got, "opt.W_dt", -1.0):
        return SIGN_CONVENTION
    if step_index > 0 or not bad_names & {"lyr.wegt", "lyr.bias"}:
        return ("store the new deltas in opt.W_dt and opt.B_dt for the next call "
                "(the first update can be right while the velocity is never kept).")
    return (f"W_dlt = gamma * opt.W_dt + learning_rate * W_grad with gamma = {shown(GAMMA)}, then "
            "wegt -= W_dlt (the course's sign convention).")


def _nesterov_hint(step_index, bad_names, expected, got):
    if times(expected, got, "opt.W_dt", -1.0):
        return SIGN_CONVENTION
    if state_bad(bad_names):
        return ("the velocity is momentum's: opt.W_dt = gamma * opt.W_dt + learning_rate * W_grad, "
                f"stored for the next call (gamma = {shown(GAMMA)}).")
    return ("the step looks ahead: W_dlt = gamma * (the NEW opt.W_dt) + learning_rate * W_grad; "
            "stepping by the velocity itself is plain momentum.")


def _adagrad_hint(step_index, bad_names, expected, got):
    if state_bad(bad_names):
        return "accumulate: add the squared gradient to opt.W_vt (and opt.B_vt) on every call, never reset it."
    return ("W_dlt = eta / sqrt(opt.W_vt + epsilon) * W_grad, using the updated opt.W_vt, "
            f"epsilon = {shown(EPSILON)}.")


def _rmsprop_hint(step_index, bad_names, expected, got):
    if state_bad(bad_names):
        return f"opt.W_vt = gamma * opt.W_vt + (1 - gamma) * W_grad**2 with gamma = {shown(GAMMA)}."
    return "W_dlt = eta / sqrt(opt.W_vt + epsilon) * W_grad, using the updated opt.W_vt."


def _adam_hint(step_index, bad_names, expected, got):
    if _corrected_moments_stored(expected, got):
        return ("opt holds the bias-corrected moments: they must not be stored back into opt.W_mt or "
                "opt.W_vt; keep them in local variables (W_mc = opt.W_mt / (1 - beta1**iter), W_vc = "
                "opt.W_vt / (1 - beta2**iter)), so that opt keeps the uncorrected moments for the next call.")
    if state_bad(bad_names) & {"opt.W_mt", "opt.B_mt"}:
        return ("first moment: beta1 times the old opt.W_mt plus (1 - beta1) times the gradient, "
                f"beta1 = {shown(BETA1)}.")
    if state_bad(bad_names):
        return ("second moment: opt.W_vt = beta2 * opt.W_vt + (1 - beta2) * W_grad**2 "
                f"with beta2 = {shown(BETA2)} (the course's value, not 0.999).")
    return ("the moments are right, the step is not: correct the bias with the iter argument, "
            "m_hat = m / (1 - beta1**iter), v_hat = v / (1 - beta2**iter), then "
            "W_dlt = eta * m_hat / (sqrt(v_hat) + epsilon).")


_SOLO = {  # after each of two calls of the solver alone from the handout's start (the reference's numbers)
    "sgd": [
        {"lyr.wegt": [[7.6778900683, 8.1688297192, 10.342033479], [-4.343690718, 1.8188511126, -19.3368659972]], "lyr.bias": [-3.2293465711, -19.3605575042]},
        {"lyr.wegt": [[12.6489302972, 15.7095267296, 19.7760975115], [-9.1912071898, 2.9865842773, -38.3544139498]], "lyr.bias": [-5.6106161588, -39.3270803579]},
    ],
    "momentum": [
        {"lyr.wegt": [[9.4942414879, 7.5027198678, 9.8661013343], [-3.813590238, 1.6490253341, -18.6538811466]], "lyr.bias": [-2.3894330764, -20.2201083625], "opt.W_dt": [[-6.7873916485, -6.8745871591, -8.9581318878], [4.3174159919, -0.9979073862, 18.334563102]], "opt.B_dt": [1.541356093, 20.826073712]},
        {"lyr.wegt": [[20.5739342005, 21.2305453214, 27.3624840659], [-12.5467811025, 3.7148751463, -54.172535891]], "lyr.bias": [-6.1579231478, -58.9300975571], "opt.W_dt": [[-11.0796927126, -13.7278254535, -17.4963827316], [8.7331908645, -2.0658498122, 35.5186547444]], "opt.B_dt": [3.7684900714, 38.7099891945]},
    ],
    "adagrad": [
        {"lyr.wegt": [[10.75029741, 8.3277379469, 10.0844828326], [-6.9806354756, 1.9396096235, -10.2199531255]], "lyr.bias": [-3.7034487493, -9.0045860527], "opt.W_vt": [[0.3819531302, 0.9591489568, 1.0569202778], [0.4194860187, 0.8213419217, 3.6896309766]], "opt.B_vt": [0.695491462, 4.3162666475]},
        {"lyr.wegt": [[17.017869338, 14.4284775795, 16.8456704859], [-12.9726707191, 3.217536824, -17.2556270223]], "lyr.bias": [-6.4490854954, -15.9338623031], "opt.W_vt": [[0.6290655398, 1.5277700708, 1.9469359195], [0.6544701782, 0.8349779291, 7.3063022779]], "opt.B_vt": [0.7521959105, 8.3028869961]},
    ],
    "rmsprop": [
        {"lyr.wegt": [[15.7136325705, 12.4286767048, 20.1967129297], [-10.6303298221, 2.0194414227, -29.4112389215]], "lyr.bias": [-3.9732782458, -23.3383637618], "opt.W_vt": [[0.1460678895, 0.4083371699, 0.2392157367], [0.1895500893, 0.7282989236, 0.4273308379]], "opt.B_vt": [0.580578757, 0.6953437038]},
        {"lyr.wegt": [[28.2926060924, 24.0042209202, 37.2988697892], [-21.6333976625, 3.4602830629, -51.4256977558]], "lyr.bias": [-7.2497990421, -43.064976771], "opt.W_vt": [[0.1561723415, 0.4243655643, 0.3042957272], [0.1940934963, 0.656832632, 0.7462648843]], "opt.B_vt": [0.5281913261, 1.0244713683]},
    ],
    "adam": [
        {"lyr.wegt": [[0.6026790801, -16.6878639621, -33.3967240643], [-9.3080178089, -1.2028915504, -33.4364053257]], "lyr.bias": [11.2351085334, 9.4704685364], "opt.W_mt": [[0.1220044878, 1.7054746216, 2.2510299115], [0.6636331617, 0.2607215721, 1.7145261122]], "opt.B_mt": [-1.5116646418, -0.8435422455], "opt.W_vt": [[0.1359634375, 0.3923087754, 0.1741357461], [0.1850066823, 0.7997652152, 0.1083967916]], "opt.B_vt": [0.6329661878, 0.3662160393]},
        {"lyr.wegt": [[-0.3342083184, -30.108104393, -59.5821513943], [-17.9620691182, -2.649170841, -59.8485636923]], "lyr.bias": [20.9774398114, 14.5616184153], "opt.W_mt": [[0.0600936368, 1.4595201893, 1.93158628], [0.6457450103, 0.2229720832, 1.7332489805]], "opt.B_mt": [-1.3366854817, -0.5595227924], "opt.W_vt": [[0.1370749272, 0.3940718988, 0.1812945451], [0.1855064571, 0.7919039231, 0.1434795367]], "opt.B_vt": [0.6272035705, 0.4024200824]},
    ],
}


REGISTRY = (  # the handout's five in its order, then the extra credit
    Solver("sgd", (), _sgd_hint, solo=_SOLO["sgd"]),
    Solver("momentum", ("W_dt", "B_dt"), _momentum_hint, solo=_SOLO["momentum"]),
    Solver("adagrad", ("W_vt", "B_vt"), _adagrad_hint, solo=_SOLO["adagrad"]),
    Solver("rmsprop", ("W_vt", "B_vt"), _rmsprop_hint, solo=_SOLO["rmsprop"]),
    Solver("adam", ("W_mt", "B_mt", "W_vt", "B_vt"), _adam_hint, solo=_SOLO["adam"]),
    Solver("nesterov", ("W_dt", "B_dt"), _nesterov_hint, extra=True),  # its visible check: check_nesterov
)
BY_NAME = {solver.name: solver for solver in REGISTRY}
SOLVERS = tuple(s.name for s in REGISTRY if not s.extra)        # the handout's, in its order
EXTRA_SOLVERS = tuple(s.name for s in REGISTRY if s.extra)      # the extra credit
ALL_SOLVERS = SOLVERS + EXTRA_SOLVERS
STATE_OF = {s.name: s.state for s in REGISTRY}
