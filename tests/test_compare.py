"""Two threshold settings compared (`segmentation.compare` and the CLI's `compare`): the matrix is
classifying twice, on hand-made customers at the thresholds' edges and as a property on random
order sets; the counts per tier and status are its row and column sums; the customers of a move
are exactly those classifying twice puts in that cell; the scope and a staff user's narrowing
hold; the command writes the matrix and names its flags in its errors."""

from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import reference
from conftest import write_db
from segmentation import access, compare, engine, presets
from segmentation.analysis import Analysis
from segmentation.compare import CompareError, Move
from segmentation.scope import Scope
from segmentation.thresholds import DEFAULT_THRESHOLDS, Thresholds
from test_properties import SPAN_DAYS, datasets, days, thresholds

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 3, 31)
SCOPE = Scope(channel=("紹介",), category=("紅茶",))
#: The random order sets of `test_properties.py`, the same examples on every run.
PROPERTIES = settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def ago(days_before: int) -> dt.date:
    return AS_OF - dt.timedelta(days=days_before)


#: Hand-made customers, each at an edge of the thresholds compared below (as of AS_OF):
#: - c_loyal: 5 orders over 400 days, the last 100 days ago;
#: - c_four: 4 orders over 400 days, the last 100 days ago;
#: - c_short: 5 orders over 200 days, the last 10 days ago;
#: - c_first: one order 30 days ago; c_prospect: no order; c_later: created after AS_OF.
CUSTOMERS = [
    ("c_loyal", None, "紹介", "関東", "佐藤"),
    ("c_four", None, "広告", "関東", "佐藤"),
    ("c_short", None, "紹介", "関西", "田中"),
    ("c_first", None, "紹介", "関西", "田中"),
    ("c_prospect", None, "広告", "関東", "田中"),
    ("c_later", dt.datetime(2026, 6, 1), "広告", "関東", "田中"),
]
ORDERS = [
    *[(f"l{n}", "c_loyal", ago(100 + 100 * n), 1000) for n in range(5)],
    *[(f"f{n}", "c_four", ago(100 + 133 * n + (1 if n == 3 else 0)), 1000) for n in range(4)],
    *[(f"s{n}", "c_short", ago(10 + 50 * n), 1000, None, "紅茶") for n in range(5)],
    ("first1", "c_first", ago(30), 1000),
]


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory):
    path = write_db(tmp_path_factory.mktemp("compare") / "hand.duckdb", CUSTOMERS, ORDERS)
    analysis = Analysis.open(path, cache=False)
    yield analysis
    analysis.close()


def cells(frame) -> dict[tuple, int]:
    return {(r.tier_a, r.lapsed_a, r.tier_b, r.lapsed_b): int(r.customers) for r in frame.itertuples(index=False)}


def classified_twice(analysis, a, b, as_of, scope=None) -> Counter:
    """The matrix the slow way: classify under A, classify under B, pair by customer."""
    under_a = engine.classify(analysis, a, as_of, scope).set_index("customer_id")
    under_b = engine.classify(analysis, b, as_of, scope).set_index("customer_id")
    assert set(under_a.index) == set(under_b.index)
    def status(value):
        return None if value is None or pd.isna(value) else bool(value)

    return Counter((under_a.at[c, "tier"], status(under_a.at[c, "lapsed"]), under_b.at[c, "tier"],
                    status(under_b.at[c, "lapsed"])) for c in under_a.index)


# ---------------------------------------------------------------------------------------------
# Hand-made cases


def test_one_more_order_needed_makes_the_five_order_loyal_customer_steady(hand_made):
    matrix = compare.compare(hand_made, DEFAULT_THRESHOLDS, DEFAULT_THRESHOLDS.replace(min_orders=6), AS_OF)

    assert cells(matrix) == {
        ("prospect", None, "prospect", None): 1,
        ("first", False, "first", False): 1,
        ("steady", False, "steady", False): 1,  # c_four: 4 orders, not high under either
        ("trend", False, "nascent", False): 1,  # c_short: 5 orders in 200 days
        ("loyal", False, "steady", False): 1,  # c_loyal
    }


def test_a_customer_is_lapsed_only_when_the_silence_exceeds_the_lapse_days(hand_made):
    # c_loyal and c_four last ordered 100 days ago: active at 100, lapsed at 99.
    matrix = compare.compare(hand_made, DEFAULT_THRESHOLDS.replace(lapse_days=100),
                             DEFAULT_THRESHOLDS.replace(lapse_days=99), AS_OF)

    assert cells(matrix)[("loyal", False, "loyal", True)] == 1
    assert cells(matrix)[("steady", False, "steady", True)] == 1
    assert cells(matrix)[("first", False, "first", False)] == 1  # 30 days: active under both


