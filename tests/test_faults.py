"""Faults of the database file: locked by another process, read-only, corrupt, from a newer
schema version, missing, on a full disk. Each is one sentence naming the file and what to do,
raised by the package as a `DatabaseFault`, shown by every page as one error (never a traceback)
and by the CLI as one `error:` line; nothing is half written. A contact being saved when the
server is killed is either saved or back in the form after reload (its draft).

How each fault is made: a lock by a child process holding a write connection; read-only by
chmod, or, for root (who writes whatever the mode says), by `os.access` answering as for
anyone else; corrupt by random bytes, a truncated file or a damaged block; a newer version by a
row in `schema_migrations`; a full disk by a connection whose COMMIT fails the way DuckDB does
when the disk is full ("No space left on device"), and for real by a child process whose files
may not grow (`ulimit -f`), where DuckDB's own commit fails.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from apptest_support import assert_no_exception, has_key, open_app  # noqa: F401  (fixtures)
from conftest import write_db
from dashboard.safe import seen
from test_app_data import ECCUBE_ORDERS, open_data, upload
from test_cli import run_cli
from segmentation import cli, faults, schema
from segmentation.access import LOCAL_ADMIN
from segmentation.analysis import Analysis
from segmentation.backup import backup_database, backup_before_restore, restore_database
from segmentation.contact_drafts import find_draft
from segmentation.customers import customer_record, log_contact
from segmentation.errors import (
    DatabaseBusyError,
    DatabaseCorruptError,
    DatabaseFault,
    DatabaseFullError,
    DatabaseMissingError,
    DatabaseReadOnlyError,
    DatabaseVersionError,
)
from segmentation.importer import import_files
from segmentation.presets import list_presets, save_preset
from segmentation.texts import text
from segmentation.thresholds import Thresholds

ROOT = Path(__file__).resolve().parent.parent
CUSTOMER_PAGE = "pages/customer.py"
PAGE_AUTHOR = LOCAL_ADMIN.name  # whose drafts the customer page restores without sign-in
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOTE = "新しい豆の試飲を案内した。"


# --- Databases and the faults made of them --------------------------------------------------------


def shop_db(folder: Path) -> Path:
    """Two customers with orders and a contact."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_db(folder / "shop.duckdb", customers=[("C1", "2024-01-01"), ("C2", "2024-02-01")],
                    orders=[("o1", "C1", "2024-03-01", 1200), ("o2", "C2", "2024-03-02", 800)],
                    contacts=[("C1", "2024-03-05 10:00", "call", "佐藤", "お礼")])


@pytest.fixture
def shop(tmp_path) -> Path:
    return shop_db(tmp_path / "shop")


@pytest.fixture
def demo_copy(demo_db, tmp_path) -> Path:
    """A copy of the demo database the AppTest pages open (its customers have a full page)."""
    folder = tmp_path / "app"
    folder.mkdir()
    return Path(shutil.copy(demo_db, folder / "shop.duckdb"))


