"""Orders from a shop platform's export: one row per item in the file, one order in the database.

A platform's export (`platform_spec.Platform`) writes one row per line item (and, for some,
shipping and fee rows), with order-level values on the first row only or repeated on every row.
This module turns the staged rows into ONE row per order in `typed_orders`, the table the
importer reads for every orders file, applying the platform's description:

- each order-level value (id, date, customer, each money part) is the first non-empty value over
  the order's rows in import order, so it counts once however often the export repeats it;
- the amount is the sum of the money parts (each once, with its sign) plus the sum over the rows
  of the item amounts (price x quantity, or the line amount);
- `excluded` holds the reason ("cancelled", "refunded", "test", "unpaid") of the first exclusion
  rule any row of the order matches, else NULL;
- an order named in several files of one import is taken from the last of those files (the
  files are read in name order, so a later export wins over an earlier one);
- values that cannot be read are listed in `problems` like any other file's.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from .errors import ImportFileError
from .import_read import TEXT_FIELDS_CLEANED, StagedFile, amount_lookup, date_lookup, key_columns_sql
from .import_read import PROBLEMS_DDL
from .platform_spec import ORDER_FIELDS, Platform, header_key

#: The table of the platform file's rows (one per item row), with each row's order id.
ROWS_TABLE = "platform_rows"


def _first_present(headers: tuple[str, ...], candidates: tuple[str, ...]) -> int | None:
    keys = [header_key(h) for h in headers]
    for candidate in candidates:
        key = header_key(candidate)
        if key in keys:
            return keys.index(key)
    return None


def columns_of(platform: Platform, staged: StagedFile) -> dict[str, int]:
    """Where each of the platform's columns sits in one file: fields by name, money parts as
    p0.., item columns as i0/i1, exclusion columns as x0..; raises when order id or date is missing."""
    headers = staged.source.headers
    found: dict[str, int] = {}
    for name, candidates in platform.fields.items():
        position = _first_present(headers, candidates)
        if position is not None:
            found[name] = position
        elif name in ("order_id", "order_date"):
            raise ImportFileError(
                f"{staged.source.name} looks like a {platform.label_en} file but has no column "
                f"{' / '.join(candidates)} for {name}; its columns are: {', '.join(h for h in headers if h)}."
            )
    for i, part in enumerate(platform.order_amount):
        if (position := _first_present(headers, part.headers)) is not None:
            found[f"p{i}"] = position
    for i, header in enumerate(platform.item_amount):
        if (position := _first_present(headers, (header,))) is not None:
            found[f"i{i}"] = position
    for i, rule in enumerate(platform.exclude):
        if (position := _first_present(headers, rule.headers)) is not None:
            found[f"x{i}"] = position
    return found


def raw_columns(platform: Platform) -> tuple[str, ...]:
    """The raw table's columns for this platform."""
    return (tuple(name for name in ORDER_FIELDS if name in platform.fields)
            + tuple(f"p{i}" for i in range(len(platform.order_amount)))
            + tuple(f"i{i}" for i in range(len(platform.item_amount)))
            + tuple(f"x{i}" for i in range(len(platform.exclude))))


def _exclusion_lookup(con: duckdb.DuckDBPyConnection, platform: Platform) -> str:
    """SQL giving the first matching exclusion reason of a row (NULL when none)."""
    cases = []
    for i, rule in enumerate(platform.exclude):
        if rule.values is None:
            cases.append(f"WHEN r.x{i} IS NOT NULL THEN '{rule.reason}'")
            continue
        texts = [row[0] for row in con.execute(f"SELECT DISTINCT x{i} FROM raw_orders WHERE x{i} IS NOT NULL").fetchall()]
        keys = {header_key(v) for v in rule.values}
        matching = pd.DataFrame({"text": pd.Series([t for t in texts if header_key(t) in keys], dtype=object)})
        con.register("exclusion_frame", matching)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE exclude_{i} AS SELECT text FROM exclusion_frame")
        finally:
            con.unregister("exclusion_frame")
        cases.append(f"WHEN r.x{i} IN (SELECT text FROM exclude_{i}) THEN '{rule.reason}'")
    return f"CASE {' '.join(cases)} END" if cases else "CAST(NULL AS VARCHAR)"


