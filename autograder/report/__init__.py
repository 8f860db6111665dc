"""Report: the scores out of the gradebook, the CSV, the score table and the feedback HTML."""
