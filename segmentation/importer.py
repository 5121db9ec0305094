"""Importing a shop's files: orders, customers and contacts, as their systems export them.

`import_files` is the one entry point (the CLI and the Data page call it). It reads every file
first, in a private in-memory DuckDB (`sources` detect and stage the files, `mapping` finds the
columns, `import_read` and `shop_orders` read the values), then attaches the database and works
out what would change (`import_write`) and reports it (`import_report.ImportReport`):

- `dry_run`: the report, and nothing written (the database is opened read-only);
- values that cannot be read, with `on_error="reject"` (the default): nothing is written and
  `ImportRejectedError` carries the report;
- with `on_error="skip"`: the sound rows are imported (an order with a bad row is left out
  whole) and, given `rejects`, the other rows are written to that CSV with their reasons (by a
  dry run too, so they can be looked at before importing).

`progress` hears the stages as they start: "reading orders" (customers, contacts), "checking",
"writing".

The write is one transaction: a failure, or the process killed at any moment, leaves the
database exactly as it was. The database file is locked only while that transaction runs.
`inspect_file` is what the Data page shows before an import: what the file is, its platform,
the mapping guessed and the first rows.
"""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import duckdb
import pandas as pd

from . import audit, faults, import_read, import_write, mapping as mapping_module, platforms, schema, shop_orders
from . import sources
from .access import Viewer, cli_viewer
from .errors import ImportFileError
from .import_report import MAX_SHOWN_PROBLEMS, ImportRejectedError, ImportReport, Problem
from .mapping import FIELDS, KINDS, Mapping
from .platform_spec import Platform
from .platform_spec import header_key as platform_key
from .sources import ReadOptions, Source

ON_ERROR = ("reject", "skip")
#: DuckDB's memory limit for an import (`SEGMENTATION_IMPORT_MEMORY` overrides, e.g. "4GB").
IMPORT_MEMORY = "1GB"
Paths = str | os.PathLike | Sequence[str | os.PathLike] | None


def _known_headers() -> frozenset[str]:
    return mapping_module.known_headers() | platforms.known_headers()


@dataclass(frozen=True)
class FilePreview:
    """What the Data page shows of one file before importing it."""

    source: Source
    platform: Platform | None
    mapping: Mapping | None
    rows: pd.DataFrame  # the first rows, as text, under the file's headers


def inspect_file(path: str | os.PathLike, kind: str, options: ReadOptions = ReadOptions(),
                 platform: str | None = None, preview_rows: int = 10) -> FilePreview:
    """Detect what the file is, its platform (orders) and the mapping the import would use."""
    source = sources.inspect(path, options, _known_headers())
    chosen = _platform_for(kind, source, platform)
    guessed = None if chosen is not None else mapping_module.guess(kind, source.headers)
    return FilePreview(source, chosen, guessed, sources.preview_rows(source, preview_rows))


def _platform_for(kind: str, source: Source, name: str | None) -> Platform | None:
    if kind != "orders":
        return None
    if name is not None:
        return platforms.get(name)
    return platforms.recognise(source.headers)


def _as_list(paths: Paths) -> list[Path]:
    if paths is None:
        return []
    if isinstance(paths, (str, os.PathLike)):
        return sources.files_in([paths])
    return sources.files_in(list(paths))


