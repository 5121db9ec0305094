WITH page AS (SELECT * FROM (SELECT * FROM list) ORDER BY amount DESC, customer_id LIMIT $limit OFFSET $offset)
        SELECT m.customer_id, coalesce(m.name, p.name) AS name, coalesce(m.company, p.company) AS company, coalesce(m.email, p.email) AS email, coalesce(m.phone, p.phone) AS phone, m.region, coalesce(m.address, p.address) AS address, m.channel, m.staff, m.tier, m.lapsed, m.orders, m.amount, m.average_order_value, m.campaign_share, m.first_order_date, m.last_order_date, m.tenure_days, m.recency_days, m.interval_days, m.expected_next_order_date, m.cycle_status, m.last_contact_at, m.contacts, m.cid
        FROM page m LEFT JOIN profile p USING (cid)
        ORDER BY m.amount DESC, m.customer_id
