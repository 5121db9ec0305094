"""What the `segmentation` command writes: CSV files with rounded numbers, true/false statuses
and a total row order, and the command line's own error (`CliError`).
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import pandas as pd

from .errors import CataloguedError
from .texts import text
from .rules import display_order


class CliError(CataloguedError):
    """A problem with the command line itself (a missing --db, an unwritable output), named by
    its sentence in the text catalogue so it can be said in the user's language."""


# ---------------------------------------------------------------------------------------------
# CSV output: rounded numbers, a total row order


AMOUNT_COLUMNS = ("amount", "revenue", "amount_per_customer", "average_order_value")


def decimal_places(column: str) -> int | None:
    """Decimal places a column is written with, or None to write it as it is."""
    if column in AMOUNT_COLUMNS:
        return 2
    if column == "share" or column.endswith("_share"):
        return 4
    if column == "interval_days":
        return 1
    return None


def rounded(value: Any, places: int) -> str:
    """`value` rounded to `places`, without trailing zeros: 12800, 12800.5, 0.5022; empty when missing."""
    if value is None or pd.isna(value):
        return ""
    written = f"{float(value):.{places}f}".rstrip("0").rstrip(".")
    return "0" if written in ("", "-0") else written


def bool_text(value) -> str:
    if value is None or (not isinstance(value, bool) and pd.isna(value)):
        return ""
    return "true" if value else "false"


def sorted_rows(frame: pd.DataFrame, keys: Sequence[str], descending: Sequence[str] = ()) -> pd.DataFrame:
    """The rows in the order of `keys` (all key columns, so the order is total and repeatable)."""
    if frame.empty:
        return frame
    return frame.sort_values(list(keys), key=display_order, ascending=[k not in descending for k in keys],
                             kind="mergesort", na_position="last").reset_index(drop=True)


def write_csv(frame: pd.DataFrame, out: str, lang: str = "en") -> int:
    """Write UTF-8 CSV with ISO dates, true/false booleans, rounded numbers and empty cells for
    missing values; return the rows written."""
    frame = frame.copy()
    for column in frame.columns:
        places = decimal_places(column)
        if column in ("lapsed", "from_lapsed", "to_lapsed"):
            frame[column] = [bool_text(v) for v in frame[column]]
        elif places is not None:
            frame[column] = [rounded(v, places) for v in frame[column]]
        elif pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    try:
        if out == "-":
            frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        else:
            frame.to_csv(out, index=False, lineterminator="\n")
    except BrokenPipeError:
        raise
    except OSError as error:
        raise CliError("cli_cannot_write", out=out, reason=error.strerror or str(error)) from None
    return len(frame)
