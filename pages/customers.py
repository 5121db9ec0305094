"""Customers: filter, pick a ready-made view, see who matches, download exactly that list,
open one customer."""

import streamlit as st

from dashboard import auth, data, downloads, handoff, predict_view, shell
from dashboard.safe import plain
from dashboard.tables import blank_missing
from segmentation import customers as cust
from segmentation.export import (ExportError, ExportNotes, UnwritableCharacter, conditions_rows, export_filename,
                                 to_csv_bytes, to_xlsx_bytes)
from segmentation.filters import filters_sentence
from segmentation.text_checks import visible
from segmentation.texts import amount_column_format, text, tier_name
from segmentation.tiers import CYCLE_STATUSES, TIER_CODES

SHOWN_ROWS = 1000
BROWSER_WARN, BROWSER_LIMIT = 100_000, 300_000
DEFAULT_COLUMNS = ["customer_id", "name", "company", "tier", "lapsed", "orders", "amount", "last_order_date",
                   "expected_next_order_date", "cycle_status", "staff", "last_contact_at"]
CONTACT_CHOICES = [None, 30, 90, 180, "never"]

view, analysis = shell.page_context(__file__)
lang, thresholds, scope = view.lang, view.thresholds, view.scope
as_of = analysis.resolve_as_of(view.as_of)
options = data.scope_options(analysis)


def export_choice(choice: str) -> None:
    """After a Shift_JIS export stopped on a character: prepare it again with "?" for such
    characters ("replace"), or as UTF-8 ("utf8", which switches the format)."""
    st.session_state["cu_export_choice"] = choice
    if choice == "utf8":
        st.session_state["cu_format"] = "csv_utf8"


def apply_ready_view() -> None:
    """Fill the filter widgets from the chosen ready-made view."""
    key = st.session_state.get("cu_view")
    ready = cust.READY_VIEWS.get(key)
    filters = ready.filters if ready else cust.CustomerFilters()
    st.session_state["cu_tiers"] = list(filters.tiers)
    st.session_state["cu_status"] = filters.status or "all"
    st.session_state["cu_cycle"] = list(filters.cycle)
    st.session_state["cu_campaign"] = (int((filters.min_campaign_share or 0) * 100), 100)
    st.session_state["cu_sort"] = ready.sort if ready else "amount"
    st.session_state["cu_within"] = filters.expected_within_days
    st.session_state["cu_lost"] = False  # "likely lost" is not part of a ready view


for key, default in (("cu_tiers", []), ("cu_status", "all"), ("cu_cycle", []), ("cu_campaign", (0, 100)),
                     ("cu_sort", "amount"), ("cu_within", None), ("cu_columns", DEFAULT_COLUMNS)):
    st.session_state.setdefault(key, default)
requested = handoff.take("ready_view")
if requested in cust.READY_VIEWS:
    st.session_state["cu_view"] = requested
    apply_ready_view()
arrived = handoff.take("tier")
if arrived in TIER_CODES:
    st.session_state["cu_tiers"] = [arrived]
    st.session_state["cu_view"] = None
    st.session_state["cu_within"] = None

st.title(text("customers_title", lang))
st.caption(text("overview_scope", lang, scope=plain(scope.describe(lang))) + f" · {text('as_of', lang)} {as_of}")
if arrived in TIER_CODES:
    st.info(text("from_trends", lang, tier=tier_name(arrived, lang)))

st.segmented_control(text("ready_views", lang), options=list(cust.READY_VIEWS), key="cu_view",
                     format_func=lambda key: text(f"view_{key}", lang), on_change=apply_ready_view)

