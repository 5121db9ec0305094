"""The overview's comparison of two threshold settings in AppTest: off by default; on, it compares
the sliders with the sliders before their last change or with a saved preset, shows per tier and
status what the core counts under each, lists the customers of a chosen move as the core finds
them, and exports that list only with an audit row."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from apptest_support import (  # noqa: F401  (fixtures)
    DEMO_END,
    assert_no_exception,
    has_key,
    open_app,
    table_with_column,
)
from dashboard.charts_compare import cell_key, compare_heatmap, difference_chart
from dashboard.compare_view import clicked_cell
from segmentation import audit, compare, presets
from segmentation.analysis import Analysis
from segmentation.engine import classify
from segmentation.export import CONDITIONS_SHEET
from segmentation.texts import text
from segmentation.thresholds import DEFAULT_THRESHOLDS

MOVED = DEFAULT_THRESHOLDS.replace(min_orders=3)


@pytest.fixture
def demo_copy(demo_db, tmp_path) -> Path:
    """A copy of the shared demo database: presets and the audit write into the file."""
    return Path(shutil.copy(demo_db, tmp_path / "demo.duckdb"))


def compare_on(at):
    at.get_by_key("ov_compare").set_value(True).run()
    assert_no_exception(at)
    return at


def shown_counts(at, lang: str = "ja") -> list[tuple[int, int, int]]:
    """(under A, under B, difference) per row of the comparison's table."""
    columns = [text(key, lang) for key in ("compare_col_a", "compare_col_b", "compare_col_difference")]
    table = table_with_column(at, columns[0])
    return [tuple(int(value) for value in row) for row in table[columns].itertuples(index=False)]


def core_counts(analysis, a, b) -> list[tuple[int, int, int]]:
    counts = compare.compare_counts(compare.compare(analysis, a, b, as_of=DEMO_END))
    return [(int(r.customers_a), int(r.customers_b), int(r.difference)) for r in counts.itertuples()]


def test_the_comparison_is_off_until_its_toggle_is_on(open_app, demo_db):
    at = open_app(demo_db)

    assert_no_exception(at)
    assert at.get_by_key("ov_compare").value is False
    assert not has_key(at, "ov_cmp_source")


def test_before_any_slider_move_the_comparison_asks_for_one(open_app, demo_db):
    at = compare_on(open_app(demo_db))

    assert at.get_by_key("ov_cmp_source").value == "previous"
    assert [info.value for info in at.info] == [text("compare_no_previous", "ja")]
    assert not has_key(at, "ov_cmp_move")


def test_after_a_slider_move_the_table_shows_the_core_counts_under_the_previous_and_the_current_sliders(
        open_app, demo_db, demo_analysis):
    at = open_app(demo_db)
    at.get_by_key("sb_min_orders").set_value(3).run()

    compare_on(at)

    assert shown_counts(at) == core_counts(demo_analysis, DEFAULT_THRESHOLDS, MOVED)
    assert any(value < 0 for _, _, value in shown_counts(at)), "fewer orders make some tiers lose customers"


def test_a_is_the_sliders_before_their_last_change_and_a_language_switch_is_no_change(open_app, demo_db,
                                                                                      demo_analysis):
    at = compare_on(open_app(demo_db))
    at.get_by_key("sb_min_orders").set_value(3).run()
    at.get_by_key("sb_min_orders").set_value(4).run()

    at.get_by_key("sb_lang").set_value("en").run()

    assert_no_exception(at)
    expected = core_counts(demo_analysis, MOVED, DEFAULT_THRESHOLDS.replace(min_orders=4))
    assert shown_counts(at, "en") == expected


def test_picking_a_move_lists_exactly_its_customers_as_classifying_twice_finds_them(open_app, demo_db, demo_analysis):
    at = compare_on(open_app(demo_db))
    at.get_by_key("sb_min_orders").set_value(3).run()
    matrix = compare.compare(demo_analysis, DEFAULT_THRESHOLDS, MOVED, as_of=DEMO_END)
    move, count = compare.moves(matrix)[0]
    key = cell_key(move.tier_a, move.lapsed_a, move.tier_b, move.lapsed_b)

    at.get_by_key("ov_cmp_move").set_value(key).run()

    assert_no_exception(at)
    under_a = classify(demo_analysis, DEFAULT_THRESHOLDS, DEMO_END).set_index("customer_id")
    under_b = classify(demo_analysis, MOVED, DEMO_END).set_index("customer_id")
    expected = {cid for cid in under_a.index
                if (under_a.at[cid, "tier"], under_a.at[cid, "lapsed"]) == (move.tier_a, move.lapsed_a)
                and (under_b.at[cid, "tier"], under_b.at[cid, "lapsed"]) == (move.tier_b, move.lapsed_b)}
    shown = table_with_column(at, text("col_last_contact_at", "ja"))
    assert len(expected) == count
    assert set(shown[text("col_customer_id", "ja")]) == expected
    title = text("compare_list_title", "ja", move=move.describe("ja"), n=count)
    assert f"**{title}**" in [markdown.value for markdown in at.markdown]


