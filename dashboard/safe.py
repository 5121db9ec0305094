"""Values from data or users inside text that Streamlit renders as Markdown, shown exactly as text.

`st.markdown`, `st.caption`, `st.info`/`warning`/`error`/`success`, `st.header`/`subheader`, and
widget and metric labels read their text as Markdown: a customer named `**x**`, `[a](javascript:..)`,
`![](http://x)`, `$x$`, `:red[x]` or `<script>` would become bold text, a link, an image, a
formula, coloured text or HTML. `plain(value)` is the one way a value from a file, a form, the
URL or the database enters such text: `st.caption(text("overview_scope", lang, scope=plain(...)))`.
Values going to `st.dataframe`, selectbox options or `st.code` are plain text already and are
not passed through it (they would show the escapes). `code(value)` is the same for a command
to copy, shown as code; `seen(markdown)` undoes `plain`: what a reader sees, for tests.

What `plain` does, so the browser shows the value's characters and nothing else:
- every ASCII punctuation character gets a backslash (CommonMark's escape: `\\*` shows `*`), so
  no emphasis, link, image, code, heading, list, table, HTML, entity, math or directive starts;
- a line break becomes a hard break (backslash, newline), so a value never starts a new block
  (in a heading or label, `one_line=True`, it shows as "␊");
- a control character shows as its visible symbol (NUL as "␀", tab as "␉", carriage return as
  "␍"; C1 controls as "<U+0085>"), and a broken character (a lone surrogate) as "�"
  (`segmentation.text_checks.visible`, which messages of the package use too);
- Streamlit also rewrites text after parsing (`:smile:` to an emoji, `:streamlit:` to its logo,
  `www.x.jp`, `http://x` and `a@b.jp` to links, ` -> ` to an arrow, ` -- ` to a dash), which
  no escape prevents: an invisible word joiner (U+2060) after every ":" and "@", between "www"
  and ".", and between two of `-<>=~` breaks those patterns without changing what is seen;
- the value sits between Unicode's first-strong isolate and its pop (U+2068 ... U+2069), so
  right-to-left text or a stray direction override inside it never reorders the sentence
  around it.

Spaces are kept in the text, but the browser shows a run of them as one and none at the start of
a line, as HTML does everywhere.
"""

from __future__ import annotations

import re
import string
from typing import Any

from segmentation.text_checks import visible

WORD_JOINER = "\u2060"
ISOLATE, POP_ISOLATE = "\u2068", "\u2069"
#: Invisible characters `plain` adds (a test reading the text back removes exactly these).
ADDED_INVISIBLE = (WORD_JOINER, ISOLATE, POP_ISOLATE)

_PUNCTUATION = frozenset(string.punctuation)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])|\\\n")
_INVISIBLE = {ord(char): None for char in ADDED_INVISIBLE}


def _escaped(text: str) -> str:
    return "".join("\\" + char if char in _PUNCTUATION else char for char in text)


#: Each character `plain` writes differently: ASCII punctuation escaped, controls and broken
#: characters as their visible symbols (escaped in turn), a line break as a hard break.
_MARKED = {ord(char): "\\" + char for char in _PUNCTUATION}
_MARKED.update({code: _escaped(visible(chr(code)))
                for code in (*range(0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000))})
_MARKED_ONE_LINE = dict(_MARKED)
_MARKED[ord("\n")] = "\\\n"
_JOINS = (  # where Streamlit would rewrite the parsed text: an invisible word joiner breaks the pattern
    (re.compile(r"(\\[:@])"), "\\1" + WORD_JOINER),  # :emoji:, :streamlit:, http://, a@b.jp
    (re.compile(r"(www)(\\\.)", re.IGNORECASE), "\\1" + WORD_JOINER + "\\2"),  # www.x.jp
    (re.compile(r"(\\[-<>=~])(?=\\[-<>=~])"), "\\1" + WORD_JOINER),  # -> <- -- >= <= ~=
)


def plain(value: Any, *, one_line: bool = False) -> str:
    """`value` as Markdown that shows its text exactly (None shows as nothing).

    `one_line` for a heading or a label, which end at a line break: a line break inside the value
    then shows as "␊" instead.
    """
    if value is None:
        return ""
    source = str(value)
    if not source:
        return ""
    marked = source.translate(_MARKED_ONE_LINE if one_line else _MARKED)
    for pattern, replacement in _JOINS:
        marked = pattern.sub(replacement, marked)
    return ISOLATE + marked + POP_ISOLATE


def code(value: Any) -> str:
    """`value` as a Markdown code span that shows it exactly (a command to copy): inside a code
    span only a run of backticks as long as the fence ends it, so the fence is one longer than any
    run in the value, with a space inside when the value starts or ends with a backtick or a space
    (Markdown drops one such space on each side). A line break shows as a space, any other control
    character as its symbol (`visible`). Streamlit turns ":material/" into an icon's name before
    reading the Markdown, code spans included: a word joiner after the colon keeps it as written."""
    text = "".join(" " if char == "\n" else visible(char) for char in str(value))
    text = text.replace(":material/", ":" + WORD_JOINER + "material/")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    padded = text[:1] in ("`", " ") or text[-1:] in ("`", " ")
    return f"{fence} {text} {fence}" if padded else f"{fence}{text}{fence}"


def seen(markdown: str) -> str:
    """The text a reader sees of Markdown that `plain` made (alone or inside a sentence of the text
    catalogue without Markdown of its own): escapes undone, hard breaks as line breaks, the
    invisible characters `plain` added dropped. Tests compare what pages show with it."""
    text = _ESCAPED.sub(lambda match: "\n" if match.group(1) is None else match.group(1), markdown)
    return text.translate(_INVISIBLE)
