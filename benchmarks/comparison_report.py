"""The final comparison with its default parameters, side by side with the handout's table.

Executes the ``final_comparison`` notebook (papermill, a fresh kernel) in a temporary course directory,
reads the ``comparison.json`` it writes and prints, per optimizer and for MLPClassifier: our test
accuracy (mean ± standard error over the seeds), the handout's single run, and whether the handout's
figure lands near ours — within two standard deviations of one run (SE × sqrt(seeds)), at least one
test digit (1/360) — then the final training losses and the parity with scikit-learn. With the
notebook's defaults (1000 epochs, 5 seeds) this takes about 4 minutes on 2 cores. It is a report, not
a test: the run's own noise decides the last digits.

    .venv/bin/python benchmarks/comparison_report.py [-p n_seeds 2 -p n_epochs 200 ...] [--keep DIR]
"""
import argparse
import ast
import json
import math
import shutil
import sys
import tempfile
from pathlib import Path

import papermill

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder.engine.course import CourseDir  # noqa: E402

NOTEBOOK = "final_comparison"


def run_comparison(folder, parameters=None, timeout=None):
    """Execute the comparison notebook in a course directory made in ``folder``.

    Returns (the comparison.json contents, the executed notebook's path).
    """
    source = CourseDir(Path(folder)).install_source(NOTEBOOK)
    executed = source / f"{NOTEBOOK}.executed.ipynb"
    papermill.execute_notebook(str(source / f"{NOTEBOOK}.ipynb"), str(executed), cwd=str(source),
                               kernel_name="python3", progress_bar=False, parameters=parameters or {},
                               execution_timeout=timeout)
    return json.loads((source / "comparison.json").read_text()), executed


def near(result, handout_accuracy):
    """True when the handout's one run lies within two standard deviations of one of our runs."""
    spread = max(result["accuracy_se"] * math.sqrt(result["runs"]), 1 / 360)
    return abs(handout_accuracy - result["accuracy_mean"]) <= 2 * spread


def report_lines(comparison):
    """The side-by-side table (and the parity figures) as lines of text."""
    handout = comparison["handout"]
    params = comparison["parameters"]
    lines = [f"final comparison: {params['n_epochs']} epochs, {params['n_seeds']} seeds, batch {params['batch_size']}, "
             f"learning rate {params['learning_rate']}",
             f"{'':<14} {'test accuracy':>17} {'handout':>8} {'near':>5} {'final loss':>11} {'handout':>11} "
             f"{'s / run':>8}"]
    verdicts = []
    for name, result in comparison["results"].items():
        theirs = handout["test_accuracy"].get(name)
        verdict = "" if theirs is None else ("yes" if near(result, theirs) else "NO")
        if theirs is not None:
            verdicts.append(verdict == "yes")
        their_loss = handout["final_training_loss"].get(name)
        lines.append(f"{name:<14} {result['accuracy_mean']:>8.4f} ± {result['accuracy_se']:.4f} "
                     f"{'—' if theirs is None else f'{theirs:.4f}':>8} {verdict:>5} "
                     f"{result['final_loss_mean']:>11.3g} {'—' if their_loss is None else f'{their_loss:.3g}':>11} "
                     f"{result['seconds_mean']:>8.2f}")
    lines.append(f"the handout's figure is near ours for {sum(verdicts)} of {len(verdicts)} rows "
                 "(within two standard deviations of one run)")
    parity = comparison.get("parity_max_relative_difference", {})
    if parity:
        lines.append("parity with MLPClassifier.loss_curve_, max relative difference: "
                     + ", ".join(f"{k} {v:.1e}" for k, v in parity.items()))
    lines.append(f"handout: {handout['source']}")
    return lines


def _value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="a notebook parameter, as papermill's -p (e.g. -p n_seeds 2)")
    parser.add_argument("--keep", type=Path, help="copy comparison.json and the executed notebook here")
    args = parser.parse_args()
    parameters = {name: _value(value) for name, value in args.p}
    with tempfile.TemporaryDirectory(prefix="optkit-comparison-") as tmp:
        comparison, executed = run_comparison(tmp, parameters)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(executed, args.keep)
            shutil.copy(executed.parent / "comparison.json", args.keep)
    print("\n".join(report_lines(comparison)))


if __name__ == "__main__":
    main()
