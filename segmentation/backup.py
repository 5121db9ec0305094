"""Backups of the database file: every table as Parquet in one zip, and the restore of such a zip.

A backup holds one `<table>.parquet` per table of the database's main schema (found in
`information_schema`, so tables added by later migrations come along) and a `manifest.json`
naming the format, the database's schema version, when it was made, each table's row count and
columns, and the sequences' last values (so restored contacts' ids are never handed out again).
Parquet keeps the exact types: DECIMAL(18,2), DATE, TIMESTAMP, VARCHAR with its leading zeros.
The migration history (`schema_migrations`) is the file's structure, not its data: the manifest
records the schema version instead, and a restore keeps the target file's own history.

A restore checks the whole zip before it touches the database, then replaces all data in one
transaction through `schema.writing`, which also creates and migrates a new file and bumps
`data_version`; a backup from an older schema version fills the columns it lacks with their
defaults. Nothing here keeps the file open longer than one read or one transaction.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from . import audit, faults, schema
from .access import Viewer, cli_viewer
from .errors import DatabaseError, ImportFileError, SegmentationError

__all__ = [
    "BackupError",
    "BackupSummary",
    "RestoreSummary",
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST_NAME",
    "STRUCTURE_TABLES",
    "backup_database",
    "restore_database",
]

#: What a manifest's "format" says, so a zip of something else is told apart from a backup.
FORMAT = "segmentation-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"

#: Tables that describe the file's structure rather than hold data; never backed up or replaced.
STRUCTURE_TABLES = frozenset({"schema_migrations"})

#: Tables a backup holds but a restore leaves as they are on this machine: who may sign in here,
#: and the audit, which only ever grows (a restore is itself one more row of it).
KEPT_ON_RESTORE = frozenset({"users", "audit"})

_SOURCE = "backup_source"  # the alias the database is attached under while it is backed up
_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'")


class BackupError(SegmentationError):
    """A backup cannot be written (a missing folder, a full disk, a type Parquet cannot keep)."""


@dataclass(frozen=True)
class BackupSummary:
    """What `backup_database` wrote: the zip, the rows of each table, and the zip's size."""

    path: Path
    tables: dict[str, int]
    bytes: int

    def summary(self) -> str:
        return (
            f"Backed up {len(self.tables)} tables ({sum(self.tables.values()):,} rows) "
            f"to {self.path} ({self.bytes:,} bytes)."
        )


@dataclass(frozen=True)
class RestoreSummary:
    """What `restore_database` put into the database: the rows of each table."""

    path: Path
    tables: dict[str, int]

    def summary(self) -> str:
        return (
            f"Restored {len(self.tables)} tables ({sum(self.tables.values()):,} rows) into {self.path}; "
            "the data it held before was replaced."
        )


def _quoted(identifier: str) -> str:
    """The one way a table, column or sequence name enters SQL here."""
    return '"' + identifier.replace('"', '""') + '"'


# --- Reading the layout of a database --------------------------------------------------------


def _layout(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """Each data table of the main schema of `catalog` (default: the database in use) with its
    (column, type) pairs in column order."""
    names = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = coalesce($catalog, current_database()) AND table_schema = 'main' "
        "AND table_type = 'BASE TABLE' ORDER BY table_name",
        {"catalog": catalog},
    ).fetchall()
    prefix = "" if catalog is None else f"{_quoted(catalog)}.main."
    return {
        name: _described(con, f"SELECT * FROM {prefix}{_quoted(name)}")
        for (name,) in names
        if name not in STRUCTURE_TABLES
    }


def _described(con: duckdb.DuckDBPyConnection, query: str, params: dict | None = None) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in con.execute(f"DESCRIBE {query}", params).fetchall()]


