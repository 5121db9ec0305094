"""What an import would change in the database, and the statements that change it.

Runs on the importer's work connection with the database attached and in use (`USE db`), after
`import_read`/`shop_orders` built `typed_orders`, `typed_customers`, `typed_contacts` and
`problems` (any of the typed tables may be absent). Everything is set-wise SQL on TEMP tables;
no value ever enters the SQL text. The rules:

- The customer of a row (`customer_key`) is its customer_id; else, for a guest, the member whose
  e-mail it is (in this import or the database, when exactly one member has it); else the
  e-mail; else `tel:` + the phone's digits.
- A row with a problem is left out; so is every other row of its order (an order is imported
  whole or not at all). Problems of orders the platform marks as excluded do not count.
- Orders are compared with the database by order_id: an order not stored is new; one stored with
  the same lines is already present; one stored with other lines (a later export with a new
  amount, a corrected date: compared as how many lines and the sum of a hash of each) replaces
  the stored lines; an order now excluded (cancelled,
  refunded since) is removed. A row without an order_id gets one made from its content and its
  occurrence among identical rows: "g-" + the first 16 hex digits of the SHA-256 of
  customer|date|amount|campaign|category|k.
- Customers of the customers file update known customers with their non-empty values and add
  new ones; a customer first seen in orders is added with the profile of its latest order (a
  minimal customer when the orders file has no profile columns), as is one seen only in contacts.
- A contact identical to a stored one is already present; the k-th of identical contacts in the
  files is new only when the database holds fewer than k.
"""

from __future__ import annotations

import duckdb

from . import shop_orders
from .import_read import FIELD_TYPES
from .mapping import FIELDS

PROFILE = ("name", "company", "email", "phone", "region", "address", "channel", "staff")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {row[0] for row in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = 'temp' AND table_name = $t", {"t": table}).fetchall()}


def key_customers(con: duckdb.DuckDBPyConnection, kinds: list[str]) -> None:
    """`keyed_<kind>`: the typed rows with `customer_key` (see the module docstring)."""
    sources = [f"SELECT email_key, customer_id FROM typed_{kind} WHERE customer_id IS NOT NULL AND email_key IS NOT NULL"
               for kind in kinds]
    sources.append("SELECT lower(trim(email)) AS email_key, customer_id FROM customers WHERE email IS NOT NULL")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE member_emails AS SELECT email_key AS email, min(customer_id) AS customer_id FROM ("
        + " UNION ".join(sources) + ") GROUP BY email_key HAVING count(DISTINCT customer_id) = 1"
    )
    members = con.execute("SELECT count(*) FROM member_emails").fetchall()[0][0]
    for kind in kinds:  # a view: read a few times, never copied
        have = _columns(con, f"typed_{kind}")
        required, optional = FIELDS[kind]
        missing = "".join(f"CAST(NULL AS {FIELD_TYPES.get(name, 'VARCHAR')}) AS {name}, "
                          for name in required + optional if name not in have)
        if members:
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW keyed_{kind} AS SELECT t.*, {missing}"
                "coalesce(t.customer_id, m.customer_id, t.email_key, 'tel:' || t.phone_key) AS customer_key "
                f"FROM typed_{kind} AS t LEFT JOIN member_emails AS m ON t.customer_id IS NULL AND m.email = t.email_key"
            )
        else:  # no guest can be a member: no join
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW keyed_{kind} AS SELECT t.*, {missing}"
                f"coalesce(t.customer_id, t.email_key, 'tel:' || t.phone_key) AS customer_key FROM typed_{kind} AS t"
            )


def consistency_problems(con: duckdb.DuckDBPyConnection, kinds: list[str], platform: bool) -> None:
    """Problems only the keys show: a customer twice in a customers file (an order naming two
    customers is found by `plan_orders`, in its one pass over the orders)."""
    if "customers" in kinds:
        con.execute(
            "INSERT INTO problems SELECT 'customers', file_no, row_index, 'customer_id', customer_key, "
            "'duplicate:' || first_seq FROM ("
            "  SELECT *, min(seq) OVER (PARTITION BY customer_key) AS first_seq FROM keyed_customers"
            "  WHERE customer_key IS NOT NULL) WHERE seq > first_seq"
        )


