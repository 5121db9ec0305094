"""One error type per area, all under `SegmentationError`.

Each carries a sentence a manager can read; the CLI and the pages show that sentence, never a
traceback.
"""


class SegmentationError(Exception):
    """Base of every error the package raises on purpose."""

    def message(self, lang: str) -> str:
        """The sentence in `lang`; an error without a translation keeps its English sentence."""
        return str(self)


class CataloguedError(SegmentationError):
    """An error whose sentence is the text catalogue's entry `key` filled with `values`: `str`
    is the English sentence, `message(lang)` the one a page or the CLI shows in its language."""

    def __init__(self, key: str, **values):
        self.key, self.values = key, values
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        from .texts import text

        return text(self.key, lang, **self.values)


class ThresholdError(SegmentationError, ValueError):
    """A threshold value is out of range or of the wrong kind."""


class ScopeError(SegmentationError, ValueError):
    """A scope names an unknown kind or carries a bad value."""


class DateError(SegmentationError, ValueError):
    """A date argument cannot be read or is out of order."""


class DatabaseError(SegmentationError):
    """The database file cannot be opened, is locked, or has an unknown schema."""


class DatabaseFault(DatabaseError):
    """A fault of the database file at `path`, told in one sentence naming the file and what to
    do. `key` names that sentence in the text catalogue (`texts_faults.py`), so a page shows it
    in the manager's language (`message(lang)`) and the CLI in English (`str`); `segmentation.
    faults` tells which fault a DuckDB or system error is."""

    key = "db_fault_open"

    def __init__(self, path, *, key: str | None = None, **values):
        self.path, self.values = str(path), values
        if key is not None:
            self.key = key
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        from .texts import text

        return text(self.key, lang, path=self.path, **self.values)


class DatabaseBusyError(DatabaseFault):
    """Another process holds the database file for writing."""

    key = "db_fault_busy"


class DatabaseReadOnlyError(DatabaseFault):
    """The file, or the folder it is in, cannot be written (or, `db_fault_no_access`, read)."""

    key = "db_fault_read_only"


class DatabaseCorruptError(DatabaseFault):
    """The file is damaged, truncated, or not a DuckDB database at all."""

    key = "db_fault_corrupt"


class DatabaseVersionError(DatabaseFault):
    """The file comes from a newer version of this program (`version`, `known`) or of DuckDB."""

    key = "db_fault_newer"


class DatabaseMissingError(DatabaseFault):
    """There is no file (or, `db_fault_no_folder`, no folder) at the path."""

    key = "db_fault_missing"


class DatabaseFullError(DatabaseFault):
    """The disk is full (or the user's quota used up): a write was refused, nothing was saved."""

    key = "db_fault_full"


class ImportFileError(SegmentationError):
    """An input file is unreadable or holds a bad value; nothing was imported."""