def import_files(
    db_path: str | os.PathLike,
    *,
    orders: Paths = None,
    customers: Paths = None,
    contacts: Paths = None,
    platform: str | None = None,
    mapping: str | None = None,
    overrides: dict[str, str] | None = None,
    options: ReadOptions | None = None,
    on_error: str = "reject",
    rejects: str | os.PathLike | None = None,
    dry_run: bool = False,
    save_mapping: str | None = None,
    wait_seconds: float = 10.0,
    progress: Callable[[str], None] | None = None,
    by: Viewer | None = None,
) -> ImportReport:
    """Import the files into the database at `db_path` (see the module docstring). `by`: who
    imports, for the audit (default: the machine's user, as the CLI records)."""
    if on_error not in ON_ERROR:
        raise ImportFileError(f"--on-error is {on_error!r}; use reject or skip.")
    files = {"orders": _as_list(orders), "customers": _as_list(customers), "contacts": _as_list(contacts)}
    if not any(files.values()):
        raise ImportFileError("Nothing to import: give an orders, customers or contacts file.")
    known = {f for kind in KINDS if files[kind] for group in FIELDS[kind] for f in group}
    unknown = sorted(set(overrides or {}) - known)
    if unknown:
        raise ImportFileError(f"{unknown[0]} is not a field of the files given; the fields are {', '.join(sorted(known))}.")
    say = progress or (lambda _message: None)
    saved = _saved_mappings(db_path, mapping, [k for k in KINDS if files[k]])
    con = duckdb.connect()
    scratch = tempfile.TemporaryDirectory(prefix="segmentation-import-")
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET temp_directory = $d", {"d": scratch.name})
        # Bounded memory: what does not fit spills to the scratch folder (10M order rows in ~1.2 GB).
        con.execute("SET memory_limit = $m", {"m": os.environ.get("SEGMENTATION_IMPORT_MEMORY", IMPORT_MEMORY)})
        reading = _Reading(con, scratch.name, options, overrides or {}, saved, platform)
        for kind in KINDS:
            if files[kind]:
                say(f"reading {kind}")
                reading.read(kind, files[kind])
        say("checking")
        if dry_run or (on_error == "reject" and _has_problems(con, reading)):
            # Checked without taking the file's write lock: a dry run, or a refusal.
            with faults.told(db_path):  # a damaged database is said as such
                report = _plan(con, reading, db_path, write=False, on_error=on_error,
                               rejects=rejects if dry_run else None, dry_run=dry_run, wait_seconds=wait_seconds)
            if dry_run:
                return report
        existed = Path(db_path).exists()
        try:
            with faults.told(db_path, writing=True):  # a full disk, say, after the rollback
                return _plan(con, reading, db_path, write=True, on_error=on_error, rejects=rejects, dry_run=False,
                             wait_seconds=wait_seconds, save_mapping=save_mapping, say=say, by=by or cli_viewer())
        except BaseException:
            if not existed:  # a first import that failed leaves no empty database behind
                for leftover in (Path(db_path), Path(f"{db_path}.wal")):
                    leftover.unlink(missing_ok=True)
            raise
    finally:
        con.close()
        scratch.cleanup()


def _has_problems(con, reading: "_Reading") -> bool:
    structural = any(f.rejected_lines for kind in reading.kinds for f in reading.staged[kind])
    return structural or con.execute("SELECT count(*) FROM problems").fetchall()[0][0] > 0


def _saved_mappings(db_path, name: str | None, kinds: list[str]) -> dict[str, mapping_module.SavedMapping]:
    if name is None:
        return {}
    found = {}
    with schema.reading(db_path) as con:
        if schema.schema_version(con) < 2:
            raise ImportFileError(f"There is no saved mapping named {name!r}; none is saved in {db_path} yet.")
        for kind in kinds:
            found[kind] = mapping_module.load_mapping(con, name, kind)
    return found


class _Reading:
    """The files of one import staged and read into typed tables of `con`."""

    def __init__(self, con, folder, options, overrides, saved, platform_name):
        self.con, self.folder, self.options = con, folder, options
        self.overrides, self.saved, self.platform_name = overrides, saved, platform_name
        self.staged: dict[str, list[import_read.StagedFile]] = {}
        self.mappings: dict[str, list[dict[str, int]]] = {}
        self.headers: dict[str, list[dict[str, str]]] = {}  # per file: field -> header as written
        self.platform: Platform | None = None
        self.kinds: list[str] = []
        self.mapping_used: dict[str, Mapping] = {}
        self.mapped: dict[str, set[str]] = {}  # per kind: the fields some file of it has a column for

    def _options(self, kind: str) -> ReadOptions:
        if self.options is not None:
            return self.options
        return self.saved[kind].options if kind in self.saved else ReadOptions()

    def read(self, kind: str, paths: list[Path]) -> None:
        staged = []
        for path in paths:
            source = sources.inspect(path, self._options(kind), _known_headers())
            table = f"staged_{kind}_{len(staged)}"
            structural = sources.stage(self.con, source, table, self.folder)
            staged.append(import_read.StagedFile(len(staged), source, table, tuple(structural)))
        self.staged[kind], self.kinds = staged, self.kinds + [kind]
        name = self.platform_name or (self.saved[kind].platform if kind in self.saved else None)
        platform = _platform_for(kind, staged[0].source, name)
        if platform is not None:
            self._read_platform(platform, staged)
            return
        required, optional = FIELDS[kind]
        positions, headers = [], []
        for file in staged:
            base = self.saved[kind].mapping if kind in self.saved else mapping_module.guess(kind, file.source.headers)
            chosen = base.with_overrides({f: h for f, h in self.overrides.items() if f in required + optional})
            chosen.check_complete(file.source.name, file.source.headers)
            positions.append(chosen.positions(file.source.name, file.source.headers))
            headers.append({f: h for f, (h, _) in chosen.columns.items()})
            self.mapping_used[kind] = chosen
        self.mappings[kind], self.headers[kind] = positions, headers
        self.mapped[kind] = {field for found in positions for field in found}
        # Only the fields some file maps (and the customer's keys) become columns; the others are
        # added as NULL by the keyed view, so ten unmapped columns cost nothing on 10M rows.
        present = tuple(f for f in required + optional if f in self.mapped[kind] or f in mapping_module.KEY_FIELDS)
        import_read.raw_table(self.con, kind, staged, positions, present)
        texts = {f: import_read.distinct_texts(staged, positions, f) for f in present if f in import_read.TYPED_READERS}
        import_read.typed_table(self.con, kind, present, required, texts)
        import_read.no_customer_problems(self.con, kind)

    def _read_platform(self, platform: Platform, staged: list[import_read.StagedFile]) -> None:
        self.platform = platform
        columns = shop_orders.raw_columns(platform)
        positions = []
        for file in staged:
            if not platform.matches(list(file.source.headers)):
                raise ImportFileError(_not_the_platform(file.source, platform, staged[0].source))
            positions.append(shop_orders.columns_of(platform, file))
        self.mappings["orders"] = positions
        self.mapped["orders"] = {field for found in positions for field in found}
        self.headers["orders"] = [{f: file.source.headers[i] for f, i in p.items()} for file, p in zip(staged, positions)]
        import_read.raw_table(self.con, "orders", staged, positions, columns)
        shop_orders.typed_orders(self.con, platform)


