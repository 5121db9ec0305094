"""Hostile input in the pages (AppTest) and in a real browser: values from the data, the URL, the
search and id boxes and uploaded file names are shown exactly as text, with nothing raised; a
Shift_JIS export that meets a character it lacks offers "?" or UTF-8 and says what it did; an
Excel export of a 100,000-character name cuts it and says so. The nasty strings and the database
holding them are those of `test_hostile_input`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from apptest_support import assert_no_exception, has_key, open_app  # noqa: F401  (fixtures)
from dashboard.safe import ADDED_INVISIBLE, seen
from segmentation.text_checks import visible
from segmentation.texts import text
from test_hostile_export import xlsx_cells
from test_hostile_input import LONG, NAME_IDS, NASTY, SHORT_NASTY, nasty_db, reader_sees  # noqa: F401

CUSTOMERS_PAGE, CUSTOMER_PAGE, DATA_PAGE = "pages/customers.py", "pages/customer.py", "pages/data.py"


@pytest.fixture
def nasty_copy(nasty_db, tmp_path) -> Path:
    copy = tmp_path / "nasty.duckdb"
    shutil.copy(nasty_db, copy)
    return copy


def test_the_customers_page_searches_hostile_text_and_shows_it_exactly(open_app, nasty_copy):
    at = open_app(nasty_copy, query={"lang": "en"}).switch_page(CUSTOMERS_PAGE).run()
    for name in ("sql_or", "markdown", "nul", "rtl_override"):
        at.get_by_key("cu_search").input(NASTY[name]).run()

        assert_no_exception(at)
        sentence = text("filter_desc_search", "en", value=NASTY[name].strip())
        assert text("filters_in_use", "en", filters=reader_sees(sentence)) in [seen(c.value) for c in at.caption]
        [table] = [frame.value for frame in at.dataframe if text("col_name", "en") in frame.value.columns]
        assert list(table[text("col_name", "en")]) == [NASTY[name]]


def test_a_cp932_export_offers_question_marks_or_utf8_and_says_what_it_did(open_app, nasty_copy):
    at = open_app(nasty_copy, query={"lang": "en"}).switch_page(CUSTOMERS_PAGE).run()
    at.get_by_key("cu_search").input("😀").run()
    at.get_by_key("cu_format").set_value("csv_cp932").run()
    at.get_by_key("cu_prepare").click().run()
    assert [seen(error.value) for error in at.error] == [
        text("export_cp932_refused", "en", row=2, column=text("col_name", "en"), char="😀")]

    at.get_by_key("cu_cp932_replace").click().run()

    assert_no_exception(at)
    _, payload, _, _, notes = at.session_state["cu_export"]
    assert notes.replaced > 0 and at.error.len == 0 and has_key(at, "cu_download")
    assert text("export_replaced_note", "en", n=notes.replaced) in [info.value for info in at.info]
    assert payload.decode("cp932").count("?") == notes.replaced


def test_after_a_cp932_refusal_utf8_exports_the_text_exactly(open_app, nasty_copy):
    at = open_app(nasty_copy, query={"lang": "en"}).switch_page(CUSTOMERS_PAGE).run()
    at.get_by_key("cu_search").input("😀").run()
    at.get_by_key("cu_format").set_value("csv_cp932").run()
    at.get_by_key("cu_prepare").click().run()

    at.get_by_key("cu_cp932_utf8").click().run()

    assert_no_exception(at)
    assert at.get_by_key("cu_format").value == "csv_utf8" and at.error.len == 0
    _, payload, _, fmt, notes = at.session_state["cu_export"]
    assert fmt == "csv" and notes.replaced == 0 and NASTY["emoji"] in payload.decode("utf-8-sig")


def test_an_xlsx_export_of_a_100000_character_name_cuts_it_and_says_so(open_app, nasty_copy):
    at = open_app(nasty_copy, query={"lang": "en"}).switch_page(CUSTOMERS_PAGE).run()
    at.get_by_key("cu_search").input(LONG[:200]).run()
    at.get_by_key("cu_format").set_value("xlsx").run()
    at.get_by_key("cu_prepare").click().run()

    assert_no_exception(at)
    _, payload, _, _, notes = at.session_state["cu_export"]
    assert [(cut.column, cut.length) for cut in notes.cut] == [(text("col_name", "en"), 100_000),
                                                                (text("col_company", "en"), 100_000)]
    assert text("export_cut_note", "en", n=2) in [warning.value for warning in at.warning]
    conditions = xlsx_cells(payload, sheet=2)
    assert sum(value == text("meta_cut", "en") for value in conditions.values()) == 2


def test_the_customer_page_heads_hostile_names_exactly_and_names_unknown_hostile_ids_briefly(open_app, nasty_copy):
    at = open_app(nasty_copy, query={"lang": "en"}).switch_page(CUSTOMER_PAGE)
    for name in ("markdown", "markdown_more", "script", "rtl_override", "newline", "long_100000"):
        at.query_params["id"] = NAME_IDS[name]
        at.run()

        assert_no_exception(at)
        assert [seen(header.value) for header in at.header] == [reader_sees(NASTY[name], one_line=True)], name
    for typed in ("nope<script>", "' OR 1=1 --", LONG, "a\x00b"):
        at.query_params["id"] = typed
        at.run()

        assert_no_exception(at)
        shown = typed if len(typed) <= 40 else typed[:40] + f"… ({len(typed):,} characters)"
        assert [seen(warning.value) for warning in at.warning] == [
            text("customer_unknown", "en", id="".join(visible(char) for char in shown))]


def test_hostile_url_values_are_warned_about_exactly_and_the_page_still_opens(open_app, nasty_copy):
    query = {"f": NASTY["sql_or"], "axis": "amount", "m": "1e27", "ch": NASTY["script"], "st": LONG,
             "asof": "0001-01-01", "lang": "en"}
    at = open_app(nasty_copy, query=query)

    assert_no_exception(at)
    warnings = [seen(warning.value) for warning in at.sidebar.warning]
    assert len(warnings) == 6 and all(len(warning) < 300 for warning in warnings)
    assert any(f"f={NASTY['sql_or']}" in warning for warning in warnings)
    assert any(f"ch={NASTY['script']}" in warning for warning in warnings)


def test_the_data_page_names_a_hostile_upload_exactly_or_refuses_it(open_app, nasty_copy):
    at = open_app(nasty_copy, query={"lang": "en"}, page=DATA_PAGE)
    hostile = "**x** <script>' OR 1=1 --.csv"
    at.get_by_key("da_upload_orders_0").set_value([(hostile, b"order_id,customer_id,order_date,amount\n"
                                                             b"o1,C1,2024-01-01,100\n", "text/csv"),
                                                   ("顧客" * 43 + ".csv", b"x\n", "text/csv")]).run()

    assert_no_exception(at)
    assert f"**{hostile}**" in [seen(markdown.value) for markdown in at.markdown]
    [refusal] = [seen(error.value) for error in at.error]
    assert refusal.startswith(text("data_upload_bad_name", "en", name="顧客" * 20 + "… (90 characters)",
                                   reason="")[:40])


# ---------------------------------------------------------------------------------------------
# In a real browser: what Streamlit draws of `plain` is the text, and no link, image or script

RENDER = """
import json, os, sys
sys.path.insert(0, os.environ["PROJECT_ROOT"])
import streamlit as st
from dashboard.safe import code, plain
for n, value in enumerate(json.loads(open(os.environ["NASTY_JSON"], encoding="utf-8").read())):
    with st.container(key=f"md{n}"):
        st.markdown(plain(value))
    with st.container(key=f"cap{n}"):
        st.caption("前" + plain(value) + "後")
    with st.container(key=f"err{n}"):
        st.error(plain(value))
    with st.container(key=f"hd{n}"):
        st.header(plain(value, one_line=True), anchor=False)
    with st.container(key=f"met{n}"):
        st.metric(plain(value, one_line=True), 1)
    with st.container(key=f"cd{n}"):
        st.caption("run " + code(value))
