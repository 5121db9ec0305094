"""`Analysis`: an in-memory copy of one database state with every threshold-free figure built.

`Analysis.open(path)` attaches the file read-only for a moment (`schema.attach_read_only`),
runs the copy phase (`COPY_STEPS`, which read the file as `src`), detaches, and runs the
in-memory phase (`MEMORY_STEPS`). Each step has a name; nothing finds a step by its position.
What the build leaves:

- `cust`: one row per customer with an integer key `cid`, channel, region, staff, `created_on`,
  `first_activity` and `exists_from`;
- `state`: one row per customer and activity day (a day with an order or a refund), holding the
  customer's cumulative F, M in cents, last order day and tenure as of that day, valid until the
  next activity day (`valid_to`). Between two activity days only recency changes, so a
  customer's tier at any date D is the `state` row with `valid_from <= D < valid_to`;
- `cust_category` (who bought which category) and `bounds` (earliest and latest order date,
  the number of orders).

Tables needed only by some pages are side tables, built on first use by `ensure(name)` under one
lock (`SIDE_TABLES`): the period spans and activity of each frequency (`span_<freq>`,
`act_<freq>`, see `period_tables.py`), profiles and the contact summary. Contacts change
without a new data_version: `refresh_contacts()` re-reads them.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import duckdb
import pandas as pd

from . import period_tables, schema
from .periods import FREQS, HIGH_DATE, check_freq, index_sql, to_date


@dataclass(frozen=True)
class BuildStep:
    """One named statement of the build, or a function of the connection."""

    name: str
    run: str | Callable[[duckdb.DuckDBPyConnection], None]

    def __call__(self, con: duckdb.DuckDBPyConnection) -> None:
        if isinstance(self.run, str):
            con.execute(self.run)
        else:
            self.run(con)


_CUSTOMERS = """
    CREATE TABLE cust_base AS
    SELECT CAST(row_number() OVER () AS INTEGER) AS cid,
           customer_id, channel, region, staff, CAST(created_at AS DATE) AS created_on
    FROM src.customers
"""
# Order lines keyed by integers: the customer key and a 64-bit hash of the order id (lines of one
# order are grouped per customer, where two ids sharing a hash cannot happen in practice: about
# one chance in 10^18 for a customer with a thousand orders).
_ORDER_LINES = """
    CREATE OR REPLACE TABLE lines AS
    SELECT c.cid, hash(o.order_id) AS order_key, o.order_date,
           CAST(round(o.amount * 100) AS BIGINT) AS cents,
           coalesce(o.campaign, '') <> '' AS has_campaign
    FROM src.orders o JOIN cust_base c USING (customer_id)
"""
# Who bought which category: distinct pairs first, so the join handles far fewer rows.
_CATEGORIES = """
    CREATE OR REPLACE TABLE cust_category AS
    SELECT c.cid, o.category
    FROM (SELECT DISTINCT customer_id, category FROM src.orders WHERE category IS NOT NULL AND category <> '') o
    JOIN cust_base c USING (customer_id)
