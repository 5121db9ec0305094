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
    slider = page.locator("[data-testid='stSidebar'] [data-testid='stSlider'] input[type='range']").first
    slider.focus()
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"[?&]f=4(&|$)"), timeout=30_000)
    expect(tile).not_to_have_text(before, timeout=30_000)
    # must not happen: the first move resets the other widgets of the sidebar
    assert re.search(r"[?&]t=365(&|$)", page.url) and re.search(r"[?&]lang=ja(&|$)", page.url), page.url
    expect(page.get_by_text("Traceback")).to_have_count(0)  # must not happen
