"""Text cells of the kit's CSV that a spreadsheet cannot take for a formula, and their exact text back.

OWASP's "CSV Injection" (https://owasp.org/www-community/attacks/CSV_Injection): a spreadsheet evaluates a
cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (OWASP ASVS, requirement
V1.2.10, adds NUL), so a student folder named ``=SUM(1,1)`` or an exception message ``=HYPERLINK(...)`` would run in the
instructor's spreadsheet; the guidance is to prepend a single quote to such a cell, and it warns that the
field separators inside a field (``,`` ``;``) can start a cell too. Here:

- a field is *formula-like* when its first character that is not blank (whitespace, a control or format
  character, a double quote) is one of those, also in the forms a spreadsheet may normalise (full-width
  ``＝ ＋ － ＠``, small and super/subscript forms: any character whose NFKC form begins with one, and
  U+2212 MINUS SIGN), or when a tab, CR or NUL comes before that character;
- ``neutralised(text)`` puts a ``'`` in front of a formula-like field and of a field that already begins
  with ``'`` (so that a leading ``'`` always is the kit's, and dropping it is exact); and, for a
  spreadsheet that splits lines at ``;`` (the list separator of many locales), a ``'`` after each ``;``
  whose following text is formula-like once its leading ``'`` are set aside. A ``,`` needs nothing:
  Python's csv quotes a field that holds one, and a spreadsheet splitting at commas keeps it whole.
- ``exact(cell)`` undoes it: ``exact(neutralised(x)) == x`` for every string ``x``, so the ids an LMS needs
  back are recovered byte for byte (``read_rows`` reads a CSV of the kit that way).

Only text is neutralised: the kit's own numbers (scores, maxima, per-test points, negative ones too) are
written as numbers (``scores.write_csv``).
"""
import csv
import unicodedata

TRIGGERS = frozenset("=+-@")
CONTROL_TRIGGERS = frozenset("\t\r\0")  # dangerous wherever they stand among a field's leading blanks
OTHER_MINUS = frozenset("\u2212")  # MINUS SIGN (NFKC keeps it; some spreadsheets read it as "-")
QUOTE, SEPARATOR = "'", ";"


def _blank(char):
    return char.isspace() or char == '"' or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def _trigger(char):
    return char in TRIGGERS or char in OTHER_MINUS or unicodedata.normalize("NFKC", char)[:1] in TRIGGERS


def formula_like(text):
    """Whether a spreadsheet could read ``text`` (one cell) as a formula: its first non-blank character is
    = + - @ (or a form of them a spreadsheet may normalise), or a tab, CR or NUL comes before it."""
    for char in text:
        if char in CONTROL_TRIGGERS:
            return True
        if not _blank(char):
            return _trigger(char)
    return False


def neutralised(text):
    """``text`` as a CSV cell no spreadsheet evaluates (OWASP "CSV Injection"): ``'`` before a formula-like
    field or one beginning with ``'``, and after a ``;`` followed by formula-like text. ``exact`` undoes it."""
    head, *rest = text.split(SEPARATOR)
    if head.startswith(QUOTE) or formula_like(head):
        head = QUOTE + head
    rest = [QUOTE + part if formula_like(part.lstrip(QUOTE)) else part for part in rest]
    return SEPARATOR.join([head, *rest])


def exact(cell):
    """The text ``neutralised`` was given, from the cell it wrote (unchanged for a cell it left alone)."""
    head, *rest = cell.split(SEPARATOR)
    if head.startswith(QUOTE):
        head = head[1:]
    rest = [part[1:] if part.startswith(QUOTE) and formula_like(part.lstrip(QUOTE)) else part for part in rest]
    return SEPARATOR.join([head, *rest])


def read_rows(csv_path):
    """The rows of a CSV the kit wrote (``grades.csv``), as dicts of the exact texts (``exact``)."""
    with open(csv_path, newline="", encoding="utf-8") as handle:
        return [{k: exact(v) if isinstance(v, str) else v for k, v in row.items()} for row in csv.DictReader(handle)]
