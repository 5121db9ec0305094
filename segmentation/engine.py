"""The tier engine: the rules of `docs/tiers.md` as SQL over an in-memory copy of the database.

How it stays fast. Everything that does not depend on thresholds is computed once per database
state by `Analysis.open`:

- `state`: one row per customer and activity day (a day with an order or a refund), holding the
  customer's cumulative figures as of that day (F, M in cents, first, last, tenure) and the day
  the next activity starts (`valid_to`). Between two activity days nothing but recency changes,
  so the tier of a customer at any date D is the `state` row with `valid_from <= D < valid_to`,
  and the customer is lapsed from `last_day + lapse_days + 1` on.
- `span_<freq>` and `act_<freq>`: the same rows with period indexes (week, month, quarter), and
  one row per customer and period with activity, for counts, revenue and movements over time.

Moving a threshold only re-runs the cheap part: a `CASE` over those rows. Counts over time never
classify every customer at every period end: each state row contributes +1 at the period its
(active or lapsed) interval starts and -1 where it ends, and a running sum gives every period.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from . import schema
from .errors import DateError
from .scope import ALL_CUSTOMERS, Scope
from .thresholds import DEFAULT_THRESHOLDS, Thresholds
from .tiers import TIER_CODES

FREQS = ("week", "month", "quarter")
LOW_DATE = dt.date(1900, 1, 1)  # a Monday: week indexes count from here
HIGH_DATE = dt.date(9999, 12, 31)
_WEEK_BASE = LOW_DATE

# ---------------------------------------------------------------------------------------------
# Periods


def _check_freq(freq: str) -> str:
    if freq not in FREQS:
        raise DateError(f"The period must be one of {', '.join(FREQS)}, not {freq!r}.")
    return freq


def period_index(day: dt.date, freq: str) -> int:
    """The index of the period (week ending Sunday, calendar month or quarter) holding `day`."""
    _check_freq(freq)
    if freq == "month":
        return day.year * 12 + day.month - 1
    if freq == "quarter":
        return day.year * 4 + (day.month - 1) // 3
    return (day - _WEEK_BASE).days // 7


def period_end(index: int, freq: str) -> dt.date:
    """The last day of the period with this index."""
    _check_freq(freq)
    if freq == "week":
        return _WEEK_BASE + dt.timedelta(days=index * 7 + 6)
    months_per = 1 if freq == "month" else 3
    first_month = index * months_per if freq == "month" else index * 3
    year, month0 = divmod(first_month + months_per, 12)  # the month after the period
    return dt.date(year, month0 + 1, 1) - dt.timedelta(days=1)


def _idx_sql(freq: str, day: str) -> str:
    """SQL for `period_index` of a DATE expression."""
    return {
        "month": f"(year({day}) * 12 + month({day}) - 1)",
        "quarter": f"(year({day}) * 4 + quarter({day}) - 1)",
        "week": f"((({day}) - DATE '1900-01-01') // 7)",
    }[_check_freq(freq)]


def _end_sql(freq: str, index: str) -> str:
    """SQL for `period_end` of an index expression."""
    return {
        "month": f"last_day(make_date(({index}) // 12, ({index}) % 12 + 1, 1))",
        "quarter": f"last_day(make_date(({index}) // 4, ({index}) % 4 * 3 + 3, 1))",
        "week": f"(DATE '1900-01-01' + CAST(({index}) * 7 + 6 AS INTEGER))",
    }[_check_freq(freq)]


# ---------------------------------------------------------------------------------------------
# Rule fragments (the tier rules as SQL, written once)

def tier_rank_sql(prefix: str = "") -> str:
    """Tier rank of a state row: 0 prospect, 1 first, 2 nascent, 3 steady, 4 trend, 5 loyal.

    "High" is F >= min_orders on the orders axis, M >= min_amount on the amount axis. `prefix`
    names another set of the same columns (`prev_f`, ...).
    """
    f, m, t = f"{prefix}f", f"{prefix}m_cents", f"{prefix}tenure"
    return f"""CASE
        WHEN {f} = 0 THEN 0
        WHEN {f} = 1 THEN 1
        WHEN (CASE WHEN $value_axis = 'orders' THEN {f} >= $min_orders ELSE {m} >= $min_amount_cents END)
            THEN CASE WHEN {t} >= $min_tenure_days THEN 5 ELSE 4 END
        ELSE CASE WHEN {t} >= $min_tenure_days THEN 3 ELSE 2 END
    END"""


TIER_RANK_SQL = tier_rank_sql()

_TIER_CASE = "CASE {col} " + " ".join(f"WHEN {i} THEN '{code}'" for i, code in enumerate(TIER_CODES)) + " END"


def _tier_code_sql(col: str) -> str:
    return _TIER_CASE.format(col=col)


def _threshold_params(thresholds: Thresholds) -> dict[str, Any]:
    return {
        "value_axis": thresholds.value_axis,
        "min_orders": thresholds.min_orders,
        "min_amount_cents": thresholds.min_amount_cents or 0,
        "min_tenure_days": thresholds.min_tenure_days,
        "lapse_days": thresholds.lapse_days,
        "overdue_factor": thresholds.overdue_factor,
        "due_window_days": thresholds.due_window_days,
    }


def tier_at_sql(day_param: str, scope_sql: str = "TRUE") -> str:
    """Every customer that exists at the date `$<day_param>`, with its tier rank and status.

    Columns: cid, tier (rank), lapsed (NULL for prospects), f, m_cents, first_day, last_day,
    tenure, f_campaign (orders that used a campaign code). A customer exists from its `created_at` (or always, when unknown) or from its first
    order, whichever is earlier; a refund alone does not make a customer exist.
    """
    d = f"${day_param}"
    return f"""
        SELECT cid, {TIER_RANK_SQL} AS tier,
               CASE WHEN f = 0 THEN NULL ELSE ({d} - last_day) > $lapse_days END AS lapsed,
               f, m_cents, CAST(last_day - tenure AS DATE) AS first_day, last_day, tenure, f_campaign
        FROM state
        WHERE valid_from <= {d} AND valid_to > {d} AND {scope_sql}
        UNION ALL
        SELECT cid, 0, NULL, 0, 0, NULL, NULL, NULL, 0
        FROM cust
        WHERE coalesce(exists_from, DATE '1900-01-01') <= {d}
          AND coalesce(first_activity, DATE '9999-12-31') > {d} AND {scope_sql}
    """


_PARAM_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _bind(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """Only the parameters the statement names (DuckDB refuses extra ones)."""
    names = set(_PARAM_RE.findall(sql))
    missing = names - set(params)
    if missing:
        raise KeyError(f"SQL parameters without values: {sorted(missing)}")
    return {name: params[name] for name in names}


# ---------------------------------------------------------------------------------------------
# The prepared data


_BUILD_SQL = [
    # Customers with an integer key; `created_on` is the calendar date of created_at.
    """
    CREATE TABLE cust_base AS
    SELECT CAST(row_number() OVER () AS INTEGER) AS cid,
           customer_id, channel, region, staff, CAST(created_at AS DATE) AS created_on
    FROM src.customers
    """,
    # Order lines keyed by integers: the customer key and a 64-bit hash of the order id (lines
    # of one order are grouped per customer, where two ids sharing a hash cannot happen in
    # practice: about one chance in 10^18 for a customer with a thousand orders).
    """
    CREATE TABLE lines AS
    SELECT c.cid, hash(o.order_id) AS order_key, o.order_date,
           CAST(round(o.amount * 100) AS BIGINT) AS cents,
           coalesce(o.campaign, '') <> '' AS has_campaign
    FROM src.orders o JOIN cust_base c USING (customer_id)
    """,
    # Who bought which category: distinct pairs first, so the join handles far fewer rows.
    """
    CREATE TABLE cust_category AS
    SELECT c.cid, o.category
    FROM (SELECT DISTINCT customer_id, category FROM src.orders WHERE category IS NOT NULL AND category <> '') o
    JOIN cust_base c USING (customer_id)
    """,
    _ADD_ORPHANS := "-- customers that only appear in orders",
    # The span of the data: the default as-of date is the latest date of any order row.
    "CREATE TABLE bounds AS SELECT min(order_date) AS earliest, max(order_date) AS latest FROM lines",
    "ALTER TABLE bounds ADD COLUMN orders BIGINT",
    # One row per order: lines sharing an order_id sum up and take the earliest date.
    """
    CREATE TABLE ord AS
    SELECT cid, min(order_date) AS order_date, CAST(sum(cents) AS BIGINT) AS cents,
           bool_or(has_campaign) AS has_campaign
    FROM lines GROUP BY cid, order_key
    """,
    "DROP TABLE lines",
    "UPDATE bounds SET orders = (SELECT count(*) FROM ord)",
    # Activity days: orders counted in F (amount > 0) and the day's amount, refunds included.
    """
    CREATE TABLE days AS
    SELECT cid, order_date AS day,
           CAST(count(*) FILTER (WHERE cents > 0) AS INTEGER) AS n_orders,
           CAST(count(*) FILTER (WHERE cents > 0 AND has_campaign) AS INTEGER) AS n_campaign,
           CAST(sum(cents) AS BIGINT) AS cents
    FROM ord GROUP BY cid, order_date
    """,
    "DROP TABLE ord",
    # Cumulative figures per customer and activity day, valid until the next activity day, with
    # the month indexes where each row starts and ends (the default period length).
    """
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
    SELECT cid, day AS valid_from, coalesce(next_day, DATE '9999-12-31') AS valid_to,
           CAST(f AS INTEGER) AS f, CAST(m_cents AS BIGINT) AS m_cents, last_day,
           CAST(coalesce(last_day - first_day, 0) AS INTEGER) AS tenure,
           n_orders, CAST(f_campaign AS INTEGER) AS f_campaign,
           CAST({a_month} AS INTEGER) AS a_month,
           CAST({e_month} AS INTEGER) AS e_month
    FROM w
    """.replace("{a_month}", _idx_sql("month", "day"))
    .replace("{e_month}", _idx_sql("month", "coalesce(next_day, DATE '9999-12-31')")),
    # A refund is not an order: before its first order a customer is a prospect only from its
    # created_at on (or always, when unknown), so refund-only rows start no earlier than that.
    """
    UPDATE state SET valid_from = c.created_on, a_month = {a_created}
    FROM cust_base c
    WHERE state.cid = c.cid AND state.f = 0 AND c.created_on > state.valid_from
    """.replace("{a_created}", _idx_sql("month", "c.created_on")),
    "DELETE FROM state WHERE valid_from >= valid_to",
    """
    CREATE TABLE cust AS
    SELECT b.*, a.first_activity,
           CASE WHEN b.created_on IS NULL THEN NULL
                ELSE least(b.created_on, a.first_activity) END AS exists_from
    FROM cust_base b
    LEFT JOIN (SELECT cid, min(day) AS first_activity FROM days GROUP BY cid) a USING (cid)
    """,
    "DROP TABLE cust_base",
    "DROP TABLE days",
]


def _add_customers_of_orphan_orders(con: duckdb.DuckDBPyConnection) -> None:
    """Orders whose customer has no customer row still count: such a customer gets a minimal
    row (as the importer would have made). Checked by a cheap count; the slow path is rare."""
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
    for table, statement in (("lines", _BUILD_SQL[1]), ("cust_category", _BUILD_SQL[2])):
        con.execute(f"DROP TABLE {table}")
        con.execute(statement)


def _span_sql(freq: str) -> list[str]:
    """State rows with the period indexes where each starts and ends, and two aggregates that
    make unscoped counts over time cheap: state rows grouped by what the orders-axis rules
    read (`spanagg_<freq>`), and prospect intervals grouped by period (`prospects_<freq>`).
    All threshold-free; months reuse the indexes stored in `state`."""
    if freq == "month":
        span = """
            CREATE VIEW span_month AS
            SELECT cid, f, m_cents, tenure, last_day, a_month AS a_i, e_month AS e_i FROM state
        """
    else:
        span = f"""
            CREATE TABLE span_{freq} AS
            SELECT cid, f, m_cents, tenure, last_day,
                   CAST({_idx_sql(freq, 'valid_from')} AS INTEGER) AS a_i,
                   CAST({_idx_sql(freq, 'valid_to')} AS INTEGER) AS e_i
            FROM state
        """
    return [
        span,
        f"""
        CREATE TABLE spanagg_{freq} AS
        SELECT f, tenure, last_day, a_i, e_i, count(*) AS n FROM span_{freq} GROUP BY ALL
        """,
        f"""
        CREATE TABLE prospects_{freq} AS
        SELECT CAST({_idx_sql(freq, "coalesce(exists_from, DATE '1900-01-01')")} AS INTEGER) AS a_i,
               CAST({_idx_sql(freq, "coalesce(first_activity, DATE '9999-12-31')")} AS INTEGER) AS e_i,
               count(*) AS n
        FROM cust GROUP BY ALL
        """,
    ]


def _act_sql(freq: str) -> str:
    """One row per customer and period with activity: the period's amount, the state at the
    period's end, the state at the end of the customer's previous active period (which still
    holds at the end of the period before), and whether the customer existed just before the
    period (threshold-free). A state row is the last of its period when the next activity
    falls in a later period (`e_i > a_i`)."""
    return f"""
        CREATE TABLE act_{freq} AS
        WITH last_rows AS (
            SELECT cid, a_i AS i, f, m_cents, tenure, last_day FROM span_{freq} WHERE e_i > a_i
        )
        SELECT r.cid, r.i, {_end_sql(freq, 'r.i')} AS period_end, {_end_sql(freq, 'r.i - 1')} AS previous_end,
               CAST(r.m_cents - coalesce(lag(r.m_cents) OVER prev, 0) AS BIGINT) AS cents,
               r.f, r.m_cents, r.tenure, r.last_day,
               lag(r.f) OVER prev AS prev_f, lag(r.m_cents) OVER prev AS prev_m_cents,
               lag(r.tenure) OVER prev AS prev_tenure, lag(r.last_day) OVER prev AS prev_last_day,
               (c.created_on IS NULL OR c.created_on <= {_end_sql(freq, 'r.i - 1')}) AS existed_before
        FROM last_rows r JOIN cust c USING (cid)
        WINDOW prev AS (PARTITION BY r.cid ORDER BY r.i)
    """


class Analysis:
    """An in-memory copy of one database state with the threshold-free figures precomputed.

    Open it with `Analysis.open(path)`; the file is read once and closed, so other processes
    can write to it while the copy is in use. Safe to share between threads: every query runs
    on its own cursor.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, data_version: int, file_state: tuple):
        self._con = con
        self.source = source
        self.data_version = data_version
        self.file_state = file_state
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()
        self.contacts_version = 0  # grows each time the contact summary is re-read
        self._freqs_ready: set[str] = set()
        self._activity_ready: set[str] = set()
        row = self.fetchall("SELECT earliest, latest, orders FROM bounds")[0]
        self.earliest_order_date: dt.date | None = row[0]
        self.latest_order_date: dt.date | None = row[1]
        self.order_count: int = row[2]
        self.customer_count: int = self.fetchall("SELECT count(*) FROM cust")[0][0]

    @classmethod
    def open(cls, path: str | Path, *, wait_seconds: float = 10.0, freqs: tuple[str, ...] = ("month",)) -> "Analysis":
        path = Path(path)
        if not path.exists():
            raise schema.DatabaseError(
                f"No database at {path}; create one with 'python -m segmentation sample' or 'import'."
            )
        file_state = schema.file_state(path)
        con = duckdb.connect()
        # Hand memory freed by the build's temporary tables back to the system promptly, so the
        # peak stays near what the kept tables need.
        con.execute("SET allocator_flush_threshold = '32MB'")
        con.execute("SET allocator_bulk_deallocation_flush_threshold = '64MB'")
        try:
            with schema.FILE_LOCK:  # held only while the file is attached
                _attach_read_only(con, path, wait_seconds)
                data_version = _copy(con, path)
            for statement in _BUILD_SQL[_BUILD_SQL.index(_ADD_ORPHANS) + 1:]:
                con.execute(statement)
        except BaseException:
            con.close()
            raise
        analysis = cls(con, str(path), data_version, file_state)
        for freq in freqs:
            analysis.ensure_freq(freq)
        return analysis

    @property
    def key(self) -> tuple[str, int]:
        """Identifies the database state this copy was made from (for caches)."""
        return (self.source, self.data_version)

    def close(self) -> None:
        self._con.close()

    @property
    def lock(self) -> threading.Lock:
        """Held while a lazily built table is being made."""
        return self._build_lock

    def has_table(self, name: str) -> bool:
        return bool(self.fetchall(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = $name AND table_catalog = 'memory'",
            {"name": name},
        )[0][0])

    def copy_from_source(self, table: str, select_sql: str, *, replace_existing: bool = False,
                         wait_seconds: float = 5.0) -> None:
        """Create `table` from a SELECT over the source file attached as `src` for a moment.

        For parts that are loaded on first use (profiles) or change without a new data_version
        (contacts). `table` is an identifier chosen by this package, never user input.
        """
        cur = self.cursor()
        try:
            with schema.FILE_LOCK:
                _attach_read_only(cur, Path(self.source), wait_seconds)
                try:
                    verb = "CREATE OR REPLACE TABLE" if replace_existing else "CREATE TABLE"
                    cur.execute(f"{verb} {table} AS {select_sql}")
                finally:
                    cur.execute("DETACH src")
        finally:
            cur.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._con.cursor()

    def fetchall(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
        cur = self.cursor()
        try:
            return cur.execute(sql, _bind(sql, params or {})).fetchall()
        finally:
            cur.close()

    def df(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        cur = self.cursor()
        try:
            return cur.execute(sql, _bind(sql, params or {})).df()
        finally:
            cur.close()

    def ensure_freq(self, freq: str) -> None:
        """Build the period tables of one frequency once (threshold-free)."""
        _check_freq(freq)
        if freq in self._freqs_ready:
            return
        with self._lock:
            if freq in self._freqs_ready:
                return
            cur = self.cursor()
            try:
                for statement in _span_sql(freq):
                    cur.execute(statement)
            finally:
                cur.close()
            self._freqs_ready.add(freq)

    def ensure_activity(self, freq: str) -> None:
        """Build the per-period activity table of one frequency once (for revenue and moves)."""
        self.ensure_freq(freq)
        if freq in self._activity_ready:
            return
        with self._lock:
            if freq in self._activity_ready:
                return
            cur = self.cursor()
            try:
                cur.execute(_act_sql(freq))
            finally:
                cur.close()
            self._activity_ready.add(freq)

    def default_as_of(self) -> dt.date:
        """The latest order date in the data, or today for a database without orders."""
        return self.latest_order_date or dt.date.today()


def _copy(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Check the attached file `src`, copy what the engine needs and detach; returns the
    file's data_version. The rest of `_BUILD_SQL` then works in memory only."""
    tables = {row[0] for row in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'src'").fetchall()}
    if "schema_migrations" not in tables:
        raise schema.DatabaseError(f"{path} is not a segmentation database (it has no schema).")
    version = con.execute("SELECT max(version) FROM src.schema_migrations").fetchall()[0][0]
    if version > schema.SCHEMA_VERSION:
        raise schema.DatabaseError(
            f"{path} is at schema version {version}, newer than this program knows ({schema.SCHEMA_VERSION})."
        )
    data_version = schema.data_version(con, catalog="src")
    for statement in _BUILD_SQL:
        if statement is _ADD_ORPHANS:
            _add_customers_of_orphan_orders(con)
            break
        con.execute(statement)
    con.execute("DETACH src")
    return data_version


def _attach_read_only(con: duckdb.DuckDBPyConnection, path: Path, wait_seconds: float) -> None:
    import time

    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            con.execute("ATTACH $path AS src (READ_ONLY)", {"path": str(path)})
            return
        except duckdb.Error as error:
            if not schema._is_lock_error(error) or time.monotonic() >= deadline:
                if schema._is_lock_error(error):
                    raise schema.DatabaseBusyError(
                        f"{path} is in use by another program that is writing to it; try again in a moment."
                    ) from None
                raise schema.DatabaseError(f"Cannot read {path}: {error}") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


# ---------------------------------------------------------------------------------------------
# Argument handling


def to_date(value: Any, name: str = "date") -> dt.date:
    """A calendar date from a date, datetime, pandas Timestamp or ISO text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise DateError(f"{name} must be a date like 2025-03-31, not {value!r}.")


def _as_of(analysis: Analysis, as_of: Any) -> dt.date:
    return analysis.default_as_of() if as_of is None else to_date(as_of, "as_of")


def _scope(scope: Scope | None) -> tuple[str, dict[str, Any]]:
    return (scope or ALL_CUSTOMERS).sql()


def _thresholds(thresholds: Thresholds | None) -> Thresholds:
    return DEFAULT_THRESHOLDS if thresholds is None else thresholds


def _codes(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Replace tier ranks by tier codes in the named columns."""
    for column in columns:
        frame[column] = pd.Series(
            [None if pd.isna(rank) else TIER_CODES[int(rank)] for rank in frame[column]],
            index=frame.index, dtype=object,
        )
    return frame


# ---------------------------------------------------------------------------------------------
# Classification at one date


def classify_sql(scope_sql: str = "TRUE") -> str:
    """Every customer existing at `$as_of` with the figures of the spec.

    Columns: customer_id, tier, lapsed, orders, amount, first_order_date, last_order_date,
    tenure_days, recency_days, interval_days, expected_next_order_date, cycle_status,
    campaign_share (share of the orders that used a campaign code), cid.
    """
    return f"""
        WITH t AS ({tier_at_sql('as_of', scope_sql)}),
        x AS (
            SELECT t.*, ($as_of - last_day) AS recency,
                   CASE WHEN f >= 2 THEN tenure / (f - 1) END AS interval_days,
                   CASE WHEN f >= 2 THEN last_day + CAST((2 * tenure + f - 1) // (2 * (f - 1)) AS INTEGER) END
                       AS expected_next
            FROM t
        )
        SELECT c.customer_id, {_tier_code_sql('x.tier')} AS tier, x.lapsed,
               x.f AS orders, CAST(x.m_cents AS DECIMAL(18, 2)) / 100 AS amount,
               x.first_day AS first_order_date, x.last_day AS last_order_date,
               CASE WHEN x.f > 0 THEN x.tenure END AS tenure_days, CAST(x.recency AS INTEGER) AS recency_days,
               x.interval_days, x.expected_next AS expected_next_order_date,
               CASE WHEN x.f < 2 THEN NULL
                    WHEN x.recency * (x.f - 1) > x.tenure * $overdue_factor THEN 'overdue'
                    WHEN x.expected_next <= $as_of + CAST($due_window_days AS INTEGER) THEN 'due'
                    ELSE 'not_due' END AS cycle_status,
               CASE WHEN x.f > 0 THEN x.f_campaign / x.f END AS campaign_share,
               x.cid
        FROM x JOIN cust c USING (cid)
    """


def classify(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """One row per customer existing at `as_of` (default: the latest order date)."""
    thresholds = _thresholds(thresholds)
    scope_sql, scope_params = _scope(scope)
    sql = classify_sql(scope_sql)
    params = {**_threshold_params(thresholds), **scope_params, "as_of": _as_of(analysis, as_of)}
    return analysis.df(sql + " ORDER BY customer_id", params)


def tier_counts_sql(scope_sql: str = "TRUE") -> str:
    """Customers and their amount M (as of the date, refunds included) per tier and status.

    Columns: tier (rank), lapsed, customers, amount_cents.
    """
    return f"""
        SELECT tier, lapsed, count(*) AS customers, CAST(sum(m_cents) AS BIGINT) AS amount_cents
        FROM ({tier_at_sql('as_of', scope_sql)})
        GROUP BY tier, lapsed
    """


def _all_keys() -> list[tuple[int, bool | None]]:
    keys: list[tuple[int, bool | None]] = [(0, None)]
    for rank in range(1, len(TIER_CODES)):
        keys += [(rank, False), (rank, True)]
    return keys


def tier_counts(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """Per tier and status at `as_of`: customers, their share, amount and its share.

    Every tier and status appears, with zero where nobody is in it. Columns: tier, lapsed,
    customers, share, amount, amount_share.
    """
    thresholds = _thresholds(thresholds)
    scope_sql, scope_params = _scope(scope)
    sql = tier_counts_sql(scope_sql)
    rows = analysis.fetchall(sql, {**_threshold_params(thresholds), **scope_params, "as_of": _as_of(analysis, as_of)})
    found = {(rank, lapsed): (n, cents) for rank, lapsed, n, cents in rows}
    records = []
    for rank, lapsed in _all_keys():
        n, cents = found.get((rank, lapsed), (0, 0))
        records.append({"tier": TIER_CODES[rank], "lapsed": lapsed, "customers": int(n), "amount": (cents or 0) / 100})
    frame = pd.DataFrame.from_records(records)
    total, total_amount = frame["customers"].sum(), frame["amount"].sum()
    frame["share"] = frame["customers"] / total if total else 0.0
    frame["amount_share"] = frame["amount"] / total_amount if total_amount else 0.0
    frame["lapsed"] = frame["lapsed"].astype("object")
    return frame[["tier", "lapsed", "customers", "share", "amount", "amount_share"]]


# ---------------------------------------------------------------------------------------------
# Over time


@dataclass(frozen=True)
class PeriodRange:
    freq: str
    start_index: int
    end_index: int

    def ends(self) -> list[dt.date]:
        return [period_end(i, self.freq) for i in range(self.start_index, self.end_index + 1)]

    def __len__(self) -> int:
        return max(0, self.end_index - self.start_index + 1)


def period_range(analysis: Analysis, freq: str, start: Any = None, end: Any = None) -> PeriodRange:
    """Every complete period whose end lies in [start, end].

    `start` defaults to the earliest order date, `end` to the latest order date; a period still
    running at `end` is left out (its end has not come yet).
    """
    _check_freq(freq)
    end_day = _as_of(analysis, end)
    start_day = to_date(start, "start") if start is not None else (analysis.earliest_order_date or end_day)
    if start_day > end_day:
        raise DateError(f"The start {start_day} is after the end {end_day}.")
    start_index = period_index(start_day, freq)
    end_index = period_index(end_day, freq)
    if period_end(end_index, freq) > end_day:
        end_index -= 1
    return PeriodRange(freq, start_index, end_index)


def tier_counts_over_time_sql(freq: str, scope_sql: str = "TRUE", aggregated: bool = False) -> str:
    """Customers per tier and status at every period end from `$start_i` to `$end_i`.

    Each state row is active over [valid_from, min(valid_to, lapse day)) and lapsed over
    [lapse day, valid_to), where lapse day = last_day + lapse_days + 1. A period end P_j lies in
    a day interval [x, y) exactly when index(x) <= j < index(y), so every interval becomes +n at
    one index and -n at another, and a running sum over the indexes gives the counts.
    Prospects come from `cust` ([exists_from, first_activity)) and from state rows with F = 0.
    With `aggregated` (orders axis, no scope) the same rows come pre-grouped from
    `spanagg_<freq>` and `prospects_<freq>`, with their multiplicity in `n`.
    Columns: i, tier (rank), lapsed (0/1), customers.
    """
    if aggregated:
        rows, weight = f"(SELECT *, 0 AS m_cents FROM spanagg_{freq})", "sum(n)"
        prospects, prospect_weight = f"prospects_{freq}", "sum(n)"
        prospect_a, prospect_e = "a_i", "e_i"
    else:
        rows, weight = f"span_{freq}", "count(*)"
        prospects, prospect_weight = "cust", "count(*)"
        prospect_a = _idx_sql(freq, "coalesce(exists_from, DATE '1900-01-01')")
        prospect_e = _idx_sql(freq, "coalesce(first_activity, DATE '9999-12-31')")
    lapse_idx = _idx_sql(freq, "last_day + CAST($lapse_days + 1 AS INTEGER)")
    # Clamping every index into [start_i, end_i + 1] keeps the grouping keys small, so DuckDB
    # aggregates with a perfect hash. The events below carry a zero weight instead of a WHERE:
    # a filter there would be pushed down and evaluated on the millions of rows.
    return f"""
        WITH g AS (
            SELECT {TIER_RANK_SQL} AS tier,
                   least(greatest(a_i, $start_i), $end_i + 1) AS a_i,
                   least(greatest(e_i, $start_i), $end_i + 1) AS e_i,
                   least(greatest(CASE WHEN f = 0 THEN e_i ELSE CAST({lapse_idx} AS INTEGER) END, $start_i),
                         $end_i + 1) AS l_i,
                   {weight} AS n
            FROM {rows}
            WHERE {scope_sql}
            GROUP BY ALL
        ),
        p AS (
            SELECT least(greatest(CAST({prospect_a} AS INTEGER), $start_i), $end_i + 1) AS a_i,
                   least(greatest(CAST({prospect_e} AS INTEGER), $start_i), $end_i + 1) AS e_i,
                   {prospect_weight} AS n
            FROM {prospects} WHERE {scope_sql}
            GROUP BY ALL
        ),
        ev AS (
            SELECT tier, 0 AS lapsed, a_i AS i, n * CAST(a_i < least(e_i, l_i) AS INTEGER) AS d FROM g
            UNION ALL SELECT tier, 0, least(e_i, l_i), -n * CAST(a_i < least(e_i, l_i) AS INTEGER) FROM g
            UNION ALL SELECT tier, 1, greatest(a_i, l_i), n * CAST(greatest(a_i, l_i) < e_i AS INTEGER) FROM g
            UNION ALL SELECT tier, 1, e_i, -n * CAST(greatest(a_i, l_i) < e_i AS INTEGER) FROM g
            UNION ALL SELECT 0, 0, a_i, n * CAST(a_i < e_i AS INTEGER) FROM p
            UNION ALL SELECT 0, 0, e_i, -n * CAST(a_i < e_i AS INTEGER) FROM p
        ),
        delta AS (SELECT i, tier, lapsed, sum(d) AS d FROM ev GROUP BY ALL),
        keys AS (
            SELECT * FROM (VALUES (0, 0), (1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1),
                                  (4, 0), (4, 1), (5, 0), (5, 1)) k(tier, lapsed)
        ),
        grid AS (SELECT CAST(r.i AS INTEGER) AS i, k.tier, k.lapsed FROM range($start_i, $end_i + 1) r(i), keys k)
        SELECT grid.i, grid.tier, grid.lapsed,
               CAST(sum(coalesce(delta.d, 0)) OVER (
                   PARTITION BY grid.tier, grid.lapsed ORDER BY grid.i ROWS UNBOUNDED PRECEDING
               ) AS BIGINT) AS customers
        FROM grid LEFT JOIN delta USING (i, tier, lapsed)
    """


def revenue_over_time_sql(freq: str, scope_sql: str = "TRUE") -> str:
    """Revenue (order amounts, refunds included) of each period, by the tier and status each
    customer has at the period's end. Columns: i, tier (rank), lapsed (0/1), cents."""
    return f"""
        SELECT i, {TIER_RANK_SQL} AS tier,
               CAST(CASE WHEN f = 0 THEN 0 ELSE (period_end - last_day) > $lapse_days END AS INTEGER) AS lapsed,
               CAST(sum(cents) AS BIGINT) AS cents
        FROM act_{freq}
        WHERE i BETWEEN $start_i AND $end_i AND {scope_sql}
        GROUP BY ALL
    """


def _over_time_frame(rows: pd.DataFrame, periods: PeriodRange, value: str) -> pd.DataFrame:
    ends = {i: period_end(i, periods.freq) for i in range(periods.start_index, periods.end_index + 1)}
    rows = rows.copy()
    rows["period_end"] = rows["i"].map(ends)
    rows["lapsed"] = [None if t == 0 else bool(s) for t, s in zip(rows["tier"], rows["lapsed"])]
    rows["lapsed"] = rows["lapsed"].astype("object")
    _codes(rows, "tier")
    rows = rows.sort_values(["i", "tier"], key=lambda c: c.map(TIER_CODES.index) if c.name == "tier" else c)
    return rows[["period_end", "tier", "lapsed", value]].reset_index(drop=True)


def tier_counts_over_time(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    freq: str = "month",
    start: Any = None,
    end: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """Customers per tier and status at every period end. Columns: period_end, tier, lapsed,
    customers; every tier and status appears at every period end."""
    thresholds = _thresholds(thresholds)
    periods = period_range(analysis, freq, start, end)
    if not len(periods):
        return pd.DataFrame(columns=["period_end", "tier", "lapsed", "customers"])
    analysis.ensure_freq(freq)
    scope_sql, scope_params = _scope(scope)
    aggregated = thresholds.value_axis == "orders" and not scope_params
    sql = tier_counts_over_time_sql(freq, scope_sql, aggregated=aggregated)
    params = {**_threshold_params(thresholds), **scope_params,
              "start_i": periods.start_index, "end_i": periods.end_index}
    return _over_time_frame(analysis.df(sql, params), periods, "customers")


def revenue_over_time(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    freq: str = "month",
    start: Any = None,
    end: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """Revenue of every period by tier and status at the period's end. Columns: period_end,
    tier, lapsed, revenue; every tier and status appears at every period end."""
    thresholds = _thresholds(thresholds)
    periods = period_range(analysis, freq, start, end)
    columns = ["period_end", "tier", "lapsed", "revenue"]
    if not len(periods):
        return pd.DataFrame(columns=columns)
    analysis.ensure_activity(freq)
    scope_sql, scope_params = _scope(scope)
    sql = revenue_over_time_sql(freq, scope_sql)
    params = {**_threshold_params(thresholds), **scope_params,
              "start_i": periods.start_index, "end_i": periods.end_index}
    found = {(i, t, s): cents for i, t, s, cents in analysis.fetchall(sql, params)}
    records = []
    for i in range(periods.start_index, periods.end_index + 1):
        for rank, lapsed in _all_keys():
            records.append({"i": i, "tier": rank, "lapsed": int(bool(lapsed)),
                            "revenue": found.get((i, rank, int(bool(lapsed))), 0) / 100})
    return _over_time_frame(pd.DataFrame.from_records(records), periods, "revenue")


def movements_sql(freq: str, scope_sql: str = "TRUE") -> str:
    """Who moved between the end of period i-1 and the end of period i, for i in
    [`$start_i`, `$end_i`], and how.

    A customer's tier and status change only on an activity day or on its lapse day, so the
    moves are: (1) customers with activity in period i, compared with their state at the end
    of the previous period; (2) customers without activity whose lapse day falls in period i;
    (3) prospects created in period i. Columns: i, from_tier, from_lapsed, to_tier, to_lapsed,
    customers (from_tier NULL means the customer did not exist yet).
    """
    to_rank, from_rank = tier_rank_sql(), tier_rank_sql("prev_")
    lapse_idx = _idx_sql(freq, "last_day + CAST($lapse_days + 1 AS INTEGER)")
    return f"""
        WITH a AS (
            SELECT i,
                   CASE WHEN prev_f IS NOT NULL THEN {from_rank}
                        WHEN existed_before THEN 0 END AS from_tier,
                   CASE WHEN prev_f IS NULL OR prev_f = 0 THEN NULL
                        ELSE (previous_end - prev_last_day) > $lapse_days END AS from_lapsed,
                   {to_rank} AS to_tier,
                   CASE WHEN f = 0 THEN NULL ELSE (period_end - last_day) > $lapse_days END AS to_lapsed
            FROM act_{freq}
            WHERE i BETWEEN $start_i AND $end_i AND {scope_sql}
        ),
        l AS (
            SELECT CAST({lapse_idx} AS INTEGER) AS i, {to_rank} AS tier, a_i, e_i
            FROM span_{freq}
            WHERE f > 0 AND e_i > $start_i AND a_i <= $end_i AND {scope_sql}
        ),
        moves AS (
            SELECT i, from_tier, from_lapsed, to_tier, to_lapsed, count(*) AS customers
            FROM a
            WHERE from_tier IS DISTINCT FROM to_tier OR from_lapsed IS DISTINCT FROM to_lapsed
            GROUP BY ALL
            UNION ALL
            SELECT i, tier, false, tier, true, count(*)
            FROM l WHERE a_i < i AND i < e_i AND i BETWEEN $start_i AND $end_i
            GROUP BY ALL
            UNION ALL
            SELECT CAST({_idx_sql(freq, 'created_on')} AS INTEGER) AS i, NULL, NULL, 0, NULL, count(*)
            FROM cust
            WHERE created_on IS NOT NULL
              AND {_idx_sql(freq, 'created_on')} BETWEEN $start_i AND $end_i
              AND (first_activity IS NULL OR {_idx_sql(freq, 'first_activity')} > {_idx_sql(freq, 'created_on')})
              AND {scope_sql}
            GROUP BY ALL
        )
        SELECT i, from_tier, from_lapsed, to_tier, to_lapsed, CAST(sum(customers) AS BIGINT) AS customers
        FROM moves GROUP BY ALL
    """


def movement_kind(from_tier: str | None, from_lapsed: bool | None, to_tier: str, to_lapsed: bool | None) -> str:
    """new (did not exist), reactivated (lapsed -> active), lapsed (active -> lapsed), else
    promoted or demoted by tier order (prospect < first < nascent < steady < trend < loyal)."""
    if from_tier is None:
        return "new"
    if from_lapsed and not to_lapsed:
        return "reactivated"
    if to_lapsed and not from_lapsed:
        return "lapsed"
    return "promoted" if TIER_CODES.index(to_tier) > TIER_CODES.index(from_tier) else "demoted"


def movements_over_time(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    freq: str = "month",
    start: Any = None,
    end: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """The moves behind each change of the counts. Columns: period_end, movement, from_tier,
    from_lapsed, to_tier, to_lapsed, customers (only moves that happened)."""
    thresholds = _thresholds(thresholds)
    periods = period_range(analysis, freq, start, end)
    columns = ["period_end", "movement", "from_tier", "from_lapsed", "to_tier", "to_lapsed", "customers"]
    if not len(periods):
        return pd.DataFrame(columns=columns)
    analysis.ensure_activity(freq)
    scope_sql, scope_params = _scope(scope)
    sql = movements_sql(freq, scope_sql)
    params = {**_threshold_params(thresholds), **scope_params,
              "start_i": periods.start_index, "end_i": periods.end_index}
    frame = analysis.df(sql, params)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["period_end"] = frame["i"].map(lambda i: period_end(int(i), freq))
    _codes(frame, "from_tier", "to_tier")
    for column in ("from_lapsed", "to_lapsed"):
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    frame["movement"] = [
        movement_kind(a, b, c, d)
        for a, b, c, d in zip(frame["from_tier"], frame["from_lapsed"], frame["to_tier"], frame["to_lapsed"])
    ]
    frame = frame.sort_values(["period_end", "to_tier", "from_tier"], na_position="first")
    return frame[columns].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Transitions between two dates


def transitions_sql(scope_sql: str = "TRUE") -> str:
    """Customers by (tier and status at `$date_from`) x (tier and status at `$date_to`);
    customers that did not exist at the first date come from `new`.
    Columns: from_tier (rank or NULL), from_lapsed, to_tier, to_lapsed, customers."""
    return f"""
        WITH a AS ({tier_at_sql('date_from', scope_sql)}),
             b AS ({tier_at_sql('date_to', scope_sql)})
        SELECT a.tier AS from_tier, a.lapsed AS from_lapsed, b.tier AS to_tier, b.lapsed AS to_lapsed,
               count(*) AS customers
        FROM b LEFT JOIN a USING (cid)
        GROUP BY ALL
    """


def transitions(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    date_from: Any = None,
    date_to: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """Columns: from_tier ('new' for customers that did not exist at `date_from`), from_lapsed,
    to_tier, to_lapsed, customers. `date_to` defaults to the latest order date and `date_from`
    to one year before it."""
    thresholds = _thresholds(thresholds)
    date_to = _as_of(analysis, date_to)
    date_from = (date_to - dt.timedelta(days=365)) if date_from is None else to_date(date_from, "from")
    if date_from > date_to:
        raise DateError(f"The first date {date_from} is after the second date {date_to}.")
    scope_sql, scope_params = _scope(scope)
    sql = transitions_sql(scope_sql)
    frame = analysis.df(sql, {**_threshold_params(thresholds), **scope_params,
                              "date_from": date_from, "date_to": date_to})
    columns = ["from_tier", "from_lapsed", "to_tier", "to_lapsed", "customers"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    _codes(frame, "from_tier", "to_tier")
    frame["from_tier"] = frame["from_tier"].fillna("new")
    for column in ("from_lapsed", "to_lapsed"):
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    order = ["new", *TIER_CODES]
    frame = frame.sort_values(
        ["from_tier", "from_lapsed", "to_tier", "to_lapsed"],
        key=lambda c: c.map(order.index) if c.name.endswith("tier") else c.map(lambda v: -1 if v is None else int(v)),
    )
    return frame[columns].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Suggested thresholds


@dataclass(frozen=True)
class Suggestion:
    """A threshold value read off the data, with the one-line reason a manager can check."""

    name: str  # min_orders, min_tenure_days, lapse_days or min_amount
    value: Any
    reason_key: str  # key of the sentence in `texts.py`
    reason_values: dict[str, Any]

    def reason(self, lang: str = "en") -> str:
        from .texts import text

        return text(self.reason_key, lang, **self.reason_values)


def suggestions_sql(scope_sql: str = "TRUE") -> str:
    """Spread of repeat customers (F >= 2 at `$as_of`) and of the gaps between their orders.

    Columns: repeat_customers, orders_p75, tenure_p50, amount_cents_p75, gaps, gap_p90.
    """
    return f"""
        WITH r AS (
            SELECT * FROM ({tier_at_sql('as_of', scope_sql)}) WHERE f >= 2
        ),
        g AS (
            SELECT valid_from - lag(last_day) OVER (PARTITION BY cid ORDER BY valid_from) AS gap, n_orders
            FROM state WHERE valid_from <= $as_of AND {scope_sql}
        )
        SELECT (SELECT count(*) FROM r),
               (SELECT quantile_disc(f, 0.75) FROM r),
               (SELECT quantile_disc(tenure, 0.5) FROM r),
               (SELECT quantile_disc(m_cents, 0.75) FROM r),
               (SELECT count(*) FROM g WHERE n_orders > 0 AND gap > 0),
               (SELECT quantile_disc(gap, 0.9) FROM g WHERE n_orders > 0 AND gap > 0)
    """


def _round_up(value: float, step: int) -> int:
    return int(-(-int(value) // step) * step)


def _two_significant(value: float) -> float:
    if value <= 0:
        return 0.0
    digits = len(str(int(value))) - 2
    step = 10 ** max(digits, 0)
    return float(round(value / step) * step)


def suggest_thresholds(
    analysis: Analysis,
    as_of: Any = None,
    scope: Scope | None = None,
) -> dict[str, Suggestion]:
    """Thresholds read off the data at `as_of`, each with its reason.

    - min_orders: the order count reached by the top quarter of repeat customers (at least 2);
    - min_tenure_days: the median tenure of repeat customers, rounded up to 30 days;
    - lapse_days: the gap between orders that 9 in 10 gaps stay within, rounded up to 10 days;
    - min_amount: the amount reached by the top quarter of repeat customers (2 significant digits).
    Falls back to the defaults, saying so, when there are too few repeat customers.
    """
    as_of = _as_of(analysis, as_of)
    scope_sql, scope_params = _scope(scope)
    sql = suggestions_sql(scope_sql)
    params = {**_threshold_params(DEFAULT_THRESHOLDS), **scope_params, "as_of": as_of}
    repeat, orders_p75, tenure_p50, cents_p75, gaps, gap_p90 = analysis.fetchall(sql, params)[0]
    defaults = DEFAULT_THRESHOLDS
    if repeat < 10:
        fallback = {"count": repeat}
        return {
            "min_orders": Suggestion("min_orders", defaults.min_orders, "reason_default", fallback),
            "min_tenure_days": Suggestion("min_tenure_days", defaults.min_tenure_days, "reason_default", fallback),
            "lapse_days": Suggestion("lapse_days", defaults.lapse_days, "reason_default", fallback),
            "min_amount": Suggestion("min_amount", 10000.0, "reason_default", fallback),
        }
    min_orders = max(2, int(orders_p75))
    tenure = max(30, _round_up(tenure_p50, 30))
    lapse = max(30, _round_up(gap_p90 or defaults.lapse_days, 10)) if gaps >= 10 else defaults.lapse_days
    amount = max(1.0, _two_significant((cents_p75 or 0) / 100))
    return {
        "min_orders": Suggestion("min_orders", min_orders, "reason_min_orders",
                                 {"value": min_orders, "count": repeat}),
        "min_tenure_days": Suggestion("min_tenure_days", tenure, "reason_min_tenure_days",
                                      {"value": tenure, "median": int(tenure_p50), "count": repeat}),
        "lapse_days": Suggestion("lapse_days", lapse, "reason_lapse_days" if gaps >= 10 else "reason_default",
                                 {"value": lapse, "gaps": gaps, "count": repeat}),
        "min_amount": Suggestion("min_amount", amount, "reason_min_amount",
                                 {"value": amount, "count": repeat}),
    }


# ---------------------------------------------------------------------------------------------
# Channel conversion


def channel_conversion_sql(scope_sql: str = "TRUE") -> str:
    """Per acquisition channel, customers existing at `$as_of` (prospects included), how many
    ordered, ordered twice, are loyal now, and their amount. Columns: channel, acquired,
    first_order, second_order, loyal, amount_cents."""
    return f"""
        SELECT c.channel, count(*) AS acquired,
               count(*) FILTER (WHERE t.f >= 1) AS first_order,
               count(*) FILTER (WHERE t.f >= 2) AS second_order,
               count(*) FILTER (WHERE t.tier = 5) AS loyal,
               CAST(sum(t.m_cents) AS BIGINT) AS amount_cents
        FROM ({tier_at_sql('as_of', scope_sql)}) t JOIN cust c USING (cid)
        GROUP BY c.channel
    """


def channel_conversion(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """Which acquisition channel turns leads into loyal customers. Columns: channel (None when
    unknown), acquired, first_order, second_order, loyal, second_order_share, loyal_share,
    amount, amount_per_customer; largest channel first."""
    thresholds = _thresholds(thresholds)
    scope_sql, scope_params = _scope(scope)
    sql = channel_conversion_sql(scope_sql)
    frame = analysis.df(sql, {**_threshold_params(thresholds), **scope_params, "as_of": _as_of(analysis, as_of)})
    columns = ["channel", "acquired", "first_order", "second_order", "loyal", "second_order_share",
               "loyal_share", "amount", "amount_per_customer"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["channel"] = frame["channel"].astype(object).where(frame["channel"].notna(), None)
    frame["amount"] = frame["amount_cents"].fillna(0) / 100
    frame["second_order_share"] = frame["second_order"] / frame["acquired"]
    frame["loyal_share"] = frame["loyal"] / frame["acquired"]
    frame["amount_per_customer"] = frame["amount"] / frame["acquired"]
    frame = frame.sort_values(["acquired", "channel"], ascending=[False, True], na_position="last")
    return frame[columns].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# The tier map and cohorts (aggregated in DuckDB: no chart carries a row per customer)


def tier_map_sql(scope_sql: str = "TRUE") -> str:
    """Customers with an order at `$as_of`, binned by tenure (x) and orders or amount (y).

    x bins are `$tenure_bin` days wide; on the orders axis y is the order count capped at
    `$orders_cap`; on the amount axis y is the amount bin on a log scale (`$amount_bins` per
    power of ten). Columns: x_bin, y_bin, tier (rank), lapsed, customers.
    """
    return f"""
        SELECT CAST(tenure // $tenure_bin AS INTEGER) AS x_bin,
               CAST(CASE WHEN $value_axis = 'orders' THEN least(f, $orders_cap)
                         ELSE floor(log10(greatest(m_cents, 100) / 100.0) * $amount_bins) END AS INTEGER) AS y_bin,
               tier, lapsed, count(*) AS customers
        FROM ({tier_at_sql('as_of', scope_sql)})
        WHERE f >= 1
        GROUP BY ALL
    """


def tier_map(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
    tenure_bin_days: int = 30,
    orders_cap: int = 30,
    amount_bins_per_decade: int = 4,
) -> pd.DataFrame:
    """The tier map as a 2D histogram: one row per occupied cell and tier.

    Columns: tenure_from, tenure_to (days), value_from, value_to (orders, or amount on the
    amount axis), tier, lapsed, customers. On the orders axis the last row of cells holds
    every customer with `orders_cap` orders or more.
    """
    thresholds = _thresholds(thresholds)
    scope_sql, scope_params = _scope(scope)
    sql = tier_map_sql(scope_sql)
    params = {**_threshold_params(thresholds), **scope_params, "as_of": _as_of(analysis, as_of),
              "tenure_bin": tenure_bin_days, "orders_cap": orders_cap, "amount_bins": amount_bins_per_decade}
    frame = analysis.df(sql, params)
    columns = ["tenure_from", "tenure_to", "value_from", "value_to", "tier", "lapsed", "customers"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["tenure_from"] = frame["x_bin"] * tenure_bin_days
    frame["tenure_to"] = frame["tenure_from"] + tenure_bin_days
    if thresholds.value_axis == "orders":
        frame["value_from"] = frame["y_bin"].astype(float) - 0.5
        frame["value_to"] = frame["y_bin"].astype(float) + 0.5
    else:
        frame["value_from"] = 10 ** (frame["y_bin"] / amount_bins_per_decade)
        frame["value_to"] = 10 ** ((frame["y_bin"] + 1) / amount_bins_per_decade)
    _codes(frame, "tier")
    frame["lapsed"] = frame["lapsed"].astype(object)
    return frame[columns].reset_index(drop=True)


def cohort_retention_sql(scope_sql: str = "TRUE") -> str:
    """Customers by month of first order (cohort) and how many ordered again k months later.

    Columns: cohort (first day of the month), months_since (0 = the first month), customers.
    """
    return f"""
        WITH rows AS (
            SELECT cid, valid_from, f, lag(f, 1, 0) OVER (PARTITION BY cid ORDER BY valid_from) AS prev_f
            FROM state WHERE valid_from <= $as_of AND {scope_sql}
        ),
        firsts AS (
            SELECT cid, date_trunc('month', min(valid_from)) AS cohort FROM rows WHERE f > prev_f GROUP BY cid
        ),
        active AS (
            SELECT DISTINCT cid, date_trunc('month', valid_from) AS month FROM rows WHERE f > prev_f
        )
        SELECT CAST(f.cohort AS DATE) AS cohort,
               CAST(datediff('month', f.cohort, a.month) AS INTEGER) AS months_since,
               count(*) AS customers
        FROM firsts f JOIN active a USING (cid)
        WHERE f.cohort >= $first_cohort
        GROUP BY ALL
    """


def cohort_retention(
    analysis: Analysis,
    as_of: Any = None,
    scope: Scope | None = None,
    cohorts: int = 24,
) -> pd.DataFrame:
    """For the last `cohorts` months of first orders: the share of each cohort that ordered in
    each later month. Columns: cohort, months_since, customers, cohort_size, share."""
    as_of = _as_of(analysis, as_of)
    scope_sql, scope_params = _scope(scope)
    first_cohort = dt.date(as_of.year, as_of.month, 1)
    for _ in range(cohorts - 1):
        first_cohort = (first_cohort - dt.timedelta(days=1)).replace(day=1)
    frame = analysis.df(cohort_retention_sql(scope_sql), {**scope_params, "as_of": as_of, "first_cohort": first_cohort})
    columns = ["cohort", "months_since", "customers", "cohort_size", "share"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    sizes = frame[frame["months_since"] == 0].set_index("cohort")["customers"]
    frame["cohort_size"] = frame["cohort"].map(sizes)
    frame["share"] = frame["customers"] / frame["cohort_size"]
    return frame.sort_values(["cohort", "months_since"])[columns].reset_index(drop=True)


def scope_options(analysis: Analysis) -> dict[str, list[str]]:
    """The values each scope kind can take in this data, most common first."""
    options = {}
    for kind, table in (("channel", "cust"), ("region", "cust"), ("staff", "cust"), ("category", "cust_category")):
        rows = analysis.fetchall(
            f"SELECT {kind}, count(*) AS n FROM {table} WHERE {kind} IS NOT NULL AND {kind} <> '' "
            f"GROUP BY {kind} ORDER BY n DESC, {kind}"
        )
        options[kind] = [value for value, _ in rows]
    return options
