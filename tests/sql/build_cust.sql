CREATE TABLE cust AS
        SELECT b.*, a.first_activity,
               CASE WHEN b.created_on IS NULL THEN NULL
                    ELSE least(b.created_on, a.first_activity) END AS exists_from
        FROM cust_base b
        LEFT JOIN (SELECT cid, min(day) AS first_activity FROM days GROUP BY cid) a USING (cid)
