"""One error type per area, all under `SegmentationError`.

Each carries a sentence a manager can read; the CLI and the pages show that sentence, never a
traceback.
"""


class SegmentationError(Exception):
    """Base of every error the package raises on purpose."""


class ThresholdError(SegmentationError, ValueError):
    """A threshold value is out of range or of the wrong kind."""


class ScopeError(SegmentationError, ValueError):
    """A scope names an unknown kind or carries a bad value."""


class DateError(SegmentationError, ValueError):
    """A date argument cannot be read or is out of order."""


class DatabaseError(SegmentationError):
    """The database file cannot be opened, is locked, or has an unknown schema."""


class DatabaseBusyError(DatabaseError):
    """Another process holds the database file for writing."""


class ImportFileError(SegmentationError):
    """An input file is unreadable or holds a bad value; nothing was imported."""
