"""The import's safety: all or nothing whatever happens, dry runs that write nothing, rejected rows
accounted for, later exports merged, and the same from the command line (with backup/restore).

"The database as it was" is checked on every table of the file (`whole`), row by row, and on
its sequences, never on counts alone.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from segmentation import importer, import_write, schema
from segmentation.channel_cost import set_cost
from segmentation.contact_drafts import ContactDraft, save_draft
from segmentation.import_report import ImportRejectedError
from segmentation.importer import import_files
from segmentation.presets import save_preset
from segmentation.thresholds import Thresholds
from segmentation.access import Viewer
from segmentation.backup import KEPT_ON_RESTORE
from segmentation.users import add_user

from test_cli import run_cli
from test_importer import counts, csv_file

ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = Path(__file__).resolve().parent / "fixtures" / "platforms"

#: Rows of the generated orders file the killed imports read: large enough that reading and
#: planning take a few seconds and the write spans many of DuckDB's row groups, small enough to
#: keep the four killed runs near 15 s on two cores.
BIG_ROWS = 1_000_000


# --- Databases and how to compare them whole ----------------------------------------------------


def whole(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table of the file, and every sequence's state."""
    with schema.reading(db) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'db' ORDER BY table_name").fetchall()]
        found = {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in tables}
        found["(sequences)"] = con.execute(
            "SELECT sequence_name, start_value, last_value FROM duckdb_sequences() WHERE database_name = 'db' "
            "ORDER BY ALL").fetchall()
    return found


def data(db: Path) -> dict[str, list[tuple]]:
    """The tables an import writes, without the log it keeps of itself."""
    return {t: rows for t, rows in whole(db).items() if t in ("customers", "orders", "contacts")}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rows(db: Path, sql: str) -> list[tuple]:
    with schema.reading(db) as con:
        return con.execute(sql).fetchall()


CUSTOMERS = "customer_id,name,email,created_at\nC1,佐藤 花子,hanako@example.jp,2023-01-01\nC2,Ito,ito@example.jp,\n"
ORDERS = ("order_id,customer_id,order_date,amount,category\n"
          "A-1,C1,2024-01-05,1000,food\nA-1,C1,2024-01-05,500,tools\nA-2,C2,2024-02-01,700,food\n")
CONTACTS = "customer_id,contacted_at,kind,note\nC1,2024-01-06 10:00,電話,お礼\nC2,2024-02-02,メール,\n"


@pytest.fixture(scope="module")
def shop_template(tmp_path_factory) -> Path:
    """A database whose every table holds rows: customers, orders (plain and Shopify), contacts,
    a saved mapping, the import log, a threshold preset, a contact draft and a channel's cost."""
    folder = tmp_path_factory.mktemp("shop")
    db = folder / "shop.duckdb"
    import_files(db, customers=csv_file(folder, "customers.csv", CUSTOMERS),
                 orders=csv_file(folder, "orders.csv", ORDERS),
                 contacts=csv_file(folder, "contacts.csv", CONTACTS), save_mapping="plain")
    import_files(db, orders=PLATFORMS / "shopify" / "orders.csv")
    save_preset(db, "標準", Thresholds())
    add_user(db, "hanako", "admin", "a long enough password", by=Viewer("boss", "admin", None, "test"))
    with schema.writing(db, data_changed=False) as con:
        save_draft(con, ContactDraft("C1", "", datetime(2024, 1, 7), "call", "", "書きかけの記録"))
    set_cost(db, Viewer("boss", "admin", None, "test"), "紹介", "2024-01", 120000)
    return db


@pytest.fixture
def shop(tmp_path, shop_template) -> Path:
    """A fresh copy of the shop's database for one test."""
    path = tmp_path / "shop.duckdb"
    shutil.copyfile(shop_template, path)
    return path


def test_the_shop_database_has_rows_in_every_table(shop):
    assert all(found for found in whole(shop).values())


# --- Killed at any moment -----------------------------------------------------------------------

