"""End-to-end for a team, in a real browser: Debian's Chromium driven by Playwright against one
`streamlit run` on a copy of a small demo database with local accounts (an admin, a manager and
a staff user). Each role signs in and sees only its data, signs out, a staff user's export holds
only their customers, the admin opens every page in Japanese and in English without an error, a
tier's list downloads exactly its rows, and a logged contact names its author after a reload.
Downloads are compared with what the package computes on the same database. Skipped where
Chromium is not installed (`make test` installs it); a failed test leaves a PNG of each page it
had open (tests/conftest.py)."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from dashboard.safe import ADDED_INVISIBLE
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, running_app
from segmentation import access, users
from segmentation import customers as cust
from segmentation.access import Viewer
from segmentation.analysis import Analysis
from segmentation.texts import text, tier_name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

PASSWORD = "correct horse battery"
SERVER_WAIT = 60_000  # ms: a page run on 2 busy cores, never a pause
PAGES = ("overview", "trends", "customers", "customer", "data", "admin")
EVERYONE_PAGES = PAGES[:4]  # what a manager or a staff user is offered


@dataclass(frozen=True)
class Team:
    url: str
    analysis: Analysis  # the package's own reading of the database the server shows
    staff: str  # the staff name the staff user `hanako` works as

    def staff_ids(self) -> set[str]:
        _, mine = cust.customer_list(self.analysis, filters=cust.CustomerFilters(staff=(self.staff,)), limit=None)
        return set(mine["customer_id"])


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def team(demo_database, tmp_path_factory, browser):
    """The server on a copy of the 600-customer demo with boss (admin), mika (manager) and hanako
    (staff of the busiest staff name), answered once before the tests: the first session after a
    start runs in Streamlit's folder mode, and no test should depend on being that session."""
    db = tmp_path_factory.mktemp("e2e_team") / "team.duckdb"
    shutil.copy(demo_database(600, 11), db)
    staff = busiest_staff(db)
    setup = Viewer("test", "admin")
    users.add_user(db, "boss", "admin", PASSWORD, by=setup)
    users.add_user(db, "mika", "manager", PASSWORD, by=setup)
    users.add_user(db, "hanako", "staff", PASSWORD, staff=staff, by=setup)
    analysis = Analysis.open(db)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SEGMENTATION_SIGNIN_DELAY", "0")  # a mistyped password in a test waits no 0.5 s
            with running_app(db) as url:
                context = browser.new_context()
                try:
                    page = context.new_page()
                    page.goto(url)
                    expect(page.locator(".st-key-auth_name input")).to_be_visible(timeout=SERVER_WAIT)
                finally:
                    context.close()
                yield Team(url, analysis, staff)
    finally:
        analysis.close()


def busiest_staff(db: Path) -> str:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT staff FROM customers WHERE staff IS NOT NULL "
                           "GROUP BY staff ORDER BY count(*) DESC, staff LIMIT 1").fetchall()[0][0]


@pytest.fixture
def open_page(browser):
    """`open_page(locale)` -> a page in a fresh browser context (a new Streamlit session)."""
    contexts = []
    errors: list[str] = []

    def make(locale: str):
        context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"  # must not happen: the page threw


# ---------------------------------------------------------------------------------------------
# Driving the app


def as_shown(value: str) -> re.Pattern:
    """`value` as the page shows it: `plain` may put invisible marks around user data."""
    marks = "[" + "".join(ADDED_INVISIBLE) + "]*"
    return re.compile(marks + marks.join(re.escape(char) for char in value) + marks)


def settled(page) -> None:
    """Wait until the script run the last action started has finished."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning",
                                                           timeout=SERVER_WAIT)


def sign_in(page, name: str, password: str = PASSWORD) -> None:
    page.locator(".st-key-auth_name input").fill(name)
    page.locator(".st-key-auth_password input").fill(password)
    page.get_by_role("button", name=re.compile(r"^(サインイン|Sign in)$")).click()


def signed_in(page, name: str) -> None:
    sign_in(page, name)
    expect(page.locator(".st-key-auth_sign_out")).to_be_visible(timeout=SERVER_WAIT)
    settled(page)  # a widget touched while a run still draws may be replaced under the pointer


def open_from_sidebar(page, key: str, lang: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=text(f"page_{key}", lang), exact=True).click()


def offers_pages(page, keys, lang: str) -> None:
    """The sidebar's navigation offers exactly these pages (each link's text is its icon's name,
    then the page's title)."""
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link")).to_have_text(
        [re.compile(re.escape(text(f"page_{key}", lang)) + "$") for key in keys], timeout=SERVER_WAIT)


def assert_no_failure_shown(page) -> None:
    settled(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)  # must not happen: a traceback box
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)  # must not happen: an error


