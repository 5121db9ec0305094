"""Answers kept beside the database for the next start (`segmentation/kept_answers.py`): read back
exactly as they were computed, only for the same data and code, never an error."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation import customers, engine, kept_answers
from segmentation.analysis import Analysis
from segmentation.at_date import Suggestion
from segmentation.scope import Scope
from segmentation.thresholds import Thresholds


def assert_same(expected, actual) -> None:
    """Equal, and of the same types all the way down (`kept_answers.same`, itself tested below)."""
    assert kept_answers.same(expected, actual), (expected, actual)


@pytest.mark.parametrize("expected, actual", [
    (1, 1.0), (1, True), ((1,), [1]), ({"a": 1, "b": 2}, {"b": 2, "a": 1}), (float("nan"), 0.0),
    (pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1.0]})),
    (pd.DataFrame({"a": pd.Series(["x", None], dtype=object)}), pd.DataFrame({"a": pd.Series(["x", np.nan], dtype=object)})),
    (pd.DataFrame({"a": pd.Series([[1]], dtype=object)}), pd.DataFrame({"a": pd.Series([np.array([1])], dtype=object)})),
    (Suggestion("min_orders", 5, "k", {}), Suggestion("min_orders", 5.0, "k", {})),
], ids=["int-float", "int-bool", "tuple-list", "key-order", "nan", "frame-dtype", "none-nan", "list-array", "suggestion"])
def test_same_tells_apart_what_would_not_come_back_as_it_was(expected, actual):
    assert not kept_answers.same(expected, actual)
    assert kept_answers.same(expected, expected)


def round_trip(value):
    return kept_answers.decode(kept_answers.encode(value))


def first_page_answers(analysis: Analysis) -> dict[str, object]:
    """What the first page asks, as the engine answers it (the dashboard's cached calls wrap these)."""
    as_of = analysis.default_as_of()
    scope = Scope()
    suggestions = engine.suggest_thresholds(analysis, as_of=as_of, scope=scope)
    return {
        "slider_ranges": engine.slider_ranges(analysis),
        "scope_options": engine.scope_options(analysis),
        "suggest_thresholds": suggestions,
        "tier_counts": engine.tier_counts(analysis, Thresholds(), as_of=as_of, scope=scope),
        "tier_counts_amount": engine.tier_counts(analysis, Thresholds(value_axis="amount", min_amount=20_000),
                                                 as_of="2025-12-31", scope=Scope(channel=("紹介",))),
        "tier_map": engine.tier_map(analysis, Thresholds(), as_of=as_of, scope=scope, orders_cap=30),
        "ready_view_counts": customers.ready_view_counts(analysis, Thresholds(), as_of=as_of, scope=scope),
    }


def test_the_first_pages_answers_come_back_exactly(demo_analysis):
    for name, answer in first_page_answers(demo_analysis).items():
        assert_same(answer, round_trip(answer)), name


def test_an_empty_frame_and_one_of_nulls_come_back_exactly():
    frames = [
        pd.DataFrame({"tier": pd.Series([], dtype=object), "customers": pd.Series([], dtype="int64")}),
        pd.DataFrame({"lapsed": pd.Series([True, False], dtype=object), "share": [np.nan, 0.5]}),
        pd.DataFrame({"lapsed": pd.Series([None, True], dtype=object), "amount": [Decimal("1.50"), None],
                      "day": [dt.date(2026, 1, 31), None]}),
    ]
    for frame in frames:
        assert_same(frame, round_trip(frame))


scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True),
                    st.text(), st.dates(), st.decimals(allow_nan=False, allow_infinity=False, places=2))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=4).map(tuple),
    st.dictionaries(st.one_of(st.text(), st.integers()), inner, max_size=4)), max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(value=values)
def test_every_value_of_a_kept_kind_comes_back_as_it_was(value):
    assert_same(value, round_trip(value))


@pytest.mark.parametrize("value", [np.int64(3), object(), {1, 2}, dt.datetime(2026, 1, 1), [np.float32(1)]])
def test_a_value_of_another_kind_is_not_kept(value):
    with pytest.raises(kept_answers.Unkeepable):
        kept_answers.encode(value)


@pytest.fixture
def db(demo_db, tmp_path):
    copy = tmp_path / "shop.duckdb"
    shutil.copyfile(demo_db, copy)
    return copy