def _not_the_platform(source: Source, platform: Platform, first: Source) -> str:
    if source is first:
        keys = {platform_key(h) for h in source.headers}
        missing = ", ".join(h for h in platform.recognise if platform_key(h) not in keys)
        return (f"{source.name} is not a {platform.label_en} file: it has no column {missing}; "
                "give its platform, or --platform generic to read it by its headers.")
    return (f"{source.name} is not a {platform.label_en} file like {first.name}; "
            "import the two separately.")


def _attach(con: duckdb.DuckDBPyConnection, db_path, write: bool, wait_seconds: float) -> None:
    path = Path(db_path)
    if write:
        if path.parent and not path.parent.exists():
            raise ImportFileError(f"The folder {path.parent} does not exist.")
        schema.attach_for_writing(con, path, "db", wait_seconds=wait_seconds)
    elif path.exists():
        schema.attach_read_only(con, path, "db", wait_seconds=wait_seconds)
        con.execute("USE db")
    else:  # a dry run against a database not made yet: compare with an empty one
        con.execute("ATTACH ':memory:' AS db")
        con.execute("USE db")
        schema.migrate(con)


def _plan(con, reading: _Reading, db_path, *, write: bool, on_error: str, rejects, dry_run: bool,
          wait_seconds: float, save_mapping: str | None = None,
          say: Callable[[str], None] = lambda _message: None, by: Viewer | None = None) -> ImportReport:
    kinds, platform = reading.kinds, reading.platform is not None
    _attach(con, db_path, write, wait_seconds)
    committed = False
    try:
        if write:
            con.execute("BEGIN TRANSACTION")
        import_write.key_customers(con, kinds)
        import_write.consistency_problems(con, kinds, platform)
        import_write.reject_rows(con, kinds, platform)
        counts: dict[str, int] = {}
        order_counts: dict[str, int] = {}
        if "orders" in kinds:
            order_counts = import_write.plan_orders(con, platform, kinds)
            counts.update({k: v for k, v in order_counts.items() if k != "groups_present"})
        counts.update(import_write.plan_customers(con, kinds, reading.mapped))
        if "contacts" in kinds:
            counts.update(import_write.plan_contacts(con))
        report = _report(con, reading, counts, dry_run=dry_run)
        refused = report.problem_count > 0 and on_error == "reject"
        if rejects is not None and report.problem_count and not refused:  # a dry run writes them too
            _write_rejects(con, reading, Path(rejects))
            report = replace(report, rejects_file=str(rejects))
        if not write or refused:
            if write:
                con.execute("ROLLBACK")
            if refused:
                raise ImportRejectedError(report)
            return report
        say("writing")
        import_write.write_customers(con)
        if "orders" in kinds:
            import_write.write_orders(con, order_counts)
        if "contacts" in kinds:
            import_write.write_contacts(con)
        if save_mapping:
            for kind in kinds:
                if kind in reading.mapping_used or reading.platform is not None:
                    mapping_module.save_mapping(con, save_mapping, reading.mapping_used.get(kind, Mapping(kind)),
                                                reading.options or ReadOptions(),
                                                reading.platform.name if reading.platform and kind == "orders" else None)
        report = replace(report, imported=True)
        _log(con, report, by or cli_viewer())
        if report.changes:
            con.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'data_version'")
        con.execute("COMMIT")
        committed = True
        return report
    except BaseException:
        if write and not committed:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass
        raise
    finally:
        con.execute("USE memory")
        con.execute("DETACH db")
        if write:
            schema.FILE_LOCK.release()  # taken by schema.attach_for_writing