def reject_rows(con: duckdb.DuckDBPyConnection, kinds: list[str], platform: bool) -> None:
    """`effective_problems` (problems that count) and `rejected_<kind>` (file_no, row_index) to leave out."""
    if not con.execute("SELECT count(*) FROM problems").fetchall()[0][0]:  # the usual case: nothing to leave out
        con.execute("CREATE OR REPLACE TEMP TABLE effective_problems AS SELECT * FROM problems")
        for kind in kinds:
            con.execute(f"CREATE OR REPLACE TEMP TABLE rejected_{kind} (file_no INTEGER, row_index BIGINT)")
        return
    if "orders" in kinds:
        rows_of_orders = (shop_orders.order_of_rows_sql() if platform else
                          "SELECT file_no, row_index, order_id FROM keyed_orders WHERE order_id IS NOT NULL")
        con.execute(f"CREATE OR REPLACE TEMP TABLE order_rows_ids AS {rows_of_orders}")
        excluded = ("SELECT order_id FROM keyed_orders WHERE excluded IS NOT NULL" if platform
                    else "SELECT CAST(NULL AS VARCHAR) AS order_id WHERE false")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE effective_problems AS SELECT p.* FROM problems AS p "
            "LEFT JOIN order_rows_ids AS o ON p.kind = 'orders' AND o.file_no = p.file_no AND o.row_index = p.row_index "
            f"WHERE o.order_id IS NULL OR o.order_id NOT IN ({excluded})"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE rejected_order_ids AS SELECT DISTINCT o.order_id FROM effective_problems AS p "
            "JOIN order_rows_ids AS o ON o.file_no = p.file_no AND o.row_index = p.row_index WHERE p.kind = 'orders'"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE rejected_orders AS "
            "SELECT DISTINCT file_no, row_index FROM effective_problems WHERE kind = 'orders' "
            "UNION SELECT file_no, row_index FROM order_rows_ids WHERE order_id IN (SELECT order_id FROM rejected_order_ids)"
        )
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE effective_problems AS SELECT * FROM problems")
    for kind in kinds:
        if kind != "orders":
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE rejected_{kind} AS SELECT DISTINCT file_no, row_index "
                "FROM effective_problems WHERE kind = $kind", {"kind": kind})


def _sound(kind: str) -> str:
    return (f"SELECT * FROM keyed_{kind} AS k WHERE NOT EXISTS (SELECT 1 FROM rejected_{kind} AS r "
            f"WHERE r.file_no = k.file_no AND r.row_index = k.row_index)")


# --- Orders --------------------------------------------------------------------------------

_INCOMING_ORDERS = """
CREATE OR REPLACE TEMP TABLE incoming_orders AS
WITH sound AS ({sound}),
kept AS (
    SELECT *, {last_file_no} AS last_file_no FROM sound WHERE {not_excluded}
),
identified AS (
    SELECT seq, order_id, customer_key AS customer_id, order_date, amount, campaign, category
    FROM kept WHERE order_id IS NOT NULL AND file_no = last_file_no
    UNION ALL
    SELECT seq,
           'g-' || left(sha256(concat_ws('|',
               customer_key, strftime(order_date, '%Y-%m-%d'), CAST(amount AS VARCHAR), coalesce(campaign, ''),
               coalesce(category, ''),
               row_number() OVER (PARTITION BY customer_key, order_date, amount, campaign, category ORDER BY seq))), 16),
           customer_key, order_date, amount, campaign, category
    FROM kept WHERE order_id IS NULL
)
SELECT * FROM identified
"""

# An order's lines, compared as a multiset: how many, and the sum of a 64-bit hash of each line.
# Two different sets of lines agree on both only by a hash collision.
_SIGNATURE = ("count(*) AS count_star, sum(hash(customer_id, order_date, amount, coalesce(campaign, ''), "
              "coalesce(category, ''))) AS hashes")