def test_answers_are_read_back_for_the_same_data_only(db):
    first = Analysis.open(db)
    answers = {"tier_counts(thresholds=Thresholds())": engine.tier_counts(first, Thresholds()), "odd": np.int64(1)}
    assert kept_answers.save(db, first.store_key, answers)
    assert kept_answers.answers_path(db).stat().st_mode & 0o777 == db.stat().st_mode & 0o777

    again = Analysis.open(db)  # a restart: the analysis cache, the same key
    read = kept_answers.load(db, again.store_key)
    assert list(read) == ["tier_counts(thresholds=Thresholds())"]  # the kind not kept was left out
    assert_same(answers["tier_counts(thresholds=Thresholds())"], read["tier_counts(thresholds=Thresholds())"])

    assert kept_answers.load(db, first.store_key.replace('"data_version": ', '"data_version": 1')) == {}
    assert kept_answers.load(db, None) == {}
    assert Analysis.open(db, cache=False).store_key is None
    first.close(), again.close()


def test_answers_of_other_code_are_passed_over(db, monkeypatch):
    analysis = Analysis.open(db)
    assert kept_answers.save(db, analysis.store_key, {"a": 1})
    assert kept_answers.load(db, analysis.store_key) == {"a": 1}
    monkeypatch.setattr(kept_answers, "package_digest", lambda: "an edited engine")
    assert kept_answers.load(db, analysis.store_key) == {}


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"format": 1}', b"\xff\xfe", b'[1, 2]'])
def test_a_damaged_file_is_passed_over(db, content):
    analysis = Analysis.open(db)
    kept_answers.answers_path(db).write_bytes(content)
    assert kept_answers.load(db, analysis.store_key) == {}


def test_a_file_that_cannot_be_written_leaves_the_old_one(db, monkeypatch):
    analysis = Analysis.open(db)
    assert kept_answers.save(db, analysis.store_key, {"a": 1})

    def refuse(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    assert not kept_answers.save(db, analysis.store_key, {"a": 2})
    assert kept_answers.load(db, analysis.store_key) == {"a": 1}
    assert [p.name for p in db.parent.iterdir() if ".tmp-" in p.name] == []


def write_answers(db, source: str, answers: dict) -> None:
    """A file with a valid header and digest around `answers` (encoded values, as written)."""
    import json

    kept_answers.answers_path(db).write_text(json.dumps({
        "format": kept_answers.FORMAT, "source": source, "code": kept_answers.package_digest(),
        "digest": kept_answers.answers_digest(answers), "answers": answers}), encoding="utf-8")


@pytest.mark.parametrize("answers", [
    {"a": {"decimal": "abc"}},  # not a number
    {"a": {"date": "2026-13-45"}},
    {"a": {"frame": ["bm90IGFycm93", []]}},  # not an Arrow stream
    {"a": {"what": 1}},  # an unknown kind
    {"a": {"tuple": 5}},
    [],  # not a mapping of answers
], ids=["decimal", "date", "arrow", "kind", "tuple", "list"])
def test_damaged_answers_behind_a_valid_header_are_passed_over(db, answers):
    analysis = Analysis.open(db)
    write_answers(db, analysis.store_key, {"a": {"list": [{"list": []}]}, "b": "x"})
    assert kept_answers.load(db, analysis.store_key) == {"a": [[]], "b": "x"}  # the header is right

    write_answers(db, analysis.store_key, answers)
    assert kept_answers.load(db, analysis.store_key) == {}


def test_a_deeply_nested_file_is_passed_over(db):
    analysis = Analysis.open(db)
    deep = "[" * 100_000 + "]" * 100_000
    kept_answers.answers_path(db).write_text(
        '{"format": 1, "source": %s, "answers": %s}' % (__import__("json").dumps(analysis.store_key), deep))
    assert kept_answers.load(db, analysis.store_key) == {}


def test_an_answer_changed_in_the_file_is_not_read(db):
    analysis = Analysis.open(db)
    assert kept_answers.save(db, analysis.store_key, {"ready": {"due_this_week": 12}})
    path = kept_answers.answers_path(db)
    path.write_text(path.read_text(encoding="utf-8").replace("12", "13"), encoding="utf-8")
    assert kept_answers.load(db, analysis.store_key) == {}


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"mixed": pd.Series([1, "a"], dtype=object)}),  # Arrow holds one type per column
    pd.DataFrame([[1, 2]], columns=["a", "a"]),  # two columns of one name
    pd.DataFrame({1: [1, 2]}),  # a column name that is not text
    pd.DataFrame({"name": pd.Series(["a", None], dtype=object)}),  # None would come back as NaN
    pd.DataFrame({"cells": pd.Series([[1], [2]], dtype=object)}),  # lists would come back as arrays
], ids=["mixed", "duplicate", "number", "text-none", "lists"])
def test_a_frame_that_would_not_come_back_exactly_is_left_out(db, frame):
    analysis = Analysis.open(db)
    assert kept_answers.save(db, analysis.store_key, {"frame": frame, "other": (1, "b")})
    assert kept_answers.load(db, analysis.store_key) == {"other": (1, "b")}
