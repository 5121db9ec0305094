"""Named threshold presets saved in the database, so a team shares its definitions."""

from __future__ import annotations

import os

from . import schema
from .errors import ThresholdError
from .text_checks import control_name, first_control, shortened
from .thresholds import Thresholds

_FIELDS = ("min_orders", "min_tenure_days", "lapse_days", "value_axis", "min_amount",
           "overdue_factor", "due_window_days")


def _name(name: str) -> str:
    """The name, trimmed; one line of at most 60 characters (a longer one, or one holding a
    control character, is refused with the name quoted)."""
    if not isinstance(name, str) or not name.strip():
        raise ThresholdError("A preset needs a name.")
    name = name.strip()
    if len(name) > 60:
        raise ThresholdError(f"The preset name “{shortened(name)}” is too long: a preset name can be at most "
                             "60 characters long.")
    control = first_control(name)
    if control is not None:
        raise ThresholdError(f"The preset name “{shortened(name)}” holds a control character, "
                             f"{control_name(control)}: a preset name is one line of text.")
    return name


def save_preset(db_path: str | os.PathLike, name: str, thresholds: Thresholds, *, wait_seconds: float = 5.0) -> None:
    """Save (or replace) the preset `name` (in a database that exists: a `DatabaseFault` otherwise)."""
    name = _name(name)
    values = {field: getattr(thresholds, field) for field in _FIELDS}
    with schema.writing(db_path, wait_seconds=wait_seconds, data_changed=False, create=False) as con:
        con.execute("DELETE FROM threshold_presets WHERE name = $name", {"name": name})
        con.execute(
            "INSERT INTO threshold_presets VALUES ($name, $min_orders, $min_tenure_days, $lapse_days, "
            "$value_axis, $min_amount, $overdue_factor, $due_window_days, current_timestamp)",
            {"name": name, **values},
        )


def delete_preset(db_path: str | os.PathLike, name: str, *, wait_seconds: float = 5.0) -> None:
    with schema.writing(db_path, wait_seconds=wait_seconds, data_changed=False, create=False) as con:
        con.execute("DELETE FROM threshold_presets WHERE name = $name", {"name": _name(name)})


def list_presets(db_path: str | os.PathLike, *, wait_seconds: float = 5.0) -> dict[str, Thresholds]:
    """Every saved preset by name, in name order."""
    with schema.reading(db_path, wait_seconds=wait_seconds) as con:
        rows = con.execute(
            f"SELECT name, {', '.join(_FIELDS)} FROM threshold_presets ORDER BY name"
        ).fetchall()
    return {row[0]: Thresholds(**dict(zip(_FIELDS, row[1:]))) for row in rows}
