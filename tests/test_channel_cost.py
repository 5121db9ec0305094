"""What a loyal customer costs per channel (segmentation/channel_cost.py, migration 5): costs
entered, replaced, removed and audited, refused for other roles and bad values; the funnel,
days to loyal and cost per acquired, repeat and loyal customer on hand-made data; the
boundaries (zero cost, cost for a channel with no customers, costs after the date, a narrower
scope, an older file); and the CLI's `channels` and `costs`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import duckdb
import pytest

from conftest import write_db
from segmentation import cli, schema
from segmentation.access import Viewer
from segmentation.analysis import Analysis
from segmentation.at_date import channel_conversion
from segmentation.audit import read_audit
from segmentation.channel_cost import (
    ECONOMICS_COLUMNS,
    ChannelCostError,
    channel_economics,
    delete_cost,
    month_of,
    read_costs,
    set_cost,
)
from segmentation.scope import Scope
from segmentation.thresholds import Thresholds

ADMIN = Viewer("hanako", "admin", None, "test")
MANAGER = Viewer("taro", "manager", None, "test")
EASY = Thresholds(min_orders=2, min_tenure_days=30, lapse_days=3650)
AS_OF = dt.date(2026, 6, 30)


def shop_rows():
    """紹介: 4 customers acquired in 2025-01 (2 loyal: second order 60 and 90 days after the first,
    1 with one order, 1 prospect) and 2 in 2025-02 (1 ordering twice 10 days apart: a repeat,
    not loyal; 1 prospect). Web広告: 3 in 2025-01 (1 loyal after 30 days, 2 prospects). One
    customer with no channel (a prospect)."""
    customers = [
        ("R1", dt.datetime(2025, 1, 5), "紹介", "関東", "佐藤"), ("R2", dt.datetime(2025, 1, 6), "紹介", "関東", "佐藤"),
        ("R3", dt.datetime(2025, 1, 7), "紹介", "関東", "佐藤"), ("R4", dt.datetime(2025, 1, 8), "紹介", "関東", "佐藤"),
        ("R5", dt.datetime(2025, 2, 3), "紹介", "近畿", None), ("R6", dt.datetime(2025, 2, 4), "紹介", "近畿", None),
        ("W1", dt.datetime(2025, 1, 10), "Web広告", "関東", "田中"), ("W2", dt.datetime(2025, 1, 11), "Web広告", "関東", "田中"),
        ("W3", dt.datetime(2025, 1, 12), "Web広告", "関東", "田中"),
        ("N1", dt.datetime(2025, 1, 13), None, None, None),
    ]
    orders = [
        ("o1", "R1", dt.date(2025, 1, 10), 5000), ("o2", "R1", dt.date(2025, 3, 11), 5000),   # loyal after 60 days
        ("o3", "R2", dt.date(2025, 1, 10), 3000), ("o4", "R2", dt.date(2025, 4, 10), 3000),   # loyal after 90 days
        ("o5", "R3", dt.date(2025, 1, 20), 2000),                                             # one order
        ("o6", "R5", dt.date(2025, 2, 10), 1000), ("o7", "R5", dt.date(2025, 2, 20), 1000),   # repeat, 10 days
        ("o8", "W1", dt.date(2025, 1, 15), 4000), ("o9", "W1", dt.date(2025, 2, 14), 4000),   # loyal after 30 days
    ]
    return customers, orders


@pytest.fixture
def shop(tmp_path):
    customers, orders = shop_rows()
    return write_db(tmp_path / "shop.duckdb", customers, orders)


@pytest.fixture
def analysis(shop):
    opened = Analysis.open(shop)
    yield opened
    opened.close()


def by_channel(frame):
    return {row["channel"]: row for row in frame.to_dict("records")}


# ---------------------------------------------------------------------------------------------
# Entering costs


def test_a_cost_is_saved_replaced_and_removed_each_time_with_an_audit_row(shop):
    assert set_cost(shop, ADMIN, " 紹介 ", "2025-01", "120,000") == ("紹介", dt.date(2025, 1, 1), Decimal("120000.00"))
    set_cost(shop, ADMIN, "紹介", dt.date(2025, 1, 17), 90000)
    set_cost(shop, ADMIN, "Web広告", "2025-01-01", 0)

    assert read_costs(shop) == (("Web広告", dt.date(2025, 1, 1), Decimal("0.00")),
                                ("紹介", dt.date(2025, 1, 1), Decimal("90000.00")))
    assert delete_cost(shop, ADMIN, "紹介", "2025-01") is True
    assert delete_cost(shop, ADMIN, "紹介", "2025-01") is False
    assert read_costs(shop) == (("Web広告", dt.date(2025, 1, 1), Decimal("0.00")),)
    audit = read_audit(shop, actions=("channel_cost",))
    details = [json.loads(d) for d in audit["details"]]
    assert len(details) == 4 and set(audit["user_name"]) == {"hanako"}
    assert {"channel": "紹介", "month": "2025-01", "amount": "90000.00", "replaced": "120000.00"} in details
    assert {"channel": "紹介", "month": "2025-01", "amount": None, "replaced": "90000.00"} in details


def test_only_an_admin_may_enter_a_cost(shop):
    with pytest.raises(ChannelCostError, match="Only an admin"):
        set_cost(shop, MANAGER, "紹介", "2025-01", 1000)
    with pytest.raises(ChannelCostError, match="Only an admin"):
        delete_cost(shop, MANAGER, "紹介", "2025-01")
    assert read_costs(shop) == ()


@pytest.mark.parametrize(("channel", "month", "amount", "key"), [
    ("紹介", "2025-13", 1, "cost_bad_month"), ("紹介", "Jan 2025", 1, "cost_bad_month"),
    ("紹介", "2025-01", -1, "cost_bad_amount"), ("紹介", "2025-01", "abc", "cost_bad_amount"),
    ("紹介", "2025-01", "NaN", "cost_bad_amount"), ("紹介", "2025-01", "1e13", "cost_bad_amount"),
    ("  ", "2025-01", 1, "cost_no_channel"), (None, "2025-01", 1, "cost_no_channel"),
    ("紹\n介", "2025-01", 1, "cost_bad_channel"), ("x" * 61, "2025-01", 1, "cost_bad_channel"),
])
def test_a_bad_cost_is_refused_with_its_sentence_and_nothing_is_written(shop, channel, month, amount, key):
    with pytest.raises(ChannelCostError) as raised:
        set_cost(shop, ADMIN, channel, month, amount)
    assert raised.value.key == key
    assert raised.value.message("ja") != raised.value.message("en")
    assert read_costs(shop) == ()


def test_month_of_reads_a_year_month_a_day_or_a_date():
    assert month_of("2026-10") == month_of("2026-10-31") == month_of(dt.date(2026, 10, 9)) == dt.date(2026, 10, 1)


def test_a_file_from_before_the_costs_table_gets_it_on_the_first_write_and_reads_as_no_costs(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL)")
    for version, name, ddl in schema.MIGRATIONS[:4]:
        con.execute(ddl)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, current_timestamp)", [version, name])
    con.close()

    assert read_costs(path) == ()
    set_cost(path, ADMIN, "紹介", "2025-01", 5)
    assert read_costs(path) == (("紹介", dt.date(2025, 1, 1), Decimal("5.00")),)
    with schema.reading(path) as reader:
        assert schema.schema_version(reader) == schema.SCHEMA_VERSION == 5


# ---------------------------------------------------------------------------------------------
# Per-channel economics


def test_the_funnel_and_days_to_loyal_per_channel(analysis):
    frame = channel_economics(analysis, EASY, as_of=AS_OF)
    rows = by_channel(frame)

    assert list(frame.columns) == list(ECONOMICS_COLUMNS)
    assert list(frame["channel"]) == ["紹介", "Web広告", None]
    referral, web = rows["紹介"], rows["Web広告"]
    assert (referral["acquired"], referral["second_order"], referral["reached_loyal"]) == (6, 3, 2)
    assert referral["reached_loyal_share"] == pytest.approx(2 / 6)
    assert referral["median_days_to_loyal"] == 75.0  # 60 and 90 days
    assert (web["acquired"], web["second_order"], web["reached_loyal"], web["median_days_to_loyal"]) == (3, 1, 1, 30.0)
    assert rows[None]["reached_loyal"] == 0 and rows[None]["median_days_to_loyal"] is None
    assert all(rows[c]["cost"] is None and rows[c]["cost_per_loyal"] is None for c in rows)


def test_the_existing_channel_columns_are_channel_conversions(analysis):
    economics = channel_economics(analysis, EASY, as_of=AS_OF)
    conversion = channel_conversion(analysis, EASY, as_of=AS_OF)

    for column in conversion.columns:
        assert list(economics[column]) == list(conversion[column]), column


def test_a_cost_is_set_against_the_customers_acquired_in_its_months(shop, analysis):
    set_cost(shop, ADMIN, "紹介", "2025-01", 120000)
    set_cost(shop, ADMIN, "紹介", "2025-02", 30000)
    set_cost(shop, ADMIN, "Web広告", "2025-02", 5000)   # Web広告 acquired nobody in February

    rows = by_channel(channel_economics(analysis, EASY, as_of=AS_OF, costs=read_costs(shop)))

    referral = rows["紹介"]
    assert (referral["cost"], referral["cost_months"]) == (150000.0, 2)
    assert (referral["cost_acquired"], referral["cost_repeat"], referral["cost_loyal"]) == (6, 3, 2)
    assert referral["cost_per_acquired"] == 25000.0
    assert referral["cost_per_repeat"] == 50000.0
    assert referral["cost_per_loyal"] == 75000.0
    web = rows["Web広告"]
    assert (web["cost"], web["cost_acquired"]) == (5000.0, 0)
    assert web["cost_per_acquired"] is None and web["cost_per_loyal"] is None, "no division by zero"


def test_only_the_costed_months_customers_count(shop, analysis):
    set_cost(shop, ADMIN, "紹介", "2025-02", 30000)   # R5 (a repeat) and R6 (a prospect)

    referral = by_channel(channel_economics(analysis, EASY, as_of=AS_OF, costs=read_costs(shop)))["紹介"]

    assert (referral["cost_acquired"], referral["cost_repeat"], referral["cost_loyal"]) == (2, 1, 0)
    assert referral["cost_per_acquired"] == 15000.0 and referral["cost_per_repeat"] == 30000.0
    assert referral["cost_per_loyal"] is None


def test_a_zero_cost_makes_every_cost_per_customer_zero(shop, analysis):
    set_cost(shop, ADMIN, "Web広告", "2025-01", 0)

    web = by_channel(channel_economics(analysis, EASY, as_of=AS_OF, costs=read_costs(shop)))["Web広告"]

    assert (web["cost"], web["cost_per_acquired"], web["cost_per_repeat"], web["cost_per_loyal"]) == (0.0, 0.0, 0.0, 0.0)


def test_a_cost_for_a_channel_without_customers_is_a_row_of_its_own(shop, analysis):
    set_cost(shop, ADMIN, "テレビ", "2025-01", 80000)

    frame = channel_economics(analysis, EASY, as_of=AS_OF, costs=read_costs(shop))
    tv = by_channel(frame)["テレビ"]

    assert list(frame["channel"])[-1] == "テレビ", "smallest last"
    assert (tv["acquired"], tv["second_order"], tv["reached_loyal"], tv["cost"]) == (0, 0, 0, 80000.0)
    assert tv["cost_per_acquired"] is None and tv["second_order_share"] is None and tv["reached_loyal_share"] is None


def test_costs_after_the_date_are_left_out(shop, analysis):
    set_cost(shop, ADMIN, "紹介", "2025-01", 100)
    set_cost(shop, ADMIN, "紹介", "2026-07", 999999)

    referral = by_channel(channel_economics(analysis, EASY, as_of=AS_OF, costs=read_costs(shop)))["紹介"]

    assert (referral["cost"], referral["cost_months"]) == (100.0, 1)


def test_under_a_region_scope_the_cost_columns_are_empty(shop, analysis):
    set_cost(shop, ADMIN, "紹介", "2025-01", 100)
    costs = read_costs(shop)

    regional = by_channel(channel_economics(analysis, EASY, as_of=AS_OF, scope=Scope(region=("関東",)), costs=costs))
    one_channel = channel_economics(analysis, EASY, as_of=AS_OF, scope=Scope(channel=("紹介",)), costs=costs)

    assert regional["紹介"]["acquired"] == 4 and regional["紹介"]["cost"] is None
    assert list(one_channel["channel"]) == ["紹介"] and one_channel["cost"].iloc[0] == 100.0


def test_with_no_loyal_customer_the_funnel_stops_at_the_second_order(tmp_path):
    customers, orders = shop_rows()
    path = write_db(tmp_path / "strict.duckdb", customers, orders)
    analysis = Analysis.open(path)
    strict = Thresholds(min_orders=5, min_tenure_days=365, lapse_days=3650)

    frame = channel_economics(analysis, strict, as_of=AS_OF)

    assert (frame["reached_loyal"] == 0).all() and frame["median_days_to_loyal"].isna().all()
    assert list(frame["second_order"]) == [3, 1, 0]
    analysis.close()


# ---------------------------------------------------------------------------------------------
# The command line


def run(capsys, *args):
    status = cli.main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_channels_writes_the_old_columns_first_and_the_new_ones_after(shop, capsys):
    set_cost(shop, ADMIN, "紹介", "2025-01", 120000)

    status, out, err = run(capsys, "channels", "--db", str(shop), "--as-of", "2026-06-30", "--min-orders", "2",
                           "--min-tenure-days", "30", "--lapse-days", "3650", "--out", "-", "--lang", "en")

    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == list(ECONOMICS_COLUMNS)
    referral = rows[0]
    assert referral["channel"] == "紹介"
    assert (referral["acquired"], referral["second_order"], referral["reached_loyal"]) == ("6", "3", "2")
    assert referral["reached_loyal_share"] == "0.3333" and referral["median_days_to_loyal"] == "75.0"
    assert (referral["cost"], referral["cost_acquired"], referral["cost_per_acquired"]) == ("120000.0", "4", "30000.0")
    assert referral["cost_per_loyal"] == "60000.0"
    assert rows[1]["cost"] == "" and rows[2]["channel"] == ""


def test_costs_sets_lists_and_removes_in_the_language_asked(shop, capsys):
    status, _, err = run(capsys, "costs", "--db", str(shop), "--channel", "紹介", "--month", "2025-01",
                         "--amount", "120000", "--lang", "ja")
    assert status == 0 and err.strip() == "紹介 の 2025-01 の獲得費用を 120000 にしました。"

    status, out, err = run(capsys, "costs", "--db", str(shop), "--out", "-", "--lang", "en")
    assert status == 0 and out.splitlines() == ["channel,month,amount", "紹介,2025-01,120000"]

    status, _, err = run(capsys, "costs", "--db", str(shop), "--channel", "紹介", "--month", "2025-01", "--remove",
                         "--lang", "en")
    assert status == 0 and err.strip() == "Removed the cost of 紹介 for 2025-01."
    assert read_costs(shop) == ()
    assert len(read_audit(shop, actions=("channel_cost",))) == 2


@pytest.mark.parametrize("args", [
    ("--channel", "紹介", "--month", "2025-01"),                                  # neither --amount nor --remove
    ("--channel", "紹介", "--month", "2025-01", "--amount", "1", "--remove"),     # both
    ("--month", "2025-01", "--amount", "1"),                                      # no channel
    (),                                                                           # nothing to do
])
def test_costs_without_a_complete_request_says_how_to_use_it(shop, capsys, args):
    status, out, err = run(capsys, "costs", "--db", str(shop), *args, "--lang", "en")

    assert status == 2 and err.startswith("error: Give --channel NAME --month YYYY-MM --amount X")
    assert read_costs(shop) == ()


def test_costs_refuses_a_bad_value_and_a_manager_in_one_line(shop, capsys):
    from segmentation import users

    status, _, err = run(capsys, "costs", "--db", str(shop), "--channel", "紹介", "--month", "2025-1x",
                         "--amount", "5", "--lang", "en")
    assert status == 2 and err.strip() == "error: The month “2025-1x” cannot be read; write it as year-month, like 2026-10."

    users.add_user(shop, "taro", "manager", "a long enough password", by=ADMIN)
    status, _, err = run(capsys, "costs", "--db", str(shop), "--as-user", "taro", "--channel", "紹介",
                         "--month", "2025-01", "--amount", "5", "--lang", "en")
    assert status == 2 and err.strip() == "error: Only an admin may enter acquisition costs (your role: manager)."
    assert read_costs(shop) == ()


# ---------------------------------------------------------------------------------------------
# The SQL: parameters only, never a pasted value

_PARAMETER = __import__("re").compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@pytest.mark.parametrize("builder", ["economics", "days_to_loyal", "score_cells"])
def test_each_builder_names_exactly_its_parameters_and_pastes_no_value(builder):
    from segmentation import channel_cost, prospects

    build = {"economics": channel_cost.economics_sql, "days_to_loyal": channel_cost.days_to_loyal_sql,
             "score_cells": prospects.score_cells_sql}[builder]
    sql, params = build(EASY, Scope(channel=("紹介",), region=("関東",)), AS_OF)

    assert set(_PARAMETER.findall(sql)) == set(params)
    assert "紹介" not in sql and "関東" not in sql and "2026" not in sql


def test_an_empty_database_has_a_row_only_for_each_channel_with_costs(tmp_path):
    path = write_db(tmp_path / "empty.duckdb")
    analysis = Analysis.open(path)

    assert channel_economics(analysis, EASY, as_of=AS_OF).empty
    set_cost(path, ADMIN, "紹介", "2025-01", 1000)
    frame = channel_economics(analysis, EASY, as_of=AS_OF, costs=read_costs(path))

    assert list(frame.columns) == list(ECONOMICS_COLUMNS)
    assert frame[["channel", "acquired", "reached_loyal", "cost"]].to_dict("records") == [
        {"channel": "紹介", "acquired": 0, "reached_loyal": 0, "cost": 1000.0}]
    analysis.close()
