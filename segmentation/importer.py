"""Plain CSV import: orders, customers and contacts files with the canonical headers.

Every file is read and checked in full before the database is opened; then all files of one
call are written in one transaction (`schema.writing`), so a bad value anywhere imports
nothing and the error names the file, the line (the header is line 1), the column and the
value. The checks are vectorised, so a file of millions of rows imports in seconds.

The rules a manager relies on:
- every cell is read as text: ids are kept exactly (`00042` stays `00042`), only surrounding
  whitespace is dropped, and an empty cell is stored as NULL;
- importing the same files again adds nothing: an order whose `order_id` is already in the
  database is skipped whole, and a contact identical to one already stored is skipped;
- an order row without an `order_id` gets one made from its content and its occurrence number
  among identical rows of the file, so two identical rows stay two orders;
- a customer row whose id exists updates that customer with the file's non-empty values;
- an order or contact for an unknown customer creates a minimal customer (only its id).
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema
from .errors import ImportFileError


@dataclass(frozen=True)
class ImportResult:
    """What one import added, updated and skipped.

    Orders are counted by `order_id` (an order of three lines counts once); `customers_added`
    includes the minimal customers created for orders and contacts of unknown customers.
    """

    customers_added: int
    customers_updated: int
    orders_added: int
    orders_skipped: int
    contacts_added: int
    contacts_skipped: int

    def summary(self) -> str:
        """One English line for the CLI, naming only what happened."""
        parts = []
        if self.orders_added or self.orders_skipped:
            parts.append(_counted(self.orders_added, "order", self.orders_skipped))
        if self.customers_added:
            parts.append(_counted(self.customers_added, "new customer"))
        if self.customers_updated:
            parts.append(_counted(self.customers_updated, "updated customer"))
        if self.contacts_added or self.contacts_skipped:
            parts.append(_counted(self.contacts_added, "contact", self.contacts_skipped))
        if not parts:
            return "Nothing new: every row was already in the database."
        return "Imported " + ", ".join(parts) + "."


def _counted(number: int, noun: str, already_present: int = 0) -> str:
    text = f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
    return text + (f" ({already_present:,} already present)" if already_present else "")


@dataclass(frozen=True)
class _Layout:
    """The canonical columns of one kind of file."""

    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


ORDERS = _Layout("orders", ("customer_id", "order_date", "amount"), ("order_id", "campaign", "category"))
PROFILE_COLUMNS = ("name", "company", "email", "phone", "region", "address", "channel", "staff")
CUSTOMERS = _Layout("customers", ("customer_id",), PROFILE_COLUMNS + ("created_at",))
CONTACTS = _Layout("contacts", ("customer_id", "contacted_at"), ("kind", "staff", "note"))


def import_files(
    db_path: str | os.PathLike,
    *,
    orders: str | os.PathLike | None = None,
    customers: str | os.PathLike | None = None,
    contacts: str | os.PathLike | None = None,
    wait_seconds: float = 10.0,
) -> ImportResult:
    """Import the given CSV files into the database at `db_path`, all or nothing.

    Raises `ImportFileError` naming the file, line, column and value of the first bad cell;
    the database is then left exactly as it was.
    """
    if orders is None and customers is None and contacts is None:
        raise ImportFileError("Nothing to import: give an orders, customers or contacts file.")
    customer_rows = _customer_rows(_read(customers, CUSTOMERS)) if customers is not None else None
    order_rows = _order_rows(_read(orders, ORDERS)) if orders is not None else None
    contact_rows = _contact_rows(_read(contacts, CONTACTS)) if contacts is not None else None

    customers_added = customers_updated = 0
    orders_added = orders_skipped = contacts_added = contacts_skipped = 0
    with schema.writing(db_path, wait_seconds=wait_seconds) as con:
        con.execute("SET enable_progress_bar = false")  # the CLI prints one summary line, nothing else
        if customer_rows is not None:
            customers_added, customers_updated = _write_customers(con, customer_rows)
        if order_rows is not None:
            orders_added, orders_skipped, minimal = _write_orders(con, order_rows)
            customers_added += minimal
        if contact_rows is not None:
            contacts_added, contacts_skipped, minimal = _write_contacts(con, contact_rows)
            customers_added += minimal
    return ImportResult(
        customers_added=customers_added,
        customers_updated=customers_updated,
        orders_added=orders_added,
        orders_skipped=orders_skipped,
        contacts_added=contacts_added,
        contacts_skipped=contacts_skipped,
    )


# --- Reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """The canonical columns of one file as stripped text, with each row's spreadsheet line.

    Optional columns the file lacks are present as empty text; rows whose every cell is empty
    are dropped.
    """

    file: str
    rows: pd.DataFrame
    lines: np.ndarray


def _read(path: str | os.PathLike, layout: _Layout) -> _Table:
    path = Path(path)
    name = path.name
    if not path.exists():
        raise ImportFileError(f"The {layout.kind} file {path} does not exist.")
    if not path.is_file():
        raise ImportFileError(f"The {layout.kind} file {path} is a folder, not a CSV file.")
    header = _header(path)
    positions = _column_positions(name, header, layout)
    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            index_col=False,
            encoding="utf-8-sig",
        )
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except pd.errors.ParserError as error:
        raise _not_csv(name, len(header), error) from None
    except OSError as error:
        raise ImportFileError(f"{name} cannot be read: {error.strerror or error}.") from None

    lines = np.arange(len(frame), dtype=np.int64) + 2
    blank = (frame == "").all(axis=1).to_numpy()
    if blank.any():
        frame = frame.loc[~blank].reset_index(drop=True)
        lines = lines[~blank]
    columns = {}
    for column in layout.columns:
        if column in positions:
            columns[column] = frame.iloc[:, positions[column]].str.strip()
        else:
            columns[column] = pd.Series("", index=frame.index, dtype=str)
    return _Table(name, pd.DataFrame(columns), lines)


def _header(path: Path) -> list[str]:
    """The header row's names, stripped; raises when the file has none."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except csv.Error as error:
        raise ImportFileError(f"{path.name} line 1 cannot be read as CSV: {error}.") from None
    except OSError as error:
        raise ImportFileError(f"{path.name} cannot be read: {error.strerror or error}.") from None
    if header is None:
        raise ImportFileError(f"{path.name} is empty: it needs a header row naming the columns, such as customer_id.")
    names = [name.strip() for name in header]
    if not any(names):
        raise ImportFileError(f"{path.name} has no header row: line 1 must name the columns, such as customer_id.")
    return names


