DROP TABLE cust_base
