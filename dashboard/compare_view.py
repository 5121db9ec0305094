"""The overview's comparison of two threshold settings, shown when its toggle is on.

B is the sliders as they are; A is a saved preset or the sliders before their last change
(`sidebar.remember_thresholds` keeps them). Drawn: both settings in words, the customers per
tier and status under A and B with the difference (table and bars), the matrix from tier under
A to tier under B (a click on a cell, or the picker below it, opens the customers of that move),
and that list with its export, audited like every export of customers. Session keys start with
`ov_cmp_`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from segmentation import compare as engine_compare
from segmentation import customers as cust
from segmentation.export import ExportError, ExportNotes, conditions_rows, export_filename, to_csv_bytes, to_xlsx_bytes
from segmentation.filters import CustomerFilters
from segmentation.scope import Scope
from segmentation.texts import amount_column_format, status_name, text, tier_name
from segmentation.thresholds import Thresholds

from . import auth, data, downloads, handoff
from .charts_compare import CELL_SELECTION, cell_key, compare_heatmap, difference_chart
from .safe import plain
from .tables import blank_missing

compare = data.cached(engine_compare.compare)
changers = data.cached(engine_compare.changers, max_entries=64, reads_contacts=True,
                       waits_for=lambda arguments: cust.LIST_TABLES)

SHOWN_ROWS = 1000
BROWSER_LIMIT = 300_000
COLUMNS = ["customer_id", "name", "company", "tier", "lapsed", "orders", "amount", "last_order_date",
           "cycle_status", "staff", "last_contact_at"]
FORMATS = {"csv_utf8": ("csv", "utf-8-sig"), "csv_cp932": ("csv", "cp932"), "xlsx": ("xlsx", None)}
PREVIOUS = "previous"  # the source of A: the sliders before their last change


def _described(thresholds: Thresholds, lang: str) -> str:
    return ("、" if lang == "ja" else "; ").join(thresholds.describe(lang))


def setting_a(path: Path, lang: str) -> Thresholds | None:
    """The picker of A (the sliders before their last change, or a saved preset) and its
    thresholds; None when the sliders have not moved yet and they are asked for."""
    saved = data.presets(path)
    options = [PREVIOUS, *saved]
    if st.session_state.get("ov_cmp_source") not in options:
        st.session_state["ov_cmp_source"] = PREVIOUS  # a preset deleted meanwhile
    source = st.selectbox(text("compare_source", lang), options, key="ov_cmp_source",
                          format_func=lambda name: text("compare_source_previous", lang) if name == PREVIOUS
                          else text("compare_source_preset", lang, name=name))
    if source == PREVIOUS:
        return st.session_state.get("sb_previous_thresholds")
    return saved[source]


def clicked_cell(event: Any) -> str | None:
    """The key of the matrix cell the chart's selection holds, or None."""
    try:
        points = event["selection"][CELL_SELECTION]
        return points[0].get("cell") if points else None
    except (KeyError, TypeError, IndexError, AttributeError):
        return None


def show(path: Path, analysis, lang: str, b: Thresholds, as_of, scope: Scope) -> None:
    """The comparison section of the overview."""
    st.subheader(text("compare_title", lang))
    a = setting_a(path, lang)
    if a is None:
        st.info(text("compare_no_previous", lang))
        return
    st.caption(text("compare_a", lang, thresholds=plain(_described(a, lang))))
    st.caption(text("compare_b", lang, thresholds=plain(_described(b, lang))))

    matrix = compare(analysis, a, b, as_of=as_of, scope=scope)
    counts = engine_compare.compare_counts(matrix)
    moves = engine_compare.moves(matrix)
    total = int(matrix["customers"].sum()) if not matrix.empty else 0
    changed = sum(n for _, n in moves)
    if changed == 0:
        st.info(text("compare_same", lang))
    else:
        st.markdown(text("compare_changed", lang, n=changed, total=total, share=changed / total))

    st.markdown(f"**{text('compare_counts_title', lang)}**")
    left, right = st.columns([1, 1])
    table = pd.DataFrame({
        text("col_tier", lang): [tier_name(tier, lang) for tier in counts["tier"]],
        text("col_status", lang): [status_name(lapsed, lang) for lapsed in counts["lapsed"]],
        text("compare_col_a", lang): counts["customers_a"],
        text("compare_col_b", lang): counts["customers_b"],
        text("compare_col_difference", lang): counts["difference"],
    })
    left.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3, key="ov_cmp_counts",
                   column_config={text("compare_col_a", lang): st.column_config.NumberColumn(format="%,d"),
                                  text("compare_col_b", lang): st.column_config.NumberColumn(format="%,d"),
                                  text("compare_col_difference", lang): st.column_config.NumberColumn(format="%+,d")})
    right.altair_chart(difference_chart(counts, lang), width="stretch")

    st.markdown(f"**{text('compare_matrix_title', lang)}**")
    event = st.altair_chart(compare_heatmap(matrix, lang), width="stretch", on_select="rerun", key="ov_cmp_matrix")
    st.caption(text("compare_matrix_caption", lang))
    by_key = {cell_key(m.tier_a, m.lapsed_a, m.tier_b, m.lapsed_b): (m, n) for m, n in moves}
    clicked = clicked_cell(event)
    if clicked != st.session_state.get("ov_cmp_clicked"):  # a new click picks its cell once
        st.session_state["ov_cmp_clicked"] = clicked
        if clicked in by_key:
            st.session_state["ov_cmp_move"] = clicked
    if st.session_state.get("ov_cmp_move") not in by_key:
        st.session_state["ov_cmp_move"] = None  # the move no longer happens under these settings
    chosen = st.selectbox(text("compare_move_pick", lang), [None, *by_key], key="ov_cmp_move",
                          placeholder=text("compare_move_pick", lang),
                          format_func=lambda key: "—" if key is None else text(
                              "compare_move_option", lang, move=by_key[key][0].describe(lang), n=by_key[key][1]))
    if chosen is not None:
        show_changers(analysis, lang, a, b, by_key[chosen][0], as_of, scope)


