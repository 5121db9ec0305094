"""The customer page in AppTest: the id in the URL opens that customer's profile, tier and
orders; an unknown id is a warning; the contact form writes a contact, and bad input shows an
error, writes nothing and keeps what was typed."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from apptest_support import (  # noqa: F401  (fixtures)
    DEMO_END,
    assert_no_exception,
    has_key,
    open_app,
    table_with_column,
)
from dashboard.safe import seen
from segmentation import schema
from segmentation.customers import CustomerFilters, customer_list, customer_record
from segmentation.errors import DatabaseBusyError
from segmentation.texts import status_name, text, tier_name
from segmentation.thresholds import DEFAULT_THRESHOLDS

CUSTOMER_PAGE = "pages/customer.py"


@pytest.fixture(scope="module")
def loyal_customer(demo_analysis) -> dict:
    """An active loyal customer of the demo data, as the core lists it."""
    _, frame = customer_list(demo_analysis, DEFAULT_THRESHOLDS, DEMO_END, None,
                             CustomerFilters(tiers=("loyal",), status="active"), "amount", 1)
    return frame.iloc[0].to_dict()


@pytest.fixture
def db_copy(demo_db, tmp_path) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)
    return copy


def open_customer(open_app, db: Path, customer_id: str):
    return open_app(db, query={"id": customer_id}, page=CUSTOMER_PAGE)


def contacts_of(db: Path, customer_id: str) -> list[tuple]:
    with schema.reading(db) as con:
        return con.execute("SELECT kind, note FROM contacts WHERE customer_id = $id ORDER BY contact_id",
                           {"id": customer_id}).fetchall()


def submit_contact(at):
    """Click the contact form's submit button (it has no key of its own; it belongs to "cs_contact")."""
    [button] = [button for button in at.button if button.proto.form_id == "cs_contact"]
    return button.click().run()


def test_the_id_in_the_url_shows_that_customers_profile_tier_and_orders(open_app, demo_db, loyal_customer):
    customer_id = loyal_customer["customer_id"]
    record = customer_record(demo_db, customer_id)

    at = open_customer(open_app, demo_db, customer_id)

    assert_no_exception(at)
    assert [title.value for title in at.title] == [text("customer_title", "ja")]
    assert at.warning.len == 0
    profile = table_with_column(at, " ")
    assert loyal_customer["email"] in set(profile[" "])
    assert customer_id in set(profile[" "])
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics[text("col_tier", "ja")] == tier_name("loyal", "ja")
    assert metrics[text("col_status", "ja")] == status_name(False, "ja")
    assert metrics[text("col_orders", "ja")] == f"{loyal_customer['orders']:,}"
    orders = table_with_column(at, text("col_order_id", "ja"))
    assert list(orders[text("col_order_id", "ja")]) == list(record.orders["order_id"])
    assert at.query_params["id"] == customer_id


def test_an_unknown_id_shows_a_warning_and_no_error(open_app, demo_db):
    at = open_customer(open_app, demo_db, "9999999")

    assert_no_exception(at)
    assert [seen(warning.value) for warning in at.warning] == [text("customer_unknown", "ja", id="9999999")]
    assert at.error.len == 0
    assert not has_key(at, "cs_note"), "the contact form must not be offered for an unknown customer"


def test_submitting_a_contact_with_a_note_writes_it_and_shows_it(open_app, db_copy, loyal_customer):
    customer_id = loyal_customer["customer_id"]
    before = contacts_of(db_copy, customer_id)
    at = open_customer(open_app, db_copy, customer_id)

    at.get_by_key("cs_when").set_value(DEMO_END)
    at.get_by_key("cs_kind").set_value("call")
    at.get_by_key("cs_note").input("新しい豆の試飲を案内した。")
    submit_contact(at)

    assert_no_exception(at)
    assert at.error.len == 0
    assert [success.value for success in at.success] == [text("contact_saved", "ja")]
    assert contacts_of(db_copy, customer_id) == [*before, ("call", "新しい豆の試飲を案内した。")]
    shown = table_with_column(at, text("col_note", "ja"))
    assert "新しい豆の試飲を案内した。" in set(shown[text("col_note", "ja")])
    assert at.get_by_key("cs_note").value == "", "a saved note is cleared for the next contact"


