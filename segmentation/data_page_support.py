"""What the Data page needs to know about a file that `importer.inspect_file` does not say.

`sheet_names(path)`: the sheets of an Excel workbook in workbook order, so the page can offer
them as choices for `ReadOptions.sheet` (the import reads the first sheet unless told another).
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ImportFileError


def sheet_names(path: str | os.PathLike) -> list[str]:
    """The names of the workbook's sheets, first to last; a file that is no workbook is named."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own types for a damaged file
        raise ImportFileError(f"{Path(path).name} cannot be read as an Excel workbook: {error}.") from None
    return list(book.sheet_names)
