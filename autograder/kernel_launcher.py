"""Start an IPython kernel under the grader's limits (run as a script: it imports nothing of ours).

    python kernel_launcher.py --memory-mb M --seconds S -- -f CONNECTION_FILE

- memory: the kernel's address space is capped at M MiB (RLIMIT_AS), so a huge allocation raises
  MemoryError in the student's cell instead of exhausting the machine;
- time: after S seconds the kernel and everything it started are killed (SIGKILL to the process
  group), whatever they ignore (SIGINT, SIGTERM);
- leftovers: when the kernel exits, every process it left running in its group is killed too.

jupyter_client starts this launcher in a new process group and signals that group, so interrupts
reach the kernel; the launcher itself ignores them.
"""
import argparse
import os
import resource
import signal
import subprocess
import sys


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("kernel_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    limit = args.memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # a handler (not SIG_IGN): the kernel, started by exec, gets the default disposition back
    signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: None)
    kernel_args = [a for a in args.kernel_args if a != "--"]
    kernel = subprocess.Popen([sys.executable, "-m", "ipykernel_launcher", *kernel_args])
    try:
        code = kernel.wait(timeout=args.seconds)
    except subprocess.TimeoutExpired:
        sys.stderr.write(f"kernel_launcher: the notebook ran out of its {args.seconds:g} s\n")
        code = 124
    sys.stderr.flush()
    os.killpg(os.getpgrp(), signal.SIGKILL)  # the kernel if still there, its children, and us
    return code


if __name__ == "__main__":
    sys.exit(main())
