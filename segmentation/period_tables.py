"""The threshold-free tables behind counts over time, one set per period length (`freq`).

- `span_<freq>`: every `state` row with the period indexes where it starts (`a_i`) and ends
  (`e_i`); months reuse the indexes stored in `state`.
- `spanagg_<freq>` and `prospects_<freq>`: the same rows grouped by what the orders-axis rules
  read, and prospect intervals grouped by period, which make unscoped counts over time cheap.
- `act_<freq>`: one row per customer and period with activity: the period's amount, the state
  at the period's end and at the end of the customer's previous active period, and whether the
  customer existed just before the period. A state row is the last of its period when the next
  activity falls in a later period (`e_i > a_i`).

`Analysis.ensure("span_month")` and `ensure("act_month")` build them once (see `analysis.py`).
"""

from __future__ import annotations

from .periods import HIGH_DATE, LOW_DATE, end_sql, index_sql


def span_statements(freq: str) -> list[str]:
    """`span_<freq>`, `spanagg_<freq>` and `prospects_<freq>`."""
    if freq == "month":
        span = """
            CREATE VIEW span_month AS
            SELECT cid, f, m_cents, tenure, last_day, a_month AS a_i, e_month AS e_i FROM state
        """
    else:
        span = f"""
            CREATE TABLE span_{freq} AS
            SELECT cid, f, m_cents, tenure, last_day,
                   CAST({index_sql(freq, 'valid_from')} AS INTEGER) AS a_i,
                   CAST({index_sql(freq, 'valid_to')} AS INTEGER) AS e_i
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
        SELECT CAST({index_sql(freq, f"coalesce(exists_from, DATE '{LOW_DATE}')")} AS INTEGER) AS a_i,
               CAST({index_sql(freq, f"coalesce(first_activity, DATE '{HIGH_DATE}')")} AS INTEGER) AS e_i,
               count(*) AS n
        FROM cust GROUP BY ALL
        """,
    ]


def activity_statement(freq: str) -> str:
    """`act_<freq>` (needs `span_<freq>`)."""
    return f"""
        CREATE TABLE act_{freq} AS
        WITH last_rows AS (
            SELECT cid, a_i AS i, f, m_cents, tenure, last_day FROM span_{freq} WHERE e_i > a_i
        )
        SELECT r.cid, r.i, {end_sql(freq, 'r.i')} AS period_end, {end_sql(freq, 'r.i - 1')} AS previous_end,
               CAST(r.m_cents - coalesce(lag(r.m_cents) OVER prev, 0) AS BIGINT) AS cents,
               r.f, r.m_cents, r.tenure, r.last_day,
               lag(r.f) OVER prev AS prev_f, lag(r.m_cents) OVER prev AS prev_m_cents,
               lag(r.tenure) OVER prev AS prev_tenure, lag(r.last_day) OVER prev AS prev_last_day,
               (c.created_on IS NULL OR c.created_on <= {end_sql(freq, 'r.i - 1')}) AS existed_before
        FROM last_rows r JOIN cust c USING (cid)
        WINDOW prev AS (PARTITION BY r.cid ORDER BY r.i)
    """
