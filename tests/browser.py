"""A real JupyterLab and a real browser for the browser tests: JupyterLab from the kit's venv on a free
loopback port (stopped by PID), Debian's chromium driven by Playwright (no browser download).

Without chromium or playwright the tests skip, saying why, except under ``CI=true`` where a skip
would hide a broken promise: there they fail (``make test`` installs both).
"""
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("OPTKIT_CHROMIUM", "/usr/bin/chromium"))
# Chromium's own flags for a closed network and a root user (a container): no sandbox of its own,
# no background connections (refused here, many at a time), no first-run dialogs.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage"]
ARTIFACTS = Path(os.environ.get("OPTKIT_BROWSER_ARTIFACTS", Path(__file__).resolve().parent.parent /
                                ".test-artifacts" / "browser"))


def unavailable(reason):
    """Skip, or fail under CI=true: a browser test that cannot run there is a broken promise."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run: {reason} (make test installs chromium and playwright)")
    pytest.skip(reason)


def playwright_or_skip():
    """The sync_playwright entry point, when playwright and Debian's chromium are installed."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} not found (apt-get install chromium)")
    return sync_playwright


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """``jupyter lab`` serving ``root`` on 127.0.0.1 with a token; ``url(path)`` opens a path in it."""

    def __init__(self, root, log_path, env=None):
        self.root, self.port, self.token = Path(root), free_port(), "optkit-browser-test"
        command = [str(Path(sys.executable).with_name("jupyter")), "lab", "--no-browser", f"--port={self.port}",
                   "--ip=127.0.0.1", f"--ServerApp.token={self.token}", f"--ServerApp.root_dir={self.root}",
                   "--ServerApp.port_retries=0", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
                   "jupyterlab.NeverCheckForUpdate"]
        if os.geteuid() == 0:  # JupyterLab refuses root unless told (a container, a CI runner)
            command.append("--allow-root")
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(command, cwd=self.root, stdout=self.log, stderr=subprocess.STDOUT,
                                        env={**os.environ, **(env or {})}, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}; see {self.log.name}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(self.api("status"), timeout=2) as reply:
                    json.load(reply)
                    return
            time.sleep(0.3)
        raise RuntimeError(f"jupyter lab did not answer in {timeout} s; see {self.log.name}")

    def api(self, path):
        return f"http://127.0.0.1:{self.port}/api/{path}?token={self.token}"

    def url(self, path):
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}"

    def stop(self):
        """Stop the server and its kernels: SIGTERM to its process group, SIGKILL after 15 s."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


@contextlib.contextmanager
def browser_page(artifacts, name):
    """A fresh chromium page (1400x1000); console errors and page errors are collected in
    ``page.errors``. A trace of the page is kept in ``artifacts`` (not committed)."""
    sync_playwright = playwright_or_skip()
    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.errors = []
        page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
        page.on("pageerror", lambda error: page.errors.append(f"page error: {error}"))
        try:
            yield page
        finally:
            with contextlib.suppress(Exception):
                page.screenshot(path=str(artifacts / f"{name}-last.png"), full_page=False)
            context.close()
            browser.close()


def shot(page, artifacts, name):
    """A screenshot kept as a test artifact."""
    page.screenshot(path=str(artifacts / f"{name}.png"))