"""
CHROMIUM = "/usr/bin/chromium"
#: For each value and element: its text as the browser shows it, and how many elements in it
#: would format, link, load or run something.
SHOWN = """(count) => {
    const parts = {md: '[data-testid=stMarkdownContainer]', cap: '[data-testid=stCaptionContainer]',
                   err: '[data-testid=stAlertContentError]', hd: 'h2', met: '[data-testid=stMetricLabel]',
                   cd: '[data-testid=stCaptionContainer]'};
    const formatting = 'a, img, script, code, strong, em, svg, span[role=img], .katex';
    const out = [];
    for (let n = 0; n < count; n++) {
        for (const [kind, selector] of Object.entries(parts)) {
            const element = document.querySelector(`.st-key-${kind}${n} ${selector}`);
            out.push([n, kind, element && element.textContent, element && element.querySelectorAll(formatting).length]);
        }
    }
    return out;
}"""


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
def test_in_a_browser_plain_text_shows_exactly_with_no_link_image_or_script(tmp_path):
    playwright_api = pytest.importorskip("playwright.sync_api")
    from scripts.appserver import CHROMIUM_ARGS, free_port

    values = [*SHORT_NASTY, "www.example.com http://x.jp a@b.jp :streamlit: :material/home: a -> b -- c >= d"]
    (tmp_path / "nasty.json").write_text(json.dumps(values), encoding="utf-8")
    (tmp_path / "render.py").write_text(RENDER, encoding="utf-8")
    port = free_port()
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PROJECT_ROOT": str(root), "NASTY_JSON": str(tmp_path / "nasty.json"),
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(tmp_path / "render.py"),
                                   "--server.address", "127.0.0.1", "--server.port", str(port),
                                   "--server.headless", "true"], cwd=tmp_path, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                        break
                except OSError:
                    assert server.poll() is None and time.monotonic() < deadline, "streamlit did not start"
                    time.sleep(0.3)
            with playwright_api.sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                try:
                    page = browser.new_page()
                    page.goto(f"http://127.0.0.1:{port}/")
                    playwright_api.expect(page.locator(f".st-key-met{len(values) - 1}")).to_be_visible(timeout=60_000)
                    # Markdown that needs a plugin is drawn once the plugin has loaded: wait for all of it.
                    page.wait_for_function("(count) => document.querySelectorAll('[data-testid=stMetricLabel]')"
                                           ".length >= count", arg=len(values), timeout=30_000)
                    playwright_api.expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=30_000)
                    shown = page.evaluate(SHOWN, len(values))
                finally:
                    browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    invisible = {ord(char): None for char in ADDED_INVISIBLE}
    for n, kind, content, formatted in shown:
        assert content is not None, (kind, values[n])  # drawn
        expected = reader_sees(values[n], one_line=kind in ("hd", "met", "cd"))
        expected = "前" + expected + "後" if kind == "cap" else expected
        if kind == "cd":  # a command to copy: one code element holding the text, line breaks as spaces
            expected, formatted = "run " + expected.replace("\u240a", " "), formatted - 1
        # Line breaks as <br>; a browser drops the spaces at the start of a line, as HTML does everywhere.
        assert re.sub(r"\n *", "", content.translate(invisible)) == re.sub(r"\n *", "", expected), (kind, values[n])
        assert formatted == 0, (kind, values[n])  # no link, image, script, code, emphasis, icon or formula
