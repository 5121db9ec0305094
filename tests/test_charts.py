"""The chart builders: valid Vega-Lite, aggregated data, the one palette, both languages, and no
exception on empty frames. No browser: the specs are checked as dictionaries."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from dashboard import charts
from segmentation import engine
from segmentation.thresholds import Thresholds
from segmentation.tiers import TIER_CODES, TIERS

ROOT = Path(__file__).resolve().parent.parent
DEMO_CUSTOMERS = 500
AMOUNT_THRESHOLDS = Thresholds(value_axis="amount", min_amount=30000)


# ---------------------------------------------------------------------------------------------
# Helpers


def spec_of(chart) -> dict:
    return chart.to_dict(validate=True)  # validates against the Vega-Lite schema (the app skips it)


def spec_text(chart) -> str:
    return json.dumps(spec_of(chart), ensure_ascii=False)


def shipped_rows(spec: dict) -> int:
    """Data values the spec carries: named datasets plus any inline `data.values`."""
    rows = sum(len(values) for values in spec.get("datasets", {}).values())

    def inline(node) -> int:
        if isinstance(node, dict):
            data = node.get("data")
            own = len(data["values"]) if isinstance(data, dict) and isinstance(data.get("values"), list) else 0
            return own + sum(inline(value) for key, value in node.items() if key != "datasets")
        if isinstance(node, list):
            return sum(inline(value) for value in node)
        return 0

    return rows + inline(spec)


def shipped_values(spec: dict) -> list[dict]:
    return [row for values in spec.get("datasets", {}).values() for row in values]


def scales(node) -> list[dict]:
    """Every scale definition anywhere in the spec."""
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("scale"), dict):
            found.append(node["scale"])
        for value in node.values():
            found += scales(value)
    elif isinstance(node, list):
        for value in node:
            found += scales(value)
    return found


def tier_scale(spec: dict) -> dict:
    matching = [scale for scale in scales(spec) if scale.get("domain") == list(TIER_CODES)]
    assert matching, "no colour scale over the tier codes"
    return matching[0]


# ---------------------------------------------------------------------------------------------
# Engine frames from the seeded demo data


@pytest.fixture(scope="module")
def analysis(demo_database):
    opened = engine.Analysis.open(demo_database(DEMO_CUSTOMERS, seed=1))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def frames(analysis) -> dict[str, pd.DataFrame]:
    return {
        "counts_over_time": engine.tier_counts_over_time(analysis),
        "revenue_over_time": engine.revenue_over_time(analysis),
        "movements": engine.movements_over_time(analysis),
        "transitions": engine.transitions(analysis),
        "tier_map": engine.tier_map(analysis),
        "tier_map_amount": engine.tier_map(analysis, AMOUNT_THRESHOLDS),
        "tier_counts": engine.tier_counts(analysis),
        "cohorts": engine.cohort_retention(analysis),
        "channels": engine.channel_conversion(analysis),
    }


BUILDERS = {
    "counts_area": ("counts_over_time", lambda df, lang: charts.counts_over_time_chart(df, lang)),
    "counts_line": ("counts_over_time", lambda df, lang: charts.counts_over_time_chart(df, lang, mode="line")),
    "counts_active": ("counts_over_time", lambda df, lang: charts.counts_over_time_chart(df, lang, status="active")),
    "counts_lapsed": ("counts_over_time", lambda df, lang: charts.counts_over_time_chart(df, lang, status="lapsed")),
    "revenue_over_time": ("revenue_over_time", charts.revenue_over_time_chart),
    "movements": ("movements", charts.movements_chart),
    "movements_steady": ("movements", lambda df, lang: charts.movements_chart(df, lang, tier="steady")),
    "transitions": ("transitions", charts.transition_heatmap),
    "tier_map": ("tier_map", lambda df, lang: charts.tier_map_chart(df, lang, Thresholds(), "orders")),
    "tier_map_amount": ("tier_map_amount",
                        lambda df, lang: charts.tier_map_chart(df, lang, AMOUNT_THRESHOLDS, "amount")),
    "revenue_by_tier": ("tier_counts", charts.revenue_by_tier_chart),
    "cohorts": ("cohorts", charts.cohort_chart),
    "channels": ("channels", charts.channel_chart),
}
TIER_CHARTS = ["counts_area", "counts_line", "counts_active", "counts_lapsed", "revenue_over_time", "tier_map",
               "tier_map_amount", "revenue_by_tier"]


@pytest.fixture(scope="module")
def built(frames):
    """`built(name, lang)` -> (spec, frame): each demo chart is built and validated once."""
    cache: dict[tuple[str, str], tuple[dict, pd.DataFrame]] = {}

    def get(name: str, lang: str) -> tuple[dict, pd.DataFrame]:
        if (name, lang) not in cache:
            frame_name, builder = BUILDERS[name]
            cache[name, lang] = spec_of(builder(frames[frame_name], lang)), frames[frame_name]
        return cache[name, lang]

    return get


# ---------------------------------------------------------------------------------------------
# Every chart


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("name", list(BUILDERS))
def test_chart_is_valid_vega_lite_carrying_no_more_rows_than_its_frame(built, name, lang):
    spec, frame = built(name, lang)
    assert not frame.empty
    assert 0 < shipped_rows(spec) <= len(frame)
    assert "データがありません" not in json.dumps(spec, ensure_ascii=False)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_chart_fits_its_container_and_names_a_japanese_font(built, name):
    spec = built(name, "ja")[0]
    assert spec["width"] == "container"
    assert "Noto Sans CJK JP" in spec["config"]["font"]


def test_tier_map_ships_far_fewer_rows_than_customers(frames):
    spec = spec_of(charts.tier_map_chart(frames["tier_map"], "ja", Thresholds()))
    assert shipped_rows(spec) <= len(frames["tier_map"])
    assert shipped_rows(spec) < DEMO_CUSTOMERS / 2


@pytest.mark.parametrize("name", TIER_CHARTS)
def test_tier_colours_are_the_palette_in_tier_order(built, name):
    scale = tier_scale(built(name, "ja")[0])
    assert scale["range"] == [tier.colour for tier in TIERS]


# Each chart and a label it must show in each language (and not in the other).
LABELS = {
    "counts_area": ("優良客", "Loyal"),
    "counts_line": ("顧客数", "Customers"),
    "counts_active": ("見込み客", "Prospect"),
    "counts_lapsed": ("離脱", "Lapsed"),
    "revenue_over_time": ("売上（円）", "Revenue (yen)"),
    "movements": ("新規", "New"),
    "movements_steady": ("昇格", "Promoted"),
    "transitions": ("優良客 現役", "Loyal Active"),
    "tier_map": ("購入回数", "Orders"),
    "tier_map_amount": ("累計購入金額（円）", "Amount spent (yen)"),
    "revenue_by_tier": ("優良客", "Loyal"),
    "cohorts": ("経過月数", "Months since first order"),
    "channels": ("優良客化率", "Loyal rate"),
}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_labels_follow_the_language(built, name):
    japanese, english = LABELS[name]
    in_japanese = json.dumps(built(name, "ja")[0], ensure_ascii=False)
    in_english = json.dumps(built(name, "en")[0], ensure_ascii=False)
    assert japanese in in_japanese and english not in in_japanese
    assert english in in_english and japanese not in in_english


EMPTY_FRAMES = {
    "counts_area": pd.DataFrame(columns=["period_end", "tier", "lapsed", "customers"]),
    "revenue_over_time": pd.DataFrame(columns=["period_end", "tier", "lapsed", "revenue"]),
    "movements": pd.DataFrame(columns=["period_end", "movement", "from_tier", "from_lapsed", "to_tier",
                                       "to_lapsed", "customers"]),
    "transitions": pd.DataFrame(columns=["from_tier", "from_lapsed", "to_tier", "to_lapsed", "customers"]),
    "tier_map": pd.DataFrame(columns=["tenure_from", "tenure_to", "value_from", "value_to", "tier", "lapsed",
                                      "customers"]),
    "revenue_by_tier": pd.DataFrame(columns=["tier", "lapsed", "customers", "share", "amount", "amount_share"]),
    "cohorts": pd.DataFrame(columns=["cohort", "months_since", "customers", "cohort_size", "share"]),
    "channels": pd.DataFrame(columns=["channel", "acquired", "first_order", "second_order", "loyal",
                                      "second_order_share", "loyal_share", "amount", "amount_per_customer"]),
}
EMPTY_BUILDERS = {
    "counts_area": charts.counts_over_time_chart,
    "revenue_over_time": charts.revenue_over_time_chart,
    "movements": charts.movements_chart,
    "transitions": charts.transition_heatmap,
    "tier_map": lambda df, lang: charts.tier_map_chart(df, lang, Thresholds()),
    "revenue_by_tier": charts.revenue_by_tier_chart,
    "cohorts": charts.cohort_chart,
    "channels": charts.channel_chart,
}


@pytest.mark.parametrize("lang, message", [("ja", "データがありません"), ("en", "No data")])
@pytest.mark.parametrize("name", list(EMPTY_BUILDERS))
def test_empty_frame_says_there_is_no_data(name, lang, message):
    for frame in (EMPTY_FRAMES[name], pd.DataFrame()):
        assert message in spec_text(EMPTY_BUILDERS[name](frame, lang))


# ---------------------------------------------------------------------------------------------
# The palette


def test_tier_palette_lists_tiers_in_order():
    assert charts.tier_palette("ja") == (
        ["見込み客", "初回客", "よちよち客", "こつこつ客", "流行客", "優良客"],
        ["#9AA5B1", "#4EA8DE", "#F4A261", "#2A9D8F", "#E63946", "#6A4C93"],
    )


def test_tier_palette_with_status_gives_lapsed_their_paler_colour():
    labels, colours = charts.tier_palette("en", with_status=True)
    assert labels[:3] == ["Prospect", "First-time Active", "First-time Lapsed"]
    assert labels[-2:] == ["Loyal Active", "Loyal Lapsed"]
    assert colours[:3] == ["#9AA5B1", "#4EA8DE", "#B9DDF3"]
    assert len(labels) == len(colours) == 1 + 2 * (len(TIERS) - 1)


# ---------------------------------------------------------------------------------------------
# The 推移グラフ


def counts_frame() -> pd.DataFrame:
    """Two month ends, every tier and status, as `tier_counts_over_time` returns them."""
    rows = []
    for period_end in (dt.date(2026, 1, 31), dt.date(2026, 2, 28)):
        for code in TIER_CODES:
            for lapsed in ([None] if code == "prospect" else [False, True]):
                rows.append({"period_end": period_end, "tier": code, "lapsed": lapsed, "customers": 3})
    return pd.DataFrame(rows)


def test_counts_chart_has_a_tier_selection_yielding_codes():
    spec = spec_of(charts.counts_over_time_chart(counts_frame(), "ja"))
    (param,) = [param for param in spec["params"] if param["name"] == "tier"]
    assert param["select"]["type"] == "point" and param["select"]["fields"] == ["tier"]
    assert param["bind"] == "legend"
    assert {row["tier"] for row in shipped_values(spec)} == set(TIER_CODES)


@pytest.mark.parametrize("status", ["both", "active", "lapsed"])
def test_counts_chart_without_rows_keeps_its_selection_for_on_select(status):
    spec = spec_of(charts.counts_over_time_chart(counts_frame().iloc[0:0], "en", status=status))
    assert [param["name"] for param in spec["params"]] == ["tier"]
    assert "No data" in json.dumps(spec)


@pytest.mark.parametrize("status, shown", [
    ("both", {"none", "active", "lapsed"}),
    ("active", {"none", "active"}),
    ("lapsed", {"lapsed"}),
])
def test_counts_chart_status_keeps_the_chosen_statuses(status, shown):
    spec = spec_of(charts.counts_over_time_chart(counts_frame(), "en", status=status))
    assert {row["status_key"] for row in shipped_values(spec)} == shown


def test_counts_chart_stacks_in_tier_order_with_lapsed_above_active():
    spec = spec_of(charts.counts_over_time_chart(counts_frame(), "en"))
    assert spec["encoding"]["order"] == {"field": "order", "sort": "ascending", "type": "quantitative"}
    first_month = [row for row in shipped_values(spec) if row["period_end"].startswith("2026-01-31")]
    by_order = sorted(first_month, key=lambda row: row["order"])
    assert [(row["tier"], row["status_key"]) for row in by_order][:3] == [
        ("prospect", "none"), ("first", "active"), ("first", "lapsed")]
    assert [row["tier"] for row in by_order][-1] == "loyal"


def test_lapsed_series_are_the_tier_colour_at_lower_opacity():
    spec = spec_of(charts.counts_over_time_chart(counts_frame(), "en"))
    opacity = spec["encoding"]["opacity"]["condition"]
    assert opacity["field"] == "status_key"
    assert dict(zip(opacity["scale"]["domain"], opacity["scale"]["range"])) == {
        "active": 1.0, "lapsed": charts.LAPSED_OPACITY, "none": 1.0}


def test_counts_chart_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        charts.counts_over_time_chart(counts_frame(), "en", mode="pie")


# ---------------------------------------------------------------------------------------------
# Revenue, moves, transitions


def test_revenue_over_time_labels_quarters_and_leaves_out_zero_revenue():
    frame = pd.DataFrame({
        "period_end": [dt.date(2026, 3, 31), dt.date(2026, 3, 31), dt.date(2026, 6, 30)],
        "tier": ["first", "loyal", "loyal"],
        "lapsed": [False, True, False],
        "revenue": [1200.0, 0.0, 56000.0],
    })
    spec = spec_of(charts.revenue_over_time_chart(frame, "ja"))
    shipped = [(row["period"], row["tier"]) for row in shipped_values(spec)]
    assert shipped == [("2026 Q1", "first"), ("2026 Q2", "loyal")]
    assert spec["encoding"]["x"]["sort"] == ["2026 Q1", "2026 Q2"]


def moves_frame() -> pd.DataFrame:
    """One month of moves, as `movements_over_time` returns them."""
    columns = ["period_end", "movement", "from_tier", "from_lapsed", "to_tier", "to_lapsed", "customers"]
    end = dt.date(2026, 1, 31)
    return pd.DataFrame([
        (end, "new", None, None, "prospect", None, 4),
        (end, "new", None, None, "first", False, 6),
        (end, "promoted", "nascent", False, "steady", False, 5),
        (end, "promoted", "steady", False, "loyal", False, 2),
        (end, "demoted", "trend", False, "steady", False, 1),
        (end, "lapsed", "steady", False, "steady", True, 3),
        (end, "reactivated", "steady", True, "loyal", False, 7),
        (end, "lapsed", "first", False, "first", True, 9),
    ], columns=columns)


def signed_moves(spec: dict) -> dict[str, int]:
    return {row["movement"]: row["signed"] for row in shipped_values(spec) if "signed" in row}


def test_movements_count_inflows_up_and_outflows_down():
    spec = spec_of(charts.movements_chart(moves_frame(), "en"))
    assert signed_moves(spec) == {"new": 10, "promoted": 7, "demoted": -1, "lapsed": -12, "reactivated": 7}


def test_movements_of_one_tier_count_moves_into_it_up_and_out_of_it_down():
    spec = spec_of(charts.movements_chart(moves_frame(), "en", tier="steady"))
    rows = sorted((row["movement"], row["signed"]) for row in shipped_values(spec) if "signed" in row)
    assert rows == [
        ("demoted", 1),  # trend -> steady comes in
        ("lapsed", -3),  # steady active -> steady lapsed
        ("promoted", -2),  # steady -> loyal goes out
        ("promoted", 5),  # nascent -> steady comes in
        ("reactivated", -7),  # lapsed steady -> active loyal goes out
    ]


def test_movements_legend_lists_every_kind_in_order():
    spec = spec_of(charts.movements_chart(moves_frame(), "ja"))
    colour = spec["layer"][0]["encoding"]["color"]
    assert colour["scale"]["domain"] == ["new", "promoted", "demoted", "lapsed", "reactivated"]
    assert "復帰" in colour["legend"]["labelExpr"]


def test_transition_heatmap_puts_new_first_and_writes_every_count():
    frame = pd.DataFrame({
        "from_tier": ["new", "new", "first", "loyal"],
        "from_lapsed": [None, None, False, False],
        "to_tier": ["prospect", "first", "first", "loyal"],
        "to_lapsed": [None, False, True, False],
        "customers": [5, 40, 12, 30],
    })
    spec = spec_of(charts.transition_heatmap(frame, "ja"))
    rect, text = spec["layer"]
    assert rect["encoding"]["y"]["sort"] == ["新規", "初回客 現役", "優良客 現役"]
    assert rect["encoding"]["x"]["sort"] == ["見込み客", "初回客 現役", "初回客 離脱", "優良客 現役"]
    assert text["encoding"]["text"]["field"] == "customers"
    cells = {(row["from_label"], row["to_label"]): row for row in shipped_values(spec)}
    assert cells[("新規", "初回客 現役")]["dark"] is True  # the largest count: white text
    assert cells[("新規", "見込み客")]["dark"] is False
    assert cells[("新規", "初回客 現役")]["row_share"] == pytest.approx(40 / 45)


# ---------------------------------------------------------------------------------------------
# The tier map


def map_frame() -> pd.DataFrame:
    """Cells as `tier_map` returns them on the orders axis; the cell at 360 days straddles 365."""
    return pd.DataFrame({
        "tenure_from": [0, 360, 360, 360, 720],
        "tenure_to": [30, 390, 390, 390, 750],
        "value_from": [0.5, 2.5, 2.5, 2.5, 6.5],
        "value_to": [1.5, 3.5, 3.5, 3.5, 7.5],
        "tier": ["first", "nascent", "steady", "steady", "loyal"],
        "lapsed": [True, False, False, True, False],
        "customers": [40, 3, 5, 2, 8],
    })


def threshold_row(spec: dict) -> dict:
    """The one row of the chart's data the threshold lines and labels are drawn from."""
    rows = [row for row in shipped_values(spec) if pd.notna(row.get("threshold_tenure"))]
    assert len(rows) == 1
    return rows[0]


