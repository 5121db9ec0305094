"""Hand-offs between pages: one page leaves a value for the next, which takes it once.

The one way pages pass a choice on (a tier clicked in the 推移グラフ, a ready view opened from
the "act now" row, a customer picked in the list): `send(kind, value)` before `st.switch_page`
or a page link, `take(kind)` on the page that acts on it. Values live in `st.session_state`
under `handoff_<kind>`, apart from any page's own widget keys.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

KINDS = ("tier", "ready_view", "customer_id")


def _key(kind: str) -> str:
    if kind not in KINDS:
        raise KeyError(f"Unknown hand-off {kind!r}; use one of {', '.join(KINDS)}.")
    return f"handoff_{kind}"


def send(kind: str, value: Any) -> None:
    st.session_state[_key(kind)] = value


def peek(kind: str) -> Any:
    """The value waiting for the next page, left in place."""
    return st.session_state.get(_key(kind))


def take(kind: str) -> Any:
    """The value waiting for this page (None when there is none); it is gone afterwards."""
    return st.session_state.pop(_key(kind), None)
