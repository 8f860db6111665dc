"""nbgrader's Execute with a fixed budget for what a kernel sends back.

Every output a kernel sends (stream text, display data, images, errors) becomes part of the grader's
memory, of the autograded notebook in the course directory and of the feedback HTML. A debug print
in a loop (1 GB of text) once took the grading process to 6.9 GB of memory. Here the outputs are
bounded where they enter the grader, message by message:

- a notebook keeps at most ``head_bytes`` of ordinary outputs (and ``max_outputs`` of them) in the
  order they came: the head;
- what comes after is dropped, except the last ``tail_bytes`` of each cell (at most ``tail_cells``
  cells): the tail, put back after the head when the cell ends, with a line saying
  ``[output truncated: 1.0 GB printed, 1.1 MB kept]``;
- the hidden tests' reports (``TRACE_MIME``) have a budget of their own (``trace_bytes``), so a student's
  prints never crowd them out, and an error is always kept (its text cut to ``error_bytes``);
- widget state is not kept (``store_widget_state = False``).

The cells that lost output carry ``optkit_output_truncated`` = {"printed": bytes, "kept": bytes} in
their metadata; ``grading.run_notes`` says so in the row.

Below all of this, no message over ``MESSAGE_BYTES`` is read at all: the grader's sockets refuse it
(zmq's MAXMSGSIZE, set by ``warm_kernels.WarmKernelManager``) and drop the connection, which is made
again (``_connection_lost``); what the kernel sent meanwhile is lost. A cell whose output never ended
(a refused message, or a kernel that stopped sending) is graded on as it is, not an error that stops
the notebook as in nbgrader (verdicts come from the tests' reports: a lost report is a failed test),
and carries ``optkit_output_lost`` (why) in its metadata.
"""
import collections
import re

import zmq
from jupyter_client.session import Session
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Integer
from zmq.utils.monitor import parse_monitor_message

from ..labkit.trace import TRACE_MIME

TRUNCATED_KEY, LOST_KEY = "optkit_output_truncated", "optkit_output_lost"
MESSAGE_BYTES = 64 << 20  # the largest message the grader reads (strings over 16 MB are cut in the kernel)
MOST_CONTAINERS = 1_000_000  # "[" and "{" in a message the grader decodes (64 bytes each once decoded)
HEADER_BYTES = 64 << 10      # a message's header or parent header (a few hundred bytes when honest)
SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")  # a JSON-escaped UTF-16 surrogate: lone ones cannot be saved
REFUSED_TYPE = "optkit_refused"


CONTAINER_BYTES = 64  # what an empty list or dict costs the grader (a 6 MB message of them: 700 MB once)
MOST_ITEMS = 1000     # items kept of a list or dict in an output too big to keep whole
DISPLAY_ID_CHARS = 256  # a display_id is a short name (a uuid): a longer one is not remembered