def test_tier_map_draws_thresholds_where_the_rules_cut():
    spec = spec_of(charts.tier_map_chart(map_frame(), "en", Thresholds(min_orders=4, min_tenure_days=365)))
    rules = [layer["encoding"] for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    assert [next(iter(rule)) for rule in rules] == ["x", "y"]
    assert [rule[axis]["field"] for rule, axis in zip(rules, "xy")] == ["threshold_tenure", "threshold_value"]
    row = threshold_row(spec)
    assert (row["threshold_tenure"], row["threshold_value"]) == (365, 3.5)
    assert (row["threshold_tenure_text"], row["threshold_value_text"]) == ("365 days", "4 orders")
    assert all(layer["transform"] == [{"filter": "isValid(datum.threshold_tenure)"}]
               for layer in spec["layer"][1:])


def test_tier_map_spec_stays_the_same_when_only_the_thresholds_move():
    """The browser swaps the data of a chart whose spec is unchanged instead of building it again
    (the cheaper part of a slider move): only the data may differ between two thresholds."""
    def without_data(thresholds: Thresholds) -> dict:
        spec = spec_of(charts.tier_map_chart(map_frame(), "ja", thresholds))
        spec.pop("datasets")
        spec.pop("data")  # the data's name is a hash of its content
        return spec

    assert without_data(Thresholds()) == without_data(Thresholds(min_orders=3, min_tenure_days=90, lapse_days=60))


def test_tier_maps_built_one_after_another_keep_their_own_data():
    """The chart without its data is built once and shared: a later chart must not change an
    earlier one, nor the shared part."""
    first = charts.tier_map_chart(map_frame(), "en", Thresholds(min_orders=4))
    before = spec_text(first)
    second = charts.tier_map_chart(map_frame().assign(customers=[1, 2, 3, 4, 5]), "en", Thresholds(min_orders=6))

    assert spec_text(first) == before
    assert threshold_row(spec_of(second))["threshold_value"] == 5.5
    assert sorted(row["customers"] for row in shipped_values(spec_of(second)) if "x_from" in row) == [1, 2, 5, 7]


def test_tier_map_is_drawn_on_a_canvas():
    """Hundreds of cells redrawn on every slider move: cheaper on a canvas than as SVG elements."""
    spec = spec_of(charts.tier_map_chart(map_frame(), "ja", Thresholds()))
    assert spec["usermeta"] == {"embedOptions": {"renderer": "canvas"}}


def test_tier_map_on_the_amount_axis_uses_a_log_scale_and_the_minimum_amount():
    frame = map_frame().assign(value_from=[1000.0, 10000.0, 10000.0, 10000.0, 56234.1],
                               value_to=[1778.3, 17782.8, 17782.8, 17782.8, 100000.0])
    thresholds = Thresholds(value_axis="amount", min_amount=30000)
    spec = spec_of(charts.tier_map_chart(frame, "ja", thresholds))
    cells = spec["layer"][0]["encoding"]
    assert cells["y"]["scale"]["type"] == "log"
    row = threshold_row(spec)
    assert row["threshold_value"] == 30000.0
    assert "30,000円" in row["threshold_value_text"]


def test_tier_map_adds_statuses_per_cell_and_splits_cells_shared_by_tiers():
    spec = spec_of(charts.tier_map_chart(map_frame(), "en", Thresholds()))
    cells = {(row["tier"], row["x_from"]): row for row in shipped_values(spec) if "x_from" in row}
    assert len(cells) == 4  # steady's active and lapsed customers share one cell
    steady = cells[("steady", 375.0)]
    assert (steady["customers"], steady["active_customers"], steady["lapsed_customers"]) == (7, 5, 2)
    assert (cells[("nascent", 360.0)]["x_to"], cells[("steady", 375.0)]["x_to"]) == (375.0, 390.0)
    assert cells[("first", 0.0)]["value_text"] == "1 orders"


def test_tier_map_opacity_grows_with_log_customers():
    spec = spec_of(charts.tier_map_chart(map_frame(), "en", Thresholds()))
    opacity = spec["layer"][0]["encoding"]["opacity"]
    assert opacity["field"] == "customers" and opacity["scale"]["type"] == "log"


# ---------------------------------------------------------------------------------------------
# Revenue by tier, cohorts, channels


def test_revenue_by_tier_stacks_active_and_lapsed_amounts_per_tier():
    frame = pd.DataFrame({
        "tier": ["prospect", "first", "first", "loyal", "loyal"],
        "lapsed": [None, False, True, False, True],
        "customers": [10, 5, 7, 2, 1],
        "share": [0.4, 0.2, 0.28, 0.08, 0.04],
        "amount": [0.0, 5000.0, 7000.0, 90000.0, 30000.0],
        "amount_share": [0.0, 0.04, 0.05, 0.68, 0.23],
    })
    spec = spec_of(charts.revenue_by_tier_chart(frame, "en"))
    assert spec["encoding"]["y"]["sort"] == ["Prospect", "First-time", "Nascent", "Steady", "Trend", "Loyal"]
    assert spec["encoding"]["x"]["stack"] == "zero"
    assert tier_scale(spec)["range"] == [tier.colour for tier in TIERS]


def test_cohort_chart_writes_shares_as_percent():
    frame = pd.DataFrame({
        "cohort": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-02-01"]),
        "months_since": [0, 1, 0],
        "customers": [20, 5, 10],
        "cohort_size": [20, 20, 10],
        "share": [1.0, 0.25, 1.0],
    })
    spec = spec_of(charts.cohort_chart(frame, "en"))
    rows = [(row["cohort"], row["months_since"], row["share_text"]) for row in shipped_values(spec)]
    assert rows == [("2026-01", 0, "100%"), ("2026-01", 1, "25%"), ("2026-02", 0, "100%")]
    # The colour scale ends at the best later month, so month 0 (always 100%) does not wash it out.
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == [0, 0.25]


def test_channel_chart_sorts_by_loyal_rate_and_names_the_unknown_channel():
    frame = pd.DataFrame({
        "channel": ["Web広告", None, "紹介"],
        "acquired": [100, 10, 50],
        "first_order": [80, 8, 45],
        "second_order": [40, 2, 30],
        "loyal": [5, 0, 10],
        "second_order_share": [0.4, 0.2, 0.6],
        "loyal_share": [0.05, 0.0, 0.2],
        "amount": [1e6, 1e4, 8e5],
        "amount_per_customer": [1e4, 1e3, 1.6e4],
    })
    for lang, unknown in (("ja", "未設定"), ("en", "Unknown")):
        spec = spec_of(charts.channel_chart(frame, lang))
        assert spec["layer"][0]["encoding"]["y"]["sort"] == ["紹介", "Web広告", unknown]
    colour = spec["layer"][0]["encoding"]["color"]["scale"]
    assert colour["range"] == [TIERS[2].colour, TIERS[5].colour]  # nascent, loyal


# ---------------------------------------------------------------------------------------------
# Purity


def test_a_finished_chart_skips_the_schema_check_when_drawn_but_not_when_asked(frames):
    chart = charts.tier_map_chart(frames["tier_map"], "ja", Thresholds())
    broken = charts.drawn_without_validation(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"))
    broken["mark"] = {"type": "no such mark"}  # what the schema refuses
    broken.to_dict()  # drawn: not checked
    with pytest.raises(Exception, match="no such mark"):
        broken.to_dict(validate=True)
    assert type(chart).__module__.startswith("altair.")  # still Altair's class: Streamlit recognises it
    assert chart.to_dict()["layer"] and chart.to_dict(validate=True)["layer"]


def test_charts_do_not_import_streamlit():
    code = "import sys, dashboard.charts; print('streamlit' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