# Runs an import in a child process. At MOMENT it writes the signal file and goes on ("start",
# "reading", "writing": the parent kills it while it works) or holds there ("committing": after
# every write of the transaction, just before COMMIT) until the parent kills it.
CHILD = r"""
import sys, time
from pathlib import Path
from segmentation import importer, import_read, import_write

db, orders, signal_file, moment = sys.argv[1:5]

def reached():
    Path(signal_file).write_text(moment)

def hold():
    reached()
    time.sleep(600)  # the parent kills the process here

def signal_then(original):
    def step(*args, **kwargs):
        reached()
        return original(*args, **kwargs)
    return step

if moment == "reading":
    import_read.typed_table = signal_then(import_read.typed_table)
elif moment == "writing":
    original_write = import_write.write_orders
    def write_orders(con, counts):
        reached()           # the parent kills while the orders are written...
        original_write(con, counts)
        hold()              # ...or, at the latest, here, still inside the transaction
    import_write.write_orders = write_orders
elif moment == "committing":
    original_log = importer._log
    def log(con, report, by):
        original_log(con, report, by)
        hold()
    importer._log = log
if moment == "start":
    reached()
importer.import_files(db, orders=orders)
sys.exit(3)  # the import finished: the parent did not kill it in time
"""


@pytest.fixture(scope="module")
def big_orders(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big_orders.csv"
    con = duckdb.connect()
    try:
        con.execute(
            "COPY (SELECT 'K-' || i AS order_id, 'K' || (i % 50000) AS customer_id, "
            "DATE '2020-01-01' + CAST(i % 1500 AS INTEGER) AS order_date, (i % 9000) + 100 AS amount, "
            "CASE WHEN i % 3 = 0 THEN 'food' END AS category FROM range($n) AS t(i)) TO '" + str(path) + "' (HEADER)",
            {"n": BIG_ROWS},
        )
    finally:
        con.close()
    return path


def kill_import_at(tmp_path: Path, db: Path, orders: Path, moment: str) -> None:
    signal_file = tmp_path / f"reached-{moment}"
    scratch = tmp_path / "scratch"  # the killed child's temporary folder stays in tmp_path
    scratch.mkdir(exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TMPDIR": str(scratch)}
    with open(tmp_path / f"child-{moment}.err", "w+") as errors:
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(orders), str(signal_file), moment],
                                 cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            deadline = time.monotonic() + 60
            while not signal_file.exists():
                if child.poll() is not None:
                    errors.seek(0)
                    pytest.fail(f"the import ended (status {child.returncode}) before {moment}: {errors.read()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"the import did not reach {moment} within 60 s")
                time.sleep(0.002)
            os.kill(child.pid, signal.SIGKILL)
        finally:
            if child.poll() is None:
                child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize("moment", ["start", "reading", pytest.param("writing", marks=pytest.mark.slow),
                                    pytest.param("committing", marks=pytest.mark.slow)])
def test_a_killed_import_leaves_the_database_exactly_as_it_was(tmp_path, shop, big_orders, moment):
    before = whole(shop)

    kill_import_at(tmp_path, shop, big_orders, moment)

    assert whole(shop) == before
    # The file works as before: a normal import lands.
    report = import_files(shop, orders=csv_file(tmp_path, "next.csv", "order_id,customer_id,order_date,amount\n"
                                                                       "N-1,C1,2025-01-01,123\n"))
    assert report.imported and report.orders_added == 1
    assert rows(shop, "SELECT customer_id, amount FROM orders WHERE order_id = 'N-1'") == [("C1", Decimal("123.00"))]


# --- A failure while writing --------------------------------------------------------------------


def _fails_after(original):
    def step(*args, **kwargs):
        original(*args, **kwargs)  # the step's rows are written inside the transaction...
        raise RuntimeError("disk full")  # ...and then the write fails
    return step


@pytest.mark.parametrize("module, step", [
    (import_write, "write_customers"), (import_write, "write_orders"), (import_write, "write_contacts"),
    (importer, "_log"),
], ids=["customers", "orders", "contacts", "log"])
def test_a_failure_inside_the_write_rolls_everything_back(tmp_path, shop, monkeypatch, module, step):
    before = whole(shop)
    monkeypatch.setattr(module, step, _fails_after(getattr(module, step)))
    files = dict(
        customers=csv_file(tmp_path, "customers.csv", "customer_id,name\nC1,Sato Hanako\nC9,New\n"),
        orders=csv_file(tmp_path, "orders.csv", "order_id,customer_id,order_date,amount\nA-2,C2,2024-02-01,750\n"
                                                "B-1,C9,2025-01-05,10\n"),
        contacts=csv_file(tmp_path, "contacts.csv", "customer_id,contacted_at\nC9,2025-01-06\n"),
    )

    with pytest.raises(RuntimeError, match="disk full"):
        import_files(shop, **files)

    assert whole(shop) == before
    monkeypatch.undo()
    report = import_files(shop, **files)  # the file is not left locked
    assert report.imported and counts(report) == {"customers_added": 1, "customers_updated": 1, "orders_added": 1,
                                                  "orders_updated": 1, "contacts_added": 1}


def test_a_failure_inside_the_first_write_leaves_no_database_behind(tmp_path, monkeypatch):
    db = tmp_path / "new.duckdb"
    monkeypatch.setattr(import_write, "write_orders", _fails_after(import_write.write_orders))

    with pytest.raises(RuntimeError, match="disk full"):
        import_files(db, orders=csv_file(tmp_path, "orders.csv", "customer_id,order_date,amount\nC1,2025-01-05,10\n"))

    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv"]


# --- Dry runs -------------------------------------------------------------------------------------


def test_a_dry_run_on_a_new_path_creates_nothing_and_reports_what_would_be_added(tmp_path):
    db = tmp_path / "new.duckdb"
    orders = PLATFORMS / "shopify" / "orders.csv"

    report = import_files(db, orders=orders, dry_run=True)

    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert report.dry_run and not report.imported
    assert (report.orders_added, report.customers_created) == (10, 7)
    assert report.excluded == {"cancelled": 1, "refunded": 1, "test": 1, "unpaid": 1}
    assert report.summary().startswith("Would import 10 orders")
    real = import_files(db, orders=orders)
    assert counts(real) == counts(report) and real.excluded == report.excluded


def test_a_dry_run_on_a_database_leaves_its_bytes_unchanged(tmp_path, shop):
    files = dict(orders=PLATFORMS / "shopify" / "orders_later.csv",
                 customers=csv_file(tmp_path, "customers.csv", "customer_id,name\nC2,Ito Mai\nC3,New\n"),
                 contacts=csv_file(tmp_path, "contacts.csv", "customer_id,contacted_at\nC3,2025-01-06\n"))
    listing = sorted(p.name for p in tmp_path.iterdir())
    stat, before = shop.stat(), digest(shop)

    report = import_files(shop, dry_run=True, **files)

    assert digest(shop) == before and shop.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no .wal either
    assert report.dry_run and not report.imported
    assert counts(report) == {"orders_added": 4, "orders_present": 4, "orders_updated": 1, "orders_removed": 1,
                              "customers_added": 1, "customers_updated": 1, "customers_created": 1,
                              "contacts_added": 1}
    assert counts(import_files(shop, **files)) == counts(report)


def test_a_dry_run_with_unreadable_values_reports_them_and_writes_nothing(tmp_path, shop):
    before = digest(shop)
    orders = csv_file(tmp_path, "orders.csv", "customer_id,order_date,amount\nC1,2025-01-05,10\nC2,2025-01-06,x\n")

    report = import_files(shop, orders=orders, dry_run=True, on_error="skip")

    assert report.dry_run and report.problem_count == 1 and report.orders_added == 1
    assert digest(shop) == before


# --- Rows that cannot be read ----------------------------------------------------------------------

BAD_ORDERS = (
    "order_id,customer_id,order_date,amount,category\n"
    "A-1,C1,2025-01-05,1000,food\n"
    "A-2,C2,2025-01-06,500,food\n"
    "A-2,C2,2025-01-06,12x,tools\n"          # line 4: a bad amount; A-2 (lines 3 and 4) is left out whole
    "A-3,C3,2025-02-30,700,food\n"           # line 5: no such date
    'A-4,C1,2025-03-01,800,"gift, wrapped"\n'
)
BAD_CONTACTS = "customer_id,contacted_at,note\nC1,2025-01-07,ok\nC4,2025-13-01,\"two\nlines\"\n"


def read_rejects(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_skip_imports_the_sound_rows_and_writes_every_left_out_row_with_its_reason(tmp_path):
    db = tmp_path / "shop.duckdb"
    rejects = tmp_path / "rejects.csv"
    orders = csv_file(tmp_path, "orders.csv", BAD_ORDERS)
    contacts = csv_file(tmp_path, "contacts.csv", BAD_CONTACTS)

    report = import_files(db, orders=orders, contacts=contacts, on_error="skip", rejects=rejects)

    assert report.imported and report.rejects_file == str(rejects)
    assert (report.problem_count, report.rows_rejected) == (3, 4)
    assert rows(db, "SELECT order_id, amount, category FROM orders ORDER BY ALL") == [
        ("A-1", Decimal("1000.00"), "food"), ("A-4", Decimal("800.00"), "gift, wrapped")]
    assert rows(db, "SELECT customer_id FROM customers ORDER BY ALL") == [("C1",)]
    assert rows(db, "SELECT customer_id, note FROM contacts") == [("C1", "ok")]

    written = read_rejects(rejects)
    assert list(written[0])[:3] == ["file", "line", "reason"]
    by_place = {(r["file"], r["line"]): r for r in written}
    assert sorted(by_place) == [("contacts.csv", "3"), ("orders.csv", "3"), ("orders.csv", "4"), ("orders.csv", "5")]
    line3, line4, line5 = (by_place["orders.csv", str(n)] for n in (3, 4, 5))
    assert "order" in line3["reason"]  # left out with the other row of A-2
    assert "amount" in line4["reason"] and '"12x"' in line4["reason"] and "not a number" in line4["reason"]
    assert "order_date" in line5["reason"] and '"2025-02-30"' in line5["reason"]
    # The rows' own cells, as the file wrote them.
    assert {k: line3[k] for k in ("order_id", "customer_id", "order_date", "amount", "category")} == {
        "order_id": "A-2", "customer_id": "C2", "order_date": "2025-01-06", "amount": "500", "category": "food"}
    assert (line4["amount"], line4["category"]) == ("12x", "tools")
    assert (line5["order_id"], line5["order_date"], line5["amount"]) == ("A-3", "2025-02-30", "700")
    contact = by_place["contacts.csv", "3"]
    assert (contact["customer_id"], contact["contacted_at"], contact["note"]) == ("C4", "2025-13-01", "two\nlines")
    assert "contacted_at" in contact["reason"]


def test_skip_leaves_a_platform_order_out_whole_with_all_its_item_rows(tmp_path):
    with open(PLATFORMS / "shopify" / "orders.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    header = table[0]
    total, name, item = header.index("Total"), header.index("Name"), header.index("Lineitem name")
    rows_of_1011 = [row for row in table[1:] if row[name] == "#1011"]
    assert len(rows_of_1011) == 3 and rows_of_1011[0][total] == "21600"
    rows_of_1011[0][total] = "21.600.0"  # the order's Total (on its first row only) cannot be read
    orders = tmp_path / "orders.csv"
    with open(orders, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(table)
    db, rejects = tmp_path / "shop.duckdb", tmp_path / "rejects.csv"

    report = import_files(db, orders=orders, on_error="skip", rejects=rejects)

    assert report.imported and report.problem_count == 1 and report.rows_rejected == 3
    assert report.orders_added == 9  # the 10 counted orders but #1011
    assert rows(db, "SELECT count(*) FROM orders WHERE order_id = '#1011'") == [(0,)]
    written = read_rejects(rejects)
    assert [r["Name"] for r in written] == ["#1011"] * 3
    assert sorted(r["Lineitem name"] for r in written) == sorted(row[item] for row in rows_of_1011)
    assert [r["Total"] for r in written].count("21.600.0") == 1
    assert sum('"21.600.0"' in r["reason"] and "Total" in r["reason"] for r in written) == 1


def test_reject_imports_nothing_and_its_report_lists_file_line_column_and_value(tmp_path, shop):
    before = whole(shop)
    orders = csv_file(tmp_path, "orders.csv", BAD_ORDERS)
    contacts = csv_file(tmp_path, "contacts.csv", BAD_CONTACTS)

    with pytest.raises(ImportRejectedError) as caught:
        import_files(shop, orders=orders, contacts=contacts)

    report = caught.value.report
    assert not report.imported and report.problem_count == 3
    assert {(p.file, p.line, p.column, p.value) for p in report.problems} == {
        ("orders.csv", 4, "amount", "12x"), ("orders.csv", 5, "order_date", "2025-02-30"),
        ("contacts.csv", 3, "contacted_at", "2025-13-01")}
    assert str(caught.value).count("\n") == 0 and "3 more" not in str(caught.value)
    assert whole(shop) == before


def test_rejects_file_is_not_written_when_the_import_is_refused(tmp_path, shop):
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(ImportRejectedError):
        import_files(shop, orders=csv_file(tmp_path, "orders.csv", BAD_ORDERS), rejects=rejects)
    assert not rejects.exists()


# --- Later exports ----------------------------------------------------------------------------------


def test_a_later_canonical_export_replaces_a_changed_order_and_adds_nothing_twice(tmp_path):
    db = tmp_path / "shop.duckdb"
    import_files(db, orders=csv_file(tmp_path, "first.csv", "order_id,customer_id,order_date,amount\n"
                                                             "A-1,C1,2025-01-05,1000\nA-2,C1,2025-02-01,700\n"))
    later = csv_file(tmp_path, "later.csv", "order_id,customer_id,order_date,amount\n"
                                            "A-2,C1,2025-02-01,650\nA-1,C1,2025-01-05,1000\nA-3,C2,2025-03-01,90\n")

    report = import_files(db, orders=later)

    assert counts(report) == {"orders_added": 1, "orders_present": 1, "orders_updated": 1, "customers_created": 1}
    assert rows(db, "SELECT order_id, amount FROM orders ORDER BY order_id") == [
        ("A-1", Decimal("1000.00")), ("A-2", Decimal("650.00")), ("A-3", Decimal("90.00"))]
    before = data(db)

    again = import_files(db, orders=later)

    assert counts(again) == {"orders_present": 3}
    assert data(db) == before


#: Per platform, the order that counted after orders.csv and is cancelled in orders_later.csv
#: (see each fixture's README.md).
CANCELLED_SINCE = {"base": "0F5E3C1A9B7D2468", "colorme": "30012012", "eccube": "1014",
                   "rakuten": "381234-20250314-00002950", "shopify": "#1014"}


@pytest.mark.parametrize("name", sorted(CANCELLED_SINCE))
def test_a_platform_order_cancelled_since_the_last_import_is_removed(tmp_path, name):
    db = tmp_path / "shop.duckdb"
    import_files(db, orders=PLATFORMS / name / "orders.csv")
    cancelled = CANCELLED_SINCE[name]
    with schema.reading(db) as con:
        assert con.execute("SELECT count(*) FROM orders WHERE order_id = ?", [cancelled]).fetchall() == [(1,)]

    report = import_files(db, orders=PLATFORMS / name / "orders_later.csv")

    assert report.orders_removed == 1
    with schema.reading(db) as con:
        assert con.execute("SELECT count(*) FROM orders WHERE order_id = ?", [cancelled]).fetchall() == [(0,)]
    before = data(db)
    again = import_files(db, orders=PLATFORMS / name / "orders_later.csv")
    assert (again.orders_added, again.orders_updated, again.orders_removed) == (0, 0, 0)
    assert data(db) == before


def test_a_shopify_order_partially_refunded_since_is_replaced_with_its_new_amount(tmp_path):
    db = tmp_path / "shop.duckdb"
    import_files(db, orders=PLATFORMS / "shopify" / "orders.csv")

    report = import_files(db, orders=PLATFORMS / "shopify" / "orders_later.csv")

    assert report.orders_updated == 1
    assert rows(db, "SELECT amount FROM orders WHERE order_id = '#1007'") == [(Decimal("12800.00"),)]


# --- The command line ----------------------------------------------------------------------------------


def test_cli_dry_run_prints_the_report_and_writes_nothing(tmp_path, shop):
    before = digest(shop)

    result = run_cli("import", "--db", str(shop), "--orders", str(PLATFORMS / "shopify" / "orders_later.csv"),
                     "--dry-run", "--lang", "en")

    assert result.returncode == 0, result.stderr
    assert "Recognised as: Shopify orders export" in result.stderr
    assert "Orders: 4 to add, 4 already present" in result.stderr
    assert "Dry run: nothing was written." in result.stderr
    assert "Traceback" not in result.stderr
    assert digest(shop) == before


def test_cli_refused_import_exits_1_and_changes_nothing(tmp_path, shop):
    before = whole(shop)

    result = run_cli("import", "--db", str(shop), "--orders", str(csv_file(tmp_path, "orders.csv", BAD_ORDERS)),
                     "--lang", "en")

    assert result.returncode == 1
    assert 'orders.csv line 4, column amount: "12x" is not a number.' in result.stderr
    assert "Nothing was imported" in result.stderr and "Traceback" not in result.stderr
    assert whole(shop) == before


def test_cli_skip_with_rejects_exits_0_and_writes_the_file(tmp_path):
    db, rejects = tmp_path / "shop.duckdb", tmp_path / "rejects.csv"

    result = run_cli("import", "--db", str(db), "--orders", str(csv_file(tmp_path, "orders.csv", BAD_ORDERS)),
                     "--on-error", "skip", "--rejects", str(rejects), "--lang", "en")

    assert result.returncode == 0, result.stderr
    assert str(rejects) in result.stderr
    assert [(r["file"], r["line"]) for r in read_rejects(rejects)] == [
        ("orders.csv", "3"), ("orders.csv", "4"), ("orders.csv", "5")]
    assert rows(db, "SELECT DISTINCT order_id FROM orders ORDER BY 1") == [("A-1",), ("A-4",)]


def test_cli_rejects_without_skip_exits_2_and_changes_nothing(tmp_path, shop):
    before = digest(shop)
    rejects = tmp_path / "rejects.csv"

    result = run_cli("import", "--db", str(shop), "--orders", str(csv_file(tmp_path, "orders.csv", BAD_ORDERS)),
                     "--rejects", str(rejects), "--lang", "en")

    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "--rejects" in result.stderr and "--on-error skip" in result.stderr
    assert digest(shop) == before and not rejects.exists()


def restored_content(db: Path) -> dict[str, list[tuple]]:
    """What a restore carries over: every table but the file's own migration history, its users
    and its audit (a restore keeps those as they are: `backup.KEPT_ON_RESTORE`), and meta without
    data_version (a restore bumps it)."""
    found = whole(db)
    for own in ("schema_migrations", *KEPT_ON_RESTORE):
        del found[own]
    found["meta"] = [row for row in found["meta"] if row[0] != "data_version"]
    found["(sequences)"] = [row for row in found["(sequences)"] if row[0] != "audit_ids"]
    return found


def test_cli_backup_then_restore_round_trip(tmp_path, shop):
    zip_path, copy = tmp_path / "backup.zip", tmp_path / "copy.duckdb"

    backed_up = run_cli("backup", "--db", str(shop), "--out", str(zip_path), "--lang", "en")
    assert backed_up.returncode == 0, backed_up.stderr
    restored = run_cli("restore", "--db", str(copy), "--from", str(zip_path), "--yes", "--lang", "en")
    assert restored.returncode == 0, restored.stderr

    assert restored_content(copy) == restored_content(shop)
    assert not list(tmp_path.glob("*-before-restore-*.zip"))  # nothing was there to save


def test_cli_restore_without_yes_exits_2_and_changes_nothing(tmp_path, shop):
    zip_path = tmp_path / "backup.zip"
    assert run_cli("backup", "--db", str(shop), "--out", str(zip_path)).returncode == 0
    other = tmp_path / "other.duckdb"
    import_files(other, orders=PLATFORMS / "base" / "orders.csv")
    before, listing = digest(other), sorted(p.name for p in tmp_path.iterdir())

    result = run_cli("restore", "--db", str(other), "--from", str(zip_path), "--lang", "en")

    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "--yes" in result.stderr
    assert digest(other) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_cli_restore_over_a_database_saves_it_next_to_it_first(tmp_path, shop):
    zip_path = tmp_path / "backup.zip"
    assert run_cli("backup", "--db", str(shop), "--out", str(zip_path)).returncode == 0
    other = tmp_path / "other.duckdb"
    import_files(other, orders=PLATFORMS / "base" / "orders.csv")
    other_before = restored_content(other)

    result = run_cli("restore", "--db", str(other), "--from", str(zip_path), "--yes", "--lang", "en")

    assert result.returncode == 0, result.stderr
    saved = list(tmp_path.glob("other-before-restore-*.zip"))
    assert len(saved) == 1 and str(saved[0]) in result.stderr
    assert restored_content(other) == restored_content(shop)
    # The saved zip holds the data as it was before the restore.
    back = tmp_path / "back.duckdb"
    assert run_cli("restore", "--db", str(back), "--from", str(saved[0]), "--yes").returncode == 0
    assert restored_content(back) == other_before


def test_cli_unknown_platform_is_a_usage_error(tmp_path):
    result = run_cli("import", "--db", str(tmp_path / "x.duckdb"), "--orders", str(PLATFORMS / "base" / "orders.csv"),
                     "--platform", "amazon")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not (tmp_path / "x.duckdb").exists()
