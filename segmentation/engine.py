"""The tier engine's public face: everything a page, the CLI or a script calls, by job.

The rules of `docs/tiers.md` run as SQL over an in-memory copy of the database. The engine is
split by job; each module's docstring says what it owns:

- `periods`: weeks, months and quarters, their indexes, and date arguments;
- `rules`: the tier rules as SQL fragments (`tier_rank_sql`, `tier_at_sql`);
- `analysis`: `Analysis`, the in-memory copy with its build steps and side tables;
- `at_date`: answers at one date (classify, counts, the tier map, suggestions, channels);
- `over_time`: answers over time (counts, revenue, moves, transitions, cohorts).

How it stays fast: everything that does not depend on thresholds is built once per database
state by `Analysis.open`; moving a threshold only re-runs the cheap part, a `CASE` over those
rows. Import from here (`from segmentation.engine import tier_counts`) or from the module.
"""

from __future__ import annotations

from .analysis import Analysis
from .at_date import (
    Suggestion,
    channel_conversion,
    channel_conversion_sql,
    classify,
    classify_sql,
    scope_options,
    slider_ranges,
    suggest_thresholds,
    suggestions_sql,
    tier_counts,
    tier_counts_sql,
    tier_map,
    tier_map_sql,
)
from .over_time import (
    cohort_retention,
    cohort_retention_sql,
    movement_kind,
    movements_over_time,
    movements_sql,
    revenue_over_time,
    revenue_over_time_sql,
    tier_counts_over_time,
    tier_counts_over_time_sql,
    transitions,
    transitions_sql,
)
from .periods import (
    FREQS,
    PeriodRange,
    period_end,
    period_index,
    period_range,
    previous_period_end,
    same_day_a_year_before,
    to_date,
)

__all__ = [
    "Analysis", "FREQS", "PeriodRange", "Suggestion",
    "channel_conversion", "channel_conversion_sql", "classify", "classify_sql", "cohort_retention",
    "cohort_retention_sql", "movement_kind", "movements_over_time", "movements_sql", "period_end",
    "period_index", "period_range", "previous_period_end", "revenue_over_time", "revenue_over_time_sql",
    "same_day_a_year_before", "scope_options", "slider_ranges", "suggest_thresholds", "suggestions_sql",
    "tier_counts", "tier_counts_over_time", "tier_counts_over_time_sql", "tier_counts_sql", "tier_map",
    "tier_map_sql", "to_date", "transitions", "transitions_sql",
]
