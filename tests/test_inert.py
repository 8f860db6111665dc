"""What a browser would run or load from a student's notebook is found and made inert (``autograder.inert``);
what a right notebook holds is left as it is. The real browser test is ``tests/test_browser.py``
(``test_student_content_never_runs_in_formgrader_or_feedback``)."""
import glob
import io

import nbformat
import pytest

from autograder import inert, paths

pytestmark = pytest.mark.fast

ACTIVE_MARKDOWN = {
    "event handler": '<img src="x" onerror="fetch(\'/api/contents/p.txt\', {method: \'PUT\'})">',
    "script": "<script>alert(1)</script>",
    "refresh": '<meta http-equiv="refresh" content="5; url=https://example.com">',
    "base": '<base href="https://example.com/">',
    "javascript link": "[click](javascript:alert(1))",
    "javascript link, mixed case": '<a href=" JaVaScRiPt:alert(1)">x</a>',
    "tracker image": "![x](https://example.com/t.png)",
    "protocol-relative image": '<img src="//example.com/t.png">',
    "image up the tree": '<img src="../../api/shutdown">',
    "image from the server root": '<img src="/logout">',
    "inline svg": '<svg onload="alert(1)"></svg>',
    "style url": '<div style="background:url(https://example.com/x)">a</div>',
    "style escape": '<div style="background:u\\72l(https://example.com/x)">a</div>',
    "style import": "<style>@import 'https://example.com/x.css';</style>",
    "iframe": "<iframe src='https://example.com'></iframe>",
    "form": '<form action="https://example.com"><button>go</button></form>',
    "object": '<object data="x.swf"></object>',
    "srcset": '<img src="a.png" srcset="https://example.com/a.png 2x">',
    "math element": "<math><maction actiontype='statusline'>x</maction></math>",
    "template": "<template><img src=x onerror=alert(1)></template>",
    # what a browser reads past a plain check: tabs and newlines dropped, controls stripped, escapes decoded
    "tab in an image's scheme": '<img src="h&#9;ttp://example.com/t.png">',
    "control before //": '<img src="&#1;//example.com/t.png">',
    "nbconvert's files/ prefix": '<img src="files//example.com/t.png">',
    "escaped steps up": '<img src="%2e%2e/%2e%2e/%2e%2e/logout">',
    "tab in a link's scheme": '<a href="java&#9;script:alert(1)">x</a>',
    "escaped link up the tree": '<a href="..%2f..%2flms_unpacked%2fnotes.html">notes</a>',
    "link up the tree": '<a href="../../../lms_unpacked/notes.html">notes</a>',
    "backslash": '<img src="\\\\example.com\\t.png">',
    "noscript": "<noscript><p title='</noscript><img src=x onerror=alert(1)>'></noscript>",
}
INERT_MARKDOWN = {
    "prose": "# Title\n\nSome *text*, `code` and a [link](https://example.com).\n\n- item\n\n> quote",
    "math": "$\\theta_{t+1} = \\theta_t - \\eta g_t$ and $x < y$ and $<img src=x onerror=alert(1)>$",
    "table": "| a | b |\n|:-|-:|\n| 1 | 2 |",
    "simple html": "<font color='red'>note</font> <b>bold</b><br><center>c</center><details><summary>s</summary>d</details>",
    "local image": "![figure](figure.png) ![inline](data:image/png;base64,iVBORw0KGgo=)",
    "korean": "## 최적화 알고리즘\n\n모멘텀 (momentum) 은 이전 gradient 를 기억합니다.",
    "anchor": "[up](#Title) and mail: <mailto:a@example.com> and [faq](#What-is-Adam?)",
}


@pytest.mark.parametrize("name", ACTIVE_MARKDOWN)
def test_markdown_that_would_run_or_load_is_found(name):
    assert inert.active_markdown(ACTIVE_MARKDOWN[name])


@pytest.mark.parametrize("name", INERT_MARKDOWN)
def test_markdown_that_only_displays_is_left_alone(name):
    assert inert.active_markdown(INERT_MARKDOWN[name]) is None


def test_every_markdown_cell_of_the_kit_is_inert():
    for path in glob.glob(str(paths.REPO / "notebooks" / "*" / "*.ipynb")) + \
            glob.glob(str(paths.REPO / "solutions" / "*" / "*.ipynb")):
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type == "markdown":
                assert inert.active_markdown(cell.source) is None, (path, cell.source[:200])


@pytest.mark.parametrize("source", [*ACTIVE_MARKDOWN.values(), "~~~\n<script>x</script>\n~~~~~~",
                                    "```\n<img src=x onerror=alert(1)>\n```", "\t<script>x</script>"])
