"""Stage 3, retrieve: a question -> the chunks most likely to answer it.

    hybrid.py    dense search and BM25 fused by reciprocal rank fusion (the main path)
    filters.py   which chunks a question may retrieve: dates and publishers

What the question itself says (periods, short forms, typos) is read in rag.question.
Nothing is imported here, so the CLI can read filters without loading the retriever.
"""
