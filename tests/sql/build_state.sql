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
        SELECT cid, day AS valid_from, coalesce(next_day, DATE '9999-12-31') AS valid_to,
               CAST(f AS INTEGER) AS f, CAST(m_cents AS BIGINT) AS m_cents, last_day,
               CAST(coalesce(last_day - first_day, 0) AS INTEGER) AS tenure,
               n_orders, CAST(f_campaign AS INTEGER) AS f_campaign,
               CAST((year(day) * 12 + month(day) - 1) AS INTEGER) AS a_month,
               CAST((year(coalesce(next_day, DATE '9999-12-31')) * 12 + month(coalesce(next_day, DATE '9999-12-31')) - 1) AS INTEGER) AS e_month,
               prev_last_day
        FROM w
        ORDER BY valid_to
