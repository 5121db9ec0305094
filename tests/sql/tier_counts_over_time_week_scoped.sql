-- parameters: end_i, lapse_days, min_amount_cents, min_orders, min_tenure_days, scope_category, scope_channel, start_i, value_axis
WITH g AS (
            SELECT CASE
        WHEN f = 0 THEN 0
        WHEN f = 1 THEN 1
        WHEN (CASE WHEN $value_axis = 'orders' THEN f >= $min_orders ELSE m_cents >= $min_amount_cents END)
            THEN CASE WHEN tenure >= $min_tenure_days THEN 5 ELSE 4 END
        ELSE CASE WHEN tenure >= $min_tenure_days THEN 3 ELSE 2 END
    END AS tier,
                   least(greatest(a_i, $start_i), $end_i + 1) AS a_i,
                   least(greatest(e_i, $start_i), $end_i + 1) AS e_i,
                   least(greatest(CASE WHEN f = 0 THEN e_i ELSE CAST(CAST(floor(((last_day + CAST($lapse_days + 1 AS INTEGER)) - DATE '1900-01-01') / 7) AS BIGINT) AS INTEGER) END, $start_i),
                         $end_i + 1) AS l_i,
                   count(*) AS n
            FROM span_week
            WHERE cid IN (SELECT cid FROM cust WHERE list_contains($scope_channel, channel)) AND cid IN (SELECT cid FROM cust_category WHERE list_contains($scope_category, category))
            GROUP BY ALL
        ),
        p AS (
            SELECT least(greatest(CAST(CAST(floor(((coalesce(exists_from, DATE '1900-01-01')) - DATE '1900-01-01') / 7) AS BIGINT) AS INTEGER), $start_i), $end_i + 1) AS a_i,
                   least(greatest(CAST(CAST(floor(((coalesce(first_activity, DATE '9999-12-31')) - DATE '1900-01-01') / 7) AS BIGINT) AS INTEGER), $start_i), $end_i + 1) AS e_i,
                   count(*) AS n
            FROM cust WHERE cid IN (SELECT cid FROM cust WHERE list_contains($scope_channel, channel)) AND cid IN (SELECT cid FROM cust_category WHERE list_contains($scope_category, category))
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
        keys AS (SELECT * FROM (VALUES (0, 0), (1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1), (4, 0), (4, 1), (5, 0), (5, 1)) k(tier, lapsed)),
        grid AS (SELECT CAST(r.i AS INTEGER) AS i, k.tier, k.lapsed FROM range($start_i, $end_i + 1) r(i), keys k)
        SELECT grid.i, grid.tier, grid.lapsed,
               CAST(sum(coalesce(delta.d, 0)) OVER (
                   PARTITION BY grid.tier, grid.lapsed ORDER BY grid.i ROWS UNBOUNDED PRECEDING
               ) AS BIGINT) AS customers
        FROM grid LEFT JOIN delta USING (i, tier, lapsed)
