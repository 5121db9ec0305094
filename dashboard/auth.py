"""Who is using the dashboard: sign-in, the idle timeout, sign-out, and what each person sees.

`viewer(path, lang)` runs first on every page run (app.py). It decides:

- On 127.0.0.1 with no accounts and no identity provider, it works as it always did: the person
  at the machine is its admin (`access.LOCAL_ADMIN`).
- Bound to any other address with neither, it shows one sentence (the setting to add) and no
  data.
- With local accounts (`segmentation users add`) or OpenID Connect (`[auth]` in
  `.streamlit/secrets.toml`, signed in through Streamlit's `st.login`), everyone signs in. An
  OpenID Connect user is known by e-mail and needs a row in the users table for a role.

A signed-in session ends after `SEGMENTATION_IDLE_MINUTES` (30 by default) without a page run.
The user's row is read again whenever the file changes, so a removed user or a changed role
takes effect on their next click. `visible_analysis` hands a staff user the analysis of their
own customers only (`access.restricted_analysis`), cached per database state and staff name.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

import streamlit as st

from segmentation import access, schema, users
from segmentation.access import Viewer
from segmentation.analysis import Analysis
from segmentation.errors import DatabaseError, SegmentationError
from segmentation.texts import text

from .safe import code, plain

LOOPBACK = {"127.0.0.1", "localhost", "::1", ""}
SESSION_USER = "auth_user"  # the signed-in user's name
SESSION_SEEN = "auth_last_seen"  # time.monotonic() of the last page run
SESSION_IDLE_NOTICE = "auth_idle_notice"


def idle_minutes() -> int:
    value = os.environ.get("SEGMENTATION_IDLE_MINUTES", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 30


def bound_address() -> str:
    return str(st.get_option("server.address") or "")


def is_exposed() -> bool:
    """Whether the server listens on an address other machines can reach."""
    return bound_address() not in LOOPBACK


def oidc_provider() -> str | None:
    """The OpenID Connect provider's name when `[auth]` is configured in the secrets, else None."""
    try:
        settings = st.secrets.get("auth")
    except (FileNotFoundError, KeyError, AttributeError, ValueError):
        return None
    except Exception:  # noqa: BLE001 - a secrets file Streamlit cannot parse: no provider
        return None
    if not settings:
        return None
    providers = [key for key, value in settings.items() if hasattr(value, "items")]
    return providers[0] if providers else "OpenID Connect"


@st.cache_data(max_entries=64, show_spinner=False)
def _accounts(path: str, file_state: tuple) -> dict[str, tuple[str, str | None]]:
    """name -> (role, staff) of every user, re-read when the file changes."""
    return {user.name: (user.role, user.staff) for user in users.list_users(path)}


def accounts(path: Path) -> dict[str, tuple[str, str | None]]:
    if not path.exists():
        return {}
    return _accounts(str(path), schema.file_state(path))


def oidc_signed_in() -> bool:
    """Whether the identity provider has signed this browser in (`st.user` holds no such field
    until `[auth]` is configured)."""
    return bool(st.user.get("is_logged_in", False))


def origin() -> str:
    address = st.context.ip_address
    return f"page {address}" if address else "page"


def _signed_in_viewer(path: Path, name: str) -> Viewer | None:
    known = accounts(path).get(name)
    if known is None:
        return None
    role, staff = known
    return Viewer(name, role, staff, origin())


def sign_out() -> None:
    for key in (SESSION_USER, SESSION_SEEN):
        st.session_state.pop(key, None)
    if oidc_provider() and oidc_signed_in():
        st.logout()


