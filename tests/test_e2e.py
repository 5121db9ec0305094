"""End-to-end in a real browser: Debian's Chromium driven by Playwright against `streamlit run`
on a free 127.0.0.1 port. Skipped where Chromium is not installed (`make test` installs it)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, running_app
from segmentation.demo import build_demo_database
from segmentation.texts import text

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    db = tmp_path_factory.mktemp("e2e") / "demo.duckdb"
    build_demo_database(db, customers=600, seed=11, end=dt.date(2026, 11, 20))
    with running_app(Path(db)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"  # must not happen: the page threw


def test_a_bookmarked_trends_url_on_a_fresh_server_opens_with_the_sidebar(app_url, page):
    # The first request the server ever gets is /trends: the page must still run inside app.py.
    page.goto(f"{app_url}/trends?lang=en&f=4")
    expect(page.get_by_role("heading", name="Trends")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Buys often: at least this many orders")).to_be_visible()
    expect(page.get_by_text("KeyError")).to_have_count(0)  # must not happen
    assert "f=4" in page.url


def test_moving_a_slider_changes_the_counts_and_the_url(app_url, page):
    page.goto(f"{app_url}/?lang=ja")
    tile = page.locator(".st-key-ov_tile_loyal [data-testid='stMetricValue']").first
    expect(tile).to_be_visible(timeout=60_000)
    before = tile.inner_text()
    # The minimum-orders slider by its label (the first slider found could be another one while the
    # sidebar is still being drawn).
    slider = page.get_by_role("slider", name=text("min_orders", "ja"))
    expect(slider).to_be_visible()
    slider.focus()
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"[?&]f=4(&|$)"), timeout=30_000)
    expect(tile).not_to_have_text(before, timeout=30_000)
    # must not happen: the first move resets the other widgets of the sidebar
    assert re.search(r"[?&]t=365(&|$)", page.url) and re.search(r"[?&]lang=ja(&|$)", page.url), page.url
    expect(page.get_by_text("Traceback")).to_have_count(0)  # must not happen


@pytest.fixture(scope="module")
def empty_app_url(tmp_path_factory):
    """A server on a database that does not exist yet: a shop's first visit."""
    db = tmp_path_factory.mktemp("e2e_empty") / "shop.duckdb"
    with running_app(Path(db)) as url:
        yield url, db


def test_a_shop_export_goes_in_through_the_data_page(empty_app_url, page):
    from segmentation import schema

    url, db = empty_app_url
    page.goto(f"{url}/data?lang=en")
    expect(page.get_by_role("heading", name="Import files")).to_be_visible(timeout=60_000)
    shop_file = Path(__file__).resolve().parent.parent / "docs" / "examples" / "shop_orders_sjis.csv"
    page.locator(".st-key-da_upload_orders_0 input[type=file]").set_input_files(str(shop_file))
    card = page.locator("[class*='st-key-da_file_']").first
    expect(card).to_contain_text("shop_orders_sjis.csv", timeout=60_000)
    # What was detected: Shift_JIS, commas, and the header under the title lines.
    for name, value in (("Encoding", "Auto (Shift_JIS (CP932))"), ("Delimiter", "Auto (comma)"),
                        ("Header row", "Auto (row 4)")):
        expect(card.get_by_role("group").filter(has=page.get_by_role("combobox", name=name))).to_match_aria_snapshot(
            f'- combobox "{name}": {value}')

    check = page.locator(".st-key-da_check button")
    expect(check).to_be_enabled(timeout=60_000)
    check.click()
    figures = page.locator(".st-key-da_check_figures")
    expect(figures).to_contain_text(re.compile(r"Orders to add\s*5"), timeout=60_000)
    assert not db.exists()  # the check wrote nothing, not even the file

    page.locator(".st-key-da_import button").click()
    expect(page.locator(".st-key-da_result_box")).to_be_visible(timeout=60_000)
    with schema.reading(db) as con:
        assert con.execute("SELECT count(*) FROM orders").fetchall() == [(6,)]  # 5 orders and 1 refund
        assert con.execute("SELECT customer_id FROM customers ORDER BY 1").fetchall() == [
            ("00042",), ("00108",), ("ichiro.suzuki@example.jp",), ("tel:08033334444",)]
    # The contents follow: 4 customers and 5 orders, counted as the sidebar counts them (the refund is no order).
    expect(page.locator(".st-key-da_contents")).to_contain_text(re.compile(r"Customers\s*4\s*Orders\s*5"),
                                                                timeout=60_000)
    expect(page.get_by_text("Traceback")).to_have_count(0)  # must not happen
