"""Engine: nbgrader run for real (course directory, preprocessors, the reference's reports, the journal)."""