def test_a_contact_keeps_the_time_of_day_entered_with_it(open_app, db_copy, loyal_customer):
    customer_id = loyal_customer["customer_id"]
    at = open_customer(open_app, db_copy, customer_id)

    at.get_by_key("cs_when").set_value(DEMO_END)
    at.get_by_key("cs_time").set_value(dt.time(14, 35))
    at.get_by_key("cs_note").input("午後に電話した。")
    submit_contact(at)

    assert_no_exception(at)
    with schema.reading(db_copy) as con:
        saved = con.execute("SELECT contacted_at FROM contacts WHERE customer_id = ? AND note = ?",
                            [customer_id, "午後に電話した。"]).fetchall()
    assert saved == [(dt.datetime.combine(DEMO_END, dt.time(14, 35)),)]


def test_submitting_with_an_empty_note_shows_an_error_and_writes_nothing(open_app, db_copy, loyal_customer):
    customer_id = loyal_customer["customer_id"]
    before = contacts_of(db_copy, customer_id)
    at = open_customer(open_app, db_copy, customer_id)

    at.get_by_key("cs_note").input("   ")
    submit_contact(at)

    assert_no_exception(at)
    assert len(at.error) == 1 and seen(at.error[0].value) == text("contact_error_note_empty", "ja")
    assert at.success.len == 0
    assert contacts_of(db_copy, customer_id) == before


def test_the_typed_note_stays_in_the_form_after_an_error(open_app, db_copy, loyal_customer):
    customer_id = loyal_customer["customer_id"]
    before = contacts_of(db_copy, customer_id)
    at = open_customer(open_app, db_copy, customer_id)

    at.get_by_key("cs_when").set_value(dt.date.today() + dt.timedelta(days=30))
    at.get_by_key("cs_note").input("来月の予定を先に書いてしまった。")
    submit_contact(at)

    assert_no_exception(at)
    assert len(at.error) == 1 and "未来" in at.error[0].value
    assert at.get_by_key("cs_note").value == "来月の予定を先に書いてしまった。"
    assert contacts_of(db_copy, customer_id) == before


HOLD_FILE = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_a_contact_submitted_while_another_program_writes_is_kept_for_a_second_try(open_app, db_copy, loyal_customer):
    customer_id = loyal_customer["customer_id"]
    before = contacts_of(db_copy, customer_id)
    at = open_customer(open_app, db_copy, customer_id)
    at.get_by_key("cs_note").input("混雑中に書いた内容。")

    holder = subprocess.Popen([sys.executable, "-c", HOLD_FILE, str(db_copy), "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        submit_contact(at)

        assert_no_exception(at)
        assert [seen(error.value) for error in at.error] == [DatabaseBusyError(db_copy).message("ja")]
        assert holder.poll() is None, "the page must have met the busy file, not waited it out"
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert contacts_of(db_copy, customer_id) == before

    at.run()
    assert_no_exception(at)
    assert at.get_by_key("cs_note").value == "混雑中に書いた内容。"
    submit_contact(at)
    assert contacts_of(db_copy, customer_id) == [*before, ("visit", "混雑中に書いた内容。")]


def test_tier_today_shows_for_a_customer_whose_id_is_inside_many_other_ids(open_app, make_db):
    """Ids 1..400: "9" is part of 65 other ids that sort before it ("19", "109", "190", ...)."""
    db = make_db(customers=[(str(number), "2024-01-01") for number in range(1, 401)],
                 orders=[(f"o{number}", str(number), "2025-01-01", 1000) for number in range(1, 401)])

    at = open_customer(open_app, db, "9")

    assert_no_exception(at)
    assert at.warning.len == 0
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics.get(text("col_tier", "ja")) == tier_name("first", "ja"), "the tier of today is missing"
    assert metrics.get(text("col_orders", "ja")) == "1"
