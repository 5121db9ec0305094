"""Text a person typed, a file carried or a URL held, before it is stored and when a message names it.

Names, notes and searches are stored and searched exactly as typed, quotes, `' OR 1=1 --`,
`<script>`, emoji and right-to-left text included (every value travels to DuckDB as a
parameter; pages show it through `dashboard.safe.plain`). What is refused is refused with a
message that names the value:

- `first_control(text, allowed)`: the first control character (C0, DEL, C1) other than those in
  `allowed`; a preset name or a staff name holds none, a note may hold tabs and line breaks;
- `shortened(text, lang)`: the value as a message quotes it, control characters made visible
  (NUL as "␀", tab as "␉") and a long one cut to its first 40 characters with its length
  ("xxxx… (100,000 characters)"), so a 100,000-character value never fills a page or a terminal;
- `visible(char)`: one control character as the symbol that shows it.
"""

from __future__ import annotations

import re

SHORTENED_LENGTH = 40
#: Tab, line feed and carriage return: what a note (several lines) may hold.
LINE_CONTROLS = "\t\n\r"

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def visible(char: str) -> str:
    """`char` as it shows in a message: Unicode's Control Pictures for C0 controls (␀ ␉ ␊ ␍) and
    DEL (␡), "<U+0085>" for a C1 control, a lone surrogate as "�", any other character itself."""
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    if 0x80 <= code <= 0x9F:
        return f"<U+{code:04X}>"
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return char


def first_control(text: str, allowed: str = "") -> str | None:
    """The first control character of `text` not in `allowed`, or None."""
    for match in _CONTROL.finditer(text):
        if match.group() not in allowed:
            return match.group()
    return None


def shortened(text: str, lang: str = "en", limit: int = SHORTENED_LENGTH) -> str:
    """`text` for a message: control characters visible, cut to `limit` characters with its length."""
    shown = _CONTROL.sub(lambda match: visible(match.group()), text[:limit])
    if any("\ud800" <= char <= "\udfff" for char in shown):
        shown = "".join(visible(char) for char in shown)
    if len(text) <= limit:
        return shown
    from .texts import text as catalogue

    return catalogue("shortened_value", lang, start=shown, n=len(text))


def control_name(char: str) -> str:
    """A control character named for a message: "U+0000 (␀)"."""
    return f"U+{ord(char):04X} ({visible(char)})"