def payload_bytes(value):
    """What ``value`` (nested dicts and lists) costs: the characters of its strings, 8 bytes a number and
    CONTAINER_BYTES a list or dict, counted without copying it."""
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, dict):
        return CONTAINER_BYTES + sum(len(k) + payload_bytes(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return CONTAINER_BYTES + sum(payload_bytes(v) for v in value)
    return 8


def output_bytes(output):
    """The size of an output: its text, data (base64 for images), metadata, error name and message."""
    return payload_bytes({k: v for k, v in output.items() if k != "output_type"})


def human(size):
    """1536 -> '1.5 KB'."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024


class BoundedSession(Session):
    """jupyter_client's Session on the grader's side, refusing before decoding what it cannot afford or
    read: a message holding more than MOST_CONTAINERS lists and dicts (each costs the grader about
    64 bytes once decoded: 20 million of them fit in a 64 MB message), a malformed one, or one with a
    wrong signature (raw frames sent by student code). A refused message is replaced by one of type
    REFUSED_TYPE with no parent, which nbclient leaves aside; ``refused`` counts them. (jupyter_client
    raises for these, and the notebook's grading would stop with an error.)"""

    refused = 0

    def feed_identities(self, msg_list, copy=True):
        try:
            return super().feed_identities(msg_list, copy)
        except ValueError:  # no delimiter: not a Jupyter message at all
            return [], []

    def deserialize(self, msg_list, content=True, copy=True):
        if len(msg_list) >= 5:
            parts = [p if isinstance(p, bytes) else bytes(p.bytes) for p in msg_list[1:5]]
            if (sum(p.count(b"[") + p.count(b"{") for p in parts) <= MOST_CONTAINERS
                    and max(len(parts[0]), len(parts[1])) <= HEADER_BYTES):
                try:
                    message = super().deserialize(msg_list, content, copy)
                    if any(SURROGATE.search(p) for p in parts[2:]):
                        message["content"] = _without_lone_surrogates(message["content"])
                        message["metadata"] = _without_lone_surrogates(message["metadata"])
                    return message
                except (ValueError, TypeError, KeyError, RecursionError):
                    pass
        self.refused += 1
        header = {"msg_id": "", "msg_type": REFUSED_TYPE}
        return {"header": header, "msg_id": "", "msg_type": REFUSED_TYPE, "parent_header": {}, "metadata": {},
                "content": {}, "buffers": []}


def _without_lone_surrogates(value):
    """``value`` with every lone UTF-16 surrogate in its strings replaced (U+FFFD): valid JSON, but no
    notebook holding one can be written. Iterative: the value may be deeply nested."""
    def fixed(text):
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, str):
        return fixed(value)
    stack = [value]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, item in list(items):
            if isinstance(item, str):
                node[key] = fixed(item)
            elif isinstance(item, (dict, list)):
                stack.append(item)
        if isinstance(node, dict):
            for key in [k for k in node if isinstance(k, str) and fixed(k) != k]:
                node[fixed(key)] = node.pop(key)
    return value


class BoundedExecute(Execute):
    """nbgrader's Execute preprocessor whose outputs stay within a fixed budget per notebook."""

    head_bytes = Integer(1 << 20, help="ordinary outputs kept per notebook, in order").tag(config=True)
    tail_bytes = Integer(64 << 10, help="the last outputs kept of each cell that went over").tag(config=True)
    tail_cells = Integer(8, help="cells whose tail is kept").tag(config=True)
    max_outputs = Integer(2000, help="ordinary outputs kept per notebook").tag(config=True)
    trace_bytes = Integer(16 << 20, help="the hidden tests' reports kept per notebook").tag(config=True)
    error_bytes = Integer(16 << 10, help="the text kept of one error").tag(config=True)
    error_budget = Integer(256 << 10, help="errors kept per notebook (beyond: the first of each cell)").tag(config=True)

    def preprocess(self, nb, resources, km=None):
        self.store_widget_state = False
        self._kept = self._outputs = self._traces = self._errors = 0
        self._cell_index = 0
        self._over = {}  # cell index -> {"printed": bytes, "kept": bytes, "tail": deque, "tail_size": bytes}
        self._monitors, self._lost_in_cell, self._unfinished, self._refused_before = None, False, False, 0
        self._too_deep = False
        return super().preprocess(nb, resources, km)

    def _watch_connections(self):
        """Sockets told when one of the client's sockets loses its connection (made once a kernel client
        exists: the monitors of its shell, iopub and stdin sockets, in the client's context, so that
        stopping the client closes them; read here without waiting, through a plain zmq socket)."""
        if self._monitors is not None or getattr(self, "kc", None) is None:
            return
        self._monitors = []
        for channel in (self.kc.shell_channel, self.kc.iopub_channel, self.kc.stdin_channel):
            owned = channel.socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)  # kept: it owns the monitor
            self._monitors.append((zmq.Socket.shadow(owned.underlying), owned, channel.socket))

    def _connection_lost(self):
        """Whether a socket lost its connection during this cell (a message over MESSAGE_BYTES refused),
        or the client's session refused a message (``BoundedSession``)."""
        session = getattr(getattr(self, "kc", None), "session", None)
        refused = getattr(session, "refused", 0)
        if refused != self._refused_before:
            self._refused_before, self._lost_in_cell = refused, True
        for monitor, _, socket in self._monitors or ():
            while monitor.poll(0):
                # zmq ends a connection that broke its protocol for good: made again for what follows
                endpoint = parse_monitor_message(monitor.recv_multipart())["endpoint"].decode()
                try:
                    socket.disconnect(endpoint)
                except zmq.ZMQError:
                    pass
                socket.connect(endpoint)
                self._lost_in_cell = True
        return self._lost_in_cell

    @property
    def raise_on_iopub_timeout(self):
        """False: a cell whose output never ended is noted and the notebook graded on (nbgrader's True
        stops it with an error). nbclient asks only when the cell's output did not end in time."""
        self._unfinished = True
        return False

    @raise_on_iopub_timeout.setter
    def raise_on_iopub_timeout(self, value):
        raise ValueError("BoundedExecute decides itself what a cell's unfinished output means")

    def output(self, outs, msg, display_id, cell_index):
        """One output of the kernel into ``outs``, within the budget; an output nested too deep to be
        read (or written into a notebook) is left out, and its cell noted."""
        try:
            return self._bounded_output(outs, msg, display_id, cell_index)
        except RecursionError:
            self._too_deep = True
            return None

    def _bounded_output(self, outs, msg, display_id, cell_index):
        if display_id and (len(display_id) > DISPLAY_ID_CHARS or len(self._display_id_map) >= self.max_outputs):
            display_id = None  # nbclient would remember it for the whole notebook, kept output or not
        sent = payload_bytes(msg.get("content", {})) + len(display_id or "")
        if sent > self.head_bytes:  # too big to keep whole: its strings cut before it becomes an output
            msg = {**msg, "content": _cut(msg["content"], self.tail_bytes)}
        out = super().output(outs, msg, display_id, cell_index)
        if out is None or not outs or outs[-1] is not out:
            return out
        size = output_bytes(out)
        over = self._over.get(cell_index)
        if over is not None:
            over["printed"] += sent
        if out.get("output_type") == "error":  # kept (cut) while the errors' budget lasts: one per cell at least
            for key in ("ename", "evalue"):
                out[key] = str(out.get(key, ""))[:self.error_bytes]
            out.traceback = _cut_lines(out.get("traceback", []), self.error_bytes)
            size = output_bytes(out)
            first = not any(o.get("output_type") == "error" for o in outs[:-1])
            if first or self._errors + size <= self.error_budget:
                self._errors += size
                return out
        elif TRACE_MIME in out.get("data", {}):
            if self._traces + size <= self.trace_bytes:
                self._traces += size
                return out
        elif (over is None and sent <= self.head_bytes and self._kept + size <= self.head_bytes
              and self._outputs < self.max_outputs):
            self._kept += size
            self._outputs += 1
            return out
        outs.pop()  # over the budget: only the tail of the cell is kept from now on
        if over is None:
            over = self._over[cell_index] = {"printed": self._printed(outs) + sent, "kept": self._printed(outs),
                                             "tail": collections.deque(), "tail_size": 0}
        if len(self._over) <= self.tail_cells:
            self._keep_tail(over, out, size)
        return None

    def _update_display_id(self, display_id, msg):
        """An update of a shown output (update_display_data): applied while it fits the budget."""
        try:
            size = payload_bytes(msg.get("content", {}))
        except RecursionError:
            self._too_deep = True
            return None
        if size > self.tail_bytes and self._kept + size > self.head_bytes:
            over = self._over.setdefault(self._cell_index, {"printed": 0, "kept": 0, "tail": collections.deque(),
                                                            "tail_size": 0})
            over["printed"] += size
            return None
        self._kept += size
        return super()._update_display_id(display_id, msg)

    def handle_comm_msg(self, outs, msg, cell_index):
        """Widgets are not run while grading: no output widget may capture (and keep) outputs."""
        return None

    def _printed(self, outs):
        return sum(output_bytes(o) for o in outs)

    def _keep_tail(self, over, out, size):
        if out.get("output_type") == "stream" and size > self.tail_bytes:
            out.text = out.text[-self.tail_bytes:]
            size = len(out.text)
        if size > self.tail_bytes:  # an image or data bigger than the whole tail: not kept
            return
        over["tail"].append((out, size))
        over["tail_size"] += size
        while over["tail_size"] > self.tail_bytes and len(over["tail"]) > 1:
            _, dropped = over["tail"].popleft()
            over["tail_size"] -= dropped

    def preprocess_cell(self, cell, resources, cell_index):
        self._cell_index = cell_index
        self._watch_connections()
        self._lost_in_cell = self._unfinished = self._too_deep = False
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if self._too_deep:
            cell.metadata[LOST_KEY] = "an output nested too deep to be read was left out"
        elif self._connection_lost():
            cell.metadata[LOST_KEY] = (f"a message over {human(MESSAGE_BYTES)}, unreadable or holding over "
                                       f"{MOST_CONTAINERS:,} lists or dicts was refused")
        elif self._unfinished:
            cell.metadata[LOST_KEY] = "the kernel stopped sending it"
        over = self._over.get(cell_index)
        if over is not None and cell.get("cell_type") == "code":
            tail = [out for out, _ in over.pop("tail")]
            kept = over["kept"] + sum(output_bytes(o) for o in tail)
            note = {"output_type": "stream", "name": "stdout",
                    "text": f"\n[output truncated: {human(over['printed'])} printed, {human(kept)} kept]\n"}
            cell.outputs.extend([new_output(**note), *tail])
            cell.metadata[TRUNCATED_KEY] = {"printed": over["printed"], "kept": kept}
            del over["tail_size"]
        return cell, resources


def _cut(value, limit):
    """``value`` (a message's content) with every string longer than ``limit`` cut to its last ``limit``
    characters and every list or dict to its last MOST_ITEMS items: what a kernel sent too big to keep
    is never copied whole into a notebook."""
    if isinstance(value, str):
        return value[-limit:] if len(value) > limit else value
    if isinstance(value, dict):
        return {k[-limit:]: _cut(v, limit) for k, v in list(value.items())[-MOST_ITEMS:]}
    if isinstance(value, list):
        return [_cut(v, limit) for v in value[-MOST_ITEMS:]]
    return value


def _cut_lines(lines, limit):
    kept, size = [], 0
    for line in lines:
        if size + len(line) > limit:
            kept.append(line[:max(0, limit - size)] + " ...")
            break
        kept.append(line)
        size += len(line)
    return kept
