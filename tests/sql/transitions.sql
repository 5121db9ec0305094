-- parameters: date_from, date_to, lapse_days, min_amount_cents, min_orders, min_tenure_days, value_axis
WITH a AS (
        SELECT cid, CASE
        WHEN f = 0 THEN 0
        WHEN f = 1 THEN 1
        WHEN (CASE WHEN $value_axis = 'orders' THEN f >= $min_orders ELSE m_cents >= $min_amount_cents END)
            THEN CASE WHEN tenure >= $min_tenure_days THEN 5 ELSE 4 END
        ELSE CASE WHEN tenure >= $min_tenure_days THEN 3 ELSE 2 END
    END AS tier,
               CASE WHEN f = 0 THEN NULL ELSE ($date_from - last_day) > $lapse_days END AS lapsed,
               f, m_cents, CAST(last_day - tenure AS DATE) AS first_day, last_day, tenure, f_campaign
        FROM state
        WHERE valid_from <= $date_from AND valid_to > $date_from AND TRUE
        UNION ALL
        SELECT cid, 0, NULL, 0, 0, NULL, NULL, NULL, 0
        FROM cust
        WHERE coalesce(exists_from, DATE '1900-01-01') <= $date_from
          AND coalesce(first_activity, DATE '9999-12-31') > $date_from AND TRUE
    ),
             b AS (
        SELECT cid, CASE
        WHEN f = 0 THEN 0
        WHEN f = 1 THEN 1
        WHEN (CASE WHEN $value_axis = 'orders' THEN f >= $min_orders ELSE m_cents >= $min_amount_cents END)
            THEN CASE WHEN tenure >= $min_tenure_days THEN 5 ELSE 4 END
        ELSE CASE WHEN tenure >= $min_tenure_days THEN 3 ELSE 2 END
    END AS tier,
               CASE WHEN f = 0 THEN NULL ELSE ($date_to - last_day) > $lapse_days END AS lapsed,
               f, m_cents, CAST(last_day - tenure AS DATE) AS first_day, last_day, tenure, f_campaign
        FROM state
        WHERE valid_from <= $date_to AND valid_to > $date_to AND TRUE
        UNION ALL
        SELECT cid, 0, NULL, 0, 0, NULL, NULL, NULL, 0
        FROM cust
        WHERE coalesce(exists_from, DATE '1900-01-01') <= $date_to
          AND coalesce(first_activity, DATE '9999-12-31') > $date_to AND TRUE
    )
        SELECT a.tier AS from_tier, a.lapsed AS from_lapsed, b.tier AS to_tier, b.lapsed AS to_lapsed,
               count(*) AS customers
        FROM b LEFT JOIN a USING (cid)
        GROUP BY ALL
