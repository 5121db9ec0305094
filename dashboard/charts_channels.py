"""Charts of the trends page's channels view: the funnel per channel (acquired → second order →
reached loyal) and the lift of each profile value. Pure builders like `charts.py`: aggregated
frames in (`channel_cost.channel_economics`, `prospects.attribute_lifts`), Altair charts out; a
chart never ships a row per customer, and an empty frame draws "no data"."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from segmentation.channel_cost import funnel_rows
from segmentation.texts import text
from segmentation.tiers import BY_CODE

from .charts import FONT, no_data_chart

#: The funnel's steps, in order, each in the colour of the tier it leads to.
STEPS = ("acquired", "second_order", "reached_loyal")
STEP_COLOURS = (BY_CODE["first"].colour, BY_CODE["nascent"].colour, BY_CODE["loyal"].colour)
ATTRIBUTE_KEYS = {"channel": "scope_channel", "region": "scope_region", "staff": "scope_staff"}


def _finish(chart: alt.TopLevelMixin, step: int) -> alt.TopLevelMixin:
    return chart.properties(width="container", height=alt.Step(step),
                            autosize=alt.AutoSizeParams(type="fit-x", contains="padding")).configure(
        font=FONT,
        axis=alt.AxisConfig(labelFont=FONT, titleFont=FONT),
        legend=alt.LegendConfig(labelFont=FONT, titleFont=FONT, orient="bottom"),
        view=alt.ViewConfig(stroke=None),
    )


def _name(value: Any, lang: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)) or not str(value).strip():
        return text("unknown", lang)
    return str(value)


def funnel_chart(economics: pd.DataFrame, lang: str) -> alt.TopLevelMixin:
    """Per channel (rows, most loyal share first), three bars: the share of the channel's
    acquired customers at each step, each labelled with its count and share."""
    if economics is None or economics.empty or "acquired" not in economics.columns:
        return no_data_chart(lang)
    shown = economics[economics["acquired"] > 0]
    if shown.empty:
        return no_data_chart(lang)
    frame = funnel_rows(shown)
    frame["channel"] = [_name(c, lang) for c in frame["channel"]]
    names = [text(f"funnel_step_{s}", lang) for s in STEPS]
    frame["step_name"] = [names[STEPS.index(s)] for s in frame["step"]]
    frame["label"] = [f"{n:,} ({s:.0%})" for n, s in zip(frame["customers"], frame["share"].astype(float))]
    loyal = frame[frame["step"] == "reached_loyal"].sort_values(["share", "customers"], ascending=[False, False])
    order = list(dict.fromkeys(loyal["channel"]))
    channel_title, step_title = text("col_channel", lang), text("funnel_step", lang)
    base = alt.Chart(frame).encode(
        y=alt.Y("channel:N", sort=order, title=channel_title, axis=alt.Axis(labelLimit=140)),
        yOffset=alt.YOffset("step_name:N", sort=names, scale=alt.Scale(domain=names)),
        x=alt.X("share:Q", title=None, axis=alt.Axis(format=".0%", values=[0, 0.25, 0.5, 0.75, 1]),
                scale=alt.Scale(domain=[0, 1.25])),  # room for the labels right of a full bar
        tooltip=[alt.Tooltip("channel:N", title=channel_title), alt.Tooltip("step_name:N", title=step_title),
                 alt.Tooltip("customers:Q", title=text("col_customers", lang), format=",d"),
                 alt.Tooltip("share:Q", title=text("col_share", lang), format=".1%")],
    )
    bars = base.mark_bar().encode(color=alt.Color("step_name:N", sort=names, title=step_title,
                                                  scale=alt.Scale(domain=names, range=list(STEP_COLOURS))))
    labels = base.mark_text(align="left", dx=3, fontSize=10, color="#374151").encode(text="label:N")
    return _finish(alt.layer(bars, labels), step=13)


def lift_chart(lifts: pd.DataFrame, lang: str) -> alt.TopLevelMixin:
    """The lift of every profile value (bars from 1: above, more likely than average to become
    loyal; below, less), grouped by attribute, highest first within each; a rule marks 1."""
    if lifts is None or lifts.empty or lifts["lift"].isna().all():
        return no_data_chart(lang)
    frame = lifts[lifts["lift"].notna()].copy()
    frame["attribute_name"] = [text(ATTRIBUTE_KEYS.get(a, "col_attribute"), lang) for a in frame["attribute"]]
    frame["value_name"] = [_name(v, lang) for v in frame["value"]]
    frame["row"] = frame["attribute_name"] + ": " + frame["value_name"]
    frame["lift"] = frame["lift"].astype(float)
    frame["above"] = frame["lift"] >= 1
    frame["one"] = 1.0
    frame = frame[["row", "attribute_name", "value_name", "customers", "loyal", "share", "lift", "above", "one"]]
    order = list(frame["row"])
    lift_title = text("col_lift", lang)
    base = alt.Chart(frame).encode(
        y=alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)),
        tooltip=[alt.Tooltip("attribute_name:N", title=text("col_attribute", lang)),
                 alt.Tooltip("value_name:N", title=text("col_value", lang)),
                 alt.Tooltip("customers:Q", title=text("col_customers", lang), format=",d"),
                 alt.Tooltip("loyal:Q", title=text("col_loyal_reached", lang), format=",d"),
                 alt.Tooltip("share:Q", title=text("col_share_raw", lang), format=".1%"),
                 alt.Tooltip("lift:Q", title=lift_title, format=".2f")],
    )
    bars = base.mark_bar().encode(
        x=alt.X("one:Q", title=lift_title, scale=alt.Scale(zero=False)), x2="lift:Q",
        color=alt.Color("above:N", legend=None,
                        scale=alt.Scale(domain=[True, False], range=[BY_CODE["loyal"].colour, "#9CA3AF"])),
    )
    # The value beside the bar's end, outside it: right of a bar above 1, left of one below.
    above = base.transform_filter("datum.above").mark_text(align="left", dx=3, fontSize=10, color="#374151")
    below = base.transform_filter("!datum.above").mark_text(align="right", dx=-3, fontSize=10, color="#374151")
    values = [layer.encode(x="lift:Q", text=alt.Text("lift:Q", format=".2f")) for layer in (above, below)]
    rule = alt.Chart(pd.DataFrame({"one": [1.0]})).mark_rule(color="#374151").encode(x="one:Q")
    return _finish(alt.layer(bars, *values, rule), step=20)
