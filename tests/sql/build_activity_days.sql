CREATE TABLE days AS
        SELECT cid, order_date AS day,
               CAST(count(*) FILTER (WHERE cents > 0) AS INTEGER) AS n_orders,
               CAST(count(*) FILTER (WHERE cents > 0 AND has_campaign) AS INTEGER) AS n_campaign,
               CAST(sum(cents) AS BIGINT) AS cents
        FROM ord GROUP BY cid, order_date
