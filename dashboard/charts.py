"""Chart builders: one pure function per chart, an engine frame in, an Altair chart out.

Every chart takes its colours from `segmentation.tiers` and its words from the text catalogue,
so legends and labels agree across pages and languages. The rules shared by all charts:

- a tier is drawn in its colour, in `TIER_CODES` order (legends, stacks, rows);
- a lapsed series is the same colour at `LAPSED_OPACITY`, explained by a status legend (on white
  it renders close to the tier's `lapsed_colour`, which `tier_palette(..., with_status=True)`
  gives for tables and swatches);
- the frames are already aggregated by the engine; a chart never ships a row per customer;
- an empty frame gives a chart that says there is no data, never an exception.
"""

from __future__ import annotations

import functools
import json
import math
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from segmentation.texts import status_name, text, tier_name
from segmentation.thresholds import Thresholds
from segmentation.tiers import BY_CODE, MOVEMENTS, RANK, TIER_CODES, TIERS, code_of

#: Labels the catalogue does not hold yet (the lead moves them into `segmentation/texts.py`).

FONT = "Noto Sans CJK JP, Noto Sans JP, Hiragino Sans, Hiragino Kaku Gothic ProN, Meiryo, sans-serif"
LAPSED_OPACITY = 0.4
FADED_OPACITY = 0.15  # tiers outside the clicked one
HEIGHT = 320
NO_DATA_HEIGHT = 120

#: Colours of the kinds of movement (inflows cool, outflows warm).
MOVEMENT_COLOURS: dict[str, str] = {
    "new": "#4C78A8",
    "promoted": "#2A9D8F",
    "demoted": "#F4A261",
    "lapsed": "#E63946",
    "reactivated": "#8AC926",
}
INFLOWS = ("new", "promoted", "reactivated")

STATUS_KEYS = ("active", "lapsed")
_HEAT_SCHEME = "blues"


# ---------------------------------------------------------------------------------------------
# Words, colours and shared pieces


def _t(key: str, lang: str, **values: Any) -> str:
    """A label from the one text catalogue."""
    return text(key, lang, **values)


def _lapsed(value: Any) -> bool | None:
    """None (prospects: no status), True or False, from whatever the frame holds."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return bool(value)


def _series_label(code: str, lapsed: bool | None, lang: str) -> str:
    status = status_name(lapsed, lang)
    return f"{tier_name(code, lang)} {status}" if status else tier_name(code, lang)


def tier_palette(lang: str, with_status: bool = False) -> tuple[list[str], list[str]]:
    """Legend labels and colours of the tiers in `TIER_CODES` order.

    With `with_status`, every tier but prospect appears twice ("優良客 現役", "優良客 離脱"),
    the lapsed one in its `lapsed_colour`.
    """
    labels: list[str] = []
    colours: list[str] = []
    for tier in TIERS:
        if not with_status or tier.code == "prospect":
            labels.append(_series_label(tier.code, None, lang))
            colours.append(tier.colour)
            continue
        labels += [_series_label(tier.code, False, lang), _series_label(tier.code, True, lang)]
        colours += [tier.colour, tier.lapsed_colour]
    return labels, colours


def _lookup_expr(expression: str, values: list[str], labels: list[str]) -> str:
    """A Vega expression giving `labels[i]` where `expression` equals `values[i]`."""
    expr = expression
    for value, label in reversed(list(zip(values, labels))):
        expr = f"{expression} === {json.dumps(value)} ? {json.dumps(label, ensure_ascii=False)} : {expr}"
    return expr


def _label_expr(values: list[str], labels: list[str]) -> str:
    """A legend/axis `labelExpr` that shows `labels` for the raw `values` (tier codes)."""
    return _lookup_expr("datum.value", values, labels)


def tier_colour(lang: str) -> alt.Color:
    """Colour by the raw tier code (so selections yield codes), with names in the legend.

    Every chart lists all tiers, so legends agree from chart to chart.
    """
    labels, colours = tier_palette(lang)
    return alt.Color(
        "tier:N",
        scale=alt.Scale(domain=list(TIER_CODES), range=colours),
        sort=list(TIER_CODES),
        legend=alt.Legend(title=_t("col_tier", lang), labelExpr=_label_expr(list(TIER_CODES), labels),
                          symbolType="square", symbolOpacity=1, symbolSize=120, symbolStrokeWidth=0),
    )


def status_opacity(lang: str, keys: tuple[str, ...] = STATUS_KEYS) -> alt.Opacity:
    """Lapsed at `LAPSED_OPACITY`; prospects (no status) fully opaque and left out of the legend."""
    opacity = {"active": 1.0, "lapsed": LAPSED_OPACITY, "none": 1.0}
    domain = ["active", "lapsed", "none"]
    labels = [text(f"status_{key}", lang) for key in STATUS_KEYS]
    return alt.Opacity(
        "status_key:N",
        sort=domain,
        scale=alt.Scale(domain=domain, range=[opacity[key] for key in domain]),
        # one status alone needs no legend
        legend=alt.Legend(
            title=_t("col_status", lang), values=list(keys), labelExpr=_label_expr(list(STATUS_KEYS), labels),
            symbolType="square", symbolSize=120, symbolFillColor="#6B7280", symbolStrokeWidth=0,
        ) if len(keys) > 1 else None,
    )


def _status_key(lapsed: bool | None) -> str:
    return "none" if lapsed is None else ("lapsed" if lapsed else "active")


def tier_columns(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Add the display columns every tier chart shares: tier_name, status, status_key, order."""
    lapsed = [_lapsed(value) for value in frame["lapsed"]]
    frame = frame.assign(
        tier=frame["tier"].astype(str),
        tier_name=[tier_name(code, lang) for code in frame["tier"]],
        status=[status_name(value, lang) for value in lapsed],
        status_key=[_status_key(value) for value in lapsed],
        order=[TIER_CODES.index(code) * 2 + (1 if value else 0) for code, value in zip(frame["tier"], lapsed)],
    )
    return frame.drop(columns=["lapsed"])


