"""What a browser would run or load from a student's work, found and made inert.

A graded notebook is opened by people: the instructor in nbgrader's formgrader (served by the Jupyter
server on its own origin, with the instructor's cookies: a script there can call ``/api/contents`` and
``/api/kernels``), the student in the feedback HTML. nbgrader's formgrade template renders markdown cells
and ``text/html``/``application/javascript`` outputs as they are, and nbconvert's ``sanitize_html`` does not
reach that template's markdown block (and, where it applies, escapes ``<p>`` and ``<h1>`` into visible text).
So the notebook itself is made inert where it is stored (``inert_notebook``: the autograded copy, which
every page is rendered from), whatever renders it later:

- a markdown cell (or ``text/markdown`` output) whose rendered HTML holds anything outside ``ALLOWED``
  (a script, an event handler, ``<meta http-equiv=refresh>``, ``<iframe>``, ``<form>``, a ``javascript:``
  link, an image or style loaded from another site) is shown as its source text, with a note;
- ``text/html`` and ``image/svg+xml`` outputs are kept only when inert; scripts, widgets and every other
  rich output type are dropped (the output keeps its ``text/plain``); output metadata keeps only numeric
  sizes and alt text (nbconvert writes ``width`` unquoted into ``<img>``: ``1 onload=...`` would run);
- files a browser would run (``runs_in_browser``: a web page, SVG, XML, a script) are never copied for
  grading (intake), since formgrader serves a submission's files from the same origin.

The check parses HTML as a browser does (html5lib), on an allow-list: what it does not know is not inert.
(Ours, not bleach's: bleach *rewrites* HTML, and the tags it keeps by default lose headings and
paragraphs; here the question is only whether anything would run or load.)
"""
import html
import mimetypes
import re
import warnings

from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

# Tags that display and do nothing else, with the attributes each may carry ("*": any of these tags).
ALLOWED = {
    "*": {"class", "title", "align", "valign", "dir", "lang", "style"},
    "a": {"href"}, "img": {"src", "alt", "width", "height"}, "font": {"color", "size", "face"},
    "ol": {"start", "type"}, "li": {"value"}, "td": {"colspan", "rowspan", "width"},
    "th": {"colspan", "rowspan", "scope", "width"}, "table": {"border", "cellpadding", "cellspacing", "width"},
    "col": {"span", "width"}, "colgroup": {"span"},
    "style": {"scoped", "type", "media"},  # pandas' tables carry a <style scoped>
    **{f"h{n}": {"id"} for n in range(1, 7)},  # nbconvert's heading anchors
}
TAGS = {"html", "head", "body", "p", "div", "span", "br", "hr", "em", "strong", "b", "i", "u", "s", "del", "ins",
        "strike", "small", "big", "sub", "sup", "code", "pre", "kbd", "samp", "var", "tt", "blockquote", "q",
        "cite", "abbr", "mark", "center", "font", "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "table", "thead",
        "tbody", "tfoot", "tr", "th", "td", "caption", "col", "colgroup", "figure", "figcaption", "details",
        "summary", "section", "article", "header", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "style"}
# SVG as plotting libraries write it (matplotlib's SVG backend): shapes, text, gradients, local references
SVG_TAGS = {"svg", "g", "path", "defs", "clippath", "clipPath", "rect", "circle", "ellipse", "line", "polyline",
            "polygon", "text", "tspan", "title", "desc", "metadata", "style", "lineargradient", "linearGradient",
            "radialgradient", "radialGradient", "stop", "mask", "pattern", "symbol", "use", "marker",
            # the <metadata> matplotlib writes (RDF, Dublin Core): read by no browser
            "rdf", "work", "format", "type", "date", "creator", "agent", "description", "language", "rights"}