def everything(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table, to show that nothing changed."""
    with schema.reading(db) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'db' ORDER BY table_name").fetchall()]
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in tables}


def random_bytes(db: Path) -> Path:
    db.write_bytes(os.urandom(64 * 1024))
    return db


def truncated(db: Path) -> Path:
    db.write_bytes(db.read_bytes()[:5000])
    return db


def newer_version(db: Path) -> Path:
    con = duckdb.connect(str(db))
    try:
        con.execute("INSERT INTO schema_migrations VALUES (99, 'from a later program', current_timestamp)")
    finally:
        con.close()
    return db


def damaged_block(db: Path) -> Path:
    """The file with one data block overwritten: it opens, and the damage is met only when that
    block is read (found by trying each 256 KB block in turn)."""
    good = db.read_bytes()
    block, header = 256 * 1024, 3 * 4096
    for start in range(header, len(good), block):
        bad = bytearray(good)
        bad[start + 8:start + 4096] = bytes(b ^ 0x5A for b in bad[start + 8:start + 4096])
        db.write_bytes(bytes(bad))
        try:
            with schema.reading(db) as con:
                con.execute("SELECT count(*) FROM meta").fetchall()
        except DatabaseFault:
            continue  # this block held the catalogue: the file does not even open
        try:
            Analysis.open(db).close()
        except DatabaseCorruptError:
            return db
    pytest.fail("no block of the database is read only while copying it")


CORRUPTIONS = {"random bytes": random_bytes, "truncated": truncated}


class Holder:
    """A child process holding the file with a write connection, as a nightly import does."""

    SCRIPT = ("import sys, time, duckdb\ncon = duckdb.connect(sys.argv[1])\n"
              "print('holding', flush=True)\ntime.sleep(60)\n")

    def __init__(self, db: Path):
        self.process = subprocess.Popen([sys.executable, "-c", self.SCRIPT, str(db)], stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "holding"

    def release(self) -> None:
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()


@pytest.fixture
def hold():
    holders: list[Holder] = []

    def start(db: Path) -> Holder:
        holders.append(Holder(db))
        return holders[-1]

    yield start
    for holder in holders:
        holder.release()


@pytest.fixture
def read_only(monkeypatch):
    """`read_only(db)`: the file and its folder made read-only (by chmod; for root, who may
    write regardless, `os.access` answers as it would for anyone else)."""
    restored: list[tuple[Path, int]] = []

    def make(db: Path) -> Path:
        if not IS_ROOT:
            for target, mode in ((db, 0o444), (db.parent, 0o555)):
                restored.append((target, target.stat().st_mode))
                target.chmod(mode)
            return db
        refused = {db.resolve(), db.resolve().parent, db.resolve().with_name(db.name + ".wal")}
        real_access = os.access

        def access(target, mode, *args, **kwargs):
            if mode & os.W_OK and Path(os.path.abspath(target)) in refused:
                return False
            return real_access(target, mode, *args, **kwargs)

        monkeypatch.setattr(os, "access", access)
        return db

    yield make
    for target, mode in reversed(restored):
        target.chmod(mode)


class FullDiskConnection:
    """A DuckDB connection whose COMMIT fails as on a full disk when it writes to a file (opened
    on one, or with one attached for writing), once `after` has run in it (or always);
    everything else goes to the real connection."""

    def __init__(self, con, on_file: bool, after: str | None):
        self._con, self._on_file, self._after, self._armed = con, on_file, after, after is None

    def execute(self, sql, *args, **kwargs):
        words = sql.strip().upper()
        if words.startswith("ATTACH") and "READ_ONLY" not in words and ":MEMORY:" not in words:
            self._on_file = True
        if self._after and self._after in sql:
            self._armed = True
        if self._on_file and self._armed and words == "COMMIT":
            raise duckdb.IOException('IO Error: Could not write all bytes to file "shop.duckdb.wal": '
                                     "No space left on device")
        self._con.execute(sql, *args, **kwargs)
        return self

    def __getattr__(self, name):
        return getattr(self._con, name)


class FullDisk:
    """`full_disk(after=None)`: from then on every commit (or each one after a statement holding
    `after`) fails with DuckDB's "No space left on device"; `full_disk.freed()` ends it."""

    def __init__(self):
        self._patch = pytest.MonkeyPatch()

    def __call__(self, after: str | None = None) -> None:
        real_connect = duckdb.connect
        def connect(database: str = ":memory:", *args, **kwargs):
            on_file = str(database) not in ("", ":memory:")
            return FullDiskConnection(real_connect(database, *args, **kwargs), on_file, after)

        self._patch.setattr(duckdb, "connect", connect)

    def freed(self) -> None:
        self._patch.undo()


@pytest.fixture
def full_disk():
    disk = FullDisk()
    yield disk
    disk.freed()


# --- The package: each fault is one DatabaseFault that names the file ---------------------------------


@pytest.mark.parametrize("corrupt", list(CORRUPTIONS.values()), ids=list(CORRUPTIONS))
def test_a_corrupt_file_is_said_to_be_damaged_by_every_reader_and_writer(shop, corrupt):
    corrupt(shop)
    expected = DatabaseCorruptError(shop)
    assert "damaged" in str(expected) and str(shop) in str(expected) and "restore" in str(expected)
    for attempt in (lambda: Analysis.open(shop), lambda: customer_record(shop, "C1"),
                    lambda: log_contact(shop, "C1", "2024-04-01", "call", "", NOTE),
                    lambda: save_preset(shop, "繁忙期", Thresholds()), lambda: import_files(shop, orders=ECCUBE_ORDERS),
                    lambda: backup_database(shop, shop.parent / "backup.zip")):
        with pytest.raises(DatabaseCorruptError) as raised:
            attempt()
        assert str(raised.value) == str(expected)


def test_a_damaged_block_met_while_copying_is_said_to_be_damaged(demo_copy):
    damaged_block(demo_copy)

    with pytest.raises(DatabaseCorruptError, match="is damaged or is not a database file"):
        Analysis.open(demo_copy)


def test_a_file_from_a_newer_program_is_refused_by_readers_and_writers_and_left_alone(shop):
    newer_version(shop)
    before = shop.read_bytes()

    for attempt in (lambda: Analysis.open(shop), lambda: customer_record(shop, "C1"),
                    lambda: log_contact(shop, "C1", "2024-04-01", "call", "", NOTE),
                    lambda: import_files(shop, orders=ECCUBE_ORDERS)):
        with pytest.raises(DatabaseVersionError) as raised:
            attempt()
        assert str(raised.value) == (f"{shop} is at schema version 99, newer than this program knows "
                                     f"({schema.SCHEMA_VERSION}); update the program.")
    assert shop.read_bytes() == before


def test_a_missing_file_is_said_and_a_contact_or_preset_never_creates_an_empty_one(tmp_path):
    missing = tmp_path / "gone.duckdb"

    for attempt in (lambda: Analysis.open(missing), lambda: customer_record(missing, "C1"),
                    lambda: log_contact(missing, "C1", "2024-04-01", "call", "", NOTE),
                    lambda: save_preset(missing, "繁忙期", Thresholds())):
        with pytest.raises(DatabaseMissingError, match=f"^No database at {missing}; create one"):
            attempt()
    assert not missing.exists() and not missing.with_name("gone.duckdb.wal").exists()
    with pytest.raises(DatabaseMissingError, match="The folder .*nowhere does not exist"):
        schema.connect(tmp_path / "nowhere" / "shop.duckdb")


def test_a_locked_file_is_said_to_be_in_use_after_waiting(shop, hold):
    hold(shop)

    with pytest.raises(DatabaseBusyError) as raised:
        log_contact(shop, "C1", "2024-04-01", "call", "", NOTE, wait_seconds=0.3)
    assert str(raised.value) == f"{shop} is in use by another program that is writing to it; try again in a moment."
    with pytest.raises(DatabaseBusyError):
        Analysis.open(shop, wait_seconds=0.3)


def test_a_read_only_file_is_read_as_usual_and_every_write_is_refused_before_it_starts(shop, read_only):
    before = everything(shop)
    read_only(shop)

    assert Analysis.open(shop).customer_count == 2
    assert customer_record(shop, "C1").profile["customer_id"] == "C1"
    for attempt in (lambda: log_contact(shop, "C1", "2024-04-01", "call", "", NOTE),
                    lambda: save_preset(shop, "繁忙期", Thresholds()), lambda: import_files(shop, orders=ECCUBE_ORDERS),
                    lambda: backup_before_restore(shop)):
        with pytest.raises(DatabaseReadOnlyError) as raised:
            attempt()
        assert str(raised.value).startswith(f"{shop} is read-only (the file or its folder cannot be written)")
    assert everything(shop) == before
    assert not [p.name for p in shop.parent.iterdir() if p.suffix in (".zip", ".wal")], "no backup, no log beside it"


@pytest.mark.skipif(not IS_ROOT, reason="the chmod variant of read_only runs for other users")
def test_root_is_refused_a_read_only_folder_only_by_the_simulation(shop):
    """Root writes into a read-only folder regardless of its mode: the check follows os.access,
    which answers for root as the system does, so the `read_only` fixture simulates it there."""
    shop.parent.chmod(0o555)
    try:
        faults.check_writable(shop)  # no refusal: root may write
    finally:
        shop.parent.chmod(0o755)


def test_a_full_disk_at_the_commit_rolls_back_and_is_said(shop, full_disk):
    before = everything(shop)
    full_disk()

    for attempt in (lambda: save_preset(shop, "繁忙期", Thresholds()), lambda: import_files(shop, orders=ECCUBE_ORDERS),
                    lambda: log_contact(shop, "C1", "2024-04-01", "call", "", NOTE)):
        with pytest.raises(DatabaseFullError) as raised:
            attempt()
        assert str(raised.value) == (f"The disk is full, so {shop} could not be written and nothing was saved; "
                                     "free some space on the disk and try again.")
    assert everything(shop) == before


def test_a_full_disk_during_a_restore_leaves_the_data_as_it_was(shop, tmp_path, full_disk):
    other = shop_db(tmp_path / "other")
    zip_path = backup_database(other, tmp_path / "other.zip").path
    before = everything(shop)
    full_disk()

    with pytest.raises(DatabaseFullError):
        restore_database(zip_path, shop)
    assert everything(shop) == before


# A child whose files may not grow past LIMIT bytes (`ulimit -f`; SIGXFSZ ignored, so a write
# fails with EFBIG as a write to a full disk fails with ENOSPC): DuckDB's own commit really fails.
LIMITED_CHILD = r"""
import resource, signal, sys
from segmentation import cli, customers
from segmentation.errors import SegmentationError

limit, what, db, *rest = sys.argv[1:]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), resource.RLIM_INFINITY))
if what == "cli":
    sys.exit(cli.main(["import", "--db", db, "--orders", *rest]))
try:
    customers.log_contact(db, "C1", "2024-04-01", "call", "", "書けなかった記録")
except SegmentationError as error:
    print(type(error).__name__, error)
"""

limited_files = pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="no file-size limit on this system")


