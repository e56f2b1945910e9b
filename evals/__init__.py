"""The offline eval suite: graded questions in, metrics and a report out. Not tests: it measures."""
