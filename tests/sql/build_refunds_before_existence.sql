UPDATE state SET valid_from = c.created_on, a_month = (year(c.created_on) * 12 + month(c.created_on) - 1)
        FROM cust_base c
        WHERE state.cid = c.cid AND state.f = 0 AND c.created_on > state.valid_from
