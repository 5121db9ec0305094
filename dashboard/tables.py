"""Tables and figures as a manager reads them: a missing value is an empty cell, never "None";
figures set side by side use a type small enough to show in full.

`st.dataframe` writes "None" in a cell without a value (a customer never contacted, a
first-time buyer's next order date). `blank_missing` turns date and time columns into ISO text
(empty where missing) and missing text into empty text; numbers keep their type so their
formats and sorting still work.
"""

from __future__ import annotations

import re

import pandas as pd


def blank_missing(frame: pd.DataFrame, *, with_time: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy of `frame` for display; columns named in `with_time` keep hours and minutes."""
    shown = frame.copy()
    for name in shown.columns:
        column = shown[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            pattern = "%Y-%m-%d %H:%M" if name in with_time else "%Y-%m-%d"
            shown[name] = column.dt.strftime(pattern).fillna("").astype(object)
        elif column.dtype == object or pd.api.types.is_string_dtype(column):
            shown[name] = column.astype(object).where(column.notna(), "")
    return shown


def smaller_figures(container_class: str, top_edges: dict[str, str] | None = None) -> None:
    """Metrics inside the containers whose class starts with `container_class` (a container's
    `key` becomes the class `st-key-<key>`) use a smaller type than a lone metric, so six tiles
    or four figures side by side show their values in full. `top_edges`: a coloured top edge for
    the container `container_class + suffix`, by suffix (the overview's tiles in their tier's
    colour). Constant CSS: no data in it (the colours are the palette's, checked here)."""
    import streamlit as st

    if not re.fullmatch(r"[A-Za-z0-9_-]+", container_class):
        raise ValueError(f"not a container class: {container_class!r}")
    rules = [f"[class*='{container_class}'] [data-testid='stMetricValue'] {{font-size: 1.6rem;}}"]
    for suffix, colour in (top_edges or {}).items():
        if not re.fullmatch(r"[a-z_]+", suffix) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
            raise ValueError(f"not a palette entry: {suffix!r}: {colour!r}")
        rules.append(f".{container_class}{suffix} {{border-top: 6px solid {colour};}}")
    st.html("<style>" + " ".join(rules) + "</style>")
