"""The shared sidebar in AppTest: the URL opens a view and follows every change, a bad URL value
is named and ignored, suggestions, reset and presets set the sliders."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from apptest_support import (  # noqa: F401  (fixtures)
    DEMO_END,
    assert_no_exception,
    has_key,
    open_app,
    sidebar_warnings,
)
from dashboard.safe import seen
from segmentation import engine
from segmentation.texts import text
from segmentation.thresholds import DEFAULT_THRESHOLDS

DEFAULT_QUERY = {"f": "5", "t": "365", "r": "180", "axis": "orders", "lang": "ja"}


def test_a_shared_url_opens_with_its_values_in_the_widgets_and_keeps_them(open_app, demo_db, demo_analysis):
    channel = engine.scope_options(demo_analysis)["channel"][0]
    at = open_app(demo_db, query={"f": "3", "t": "200", "r": "90", "lang": "en", "ch": channel})

    assert_no_exception(at)
    assert sidebar_warnings(at) == []
    assert at.get_by_key("sb_min_orders").value == 3
    assert at.get_by_key("sb_min_tenure_days").value == 200
    assert at.get_by_key("sb_lapse_days").value == 90
    assert at.get_by_key("sb_lang").value == "en"
    assert at.get_by_key("sb_scope_channel").value == [channel]
    assert at.query_params == {"f": "3", "t": "200", "r": "90", "axis": "orders", "lang": "en", "ch": channel}


def test_a_shared_url_with_two_channels_keeps_both(open_app, demo_db, demo_analysis):
    channels = engine.scope_options(demo_analysis)["channel"][:2]
    at = open_app(demo_db, query={"ch": channels})

    assert_no_exception(at)
    assert at.get_by_key("sb_scope_channel").value == channels
    assert at.query_params["ch"] == channels


def test_a_shared_url_on_the_amount_axis_opens_on_the_amount_axis(open_app, demo_db):
    at = open_app(demo_db, query={"axis": "amount", "m": "40000"})

    assert_no_exception(at)
    assert sidebar_warnings(at) == []
    assert at.get_by_key("sb_value_axis").value == "amount"
    assert at.get_by_key("sb_min_amount").value == 40000.0
    assert at.query_params["axis"] == "amount" and at.query_params["m"] == "40000"


def test_changing_the_sidebar_writes_each_change_into_the_url(open_app, demo_db, demo_analysis):
    at = open_app(demo_db)
    assert_no_exception(at)
    assert at.query_params == DEFAULT_QUERY
    channel = engine.scope_options(demo_analysis)["channel"][0]

    at.get_by_key("sb_lapse_days").set_value(90).run()
    assert_no_exception(at)
    assert at.query_params == {**DEFAULT_QUERY, "r": "90"}

    at.get_by_key("sb_min_tenure_days").set_value(180).run()
    at.get_by_key("sb_scope_channel").set_value([channel]).run()
    at.get_by_key("sb_as_of_input").set_value(dt.date(2026, 6, 30)).run()
    at.get_by_key("sb_lang").set_value("en").run()

    assert_no_exception(at)
    assert at.query_params == {**DEFAULT_QUERY, "r": "90", "t": "180", "ch": channel, "asof": "2026-06-30",
                               "lang": "en"}


@pytest.mark.parametrize(
    ("key", "value", "widget_key", "default_value"),
    [
        ("f", "abc", "sb_min_orders", DEFAULT_THRESHOLDS.min_orders),
        ("f", "1", "sb_min_orders", DEFAULT_THRESHOLDS.min_orders),
        ("axis", "foo", "sb_value_axis", DEFAULT_THRESHOLDS.value_axis),
        ("asof", "2025-13-01", "sb_as_of_input", DEMO_END),
    ],
)
def test_a_bad_url_value_is_ignored_with_a_warning_and_the_default_used(
    open_app, demo_db, key, value, widget_key, default_value
):
    at = open_app(demo_db, query={key: value})

    assert_no_exception(at)
    warnings = sidebar_warnings(at)
    assert len(warnings) == 1 and f"{key}={value}" in warnings[0], warnings
    assert at.get_by_key(widget_key).value == default_value
    assert at.query_params == DEFAULT_QUERY


def test_a_url_value_beyond_the_slider_is_clamped_with_a_warning(open_app, demo_db):
    at = open_app(demo_db, query={"f": "40"})

    assert_no_exception(at)
    warnings = sidebar_warnings(at)
    assert len(warnings) == 1 and "f=40" in warnings[0], warnings
    assert at.get_by_key("sb_min_orders").value == 30
    assert at.query_params["f"] == "30"


@pytest.mark.parametrize("field", ["min_orders", "min_tenure_days", "lapse_days"])
def test_the_suggestion_button_sets_the_slider_to_the_suggested_value(open_app, demo_db, demo_analysis, field):
    suggested = engine.suggest_thresholds(demo_analysis, as_of=DEMO_END)[field].value
    assert suggested != getattr(DEFAULT_THRESHOLDS, field), "the demo data should suggest a change"
    at = open_app(demo_db)
    assert_no_exception(at)
    assert any(caption.value.startswith(text("suggested", "ja", value=suggested)) for caption in at.sidebar.caption)

    at.get_by_key(f"sb_use_{field}").click().run()

    assert_no_exception(at)
    assert at.get_by_key(f"sb_{field}").value == suggested
    assert at.get_by_key(f"sb_use_{field}").disabled


def test_reset_restores_the_default_thresholds_date_and_scope(open_app, demo_db, demo_analysis):
    at = open_app(demo_db)
    channel = engine.scope_options(demo_analysis)["channel"][0]
    at.get_by_key("sb_min_orders").set_value(3).run()
    at.get_by_key("sb_min_tenure_days").set_value(180).run()
    at.get_by_key("sb_lapse_days").set_value(90).run()
    at.get_by_key("sb_scope_channel").set_value([channel]).run()
    at.get_by_key("sb_as_of_input").set_value(dt.date(2026, 6, 30)).run()
    at.get_by_key("sb_value_axis").set_value("amount").run()
    assert_no_exception(at)
    assert at.query_params != DEFAULT_QUERY

    at.get_by_key("sb_reset").click().run()

    assert_no_exception(at)
    assert at.get_by_key("sb_value_axis").value == "orders"
    assert at.get_by_key("sb_min_orders").value == DEFAULT_THRESHOLDS.min_orders
    assert at.get_by_key("sb_min_tenure_days").value == DEFAULT_THRESHOLDS.min_tenure_days
    assert at.get_by_key("sb_lapse_days").value == DEFAULT_THRESHOLDS.lapse_days
    assert at.get_by_key("sb_scope_channel").value == []
    assert at.get_by_key("sb_as_of_input").value == DEMO_END
    assert at.query_params == DEFAULT_QUERY


def test_a_saved_preset_loads_back_its_thresholds(open_app, demo_db, tmp_path):
    own_db = shutil.copyfile(demo_db, tmp_path / "presets.duckdb")
    at = open_app(own_db)
    assert_no_exception(at)
    assert not has_key(at, "sb_preset_choice")

    at.get_by_key("sb_min_orders").set_value(3).run()
    at.get_by_key("sb_preset_name").input("繁忙期").run()
    at.get_by_key("sb_preset_save").click().run()

    assert_no_exception(at)
    assert [seen(success.value) for success in at.sidebar.success] == [text("preset_saved", "ja", name="繁忙期")]
    assert at.get_by_key("sb_preset_choice").options == ["繁忙期"]

    at.get_by_key("sb_min_orders").set_value(8).run()
    at.get_by_key("sb_preset_choice").set_value("繁忙期").run()
    at.get_by_key("sb_preset_load").click().run()

    assert_no_exception(at)
    assert at.get_by_key("sb_min_orders").value == 3
    assert at.query_params["f"] == "3"
    assert [seen(success.value) for success in at.sidebar.success] == [text("preset_loaded", "ja", name="繁忙期")]
