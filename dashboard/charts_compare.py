"""Chart builders of the comparison of two threshold settings: the difference per tier and status,
and the matrix from tier under A to tier under B as a heat-map whose cells can be clicked.

Pure functions like those of `charts.py`: the engine's aggregated frames in (`compare.compare`,
`compare.compare_counts`), an Altair chart out, colours from `segmentation.tiers` and words from
the text catalogue.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from segmentation.texts import status_name, text, tier_name
from segmentation.tiers import BY_CODE, TIER_CODES

from .charts import FONT, LAPSED_OPACITY, no_data_chart, tier_palette

#: The selection a click on a cell of the matrix makes: the cell's key (`cell_key`).
CELL_SELECTION = "cell"
UNCHANGED_COLOUR = "#E5E7EB"
_CHANGE_SCHEME = "oranges"


def _status(value: Any) -> bool | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return bool(value)


def _label(tier: str, lapsed: bool | None, lang: str) -> str:
    status = status_name(lapsed, lang)
    return f"{tier_name(tier, lang)} {status}" if status else tier_name(tier, lang)


def _status_word(lapsed: bool | None) -> str:
    return "none" if lapsed is None else ("lapsed" if lapsed else "active")


def cell_key(tier_a: str, lapsed_a: Any, tier_b: str, lapsed_b: Any) -> str:
    """The one text naming a cell of the matrix: "loyal.active>steady.active"."""
    return f"{tier_a}.{_status_word(_status(lapsed_a))}>{tier_b}.{_status_word(_status(lapsed_b))}"


def _finish(chart: alt.TopLevelMixin, height: int | alt.Step) -> alt.TopLevelMixin:
    properties: dict[str, Any] = {"width": "container", "height": height}
    if isinstance(height, alt.Step):
        properties["autosize"] = alt.AutoSizeParams(type="fit-x", contains="padding")
    return chart.properties(**properties).configure(
        font=FONT,
        axis=alt.AxisConfig(labelFont=FONT, titleFont=FONT),
        legend=alt.LegendConfig(labelFont=FONT, titleFont=FONT, orient="right"),
        view=alt.ViewConfig(stroke=None),
    )


def cell_selection() -> alt.Parameter:
    """A click on a cell selects its key; a double click clears it."""
    return alt.selection_point(fields=["cell"], name=CELL_SELECTION, on="click", clear="dblclick")


def difference_chart(counts: pd.DataFrame, lang: str) -> alt.TopLevelMixin:
    """One bar per tier and status: customers under B minus under A (right: more under B), in
    the tier's colour (lapsed paler), the counts under A and B in the tooltip."""
    if counts is None or counts.empty:
        return no_data_chart(lang)
    lapsed = [_status(value) for value in counts["lapsed"]]
    labels, _ = tier_palette(lang, with_status=True)
    frame = pd.DataFrame({
        "label": [_label(tier, value, lang) for tier, value in zip(counts["tier"], lapsed)],
        "tier": counts["tier"].astype(str).to_numpy(),
        "faded": [bool(value) for value in lapsed],
        "customers_a": counts["customers_a"].astype(int).to_numpy(),
        "customers_b": counts["customers_b"].astype(int).to_numpy(),
        "difference": counts["difference"].astype(int).to_numpy(),
    })
    colours = [BY_CODE[code].colour for code in TIER_CODES]
    bars = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("label:N", sort=labels, title=None, axis=alt.Axis(labelLimit=160)),
        x=alt.X("difference:Q", title=text("compare_difference_axis", lang), axis=alt.Axis(format=",d")),
        color=alt.Color("tier:N", scale=alt.Scale(domain=list(TIER_CODES), range=colours), legend=None),
        opacity=alt.condition("datum.faded", alt.value(LAPSED_OPACITY), alt.value(1.0)),
        tooltip=[
            alt.Tooltip("label:N", title=text("col_tier", lang)),
            alt.Tooltip("customers_a:Q", title=text("compare_col_a", lang), format=",d"),
            alt.Tooltip("customers_b:Q", title=text("compare_col_b", lang), format=",d"),
            alt.Tooltip("difference:Q", title=text("compare_col_difference", lang), format="+,d"),
        ],
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color="#6B7280").encode(x="zero:Q")
    return _finish(alt.layer(bars, zero), height=alt.Step(22))


