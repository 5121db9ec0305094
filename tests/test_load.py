"""Load, small: browser sessions exploring the real app while the nightly import runs from the
command line (`bench/load.py`, whose full run is `python -m bench load`). Four Chromium pages,
starting together on a fresh server, on a 1,500-customer demo copy; a 20,000-row orders file
imported by `segmentation import` while they move sliders, switch pages and download a list.
No timing is asserted: every wait is on a condition (a run finished, the page quiet, the
import process ended). Then the two ways an import met a page before (AppTest, no browser):
landing in the middle of a customer page's run, and lengthening a slider's range; and the
benchmark's own parts (the checks, the orders file)."""

from __future__ import annotations

import os

import pytest

from apptest_support import open_app  # noqa: F401  (fixture)
from scripts.appserver import CHROMIUM
from segmentation import schema


def in_browser(test):
    """A test of the real app in Chromium: marked `browser` and `slow`, skipped without Chromium."""
    for mark in (pytest.mark.browser, pytest.mark.slow,
                 pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")):
        test = mark(test)
    return test


@pytest.fixture(scope="module")
def load_run(demo_database, tmp_path_factory):
    pytest.importorskip("playwright.async_api")
    from bench import load

    source = demo_database(1_500, 7)  # shared and read-only: measure() works on copies
    # The import starts once every page has drawn the overview; each session explores through it
    # and then does one whole round more (every page), all sent after the import ended.
    return load.measure(source, tmp_path_factory.mktemp("load"), sessions=4, rows=20_000, alone_rounds=0,
                        rounds_before=0, rounds_after=1, quiet_ms=300, timeout_s=120)


@in_browser
def test_no_session_meets_an_error_while_the_cli_import_runs(load_run):
    from bench import load

    assert load_run["marks"]["import_exit"] == 0, load_run["marks"]["import_output"]
    assert load.failures(load_run) == []  # must not happen: an exception, an error, a timeout, a failed download
    totals = load_run["check"]["totals"]
    assert totals["exceptions"] == totals["errors"] == totals["console"] == totals["problems"] == 0
    assert totals["downloads"] >= 4 and totals["downloads_ok"] == totals["downloads"]


@in_browser
def test_every_view_shows_the_data_from_before_or_after_the_import_never_a_mix(load_run):
    totals = load_run["check"]["totals"]
    states = load_run["states"]
    assert states["before"]["caption"] != states["after"]["caption"]  # the import changed what a page shows
    assert totals["views"] == totals["before"] + totals["after"]  # every caption is one of the two states
    assert totals["before"] > 0 and totals["after"] > 0
    assert totals["mix"] == totals["wrong"] == 0, load_run["check"]["examples"]
    checked = {name for item in load_run["interactions"] for name in item.get("check", {}).get("checked", [])}
    assert checked == {"tiles", "act_now", "as_of", "matches", "customer_orders", "customer_order_rows"}


@in_browser
def test_each_session_shows_the_new_data_on_its_first_interaction_after_the_import(load_run):
    check = load_run["check"]
    assert check["sessions_with_after_interaction"] == 4
    assert check["sessions_first_after_showing_after"] == 4
    assert check["totals"]["stale"] == 0, check["examples"]["stale"]


# ---------------------------------------------------------------------------------------------
# One page run, an import landing in the middle of it (AppTest, no browser)


def test_the_customer_page_shows_one_state_when_an_import_lands_while_it_runs(open_app, demo_db, tmp_path,
                                                                            monkeypatch):
    """app.py takes the in-memory copy first; the customer page then reads the orders from the
    file. An import that commits in between must not give a view with the tier figures of the old
    data and the orders of the new: the page runs again and shows the new data throughout."""
    import shutil

    from apptest_support import assert_no_exception, table_with_column
    from segmentation import customers
    from segmentation.importer import import_files
    from segmentation.texts import text

    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    with schema.reading(db) as con:
        customer_id, orders_before = con.execute(
            "SELECT customer_id, count(DISTINCT order_id) FROM orders WHERE amount > 0 "
            "GROUP BY customer_id ORDER BY customer_id LIMIT 1").fetchone()
    nightly = tmp_path / "nightly.csv"
    nightly.write_text("order_id,customer_id,order_date,amount\n"
                       + "".join(f"N{n},{customer_id},2026-11-2{n},1200\n" for n in (1, 2, 3)), encoding="utf-8")
    read_record = customers.customer_record
    landed: list[bool] = []

    def import_lands_first(path, wanted, **options):
        if not landed:  # the nightly import commits after app.py chose its copy of the data
            landed.append(import_files(path, orders=nightly) is not None)
        return read_record(path, wanted, **options)

    monkeypatch.setattr(customers, "customer_record", import_lands_first)
    at = open_app(db, query={"id": customer_id, "lang": "en"}, page="pages/customer.py")
    assert_no_exception(at)
    assert landed == [True]
    metrics = {metric.label: metric.value for metric in at.metric}
    orders = table_with_column(at, text("col_order_id", "en"))
    assert metrics[text("col_orders", "en")] == str(orders_before + 3)  # the new data's tier figures
    assert len(orders[orders[text("col_order_amount", "en")] > 0]) == orders_before + 3  # and its orders


def test_the_thresholds_stay_when_new_data_lengthens_a_sliders_range(open_app, demo_db, tmp_path):
    """An import a week on makes the longest tenure, and so the tenure slider's range, longer.
    Streamlit then draws a new slider; it must keep the value the session had, not fall to 0."""
    import shutil

    from apptest_support import assert_no_exception
    from segmentation.importer import import_files

    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    at = open_app(db, query={"t": "400", "f": "4", "lang": "en"})
    tenure = at.slider(key="sb_min_tenure_days")
    range_before = (tenure.min, tenure.max)
    with schema.reading(db) as con:
        oldest = con.execute("SELECT customer_id FROM orders ORDER BY order_date, customer_id LIMIT 1").fetchone()[0]
    nightly = tmp_path / "nightly.csv"
    nightly.write_text(f"order_id,customer_id,order_date,amount\nN1,{oldest},2027-02-20,1200\n", encoding="utf-8")
    import_files(db, orders=nightly)
    at.run()
    assert_no_exception(at)
    tenure = at.slider(key="sb_min_tenure_days")
    assert (tenure.min, tenure.max) != range_before  # the range did change
    assert (tenure.value, at.slider(key="sb_min_orders").value) == (400, 4)


# ---------------------------------------------------------------------------------------------
# The parts without a browser


class _State:
    """A database state as `bench.load_check` asks it, with fixed answers."""

    def __init__(self, name, customers, latest, tiers, ready, customer):
        self.name, self.caption, self.all_customers = name, (customers, customers * 3, latest), customers
        self._tiers, self._ready, self._customer = tiers, ready, customer

    def tiers(self, thresholds):
        return self._tiers

    def ready(self, thresholds):
        return self._ready

    def customer(self, customer_id):
        return self._customer


STATES = {
    "before": _State("before", 10, "2026-11-20", {("first", "Active"): 4, ("loyal", "Active"): 6},
                     {"loyal_lapsing": 2, "due_this_week": 1}, (1, 2)),
    "after": _State("after", 12, "2026-11-27", {("first", "Active"): 5, ("loyal", "Active"): 7},
                    {"loyal_lapsing": 3, "due_this_week": 2}, (3, 4)),
}
SESSION = {"number": 0, "customer_id": "0000042", "tenure": 365}
LABELS = {"loyal_lapsing": "Loyal but lapsing", "due_this_week": "Due for reorder this week"}


def _overview(caption, tiles, acts, tenure=365):
    return {"issued_wall": 100.0, "view": {
        "path": "/", "query": f"?f=5&t={tenure}&r=180&axis=orders&lang=en", "title": "Customer tiers as of 2026-11-20",
        "sidebar_captions": [caption], "main_captions": [], "subheaders": [],
        "sliders": {"min_orders": "5", "min_tenure_days": str(tenure), "lapse_days": "180"},
        "tiles": {code: [{"label": "Active", "value": str(n)}] for code, n in tiles.items()},
        "metrics": [[LABELS[key], str(n)] for key, n in acts.items()]}}


def test_a_view_whose_figures_all_come_from_its_captions_state_passes():
    from bench.load_check import check_view

    item = _overview("10 customers, 30 orders (latest order 2026-11-20)", {"first": 4, "loyal": 6},
                     {"loyal_lapsing": 2, "due_this_week": 1})
    found = check_view(item, STATES, LABELS, SESSION, import_end=None)
    assert found == {"state": "before", "mix": [], "wrong": [], "stale": False,
                     "checked": ["tiles", "act_now", "as_of"]}


def test_a_figure_from_the_other_state_is_a_mix_and_one_from_neither_is_wrong():
    from bench.load_check import check_view

    item = _overview("10 customers, 30 orders (latest order 2026-11-20)", {"first": 5, "loyal": 7},
                     {"loyal_lapsing": 9, "due_this_week": 1})
    found = check_view(item, STATES, LABELS, SESSION, import_end=None)
    assert found["state"] == "before"
    # the after-state's tiles under the before-state's caption
    assert [text.split(":")[0] for text in found["mix"]] == ["tiles"]
    assert found["wrong"][0].startswith("tiles sum to 12, caption says 10")
    assert found["wrong"][1].startswith("act_now: shown {'loyal_lapsing': 9")


def test_a_view_sent_after_the_import_that_shows_the_old_data_is_stale():
    from bench.load_check import check_view

    item = _overview("10 customers, 30 orders (latest order 2026-11-20)", {"first": 4, "loyal": 6},
                     {"loyal_lapsing": 2, "due_this_week": 1})
    assert check_view(item, STATES, LABELS, SESSION, import_end=99.0)["stale"] is True
    assert check_view(item, STATES, LABELS, SESSION, import_end=101.0)["stale"] is False


def test_a_caption_of_neither_state_and_a_reset_sidebar_are_wrong():
    from bench.load_check import check_view

    unknown = _overview("11 customers, 33 orders (latest order 2026-11-21)", {}, {})
    assert check_view(unknown, STATES, LABELS, SESSION, None)["wrong"] == [
        "caption (11, 33, '2026-11-21') is neither state's"]
    reset = _overview("10 customers, 30 orders (latest order 2026-11-20)", {"first": 4, "loyal": 6},
                      {"loyal_lapsing": 2, "due_this_week": 1}, tenure=0)
    assert check_view(reset, STATES, LABELS, SESSION, None)["wrong"][0].startswith("the sidebar was reset")


def test_the_nightly_orders_file_is_the_same_for_the_same_seed_and_names_existing_and_new_customers(tmp_path):
    import datetime as dt

    from bench import load_orders

    ids = [f"{n:07d}" for n in range(1, 301)]
    first = load_orders.write_orders_csv(tmp_path / "a.csv", 2_000, ids, first_day=dt.date(2026, 11, 21), seed=7)
    load_orders.write_orders_csv(tmp_path / "b.csv", 2_000, ids, first_day=dt.date(2026, 11, 21), seed=7)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert first["rows"] == 2_000 and first["existing_customers"] > 250 and first["new_customers"] > 0
    assert (first["first_date"], first["last_date"]) == ("2026-11-21", "2026-11-27")
    assert (tmp_path / "a.csv").read_text(encoding="utf-8").splitlines()[0] == \
        "order_id,customer_id,order_date,amount,campaign,category"
    picked = load_orders.customers_in_file(tmp_path / "a.csv", 4, seed=7)
    assert len(picked) == 4 and all(customer in ids for customer in picked)


def test_percentiles_are_nearest_rank():
    from bench.load import percentile

    values = [float(n) for n in range(1, 21)]
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile([3.0], 0.95)) == (10.0, 19.0, 3.0)
    assert percentile([], 0.5) is None