with st.expander(text("filters", lang), expanded=True):
    c1, c2, c3, c4 = st.columns(4)
    c1.multiselect(text("filter_tiers", lang), TIER_CODES, key="cu_tiers", format_func=lambda c: tier_name(c, lang),
                   placeholder=text("scope_all", lang))
    c2.radio(text("filter_status", lang), ["all", "active", "lapsed"], key="cu_status", horizontal=True,
             format_func=lambda s: text("scope_all", lang) if s == "all" else text(f"status_{s}", lang))
    c3.multiselect(text("filter_cycle", lang), CYCLE_STATUSES, key="cu_cycle",
                   format_func=lambda c: text(f"cycle_{c}", lang), placeholder=text("scope_all", lang))
    c4.text_input(text("filter_search", lang), key="cu_search", max_chars=200)
    c1, c2, c3, c4 = st.columns(4)
    channel = c1.multiselect(text("scope_channel", lang), options.get("channel", []), key="cu_channel",
                             placeholder=text("scope_all", lang))
    staff = c2.multiselect(text("scope_staff", lang), options.get("staff", []), key="cu_staff",
                           placeholder=text("scope_all", lang))
    region = c3.multiselect(text("scope_region", lang), options.get("region", []), key="cu_region",
                            placeholder=text("scope_all", lang))
    contact = c4.selectbox(text("filter_contact", lang), CONTACT_CHOICES, key="cu_contact", format_func=lambda c: (
        text("contact_any", lang) if c is None else text("contact_never", lang) if c == "never"
        else text("contact_none_days", lang, n=c)))
    c1, c2, c3 = st.columns([1, 1, 2])
    aov_min = c1.number_input(text("filter_aov", lang) + " ≥", min_value=0.0, value=None, step=1000.0,
                              format="%.0f", key="cu_aov_min")
    aov_max = c2.number_input(text("filter_aov", lang) + " ≤", min_value=0.0, value=None, step=1000.0,
                              format="%.0f", key="cu_aov_max")
    campaign = c3.slider(text("filter_campaign", lang) + " (%)", 0, 100, key="cu_campaign")
    c1, c2 = st.columns([1, 3])
    sort = c1.selectbox(text("filter_sort", lang), list(cust.SORTS), key="cu_sort",
                        format_func=lambda s: text(f"sort_{s}", lang))
    columns = c2.multiselect(text("columns_pick", lang), list(cust.LIST_COLUMNS), key="cu_columns",
                             format_func=lambda c: text(f"col_{c}", lang))
    # The chance of coming back: only when asked (a toggle, its columns picked, "likely lost")
    horizon, lost_below = predict_view.list_controls(analysis, as_of, lang, columns)

search = st.session_state.get("cu_search") or ""
try:
    cust.CustomerFilters(search=search)
except cust.FilterError as error:  # longer than the box takes (sent around it): refused, the value named
    st.error(plain(str(error)))
    search = ""
filters = cust.CustomerFilters(
    tiers=tuple(st.session_state["cu_tiers"]),
    status=None if st.session_state["cu_status"] == "all" else st.session_state["cu_status"],
    cycle=tuple(st.session_state["cu_cycle"]),
    channel=tuple(channel), staff=tuple(staff), region=tuple(region),
    min_average_order_value=aov_min, max_average_order_value=aov_max,
    min_campaign_share=campaign[0] / 100 if campaign[0] > 0 else None,
    max_campaign_share=campaign[1] / 100 if campaign[1] < 100 else None,
    no_contact_days=contact if isinstance(contact, int) else None,
    never_contacted=contact == "never",
    expected_within_days=st.session_state.get("cu_within"),
    search=search,
    max_p_alive=lost_below,
)
columns = columns or DEFAULT_COLUMNS
if horizon is not None:  # the chance beside the latest order (what it mostly reads), else at the end
    at = columns.index("last_order_date") + 1 if "last_order_date" in columns else len(columns)
    columns = columns[:at] + [c for c in cust.PREDICTION_COLUMNS if c not in columns] + columns[at:]
total, frame = data.customer_list(analysis, thresholds, as_of, scope, filters, sort, SHOWN_ROWS, horizon_days=horizon)

st.subheader(text("matches", lang, n=total))
st.caption(text("filters_in_use", lang, filters=plain(filters_sentence(filters, lang))))
if total > SHOWN_ROWS:
    st.caption(text("showing_first", lang, shown=SHOWN_ROWS))
if horizon is not None:
    predict_view.list_note(analysis, as_of, horizon, lang)
