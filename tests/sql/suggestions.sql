-- parameters: as_of, lapse_days, min_amount_cents, min_orders, min_tenure_days, value_axis
WITH r AS (
            SELECT * FROM (
        SELECT cid, CASE
        WHEN f = 0 THEN 0
        WHEN f = 1 THEN 1
        WHEN (CASE WHEN $value_axis = 'orders' THEN f >= $min_orders ELSE m_cents >= $min_amount_cents END)
            THEN CASE WHEN tenure >= $min_tenure_days THEN 5 ELSE 4 END
        ELSE CASE WHEN tenure >= $min_tenure_days THEN 3 ELSE 2 END
    END AS tier,
               CASE WHEN f = 0 THEN NULL ELSE ($as_of - last_day) > $lapse_days END AS lapsed,
               f, m_cents, CAST(last_day - tenure AS DATE) AS first_day, last_day, tenure, f_campaign
        FROM state
        WHERE valid_from <= $as_of AND valid_to > $as_of AND TRUE
        UNION ALL
        SELECT cid, 0, NULL, 0, 0, NULL, NULL, NULL, 0
        FROM cust
        WHERE coalesce(exists_from, DATE '1900-01-01') <= $as_of
          AND coalesce(first_activity, DATE '9999-12-31') > $as_of AND TRUE
    ) WHERE f >= 2
        ),
        g AS (
            SELECT valid_from - prev_last_day AS gap, n_orders
            FROM state WHERE valid_from <= $as_of AND TRUE
        )
        SELECT (SELECT count(*) FROM r),
               (SELECT quantile_disc(f, 0.75) FROM r),
               (SELECT quantile_disc(tenure, 0.5) FROM r),
               (SELECT quantile_disc(m_cents, 0.75) FROM r),
               (SELECT count(*) FROM g WHERE n_orders > 0 AND gap > 0),
               (SELECT quantile_disc(gap, 0.9) FROM g WHERE n_orders > 0 AND gap > 0)