def test_a_saved_preset_can_be_the_setting_compared_with(open_app, demo_copy):
    stricter = DEFAULT_THRESHOLDS.replace(min_orders=8, lapse_days=120)
    presets.save_preset(demo_copy, "厳しめ", stricter)
    at = compare_on(open_app(demo_copy))

    at.get_by_key("ov_cmp_source").set_value("厳しめ").run()

    assert_no_exception(at)
    analysis = Analysis.open(demo_copy, cache=False)
    try:
        assert shown_counts(at) == core_counts(analysis, stricter, DEFAULT_THRESHOLDS)
    finally:
        analysis.close()


def test_the_comparison_speaks_english(open_app, demo_db):
    at = open_app(demo_db, query={"lang": "en"})
    at.get_by_key("sb_lapse_days").set_value(120).run()

    compare_on(at)

    assert text("compare_title", "en") in [s.value for s in at.subheader]
    assert table_with_column(at, text("compare_col_b", "en")) is not None


@pytest.mark.parametrize("chosen", ["csv_utf8", "xlsx"])
def test_the_export_of_a_move_holds_its_customers_and_is_audited_first(open_app, demo_copy, chosen):
    at = compare_on(open_app(demo_copy))
    at.get_by_key("sb_min_orders").set_value(3).run()
    analysis = Analysis.open(demo_copy, cache=False)
    try:
        move, count = compare.moves(compare.compare(analysis, DEFAULT_THRESHOLDS, MOVED, as_of=DEMO_END))[0]
        expected = set(compare.changers(analysis, DEFAULT_THRESHOLDS, MOVED, move, as_of=DEMO_END,
                                        limit=None)[1]["customer_id"])
    finally:
        analysis.close()
    at.get_by_key("ov_cmp_move").set_value(cell_key(move.tier_a, move.lapsed_a, move.tier_b, move.lapsed_b)).run()
    assert not has_key(at, "ov_cmp_download"), "a file must not be offered before it is prepared"

    at.get_by_key("ov_cmp_format").set_value(chosen).run()
    at.get_by_key("ov_cmp_prepare").click().run()

    assert_no_exception(at)
    assert at.get_by_key("ov_cmp_download").label == text("export_button", "ja", n=count)
    _, payload, filename, fmt, _ = at.session_state["ov_cmp_export"]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(payload.decode("utf-8-sig"), newline="")))
        ids = {row[0] for row in rows[1:]}
    else:
        workbook = openpyxl.load_workbook(io.BytesIO(payload), read_only=True)
        try:
            ids = {row[0] for row in list(workbook.worksheets[0].iter_rows(values_only=True))[1:]}
            conditions = dict(workbook[CONDITIONS_SHEET].iter_rows(values_only=True))
        finally:
            workbook.close()
        assert conditions[text("meta_compare_move", "ja")] == move.describe("ja")
    assert ids == expected and len(ids) == count
    assert filename.startswith("customers_compare")
    [row] = audit.read_audit(demo_copy, actions=("export",)).to_dict("records")
    assert row["customers"] == count
    assert '"view": "compare"' in row["details"] and cell_key(move.tier_a, move.lapsed_a, move.tier_b,
                                                              move.lapsed_b) in row["details"]


# ---------------------------------------------------------------------------------------------
# The charts and the click


def chart_rows(chart) -> list[dict]:
    spec = chart.to_dict()
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def test_the_matrix_chart_has_a_cell_per_occupied_cell_and_a_click_selection(demo_analysis):
    matrix = compare.compare(demo_analysis, DEFAULT_THRESHOLDS, MOVED, as_of=DEMO_END)
    chart = compare_heatmap(matrix, "ja")

    rows = chart_rows(chart)
    assert len(rows) == len(matrix) < 11 * 11  # aggregated: never a row per customer
    assert sum(row["customers"] for row in rows) == demo_analysis.customer_count
    assert {row["cell"] for row in rows if row["changes"]} == {
        cell_key(m.tier_a, m.lapsed_a, m.tier_b, m.lapsed_b) for m, _ in compare.moves(matrix)}
    assert [param["name"] for param in chart.to_dict()["params"]] == ["cell"]


def test_the_difference_chart_has_a_bar_per_tier_and_status(demo_analysis):
    counts = compare.compare_counts(compare.compare(demo_analysis, DEFAULT_THRESHOLDS, MOVED, as_of=DEMO_END))
    rows = [row for row in chart_rows(difference_chart(counts, "en")) if "difference" in row]

    assert [row["difference"] for row in rows] == list(counts["difference"])


def test_empty_frames_give_charts_that_say_so():
    empty = compare.compare_counts(pd.DataFrame(columns=compare.MATRIX_COLUMNS))
    assert list(empty["difference"]) == [0] * 11
    assert chart_rows(compare_heatmap(pd.DataFrame(), "ja"))[0]["message"] == text("chart_no_data", "ja")
    assert chart_rows(difference_chart(pd.DataFrame(), "ja"))[0]["message"] == text("chart_no_data", "ja")


@pytest.mark.parametrize(("event", "cell"), [
    ({"selection": {"cell": [{"cell": "loyal.active>steady.active"}]}}, "loyal.active>steady.active"),
    ({"selection": {"cell": []}}, None),
    ({"selection": {}}, None),
    (None, None),
])
def test_a_click_on_the_matrix_is_read_as_its_cell(event, cell):
    assert clicked_cell(event) == cell
