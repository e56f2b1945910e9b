"""Cut an article into chunks of whole sentences, sized in tiktoken tokens.

Sentences are added to a chunk until the next one would pass `max_tokens`; the
next chunk starts with the last `overlap` sentences of the previous one, so a fact
that spans a boundary is whole in at least one chunk. A sentence longer than
`max_tokens` becomes a chunk of its own: sentences are never cut.

    sentences (tokens): a(60) b(60) c(60) d(60), max_tokens=130, overlap=1
    -> [a b] [b c] [c d]
"""

from __future__ import annotations

import datetime as dt

from rag.records import Article, Chunk
from rag.sentences import split_sentences
from rag.tokens import count_tokens


def chunk_article(article: Article, *, max_tokens: int, overlap: int) -> list[Chunk]:
    header = chunk_header(article)
    units = [(s, count_tokens(s), paragraph) for paragraph, line in enumerate(article.body.splitlines())
             for s in split_sentences(line)]  # fmt: skip
    chunks: list[Chunk] = []
    start = 0
    while start < len(units):
        end, total = start, 0
        while end < len(units) and (end == start or total + units[end][1] <= max_tokens):
            total += units[end][1]
            end += 1
        chunks.append(_make_chunk(article.id, len(chunks), header, units[start:end]))
        if end >= len(units):
            break
        # Step back `overlap` sentences, but always move forward by at least one.
        start = max(end - overlap, start + 1)
    return chunks


def chunk_header(article: Article) -> str:
    """'Title | Publisher | 2024-01-22 (January 22, 2024)': both retrievers see the source and the date.

    The date is also written in words, so that "in January 2024" in a question
    matches the articles of that month for BM25 as well as for embeddings.
    """
    date = f"{article.published} ({_in_words(article.published)})" if article.published else ""
    return " | ".join(part for part in (article.title, article.publisher, date) if part)


def _in_words(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day:%B} {day.day}, {day.year}"


def _make_chunk(article_id: str, position: int, header: str, units: list[tuple[str, int, int]]) -> Chunk:
    parts: list[str] = []
    for i, (sentence, _, paragraph) in enumerate(units):
        if i:
            parts.append("\n" if paragraph != units[i - 1][2] else " ")
        parts.append(sentence)
    text = "".join(parts)
    return Chunk(article_id=article_id, position=position, text=text, header=header, tokens=count_tokens(text))
