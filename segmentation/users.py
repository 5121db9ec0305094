"""Local accounts: who may sign in, with which role, and the checks of a sign-in.

A user has a name, a role (`access.ROLES`: admin, manager, staff), for staff the staff name of
the customers table they look after, and a password hash made by Argon2id (`argon2-cffi`, the
reference implementation's maintained binding). A user without a hash signs in only through
OpenID Connect, where the name is the e-mail address the identity provider vouches for.

`authenticate` checks a password in constant time whatever the name (an unknown name is checked
against a dummy hash, so timing tells nobody which names exist), waits a little longer after each
failure, and locks the account for `lockout_minutes` after `max_failures` failures in a row. The
failure count and lock live in the database, so a restart does not lift a lock.

Every change of users is written to the audit table in the same transaction (`audit.record`).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import time
import unicodedata
from dataclasses import dataclass
from typing import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from . import audit, schema
from .access import ROLES, Viewer
from .errors import CataloguedError

__all__ = ["User", "UserError", "SignInError", "SignInPolicy", "add_user", "authenticate", "get_user",
           "list_users", "remove_user", "set_password", "set_role", "has_users", "MIN_PASSWORD_LENGTH"]

MIN_PASSWORD_LENGTH = 10
MAX_NAME_LENGTH = 120

_hasher = PasswordHasher()  # Argon2id with the library's recommended parameters (RFC 9106)


@functools.cache
def _dummy_hash() -> str:
    """A hash no user has: an unknown name is verified against it, so it takes as long as a known
    one. Made on the first sign-in, not at import (a hash costs a quarter of a second, which
    every fresh server's first page would otherwise wait for)."""
    return _hasher.hash("no user has this password: it only makes unknown names take as long")


class UserError(CataloguedError, ValueError):
    """A user cannot be added or changed (the sentence's `key` in the text catalogue)."""


class SignInError(UserError):
    """A sign-in failed: a wrong name or password (one sentence for both) or a locked account."""


@dataclass(frozen=True)
class SignInPolicy:
    """How hard sign-in is on guessing; read from the environment by `from_env`."""

    max_failures: int = 5
    lockout_minutes: int = 15
    delay_seconds: float = 0.5  # after a failure: this, doubled per failure in a row, at most 8 s

    @classmethod
    def from_env(cls) -> "SignInPolicy":
        return cls(
            max_failures=_env_int("SEGMENTATION_MAX_SIGNIN_FAILURES", cls.max_failures),
            lockout_minutes=_env_int("SEGMENTATION_LOCKOUT_MINUTES", cls.lockout_minutes),
            delay_seconds=float(os.environ.get("SEGMENTATION_SIGNIN_DELAY", cls.delay_seconds)),
        )


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else default


@dataclass(frozen=True)
class User:
    """One account as `list_users` shows it (never its hash)."""

    name: str
    role: str
    staff: str | None
    has_password: bool
    locked_until: dt.datetime | None
    created_at: dt.datetime

    def viewer(self, origin: str) -> Viewer:
        return Viewer(self.name, self.role, self.staff, origin)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _checked_name(name: str) -> str:
    if not isinstance(name, str):
        raise UserError("user_bad_name", name=repr(name))
    cleaned = unicodedata.normalize("NFKC", name).strip()
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH or any(unicodedata.category(c)[0] in "CZ" and c != " "
                                                            for c in cleaned):
        raise UserError("user_bad_name", name=repr(name[:MAX_NAME_LENGTH]))
    return cleaned


def _checked_role(role: str, staff: str | None) -> tuple[str, str | None]:
    if role not in ROLES:
        raise UserError("user_bad_role", role=role, roles=", ".join(ROLES))
    if role == "staff":
        staff = (staff or "").strip()
        if not staff:
            raise UserError("user_staff_needed")
        return role, staff
    return role, None


def _checked_password(password: str | None) -> str | None:
    if password is None:
        return None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("user_short_password", n=MIN_PASSWORD_LENGTH)
    if "\x00" in password:
        raise UserError("user_bad_password")
    return password


_COLUMNS = "name, role, staff, password_hash IS NOT NULL, locked_until, created_at"


def _user(row: tuple) -> User:
    return User(row[0], row[1], row[2], bool(row[3]), row[4], row[5])


def has_users(db_path: str | os.PathLike, *, wait_seconds: float = 2.0) -> bool:
    """Whether the database names any user (then the dashboard asks everyone to sign in)."""
    with schema.reading(db_path, wait_seconds=wait_seconds) as con:
        if not schema.has_table(con, "users"):
            return False
        return con.execute("SELECT count(*) FROM users").fetchall()[0][0] > 0


def list_users(db_path: str | os.PathLike, *, wait_seconds: float = 2.0) -> list[User]:
    with schema.reading(db_path, wait_seconds=wait_seconds) as con:
        if not schema.has_table(con, "users"):
            return []
        return [_user(row) for row in con.execute(f"SELECT {_COLUMNS} FROM users ORDER BY name").fetchall()]


def get_user(db_path: str | os.PathLike, name: str, *, wait_seconds: float = 2.0) -> User | None:
    with schema.reading(db_path, wait_seconds=wait_seconds) as con:
        if not schema.has_table(con, "users"):
            return None
        rows = con.execute(f"SELECT {_COLUMNS} FROM users WHERE name = $name", {"name": name}).fetchall()
    return _user(rows[0]) if rows else None


def add_user(db_path: str | os.PathLike, name: str, role: str, password: str | None, *, staff: str | None = None,
             by: Viewer) -> User:
    """Add a user; `password` None makes one who signs in only through OpenID Connect."""
    name = _checked_name(name)
    role, staff = _checked_role(role, staff)
    password = _checked_password(password)
    hashed = None if password is None else _hasher.hash(password)
    now = _now()
    with schema.writing(db_path, data_changed=False) as con:
        if con.execute("SELECT count(*) FROM users WHERE name = $name", {"name": name}).fetchall()[0][0]:
            raise UserError("user_exists", name=name)
        con.execute(
            "INSERT INTO users (name, role, staff, password_hash, failed_signins, locked_until, created_at, changed_at) "
            "VALUES ($name, $role, $staff, $hash, 0, NULL, $now, $now)",
            {"name": name, "role": role, "staff": staff, "hash": hashed, "now": now},
        )
        audit.record(con, by, "user_add", {"user": name, "role": role, "staff": staff})
    return User(name, role, staff, hashed is not None, None, now)


def _change(db_path, name: str, by: Viewer, action: str, details: dict, sql: str, params: dict) -> None:
    with schema.writing(db_path, data_changed=False) as con:
        if not con.execute("SELECT count(*) FROM users WHERE name = $name", {"name": name}).fetchall()[0][0]:
            raise UserError("user_unknown", name=name)
        con.execute(sql, {"name": name, **params})
        audit.record(con, by, action, {"user": name, **details})


def set_password(db_path: str | os.PathLike, name: str, password: str, *, by: Viewer) -> None:
    """Set a new password; it also lifts a lock."""
    hashed = _hasher.hash(_checked_password(password))
    _change(db_path, name, by, "user_passwd", {},
            "UPDATE users SET password_hash = $hash, failed_signins = 0, locked_until = NULL, changed_at = $now "
            "WHERE name = $name", {"hash": hashed, "now": _now()})


def set_role(db_path: str | os.PathLike, name: str, role: str, *, staff: str | None = None, by: Viewer) -> None:
    role, staff = _checked_role(role, staff)
    _change(db_path, name, by, "user_role", {"role": role, "staff": staff},
            "UPDATE users SET role = $role, staff = $staff, changed_at = $now WHERE name = $name",
            {"role": role, "staff": staff, "now": _now()})


def remove_user(db_path: str | os.PathLike, name: str, *, by: Viewer) -> None:
    _change(db_path, name, by, "user_remove", {}, "DELETE FROM users WHERE name = $name", {})


def authenticate(db_path: str | os.PathLike, name: str, password: str, *, origin: str,
                 policy: SignInPolicy | None = None, now: Callable[[], dt.datetime] = _now,
                 sleep: Callable[[float], None] = time.sleep) -> User:
    """The user `name` when `password` is theirs; else `SignInError` after a delay.

    The same sentence answers an unknown name and a wrong password. After `max_failures` in a
    row the account is locked for `lockout_minutes` (a correct password does not open it
    meanwhile); a success clears the count.
    """
    policy = policy or SignInPolicy.from_env()
    name = name.strip() if isinstance(name, str) else ""
    password = password if isinstance(password, str) else ""
    with schema.reading(db_path, wait_seconds=2.0) as con:
        rows = con.execute(
            f"SELECT {_COLUMNS}, password_hash, failed_signins FROM users WHERE name = $name", {"name": name}
        ).fetchall() if schema.has_table(con, "users") else []
    stored = rows[0] if rows else None
    correct = _verify(stored[6] if stored and stored[6] else _dummy_hash(), password) and stored is not None \
        and stored[6] is not None
    moment = now()
    if stored is not None and stored[4] is not None and stored[4] > moment:
        sleep(policy.delay_seconds)
        raise SignInError("signin_locked", minutes=max(1, round((stored[4] - moment).total_seconds() / 60)))
    if correct:
        if stored[7]:
            with schema.writing(db_path, data_changed=False, wait_seconds=2.0) as con:
                con.execute("UPDATE users SET failed_signins = 0, locked_until = NULL WHERE name = $name",
                            {"name": name})
        return _user(stored[:6])
    failures = (stored[7] if stored else 0) + 1
    if stored is not None:
        locked = moment + dt.timedelta(minutes=policy.lockout_minutes) if failures >= policy.max_failures else None
        with schema.writing(db_path, data_changed=False, wait_seconds=2.0) as con:
            con.execute("UPDATE users SET failed_signins = $n, locked_until = $locked WHERE name = $name",
                        {"n": 0 if locked else failures, "locked": locked, "name": name})
            if locked:
                audit.record(con, Viewer(name, stored[1], stored[2], origin), "signin_locked",
                             {"user": name, "failures": failures})
    sleep(min(8.0, policy.delay_seconds * 2 ** (min(failures, 5) - 1)))
    raise SignInError("signin_failed")


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