def _report(con, reading: _Reading, counts: dict[str, int], dry_run: bool) -> ImportReport:
    rows_read = 0
    for kind in reading.kinds:
        counted = shop_orders.ROWS_TABLE if kind == "orders" and reading.platform is not None else f"typed_{kind}"
        rows_read += con.execute(f"SELECT count(*) FROM {counted}").fetchall()[0][0]  # as many rows as raw_<kind>
        rows_read += sum(len(f.rejected_lines) for f in reading.staged[kind])
    structural = [(f.source.name, line, sentence) for kind in reading.kinds for f in reading.staged[kind]
                  for line, sentence in f.rejected_lines]
    total = con.execute("SELECT count(*) FROM effective_problems").fetchall()[0][0] + len(structural)
    rejected = len(structural)
    for kind in reading.kinds:
        rejected += con.execute(f"SELECT count(*) FROM rejected_{kind}").fetchall()[0][0]
    shown = [Problem(name, line, "", "", "structure", {"detail": sentence}) for name, line, sentence in structural]
    shown += _first_problems(con, reading, MAX_SHOWN_PROBLEMS - len(shown)) if len(shown) < MAX_SHOWN_PROBLEMS else []
    excluded = {}
    if reading.platform is not None:
        excluded = dict(con.execute("SELECT reason, count(*) FROM excluded_orders GROUP BY reason").fetchall())
    return ImportReport(
        sources=tuple(f.source for kind in reading.kinds for f in reading.staged[kind]),
        platform=reading.platform.name if reading.platform else None,
        rows_read=int(rows_read), excluded={k: int(v) for k, v in excluded.items()},
        problem_count=int(total), problems=tuple(shown[:MAX_SHOWN_PROBLEMS]), rows_rejected=int(rejected),
        dry_run=dry_run, **counts,
    )


