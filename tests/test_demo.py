"""The demo data: deterministic, consistent, and holding every persona the tiers should find."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation import demo, schema

END = datetime.date(2026, 11, 20)
END_DAY = pd.Timestamp(END)


@pytest.fixture(autouse=True)
def no_database_setting(monkeypatch):
    """A developer's own database setting never leaks into a test."""
    monkeypatch.delenv("SEGMENTATION_DB", raising=False)


@pytest.fixture(scope="module")
def small() -> demo.DemoData:
    return demo.generate(2_000, seed=42, end=END)


def per_customer(data: demo.DemoData) -> pd.DataFrame:
    """F, first, last, T and R of every customer as of END, computed straight from the rule."""
    orders = data.orders[data.orders["amount"] > 0]
    counted = orders.groupby("customer_id")["order_date"].agg(orders="count", first="min", last="max")
    table = data.customers[["customer_id"]].join(counted, on="customer_id")
    table["orders"] = table["orders"].fillna(0).astype(int)
    table["tenure"] = (table["last"] - table["first"]).dt.days
    table["recency"] = (END_DAY - table["last"]).dt.days
    return table


# --- Determinism -------------------------------------------------------------------------------


def test_same_seed_and_end_give_identical_frames(small):
    again = demo.generate(2_000, seed=42, end=END)
    for name in ("customers", "orders", "contacts"):
        pd.testing.assert_frame_equal(getattr(small, name), getattr(again, name))
        assert pd.util.hash_pandas_object(getattr(small, name)).equals(
            pd.util.hash_pandas_object(getattr(again, name))
        )


def test_another_seed_gives_other_data(small):
    other = demo.generate(2_000, seed=43, end=END)
    assert not small.orders.equals(other.orders)
    assert not small.customers["name"].equals(other.customers["name"])


# --- Shape -------------------------------------------------------------------------------------


def test_frames_have_exactly_the_columns_of_the_tables(small):
    assert list(small.customers.columns) == [
        "customer_id", "name", "company", "email", "phone", "region", "address", "channel", "staff",
        "created_at",
    ]
    assert list(small.orders.columns) == ["order_id", "customer_id", "order_date", "amount", "campaign", "category"]
    assert list(small.contacts.columns) == ["customer_id", "contacted_at", "kind", "staff", "note"]


@pytest.mark.parametrize("size", [100, 2_000])
def test_generates_exactly_the_number_of_customers_asked_for(size):
    data = demo.generate(size, seed=1, end=END)
    assert len(data.customers) == size
    assert data.customers["customer_id"].is_unique


def test_customer_ids_keep_leading_zeros(small):
    ids = small.customers["customer_id"]
    assert ids.str.fullmatch(r"\d{7}").all()
    assert ids.iloc[0] == "0000001"
    assert ids.iloc[-1] == "0002000"


def test_orders_reference_existing_customers(small):
    assert small.orders["customer_id"].isin(small.customers["customer_id"]).all()
    assert small.contacts["customer_id"].isin(small.customers["customer_id"]).all()


def test_order_ids_are_unique(small):
    assert small.orders["order_id"].is_unique
    assert small.orders["order_id"].str.fullmatch(r"[OR]\d{8}").all()


def test_amounts_are_whole_tens_of_yen(small):
    assert (small.orders["amount"] % 10 == 0).all()
    assert small.orders.loc[small.orders["amount"] > 0, "amount"].between(1_980, 60_000).all()


def test_emails_are_ascii_and_names_are_family_name_first(small):
    assert small.customers["email"].str.fullmatch(r"[a-z]+\.[a-z]+\d+@example\.[a-z.]+").all()
    assert small.customers["name"].str.fullmatch(r"\S+ \S+").all()


@pytest.mark.parametrize("size", [99, 10_000_001, 0, -5])
def test_refuses_sizes_outside_the_supported_range(size):
    with pytest.raises(ValueError, match="between 100 and 10,000,000"):
        demo.generate(size, end=END)


def test_refuses_an_end_that_is_not_a_date():
    with pytest.raises(ValueError, match="end date"):
        demo.generate(100, end="20 November")


# --- Dates -------------------------------------------------------------------------------------


def test_no_order_or_contact_after_end(small):
    assert small.orders["order_date"].max() <= END_DAY
    assert small.contacts["contacted_at"].max() < END_DAY + pd.Timedelta(days=1)


def test_history_spans_three_years_up_to_end(small):
    first, last = small.orders["order_date"].min(), small.orders["order_date"].max()
    assert first <= pd.Timestamp(2023, 12, 20)
    assert first >= pd.Timestamp(2023, 11, 20)
    assert last >= END_DAY - pd.Timedelta(days=2)


