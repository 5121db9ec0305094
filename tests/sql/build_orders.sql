CREATE TABLE ord AS
        SELECT cid, min(order_date) AS order_date, CAST(sum(cents) AS BIGINT) AS cents,
               bool_or(has_campaign) AS has_campaign
        FROM lines GROUP BY cid, order_key
