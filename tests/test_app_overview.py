"""The overview page in AppTest: it renders, its tiles show what the core counts for the
sidebar's thresholds, and it speaks the chosen language."""

from __future__ import annotations

from decimal import Decimal

from apptest_support import (  # noqa: F401  (fixtures)
    DEMO_END,
    assert_no_exception,
    core_tile_counts,
    has_key,
    open_app,
    shown_tile_counts,
    tier_totals,
)
from segmentation.texts import text, tier_name
from segmentation.thresholds import DEFAULT_THRESHOLDS, Thresholds
from segmentation.tiers import TIER_CODES


def tile_headings(at) -> str:
    return " ".join(markdown.value for tier in TIER_CODES for markdown in at.get_by_key(f"ov_tile_{tier}").markdown)


def test_the_overview_renders_in_japanese_by_default(open_app, demo_db, demo_analysis):
    at = open_app(demo_db)

    assert_no_exception(at)
    assert demo_analysis.default_as_of() == DEMO_END
    assert [title.value for title in at.title] == [text("overview_title", "ja", as_of=DEMO_END.isoformat())]
    assert at.get_by_key("sb_lang").value == "ja"
    assert all(tier_name(tier, "ja") in tile_headings(at) for tier in TIER_CODES)


def test_the_overview_renders_in_english_when_the_url_says_lang_en(open_app, demo_db):
    at = open_app(demo_db, query={"lang": "en"})

    assert_no_exception(at)
    assert [title.value for title in at.title] == [text("overview_title", "en", as_of=DEMO_END.isoformat())]
    assert all(tier_name(tier, "en") in tile_headings(at) for tier in TIER_CODES)


def test_a_browser_asking_for_english_gets_english(open_app, demo_db):
    at = open_app(demo_db, locale="en-US")

    assert_no_exception(at)
    assert at.get_by_key("sb_lang").value == "en"
    assert [title.value for title in at.title] == [text("overview_title", "en", as_of=DEMO_END.isoformat())]


def test_the_tiles_show_the_core_counts_for_the_default_thresholds(open_app, demo_db, demo_analysis):
    at = open_app(demo_db)

    assert_no_exception(at)
    assert shown_tile_counts(at) == core_tile_counts(demo_analysis, DEFAULT_THRESHOLDS, DEMO_END)


def test_lowering_min_orders_moves_customers_into_loyal_and_trend_as_the_core_does(open_app, demo_db, demo_analysis):
    at = open_app(demo_db)
    assert_no_exception(at)
    assert at.get_by_key("sb_min_orders").value == 5
    before = tier_totals(shown_tile_counts(at))

    at.get_by_key("sb_min_orders").set_value(3).run()

    assert_no_exception(at)
    shown = shown_tile_counts(at)
    assert shown == core_tile_counts(demo_analysis, DEFAULT_THRESHOLDS.replace(min_orders=3), DEMO_END)
    after = tier_totals(shown)
    assert after["loyal"] > before["loyal"]
    assert after["trend"] > before["trend"]


def test_switching_the_language_to_english_relabels_title_tiers_and_metrics(open_app, demo_db, demo_analysis):
    at = open_app(demo_db)
    assert_no_exception(at)
    assert "優良客" in tile_headings(at)
    assert {metric.label for metric in at.get_by_key("ov_tile_loyal").metric} == {"現役", "離脱"}

    at.get_by_key("sb_lang").set_value("en").run()

    assert_no_exception(at)
    assert [title.value for title in at.title] == [text("overview_title", "en", as_of=DEMO_END.isoformat())]
    headings = tile_headings(at)
    assert "Loyal" in headings and "優良客" not in headings
    assert {metric.label for metric in at.get_by_key("ov_tile_loyal").metric} == {"Active", "Lapsed"}
    assert shown_tile_counts(at) == core_tile_counts(demo_analysis, DEFAULT_THRESHOLDS, DEMO_END, lang="en")


def test_the_amount_axis_shows_min_amount_and_counts_as_the_core_does(open_app, demo_db, demo_analysis):
    at = open_app(demo_db)
    assert_no_exception(at)
    assert not has_key(at, "sb_min_amount")

    at.get_by_key("sb_value_axis").set_value("amount").run()

    assert_no_exception(at)
    assert has_key(at, "sb_min_amount")
    assert not has_key(at, "sb_min_orders")
    assert text("tier_map_title_amount", "ja") in [header.value for header in at.subheader]
    suggested = Decimal(str(at.get_by_key("sb_min_amount").value))
    amount_axis = Thresholds(value_axis="amount", min_amount=suggested)
    assert shown_tile_counts(at) == core_tile_counts(demo_analysis, amount_axis, DEMO_END)

    at.get_by_key("sb_min_amount").set_value(20000.0).run()

    assert_no_exception(at)
    assert shown_tile_counts(at) == core_tile_counts(
        demo_analysis, Thresholds(value_axis="amount", min_amount=20000), DEMO_END
    )
    assert at.query_params["axis"] == "amount" and at.query_params["m"] == "20000"
