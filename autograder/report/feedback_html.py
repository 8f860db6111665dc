"""Feedback HTML that reads right offline and in full.

nbgrader's feedback template loads MathJax from a CDN, so a student who opens the file offline sees raw
LaTeX (``$10^{-6}$``), and its output boxes cut long lines at their edge. Here the math is written as
MathML when the HTML is made (``latex2mathml``; browsers render MathML themselves), the template
(``templates/optkit_feedback``, which extends nbgrader's) loads no script, long lines wrap, and an
extra-credit test says so instead of "Score: 1.0 / 0.0".

Used by the grader's nbgrader config: ``GenerateFeedback.exporter_class = FeedbackExporter`` and
``GenerateFeedback.preprocessors += [RedactCourseSecrets, ..., FeedbackStyle]``.
"""
import json
from pathlib import Path

import nbgrader
from jinja2 import pass_context
from latex2mathml.converter import convert
from markupsafe import escape
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode, validate

from .. import inert, notebooks
from ..engine.preprocessors import from_source

TEMPLATES = Path(__file__).resolve().parent / "templates"
# nbgrader's own templates (its feedback page, which ours extends)
NBGRADER_TEMPLATES = str(Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates")
TEMPLATE_NAME = "optkit_feedback"

# Output text wraps instead of running past the box (a failure message is often one long line).
STYLE = """
div.output_area pre, div.output_subarea pre, div.output_text pre { white-space: pre-wrap; overflow-wrap: anywhere; }
div.output_subarea { max-width: 100%; overflow-x: visible; }
div.output_area:has(div.output_error pre:empty) { display: none; }  /* a failed test's marker (no text) */
math[display="block"] { margin: 0.6em 0; }
span.optkit-extra-credit { color: #2b6a2b; font-weight: bold; }
"""


def tex_to_mathml(tex, display):
    """MathML for the TeX ``tex`` (``display``: "inline" or "block"); the TeX itself, escaped and
    between dollars, when latex2mathml cannot read it or writes more than MathML (a reader still sees
    what was written)."""
    dollars = "$$" if display == "block" else "$"
    try:
        mathml = convert(tex, display=display)
    except Exception:  # latex2mathml raises its own errors and plain ones for unsupported commands
        return f"{dollars}{escape(tex)}{dollars}"
    # latex2mathml copies \text{...} out unescaped: MathML holding anything else is shown as its TeX
    return f"{dollars}{escape(tex)}{dollars}" if inert.active_mathml(mathml) else mathml


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer with math written as MathML instead of left for MathJax."""

    def block_math(self, body):
        return tex_to_mathml(body, "block")

    def inline_math(self, body):
        return tex_to_mathml(body, "inline")

    def latex_environment(self, name, body):
        return tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")


class FeedbackExporter(HTMLExporter):
    """HTMLExporter whose markdown filter renders math as MathML (``MathMLRenderer``), with the
    ``optkit_feedback`` template."""

    @validate("template_name")
    def _template_name_validate(self, proposal):  # the name of TemplateExporter's own validator: replaces it
        # nbgrader's API sets template_name = "feedback" on every call; our page extends that one
        name = super()._template_name_validate(proposal)
        return TEMPLATE_NAME if name == "feedback" else name

    @validate("extra_template_paths")
    def _with_nbgrader_templates(self, proposal):
        # nbgrader replaces this list (with its CSS folder); ours extends 'feedback/index.html.j2' from there
        return [*proposal["value"], NBGRADER_TEMPLATES]

    @pass_context
    def markdown2html(self, context, source):
        # HTMLExporter.markdown2html with another renderer: nbconvert offers no setting for the renderer
        cell = context.get("cell", {})
        renderer = MathMLRenderer(
            escape=False, attachments=cell.get("attachments", {}), embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text, exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options)
        return MarkdownWithMath(renderer=renderer).render(source)


class FeedbackStyle(NbGraderPreprocessor):
    """After nbgrader's GetGrades and CSSHTMLHeaderPreprocessor: adds ``STYLE`` to the inlined CSS,
    and marks each extra-credit test cell with its points (``extra_credit`` in its nbgrader metadata,
    read from the instructor's source notebook), which the template shows as "Extra credit: 1.0 of 1.0"."""

    source_directory = Unicode("", help="The course's source/ directory").tag(config=True)

    def preprocess(self, nb, resources):
        resources.setdefault("inlining", {}).setdefault("css", []).append(STYLE)
        extra = from_source(self.source_directory, resources["nbgrader"], "extra credit",
                            lambda path: notebooks.extra_credit(notebooks.read(path)))
        for grade_id, cell in notebooks.test_cells(nb).items():
            if grade_id in extra:
                notebooks.nbgrader_meta(cell)["extra_credit"] = extra[grade_id]
        return nb, resources


REDACTED_OUTPUT = "[output removed from the feedback: it quotes the course's solutions or hidden tests]\n"
REDACTED_LINE = "[line removed from the feedback: it quotes the hidden tests]"
MIN_QUOTE = 12  # a hidden-test line shorter than this ('else:', ')') is no quote


def secret_quotes(path):
    """(delimiters, lines) of the source notebook at ``path`` that no student output may quote: nbgrader's
    begin delimiters (only the source holds them), and each hidden-test line of at least ``MIN_QUOTE``
    characters, as written and as JSON writes it (a notebook file printed)."""
    lines = set()
    for cell in notebooks.read(path).cells:
        for line in notebooks.split_region(cell.source, notebooks.HIDDEN_TESTS)[0]:
            line = line.strip()
            if len(line) >= MIN_QUOTE:
                lines |= {line, json.dumps(line)[1:-1]}
    return tuple(begin for begin, _ in notebooks.delimiters().values()), tuple(sorted(lines))


class RedactCourseSecrets(NbGraderPreprocessor):
    """Before ClearHiddenTests: no output in the feedback quotes the course's solutions or hidden tests.
    Hidden tests run in the student's kernel, where student code can read them (IPython's ``In``, a
    ``pre_run_cell`` hook) and print them, and a traceback through a hidden test quotes its line; a file
    of the course slipped into a submission can be printed whole. An output holding a begin delimiter is
    replaced whole (``REDACTED_OUTPUT``); a line quoting a hidden-test line is replaced (``REDACTED_LINE``)."""

    source_directory = Unicode("", help="The course's source/ directory").tag(config=True)

    def preprocess(self, nb, resources):
        delimiters, lines = from_source(self.source_directory, resources["nbgrader"], "secret quotes", secret_quotes)
        for cell in nb.cells:
            outputs = cell.get("outputs", [])
            for index, output in enumerate(outputs):
                outputs[index] = _redacted(output, delimiters, lines)
        return nb, resources


def _redacted(output, delimiters, lines):
    """``output`` without its quotes of ``lines``, or a stream saying it was removed (a delimiter in it)."""
    from nbformat.v4 import new_output

    texts = [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", []),
             *(v for v in output.get("data", {}).values() if isinstance(v, str))]
    texts = ["".join(t) if isinstance(t, list) else str(t) for t in texts]
    if any(d in text for text in texts for d in delimiters):
        return new_output("stream", name="stdout", text=REDACTED_OUTPUT)

    def clean(text):
        if not any(q in text for q in lines):
            return text
        return "\n".join(REDACTED_LINE if any(q in line for q in lines) else line for line in text.split("\n"))

    if "text" in output:
        output["text"] = clean("".join(output["text"]) if isinstance(output["text"], list) else output["text"])
    if "evalue" in output:
        output["evalue"] = clean(output["evalue"])
    if "traceback" in output:
        output["traceback"] = [clean(entry) for entry in output["traceback"]]
    for mime, value in output.get("data", {}).items():
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            output["data"][mime] = clean("".join(value) if isinstance(value, list) else value)
    return output
