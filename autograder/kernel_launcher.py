"""Start an IPython kernel under the grader's limits (run as a script: it imports nothing of ours).

    python kernel_launcher.py --memory-mb M --seconds S [--sandbox --hide DIR ... --writable DIR ...]
                              -- -f CONNECTION_FILE

- sandbox (bubblewrap): the whole file system read-only, each ``--hide`` folder replaced by an empty
  one (the course directory: solutions, gradebook, other students; the kit's repository), the
  kernel's own folder visible read-only, the ``--writable`` folders (the kernel's sockets) writable,
  a private /tmp as HOME, no network, its own process and IPC namespaces: nothing the student's
  code writes outlives the run, and nothing of the grader's can be read;

- memory: the kernel's address space is capped at M MiB (RLIMIT_AS), so a huge allocation raises
  MemoryError in the student's cell instead of exhausting the machine;
- time: after S seconds the kernel and everything it started are killed (SIGKILL to the process
  group), whatever they ignore (SIGINT, SIGTERM);
- leftovers: when the kernel exits, every process it left running in its group is killed too.

jupyter_client starts this launcher in a new process group; interrupts reach the kernel as messages
(the kernelspec's "interrupt_mode" is "message"), and the launcher ignores SIGINT and SIGTERM.
"""
import argparse
import os
import resource
import signal
import subprocess
import sys


def sandboxed(command, hidden, writable, readable):
    """``command`` wrapped in bubblewrap (see the module docstring)."""
    here = os.getcwd()
    wrap = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
            "--unshare-all", "--die-with-parent", "--unsetenv", "JPY_PARENT_PID",
            "--setenv", "HOME", "/tmp", "--setenv", "MPLCONFIGDIR", "/tmp"]
    for folder in hidden:
        wrap += ["--tmpfs", folder]
    python_home = os.path.dirname(os.path.dirname(sys.executable))  # a venv inside a hidden folder
    if any(python_home.startswith(folder.rstrip("/") + "/") for folder in hidden):
        wrap += ["--ro-bind", python_home, python_home]
    wrap += ["--ro-bind", here, here]
    for folder in writable:
        wrap += ["--bind", folder, folder]
    for path in readable:
        wrap += ["--ro-bind", path, path]
    return wrap + ["--chdir", here, "--"] + command


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--sandbox", action="store_true")
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--writable", action="append", default=[])
    parser.add_argument("kernel_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    limit = args.memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # handlers (not SIG_IGN): the kernel, started by exec, gets the default dispositions back.
    # (Interrupts reach the kernel as messages, "interrupt_mode": "message" in the kernelspec: a signal
    # from here would not cross into the sandbox's process namespace.)
    signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: None)
    kernel_args = [a for a in args.kernel_args if a != "--"]
    command = [sys.executable, "-m", "ipykernel_launcher", *kernel_args]
    if args.sandbox:
        connection_file = kernel_args[kernel_args.index("-f") + 1]  # often in /tmp: bound in read-only
        command = sandboxed(command, args.hide, args.writable, [connection_file])
    kernel = subprocess.Popen(command)
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
