"""The customer list, one customer's record, tier history and logging a contact, checked against
pandas computations over `classify` and the rows the database file holds."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd
import pytest

from segmentation import customers, schema
from segmentation.customers import (
    LIST_COLUMNS,
    READY_VIEWS,
    SORTS,
    ContactError,
    CustomerFilters,
    FilterError,
    customer_list,
    customer_record,
    iter_customer_list,
    log_contact,
    tier_history,
)
from segmentation.analysis import SIDE_TABLES, SideTable
from segmentation.engine import Analysis, classify
from segmentation.errors import DatabaseBusyError
from segmentation.tiers import TIER_CODES

END = dt.date(2026, 11, 20)
EARLIER = dt.date(2025, 9, 30)
NOW = dt.datetime(2026, 11, 20, 12, 0)


@pytest.fixture(scope="module")
def demo_db(demo_db_800) -> Path:
    """800 demo customers to END (the session's shared `demo_db_800`), read-only; a test that
    writes takes a copy."""
    return demo_db_800


@pytest.fixture(scope="module")
def analysis(demo_db):
    opened = Analysis.open(demo_db)
    yield opened
    opened.close()


@pytest.fixture
def db_copy(demo_db, tmp_path) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)
    return copy


def read_rows(path: Path, sql: str, params: dict | None = None) -> pd.DataFrame:
    with schema.reading(path) as con:
        return con.execute(sql, params or {}).df()


def contact_count(path: Path) -> int:
    return int(read_rows(path, "SELECT count(*) AS n FROM contacts")["n"][0])


CLASSIFY_COLUMNS = ["customer_id", "tier", "lapsed", "orders", "amount", "first_order_date", "last_order_date",
                    "tenure_days", "recency_days", "interval_days", "expected_next_order_date", "cycle_status"]


def reference_list(analysis: Analysis, path: Path, as_of: dt.date) -> pd.DataFrame:
    """The list as pandas says it should be: classify at `as_of`, the profile columns, the share
    of orders to `as_of` with a campaign code, and the latest contact, one row per customer."""
    tiers = classify(analysis, as_of=as_of)[CLASSIFY_COLUMNS]  # campaign_share is computed here, in pandas
    profiles = read_rows(path, "SELECT customer_id, name, company, email, channel, staff, region FROM customers")
    lines = read_rows(path, "SELECT customer_id, order_id, order_date, CAST(amount AS DOUBLE) AS amount, campaign "
                            "FROM orders")
    contacts = read_rows(path, "SELECT customer_id, contacted_at FROM contacts")

    lines["with_campaign"] = lines["campaign"].notna() & (lines["campaign"].astype(object) != "")
    orders = lines.groupby(["customer_id", "order_id"], as_index=False).agg(
        order_date=("order_date", "min"), amount=("amount", "sum"), with_campaign=("with_campaign", "any"))
    counted = orders[(orders["amount"] > 0) & (orders["order_date"] <= pd.Timestamp(as_of))]
    campaign = counted.groupby("customer_id")["with_campaign"].mean().rename("campaign_share").reset_index()
    latest_contact = contacts.groupby("customer_id")["contacted_at"].max().rename("last_contact_at").reset_index()

    frame = tiers.merge(profiles, on="customer_id", how="left", validate="one_to_one")
    frame = frame.merge(campaign, on="customer_id", how="left").merge(latest_contact, on="customer_id", how="left")
    frame["average_order_value"] = (frame["amount"] / frame["orders"]).where(frame["orders"] > 0)
    return frame


@pytest.fixture(scope="module")
def reference(analysis, demo_db) -> pd.DataFrame:
    return reference_list(analysis, demo_db, END)


def listed_ids(analysis: Analysis, filters: CustomerFilters, as_of: dt.date = END,
               sort: str = "customer_id") -> list[str]:
    total, frame = customer_list(analysis, as_of=as_of, filters=filters, sort=sort, limit=None)
    assert total == len(frame)
    return list(frame["customer_id"])


def ids_where(reference: pd.DataFrame, mask: pd.Series) -> set[str]:
    return set(reference.loc[mask.fillna(False).astype(bool), "customer_id"])


def text_contains(column: pd.Series, fragment: str) -> pd.Series:
    return column.fillna("").astype(str).str.lower().str.contains(fragment.lower(), regex=False)


def found_by_search(reference: pd.DataFrame, search: str) -> pd.Series:
    """Name, company, email or id holds the text, ignoring case and surrounding spaces."""
    search = search.strip()
    return (text_contains(reference["name"], search) | text_contains(reference["company"], search)
            | text_contains(reference["email"], search) | text_contains(reference["customer_id"], search))


def quiet_since(reference: pd.DataFrame, days: int, as_of: dt.date) -> pd.Series:
    last_day = reference["last_contact_at"].dt.normalize()
    return reference["last_contact_at"].isna() | (last_day < pd.Timestamp(as_of - dt.timedelta(days=days)))


def most_common(reference: pd.DataFrame, column: str, how_many: int) -> tuple[str, ...]:
    return tuple(reference[column].value_counts().index[:how_many])


# ---------------------------------------------------------------------------------------------
# Every filter narrows the list exactly as pandas says

FilterCase = tuple[Callable[[pd.DataFrame], CustomerFilters], Callable[[pd.DataFrame, CustomerFilters], pd.Series]]

FILTER_CASES: dict[str, FilterCase] = {
    "tiers_keep_the_listed_tiers": (
        lambda ref: CustomerFilters(tiers=("loyal", "trend")),
        lambda ref, f: ref["tier"].isin(f.tiers),
    ),
    "prospect_tier_keeps_customers_without_orders": (
        lambda ref: CustomerFilters(tiers="prospect"),
        lambda ref, f: ref["orders"] == 0,
    ),
    "status_active_keeps_customers_not_lapsed": (
        lambda ref: CustomerFilters(status="active"),
        lambda ref, f: ref["lapsed"] == False,  # noqa: E712  (NA for prospects stays out)
    ),
    "status_lapsed_keeps_lapsed_customers": (
        lambda ref: CustomerFilters(status="lapsed"),
        lambda ref, f: ref["lapsed"] == True,  # noqa: E712
    ),
    "cycle_keeps_the_listed_cycle_statuses": (
        lambda ref: CustomerFilters(cycle=("due", "overdue")),
        lambda ref, f: ref["cycle_status"].isin(f.cycle),
    ),
    "channel_keeps_customers_acquired_by_those_channels": (
        lambda ref: CustomerFilters(channel=most_common(ref, "channel", 2)),
        lambda ref, f: ref["channel"].isin(f.channel),
    ),
    "staff_keeps_customers_looked_after_by_those_staff": (
        lambda ref: CustomerFilters(staff=most_common(ref, "staff", 3)),
        lambda ref, f: ref["staff"].isin(f.staff),
    ),
    "region_keeps_customers_in_that_region": (
        lambda ref: CustomerFilters(region=most_common(ref, "region", 1)),
        lambda ref, f: ref["region"].isin(f.region),
    ),
    "average_order_value_range_is_inclusive_at_both_ends": (
        lambda ref: CustomerFilters(min_average_order_value=4000, max_average_order_value=9000),
        lambda ref, f: ref["average_order_value"].between(4000, 9000),
    ),
    "average_order_value_minimum_alone": (
        lambda ref: CustomerFilters(min_average_order_value=10_000),
        lambda ref, f: ref["average_order_value"] >= 10_000,
    ),
    "campaign_share_range_keeps_customers_in_it": (
        lambda ref: CustomerFilters(min_campaign_share=0.2, max_campaign_share=0.6),
        lambda ref, f: ref["campaign_share"].between(0.2, 0.6),
    ),
    "campaign_share_maximum_alone": (
        lambda ref: CustomerFilters(max_campaign_share=0.1),
        lambda ref, f: ref["campaign_share"] <= 0.1,
    ),
    "no_contact_in_90_days_keeps_the_quiet_and_the_never_contacted": (
        lambda ref: CustomerFilters(no_contact_days=90),
        lambda ref, f: quiet_since(ref, 90, END),
    ),
    "never_contacted_keeps_customers_without_a_contact": (
        lambda ref: CustomerFilters(never_contacted=True),
        lambda ref, f: ref["last_contact_at"].isna(),
    ),
    "expected_within_14_days_keeps_next_orders_due_by_then": (
        lambda ref: CustomerFilters(expected_within_days=14),
        lambda ref, f: ref["expected_next_order_date"] <= pd.Timestamp(END + dt.timedelta(days=14)),
    ),
    "search_finds_a_surname_in_the_name": (
        lambda ref: CustomerFilters(search=ref["name"].dropna().iloc[0].split()[0]),
        lambda ref, f: found_by_search(ref, f.search),
    ),
    "search_finds_words_of_company_names": (
        lambda ref: CustomerFilters(search="印刷"),
        lambda ref, f: text_contains(ref["company"], "印刷"),
    ),
    "search_in_email_ignores_case": (
        lambda ref: CustomerFilters(search="EXAMPLE.NE.JP"),
        lambda ref, f: text_contains(ref["email"], "example.ne.jp"),
    ),
    "search_finds_part_of_a_customer_id": (
        lambda ref: CustomerFilters(search="000012"),
        lambda ref, f: text_contains(ref["customer_id"], "000012"),
    ),
    "search_ignores_surrounding_spaces": (
        lambda ref: CustomerFilters(search="  Example.CO.jp  "),
        lambda ref, f: found_by_search(ref, f.search) & text_contains(ref["email"], "example.co.jp"),
    ),
    "filters_combine_with_and": (
        lambda ref: CustomerFilters(tiers=("steady", "loyal"), status="active", cycle=("overdue", "due"),
                                    no_contact_days=30),
        lambda ref, f: ref["tier"].isin(f.tiers) & (ref["lapsed"] == False)  # noqa: E712
        & ref["cycle_status"].isin(f.cycle) & quiet_since(ref, 30, END),
    ),
}


@pytest.mark.parametrize("case", list(FILTER_CASES))
def test_each_filter_narrows_the_list_as_pandas_says(analysis, reference, case):
    make_filters, predicate = FILTER_CASES[case]
    filters = make_filters(reference)
    expected = ids_where(reference, predicate(reference, filters))

    listed = listed_ids(analysis, filters)

    assert 0 < len(expected) < len(reference), f"{case}: the demo data should make this filter narrow"
    assert len(listed) == len(set(listed)), "a customer is listed twice"
    assert set(listed) == expected


def test_no_filter_lists_every_customer_that_exists_at_the_date(analysis, reference):
    assert set(listed_ids(analysis, CustomerFilters())) == set(reference["customer_id"])
    assert len(reference) == analysis.customer_count


def test_filters_that_read_the_date_use_the_date_asked_for(analysis, demo_db):
    earlier = reference_list(analysis, demo_db, EARLIER)
    within = CustomerFilters(expected_within_days=7, status="active")
    campaign = CustomerFilters(min_campaign_share=0.5)

    assert set(listed_ids(analysis, within, as_of=EARLIER)) == ids_where(
        earlier, (earlier["expected_next_order_date"] <= pd.Timestamp(EARLIER + dt.timedelta(days=7)))
        & (earlier["lapsed"] == False))  # noqa: E712
    assert set(listed_ids(analysis, campaign, as_of=EARLIER)) == ids_where(earlier, earlier["campaign_share"] >= 0.5)
    assert len(earlier) < analysis.customer_count


@pytest.mark.parametrize("search", ["50%_off", "%", "_", "50%"])
def test_percent_and_underscore_in_a_search_are_literal(db_copy, search):
    with duckdb.connect(str(db_copy)) as con:
        con.execute("UPDATE customers SET company = 'セール50%_OFF商会' WHERE customer_id = '0000003'")
        con.execute("UPDATE customers SET company = 'セール50%-OFF商会' WHERE customer_id = '0000004'")
        con.execute("UPDATE customers SET company = 'セール50xxOFF商会' WHERE customer_id = '0000005'")
    marked = Analysis.open(db_copy)
    try:
        reference = reference_list(marked, db_copy, END)
        expected = ids_where(reference, found_by_search(reference, search))
        assert set(listed_ids(marked, CustomerFilters(search=search))) == expected
        assert "0000003" in expected and "0000005" not in expected and len(expected) <= 2
    finally:
        marked.close()


# ---------------------------------------------------------------------------------------------
# Ready-made views

VIEW_DEFINITIONS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "due_this_week": lambda ref: (ref["cycle_status"] == "due") & (ref["lapsed"] == False)  # noqa: E712
    & (ref["expected_next_order_date"] <= pd.Timestamp(END + dt.timedelta(days=7))),
    "overdue_possibly_lost": lambda ref: (ref["cycle_status"] == "overdue") & (ref["lapsed"] == False),  # noqa: E712
    "loyal_lapsing": lambda ref: (ref["tier"] == "loyal") & (ref["lapsed"] == False)  # noqa: E712
    & (ref["cycle_status"] == "overdue"),
    "trend_from_campaigns": lambda ref: (ref["tier"] == "trend") & (ref["campaign_share"] >= 0.5),
    "prospects_to_approach": lambda ref: ref["tier"].isin(["prospect", "first"]),  # order: tests/test_prospects.py
}


def test_every_ready_view_has_a_definition_here():
    assert set(VIEW_DEFINITIONS) == set(READY_VIEWS)


@pytest.mark.parametrize("key", list(VIEW_DEFINITIONS))
def test_a_ready_view_lists_exactly_the_customers_of_its_definition(analysis, reference, key):
    view = READY_VIEWS[key]
    expected = ids_where(reference, VIEW_DEFINITIONS[key](reference))

    listed = listed_ids(analysis, view.filters, sort=view.sort)

    assert expected, f"the demo data should hold customers of {key}"
    assert set(listed) == expected


# ---------------------------------------------------------------------------------------------
# Totals, chunks, paging and sorting


@pytest.mark.parametrize(
    "filters",
    [CustomerFilters(), CustomerFilters(tiers=("loyal",)), READY_VIEWS["due_this_week"].filters,
     CustomerFilters(search="no such customer anywhere")],
    ids=["everyone", "loyal", "due_this_week", "nobody"],
)
def test_the_total_equals_the_rows_the_chunked_reader_yields(analysis, filters):
    total, _ = customer_list(analysis, filters=filters, limit=10)
    chunks = list(iter_customer_list(analysis, filters=filters, chunk_rows=1))
    rows = pd.concat(chunks) if chunks else pd.DataFrame(columns=list(LIST_COLUMNS))

    assert sum(len(chunk) for chunk in chunks) == total
    assert set(rows["customer_id"]) == set(listed_ids(analysis, filters))
    assert all(list(chunk.columns) == list(LIST_COLUMNS) for chunk in chunks)


def test_the_chunked_reader_returns_the_columns_asked_for_in_that_order(analysis):
    columns = ("amount", "customer_id", "tier")
    chunks = list(iter_customer_list(analysis, columns=columns))
    assert chunks and all(tuple(chunk.columns) == columns for chunk in chunks)


@pytest.mark.parametrize("sort", ["amount", "recent", "last_contact"])
def test_pages_put_together_give_the_whole_list_in_order(analysis, sort):
    everyone_total, everyone = customer_list(analysis, sort=sort, limit=None)
    pages = []
    for offset in range(0, everyone_total + 100, 100):
        total, page = customer_list(analysis, sort=sort, limit=100, offset=offset)
        assert total == everyone_total
        pages.append(page)

    assert list(pd.concat(pages)["customer_id"]) == list(everyone["customer_id"])
    assert pages[-1].empty


def test_an_offset_without_a_limit_skips_that_many_customers(analysis):
    total, everyone = customer_list(analysis, sort="amount", limit=None)
    _, rest = customer_list(analysis, sort="amount", limit=None, offset=100)

    assert list(rest["customer_id"]) == list(everyone["customer_id"][100:]), "the offset was ignored"
    assert len(rest) == total - 100


def test_a_list_asked_for_while_another_thread_loads_the_list_tables_does_not_fail(demo_db, monkeypatch):
    """The first list of a new analysis loads profiles, then contacts; a second caller (another
    session, or the app's background warm-up) arriving in between must wait, not query a table
    that is not there yet."""
    fresh = Analysis.open(demo_db)
    profiles_loaded, contacts_may_load = threading.Event(), threading.Event()
    real_contacts = SIDE_TABLES["contact_summary"]

    def load_contacts_when_allowed(analysis: Analysis, cursor) -> None:
        profiles_loaded.set()
        contacts_may_load.wait(10)
        real_contacts.build(analysis, cursor)

    monkeypatch.setitem(SIDE_TABLES, "contact_summary", SideTable("contact_summary", load_contacts_when_allowed))
    outcomes: dict[str, object] = {}

    def ask(name: str) -> None:
        try:
            outcomes[name] = customer_list(fresh, limit=5)[0]
        except BaseException as error:  # reported below, in the test's thread
            outcomes[name] = error

    first = threading.Thread(target=ask, args=("first",))
    second = threading.Thread(target=ask, args=("second",))
    try:
        first.start()
        assert profiles_loaded.wait(10)
        second.start()
        second.join(1.0)  # the second caller either fails at once or waits for the first
        contacts_may_load.set()
        first.join()
        second.join()
    finally:
        contacts_may_load.set()
        fresh.close()

    assert outcomes == {"first": fresh.customer_count, "second": fresh.customer_count}


def test_the_same_page_asked_for_twice_is_the_same(analysis):
    first = customer_list(analysis, sort="orders", limit=50, offset=150)[1]
    again = customer_list(analysis, sort="orders", limit=50, offset=150)[1]
    assert list(first["customer_id"]) == list(again["customer_id"])


SORT_ORDERS = {  # sort key -> (columns, ascending, where missing values go)
    "amount": (["amount", "customer_id"], [False, True], "last"),
    "orders": (["orders", "customer_id"], [False, True], "last"),
    "recency": (["recency_days", "customer_id"], [False, True], "last"),
    "recent": (["last_order_date", "customer_id"], [False, True], "last"),
    "expected": (["expected_next_order_date", "customer_id"], [True, True], "last"),
    "last_contact": (["last_contact_at", "customer_id"], [True, True], "first"),
    "customer_id": (["customer_id"], [True], "last"),
    "loyal_score": (["loyal_score", "customer_id"], [False, True], "last"),  # NULL outside prospect lists
}


def test_every_sort_key_is_checked_here():
    assert set(SORT_ORDERS) == set(SORTS)


@pytest.mark.parametrize("sort", list(SORT_ORDERS))
def test_a_sort_key_orders_the_list_by_its_columns(analysis, sort):
    columns, ascending, missing = SORT_ORDERS[sort]
    _, frame = customer_list(analysis, sort=sort, limit=None)
    expected = frame.sort_values(columns, ascending=ascending, na_position=missing, kind="stable")

    assert list(frame["customer_id"]) == list(expected["customer_id"])


def test_an_unknown_sort_is_a_filter_error(analysis):
    with pytest.raises(FilterError, match="Unknown sort 'name'"):
        customer_list(analysis, sort="name")


def test_an_unknown_column_is_a_filter_error(analysis):
    with pytest.raises(FilterError, match="Unknown column 'nope'"):
        list(iter_customer_list(analysis, columns=("customer_id", "nope")))


@pytest.mark.parametrize(
    "changes",
    [{"tiers": ("gold",)}, {"status": "sleeping"}, {"cycle": ("late",)}, {"min_campaign_share": 1.5},
     {"no_contact_days": -1}, {"expected_within_days": 2.5}, {"search": "x" * 201}],
    ids=["tier", "status", "cycle", "campaign_share", "no_contact_days", "expected_within_days", "search"],
)
def test_a_bad_filter_value_is_a_filter_error(changes):
    with pytest.raises(FilterError):
        CustomerFilters(**changes)


# ---------------------------------------------------------------------------------------------
# One customer


def test_the_record_of_a_known_customer_holds_its_profile_orders_and_contacts(demo_db):
    contacts = read_rows(demo_db, "SELECT customer_id, count(*) AS n FROM contacts "
                                  "GROUP BY ALL ORDER BY n DESC, customer_id")
    customer_id = contacts["customer_id"].iloc[0]
    profile = read_rows(demo_db, "SELECT * FROM customers WHERE customer_id = $id", {"id": customer_id})
    lines = read_rows(demo_db, "SELECT order_id, CAST(amount AS DOUBLE) AS amount FROM orders WHERE customer_id = $id",
                      {"id": customer_id})

    record = customer_record(demo_db, customer_id)

    assert record is not None
    assert record.profile["customer_id"] == customer_id
    assert record.profile["email"] == profile["email"][0]
    assert record.profile["name"] == profile["name"][0]
    assert sorted(record.orders["order_id"]) == sorted(lines["order_id"].unique())
    assert record.orders["amount"].sum() == pytest.approx(lines["amount"].sum())
    assert record.orders["lines"].sum() == len(lines)
    assert list(record.orders["order_date"]) == sorted(record.orders["order_date"], reverse=True)
    assert len(record.contacts) == contacts["n"].iloc[0] > 1
    assert list(record.contacts["contacted_at"]) == sorted(record.contacts["contacted_at"], reverse=True)


def test_the_record_of_an_unknown_customer_is_none(demo_db):
    assert customer_record(demo_db, "9999999") is None
    assert customer_record(demo_db, "") is None


def history_sample(reference: pd.DataFrame, per_group: int = 6) -> list[str]:
    """A few customers of every tier and status."""
    groups = reference.assign(status=reference["lapsed"].astype(object).fillna("none").astype(str))
    return [customer_id for _, group in groups.groupby(["tier", "status"])
            for customer_id in group["customer_id"][:per_group]]


@pytest.mark.parametrize("as_of", [END, EARLIER], ids=["latest", "earlier"])
def test_tier_history_ends_in_the_tier_classify_gives_and_runs_in_date_order(analysis, demo_db, as_of):
    reference = reference_list(analysis, demo_db, as_of) if as_of != END else classify(analysis)
    by_id = reference.set_index("customer_id")
    sample = history_sample(reference)
    assert {by_id.loc[c, "tier"] for c in sample} == set(TIER_CODES)

    for customer_id in sample:
        history = tier_history(analysis, customer_id=customer_id, as_of=as_of)
        expected_lapsed = by_id.loc[customer_id, "lapsed"]
        expected_lapsed = None if pd.isna(expected_lapsed) else bool(expected_lapsed)

        assert not history.empty, customer_id
        last = (history.iloc[-1]["tier"], history.iloc[-1]["lapsed"])
        assert last == (by_id.loc[customer_id, "tier"], expected_lapsed), customer_id
        days = list(history["since"])
        assert days == sorted(days) and len(set(days)) == len(days), f"{customer_id}: {days}"
        assert days[-1] <= as_of


def test_tier_history_of_an_unknown_customer_is_empty(analysis):
    assert tier_history(analysis, customer_id="9999999").empty


# ---------------------------------------------------------------------------------------------
# Logging a contact


def test_a_good_contact_is_written_and_shows_in_the_record(db_copy):
    before = contact_count(db_copy)

    contact_id = log_contact(db_copy, "0000002", dt.date(2026, 11, 18), "call", "  山田 太郎 ", "  来週の訪問を約束した。 ",
                             now=NOW)

    assert contact_count(db_copy) == before + 1
    record = customer_record(db_copy, "0000002")
    row = record.contacts[record.contacts["contact_id"] == contact_id]
    assert len(row) == 1
    assert row.iloc[0]["contacted_at"] == pd.Timestamp(2026, 11, 18)
    assert (row.iloc[0]["kind"], row.iloc[0]["staff"], row.iloc[0]["note"]) == ("call", "山田 太郎", "来週の訪問を約束した。")
    assert record.contacts.iloc[0]["contact_id"] == contact_id  # the newest comes first


def test_a_contact_tomorrow_and_a_staff_name_of_60_characters_are_accepted(db_copy):
    before = contact_count(db_copy)
    log_contact(db_copy, "0000002", NOW.date() + dt.timedelta(days=1), "visit", "x" * 60, "時差の分は許す", now=NOW)
    assert contact_count(db_copy) == before + 1


@pytest.mark.parametrize(
    ("customer_id", "contacted_at", "kind", "staff", "note", "message"),
    [
        ("0000002", dt.date(2026, 11, 25), "call", "", "先の日付", "in the future"),
        ("0000002", "2026-13-01", "call", "", "ありえない日付", "date"),
        ("0000002", dt.date(1980, 1, 1), "call", "", "古すぎる", "too far in the past"),
        ("0000002", dt.date(2026, 11, 1), "fax", "", "ファクス", "kind of contact"),
        ("0000002", dt.date(2026, 11, 1), "call", "", "   ", "short note"),
        ("9999999", dt.date(2026, 11, 1), "call", "", "いない顧客", "no customer '9999999'"),
        ("0000002", dt.date(2026, 11, 1), "call", "x" * 61, "担当者が長い", "at most 60"),
        ("0000002", dt.date(2026, 11, 1), "call", "", "あ" * 2001, "2,000"),
    ],
    ids=["future_date", "not_a_date", "before_1990", "unknown_kind", "empty_note", "unknown_customer",
         "staff_of_61_characters", "note_of_2001_characters"],
)
def test_a_bad_contact_is_refused_and_nothing_is_written(db_copy, customer_id, contacted_at, kind, staff, note,
                                                         message):
    before = contact_count(db_copy)

    with pytest.raises(ContactError, match=message):
        log_contact(db_copy, customer_id, contacted_at, kind, staff, note, now=NOW)

    assert contact_count(db_copy) == before


def test_a_contact_time_with_a_time_zone_is_written_or_refused_as_a_contact_error(db_copy):
    before = contact_count(db_copy)
    moment = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))

    try:
        log_contact(db_copy, "0000002", moment, "call", "", "時刻にタイムゾーン付き", now=NOW)
    except ContactError:
        assert contact_count(db_copy) == before
    else:
        assert contact_count(db_copy) == before + 1


HOLD_FILE = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_a_contact_while_another_program_writes_is_busy_and_writes_nothing(db_copy):
    before = contact_count(db_copy)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_FILE, str(db_copy), "5"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"

        with pytest.raises(DatabaseBusyError, match="in use by another program"):
            log_contact(db_copy, "0000002", dt.date(2026, 11, 1), "call", "", "混雑中", now=NOW, wait_seconds=0.5)

        assert holder.poll() is None, "the error came only after the other program let go of the file"
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert contact_count(db_copy) == before


def test_two_threads_logging_at_once_lose_no_contact(db_copy):
    before = contact_count(db_copy)
    failures: list[BaseException] = []

    def log_twenty(writer: str) -> None:
        try:
            for number in range(20):
                log_contact(db_copy, "0000002", dt.date(2026, 11, 1), "call", writer, f"{writer} {number}", now=NOW)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=log_twenty, args=(writer,)) for writer in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert contact_count(db_copy) == before + 40
    notes = set(customer_record(db_copy, "0000002").contacts["note"])
    assert {f"{writer} {number}" for writer in "AB" for number in range(20)} <= notes
