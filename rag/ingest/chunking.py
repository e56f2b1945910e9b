"""Cut an article into chunks of whole sentences, sized in tiktoken tokens and fitted to the embedder.

Sentences are added to a chunk until the next one would pass `max_tokens`, or until the
chunk with its header would no longer fit what the embedding model reads (`fits`); the
next chunk starts with the last `overlap` sentences of the previous one, so a fact that
spans a boundary is whole in at least one chunk:

    sentences (tokens): a(60) b(60) c(60) d(60), max_tokens=130, overlap=1
    -> [a b] [b c] [c d]

A sentence too long for a chunk of its own (a table row run together, a page with no full
stops) is cut between words into pieces that fit, so the model never truncates a chunk and
no text goes unembedded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from rag.records import Article, Chunk, indexed_text
from rag.text.sentences import split_sentences
from rag.text.tokens import count_tokens

Fits = Callable[[str], bool]  # whether the embedding model reads this text whole


def chunk_article(article: Article, *, max_tokens: int, overlap: int, fits: Fits | None = None) -> list[Chunk]:
    header = chunk_header(article)
    fits_whole = fits or (lambda text: True)

    def fits_chunk(text: str, tokens: int) -> bool:
        return tokens <= max_tokens and fits_whole(indexed_text(header, text))

    units: list[tuple[str, int, int]] = []  # (sentence or piece, tokens, paragraph)
    for paragraph, line in enumerate(article.body.splitlines()):
        for sentence in split_sentences(line):
            tokens = count_tokens(sentence)
            pieces = [sentence] if fits_chunk(sentence, tokens) else _cut(sentence, fits_chunk)
            units.extend((piece, count_tokens(piece), paragraph) for piece in pieces)

    chunks: list[Chunk] = []
    start = 0
    while start < len(units):
        end, total = start + 1, units[start][1]
        while end < len(units) and fits_chunk(_join(units[start : end + 1]), total + units[end][1]):
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


def _cut(sentence: str, fits_chunk: Callable[[str, int], bool]) -> list[str]:
    """The sentence cut between words into the longest pieces that fit (a single word always counts as fitting)."""
    words = sentence.split(" ")
    pieces: list[str] = []
    start = 0
    while start < len(words):
        # Double the run of words until it no longer fits, then binary-search between the last two sizes,
        # so a megabyte without a full stop costs a few tokenizer calls per piece, not per word.
        low, size = start + 1, 1
        while low < len(words) and _fits_words(words, start, min(start + 2 * size, len(words)), fits_chunk):
            low, size = min(start + 2 * size, len(words)), 2 * size
        high = min(start + 2 * size, len(words)) - 1 if low < len(words) else low
        while low < high:
            middle = (low + high + 1) // 2
            if _fits_words(words, start, middle, fits_chunk):
                low = middle
            else:
                high = middle - 1
        pieces.append(" ".join(words[start:low]))
        start = low
    return pieces


def _fits_words(words: list[str], start: int, end: int, fits_chunk: Callable[[str, int], bool]) -> bool:
    piece = " ".join(words[start:end])
    return fits_chunk(piece, count_tokens(piece))


def _in_words(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day:%B} {day.day}, {day.year}"


def _join(units: list[tuple[str, int, int]]) -> str:
    parts: list[str] = []
    for i, (sentence, _, paragraph) in enumerate(units):
        if i:
            parts.append("\n" if paragraph != units[i - 1][2] else " ")
        parts.append(sentence)
    return "".join(parts)


def _make_chunk(article_id: str, position: int, header: str, units: list[tuple[str, int, int]]) -> Chunk:
    text = _join(units)
    return Chunk(article_id=article_id, position=position, text=text, header=header, tokens=count_tokens(text))
