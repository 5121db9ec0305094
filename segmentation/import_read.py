"""Reading the files of one import into typed tables, and listing every value that cannot be read.

For each kind (orders, customers, contacts) the files are inspected and staged (`sources`),
their columns found by the mapping (`mapping`), then every value is read by the rules of
`values`, each distinct text once, in DuckDB tables of the caller's work connection:

- `raw_<kind>` (a view over the staged files, never copied): one row per data row of every file
  (`file_no`, `row_index`, `seq` = its place in the import), each mapped field as trimmed text,
  NULL when empty; all-empty rows dropped;
- `typed_<kind>`: the same rows with ids cleaned (one leading `'` dropped), e-mails lower-cased,
  phones as digits, dates, amounts and timestamps typed (NULL where unreadable);
- `problems`: one row per value that cannot be read: kind, file_no, row_index, field, value and
  the problem in words. The importer decides what to do with those rows.

Platform order exports (`shop_orders`) are read from the same staged rows by their own rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from .sources import Source
from .values import bad_times, parse_amounts, parse_dates, parse_timestamps

FIRST_YEAR, LAST_YEAR = 1900, 2999
MAX_AMOUNT = 10**16  # DECIMAL(18, 2) holds less than this
SEQ_FILE = 10**12  # seq = file_no * SEQ_FILE + row_index keeps the import's row order

PROBLEMS_DDL = """
CREATE TEMP TABLE IF NOT EXISTS problems (
    kind VARCHAR, file_no INTEGER, row_index BIGINT, field VARCHAR, value VARCHAR, problem VARCHAR
)
"""

#: Ids stay text exactly (`00042` stays `00042`), trimmed of surrounding spaces; one leading `'`
#: (how a spreadsheet-safe export keeps an id as text) is dropped: `'00042` -> `00042`.
UNQUOTED = "CASE WHEN left({v}, 1) = chr(39) THEN nullif(substr({v}, 2), '') ELSE {v} END"
TEXT_FIELDS_CLEANED = {"customer_id": UNQUOTED, "order_id": UNQUOTED, "phone": UNQUOTED}

#: The keys of a guest customer, next to the e-mail and phone as written (see `values`).
KEY_COLUMNS = {
    "email_key": "lower(email)",
    "phone_key": "nullif(regexp_replace(translate(phone, '０１２３４５６７８９', '0123456789'), '[^0-9]', '', 'g'), '')",
}


@dataclass(frozen=True)
class StagedFile:
    """One staged file of an import: its number, what it is and its staged table."""

    file_no: int
    source: Source
    table: str
    rejected_lines: tuple[tuple[int, str], ...] = ()  # structural problems: (line, sentence)


def raw_table(con: duckdb.DuckDBPyConnection, kind: str, files: list[StagedFile], mappings: list[dict[str, int]],
              fields: tuple[str, ...]) -> None:
    """`raw_<kind>`, a view: every file's rows with each field (NULL where unmapped or empty), all-empty rows dropped."""
    parts = []
    for staged, positions in zip(files, mappings):
        width = len(staged.source.headers)
        # A row is blank when all its cells together are only spaces: one trim per row, not one per cell.
        blank = f"trim(concat_ws('', {', '.join(f'c{i}' for i in range(width))})) = ''" if width else "false"
        columns = ", ".join(
            (f"nullif(trim(c{positions[name]}), '')" if name in positions else "CAST(NULL AS VARCHAR)") + f" AS {name}"
            for name in fields
        )
        parts.append(
            f"SELECT {staged.file_no} AS file_no, rowid AS row_index, "
            f"CAST({staged.file_no} AS BIGINT) * {SEQ_FILE} + rowid AS seq, {columns} "
            f"FROM {staged.table} WHERE NOT ({blank})"
        )
    con.execute(f"CREATE OR REPLACE TEMP VIEW raw_{kind} AS " + " UNION ALL ".join(parts))


