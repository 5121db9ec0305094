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

This module owns the entry point (`import_files`), its summary (`ImportResult`), reading the
CSV files (headers, encoding, the canonical columns of each kind of file) and writing the rows
into the database. Checking the values themselves (ids, dates, amounts) is `import_values`.
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

from . import schema
from .errors import ImportFileError
from .import_values import Table, contact_rows, customer_rows, order_rows


@dataclass(frozen=True)
class ImportResult:
    """What one import added, updated and skipped.

    Orders are counted as docs/tiers.md counts them: an order is an `order_id` group (an order
    of three lines counts once) whose amount, the sum of its lines, is positive. A refund (a row
    with a negative amount) is not an order: refunds are counted on their own, one per row.
    `customers_added` includes the minimal customers created for orders and contacts of unknown
    customers.
    """

    customers_added: int
    customers_updated: int
    orders_added: int
    orders_skipped: int
    contacts_added: int
    contacts_skipped: int
    refunds_added: int = 0
    refunds_skipped: int = 0

    def summary(self) -> str:
        """One English line for the CLI, naming only what happened."""
        parts = []
        if self.orders_added or self.orders_skipped:
            parts.append(_counted(self.orders_added, "order", self.orders_skipped))
        if self.refunds_added or self.refunds_skipped:
            parts.append(_counted(self.refunds_added, "refund", self.refunds_skipped))
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
    new_customers = customer_rows(_read(customers, CUSTOMERS)) if customers is not None else None
    new_orders = order_rows(_read(orders, ORDERS)) if orders is not None else None
    new_contacts = contact_rows(_read(contacts, CONTACTS)) if contacts is not None else None

    customers_added = customers_updated = 0
    order_counts = _OrderCounts()
    contacts_added = contacts_skipped = 0
    with schema.writing(db_path, wait_seconds=wait_seconds) as con:
        con.execute("SET enable_progress_bar = false")  # the CLI prints one summary line, nothing else
        if new_customers is not None:
            customers_added, customers_updated = _write_customers(con, new_customers)
        if new_orders is not None:
            order_counts, minimal = _write_orders(con, new_orders)
            customers_added += minimal
        if new_contacts is not None:
            contacts_added, contacts_skipped, minimal = _write_contacts(con, new_contacts)
            customers_added += minimal
    return ImportResult(
        customers_added=customers_added,
        customers_updated=customers_updated,
        orders_added=order_counts.added,
        orders_skipped=order_counts.skipped,
        contacts_added=contacts_added,
        contacts_skipped=contacts_skipped,
        refunds_added=order_counts.refunds_added,
        refunds_skipped=order_counts.refunds_skipped,
    )


# --- Reading -------------------------------------------------------------------------------


def _read(path: str | os.PathLike, layout: _Layout) -> Table:
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
    return Table(name, pd.DataFrame(columns), lines)


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

# Orders and refunds as docs/tiers.md defines them: an order is an order_id group (per
# customer) whose amount, the sum of its lines, is positive; a refund is a row with a negative
# amount, and it is not an order. A group is new or already present as a whole.
_COUNT_ORDERS = """
WITH groups AS (
    SELECT already_present,
           sum(amount) > 0 AS is_order,
           count(*) FILTER (WHERE amount < 0) AS refunds
    FROM incoming_orders
    GROUP BY customer_id, order_id, already_present
)
SELECT count(*) FILTER (WHERE is_order AND NOT already_present),
       count(*) FILTER (WHERE is_order AND already_present),
       coalesce(sum(refunds) FILTER (WHERE NOT already_present), 0),
       coalesce(sum(refunds) FILTER (WHERE already_present), 0)
FROM groups
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


@dataclass(frozen=True)
class _OrderCounts:
    """Orders and refunds of an orders file, new and already present (see `_COUNT_ORDERS`)."""

    added: int = 0
    skipped: int = 0
    refunds_added: int = 0
    refunds_skipped: int = 0


def _write_orders(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> tuple[_OrderCounts, int]:
    """Insert the new orders; returns (the orders and refunds added and skipped, minimal customers added)."""
    con.register("order_rows", rows)
    try:
        con.execute(_INCOMING_ORDERS)
    finally:
        con.unregister("order_rows")
    counts = _OrderCounts(*(int(number) for number in con.execute(_COUNT_ORDERS).fetchall()[0]))
    con.execute(_INSERT_ORDERS)
    minimal = con.execute(_MINIMAL_CUSTOMERS_FOR_ORDERS).fetchall()[0][0]
    return counts, minimal


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