_ORDER_STATES = f"""
CREATE OR REPLACE TEMP TABLE order_states AS
WITH incoming AS (
    SELECT order_id, sum(amount) > 0 AS is_order, count(*) FILTER (WHERE amount < 0) AS refunds,
           min(customer_id) <> max(customer_id) AS mixed, {_SIGNATURE}
    FROM incoming_orders GROUP BY order_id
),
-- The lines of the orders the database already holds (an overlap); none for new orders.
stored_lines AS (
    SELECT order_id, {_SIGNATURE} FROM orders
    WHERE order_id IN (SELECT order_id FROM incoming UNION ALL SELECT order_id FROM excluded_orders)
    GROUP BY order_id
)
SELECT i.order_id, i.is_order, i.refunds, i.mixed,
       CASE WHEN s.order_id IS NULL THEN 'new'
            WHEN s.count_star = i.count_star AND s.hashes = i.hashes THEN 'present' ELSE 'changed' END AS state
FROM incoming AS i LEFT JOIN stored_lines AS s USING (order_id)
UNION ALL
SELECT e.order_id, false, 0, false, 'removed' FROM excluded_orders AS e WHERE e.order_id IN (SELECT order_id FROM stored_lines)
"""


def plan_orders(con: duckdb.DuckDBPyConnection, platform: bool, kinds: list[str]) -> dict[str, int]:
    """`incoming_orders`, `excluded_orders` and `order_states`; returns the order counts.

    Rows sharing an order id must name one customer. That is checked in the same pass that
    groups the orders (one pass over the rows, not two); when an order names two customers, its
    rows other than the first customer's become problems, the order is left out whole
    (`reject_rows`) and the orders are planned again."""
    not_excluded = "excluded IS NULL" if platform else "true"
    excluded = ("SELECT order_id, min(excluded) AS reason FROM keyed_orders WHERE excluded IS NOT NULL GROUP BY order_id"
                if platform else "SELECT CAST(NULL AS VARCHAR) AS order_id, CAST(NULL AS VARCHAR) AS reason WHERE false")
    con.execute(f"CREATE OR REPLACE TEMP TABLE excluded_orders AS {excluded}")
    files = con.execute("SELECT count(DISTINCT file_no) FROM keyed_orders").fetchall()[0][0]
    last_file_no = "max(file_no) OVER (PARTITION BY order_id)" if files > 1 else "file_no"
    con.execute(_INCOMING_ORDERS.format(sound=_sound("orders"), not_excluded=not_excluded, last_file_no=last_file_no))
    con.execute(_ORDER_STATES)
    if not platform and con.execute("SELECT count(*) FROM order_states WHERE mixed").fetchall()[0][0]:
        con.execute(
            "INSERT INTO problems SELECT 'orders', k.file_no, k.row_index, 'customer_id', k.customer_key, "
            "'other_customer:' || f.first_seq || ':' || k.order_id FROM keyed_orders AS k JOIN ("
            "  SELECT order_id, min_by(customer_key, seq) AS first_key, min(seq) AS first_seq FROM keyed_orders"
            "  WHERE order_id IN (SELECT order_id FROM order_states WHERE mixed) GROUP BY order_id"
            ") AS f USING (order_id) WHERE k.customer_key <> f.first_key"
        )
        reject_rows(con, kinds, platform)
        return plan_orders(con, platform, kinds)
    row = con.execute(
        "SELECT count(*) FILTER (WHERE state = 'new' AND is_order), count(*) FILTER (WHERE state = 'present' AND is_order),"
        " count(*) FILTER (WHERE state = 'changed'), count(*) FILTER (WHERE state = 'removed'),"
        " coalesce(sum(refunds) FILTER (WHERE state = 'new'), 0), coalesce(sum(refunds) FILTER (WHERE state = 'present'), 0),"
        " count(*) FILTER (WHERE state = 'present')"
        " FROM order_states"
    ).fetchall()[0]
    counts = dict(zip(("orders_added", "orders_present", "orders_updated", "orders_removed", "refunds_added",
                       "refunds_present", "groups_present"), (int(v) for v in row)))
    return counts


