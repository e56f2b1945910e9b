"""Reading the question before it is searched and answered. Heuristics, each behind a setting.

    reading.py    the question as searched: typos corrected, then short forms spelled out (RAG_READ_QUESTIONS)
    spelling.py   typo correction against the index's own words
    glossary.py   finance short forms and the phrases articles use for them
    periods.py    the periods a question names ("late 2023", "Q2 2024"), as date ranges

Both retrieval (the period's articles first) and the answerers (evidence of another time) use these.
"""
