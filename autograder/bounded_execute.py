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
"""
import collections

from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Integer

from .labkit.trace import TRACE_MIME

TRUNCATED_KEY = "optkit_output_truncated"


def output_bytes(output):
    """The size of an output's payload, in characters of its text and data (base64 for images)."""
    total = 0
    for key in ("text", "evalue", "traceback", "data"):
        value = output.get(key)
        if isinstance(value, str):
            total += len(value)
        elif isinstance(value, list):
            total += sum(len(v) for v in value if isinstance(v, str))
        elif isinstance(value, dict):
            total += sum(len(v) if isinstance(v, str) else len(str(v)) for v in value.values())
    return total


def human(size):
    """1536 -> '1.5 KB'."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024


class BoundedExecute(Execute):
    """nbgrader's Execute preprocessor whose outputs stay within a fixed budget per notebook."""

    head_bytes = Integer(1 << 20, help="ordinary outputs kept per notebook, in order").tag(config=True)
    tail_bytes = Integer(64 << 10, help="the last outputs kept of each cell that went over").tag(config=True)
    tail_cells = Integer(8, help="cells whose tail is kept").tag(config=True)
    max_outputs = Integer(2000, help="ordinary outputs kept per notebook").tag(config=True)
    trace_bytes = Integer(16 << 20, help="the hidden tests' reports kept per notebook").tag(config=True)
    error_bytes = Integer(16 << 10, help="the text kept of one error").tag(config=True)

    def preprocess(self, nb, resources, km=None):
        self.store_widget_state = False
        self._kept = self._outputs = self._traces = 0
        self._over = {}  # cell index -> {"printed": bytes, "kept": bytes, "tail": deque, "tail_size": bytes}
        return super().preprocess(nb, resources, km)

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is None or not outs or outs[-1] is not out:
            return out
        size = output_bytes(out)
        over = self._over.get(cell_index)
        if over is not None:
            over["printed"] += size
        if out.get("output_type") == "error":
            out.evalue = out.get("evalue", "")[:self.error_bytes]
            out.traceback = _cut_lines(out.get("traceback", []), self.error_bytes)
            return out
        if TRACE_MIME in out.get("data", {}):
            if self._traces + size <= self.trace_bytes:
                self._traces += size
                return out
        elif over is None and self._kept + size <= self.head_bytes and self._outputs < self.max_outputs:
            self._kept += size
            self._outputs += 1
            return out
        outs.pop()  # over the budget: only the tail of the cell is kept from now on
        if over is None:
            over = self._over[cell_index] = {"printed": self._printed(outs) + size, "kept": self._printed(outs),
                                             "tail": collections.deque(), "tail_size": 0}
        if len(self._over) <= self.tail_cells:
            self._keep_tail(over, out, size)
        return None

    def _printed(self, outs):
        return sum(output_bytes(o) for o in outs)

    def _keep_tail(self, over, out, size):
        if out.get("output_type") == "stream" and size > self.tail_bytes:
            out.text = out.text[-self.tail_bytes:]
            size = self.tail_bytes
        over["tail"].append((out, size))
        over["tail_size"] += size
        while over["tail_size"] > self.tail_bytes and len(over["tail"]) > 1:
            _, dropped = over["tail"].popleft()
            over["tail_size"] -= dropped

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
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


def _cut_lines(lines, limit):
    kept, size = [], 0
    for line in lines:
        if size + len(line) > limit:
            kept.append(line[:max(0, limit - size)] + " ...")
            break
        kept.append(line)
        size += len(line)
    return kept