def run_limited(limit: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", LIMITED_CHILD, str(limit), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


@limited_files
def test_an_import_whose_write_the_file_system_refuses_is_one_sentence_and_writes_nothing(shop, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,customer_id,order_date,amount\n" +
                      "".join(f"K-{i},K{i % 500},2024-01-{1 + i % 28:02d},{100 + i}\n" for i in range(20_000)))
    before = everything(shop)

    result = run_limited(64 * 1024, "cli", str(shop), str(orders))

    assert_one_error_line(result.returncode, result.stderr, str(DatabaseFullError(shop)))
    assert everything(shop) == before


@limited_files
def test_a_contact_whose_write_the_file_system_refuses_is_said_as_a_full_disk_and_writes_nothing(shop):
    before = everything(shop)

    result = run_limited(0, "contact", str(shop))

    assert result.stdout == f"DatabaseFullError {DatabaseFullError(shop)}\n", result.stderr
    assert everything(shop) == before


@pytest.mark.parametrize("fault", [DatabaseBusyError, DatabaseReadOnlyError, DatabaseCorruptError,
                                   DatabaseMissingError, DatabaseFullError])
def test_every_fault_is_one_sentence_in_both_languages_naming_the_file(fault, tmp_path):
    error = fault(tmp_path / "shop.duckdb")
    for lang in ("ja", "en"):
        sentence = error.message(lang)
        assert str(tmp_path / "shop.duckdb") in sentence and "\n" not in sentence
    assert error.message("en") == str(error) and error.message("ja") != str(error)


def test_a_file_from_a_newer_duckdb_is_said_to_need_an_update(tmp_path):
    error = duckdb.IOException("IO Error: Trying to read a database file with version number 70, but we can only "
                               "read versions between 64 and 69.\nThe database file was created with a newer version "
                               "of DuckDB.\n\nThe storage of DuckDB is not yet stable; ...")

    fault = faults.fault_of(tmp_path / "shop.duckdb", error)

    assert isinstance(fault, DatabaseVersionError)
    assert str(fault) == (f"{tmp_path / 'shop.duckdb'} was written by a newer version of DuckDB than this program "
                          "uses; update the program.")


def test_an_error_that_is_no_fault_of_the_file_keeps_its_own_traceback(tmp_path):
    assert faults.fault_of(tmp_path, duckdb.ParserException("Parser Error: syntax error at or near 'SELEC'")) is None
    assert faults.fault_of(tmp_path, ValueError("no space left on device")) is None
    assert isinstance(faults.fault_of(tmp_path, OSError(28, "No space left on device")), DatabaseFullError)


# --- Contact drafts: killed between the draft and the contact ------------------------------------------

# Logs a contact in a child process that stops at MOMENT and writes the signal file, then waits
# to be killed: "drafting" inside the draft's transaction, "saving" inside the contact's
# transaction after the insert and the draft's delete (just before its COMMIT), "saved" after.
KILLED_CHILD = r"""
import sys, time
from pathlib import Path
from segmentation import contact_drafts, customers

db, customer_id, author, signal_file, moment = sys.argv[1:6]

def stop_here():
    Path(signal_file).write_text(moment)
    time.sleep(600)  # the parent kills the process here

def then_stop(original, at):
    def step(*args, **kwargs):
        result = original(*args, **kwargs)
        if moment == at:
            stop_here()
        return result
    return step

contact_drafts.save_draft = then_stop(contact_drafts.save_draft, "drafting")
contact_drafts.discard_draft = then_stop(contact_drafts.discard_draft, "saving")
customers.log_contact(db, customer_id, "2024-04-01", "visit", "佐藤", "killed while saving", author=author)
if moment == "saved":
    stop_here()
sys.exit(3)  # it finished: the parent did not kill it in time
"""


def kill_contact_at(tmp_path: Path, db: Path, moment: str, customer_id: str = "C1", author: str = "") -> None:
    """Kill a child logging a contact (by `author`) at `moment` (see KILLED_CHILD)."""
    signal_file = tmp_path / f"reached-{moment}"
    child = subprocess.Popen([sys.executable, "-c", KILLED_CHILD, str(db), customer_id, author, str(signal_file),
                              moment],
                             cwd=ROOT, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not signal_file.exists():
            if child.poll() is not None:
                pytest.fail(f"the child ended (status {child.returncode}) before {moment}: {child.stderr.read()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the child did not reach {moment} within 60 s")
            time.sleep(0.005)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL


def contacts_and_drafts(db: Path) -> tuple[list[tuple], list[tuple]]:
    with schema.reading(db) as con:
        contacts = con.execute("SELECT customer_id, kind, staff, note FROM contacts ORDER BY contact_id").fetchall()
        drafts = con.execute("SELECT customer_id, author, kind, staff, note FROM contact_drafts").fetchall()
    return contacts, drafts


def killed_contact(customer_id: str) -> tuple:
    return (customer_id, "visit", "佐藤", "killed while saving")


def killed_draft(customer_id: str) -> tuple:
    return (customer_id, "", "visit", "佐藤", "killed while saving")


def test_a_save_killed_after_its_draft_and_before_the_contact_commit_leaves_the_draft(shop, tmp_path):
    contacts_before, _ = contacts_and_drafts(shop)

    kill_contact_at(tmp_path, shop, "saving")

    assert contacts_and_drafts(shop) == (contacts_before, [killed_draft("C1")])
    draft = find_draft(shop, "C1", "")
    assert (draft.contacted_at, draft.kind, draft.staff, draft.note) == (
        dt.datetime(2024, 4, 1), "visit", "佐藤", "killed while saving")
    assert find_draft(shop, "C1", "someone else") is None, "a draft is its author's"


def test_a_save_killed_after_its_commit_leaves_the_contact_and_no_draft(shop, tmp_path):
    contacts_before, _ = contacts_and_drafts(shop)

    kill_contact_at(tmp_path, shop, "saved")

    assert contacts_and_drafts(shop) == ([*contacts_before, killed_contact("C1")], [])


def test_a_save_killed_inside_the_drafts_transaction_leaves_neither_half(shop, tmp_path):
    contacts_before, _ = contacts_and_drafts(shop)

    kill_contact_at(tmp_path, shop, "drafting")

    assert contacts_and_drafts(shop) == (contacts_before, [])


def test_a_full_disk_at_the_contacts_commit_keeps_the_draft_and_the_next_save_clears_it(shop, full_disk):
    contacts_before, _ = contacts_and_drafts(shop)
    full_disk(after="INSERT INTO contacts")

    with pytest.raises(DatabaseFullError):
        log_contact(shop, "C1", "2024-04-01", "visit", "佐藤", "killed while saving")
    full_disk.freed()
    assert contacts_and_drafts(shop) == (contacts_before, [killed_draft("C1")])

    log_contact(shop, "C1", "2024-04-01", "visit", "佐藤", "killed while saving")
    assert contacts_and_drafts(shop) == ([*contacts_before, killed_contact("C1")], [])


def test_a_file_from_before_drafts_has_none_and_gets_the_table_on_its_first_write(shop):
    con = duckdb.connect(str(shop))
    try:
        con.execute("DROP TABLE contact_drafts")  # and what came after it (a file from before drafts)
        con.execute("DROP TABLE channel_costs")
        con.execute("DELETE FROM schema_migrations WHERE version >= 4")
    finally:
        con.close()

    assert find_draft(shop, "C1") is None
    log_contact(shop, "C1", "2024-04-01", "visit", "", NOTE)
    assert find_draft(shop, "C1") is None and contacts_and_drafts(shop)[1] == []


# --- The pages: one error with the sentence, never an exception ---------------------------------------


def the_one_error(at) -> str:
    """The text of the page's one error element, as a reader sees it (`safe.seen`)."""
    assert_no_exception(at)
    errors = [seen(error.value) for error in at.error]
    assert len(errors) == 1, errors
    return errors[0]


ENTRY_FAULTS = {
    "random bytes": (random_bytes, DatabaseCorruptError),
    "truncated": (truncated, DatabaseCorruptError),
    "newer version": (newer_version, lambda db: DatabaseVersionError(db, version=99, known=schema.SCHEMA_VERSION)),
}


@pytest.mark.parametrize("make, fault", list(ENTRY_FAULTS.values()), ids=list(ENTRY_FAULTS))
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_app_opens_on_a_damaged_or_newer_file_with_one_sentence(open_app, tmp_path, make, fault, lang):
    db = make(shop_db(tmp_path / "shop"))

    at = open_app(db, query={"lang": lang})

    assert the_one_error(at) == fault(db).message(lang)


def test_the_app_opens_on_a_locked_file_with_one_sentence(open_app, shop, hold):
    hold(shop)

    at = open_app(shop, query={"lang": "en"})

    assert the_one_error(at) == DatabaseBusyError(shop).message("en")


def test_the_app_on_a_missing_file_shows_the_guide_naming_it(open_app, tmp_path):
    missing = tmp_path / "gone.duckdb"

    at = open_app(missing, query={"lang": "en"})

    assert_no_exception(at)
    assert at.error.len == 0
    assert any(str(missing) in markdown.value for markdown in at.markdown)
    assert has_key(at, "empty_load_demo") and not missing.exists()


def test_the_customer_page_on_a_file_locked_after_it_opened_says_so_once(open_app, demo_copy, hold):
    at = open_app(demo_copy, query={"id": "0000002"}, page=CUSTOMER_PAGE)
    assert_no_exception(at)
    hold(demo_copy)

    at.run()

    assert the_one_error(at) == DatabaseBusyError(demo_copy).message("ja")


def submit_contact(at, note: str):
    at.get_by_key("cs_note").input(note)
    [button] = [button for button in at.button if button.proto.form_id == "cs_contact"]
    return button.click().run()


def test_a_contact_on_a_read_only_file_is_refused_in_one_sentence_and_kept_in_the_form(open_app, demo_copy, read_only):
    before = everything(demo_copy)
    at = open_app(demo_copy, query={"id": "0000002", "lang": "en"}, page=CUSTOMER_PAGE)
    read_only(demo_copy)

    submit_contact(at, NOTE)

    assert the_one_error(at) == DatabaseReadOnlyError(demo_copy).message("en")
    assert at.get_by_key("cs_note").value == NOTE
    assert everything(demo_copy) == before


def test_a_contact_on_a_full_disk_is_refused_in_one_sentence_and_its_draft_comes_back(open_app, demo_copy, full_disk):
    at = open_app(demo_copy, query={"id": "0000002"}, page=CUSTOMER_PAGE)
    full_disk(after="INSERT INTO contacts")

    submit_contact(at, NOTE)

    assert the_one_error(at) == DatabaseFullError(demo_copy).message("ja")
    full_disk.freed()
    fresh = open_app(demo_copy, query={"id": "0000002"}, page=CUSTOMER_PAGE)  # the page reloaded: a new session
    assert_no_exception(fresh)
    assert text("contact_draft_restored", "ja") in [info.value for info in fresh.info]
    assert fresh.get_by_key("cs_note").value == NOTE


def test_after_a_killed_save_the_reloaded_page_restores_the_contact_and_saving_it_clears_the_draft(
        open_app, tmp_path, demo_copy):
    kill_contact_at(tmp_path, demo_copy, "saving", customer_id="0000002", author=PAGE_AUTHOR)

    at = open_app(demo_copy, query={"id": "0000002", "lang": "en"}, page=CUSTOMER_PAGE)

    assert_no_exception(at)
    assert [info.value for info in at.info] == [text("contact_draft_restored", "en")]
    assert at.get_by_key("cs_note").value == "killed while saving"
    assert at.get_by_key("cs_kind").value == "visit" and at.get_by_key("cs_staff").value == "佐藤"
    assert at.get_by_key("cs_when").value == dt.date(2024, 4, 1)
    [button] = [button for button in at.button if button.proto.form_id == "cs_contact"]
    button.click().run()
    assert_no_exception(at)
    assert [success.value for success in at.success] == [text("contact_saved", "en")]
    contacts, drafts = contacts_and_drafts(demo_copy)
    assert contacts[-1] == killed_contact("0000002") and drafts == []
    assert at.info.len == 0


def test_a_restored_contact_can_be_discarded(open_app, shop, tmp_path):
    kill_contact_at(tmp_path, shop, "saving", author=PAGE_AUTHOR)
    at = open_app(shop, query={"id": "C1"}, page=CUSTOMER_PAGE)

    at.get_by_key("cs_draft_discard").click().run()

    assert_no_exception(at)
    assert find_draft(shop, "C1", PAGE_AUTHOR) is None
    assert at.get_by_key("cs_note").value == "" and at.info.len == 0


@pytest.mark.parametrize("fault", ["read-only", "full disk"])
def test_a_preset_saved_on_a_read_only_or_full_disk_is_refused_in_one_sentence(open_app, demo_copy, read_only,
                                                                                full_disk, fault):
    at = open_app(demo_copy)
    read_only(demo_copy) if fault == "read-only" else full_disk()
    expected = (DatabaseReadOnlyError if fault == "read-only" else DatabaseFullError)(demo_copy).message("ja")

    at.get_by_key("sb_preset_name").input("繁忙期").run()
    at.get_by_key("sb_preset_save").click().run()

    assert the_one_error(at) == expected
    assert [seen(error.value) for error in at.sidebar.error] == [expected]
    assert list_presets(demo_copy) == {}


@pytest.mark.parametrize("fault", ["read-only", "full disk"])
def test_an_import_on_the_data_page_on_a_read_only_or_full_disk_is_refused_in_one_sentence(open_app, shop, read_only,
                                                                                           full_disk, fault):
    before = everything(shop)
    at = upload(open_data(open_app, shop, "en"), "orders", "orders.csv", ECCUBE_ORDERS.read_bytes())
    at = at.get_by_key("da_check").click().run()
    read_only(shop) if fault == "read-only" else full_disk()
    expected = (DatabaseReadOnlyError if fault == "read-only" else DatabaseFullError)(shop).message("en")

    at = at.get_by_key("da_import").click().run()

    assert the_one_error(at) == expected
    assert everything(shop) == before


# --- The command line: exit status 2 and one `error:` line ----------------------------------------------


def assert_one_error_line(status: int, stderr: str, expected: str) -> None:
    assert status == 2
    assert "Traceback" not in stderr
    assert stderr == f"error: {expected}\n"


READ = ["summary"]
WRITE = ["import", "--orders", str(ECCUBE_ORDERS)]


@pytest.mark.parametrize("make, fault, command", [
    (random_bytes, DatabaseCorruptError, READ), (truncated, DatabaseCorruptError, READ),
    (newer_version, lambda db: DatabaseVersionError(db, version=99, known=schema.SCHEMA_VERSION), READ),
    (random_bytes, DatabaseCorruptError, WRITE),
    (newer_version, lambda db: DatabaseVersionError(db, version=99, known=schema.SCHEMA_VERSION), WRITE),
], ids=["summary-random bytes", "summary-truncated", "summary-newer version", "import-random bytes",
        "import-newer version"])
def test_the_cli_on_a_damaged_or_newer_file_says_one_sentence(tmp_path, make, fault, command):
    db = make(shop_db(tmp_path / "shop"))

    result = run_cli(command[0], "--db", str(db), *command[1:], "--lang", "en")

    assert_one_error_line(result.returncode, result.stderr, str(fault(db)))


def test_the_cli_on_a_missing_file_says_one_sentence(tmp_path):
    missing = tmp_path / "gone.duckdb"

    result = run_cli("summary", "--db", str(missing))

    assert_one_error_line(result.returncode, result.stderr, str(DatabaseMissingError(missing)))


def test_the_cli_on_a_locked_file_says_one_sentence(shop, hold, monkeypatch, capfd):
    """Run in this process so the read waits 0.3 s for the lock instead of 10."""
    attach = schema.attach_read_only
    monkeypatch.setattr(schema, "attach_read_only",
                        lambda con, path, alias, *, wait_seconds=10.0: attach(con, path, alias, wait_seconds=0.3))
    hold(shop)

    status = cli.main(["summary", "--db", str(shop)])

    assert_one_error_line(status, capfd.readouterr().err, str(DatabaseBusyError(shop)))


@pytest.mark.parametrize("fault", ["read-only", "full disk"])
@pytest.mark.parametrize("command", ["import", "restore", "sample"])
def test_the_cli_writing_to_a_read_only_or_full_disk_says_one_sentence(shop, tmp_path, read_only, full_disk, capfd,
                                                                      fault, command):
    """`import` and `restore` write into the shop's database; `sample` makes a new one beside it."""
    backup = backup_database(shop_db(tmp_path / "other"), tmp_path / "other.zip").path
    arguments = {"import": ["--orders", str(ECCUBE_ORDERS)], "restore": ["--from", str(backup), "--yes"],
                 "sample": ["--customers", "100"]}[command]
    target = shop.with_name("new.duckdb") if command == "sample" else shop
    before = everything(shop)
    capfd.readouterr()
    read_only(shop) if fault == "read-only" else full_disk()
    expected = DatabaseReadOnlyError(target) if fault == "read-only" else DatabaseFullError(target)

    status = cli.main([command, "--db", str(target), *arguments, "--lang", "en"])

    assert_one_error_line(status, capfd.readouterr().err, str(expected))
    full_disk.freed()
    assert everything(shop) == before
    assert not target.with_name("new.duckdb").exists(), "a failed first write leaves no empty database behind"
