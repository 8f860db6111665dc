"""Warm kernels: each notebook gets a fresh kernel forked from a process that has already imported
numpy, scipy, scikit-learn, matplotlib and ipykernel (``fork_server.py``), so grading does not pay
a Python start-up and those imports per notebook.

nbgrader's Execute preprocessor starts kernels through jupyter_client; the kit configures it with
``WarmKernelManager``, whose ``ForkProvisioner`` asks the grading process's fork server for a new
kernel instead of starting a new Python (jupyter_client's provisioner interface). One fork server
per grading process, in its own sandbox; it is started in the background, restarted if it dies, and
stopped when the process exits.

The kernel's working folder: the server's sandbox can only see one folder of the course directory,
its *slot*; the files of the notebook's folder (labkit/, data) are linked into the slot before the
kernel starts and removed after it stops, with everything else that kernel could write.
"""
import asyncio
import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from jupyter_core.paths import jupyter_runtime_dir
from traitlets import Dict, default

from .. import paths
from ..engine.bounded_execute import MESSAGE_BYTES, BoundedSession
from .fork_server import SOCKETS_DIR
from .policy import clean_environment, interpreter, sandboxed

SERVER_SCRIPT = Path(__file__).resolve().with_name("fork_server.py")
START_SECONDS, REPLY_SECONDS = 120, 30
IOPUB_QUEUE = 4  # messages a grader's socket holds
SMALL_CHANNEL_BYTES = 1 << 20  # the largest message read on the control and stdin channels
# the environment a kernel gets from the grader at fork time (the rest is the server's, set at its
# start: HOME and MPLCONFIGDIR in the sandbox): NBGRADER_EXECUTION=autograde, set by nbgrader
FORWARDED_ENV = ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING")


class ServerGone(RuntimeError):
    """The fork server died or stopped answering (its current kernel is lost with it)."""


def _read_until(fd, enough, seconds, silent, closed, text=b""):
    """Bytes read from ``fd`` onto ``text`` until ``enough(text)``; ServerGone saying ``silent`` after
    ``seconds`` without it, or ``closed`` (with what was read) when the other end closes."""
    deadline = time.monotonic() + seconds
    while not enough(text):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise ServerGone(silent)
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            raise ServerGone(f"{closed}: {text.decode(errors='replace')[-500:]}" if text.strip() else closed)
        text += chunk
    return text