def finish(chart: alt.TopLevelMixin, height: int | alt.Step | None = HEIGHT) -> alt.TopLevelMixin:
    """Width from the container, a sane height, and fonts that show Japanese (set in one
    `configure`: each of Altair's configure calls copies the whole chart)."""
    properties: dict[str, Any] = {"width": "container"}
    if height is not None:
        properties["height"] = height
    if isinstance(height, alt.Step):
        # rows of a fixed step: fit the width only (plain "fit" would drop the step, with a warning)
        properties["autosize"] = alt.AutoSizeParams(type="fit-x", contains="padding")
    return drawn_without_validation(chart.properties(**properties).configure(
        font=FONT,
        axis=alt.AxisConfig(labelFont=FONT, titleFont=FONT),
        legend=alt.LegendConfig(labelFont=FONT, titleFont=FONT, orient="right"),
        view=alt.ViewConfig(stroke=None),
    ))


def drawn_without_validation(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """`chart`, whose `to_dict()` skips Altair's check against the Vega-Lite JSON schema.

    `st.altair_chart` calls `to_dict()` on every rerun, and the check costs about 0.05 s of each
    slider move on the overview. The builders' output is checked once instead, in the tests
    (`tests/test_charts.py` calls `to_dict(validate=True)` on every chart it builds). Set on the
    chart object itself (Altair's own `__setattr__` would take it for a chart property), so the
    chart stays an Altair chart of Altair's class."""
    object.__setattr__(chart, "to_dict", functools.partial(type(chart).to_dict, chart, validate=False))
    return chart


def no_data_chart(lang: str, selection: alt.Parameter | None = None) -> alt.TopLevelMixin:
    """What a chart shows when its frame is empty: one short sentence. A chart read with
    `on_select` keeps its selection, since Streamlit refuses a chart without one."""
    message = pd.DataFrame({"message": [_t("chart_no_data", lang)]})
    chart = alt.Chart(message).mark_text(fontSize=14, color="#6B7280").encode(text="message:N")
    if selection is not None:
        chart = chart.add_params(selection)
    return finish(chart, height=NO_DATA_HEIGHT)


def _one_mark(chart: alt.Chart) -> alt.Chart:
    """A layer drawn once (a rule, a label) over the chart's own data, reduced to one row."""
    return chart.transform_aggregate(rows="count()")


def is_empty(frame: pd.DataFrame | None, *columns: str) -> bool:
    return frame is None or frame.empty or any(column not in frame.columns for column in columns)


def _period_labels(ends: pd.Series) -> pd.Series:
    """Short labels for period ends: "2024-01" for months, "2024 Q1" for quarters, else the day."""
    days = pd.to_datetime(pd.Series(ends).reset_index(drop=True))
    unique = pd.Series(sorted(days.unique()))
    gap = unique.diff().dt.days.median() if len(unique) > 1 else None
    if bool(unique.dt.is_month_end.all()) and (gap is None or gap >= 28):
        if gap is not None and gap >= 85:
            labels = [f"{day.year} Q{(day.month - 1) // 3 + 1}" for day in days]
        else:
            labels = [f"{day.year}-{day.month:02d}" for day in days]
    else:
        labels = [f"{day:%Y-%m-%d}" for day in days]
    return pd.Series(labels, index=ends.index)


def _ordered_periods(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Add a `period` label column; return the labels in time order for an ordinal axis."""
    frame = frame.assign(period=_period_labels(frame["period_end"]))
    order = frame.drop_duplicates("period").sort_values("period_end")["period"].tolist()
    return frame, order


def _period_axis(lang: str, order: list[str]) -> alt.X:
    return alt.X("period:O", sort=order, title=_t("chart_period", lang),
                 axis=alt.Axis(labelAngle=0, labelOverlap="greedy", labelSeparation=6))


# ---------------------------------------------------------------------------------------------
# Over time


def tier_selection() -> alt.Parameter:
    """The selection named "tier": a click on a tier's marks or on its legend entry selects its
    code; a double click clears it."""
    return alt.selection_point(fields=["tier"], name="tier", bind="legend", on="click", clear="dblclick")


def counts_over_time_chart(
    df: pd.DataFrame, lang: str, mode: str = "area", status: str = "both"
) -> alt.TopLevelMixin:
    """The 推移グラフ: customers per tier at every period end, stacked areas or lines.

    `status` both shows active and lapsed customers of a tier as two series (lapsed paler),
    active keeps prospects and active customers, lapsed only the lapsed. A point selection named
    "tier" (click a tier in the chart or its legend) yields the tier code, so
    `st.altair_chart(chart, on_select="rerun")` returns `{"tier": [{"tier": "loyal"}]}`.
    """
    if mode not in ("area", "line"):
        raise ValueError(f"mode must be 'area' or 'line', not {mode!r}.")
    if status not in ("both", "active", "lapsed"):
        raise ValueError(f"status must be 'both', 'active' or 'lapsed', not {status!r}.")
    selection = tier_selection()
    if is_empty(df, "period_end", "tier", "lapsed", "customers"):
        return no_data_chart(lang, selection)
    frame = tier_columns(df[["period_end", "tier", "lapsed", "customers"]], lang)
    if status == "active":
        frame = frame[frame["status_key"] != "lapsed"]
    elif status == "lapsed":
        frame = frame[frame["status_key"] == "lapsed"]
    if frame.empty:
        return no_data_chart(lang, selection)
    frame = frame.assign(period_end=pd.to_datetime(frame["period_end"]), customers=frame["customers"].astype(int))
    keys = tuple(key for key in STATUS_KEYS if key in set(frame["status_key"]))

    period = _t("chart_period", lang)
    encoding = dict(
        x=alt.X("period_end:T", title=period, axis=alt.Axis(format="%Y-%m", labelOverlap=True)),
        color=tier_colour(lang),
        opacity=alt.OpacityValue(**alt.condition(selection, status_opacity(lang, keys), alt.value(FADED_OPACITY))),
        order=alt.Order("order:Q", sort="ascending"),
        detail="status_key:N",
        tooltip=[
            alt.Tooltip("period_end:T", title=period, format="%Y-%m-%d"),
            alt.Tooltip("tier_name:N", title=_t("col_tier", lang)),
            alt.Tooltip("status:N", title=_t("col_status", lang)),
            alt.Tooltip("customers:Q", title=_t("col_customers", lang), format=",d"),
        ],
    )
    customers = _t("col_customers", lang)
    if mode == "area":
        chart = alt.Chart(frame).mark_area(interpolate="monotone").encode(
            y=alt.Y("customers:Q", stack="zero", title=customers, axis=alt.Axis(format=",d")), **encoding,
        )
    else:
        del encoding["order"]  # on lines the order channel would reorder the path, not the layers
        chart = alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2).encode(
            y=alt.Y("customers:Q", stack=None, title=customers, axis=alt.Axis(format=",d")), **encoding,
        )
    return finish(chart.add_params(selection))


def revenue_over_time_chart(df: pd.DataFrame, lang: str) -> alt.TopLevelMixin:
    """Revenue of every period as bars stacked by tier (and status) in tier order."""
    if is_empty(df, "period_end", "tier", "lapsed", "revenue"):
        return no_data_chart(lang)
    frame = df[["period_end", "tier", "lapsed", "revenue"]]
    frame = frame[frame["revenue"].fillna(0) != 0]
    if frame.empty:
        return no_data_chart(lang)
    frame, order = _ordered_periods(tier_columns(frame, lang))
    frame = frame.drop(columns=["period_end"]).assign(revenue=frame["revenue"].astype(float))
    keys = tuple(key for key in STATUS_KEYS if key in set(frame["status_key"]))
    revenue = _t("chart_revenue", lang)
    chart = alt.Chart(frame).mark_bar().encode(
        x=_period_axis(lang, order),
        y=alt.Y("revenue:Q", stack="zero", title=revenue, axis=alt.Axis(format=",.0f")),
        color=tier_colour(lang),
        opacity=status_opacity(lang, keys),
        order=alt.Order("order:Q", sort="ascending"),
        tooltip=[
            alt.Tooltip("period:N", title=_t("chart_period", lang)),
            alt.Tooltip("tier_name:N", title=_t("col_tier", lang)),
            alt.Tooltip("status:N", title=_t("col_status", lang)),
            alt.Tooltip("revenue:Q", title=revenue, format=",.0f"),
        ],
    )
    return finish(chart)


def _move_direction(row: Any, tier: str | None) -> int:
    """+1 for a move into the tier (or an inflow overall), -1 for one out of it, 0 otherwise."""
    if tier is None:
        return 1 if row.movement in INFLOWS else -1
    if row.from_tier == tier and row.to_tier == tier:  # a change of status within the tier
        return 1 if row.movement in INFLOWS else -1
    if row.to_tier == tier:
        return 1
    if row.from_tier == tier:
        return -1
    return 0


def movements_chart(df: pd.DataFrame, lang: str, tier: str | None = None) -> alt.TopLevelMixin:
    """Customers per kind of move in every period, inflows above zero and outflows below.

    Without `tier`, new, promoted and reactivated count up, lapsed and demoted down. With a
    tier code, only moves into (up) or out of (down) that tier count, coloured by their kind;
    a change of status within the tier counts up when reactivated and down when lapsed.
    """
    if tier is not None and tier not in TIER_CODES:
        raise ValueError(f"tier must be one of {', '.join(TIER_CODES)} or None, not {tier!r}.")
    columns = ["period_end", "movement", "from_tier", "from_lapsed", "to_tier", "to_lapsed", "customers"]
    if is_empty(df, *columns):
        return no_data_chart(lang)
    frame = df[columns].copy()
    frame["direction"] = [_move_direction(row, tier) for row in frame.itertuples(index=False)]
    frame = frame[frame["direction"] != 0]
    if frame.empty:
        return no_data_chart(lang)
    frame = (
        frame.assign(movement=frame["movement"].astype(str))
        .groupby(["period_end", "movement", "direction"], as_index=False)["customers"].sum()
    )
    frame, order = _ordered_periods(frame)
    frame = frame.drop(columns=["period_end"]).assign(
        customers=frame["customers"].astype(int),
        signed=frame["customers"].astype(int) * frame["direction"],
        movement_name=[text(f"movement_{kind}", lang) for kind in frame["movement"]],
        movement_order=[MOVEMENTS.index(kind) for kind in frame["movement"]],
    )
    kinds = list(MOVEMENTS)
    names = [text(f"movement_{kind}", lang) for kind in kinds]
    bars = alt.Chart().mark_bar().encode(
        x=_period_axis(lang, order),
        y=alt.Y("signed:Q", stack="zero", title=_t("chart_moves_axis", lang), axis=alt.Axis(format=",d")),
        color=alt.Color(
            "movement:N", sort=kinds,
            scale=alt.Scale(domain=kinds, range=[MOVEMENT_COLOURS[kind] for kind in kinds]),
            legend=alt.Legend(title=_t("chart_movement", lang), labelExpr=_label_expr(kinds, names)),
        ),
        order=alt.Order("movement_order:Q", sort="ascending"),
        tooltip=[
            alt.Tooltip("period:N", title=_t("chart_period", lang)),
            alt.Tooltip("movement_name:N", title=_t("chart_movement", lang)),
            alt.Tooltip("customers:Q", title=_t("col_customers", lang), format=",d"),
        ],
    )
    zero = _one_mark(alt.Chart()).mark_rule(color="#6B7280", strokeWidth=1).encode(alt.YDatum(0))
    return finish(alt.layer(bars, zero, data=frame))


# ---------------------------------------------------------------------------------------------
# Transitions, tier map and revenue by tier


def _status_series(lang: str, with_new: bool) -> tuple[list[tuple[str, bool | None]], list[str]]:
    """Every (tier, status) in tier order, optionally led by `new`, and their labels."""
    keys: list[tuple[str, bool | None]] = [("new", None)] if with_new else []
    for code in TIER_CODES:
        keys += [(code, None)] if code == "prospect" else [(code, False), (code, True)]
    return keys, [_series_label(code, lapsed, lang) for code, lapsed in keys]


def transition_heatmap(df: pd.DataFrame, lang: str) -> alt.TopLevelMixin:
    """Customers by tier and status at the first date (rows, `new` first) and at the second
    (columns): cells coloured by count, the count written on each."""
    if is_empty(df, "from_tier", "from_lapsed", "to_tier", "to_lapsed", "customers"):
        return no_data_chart(lang)
    rows_keys, rows_labels = _status_series(lang, with_new=True)
    cols_keys, cols_labels = _status_series(lang, with_new=False)
    row_label = dict(zip(rows_keys, rows_labels))
    col_label = dict(zip(cols_keys, cols_labels))
    frame = pd.DataFrame({
        "from_label": [row_label[(str(code), _lapsed(lapsed) if code not in ("new", "prospect") else None)]
                       for code, lapsed in zip(df["from_tier"], df["from_lapsed"])],
        "to_label": [col_label[(str(code), _lapsed(lapsed) if code != "prospect" else None)]
                     for code, lapsed in zip(df["to_tier"], df["to_lapsed"])],
        "customers": df["customers"].astype(int).to_numpy(),
    })
    frame = frame.groupby(["from_label", "to_label"], as_index=False)["customers"].sum()
    frame = frame[frame["customers"] > 0]
    if frame.empty:
        return no_data_chart(lang)
    row_totals = frame.groupby("from_label")["customers"].transform("sum")
    largest = frame["customers"].max()
    frame = frame.assign(
        row_share=frame["customers"] / row_totals,
        # the colour scale is sqrt: a cell is dark from a quarter of the largest count up
        dark=(frame["customers"] / largest) ** 0.5 > 0.5,
    )
    shown_rows = [label for label in rows_labels if label in set(frame["from_label"])]
    shown_cols = [label for label in cols_labels if label in set(frame["to_label"])]
    customers = _t("col_customers", lang)
    base = alt.Chart(frame).encode(
        x=alt.X("to_label:N", sort=shown_cols, title=_t("chart_to", lang),
                axis=alt.Axis(orient="top", labelAngle=-40, labelLimit=160, labelOverlap=False)),
        y=alt.Y("from_label:N", sort=shown_rows, title=_t("chart_from", lang),
                axis=alt.Axis(labelLimit=160, labelOverlap=False)),
        tooltip=[
            alt.Tooltip("from_label:N", title=_t("chart_from", lang)),
            alt.Tooltip("to_label:N", title=_t("chart_to", lang)),
            alt.Tooltip("customers:Q", title=customers, format=",d"),
            alt.Tooltip("row_share:Q", title=_t("chart_row_share", lang), format=".1%"),
        ],
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("customers:Q", title=customers,
                        scale=alt.Scale(type="sqrt", scheme=_HEAT_SCHEME, domain=[0, int(largest)]),
                        legend=alt.Legend(format=",d", gradientLength=160)),
    )
    counts = base.mark_text(fontSize=11).encode(
        text=alt.Text("customers:Q", format=",d"),
        color=alt.ColorValue(**alt.condition("datum.dark", alt.value("white"), alt.value("#1F2937"))),
    )
    return finish(alt.layer(cells, counts), height=alt.Step(26))


def tier_map_chart(
    df: pd.DataFrame,
    lang: str,
    thresholds: Thresholds,
    value_axis: str | None = None,
    status: str = "both",
) -> alt.TopLevelMixin:
    """The tier map: customers binned by tenure (x) and orders or amount (y), coloured by tier,
    more opaque where more customers sit (log scale), with the thresholds as lines.

    `status` both adds a cell's active and lapsed customers together (the tooltip tells them
    apart); active or lapsed keeps one status. A cell that straddles a threshold holds two
    tiers; it is split side by side in tier order.

    Built on every slider move, so it is kept cheap: the cells are shaped with numpy, and the
    chart without its data (which depends only on the language, the axis, the status and, on the
    amount axis, the data's range) is built once and shared.
    """
    value_axis = value_axis or thresholds.value_axis
    if value_axis not in ("orders", "amount"):
        raise ValueError(f"value_axis must be 'orders' or 'amount', not {value_axis!r}.")
    if status not in ("both", "active", "lapsed"):
        raise ValueError(f"status must be 'both', 'active' or 'lapsed', not {status!r}.")
    if is_empty(df, *_MAP_COLUMNS):
        return no_data_chart(lang)
    frame = _tier_map_cells(df, lang, value_axis, status)
    if frame.empty:
        return no_data_chart(lang)
    # The threshold lines and their labels read the first row of the cells' data, where the
    # thresholds are written (the other rows hold nothing there): the chart's spec is then the
    # same for every threshold, so on a slider move the browser swaps the data of the chart it
    # has instead of building a new one.
    tenure = thresholds.min_tenure_days
    if value_axis == "orders":
        value_at = thresholds.min_orders - 0.5  # between the cells of min_orders - 1 and min_orders
        value_text = _t("chart_threshold_orders", lang, value=thresholds.min_orders)
    elif thresholds.min_amount is not None:
        value_at = float(thresholds.min_amount)
        value_text = _t("chart_threshold_amount", lang, value=value_at)
    else:
        value_at = value_text = None  # the amount axis without a minimum amount: nothing to draw
    first_row = {"threshold_tenure": float(tenure), "threshold_tenure_text": _t("chart_threshold_tenure", lang, value=tenure),
                 "threshold_value": value_at, "threshold_value_text": value_text}
    for column, value in first_row.items():
        frame[column] = pd.Series([value] + [None] * (len(frame) - 1), index=frame.index, dtype=object)
    y_range = None
    if value_axis == "amount":
        y_range = (float(frame["value_from"].min()), float(frame["value_to"].max()))
    layers = _tier_map_layers(lang, value_axis, status, y_range=y_range,
                              at_most_one=int(frame["customers"].max()) < 2, value_line=value_at is not None)
    chart = layers.copy(deep=False)
    chart.data = frame
    return drawn_without_validation(chart)


_MAP_CELL = ["tenure_from", "tenure_to", "value_from", "value_to"]
_MAP_COLUMNS = [*_MAP_CELL, "tier", "lapsed", "customers"]


def _tier_map_cells(df: pd.DataFrame, lang: str, value_axis: str, status: str) -> pd.DataFrame:
    """One row per cell and tier (active and lapsed customers added together, each kept in its
    own column), sorted by cell and tier, with the cell's x range split between its tiers and the
    tooltip's words."""
    lapsed = np.fromiter((bool(_lapsed(value)) for value in df["lapsed"]), dtype=bool, count=len(df))
    keep = np.ones(len(df), dtype=bool) if status == "both" else lapsed == (status == "lapsed")
    cell = df[_MAP_CELL].to_numpy(dtype=float)[keep]
    tier = df["tier"].astype(str).to_numpy(dtype=object)[keep]
    rank = np.fromiter((RANK[code] for code in tier), dtype=np.int64, count=len(tier))
    customers = df["customers"].to_numpy(dtype=np.int64)[keep]
    lapsed = lapsed[keep]
    order = np.lexsort((rank, cell[:, 3], cell[:, 2], cell[:, 1], cell[:, 0]))
    cell, rank, customers, lapsed = cell[order], rank[order], customers[order], lapsed[order]

    def starts(new: np.ndarray) -> np.ndarray:
        if len(new):
            new[0] = True
        return np.flatnonzero(new)

    same_cell = np.zeros(len(cell), dtype=bool)
    same_cell[1:] = (cell[1:] == cell[:-1]).all(axis=1)
    first = starts(~(same_cell & np.r_[False, rank[1:] == rank[:-1]]))  # each (cell, tier)'s first row
    total = np.add.reduceat(customers, first) if len(first) else customers[:0]
    lapsed_total = np.add.reduceat(customers * lapsed, first) if len(first) else customers[:0]
    cell, rank = cell[first], rank[first]
    new_cell = np.ones(len(cell), dtype=bool)
    new_cell[1:] = (cell[1:] != cell[:-1]).any(axis=1)
    cell_starts = starts(new_cell)
    cell_index = np.cumsum(new_cell) - 1
    slots = np.diff(np.r_[cell_starts, len(cell)])[cell_index]
    slot = np.arange(len(cell)) - cell_starts[cell_index]
    width = (cell[:, 1] - cell[:, 0]) / slots
    x_from = cell[:, 0] + width * slot
    codes = [code_of(r) for r in rank]

    if value_axis == "orders":
        value_text = _labelled(cell[:, 2], lambda low: _t("chart_orders_value", lang, count=int(round(low + 0.5))))
    else:
        value_text = _labelled(zip(cell[:, 2], cell[:, 3]),
                               lambda pair: _t("chart_amount_range", lang, start=pair[0], end=pair[1]))
    tenure_text = _labelled(zip(cell[:, 0], cell[:, 1]),
                            lambda pair: _t("chart_tenure_range", lang, start=int(pair[0]), end=int(pair[1]) - 1))
    frame = pd.DataFrame({
        "value_from": cell[:, 2], "value_to": cell[:, 3], "tier": codes, "customers": total,
        "active_customers": total - lapsed_total, "lapsed_customers": lapsed_total,
        "x_from": x_from, "x_to": x_from + width, "value_text": value_text, "tenure_text": tenure_text,
        "tier_name": _labelled(codes, lambda code: tier_name(code, lang)),
    })
    if status != "both":
        frame["status"] = status_name(status == "lapsed", lang)
    return frame


def _labelled(values, label) -> list[str]:
    """`label(value)` for each value, each distinct value labelled once."""
    labels: dict = {}
    return [labels[value] if value in labels else labels.setdefault(value, label(value)) for value in values]


@functools.lru_cache(maxsize=64)
def _tier_map_layers(lang: str, value_axis: str, status: str, *, y_range: tuple[float, float] | None,
                     at_most_one: bool, value_line: bool) -> alt.LayerChart:
    """The tier map without its data: the cells, the threshold lines and their labels.

    Shared by every chart built with the same arguments (`tier_map_chart` gives each a shallow
    copy with its own data); never changed after it is built."""
    tenure_title = _t("chart_tenure_days", lang)
    if value_axis == "orders":
        value_title = _t("chart_orders", lang)
        y_scale = alt.Scale(zero=False, nice=False, domainMin=0.5)  # up to the cells' top, from the data
        y_axis = alt.Axis(format="d", tickMinStep=1)
    else:
        value_title = _t("chart_amount", lang)
        low, high = y_range
        powers = [10.0 ** k for k in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)]
        y_scale = alt.Scale(type="log", nice=False, domain=[low, high])
        y_axis = alt.Axis(format=",.0f", values=[p for p in powers if low <= p <= high])
    customers = _t("col_customers", lang)
    tooltip = [
        alt.Tooltip("tier_name:N", title=_t("col_tier", lang)),
        alt.Tooltip("tenure_text:N", title=tenure_title),
        alt.Tooltip("value_text:N", title=value_title),
        alt.Tooltip("customers:Q", title=customers, format=",d"),
    ]
    if status == "both":
        tooltip += [alt.Tooltip("active_customers:Q", title=_t("chart_active_customers", lang), format=",d"),
                    alt.Tooltip("lapsed_customers:Q", title=_t("chart_lapsed_customers", lang), format=",d")]
    else:
        tooltip.insert(1, alt.Tooltip("status:N", title=_t("col_status", lang)))
    # From 1 customer up to the fullest cell, which the browser reads off the data (a domain
    # written here would change the spec on every move); at least up to 2 for a log scale.
    opacity_scale = alt.Scale(type="log", domainMin=1, range=[0.25, 1])
    if at_most_one:
        opacity_scale = alt.Scale(type="log", domain=[1, 2], range=[0.25, 1])
    # Every layer reads the one data set given to the layer chart (Altair then hashes no frame per
    # layer).
    cells = alt.Chart().mark_rect(stroke="white", strokeWidth=0.3).encode(
        x=alt.X("x_from:Q", title=tenure_title, scale=alt.Scale(zero=True, nice=False), axis=alt.Axis(format=",d")),
        x2=alt.X2("x_to"),
        y=alt.Y("value_from:Q", title=value_title, scale=y_scale, axis=y_axis),
        y2=alt.Y2("value_to"),
        color=tier_colour(lang),
        opacity=alt.Opacity("customers:Q", scale=opacity_scale, legend=None),
        tooltip=tooltip,
    )
    line = alt.Chart().transform_filter("isValid(datum.threshold_tenure)")
    rule_style = dict(color="#374151", strokeDash=[5, 4], strokeWidth=1.5)
    label_style = dict(color="#374151", fontSize=11)
    tenure_at = alt.X("threshold_tenure:Q", title=tenure_title)
    layers: list[alt.Chart] = [
        cells,
        line.mark_rule(**rule_style).encode(tenure_at),
        line.mark_text(baseline="top", align="left", dx=4, **label_style)
        .encode(tenure_at, alt.YValue(4), text=alt.Text("threshold_tenure_text:N")),
    ]
    if value_line:
        value_at_y = alt.Y("threshold_value:Q", title=value_title)
        layers += [
            line.mark_rule(**rule_style).encode(value_at_y),
            line.mark_text(baseline="bottom", align="right", dx=-4, **label_style)
            .encode(value_at_y, alt.XValue(alt.ExprRef("width")), text=alt.Text("threshold_value_text:N")),
        ]
    # Hundreds of cells: drawn on a canvas, not as as many SVG elements the browser lays out on
    # every slider move (Streamlit reads the renderer from `usermeta.embedOptions`).
    return finish(alt.layer(*layers, usermeta={"embedOptions": {"renderer": "canvas"}}), height=360)


def revenue_by_tier_chart(counts_df: pd.DataFrame, lang: str) -> alt.TopLevelMixin:
    """Amount spent per tier (horizontal bars, active and lapsed stacked), from `tier_counts`."""
    if is_empty(counts_df, "tier", "lapsed", "customers", "amount", "amount_share"):
        return no_data_chart(lang)
    frame = tier_columns(counts_df[["tier", "lapsed", "customers", "amount", "amount_share"]], lang)
    frame = frame.assign(amount=frame["amount"].astype(float), customers=frame["customers"].astype(int))
    if not frame["amount"].abs().sum():
        return no_data_chart(lang)
    names = [tier_name(code, lang) for code in TIER_CODES]
    keys = tuple(key for key in STATUS_KEYS if key in set(frame["status_key"]))
    amount = _t("chart_amount", lang)
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("tier_name:N", sort=names, title=None, scale=alt.Scale(domain=names)),
        x=alt.X("amount:Q", stack="zero", title=amount, axis=alt.Axis(format=",.0f")),
        color=tier_colour(lang),
        opacity=status_opacity(lang, keys),
        order=alt.Order("order:Q", sort="ascending"),
        tooltip=[
            alt.Tooltip("tier_name:N", title=_t("col_tier", lang)),
            alt.Tooltip("status:N", title=_t("col_status", lang)),
            alt.Tooltip("amount:Q", title=amount, format=",.0f"),
            alt.Tooltip("amount_share:Q", title=_t("chart_amount_share", lang), format=".1%"),
            alt.Tooltip("customers:Q", title=_t("col_customers", lang), format=",d"),
        ],
    )
    return finish(chart, height=alt.Step(34))


