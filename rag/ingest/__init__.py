"""Stage 1, ingest: article files -> clean Articles -> chunks with their sentence vectors, swapped into the index.

    pipeline.py          the stage wired together: ingest(folder) brings the index in line with the files
    readers/             one reader a format (.txt/.md, .html, .pdf): text plus the file's own metadata
    documents.py         find files and make a RawDocument from what the reader found
    articles.py          RawDocument -> Article: page chrome stripped (clean.py), text left checked
    clean.py             page chrome out of captured text, failing towards keeping text
    headline.py          a title for a file without one: its first line, when that reads as a headline
    chunking.py          Article -> chunks of whole sentences, sized in tokens
    sentence_vectors.py  each chunk's sentences embedded once, kept in its metadata
    duplicates.py        near-duplicate articles (MinHash), flagged rather than indexed twice

Nothing is imported here: `rag ask` never pays for the ingest stage.
"""
