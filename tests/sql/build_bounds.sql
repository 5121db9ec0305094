CREATE TABLE bounds AS SELECT min(order_date) AS earliest, max(order_date) AS latest, CAST(NULL AS BIGINT) AS orders FROM lines
