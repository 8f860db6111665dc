"""A warm kernel factory: one process that has imported the course's libraries once, and forks a
fresh IPython kernel for each notebook (run as a script; it imports nothing of ours, only psutil
and the standard library).

    python fork_server.py --memory-mb M --seconds S --ipc-dir DIR [--sandboxed] [--preload mod,mod]

Started by ``autograder.sandbox.warm_kernels`` (inside bubblewrap when grading is sandboxed, see
``sandboxed``); it talks JSON lines on stdin / stdout, one request at a time:

- ``{"op": "fork", "connection": {...}, "argv": [...], "cwd": DIR, "env": {...}}`` -> ``{"pid": N}``: a new kernel,
  forked from this warm process: its own session, memory capped at M MiB (RLIMIT_AS), killed with
  everything it started after S seconds;
- ``{"op": "poll"}`` -> ``{"exit": None | code, "why": None | "deadline" | "files" | "ipc" | "processes"}`` (why this
  server ended the kernel, if it did); ``{"op": "signal", "signum": n}`` -> ``{}``;
- ``{"op": "reset"}`` -> ``{}``: kill every process left from the last kernel (this server is their
  subreaper, so none escapes by double forking) and wipe what it could write (the sockets' folder;
  in the sandbox also /tmp and /dev/shm): the next student starts from a clean slate.

Two students never share a kernel: each notebook gets a fresh process, and this server never runs
student code. It is not dumpable, so a kernel cannot read or write its memory through /proc.
"""
import argparse
import ctypes
import json
import os
import platform
import resource
import select
import signal
import stat
import sys
import tempfile
import time

import psutil

PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 4, 36
PRELOAD = ("numpy", "scipy.special", "matplotlib", "matplotlib.pyplot", "sklearn.datasets",
           "sklearn.model_selection", "sklearn.preprocessing", "tqdm", "ipykernel.kernelapp")