class ForkServer:
    """The grader's end of one ``fork_server.py`` process; ``spec``: root (the course directory),
    hidden (more folders the kernel must never see), sandbox, memory_mb, seconds."""

    def __init__(self, spec):
        self.spec = spec
        tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.slot = Path(spec["root"]) / "kernel-slots" / tag
        self.slot.mkdir(parents=True)
        # the kernel's sockets: in the sandbox, a folder of its own memory (SOCKETS_DIR) that this
        # process reaches through /proc/<pid>/root (known once bubblewrap says the pid); else on disk
        self.ipc_dir = None if spec["sandbox"] else Path(jupyter_runtime_dir()) / "optkit-ipc" / tag
        self.kernel_sockets = SOCKETS_DIR if spec["sandbox"] else str(self.ipc_dir)
        self.sockets = self.ipc_dir
        if self.ipc_dir is not None:
            self.ipc_dir.mkdir(parents=True)
        self.process, self.error, self._buffer = None, None, b""
        self.last_end = None  # the last kernel's {"exit": code, "why": ...}, as the server said it
        self._ready, self._lock = threading.Event(), threading.Lock()
        info, told = os.pipe() if spec["sandbox"] else (None, None)
        # started from this thread: bubblewrap's --die-with-parent follows the thread that started it
        self.process = subprocess.Popen(self.command(told), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        cwd=self.slot, start_new_session=True, pass_fds=(told,) if told else (),
                                        env=clean_environment() if spec["sandbox"] else None)
        if told is not None:
            os.close(told)
        threading.Thread(target=self._wait_until_ready, args=(info,), daemon=True).start()  # imports: 1-2 s

    def command(self, info_fd=None):
        python = interpreter() if self.spec["sandbox"] else sys.executable
        argv = [python, str(SERVER_SCRIPT), "--memory-mb", str(self.spec["memory_mb"]),
                "--seconds", str(self.spec["seconds"]), "--ipc-dir", self.kernel_sockets]
        if not self.spec["sandbox"]:
            return argv
        never = [self.spec["root"], str(paths.REPO), *self.spec["hidden"], jupyter_runtime_dir()]
        return sandboxed(argv + ["--sandboxed"], readable=[str(SERVER_SCRIPT)], here=str(self.slot), never=never,
                         info_fd=info_fd)

    def _read_info(self, fd):
        """The sandbox's pid from bubblewrap's JSON on ``fd``: its sockets' folder, as this process sees it."""
        try:
            text = _read_until(fd, lambda text: b"}" in text, START_SECONDS, "bubblewrap did not say the sandbox's pid",
                               "bubblewrap did not start")
            pid = json.loads(text[:text.rindex(b"}") + 1])["child-pid"]
        except (ValueError, KeyError) as exc:
            raise ServerGone(f"bubblewrap said something else than the sandbox's pid: {exc}") from None
        finally:
            os.close(fd)
        self.sockets = Path(f"/proc/{pid}/root{SOCKETS_DIR}")

    def _wait_until_ready(self, info=None):
        try:
            if info is not None:
                self._read_info(info)
            hello = self._read_line(START_SECONDS)
            if not hello.get("ready"):
                raise ServerGone(f"the fork server did not start: {hello}")
        except Exception as exc:  # noqa: BLE001 - reported to whoever asks for a kernel
            self.error = exc
        self._ready.set()

    def _read_line(self, seconds):
        self._buffer = _read_until(self.process.stdout.fileno(), lambda text: b"\n" in text, seconds,
                                   "the fork server does not answer", "the fork server has exited", self._buffer)
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def _ready_or_gone(self):
        """Wait until the server has started; ServerGone when it could not."""
        self._ready.wait()
        if self.error is not None:
            raise ServerGone(str(self.error))

    def client_sockets(self):
        """The kernel's sockets' folder as this process reaches it (once the server is ready)."""
        self._ready_or_gone()
        return self.sockets

    def call(self, op, **request):
        """One request, one reply; ServerGone (and the server stopped) if it cannot answer."""
        self._ready_or_gone()
        with self._lock:
            try:
                self.process.stdin.write(json.dumps(dict(request, op=op)).encode() + b"\n")
                self.process.stdin.flush()
                reply = self._read_line(REPLY_SECONDS)
                if op == "fork":
                    self.last_end = None
                elif op == "poll" and reply.get("exit") is not None:
                    self.last_end = reply
                return reply
            except (OSError, ValueError, ServerGone) as exc:
                self.error = exc
                self.close()
                raise ServerGone(str(exc)) from None

    def alive(self):
        return self.error is None and (self.process is None or self.process.poll() is None)

    def fill_slot(self, folder):
        """The files of ``folder`` (the notebook's) into the slot, linked where possible."""
        self.empty_slot()
        shutil.copytree(folder, self.slot, dirs_exist_ok=True, copy_function=_link_or_copy,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))

    def empty_slot(self):
        """Empty the slot (not remove it: the sandbox holds it mounted)."""
        for entry in self.slot.iterdir() if self.slot.exists() else []:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)

    def close(self):
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
            self.process.wait()
        if self.ipc_dir is not None:
            shutil.rmtree(self.ipc_dir, ignore_errors=True)
        shutil.rmtree(self.slot, ignore_errors=True)


def _link_or_copy(source, target):
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


_servers = {}


def server_for(spec):
    """This process's fork server for ``spec``, started (in the background) if needed."""
    key = json.dumps(spec, sort_keys=True)
    server = _servers.get(key)
    if server is None or not server.alive():
        if server is not None:
            server.close()
        server = _servers[key] = ForkServer(spec)
    return server


@atexit.register
def _close_all():
    for server in _servers.values():
        server.close()
    _servers.clear()


class ForkProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, except that the kernel process comes from the fork server."""

    server = None
    remote_pid = None

    @property
    def has_process(self):
        return self.remote_pid is not None

    async def launch_kernel(self, cmd, **kwargs):
        self.server = self.parent.server
        argv = cmd[cmd.index("-f") + 2:]  # the kernelspec's argv ends with -f {connection_file}
        connection = json.loads(Path(self.parent.connection_file).read_text())
        connection["ip"] = f"{self.server.kernel_sockets}/kernel"  # the same sockets, as the kernel sees them
        self.cwd = kwargs.get("cwd") or os.getcwd()
        self.server.fill_slot(self.cwd)
        environment = {k: v for k, v in (kwargs.get("env") or os.environ).items() if k in FORWARDED_ENV}
        reply = self.server.call("fork", connection=connection, argv=argv, cwd=str(self.server.slot),
                                 env=environment)
        self.remote_pid = self.pid = reply["pid"]
        return self.connection_info

    async def poll(self):
        if self.remote_pid is None:
            return 0
        try:
            return self.server.call("poll")["exit"]
        except ServerGone:
            return -signal.SIGKILL

    async def wait(self):
        while (code := await self.poll()) is None:
            await asyncio.sleep(0.05)
        self.remote_pid = None
        return code

    async def send_signal(self, signum):
        if self.remote_pid is not None:
            try:
                self.server.call("signal", signum=int(signum))
            except ServerGone:
                pass

    async def kill(self, restart=False):
        await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart=False):
        await self.send_signal(signal.SIGTERM)

    async def cleanup(self, restart=False):
        if self.server is not None:
            try:
                self.server.call("reset")  # every process of this kernel gone, its files wiped
            except ServerGone:
                pass
            self.server.empty_slot()
        self.remote_pid = None


class SmallChannels:
    """The control and stdin channels carry small messages (interrupt and shutdown replies, input
    requests) that nothing reads while grading: their sockets refuse a message over
    SMALL_CHANNEL_BYTES and queue at most IOPUB_QUEUE (6 control messages of 63 MB sent by student
    code took the grader 211 MB higher). For the manager's own control socket and its client's."""

    def _create_connected_socket(self, channel, identity=None):
        socket = super()._create_connected_socket(channel, identity)
        if channel in ("control", "stdin"):
            socket.setsockopt(zmq.MAXMSGSIZE, SMALL_CHANNEL_BYTES)
            socket.setsockopt(zmq.RCVHWM, IOPUB_QUEUE)
            url = self._make_url(channel)  # the options hold from the next connection: made again now
            socket.disconnect(url)
            socket.connect(url)
        return socket


class BoundedKernelClient(SmallChannels, AsyncKernelClient):
    """The grader's kernel client (``SmallChannels``)."""


class WarmKernelManager(SmallChannels, AsyncKernelManager):
    """An AsyncKernelManager whose kernels are forked by this process's fork server."""

    fork_server = Dict(config=True, help="fork server spec: root, hidden, sandbox, memory_mb, seconds")

    def _session_default(self):
        return BoundedSession(parent=self)  # what a kernel sends is refused before it is decoded, if need be

    @default("client_factory")
    def _client_factory_default(self):
        return BoundedKernelClient

    def client(self, **kwargs):
        """A client whose sockets queue at most IOPUB_QUEUE messages: a kernel that sends faster than the
        grader reads waits (its messages stay on its side) instead of piling up in the grader's memory
        (zmq queues 1000 messages a socket by default); and refuse a message over MESSAGE_BYTES before
        reading it (code can get around the kernel's own cut: raw frames, binary buffers). The client has
        a zmq context of its own."""
        client = super().client(**kwargs)
        client.context.setsockopt(zmq.RCVHWM, IOPUB_QUEUE)
        client.context.setsockopt(zmq.MAXMSGSIZE, MESSAGE_BYTES)
        return client

    async def _async_pre_start_kernel(self, **kw):
        self.server = server_for(self.fork_server)
        self.ip = str(self.server.client_sockets() / "kernel")  # unix sockets in the server's own folder
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)
