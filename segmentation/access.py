"""Who is looking, what their role lets them do, and which customers they may see.

Three roles:

- `admin`: everything, and alone imports, restores, backs up, saves presets for the team,
  manages users and reads the audit;
- `manager`: every page and export, over all customers;
- `staff`: the same pages and exports over the customers assigned to them (the `staff` column
  of the customers table equals the staff name their account is linked to), nothing else.

A staff user's restriction is not a filter each page must remember: `analysis_for` hands them an
`Analysis` that holds only their customers (a copy of the company's analysis narrowed by staff
name, built in memory in a fraction of the full build). Every count, chart, list and export
drawn from it is theirs alone, and the side tables built later (profiles, contacts, periods)
join its customers, so they are narrowed too. One customer's record is read from the file by id:
`may_see` tells whether that id is among the viewer's customers.
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass

import duckdb

from .analysis import Analysis

__all__ = ["ROLES", "ACTIONS", "Viewer", "LOCAL_ADMIN", "cli_viewer", "analysis_for", "follow_contacts", "may_see",
           "restricted_analysis"]

ROLES = ("admin", "manager", "staff")

#: Each action and the roles allowed to take it.
ACTIONS: dict[str, frozenset[str]] = {
    "view": frozenset(ROLES),
    "export": frozenset(ROLES),
    "log_contact": frozenset(ROLES),
    "all_customers": frozenset({"admin", "manager"}),
    "import": frozenset({"admin"}),
    "restore": frozenset({"admin"}),
    "backup": frozenset({"admin"}),
    "save_preset": frozenset({"admin"}),
    "set_costs": frozenset({"admin"}),  # acquisition cost per channel and month (channel_cost.py)
    "users": frozenset({"admin"}),
    "audit": frozenset({"admin"}),
}


@dataclass(frozen=True)
class Viewer:
    """The person behind a page run or a CLI command, and where they came from."""

    name: str
    role: str
    staff: str | None = None  # the staff name a staff user works as
    origin: str = ""  # "page 192.0.2.4", "cli alice@shop-pc"

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"Unknown role {self.role!r}; use one of {', '.join(ROLES)}.")
        if self.role == "staff" and not self.staff:
            raise ValueError("A staff viewer needs the staff name they work as.")

    def can(self, action: str) -> bool:
        return self.role in ACTIONS[action]

    @property
    def restricted(self) -> bool:
        return not self.can("all_customers")


#: Whoever runs the dashboard on 127.0.0.1 with no accounts set up: the machine's owner.
LOCAL_ADMIN = Viewer("local", "admin", None, "page 127.0.0.1")


def cli_viewer() -> Viewer:
    """Whoever runs a CLI command without `--as-user`: anyone with the file has all of it."""
    try:
        who = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a container): still record something
        who = "unknown"
    return Viewer(f"os:{who}", "admin", None, f"cli {who}@{socket.gethostname()}")


# Tables of the analysis a staff copy narrows to the staff's customers (by `cid`); `bounds` keeps
# the company's dates (so periods and the default as-of date agree) with the staff's order count.
_NARROWED = ("state", "cust_category")


def restricted_analysis(analysis: Analysis, staff: str) -> Analysis:
    """A copy of `analysis` holding only the customers whose staff is `staff`."""
    con = duckdb.connect()
    try:
        parent = analysis.cursor()
        try:
            cust = parent.sql("SELECT * FROM cust WHERE staff = $staff", params={"staff": staff}).to_arrow_table()
            con.register("cust_rows", cust)
            con.execute("CREATE TABLE cust AS SELECT * FROM cust_rows")
            con.unregister("cust_rows")
            for table in _NARROWED:
                rows = parent.sql(f"SELECT * FROM {table} WHERE cid IN (SELECT cid FROM cust WHERE staff = $staff)",
                                  params={"staff": staff}).to_arrow_table()
                con.register("narrowed_rows", rows)
                con.execute(f"CREATE TABLE {table} AS SELECT * FROM narrowed_rows")
                con.unregister("narrowed_rows")
            bounds = parent.execute("SELECT earliest, latest FROM bounds").fetchall()[0]
        finally:
            parent.close()
        con.execute(
            "CREATE TABLE bounds AS SELECT CAST($earliest AS DATE) AS earliest, CAST($latest AS DATE) AS latest, "
            "CAST((SELECT coalesce(sum(n_orders), 0) FROM state) AS BIGINT) AS orders",
            {"earliest": bounds[0], "latest": bounds[1]},
        )
    except BaseException:
        con.close()
        raise
    narrowed = Analysis(con, analysis.source, analysis.data_version, analysis.file_state, staff=staff)
    for name in ("span_month",):
        narrowed.ensure(name)
    return narrowed


def follow_contacts(narrowed: Analysis, parent: Analysis) -> None:
    """Re-read a staff copy's contacts after the company's analysis re-read its own (a contact was
    logged): the copy's lists then show the new contact too, and their caches miss."""
    if narrowed.contacts_version < parent.contacts_version:
        narrowed.refresh_contacts()
        narrowed.contacts_version = parent.contacts_version


def analysis_for(analysis: Analysis, viewer: Viewer) -> Analysis:
    """The analysis `viewer` may see: the whole one, or their customers' (not cached here: the
    dashboard caches it per database state and staff name)."""
    if not viewer.restricted:
        return analysis
    return restricted_analysis(analysis, viewer.staff)


def may_see(analysis: Analysis, customer_id: str) -> bool:
    """Whether `customer_id` is among the customers of `analysis` (a staff copy holds only theirs)."""
    return bool(analysis.fetchall("SELECT count(*) FROM cust WHERE customer_id = $id", {"id": customer_id})[0][0])