TMP_MB, SHM_MB = 512, 64  # the sandbox's private /tmp and /dev/shm: memory, so capped
# the kernel's sockets: a folder of the sandbox's own (memory, 1 MB: a kernel writes no file there),
# which the grader reaches through /proc/<pid>/root; nothing a kernel writes lands on the host's disk
SOCKETS_DIR, SOCKETS_BYTES = "/run/kernel", 1 << 20
MOST_FILES = 20_000   # files a kernel may make in each of its folders (an empty file costs memory too)
# processes in the sandbox (the server, the kernel and what it starts): a fork bomb is stopped there
# (polled, not RLIMIT_NPROC, which does not hold for a grader running as root)
MOST_PROCESSES = 512
MOST_IPC_BYTES = TMP_MB << 20  # System V shared memory and message queues a kernel may hold (memory too)
KEYCTL_JOIN_SESSION_KEYRING, KEYCTL_CLEAR = 1, 7
USER_KEYRINGS = (-4, -5)       # the user's keyring and its default session keyring, shared by its processes
SANDBOX_UID = SANDBOX_GID = 1000   # the kernel's user in its own user namespace: no privileges
def _prctl(option, value):
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _kernel(request, memory_mb):
    """In the forked child: become the kernel (never returns)."""
    try:
        os.setsid()
        os.chdir(request["cwd"])
        for name in [n for n in os.environ if n.startswith("NBGRADER_")]:
            del os.environ[name]
        os.environ.update(request.get("env", {}))   # NBGRADER_EXECUTION, from the grader at fork time
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, 1 << 16)           # nothing of the server's pipes goes with the kernel
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))   # no file bigger than the memory cap
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)                 # ... an error in the cell, not a kill
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        _keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0)  # a session keyring of its own, gone with it
        fd, connection_file = tempfile.mkstemp(prefix="kernel-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(request["connection"], f)
        sys.argv = ["ipykernel_launcher", "-f", connection_file, *request["argv"]]
        _cap_messages()
        from ipykernel import kernelapp
        kernelapp.launch_new_instance()
    finally:
        os._exit(0)


MESSAGE_STRING_BYTES, KEPT_BYTES = 16 << 20, 64 << 10
CUT_IN_KERNEL = "characters cut before leaving the kernel"


def _cut_long(value):
    """``value`` (a message's content or metadata) with every string over MESSAGE_STRING_BYTES cut to its
    last KEPT_BYTES, said at its start."""
    if isinstance(value, str) and len(value) > MESSAGE_STRING_BYTES:
        return f"[{len(value) - KEPT_BYTES} {CUT_IN_KERNEL}]\n" + value[-KEPT_BYTES:]
    if isinstance(value, dict):
        return {k: _cut_long(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut_long(v) for v in value]
    return value


def _cap_messages():
    """In the kernel, before it starts: no string of a message it sends is over MESSAGE_STRING_BYTES (a
    single giant print or image would cost the grader several times its size to decode). A backstop
    for careless code (the grader's own budget, autograder.engine.bounded_execute, bounds what is kept)."""
    from jupyter_client.session import Session
    send = Session.send

    def capped(self, stream, msg_or_type, content=None, *args, **kwargs):
        if content is not None:
            content = _cut_long(content)
        elif isinstance(msg_or_type, dict):
            msg_or_type = {**msg_or_type, "content": _cut_long(msg_or_type.get("content", {})),
                           "metadata": _cut_long(msg_or_type.get("metadata", {}))}
        if kwargs.get("metadata") is not None:
            kwargs["metadata"] = _cut_long(kwargs["metadata"])
        return send(self, stream, msg_or_type, content, *args, **kwargs)

    Session.send = capped


class Server:
    """The fork server's state: the current kernel (pid, exit code, deadline, why it was ended) and the
    requests of the module docstring (``fork``, ``poll``, ``signal``, ``reset``) as methods."""
    def __init__(self, args):
        self.args, self.pid, self.exit, self.deadline, self.why = args, None, None, None, None

    def fork(self, request):
        self.reset()
        pid = os.fork()
        if pid == 0:
            _kernel(request, self.args.memory_mb)
        self.pid, self.exit, self.deadline, self.why = pid, None, time.monotonic() + self.args.seconds, None
        return {"pid": pid}

    def poll(self, _=None):
        if self.pid is not None and self.exit is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.exit = os.waitstatus_to_exitcode(status)
        return {"exit": self.exit if self.pid is not None else 0, "why": self.why}

    def signal(self, request):
        if self.pid is not None and self.exit is None:
            try:
                os.killpg(self.pid, request["signum"])
            except OSError:
                pass
        return {}

    def expire(self):
        """Past its deadline, or once it has made more than MOST_FILES files in one of the folders it
        can write (each capped in bytes, not in files), the kernel and all it started are killed."""
        if self.pid is None or self.exit is not None:
            return
        if time.monotonic() > self.deadline:
            self.why = "deadline"
        elif self.args.sandboxed and max(map(_files_used, self.wiped())) > MOST_FILES:
            self.why = "files"
        elif self.args.sandboxed and sum(size for _, _, size in _ipc_objects()) > MOST_IPC_BYTES:
            self.why = "ipc"
        elif self.args.sandboxed and len(psutil.pids()) > MOST_PROCESSES:
            self.why = "processes"
        else:
            return
        self._kill_descendants()
        self.poll()

    def _descendants(self):
        """Every process this server started, however deep (it is their subreaper: none escapes)."""
        return [process.pid for process in psutil.Process().children(recursive=True)]

    def _kill_descendants(self):
        for _ in range(100):
            pids = self._descendants()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            self._reap()
            time.sleep(0.01)

    def _reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.pid and self.exit is None:
                self.exit = os.waitstatus_to_exitcode(status)

    def wiped(self):
        """The folders a kernel can write, wiped after it: its sockets' folder; in the sandbox also
        /tmp, /dev/shm and its POSIX message queues (/dev/mqueue)."""
        return [self.args.ipc_dir] + (["/tmp", "/dev/shm", "/dev/mqueue"] if self.args.sandboxed else [])

    def reset(self, _=None):
        self._kill_descendants()
        self._reap()
        for folder in self.wiped():
            for name in os.listdir(folder) if os.path.isdir(folder) else []:
                _remove(os.path.join(folder, name))
        if self.args.sandboxed:  # what else a kernel leaves in the sandbox's IPC namespace and keyrings
            _remove_ipc_objects()
            for keyring in USER_KEYRINGS:
                _keyctl(KEYCTL_CLEAR, keyring)
        self.pid = self.exit = self.deadline = self.why = None
        return {}


def _remove(path):
    """Remove ``path`` and all below it, also what its owner (the kernel: the same user) made unreadable
    or unwritable (a folder of mode 0 is given back its owner's rights first), and trees deeper than a
    path can name: folders are opened relative to their parent (``dir_fd``), one open folder per level,
    without recursion (shutil.rmtree gives up on a folder of mode 0)."""
    try:
        top = os.open(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    stack, opened = [(top, os.path.basename(path), None)], [top]
    while stack:
        parent, name, own = stack.pop()
        if own is not None:  # its content is gone: the folder itself
            os.close(own)
            opened.remove(own)
            _quietly(os.rmdir, name, dir_fd=parent)
            continue
        try:
            is_folder = stat.S_ISDIR(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
        except OSError:
            continue
        if not is_folder:
            _quietly(os.unlink, name, dir_fd=parent)
            continue
        _quietly(os.chmod, name, 0o700, dir_fd=parent)
        try:
            own = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
        except OSError:
            continue
        opened.append(own)
        stack.append((parent, name, own))
        stack.extend((own, child, None) for child in os.listdir(own))
    for fd in opened:
        os.close(fd)


def _quietly(action, *args, **kwargs):
    try:
        action(*args, **kwargs)
    except OSError:
        pass


_libc = ctypes.CDLL(None, use_errno=True)
KEYCTL_SYSCALL = {"x86_64": 250, "aarch64": 219}.get(platform.machine())  # Python has no keyctl binding
IPC_RMID = 0


def _keyctl(operation, argument):
    """keyctl(2) ``operation`` on the keyring ``argument``; errors are ignored (no keyring: nothing to do)."""
    if KEYCTL_SYSCALL is not None:
        _libc.syscall(KEYCTL_SYSCALL, ctypes.c_long(operation), ctypes.c_long(argument), ctypes.c_long(0),
                      ctypes.c_long(0))


def _ipc_objects():
    """(kind, id, bytes) of the System V shared memory segments, message queues and semaphore sets in
    this IPC namespace (/proc/sysvipc: the kernel's own listing)."""
    found = []
    for kind, size_column in (("shm", 3), ("msg", 3), ("sem", None)):
        try:
            with open(f"/proc/sysvipc/{kind}") as listing:
                rows = [line.split() for line in listing.read().splitlines()[1:]]
        except OSError:
            continue
        for row in rows:
            try:
                found.append((kind, int(row[1]), int(row[size_column]) if size_column else 0))
            except (IndexError, ValueError):
                continue
    return found


def _remove_ipc_objects():
    """Remove every System V IPC object of this namespace (the kernels are gone: nothing is attached)."""
    for kind, number, _ in _ipc_objects():
        if kind == "shm":
            _libc.shmctl(number, IPC_RMID, None)
        elif kind == "msg":
            _libc.msgctl(number, IPC_RMID, None)
        else:
            _libc.semctl(number, 0, IPC_RMID)


def _files_used(folder):
    """The files and folders in use on the file system of ``folder`` (one of the sandbox's own, memory
    file systems): asked of the kernel, not counted by walking."""
    try:
        found = os.statvfs(folder)
    except OSError:
        return 0
    return found.f_files - found.f_ffree


def main(argv=None):
    """Serve JSON-line requests on stdin until it closes (the arguments: the module docstring's)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--ipc-dir", required=True)
    parser.add_argument("--sandboxed", action="store_true", help="alone in its sandbox: wipe /tmp too")
    parser.add_argument("--preload", default=",".join(PRELOAD))
    args = parser.parse_args(argv)
    _prctl(PR_SET_DUMPABLE, 0)  # first: nothing of this process is readable from a kernel (/proc, ptrace)
    _, most = resource.getrlimit(resource.RLIMIT_NOFILE)  # one open folder per level of what it wipes
    resource.setrlimit(resource.RLIMIT_NOFILE, (most, most))
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the grader's business
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # as ipykernel sets it
    started = time.monotonic()
    for module in filter(None, args.preload.split(",")):
        try:
            __import__(module)
        except Exception:  # noqa: BLE001 - a module the kernel will not have preloaded
            pass
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    server, out = Server(args), sys.stdout
    out.write(json.dumps({"ready": True, "seconds": round(time.monotonic() - started, 3)}) + "\n")
    out.flush()
    operations = {"fork": server.fork, "poll": server.poll, "signal": server.signal, "reset": server.reset}
    pending = b""
    while True:
        readable, _, _ = select.select([0], [], [], 0.2)
        server.expire()
        if not readable:
            continue
        chunk = os.read(0, 1 << 16)
        if not chunk:                       # the grader is gone
            server.reset()
            return 0
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
            out.write(json.dumps(operations[request["op"]](request)) + "\n")
            out.flush()


if __name__ == "__main__":
    sys.exit(main())
