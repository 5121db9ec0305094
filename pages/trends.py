"""Trends: the 推移グラフ, revenue, moves per period, a year before, transitions between two
dates, cohorts and channels. Clicking a tier selects it for the customer list."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import actions, charts, charts_forecast, data, handoff, shell
from dashboard.safe import plain
from segmentation import forecast
from segmentation.periods import FREQS, same_day_a_year_before
from segmentation.texts import format_amount, status_name, text, tier_name
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

# Counted before the charts are drawn, as on the overview (`dashboard/overview.py`).
counts = data.tier_counts_over_time(analysis, thresholds, freq=freq, end=as_of, scope=scope)
ready = actions.ready_counts(view, analysis, as_of)
if counts.empty:
    st.info(text("no_periods", lang))
    st.stop()

st.subheader(text("counts_title", lang))
horizon = st.columns([1, 3])[0].selectbox(
    text("forecast_control", lang), options=[0, *range(forecast.MIN_PERIODS, forecast.MAX_PERIODS + 1)],
    key="tr_forecast", format_func=lambda n: text("forecast_off", lang) if n == 0 else str(n))
ahead, checked = None, None
if horizon:
    try:
        ahead, checked = data.forecast_with_backtest(analysis, thresholds, freq=freq, periods=horizon,
                                                     as_of=as_of, scope=scope)
    except forecast.ForecastError as error:
        st.info(error.message(lang))
event = st.altair_chart(charts_forecast.counts_with_forecast_chart(counts, ahead, lang, mode=mode, status=status),
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
if ahead is not None:
    st.caption(text("forecast_method", lang, history=forecast.DEFAULT_HISTORY))
    at_horizon = checked[checked["horizon"] == horizon]
    if at_horizon.empty or not at_horizon["origins"].iloc[0] or pd.isna(at_horizon["forecast_mape"].iloc[0]):
        st.caption(text("forecast_backtest_short", lang))
    else:  # the band's own check is said only when some band could be checked
        banded = pd.notna(at_horizon["coverage"].iloc[0])
        st.caption(text("forecast_backtest" if banded else "forecast_backtest_unbanded", lang, periods=horizon,
                        origins=int(at_horizon["origins"].iloc[0]), error=at_horizon["forecast_mape"].iloc[0],
                        naive=at_horizon["naive_mape"].iloc[0], coverage=at_horizon["coverage"].iloc[0]))
    band_note = forecast.band_note(checked)
    if band_note:
        st.caption(text(band_note[0], lang, **band_note[1]))

actions.act_now(view, analysis, as_of, "tr", counts=ready)


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
    # The funnel and costs per channel (segmentation/channel_cost.py) and the prospects that look
    # like loyal customers (segmentation/prospects.py).
    from dashboard import auth, charts_channels
    from segmentation import channel_cost, prospects

    st.subheader(text("channels_title", lang))
    costs = channel_cost.read_costs(data.db_path())
    channels = data.channel_economics(analysis, thresholds, as_of=as_of, scope=scope, costs=costs)
    st.altair_chart(charts.channel_chart(channels, lang), width="stretch")
    st.subheader(text("channels_funnel_title", lang))
    st.altair_chart(charts_channels.funnel_chart(channels, lang), width="stretch")
    percent = st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
    count = st.column_config.NumberColumn(format="%,d")
    # Money and days as text: a channel without customers or costs shows an empty cell, never "None".
    money = lambda v: "" if v is None or pd.isna(v) else format_amount(round(float(v)), lang)  # noqa: E731
    days = lambda v: "" if v is None or pd.isna(v) else f"{float(v):g}"  # noqa: E731
    columns = {"channel": None, "acquired": count, "second_order_share": percent, "loyal_share": percent,
               "reached_loyal_share": percent, "median_days_to_loyal": days, "amount_per_customer": money,
               "cost": money, "cost_per_acquired": money, "cost_per_repeat": money, "cost_per_loyal": money}
    labels = {"channel": "col_channel", "acquired": "col_acquired", "second_order_share": "col_second_share",
              "loyal_share": "col_loyal_share", "amount_per_customer": "col_amount_per_customer"}
    shown = pd.DataFrame({text(labels.get(c, f"col_{c}"), lang): [kind(v) for v in channels[c]] if callable(kind)
                          else channels[c] for c, kind in columns.items()})
    shown[text("col_channel", lang)] = [text("unknown", lang) if c is None else c for c in channels["channel"]]
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={text(labels.get(c, f"col_{c}"), lang): kind for c, kind in columns.items()
                                if kind is percent or kind is count})
    st.caption(text("funnel_caption", lang))
    if not channel_cost.costs_apply(analysis, scope):
        st.info(text("costs_not_for_scope", lang))
    elif not costs:
        st.caption(text("costs_none_yet", lang))
    enter_costs(channel_cost, auth.current(), [c for c in channels["channel"] if c is not None], costs)

    st.subheader(text("lift_title", lang))
    lifts = data.attribute_lifts(analysis, thresholds, as_of=as_of, scope=scope)
    st.altair_chart(charts_channels.lift_chart(lifts, lang), width="stretch")
    st.caption(text("lift_caption", lang, k=prospects.PRIOR_WEIGHT))
    st.subheader(text("prospects_title", lang))
    top = data.prospect_scores(analysis, thresholds, as_of=as_of, scope=scope, lang=lang, limit=20)
    st.dataframe(pd.DataFrame({
        text("col_customer_id", lang): top["customer_id"],
        text("col_tier", lang): [tier_name(t, lang) for t in top["tier"]],
        text("col_loyal_score", lang): top["loyal_score"],
        text("col_reason", lang): top["reason"],
    }), hide_index=True, width="stretch", column_config={text("col_loyal_score", lang): percent})
    st.caption(text("prospects_caption", lang, k=prospects.PRIOR_WEIGHT))
    if st.button(text("open_prospects", lang), key="tr_open_prospects", icon=":material/list:",
                 on_click=handoff.send, args=("ready_view", "prospects_to_approach")):
        st.switch_page("pages/customers.py")


def enter_costs(channel_cost, person, known: list, costs) -> None:
    """The admin's form for a channel's cost in a month (saved, audited, shown at once)."""
    with st.expander(text("costs_title", lang), expanded=False):
        if costs:
            st.dataframe(channel_cost.costs_frame(costs).rename(columns={
                "channel": text("col_channel", lang), "month": text("col_month", lang),
                "amount": text("col_cost_amount", lang)}), hide_index=True, width="stretch")
        if not person.can("set_costs"):
            st.caption(text("costs_admin_only", lang))
            return
        with st.form("tr_cost_form", clear_on_submit=False, border=False):
            c1, c2, c3 = st.columns(3)
            c1.selectbox(text("cost_channel", lang), options=known, key="tr_cost_channel", accept_new_options=True)
            c2.text_input(text("cost_month", lang), value=f"{as_of:%Y-%m}", key="tr_cost_month", max_chars=7)
            c3.number_input(text("cost_amount", lang), min_value=0.0, value=0.0, step=10000.0, format="%.0f",
                            key="tr_cost_amount")
            st.form_submit_button(text("cost_save", lang), on_click=save_cost, args=(channel_cost, person))
        said = st.session_state.pop("tr_cost_said", None)
        if said:
            (st.success if said[0] else st.error)(plain(said[1]))


def save_cost(channel_cost, person) -> None:
    """Runs before the rerun, so the table above reads the new cost."""
    from segmentation.errors import SegmentationError

    try:
        channel, month, amount = channel_cost.set_cost(
            data.db_path(), person, st.session_state.get("tr_cost_channel"), st.session_state.get("tr_cost_month"),
            st.session_state.get("tr_cost_amount"), wait_seconds=2.0)
    except SegmentationError as error:
        message = error.message(lang) if hasattr(error, "message") else str(error)
        st.session_state["tr_cost_said"] = (False, message)
        return
    st.session_state["tr_cost_said"] = (True, text("cost_saved", lang, channel=channel, month=f"{month:%Y-%m}",
                                                   amount=f"{float(amount):,.0f}"))


SECTIONS = {
    "revenue": show_revenue, "movements": show_movements, "year_before": show_year_before,
    "transitions": show_transitions, "cohorts": show_cohorts, "channels": show_channels,
}
# One analysis at a time below the 推移グラフ: a slider move then recomputes and redraws only
# what is on screen (the page stays under a second on a million customers).
section = st.segmented_control(text("trends_section", lang), options=list(SECTIONS), default="revenue",
                               format_func=lambda key: text(f"section_{key}", lang), key="tr_section") or "revenue"
SECTIONS[section]()
