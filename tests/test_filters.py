"""The customer-list filters as one table (filter value -> predicate -> params -> sentences ->
who it keeps), the ready views and the export's 条件 sheet as sentences, the thresholds as
sentences, and the number formats those sentences use.

The table is written in datasette's style (`tests/test_filters.py` there): one row per filter,
every column spelled out, so adding a filter without its row, or changing its words, its SQL or
its parameters, fails here. Every predicate also runs in DuckDB over a few literal list rows.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest

from segmentation.export import conditions_rows
from segmentation.filters import LIST_FILTERS, READY_VIEWS, CustomerFilters, describe_filters, filters_sql
from segmentation.scope import Scope
from segmentation.texts import format_amount, format_count
from segmentation.thresholds import DEFAULT_MIN_AMOUNT, Thresholds

PREFIX = "v7_"  # not the default `f_`: every parameter must carry the prefix asked for
AS_OF = dt.date(2024, 6, 30)

# The list's columns a filter reads, and four customers to filter.
LIST_ROWS_SQL = """
    SELECT * FROM (VALUES
        ('00042', '山田 太郎', '山田商店', 'taro@yamada.example', 'loyal', false, 'due', 'web', '佐藤', '東京',
         12000.0, 0.5, TIMESTAMP '2024-06-01 10:00', DATE '2024-07-05', 0.9),
        ('00043', 'Yamada Hanako', NULL, NULL, 'trend', true, 'overdue', 'DM', '鈴木', '大阪',
         5000.0, 0.25, NULL, DATE '2024-05-01', 0.1),
        ('00044', 'Kim', 'Acme', 'kim@acme.example', 'first', false, NULL, 'web', NULL, '東京',
         4999.99, 0.0, TIMESTAMP '2024-05-31 09:00', NULL, 0.3),
        ('P1', NULL, NULL, NULL, 'prospect', NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL)
    ) AS t(customer_id, name, company, email, tier, lapsed, cycle_status, channel, staff, region,
           average_order_value, campaign_share, last_contact_at, expected_next_order_date, p_alive)
