"""Contact drafts: a contact as typed, kept in the database until it is saved.

`customers.log_contact` writes the draft in one transaction (`save_draft`), then inserts the
contact and deletes the draft in a second one (`discard_draft`). Whatever stops the save in
between (the server killed, a full disk, a lock) leaves the draft, and the customer page puts it
back into the form (`find_draft`); once the contact is committed there is no draft. One draft
per customer and author: the signed-in user's name, or '' without sign-in.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import duckdb

from . import schema

__all__ = ["ContactDraft", "discard_draft", "find_draft", "forget_draft", "save_draft"]


@dataclass(frozen=True)
class ContactDraft:
    customer_id: str
    author: str
    contacted_at: dt.datetime
    kind: str
    staff: str
    note: str
    saved_at: dt.datetime | None = None


def save_draft(con: duckdb.DuckDBPyConnection, draft: ContactDraft) -> None:
    """Write `draft` (replacing the author's earlier one for that customer) on `con`, a
    connection inside `schema.writing`."""
    con.execute(
        "INSERT OR REPLACE INTO contact_drafts (customer_id, author, contacted_at, kind, staff, note, saved_at) "
        "VALUES ($customer_id, $author, $at, $kind, $staff, $note, current_timestamp)",
        {"customer_id": draft.customer_id, "author": draft.author, "at": draft.contacted_at, "kind": draft.kind,
         "staff": draft.staff or None, "note": draft.note},
    )


def discard_draft(con: duckdb.DuckDBPyConnection, customer_id: str, author: str) -> None:
    """Delete the author's draft for the customer on `con` (inside the caller's transaction)."""
    con.execute("DELETE FROM contact_drafts WHERE customer_id = $customer_id AND author = $author",
                {"customer_id": customer_id, "author": author})


def find_draft(db_path: str | os.PathLike, customer_id: str, author: str = "", *,
               wait_seconds: float = 5.0) -> ContactDraft | None:
    """The author's unsaved contact for the customer, or None (also for a file from before
    drafts, which has none)."""
    with schema.reading(db_path, wait_seconds=wait_seconds) as con:
        if not schema.has_table(con, "contact_drafts"):
            return None
        rows = con.execute(
            "SELECT contacted_at, kind, coalesce(staff, ''), note, saved_at FROM contact_drafts "
            "WHERE customer_id = $customer_id AND author = $author",
            {"customer_id": customer_id, "author": author},
        ).fetchall()
    if not rows:
        return None
    contacted_at, kind, staff, note, saved_at = rows[0]
    return ContactDraft(customer_id, author, contacted_at, kind, staff, note, saved_at)


def forget_draft(db_path: str | os.PathLike, customer_id: str, author: str = "", *, wait_seconds: float = 3.0) -> None:
    """Delete the author's draft for the customer in its own transaction (the page's "discard")."""
    with schema.writing(db_path, wait_seconds=wait_seconds, data_changed=False, create=False) as con:
        discard_draft(con, customer_id, author)
