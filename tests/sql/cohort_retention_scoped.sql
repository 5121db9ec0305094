-- parameters: as_of, first_cohort, scope_category, scope_channel
WITH rows AS (
            SELECT cid, valid_from, f, lag(f, 1, 0) OVER (PARTITION BY cid ORDER BY valid_from) AS prev_f
            FROM state WHERE valid_from <= $as_of AND cid IN (SELECT cid FROM cust WHERE list_contains($scope_channel, channel)) AND cid IN (SELECT cid FROM cust_category WHERE list_contains($scope_category, category))
        ),
        firsts AS (
            SELECT cid, date_trunc('month', min(valid_from)) AS cohort FROM rows WHERE f > prev_f GROUP BY cid
        ),
        active AS (
            SELECT DISTINCT cid, date_trunc('month', valid_from) AS month FROM rows WHERE f > prev_f
        )
        SELECT CAST(f.cohort AS DATE) AS cohort,
               CAST(datediff('month', f.cohort, a.month) AS INTEGER) AS months_since,
               count(*) AS customers
        FROM firsts f JOIN active a USING (cid)
        WHERE f.cohort >= $first_cohort
        GROUP BY ALL