def test_markdown_shown_as_text_is_inert_and_keeps_the_source(source):
    shown = inert.shown_as_text(source, "x")
    assert inert.active_markdown(shown) is None
    assert source in shown


def test_pictures_and_tables_of_honest_outputs_are_kept():
    import matplotlib
    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    figure = plt.figure()
    plt.plot([1, 2], [3, 4])
    plt.title("loss")
    svg = io.StringIO()
    figure.savefig(svg, format="svg")
    plt.close(figure)
    assert inert.active_html(svg.getvalue(), svg=True) is None
    pandas_table = ('<div><style scoped>\n .dataframe thead th { text-align: right; }\n</style>'
                    '<table border="1" class="dataframe"><thead><tr style="text-align: right;"><th></th><th>a</th>'
                    '</tr></thead><tbody><tr><th>0</th><td>1</td></tr></tbody></table></div>')
    assert inert.active_html(pandas_table) is None


def test_a_notebook_is_made_inert_in_every_channel():
    new = nbformat.v4
    nb = new.new_notebook(metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {}}})
    nb.cells = [
        new.new_markdown_cell(ACTIVE_MARKDOWN["event handler"]),
        new.new_markdown_cell(INERT_MARKDOWN["prose"]),
        new.new_raw_cell("<img src=x onerror=alert(1)>", metadata={"raw_mimetype": "text/html"}),
        new.new_code_cell("x", outputs=[
            new.new_output("display_data", data={"text/html": "<img src=x onerror=alert(1)>", "text/plain": "p"}),
            new.new_output("display_data", data={"application/javascript": "alert(1)"}),
            new.new_output("display_data", data={"image/svg+xml": "<svg><script>alert(1)</script></svg>"}),
            new.new_output("display_data", data={"text/markdown": "[x](javascript:alert(1))"}),
            new.new_output("display_data", data={"image/png": "iVBORw0KGgo="},
                           metadata={"image/png": {"width": "1 onload=alert(1)", "height": 20},
                                     "filenames": {"image/png": "x\" onload=\"alert(1)"}}),
            new.new_output("display_data", data={"text/html": "<b>fine</b>", "application/vnd.optkit.trace+json": {}}),
            new.new_output("stream", name="stdout", text="<script>printed text is escaped</script>"),
        ]),
    ]
    found = inert.inert_notebook(nb)
    assert len(found) == 6, found
    assert "widgets" not in nb.metadata
    assert nb.cells[0].source.startswith("**[This cell is shown as text") and nb.cells[1].source == INERT_MARKDOWN["prose"]
    assert "<img" not in nb.cells[2].source
    outputs = nb.cells[3].outputs
    assert outputs[0].data == {"text/plain": "p"}
    assert list(outputs[1].data) == list(outputs[2].data) == list(outputs[3].data) == ["text/plain"]
    assert outputs[4].metadata == {"image/png": {"height": 20}}
    assert set(outputs[5].data) == {"text/html", "application/vnd.optkit.trace+json"}
    assert outputs[6].text.startswith("<script>")  # a stream is written escaped by every renderer
    assert inert.inert_notebook(nb) == []  # once inert, nothing more is found


@pytest.mark.parametrize("name, runs", [
    ("notes.html", True), ("NOTES.HTM", True), ("page.xhtml", True), ("figure.svg", True), ("data.xml", True),
    ("app.js", True), ("report.pdf", True), ("my_optim.py", False), ("data.csv", False), ("w.npy", False),
    ("figure.png", False), ("README.md", False), ("notes.txt", False), ("noextension", False)])
def test_files_a_browser_would_run_are_known_by_their_names(name, runs):
    assert inert.runs_in_browser(name) is runs


@pytest.mark.parametrize("tex", [r"\text{<meta http-equiv='refresh' content='0;url=https://example.com'>}",
                                 r"\text{<img src=x onerror=alert(1)>}", r"\style{background-image:url(x)}{x}"])
def test_the_feedback_never_writes_markup_latex2mathml_copies_out(tex):
    from autograder.report.feedback_html import tex_to_mathml

    written = tex_to_mathml(tex, "inline")
    assert inert.active_mathml(written) is None and "<meta" not in written and "<img" not in written


def test_the_feedback_writes_the_course_math_as_mathml():
    from autograder.report.feedback_html import tex_to_mathml

    for tex in (r"\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{v_t} + \epsilon} m_t", r"\text{lr}\,\hat{m}_t",
                r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", r"\mathbb{R}^{n}"):
        assert tex_to_mathml(tex, "block").startswith("<math"), tex