def _lookup(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    con.register(f"{name}_frame", frame)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_frame")
    finally:
        con.unregister(f"{name}_frame")


def _distinct(con: duckdb.DuckDBPyConnection, sql: str) -> pd.Series:
    values = [row[0] for row in con.execute(sql).fetchall()]
    return pd.Series(values, dtype=object)


def date_lookup(con: duckdb.DuckDBPyConnection, table: str, column: str, name: str) -> None:
    """TEMP table `name` (text, value DATE, problem): every distinct text of `table.column` read
    as a date by `values.parse_dates`. The time after a date is checked apart (its distinct
    texts), so a column of timestamps costs the distinct dates plus the distinct times."""
    pattern = "'^(\\S+?)(?:[Tt]|\\s+)(\\S.*)$'"
    spaced = f"replace({column}, '　', ' ')"
    spaced = spaced.replace(column, "text")
    con.execute(  # the distinct texts first (a few thousand dates in millions of rows), then split them
        f"CREATE OR REPLACE TEMP TABLE {name}_parts AS SELECT text, "
        f"coalesce(nullif(regexp_extract({spaced}, {pattern}, 1), ''), text) AS d, "
        f"nullif(regexp_extract({spaced}, {pattern}, 2), '') AS t "
        f"FROM (SELECT DISTINCT {column} AS text FROM {table} WHERE {column} IS NOT NULL)"
    )
    dates = _distinct(con, f"SELECT DISTINCT d FROM {name}_parts")
    parsed, bad = parse_dates(dates)
    years = np.array([d.year if d is not None else 0 for d in parsed])
    iso_like = dates.str.fullmatch(r"\d{4}([-/.])\d{1,2}\1\d{1,2}").fillna(False).to_numpy(dtype=bool)
    problem = np.where(bad, np.where(iso_like, "not_a_real_date", "not_a_date"),
                       np.where((years < FIRST_YEAR) | (years > LAST_YEAR), "out_of_range", None))
    _lookup(con, f"{name}_d", pd.DataFrame({"d": dates, "value": pd.to_datetime(
        pd.Series([d if p is None else None for d, p in zip(parsed, problem)], dtype=object)), "problem": problem}))
    times = _distinct(con, f"SELECT DISTINCT t FROM {name}_parts WHERE t IS NOT NULL")
    _lookup(con, f"{name}_t", pd.DataFrame({"t": times, "bad": (bad_times(times) if len(times) else pd.Series([], dtype=bool)).astype(bool)}))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS "
        f"SELECT p.text, CASE WHEN coalesce(t.bad, false) THEN NULL ELSE CAST(d.value AS DATE) END AS value, "
        f"CASE WHEN coalesce(t.bad, false) THEN 'bad_time' ELSE d.problem END AS problem "
        f"FROM {name}_parts AS p JOIN {name}_d AS d USING (d) LEFT JOIN {name}_t AS t USING (t)"
    )


def amount_lookup(con: duckdb.DuckDBPyConnection, table: str, column: str, name: str) -> None:
    """TEMP table `name` (text, value DECIMAL(18,2), problem) for every distinct text of the column."""
    texts = _distinct(con, f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL")
    parsed, bad = parse_amounts(texts)
    problems, values = [], []
    for text, amount, is_bad in zip(texts, parsed, bad):
        if is_bad:
            digits = str(text).replace(",", "").lstrip("-¥")
            problems.append("too_many_decimals" if "." in digits and len(digits.split(".")[-1]) > 2
                            and digits.replace(".", "").isdigit() else "not_a_number")
            values.append(None)
        elif abs(amount) >= MAX_AMOUNT:
            problems.append("too_large")
            values.append(None)
        else:
            problems.append(None)
            values.append(f"{amount:.2f}")
    _lookup(con, f"{name}_frame0", pd.DataFrame({"text": texts, "value": pd.Series(values, dtype=object),
                                                 "problem": pd.Series(problems, dtype=object)}))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT text, CAST(value AS DECIMAL(18, 2)) AS value, problem "
                f"FROM {name}_frame0")


