CREATE TABLE cust_base AS
    SELECT CAST(row_number() OVER () AS INTEGER) AS cid,
           customer_id, channel, region, staff, CAST(created_at AS DATE) AS created_on
    FROM src.customers
