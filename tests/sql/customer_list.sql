-- parameters: as_of, due_window_days, f_lapsed, f_quiet_days, f_search, f_tiers, lapse_days, min_amount_cents, min_orders, min_tenure_days, overdue_factor, scope_category, scope_channel, value_axis
WITH k AS (
        WITH t AS (
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
        WHERE valid_from <= $as_of AND valid_to > $as_of AND cid IN (SELECT cid FROM cust WHERE list_contains($scope_channel, channel)) AND cid IN (SELECT cid FROM cust_category WHERE list_contains($scope_category, category))
        UNION ALL
        SELECT cid, 0, NULL, 0, 0, NULL, NULL, NULL, 0
        FROM cust
        WHERE coalesce(exists_from, DATE '1900-01-01') <= $as_of
          AND coalesce(first_activity, DATE '9999-12-31') > $as_of AND cid IN (SELECT cid FROM cust WHERE list_contains($scope_channel, channel)) AND cid IN (SELECT cid FROM cust_category WHERE list_contains($scope_category, category))
    ),
        x AS (
            SELECT t.*, ($as_of - last_day) AS recency,
                   CASE WHEN f >= 2 THEN tenure / (f - 1) END AS interval_days,
                   CASE WHEN f >= 2 THEN last_day + CAST((2 * tenure + f - 1) // (2 * (f - 1)) AS INTEGER) END
                       AS expected_next
            FROM t
        )
        SELECT c.customer_id, CASE x.tier WHEN 0 THEN 'prospect' WHEN 1 THEN 'first' WHEN 2 THEN 'nascent' WHEN 3 THEN 'steady' WHEN 4 THEN 'trend' WHEN 5 THEN 'loyal' END AS tier, x.lapsed,
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
    ),
        rows AS (
            SELECT k.customer_id, p.name, p.company, p.email, p.phone, p.address, c.region, c.channel, c.staff,
                   k.tier, k.lapsed, k.orders, k.amount,
                   CASE WHEN k.orders > 0 THEN CAST(k.amount AS DOUBLE) / k.orders END AS average_order_value,
                   k.campaign_share,
                   k.first_order_date, k.last_order_date, k.tenure_days, k.recency_days, k.interval_days,
                   k.expected_next_order_date, k.cycle_status,
                   s.last_contact_at, coalesce(s.contacts, 0) AS contacts, CAST(NULL AS DOUBLE) AS loyal_score, CAST(NULL AS DOUBLE) AS p_alive, CAST(NULL AS DOUBLE) AS expected_orders, k.cid
            FROM k
            JOIN cust c USING (cid)
            LEFT JOIN profile p USING (cid)
            LEFT JOIN contact_summary s USING (cid)
        )
        SELECT * FROM rows WHERE list_contains($f_tiers, tier) AND lapsed = $f_lapsed AND (last_contact_at IS NULL OR CAST(last_contact_at AS DATE) < $as_of - CAST($f_quiet_days AS INTEGER)) AND (contains(lower(coalesce(name, '')), lower($f_search)) OR contains(lower(coalesce(company, '')), lower($f_search)) OR contains(lower(coalesce(email, '')), lower($f_search)) OR contains(lower(customer_id), lower($f_search)))