def typed_orders(con: duckdb.DuckDBPyConnection, platform: Platform) -> None:
    """`typed_orders` (one row per order) from `raw_orders` staged with `raw_columns(platform)`."""
    con.execute(PROBLEMS_DDL)
    present = set(raw_columns(platform))
    date_lookup(con, "raw_orders", "order_date", "lookup_orders_order_date")
    money = [f"p{i}" for i in range(len(platform.order_amount))] + [f"i{i}" for i in range(len(platform.item_amount))]
    for column in money:
        amount_lookup(con, "raw_orders", column, f"lookup_orders_{column}")
    reason = _exclusion_lookup(con, platform)
    cleaned = {name: TEXT_FIELDS_CLEANED.get(name, "{v}").format(v=f"r.{name}") for name in ORDER_FIELDS if name in present}
    row_values = ", ".join(f"{sql} AS {name}" for name, sql in cleaned.items() if name != "order_date")
    money_values = ", ".join(f"lookup_orders_{c}.value AS {c}" for c in money)
    money_joins = " ".join(f"LEFT JOIN lookup_orders_{c} ON lookup_orders_{c}.text = r.{c}" for c in money)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ROWS_TABLE} AS "
        f"SELECT r.file_no, r.row_index, r.seq, {row_values}, d.value AS order_date, {money_values}, "
        f"{reason} AS excluded "
        f"FROM raw_orders AS r LEFT JOIN lookup_orders_order_date AS d ON d.text = r.order_date {money_joins}"
    )
    for column in ["order_date"] + money:
        header = "order_date" if column == "order_date" else _money_field_name(platform, column)
        con.execute(
            "INSERT INTO problems SELECT 'orders', r.file_no, r.row_index, $field, "
            f"r.{column}, l.problem FROM raw_orders AS r JOIN lookup_orders_{column} AS l ON l.text = r.{column} "
            "WHERE l.problem IS NOT NULL",
            {"field": header},
        )
    con.execute(
        f"INSERT INTO problems SELECT 'orders', file_no, row_index, 'order_id', '', 'empty' FROM {ROWS_TABLE} "
        "WHERE order_id IS NULL"
    )

    def first(name: str) -> str:
        return f"min_by({name}, seq) FILTER (WHERE {name} IS NOT NULL) AS {name}"

    parts = " + ".join(
        f"{part.sign} * coalesce(min_by(p{i}, seq) FILTER (WHERE p{i} IS NOT NULL), 0)"
        for i, part in enumerate(platform.order_amount)
    ) or "0"
    if len(platform.item_amount) == 2:
        items = "coalesce(sum(i0 * i1), 0)"
    elif len(platform.item_amount) == 1:
        items = "coalesce(sum(i0), 0)"
    else:
        items = "0"
    keep = [name for name in ORDER_FIELDS if name in present and name != "order_id"]
    # The customer's keys are needed even when the export lacks their column; every other field
    # it lacks is added as NULL by `import_write.key_customers`.
    no_column = "".join(f"CAST(NULL AS VARCHAR) AS {name}, " for name in ("customer_id", "email", "phone")
                        if name not in keep)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE typed_orders AS SELECT *, {key_columns_sql()} FROM ("
        "WITH last_file AS ("
        f"  SELECT *, max(file_no) OVER (PARTITION BY order_id) AS last_file_no FROM {ROWS_TABLE}"
        "  WHERE order_id IS NOT NULL"
        ") "
        "SELECT min(file_no) AS file_no, min_by(row_index, seq) AS row_index, min(seq) AS seq, order_id, "
        f"{', '.join(first(name) for name in keep)}, {no_column}"
        f"CAST(({parts}) + {items} AS DECIMAL(18, 2)) AS amount, "
        "min_by(excluded, seq) FILTER (WHERE excluded IS NOT NULL) AS excluded "
        "FROM last_file WHERE file_no = last_file_no GROUP BY order_id)"
    )
    con.execute(
        "INSERT INTO problems SELECT 'orders', file_no, row_index, 'customer_id', '', 'no_customer' "
        "FROM typed_orders WHERE customer_id IS NULL AND email_key IS NULL AND phone_key IS NULL AND excluded IS NULL"
    )


def _money_field_name(platform: Platform, column: str) -> str:
    """The header a money column stands for, to name it in a problem."""
    index = int(column[1:])
    if column.startswith("p"):
        return platform.order_amount[index].headers[0]
    return platform.item_amount[index]


def order_of_rows_sql() -> str:
    """SQL mapping a platform file's (file_no, row_index) to its order id (for rejecting whole orders)."""
    return f"SELECT file_no, row_index, order_id FROM {ROWS_TABLE} WHERE order_id IS NOT NULL"


__all__ = ["ROWS_TABLE", "columns_of", "order_of_rows_sql", "raw_columns", "typed_orders"]
