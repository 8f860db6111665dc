"""What a student, a lecturer and an instructor see, in a real browser: Debian's chromium driven by
Playwright, on a JupyterLab started here (``tests/browser.py``). Screenshots of each step are kept in
``.test-artifacts/browser/`` (git-ignored).

- student: Lab 3's blank release, Run All → the first check fails with its one-line message; the
  answers filled, Run All → every visible check passes, the figures render, no console errors; saved,
  closed, reopened → no widget errors, not marked modified; Validate fails the blank, passes the filled;
- lecturer: the demo runs, a slider move redraws the figure, the animation plays;
- instructor: the formgrader lists the assignment graded by ``python -m autograder grade`` in the same
  course directory, and a feedback HTML shows its math and its whole messages with the network off.
"""
import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

import catalogue
from autograder import notebooks, paths
from autograder.authoring import samples
from browser import ARTIFACTS, JupyterLab, browser_page, playwright_or_skip, shot

LAB = "lab3_optimizers"
FAST_DEMO = {"n_steps": 12, "animation_frames": 6, "sweep_epochs": 1, "sweep_learning_rates": [0.01, 0.1],
             "schedule_epochs": 2}
# Chromium's own noise on a machine with no network (not the notebook's): favicon and similar fetches; the
# feedback's policy refusing the icon font nbgrader's template names (a file that is not there anyway)
BENIGN = re.compile(r"favicon|net::ERR_|Failed to load resource|glyphicons-halflings")


def _set_parameters(nb, values):
    """Set ``name = value`` lines of the notebook's first code cell that assigns them (its parameters)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and any(re.search(rf"^{k}\s*=", cell.source, re.M) for k in values):
            for name, value in values.items():
                cell.source = re.sub(rf"^{name}\s*=.*$", f"{name} = {value!r}", cell.source, flags=re.M)
            return nb
    raise ValueError(f"no cell sets {sorted(values)}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a folder holding Lab 3's blank release, a filled copy (with a cell of the student's
    own that sets 3 epochs of training), and the demo; user settings of its own (no news prompt, every
    cell rendered)."""
    playwright_or_skip()
    root = tmp_path_factory.mktemp("jupyterlab")
    for assignment in paths.assignments():
        shutil.copytree(paths.NOTEBOOKS / assignment, root / assignment)
    shutil.copytree(paths.NOTEBOOKS / LAB, root / "filled")
    release = notebooks.read(root / LAB / f"{LAB}.ipynb")
    source = notebooks.read(paths.SOLUTIONS / LAB / f"{LAB}.ipynb")
    filled = samples.answered(release, source)
    after = next(i for i, c in enumerate(filled.cells) if notebooks.nbgrader_meta(c).get("grade_id") == "parameters")
    filled.cells.insert(after + 1, nbformat.v4.new_code_cell("n_epochs = 3  # a quick run (a cell of my own)"))
    nbformat.write(filled, str(root / "filled" / f"{LAB}.ipynb"))
    demo = notebooks.read(root / "demo_optimizers" / "demo_optimizers.ipynb")
    nbformat.write(_set_parameters(demo, FAST_DEMO), str(root / "demo_optimizers" / "demo_optimizers.ipynb"))
    settings = root.parent / (root.name + "-settings")
    for plugin, values in {"apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
                           # every cell in the page (JupyterLab renders only the visible ones by default)
                           "notebook-extension/tracker": {"windowingMode": "none"}}.items():
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = JupyterLab(root, ARTIFACTS / "jupyterlab.log", env={"JUPYTERLAB_SETTINGS_DIR": str(settings)})
    yield server
    server.stop()


def _open(page, lab, path):
    """Open a notebook and wait for its kernel to be idle; returns the notebook panel's locator."""
    page.goto(lab.url(f"lab/tree/{path}") + "&reset")  # no tabs restored from an earlier test's workspace
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.locator(".jp-Notebook").first.wait_for(timeout=60_000)
    page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # the kernel's info arrives, the model settles
    return panel


