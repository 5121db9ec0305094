CREATE OR REPLACE TABLE lines AS
    SELECT c.cid, hash(o.order_id) AS order_key, o.order_date,
           CAST(round(o.amount * 100) AS BIGINT) AS cents,
           coalesce(o.campaign, '') <> '' AS has_campaign
    FROM src.orders o JOIN cust_base c USING (customer_id)
