"""The rules by which `segmentation.values` reads one column of an imported file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.values import parse_amounts, parse_dates

D = dt.date


def one_date(text):
    values, bad = parse_dates(pd.Series([text], dtype=object))
    return values.iloc[0], bool(bad.iloc[0])


def one_amount(text):
    values, bad = parse_amounts(pd.Series([text], dtype=object))
    return values.iloc[0], bool(bad.iloc[0])


DATES = [
    # western forms
    ("2024-03-05", D(2024, 3, 5)),
    ("2024/3/5", D(2024, 3, 5)),
    ("2024.3.5", D(2024, 3, 5)),
    ("2024年3月5日", D(2024, 3, 5)),
    ("2024年03月05日", D(2024, 3, 5)),
    ("20240305", D(2024, 3, 5)),
    ("  2024-03-05  ", D(2024, 3, 5)),
    # full width, read after NFKC
    ("２０２４／３／５", D(2024, 3, 5)),
    ("２０２４年３月５日", D(2024, 3, 5)),
    ("\u30002024-03-05\u3000", D(2024, 3, 5)),
    # 29 February
    ("2024-02-29", D(2024, 2, 29)),
    ("2000-02-29", D(2000, 2, 29)),
    # Japanese eras
    ("R6.3.5", D(2024, 3, 5)),
    ("R06/03/05", D(2024, 3, 5)),
    ("r6-3-5", D(2024, 3, 5)),
    ("令和6年3月5日", D(2024, 3, 5)),
    ("令和元年5月1日", D(2019, 5, 1)),
    ("R1.5.1", D(2019, 5, 1)),
    ("R元.5.1", D(2019, 5, 1)),
    ("㋿6年3月5日", D(2024, 3, 5)),
    ("平成元年1月8日", D(1989, 1, 8)),
    ("H1.1.8", D(1989, 1, 8)),
    ("H31.4.30", D(2019, 4, 30)),
    ("平成31年4月30日", D(2019, 4, 30)),
    ("H12.2.29", D(2000, 2, 29)),
    ("昭和元年12月25日", D(1926, 12, 25)),
    ("S1.12.25", D(1926, 12, 25)),
    ("S64.1.7", D(1989, 1, 7)),
    ("昭和64年1月7日", D(1989, 1, 7)),
    # Excel serial numbers
    ("45356", D(2024, 3, 5)),
    ("45356.75", D(2024, 3, 5)),
    ("20000", D(1954, 10, 3)),
    ("80000", D(2119, 1, 11)),
    ("４５３５６", D(2024, 3, 5)),
    # timestamps: the date as written
    ("2024-03-05 23:30", D(2024, 3, 5)),
    ("2024-03-05 23:30:00", D(2024, 3, 5)),
    ("2024-03-05T23:30:00+09:00", D(2024, 3, 5)),
    ("2024/03/05 23:30:00 +0900", D(2024, 3, 5)),
    ("2024-03-05T14:30:00Z", D(2024, 3, 5)),
    ("2024-03-05T23:30:00-05:00", D(2024, 3, 5)),
    ("2024-03-05T00:30:00+14:00", D(2024, 3, 5)),
    ("2024-03-05T23:59:59.123456Z", D(2024, 3, 5)),
    ("2024/3/5 0:00", D(2024, 3, 5)),
]

BAD_DATES = [
    "2024-02-30",
    "2023-02-29",
    "1900-02-29",
    "2024-13-01",
    "2024-00-10",
    "20230229",
    "yesterday",
    "2024-3/5",
    "2024/03/05/",
    "24-03-05",
    "H31.5.1",
    "平成31年5月1日",
    "R1.4.30",
    "令和元年4月30日",
    "H1.1.7",
    "S64.1.8",
    "S1.12.24",
    "R0.5.1",
    "X6.3.5",
    "19999",
    "80001",
    "12345",
    "123456",
    "2024-03-05 24:00",
    "2024-03-05 23:60",
    "2024-03-05T23:30:00+0930x",
    "2024-03-05 soon",
    "20240305 23:30",
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_a_date_written_in_any_accepted_form_is_read_as_the_calendar_date_written(text, expected):
    assert one_date(text) == (expected, False)


@pytest.mark.parametrize("text", BAD_DATES)
def test_a_date_that_is_not_real_or_not_in_an_accepted_form_is_none_and_bad(text):
    assert one_date(text) == (None, True)


@pytest.mark.parametrize("text", [None, "", "   ", "\u3000", float("nan")])
def test_an_empty_date_is_none_and_not_bad(text):
    assert one_date(text) == (None, False)


def test_dates_come_back_row_by_row_with_the_index_of_the_column():
    column = pd.Series(["2024-03-05", None, "nope", "R6.3.5", "2024-03-05"], index=[10, 11, 12, 13, 14])
    values, bad = parse_dates(column)
    assert list(values.index) == list(bad.index) == [10, 11, 12, 13, 14]
    assert list(values) == [D(2024, 3, 5), None, None, D(2024, 3, 5), D(2024, 3, 5)]
    assert list(bad) == [False, False, True, False, False]
    assert bad.dtype == bool


def test_a_million_rows_of_two_thousand_distinct_dates_are_parsed_through_their_distinct_values():
    distinct = [(D(2020, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(2000)]
    column = pd.Series(distinct * 500)
    values, bad = parse_dates(column)
    assert len(values) == len(bad) == 1_000_000
    assert not bad.any()
    assert values.iloc[-1] == D(2020, 1, 1) + dt.timedelta(days=1999)


def era_year(date):
    return date.year - 2018


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31)))
def test_every_date_from_1990_to_2100_written_in_each_form_parses_back_to_itself(date):
    y, m, d = date.year, date.month, date.day
    forms = [date.isoformat(), f"{y}/{m}/{d}", f"{y}年{m}月{d}日", f"{y:04d}{m:02d}{d:02d}"]
    if date >= D(2019, 5, 1):
        forms.append(f"R{era_year(date)}.{m}.{d}")
    values, bad = parse_dates(pd.Series(forms))
    assert list(values) == [date] * len(forms)
    assert not bad.any()


AMOUNTS = [
    ("1234", Decimal("1234")),
    ("1,234", Decimal("1234")),
    ("¥1,234", Decimal("1234")),
    ("￥1,234", Decimal("1234")),
    ("1,234円", Decimal("1234")),
    ("¥ 1,234", Decimal("1234")),
    ("1,234 円", Decimal("1234")),
    ("1234.5", Decimal("1234.5")),
    ("1,234.56", Decimal("1234.56")),
    ("0.01", Decimal("0.01")),
    ("0", Decimal("0")),
    ("１，２３４", Decimal("1234")),
    ("１２３４円", Decimal("1234")),
    ("  1,234  ", Decimal("1234")),
    ("1,234,567", Decimal("1234567")),
    ("123", Decimal("123")),
    ("-1,234", Decimal("-1234")),
    ("−1,234", Decimal("-1234")),
    ("△1,234", Decimal("-1234")),
    ("▲1,234", Decimal("-1234")),
    ("(1,234)", Decimal("-1234")),
    ("(¥1,234)", Decimal("-1234")),
    ("（１，２３４）", Decimal("-1234")),
    ("-¥1,234", Decimal("-1234")),
    ("¥-1,234", Decimal("-1234")),
    ("-1234.5", Decimal("-1234.5")),
    ("△1,234円", Decimal("-1234")),
]

BAD_AMOUNTS = [
    "1.234",
    "1234.567",
    "12,80",
    "12,80x",
    "1,2345",
    "1234,567",
    ",123",
    "1,234,",
    "1.",
    ".5",
    "abc",
    "¥",
    "-",
    "¥1,234円",
    "(1,234",
    "1,234)",
    "(-1,234)",
    "--1,234",
    "1 234",
    "1e3",
]


@pytest.mark.parametrize(("text", "expected"), AMOUNTS)
def test_an_amount_in_any_accepted_form_is_read_as_an_exact_decimal(text, expected):
    value, bad = one_amount(text)
    assert (value, bad) == (expected, False)
    assert isinstance(value, Decimal)


@pytest.mark.parametrize("text", BAD_AMOUNTS)
def test_an_amount_with_more_than_two_decimals_misgrouped_thousands_or_stray_marks_is_none_and_bad(text):
    assert one_amount(text) == (None, True)


@pytest.mark.parametrize("text", [None, "", "  "])
def test_an_empty_amount_is_none_and_not_bad(text):
    assert one_amount(text) == (None, False)


def test_amounts_come_back_row_by_row_with_the_index_of_the_column():
    column = pd.Series(["1,234", None, "12,80", "△5"], index=list("abcd"))
    values, bad = parse_amounts(column)
    assert list(values.index) == list(bad.index) == list("abcd")
    assert list(values) == [Decimal(1234), None, None, Decimal(-5)]
    assert list(bad) == [False, False, True, False]


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_every_integer_amount_written_with_thousands_separators_and_yen_marks_parses_back(number):
    forms = [f"{number:,}", f"¥{number:,}", f"{number:,}円", f"￥{number:,}"]
    values, bad = parse_amounts(pd.Series(forms))
    assert list(values) == [Decimal(number)] * len(forms)
    assert not bad.any()


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**15), st.sampled_from(["", ".5", ".05", ".10"]))
def test_a_negative_written_with_a_triangle_equals_the_minus_form(number, fraction):
    values, bad = parse_amounts(pd.Series([f"△{number:,}{fraction}", f"-{number:,}{fraction}"]))
    assert values.iloc[0] == values.iloc[1] < 0
    assert not bad.any()
