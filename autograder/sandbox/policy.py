"""The sandbox's policy: what a kernel sees (an allow-list) and may write, as a bubblewrap command.

``sandboxed(command, ...)`` wraps the fork server (``fork_server.py``, which runs as a script and
imports nothing of ours); the sizes and the kernel's user are the fork server's constants, which it
enforces from inside.
"""
import os
import sys

from .fork_server import SANDBOX_GID, SANDBOX_UID, SHM_MB, SOCKETS_BYTES, SOCKETS_DIR, TMP_MB

# What a kernel reads of the system: shared libraries, programs (a `!ls` in a cell), fonts, time zones,
# and the few /etc files the dynamic loader and Python read. Top-level folders that are links
# (Debian's merged /usr: /lib -> usr/lib) are made the same links.
SYSTEM_PATHS = ("/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/libx32", "/usr/bin", "/usr/share/fonts",
                "/usr/share/zoneinfo", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
                "/etc/localtime", "/etc/timezone", "/etc/mime.types", "/etc/fonts")
TOP_LEVEL = ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")


class SandboxError(RuntimeError):
    """The allow-list cannot be built: a path the kernel needs would show what it must not see."""


def interpreter():
    """This Python as the sandbox can run it: its folder's real path (a venv reached through a link is
    mounted at its real place), its own name (so that a venv stays a venv)."""
    return os.path.join(os.path.realpath(os.path.dirname(sys.executable)), os.path.basename(sys.executable))


def clean_environment():
    """The only variables a sandboxed process (bubblewrap's own pid 1 included) starts with."""
    return {"PATH": f"{os.path.dirname(interpreter())}:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
            "USER": "student", "LOGNAME": "student", "MPLCONFIGDIR": "/tmp"}


def environment_paths():
    """The Python installation a kernel needs, read-only: this interpreter's prefixes (a venv and the
    Python it was made from, which may sit in a home folder, as pyenv's does) and the sys.path entries
    that are part of an installation (site-packages, zips); never the current folder or a project's
    own folder put on sys.path."""
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    found = set(prefixes)
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else ""
        if not real or not os.path.exists(real):
            continue
        inside = any(real == p or real.startswith(p.rstrip("/") + "/") for p in prefixes)
        if inside or os.path.basename(real) in ("site-packages", "dist-packages") or os.path.isfile(real):
            found.add(real)
    return sorted(p for p in found if not any(p.startswith(o.rstrip("/") + "/") for o in found if o != p))


def sandboxed(command, readable, here, never=(), info_fd=None):
    """``command`` wrapped in bubblewrap, seeing only what a kernel needs (an allow-list): the Python
    installation (``environment_paths``) and ``SYSTEM_PATHS``, read-only; the folder ``here`` (its
    working folder) and the ``readable`` paths read-only. It can write only into memory of its own, each
    folder capped: /tmp as HOME (TMP_MB), /dev/shm (SHM_MB) and SOCKETS_DIR (SOCKETS_BYTES); / and /dev
    are read-only. Nothing else exists for it: no home folders, no other course or project folders, no
    /srv, /mnt, /media, /var, /opt beyond the environment. bubblewrap writes the sandbox's pid (as the
    host sees it) as JSON to ``info_fd`` (``{"child-pid": N, ...}``): SOCKETS_DIR is
    ``/proc/N/root/run/kernel`` for the grader.

    It runs as an unprivileged user (SANDBOX_UID) in its own user, process, IPC, network (none) and
    other namespaces, as their pid 1, with no capabilities, from a clean environment
    (``clean_environment``: nothing of the grader's, no password or token). Start it with
    ``env=clean_environment()`` too: bubblewrap itself then holds nothing of the grader's either.

    Raises SandboxError when a path to mount would show one of the ``never`` folders (the course
    directory, the kit, the original submissions): say where the Python installation is instead.
    """
    environment = environment_paths()
    for path in environment:
        for folder in never:
            folder = os.path.realpath(folder)
            if folder == path or folder.startswith(path.rstrip("/") + "/"):
                raise SandboxError(f"the Python installation at {path} holds {folder}, which student code must "
                                   "not see: grade with a Python (venv) installed outside it")
    # --as-pid-1: the command itself is the namespace's pid 1 (the fork server, not dumpable), not a
    # bubblewrap init that a kernel of the same user could read (/proc/1/environ, fds) or ptrace
    # --disable-userns: no user namespace of its own inside (with one, a kernel could mount a memory
    # file system without a cap)
    wrap = ["bwrap", "--unshare-all", "--unshare-user", "--disable-userns", "--uid", str(SANDBOX_UID),
            "--gid", str(SANDBOX_GID), "--as-pid-1", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--clearenv"]
    for name, value in clean_environment().items():
        wrap += ["--setenv", name, value]
    if info_fd is not None:
        wrap += ["--info-fd", str(info_fd)]
    wrap += ["--dev", "/dev", "--proc", "/proc", "--size", str(SHM_MB << 20), "--tmpfs", "/dev/shm",
             "--size", str(TMP_MB << 20), "--tmpfs", "/tmp", "--size", str(SOCKETS_BYTES), "--tmpfs", SOCKETS_DIR,
             "--mqueue", "/dev/mqueue"]  # POSIX message queues: listed there, so that they can be removed
    for top in TOP_LEVEL:
        if os.path.islink(top):
            wrap += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            wrap += ["--ro-bind", top, top]
    for path in [*SYSTEM_PATHS, *environment]:
        if os.path.exists(path):
            wrap += ["--ro-bind", path, path]
    wrap += ["--ro-bind", here, here]
    for path in readable:
        wrap += ["--ro-bind", path, path]
    # bubblewrap's root and /dev are memory without a cap, and would outlive a kernel: read-only
    wrap += ["--remount-ro", "/dev", "--remount-ro", "/"]
    return wrap + ["--chdir", here, "--"] + command
