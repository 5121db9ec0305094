"""The nightly orders file of the load benchmark (`bench/load.py`): `rows` order rows for
customers already in a database and for new ones, the same bytes for the same database, row
count and seed.

The file has the project's own layout (`order_id,customer_id,order_date,amount,campaign,category`,
as in docs/examples/orders.csv), one line per order, written by DuckDB's COPY:

- `order_id`: `L000000001`, ... (unique, and never one of the demo's `O...`/`R...` ids);
- `customer_id`: for 1 row in 10 a new customer `N0000001`, ... (about two orders each), else
  a customer of the database picked by `hash(row, seed)`;
- `order_date`: one of the `days` days after `first_day` (by default the day after the
  database's latest order: a nightly batch moves "latest order" on, so a page shows at a glance
  whether it reads the data from before or after the import);
- `amount`: 300 to 60,000 yen, log-uniform, rounded to 10 yen;
- `campaign`: `NIGHTLY` for 1 row in 10, else empty; `category`: one of the demo's six.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

CATEGORIES = ("コーヒー豆", "紅茶", "菓子", "ギフト", "器具", "定期便")
NEW_CUSTOMERS_PER_MILLE = 100


def database_facts(db: str | Path) -> dict[str, Any]:
    """The customer ids (sorted) and the latest order date of `db`, read once before the load."""
    from segmentation import schema

    with schema.reading(db) as con:
        ids = [row[0] for row in con.execute("SELECT customer_id FROM customers ORDER BY customer_id").fetchall()]
        latest = con.execute("SELECT max(order_date) FROM orders").fetchone()[0]
    return {"customer_ids": ids, "latest_order_date": latest}


def write_orders_csv(path: str | Path, rows: int, customer_ids: list[str], *, first_day: dt.date, days: int = 7,
                     seed: int = 42) -> dict[str, Any]:
    """Write the file (see the module docstring) and return what it holds: rows, distinct
    customers (existing and new), first and last date."""
    import duckdb
    import pandas as pd

    if rows < 1 or days < 1 or not customer_ids:
        raise ValueError("rows and days must be positive and the database must hold customers")
    seed, rows, days = int(seed), int(rows), int(days)
    new_customers = max(1, rows * NEW_CUSTOMERS_PER_MILLE // 1000 // 2)
    categories = "[" + ", ".join(f"'{name}'" for name in CATEGORIES) + "]"
    con = duckdb.connect()
    try:
        existing = pd.DataFrame({"n": range(len(customer_ids)), "customer_id": customer_ids})
        con.register("existing_frame", existing)
        con.execute("CREATE TEMP TABLE existing AS SELECT * FROM existing_frame")
        con.unregister("existing_frame")
        # Only integers and a date made here go into the text; COPY takes no parameters.
        con.execute(f"""
        COPY (
            SELECT 'L' || lpad(CAST(i AS VARCHAR), 9, '0') AS order_id,
                   CASE WHEN hash(i, {seed}, 1) % 1000 < {NEW_CUSTOMERS_PER_MILLE}
                        THEN 'N' || lpad(CAST(1 + hash(i, {seed}, 2) % {new_customers} AS VARCHAR), 7, '0')
                        ELSE existing.customer_id END AS customer_id,
                   DATE '{first_day.isoformat()}' + CAST(hash(i, {seed}, 3) % {days} AS INTEGER) AS order_date,
                   CAST(round(300 * exp(ln(200) * (hash(i, {seed}, 4) % 1000000) / 1000000.0), -1) AS BIGINT)
                       AS amount,
                   CASE WHEN hash(i, {seed}, 5) % 10 = 0 THEN 'NIGHTLY' END AS campaign,
                   {categories}[1 + CAST(hash(i, {seed}, 6) % 6 AS INTEGER)] AS category
            FROM range(1, {rows} + 1) AS r(i)
            JOIN existing ON existing.n = hash(i, {seed}, 7) % {len(customer_ids)}
            ORDER BY i
        ) TO '{_quoted_path(path)}' (HEADER true, DELIMITER ',')
        """)
        summary = con.execute(f"""
            SELECT count(*), count(DISTINCT customer_id) FILTER (WHERE customer_id NOT LIKE 'N%'),
                   count(DISTINCT customer_id) FILTER (WHERE customer_id LIKE 'N%'), min(order_date), max(order_date)
            FROM read_csv('{_quoted_path(path)}', all_varchar = true)
        """).fetchone()
    finally:
        con.close()
    return {"path": str(path), "rows": summary[0], "existing_customers": summary[1], "new_customers": summary[2],
            "first_date": summary[3], "last_date": summary[4], "seed": seed}


def customers_in_file(path: str | Path, count: int, seed: int = 42) -> list[str]:
    """`count` existing customers (not `N...`) that the file gives new orders, in a fixed order:
    the customer page of each browser session shows one of them, so its figures differ before
    and after the import."""
    import duckdb

    con = duckdb.connect()
    try:
        rows = con.execute(f"""
            SELECT customer_id FROM read_csv('{_quoted_path(path)}', all_varchar = true)
            WHERE customer_id NOT LIKE 'N%' GROUP BY customer_id
            ORDER BY hash(customer_id, {int(seed)}), customer_id LIMIT {int(count)}
        """).fetchall()
    finally:
        con.close()
    return [row[0] for row in rows]


def _quoted_path(path: str | Path) -> str:
    return str(path).replace("'", "''")
