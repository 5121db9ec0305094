"""`Analysis`: an in-memory copy of one database state with every threshold-free figure built.

`Analysis.open(path)` attaches the file read-only for a moment (`schema.attach_read_only`),
runs the copy phase (`COPY_STEPS`, which read the file as `src`), detaches, and runs the
in-memory phase (`MEMORY_STEPS`). Each step has a name; nothing finds a step by its position.
What the build leaves:

- `cust`: one row per customer with an integer key `cid`, channel, region, staff, `created_on`,
  `first_activity` and `exists_from`;
- `state`: one row per customer and activity day (a day with an order or a refund), holding the
  customer's cumulative F, M in cents, last order day and tenure as of that day (and the last
  order day before it, `prev_last_day`, for the gaps between orders), valid until the next
  activity day (`valid_to`). Between two activity days only recency changes, so a
  customer's tier at any date D is the `state` row with `valid_from <= D < valid_to`;
- `cust_category` (who bought which category) and `bounds` (earliest and latest order date,
  the number of orders).

Tables needed only by some pages are side tables, built on first use by `ensure(name)` under one
lock (`SIDE_TABLES`): the period spans and activity of each frequency (`span_<freq>`,
`act_<freq>`, see `period_tables.py`), profiles and the contact summary. Contacts change
without a new data_version: `refresh_contacts()` re-reads them.

What the build makes is kept in a cache file beside the database (`analysis_store.py`): `open`
loads it instead of building when it was made from the same data by the same build code, and
writes it after a build; `save_cache()` adds the side tables built since (except the contact
summary). Side tables the cache holds are loaded from it when first asked for.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import duckdb
import pandas as pd

from . import analysis_store, faults, period_tables, schema
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
    # the month indexes where each row starts and ends (the default period length). Stored in
    # the order of valid_to, so a question about one date skips the row groups that ended
    # before it (a customer's current row, the one most dates need, comes last).
    BuildStep("state", f"""
        CREATE TABLE state AS
        WITH w AS (
            SELECT cid, day, n_orders,
                   sum(n_orders) OVER run AS f,
                   sum(n_campaign) OVER run AS f_campaign,
                   sum(cents) OVER run AS m_cents,
                   min(CASE WHEN n_orders > 0 THEN day END) OVER run AS first_day,
                   max(CASE WHEN n_orders > 0 THEN day END) OVER run AS last_day,
                   max(CASE WHEN n_orders > 0 THEN day END) OVER earlier AS prev_last_day,
                   lead(day) OVER (PARTITION BY cid ORDER BY day) AS next_day
            FROM days
            WINDOW run AS (PARTITION BY cid ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
                   earlier AS (PARTITION BY cid ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
        )
        SELECT cid, day AS valid_from, coalesce(next_day, DATE '{HIGH_DATE}') AS valid_to,
               CAST(f AS INTEGER) AS f, CAST(m_cents AS BIGINT) AS m_cents, last_day,
               CAST(coalesce(last_day - first_day, 0) AS INTEGER) AS tenure,
               n_orders, CAST(f_campaign AS INTEGER) AS f_campaign,
               CAST({_MONTH_FROM} AS INTEGER) AS a_month,
               CAST({_MONTH_TO} AS INTEGER) AS e_month,
               prev_last_day
        FROM w
        ORDER BY valid_to
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
    kept: bool = True  # kept in the cache beside the database (what changes with data_version only)


#: Every side table by name.
SIDE_TABLES: dict[str, SideTable] = {}


def side_table(name: str, *, needs: tuple[str, ...] = (), kept: bool = True):
    """Register the decorated function as the builder of the side table `name`; `kept=False`
    for one that changes without a new data_version (never kept in the cache)."""
    def register(build):
        SIDE_TABLES[name] = SideTable(name, build, needs, kept)
        return build
    return register


@side_table("profile")
def _build_profile(analysis: "Analysis", cur: duckdb.DuckDBPyConnection) -> None:
    """Profile text of every customer (name, company, ...), for lists and search."""
    analysis.copy_from_source("profile", """
        SELECT c.cid, p.name, p.company, p.email, p.phone, p.address
        FROM src.customers p JOIN cust c USING (customer_id)
    """)


@side_table("contact_summary", kept=False)
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

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, data_version: int, file_state: tuple, *,
                 staff: str | None = None):
        self._con = con
        #: None for the company's analysis; a staff name for a copy narrowed to that staff's
        #: customers (`access.restricted_analysis`), which caches must tell apart.
        self.staff = staff
        self.source = source
        self.data_version = data_version
        self.file_state = file_state
        self._lock = threading.RLock()
        self._ready: set[str] = set()
        self._kept: analysis_store.Kept | None = None  # the cache beside the database, for a copy `open` made
        self._parts: dict[str, analysis_store.Objects] = {}  # the objects of each side table built or loaded
        self.contacts_version = 0  # grows each time the contact summary is re-read
        row = self.fetchall("SELECT earliest, latest, orders FROM bounds")[0]
        self.earliest_order_date: dt.date | None = row[0]
        self.latest_order_date: dt.date | None = row[1]
        self.order_count: int = row[2] or 0
        self.customer_count: int = self.fetchall("SELECT count(*) FROM cust")[0][0]

    @classmethod
    def open(cls, path: str | Path, *, wait_seconds: float = 10.0, freqs: tuple[str, ...] = ("month",),
             cache: bool = True, save_now: bool = True) -> "Analysis":
        """Copy and build the database at `path`; `freqs` are the period tables built at once.

        With `cache`, the tables are loaded from the cache beside the database instead when it was
        made from the same data by the same build code (`analysis_store`); after a build they
        are written there at once, or, with `save_now=False`, when `save_cache()` is called (the
        app calls it after its warm-up, so the side tables are kept too).
        """
        path = Path(path)
        file_state = schema.file_state(path)
        at_once = tuple(f"span_{check_freq(freq)}" for freq in freqs)
        key: str | None = None
        stored: dict[str, analysis_store.Objects] | None = None
        con = duckdb.connect()
        # Hand memory freed by the build's temporary tables back to the system promptly, so the
        # peak stays near what the kept tables need.
        con.execute("SET allocator_flush_threshold = '32MB'")
        con.execute("SET allocator_bulk_deallocation_flush_threshold = '64MB'")
        try:
            # The lock is held only while the file is attached; a damaged block is met (and told) here.
            with schema.FILE_LOCK, faults.told(path):
                schema.attach_read_only(con, path, "src", wait_seconds=wait_seconds)
                try:
                    data_version = schema.data_version(con, catalog="src")
                    if cache:
                        key, stored = analysis_store.load(con, path, "src", data_version, file_state, at_once)
                    if stored is None:
                        for step in COPY_STEPS:
                            step(con)
                finally:
                    con.execute("DETACH src")
            if stored is None:
                for step in MEMORY_STEPS:
                    step(con)
        except BaseException:
            con.close()
            raise
        analysis = cls(con, str(path), data_version, file_state)
        if key is not None:
            analysis._keep_in(path, key, stored, at_once)
        for name in at_once:
            analysis.ensure(name)
        if key is not None and stored is None and save_now:
            analysis.save_cache()
        return analysis

    def _keep_in(self, path: Path, key: str, stored: dict[str, analysis_store.Objects] | None,
                 loaded: tuple[str, ...]) -> None:
        """Tie this copy to the cache of `path` made from `key`: `stored` is what the cache held
        when the tables were loaded from it (the side tables `loaded` among them), or None after a
        build."""
        if stored is None:
            cur = self.cursor()
            try:
                self._kept = analysis_store.Kept.after_build(cur, path, key, self.file_state)
            finally:
                cur.close()
            return
        self._kept = analysis_store.Kept.after_load(path, key, self.file_state, stored)
        for name in loaded:
            if name in stored:
                self._parts[name] = stored[name]
                self._ready.add(name)

    def save_cache(self) -> bool:
        """Write the tables of this copy (the build's and the kept side tables built so far) to
        the cache beside the database, when `open` made it with the cache on and the cache lacks
        some of them. Whether it wrote; a failure to write is not an error."""
        if self._kept is None:
            return False
        with self._lock:
            parts = {name: objects for name, objects in self._parts.items()
                     if name in self._ready and SIDE_TABLES[name].kept}
        cur = self.cursor()
        try:
            return self._kept.save(cur, parts)
        finally:
            cur.close()

    @property
    def store_key(self) -> str | None:
        """The key of the data in the analysis cache (`analysis_store.source_key`: data_version,
        a digest of every customer and order row, the build code), for a copy of every customer
        that `open` made with the cache on; None otherwise. What is kept beside the database for
        this data is filed under it (`kept_answers`)."""
        if self._kept is None or self.staff is not None:
            return None
        return self._kept.key

    @property
    def key(self) -> tuple:
        """Identifies the database state this copy was made from, and whose customers it holds
        (for caches): (source, data_version), with the staff name for a narrowed copy."""
        if self.staff is None:
            return (self.source, self.data_version)
        return (self.source, self.data_version, "staff", self.staff)

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
                if not self._load_kept(name, cur):
                    before = analysis_store.catalog_objects(cur) if self._kept and table.kept else None
                    table.build(self, cur)
                    if before is not None:
                        self._parts[name] = analysis_store.new_objects(before, analysis_store.catalog_objects(cur))
            finally:
                cur.close()
            self._ready.add(name)

    def _load_kept(self, name: str, cur: duckdb.DuckDBPyConnection) -> bool:
        """Load the side table `name` from the cache when the cache holds it for this data."""
        objects = self._kept.load_part(cur, name) if self._kept and SIDE_TABLES[name].kept else None
        if objects is not None:
            self._parts[name] = objects
        return objects is not None

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
            with schema.FILE_LOCK, faults.told(self.source):
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
