"""Ctrl-C while grading: the first one stops the batch once the notebooks being graded are done, the
second one at once; neither while the CSV is being written."""
import signal
import threading


class Stop:
    """The SIGINT handler of one ``grade`` run (installed in the main thread only; elsewhere, and for a
    KeyboardInterrupt raised by other means, the run stops as before, at once).

    ``requested``: a first Ctrl-C came: ``check`` raises KeyboardInterrupt at the next safe point (between
    two students) and ``on_request`` callbacks run (the pool's waiting students are cancelled).
    ``forced``: a second one came: KeyboardInterrupt at once. ``writing``: while True (the CSV), Ctrl-C
    only says to wait."""

    def __init__(self, log):
        self.log, self.requested, self.forced, self.writing = log, False, False, False
        self._previous, self._callbacks = None, []

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc_info):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False

    def on_request(self, callback):
        """Call ``callback()`` when the first Ctrl-C comes (at once, if it came already)."""
        self._callbacks.append(callback)
        if self.requested:
            callback()

    def _on_sigint(self, signum, frame):
        if self.writing:
            self.log("Ctrl-C: the CSV is being written, one moment")
            return
        if self.requested:
            self.forced = True
            raise KeyboardInterrupt
        self.requested = True
        self.log("Ctrl-C: stopping once the notebooks being graded now are done, then writing the CSV "
                 "(Ctrl-C again: stop at once)")
        for callback in self._callbacks:
            callback()

    def check(self):
        """Raise KeyboardInterrupt when a stop was requested."""
        if self.requested:
            raise KeyboardInterrupt
