"""Backup and restore: every table as Parquet in one zip, checked before use, restored all or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import zipfile
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from segmentation import backup, schema
from segmentation.backup import (
    MANIFEST_NAME,
    BackupError,
    BackupSummary,
    RestoreSummary,
    backup_database,
    restore_database,
)
from segmentation.errors import DatabaseError, ImportFileError

# --- Databases and how to read them whole ----------------------------------------------------


@pytest.fixture(scope="module")
def shop_template(tmp_path_factory) -> Path:
    """A small database holding the hard cases: ids with leading zeros, Japanese text, NULLs,
    amounts at the edge of DECIMAL(18,2), timestamps to the microsecond, and a contact sequence
    that has handed out an id (3) no row holds any more. Built once; tests take a copy."""
    path = tmp_path_factory.mktemp("shop") / "shop.duckdb"
    with schema.writing(path) as con:
        con.execute(
            "INSERT INTO customers (customer_id, name, company, region, channel, created_at) VALUES "
            "('00123', '山田 太郎', NULL, '関東', '紹介', TIMESTAMP '2023-04-01 09:15:30.123456'), "
            "('0456', 'O''Brien, \"Pat\"', '株式会社テスト', NULL, 'SNS', TIMESTAMP '1999-12-31 23:59:59')"
        )
        con.execute(
            "INSERT INTO orders (order_id, customer_id, order_date, amount, campaign, category) VALUES "
            "('A-001', '00123', DATE '2024-02-29', 9999999999999999.99, NULL, 'コーヒー豆'), "
            "('A-001', '00123', DATE '2024-02-29', 0.01, '春', 'ギフト'), "
            "('R-002', '0456', DATE '1999-12-31', -1200.50, NULL, NULL)"
        )
        con.execute(
            "INSERT INTO contacts (customer_id, contacted_at, kind, staff, note) VALUES "
            "('00123', TIMESTAMP '2024-03-01 10:00:00', '電話', '佐藤', '=SUM(A1)'), "
            "('0456', TIMESTAMP '2024-03-02 11:30:00.5', 'メール', NULL, '改行\nあり'), "
            "('0456', TIMESTAMP '2024-03-03 12:00:00', NULL, NULL, NULL)"
        )
        con.execute("DELETE FROM contacts WHERE contact_id = 3")
        con.execute(
            "INSERT INTO threshold_presets VALUES "
            "('標準', 5, 365, 180, 'amount', NULL, 1.5, 30, TIMESTAMP '2024-01-01 00:00:00')"
        )
    return path


@pytest.fixture(scope="module")
def other_template(tmp_path_factory) -> Path:
    """A database holding different data, written four times (data_version 4, the shop's is 1),
    whose contact sequence is ahead of the shop's (5 against 3)."""
    path = tmp_path_factory.mktemp("other") / "other.duckdb"
    with schema.writing(path) as con:
        con.execute("INSERT INTO customers (customer_id, created_at) VALUES ('00123', NULL), ('X9', NULL)")
    with schema.writing(path) as con:
        con.execute("INSERT INTO orders VALUES ('Z', 'X9', DATE '2020-01-01', 5.00, NULL, NULL)")
    with schema.writing(path) as con:
        for _ in range(5):
            con.execute("INSERT INTO contacts (customer_id, contacted_at) VALUES ('X9', TIMESTAMP '2020-01-02')")
    with schema.writing(path) as con:
        con.execute(
            "INSERT INTO threshold_presets VALUES "
            "('other', 3, 100, 90, 'orders', 10.00, 2.0, 14, TIMESTAMP '2020-01-01 00:00:00')"
        )
    return path


@pytest.fixture
def shop_db(shop_template, tmp_path) -> Path:
    return Path(shutil.copyfile(shop_template, tmp_path / "shop.duckdb"))


@pytest.fixture
def other_db(other_template, tmp_path) -> Path:
    return Path(shutil.copyfile(other_template, tmp_path / "other.duckdb"))


@pytest.fixture(scope="module")
def shop_backup(shop_template, tmp_path_factory) -> Path:
    """A backup of the shop database, made once; tests read it or rewrite a copy."""
    path = tmp_path_factory.mktemp("backups") / "shop.zip"
    backup_database(shop_template, path)
    return path


def contents(path: Path) -> dict[str, tuple[list[tuple], list[tuple]]]:
    """Every table of the main schema as ((column, type) pairs, rows in a fixed order), and every
    sequence's last value under "sequence <name>"."""
    with schema.reading(path) as con:
        tables = con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database() AND table_schema = 'main' ORDER BY table_name"
        ).fetchall()
        found = {}
        for (table,) in tables:
            columns = [(row[0], row[1]) for row in con.execute(f'DESCRIBE "{table}"').fetchall()]
            found[table] = (columns, con.execute(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall())
        for name, last_value in con.execute(
            "SELECT sequence_name, last_value FROM duckdb_sequences() WHERE database_name = current_database()"
        ).fetchall():
            found[f"sequence {name}"] = last_value
        return found


def data_of(path: Path) -> dict:
    """The tables a restore replaces, with the meta table's data_version row left out (it counts
    writes of this file, so it differs after a restore on purpose). The users and the audit are
    the machine's own: a restore keeps them (`backup.KEPT_ON_RESTORE`, tested in test_access.py)."""
    found = {name: value for name, value in contents(path).items()
             if name != "schema_migrations" and not name.startswith("sequence ")
             and name not in backup.KEPT_ON_RESTORE}
    columns, rows = found["meta"]
    found["meta"] = (columns, [row for row in rows if row[0] != "data_version"])
    return found


def data_version(path: Path) -> int:
    with schema.reading(path) as con:
        return schema.data_version(con)


def add_contact(path: Path) -> int:
    with schema.writing(path, data_changed=False) as con:
        return con.execute(
            "INSERT INTO contacts (customer_id, contacted_at) VALUES ('00123', TIMESTAMP '2025-01-01') "
            "RETURNING contact_id"
        ).fetchall()[0][0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rewritten(source: Path, target: Path, manifest=None, drop=(), replace=None) -> Path:
    """A copy of the zip `source` with the manifest changed by `manifest(dict)`, members dropped,
    and members replaced by these bytes."""
    replace = replace or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            if name in drop:
                continue
            data = replace.get(name, old.read(name))
            if name == MANIFEST_NAME and manifest is not None:
                changed = json.loads(data)
                manifest(changed)
                data = json.dumps(changed).encode("utf-8")
            new.writestr(name, data)
    return target


# --- Backup ----------------------------------------------------------------------------------


def test_the_zip_holds_one_parquet_per_table_and_a_manifest_of_rows_and_columns(shop_db, tmp_path):
    summary = backup_database(shop_db, tmp_path / "backup.zip")

    tables = {name: value for name, value in contents(shop_db).items()  # the users and audit too
              if name != "schema_migrations" and not name.startswith("sequence ")}
    with zipfile.ZipFile(tmp_path / "backup.zip") as archive:
        assert sorted(archive.namelist()) == sorted([f"{name}.parquet" for name in tables] + [MANIFEST_NAME])
        manifest = json.loads(archive.read(MANIFEST_NAME))
    assert manifest["format"] == "segmentation-backup"
    assert manifest["format_version"] == 1
    assert manifest["schema_version"] == schema.SCHEMA_VERSION
    assert dt.datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert manifest["sequences"]["contact_ids"] == {"last_value": 3}
    with schema.reading(shop_db) as con:
        for name, (columns, _) in tables.items():
            rows = con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
            assert manifest["tables"][name] == {
                "rows": rows,
                "columns": [{"name": column, "type": kind} for column, kind in columns],
            }
    assert summary.tables == {name: entry["rows"] for name, entry in manifest["tables"].items()}
    assert summary.tables["orders"] == 3 and summary.tables["contacts"] == 2
    assert summary.bytes == (tmp_path / "backup.zip").stat().st_size
    assert summary.path == tmp_path / "backup.zip"


def test_parquet_keeps_decimals_dates_timestamps_and_leading_zeros(shop_db, tmp_path):
    backup_database(shop_db, tmp_path / "backup.zip")
    with zipfile.ZipFile(tmp_path / "backup.zip") as archive:
        archive.extract("orders.parquet", tmp_path)
        archive.extract("customers.parquet", tmp_path)
    con = duckdb.connect()
    try:
        orders = con.execute(
            "SELECT customer_id, order_date, amount FROM read_parquet($path) ORDER BY amount",
            {"path": str(tmp_path / "orders.parquet")},
        )
        types = [column[1] for column in orders.description]
        rows = orders.fetchall()
        created = con.execute(
            "SELECT created_at FROM read_parquet($path) WHERE customer_id = '00123'",
            {"path": str(tmp_path / "customers.parquet")},
        ).fetchall()
    finally:
        con.close()
    assert [str(kind) for kind in types] == ["VARCHAR", "DATE", "DECIMAL(18,2)"]
    assert rows == [
        ("0456", dt.date(1999, 12, 31), Decimal("-1200.50")),
        ("00123", dt.date(2024, 2, 29), Decimal("0.01")),
        ("00123", dt.date(2024, 2, 29), Decimal("9999999999999999.99")),
    ]
    assert created == [(dt.datetime(2023, 4, 1, 9, 15, 30, 123456),)]


def test_a_backup_changes_nothing_but_the_audit_which_records_who_took_it(shop_db, tmp_path):
    before = contents(shop_db)
    backup_database(shop_db, tmp_path / "backup.zip")
    after = contents(shop_db)
    assert {k: v for k, v in after.items() if k not in ("audit", "sequence audit_ids")} == \
        {k: v for k, v in before.items() if k not in ("audit", "sequence audit_ids")}
    added = [row for row in after["audit"][1] if row not in before["audit"][1]]
    assert len(added) == 1 and added[0][4] == "backup"  # (id, when, user, role, action, ...)


@pytest.mark.parametrize("existing", [False, True], ids=["no_earlier_backup", "over_an_earlier_backup"])
def test_a_backup_killed_while_writing_leaves_nothing_under_the_final_name(shop_db, tmp_path, monkeypatch, existing):
    folder = tmp_path / "backups"
    folder.mkdir()
    target = folder / "backup.zip"
    if existing:
        target.write_bytes(b"the earlier backup")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the Parquet files are in the zip by now; the manifest is not

    monkeypatch.setattr(zipfile.ZipFile, "writestr", killed)
    with pytest.raises(KeyboardInterrupt):
        backup_database(shop_db, target)

    assert sorted(path.name for path in folder.iterdir()) == (["backup.zip"] if existing else [])
    if existing:
        assert target.read_bytes() == b"the earlier backup"


def test_backup_refuses_a_missing_database_and_a_missing_folder(tmp_path, shop_db):
    with pytest.raises(DatabaseError, match="No database at"):
        backup_database(tmp_path / "missing.duckdb", tmp_path / "backup.zip")
    with pytest.raises(BackupError, match="the folder .* does not exist"):
        backup_database(shop_db, tmp_path / "no_such_folder" / "backup.zip")
    before = digest(shop_db)
    with pytest.raises(BackupError, match="over the database it backs up"):
        backup_database(shop_db, shop_db)
    assert digest(shop_db) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["shop.duckdb"]


# --- Round trips -----------------------------------------------------------------------------


@pytest.fixture
def demo_copy(demo_database, tmp_path) -> Path:
    """A copy of a small seeded demo database (the shared one is never written)."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_database(100, 11), path)
    return path


@pytest.mark.parametrize("source", ["shop_db", "demo_copy"])
def test_a_restore_into_a_new_file_gives_back_every_table_row_for_row_with_its_types(source, request, tmp_path):
    source_db = request.getfixturevalue(source)
    summary = backup_database(source_db, tmp_path / "backup.zip")

    restored = restore_database(tmp_path / "backup.zip", tmp_path / "restored.duckdb")

    assert data_of(tmp_path / "restored.duckdb") == data_of(source_db)
    assert restored.tables == {name: rows for name, rows in summary.tables.items()
                               if name not in backup.KEPT_ON_RESTORE}
    assert restored.path == tmp_path / "restored.duckdb"
    assert data_version(tmp_path / "restored.duckdb") > data_version(source_db)
    restored_sequences = {k: v for k, v in contents(tmp_path / "restored.duckdb").items() if k.startswith("sequence")}
    source_sequences = {k: v for k, v in contents(source_db).items() if k.startswith("sequence")}
    assert restored_sequences.keys() == source_sequences.keys()
    for name, last_value in source_sequences.items():
        assert last_value is None or restored_sequences[name] >= last_value, name


def test_a_restore_into_a_file_with_other_data_replaces_all_of_it(shop_db, other_db, tmp_path):
    backup_database(shop_db, tmp_path / "backup.zip")
    assert (data_version(other_db), data_version(shop_db)) == (4, 1)

    restore_database(tmp_path / "backup.zip", other_db)

    assert data_of(other_db) == data_of(shop_db)
    assert data_version(other_db) == 5  # readers cache by it: it only ever grows
    assert add_contact(other_db) == 6  # the file's own sequence had handed out 1..5 already


def test_a_contact_added_after_a_restore_gets_an_id_never_handed_out_before(shop_db, tmp_path):
    backup_database(shop_db, tmp_path / "backup.zip")
    restore_database(tmp_path / "backup.zip", tmp_path / "restored.duckdb")

    # ids 1 and 2 are restored; 3 was handed out to a contact deleted before the backup
    assert add_contact(tmp_path / "restored.duckdb") == 4


def test_a_backup_restores_over_the_very_data_it_holds(demo_copy, tmp_path):
    expected = data_of(demo_copy)
    backup_database(demo_copy, tmp_path / "backup.zip")

    restore_database(tmp_path / "backup.zip", demo_copy)

    assert data_of(demo_copy) == expected


def test_a_backup_from_an_older_schema_version_fills_what_it_lacks_with_defaults(
    shop_db, other_db, tmp_path, monkeypatch
):
    backup_database(shop_db, tmp_path / "backup.zip")  # at today's schema version
    later = schema.SCHEMA_VERSION + 1
    migration = (
        later,
        "a later migration",
        "ALTER TABLE contacts ADD COLUMN backup_test_channel VARCHAR DEFAULT 'phone';"
        "CREATE TABLE backup_test_notes (note VARCHAR);"
        "INSERT INTO backup_test_notes VALUES ('made by the migration');",
    )
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS + (migration,))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", later)

    for target in (tmp_path / "new.duckdb", other_db):
        restore_database(tmp_path / "backup.zip", target)

        restored = data_of(target)
        assert restored["backup_test_notes"][1] == []  # all data is replaced, a new table's too
        columns, rows = restored["contacts"]
        assert columns[-1] == ("backup_test_channel", "VARCHAR")
        assert [row[-1] for row in rows] == ["phone", "phone"]
        assert [row[:-1] for row in rows] == data_of(shop_db)["contacts"][1]
        assert {k: v for k, v in restored.items() if k not in ("contacts", "backup_test_notes")} == {
            k: v for k, v in data_of(shop_db).items() if k != "contacts"
        }
        assert contents(target)["schema_migrations"][1][-1][0] == later  # the file keeps its own history


# --- Refusals: the zip is checked before the database is touched ----------------------------


def newer_schema(manifest):
    manifest["schema_version"] = schema.SCHEMA_VERSION + 1


def one_row_more(manifest):
    manifest["tables"]["customers"]["rows"] += 1


def something_else(manifest):
    manifest.clear()
    manifest.update({"name": "holiday photos", "files": 3})


def unknown_table(manifest):
    manifest["tables"]["wishlist"] = {"rows": 0, "columns": [{"name": "item", "type": "VARCHAR"}]}


def no_orders(manifest):
    del manifest["tables"]["orders"]


REFUSALS = {
    "not_a_zip": (lambda good, bad: bad.write_text("customer_id,amount\n1,2\n"), ImportFileError, "is not a zip file"),
    "no_manifest": (lambda good, bad: rewritten(good, bad, drop={MANIFEST_NAME}), ImportFileError, "holds no manifest"),
    "manifest_not_json": (
        lambda good, bad: rewritten(good, bad, replace={MANIFEST_NAME: b"{not json"}),
        ImportFileError,
        "manifest in .* is damaged",
    ),
    "zip_of_something_else": (
        lambda good, bad: rewritten(good, bad, manifest=something_else),
        ImportFileError,
        "zip of something else",
    ),
    "count_disagrees": (
        lambda good, bad: rewritten(good, bad, manifest=one_row_more),
        ImportFileError,
        "says table customers holds 3 rows but customers.parquet holds 2",
    ),
    "parquet_missing": (
        lambda good, bad: rewritten(good, bad, drop={"orders.parquet"}),
        ImportFileError,
        "lacks orders.parquet",
    ),
    "parquet_damaged": (
        lambda good, bad: rewritten(good, bad, replace={"orders.parquet": b"not parquet at all"}),
        ImportFileError,
        "orders.parquet in .* is not a readable Parquet file",
    ),
    "table_missing_at_same_version": (
        lambda good, bad: rewritten(good, bad, manifest=no_orders, drop={"orders.parquet"}),
        ImportFileError,
        "lacks table orders",
    ),
    "table_this_program_lacks": (
        lambda good, bad: rewritten(good, bad, manifest=unknown_table),
        ImportFileError,
        "holds a table wishlist",
    ),
    "newer_schema_version": (
        lambda good, bad: rewritten(good, bad, manifest=newer_schema),
        DatabaseError,
        "newer than this program knows",
    ),
    "no_file": (lambda good, bad: None, ImportFileError, "No backup at"),
}


@pytest.mark.parametrize("case", REFUSALS, ids=str)
def test_a_bad_backup_is_refused_with_one_sentence_and_the_database_is_untouched(
    case, shop_backup, other_db, tmp_path
):
    make_bad, error, message = REFUSALS[case]
    bad = tmp_path / "bad.zip"
    make_bad(shop_backup, bad)
    before_bytes, before = digest(other_db), contents(other_db)

    with pytest.raises(error, match=message) as refused:
        restore_database(bad, other_db)
    with pytest.raises(error, match=message):
        restore_database(bad, tmp_path / "never_made.duckdb")

    text = str(refused.value)
    assert "\n" not in text and text.endswith(".") and text.count(". ") == 0
    assert digest(other_db) == before_bytes
    assert contents(other_db) == before
    assert not (tmp_path / "never_made.duckdb").exists()


# --- Failures inside the restore transaction -------------------------------------------------


class FailingConnection:
    """A connection that fails on the statement `fails(sql, count)` picks, before or after running it."""

    def __init__(self, con, fails, after: bool = False):
        self.con, self.fails, self.after, self.statements = con, fails, after, []

    def execute(self, sql, *args):
        self.statements.append(sql)
        if not self.after and self.fails(sql, self.statements):
            raise RuntimeError("injected failure")
        result = self.con.execute(sql, *args)
        if self.after and self.fails(sql, self.statements):
            raise RuntimeError("injected failure")
        return result

    def __getattr__(self, name):
        return getattr(self.con, name)


def failing_writing(monkeypatch, fails, after=False) -> None:
    real_writing = schema.writing

    @contextmanager
    def writing(path, **kwargs):
        with real_writing(path, **kwargs) as con:
            yield FailingConnection(con, fails, after)

    monkeypatch.setattr(schema, "writing", writing)


def second_insert(sql, statements):
    return sql.startswith("INSERT") and sum(s.startswith("INSERT") for s in statements) == 2


def moving_a_sequence(sql, statements):
    return "nextval" in sql


@pytest.mark.parametrize(("fails", "after"), [(second_insert, False), (moving_a_sequence, True)],
                         ids=["on_the_second_insert", "after_a_sequence_moved"])
def test_a_failure_during_the_restore_rolls_everything_back(shop_db, tmp_path, monkeypatch, fails, after):
    backup_database(shop_db, tmp_path / "backup.zip")
    target = tmp_path / "target.duckdb"  # its contact sequence (1) is behind the backup's (3)
    with schema.writing(target) as con:
        con.execute("INSERT INTO customers (customer_id, created_at) VALUES ('X9', NULL)")
        con.execute("INSERT INTO contacts (customer_id, contacted_at) VALUES ('X9', TIMESTAMP '2020-01-02')")
    before = contents(target)
    failing_writing(monkeypatch, fails, after)

    with pytest.raises(RuntimeError, match="injected failure"):
        restore_database(tmp_path / "backup.zip", target)
    with pytest.raises(RuntimeError, match="injected failure"):
        restore_database(tmp_path / "backup.zip", tmp_path / "new.duckdb")

    monkeypatch.undo()
    assert contents(target) == before
    assert add_contact(target) == 2
    assert not (tmp_path / "new.duckdb").exists()


# --- Summaries -------------------------------------------------------------------------------


def test_summaries_are_one_english_line():
    made = BackupSummary(path=Path("backups/shop.zip"), tables={"customers": 1_200, "orders": 3}, bytes=2_048)
    assert made.summary() == "Backed up 2 tables (1,203 rows) to backups/shop.zip (2,048 bytes)."
    restored = RestoreSummary(path=Path("shop.duckdb"), tables={"customers": 1_200, "orders": 3, "meta": 1})
    assert restored.summary() == (
        "Restored 3 tables (1,204 rows) into shop.duckdb; the data it held before was replaced."
    )


def test_the_module_names_its_public_entry_points():
    assert {"backup_database", "restore_database", "BackupSummary", "RestoreSummary"} <= set(backup.__all__)
