"""The CLI's part for people: `users` (add, passwd, role, remove, list), `audit`, and who a
command runs as (`--as-user`). Their flags are in `cli_parser`.

Anyone who can read the database file has all of it, so a command run without `--as-user` runs
as the machine's user with the admin role (and is recorded so in the audit). `--as-user NAME`
runs it as that user instead, with their role: a staff user's `export`, `classify` or `summary`
holds only their customers (a nightly call list per sales person), and commands for admins
(`import`, `backup`, `restore`, `users`, `audit`) are refused for other roles.
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys

from . import access, users
from .access import Viewer
from .cli_output import CliError, write_csv
from .export_cells import neutralise
from .texts import text

__all__ = ["ADMIN_COMMANDS", "cmd_audit", "cmd_users", "viewer"]

#: Commands only an admin may run (with `--as-user`, the user's role is checked).
ADMIN_COMMANDS = frozenset({"import", "backup", "restore", "users", "audit", "sample"})


def viewer(args: argparse.Namespace) -> Viewer:
    """Who this command runs as; refuses a command the user's role does not allow."""
    name = getattr(args, "as_user", None)
    if not name:
        return access.cli_viewer()
    if not args.db:
        raise CliError("cli_need_db")
    user = users.get_user(args.db, name) if os.path.exists(args.db) else None
    if user is None:
        raise CliError("cli_unknown_user", name=name)
    try:
        who = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a container)
        who = "unknown"
    person = user.viewer(f"cli {who}@{socket.gethostname()}")
    if args.command in ADMIN_COMMANDS and person.role != "admin":
        raise CliError("cli_role_refused", command=args.command, name=name, role=person.role)
    return person


def _password(args: argparse.Namespace) -> str:
    lang = args.lang
    if args.password_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            raise CliError("cli_no_password")
        return value
    if not sys.stdin.isatty():
        raise CliError("cli_no_password")
    first = getpass.getpass(text("cli_password_prompt", lang, name=args.name))
    if first != getpass.getpass(text("cli_password_again", lang)):
        raise users.UserError("user_passwords_differ")
    return first


def cmd_users(args: argparse.Namespace) -> list[str]:
    """Run a `users` action; returns the lines to say on stderr (or prints the list)."""
    if not args.db:
        raise CliError("cli_need_db")
    by = viewer(args)
    lang = args.lang
    action = args.users_command
    if action == "list":
        for user in users.list_users(args.db):
            staff = f" staff={user.staff}" if user.staff else ""
            sign_in = "password" if user.has_password else "oidc"
            locked = f" locked until {user.locked_until}" if user.locked_until else ""
            print(f"{user.name}\t{user.role}{staff}\t{sign_in}{locked}")
        return []
    if action == "add":
        password = None if args.oidc else _password(args)
        user = users.add_user(args.db, args.name, args.role, password, staff=args.staff, by=by)
        return [text("cli_user_added", lang, name=user.name, role=user.role)]
    if action == "passwd":
        users.set_password(args.db, args.name, _password(args), by=by)
        return [text("cli_user_passwd", lang, name=args.name)]
    if action == "role":
        users.set_role(args.db, args.name, args.role, staff=args.staff, by=by)
        return [text("cli_user_role", lang, name=args.name, role=args.role)]
    users.remove_user(args.db, args.name, by=by)
    return [text("cli_user_removed", lang, name=args.name)]


def cmd_audit(args: argparse.Namespace, since) -> int:
    """Write the audit as CSV (itself recorded: the audit holds who exported whom)."""
    from . import audit

    if not args.db:
        raise CliError("cli_need_db")
    by = viewer(args)
    frame = audit.read_audit(args.db, actions=tuple(args.action or ()), user=args.user, since=since, limit=None)
    frame["happened_at"] = frame["happened_at"].astype("datetime64[s]").dt.strftime("%Y-%m-%d %H:%M:%S")
    for column in ("user_name", "role", "details", "origin"):  # names come from people: no formulas
        frame[column] = [neutralise(value) for value in frame[column]]
    audit.log(args.db, by, "audit_export", {"action": args.action, "user": args.user, "since": args.since},
              customers=None)
    return write_csv(frame, args.out, args.lang)
