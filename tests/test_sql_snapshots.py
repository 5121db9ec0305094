"""The SQL the engine runs, kept as snapshot files so a change of rule is reviewed as a diff.

Values never appear in the text (they travel as parameters), so one snapshot per builder and
variant covers every threshold. Rewrite with `UPDATE_SNAPSHOTS=1 pytest tests/test_sql_snapshots.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from segmentation import customers, engine
from segmentation.scope import Scope

SNAPSHOTS = Path(__file__).parent / "sql"
SCOPED = Scope(channel=("紹介",), category=("紅茶",)).sql()[0]

BUILDERS = {
    "classify": lambda: engine.classify_sql(),
    "tier_counts": lambda: engine.tier_counts_sql(),
    "tier_counts_over_time_month": lambda: engine.tier_counts_over_time_sql("month"),
    "tier_counts_over_time_month_aggregated": lambda: engine.tier_counts_over_time_sql("month", aggregated=True),
    "tier_counts_over_time_week_scoped": lambda: engine.tier_counts_over_time_sql("week", SCOPED),
    "revenue_over_time_quarter": lambda: engine.revenue_over_time_sql("quarter"),
    "movements_month": lambda: engine.movements_sql("month"),
    "transitions": lambda: engine.transitions_sql(),
    "tier_map": lambda: engine.tier_map_sql(),
    "channel_conversion": lambda: engine.channel_conversion_sql(),
    "suggestions": lambda: engine.suggestions_sql(),
    "customer_list": lambda: customers._list_sql("TRUE", customers.filters_sql(
        customers.CustomerFilters(tiers=("loyal",), status="active", search="zzq検索"))[0], needs_profile=True),
    "customer_page": lambda: customers._page_sql("SELECT * FROM list", customers.SORTS["amount"]),
}


def normalise(sql: str) -> str:
    return "\n".join(line.rstrip() for line in sql.strip().splitlines() if line.strip()) + "\n"


@pytest.mark.parametrize("name", list(BUILDERS))
def test_generated_sql_matches_its_snapshot(name):
    sql = normalise(BUILDERS[name]())
    path = SNAPSHOTS / f"{name}.sql"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        path.write_text(sql, encoding="utf-8")
    assert sql == path.read_text(encoding="utf-8"), f"{name}: the SQL changed; review and UPDATE_SNAPSHOTS=1"


def test_no_value_is_pasted_into_the_sql():
    for name, build in BUILDERS.items():
        sql = build()
        for value in ("紹介", "紅茶", "zzq検索"):
            assert value not in sql, f"{name} holds the value {value!r}"
