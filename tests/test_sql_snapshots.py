"""The SQL the engine runs, kept as snapshot files so a change of rule is reviewed as a diff.

Values never appear in the text (they travel as parameters), so one snapshot per builder and
variant covers every threshold. A missing or changed snapshot fails. After a deliberate change,
rewrite them and review the diff:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_sql_snapshots.py
    git diff tests/sql/
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from segmentation import analysis, customers, engine, period_tables
from segmentation.filters import CustomerFilters
from segmentation.periods import PeriodRange
from segmentation.scope import Scope
from segmentation.thresholds import Thresholds

SNAPSHOTS = Path(__file__).parent / "sql"
SCOPE = Scope(channel=("紹介",), category=("紅茶",))
THRESHOLDS = Thresholds(min_orders=4, min_tenure_days=300, lapse_days=120)
AS_OF = dt.date(2026, 3, 31)
MONTHS = PeriodRange("month", 24290, 24325)
WEEKS = PeriodRange("week", 6500, 6600)
QUARTERS = PeriodRange("quarter", 8090, 8100)
FILTERS = CustomerFilters(tiers=("loyal",), status="active", search="zzq検索", no_contact_days=30)

#: Builders that return (sql, params).
QUERIES = {
    "classify": lambda: engine.classify_sql(THRESHOLDS, None, AS_OF),
    "tier_counts": lambda: engine.tier_counts_sql(THRESHOLDS, None, AS_OF),
    "tier_counts_scoped": lambda: engine.tier_counts_sql(THRESHOLDS, SCOPE, AS_OF),
    "tier_counts_over_time_month": lambda: engine.tier_counts_over_time_sql(THRESHOLDS, None, MONTHS),
    "tier_counts_over_time_month_aggregated": lambda: engine.tier_counts_over_time_sql(
        THRESHOLDS, None, MONTHS, aggregated=True),
    "tier_counts_over_time_week_scoped": lambda: engine.tier_counts_over_time_sql(THRESHOLDS, SCOPE, WEEKS),
    "revenue_over_time_quarter": lambda: engine.revenue_over_time_sql(THRESHOLDS, None, QUARTERS),
    "movements_month": lambda: engine.movements_sql(THRESHOLDS, None, MONTHS),
    "transitions": lambda: engine.transitions_sql(THRESHOLDS, None, dt.date(2025, 3, 31), AS_OF),
    "tier_map": lambda: engine.tier_map_sql(THRESHOLDS, None, AS_OF, tenure_bin_days=30, orders_cap=30,
                                            amount_bins_per_decade=4),
    "channel_conversion": lambda: engine.channel_conversion_sql(THRESHOLDS, None, AS_OF),
    "suggestions": lambda: engine.suggestions_sql(None, AS_OF),
    "cohort_retention_scoped": lambda: engine.cohort_retention_sql(SCOPE, AS_OF, dt.date(2024, 4, 1)),
    "tier_history": lambda: customers.tier_history_sql(THRESHOLDS, "0000042", AS_OF),
    "customer_list": lambda: customers.list_sql(THRESHOLDS, SCOPE, AS_OF, FILTERS),
    "customer_page": lambda: customers.page_sql(customers.list_sql(THRESHOLDS, None, AS_OF, CustomerFilters()),
                                                "amount", limit=100, offset=200),
}

#: Statements without parameters: the build of `Analysis.open` and the period tables.
STATEMENTS = {
    **{f"build_{step.name}": (lambda step=step: step.run)
       for step in (*analysis.COPY_STEPS, *analysis.MEMORY_STEPS) if isinstance(step.run, str)},
    **{f"span_{freq}": (lambda freq=freq: ";\n".join(period_tables.span_statements(freq)))
       for freq in ("week", "month", "quarter")},
    **{f"activity_{freq}": (lambda freq=freq: period_tables.activity_statement(freq))
       for freq in ("week", "month", "quarter")},
}

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def normalise(sql: str) -> str:
    return "\n".join(line.rstrip() for line in sql.strip().splitlines() if line.strip()) + "\n"


def snapshot_text(name: str) -> str:
    if name in QUERIES:
        sql, params = QUERIES[name]()
        return f"-- parameters: {', '.join(sorted(params))}\n" + normalise(sql)
    return normalise(STATEMENTS[name]())


@pytest.mark.parametrize("name", [*QUERIES, *STATEMENTS])
def test_generated_sql_matches_its_snapshot(name):
    text = snapshot_text(name)
    path = SNAPSHOTS / f"{name}.sql"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{name}: no snapshot {path.name}; write it with UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name}: the SQL changed; review it and UPDATE_SNAPSHOTS=1"


def test_every_snapshot_file_belongs_to_a_builder():
    known = {f"{name}.sql" for name in (*QUERIES, *STATEMENTS)}
    stray = sorted(path.name for path in SNAPSHOTS.glob("*.sql") if path.name not in known)
    assert not stray, f"snapshots without a builder (remove them): {stray}"


@pytest.mark.parametrize("name", list(QUERIES))
def test_a_builder_returns_exactly_the_parameters_its_sql_names(name):
    sql, params = QUERIES[name]()
    assert set(_PARAMETER.findall(sql)) == set(params)


@pytest.mark.parametrize("name", list(QUERIES))
def test_no_value_is_pasted_into_the_sql(name):
    sql, params = QUERIES[name]()
    for value in ("紹介", "紅茶", "zzq検索", "0000042"):
        assert value not in sql, f"{name} holds the value {value!r}"


def test_a_missing_snapshot_fails_rather_than_being_written(tmp_path, monkeypatch):
    monkeypatch.setitem(globals(), "SNAPSHOTS", tmp_path)
    monkeypatch.delenv("UPDATE_SNAPSHOTS", raising=False)
    with pytest.raises(AssertionError, match="no snapshot"):
        test_generated_sql_matches_its_snapshot("classify")
    assert not (tmp_path / "classify.sql").exists()
