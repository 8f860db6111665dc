"""The benchmark scripts run on a fresh checkout and print what their docstrings promise (tiny sizes:
this checks that they work, never how fast anything is)."""
import re
import subprocess
import sys

from autograder import paths

BENCHMARKS = paths.REPO / "benchmarks"


def _run(script, *args):
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True,
                          cwd=paths.REPO, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _ratio(line):
    return float(re.search(r"(\d+\.\d+)\s*(\(|$)", line).group(1))


def test_training_speed_prints_both_ratios_and_the_floor():
    out = _run("training_speed.py", "--epochs", "2")
    lines = out.splitlines()
    for solver in ("sgd", "adam"):
        row = next(i for i, line in enumerate(lines) if line.startswith(solver + " "))
        assert "floor" in lines[row + 1] and "products + exponentials only" in lines[row + 1], out
        assert _ratio(lines[row]) > 0 and _ratio(lines[row + 1]) > 0, out  # figures only: no timing is judged


def test_grading_speed_runs_both_graders_and_prints_the_throughput():
    out = _run("grading_speed.py", "--students", "3", "--workers", "1")
    assert "3 submissions of lab3_optimizers" in out
    throughput = re.search(r"throughput, ours / plain nbgrader: (\d+\.\d+)x", out)
    assert throughput and float(throughput.group(1)) > 0, out


def test_cluster_speed_grades_on_a_dask_cluster_and_locally_and_prints_the_overhead():
    out = _run("cluster_speed.py", "--students", "3", "--workers", "1", "--rounds", "1")
    assert "3 submissions of lab3_optimizers" in out and "cluster:" in out and "local:" in out, out
    assert re.search(r"cluster overhead: [+-]\d+ ms per submission", out), out
    left = subprocess.run(["pgrep", "-f", "dask (scheduler|worker).*optkit-cluster-"], capture_output=True, text=True)
    assert not left.stdout.strip(), left.stdout  # the benchmark's cluster ended with it