def test_tenure_at_exactly_the_threshold_is_long(hand_made):
    # c_four's orders span 400 days (the third gap is 134 days).
    matrix = compare.compare(hand_made, DEFAULT_THRESHOLDS.replace(min_orders=4, min_tenure_days=400),
                             DEFAULT_THRESHOLDS.replace(min_orders=4, min_tenure_days=401), AS_OF)

    assert cells(matrix)[("loyal", False, "trend", False)] == 2  # c_loyal and c_four


def test_the_matrix_with_the_same_setting_on_both_sides_is_the_tier_counts_on_the_diagonal(hand_made):
    setting = Thresholds(min_orders=4, min_tenure_days=300, lapse_days=60)
    matrix = compare.compare(hand_made, setting, setting, AS_OF)
    counts = engine.tier_counts(hand_made, setting, AS_OF)

    assert all((r.tier_a, r.lapsed_a) == (r.tier_b, r.lapsed_b) for r in matrix.itertuples())
    assert compare.moves(matrix) == []
    assert {(r.tier_a, r.lapsed_a): r.customers for r in matrix.itertuples()} == {
        (r.tier, r.lapsed): r.customers for r in counts.itertuples() if r.customers}


def test_the_amount_axis_compares_with_the_orders_axis(hand_made):
    by_amount = DEFAULT_THRESHOLDS.replace(value_axis="amount", min_amount=4500)
    matrix = compare.compare(hand_made, DEFAULT_THRESHOLDS, by_amount, AS_OF)

    # c_four spent 4,000: not high by amount either; c_loyal and c_short spent 5,000: high under both.
    assert compare.moves(matrix) == []
    assert cells(matrix) == cells(compare.compare(hand_made, by_amount, DEFAULT_THRESHOLDS, AS_OF))


def test_the_counts_are_the_matrix_row_and_column_sums_for_every_tier_and_status(hand_made):
    matrix = compare.compare(hand_made, DEFAULT_THRESHOLDS, DEFAULT_THRESHOLDS.replace(min_orders=6), AS_OF)
    counts = compare.compare_counts(matrix)

    assert list(counts.columns) == compare.COUNT_COLUMNS
    assert len(counts) == 11  # prospect, and five tiers by two statuses
    by_key = {(r.tier, r.lapsed): (r.customers_a, r.customers_b, r.difference) for r in counts.itertuples()}
    assert by_key[("loyal", False)] == (1, 0, -1)
    assert by_key[("steady", False)] == (1, 2, 1)
    assert by_key[("trend", False)] == (1, 0, -1)
    assert by_key[("nascent", False)] == (0, 1, 1)
    assert counts["difference"].sum() == 0
    assert counts["customers_a"].sum() == counts["customers_b"].sum() == 5  # c_later does not exist yet
    before = engine.tier_counts(hand_made, DEFAULT_THRESHOLDS, AS_OF)
    assert list(counts["customers_a"]) == list(before["customers"])


def test_moves_are_the_cells_that_change_largest_first(hand_made):
    matrix = compare.compare(hand_made, DEFAULT_THRESHOLDS.replace(min_orders=4),
                             DEFAULT_THRESHOLDS.replace(min_orders=6), AS_OF)

    assert compare.moves(matrix) == [(Move("loyal", False, "steady", False), 2),
                                     (Move("trend", False, "nascent", False), 1)]


def test_the_customers_of_a_move_are_exactly_those_in_its_cell(hand_made):
    a, b = DEFAULT_THRESHOLDS.replace(min_orders=4), DEFAULT_THRESHOLDS.replace(min_orders=6)

    total, frame = compare.changers(hand_made, a, b, Move("loyal", False, "steady", False), AS_OF)

    assert total == 2
    assert sorted(frame["customer_id"]) == ["c_four", "c_loyal"]
    assert set(frame["tier"]) == {"steady"}  # the list shows the tier under B
    assert list(frame.columns) == list(compare.LIST_COLUMNS)


def test_the_customers_of_a_cell_without_status_are_the_prospects(hand_made):
    total, frame = compare.changers(hand_made, None, None, Move("prospect", None, "prospect", None), AS_OF)

    assert (total, list(frame["customer_id"])) == (1, ["c_prospect"])


