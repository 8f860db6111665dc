"""One colour per optimizer for every figure of the kit (labs, final comparison, demos).

Okabe & Ito's colour-blind-safe palette, without its yellow (unreadable on a projector). The same
optimizer has the same colour in every notebook; a student's own run is drawn in the optimizer's
colour with ``STUDENT_STYLE`` (dashed) over the reference's ``REFERENCE_STYLE`` (solid).
"""
OPTIMIZER_COLORS = {
    "sgd": "#000000",            # black
    "momentum": "#E69F00",       # orange
    "nesterov": "#CC79A7",       # reddish purple
    "adagrad": "#56B4E9",        # sky blue
    "rmsprop": "#009E73",        # bluish green
    "adam": "#D55E00",           # vermilion
    "MLPClassifier": "#0072B2",  # blue: scikit-learn
}
REFERENCE_STYLE = {"linestyle": "-", "linewidth": 2.0}
STUDENT_STYLE = {"linestyle": "--", "linewidth": 2.0}
FIGURE_STYLE = {  # readable when projected: large fonts, thick lines, a light grid
    "font.size": 13, "axes.titlesize": 15, "axes.labelsize": 13, "legend.fontsize": 12,
    "lines.linewidth": 2.0, "axes.grid": True, "grid.alpha": 0.3, "figure.dpi": 90,
}


def color(optimizer):
    """The colour of ``optimizer`` (a name of OPTIMIZER_COLORS; any other name: grey)."""
    return OPTIMIZER_COLORS.get(optimizer, "#7F7F7F")


def use_kit_style():
    """Apply FIGURE_STYLE to matplotlib (call once at the top of a notebook)."""
    import matplotlib.pyplot as plt

    plt.rcParams.update(FIGURE_STYLE)
