"""Excel workbooks for the import: their sheets, and a sheet's rows as the text a CSV would hold.

Read with python-calamine (fast, no formulas evaluated: the values Excel saved). Numbers stored
as numbers come back as a CSV export writes them (`42.0` -> `"42"`), dates as ISO text; a text
cell (`00042`) stays as typed. `sources` uses these for `.xlsx` files.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from .errors import ImportFileError

__all__ = ["cell_text", "sheet_names", "workbook", "xlsx_rows"]


def workbook(path: Path):
    """The workbook opened for reading; a file that is no workbook is named."""
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own types for a damaged file
        raise ImportFileError(f"{path.name} cannot be read as an Excel workbook: {error}.") from None


def sheet_names(path: str | os.PathLike) -> list[str]:
    """The sheets of an Excel workbook, first to last (the import reads the first unless told)."""
    return list(workbook(Path(path)).sheet_names)


def xlsx_rows(path: Path, sheet: str | None, limit: int | None = None) -> tuple[str, list[list[str]]]:
    """(the sheet's name, its first `limit` rows as text); the first sheet unless one is named."""
    book = workbook(path)
    names = book.sheet_names
    name = sheet if sheet is not None else names[0]
    if name not in names:
        raise ImportFileError(f"{path.name} has no sheet {name!r}; its sheets are {', '.join(names)}.")
    rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=limit)
    return name, [[cell_text(value) for value in row] for row in rows]


def cell_text(value: object) -> str:
    """An Excel cell as the text a CSV export would hold: 42.0 -> "42", dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)