def test_first_order_is_not_before_the_customer_record_was_created(small):
    created = small.customers.set_index("customer_id")["created_at"].dt.normalize()
    first = small.orders.groupby("customer_id")["order_date"].min()
    assert (first >= created.reindex(first.index)).all()
    contacted = small.contacts["contacted_at"].to_numpy()
    assert (contacted >= created.reindex(small.contacts["customer_id"]).to_numpy()).all()


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    end=st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 12, 31)),
)
def test_dates_stay_within_the_history_for_any_seed_and_end(seed, end):
    data = demo.generate(100, seed=seed, end=end)
    end_day = pd.Timestamp(end)
    created = data.customers.set_index("customer_id")["created_at"]
    first = data.orders.groupby("customer_id")["order_date"].min()
    assert data.orders["order_date"].max() <= end_day
    assert data.orders["order_date"].min() >= pd.Timestamp(demo._years_before(end, demo.HISTORY_YEARS))
    assert (first >= created.dt.normalize().reindex(first.index)).all()
    assert (data.contacts["contacted_at"].to_numpy() >= created.reindex(data.contacts["customer_id"]).to_numpy()).all()
    assert data.contacts["contacted_at"].max() < end_day + pd.Timedelta(days=1)


def test_end_defaults_to_today():
    data = demo.generate(100, seed=5)
    assert data.orders["order_date"].max() <= pd.Timestamp(datetime.date.today())


# --- Personas ----------------------------------------------------------------------------------


def test_every_channel_and_region_appears(small):
    assert set(small.customers["channel"]) == set(demo.CHANNELS)
    assert set(small.customers["region"]) == set(demo.REGIONS)


def test_campaign_codes_appear(small):
    codes = small.orders["campaign"].dropna()
    assert codes.str.fullmatch(r"(TV|SALE|SNS)20\d\d(SPRING|SUMMER|AUTUMN|WINTER)").sum() > 100
    assert 0.05 < small.orders["campaign"].notna().mean() < 0.35


def test_refunds_are_negative_rows_on_their_own_id_after_the_order(small):
    refunds = small.orders[small.orders["amount"] < 0]
    assert len(refunds) > 0
    assert refunds["order_id"].str.startswith("R").all()
    originals = small.orders.set_index("order_id").loc["O" + refunds["order_id"].str[1:]]
    assert (originals["customer_id"].to_numpy() == refunds["customer_id"].to_numpy()).all()
    assert (originals["order_date"].to_numpy() <= refunds["order_date"].to_numpy()).all()
    assert (-refunds["amount"].to_numpy() <= originals["amount"].to_numpy()).all()


def test_prospects_without_orders_exist(small):
    without_orders = ~small.customers["customer_id"].isin(small.orders["customer_id"])
    assert 0.05 < without_orders.mean() < 0.2


def test_about_forty_percent_of_customers_are_businesses(small):
    assert 0.3 < small.customers["company"].notna().mean() < 0.5


def test_about_three_orders_per_customer(small):
    assert 2.5 < len(small.orders) / len(small.customers) < 3.7


def test_every_tier_and_status_is_populated_under_default_thresholds():
    data = demo.generate(10_000, seed=42, end=END)
    table = per_customer(data)
    f, t, r = table["orders"], table["tenure"], table["recency"]
    tier = np.select(
        [f == 0, f == 1, (f >= 5) & (t >= 365), f >= 5, t >= 365],
        ["prospect", "first", "loyal", "trend", "steady"],
        "nascent",
    )
    shares = pd.Series(tier).value_counts(normalize=True)
    assert set(shares.index) == {"prospect", "first", "nascent", "steady", "trend", "loyal"}
    assert shares.min() >= 0.04
    customers = table.assign(tier=tier, lapsed=r > 180)
    for code in ("first", "nascent", "steady", "trend", "loyal"):
        statuses = set(customers.loc[customers["tier"] == code, "lapsed"])
        assert statuses == {True, False}, code

    repeat = table[f >= 2]
    interval = repeat["tenure"] / (repeat["orders"] - 1)
    overdue = repeat["recency"] > 1.5 * interval
    due = ~overdue & (repeat["recency"] >= interval.round() - 14)
    assert overdue.mean() > 0.05
    assert due.mean() > 0.05


# --- The database ------------------------------------------------------------------------------


def test_build_demo_database_writes_every_row(tmp_path):
    path = tmp_path / "demo.duckdb"
    counts = demo.build_demo_database(path, customers=300, seed=3, end=END)
    data = demo.generate(300, seed=3, end=END)
    assert counts == demo.DemoCounts(len(data.customers), len(data.orders), len(data.contacts))
    assert str(counts).startswith("300 customers, ")
    con = schema.connect(path, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM customers").fetchall()[0][0] == 300
        assert con.execute("SELECT count(*) FROM orders").fetchall()[0][0] == len(data.orders)
        assert con.execute("SELECT count(*) FROM contacts").fetchall()[0][0] == len(data.contacts)
        assert con.execute("SELECT min(customer_id) FROM customers").fetchall()[0][0] == "0000001"
        assert con.execute("SELECT max(order_date) FROM orders").fetchall()[0][0] <= END
    finally:
        con.close()


def test_build_demo_database_refuses_a_filled_database(tmp_path):
    path = tmp_path / "demo.duckdb"
    demo.build_demo_database(path, customers=100, seed=3, end=END)
    with pytest.raises(demo.DemoDataError, match="already holds"):
        demo.build_demo_database(path, customers=100, seed=4, end=END)
    con = schema.connect(path, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM customers").fetchall()[0][0] == 100
    finally:
        con.close()
