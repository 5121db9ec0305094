-- parameters: end_i, lapse_days, min_amount_cents, min_orders, min_tenure_days, start_i, value_axis
SELECT i, CASE
        WHEN f = 0 THEN 0
        WHEN f = 1 THEN 1
        WHEN (CASE WHEN $value_axis = 'orders' THEN f >= $min_orders ELSE m_cents >= $min_amount_cents END)
            THEN CASE WHEN tenure >= $min_tenure_days THEN 5 ELSE 4 END
        ELSE CASE WHEN tenure >= $min_tenure_days THEN 3 ELSE 2 END
    END AS tier,
               CAST(CASE WHEN f = 0 THEN 0 ELSE (period_end - last_day) > $lapse_days END AS INTEGER) AS lapsed,
               CAST(sum(cents) AS BIGINT) AS cents
        FROM act_quarter
        WHERE i BETWEEN $start_i AND $end_i AND TRUE
        GROUP BY ALL