"""

SEARCH_SQL = (
    "(contains(lower(coalesce(name, '')), lower($v7_search)) OR contains(lower(coalesce(company, '')), lower($v7_search)) "
    "OR contains(lower(coalesce(email, '')), lower($v7_search)) OR contains(lower(customer_id), lower($v7_search)))"
)

FILTER_TABLE = [
    # filter, value, predicate, params, Japanese sentence, English sentence, customers kept
    ("tiers", ("loyal", "trend"),
     "list_contains($v7_tiers, tier)", {"v7_tiers": ["loyal", "trend"]},
     "層: 優良客、流行客", "tier: Loyal, Trend", ["00042", "00043"]),
    ("status", "active",
     "lapsed = $v7_lapsed", {"v7_lapsed": False},
     "現役のみ", "active customers only", ["00042", "00044"]),
    ("status", "lapsed",
     "lapsed = $v7_lapsed", {"v7_lapsed": True},
     "離脱のみ", "lapsed customers only", ["00043"]),
    ("cycle", ("due", "overdue"),
     "list_contains($v7_cycle, cycle_status)", {"v7_cycle": ["due", "overdue"]},
     "購入サイクル: 購入時期、遅延（離反の恐れ）", "reorder cycle: Due, Overdue", ["00042", "00043"]),
    ("channel", ("DM", "店頭"),
     "list_contains($v7_channel, channel)", {"v7_channel": ["DM", "店頭"]},
     "獲得経路: DM、店頭", "acquired by DM, 店頭", ["00043"]),
    ("staff", ("佐藤",),
     "list_contains($v7_staff, staff)", {"v7_staff": ["佐藤"]},
     "担当者: 佐藤", "looked after by 佐藤", ["00042"]),
    ("region", ("東京", "大阪"),
     "list_contains($v7_region, region)", {"v7_region": ["東京", "大阪"]},
     "地域: 東京、大阪", "in region 東京, 大阪", ["00042", "00043", "00044"]),
    ("min_average_order_value", 5000,
     "average_order_value >= $v7_aov_min", {"v7_aov_min": 5000.0},
     "平均購入単価が5,000円以上", "average order of ¥5,000 or more", ["00042", "00043"]),
    ("max_average_order_value", 5000,
     "average_order_value <= $v7_aov_max", {"v7_aov_max": 5000.0},
     "平均購入単価が5,000円以下", "average order of ¥5,000 or less", ["00043", "00044"]),
    ("min_campaign_share", 0.5,
     "campaign_share >= $v7_campaign_min", {"v7_campaign_min": 0.5},
     "キャンペーン利用率が50%以上", "50% or more of the orders used a campaign", ["00042"]),
    ("max_campaign_share", 0.25,
     "campaign_share <= $v7_campaign_max", {"v7_campaign_max": 0.25},
     "キャンペーン利用率が25%以下", "25% or less of the orders used a campaign", ["00043", "00044"]),
    ("no_contact_days", 30,  # 00044, contacted exactly 30 days before, is not kept
     "(last_contact_at IS NULL OR CAST(last_contact_at AS DATE) < $as_of - CAST($v7_quiet_days AS INTEGER))",
     {"v7_quiet_days": 30},
     "30日を超えて接触なし（未接触を含む）", "no contact for more than 30 days (or never)", ["00043", "P1"]),
    ("never_contacted", True,
     "last_contact_at IS NULL", {},
     "一度も接触なし", "never contacted", ["00043", "P1"]),
    ("expected_within_days", 7,  # an expected date already past counts too
     "expected_next_order_date <= $as_of + CAST($v7_within_days AS INTEGER)", {"v7_within_days": 7},
     "次回購入予定日が7日以内", "next order expected within 7 days", ["00042", "00043"]),
    ("search", "  YAMADA ",  # trimmed, any case, in name, company, email or id
     SEARCH_SQL, {"v7_search": "YAMADA"},
     "「YAMADA」を含む", "matching “YAMADA”", ["00042", "00043"]),
    ("customer_ids", ("00042", "P1"),
     "list_contains($v7_ids, customer_id)", {"v7_ids": ["00042", "P1"]},
     "顧客ID: 00042、P1", "customer ID 00042, P1", ["00042", "P1"]),
    ("max_p_alive", 0.3,  # below: 00044, at exactly 30%, is not kept; a prospect has no chance to compare
     "p_alive < $v7_p_alive_max", {"v7_p_alive_max": 0.3},
     "まだ顧客である確率が30%未満", "chance still a customer below 30%", ["00043"]),
]


def kept(predicate: str, params: dict) -> list[str]:
    """The ids of the literal list rows the predicate keeps at AS_OF."""
    if "$as_of" in predicate:
        params = {**params, "as_of": AS_OF}
    with duckdb.connect() as con:
        rows = con.execute(f"SELECT customer_id FROM ({LIST_ROWS_SQL}) WHERE {predicate} ORDER BY customer_id",
                           params).fetchall()
    return [customer_id for (customer_id,) in rows]


@pytest.mark.parametrize(("name", "value", "predicate", "params", "japanese", "english", "customers"),
                         FILTER_TABLE, ids=[f"{row[0]}-{row[1]}" for row in FILTER_TABLE])
def test_each_filter_gives_its_predicate_prefixed_params_sentences_and_customers(
    name, value, predicate, params, japanese, english, customers
):
    filters = CustomerFilters(**{name: value})

    assert filters_sql(filters, prefix=PREFIX) == (predicate, params)
    assert describe_filters(filters, "ja") == [japanese]
    assert describe_filters(filters, "en") == [english]
    assert kept(predicate, params) == customers


def test_the_filter_table_holds_every_filter_of_the_registry():
    assert sorted({row[0] for row in FILTER_TABLE}) == sorted(LIST_FILTERS)


@pytest.mark.parametrize("name", sorted(LIST_FILTERS))
def test_every_parameter_of_a_filter_carries_the_prefix_asked_for(name):
    _, value, *_ = next(row for row in FILTER_TABLE if row[0] == name)
    predicate, params = filters_sql(CustomerFilters(**{name: value}), prefix=PREFIX)

    named_in_sql = set(re.findall(r"\$(\w+)", predicate)) - {"as_of"}  # as_of is the list's own
    assert named_in_sql == set(params)
    assert all(key.startswith(PREFIX) for key in params)


def test_no_filter_is_true_without_params_and_reads_as_no_sentence():
    assert filters_sql(CustomerFilters(), prefix=PREFIX) == ("TRUE", {})
    assert filters_sql(CustomerFilters(search="   "), prefix=PREFIX) == ("TRUE", {})
    assert describe_filters(CustomerFilters(search="   "), "ja") == []


def test_several_filters_join_with_and_in_registry_order():
    filters = CustomerFilters(region=("東京",), tiers=("loyal",), never_contacted=True)

    assert filters_sql(filters, prefix=PREFIX) == (
        "list_contains($v7_tiers, tier) AND list_contains($v7_region, region) AND last_contact_at IS NULL",
        {"v7_tiers": ["loyal"], "v7_region": ["東京"]},
    )
    assert describe_filters(filters, "en") == ["tier: Loyal", "in region 東京", "never contacted"]


def test_the_japanese_no_contact_sentence_says_more_than_as_the_query_does():
    # A contact exactly 30 days before is not kept (see the table above), so the sentence must
    # not say "30 days or more" (30日以上).
    (sentence,) = describe_filters(CustomerFilters(no_contact_days=30), "ja")
    assert "以上" not in sentence


# ---------------------------------------------------------------------------------------------
# Ready views and the 条件 sheet


READY_VIEW_SENTENCES = {
    "due_this_week": (["現役のみ", "購入サイクル: 購入時期", "次回購入予定日が7日以内"],
                      ["active customers only", "reorder cycle: Due", "next order expected within 7 days"]),
    "overdue_possibly_lost": (["現役のみ", "購入サイクル: 遅延（離反の恐れ）"],
                              ["active customers only", "reorder cycle: Overdue"]),
    "loyal_lapsing": (["層: 優良客", "現役のみ", "購入サイクル: 遅延（離反の恐れ）"],
                      ["tier: Loyal", "active customers only", "reorder cycle: Overdue"]),
    "trend_from_campaigns": (["層: 流行客", "キャンペーン利用率が50%以上"],
                             ["tier: Trend", "50% or more of the orders used a campaign"]),
    "prospects_to_approach": (["層: 見込み客、初回客"], ["tier: Prospect, First-time"]),  # ordered by loyal_score
}


def test_every_ready_view_has_its_sentences_here():
    assert sorted(READY_VIEW_SENTENCES) == sorted(READY_VIEWS)


@pytest.mark.parametrize("key", sorted(READY_VIEWS))
def test_a_ready_view_reads_as_sentences_without_codes(key):
    japanese, english = READY_VIEW_SENTENCES[key]
    filters = READY_VIEWS[key].filters

    assert describe_filters(filters, "ja") == japanese
    assert describe_filters(filters, "en") == english
    for sentence in japanese + english:
        assert "=" not in sentence and "None" not in sentence, sentence


CONDITIONS = {
    "ja": [
        ("一覧", "キャンペーン由来の流行客"),
        ("基準日", "2026-11-20"),
        ("しきい値", "よく買う: 5回以上、長く買う: 初回から365日以上、離脱: 最終購入から180日超、"
                     "遅延: 平均間隔の1.5倍超・購入時期: 14日以内"),
        ("対象", "全顧客"),
        ("絞り込み", "層: 流行客、キャンペーン利用率が50%以上"),
        ("件数", "1,234"),
        ("作成日時", "2026-11-21 09:05"),
    ],
    "en": [
        ("View", "Trend buyers from campaigns"),
        ("As of", "2026-11-20"),
        ("Thresholds", "buys often: 5 orders or more; buys over a long time: 365 days or more since the first "
                       "order; lapsed: more than 180 days since the latest order; overdue: silence over 1.5 "
                       "times the usual interval; due: expected within 14 days"),
        ("Scope", "all customers"),
        ("Filters", "tier: Trend; 50% or more of the orders used a campaign"),
        ("Rows", "1,234"),
        ("Created", "2026-11-21 09:05"),
    ],
}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_conditions_of_the_campaign_trend_view_read_as_sentences_with_a_percentage(lang):
    rows = conditions_rows(lang=lang, view="trend_from_campaigns", as_of=dt.date(2026, 11, 20),
                           thresholds=Thresholds(), scope=Scope(),
                           filters=READY_VIEWS["trend_from_campaigns"].filters, rows=1234,
                           created=dt.datetime(2026, 11, 21, 9, 5))

    assert rows == CONDITIONS[lang]
    for label, sentence in rows:
        assert not re.search(r"\w=\S", sentence), sentence  # no key=value
        assert "None" not in sentence and "0.5" not in sentence, sentence


# ---------------------------------------------------------------------------------------------
# Thresholds as sentences


@pytest.mark.parametrize(("thresholds", "lang", "expected"), [
    (Thresholds(), "ja",
     ["よく買う: 5回以上", "長く買う: 初回から365日以上", "離脱: 最終購入から180日超",
      "遅延: 平均間隔の1.5倍超・購入時期: 14日以内"]),
    (Thresholds(), "en",
     ["buys often: 5 orders or more", "buys over a long time: 365 days or more since the first order",
      "lapsed: more than 180 days since the latest order",
      "overdue: silence over 1.5 times the usual interval; due: expected within 14 days"]),
    (Thresholds(value_axis="amount", min_amount=50000, min_tenure_days=1000, lapse_days=1200,
                overdue_factor=2, due_window_days=7), "ja",
     ["よく買う: 累計50,000円以上", "長く買う: 初回から1,000日以上", "離脱: 最終購入から1,200日超",
      "遅延: 平均間隔の2倍超・購入時期: 7日以内"]),
    (Thresholds(value_axis="amount", min_amount=50000, min_tenure_days=1000, lapse_days=1200,
                overdue_factor=2, due_window_days=7), "en",
     ["buys often: ¥50,000 spent or more", "buys over a long time: 1,000 days or more since the first order",
      "lapsed: more than 1,200 days since the latest order",
      "overdue: silence over 2 times the usual interval; due: expected within 7 days"]),
    (Thresholds(value_axis="amount", min_amount=DEFAULT_MIN_AMOUNT), "ja",
     ["よく買う: 累計10,000円以上", "長く買う: 初回から365日以上", "離脱: 最終購入から180日超",
      "遅延: 平均間隔の1.5倍超・購入時期: 14日以内"]),
], ids=["orders-ja", "orders-en", "amount-ja", "amount-en", "default-amount-ja"])
def test_thresholds_describe_themselves_in_the_managers_language(thresholds, lang, expected):
    assert thresholds.describe(lang) == expected


# ---------------------------------------------------------------------------------------------
# Numbers in sentences and tiles


@pytest.mark.parametrize(("number", "japanese", "english"), [
    (0, "0", "0"),
    (9_999, "9,999", "9,999"),  # exact below 10,000
    (10_000, "1万", "10k"),
    (152_345, "15.2万", "152k"),
    (1_000_000, "100万", "1M"),
    (-10_000, "-1万", "-10k"),
    (100_000_000, "1億", "100M"),
])
def test_format_count_is_exact_below_ten_thousand_and_compact_from_there(number, japanese, english):
    assert (format_count(number, "ja"), format_count(number, "en")) == (japanese, english)


@pytest.mark.parametrize(("number", "japanese", "english"), [
    (999_950, "100万", "1M"),
    (99_999_999, "1億", "100M"),
])
def test_format_count_rounding_up_to_the_next_unit_shows_that_unit(number, japanese, english):
    assert (format_count(number, "ja"), format_count(number, "en")) == (japanese, english)


@pytest.mark.parametrize(("value", "japanese", "english"), [
    (12_800, "12,800円", "¥12,800"),
    (1_000_000, "1,000,000円", "¥1,000,000"),
])
def test_format_amount_shows_whole_yen_with_the_currency(value, japanese, english):
    assert (format_amount(value, "ja"), format_amount(value, "en")) == (japanese, english)


def test_format_amount_keeps_the_currency_when_the_amount_has_sen():
    assert (format_amount(12_800.5, "ja"), format_amount(12_800.5, "en")) == ("12,800.50円", "¥12,800.50")
