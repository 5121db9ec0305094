CREATE OR REPLACE TABLE cust_category AS
    SELECT c.cid, o.category
    FROM (SELECT DISTINCT customer_id, category FROM src.orders WHERE category IS NOT NULL AND category <> '') o
    JOIN cust_base c USING (customer_id)