def show_changers(analysis, lang: str, a: Thresholds, b: Thresholds, move: engine_compare.Move, as_of,
                  scope: Scope) -> None:
    """The customers of one move: the first rows (a row opens the customer) and the export."""
    total, frame = changers(analysis, a, b, move, as_of=as_of, scope=scope, sort="amount", limit=SHOWN_ROWS)
    st.markdown(f"**{text('compare_list_title', lang, move=move.describe(lang), n=total)}**")
    st.caption(text("compare_list_caption", lang))
    if total > SHOWN_ROWS:
        st.caption(text("showing_first", lang, shown=SHOWN_ROWS))
    config = {text("col_customer_id", lang): st.column_config.TextColumn(pinned=True),
              text("col_amount", lang): st.column_config.NumberColumn(format=amount_column_format(lang))}
    event = st.dataframe(blank_missing(cust.labelled(frame[COLUMNS], lang)), hide_index=True, width="stretch",
                         height=320, column_config=config, on_select="rerun", selection_mode="single-row",
                         key="ov_cmp_table")
    st.caption(text("open_customer", lang))
    rows = event.selection.rows if event and hasattr(event, "selection") else []
    if rows:
        handoff.send("customer_id", frame["customer_id"].iloc[rows[0]])
        st.switch_page("pages/customer.py")
    export(analysis, lang, a, b, move, as_of, scope, total)


def _conditions(lang: str, a: Thresholds, b: Thresholds, move: engine_compare.Move, as_of, scope: Scope,
                rows: int) -> list[tuple[str, str]]:
    """The 条件 sheet: the list's conditions under B, then setting A and the move."""
    meta = conditions_rows(lang=lang, view="compare", as_of=as_of, thresholds=b, scope=scope,
                           filters=CustomerFilters(), rows=rows)
    meta[3:3] = [(text("meta_compare_a", lang), _described(a, lang)),
                 (text("meta_compare_move", lang), move.describe(lang))]
    return meta


def export(analysis, lang: str, a: Thresholds, b: Thresholds, move: engine_compare.Move, as_of, scope: Scope,
           total: int) -> None:
    """The download of the move's customers: recorded in the audit before the file is made."""
    left, right = st.columns([2, 3])
    chosen = left.radio(text("export_format", lang), list(FORMATS), key="ov_cmp_format", horizontal=True,
                        format_func=lambda f: text(f"export_{f}", lang))
    if total > BROWSER_LIMIT:
        right.warning(text("compare_export_too_large", lang, limit=BROWSER_LIMIT))
        return
    cell = cell_key(move.tier_a, move.lapsed_a, move.tier_b, move.lapsed_b)
    request = (analysis.key, a, b, as_of, scope, move, chosen, lang)
    if right.button(text("export_prepare", lang), key="ov_cmp_prepare") and auth.record_export(
            right, lang, total, view="compare", as_of=as_of, thresholds=b, scope=scope, compared_with=a.as_dict(),
            move=cell, format=chosen, columns=",".join(COLUMNS)):
        fmt, encoding = FORMATS[chosen]
        full = cust.labelled(changers(analysis, a, b, move, as_of=as_of, scope=scope, sort="amount",
                                      limit=None)[1][COLUMNS], lang)
        notes = ExportNotes()  # characters Shift_JIS lacks are written as "?", counted and said below
        try:
            if fmt == "csv":
                payload = to_csv_bytes(full, encoding=encoding, cp932_errors="replace", notes=notes)
            else:
                payload = to_xlsx_bytes(full, _conditions(lang, a, b, move, as_of, scope, len(full)), lang=lang,
                                        notes=notes)
            name = export_filename(f"compare {move.tier_a} to {move.tier_b}", as_of, fmt)
            st.session_state["ov_cmp_export"] = (request, payload, name, fmt, notes)
        except ExportError as error:
            right.error(plain(str(error)))
    prepared = st.session_state.get("ov_cmp_export")
    if prepared and prepared[0] == request:
        downloads.offer(right, prepared, lang, total, key="ov_cmp_download")