def _sequences(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[tuple[str, int | None, int, int]]:
    """(name, last value handed out or None, start, increment) of each sequence of the main schema."""
    return con.execute(
        "SELECT sequence_name, last_value, start_value, increment_by FROM duckdb_sequences() "
        "WHERE database_name = coalesce($catalog, current_database()) AND schema_name = 'main' "
        "ORDER BY sequence_name",
        {"catalog": catalog},
    ).fetchall()


def _current_layout() -> dict[str, list[tuple[str, str]]]:
    """The tables a database of this program's schema version holds, from a migrated in-memory one."""
    con = duckdb.connect()
    try:
        schema.migrate(con)
        return _layout(con)
    finally:
        con.close()


# --- Backup ----------------------------------------------------------------------------------


def backup_database(db_path: str | os.PathLike, zip_path: str | os.PathLike, *, by: Viewer | None = None) -> BackupSummary:
    """Write every table of the database at `db_path` as Parquet, with a manifest, into one zip at
    `zip_path` (replacing a file there). The zip appears under its name only once complete. `by`
    (default: the machine's user) is recorded in the audit first: a backup is all the data."""
    db_path, zip_path = Path(db_path), Path(zip_path)
    if not zip_path.parent.is_dir():
        raise BackupError(f"{zip_path} cannot be written: the folder {zip_path.parent} does not exist.")
    if zip_path.exists() and zip_path.resolve() == db_path.resolve():
        raise BackupError(f"The backup cannot be written over the database it backs up ({db_path}).")
    if db_path.exists():
        audit.log(db_path, by or cli_viewer(), "backup", {"file": zip_path.name})
    with tempfile.TemporaryDirectory(prefix="segmentation-backup-") as folder:
        manifest, files = _export_tables(db_path, Path(folder))
        _write_zip(zip_path, files, manifest)
    tables = {name: entry["rows"] for name, entry in manifest["tables"].items()}
    return BackupSummary(path=zip_path, tables=tables, bytes=zip_path.stat().st_size)


def _export_tables(db_path: Path, folder: Path) -> tuple[dict, list[tuple[Path, str]]]:
    """Copy each table to a Parquet file in `folder` from one read-only snapshot of the database;
    returns the manifest and the (file, name in the zip) pairs."""
    tables: dict[str, dict] = {}
    files: list[tuple[Path, str]] = []
    with schema.FILE_LOCK, faults.told(db_path):  # a damaged block is met while copying
        con = duckdb.connect()
        try:
            schema.attach_read_only(con, db_path, _SOURCE)
            con.execute("BEGIN TRANSACTION")  # one snapshot for every table
            version = schema.schema_version(con, catalog=_SOURCE)
            for index, (name, columns) in enumerate(_layout(con, _SOURCE).items()):
                file = folder / f"table{index}.parquet"
                copied = con.execute(
                    f"COPY (SELECT * FROM {_quoted(_SOURCE)}.main.{_quoted(name)}) TO $path (FORMAT parquet)",
                    {"path": str(file)},
                ).fetchall()[0][0]
                _check_types_kept(con, name, columns, file)
                tables[name] = {
                    "rows": int(copied),
                    "columns": [{"name": column, "type": kind} for column, kind in columns],
                }
                files.append((file, f"{name}.parquet"))
            sequences = {name: {"last_value": last} for name, last, _, _ in _sequences(con, _SOURCE)}
            con.execute("COMMIT")
        finally:
            con.close()  # detaches the file
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": version,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "database": db_path.name,
        "tables": tables,
        "sequences": sequences,
    }
    return manifest, files


def _check_types_kept(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]], file: Path) -> None:
    """Refuse a column whose type Parquet would change (HUGEINT becomes DOUBLE, for one)."""
    written = dict(_described(con, "SELECT * FROM read_parquet($path)", {"path": str(file)}))
    for column, kind in columns:
        if written.get(column) != kind:
            raise BackupError(
                f"Column {column} of table {table} ({kind}) cannot be kept exactly in a Parquet backup "
                f"(it would come back as {written.get(column)})."
            )


def _write_zip(zip_path: Path, files: list[tuple[Path, str]], manifest: dict) -> None:
    """Write the zip to a hidden file beside `zip_path` and rename it into place once complete."""
    try:
        handle, partial_name = tempfile.mkstemp(dir=zip_path.parent, prefix=f".{zip_path.name}.", suffix=".part")
    except OSError as error:  # a read-only folder, a full disk
        raise faults.fault_of(zip_path, error) or BackupError(f"{zip_path} cannot be written: {error}.") from None
    partial = Path(partial_name)
    try:
        with os.fdopen(handle, "wb") as raw:
            with zipfile.ZipFile(raw, "w") as archive:
                for file, name in files:
                    archive.write(file, name, compress_type=zipfile.ZIP_STORED)  # Parquet is compressed
                text = json.dumps(manifest, ensure_ascii=False, indent=2)
                archive.writestr(MANIFEST_NAME, text, compress_type=zipfile.ZIP_DEFLATED)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, zip_path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise faults.fault_of(zip_path, error) from None
        raise BackupError(f"{zip_path} cannot be written: {error.strerror or error}.") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


# --- Restore ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BackupTable:
    name: str
    rows: int
    columns: list[tuple[str, str]]  # (name, type) as the manifest lists them
    file: Path  # the Parquet file, extracted


@dataclass(frozen=True)
class _Backup:
    tables: list[_BackupTable]
    sequences: dict[str, int | None]  # name -> last value handed out


