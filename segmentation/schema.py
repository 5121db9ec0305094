"""The database file: one DDL per migration, a schema version, and how to open the file.

DuckDB lets one process hold a file for writing and then locks every other process out, even
readers. So nothing here keeps a file open for long: readers attach it read-only
(`attach_read_only`, the one way to open a file for reading), copy what they need (see
`analysis.Analysis`) and detach; writers open it, write one transaction, and close it.
Both retry for a while when another process holds the lock.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import duckdb

from . import faults
from .errors import DatabaseBusyError, DatabaseError, DatabaseFault, DatabaseMissingError, DatabaseVersionError

T = TypeVar("T")

#: Numbered, named migrations. Each runs in one transaction with its schema-version row.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "initial",
        """
        CREATE TABLE customers (
            customer_id VARCHAR PRIMARY KEY,
            name VARCHAR,
            company VARCHAR,
            email VARCHAR,
            phone VARCHAR,
            region VARCHAR,
            address VARCHAR,
            channel VARCHAR,
            staff VARCHAR,
            created_at TIMESTAMP
        );
        -- One row per order line; rows sharing an order_id are lines of one order.
        CREATE TABLE orders (
            order_id VARCHAR NOT NULL,
            customer_id VARCHAR NOT NULL,
            order_date DATE NOT NULL,
            amount DECIMAL(18, 2) NOT NULL,
            campaign VARCHAR,
            category VARCHAR
        );
        CREATE SEQUENCE contact_ids START 1;
        CREATE TABLE contacts (
            contact_id BIGINT PRIMARY KEY DEFAULT nextval('contact_ids'),
            customer_id VARCHAR NOT NULL,
            contacted_at TIMESTAMP NOT NULL,
            kind VARCHAR,
            staff VARCHAR,
            note VARCHAR
        );
        CREATE TABLE threshold_presets (
            name VARCHAR PRIMARY KEY,
            min_orders INTEGER NOT NULL,
            min_tenure_days INTEGER NOT NULL,
            lapse_days INTEGER NOT NULL,
            value_axis VARCHAR NOT NULL,
            min_amount DECIMAL(18, 2),
            overdue_factor DOUBLE NOT NULL,
            due_window_days INTEGER NOT NULL,
            saved_at TIMESTAMP NOT NULL
        );
        -- Key/value facts about the file; `data_version` grows with every write.
        CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
        INSERT INTO meta VALUES ('data_version', '0');
        """,
    ),
    (
        2,
        "import mappings and log",
        """
        -- A column mapping saved under a name (`import --mapping NAME`), per kind of file.
        CREATE TABLE import_mappings (
            name VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            platform VARCHAR,
            columns VARCHAR NOT NULL,   -- JSON: field -> [header, occurrence]
            options VARCHAR NOT NULL,   -- JSON: encoding, delimiter, header_row, sheet
            saved_at TIMESTAMP NOT NULL,
            PRIMARY KEY (name, kind)
        );
        -- One row per import that wrote data: when, which files, and what it did.
        CREATE SEQUENCE import_ids START 1;
        CREATE TABLE import_log (
            import_id BIGINT PRIMARY KEY DEFAULT nextval('import_ids'),
            imported_at TIMESTAMP NOT NULL,
            files VARCHAR NOT NULL,     -- the file names, comma separated
            platform VARCHAR,
            rows_read BIGINT NOT NULL,
            orders_added BIGINT NOT NULL,
            orders_updated BIGINT NOT NULL,
            orders_removed BIGINT NOT NULL,
            customers_added BIGINT NOT NULL,
            customers_updated BIGINT NOT NULL,
            contacts_added BIGINT NOT NULL,
            rows_excluded BIGINT NOT NULL,
            rows_rejected BIGINT NOT NULL
        );
        """,
    ),
    (
        3,
        "users and audit",
        """
        -- Who may sign in (see users.py). A NULL hash: signs in only through OpenID Connect.
        CREATE TABLE users (
            name VARCHAR PRIMARY KEY,
            role VARCHAR NOT NULL,      -- admin, manager or staff
            staff VARCHAR,              -- for staff: the staff name of the customers they look after
            password_hash VARCHAR,      -- Argon2id
            failed_signins INTEGER NOT NULL DEFAULT 0,
            locked_until TIMESTAMP,
            created_at TIMESTAMP NOT NULL,
            changed_at TIMESTAMP NOT NULL
        );
        -- Every export, import, backup, restore and user change (see audit.py); rows are only added.
        CREATE SEQUENCE audit_ids START 1;
        CREATE TABLE audit (
            audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'),
            happened_at TIMESTAMP NOT NULL,
            user_name VARCHAR NOT NULL,
            role VARCHAR,
            action VARCHAR NOT NULL,
            customers BIGINT,           -- how many customers the export or import held
            details VARCHAR NOT NULL,   -- JSON: the filters, files or user changed
            origin VARCHAR NOT NULL     -- "page 192.0.2.4", "cli alice@shop-pc"
        );
        -- Who logged a contact: the signed-in user (the staff column is who made the contact).
        ALTER TABLE contacts ADD COLUMN author VARCHAR;
        """,
    ),
    (
        4,
        "contact drafts",
        """
        -- A contact as typed, written just before it is saved (customers.log_contact) and deleted
        -- in the transaction that saves it: a row here is a contact whose save never finished.
        CREATE TABLE contact_drafts (
            customer_id VARCHAR NOT NULL,
            author VARCHAR NOT NULL,    -- who typed it (the signed-in user; '' without sign-in)
            contacted_at TIMESTAMP NOT NULL,
            kind VARCHAR NOT NULL,
            staff VARCHAR,
            note VARCHAR NOT NULL,
            saved_at TIMESTAMP NOT NULL,
            PRIMARY KEY (customer_id, author)
        );
        """,
    ),
    (
        5,
        "channel costs",
        """
        -- What acquiring customers through a channel cost in a month (see channel_cost.py): one
        -- amount per channel and month, entered by an admin (page or CLI), replaced when entered again.
        CREATE TABLE channel_costs (
            channel VARCHAR NOT NULL,
            month DATE NOT NULL,        -- the first day of the month the money was spent in
            amount DECIMAL(18, 2) NOT NULL,
            saved_at TIMESTAMP NOT NULL,
            saved_by VARCHAR NOT NULL,  -- who entered it (the user's name)
            PRIMARY KEY (channel, month)
        );
        """,
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1][0]

#: Serialises opening database files within this process. DuckDB refuses a second connection
#: to a file that is already open in the process with another configuration (read-only versus
#: read-write), which would happen when two dashboard sessions read and write at once. Every
#: opener here holds this lock for the life of its short connection.
FILE_LOCK = threading.RLock()

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL
)
"""


def schema_version(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> int:
    """The highest migration applied to the database (0 for a new file); `catalog` names an
    attached one (default: the database in use)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_name = 'schema_migrations' AND table_schema = 'main' "
        "AND table_catalog = coalesce($catalog, current_database())",
        {"catalog": catalog},
    ).fetchall()[0][0]
    if not exists:
        return 0
    table = "schema_migrations" if catalog is None else f"{catalog}.schema_migrations"
    return con.execute(f"SELECT coalesce(max(version), 0) FROM {table}").fetchall()[0][0]


def migrate(con: duckdb.DuckDBPyConnection, path: str | os.PathLike = "The database") -> int:
    """Apply every migration the database lacks; returns the version it is at. `path` names the
    file in the refusal of one from a newer program."""
    current = schema_version(con)
    if current > SCHEMA_VERSION:
        raise DatabaseVersionError(path, version=current, known=SCHEMA_VERSION)
    for version, name, ddl in MIGRATIONS:
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(_VERSION_TABLE)
            con.execute(ddl)
            con.execute(
                "INSERT INTO schema_migrations VALUES ($version, $name, current_timestamp)",
                {"version": version, "name": name},
            )
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:  # a failed COMMIT (a full disk) has ended the transaction already
                pass
            raise
    return SCHEMA_VERSION


def _is_lock_error(error: Exception) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def _while_locked(path: Path, wait_seconds: float, open_: Callable[[], T], *, writing: bool = True) -> T:
    """Run `open_` until it no longer fails on another process's lock, for up to `wait_seconds`;
    any other failure is told as the fault it is (`faults.fault_of`)."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return open_()
        except duckdb.Error as error:
            if not _is_lock_error(error):
                fault = faults.fault_of(path, error, writing=writing)
                raise fault or DatabaseFault(path, reason=faults.one_line(error)) from error
            if time.monotonic() >= deadline:
                raise DatabaseBusyError(path) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _check_version(version: int, path: Path) -> None:
    if version == 0:
        raise DatabaseError(f"{path} is not a segmentation database (it has no schema).")
    if version > SCHEMA_VERSION:
        raise DatabaseVersionError(path, version=version, known=SCHEMA_VERSION)


def attach_read_only(
    con: duckdb.DuckDBPyConnection, path: str | os.PathLike, alias: str, *, wait_seconds: float = 10.0
) -> None:
    """Attach the database file read-only to `con` as `alias`, after checking that it exists
    and has a schema this program knows; waits up to `wait_seconds` while another process holds
    it for writing. The one way this package opens a file for reading (the caller detaches)."""
    path = Path(path)
    if not path.exists():
        raise DatabaseMissingError(path)
    _while_locked(path, wait_seconds, lambda: con.execute(f"ATTACH $path AS {alias} (READ_ONLY)", {"path": str(path)}),
                  writing=False)
    try:
        with faults.told(path):
            _check_version(schema_version(con, catalog=alias), path)
    except BaseException:
        con.execute(f"DETACH {alias}")
        raise


def attach_for_writing(
    con: duckdb.DuckDBPyConnection, path: str | os.PathLike, alias: str, *, wait_seconds: float = 10.0
) -> None:
    """Attach the database file (created if missing) for writing to `con` as `alias`, put it in
    use and bring its schema up to date. Takes `FILE_LOCK`, which the caller releases after
    detaching (`con.execute("USE memory"); con.execute(f"DETACH {alias}")`). For the importer,
    which reads its files into `con` first and locks the file only to write them."""
    path = Path(path)
    FILE_LOCK.acquire()
    try:
        faults.check_writable(path)
        _while_locked(path, wait_seconds, lambda: con.execute(f"ATTACH $path AS {alias}", {"path": str(path)}))
        try:
            con.execute(f"USE {alias}")
            with faults.told(path, writing=True):
                migrate(con, path)
        except BaseException:
            con.execute("USE memory")
            con.execute(f"DETACH {alias}")
            raise
    except BaseException:
        FILE_LOCK.release()
        raise


def connect(
    path: str | os.PathLike,
    *,
    read_only: bool = False,
    wait_seconds: float = 10.0,
    create: bool = True,
) -> duckdb.DuckDBPyConnection:
    """Open the database file, waiting up to `wait_seconds` while another process holds it.

    A writable connection creates the file if needed (unless `create` is False: a contact or a
    preset needs the data already there) and brings its schema up to date; it is refused at
    once when the file or its folder is read-only. A read-only connection is an in-memory one
    with the file attached (`attach_read_only`) and in use, so queries name its tables plainly.
    Every fault of the file is raised as one `DatabaseFault` (see `faults.py`).
    """
    path = Path(path)
    if read_only:
        con = duckdb.connect()
        try:
            attach_read_only(con, path, "db", wait_seconds=wait_seconds)
            con.execute("USE db")
        except BaseException:
            con.close()
            raise
        return con
    if path.parent and not path.parent.exists():
        raise DatabaseMissingError(path, key="db_fault_no_folder", folder=path.parent)
    existed = path.exists()
    if not create and not existed:
        raise DatabaseMissingError(path)
    faults.check_writable(path)
    con = _while_locked(path, wait_seconds, lambda: duckdb.connect(str(path)))
    try:
        with faults.told(path, writing=True):
            migrate(con, path)
    except BaseException:
        con.close()
        if not existed:  # a file made here and never set up (a full disk) is not left behind
            for leftover in (path, path.with_name(path.name + ".wal")):
                leftover.unlink(missing_ok=True)
        raise
    return con


@contextmanager
def writing(
    path: str | os.PathLike, *, wait_seconds: float = 10.0, data_changed: bool = True, create: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable connection inside one transaction.

    Everything written inside the block lands together or not at all; the file is closed
    afterwards so readers in other processes can open it again. With `data_changed` (imports,
    demo data) the transaction also bumps `data_version`, which tells readers that tiers must
    be recomputed; writes that leave tiers alone (contacts, presets) pass `data_changed=False`.
    `create=False` refuses a missing file instead of making an empty one. A fault of the file
    met inside the block or at the commit (a full disk, say) is raised as that fault, after
    the rollback.
    """
    with FILE_LOCK:
        con = connect(path, wait_seconds=wait_seconds, create=create)
        try:
            with faults.told(path, writing=True):
                con.execute("BEGIN TRANSACTION")
                try:
                    yield con
                    if data_changed:
                        con.execute(
                            "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                            "WHERE key = 'data_version'"
                        )
                    con.execute("COMMIT")
                except BaseException:
                    try:
                        con.execute("ROLLBACK")
                    except duckdb.Error:  # a failed COMMIT has ended the transaction already
                        pass
                    raise
        finally:
            con.close()


@contextmanager
def reading(path: str | os.PathLike, *, wait_seconds: float = 10.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection that is closed when the block ends."""
    with FILE_LOCK:
        con = connect(path, read_only=True, wait_seconds=wait_seconds)
        try:
            with faults.told(path):
                yield con
        finally:
            con.close()


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the database in use has `table` (a file read-only at an older schema may lack
    the tables of later migrations)."""
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = $table AND table_schema = 'main' "
        "AND table_catalog = current_database()", {"table": table},
    ).fetchall()[0][0])


def has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    """Whether `table` of the database in use has `column` (see `has_table`)."""
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = $table AND column_name = $column "
        "AND table_schema = 'main' AND table_catalog = current_database()", {"table": table, "column": column},
    ).fetchall()[0][0])


def data_version(con: duckdb.DuckDBPyConnection, catalog: str = "main") -> int:
    """A number that grows with every write of customers or orders (see `writing`)."""
    table = "meta" if catalog == "main" else f"{catalog}.meta"
    rows = con.execute(f"SELECT value FROM {table} WHERE key = 'data_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def file_state(path: str | os.PathLike) -> tuple:
    """A cheap fingerprint of the file on disk (and its write-ahead log): changes on every write.

    Readers compare it to decide whether their copy is stale without opening the file.
    """
    path = Path(path)
    parts: list = [str(path.resolve())]
    for candidate in (path, path.with_name(path.name + ".wal")):
        try:
            stat = candidate.stat()
            parts.append((stat.st_mtime_ns, stat.st_size))
        except FileNotFoundError:
            parts.append(None)
    return tuple(parts)