def write_orders(con: duckdb.DuckDBPyConnection, counts: dict[str, int]) -> None:
    """Replace the changed and removed orders, insert the new ones (`counts` from `plan_orders`)."""
    if counts["orders_updated"] or counts["orders_removed"]:
        con.execute("DELETE FROM orders WHERE order_id IN "
                    "(SELECT order_id FROM order_states WHERE state IN ('changed', 'removed'))")
    present = counts["groups_present"]
    con.execute(  # new and changed orders: every incoming order not already present as it is
        "INSERT INTO orders (order_id, customer_id, order_date, amount, campaign, category) "
        "SELECT order_id, customer_id, order_date, amount, campaign, category FROM incoming_orders"
        + (" WHERE order_id NOT IN (SELECT order_id FROM order_states WHERE state = 'present')" if present else "")
    )


# --- Customers -----------------------------------------------------------------------------


def plan_customers(con: duckdb.DuckDBPyConnection, kinds: list[str], mapped: dict[str, set[str]]) -> dict[str, int]:
    """`incoming_customers` (from the customers file) and `created_customers` (first seen in
    orders or contacts); returns their counts."""
    if "customers" in kinds:
        present = _columns(con, "keyed_customers")
        values = ", ".join(
            (c if c in present else "CAST(NULL AS VARCHAR)") + f" AS {c}"
            for c in PROFILE
        )
        created = "created_at" if "created_at" in present else "CAST(NULL AS TIMESTAMP) AS created_at"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE incoming_customers AS SELECT seq, customer_key AS customer_id, {values}, "
            f"{created} FROM ({_sound('customers')}) WHERE customer_key IS NOT NULL"
        )
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE incoming_customers AS SELECT CAST(NULL AS BIGINT) AS seq, "
                    "CAST(NULL AS VARCHAR) AS customer_id, "
                    + ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in PROFILE)
                    + ", CAST(NULL AS TIMESTAMP) AS created_at WHERE false")
    firsts = []
    # Only the profile columns some file maps are looked at (a plain orders file has none).
    profiled = [c for c in PROFILE if any(c in mapped.get(kind, set()) for kind in ("orders", "contacts"))]
    if "orders" in kinds:
        cols = _columns(con, "keyed_orders")
        profile = ", ".join((c if c in cols and c in profiled else "CAST(NULL AS VARCHAR)") + f" AS {c}"
                            for c in PROFILE)
        firsts.append(
            f"SELECT customer_key, {profile}, order_date AS seen, seq FROM ({_sound('orders')}) "
            "WHERE customer_key IS NOT NULL AND " + ("excluded IS NULL" if "excluded" in cols else "true"))
    if "contacts" in kinds:
        cols = _columns(con, "keyed_contacts")
        profile = ", ".join((c if c in cols and c in ("email", "phone") and c in profiled else "CAST(NULL AS VARCHAR)")
                            + f" AS {c}" for c in PROFILE)
        firsts.append(f"SELECT customer_key, {profile}, CAST(contacted_at AS DATE) AS seen, seq "
                      f"FROM ({_sound('contacts')}) WHERE customer_key IS NOT NULL")
    if firsts:
        latest = ", ".join((f"max_by({c}, seen_seq) FILTER (WHERE {c} IS NOT NULL)" if c in profiled
                            else "CAST(NULL AS VARCHAR)") + f" AS {c}" for c in PROFILE)
        seen_seq = "struct_pack(seen := seen, seq := seq)" if profiled else "NULL"
        con.execute(
            "CREATE OR REPLACE TEMP TABLE created_customers AS "
            f"SELECT customer_key AS customer_id, {latest} FROM ("
            f"  SELECT *, {seen_seq} AS seen_seq FROM ("
            + " UNION ALL ".join(firsts) + ")) "
            "WHERE customer_key NOT IN (SELECT customer_id FROM customers) "
            "AND customer_key NOT IN (SELECT customer_id FROM incoming_customers) GROUP BY customer_key"
        )
        created = con.execute("SELECT count(*) FROM created_customers").fetchall()[0][0]
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE created_customers AS SELECT * FROM incoming_customers WHERE false")
        created = 0
    changed = " OR ".join(f"(i.{c} IS NOT NULL AND i.{c} IS DISTINCT FROM c.{c})" for c in PROFILE + ("created_at",))
    updated, present = con.execute(
        f"SELECT count(*) FILTER (WHERE {changed}), count(*) FILTER (WHERE NOT ({changed})) "
        "FROM incoming_customers AS i JOIN customers AS c USING (customer_id)"
    ).fetchall()[0]
    added = con.execute("SELECT count(*) FROM incoming_customers WHERE customer_id NOT IN "
                        "(SELECT customer_id FROM customers)").fetchall()[0][0]
    return {"customers_added": int(added), "customers_updated": int(updated or 0),
            "customers_present": int(present or 0), "customers_created": int(created)}