def open_customer(page, customer_id: str, lang: str) -> None:
    """On the customer page, type the id (as a person does) and wait for the contacts."""
    box = page.locator("[class*='st-key-cs_pick_'] input")
    expect(box).to_be_visible(timeout=SERVER_WAIT)
    settled(page)
    box.fill(customer_id)
    box.press("Enter")
    expect(page.get_by_role("heading", name=text("contacts_title", lang), exact=True)).to_be_visible(
        timeout=SERVER_WAIT)


def download_list(page) -> pd.DataFrame:
    """Prepare the customers page's file (UTF-8 CSV by default), download it and read it."""
    settled(page)
    page.locator(".st-key-cu_prepare button").click()
    button = page.locator(".st-key-cu_download button")
    expect(button).to_be_visible(timeout=SERVER_WAIT)
    with page.expect_download(timeout=SERVER_WAIT) as download:
        button.click()
    return pd.read_csv(download.value.path(), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def data_caption(analysis: Analysis, lang: str) -> str:
    return text("data_caption", lang, customers=analysis.customer_count, orders=analysis.order_count,
                latest=analysis.latest_order_date)


# ---------------------------------------------------------------------------------------------
# Sign-in and roles


def test_a_manager_signs_in_to_every_customer_without_the_admin_pages_and_signs_out(team, open_page):
    page = open_page("ja-JP")
    page.goto(f"{team.url}/?lang=ja")
    expect(page.locator(".st-key-auth_name input")).to_be_visible(timeout=SERVER_WAIT)
    tiles = page.locator("[class*='st-key-ov_tile_']")
    sidebar = page.get_by_test_id("stSidebar")
    expect(tiles).to_have_count(0)  # must not happen: data before anyone signed in

    sign_in(page, "mika", "wrong password")
    expect(page.get_by_text(text("signin_failed", "ja"), exact=True)).to_be_visible(timeout=SERVER_WAIT)
    settled(page)
    expect(tiles).to_have_count(0)  # must not happen: data for a wrong password

    signed_in(page, "mika")
    expect(tiles.first).to_be_visible(timeout=SERVER_WAIT)
    expect(sidebar.get_by_text(data_caption(team.analysis, "ja"), exact=True)).to_be_visible()  # all customers
    expect(sidebar.get_by_text(as_shown(text("signed_in_as", "ja", name="mika", role=text("role_manager", "ja")))))\
        .to_be_visible()
    offers_pages(page, EVERYONE_PAGES, "ja")  # no データ, 管理
    assert_no_failure_shown(page)

    page.locator(".st-key-auth_sign_out button").click()
    expect(page.locator(".st-key-auth_name input")).to_be_visible(timeout=SERVER_WAIT)
    settled(page)
    expect(tiles).to_have_count(0)  # must not happen: data left on the page after signing out
    expect(page.get_by_text(data_caption(team.analysis, "ja"), exact=True)).to_have_count(0)
    expect(page.locator(".st-key-auth_sign_out")).to_have_count(0)


def test_a_staff_user_sees_and_exports_only_their_own_customers(team, open_page):
    mine = team.staff_ids()
    narrowed = access.restricted_analysis(team.analysis, team.staff)  # what the app hands this user
    try:
        caption = data_caption(narrowed, "en")
        assert narrowed.customer_count == len(mine) < team.analysis.customer_count
    finally:
        narrowed.close()
    page = open_page("en-US")
    page.goto(f"{team.url}/?lang=en")
    signed_in(page, "hanako")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(caption, exact=True)).to_be_visible(timeout=SERVER_WAIT)
    expect(sidebar.get_by_text(as_shown(text("staff_scope_note", "en", staff=team.staff)))).to_be_visible()
    expect(sidebar.get_by_text(as_shown("hanako (staff)"))).to_be_visible()
    offers_pages(page, EVERYONE_PAGES, "en")  # no Data, Admin

    open_from_sidebar(page, "customers", "en")
    expect(page.get_by_role("heading", name=text("matches", "en", n=len(mine)), exact=True)).to_be_visible(
        timeout=SERVER_WAIT)
    exported = download_list(page)
    assert_no_failure_shown(page)
    assert len(exported) == len(mine) and set(exported["Customer ID"]) == mine
    assert set(exported["Staff"]) == {team.staff}  # must not happen: another person's customer in the file


