"""Intake: which file is each student's notebook (folders, LMS zips), and its cells matched to the release's."""