def _dirty(page):
    return "jp-mod-dirty" in (page.locator(".lm-TabBar-tab.jp-mod-current").first.get_attribute("class") or "")


def _menu(page, menu, item):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{item}$")).first.click()


def _run_all_and_wait(page, panel, timeout=240_000):
    """Run All, then wait until no cell is running or queued ([*])."""
    _menu(page, "Run", "Run All Cells")
    page.wait_for_timeout(1000)
    page.wait_for_function("""() => {
        const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt')];
        return prompts.some(p => /\\[\\d+\\]/.test(p.textContent)) && !prompts.some(p => p.textContent.includes('*'));
    }""", timeout=timeout)  # something ran, and nothing runs or waits any more
    page.wait_for_timeout(500)


def _outputs(panel, selector):
    return [t for t in panel.locator(selector).all_inner_texts()]


def _validate(page, name):
    """Click the notebook toolbar's Validate button; returns the dialog's text (shot ``name``, then closed)."""
    page.locator(".jp-NotebookPanel-toolbar:visible").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog-content")
    dialog.wait_for(timeout=180_000)
    page.wait_for_function("() => !document.querySelector('.jp-Dialog-content').innerText.includes('Validating')",
                           timeout=180_000)
    text = dialog.inner_text()
    shot(page, ARTIFACTS, name)
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached", timeout=10_000)
    return text