def _column_positions(name: str, header: list[str], layout: _Layout) -> dict[str, int]:
    """Where each canonical column sits in the header; other columns are ignored."""
    positions: dict[str, int] = {}
    for position, column in enumerate(header):
        if column not in layout.columns:
            continue
        if column in positions:
            raise ImportFileError(f"{name} line 1, column {column}: the header names this column twice.")
        positions[column] = position
    missing = [column for column in layout.required if column not in positions]
    if missing:
        needed = ", ".join(layout.required)
        raise ImportFileError(
            f"{name} line 1 has no column {missing[0]}: a {layout.kind} file needs the columns {needed}."
        )
    return positions


def _not_utf8(path: Path) -> ImportFileError:
    """The error for a file that is not UTF-8, naming the line and byte of the first bad byte."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start
    else:  # pragma: no cover - only called after a decoding error
        offset = 0
    line = data.count(b"\n", 0, offset) + 1
    return ImportFileError(
        f"{path.name} line {line} is not UTF-8 text (byte {offset + 1} is 0x{data[offset]:02X}); "
        'save the file as "CSV UTF-8" and import it again.'
    )


def _not_csv(name: str, header_width: int, error: Exception) -> ImportFileError:
    text = str(error)
    match = re.search(r"Expected \d+ fields in line (\d+), saw (\d+)", text)
    if match:
        return ImportFileError(
            f"{name} line {match.group(1)} has {match.group(2)} values but the header names "
            f"{header_width} columns; a value holding a comma must be in double quotes."
        )
    return ImportFileError(f"{name} cannot be read as CSV: {text.splitlines()[-1] if text else error}.")


# --- Checking values -----------------------------------------------------------------------


def _bad_value(table: _Table, position: int, column: str, problem: str) -> ImportFileError:
    value = table.rows[column].iloc[position]
    shown = value if len(value) <= 60 else value[:57] + "..."
    shown = shown.replace("\r", "\\r").replace("\n", "\\n")
    return ImportFileError(f'{table.file} line {table.lines[position]}, column {column}: "{shown}" {problem}.')


def _first(mask) -> int | None:
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(positions[0]) if len(positions) else None


def _require_values(table: _Table, column: str) -> None:
    position = _first(table.rows[column] == "")
    if position is not None:
        raise ImportFileError(
            f"{table.file} line {table.lines[position]}, column {column}: "
            f"the cell is empty, but every row needs a {column}."
        )


_TIMESTAMP = re.compile(
    r"^(?P<year>\d{4})(?P<sep1>[-/])(?P<month>\d{1,2})(?P<sep2>[-/])(?P<day>\d{1,2})"
    r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?$"
)
_FIRST_YEAR, _LAST_YEAR = 1900, 2999


def _timestamps(table: _Table, column: str, *, required: bool) -> np.ndarray:
    """The column as datetime64[us]; NaT for empty optional cells.

    Accepts YYYY-MM-DD and YYYY/MM/DD (month and day may have one digit, as spreadsheets
    write them), optionally followed by HH:MM or HH:MM:SS. The date must exist in the calendar.
    """
    values = table.rows[column]
    if required:
        _require_values(table, column)
    empty = (values == "").to_numpy()
    parts = pc.extract_regex(pa.array(values), _TIMESTAMP.pattern)
    if isinstance(parts, pa.ChunkedArray):
        parts = parts.combine_chunks()

    def number(field: str) -> np.ndarray:
        text = pc.struct_field(parts, field)
        text = pc.if_else(pc.equal(text, ""), "0", text)
        return pc.fill_null(pc.cast(text, pa.int64()), 0).to_numpy(zero_copy_only=False)

    matched = pc.is_valid(parts).to_numpy(zero_copy_only=False) & np.asarray(
        pc.fill_null(pc.equal(pc.struct_field(parts, "sep1"), pc.struct_field(parts, "sep2")), False)
    )
    year, month, day = number("year"), number("month"), number("day")
    hour, minute, second = number("hour"), number("minute"), number("second")
    month_start = ((year - 1970) * 12 + (month - 1)).astype("datetime64[M]")
    first_day = month_start.astype("datetime64[D]")
    days_in_month = ((month_start + 1).astype("datetime64[D]") - first_day).astype(np.int64)
    real = (
        matched
        & (year >= _FIRST_YEAR)
        & (year <= _LAST_YEAR)
        & (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (day <= days_in_month)
        & (hour <= 23)
        & (minute <= 59)
        & (second <= 59)
    )
    position = _first(~real & ~empty)
    if position is not None:
        raise _bad_value(table, position, column, _timestamp_problem(values.iloc[position]))
    seconds = hour * 3600 + minute * 60 + second
    stamps = (first_day + (day - 1)).astype("datetime64[us]") + (seconds * 1_000_000).astype("timedelta64[us]")
    stamps[empty] = np.datetime64("NaT")
    return stamps


def _timestamp_problem(value: str) -> str:
    """Why one cell is not a date, for the message."""
    match = _TIMESTAMP.match(value)
    if not match or match["sep1"] != match["sep2"]:
        return "is not a date; write it as YYYY-MM-DD or YYYY/MM/DD"
    if not _FIRST_YEAR <= int(match["year"]) <= _LAST_YEAR:
        return f"is not a date between the years {_FIRST_YEAR} and {_LAST_YEAR}"
    if match["hour"] is not None and not (
        int(match["hour"]) <= 23 and int(match["minute"]) <= 59 and int(match["second"] or 0) <= 59
    ):
        return "is not a real time of day"
    return "is not a real calendar date"


_AMOUNT = r"-?\d{1,16}(?:\.\d{1,2})?"


def _amounts(table: _Table, column: str) -> pd.Series:
    """The column as canonical decimal text with two places ("1980" -> "1980.00").

    A plain number: an optional minus sign, digits, and at most two decimal places; no
    thousands separators or currency signs.
    """
    values = table.rows[column]
    _require_values(table, column)
    position = _first(~values.str.fullmatch(_AMOUNT).to_numpy(dtype=bool))
    if position is not None:
        value = values.iloc[position]
        if re.fullmatch(r"-?\d+\.\d{3,}", value):
            problem = "has more than 2 decimal places"
        elif re.fullmatch(r"-?\d+(?:\.\d+)?", value):
            problem = "is too large for an amount"
        else:
            problem = "is not a number"
        raise _bad_value(table, position, column, problem)
    canonical = pc.cast(pc.cast(pa.array(values), pa.decimal128(18, 2)), pa.string())
    return canonical.to_pandas(types_mapper=lambda _: pd.StringDtype("pyarrow", na_value=np.nan))


def _order_rows(table: _Table) -> pd.DataFrame:
    """The checked order rows; `order_id` stays empty where the database must generate it."""
    rows = table.rows
    _require_values(table, "customer_id")
    order_dates = _timestamps(table, "order_date", required=True).astype("datetime64[D]")
    amounts = _amounts(table, "amount")
    explicit = (rows["order_id"] != "").to_numpy()
    if explicit.any():
        _check_one_customer_per_order(table, explicit)
    return pd.DataFrame(
        {
            "line": table.lines,
            "order_id": rows["order_id"],
            "customer_id": rows["customer_id"],
            "order_date": order_dates.astype("datetime64[s]"),
            "amount": amounts,
            "campaign": rows["campaign"],
            "category": rows["category"],
        }
    )


def _check_one_customer_per_order(table: _Table, explicit: np.ndarray) -> None:
    """Rows sharing an order_id are lines of one order, so they must name one customer."""
    ids = table.rows["order_id"][explicit]
    customers = table.rows["customer_id"][explicit]
    grouped = pd.DataFrame({"order_id": ids, "customer_id": customers, "line": table.lines[explicit]})
    first = grouped.groupby("order_id", sort=False)[["customer_id", "line"]].transform("first")
    position = _first((first["customer_id"] != grouped["customer_id"]).to_numpy())
    if position is not None:
        row = grouped.iloc[position]
        raise ImportFileError(
            f'{table.file} line {row["line"]}, column customer_id: "{row["customer_id"]}" differs from '
            f'"{first["customer_id"].iloc[position]}" on line {first["line"].iloc[position]}, '
            f'but both lines belong to order "{row["order_id"]}".'
        )


def _customer_rows(table: _Table) -> pd.DataFrame:
    rows = table.rows
    _require_values(table, "customer_id")
    duplicate = _first(rows["customer_id"].duplicated(keep="first").to_numpy())
    if duplicate is not None:
        customer_id = rows["customer_id"].iloc[duplicate]
        first = _first((rows["customer_id"] == customer_id).to_numpy())
        raise _bad_value(
            table,
            duplicate,
            "customer_id",
            f"is already on line {table.lines[first]}; a customers file has one row per customer",
        )
    created_at = _timestamps(table, "created_at", required=False)
    frame = {"line": table.lines, "customer_id": rows["customer_id"]}
    frame.update({column: rows[column] for column in PROFILE_COLUMNS})
    frame["created_at"] = created_at
    return pd.DataFrame(frame)


def _contact_rows(table: _Table) -> pd.DataFrame:
    rows = table.rows
    _require_values(table, "customer_id")
    contacted_at = _timestamps(table, "contacted_at", required=True)
    return pd.DataFrame(
        {
            "line": table.lines,
            "customer_id": rows["customer_id"],
            "contacted_at": contacted_at,
            "kind": rows["kind"],
            "staff": rows["staff"],
            "note": rows["note"],
        }
    )


# --- Writing -------------------------------------------------------------------------------
# Each frame is registered with DuckDB and copied into a temporary table with empty text as
# NULL; the statements below then work set-wise. No value ever enters the SQL text.

_INCOMING_CUSTOMERS = """
CREATE TEMP TABLE incoming_customers AS
SELECT line, customer_id,
       NULLIF(name, '') AS name, NULLIF(company, '') AS company, NULLIF(email, '') AS email,
       NULLIF(phone, '') AS phone, NULLIF(region, '') AS region, NULLIF(address, '') AS address,
       NULLIF(channel, '') AS channel, NULLIF(staff, '') AS staff,
       CAST(created_at AS TIMESTAMP) AS created_at