def restore_database(zip_path: str | os.PathLike, db_path: str | os.PathLike, *,
                     by: Viewer | None = None) -> RestoreSummary:
    """Replace all data of the database at `db_path` (created if missing) with the backup at
    `zip_path`, in one transaction.

    The zip is checked in full first; a bad one is refused with `ImportFileError` (or
    `DatabaseError` when it comes from a newer schema version) and the database is not touched.
    A failure later rolls the transaction back, and a file this call created is removed again.
    """
    zip_path, db_path = Path(zip_path), Path(db_path)
    with tempfile.TemporaryDirectory(prefix="segmentation-restore-") as folder:
        backup = _checked_backup(zip_path, Path(folder))
        existed = db_path.exists()
        opened = False
        try:
            with schema.writing(db_path) as con:
                opened = True
                restored = _replace_all(con, backup)
                audit.record(con, by or cli_viewer(), "restore", {"file": zip_path.name,
                                                                  "tables": dict(sorted(restored.items()))})
        except BaseException:
            if opened and not existed:
                for leftover in (db_path, db_path.with_name(db_path.name + ".wal")):
                    leftover.unlink(missing_ok=True)
            raise
    return RestoreSummary(path=db_path, tables=restored)


def _replace_all(con: duckdb.DuckDBPyConnection, backup: _Backup) -> dict[str, int]:
    """Empty every data table, insert the backup's rows by column name, keep `data_version`
    growing and move the sequences past every restored id; the caller's transaction holds it."""
    data_version_before = schema.data_version(con)
    for table in _layout(con):
        if table not in KEPT_ON_RESTORE:
            con.execute(f"DELETE FROM {_quoted(table)}")
    restored = {}
    for table in backup.tables:
        if table.name in KEPT_ON_RESTORE:
            continue
        columns = ", ".join(_quoted(column) for column, _ in table.columns)
        con.execute(
            f"INSERT INTO {_quoted(table.name)} ({columns}) SELECT {columns} FROM read_parquet($path)",
            {"path": str(table.file)},
        )
        restored[table.name] = table.rows
    # Readers cache by data_version, so it never goes back to the backup's (smaller) number;
    # `schema.writing` then bumps it past both.
    kept = max(data_version_before, schema.data_version(con))
    con.execute("DELETE FROM meta WHERE key = 'data_version'")
    con.execute("INSERT INTO meta (key, value) VALUES ('data_version', $value)", {"value": str(kept)})
    # Last, so only the commit can fail after it: DuckDB does not undo a sequence's advance when
    # the transaction rolls back (though the file keeps the old value when nothing is committed).
    _move_sequences_past(con, backup.sequences)
    return restored


