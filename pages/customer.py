"""One customer: profile, tier today and its history, orders, contacts, and a form to log a
contact (validated, written at once, kept when the database file fails, and restored from its
draft after a save that never finished)."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import auth, charts, data, handoff, predict_view, shell
from dashboard.safe import plain
from dashboard.tables import blank_missing, smaller_figures
from segmentation import access, customers as cust
from segmentation.contact_drafts import find_draft, forget_draft
from segmentation.errors import SegmentationError
from segmentation.text_checks import shortened
from segmentation.texts import TEXTS, amount_column_format, format_amount, status_name, text, tier_name

view, analysis = shell.page_context(__file__)
lang, thresholds, scope = view.lang, view.thresholds, view.scope
as_of = analysis.resolve_as_of(view.as_of)
path = data.db_path()
# The signed-in user logs the contact (its author) and owns its draft; "local" without sign-in.
author = auth.current().name

st.title(text("customer_title", lang))
# A customer picked in the list, else the one in the URL (a bookmark), else the last one shown.
wanted = handoff.take("customer_id") or st.query_params.get("id") or st.session_state.get("cs_customer_id") or ""
customer_id = st.text_input(text("customer_pick", lang), value=wanted, key=f"cs_pick_{wanted}").strip()
if not customer_id:
    st.info(text("customer_none", lang))
    st.stop()
st.session_state["cs_customer_id"] = customer_id
st.query_params["id"] = customer_id

if not access.may_see(analysis, customer_id):  # a staff user opens only their own customers
    st.warning(text("customer_not_yours" if auth.current().restricted else "customer_unknown", lang,
                    id=plain(shortened(customer_id, lang))))
    st.stop()
try:
    record = cust.customer_record(path, customer_id, wait_seconds=2.0)
    draft = None if record is None else find_draft(path, customer_id, author, wait_seconds=2.0)
except SegmentationError as error:  # the file busy, damaged or gone: one sentence (a typed contact is kept)
    st.error(plain(error.message(lang)))
    st.stop()
if record is None:
    st.warning(text("customer_unknown", lang, id=plain(shortened(customer_id, lang))))
    st.stop()

profile = record.profile
_, rows = data.customer_list(analysis, thresholds, as_of, None, cust.CustomerFilters(customer_ids=(customer_id,)),
                             "customer_id", 1)
mine = rows[rows["customer_id"] == customer_id]
heading = profile.get("company") or profile.get("name") or customer_id
st.header(plain(heading, one_line=True))

left, right = st.columns([2, 3])
with left:
    st.subheader(text("profile", lang))
    fields = ["customer_id", "name", "company", "email", "phone", "region", "address", "channel", "staff"]
    table = pd.DataFrame({"": [text(f"col_{name}", lang) for name in fields],
                          " ": [profile.get(name) or "—" for name in fields]})
    st.dataframe(table, hide_index=True, width="stretch")
with right:
    st.subheader(text("tier_today", lang))
    if not mine.empty:
        row = mine.iloc[0]
        smaller_figures("st-key-cs_today")  # four figures side by side: こつこつ客 shows in full
        c1, c2, c3, c4 = st.container(key="cs_today").columns([3, 2, 2, 3])
        c1.metric(text("col_tier", lang), tier_name(row["tier"], lang))
        c2.metric(text("col_status", lang), status_name(None if pd.isna(row["lapsed"]) else bool(row["lapsed"]), lang) or "—")
        c3.metric(text("col_orders", lang), f"{int(row['orders']):,}")
        c4.metric(text("col_amount", lang), format_amount(row["amount"], lang))
        if isinstance(row["cycle_status"], str):
            expected = pd.Timestamp(row["expected_next_order_date"]).date()
            st.caption(f"{text('col_cycle_status', lang)}: {text('cycle_' + row['cycle_status'], lang)} · "
                       f"{text('col_expected_next_order_date', lang)}: {expected}")
    history = cust.tier_history(analysis, thresholds, customer_id, as_of)
    st.markdown(f"**{text('tier_history', lang)}**")
    st.altair_chart(charts.tier_timeline_chart(history, lang, as_of), width="stretch")
    spells = pd.DataFrame({
        text("since", lang): history["since"],
        text("col_tier", lang): [tier_name(code, lang) for code in history["tier"]],
        text("col_status", lang): [status_name(value, lang) for value in history["lapsed"]],
    }).iloc[::-1]
    st.dataframe(spells, hide_index=True, width="stretch", height=min(36 * (len(spells) + 1) + 3, 250))

predict_view.customer_section(analysis, customer_id, as_of, lang)  # the chance of coming back, when asked

st.subheader(text("orders_title", lang))
expected = None if mine.empty else mine.iloc[0]["expected_next_order_date"]
st.altair_chart(charts.orders_chart(record.orders, lang, expected), width="stretch")
st.caption(text("orders_chart_caption", lang))
orders = record.orders.drop(columns=["lines"]).rename(columns={"amount": "order_amount"})
orders.columns = [text(f"col_{c}", lang) for c in orders.columns]
st.dataframe(blank_missing(orders), hide_index=True, width="stretch", height=260, column_config={
    text("col_order_amount", lang): st.column_config.NumberColumn(format=amount_column_format(lang)),
})

left, right = st.columns([3, 2])
with left:
    st.subheader(text("contacts_title", lang))
    if record.contacts.empty:
        st.caption(text("contacts_none", lang))
    else:
        contacts = record.contacts.drop(columns=["contact_id"]).copy()
        contacts["kind"] = [text(f"kind_{k}", lang) if f"kind_{k}" in TEXTS else k for k in contacts["kind"]]
        contacts.columns = [text(f"col_{c}", lang) if c != "staff" else text("col_staff", lang) for c in contacts.columns]
        st.dataframe(blank_missing(contacts, with_time=(text("col_contacted_at", lang),)), hide_index=True,
                     width="stretch", height=260)
with right:
    st.subheader(text("contact_form", lang))
    if draft is not None:  # a save that never finished (the server killed, a full disk): back into the form once
        if st.session_state.get("cs_draft") != (customer_id, draft.saved_at):
            st.session_state["cs_draft"] = (customer_id, draft.saved_at)
            st.session_state.update(cs_when=draft.contacted_at.date(), cs_time=draft.contacted_at.time(),
                                    cs_kind=draft.kind, cs_staff=draft.staff, cs_note=draft.note)
        st.info(text("contact_draft_restored", lang))
        if st.button(text("contact_draft_discard", lang), key="cs_draft_discard"):
            try:
                forget_draft(path, customer_id, author)
            except SegmentationError as error:
                st.error(plain(error.message(lang)))
            else:
                st.session_state.pop("cs_note", None)
                st.rerun()
    with st.form("cs_contact", clear_on_submit=False):
        day_column, time_column = st.columns(2)
        when = day_column.date_input(text("contact_date", lang), value=dt.date.today(), key="cs_when")
        now = dt.datetime.now().time().replace(second=0, microsecond=0)
        at = time_column.time_input(text("contact_time", lang), value=now, key="cs_time", step=dt.timedelta(minutes=5))
        kind = st.selectbox(text("contact_kind", lang), cust.CONTACT_KINDS, key="cs_kind",
                            format_func=lambda k: text(f"kind_{k}", lang))
        staff = st.text_input(text("contact_staff", lang), value=profile.get("staff") or "", key="cs_staff", max_chars=60)
        note = st.text_area(text("contact_note", lang), key="cs_note", max_chars=2000)
        submitted = st.form_submit_button(text("contact_save", lang), type="primary")
    if submitted:
        try:
            cust.log_contact(path, customer_id, dt.datetime.combine(when, at or dt.time()), kind, staff, note,
                             author=author)
        except SegmentationError as error:  # bad input, or the file busy, read-only, full: the form keeps it
            st.error(plain(error.message(lang)))
        else:
            st.session_state["cs_flash"] = text("contact_saved", lang)
            st.session_state.pop("cs_note", None)
            st.rerun()
    if not submitted and record.data_version != analysis.data_version \
            and st.session_state.get("cs_reread") != record.data_version:
        # New data arrived while this page ran (an import): the tier figures above come from the
        # previous copy, the orders from the new file. Once more, so that they agree.
        st.session_state["cs_reread"] = record.data_version
        st.rerun()
    flash = st.session_state.pop("cs_flash", None)
    if flash:
        st.success(flash)