def _first_problems(con, reading: _Reading, limit: int) -> list[Problem]:
    rows = con.execute(
        "SELECT kind, file_no, row_index, field, value, problem FROM effective_problems "
        "ORDER BY CASE kind WHEN 'customers' THEN 0 WHEN 'orders' THEN 1 ELSE 2 END, file_no, row_index, field LIMIT $n",
        {"n": limit},
    ).fetchall()
    wanted = [(kind, file_no, row_index) for kind, file_no, row_index, *_ in rows]
    for kind, *_rest, code in rows:
        if ":" in code:  # a problem naming another row: find that row's line in the same pass
            seq = int(code.split(":")[1])
            wanted.append((kind, seq // import_read.SEQ_FILE, seq % import_read.SEQ_FILE))
    lines = _lines(reading, wanted)
    return [_problem(reading, lines, *row) for row in rows]


def _lines(reading: _Reading, wanted: list[tuple[str, int, int]]) -> dict[tuple[str, int, int], int | None]:
    """The file line of each (kind, file_no, row_index), one pass over each file."""
    by_file: dict[tuple[str, int], list[int]] = {}
    for kind, file_no, row_index in wanted:
        by_file.setdefault((kind, file_no), []).append(row_index)
    found: dict[tuple[str, int, int], int | None] = {}
    for (kind, file_no), indexes in by_file.items():
        staged = reading.staged[kind][file_no]
        lines = sources.line_numbers(staged.source, indexes, {line for line, _ in staged.rejected_lines})
        found.update({(kind, file_no, i): lines.get(i) for i in indexes})
    return found


def _problem(reading: _Reading, lines: dict, kind, file_no, row_index, field, value, code) -> Problem:
    staged = reading.staged[kind][file_no]
    header = reading.headers[kind][file_no].get(field, field)
    column = header if header == field else f"{header} ({field})"
    detail: dict = {}
    if ":" in code:
        code, _, rest = code.partition(":")
        first_seq, _, order = rest.partition(":")
        seq = int(first_seq)
        detail = {"other": lines.get((kind, seq // import_read.SEQ_FILE, seq % import_read.SEQ_FILE)), "order": order}
    return Problem(staged.source.name, lines.get((kind, file_no, row_index)), column, value or "", code, detail)


def _write_rejects(con, reading: _Reading, path: Path) -> None:
    """Every rejected row with its file, line and reasons, then its cells under the file's headers."""
    rows_out = []
    headers: list[str] = []
    for kind in reading.kinds:
        problems = con.execute("SELECT * FROM effective_problems WHERE kind = $k", {"k": kind}).fetchall()
        wanted = [(kind, file_no, row_index) for _, file_no, row_index, *_ in problems]
        for *_, code in problems:
            if ":" in code:
                seq = int(code.split(":")[1])
                wanted.append((kind, seq // import_read.SEQ_FILE, seq % import_read.SEQ_FILE))
        lines_of = _lines(reading, wanted)
        reasons: dict[tuple[int, int], list[str]] = {}
        for row in problems:
            reasons.setdefault((row[1], row[2]), []).append(_problem(reading, lines_of, *row).sentence("en"))
        for staged in reading.staged[kind]:
            rejected = [r[0] for r in con.execute(
                f"SELECT row_index FROM rejected_{kind} WHERE file_no = $f ORDER BY row_index",
                {"f": staged.file_no}).fetchall()]
            lines = sources.line_numbers(staged.source, rejected, {line for line, _ in staged.rejected_lines})
            for name in staged.source.headers:
                if name not in headers:
                    headers.append(name)
            if rejected:
                cells = con.execute(f"SELECT rowid, * FROM {staged.table} WHERE rowid IN (SELECT unnest($r))",
                                    {"r": rejected}).fetchall()
                by_row = {row[0]: row[1:] for row in cells}
                for row_index in rejected:
                    values = dict(zip(staged.source.headers, by_row.get(row_index, ())))
                    reason = "; ".join(reasons.get((staged.file_no, row_index), ["another row of the same order"]))
                    rows_out.append([staged.source.name, lines.get(row_index), reason, values])
            for line, sentence in staged.rejected_lines:
                rows_out.append([staged.source.name, line, sentence, {}])
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "line", "reason"] + headers)
        for name, line, reason, values in rows_out:
            writer.writerow([name, line, reason] + [values.get(h) or "" for h in headers])


def _log(con, report: ImportReport, by: Viewer) -> None:
    con.execute(
        "INSERT INTO import_log (imported_at, files, platform, rows_read, orders_added, orders_updated, orders_removed, "
        "customers_added, customers_updated, contacts_added, rows_excluded, rows_rejected) VALUES "
        "(current_timestamp, $files, $platform, $rows, $oa, $ou, $orm, $ca, $cu, $cta, $ex, $rej)",
        {"files": ", ".join(report.files), "platform": report.platform,
         "rows": report.rows_read, "oa": report.orders_added, "ou": report.orders_updated, "orm": report.orders_removed,
         "ca": report.customers_added + report.customers_created, "cu": report.customers_updated,
         "cta": report.contacts_added, "ex": sum(report.excluded.values()), "rej": report.rows_rejected},
    )
    audit.record(con, by, "import", {
        "files": list(report.files), "platform": report.platform, "rows_read": report.rows_read,
        "orders_added": report.orders_added, "orders_updated": report.orders_updated,
        "orders_removed": report.orders_removed, "contacts_added": report.contacts_added,
    }, customers=report.customers_added + report.customers_created + report.customers_updated)


def database_contents(db_path: str | os.PathLike, wait_seconds: float = 10.0) -> dict:
    """What the database holds, for the Data page: rows per table, the orders as docs/tiers.md
    counts them (`order_count`: order-id groups of a customer with a positive amount, as the
    sidebar counts them), the order date range and the last import."""
    with schema.reading(db_path, wait_seconds=wait_seconds) as con:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in ("customers", "orders", "contacts")}
        counts["order_count"] = con.execute(
            "SELECT count(*) FROM (SELECT 1 FROM orders GROUP BY customer_id, order_id HAVING sum(amount) > 0)"
        ).fetchall()[0][0]
        first, last = con.execute("SELECT min(order_date), max(order_date) FROM orders").fetchall()[0]
        log = []
        if schema.schema_version(con) >= 2:
            log = con.execute("SELECT imported_at, files, platform, orders_added, customers_added FROM import_log "
                              "ORDER BY import_id DESC LIMIT 1").fetchall()
    return {**counts, "first_order": first, "last_order": last, "last_import": log[0] if log else None}


__all__ = ["FilePreview", "ImportRejectedError", "ImportReport", "ON_ERROR", "database_contents", "import_files",
           "inspect_file"]
