"""The 推移グラフ with its forecast: the counts over time as `charts.counts_over_time_chart` draws
them, continued by dashed lines and a band for the forecast's uncertainty.

A pure function like every chart builder: the engine's aggregated frames in (counts per period
end, `forecast.tier_forecast` rows), an Altair chart out, colours from the one tier palette and
words from the text catalogue. In the stacked (area) mode each tier's forecast sits on the
forecast of the tiers below it, as its history does, and its band is drawn around the top of
its own layer.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard import charts
from dashboard.charts import (  # the counts chart's own pieces, so both parts share one encoding
    STATUS_KEYS,
    finish,
    is_empty,
    status_opacity,
    tier_colour,
    tier_columns,
    tier_selection,
)
from segmentation.texts import text

BAND_OPACITY = 0.18
FORECAST_FILL_OPACITY = 0.28
DASH = [6, 4]


def _shown(frame: pd.DataFrame, status: str) -> pd.DataFrame:
    if status == "active":
        return frame[frame["status_key"] != "lapsed"]
    if status == "lapsed":
        return frame[frame["status_key"] == "lapsed"]
    return frame


def _forecast_frame(counts: pd.DataFrame, forecast: pd.DataFrame, lang: str, status: str,
                    stacked: bool) -> pd.DataFrame:
    """The forecast rows from the last observed period end on (where low = high = customers, so
    the dashed lines start at the last count), with the display columns and, stacked, the
    layer's base and top."""
    last_end = counts["period_end"].max()
    start = counts[counts["period_end"] == last_end][["period_end", "tier", "lapsed", "customers"]]
    start = start.assign(low=start["customers"], high=start["customers"])
    rows = pd.concat([start, forecast[["period_end", "tier", "lapsed", "customers", "low", "high"]]], ignore_index=True)
    rows = _shown(tier_columns(rows, lang), status)
    rows = rows.assign(period_end=pd.to_datetime(rows["period_end"]),
                       **{c: rows[c].astype(float) for c in ("customers", "low", "high")})
    if stacked:
        rows = rows.sort_values(["period_end", "order"])
        top = rows.groupby("period_end")["customers"].cumsum()
        base = top - rows["customers"]
        rows = rows.assign(base=base, top=top, low=base + rows["low"], high=base + rows["high"])
    else:
        rows = rows.assign(top=rows["customers"])
    return rows


def counts_with_forecast_chart(counts: pd.DataFrame, forecast: pd.DataFrame | None, lang: str, mode: str = "area",
                               status: str = "both") -> alt.TopLevelMixin:
    """The 推移グラフ (`charts.counts_over_time_chart`) continued by the forecast: dashed lines
    for the expected customers, a band from `low` to `high`, a rule where the forecast begins.
    Without forecast rows it is the counts chart itself. The selection "tier" stays as there."""
    if is_empty(forecast, "period_end", "tier", "lapsed", "customers", "low", "high") or \
            is_empty(counts, "period_end", "tier", "lapsed", "customers"):
        return charts.counts_over_time_chart(counts, lang, mode=mode, status=status)
    if mode not in ("area", "line"):
        raise ValueError(f"mode must be 'area' or 'line', not {mode!r}.")
    if status not in ("both", "active", "lapsed"):
        raise ValueError(f"status must be 'both', 'active' or 'lapsed', not {status!r}.")
    selection = tier_selection()
    history = _shown(tier_columns(counts[["period_end", "tier", "lapsed", "customers"]], lang), status)
    if history.empty:
        return charts.counts_over_time_chart(counts, lang, mode=mode, status=status)
    history = history.assign(period_end=pd.to_datetime(history["period_end"]),
                             customers=history["customers"].astype(int))
    stacked = mode == "area"
    ahead = _forecast_frame(counts, forecast, lang, status, stacked)
    keys = tuple(key for key in STATUS_KEYS if key in set(history["status_key"]))

    period, customers, tier_title = text("chart_period", lang), text("col_customers", lang), text("col_tier", lang)
    x = alt.X("period_end:T", title=period, axis=alt.Axis(format="%Y-%m", labelOverlap=True))
    y_title = alt.Y("customers:Q", stack="zero" if stacked else None, title=customers, axis=alt.Axis(format=",d"))
    history_encoding = dict(
        x=x, color=tier_colour(lang), detail="status_key:N",
        opacity=alt.OpacityValue(**alt.condition(selection, status_opacity(lang, keys),
                                                 alt.value(charts.FADED_OPACITY))),
        tooltip=[alt.Tooltip("period_end:T", title=period, format="%Y-%m-%d"),
                 alt.Tooltip("tier_name:N", title=tier_title), alt.Tooltip("status:N", title=text("col_status", lang)),
                 alt.Tooltip("customers:Q", title=customers, format=",d")],
    )
    if stacked:
        past = alt.Chart(history).mark_area(interpolate="monotone").encode(
            y=y_title, order=alt.Order("order:Q", sort="ascending"), **history_encoding)
    else:
        past = alt.Chart(history).mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2).encode(
            y=y_title, **history_encoding)

    forecast_tooltip = [
        alt.Tooltip("period_end:T", title=period, format="%Y-%m-%d"),
        alt.Tooltip("tier_name:N", title=tier_title), alt.Tooltip("status:N", title=text("col_status", lang)),
        alt.Tooltip("customers:Q", title=text("forecast_legend", lang), format=",.0f"),
        alt.Tooltip("low_shown:Q", title=text("forecast_low", lang), format=",.0f"),
        alt.Tooltip("high_shown:Q", title=text("forecast_high", lang), format=",.0f"),
    ]
    ahead = ahead.assign(low_shown=ahead["low"] - ahead.get("base", 0), high_shown=ahead["high"] - ahead.get("base", 0))
    base = alt.Chart(ahead).encode(x=x, color=tier_colour(lang), detail="status_key:N")
    band = base.mark_area(opacity=BAND_OPACITY, interpolate="monotone").encode(
        y=alt.Y("low:Q", title=customers), y2=alt.Y2("high:Q"), tooltip=forecast_tooltip)
    line = base.mark_line(strokeDash=DASH, strokeWidth=2, interpolate="monotone").encode(
        y=alt.Y("top:Q", title=customers), opacity=status_opacity(lang, keys), tooltip=forecast_tooltip)
    layers = [past, band]
    if stacked:
        layers.append(base.mark_area(opacity=FORECAST_FILL_OPACITY, interpolate="monotone").encode(
            y=alt.Y("base:Q", title=customers), y2=alt.Y2("top:Q")))
    layers.append(line)
    begins = pd.DataFrame({"period_end": [pd.to_datetime(counts["period_end"].max())],
                           "label": [text("forecast_legend", lang)]})
    rule = alt.Chart(begins).mark_rule(strokeDash=[2, 3], color="#6B7280").encode(x="period_end:T")
    label = alt.Chart(begins).mark_text(align="left", dx=4, dy=-4, baseline="top", color="#6B7280").encode(
        x="period_end:T", y=alt.value(0), text="label:N")
    chart = alt.layer(*layers, rule, label).add_params(selection)
    return finish(chart)
