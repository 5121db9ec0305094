"""The audit: who took personal data out or changed what, when, and from where.

Every export (page or CLI), import, backup, restore and change of users is one row of the
`audit` table: when, who (name and role), the action, what exactly (the filters, the files, the
user changed, as JSON), how many customers it held, and the origin ("page 192.0.2.4",
"cli alice@shop-pc"). Japan's 個人情報保護法 expects a company to know who took personal data
out; this is that record. Rows are only ever added: nothing here updates or deletes one, and a
restore keeps the audit as it is (`backup.KEPT_ON_RESTORE`).

An export is recorded before its file is made (`log`): when the record cannot be written, the
export is refused, so no personal data leaves unrecorded.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import duckdb
import pandas as pd

from . import schema
from .access import Viewer

__all__ = ["ACTIONS", "AUDIT_COLUMNS", "conditions", "details_text", "log", "read_audit", "record"]

#: Every action the audit knows, in the order the admin page lists them.
ACTIONS = ("export", "import", "backup", "restore", "user_add", "user_passwd", "user_role", "user_remove",
           "signin_locked", "audit_export", "channel_cost")

AUDIT_COLUMNS = ("happened_at", "user_name", "role", "action", "customers", "details", "origin")


def _details(details: dict[str, Any] | None) -> str:
    return json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)


def conditions(*, thresholds=None, scope=None, filters=None, as_of=None, **other: Any) -> dict[str, Any]:
    """What an export held, as plain values for the audit's `details`: the thresholds' fields,
    the scope and filters in the English sentence the pages show, the date, and `other`."""
    from dataclasses import asdict

    from .filters import filters_sentence

    described: dict[str, Any] = {}
    if as_of is not None:
        described["as_of"] = str(as_of)
    if thresholds is not None:
        described["thresholds"] = {k: (str(v) if v is not None else None) for k, v in asdict(thresholds).items()}
    if scope is not None:
        described["scope"] = scope.describe("en")
    if filters is not None:
        described["filters"] = filters_sentence(filters, "en")
    described.update({k: v for k, v in other.items() if v is not None})
    return described


def record(con: duckdb.DuckDBPyConnection, viewer: Viewer, action: str, details: dict[str, Any] | None = None,
           customers: int | None = None) -> None:
    """Add one row inside the caller's transaction (an import, a restore, a user change)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}")
    con.execute(
        "INSERT INTO audit (happened_at, user_name, role, action, customers, details, origin) "
        "VALUES ($happened_at, $user, $role, $action, $customers, $details, $origin)",
        {"happened_at": dt.datetime.now().replace(microsecond=0), "user": viewer.name, "role": viewer.role, "action": action,
         "customers": customers, "details": _details(details), "origin": viewer.origin},
    )


def log(db_path: str | os.PathLike, viewer: Viewer, action: str, details: dict[str, Any] | None = None,
        customers: int | None = None, *, wait_seconds: float = 5.0) -> None:
    """Add one row in a transaction of its own (an export, which writes nothing else). Raises
    the database's error when the row cannot be written: the caller then makes no file."""
    with schema.writing(db_path, data_changed=False, wait_seconds=wait_seconds) as con:
        record(con, viewer, action, details, customers)


def details_text(details: str) -> str:
    """A row's details as one line to read ("filters: tier: Loyal · format: csv · ..."), from its JSON."""
    try:
        values = json.loads(details)
    except (TypeError, ValueError):
        return str(details)

    def shown(value: Any) -> str:
        if isinstance(value, dict):
            return ", ".join(f"{k}={v}" for k, v in value.items() if v is not None)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)

    return " · ".join(f"{key}: {shown(value)}" for key, value in values.items() if value not in (None, "", [], {}))


def read_audit(db_path: str | os.PathLike, *, actions: tuple[str, ...] = (), user: str | None = None,
               since: dt.date | None = None, limit: int | None = 10_000, wait_seconds: float = 2.0) -> pd.DataFrame:
    """Audit rows, newest first, narrowed by action, user name and first day."""
    where, params = ["TRUE"], {}
    if actions:
        where.append("list_contains($actions, action)")
        params["actions"] = list(actions)
    if user:
        where.append("user_name = $user")
        params["user"] = user
    if since is not None:
        where.append("happened_at >= $since")
        params["since"] = dt.datetime.combine(since, dt.time())
    sql = (f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit WHERE {' AND '.join(where)} "
           "ORDER BY happened_at DESC, audit_id DESC" + (" LIMIT $limit" if limit else ""))
    if limit:
        params["limit"] = limit
    with schema.reading(db_path, wait_seconds=wait_seconds) as con:
        if not schema.has_table(con, "audit"):
            return pd.DataFrame(columns=list(AUDIT_COLUMNS))
        return con.execute(sql, params).df()
