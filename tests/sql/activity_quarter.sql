CREATE TABLE act_quarter AS
        WITH last_rows AS (
            SELECT cid, a_i AS i, f, m_cents, tenure, last_day FROM span_quarter WHERE e_i > a_i
        )
        SELECT r.cid, r.i, last_day(make_date((r.i) // 4, (r.i) % 4 * 3 + 3, 1)) AS period_end, last_day(make_date((r.i - 1) // 4, (r.i - 1) % 4 * 3 + 3, 1)) AS previous_end,
               CAST(r.m_cents - coalesce(lag(r.m_cents) OVER prev, 0) AS BIGINT) AS cents,
               r.f, r.m_cents, r.tenure, r.last_day,
               lag(r.f) OVER prev AS prev_f, lag(r.m_cents) OVER prev AS prev_m_cents,
               lag(r.tenure) OVER prev AS prev_tenure, lag(r.last_day) OVER prev AS prev_last_day,
               (c.created_on IS NULL OR c.created_on <= last_day(make_date((r.i - 1) // 4, (r.i - 1) % 4 * 3 + 3, 1))) AS existed_before
        FROM last_rows r JOIN cust c USING (cid)
        WINDOW prev AS (PARTITION BY r.cid ORDER BY r.i)