"""


def _add_customers_of_orphan_orders(con: duckdb.DuckDBPyConnection) -> None:
    """Orders whose customer has no customer row still count: such a customer gets a minimal
    row (as the importer would have made), and the lines and categories are read again.
    Checked by a cheap count; the slow path is rare."""
    if con.execute("SELECT count(*) FROM lines").fetchall()[0][0] == \
            con.execute("SELECT count(*) FROM src.orders").fetchall()[0][0]:
        return
    con.execute(
        """
        INSERT INTO cust_base (cid, customer_id)
        SELECT CAST((SELECT coalesce(max(cid), 0) FROM cust_base) + row_number() OVER () AS INTEGER), customer_id
        FROM (SELECT DISTINCT customer_id FROM src.orders o ANTI JOIN src.customers c USING (customer_id))
        """
    )
    con.execute(_ORDER_LINES)
    con.execute(_CATEGORIES)


#: The copy phase: the only statements that read the file (attached as `src`).
COPY_STEPS: tuple[BuildStep, ...] = (
    BuildStep("customers", _CUSTOMERS),
    BuildStep("order_lines", _ORDER_LINES),
    BuildStep("categories", _CATEGORIES),
    BuildStep("customers_of_orphan_orders", _add_customers_of_orphan_orders),
)

_MONTH_FROM = index_sql("month", "day")
_MONTH_TO = index_sql("month", f"coalesce(next_day, DATE '{HIGH_DATE}')")
_MONTH_CREATED = index_sql("month", "c.created_on")

#: The in-memory phase, after the file is detached.
MEMORY_STEPS: tuple[BuildStep, ...] = (
    # The span of the data: the default as-of date is the latest date of any order row.
    BuildStep("bounds", "CREATE TABLE bounds AS SELECT min(order_date) AS earliest, max(order_date) AS latest, "
                        "CAST(NULL AS BIGINT) AS orders FROM lines"),
    # One row per order: lines sharing an order_id sum up and take the earliest date.
    BuildStep("orders", """
        CREATE TABLE ord AS
        SELECT cid, min(order_date) AS order_date, CAST(sum(cents) AS BIGINT) AS cents,
               bool_or(has_campaign) AS has_campaign
        FROM lines GROUP BY cid, order_key
    """),
    BuildStep("drop_order_lines", "DROP TABLE lines"),
    # Orders as docs/tiers.md counts them: an order whose amount is positive (a refund is not one).
    BuildStep("count_orders", "UPDATE bounds SET orders = (SELECT count(*) FROM ord WHERE cents > 0)"),
    # Activity days: orders counted in F (amount > 0) and the day's amount, refunds included.
    BuildStep("activity_days", """
        CREATE TABLE days AS
        SELECT cid, order_date AS day,
               CAST(count(*) FILTER (WHERE cents > 0) AS INTEGER) AS n_orders,
               CAST(count(*) FILTER (WHERE cents > 0 AND has_campaign) AS INTEGER) AS n_campaign,
               CAST(sum(cents) AS BIGINT) AS cents
        FROM ord GROUP BY cid, order_date
    """),
    BuildStep("drop_orders", "DROP TABLE ord"),
    # Cumulative figures per customer and activity day, valid until the next activity day, with
    # the month indexes where each row starts and ends (the default period length).
    BuildStep("state", f"""
        CREATE TABLE state AS
        WITH w AS (
            SELECT cid, day, n_orders,
                   sum(n_orders) OVER run AS f,
                   sum(n_campaign) OVER run AS f_campaign,
                   sum(cents) OVER run AS m_cents,
                   min(CASE WHEN n_orders > 0 THEN day END) OVER run AS first_day,
                   max(CASE WHEN n_orders > 0 THEN day END) OVER run AS last_day,
                   lead(day) OVER (PARTITION BY cid ORDER BY day) AS next_day
            FROM days
            WINDOW run AS (PARTITION BY cid ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        )
        SELECT cid, day AS valid_from, coalesce(next_day, DATE '{HIGH_DATE}') AS valid_to,
               CAST(f AS INTEGER) AS f, CAST(m_cents AS BIGINT) AS m_cents, last_day,
               CAST(coalesce(last_day - first_day, 0) AS INTEGER) AS tenure,
               n_orders, CAST(f_campaign AS INTEGER) AS f_campaign,
               CAST({_MONTH_FROM} AS INTEGER) AS a_month,
               CAST({_MONTH_TO} AS INTEGER) AS e_month
        FROM w
    """),
    # A refund is not an order: before its first order a customer is a prospect only from its
    # created_at on (or always, when unknown), so refund-only rows start no earlier than that.
    BuildStep("refunds_before_existence", f"""
        UPDATE state SET valid_from = c.created_on, a_month = {_MONTH_CREATED}
        FROM cust_base c
        WHERE state.cid = c.cid AND state.f = 0 AND c.created_on > state.valid_from
    """),
    BuildStep("drop_empty_state_rows", "DELETE FROM state WHERE valid_from >= valid_to"),
    BuildStep("cust", """
        CREATE TABLE cust AS
        SELECT b.*, a.first_activity,
               CASE WHEN b.created_on IS NULL THEN NULL
                    ELSE least(b.created_on, a.first_activity) END AS exists_from
        FROM cust_base b
        LEFT JOIN (SELECT cid, min(day) AS first_activity FROM days GROUP BY cid) a USING (cid)
    """),
    BuildStep("drop_customers_base", "DROP TABLE cust_base"),
    BuildStep("drop_activity_days", "DROP TABLE days"),
)


def build_step(name: str) -> BuildStep:
    """The build step called `name` (copy or in-memory phase)."""
    for step in (*COPY_STEPS, *MEMORY_STEPS):
        if step.name == name:
            return step
    raise KeyError(name)


@dataclass(frozen=True)
class SideTable:
    """A table built on first use: `build(analysis, cursor)` after the tables in `needs`."""

    name: str
    build: Callable[["Analysis", duckdb.DuckDBPyConnection], None]
    needs: tuple[str, ...] = field(default=())


#: Every side table by name.
SIDE_TABLES: dict[str, SideTable] = {}


def side_table(name: str, *, needs: tuple[str, ...] = ()):
    """Register the decorated function as the builder of the side table `name`."""
    def register(build):
        SIDE_TABLES[name] = SideTable(name, build, needs)
        return build
    return register


@side_table("profile")
def _build_profile(analysis: "Analysis", cur: duckdb.DuckDBPyConnection) -> None:
    """Profile text of every customer (name, company, ...), for lists and search."""
    analysis.copy_from_source("profile", """
        SELECT c.cid, p.name, p.company, p.email, p.phone, p.address
        FROM src.customers p JOIN cust c USING (customer_id)
    """)


@side_table("contact_summary")
def _build_contact_summary(analysis: "Analysis", cur: duckdb.DuckDBPyConnection) -> None:
    """The latest contact and the number of contacts of every contacted customer."""
    analysis.copy_from_source("contact_summary", """
        SELECT c.cid, max(k.contacted_at) AS last_contact_at, count(*) AS contacts
        FROM src.contacts k JOIN cust c USING (customer_id)
        GROUP BY c.cid
    """, replace_existing=True)


def _register_period_tables() -> None:
    for freq in FREQS:
        def spans(analysis, cur, freq=freq):
            for statement in period_tables.span_statements(freq):
                cur.execute(statement)

        def activity(analysis, cur, freq=freq):
            cur.execute(period_tables.activity_statement(freq))

        SIDE_TABLES[f"span_{freq}"] = SideTable(f"span_{freq}", spans)
        SIDE_TABLES[f"act_{freq}"] = SideTable(f"act_{freq}", activity, needs=(f"span_{freq}",))


_register_period_tables()


class Analysis:
    """An in-memory copy of one database state with the threshold-free figures precomputed.

    Open it with `Analysis.open(path)`; the file is read once and closed, so other processes
    can write to it while the copy is in use. Safe to share between threads: every query runs
    on its own cursor, and side tables are built once under one lock.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, data_version: int, file_state: tuple):
        self._con = con
        self.source = source
        self.data_version = data_version
        self.file_state = file_state
        self._lock = threading.RLock()
        self._ready: set[str] = set()
        self.contacts_version = 0  # grows each time the contact summary is re-read
        row = self.fetchall("SELECT earliest, latest, orders FROM bounds")[0]
        self.earliest_order_date: dt.date | None = row[0]
        self.latest_order_date: dt.date | None = row[1]
        self.order_count: int = row[2] or 0
        self.customer_count: int = self.fetchall("SELECT count(*) FROM cust")[0][0]

    @classmethod
    def open(cls, path: str | Path, *, wait_seconds: float = 10.0, freqs: tuple[str, ...] = ("month",)) -> "Analysis":
        """Copy and build the database at `path`; `freqs` are the period tables built at once."""
        path = Path(path)
        file_state = schema.file_state(path)
        con = duckdb.connect()
        # Hand memory freed by the build's temporary tables back to the system promptly, so the
        # peak stays near what the kept tables need.
        con.execute("SET allocator_flush_threshold = '32MB'")
        con.execute("SET allocator_bulk_deallocation_flush_threshold = '64MB'")
        try:
            with schema.FILE_LOCK:  # held only while the file is attached
                schema.attach_read_only(con, path, "src", wait_seconds=wait_seconds)
                try:
                    data_version = schema.data_version(con, catalog="src")
                    for step in COPY_STEPS:
                        step(con)
                finally:
                    con.execute("DETACH src")
            for step in MEMORY_STEPS:
                step(con)
        except BaseException:
            con.close()
            raise
        analysis = cls(con, str(path), data_version, file_state)
        for freq in freqs:
            analysis.ensure(f"span_{check_freq(freq)}")
        return analysis

    @property
    def key(self) -> tuple[str, int]:
        """Identifies the database state this copy was made from (for caches)."""
        return (self.source, self.data_version)

    def close(self) -> None:
        self._con.close()

    def resolve_as_of(self, as_of: Any = None) -> dt.date:
        """`as_of` as a date; None means the latest order date (or today without orders)."""
        return self.default_as_of() if as_of is None else to_date(as_of, "as_of")

    def default_as_of(self) -> dt.date:
        """The latest order date in the data, or today for a database without orders."""
        return self.latest_order_date or dt.date.today()

    # -- side tables ----------------------------------------------------------------------------

    def ensure(self, name: str) -> None:
        """Build the side table `name` (and what it needs) once, whoever asks first."""
        if name in self._ready:
            return
        if name not in SIDE_TABLES:
            raise KeyError(f"No side table {name!r}; known: {', '.join(sorted(SIDE_TABLES))}")
        with self._lock:
            if name in self._ready:
                return
            table = SIDE_TABLES[name]
            for needed in table.needs:
                self.ensure(needed)
            cur = self.cursor()
            try:
                table.build(self, cur)
            finally:
                cur.close()
            self._ready.add(name)

    def is_ready(self, name: str) -> bool:
        return name in self._ready

    def refresh_contacts(self) -> None:
        """Re-read what contacts change (they change without a new data_version); nothing to do
        before the contact summary is first used."""
        with self._lock:
            if "contact_summary" not in self._ready:
                return
            SIDE_TABLES["contact_summary"].build(self, self._con)
            self.contacts_version += 1

    def copy_from_source(self, table: str, select_sql: str, *, replace_existing: bool = False,
                         wait_seconds: float = 5.0) -> None:
        """Create `table` from a SELECT over the source file attached as `src` for a moment.
        `table` is an identifier chosen by this package, never user input."""
        cur = self.cursor()
        try:
            with schema.FILE_LOCK:
                schema.attach_read_only(cur, Path(self.source), "src", wait_seconds=wait_seconds)
                try:
                    verb = "CREATE OR REPLACE TABLE" if replace_existing else "CREATE TABLE"
                    cur.execute(f"{verb} {table} AS {select_sql}")
                finally:
                    cur.execute("DETACH src")
        finally:
            cur.close()

    # -- queries --------------------------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._con.cursor()

    def fetchall(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
        cur = self.cursor()
        try:
            return cur.execute(sql, params or {}).fetchall()
        finally:
            cur.close()

    def df(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        cur = self.cursor()
        try:
            return cur.execute(sql, params or {}).df()
        finally:
            cur.close()
