"""Finance short forms as people type them, and the phrases articles use for them (rag/data/glossary.yaml).

A question is searched with each short form it uses spelled out beside it, so both retrievers
find the article that writes the phrase in full:

    expand("gs target for the r2k?") -> "gs (Goldman Sachs) target for the r2k (Russell 2000)?"

and a short form counts as a word the articles know when they know its full phrase
("R2K" is not an unknown name when an article says "Russell 2000"; "BTC" still is when none
says "Bitcoin"). Matching ignores case, with three exceptions: a short form that is also an
everyday word ("US", "May") must be typed as the glossary writes it; a two-letter one typed
as a title ("Ms Yellen") is a word; and a name that starts a longer name ("Russell 1000",
"Dow Jones Transportation Average") is left to be that name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import yaml

from rag.errors import ConfigError
from rag.text.terms import STOPWORDS, terms

GLOSSARY_PATH = Path(__file__).parent.parent / "data" / "glossary.yaml"
# The safe loader, with libyaml's parser when PyYAML has it: the same data, about 6 times faster on each start.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Glossary:
    entries: dict[str, tuple[str, ...]]  # short form as written in the file -> full phrases, most common first

    @classmethod
    def load(cls, path: Path = GLOSSARY_PATH) -> Glossary:
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"The glossary {path.name} cannot be read: {exc}") from exc
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and v and all(isinstance(p, str) for p in v)
            for k, v in data.items()
        ):
            raise ConfigError(f"The glossary {path.name} must map each short form to a list of phrases.")
        return cls({key: tuple(value) for key, value in data.items()})

    def expand(self, question: str) -> str:
        """The question with each short form's main phrase in brackets after it, unless the question has it."""
        asked = set(terms(question))

        def spell_out(match: re.Match[str]) -> str:
            typed = match.group("form")
            phrase = self._phrase(typed)
            if phrase is None or set(terms(phrase)) <= asked or _starts_a_longer_name(typed, question[match.end() :]):
                return match.group(0)
            return f"{match.group(0)} ({phrase})"

        return self._pattern.sub(spell_out, question)

    def split_spelled_out(self, question: str) -> tuple[list[tuple[str, str]], str]:
        """The (short form, phrase) pairs that `expand` wrote into a question, in order, and the question with
        each of those short forms and its phrase replaced by a space.

        split_spelled_out("gs's (Goldman Sachs) target for the r2k (Russell 2000)?")
            -> ([("gs", "Goldman Sachs"), ("r2k", "Russell 2000")], "  target for the  ?")
        """
        pairs, rest, kept_from = [], [], 0
        for match in self._pattern.finditer(question):
            phrase = self._phrase(match.group("form"))
            bracket = f" ({phrase})"
            if phrase is not None and question.startswith(bracket, match.end()):
                pairs.append((match.group("form"), phrase))
                rest.append(question[kept_from : match.start()])
                kept_from = match.end() + len(bracket)
        return pairs, " ".join([*rest, question[kept_from:]])

    def phrases(self, word: str) -> tuple[str, ...]:
        """The full phrases of a short form or of its term ("r2k", "pe" -> ...); () when it is not one."""
        return self._lookup.get(word) or self._lookup.get(word.casefold()) or self._by_term.get(word) or ()

    def is_short_form(self, word: str) -> bool:
        """Whether `word` is a short form as typed ("R2K", "gs"), not merely a stem of one ("russel")."""
        return word in self._lookup or word.casefold() in self._lookup

    def _phrase(self, typed: str) -> str | None:
        entry = self._lookup.get(typed) or self._lookup.get(typed.casefold())
        if not entry or (len(typed) <= 2 and typed.istitle()):
            return None  # "Ms Yellen" is not Morgan Stanley; "MS" and "ms" are
        return entry[0]

    @cached_property
    def _lookup(self) -> dict[str, tuple[str, ...]]:
        table = {}
        for key, phrases in self.entries.items():
            table[key] = phrases
            if not _is_everyday_word(key):  # "US" and "May" only as written; "r2k" as "R2K"
                table.setdefault(key.casefold(), phrases)
        return table

    @cached_property
    def _by_term(self) -> dict[str, tuple[str, ...]]:
        """Short forms as the pipeline's terms see them: "P/E" -> "pe", "R2K" -> "r2k"."""
        table: dict[str, tuple[str, ...]] = {}
        for key, phrases in self.entries.items():
            for term in terms(key):
                table.setdefault(term, phrases)
        return table

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        keys = sorted(self._lookup, key=len, reverse=True)  # "S&P 500" before "S&P"
        forms = "|".join(re.escape(k) for k in keys)
        # "gs's target" -> "gs's (Goldman Sachs) target": a possessive stays with its short form. Inside a
        # hyphenated word ("gs-backed", "Nasdaq-100") a short form is part of something else.
        return re.compile(rf"(?<![\w&/'-])(?P<form>{forms})(?:['’]s)?(?![\w&/-])", re.IGNORECASE)


def _is_everyday_word(key: str) -> bool:
    """'US', 'May', 'Wells': read as a short form only when written as the glossary writes it."""
    return key.casefold() in STOPWORDS or key.casefold() in EVERYDAY_WORDS


def _starts_a_longer_name(typed: str, after: str) -> bool:
    """'Russell 1000', 'Dow Jones Transportation', 'S&P MidCap 400': a name word followed by more of a name.

    Only name-like short forms (capitalised words, "S&P") start longer names; "GS 12-month" is GS.
    """
    name_like = (typed[:1].isupper() and not typed.isupper()) or "&" in typed
    return name_like and re.match(r"\s+(?:\d|[A-Z][a-z])", after) is not None


# Short forms that are also everyday English words in lower case: "us", "may", "wells", ...
EVERYDAY_WORDS = frozenset("us may mar wells piper empire comp".split())


@cache
def default_glossary() -> Glossary:
    return Glossary.load()