def viewer(path: Path, lang: str, every_page: Callable[[], list] = list) -> Viewer:
    """The person using this session; draws the sign-in page and stops the run until there is one.
    `every_page()`: the app's pages, registered hidden while the sign-in page shows, so that the
    page the browser asked for (a bookmark) is still the one opened after signing in."""

    def stop() -> None:
        st.navigation(every_page(), position="hidden")  # no page list, and the bookmark kept
        st.stop()

    try:
        known = accounts(path)
    except DatabaseError as error:
        if is_exposed():  # unsure who may come in: let nobody in
            st.error(plain(error.message(lang)))
            stop()
        known = {}
    provider = oidc_provider()
    if not known and provider is None:
        if is_exposed():
            command = code(f"segmentation users add {'名前' if lang == 'ja' else 'NAME'} --role admin --db {path}")
            st.error(text("signin_needed_exposed", lang, address=plain(bound_address()), command=command))
            stop()
        return Viewer(access.LOCAL_ADMIN.name, "admin", None, origin())

    now = time.monotonic()
    name = st.session_state.get(SESSION_USER)
    if name is not None and now - st.session_state.get(SESSION_SEEN, now) > idle_minutes() * 60:
        sign_out()
        st.session_state[SESSION_IDLE_NOTICE] = True
        name = None
    if name is None and provider is not None and oidc_signed_in():
        name = str(st.user.get("email") or "")
        if name and name not in known:
            st.warning(text("signin_oidc_unknown", lang, name=plain(name),
                            command=code(f"segmentation users add {name} --role manager --oidc")))
            st.button(text("sign_out", lang), on_click=sign_out, key="auth_oidc_out")
            stop()
        st.session_state[SESSION_USER] = name
    if name is not None:
        person = _signed_in_viewer(path, name)
        if person is not None:
            st.session_state[SESSION_SEEN] = now
            return person
        sign_out()  # removed since: ask again
    _sign_in_page(path, lang, provider, has_local=any(True for _ in known))
    stop()


def _sign_in_page(path: Path, lang: str, provider: str | None, has_local: bool) -> None:
    st.title(text("signin_title", lang))
    if st.session_state.pop(SESSION_IDLE_NOTICE, False):
        st.info(text("signin_idle", lang, minutes=idle_minutes()))
    if provider is not None:
        st.button(text("signin_oidc", lang, provider=provider), key="auth_oidc", type="primary",
                  on_click=st.login, args=(provider if provider != "OpenID Connect" else None,))
    if not has_local:
        return
    with st.form("auth_form", clear_on_submit=False, width=420):
        name = st.text_input(text("signin_name", lang), key="auth_name", max_chars=users.MAX_NAME_LENGTH,
                             autocomplete="username")
        password = st.text_input(text("signin_password", lang), key="auth_password", type="password",
                                 max_chars=1024, autocomplete="current-password")
        submitted = st.form_submit_button(text("signin_button", lang), type="primary")
    if submitted:
        try:
            user = users.authenticate(path, name, password, origin=origin())
        except users.SignInError as error:
            st.error(error.message(lang))
            return
        except DatabaseError as error:
            st.error(plain(error.message(lang)))
            return
        st.session_state.pop("auth_password", None)
        st.session_state[SESSION_USER] = user.name
        st.session_state[SESSION_SEEN] = time.monotonic()
        st.rerun()


def sidebar_badge(person: Viewer, lang: str) -> None:
    """Who is signed in, and the sign-out button (nothing for the local admin)."""
    if st.session_state.get(SESSION_USER) is None:
        return
    with st.sidebar:
        st.caption(text("signed_in_as", lang, name=plain(person.name), role=text(f"role_{person.role}", lang)))
        st.button(text("sign_out", lang), key="auth_sign_out", on_click=sign_out, icon=":material/logout:")


@st.cache_resource(max_entries=32, show_spinner=False, hash_funcs={Analysis: lambda analysis: analysis.key})
def _staff_analysis(analysis: Analysis, staff: str) -> Analysis:
    return access.restricted_analysis(analysis, staff)


def visible_analysis(analysis: Analysis | None, person: Viewer) -> Analysis | None:
    """The analysis `person` may see: all customers, or a staff user's own."""
    if analysis is None or not person.restricted:
        return analysis
    narrowed = _staff_analysis(analysis, person.staff)
    access.follow_contacts(narrowed, analysis)
    return narrowed


def record_export(container, lang: str, customers: int, **conditions) -> bool:
    """Write the audit row of an export about to be made (who, the conditions, how many
    customers); when it cannot be written, say so in `container` and return False: no file."""
    from segmentation import audit

    try:
        audit.log(_db_path(), current(), "export", audit.conditions(**conditions), customers=customers,
                  wait_seconds=2.0)
    except SegmentationError as error:
        container.error(text("audit_refused", lang, problem=plain(error.message(lang))))
        return False
    return True


def _db_path() -> Path:
    from .data import db_path

    return db_path()


def current() -> Viewer:
    """The viewer app.py found for this run (pages read it from here)."""
    return st.session_state["viewer"]
