CREATE VIEW span_month AS
            SELECT cid, f, m_cents, tenure, last_day, a_month AS a_i, e_month AS e_i FROM state
        ;
        CREATE TABLE spanagg_month AS
        SELECT f, tenure, last_day, a_i, e_i, count(*) AS n FROM span_month GROUP BY ALL
        ;
        CREATE TABLE prospects_month AS
        SELECT CAST((year(coalesce(exists_from, DATE '1900-01-01')) * 12 + month(coalesce(exists_from, DATE '1900-01-01')) - 1) AS INTEGER) AS a_i,
               CAST((year(coalesce(first_activity, DATE '9999-12-31')) * 12 + month(coalesce(first_activity, DATE '9999-12-31')) - 1) AS INTEGER) AS e_i,
               count(*) AS n
        FROM cust GROUP BY ALL