def timestamp_lookup(con: duckdb.DuckDBPyConnection, table: str, column: str, name: str) -> None:
    """TEMP table `name` (text, value TIMESTAMP, problem) read by `values.parse_timestamps`."""
    texts = _distinct(con, f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL")
    parsed, bad = parse_timestamps(texts)
    years = np.array([v.year if v is not None else 0 for v in parsed])
    problem = np.where(bad, "not_a_date", np.where((years < FIRST_YEAR) | (years > LAST_YEAR), "out_of_range", None))
    values = pd.to_datetime(pd.Series([v if p is None else None for v, p in zip(parsed, problem)], dtype=object))
    _lookup(con, name, pd.DataFrame({"text": texts, "value": values, "problem": problem}))


#: The SQL type of each typed field (the others are text).
FIELD_TYPES = {"order_date": "DATE", "amount": "DECIMAL(18, 2)", "created_at": "TIMESTAMP", "contacted_at": "TIMESTAMP"}

TYPED_READERS = {"order_date": date_lookup, "amount": amount_lookup, "created_at": timestamp_lookup,
                 "contacted_at": timestamp_lookup}


def distinct_texts(files: list[StagedFile], mappings: list[dict[str, int]], field: str) -> str:
    """A subquery of the distinct trimmed texts of one field over the staged files (`AS {field}`):
    DISTINCT on the cells as read first, so a million rows cost a hash of their few thousand texts
    and the trimming is done on those only."""
    parts = [f"SELECT DISTINCT c{positions[field]} AS v FROM {staged.table}"
             for staged, positions in zip(files, mappings) if field in positions]
    if not parts:
        return f"(SELECT CAST(NULL AS VARCHAR) AS {field} WHERE false) AS distinct_{field}"
    return (f"(SELECT DISTINCT nullif(trim(v), '') AS {field} FROM ({' UNION '.join(parts)})) "
            f"AS distinct_{field}")


def typed_table(con: duckdb.DuckDBPyConnection, kind: str, fields: tuple[str, ...], required: tuple[str, ...],
                texts: dict[str, str] | None = None) -> None:
    """`typed_<kind>` from `raw_<kind>`, and the problems of its values appended to `problems`.

    Each typed field `x` also gets `x_problem` (why it cannot be read; "empty" for a required
    one left empty) and `x_bad` (the text, only where there is a problem), so the problems are
    found in the typed table without reading the files again. `texts` may give, per typed field,
    a cheaper source of its distinct texts than `raw_<kind>` (`distinct_texts`)."""
    con.execute(PROBLEMS_DDL)
    selects, joins, checked = [], [], []
    for name in fields:
        if name in TYPED_READERS:
            lookup = f"lookup_{kind}_{name}"
            TYPED_READERS[name](con, (texts or {}).get(name, f"raw_{kind}"), name, lookup)
            joins.append(f"LEFT JOIN {lookup} AS {lookup} ON {lookup}.text = r.{name}")
            empty = "'empty'" if name in required else "NULL"
            selects += [f"{lookup}.value AS {name}",
                        f"CASE WHEN r.{name} IS NULL THEN {empty} ELSE {lookup}.problem END AS {name}_problem",
                        f"CASE WHEN {lookup}.problem IS NOT NULL THEN r.{name} END AS {name}_bad"]
            checked.append(name)
        elif name in TEXT_FIELDS_CLEANED:
            selects.append(TEXT_FIELDS_CLEANED[name].format(v=f"r.{name}") + f" AS {name}")
        else:
            selects.append(f"r.{name}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE typed_{kind} AS SELECT *, {key_columns_sql()} FROM ("
        f"SELECT r.file_no, r.row_index, r.seq, {', '.join(selects)} FROM raw_{kind} AS r {' '.join(joins)})"
    )
    for name in checked:
        con.execute(
            f"INSERT INTO problems SELECT $kind, file_no, row_index, $field, coalesce({name}_bad, ''), {name}_problem "
            f"FROM typed_{kind} WHERE {name}_problem IS NOT NULL",
            {"kind": kind, "field": name},
        )
    for name in required:
        if name not in checked:
            con.execute(
                f"INSERT INTO problems SELECT $kind, file_no, row_index, $field, '', 'empty' FROM typed_{kind} "
                f"WHERE {name} IS NULL",
                {"kind": kind, "field": name},
            )


def key_columns_sql() -> str:
    """`email_key` and `phone_key` from the typed `email` and `phone` columns."""
    return ", ".join(f"{sql} AS {name}" for name, sql in KEY_COLUMNS.items())


def no_customer_problems(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """A row naming no customer at all (no id, e-mail or phone) is a problem of its customer_id."""
    con.execute(
        f"INSERT INTO problems SELECT $kind, file_no, row_index, 'customer_id', '', 'no_customer' FROM typed_{kind} "
        "WHERE customer_id IS NULL AND email_key IS NULL AND phone_key IS NULL",
        {"kind": kind},
    )


