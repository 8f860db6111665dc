"""Optimizers on 2-D surfaces: the paths, their pictures and an animation (the demo notebook).

A point (x, y) is a one-neuron "layer" whose ``wegt`` is the (1, 2) row [x, y] (its bias is not
used), so any optimizer with the labs' interface, ``my_optimizer(lyr, opt, W_grad, B_grad, solver,
learning_rate, iter)`` and ``myOptParam(1, 2)``, walks the surface: yours and the reference alike.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .palette import REFERENCE_STYLE, STUDENT_STYLE, color


@dataclass(frozen=True)
class Surface:
    """f(p) and its gradient for p = (x, y); where to start, the minima, the window and a step size."""
    name: str
    formula: str                      # LaTeX
    f: Callable
    grad: Callable
    start: tuple
    minima: tuple
    window: tuple                     # (x_min, x_max, y_min, y_max)
    learning_rate: float              # a step size at which every optimizer gets somewhere
    noise: float = 0.0                # standard deviation of the noise added to each gradient


SURFACES = {
    "quadratic": Surface(
        "ill-conditioned quadratic", r"f(x, y) = \frac{x^2}{20} + y^2",
        lambda p: p[0] ** 2 / 20 + p[1] ** 2, lambda p: np.array([p[0] / 10, 2 * p[1]]),
        start=(-7.0, 2.0), minima=((0.0, 0.0),), window=(-8, 8, -3, 3), learning_rate=0.1),
    "rosenbrock": Surface(
        "Rosenbrock", r"f(x, y) = (1 - x)^2 + 10\,(y - x^2)^2",
        lambda p: (1 - p[0]) ** 2 + 10 * (p[1] - p[0] ** 2) ** 2,
        lambda p: np.array([-2 * (1 - p[0]) - 40 * p[0] * (p[1] - p[0] ** 2), 20 * (p[1] - p[0] ** 2)]),
        start=(-1.5, 2.0), minima=((1.0, 1.0),), window=(-2, 2, -1, 3), learning_rate=0.01),
    "saddle": Surface(
        "saddle", r"f(x, y) = \frac{x^2}{2} - \frac{y^2}{2} + \frac{y^4}{4}",
        lambda p: p[0] ** 2 / 2 - p[1] ** 2 / 2 + p[1] ** 4 / 4,
        lambda p: np.array([p[0], -p[1] + p[1] ** 3]),
        start=(-2.0, 1e-3), minima=((0.0, 1.0), (0.0, -1.0)), window=(-2.5, 2.5, -1.8, 1.8), learning_rate=0.05),
    "noisy": Surface(
        "quadratic, noisy gradients", r"f(x, y) = \frac{x^2}{20} + y^2,\ \ g + \mathcal{N}(0, 1)",
        lambda p: p[0] ** 2 / 20 + p[1] ** 2, lambda p: np.array([p[0] / 10, 2 * p[1]]),
        start=(-7.0, 2.0), minima=((0.0, 0.0),), window=(-8, 8, -3, 3), learning_rate=0.1, noise=1.0),
}


class Point:
    """The (x, y) position as a layer: wegt (1, 2), bias (1,)."""

    def __init__(self, xy):
        self.wegt = np.array([xy], dtype=float)
        self.bias = np.zeros(1)


def run_path(my_optimizer, myOptParam, surface, solver, learning_rate=None, n_steps=80, seed=0,
             **hyperparameters):
    """The points visited, (n_steps + 1, 2) (fewer if the path left the window far behind or failed).

    ``hyperparameters`` (gamma, beta1, beta2, epsilon) go to ``my_optimizer`` when given: the
    reference takes them, a lab's my_optimizer has them written in.
    """
    rng = np.random.RandomState(seed)
    rate = surface.learning_rate if learning_rate is None else learning_rate
    point, opt = Point(surface.start), myOptParam(1, 2)
    path = [point.wegt[0].copy()]
    size = max(abs(v) for v in surface.window)
    for t in range(1, n_steps + 1):
        g = surface.grad(point.wegt[0]) + surface.noise * rng.randn(2)
        my_optimizer(point, opt, g.reshape(1, 2), np.zeros(1), solver, rate, t, **hyperparameters)
        position = np.asarray(point.wegt, dtype=float).reshape(-1)[:2].copy()
        path.append(position)
        if not np.all(np.isfinite(position)) or np.abs(position).max() > 100 * size:
            break  # diverged: the picture shows where it went off
    return np.array(path)


def draw_surface(ax, surface, levels=25):
    """Contours of ``surface`` (log-spaced levels) with its minima as stars."""
    x0, x1, y0, y1 = surface.window
    X, Y = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 200))
    Z = surface.f(np.array([X, Y]))
    shifted = Z - Z.min() + 1e-3
    ax.contour(X, Y, shifted, levels=np.geomspace(shifted.min() * 10, shifted.max(), levels),
               cmap="Greys", linewidths=0.7, alpha=0.7)
    for minimum in surface.minima:
        ax.plot(*minimum, marker="*", markersize=16, color="gold", markeredgecolor="black", zorder=5)
    ax.plot(*surface.start, marker="o", markersize=8, color="black", zorder=5)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"{surface.name}: ${surface.formula}$")


def draw_paths(ax, paths, student=False):
    """``paths``: {solver: (n, 2) points}, drawn in the kit's colours (dashed: a student's)."""
    style = STUDENT_STYLE if student else REFERENCE_STYLE
    for solver, path in paths.items():
        label = f"{solver} (yours)" if student else solver
        ax.plot(path[:, 0], path[:, 1], color=color(solver), label=label, **style)


def animate_paths(surface, paths, frames=40, interval=100, figsize=(8, 4.5), dpi=60):
    """A matplotlib animation of ``paths`` being walked on ``surface`` (at most ``frames`` frames)."""
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    draw_surface(ax, surface)
    lines = {s: ax.plot([], [], color=color(s), label=s, **REFERENCE_STYLE)[0] for s in paths}
    heads = {s: ax.plot([], [], "o", color=color(s), markersize=7)[0] for s in paths}
    ax.legend(loc="upper right", fontsize=10)
    longest = max(len(p) for p in paths.values())
    steps = np.unique(np.linspace(1, longest, min(frames, longest)).astype(int))

    def show(step):
        for solver, path in paths.items():
            shown = path[:min(step, len(path))]
            lines[solver].set_data(shown[:, 0], shown[:, 1])
            heads[solver].set_data(shown[-1:, 0], shown[-1:, 1])
        ax.set_title(f"{surface.name}: step {step - 1}")
        return [*lines.values(), *heads.values()]

    animation = FuncAnimation(fig, show, frames=steps, interval=interval, blit=False)
    plt.close(fig)  # the notebook shows the animation, not a still of its last frame
    return animation


def slider_panel(draw, surfaces, steps):
    """ipywidgets controls for ``draw(surface_name, log10_learning_rate, gamma, beta1, beta2,
    log10_epsilon, steps)``, which draws the figure below them, then again on every change (needs a
    live notebook). Returns (the panel to display, {argument: control}). Sliders sit two to a row with
    long tracks (about 300 px): a small drag makes a small change."""
    import ipywidgets as widgets

    from .optimizers import DEFAULTS

    wide = dict(layout=widgets.Layout(width="48%", min_width="320px"), style={"description_width": "90px"},
                continuous_update=False)  # redraw when the handle is released, not on every pixel
    controls = dict(
        surface_name=widgets.Dropdown(options=list(surfaces), value=list(surfaces)[0], description="surface",
                                      layout=widgets.Layout(width="48%"), style={"description_width": "90px"}),
        log10_learning_rate=widgets.FloatSlider(value=-1.0, min=-4, max=0.5, step=0.1, description="log10 α", **wide),
        gamma=widgets.FloatSlider(value=DEFAULTS["gamma"], min=0.0, max=0.99, step=0.01, description="γ", **wide),
        beta1=widgets.FloatSlider(value=DEFAULTS["beta1"], min=0.0, max=0.99, step=0.01, description="β1", **wide),
        beta2=widgets.FloatSlider(value=DEFAULTS["beta2"], min=0.5, max=0.9999, step=0.0001, description="β2",
                                  readout_format=".4f", **wide),
        log10_epsilon=widgets.FloatSlider(value=-8.0, min=-10, max=0, step=0.5, description="log10 ε", **wide),
        steps=widgets.IntSlider(value=steps, min=5, max=300, step=5, description="steps", **wide),
    )
    rows = list(controls.values())
    grid = widgets.Box(rows, layout=widgets.Layout(display="flex", flex_flow="row wrap", width="100%"))
    return widgets.VBox([grid, widgets.interactive_output(draw, controls)],
                        layout=widgets.Layout(width="100%")), controls