shown = blank_missing(cust.labelled(frame[columns], lang))
money = amount_column_format(lang)
config = {text("col_customer_id", lang): st.column_config.TextColumn(pinned=True)}
for name in columns:
    label = text(f"col_{name}", lang)
    if name in ("amount", "average_order_value"):
        config[label] = st.column_config.NumberColumn(format=money)
    elif name == "campaign_share":
        config[label] = st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
    elif name == "interval_days":
        config[label] = st.column_config.NumberColumn(format="%.0f")
    elif name == "p_alive":
        config[label] = st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
    elif name == "expected_orders":
        config[label] = st.column_config.NumberColumn(format="%.2f")
event = st.dataframe(shown, hide_index=True, width="stretch", height=420, column_config=config,
                     on_select="rerun", selection_mode="single-row", key="cu_table")
st.caption(text("open_customer", lang))
rows = event.selection.rows if event and hasattr(event, "selection") else []
if rows:
    handoff.send("customer_id", frame["customer_id"].iloc[rows[0]])
    st.switch_page("pages/customer.py")

st.subheader(text("export_title", lang))
formats = {"csv_utf8": ("csv", "utf-8-sig"), "csv_cp932": ("csv", "cp932"), "xlsx": ("xlsx", None)}
left, right = st.columns([2, 3])
chosen = left.radio(text("export_format", lang), list(formats), key="cu_format", horizontal=True,
                    format_func=lambda f: text(f"export_{f}", lang))
if total > BROWSER_LIMIT:
    right.warning(text("export_too_large", lang, limit=BROWSER_LIMIT))
else:
    if total > BROWSER_WARN:
        right.warning(text("export_large", lang, n=total, limit=BROWSER_LIMIT))
    view_key = st.session_state.get("cu_view") or "custom"
    request = (analysis.key, thresholds, as_of, scope, filters, sort, tuple(columns), chosen, lang, horizon)
    choice = st.session_state.pop("cu_export_choice", None)  # after a Shift_JIS export stopped on a character
    # Personal data leaves only with a record of who took it: no record, no file.
    if (right.button(text("export_prepare", lang), key="cu_prepare") or choice) and auth.record_export(
            right, lang, total, view=view_key, as_of=as_of, thresholds=thresholds, scope=scope, filters=filters,
            format=chosen, columns=",".join(columns)):
        fmt, encoding = formats[chosen]
        full = cust.labelled(data.customer_list(analysis, thresholds, as_of, scope, filters, sort, None,
                                                horizon_days=horizon)[1][columns], lang)
        notes = ExportNotes()  # what had to change so that every value fits the file: said below
        try:
            if fmt == "csv":
                cp932_errors = "replace" if choice == "replace" else "strict"
                payload = to_csv_bytes(full, encoding=encoding, cp932_errors=cp932_errors, notes=notes)
            else:
                meta = conditions_rows(lang=lang, view=None if view_key == "custom" else view_key, as_of=as_of,
                                       thresholds=thresholds, scope=scope, filters=filters, rows=len(full))
                payload = to_xlsx_bytes(full, meta, lang=lang, notes=notes)
            st.session_state["cu_export"] = (request, payload, export_filename(view_key, as_of, fmt), fmt, notes)
            st.session_state.pop("cu_export_refused", None)
        except UnwritableCharacter as error:
            st.session_state.pop("cu_export", None)
            if error.encoding != "cp932":
                right.error(plain(str(error)))
            else:  # refused with the row and column named, and the choice offered below
                st.session_state["cu_export_refused"] = (request, text(
                    "export_cp932_refused", lang, row=error.row, column=error.column, char=visible(error.char)))
        except ExportError as error:
            right.error(plain(str(error)))
    refused = st.session_state.get("cu_export_refused")
    if refused and refused[0] == request:
        right.error(plain(refused[1]))
        right.caption(text("export_cp932_choice", lang))
        replace_column, utf8_column = right.columns(2)
        replace_column.button(text("export_cp932_replace", lang), key="cu_cp932_replace", on_click=export_choice,
                              args=("replace",))
        utf8_column.button(text("export_cp932_utf8", lang), key="cu_cp932_utf8", on_click=export_choice,
                           args=("utf8",))
    prepared = st.session_state.get("cu_export")
    if prepared and prepared[0] == request:
        downloads.offer(right, prepared, lang, total, key="cu_download")
