-- parameters: end_i, lapse_days, min_amount_cents, min_orders, min_tenure_days, start_i, value_axis
WITH a AS (
            SELECT i,
                   CASE WHEN prev_f IS NOT NULL THEN CASE
        WHEN prev_f = 0 THEN 0
        WHEN prev_f = 1 THEN 1
        WHEN (CASE WHEN $value_axis = 'orders' THEN prev_f >= $min_orders ELSE prev_m_cents >= $min_amount_cents END)
            THEN CASE WHEN prev_tenure >= $min_tenure_days THEN 5 ELSE 4 END
        ELSE CASE WHEN prev_tenure >= $min_tenure_days THEN 3 ELSE 2 END
    END
                        WHEN existed_before THEN 0 END AS from_tier,
                   CASE WHEN prev_f IS NULL OR prev_f = 0 THEN NULL
                        ELSE (previous_end - prev_last_day) > $lapse_days END AS from_lapsed,
                   CASE
        WHEN f = 0 THEN 0
        WHEN f = 1 THEN 1
        WHEN (CASE WHEN $value_axis = 'orders' THEN f >= $min_orders ELSE m_cents >= $min_amount_cents END)
            THEN CASE WHEN tenure >= $min_tenure_days THEN 5 ELSE 4 END
        ELSE CASE WHEN tenure >= $min_tenure_days THEN 3 ELSE 2 END
    END AS to_tier,
                   CASE WHEN f = 0 THEN NULL ELSE (period_end - last_day) > $lapse_days END AS to_lapsed
            FROM act_month
            WHERE i BETWEEN $start_i AND $end_i AND TRUE
        ),
        l AS (
            SELECT CAST((year(last_day + CAST($lapse_days + 1 AS INTEGER)) * 12 + month(last_day + CAST($lapse_days + 1 AS INTEGER)) - 1) AS INTEGER) AS i, CASE
        WHEN f = 0 THEN 0
        WHEN f = 1 THEN 1
        WHEN (CASE WHEN $value_axis = 'orders' THEN f >= $min_orders ELSE m_cents >= $min_amount_cents END)
            THEN CASE WHEN tenure >= $min_tenure_days THEN 5 ELSE 4 END
        ELSE CASE WHEN tenure >= $min_tenure_days THEN 3 ELSE 2 END
    END AS tier, a_i, e_i
            FROM span_month
            WHERE f > 0 AND e_i > $start_i AND a_i <= $end_i AND TRUE
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
            SELECT CAST((year(created_on) * 12 + month(created_on) - 1) AS INTEGER) AS i, NULL, NULL, 0, NULL, count(*)
            FROM cust
            WHERE created_on IS NOT NULL
              AND (year(created_on) * 12 + month(created_on) - 1) BETWEEN $start_i AND $end_i
              AND (first_activity IS NULL OR (year(first_activity) * 12 + month(first_activity) - 1) > (year(created_on) * 12 + month(created_on) - 1))
              AND TRUE
            GROUP BY ALL
        )
        SELECT i, from_tier, from_lapsed, to_tier, to_lapsed, CAST(sum(customers) AS BIGINT) AS customers
        FROM moves GROUP BY ALL