# ---------------------------------------------------------------------------------------------
# Cohorts and channels


def cohort_chart(df: pd.DataFrame, lang: str) -> alt.TopLevelMixin:
    """Retention heatmap: month of first order (rows, oldest first) by months since (columns),
    coloured by the share who ordered that month, the share written in each cell. The colour
    scale stops at the largest share after month 0, so later months stay readable."""
    if is_empty(df, "cohort", "months_since", "customers", "cohort_size", "share"):
        return no_data_chart(lang)
    frame = df[["cohort", "months_since", "customers", "cohort_size", "share"]].copy()
    cohorts = pd.to_datetime(frame["cohort"])
    frame["cohort"] = [f"{day.year}-{day.month:02d}" for day in cohorts]
    frame["months_since"] = frame["months_since"].astype(int)
    frame["customers"] = frame["customers"].astype(int)
    frame["cohort_size"] = frame["cohort_size"].astype(int)
    frame["share"] = frame["share"].astype(float)
    later = frame.loc[frame["months_since"] > 0, "share"]
    top = float(later.max()) if len(later) else 1.0
    top = top if top > 0 else 1.0
    frame["dark"] = frame["share"] / top > 0.6
    # more than a year of columns leaves no room for the % sign: the legend and tooltip keep it
    compact = frame["months_since"].nunique() > 13
    frame["share_text"] = [f"{share * 100:.0f}" if compact else f"{share:.0%}" for share in frame["share"]]
    rows = sorted(frame["cohort"].unique())
    cohort_title, months_title = _t("chart_cohort", lang), _t("chart_months_since", lang)
    retention = _t("chart_retention", lang)
    base = alt.Chart(frame).encode(
        x=alt.X("months_since:O", title=months_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cohort:O", sort=rows, title=cohort_title),
        tooltip=[
            alt.Tooltip("cohort:N", title=cohort_title),
            alt.Tooltip("months_since:Q", title=months_title),
            alt.Tooltip("customers:Q", title=_t("col_customers", lang), format=",d"),
            alt.Tooltip("cohort_size:Q", title=_t("chart_cohort_size", lang), format=",d"),
            alt.Tooltip("share:Q", title=retention, format=".1%"),
        ],
    )
    cells = base.mark_rect(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color("share:Q", title=retention,
                        scale=alt.Scale(scheme=_HEAT_SCHEME, domain=[0, top], clamp=True),
                        legend=alt.Legend(format=".0%", gradientLength=160)),
    )
    labels = base.mark_text(fontSize=8 if compact else 10).encode(
        text=alt.Text("share_text:N"),
        color=alt.ColorValue(**alt.condition("datum.dark", alt.value("white"), alt.value("#1F2937"))),
    )
    if compact:  # a wall of tiny numbers helps nobody: colour and tooltip carry the share
        return finish(cells, height=alt.Step(20))
    return finish(alt.layer(cells, labels), height=alt.Step(20))


def channel_chart(df: pd.DataFrame, lang: str) -> alt.TopLevelMixin:
    """Second-order rate and loyal rate per acquisition channel, side by side, channels sorted
    by loyal rate (highest first). The measures take the colours of nascent customers (the
    first with two orders) and loyal customers."""
    columns = ["channel", "acquired", "second_order", "loyal"]
    if is_empty(df, *columns):
        return no_data_chart(lang)
    frame = df[columns].copy()
    unknown = _t("unknown", lang)
    frame["channel"] = [unknown if value is None or (not isinstance(value, str) and pd.isna(value))
                        or str(value).strip() == "" else str(value) for value in frame["channel"]]
    frame = frame.groupby("channel", as_index=False)[["acquired", "second_order", "loyal"]].sum()
    frame = frame[frame["acquired"] > 0]
    if frame.empty:
        return no_data_chart(lang)
    frame["second_order_share"] = frame["second_order"] / frame["acquired"]
    frame["loyal_share"] = frame["loyal"] / frame["acquired"]
    order = frame.sort_values(["loyal_share", "acquired"], ascending=[False, False])["channel"].tolist()
    measures = ["second_order_share", "loyal_share"]
    names = [_t("col_second_share", lang), _t("col_loyal_share", lang)]
    colours = [BY_CODE["nascent"].colour, BY_CODE["loyal"].colour]
    frame = frame[["channel", "acquired", *measures]].assign(acquired=frame["acquired"].astype(int))
    channel_title, rate_title = _t("col_channel", lang), _t("chart_metric", lang)
    # One row per channel ships; Vega-Lite folds the two measures into bars.
    base = (
        alt.Chart(frame)
        .transform_fold(measures, as_=["measure", "rate"])
        .transform_calculate(measure_name=_lookup_expr("datum.measure", measures, names))
        .encode(
            y=alt.Y("channel:N", sort=order, title=channel_title, axis=alt.Axis(labelLimit=140)),
            yOffset=alt.YOffset("measure:N", sort=measures, scale=alt.Scale(domain=measures)),
            x=alt.X("rate:Q", title=None, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
            tooltip=[
                alt.Tooltip("channel:N", title=channel_title),
                alt.Tooltip("measure_name:N", title=rate_title),
                alt.Tooltip("rate:Q", title=rate_title, format=".1%"),
                alt.Tooltip("acquired:Q", title=_t("col_acquired", lang), format=",d"),
            ],
        )
    )
    bars = base.mark_bar().encode(
        color=alt.Color("measure:N", sort=measures, title=rate_title,
                        scale=alt.Scale(domain=measures, range=colours),
                        legend=alt.Legend(orient="bottom", labelExpr=_label_expr(measures, names))),
    )
    values = base.mark_text(align="left", dx=3, fontSize=10, color="#374151").encode(
        text=alt.Text("rate:Q", format=".0%"),
    )
    return finish(alt.layer(bars, values), height=alt.Step(14))


def tier_timeline_chart(history: pd.DataFrame, lang: str, as_of: Any) -> alt.TopLevelMixin:
    """One customer's tier over time: a band per spell (from `since` to the next change, the
    last one to `as_of`), coloured by tier, paler while lapsed. Input: `tier_history` output."""
    if is_empty(history, "since", "tier"):
        return no_data_chart(lang)
    frame = history.copy()
    frame["since"] = pd.to_datetime(frame["since"])
    ends = list(frame["since"].iloc[1:]) + [pd.Timestamp(as_of)]
    frame["until"] = ends
    frame["status"] = [_status_key(_lapsed(value)) for value in frame["lapsed"]]
    frame["label"] = [_series_label(code, _lapsed(value), lang) for code, value in zip(frame["tier"], frame["lapsed"])]
    frame["row"] = _t("tier_history", lang)
    chart = alt.Chart(frame).mark_bar(height=28).encode(
        x=alt.X("since:T", title=None, axis=alt.Axis(format="%Y-%m")),
        x2="until:T",
        y=alt.Y("row:N", title=None, axis=None),
        color=tier_colour(lang).legend(None),
        opacity=status_opacity(lang).legend(None),
        tooltip=[alt.Tooltip("label:N", title=_t("col_tier", lang)),
                 alt.Tooltip("since:T", title=_t("since", lang), format="%Y-%m-%d")],
    )
    return finish(chart, height=50)


def orders_chart(orders: pd.DataFrame, lang: str, expected_next: Any = None) -> alt.TopLevelMixin:
    """One customer's orders as bars over time (refunds below zero) with the expected next
    order date as a dashed rule. Input: columns order_date, amount (one row per order)."""
    if is_empty(orders, "order_date", "amount"):
        return no_data_chart(lang)
    frame = orders[["order_date", "amount"]].copy()
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame["amount"] = frame["amount"].astype(float)
    amount = _t("chart_revenue", lang)
    bars = alt.Chart(frame).mark_bar(size=6, color=BY_CODE["loyal"].colour).encode(
        x=alt.X("order_date:T", title=_t("col_order_date", lang), axis=alt.Axis(format="%Y-%m")),
        y=alt.Y("amount:Q", title=amount, axis=alt.Axis(format=",.0f")),
        tooltip=[alt.Tooltip("order_date:T", title=_t("col_order_date", lang), format="%Y-%m-%d"),
                 alt.Tooltip("amount:Q", title=amount, format=",.0f")],
    )
    layers = [bars]
    if expected_next is not None and not pd.isna(expected_next):
        rule = pd.DataFrame({"expected": [pd.Timestamp(expected_next)],
                             "label": [_t("col_expected_next_order_date", lang)]})
        layers.append(alt.Chart(rule).mark_rule(strokeDash=[6, 4], color="#E63946", size=2).encode(
            x="expected:T", tooltip=[alt.Tooltip("expected:T", title=_t("col_expected_next_order_date", lang),
                                                 format="%Y-%m-%d")]))
        layers.append(alt.Chart(rule).mark_text(align="left", dx=4, dy=-6, color="#E63946").encode(
            x="expected:T", y=alt.value(8), text="label:N"))
    return finish(alt.layer(*layers), height=240)