def _move_sequences_past(con: duckdb.DuckDBPyConnection, backed_up: dict[str, int]) -> None:
    """Advance each sequence until it has handed out every value the backup's database had and
    every id now in a column that takes its default from it; sequences never move back."""
    used_by: dict[str, list[tuple[str, str]]] = {}
    for table, column, default in con.execute(
        "SELECT table_name, column_name, column_default FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = 'main' AND column_default IS NOT NULL"
    ).fetchall():
        match = _NEXTVAL.search(default)
        if match:
            used_by.setdefault(match.group(1).replace("''", "'"), []).append((table, column))
    for name, last_value, start, increment in _sequences(con):
        if increment <= 0:
            continue
        needed = [backed_up[name]] if backed_up.get(name) is not None else []
        for table, column in used_by.get(name, []):
            needed.append(con.execute(f"SELECT max({_quoted(column)}) FROM {_quoted(table)}").fetchall()[0][0])
        needed = [value for value in needed if value is not None]
        current = last_value if last_value is not None else start - increment
        if not needed or max(needed) <= current:
            continue
        steps = -(-(max(needed) - current) // increment)
        con.execute("SELECT max(nextval($name)) FROM range($steps)", {"name": name, "steps": steps}).fetchall()


def _checked_backup(zip_path: Path, folder: Path) -> _Backup:
    """Read and check the zip at `zip_path`, extracting its Parquet files into `folder`."""
    if not zip_path.is_file():
        raise ImportFileError(f"No backup at {zip_path}.")
    if not zipfile.is_zipfile(zip_path):
        raise ImportFileError(f"{zip_path} is not a zip file, so it is not a backup made by this program.")
    try:
        with zipfile.ZipFile(zip_path) as archive:
            names = set(archive.namelist())
            if MANIFEST_NAME not in names:
                raise ImportFileError(
                    f"{zip_path} holds no {MANIFEST_NAME}, so it is not a backup made by this program."
                )
            manifest = _read_manifest(zip_path, archive.read(MANIFEST_NAME))
            tables = []
            for index, (name, entry) in enumerate(manifest["tables"].items()):
                member = f"{name}.parquet"
                if member not in names:
                    raise ImportFileError(
                        f"{zip_path} lacks {member}, which its manifest lists; the backup is incomplete."
                    )
                file = folder / f"table{index}.parquet"
                with archive.open(member) as source, open(file, "wb") as target:
                    shutil.copyfileobj(source, target)
                columns = [(column["name"], column["type"]) for column in entry["columns"]]
                tables.append(_BackupTable(name, entry["rows"], columns, file))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
        raise ImportFileError(f"{zip_path} is damaged and cannot be read ({error}).") from None
    _check_parquet(zip_path, tables)
    sequences = {name: entry.get("last_value") for name, entry in manifest.get("sequences", {}).items()}
    return _Backup(tables=tables, sequences=sequences)


def _read_manifest(zip_path: Path, raw: bytes) -> dict:
    """The manifest, once it is known to be a backup's this program can restore."""
    damaged = ImportFileError(f"The manifest in {zip_path} is damaged, so the backup cannot be restored.")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise damaged from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ImportFileError(f"{zip_path} is a zip of something else, not a backup made by this program.")
    version, file_format = manifest.get("schema_version"), manifest.get("format_version")
    if not _is_count(file_format) or not _is_count(version) or version < 1:
        raise damaged
    if file_format > FORMAT_VERSION:
        raise ImportFileError(
            f"{zip_path} was made by a newer program (backup format {file_format}); update the program."
        )
    if version > schema.SCHEMA_VERSION:
        raise DatabaseError(
            f"{zip_path} comes from a database at schema version {version}, newer than this program "
            f"knows ({schema.SCHEMA_VERSION}); update the program to restore it."
        )
    tables, sequences = manifest.get("tables"), manifest.get("sequences", {})
    if not isinstance(tables, dict) or not isinstance(sequences, dict):
        raise damaged
    if not all(_is_table_entry(entry) for entry in tables.values()):
        raise damaged
    for entry in sequences.values():
        if not isinstance(entry, dict) or not (entry.get("last_value") is None or _is_count(entry["last_value"])):
            raise damaged
    _check_tables_known(zip_path, version, tables)
    return manifest


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_table_entry(entry) -> bool:
    """{"rows": 12, "columns": [{"name": "customer_id", "type": "VARCHAR"}, ...]}"""
    if not isinstance(entry, dict) or not _is_count(entry.get("rows")) or not isinstance(entry.get("columns"), list):
        return False
    return bool(entry["columns"]) and all(
        isinstance(column, dict) and isinstance(column.get("name"), str) and isinstance(column.get("type"), str)
        for column in entry["columns"]
    )


def _check_tables_known(zip_path: Path, version: int, tables: dict) -> None:
    """Every table and column of the backup must exist in a database of this program's schema;
    a backup of the same schema version must hold all of them."""
    layout = {name: {column for column, _ in columns} for name, columns in _current_layout().items()}
    for name, entry in tables.items():
        if name not in layout:
            raise ImportFileError(f"{zip_path} holds a table {name} that this program's database does not have.")
        unknown = [c["name"] for c in entry["columns"] if c["name"] not in layout[name]]
        if unknown:
            raise ImportFileError(
                f"{zip_path} holds a column {unknown[0]} in table {name} that this program's database does not have."
            )
    if version == schema.SCHEMA_VERSION:
        for name, columns in layout.items():
            held = {c["name"] for c in tables.get(name, {}).get("columns", [])}
            if name not in tables or held != columns:
                raise ImportFileError(
                    f"{zip_path} lacks table {name} or some of its columns, which every backup of "
                    f"schema version {version} holds; the backup is incomplete."
                )


def _check_parquet(zip_path: Path, tables: list[_BackupTable]) -> None:
    """Each Parquet file must be readable and hold the columns and the row count the manifest names."""
    con = duckdb.connect()
    try:
        for table in tables:
            member = f"{table.name}.parquet"
            params = {"path": str(table.file)}
            try:
                columns = _described(con, "SELECT * FROM read_parquet($path)", params)
                rows = con.execute("SELECT count(*) FROM read_parquet($path)", params).fetchall()[0][0]
            except duckdb.Error:
                raise ImportFileError(
                    f"{member} in {zip_path} is not a readable Parquet file; the backup is damaged."
                ) from None
            if columns != table.columns:
                raise ImportFileError(
                    f"{member} in {zip_path} does not hold the columns its manifest lists; the backup is damaged."
                )
            if rows != table.rows:
                raise ImportFileError(
                    f"The manifest of {zip_path} says table {table.name} holds {table.rows:,} rows but "
                    f"{member} holds {rows:,}; the backup is damaged."
                )
    finally:
        con.close()


def backup_before_restore(db_path: str | os.PathLike, *, by: Viewer | None = None) -> Path | None:
    """Before "replace all data": back the current database up next to it, as
    `<name>-before-restore-<YYYYmmdd-HHMMSS>.zip`; returns that path (None when there is no
    database yet). The restore is only started once this backup is written."""
    path = Path(db_path)
    if not path.exists():
        return None
    faults.check_writable(path)  # a read-only database is said before any backup is made
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}-before-restore-{stamp}.zip")
    backup_database(path, target, by=by)
    return target
