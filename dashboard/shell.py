"""Makes every page run inside app.py.

A `pages/` folder next to app.py switches on Streamlit's older folder-based navigation for the
first run after the server starts: a bookmarked `/trends` would then run pages/trends.py on
its own, without the sidebar. `app.py` marks the runs it wraps; a page that finds no mark sends
the browser through app.py and back to itself, query parameters kept.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
MARK = "shell_running"
INTENDED = "shell_intended_page"


def leave_folder_mode() -> None:
    """Leave Streamlit's older folder-based navigation before drawing anything.

    With a `pages/` folder beside app.py, the first run after the server starts executes app.py
    (or a page alone) through that older mode; widgets drawn in it get other identities than in
    the runs that follow, so the first interaction would reset the whole sidebar. One rerun in
    the current mode avoids both problems. `PagesManager.uses_pages_directory` is Streamlit's
    own switch for this (st.navigation sets it to False too). The switch is one for the whole
    process: when several sessions start together on a fresh server (browsers reconnecting
    after a restart), another session may clear it while this run is already in folder mode,
    so the run itself is asked too (`_run_in_folder_mode`).
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory or _run_in_folder_mode():
        PagesManager.uses_pages_directory = False
        st.rerun()


def _run_in_folder_mode() -> bool:
    """Whether this script run was started in folder mode: Streamlit then runs it from
    `script_runner._mpa_v1` (look for that function when upgrading Streamlit)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "_mpa_v1":
            return True
        frame = frame.f_back
    return False


def query_items() -> list[tuple[str, str]]:
    return [(key, value) for key in st.query_params.keys() for value in st.query_params.get_all(key)]


def page_context(page_file: str):
    """(view, analysis) for a page; reroutes through app.py when run on its own."""
    leave_folder_mode()
    if not st.session_state.get(MARK):
        st.session_state[INTENDED] = Path(page_file).resolve().relative_to(ROOT).as_posix()
        st.switch_page("app.py", query_params=query_items())
    return st.session_state["view"], st.session_state["analysis"]


def run_marked(navigation) -> None:
    """Run the chosen page with the mark set; first honour a page a lone run asked for."""
    intended = st.session_state.pop(INTENDED, None)
    if intended:
        st.switch_page(intended, query_params=query_items())
    st.session_state[MARK] = True
    try:
        navigation.run()
    finally:
        st.session_state[MARK] = False
