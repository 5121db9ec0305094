"""The trends page in AppTest: it renders, every chart option reruns cleanly, and its tables hold
a row per tier and status (a year before) and per acquisition channel."""

from __future__ import annotations

import datetime as dt

import pytest

from apptest_support import (  # noqa: F401  (fixtures)
    DEMO_END,
    TRENDS_PAGE,
    assert_no_exception,
    open_app,
    table_with_column,
)
from segmentation import engine
from segmentation.texts import status_name, text, tier_name
from segmentation.tiers import TIER_CODES


@pytest.fixture
def trends(open_app, demo_db):
    """The app opened on the overview, then switched to the trends page."""
    at = open_app(demo_db)
    assert_no_exception(at)
    return at.switch_page(TRENDS_PAGE).run()


def open_section(at, section: str):
    """Pick one analysis below the 推移グラフ (the page shows one at a time)."""
    return at.get_by_key("tr_section").set_value(section).run()


def test_the_trends_page_renders(trends):
    assert_no_exception(trends)
    assert [title.value for title in trends.title] == [text("trends_title", "ja")]
    assert trends.get_by_key("tr_freq").value == "month"
    assert trends.get_by_key("tr_mode").value == "area"
    assert trends.get_by_key("tr_status").value == "both"


@pytest.mark.parametrize(
    ("key", "options"),
    [
        ("tr_freq", ["week", "quarter", "month"]),
        ("tr_mode", ["line", "area"]),
        ("tr_status", ["active", "lapsed", "both"]),
        ("tr_moves_tier", [*TIER_CODES, None]),
    ],
)
def test_every_option_of_a_trend_control_reruns_cleanly(trends, key, options):
    open_section(trends, "movements" if key == "tr_moves_tier" else "year_before")
    for option in options:
        trends.get_by_key(key).set_value(option).run()

        assert_no_exception(trends)
        assert trends.get_by_key(key).value == option, f"{key} did not keep {option!r}"
        assert [title.value for title in trends.title] == [text("trends_title", "ja")]
        if key != "tr_moves_tier":
            assert len(table_with_column(trends, text("yoy_change", "ja"))) == 11, f"{key}={option!r}"


def test_the_year_on_year_table_has_a_row_per_tier_and_status(trends):
    open_section(trends, "year_before")
    assert_no_exception(trends)
    table = table_with_column(trends, text("yoy_change", "ja"))

    assert len(table) == 11
    expected = {(tier_name("prospect", "ja"), "")} | {
        (tier_name(tier, "ja"), status_name(lapsed, "ja")) for tier in TIER_CODES[1:] for lapsed in (False, True)
    }
    assert set(zip(table[text("col_tier", "ja")], table[text("col_status", "ja")])) == expected


def test_the_channel_table_lists_every_acquisition_channel(trends, demo_analysis):
    open_section(trends, "channels")
    assert_no_exception(trends)
    table = table_with_column(trends, text("col_channel", "ja"))

    assert set(table[text("col_channel", "ja")]) == set(engine.scope_options(demo_analysis)["channel"])
    assert table[text("col_acquired", "ja")].sum() == demo_analysis.customer_count


def test_the_transition_dates_can_be_changed(trends):
    open_section(trends, "transitions")
    assert trends.get_by_key("tr_from").value == DEMO_END - dt.timedelta(days=365)
    assert trends.get_by_key("tr_to").value == DEMO_END

    trends.get_by_key("tr_from").set_value(dt.date(2026, 1, 31))
    trends.get_by_key("tr_to").set_value(dt.date(2026, 6, 30))
    trends.run()

    assert_no_exception(trends)
    assert trends.get_by_key("tr_from").value == dt.date(2026, 1, 31)
    assert trends.get_by_key("tr_to").value == dt.date(2026, 6, 30)


def test_transition_dates_given_in_reverse_order_still_render(trends):
    open_section(trends, "transitions")
    trends.get_by_key("tr_from").set_value(dt.date(2026, 9, 30))
    trends.get_by_key("tr_to").set_value(dt.date(2026, 3, 31))
    trends.run()

    assert_no_exception(trends)


def test_every_analysis_below_the_trend_chart_renders(trends):
    for section in ("revenue", "movements", "year_before", "transitions", "cohorts", "channels"):
        open_section(trends, section)
        assert_no_exception(trends)
        assert trends.get_by_key("tr_section").value == section


def test_the_trends_page_follows_the_sidebar_language(trends):
    open_section(trends, "year_before")
    trends.get_by_key("sb_lang").set_value("en").run()

    assert_no_exception(trends)
    assert [title.value for title in trends.title] == [text("trends_title", "en")]
    assert len(table_with_column(trends, text("yoy_change", "en"))) == 11


def test_a_bookmarked_trends_url_opens_through_app_py_on_a_fresh_server(open_app, demo_db):
    """The first run of a server process on /trends (a bookmark, or a tab reconnecting after a
    restart) must still run app.py, which sets the view the page reads. With a `pages/` folder
    beside app.py, Streamlit's legacy multipage mode runs pages/trends.py alone instead."""
    at = open_app(demo_db, page=TRENDS_PAGE, like_a_server=False)

    assert_no_exception(at)
    assert [title.value for title in at.title] == [text("trends_title", "ja")]
