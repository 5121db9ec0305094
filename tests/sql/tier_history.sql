-- parameters: as_of, customer_id, lapse_days, min_amount_cents, min_orders, min_tenure_days, value_axis
WITH me AS (SELECT cid, exists_from, first_activity FROM cust WHERE customer_id = $customer_id),
        s AS (
            SELECT valid_from, valid_to, last_day, f, CASE
        WHEN f = 0 THEN 0
        WHEN f = 1 THEN 1
        WHEN (CASE WHEN $value_axis = 'orders' THEN f >= $min_orders ELSE m_cents >= $min_amount_cents END)
            THEN CASE WHEN tenure >= $min_tenure_days THEN 5 ELSE 4 END
        ELSE CASE WHEN tenure >= $min_tenure_days THEN 3 ELSE 2 END
    END AS tier
            FROM state WHERE cid = (SELECT cid FROM me) AND valid_from <= $as_of
        ),
        events AS (
            SELECT coalesce((SELECT exists_from FROM me), DATE '1900-01-01') AS since, 0 AS tier,
                   NULL AS lapsed
            WHERE (SELECT cid FROM me) IS NOT NULL
              AND (SELECT coalesce(exists_from, DATE '1900-01-01') < coalesce(first_activity, DATE '9999-12-31') FROM me)
            UNION ALL
            SELECT valid_from, tier, CASE WHEN f = 0 THEN NULL ELSE false END FROM s
            UNION ALL
            SELECT last_day + CAST($lapse_days + 1 AS INTEGER), tier, true FROM s
            WHERE f > 0 AND last_day + CAST($lapse_days + 1 AS INTEGER) < valid_to
              AND last_day + CAST($lapse_days + 1 AS INTEGER) <= $as_of
              AND last_day + CAST($lapse_days + 1 AS INTEGER) >= valid_from
        )
        SELECT since, tier, lapsed FROM events ORDER BY since, lapsed NULLS FIRST
