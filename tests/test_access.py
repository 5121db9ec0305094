"""Users, roles and the audit, below the pages: accounts and sign-in checks, a staff user's
narrowed analysis (equal to the company's analysis scoped to that staff, for every answer), the
CLI's `--as-user`, and the audit rows every export, import, backup, restore and user change
leaves."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from segmentation import access, audit, customers, engine, users
from segmentation.access import Viewer
from segmentation.analysis import Analysis
from segmentation.backup import backup_database, restore_database
from segmentation.filters import CustomerFilters
from segmentation.scope import Scope
from segmentation.thresholds import Thresholds

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Viewer("boss", "admin", None, "test")
PASSWORD = "correct horse battery"
NO_WAIT = users.SignInPolicy(max_failures=3, lockout_minutes=15, delay_seconds=0.0)


@pytest.fixture
def db(demo_db, tmp_path) -> Path:
    """A copy of the shared demo database, free to gain users and audit rows."""
    path = tmp_path / "team.duckdb"
    shutil.copy(demo_db, path)
    return path


def staff_names(analysis: Analysis) -> list[str]:
    return [row[0] for row in analysis.fetchall(
        "SELECT staff FROM cust WHERE staff IS NOT NULL GROUP BY staff ORDER BY count(*) DESC, staff")]


# --- Accounts and sign-in ----------------------------------------------------------------------


def test_users_are_added_listed_changed_and_removed_and_never_show_their_hash(db):
    users.add_user(db, "hanako", "staff", PASSWORD, staff="佐藤 幹", by=ADMIN)
    users.add_user(db, "taro@example.jp", "manager", None, by=ADMIN)
    listed = {user.name: user for user in users.list_users(db)}
    assert set(listed) == {"hanako", "taro@example.jp"}
    assert (listed["hanako"].role, listed["hanako"].staff, listed["hanako"].has_password) == ("staff", "佐藤 幹", True)
    assert listed["taro@example.jp"].has_password is False  # signs in through OpenID Connect only
    assert not any(PASSWORD in repr(user) for user in listed.values())
    users.set_role(db, "hanako", "manager", by=ADMIN)
    assert users.get_user(db, "hanako").role == "manager" and users.get_user(db, "hanako").staff is None
    users.remove_user(db, "hanako", by=ADMIN)
    assert users.get_user(db, "hanako") is None


@pytest.mark.parametrize("name, role, password, staff, key", [
    ("", "admin", PASSWORD, None, "user_bad_name"),
    ("a\x00b", "admin", PASSWORD, None, "user_bad_name"),
    ("x" * 121, "admin", PASSWORD, None, "user_bad_name"),
    ("ok", "owner", PASSWORD, None, "user_bad_role"),
    ("ok", "staff", PASSWORD, None, "user_staff_needed"),
    ("ok", "admin", "short", None, "user_short_password"),
    ("ok", "admin", "long enough\x00", None, "user_bad_password"),
])
def test_a_bad_user_is_refused_with_the_reason_and_nothing_is_written(db, name, role, password, staff, key):
    with pytest.raises(users.UserError) as refused:
        users.add_user(db, name, role, password, staff=staff, by=ADMIN)
    assert refused.value.key == key
    assert users.list_users(db) == []
    assert audit.read_audit(db).empty


def test_a_name_is_added_once(db):
    users.add_user(db, "hanako", "admin", PASSWORD, by=ADMIN)
    with pytest.raises(users.UserError) as refused:
        users.add_user(db, "hanako", "manager", PASSWORD, by=ADMIN)
    assert refused.value.key == "user_exists"


def test_sign_in_gives_one_sentence_for_a_wrong_password_and_an_unknown_name(db):
    users.add_user(db, "hanako", "admin", PASSWORD, by=ADMIN)
    assert users.authenticate(db, "hanako", PASSWORD, origin="t", policy=NO_WAIT).name == "hanako"
    answers = []
    for name, password in (("hanako", "wrong password"), ("nobody", PASSWORD)):
        with pytest.raises(users.SignInError) as failed:
            users.authenticate(db, name, password, origin="t", policy=NO_WAIT)
        answers.append(failed.value.message("en"))
    assert answers[0] == answers[1] == "The user name or password is wrong."


def test_repeated_failures_lock_the_account_until_the_time_passes_or_a_new_password(db):
    users.add_user(db, "hanako", "admin", PASSWORD, by=ADMIN)
    clock = [dt.datetime(2026, 11, 30, 9, 0)]
    waits: list[float] = []
    policy = users.SignInPolicy(max_failures=3, lockout_minutes=15, delay_seconds=0.5)

    def attempt(password: str):
        return users.authenticate(db, "hanako", password, origin="t", policy=policy, now=lambda: clock[0],
                                  sleep=waits.append)

    for _ in range(3):
        with pytest.raises(users.SignInError, match="wrong"):
            attempt("wrong password")
    assert waits == [0.5, 1.0, 2.0]  # each failure in a row waits longer
    with pytest.raises(users.SignInError) as locked:
        attempt(PASSWORD)  # the right password does not open a locked account
    assert locked.value.key == "signin_locked" and locked.value.values["minutes"] == 15
    clock[0] += dt.timedelta(minutes=16)
    assert attempt(PASSWORD).name == "hanako"
    assert list(audit.read_audit(db, actions=("signin_locked",))["user_name"]) == ["hanako"]
    for _ in range(3):
        with pytest.raises(users.SignInError):
            attempt("wrong again")
    users.set_password(db, "hanako", "a new long password", by=ADMIN)
    assert attempt("a new long password").name == "hanako"


def test_a_success_clears_the_failures_in_a_row(db):
    users.add_user(db, "hanako", "admin", PASSWORD, by=ADMIN)
    for _ in range(2):
        with pytest.raises(users.SignInError):
            users.authenticate(db, "hanako", "wrong password", origin="t", policy=NO_WAIT)
    users.authenticate(db, "hanako", PASSWORD, origin="t", policy=NO_WAIT)
    for _ in range(2):
        with pytest.raises(users.SignInError, match="wrong"):
            users.authenticate(db, "hanako", "wrong password", origin="t", policy=NO_WAIT)


def test_passwords_are_stored_as_argon2id_hashes(db):
    import duckdb

    users.add_user(db, "hanako", "admin", PASSWORD, by=ADMIN)
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("SELECT password_hash FROM users").fetchall()[0][0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


# --- Roles --------------------------------------------------------------------------------------


def test_roles_allow_what_the_readme_says():
    admin, manager, staff = (Viewer("a", "admin"), Viewer("m", "manager"), Viewer("s", "staff", "佐藤"))
    for action in ("import", "restore", "backup", "save_preset", "users", "audit"):
        assert admin.can(action) and not manager.can(action) and not staff.can(action)
    for action in ("view", "export", "log_contact"):
        assert admin.can(action) and manager.can(action) and staff.can(action)
    assert not admin.restricted and not manager.restricted and staff.restricted
    with pytest.raises(ValueError):
        Viewer("s", "staff")  # a staff user works as a staff name


def test_a_staff_analysis_answers_exactly_as_the_company_analysis_scoped_to_that_staff(demo_analysis):
    thresholds = Thresholds(min_orders=3, min_tenure_days=200, lapse_days=150)
    as_of = demo_analysis.default_as_of()
    names = staff_names(demo_analysis)
    assert len(names) >= 3
    for name in names[:3]:
        mine = access.restricted_analysis(demo_analysis, name)
        scope = Scope(staff=(name,))
        assert mine.key != demo_analysis.key  # caches tell the two apart
        assert mine.customer_count == demo_analysis.fetchall(
            "SELECT count(*) FROM cust WHERE staff = $s", {"s": name})[0][0]
        pd.testing.assert_frame_equal(engine.tier_counts(mine, thresholds, as_of=as_of),
                                      engine.tier_counts(demo_analysis, thresholds, as_of=as_of, scope=scope))
        pd.testing.assert_frame_equal(
            engine.tier_counts_over_time(mine, thresholds, freq="month"),
            engine.tier_counts_over_time(demo_analysis, thresholds, freq="month", scope=scope))
        assert set(engine.classify(mine, thresholds, as_of=as_of)["customer_id"]) == set(
            engine.classify(demo_analysis, thresholds, as_of=as_of, scope=scope)["customer_id"])
        total, rows = customers.customer_list(mine, thresholds, as_of, None, CustomerFilters(), "amount", None)
        assert total == mine.customer_count and set(rows["staff"]) == {name}
        assert engine.scope_options(mine)["staff"] == [name]
        mine.close()


def test_a_staff_analysis_counts_only_their_orders(demo_analysis):
    name = staff_names(demo_analysis)[0]
    mine = access.restricted_analysis(demo_analysis, name)
    orders = demo_analysis.fetchall(
        "SELECT sum(n_orders) FROM state WHERE cid IN (SELECT cid FROM cust WHERE staff = $s)", {"s": name})[0][0]
    assert mine.order_count == orders < demo_analysis.order_count
    assert mine.latest_order_date == demo_analysis.latest_order_date  # the company's dates, the same periods
    assert access.may_see(mine, mine.fetchall("SELECT min(customer_id) FROM cust")[0][0])
    other = demo_analysis.fetchall("SELECT min(customer_id) FROM cust WHERE staff <> $s", {"s": name})[0][0]
    assert access.may_see(demo_analysis, other) and not access.may_see(mine, other)
    mine.close()


def test_the_company_analysis_counts_its_orders_as_its_state_rows_do(demo_analysis):
    assert demo_analysis.fetchall("SELECT sum(n_orders) FROM state")[0][0] == demo_analysis.order_count


# --- The audit ------------------------------------------------------------------------------------


def test_user_changes_are_audited_with_who_did_them(db):
    users.add_user(db, "hanako", "staff", PASSWORD, staff="佐藤 幹", by=ADMIN)
    users.set_password(db, "hanako", "another long one", by=ADMIN)
    users.set_role(db, "hanako", "manager", by=ADMIN)
    users.remove_user(db, "hanako", by=ADMIN)
    rows = audit.read_audit(db)
    assert list(rows["action"]) == ["user_remove", "user_role", "user_passwd", "user_add"]
    assert set(rows["user_name"]) == {"boss"} and set(rows["origin"]) == {"test"}
    assert json.loads(rows["details"].iloc[-1]) == {"role": "staff", "staff": "佐藤 幹", "user": "hanako"}
    assert not rows["details"].str.contains(PASSWORD).any()


def test_backup_and_restore_are_audited_and_a_restore_keeps_users_and_the_audit(db, tmp_path):
    users.add_user(db, "hanako", "admin", PASSWORD, by=ADMIN)
    backup_database(db, tmp_path / "before.zip", by=ADMIN)
    users.add_user(db, "jiro", "manager", PASSWORD, by=ADMIN)
    restore_database(tmp_path / "before.zip", db, by=Viewer("jiro", "admin", None, "page 192.0.2.9"))
    assert {user.name for user in users.list_users(db)} == {"hanako", "jiro"}  # not the backup's users
    rows = audit.read_audit(db)
    assert list(rows["action"]) == ["restore", "user_add", "backup", "user_add"]
    assert rows["origin"].iloc[0] == "page 192.0.2.9"


def test_an_import_is_audited_with_its_files_and_customers(tmp_path):
    from segmentation.importer import import_files

    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,customer_id,order_date,amount\nA1,C1,2026-01-05,1200\nA2,C2,2026-01-06,800\n",
                      encoding="utf-8")
    target = tmp_path / "shop.duckdb"
    import_files(target, orders=orders, by=ADMIN)
    row = audit.read_audit(target).iloc[0]
    assert (row["action"], row["user_name"], row["customers"]) == ("import", "boss", 2)
    assert json.loads(row["details"])["files"] == ["orders.csv"]
    import_files(target, orders=orders, dry_run=True, by=ADMIN)  # a check writes nothing, not even a record
    assert len(audit.read_audit(target)) == 1


# --- The CLI as a user ----------------------------------------------------------------------------


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "segmentation", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, input=stdin, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


def test_cli_users_and_a_staff_users_export_holds_only_their_customers(db, tmp_path, demo_analysis):
    name = staff_names(demo_analysis)[0]
    added = run_cli("users", "add", "hanako", "--role", "staff", "--staff", name, "--password-stdin",
                    "--db", str(db), "--lang", "en", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stderr.strip() == "Added user hanako (staff)."
    listed = run_cli("users", "list", "--db", str(db))
    assert listed.stdout.strip() == f"hanako\tstaff staff={name}\tpassword"
    out = tmp_path / "mine.csv"
    done = run_cli("export", "--db", str(db), "--format", "csv", "--out", str(out), "--as-user", "hanako",
                   "--lang", "codes", "--columns", "customer_id,staff")
    assert done.returncode == 0, done.stderr
    rows = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    expected = demo_analysis.fetchall("SELECT count(*) FROM cust WHERE staff = $s", {"s": name})[0][0]
    assert len(rows) == expected and set(rows["staff"]) == {name}
    classified = tmp_path / "tiers.csv"
    assert run_cli("classify", "--db", str(db), "--out", str(classified), "--as-user", "hanako").returncode == 0
    assert len(pd.read_csv(classified)) == expected
    summary = run_cli("summary", "--db", str(db), "--as-user", "hanako", "--lang", "en")
    assert summary.returncode == 0, summary.stderr
    header, note = summary.stdout.splitlines()[:2]
    assert header.startswith(f"{expected:,} customers as of ") and note == f"Showing only the customers of {name}."
    record = audit.read_audit(db, actions=("export",))
    assert list(record["user_name"]) == ["hanako", "hanako"]
    assert list(record["customers"]) == [expected, expected]
    assert list(record["role"]) == ["staff", "staff"]


def test_cli_refuses_admin_commands_and_unknown_users_in_one_sentence(db, tmp_path):
    users.add_user(db, "mika", "manager", PASSWORD, by=ADMIN)
    for args in (("backup", "--out", str(tmp_path / "b.zip")), ("users", "list"),
                 ("audit", "--out", str(tmp_path / "a.csv"))):
        command, rest = args[0], args[1:]
        full = (command, *rest, "--db", str(db), "--as-user", "mika", "--lang", "en") if command != "users" else \
            ("users", "list", "--db", str(db), "--as-user", "mika", "--lang", "en")
        refused = run_cli(*full)
        assert refused.returncode == 2
        assert refused.stderr.strip() == f"error: {command} is for admins only (mika is manager)."
    unknown = run_cli("summary", "--db", str(db), "--as-user", "nobody", "--lang", "en")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "error: --as-user nobody: there is no such user (see users list)."
    assert not (tmp_path / "b.zip").exists()


def test_cli_audit_writes_the_record_and_records_that_it_did(db, tmp_path):
    users.add_user(db, "hanako", "admin", PASSWORD, by=ADMIN)
    out = tmp_path / "audit.csv"
    done = run_cli("audit", "--db", str(db), "--out", str(out), "--action", "user_add")
    assert done.returncode == 0, done.stderr
    written = pd.read_csv(out, dtype=str)
    assert list(written["user_name"]) == ["boss"] and list(written["action"]) == ["user_add"]
    assert audit.read_audit(db)["action"].iloc[0] == "audit_export"


def test_the_server_settings_keep_xsrf_protection_on_and_listen_on_this_machine_only():
    import tomllib

    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]
    assert settings["enableXsrfProtection"] is True and settings["enableCORS"] is True
    assert settings["address"] == "127.0.0.1"


def test_a_staff_copy_follows_the_contacts_the_company_analysis_re_reads(db):
    analysis = Analysis.open(db)
    name = staff_names(analysis)[0]
    mine = access.restricted_analysis(analysis, name)
    customer = mine.fetchall("SELECT min(customer_id) FROM cust")[0][0]
    customers.ensure_list_tables(analysis)
    customers.ensure_list_tables(mine)

    def contacts_listed() -> int:
        _, row = customers.customer_list(mine, Thresholds(), dt.date(2026, 11, 20), None,
                                         CustomerFilters(customer_ids=(customer,)), "customer_id", 1)
        return int(row["contacts"].fillna(0).iloc[0])

    before = contacts_listed()
    customers.log_contact(db, customer, dt.date(2026, 11, 20), "call", "", "new blend", author="hanako")
    analysis.refresh_contacts()  # as the dashboard does when the file changed without new data
    access.follow_contacts(mine, analysis)
    assert mine.contacts_version == analysis.contacts_version
    assert contacts_listed() == before + 1
    mine.close()
    analysis.close()