def test_student_blank_then_filled_then_reopened_then_validated(lab):
    with browser_page(ARTIFACTS, "student") as page:
        panel = _open(page, lab, f"{LAB}/{LAB}.ipynb")
        assert not _dirty(page), "a freshly opened notebook is marked modified"
        shot(page, ARTIFACTS, "student-1-opened")

        _run_all_and_wait(page, panel)
        errors = panel.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        first = errors.first.inner_text()
        errors.first.scroll_into_view_if_needed()
        shot(page, ARTIFACTS, "student-2-blank-run-all")
        assert first.startswith("test failed:") and "NotImplementedError" in first, first
        assert "Traceback" not in first and len(first.splitlines()) <= 3, first
        assert errors.count() == 1, "Run All goes on after a failed check"

        blank_validation = _validate(page, "student-3-validate-blank")
        assert "test failed:" in blank_validation and "Success" not in blank_validation, blank_validation

        panel = _open(page, lab, f"filled/{LAB}.ipynb")
        page.errors.clear()
        _run_all_and_wait(page, panel)
        shot(page, ARTIFACTS, "student-4-filled-run-all")
        stdout = "\n".join(_outputs(panel, ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']"))
        checks = [c for c in notebooks.read(paths.NOTEBOOKS / LAB / f"{LAB}.ipynb").cells
                  if notebooks.nbgrader_meta(c).get("grade_id", "").startswith(("check_", "test_"))]
        assert stdout.count("test passed") >= len(checks), stdout
        assert "test failed" not in stdout and errors.count() == 0
        figures = panel.locator(".jp-OutputArea-output img")
        assert figures.count() >= 2
        for index in range(figures.count()):
            assert figures.nth(index).evaluate("img => img.complete && img.naturalWidth > 100")
        assert "--- adam" in stdout and "test accuracy" in stdout, "the training ran"
        assert not [e for e in page.errors if not BENIGN.search(e)], page.errors

        page.keyboard.press("Control+s")
        page.wait_for_function("() => !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')",
                               timeout=30_000)
        _menu(page, "File", "Close and Shut Down Notebook…")
        page.wait_for_timeout(500)
        if page.locator(".jp-Dialog").count():  # "shut down the kernel?" confirmation
            page.locator(".jp-Dialog .jp-mod-accept").click()
        panel = _open(page, lab, f"filled/{LAB}.ipynb")
        panel.locator(".jp-OutputArea-output").first.wait_for()
        shot(page, ARTIFACTS, "student-5-reopened")
        text = panel.inner_text()
        assert "Error displaying widget" not in text and "model not found" not in text
        assert not _dirty(page)
        assert panel.locator(".jp-OutputArea-output img").count() >= 2, "the saved figures are gone"

        filled_validation = _validate(page, "student-6-validate-filled")
        assert "Success! Your notebook passes all the tests." in filled_validation, filled_validation


def test_every_released_notebook_opens_unmodified(lab):
    """JupyterLab writes the kernel's kernelspec and language_info into a notebook as it opens it: the
    release carries ipykernel's own, so nothing changes and no notebook shows as modified."""
    with browser_page(ARTIFACTS, "every-notebook") as page:
        for assignment in paths.assignments():
            _open(page, lab, f"{assignment}/{assignment}.ipynb")
            assert not _dirty(page), f"{assignment} opens marked modified"


def test_lecturer_demo_sliders_redraw_and_the_animation_plays(lab):
    with browser_page(ARTIFACTS, "lecturer") as page:
        panel = _open(page, lab, "demo_optimizers/demo_optimizers.ipynb")
        _run_all_and_wait(page, panel, timeout=300_000)
        assert not [e for e in page.errors if not BENIGN.search(e)], page.errors
        assert panel.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0

        sliders = panel.locator(".widget-slider")
        sliders.first.wait_for(timeout=60_000)
        sliders.first.scroll_into_view_if_needed()
        figure = panel.locator(".widget-output img")
        figure.first.wait_for(timeout=60_000)
        assert figure.count() == 1, "the slider figure is drawn more than once"
        track = sliders.first.locator(".slider-container").bounding_box()
        assert track["width"] >= 200, f"the slider track is only {track['width']:.0f} px long"
        shot(page, ARTIFACTS, "lecturer-1-sliders")
        before = figure.first.get_attribute("src")
        handle = sliders.first.locator(".noUi-handle")
        handle.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        page.wait_for_function("before => { const img = document.querySelector('.widget-output img');"
                               " return img && img.getAttribute('src') !== before; }", arg=before, timeout=60_000)
        shot(page, ARTIFACTS, "lecturer-2-slider-moved")

        player = panel.locator(".animation")
        player.first.scroll_into_view_if_needed()
        frame = player.locator("img").first
        first_frame = frame.get_attribute("src")
        player.locator("button[title='Play']").first.click() if player.locator("button[title='Play']").count() \
            else player.locator("button").nth(4).click()
        page.wait_for_function("([img, src]) => img.getAttribute('src') !== src",
                               arg=[frame.element_handle(), first_frame], timeout=20_000)
        shot(page, ARTIFACTS, "lecturer-3-animation")


# Active content through every channel a notebook has: each, if it ran, would set window.pwned, retitle the
# page and send a request whose address holds "pwned" (the test watches all three, and navigation).
PAYLOAD = "window.pwned=1;document.title='pwned';fetch('/pwned-{}')"
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
EVE = 'eve"><img src=x onerror=alert(9)>'  # a student id that is itself an attack (a folder name)


def _attacks(nb):
    """``nb`` with active content in markdown, raw and output channels (a right notebook stays right)."""
    new = nbformat.v4
    nb.cells[1:1] = [
        new.new_markdown_cell(f'<img src="x" onerror="{PAYLOAD.format("markdown")}"> <script>{PAYLOAD.format("s")}</script>'),
        new.new_markdown_cell('<meta http-equiv="refresh" content="1; url=/pwned-refresh"> a page that navigates away'),
        new.new_markdown_cell("![tracker](http://pwned.invalid/pixel.png) [a link](javascript:window.pwned=3)"),
        new.new_raw_cell(f'<img src="x" onerror="{PAYLOAD.format("raw")}">', metadata={"raw_mimetype": "text/html"}),
    ]
    nb.cells.append(new.new_code_cell(
        "from IPython.display import HTML, SVG, Javascript, Markdown, display\n"
        f"A = {PAYLOAD!r}\n"
        "display(HTML('<img src=\"x\" onerror=\"' + A.format('html') + '\">'))\n"
        "display(Javascript(A.format('js')))\n"
        "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"' + A.format('svg') + '\">'\n"
        "            '<script>' + A.format('svgscript') + '</script></svg>'))\n"
        "display(Markdown('<img src=\"x\" onerror=\"' + A.format('md-output') + '\">'))\n"
        f"display({{'image/png': {PNG!r}}}, raw=True,\n"
        "        metadata={'image/png': {'width': '1 onload=window.pwned=5;fetch(`/pwned-width`)'}})\n"))
    return nb


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """A course directory graded by ``python -m autograder grade``: ada right, ben a classic mistake,
    and EVE right with active content in every channel, an HTML page and an SVG beside her notebook."""
    playwright_or_skip()
    root = tmp_path_factory.mktemp("instructor")
    submissions, course = root / "submissions", root / "course"
    release = notebooks.read(paths.NOTEBOOKS / LAB / f"{LAB}.ipynb")
    source = notebooks.read(paths.SOLUTIONS / LAB / f"{LAB}.ipynb")
    ben = samples.with_mistake(release, source, LAB, "momentum_velocity_not_stored")
    for student, nb in (("ada", samples.answered(release, source)), ("ben", ben),
                        (EVE, _attacks(samples.answered(release, source)))):
        (submissions / student / LAB).mkdir(parents=True)
        nbformat.write(nb, str(submissions / student / LAB / f"{LAB}.ipynb"))
    (submissions / EVE / LAB / "notes.html").write_text(f"<script>{PAYLOAD.format('file')}</script>")
    (submissions / EVE / LAB / "figure.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg"><script>{PAYLOAD.format("svgfile")}</script></svg>')
    csv = root / "grades.csv"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submissions), "--csv", str(csv),
                          "--course-dir", str(course)], cwd=paths.REPO, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    return course, root / "grades_feedback", csv


def test_instructor_formgrader_lists_the_grades_and_feedback_reads_offline(graded_course):
    course, feedback, _ = graded_course
    server = JupyterLab(course, ARTIFACTS / "formgrader.log")
    try:
        with browser_page(ARTIFACTS, "instructor") as page:
            page.goto(server.url("tree"))  # the token logs the browser in (a cookie) for the formgrader's API
            page.goto(server.url(f"formgrader/gradebook/{LAB}/{LAB}"))
            most, full = catalogue.points(LAB)
            page.locator("tbody tr", has_text=f"/ {most:g}").nth(1).wait_for(timeout=60_000)  # both listed
            page.get_by_text("Show All Names").click()  # the formgrader hides names by default
            page.locator("a.name-shown", has_text="ada").wait_for(timeout=10_000)
            shot(page, ARTIFACTS, "instructor-1-formgrader")
            rows = page.locator("tbody tr").all_inner_texts()
            ada = next(r for r in rows if "ada" in r)
            ben = next(r for r in rows if "ben" in r)
            assert re.search(rf"{full:g}(\.0+)? / {most:g}", ada), rows
            lost = catalogue.test_points(LAB, "test_momentum")  # momentum lost, the extra credit won
            assert re.search(rf"{full - lost:g}(\.0+)? / {most:g}", ben), rows
    finally:
        server.stop()

    with browser_page(ARTIFACTS, "feedback") as page:
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                   else route.abort())  # offline: nothing but the file itself
        page.goto((feedback / "ben" / LAB / f"{LAB}.html").as_uri())
        math = page.locator("math")
        assert math.count() > 10
        box = math.first.bounding_box()
        assert box and box["width"] > 5 and box["height"] > 5, "MathML not rendered"
        assert "$10^{-6}$" not in page.inner_text("body")
        message = page.get_by_text("store the new deltas in opt.W_dt").first
        message.scroll_into_view_if_needed()
        shot(page, ARTIFACTS, "feedback-1-offline")
        assert page.evaluate("""() => [...document.querySelectorAll('div.output_area pre')]
                                .every(pre => pre.scrollWidth <= pre.clientWidth + 1)"""), "a line is cut off"
        assert "Extra credit: 1.0 of 1.0" in page.inner_text("body")
        assert not [e for e in page.errors if not BENIGN.search(e)], page.errors


