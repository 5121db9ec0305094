"""The analysis kept beside the database: what `Analysis.open` builds, loaded on a restart.

Building the in-memory analysis of a million customers takes seconds; loading the same tables
from a DuckDB file takes a fraction of one. After a build, `Analysis.open` writes the tables it
made into `<database>.analysis.duckdb` (`cache_path`), and the app adds the side tables its
warm-up builds (`Analysis.save_cache`). A later open of the same data loads them instead of
building: the build's own tables and the period spans it needs at once, right away; the other
side tables (activity per period, profiles) when first asked for (`Analysis.ensure`). The
contact summary is never kept: a logged contact changes it without a new data_version.

The cache holds one row `analysis_store(key, contents)`. `key` says what the tables were made
from (`source_key`): the database's data_version and schema version, a digest of its customers
and orders (counts and a hash sum of every row, so a file replaced by another one, or written
by a program that did not bump data_version, does not match), `BUILD_VERSION` with a digest of
the source of the build code (`build_code_digest`), and DuckDB's version; the digest of the
rows is skipped when the file is exactly as it was when the key was computed (its modification
time and size, and its write-ahead log's, are kept beside the key). `contents` names the tables
and views of each part (`"core"` and each side table). A cache whose key differs, that
is missing, unreadable or corrupt is passed over and the analysis is built as before; one that
cannot be written is not written. Neither is ever an error.

Written atomically: the tables go into a temporary file beside it, which is then renamed over
it, so a reader sees the old file or the new one, never half of one. Cache files are
`*.analysis.duckdb` (gitignored); deleting one only costs the next start a build.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import duckdb

from . import schema

#: Bump when the build steps or a kept side table's statements change in a way the source
#: digest below would not show (the digest covers the build modules' text).
BUILD_VERSION = 1

#: The modules whose source makes the kept tables; any edit to them invalidates a cache.
BUILD_MODULES = ("analysis.py", "period_tables.py", "periods.py", "analysis_store.py")

SUFFIX = ".analysis.duckdb"
_TEMP_MARK = ".tmp-"
_META_TABLE = "analysis_store"
_ALIAS = "analysis_store_file"

#: Loads and saves in this process, one at a time (a save and a load of one file never interleave
#: here; other processes are kept apart by the rename).
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Objects:
    """The tables and views (name, CREATE VIEW statement) one part of the analysis consists of."""

    tables: tuple[str, ...] = ()
    views: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict:
        return {"tables": list(self.tables), "views": [list(view) for view in self.views]}

    @classmethod
    def from_json(cls, value: dict) -> "Objects":
        return cls(tuple(value["tables"]), tuple((name, sql) for name, sql in value["views"]))


def cache_path(db_path: str | os.PathLike) -> Path:
    """The cache file of the database at `db_path`: `<name>.analysis.duckdb` beside it."""
    path = Path(db_path)
    return path.with_name(path.name + SUFFIX)


def quoted(identifier: str) -> str:
    """`identifier` as a quoted SQL identifier (names here are the package's own tables)."""
    return '"' + identifier.replace('"', '""') + '"'


def build_code_digest() -> str:
    """A digest of `BUILD_VERSION` and the source of the build modules."""
    digest = hashlib.sha256(str(BUILD_VERSION).encode())
    here = Path(__file__).resolve().parent
    for name in BUILD_MODULES:
        try:
            digest.update((here / name).read_bytes())
        except OSError:  # source not on disk (a frozen build): the version alone then
            digest.update(name.encode())
    return digest.hexdigest()[:16]


# The rows the build reads, as one hash sum per table: any change of a value changes it.
_SOURCE_DIGEST = """
    SELECT (SELECT count(*) FROM {src}.customers),
           (SELECT CAST(coalesce(sum(hash(customer_id, name, company, email, phone, region, address,
                                          channel, staff, created_at)), 0) AS VARCHAR) FROM {src}.customers),
           (SELECT count(*) FROM {src}.orders),
           (SELECT CAST(coalesce(sum(hash(order_id, customer_id, order_date, amount, campaign, category)), 0)
                    AS VARCHAR) FROM {src}.orders)
"""


def _build_fields() -> dict:
    return {"build_version": BUILD_VERSION, "build_code": build_code_digest(), "duckdb": duckdb.__version__}


def source_key(con: duckdb.DuckDBPyConnection, catalog: str, data_version: int) -> str | None:
    """The key of the database attached to `con` as `catalog`, as the cache stores it (JSON), or
    None when it cannot be read (the analysis is then built as it always was)."""
    try:
        schema_version = schema.schema_version(con, catalog=catalog)
        customers, customer_digest, orders, order_digest = con.execute(
            _SOURCE_DIGEST.format(src=quoted(catalog))).fetchall()[0]
    except duckdb.Error:
        return None
    return json.dumps({
        **_build_fields(), "data_version": data_version, "schema_version": schema_version,
        "customers": customers, "customers_digest": customer_digest,
        "orders": orders, "orders_digest": order_digest,
    }, sort_keys=True)


def _state_json(file_state: tuple) -> str:
    return json.dumps(file_state, default=str)


def _unchanged_since(held_key: str, held_state: str | None, data_version: int, file_state: tuple) -> bool:
    """Whether the database file is byte for byte as it was when the cache's key was computed:
    same path, modification time and size of the file and its write-ahead log (a write of any
    kind changes them), same data_version and same build. Its key then needs no new digest."""
    try:
        held = json.loads(held_key)
    except ValueError:
        return False
    return (held_state == _state_json(file_state) and held.get("data_version") == data_version
            and all(held.get(name) == value for name, value in _build_fields().items()))


def catalog_objects(cur: duckdb.DuckDBPyConnection) -> Objects:
    """Every table and view of the connection's own (in-memory) database, in creation order."""
    tables = cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT temporary ORDER BY table_oid").fetchall()
    views = cur.execute(
        "SELECT view_name, sql FROM duckdb_views() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT internal AND NOT temporary ORDER BY view_oid").fetchall()
    return Objects(tuple(row[0] for row in tables), tuple((row[0], row[1]) for row in views))


def new_objects(before: Objects, after: Objects) -> Objects:
    """What `after` holds that `before` did not (the objects one build made)."""
    return Objects(tuple(t for t in after.tables if t not in before.tables),
                   tuple(v for v in after.views if v[0] not in {name for name, _ in before.views}))


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class _Held:
    """What an attached cache file says of itself."""

    key: str
    contents: dict[str, Objects]
    file_state: str | None  # the database file's state when the key was computed (JSON)


def _attach(cur: duckdb.DuckDBPyConnection, path: Path) -> _Held | None:
    """Attach the cache read-only as `_ALIAS` and return what it holds, or None (nothing
    attached) when it is missing, unreadable or not a cache."""
    if not path.is_file():
        return None
    try:
        cur.execute(f"ATTACH $path AS {_ALIAS} (READ_ONLY)", {"path": str(path)})
    except duckdb.Error:
        return None
    try:
        rows = cur.execute(f"SELECT key, contents, file_state FROM {_ALIAS}.{_META_TABLE}").fetchall()
        if len(rows) == 1 and "core" in json.loads(rows[0][1]):
            contents = {name: Objects.from_json(value) for name, value in json.loads(rows[0][1]).items()}
            return _Held(rows[0][0], contents, rows[0][2])
    except (duckdb.Error, ValueError, KeyError, TypeError):
        pass
    _detach(cur)
    return None


def _detach(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.execute(f"DETACH {_ALIAS}")
    except duckdb.Error:
        pass


def _copy_in(cur: duckdb.DuckDBPyConnection, objects: Iterable[Objects]) -> None:
    """Copy the tables of `objects` from the attached cache into memory and make their views;
    on any failure drop what was made, then raise."""
    made: list[tuple[str, str]] = []
    objects = list(objects)
    try:
        for part in objects:
            for table in part.tables:
                cur.execute(f"CREATE TABLE {quoted(table)} AS SELECT * FROM {_ALIAS}.main.{quoted(table)}")
                made.append(("TABLE", table))
        for part in objects:
            for name, sql in part.views:
                cur.execute(sql)
                made.append(("VIEW", name))
    except BaseException:
        for kind, name in reversed(made):
            try:
                cur.execute(f"DROP {kind} IF EXISTS {quoted(name)}")
            except duckdb.Error:
                pass
        raise


def load(cur: duckdb.DuckDBPyConnection, db_path: str | os.PathLike, catalog: str, data_version: int,
         file_state: tuple, parts: Iterable[str] = ()) -> tuple[str | None, dict[str, Objects] | None]:
    """The key of the database at `db_path`, attached to `cur` as `catalog` (None when it cannot
    be read), and, when the cache beside it was made from that key, its contents (every part it
    holds) after loading its core tables and the side tables `parts` into `cur`'s in-memory
    database; None when nothing was loaded. The digest of the rows is skipped when the file is
    unchanged since the cache's key was computed (`_unchanged_since`)."""
    with _LOCK:
        held = _attach(cur, cache_path(db_path))
        if held is None:
            return source_key(cur, catalog, data_version), None
        try:
            unchanged = _unchanged_since(held.key, held.file_state, data_version, file_state)
            key = held.key if unchanged else source_key(cur, catalog, data_version)
            if key != held.key:
                return key, None
            _copy_in(cur, [held.contents["core"], *(held.contents[name] for name in parts if name in held.contents)])
            return key, held.contents
        except duckdb.Error:
            return key, None
        finally:
            _detach(cur)


def load_part(cur: duckdb.DuckDBPyConnection, db_path: str | os.PathLike, key: str, name: str) -> bool:
    """Load one side table `name` from the cache, when the cache was made from `key` and holds
    it; whether it was loaded."""
    with _LOCK:
        held = _attach(cur, cache_path(db_path))
        if held is None:
            return False
        try:
            if held.key != key or name not in held.contents:
                return False
            _copy_in(cur, [held.contents[name]])
            return True
        except duckdb.Error:
            return False
        finally:
            _detach(cur)


# ---------------------------------------------------------------------------------------------
# Writing


def _remove_abandoned_temporaries(cache: Path) -> None:
    """Temporary files of writers that are gone (a process killed while writing)."""
    for temporary in cache.parent.glob(f"{cache.name}{_TEMP_MARK}*"):
        pid = temporary.name[len(cache.name) + len(_TEMP_MARK):].split("-", 1)[0]
        try:
            os.kill(int(pid), 0)
            continue  # its writer still runs
        except ProcessLookupError:
            pass
        except (ValueError, PermissionError, OSError):
            continue
        temporary.unlink(missing_ok=True)


def save(cur: duckdb.DuckDBPyConnection, db_path: str | os.PathLike, key: str, file_state: tuple,
         parts: Mapping[str, Objects]) -> dict[str, Objects] | None:
    """Write `parts` ("core" and side tables, each the objects it consists of in `cur`'s
    database) as the cache of `db_path` made from `key`; side tables the present cache holds
    under the same key and `parts` lacks are carried over. `file_state` is the database file's
    state when `key` was computed. Returns what the cache now holds, or None when it could not
    be written (the previous cache is then as it was)."""
    cache = cache_path(db_path)
    temporary = cache.with_name(f"{cache.name}{_TEMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    with _LOCK:
        try:
            _remove_abandoned_temporaries(cache)
            contents = {name: objects for name, objects in parts.items()}
            cur.execute(f"ATTACH $path AS {_ALIAS}_new", {"path": str(temporary)})
            try:
                for objects in contents.values():
                    for table in objects.tables:
                        cur.execute(f"CREATE TABLE {_ALIAS}_new.main.{quoted(table)} AS "
                                    f"SELECT * FROM {quoted(table)}")
                _carry_over(cur, cache, key, contents)
                cur.execute(f"CREATE TABLE {_ALIAS}_new.main.{_META_TABLE} "
                            "(key VARCHAR, contents VARCHAR, file_state VARCHAR)")
                cur.execute(f"INSERT INTO {_ALIAS}_new.main.{_META_TABLE} VALUES ($key, $contents, $state)",
                            {"key": key, "contents": json.dumps({n: o.to_json() for n, o in contents.items()}),
                             "state": _state_json(file_state)})
                cur.execute(f"CHECKPOINT {_ALIAS}_new")
            finally:
                cur.execute(f"DETACH {_ALIAS}_new")
            # It holds the customers' data: readable by whom the database is readable by.
            os.chmod(temporary, stat.S_IMODE(Path(db_path).stat().st_mode))
            os.replace(temporary, cache)
            return contents
        except (duckdb.Error, OSError):
            return None
        finally:
            for leftover in (temporary, temporary.with_name(temporary.name + ".wal")):
                try:
                    leftover.unlink(missing_ok=True)
                except OSError:
                    pass


def _carry_over(cur: duckdb.DuckDBPyConnection, cache: Path, key: str, contents: dict[str, Objects]) -> None:
    """Copy the side tables the present cache holds under `key` and `contents` lacks (built by
    an earlier process, not asked for by this one) into the new file, and name them in
    `contents`."""
    held = _attach(cur, cache)
    if held is None:
        return
    try:
        if held.key != key:
            return
        for name, objects in held.contents.items():
            if name in contents:
                continue
            for table in objects.tables:
                cur.execute(f"CREATE TABLE {_ALIAS}_new.main.{quoted(table)} AS "
                            f"SELECT * FROM {_ALIAS}.main.{quoted(table)}")
            contents[name] = objects
    except duckdb.Error:
        pass  # what was not carried over is built again when asked for
    finally:
        _detach(cur)


# ---------------------------------------------------------------------------------------------
# One analysis and its cache


@dataclass
class Kept:
    """The cache an analysis made by `Analysis.open` is tied to: the database, the key of its
    data, the build's own objects (`core`) and what the cache file holds (part -> objects)."""

    db_path: Path
    key: str
    file_state: tuple  # the database file's state when `key` was computed
    core: Objects
    contents: dict[str, Objects]

    @classmethod
    def after_build(cls, cur: duckdb.DuckDBPyConnection, db_path: Path, key: str, file_state: tuple) -> "Kept":
        """For tables just built: everything in memory is the core; the cache holds nothing yet."""
        return cls(db_path, key, file_state, catalog_objects(cur), {})

    @classmethod
    def after_load(cls, db_path: Path, key: str, file_state: tuple, contents: dict[str, Objects]) -> "Kept":
        return cls(db_path, key, file_state, contents["core"], dict(contents))

    def load_part(self, cur: duckdb.DuckDBPyConnection, name: str) -> Objects | None:
        """Load the side table `name` when the cache holds it; its objects, or None."""
        if name not in self.contents or not load_part(cur, self.db_path, self.key, name):
            return None
        return self.contents[name]

    def save(self, cur: duckdb.DuckDBPyConnection, parts: Mapping[str, Objects]) -> bool:
        """Write the core and the side tables `parts` unless the cache holds them all already;
        whether it wrote."""
        if "core" in self.contents and set(parts) <= set(self.contents):
            return False
        written = save(cur, self.db_path, self.key, self.file_state, {"core": self.core, **parts})
        if written is None:
            return False
        self.contents = written
        return True