FROM customer_rows
"""

# A known customer takes the file's non-empty values; one whose values already match is left
# alone and not counted as updated.
_UPDATE_CUSTOMERS = """
UPDATE customers AS c SET
    name = coalesce(i.name, c.name),
    company = coalesce(i.company, c.company),
    email = coalesce(i.email, c.email),
    phone = coalesce(i.phone, c.phone),
    region = coalesce(i.region, c.region),
    address = coalesce(i.address, c.address),
    channel = coalesce(i.channel, c.channel),
    staff = coalesce(i.staff, c.staff),
    created_at = coalesce(i.created_at, c.created_at)
FROM incoming_customers AS i
WHERE c.customer_id = i.customer_id
  AND (   (i.name IS NOT NULL AND i.name IS DISTINCT FROM c.name)
       OR (i.company IS NOT NULL AND i.company IS DISTINCT FROM c.company)
       OR (i.email IS NOT NULL AND i.email IS DISTINCT FROM c.email)
       OR (i.phone IS NOT NULL AND i.phone IS DISTINCT FROM c.phone)
       OR (i.region IS NOT NULL AND i.region IS DISTINCT FROM c.region)
       OR (i.address IS NOT NULL AND i.address IS DISTINCT FROM c.address)
       OR (i.channel IS NOT NULL AND i.channel IS DISTINCT FROM c.channel)
       OR (i.staff IS NOT NULL AND i.staff IS DISTINCT FROM c.staff)
       OR (i.created_at IS NOT NULL AND i.created_at IS DISTINCT FROM c.created_at))