SCRIPT_MIMES = re.compile(r"javascript|ecmascript", re.IGNORECASE)
KEPT_MIMES = {"text/plain", "text/latex", "image/png", "image/jpeg", "image/gif"}  # escaped or pictures
CHECKED_MIMES = {"text/html", "text/markdown", "image/svg+xml"}  # kept when inert
SAFE_CSS = re.compile(r"[\w\s.,:;#%()'\"!*>+~=\[\]{}|^$-]*")  # no backslash escapes, no '@', no '/'
CSS_LOADS = re.compile(r"url\s*\(|image-set|expression|@import|behavior|binding|src\s*\(", re.IGNORECASE)
IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*", re.IGNORECASE)
# A file of the submission, named plainly: no scheme, no escapes (%2e%2e, %2f), no backslash, not from the
# server's root, no step up, and not nbconvert's files/ prefix (its strip_files_prefix rewrites it after us)
LOCAL_FILE = re.compile(r"(?!/)(?!files/)[\w\- ./]+", re.IGNORECASE)
LINK = re.compile(r"(https?:|mailto:)[^\\]*|#.*", re.IGNORECASE)  # a fragment stays on the page
BROWSER_DROPS = re.compile(r"[\t\n\r]")  # the URL standard removes these anywhere in a URL
# What a browser runs or renders as a document when served: pages, scripts, SVG and XML (XSLT, XHTML)
ACTIVE_TYPES = re.compile(r"(html|javascript|ecmascript|xml|svg|xsl|pdf|flash|wasm)", re.IGNORECASE)


def runs_in_browser(name):
    """True when a browser served the file ``name`` (by its extension, as the Jupyter server guesses
    its type) could run script in it or render it as a document: HTML, SVG, XML, JavaScript, PDF."""
    guessed, _ = mimetypes.guess_type(name.lower(), strict=False)
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    return bool(guessed and ACTIVE_TYPES.search(guessed)) or suffix in {
        "htm", "html", "xhtml", "xht", "shtml", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs", "pdf", "mht",
        "mhtml", "swf", "wasm"}


def _css_inert(text):
    return not CSS_LOADS.search(text) and bool(SAFE_CSS.fullmatch(text))


def _url_inert(name, value, tag):
    """A URL as a browser reads it (tabs and newlines removed, leading and trailing controls and spaces
    stripped): an image only inline or from the submission's own folder; a link also to the web."""
    value = BROWSER_DROPS.sub("", value).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10"
                                               "\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    local = bool(LOCAL_FILE.fullmatch(value)) and ".." not in value.split("/")
    if name == "src":  # loaded at once
        return bool(IMAGE_DATA.fullmatch(value)) or local
    return bool(LINK.fullmatch(value)) or local


def active_html(text, svg=False):
    """Why the HTML ``text`` is not inert (str: the first thing found that would run or load), or None.
    ``svg``: the text is an SVG document (its own tags allowed; references only inside it)."""
    with warnings.catch_warnings():  # an SVG document starts with <?xml ...?>: parsed as a browser does
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(text, "html5lib")
    for node in soup.find_all(True):
        tag = node.name.split(":")[-1]
        if tag not in (SVG_TAGS if svg else TAGS) and not (svg and tag in ("html", "head", "body")):
            return f"<{node.name}>"
        if tag == "style" and not _css_inert("".join(map(str, node.contents))):  # (get_text skips style sheets)
            return "a style sheet that loads from elsewhere"
        for name, value in node.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            plain = name.split(":")[-1].lower()
            if plain.startswith("on"):
                return f"an event handler ({name})"
            if svg:
                if plain == "href" and not value.startswith("#"):
                    return f"a reference out of the picture ({name})"
                if "url(" in value.replace(" ", "").lower() and not re.fullmatch(r"\s*url\(\s*#[\w.-]+\s*\)\s*", value):
                    return f"a reference out of the picture ({name})"
                if plain == "style" and not _css_inert(value):
                    return "a style that loads from elsewhere"
                continue
            if name not in ALLOWED["*"] | ALLOWED.get(tag, set()):
                return f"<{node.name} {name}=...>"
            if name == "style" and not _css_inert(value):
                return "a style that loads from elsewhere"
            if name in ("href", "src") and not _url_inert(name, value, tag):
                return f"<{node.name} {name}={value[:60]!r}>"
    return None


MATHML_TAGS = {"math", "mi", "mn", "mo", "ms", "mtext", "mrow", "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot",
               "mstyle", "mspace", "mtable", "mtr", "mtd", "munder", "mover", "munderover", "mpadded", "mphantom",
               "menclose", "mfenced", "merror", "semantics", "annotation", "mlabeledtr", "none", "mprescripts",
               "mmultiscripts", "html", "head", "body"}
