CREATE TABLE span_quarter AS
            SELECT cid, f, m_cents, tenure, last_day,
                   CAST((year(valid_from) * 4 + quarter(valid_from) - 1) AS INTEGER) AS a_i,
                   CAST((year(valid_to) * 4 + quarter(valid_to) - 1) AS INTEGER) AS e_i
            FROM state
        ;
        CREATE TABLE spanagg_quarter AS
        SELECT f, tenure, last_day, a_i, e_i, count(*) AS n FROM span_quarter GROUP BY ALL
        ;
        CREATE TABLE prospects_quarter AS
        SELECT CAST((year(coalesce(exists_from, DATE '1900-01-01')) * 4 + quarter(coalesce(exists_from, DATE '1900-01-01')) - 1) AS INTEGER) AS a_i,
               CAST((year(coalesce(first_activity, DATE '9999-12-31')) * 4 + quarter(coalesce(first_activity, DATE '9999-12-31')) - 1) AS INTEGER) AS e_i,
               count(*) AS n
        FROM cust GROUP BY ALL
