"""The course's nbgrader configuration, as a function of the course directory.

Everything nbgrader does for the kit runs with this configuration: a working course directory
(``source/``, ``release/``, ``restored/``, ``autograded/``, ``feedback/`` and ``gradebook.db``),
our ``DecideFromTraces`` preprocessor between Execute and SaveAutoGrades, and hidden tests removed
from the feedback. (Deleted cells are put back before nbgrader runs: ``autograder.intake.restore``.)
"""
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, ClearOutput,
                                    DeduplicateIds, GetGrades, IgnorePattern, LimitOutput, OverwriteKernelspec,
                                    SaveAutoGrades)
from traitlets.config import Config

from ..report.feedback_html import NBGRADER_TEMPLATES, TEMPLATES, FeedbackExporter, FeedbackStyle, RedactCourseSecrets
from .bounded_execute import BoundedExecute
from .preprocessors import AwardExtraCredit, DecideFromTraces, MakeInert, NoteOverwrites

COURSE_ID = "optimizers-course"
# What nbgrader autogrades: the submissions with their cells matched to the release (intake.restore).
# Not nbgrader's `submitted/`, which `nbgrader collect` fills with the originals a run may be given.
RESTORED = "restored"


def course_config(root, db_url=None):
    """An nbgrader Config for the course directory ``root`` (SQLite gradebook there by default)."""
    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.submitted_directory = RESTORED
    # SQLite waits up to 60 s for a lock (parallel workers write one at a time) instead of failing
    c.CourseDirectory.db_url = db_url or f"sqlite:///{root}/gradebook.db?timeout=60"
    c.OverwriteCells.add_missing_cells = False  # autograder.intake.restore does it (nbgrader 0.9.6 can fail)
    # nbgrader's own sanitizing steps, its OverwriteCells keeping what it put back (tampering restore missed)
    c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, NoteOverwrites,
                                          CheckCellMetadata]
    c.Autograde.autograde_preprocessors = [
        BoundedExecute,  # nbgrader's Execute, with what a kernel sends kept within a fixed budget
        IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
        DecideFromTraces,  # the verdicts, decided here and not in the student's kernel
        SaveAutoGrades,
        AwardExtraCredit,  # extra-credit tests: their points on top of the total
        AssignLatePenalties, CheckCellMetadata,
        MakeInert,  # what formgrader and the feedback render from: nothing a browser would run or load
    ]
    c.DecideFromTraces.source_directory = c.AwardExtraCredit.source_directory = str(root / "source")
    # no output quotes the solutions or hidden tests (student code can read them in its kernel)
    c.GenerateFeedback.preprocessors = [RedactCourseSecrets, ClearHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor,
                                        FeedbackStyle]
    c.FeedbackStyle.source_directory = c.RedactCourseSecrets.source_directory = str(root / "source")
    # Feedback that reads offline and in full: math as MathML, no CDN script, long lines wrapped
    c.GenerateFeedback.exporter_class = FeedbackExporter
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), NBGRADER_TEMPLATES]
    return c
