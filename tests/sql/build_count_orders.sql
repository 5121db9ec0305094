UPDATE bounds SET orders = (SELECT count(*) FROM ord WHERE cents > 0)