MATHML_ATTRIBUTES = {"xmlns", "display", "mathvariant", "mathcolor", "mathbackground", "mathsize", "stretchy",
                     "fence", "separator", "lspace", "rspace", "accent", "accentunder", "columnalign", "rowalign",
                     "columnlines", "rowlines", "columnspacing", "rowspacing", "linethickness", "displaystyle",
                     "scriptlevel", "width", "height", "depth", "minsize", "maxsize", "form", "movablelimits",
                     "symmetric", "largeop", "notation", "open", "close", "separators", "frame", "framespacing",
                     "equalrows", "equalcolumns", "align", "bevelled", "voffset", "class", "encoding",
                     "columnspan", "rowspan", "side", "minlabelspacing", "charalign", "charspacing"}


def active_mathml(text):
    """Why the MathML ``text`` (as latex2mathml writes it) is not inert, or None: only MathML's
    presentation tags and attributes, with no URL (latex2mathml copies ``\\text{...}`` out unescaped)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(text, "html5lib")
    for node in soup.find_all(True):
        if node.name.split(":")[-1] not in MATHML_TAGS:
            return f"<{node.name}>"
        for name, value in node.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            if name.split(":")[-1] not in MATHML_ATTRIBUTES or "(" in value or ":" in value and name != "xmlns":
                return f"<{node.name} {name}=...>"
    return None


def active_markdown(source):
    """Why the markdown ``source``, rendered as nbgrader's formgrader renders it (nbconvert's markdown
    filter), is not inert, or None."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return active_html(markdown2html_mistune(source))


def shown_as_text(source, why):
    """Markdown that shows ``source`` as text (a fenced block, escaped by every renderer) after a note
    saying ``why`` it is not rendered."""
    fence = "~" * max(3, 1 + max((len(run) for run in re.findall(r"~+", source)), default=0))
    return (f"**[This cell is shown as text by the course kit: rendered, it would run or load something in a "
            f"browser ({html.escape(why)}).]**\n\n{fence}text\n{source}\n{fence}\n")


def _inert_markdown_cell(cell, notes):
    why = active_markdown(cell.source)
    if why:
        cell.source = shown_as_text(cell.source, why)
        cell.pop("attachments", None)
        notes.append(why)


def _inert_output(output, notes):
    data = output.get("data")
    if isinstance(data, dict):
        for mime in list(data):
            value = data[mime]
            text = "".join(value) if isinstance(value, list) else value
            why = None
            if mime in CHECKED_MIMES and isinstance(text, str):
                why = (active_markdown(text) if mime == "text/markdown"
                       else active_html(text, svg=mime == "image/svg+xml"))
            elif SCRIPT_MIMES.search(mime):
                why = f"a {mime} output"
            elif mime not in KEPT_MIMES and (not mime.endswith("json") or "widget" in mime):
                del data[mime]  # rendered by no page the kit sends anyone to (widgets need their manager)
            if why:
                del data[mime]
                notes.append(why)
        if not data:
            data["text/plain"] = "[output not shown: it would run or load something in a browser]"
    metadata = output.get("metadata")
    if isinstance(metadata, dict):
        output["metadata"] = _inert_metadata(metadata)


def _inert_metadata(metadata):
    """Output metadata with only numeric sizes, alt text and nbconvert's 'unconfined' flag."""
    kept = {}
    for key, value in metadata.items():
        if key in ("width", "height") and isinstance(value, (int, float)) and not isinstance(value, bool):
            kept[key] = value
        elif key == "alt" and isinstance(value, str):
            kept[key] = value
        elif key == "unconfined" and isinstance(value, bool):
            kept[key] = value
        elif "/" in key and isinstance(value, dict):
            kept[key] = _inert_metadata(value)
    return kept


def inert_notebook(nb):
    """Make the notebook ``nb`` (nbformat v4, changed in place) inert in any browser that renders it:
    markdown, raw and output content as described in this module's docstring; the notebook's widget
    state (which nbconvert's templates render through the widget manager) is removed.
    Returns the list of what was found (empty when nothing was), for the row's message."""
    notes = []
    nb.get("metadata", {}).pop("widgets", None)  # tqdm's bars leave it in honest notebooks too: no note
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            _inert_markdown_cell(cell, notes)
        elif cell.cell_type == "raw":  # a renderer may write a text/html raw cell into the page as it is
            why = active_html(cell.source)
            if why:
                cell.source = html.escape(cell.source)
                notes.append(why)
        for output in cell.get("outputs", []):
            _inert_output(output, notes)
    return notes
