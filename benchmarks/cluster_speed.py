"""Grading on a Dask cluster against local worker processes, on the same submissions, side by side.

Starts a ``dask scheduler`` and K ``dask worker --nthreads 1`` processes on 127.0.0.1 (this machine
stands for the cluster: the figure is the cluster's own overhead per submission, not a speed-up),
then grades N copies of three Lab 3 samples (right, blank, a classic mistake) with
``grade(..., scheduler=...)`` and with ``grade(..., workers=K)``, alternately, ``--rounds`` times.

    .venv/bin/python benchmarks/cluster_speed.py [--students 30] [--workers 2] [--rounds 2]
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
from autograder.engine.grading import grade  # noqa: E402
from grading_speed import make_submissions  # noqa: E402


def start_cluster(folder, workers):
    """(address, [processes]): a scheduler and ``workers`` one-thread workers on loopback."""
    dask = str(Path(sys.executable).parent / "dask")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    log = open(folder / "cluster.log", "w")
    spawn = lambda command: subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,  # noqa: E731
                                             start_new_session=True)
    scheduler_file = folder / "scheduler.json"
    processes = [spawn([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                        "--scheduler-file", str(scheduler_file)])]
    while not scheduler_file.exists():
        time.sleep(0.1)
    address = json.loads(scheduler_file.read_text())["address"]
    processes += [spawn([dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                         "--local-directory", str(folder / f"w{k}")]) for k in range(workers)]
    from distributed import Client
    with Client(address, timeout=30) as client:
        client.wait_for_workers(workers, timeout=60)
    return address, processes


def stop(processes, seconds=15):
    """End the cluster's processes: SIGTERM, then SIGKILL for any still there after ``seconds`` (a worker
    whose scheduler is gone can keep trying to reach it)."""
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + seconds
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def timed(submitted, folder, **how):
    """Seconds to grade ``submitted`` into a fresh course directory, and the median time between two
    finished notebooks once every worker is busy."""
    finished, start = [], time.perf_counter()
    grade(submitted, folder / "grades.csv", course_dir=folder / "course", log=lambda m: None,
          progress=lambda done, total: finished.append(time.perf_counter()) if done else None, **how)
    gaps = sorted(b - a for a, b in zip(finished, finished[1:]))
    return time.perf_counter() - start, gaps[len(gaps) // 2] if gaps else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    n, k = args.students, args.workers
    with tempfile.TemporaryDirectory(prefix="optkit-cluster-") as tmp:
        tmp = Path(tmp)
        make_submissions(tmp / "submitted", n)
        address, processes = start_cluster(tmp, k)
        results = {"cluster": [], "local": []}
        try:
            for number in range(args.rounds):
                results["cluster"].append(timed(tmp / "submitted", tmp / f"cluster{number}", scheduler=address))
                results["local"].append(timed(tmp / "submitted", tmp / f"local{number}", workers=k))
        finally:
            stop(processes)
    print(f"{n} submissions of lab3_optimizers, {os.cpu_count()} cores, {k} workers, {args.rounds} rounds each")
    for name, runs in results.items():
        total = min(t for t, _ in runs)
        gap = min(g for _, g in runs)
        print(f"{name:>8}: best {total:6.1f} s ({total / n:.2f} s per notebook; median {gap:.2f} s between two "
              f"finished notebooks)")
    cluster, local = min(t for t, _ in results["cluster"]), min(t for t, _ in results["local"])
    print(f"cluster overhead: {(cluster - local) / n * 1000:+.0f} ms per submission "
          f"(throughput cluster / local: {local / cluster:.2f}x)")


if __name__ == "__main__":
    main()
