CREATE TABLE span_week AS
            SELECT cid, f, m_cents, tenure, last_day,
                   CAST(CAST(floor(((valid_from) - DATE '1900-01-01') / 7) AS BIGINT) AS INTEGER) AS a_i,
                   CAST(CAST(floor(((valid_to) - DATE '1900-01-01') / 7) AS BIGINT) AS INTEGER) AS e_i
            FROM state
        ;
        CREATE TABLE spanagg_week AS
        SELECT f, tenure, last_day, a_i, e_i, count(*) AS n FROM span_week GROUP BY ALL
        ;
        CREATE TABLE prospects_week AS
        SELECT CAST(CAST(floor(((coalesce(exists_from, DATE '1900-01-01')) - DATE '1900-01-01') / 7) AS BIGINT) AS INTEGER) AS a_i,
               CAST(CAST(floor(((coalesce(first_activity, DATE '9999-12-31')) - DATE '1900-01-01') / 7) AS BIGINT) AS INTEGER) AS e_i,
               count(*) AS n
        FROM cust GROUP BY ALL
