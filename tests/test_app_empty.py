"""The empty-data guide in AppTest: a database without rows, or no database at all, shows the
guide instead of a page, and its button creates demo data that the overview then shows."""

from __future__ import annotations

from apptest_support import assert_no_exception, has_key, open_app  # noqa: F401  (fixtures)
from segmentation import engine, schema
from segmentation.texts import text
from segmentation.tiers import TIER_CODES


def shows_the_guide(at, lang: str = "ja") -> bool:
    titles = [title.value for title in at.title]
    return titles == [text("empty_title", lang)] and has_key(at, "empty_load_demo")


def test_a_database_without_rows_shows_the_guide(open_app, tmp_path):
    empty_db = tmp_path / "empty.duckdb"
    schema.connect(empty_db).close()

    at = open_app(empty_db)

    assert_no_exception(at)
    assert shows_the_guide(at)
    assert not any(has_key(at, f"ov_tile_{tier}") for tier in TIER_CODES)
    assert at.get_by_key("empty_load_demo").label == text("empty_load_demo", "ja")


def test_a_missing_database_shows_the_guide(open_app, tmp_path):
    missing_db = tmp_path / "nowhere" / "shop.duckdb"

    at = open_app(missing_db)

    assert_no_exception(at)
    assert shows_the_guide(at)
    assert not missing_db.exists()


def test_the_guide_speaks_english_when_the_url_says_lang_en(open_app, tmp_path):
    at = open_app(tmp_path / "missing.duckdb", query={"lang": "en"})

    assert_no_exception(at)
    assert shows_the_guide(at, "en")


def test_the_guide_button_creates_demo_data_and_opens_the_overview(open_app, tmp_path):
    missing_db = tmp_path / "nowhere" / "shop.duckdb"
    at = open_app(missing_db)
    assert_no_exception(at)

    at.get_by_key("empty_load_demo").click().run()

    assert_no_exception(at)
    analysis = engine.Analysis.open(missing_db)
    try:
        assert analysis.customer_count > 0
        as_of = analysis.default_as_of().isoformat()
    finally:
        analysis.close()
    assert [title.value for title in at.title] == [text("overview_title", "ja", as_of=as_of)]
    assert all(has_key(at, f"ov_tile_{tier}") for tier in TIER_CODES)
    assert not has_key(at, "empty_load_demo")
