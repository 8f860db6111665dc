"""The classroom demo runs end to end (fast parameters) and draws its figures; its pieces (the tunable
reference optimizers, the 2-D paths, the schedules, your own answers) do what they say."""
import nbformat
import numpy as np
import papermill
import pytest

from autograder import notebooks
from autograder.authoring import samples
from autograder.engine.course import CourseDir
from autograder.labkit import checks, optimizers, schedules, training, trajectories
from autograder.labkit.your_answers import load_lab_functions
from autograder.engine.reference import reference_namespace

FAST = {"n_steps": 12, "animation_frames": 4, "sweep_epochs": 2, "sweep_learning_rates": [0.001, 0.1],
        "schedule_epochs": 4, "show_sliders": False}  # headless: the live panel is tested in-process below


@pytest.fixture(scope="module")
def answered_lab3(tmp_path_factory, release_nb, solution_nb):
    path = tmp_path_factory.mktemp("lab3") / "lab3_optimizers.ipynb"
    nbformat.write(samples.answered(release_nb, solution_nb), str(path))
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory, answered_lab3):
    source = CourseDir(tmp_path_factory.mktemp("course")).install_source("demo_optimizers")
    out = source / "out.ipynb"
    papermill.execute_notebook(str(source / "demo_optimizers.ipynb"), str(out), cwd=str(source),
                               kernel_name="python3", progress_bar=False, execution_timeout=300,
                               parameters={**FAST, "lab3_notebook": str(answered_lab3)})
    return notebooks.read(out)


def _outputs(nb, text):
    """The outputs of the code cell whose source contains ``text``."""
    return next(c.outputs for c in nb.cells if c.cell_type == "code" and text in c.source)


def _has_png(outputs):
    return any("image/png" in o.get("data", {}) for o in outputs)


def test_the_demo_draws_every_figure(demo):
    assert _has_png(_outputs(demo, "fig, axes = plt.subplots(2, 2"))          # the four surfaces
    html = "".join(o.get("data", {}).get("text/html", "") for o in _outputs(demo, "animate_paths("))
    assert "<script" in html and "data:image/png;base64" in html               # the JS animation player
    assert _has_png(_outputs(demo, "slider_panel("))                             # the static figure
    assert _has_png(_outputs(demo, "Learning-rate sensitivity"))
    assert _has_png(_outputs(demo, "Momentum with each schedule"))


def test_the_sliders_redraw():
    calls = []
    panel, controls = trajectories.slider_panel(lambda **values: calls.append(values), trajectories.SURFACES, 20)
    assert len(calls) == 1 and calls[0]["steps"] == 20 and calls[0]["gamma"] == optimizers.DEFAULTS["gamma"]
    controls["gamma"].value = 0.5
    controls["surface_name"].value = "saddle"
    assert len(calls) == 3 and calls[-1]["gamma"] == 0.5 and calls[-1]["surface_name"] == "saddle"
    assert set(calls[-1]) == {"surface_name", "log10_learning_rate", "gamma", "beta1", "beta2", "log10_epsilon",
                              "steps"}


def test_your_answers_are_overlaid(demo):
    printed = "".join(o.get("text", "") for o in _outputs(demo, "load_lab_functions("))
    assert "drawn dashed" in printed and all(s in printed for s in optimizers.SOLVERS), printed


def test_an_unanswered_lab_gives_no_overlay(tmp_path, release_nb):
    assert load_lab_functions(str(tmp_path / "missing.ipynb"), ["my_optimizer"]) == {}
    path = tmp_path / "blank.ipynb"
    nbformat.write(release_nb, str(path))
    yours = load_lab_functions(str(path), ["myOptParam", "my_optimizer"])
    with pytest.raises(NotImplementedError):  # the stubs are there, and say so
        trajectories.run_path(yours["my_optimizer"], optimizers.myOptParam, trajectories.SURFACES["quadratic"], "sgd")


@pytest.fixture(scope="module")
def lab3(tmp_path_factory):
    source = CourseDir(tmp_path_factory.mktemp("course")).install_source("lab3_optimizers")
    return reference_namespace(source / "lab3_optimizers.ipynb")


@pytest.mark.parametrize("solver", checks.SOLVERS + checks.EXTRA_SOLVERS)
def test_the_demo_optimizers_are_the_labs(lab3, solver):
    case = dict(solver=solver, seed=5, calls=[(0.05, 1), (0.3, 2), (1.7, 3), (0.01, 9)])
    expected = checks.trace_optimizer(lab3["my_optimizer"], lab3["myOptParam"], lab3["myDenseLayer"], **case)
    got = checks.trace_optimizer(optimizers.my_optimizer, lab3["myOptParam"], lab3["myDenseLayer"], **case)
    verdict = checks.judge("optimizer", expected, got)
    assert verdict.passed, verdict.message


def test_the_hyperparameters_are_used():
    surface = trajectories.SURFACES["quadratic"]
    slow = trajectories.run_path(optimizers.my_optimizer, optimizers.myOptParam, surface, "momentum", gamma=0.0)
    plain = trajectories.run_path(optimizers.my_optimizer, optimizers.myOptParam, surface, "sgd")
    assert np.allclose(slow, plain)  # momentum with gamma = 0 is SGD
    with pytest.raises(TypeError, match="unknown hyperparameters"):
        trajectories.run_path(optimizers.my_optimizer, optimizers.myOptParam, surface, "adam", beta3=0.5)


@pytest.mark.parametrize("solver", ["momentum", "adam", "rmsprop"])
def test_a_path_heads_for_the_minimum(solver):
    surface = trajectories.SURFACES["quadratic"]
    path = trajectories.run_path(optimizers.my_optimizer, optimizers.myOptParam, surface, solver, n_steps=300)
    assert path.shape == (301, 2)
    assert surface.f(path[-1]) < 0.01 * surface.f(path[0])


def test_the_schedules():
    assert [schedules.step_decay(1.0, 0.5, 10)(e) for e in (0, 9, 10, 25)] == [1.0, 1.0, 0.5, 0.25]
    cosine = schedules.cosine_with_warmup(0.1, n_epochs=50, warmup=5)
    assert cosine(0) == pytest.approx(0.02) and cosine(4) == pytest.approx(0.1) and cosine(49) == pytest.approx(0.0)
    assert all(cosine(e) >= cosine(e + 1) for e in range(4, 49))
    assert schedules.inverse_time(0.1, 1.0)(1) == pytest.approx(0.05)
    assert schedules.exponential(0.1, 0.5)(2) == pytest.approx(0.1 * np.exp(-1.0))


def test_training_takes_a_schedule():
    rng = np.random.RandomState(0)
    weights, biases = [rng.randn(5, 4), rng.randn(3, 5)], [np.zeros(5), np.zeros(3)]
    X, Y = rng.randn(40, 4), np.eye(3)[rng.randint(0, 3, 40)]
    runs = []
    for rate in (0.05, schedules.constant(0.05), schedules.step_decay(0.05, 0.1, 1)):
        np.random.seed(1)
        runs.append(training.train(weights, biases, X, Y, "momentum", 3, 8, rate)[1])
    assert np.array_equal(runs[0], runs[1]) and not np.allclose(runs[0][1:], runs[2][1:])
