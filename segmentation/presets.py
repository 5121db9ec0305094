"""Named threshold presets saved in the database, so a team shares its definitions."""

from __future__ import annotations

import os

from . import schema
from .errors import ThresholdError
from .thresholds import Thresholds

_FIELDS = ("min_orders", "min_tenure_days", "lapse_days", "value_axis", "min_amount",
           "overdue_factor", "due_window_days")


def _name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ThresholdError("A preset needs a name.")
    if len(name.strip()) > 60:
        raise ThresholdError("A preset name can be at most 60 characters long.")
    return name.strip()


def save_preset(db_path: str | os.PathLike, name: str, thresholds: Thresholds, *, wait_seconds: float = 5.0) -> None:
    """Save (or replace) the preset `name`."""
    name = _name(name)
    values = {field: getattr(thresholds, field) for field in _FIELDS}
    with schema.writing(db_path, wait_seconds=wait_seconds, data_changed=False) as con:
        con.execute("DELETE FROM threshold_presets WHERE name = $name", {"name": name})
        con.execute(
            "INSERT INTO threshold_presets VALUES ($name, $min_orders, $min_tenure_days, $lapse_days, "
            "$value_axis, $min_amount, $overdue_factor, $due_window_days, current_timestamp)",
            {"name": name, **values},
        )


def delete_preset(db_path: str | os.PathLike, name: str, *, wait_seconds: float = 5.0) -> None:
    with schema.writing(db_path, wait_seconds=wait_seconds, data_changed=False) as con:
        con.execute("DELETE FROM threshold_presets WHERE name = $name", {"name": _name(name)})


def list_presets(db_path: str | os.PathLike, *, wait_seconds: float = 5.0) -> dict[str, Thresholds]:
    """Every saved preset by name, in name order."""
    with schema.reading(db_path, wait_seconds=wait_seconds) as con:
        rows = con.execute(
            f"SELECT name, {', '.join(_FIELDS)} FROM threshold_presets ORDER BY name"
        ).fetchall()
    return {row[0]: Thresholds(**dict(zip(_FIELDS, row[1:]))) for row in rows}
