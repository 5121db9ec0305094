"""Trends: the 推移グラフ, revenue, moves per period, a year before, transitions between two
dates, cohorts and channels. Clicking a tier selects it for the customer list."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import actions, charts, data, handoff, shell
from dashboard.safe import plain
from segmentation.periods import FREQS, same_day_a_year_before
from segmentation.texts import amount_column_format, status_name, text, tier_name
from segmentation.tiers import TIER_CODES

view, analysis = shell.page_context(__file__)
lang, thresholds, scope = view.lang, view.thresholds, view.scope
as_of = analysis.resolve_as_of(view.as_of)

st.title(text("trends_title", lang))
st.caption(text("overview_scope", lang, scope=plain(scope.describe(lang))))

left, middle, right = st.columns(3)
freq = left.segmented_control(text("freq", lang), options=list(FREQS), default="month",
                              format_func=lambda f: text(f"freq_{f}", lang), key="tr_freq") or "month"
mode = middle.segmented_control(text("chart_mode", lang), options=["area", "line"], default="area",
                                format_func=lambda m: text(f"mode_{m}", lang), key="tr_mode") or "area"
status = right.segmented_control(
    text("status_filter", lang), options=["both", "active", "lapsed"], default="both", key="tr_status",
    format_func=lambda s: text("status_both", lang) if s == "both" else text(f"status_{s}", lang),
) or "both"

counts = data.tier_counts_over_time(analysis, thresholds, freq=freq, end=as_of, scope=scope)
if counts.empty:
    st.info(text("no_periods", lang))
    st.stop()

st.subheader(text("counts_title", lang))
event = st.altair_chart(charts.counts_over_time_chart(counts, lang, mode=mode, status=status),
                        width="stretch", on_select="rerun", key="tr_counts_chart")
selected = None
try:
    points = event["selection"]["tier"]
    if points:
        selected = points[0].get("tier")
except (KeyError, TypeError, IndexError, AttributeError):
    selected = None
if selected in TIER_CODES:
    handoff.send("tier", selected)
if handoff.peek("tier"):
    chosen = tier_name(handoff.peek("tier"), lang)
    st.info(text("selected_tier", lang, tier=chosen))
    st.page_link("pages/customers.py", label=text("open_in_list", lang, tier=chosen), icon=":material/list:")
st.caption(text("counts_caption", lang))

actions.act_now(view, analysis, as_of, "tr")


def show_revenue() -> None:
    st.subheader(text("revenue_title", lang))
    revenue = data.revenue_over_time(analysis, thresholds, freq=freq, end=as_of, scope=scope)
    st.altair_chart(charts.revenue_over_time_chart(revenue, lang), width="stretch")


def show_movements() -> None:
    st.subheader(text("movements_title", lang))
    moves = data.movements_over_time(analysis, thresholds, freq=freq, end=as_of, scope=scope)
    tier_filter = st.selectbox(text("movements_tier", lang), options=[None, *TIER_CODES], key="tr_moves_tier",
                               format_func=lambda c: text("scope_all", lang) if c is None else tier_name(c, lang))
    st.altair_chart(charts.movements_chart(moves, lang, tier=tier_filter), width="stretch")


def show_year_before() -> None:
    st.subheader(text("yoy_title", lang))
    last_end = counts["period_end"].max()
    year_before = same_day_a_year_before(last_end)
    year_counts = data.tier_counts(analysis, thresholds, as_of=year_before, scope=scope)
    now_counts = counts[counts["period_end"] == last_end]
    yoy = now_counts.merge(year_counts[["tier", "lapsed", "customers"]], on=["tier", "lapsed"], how="left",
                           suffixes=("", "_before"))
    table = pd.DataFrame({
        text("col_tier", lang): [tier_name(t, lang) for t in yoy["tier"]],
        text("col_status", lang): [status_name(s, lang) for s in yoy["lapsed"]],
        f"{last_end:%Y-%m-%d}": yoy["customers"],
        f"{year_before:%Y-%m-%d}": yoy["customers_before"].fillna(0).astype(int),
        text("yoy_change", lang): yoy["customers"] - yoy["customers_before"].fillna(0).astype(int),
    })
    st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3)


def show_transitions() -> None:
    st.subheader(text("transitions_title", lang))
    earliest = analysis.earliest_order_date or as_of
    c1, c2 = st.columns(2)
    default_from = max(earliest, as_of - dt.timedelta(days=365))
    date_from = c1.date_input(text("transitions_from", lang), value=default_from, min_value=earliest,
                              max_value=as_of, key="tr_from")
    date_to = c2.date_input(text("transitions_to", lang), value=as_of, min_value=earliest,
                            max_value=max(as_of, analysis.resolve_as_of()), key="tr_to")
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    matrix = data.transitions(analysis, thresholds, date_from=date_from, date_to=date_to, scope=scope)
    st.altair_chart(charts.transition_heatmap(matrix, lang), width="stretch")


def show_cohorts() -> None:
    st.subheader(text("cohort_title", lang))
    cohorts = data.cohort_retention(analysis, as_of=as_of, scope=scope, cohorts=12)
    st.altair_chart(charts.cohort_chart(cohorts, lang), width="stretch")
    st.caption(text("cohort_caption", lang))


def show_channels() -> None:
    st.subheader(text("channels_title", lang))
    channels = data.channel_conversion(analysis, thresholds, as_of=as_of, scope=scope)
    st.altair_chart(charts.channel_chart(channels, lang), width="stretch")
    shown = pd.DataFrame({
        text("col_channel", lang): channels["channel"].fillna(text("unknown", lang)),
        text("col_acquired", lang): channels["acquired"],
        text("col_second_share", lang): channels["second_order_share"],
        text("col_loyal_share", lang): channels["loyal_share"],
        text("col_amount_per_customer", lang): channels["amount_per_customer"],
    })
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        text("col_second_share", lang): st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
        text("col_loyal_share", lang): st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
        text("col_amount_per_customer", lang): st.column_config.NumberColumn(format=amount_column_format(lang)),
    })


SECTIONS = {
    "revenue": show_revenue, "movements": show_movements, "year_before": show_year_before,
    "transitions": show_transitions, "cohorts": show_cohorts, "channels": show_channels,
}
# One analysis at a time below the 推移グラフ: a slider move then recomputes and redraws only
# what is on screen (the page stays under a second on a million customers).
section = st.segmented_control(text("trends_section", lang), options=list(SECTIONS), default="revenue",
                               format_func=lambda key: text(f"section_{key}", lang), key="tr_section") or "revenue"
SECTIONS[section]()
