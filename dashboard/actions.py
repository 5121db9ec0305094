"""The "act now" row: how many customers each ready-made view holds, with a button that opens
the customer list on that view (shared by the overview and trends pages)."""

from __future__ import annotations

import streamlit as st

from segmentation.filters import READY_VIEWS
from segmentation.texts import text

from . import data, handoff


#: The views whose counts move with the tier sliders, and those counted once per lapse and cycle
#: setting (a move of `min_orders`, `min_tenure_days` or `min_amount` finds them counted).
_READS_TIER_RULES = tuple(key for key, view in READY_VIEWS.items() if view.reads_tier_rules)
_READS_NO_TIER_RULE = tuple(key for key in READY_VIEWS if key not in _READS_TIER_RULES)


def ready_counts(view, analysis, as_of) -> dict[str, int]:
    """How many customers each ready-made view holds, for the view's thresholds and scope."""
    thresholds, scope = view.thresholds, view.scope
    counts = data.ready_view_counts(analysis, thresholds.without_tier_rules(), as_of=as_of, scope=scope,
                                    views=_READS_NO_TIER_RULE)
    counts |= data.ready_view_counts(analysis, thresholds, as_of=as_of, scope=scope, views=_READS_TIER_RULES)
    return {key: counts[key] for key in READY_VIEWS}


def act_now(view, analysis, as_of, key_prefix: str, counts: dict[str, int] | None = None) -> None:
    """The row; `counts` when the page has them already (`ready_counts`)."""
    st.subheader(text("act_now_title", view.lang))
    counts = ready_counts(view, analysis, as_of) if counts is None else counts
    columns = st.columns(len(READY_VIEWS))
    for column, key in zip(columns, READY_VIEWS):
        total = counts[key]
        with column.container(border=True):
            # Five to a row: a short name that shows in full, the view's full name on hover.
            st.metric(text(f"view_tile_{key}", view.lang), f"{total:,}", help=text(f"view_{key}", view.lang))
            if st.button(text("act_now_open", view.lang), key=f"{key_prefix}_act_{key}", on_click=handoff.send,
                         args=("ready_view", key), icon=":material/list:"):
                st.switch_page("pages/customers.py")