"""

_INSERT_CUSTOMERS = """
INSERT INTO customers (customer_id, name, company, email, phone, region, address, channel, staff, created_at)
SELECT customer_id, name, company, email, phone, region, address, channel, staff, created_at
FROM incoming_customers
WHERE customer_id NOT IN (SELECT customer_id FROM customers)
ORDER BY line
"""


def _write_customers(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> tuple[int, int]:
    """Update known customers, then insert new ones; returns (added, updated)."""
    con.register("customer_rows", rows)
    try:
        con.execute(_INCOMING_CUSTOMERS)
    finally:
        con.unregister("customer_rows")
    updated = con.execute(_UPDATE_CUSTOMERS).fetchall()[0][0]
    added = con.execute(_INSERT_CUSTOMERS).fetchall()[0][0]
    return added, updated


# A row without an order_id gets "g-" + the first 16 hex digits of the SHA-256 of
# customer_id|order_date|amount|campaign|category|k (date as YYYY-MM-DD, amount with two
# decimals, empty text for an empty cell, k = 1, 2, ... counting identical rows of the file in
# file order): the same file always gives the same ids, and two identical rows are two orders.
# An order whose id is already stored is skipped whole, with all its lines.
_INCOMING_ORDERS = """
CREATE TEMP TABLE incoming_orders AS
WITH typed AS (
    SELECT line, order_id, customer_id,
           CAST(order_date AS DATE) AS order_date,
           CAST(amount AS DECIMAL(18, 2)) AS amount,
           NULLIF(campaign, '') AS campaign,
           NULLIF(category, '') AS category,
           amount AS amount_text,
           coalesce(campaign, '') AS campaign_text,
           coalesce(category, '') AS category_text
    FROM order_rows
),
identified AS (
    SELECT line, order_id, customer_id, order_date, amount, campaign, category
    FROM typed
    WHERE order_id <> ''
    UNION ALL
    SELECT line,
           'g-' || left(sha256(concat_ws('|',
               customer_id, strftime(order_date, '%Y-%m-%d'), amount_text, campaign_text, category_text,
               row_number() OVER (
                   PARTITION BY customer_id, order_date, amount_text, campaign_text, category_text
                   ORDER BY line))), 16),
           customer_id, order_date, amount, campaign, category
    FROM typed
    WHERE order_id = ''
)
SELECT *, order_id IN (SELECT order_id FROM orders) AS already_present
FROM identified
"""

_COUNT_ORDERS = """
SELECT count(DISTINCT order_id) FILTER (WHERE NOT already_present),
       count(DISTINCT order_id) FILTER (WHERE already_present)