def compare_heatmap(matrix: pd.DataFrame, lang: str) -> alt.TopLevelMixin:
    """Customers by tier and status under A (rows) and under B (columns), the count on each
    cell: cells whose customers change are coloured by count (and can be clicked: the
    selection `cell` holds the cell's key), the diagonal (no change) is grey."""
    selection = cell_selection()
    if matrix is None or matrix.empty:
        return no_data_chart(lang, selection)
    lapsed_a = [_status(value) for value in matrix["lapsed_a"]]
    lapsed_b = [_status(value) for value in matrix["lapsed_b"]]
    frame = pd.DataFrame({
        "label_a": [_label(t, s, lang) for t, s in zip(matrix["tier_a"], lapsed_a)],
        "label_b": [_label(t, s, lang) for t, s in zip(matrix["tier_b"], lapsed_b)],
        "cell": [cell_key(*key) for key in zip(matrix["tier_a"], lapsed_a, matrix["tier_b"], lapsed_b)],
        "customers": matrix["customers"].astype(int).to_numpy(),
    })
    frame = frame[frame["customers"] > 0]
    if frame.empty:
        return no_data_chart(lang, selection)
    frame = frame.assign(changes=frame["label_a"] != frame["label_b"])
    changed = frame[frame["changes"]]
    largest = int(changed["customers"].max()) if not changed.empty else 1
    frame = frame.assign(dark=frame["changes"] & ((frame["customers"] / largest) ** 0.5 > 0.6))
    labels, _ = tier_palette(lang, with_status=True)
    rows = [label for label in labels if label in set(frame["label_a"])]
    columns = [label for label in labels if label in set(frame["label_b"])]
    customers = text("col_customers", lang)
    base = alt.Chart(frame).encode(
        x=alt.X("label_b:N", sort=columns, title=text("compare_axis_b", lang),
                axis=alt.Axis(orient="top", labelAngle=-40, labelLimit=160, labelOverlap=False)),
        y=alt.Y("label_a:N", sort=rows, title=text("compare_axis_a", lang),
                axis=alt.Axis(labelLimit=160, labelOverlap=False)),
        tooltip=[
            alt.Tooltip("label_a:N", title=text("compare_axis_a", lang)),
            alt.Tooltip("label_b:N", title=text("compare_axis_b", lang)),
            alt.Tooltip("customers:Q", title=customers, format=",d"),
        ],
    )
    unchanged = base.transform_filter("!datum.changes").mark_rect(stroke="white", strokeWidth=1,
                                                                   color=UNCHANGED_COLOUR)
    moved = base.transform_filter("datum.changes").mark_rect(stroke="white", strokeWidth=1, cursor="pointer").encode(
        color=alt.Color("customers:Q", title=customers,
                        scale=alt.Scale(type="sqrt", scheme=_CHANGE_SCHEME, domain=[0, largest]),
                        legend=alt.Legend(format=",d", gradientLength=160)),
        strokeWidth=alt.condition(selection, alt.value(3), alt.value(1), empty=False),
        stroke=alt.condition(selection, alt.value("#111827"), alt.value("white"), empty=False),
    ).add_params(selection)
    counts = base.mark_text(fontSize=11).encode(
        text=alt.Text("customers:Q", format=",d"),
        color=alt.condition("datum.dark", alt.value("white"), alt.value("#1F2937")),
    )
    return _finish(alt.layer(unchanged, moved, counts), height=alt.Step(26))