def write_customers(con: duckdb.DuckDBPyConnection) -> None:
    sets = ", ".join(f"{c} = coalesce(i.{c}, c.{c})" for c in PROFILE + ("created_at",))
    changed = " OR ".join(f"(i.{c} IS NOT NULL AND i.{c} IS DISTINCT FROM c.{c})" for c in PROFILE + ("created_at",))
    con.execute(f"UPDATE customers AS c SET {sets} FROM incoming_customers AS i "
                f"WHERE c.customer_id = i.customer_id AND ({changed})")
    columns = ", ".join(("customer_id",) + PROFILE)
    con.execute(f"INSERT INTO customers ({columns}, created_at) SELECT {columns}, created_at FROM incoming_customers "
                "WHERE customer_id NOT IN (SELECT customer_id FROM customers) ORDER BY seq")
    con.execute(f"INSERT INTO customers ({columns}) SELECT {columns} FROM created_customers ORDER BY customer_id")


# --- Contacts ------------------------------------------------------------------------------

_INCOMING_CONTACTS = """
CREATE OR REPLACE TEMP TABLE incoming_contacts AS
SELECT *, row_number() OVER (PARTITION BY customer_id, contacted_at, kind, staff, note ORDER BY seq) AS occurrence
FROM (SELECT seq, customer_key AS customer_id, contacted_at, {kind} AS kind, {staff} AS staff, {note} AS note
      FROM ({sound}) WHERE customer_key IS NOT NULL)
"""

_NEW_CONTACTS = """
CREATE OR REPLACE TEMP TABLE new_contacts AS
SELECT i.* FROM incoming_contacts AS i
LEFT JOIN (
    SELECT customer_id, contacted_at, kind, staff, note, count(*) AS stored FROM contacts GROUP BY ALL
) AS s
  ON  i.customer_id = s.customer_id AND i.contacted_at = s.contacted_at
  AND i.kind IS NOT DISTINCT FROM s.kind AND i.staff IS NOT DISTINCT FROM s.staff AND i.note IS NOT DISTINCT FROM s.note
WHERE i.occurrence > coalesce(s.stored, 0)
"""


def plan_contacts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    cols = _columns(con, "keyed_contacts")
    pick = {c: (c if c in cols else "CAST(NULL AS VARCHAR)") for c in ("kind", "staff", "note")}
    con.execute(_INCOMING_CONTACTS.format(sound=_sound("contacts"), **pick))
    con.execute(_NEW_CONTACTS)
    added, total = con.execute("SELECT (SELECT count(*) FROM new_contacts), (SELECT count(*) FROM incoming_contacts)"
                               ).fetchall()[0]
    return {"contacts_added": int(added), "contacts_present": int(total - added)}


def write_contacts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("INSERT INTO contacts (customer_id, contacted_at, kind, staff, note) "
                "SELECT customer_id, contacted_at, kind, staff, note FROM new_contacts ORDER BY seq")