FROM incoming_orders
"""

_INSERT_ORDERS = """
INSERT INTO orders (order_id, customer_id, order_date, amount, campaign, category)
SELECT order_id, customer_id, order_date, amount, campaign, category
FROM incoming_orders
WHERE NOT already_present
ORDER BY line
"""

# An order for a customer id without a customer row creates a minimal customer.
_MINIMAL_CUSTOMERS_FOR_ORDERS = """
INSERT INTO customers (customer_id)
SELECT DISTINCT customer_id FROM incoming_orders
WHERE customer_id NOT IN (SELECT customer_id FROM customers)
ORDER BY customer_id
"""


def _write_orders(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> tuple[int, int, int]:
    """Insert the new orders; returns (orders added, orders skipped, minimal customers added)."""
    con.register("order_rows", rows)
    try:
        con.execute(_INCOMING_ORDERS)
    finally:
        con.unregister("order_rows")
    added, skipped = con.execute(_COUNT_ORDERS).fetchall()[0]
    con.execute(_INSERT_ORDERS)
    minimal = con.execute(_MINIMAL_CUSTOMERS_FOR_ORDERS).fetchall()[0][0]
    return added, skipped, minimal


# The k-th of identical rows in the file is new only when the database holds fewer than k of
# them, so a re-import adds nothing while two identical contacts in one file stay two.
_INCOMING_CONTACTS = """
CREATE TEMP TABLE incoming_contacts AS
SELECT line, customer_id, contacted_at, kind, staff, note,
       row_number() OVER (PARTITION BY customer_id, contacted_at, kind, staff, note ORDER BY line)
           AS occurrence
