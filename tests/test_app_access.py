"""Sign-in and roles in AppTest: the app as it was on 127.0.0.1 without accounts, no data when
exposed without sign-in, the sign-in form, sign-out, the idle timeout, a staff user's pages
holding only their customers, admin-only pages, and the audit of a page export."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from apptest_support import assert_no_exception, has_key, open_app  # noqa: F401  (fixture)
from dashboard.safe import seen
from segmentation import audit, users
from segmentation.access import Viewer
from segmentation.texts import text

PASSWORD = "correct horse battery"
ADMIN = Viewer("boss", "admin", None, "test")
readable = seen  # text as the browser shows it


@pytest.fixture
def team_db(demo_db, tmp_path, monkeypatch) -> Path:
    """A copy of the demo database with an admin, a manager and a staff user."""
    monkeypatch.setenv("SEGMENTATION_SIGNIN_DELAY", "0")
    path = tmp_path / "team.duckdb"
    shutil.copy(demo_db, path)
    users.add_user(path, "boss", "admin", PASSWORD, by=ADMIN)
    users.add_user(path, "mika", "manager", PASSWORD, by=ADMIN)
    users.add_user(path, "hanako", "staff", PASSWORD, staff=top_staff(path), by=ADMIN)
    return path


def top_staff(path: Path) -> str:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT staff FROM customers WHERE staff IS NOT NULL "
                           "GROUP BY staff ORDER BY count(*) DESC, staff LIMIT 1").fetchall()[0][0]


def staff_count(path: Path, staff: str) -> int:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM customers WHERE staff = ?", [staff]).fetchall()[0][0]


def submit(at, name: str, password: str = PASSWORD):
    at.text_input(key="auth_name").set_value(name)
    at.text_input(key="auth_password").set_value(password)
    [button for button in at.get("form_submit_button")][0].click()
    return at.run()


def test_on_this_machine_without_accounts_it_works_as_before(open_app, demo_db):
    at = open_app(demo_db, locale="en-US")
    assert_no_exception(at)
    assert not has_key(at, "auth_name")
    assert has_key(at, "ov_tile_loyal")
    assert not has_key(at, "auth_sign_out")  # nobody signed in: nothing to sign out of


def test_exposed_without_sign_in_it_shows_one_sentence_and_no_data(open_app, demo_db, monkeypatch):
    from dashboard import auth

    monkeypatch.setattr(auth, "bound_address", lambda: "0.0.0.0")
    at = open_app(demo_db, locale="en-US")
    assert_no_exception(at)
    assert len(at.error) == 1
    assert seen(at.error[0].value).startswith("This dashboard listens on 0.0.0.0, reachable from other machines")
    assert "users add NAME --role admin" in at.error[0].value
    assert not at.metric and not at.dataframe and not has_key(at, "ov_tile_loyal")
    assert not at.sidebar.slider  # no thresholds, no figures, nothing


def test_with_accounts_everyone_signs_in_and_a_wrong_password_gets_one_sentence(open_app, team_db):
    at = open_app(team_db, locale="en-US")
    assert_no_exception(at)
    assert has_key(at, "auth_name") and not has_key(at, "ov_tile_loyal") and not at.metric
    at = submit(at, "boss", "wrong password")
    assert [error.value for error in at.error] == ["The user name or password is wrong."]
    assert not has_key(at, "ov_tile_loyal")
    at = submit(at, "boss")
    assert_no_exception(at)
    assert has_key(at, "ov_tile_loyal")
    assert "boss (admin)" in [readable(caption.value) for caption in at.sidebar.caption]
    at.button(key="auth_sign_out").click()
    at = at.run()
    assert has_key(at, "auth_name") and not has_key(at, "ov_tile_loyal")


def test_a_session_idle_too_long_is_signed_out(open_app, team_db, monkeypatch):
    monkeypatch.setenv("SEGMENTATION_IDLE_MINUTES", "5")
    at = submit(open_app(team_db, locale="en-US"), "mika")
    assert has_key(at, "ov_tile_loyal")
    at.session_state["auth_last_seen"] = time.monotonic() - 6 * 60
    at = at.run()
    assert has_key(at, "auth_name") and not has_key(at, "ov_tile_loyal")
    assert [info.value for info in at.info] == ["You were signed out after 5 minutes without activity."]


def test_a_staff_user_sees_only_their_customers_and_no_admin_pages(open_app, team_db):
    staff = top_staff(team_db)
    mine = staff_count(team_db, staff)
    at = submit(open_app(team_db, locale="en-US"), "hanako")
    assert_no_exception(at)
    captions = [readable(caption.value) for caption in at.sidebar.caption]
    assert any(caption.startswith(f"{mine:,} customers") for caption in captions), captions
    assert f"Showing only the customers of {staff}." in captions
    assert at.session_state["analysis"].customer_count == mine
    assert at.session_state["viewer"].role == "staff"
    at.switch_page("pages/customers.py")
    at = at.run()
    assert_no_exception(at)
    shown = [frame.value for frame in at.dataframe if "Staff" in frame.value.columns]
    assert shown and set(shown[0]["Staff"]) == {staff}
    for admin_only in ("pages/data.py", "pages/admin.py"):  # not in a staff user's navigation at all
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(admin_only)


def test_a_staff_user_cannot_open_another_staffs_customer(open_app, team_db):
    import duckdb

    staff = top_staff(team_db)
    with duckdb.connect(str(team_db), read_only=True) as con:
        other = con.execute("SELECT min(customer_id) FROM customers WHERE staff <> ?", [staff]).fetchall()[0][0]
    at = submit(open_app(team_db, locale="en-US", query={"id": other}, page="pages/customer.py"), "hanako")
    at.switch_page("pages/customer.py")
    at.query_params["id"] = other
    at = at.run()
    assert_no_exception(at)
    warnings = [readable(warning.value) for warning in at.warning]
    assert warnings == [f"Customer {other} is not one of yours."]
    assert not at.get("form")  # no profile, no contact form


def test_the_admin_page_lists_the_audit_and_the_users(open_app, team_db):
    at = submit(open_app(team_db, locale="en-US"), "boss")
    at.switch_page("pages/admin.py")
    at = at.run()
    assert_no_exception(at)
    frames = [frame.value for frame in at.dataframe]
    audit_table = next(frame for frame in frames if "Action" in frame.columns and "From" in frame.columns)
    assert list(audit_table["Action"]) == ["user added"] * 3
    users_table = next(frame for frame in frames if "Password" in frame.columns)
    assert sorted(users_table["User"]) == ["boss", "hanako", "mika"]


def test_a_page_export_is_audited_with_who_what_and_how_many(open_app, team_db):
    at = submit(open_app(team_db, locale="en-US"), "hanako")
    at.switch_page("pages/customers.py")
    at = at.run()
    at.button(key="cu_prepare").click()
    at = at.run()
    assert_no_exception(at)
    rows = audit.read_audit(team_db, actions=("export",))
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["user_name"], row["role"], int(row["customers"])) == (
        "hanako", "staff", staff_count(team_db, top_staff(team_db)))
    assert row["origin"].startswith("page")


def test_with_an_identity_provider_the_sign_in_page_offers_it_and_shows_no_data(open_app, demo_db, monkeypatch):
    from dashboard import auth

    monkeypatch.setattr(auth, "oidc_provider", lambda: "google")
    at = open_app(demo_db, locale="en-US")
    assert_no_exception(at)
    assert [button.label for button in at.button] == ["Sign in with google"]
    assert not has_key(at, "auth_name")  # no local accounts: no password form
    assert not at.metric and not has_key(at, "ov_tile_loyal")


def test_a_contact_logged_by_a_signed_in_user_names_them_as_its_author(open_app, team_db):
    import duckdb

    staff = top_staff(team_db)
    with duckdb.connect(str(team_db), read_only=True) as con:
        mine = con.execute("SELECT min(customer_id) FROM customers WHERE staff = ?", [staff]).fetchall()[0][0]
    at = submit(open_app(team_db, locale="en-US"), "hanako")
    at.switch_page("pages/customer.py")
    at.query_params["id"] = mine
    at = at.run()
    at.get_by_key("cs_note").input("Called about the new blend.")
    next(button for button in at.get("form_submit_button") if button.label == "Save").click()
    at = at.run()
    assert_no_exception(at)
    shown = next(frame.value for frame in at.dataframe if "Logged by" in frame.value.columns)
    logged = shown[shown["Note"] == "Called about the new blend."]
    assert list(logged["Logged by"]) == ["hanako"]
    with duckdb.connect(str(team_db), read_only=True) as con:
        assert con.execute("SELECT author FROM contacts WHERE note = 'Called about the new blend.'").fetchall() == [
            ("hanako",)]
