"""What went wrong with the database file, as one of the faults of `errors.DatabaseFault`.

DuckDB reports what happens to a file as an `IO Error` (or a plain `Error`) whose text says what
it met: "No space left on device", "Permission denied", "Corrupt database file", "not a valid
DuckDB database file"; the system's own errors carry an errno. `fault_of` reads both and names
the fault with the file's path; `told(path)` does it for whatever a block does with the file;
`check_writable(path)` refuses a write before it starts when the file or its folder is
read-only (DuckDB would open a file in a read-only folder and fail only at the commit, when it
cannot create the write-ahead log beside it). Locks are `schema`'s business: it waits them out.
"""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from .errors import (
    DatabaseCorruptError,
    DatabaseFault,
    DatabaseFullError,
    DatabaseReadOnlyError,
    DatabaseVersionError,
)

__all__ = ["check_writable", "fault_of", "one_line", "told"]

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_DENIED_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}

#: Words of DuckDB's (or the system's) message that tell each fault, in lower case.
#: A full disk, a used-up quota, and a file-size limit (`ulimit -f`) all refuse the file room to grow.
_FULL_WORDS = ("no space left on device", "disk quota exceeded", "file too large")
_DENIED_WORDS = ("permission denied", "read-only file system", "operation not permitted")
_NEWER_DUCKDB_WORDS = ("created with a newer version of duckdb",)
_CORRUPT_WORDS = ("not a valid duckdb database file", "corrupt database file", "could not read enough bytes",
                  "is a directory")


def one_line(error: BaseException, limit: int = 300) -> str:
    """An error's text on one line (DuckDB's may span several), cut at `limit` characters."""
    flat = " ".join(str(error).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def fault_of(path: str | os.PathLike, error: BaseException, *, writing: bool = True) -> DatabaseFault | None:
    """The fault `error` is, about the file at `path`, or None when it is none of them (a bug,
    say, which then keeps its own traceback). `writing`: whether the file was being written
    (a refused permission then means read-only) or only read (it means no access)."""
    if isinstance(error, DatabaseFault):
        return error
    if not isinstance(error, (duckdb.Error, OSError)):
        return None
    words = one_line(error, limit=10_000).lower()
    number = error.errno if isinstance(error, OSError) else None
    if number in _FULL_ERRNOS or any(w in words for w in _FULL_WORDS):
        return DatabaseFullError(path)
    if number in _DENIED_ERRNOS or any(w in words for w in _DENIED_WORDS):
        return DatabaseReadOnlyError(path) if writing else DatabaseReadOnlyError(path, key="db_fault_no_access")
    if any(w in words for w in _NEWER_DUCKDB_WORDS):
        return DatabaseVersionError(path, key="db_fault_newer_duckdb")
    if any(w in words for w in _CORRUPT_WORDS):
        return DatabaseCorruptError(path)
    return None


@contextmanager
def told(path: str | os.PathLike, *, writing: bool = False) -> Iterator[None]:
    """Inside the block, a DuckDB error that is a fault of the file at `path` becomes that fault
    (the DuckDB error stays attached as its cause); any other error passes unchanged."""
    try:
        yield
    except duckdb.Error as error:
        fault = fault_of(path, error, writing=writing)
        if fault is None:
            raise
        raise fault from error


def check_writable(path: str | os.PathLike) -> None:
    """Refuse with `DatabaseReadOnlyError` when the file at `path` (if it exists), its
    write-ahead log (if any) or the folder it is in cannot be written by this process. DuckDB
    needs the folder too: it creates and removes the write-ahead log beside the file. A missing
    folder is left to the caller, which says so in its own words."""
    file = Path(os.path.abspath(path))
    if not file.parent.is_dir():
        return
    wal = file.with_name(file.name + ".wal")
    refused = [candidate for candidate in (file, wal) if candidate.exists() and not os.access(candidate, os.W_OK)]
    if refused or not os.access(file.parent, os.W_OK):
        raise DatabaseReadOnlyError(path)