FROM (
    SELECT line, customer_id, CAST(contacted_at AS TIMESTAMP) AS contacted_at,
           NULLIF(kind, '') AS kind, NULLIF(staff, '') AS staff, NULLIF(note, '') AS note
    FROM contact_rows
)
"""

_INSERT_CONTACTS = """
INSERT INTO contacts (customer_id, contacted_at, kind, staff, note)
SELECT i.customer_id, i.contacted_at, i.kind, i.staff, i.note
FROM incoming_contacts AS i
LEFT JOIN (
    SELECT customer_id, contacted_at, kind, staff, note, count(*) AS stored
    FROM contacts
    GROUP BY ALL
) AS s
  ON  i.customer_id = s.customer_id
  AND i.contacted_at = s.contacted_at
  AND i.kind IS NOT DISTINCT FROM s.kind
  AND i.staff IS NOT DISTINCT FROM s.staff
  AND i.note IS NOT DISTINCT FROM s.note
WHERE i.occurrence > coalesce(s.stored, 0)
ORDER BY i.line
"""

# A contact for a customer id without a customer row creates a minimal customer.
_MINIMAL_CUSTOMERS_FOR_CONTACTS = """
INSERT INTO customers (customer_id)
SELECT DISTINCT customer_id FROM incoming_contacts
WHERE customer_id NOT IN (SELECT customer_id FROM customers)
ORDER BY customer_id
"""


def _write_contacts(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> tuple[int, int, int]:
    """Insert the new contacts; returns (contacts added, contacts skipped, minimal customers added)."""
    con.register("contact_rows", rows)
    try:
        con.execute(_INCOMING_CONTACTS)
    finally:
        con.unregister("contact_rows")
    added = con.execute(_INSERT_CONTACTS).fetchall()[0][0]
    minimal = con.execute(_MINIMAL_CUSTOMERS_FOR_CONTACTS).fetchall()[0][0]
    return added, len(rows) - added, minimal
