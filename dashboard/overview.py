"""What the overview page shows, read through the cached calls: the page draws it, and
`dashboard.serve` computes it ahead for the view a fresh session starts with, so the first
page after a start finds it ready."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from segmentation.analysis import Analysis
from segmentation.at_date import SLIDER_FLOORS
from segmentation.periods import previous_period_end

from . import actions, data
from .urlstate import View


@dataclass(frozen=True)
class Figures:
    as_of: dt.date
    previous: dt.date  # the end of the month before, for the tiles' changes
    counts: pd.DataFrame  # tier_counts at as_of
    before: pd.DataFrame  # tier_counts at previous
    cells: pd.DataFrame  # the tier map's cells, as far up as the minimum-orders slider reaches
    ready: dict[str, int]  # how many customers each ready-made view holds ("act now")


def figures(analysis: Analysis, view: View) -> Figures:
    """Every answer before the page draws anything: while the queries run the browser has
    nothing new to draw (bench/RESULTS.md has the measurements)."""
    thresholds, scope = view.thresholds, view.scope
    as_of = analysis.resolve_as_of(view.as_of)
    previous = previous_period_end(as_of, "month")
    orders_cap = (view.slider_ranges or SLIDER_FLOORS)["min_orders"][1]
    return Figures(
        as_of=as_of,
        previous=previous,
        counts=data.tier_counts(analysis, thresholds, as_of=as_of, scope=scope),
        before=data.tier_counts(analysis, thresholds, as_of=previous, scope=scope),
        cells=data.tier_map(analysis, thresholds, as_of=as_of, scope=scope, orders_cap=orders_cap),
        ready=actions.ready_counts(view, analysis, as_of),
    )