def test_an_empty_cell_lists_nobody(hand_made):
    assert compare.changers(hand_made, None, None, Move("loyal", True, "first", False), AS_OF)[0] == 0


def test_the_export_chunks_hold_the_same_customers_as_the_list(hand_made):
    a, b = DEFAULT_THRESHOLDS.replace(min_orders=4), DEFAULT_THRESHOLDS.replace(min_orders=6)
    move = Move("loyal", False, "steady", False)

    chunks = list(compare.iter_changers(hand_made, a, b, move, AS_OF, columns=("customer_id", "tier"), chunk_rows=1))

    assert [list(chunk.columns) for chunk in chunks] == [["customer_id", "tier"]] * len(chunks)
    assert [cid for chunk in chunks for cid in chunk["customer_id"]] == ["c_four", "c_loyal"]
    with pytest.raises(CompareError, match="Unknown column"):
        list(compare.iter_changers(hand_made, a, b, move, AS_OF, columns=("password",)))


def test_the_scope_narrows_both_sides_alike(hand_made):
    scope = Scope(channel=("紹介",))
    matrix = compare.compare(hand_made, DEFAULT_THRESHOLDS, DEFAULT_THRESHOLDS.replace(min_orders=6), AS_OF, scope)

    assert cells(matrix) == {("first", False, "first", False): 1, ("trend", False, "nascent", False): 1,
                             ("loyal", False, "steady", False): 1}
    total, frame = compare.changers(hand_made, None, DEFAULT_THRESHOLDS.replace(min_orders=6),
                                    Move("trend", False, "nascent", False), AS_OF, Scope(region=("関東",)))
    assert total == 0


def test_a_staff_user_compares_only_their_own_customers(hand_made):
    narrowed = access.restricted_analysis(hand_made, "佐藤")
    try:
        matrix = compare.compare(narrowed, DEFAULT_THRESHOLDS, DEFAULT_THRESHOLDS.replace(min_orders=6), AS_OF)
        total, frame = compare.changers(narrowed, DEFAULT_THRESHOLDS, DEFAULT_THRESHOLDS.replace(min_orders=6),
                                        Move("loyal", False, "steady", False), AS_OF)
    finally:
        narrowed.close()
    assert cells(matrix) == {("loyal", False, "steady", False): 1, ("steady", False, "steady", False): 1}
    assert list(frame["customer_id"]) == ["c_loyal"]


@pytest.mark.parametrize(("cell", "message"), [
    (("gold", False, "loyal", False), "Unknown tier 'gold'"),
    (("prospect", False, "loyal", False), "prospect customer's status must be none"),
    (("loyal", None, "loyal", False), "loyal customer's status must be active or lapsed"),
])
def test_a_cell_that_cannot_exist_is_refused(cell, message):
    with pytest.raises(CompareError, match=message):
        Move(*cell)


def test_a_move_says_itself_in_both_languages():
    move = Move("loyal", False, "steady", True)
    assert move.describe("ja") == "優良客 現役 → こつこつ客 離脱"
    assert move.describe("en") == "Loyal Active → Steady Lapsed"
    assert Move("prospect", None, "first", False).describe("en") == "Prospect → First-time Active"


def test_the_sql_names_each_setting_s_thresholds_apart_and_pastes_no_value():
    a, b = Thresholds(min_orders=4), Thresholds(min_orders=8, lapse_days=90)
    for sql, params in (compare.compare_sql(a, b, SCOPE, AS_OF),
                        compare.changers_sql(a, b, SCOPE, AS_OF, Move("loyal", False, "steady", False))):
        assert set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", sql)) == set(params)
        assert "紹介" not in sql and "紅茶" not in sql
    sql, params = compare.compare_sql(a, b, SCOPE, AS_OF)
    assert (params["a_min_orders"], params["b_min_orders"], params["b_lapse_days"]) == (4, 8, 90)
    assert "min_orders" not in params and "$min_orders" not in sql


# ---------------------------------------------------------------------------------------------
# The property: the matrix is classifying twice