def _watched(page):
    """Record on ``page`` every request and every navigation of its main frame."""
    page.requests, page.navigations = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("framenavigated", lambda frame: frame == page.main_frame and page.navigations.append(frame.url))
    page.on("dialog", lambda dialog: (page.requests.append(f"pwned: a dialog {dialog.message}"), dialog.dismiss()))


def _nothing_ran(page, url, course=None):
    """Open ``url``, wait past the 1 s refresh, and check no student content ran, loaded or navigated."""
    page.navigations.clear()
    page.requests.clear()
    page.goto(url)
    page.wait_for_timeout(2500)
    assert page.evaluate("() => window.pwned === undefined") and page.title() != "pwned", url
    assert not [r for r in page.requests if "pwned" in r], (url, page.requests)
    assert len(page.navigations) == 1, (url, page.navigations)  # the page itself, nothing after it
    assert course is None or not list(course.rglob("pwned*")), url


def test_student_content_never_runs_in_formgrader_or_feedback(graded_course):
    """Issue 23, items 1 and 2: EVE's active content (markdown HTML, a refresh, a tracker image, a raw
    text/html cell, text/html, JavaScript, SVG and markdown outputs, an image's width metadata, an HTML
    page and an SVG file beside her notebook, her id itself) never runs, loads or navigates on the pages
    the README sends people to: formgrader's lists, EVE's submission, her files, her student pages, and
    her feedback HTML. She keeps full marks (so do ada's right answers); her row says what was found."""
    from autograder.report.csv_cells import read_rows
    from nbgrader.api import Gradebook

    course, feedback, csv = graded_course
    rows = {r["student_id"]: r for r in read_rows(csv)}
    eve = rows[EVE]
    assert eve["status"] == "graded" and float(eve["score"]) == float(rows["ada"]["score"]) > 0, eve
    assert "shown inert" in eve["message"] and "notes.html" in eve["message"], eve["message"]
    assert "figure.svg" in eve["message"] and "shown inert" not in rows["ada"]["message"], rows
    folder = next(p.name for p in (course / "autograded").iterdir() if p.name.startswith("eve"))
    assert not set('<>"') & set(folder)  # nbgrader's student id: nothing formgrader could write as markup
    assert not list((course / "autograded" / folder).rglob("*.html")), "a web page was copied for grading"
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gradebook:
        submission = gradebook.find_submission_notebook(LAB, LAB, folder).id
    server = JupyterLab(course, ARTIFACTS / "formgrader-attacks.log")
    try:
        with browser_page(ARTIFACTS, "instructor-attacks") as page:
            _watched(page)
            page.goto(server.url("tree"))  # the token logs the browser in
            for path in (f"formgrader/gradebook/{LAB}/{LAB}", f"formgrader/submissions/{submission}/",
                         f"formgrader/manage_students/{folder}", f"formgrader/manage_students/{folder}/{LAB}",
                         "formgrader/manage_students", f"formgrader/manage_submissions/{LAB}"):
                _nothing_ran(page, server.url(path), course)
                shot(page, ARTIFACTS, "instructor-attacks-" + path.split("/")[1])
            page.goto(server.url(f"formgrader/submissions/{submission}/"))
            body = page.inner_text("body")
            assert "shown as text by the course kit" in body and "onerror" in body  # the attempt is visible
            for name in ("notes.html", "figure.svg"):  # formgrader's file route: never copied, so not served
                reply = page.goto(server.url(f"formgrader/submissions/{submission}/{name}"))
                assert reply.status == 404, name
                assert page.evaluate("() => window.pwned === undefined")
    finally:
        server.stop()
    with browser_page(ARTIFACTS, "feedback-attacks") as page:
        _watched(page)
        html = next((feedback / folder).rglob("*.html"))
        _nothing_ran(page, html.as_uri())
        assert "shown as text by the course kit" in page.inner_text("body")