def test_every_page_opens_for_the_admin_in_japanese_and_in_english_without_an_error(team, open_page):
    as_of = team.analysis.default_as_of().isoformat()
    titles = {"overview": ("overview_title", {"as_of": as_of}), "trends": ("trends_title", {}),
              "customers": ("customers_title", {}), "customer": ("customer_title", {}),
              "data": ("data_title", {}), "admin": ("admin_title", {})}
    some_customer = min(team.staff_ids())
    page = open_page("ja-JP")
    page.goto(f"{team.url}/?lang=ja")
    signed_in(page, "boss")
    for lang, other in (("ja", "English"), ("en", None)):
        offers_pages(page, PAGES, lang)
        for key in PAGES:
            open_from_sidebar(page, key, lang)
            name, values = titles[key]
            expect(page.get_by_role("heading", level=1, name=text(name, lang, **values), exact=True)).to_be_visible(
                timeout=SERVER_WAIT)
            if key == "customer":  # the page with a customer on it: profile, charts, contacts, the form
                open_customer(page, some_customer, lang)
            assert_no_failure_shown(page)
            expect(page.get_by_text("Traceback")).to_have_count(0)
        if other:
            page.get_by_test_id("stSidebar").get_by_text(other, exact=True).click()
            expect(page).to_have_url(re.compile(r"[?&]lang=en(&|$)"), timeout=SERVER_WAIT)


# ---------------------------------------------------------------------------------------------
# Lists and contacts


def test_the_customer_list_filtered_to_one_tier_downloads_exactly_its_rows(team, open_page):
    _, expected = cust.customer_list(team.analysis, filters=cust.CustomerFilters(tiers=("loyal",)), sort="amount",
                                     limit=None)
    loyal = tier_name("loyal", "ja")
    page = open_page("ja-JP")
    page.goto(f"{team.url}/?lang=ja")
    signed_in(page, "mika")
    open_from_sidebar(page, "customers", "ja")
    expect(page.get_by_role("heading", name=text("matches", "ja", n=team.analysis.customer_count), exact=True))\
        .to_be_visible(timeout=SERVER_WAIT)
    settled(page)
    page.locator(".st-key-cu_tiers input").click()
    page.get_by_role("option", name=loyal, exact=True).click()
    page.keyboard.press("Escape")
    expect(page.get_by_role("heading", name=text("matches", "ja", n=len(expected)), exact=True)).to_be_visible(
        timeout=SERVER_WAIT)
    exported = download_list(page)
    assert_no_failure_shown(page)
    assert set(exported["層"]) == {loyal}  # must not happen: a customer of another tier
    assert list(exported["顧客ID"]) == list(expected["customer_id"])  # the same rows, in the page's order
    assert list(exported["購入回数"].astype(int)) == list(expected["orders"])
    assert list(exported["累計金額"].astype(float)) == list(expected["amount"].astype(float))
    assert list(exported["担当者"]) == [staff if isinstance(staff, str) else "" for staff in expected["staff"]]


def test_a_contact_logged_on_a_customer_page_shows_its_author_after_a_reload(team, open_page):
    customer_id = min(team.staff_ids())
    note = "春の新商品カタログについて電話した（e2e）"
    page = open_page("ja-JP")
    page.goto(f"{team.url}/?lang=ja")
    signed_in(page, "hanako")
    open_from_sidebar(page, "customer", "ja")
    open_customer(page, customer_id, "ja")
    page.locator(".st-key-cs_note textarea").fill(note)
    page.get_by_role("button", name=text("contact_save", "ja"), exact=True).click()
    expect(page.get_by_text(text("contact_saved", "ja"), exact=True)).to_be_visible(timeout=SERVER_WAIT)

    page.reload()  # a new session: sign in again, open the customer again
    signed_in(page, "hanako")
    open_from_sidebar(page, "customer", "ja")
    open_customer(page, customer_id, "ja")
    # A table is drawn on a canvas; its cells are also in a hidden table for screen readers.
    contacts = page.get_by_test_id("stDataFrame").filter(
        has=page.get_by_role("columnheader", name=text("col_author", "ja"), exact=True, include_hidden=True))
    expect(contacts).to_have_count(1, timeout=SERVER_WAIT)
    headers = contacts.get_by_role("columnheader", include_hidden=True).all_inner_texts()
    logged = contacts.get_by_role("row", include_hidden=True).filter(
        has=page.get_by_role("gridcell", name=note, exact=True, include_hidden=True))
    expect(logged).to_have_count(1)  # must not happen: the contact saved twice, or lost
    author = logged.get_by_role("gridcell", include_hidden=True).nth(headers.index(text("col_author", "ja")))
    expect(author).to_have_text("hanako")
    assert_no_failure_shown(page)


def test_a_bookmarked_customer_url_opens_that_customer_after_signing_in(team, open_page):
    customer_id = min(team.staff_ids())
    page = open_page("en-US")
    page.goto(f"{team.url}/customer?id={customer_id}&lang=en&f=4")
    signed_in(page, "mika")
    settled(page)
    assert re.search(r"/customer\?", page.url), page.url  # must not happen: the sign-in page forgot the page
    expect(page.get_by_role("heading", level=1, name=text("customer_title", "en"), exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=text("contacts_title", "en"), exact=True)).to_be_visible(
        timeout=SERVER_WAIT)
    assert_no_failure_shown(page)
    assert re.search(rf"/customer\?(.*&)?id={customer_id}(&|$)", page.url) and re.search(r"[?&]f=4(&|$)", page.url)