@PROPERTIES
@given(data=datasets(), a=thresholds(), b=thresholds(), as_of=days(-60, SPAN_DAYS + 60))
def test_the_matrix_equals_classifying_twice(data, a, b, as_of):
    customers, orders = data
    under_a = reference.classify(customers, orders, a, as_of)
    under_b = reference.classify(customers, orders, b, as_of)
    expected = Counter((under_a[c].tier, under_a[c].lapsed, under_b[c].tier, under_b[c].lapsed) for c in under_a)
    with tempfile.TemporaryDirectory() as folder:
        analysis = Analysis.open(write_db(Path(folder) / "example.duckdb", customers, orders), cache=False)
        try:
            matrix = compare.compare(analysis, a, b, as_of)
            twice = classified_twice(analysis, a, b, as_of)
            moved = compare.moves(matrix)
            listed = {move: set(compare.changers(analysis, a, b, move, as_of, limit=None)[1]["customer_id"])
                      for move, _ in moved}
        finally:
            analysis.close()
    assert cells(matrix) == dict(expected) == dict(twice)
    for move, customers_moved in listed.items():
        assert customers_moved == {c for c in under_a
                                   if (under_a[c].tier, under_a[c].lapsed) == (move.tier_a, move.lapsed_a)
                                   and (under_b[c].tier, under_b[c].lapsed) == (move.tier_b, move.lapsed_b)}


@PROPERTIES
@given(data=datasets(), a=thresholds(), b=thresholds(), as_of=days(0, SPAN_DAYS))
def test_swapping_the_settings_transposes_the_matrix(data, a, b, as_of):
    customers, orders = data
    with tempfile.TemporaryDirectory() as folder:
        analysis = Analysis.open(write_db(Path(folder) / "example.duckdb", customers, orders), cache=False)
        try:
            forward, backward = compare.compare(analysis, a, b, as_of), compare.compare(analysis, b, a, as_of)
        finally:
            analysis.close()
    assert cells(backward) == {(ta2, la2, ta, la): n for (ta, la, ta2, la2), n in cells(forward).items()}


# ---------------------------------------------------------------------------------------------
# The command line


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "segmentation", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LANG": "C"})


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory) -> Path:
    path = write_db(tmp_path_factory.mktemp("compare_cli") / "hand.duckdb", CUSTOMERS, ORDERS)
    presets.save_preset(path, "厳しめ", Thresholds(min_orders=6))
    return path


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_the_command_writes_the_matrix_rows(cli_db, tmp_path):
    out = tmp_path / "compare.csv"

    result = run_cli("compare", "--db", str(cli_db), "--as-of", AS_OF.isoformat(), "--b-min-orders", "6",
                     "--out", str(out))

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"Wrote 5 rows to {out}."
    assert read_rows(out) == [
        ["tier_a", "lapsed_a", "tier_b", "lapsed_b", "customers"],
        ["prospect", "", "prospect", "", "1"],
        ["first", "false", "first", "false", "1"],
        ["steady", "false", "steady", "false", "1"],
        ["trend", "false", "nascent", "false", "1"],
        ["loyal", "false", "steady", "false", "1"],
    ]


def test_a_preset_is_a_side_and_flags_change_it(cli_db, tmp_path):
    out = tmp_path / "compare.csv"

    result = run_cli("compare", "--db", str(cli_db), "--as-of", AS_OF.isoformat(), "--a-preset", "厳しめ",
                     "--b-preset", "厳しめ", "--b-min-orders", "5", "--channel", "紹介", "--out", str(out))

    assert result.returncode == 0, result.stderr
    assert read_rows(out)[1:] == [["first", "false", "first", "false", "1"],
                                  ["nascent", "false", "trend", "false", "1"],
                                  ["steady", "false", "loyal", "false", "1"]]


@pytest.mark.parametrize(("flags", "message"), [
    (("--a-preset", "ない"), "error: There is no preset “ない” for --a-preset (saved: 厳しめ)."),
    (("--b-min-orders", "1"), "error: --b-min-orders must be between 2 and 1000000, not 1."),
    (("--a-lapse-days", "-5"), "error: --a-lapse-days must be between 0 and 36500, not -5."),
    (("--a-value-axis", "amount", "--a-min-amount", "abc"), "error: --a-min-amount must be a number, not 'abc'."),
])
def test_a_bad_side_is_one_sentence_naming_its_flag(cli_db, tmp_path, flags, message):
    result = run_cli("compare", "--db", str(cli_db), *flags, "--out", str(tmp_path / "x.csv"))

    assert (result.returncode, result.stderr.strip()) == (2, message)
    assert not (tmp_path / "x.csv").exists()


def test_an_amount_axis_without_an_amount_takes_the_suggested_one_and_says_so(cli_db, tmp_path):
    result = run_cli("compare", "--db", str(cli_db), "--b-value-axis", "amount", "--out", str(tmp_path / "x.csv"))

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0].startswith("note: --b-min-amount 10000 (suggested: ")
