"""The Data page in AppTest: what the database holds, in both languages, on the demo data and on
an empty database; an uploaded shop export shows its platform, encoding and a check that writes
nothing; the import shows its result and the contents (and the other pages) change; a bad value
is named by file, line, column and value and nothing is written; columns chosen by hand import;
demo data, backup and restore. Files go in through the page's own uploaders (AppTest uploads
them); the page's helpers (`dashboard.importing`) take paths and are checked on their own too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest

from apptest_support import assert_no_exception, has_key, open_app  # noqa: F401  (fixtures)
from conftest import write_db
from dashboard import importing
from dashboard.safe import seen
from segmentation import mapping as mapping_module, schema
from segmentation.backup import backup_database
from segmentation.importer import database_contents, import_files
from segmentation.platforms import get as platform_named
from segmentation.sources import ReadOptions
from segmentation.texts import text

DATA_PAGE = "pages/data.py"
ROOT = Path(__file__).resolve().parent.parent
ECCUBE_ORDERS = ROOT / "tests" / "fixtures" / "platforms" / "eccube" / "orders.csv"
BAD_ORDERS = ("注文番号,顧客ID,注文日,金額\n"
              "A1,0001,2025-01-05,1200\n"
              "A2,0002,2025-02-01,abc\n"  # line 3: an amount that is no number
              "A3,0003,2025-02-03,500\n")
OWN_HEADERS = "伝票No,得意先,計上日付,売上高\nB1,0007,2025-03-01,3000\nB2,0008,2025-03-02,4000\n"


@pytest.fixture
def small_db(tmp_path) -> Path:
    """Two customers with one order each: the page's writes are checked against it."""
    return write_db(tmp_path / "small.duckdb", customers=[("0001", "2024-12-01"), ("0002", "2024-12-01")],
                    orders=[("o1", "0001", "2024-12-10", 1000), ("o2", "0002", "2024-12-11", 2000)])


@pytest.fixture
def empty_db(tmp_path) -> Path:
    path = tmp_path / "empty.duckdb"
    schema.connect(path).close()
    return path


def open_data(open_app, db: Path, lang: str = "ja"):
    return open_app(db, page=DATA_PAGE, query={"lang": lang})


def upload(at, kind: str, name: str, content: bytes, generation: int = 0):
    """Put one file into the page's uploader for `kind` and run the page."""
    return at.get_by_key(f"da_upload_{kind}_{generation}").set_value((name, content, "text/csv")).run()


def contents_shown(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.get_by_key("da_contents").metric}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def keyed(at, prefix: str) -> list:
    """The selectboxes whose key starts with `prefix` (file widgets carry a token of the file)."""
    return [box for box in at.selectbox if (box.key or "").startswith(prefix)]


# --- Rendering ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_page_shows_what_the_demo_database_holds(open_app, demo_db, lang):
    held = database_contents(demo_db)

    at = open_data(open_app, demo_db, lang)

    assert_no_exception(at)
    assert [title.value for title in at.title] == [text("data_title", lang)]
    shown = contents_shown(at)
    assert shown[text("data_customers", lang)] == f"{held['customers']:,}"
    # Orders as the sidebar counts them (the demo has refund rows and multi-line orders, so fewer than its rows).
    assert shown[text("data_orders", lang)] == f"{held['order_count']:,}"
    assert held["order_count"] < held["orders"]
    assert shown[text("data_contacts", lang)] == f"{held['contacts']:,}"
    assert shown[text("col_last_order_date", lang)] == str(held["last_order"])
    assert all(has_key(at, f"da_upload_{kind}_0") for kind in ("orders", "customers", "contacts"))
    assert at.get_by_key("da_upload_orders_0").accept_multiple_files
    assert any(f"`segmentation import --db {demo_db} --orders FILE...`" in caption.value for caption in at.caption)
    assert any("200" in caption.value for caption in at.caption)  # the upload limit of .streamlit/config.toml
    assert at.get_by_key("da_demo").disabled  # demo data only after confirming the replacement
    assert at.get_by_key("da_restore").disabled  # no backup chosen, nothing confirmed


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_page_renders_on_an_empty_database_instead_of_the_guide(open_app, empty_db, lang):
    at = open_data(open_app, empty_db, lang)

    assert_no_exception(at)
    assert [title.value for title in at.title] == [text("data_title", lang)]
    assert contents_shown(at)[text("data_customers", lang)] == "0"
    assert not has_key(at, "empty_load_demo")
    assert not at.get_by_key("da_demo").disabled


def test_a_missing_database_is_said_and_the_other_pages_link_to_the_data_page(open_app, tmp_path):
    missing = tmp_path / "nowhere" / "shop.duckdb"

    at = open_data(open_app, missing, "en")

    assert_no_exception(at)
    assert text("data_no_db", "en", path=missing) in [info.value for info in at.info]
    assert at.get_by_key("da_backup").disabled
    guide = open_app(missing)
    assert any(link.label == text("empty_open_data", "ja") for link in guide.get("page_link"))


# --- A shop export: detected, checked, imported ----------------------------------------------------


def test_a_cp932_shop_export_shows_its_platform_encoding_and_first_rows(open_app, empty_db):
    at = open_data(open_app, empty_db)

    at = upload(at, "orders", "orders.csv", ECCUBE_ORDERS.read_bytes())

    assert_no_exception(at)
    eccube = platform_named("eccube")
    assert text("data_recognised", "ja", platform=eccube.label_ja) in [m.value for m in at.markdown]
    [encoding] = keyed(at, "da_enc_")
    assert encoding.value == importing.AUTO
    assert encoding.options[0] == text("data_auto", "ja", value="Shift_JIS (CP932)")
    [header_row] = keyed(at, "da_header_")
    assert header_row.options[0] == text("data_auto", "ja", value=text("data_row_number", "ja", n=1))
    first_rows = [frame.value for frame in at.dataframe if "受注日" in frame.value.columns]
    assert len(first_rows) == 1 and len(first_rows[0]) == importing.PREVIEW_ROWS
    assert not has_key(at, "da_mapping_orders")  # a platform's columns are known: no column choices
    assert not has_key(at, "da_import")  # nothing to import before the check


def test_the_check_shows_what_the_import_would_do_and_writes_nothing(open_app, small_db, tmp_path):
    expected = import_files(small_db, orders=[ECCUBE_ORDERS], dry_run=True)
    before = digest(small_db)
    at = upload(open_data(open_app, small_db, "en"), "orders", "orders.csv", ECCUBE_ORDERS.read_bytes())

    at = at.get_by_key("da_check").click().run()

    assert_no_exception(at)
    figures = {metric.label: metric.value for metric in at.get_by_key("da_check_figures").metric}
    assert figures[text("data_metric_orders_added", "en")] == f"{expected.orders_added:,}"
    assert figures[text("data_metric_customers_new", "en")] == f"{expected.customers_created:,}"
    for reason, count in expected.excluded.items():
        assert figures[text("data_metric_excluded", "en", reason=text(f"exclude_{reason}", "en"))] == f"{count:,}"
    assert [success.value for success in at.success] == [text("data_check_ok", "en")]
    assert not at.get_by_key("da_import").disabled
    assert digest(small_db) == before


def test_the_import_shows_its_result_and_every_page_then_shows_the_new_data(open_app, small_db):
    at = upload(open_data(open_app, small_db), "orders", "orders.csv", ECCUBE_ORDERS.read_bytes())
    at = at.get_by_key("da_check").click().run()

    at = at.get_by_key("da_import").click().run()

    assert_no_exception(at)
    held = database_contents(small_db)
    assert held["orders"] == 2 + 11 and held["customers"] == 2 + 6
    result = {metric.label: metric.value for metric in at.get_by_key("da_result_figures").metric}
    assert result[text("data_result_orders_added", "ja")] == "11"
    assert result[text("data_result_excluded", "ja")] == "4"
    assert result[text("data_result_customers", "ja")] == "6"
    assert result[text("data_result_rejected", "ja")] == "0"
    assert text("data_result_note", "ja") in [info.value for info in at.info]
    assert contents_shown(at)[text("data_orders", "ja")] == "13"
    assert any("orders.csv" in seen(caption.value) for caption in at.caption)  # the last import's file
    assert has_key(at, "da_upload_orders_1") and not has_key(at, "da_upload_orders_0")  # the uploader is emptied
    assert at.sidebar.caption[0].value == text("data_caption", "ja", customers=8, orders=13, latest=held["last_order"])

    at.switch_page("pages/overview.py").run()

    assert_no_exception(at)
    assert [title.value for title in at.title] == [text("overview_title", "ja", as_of=held["last_order"].isoformat())]


# --- Bad values ------------------------------------------------------------------------------------


def test_a_bad_value_is_named_by_file_line_column_and_value_and_nothing_is_written(open_app, small_db, tmp_path):
    (tmp_path / "bad.csv").write_text(BAD_ORDERS, encoding="utf-8")
    [expected] = import_files(small_db, orders=[tmp_path / "bad.csv"], on_error="skip", dry_run=True).problems
    before = digest(small_db)
    at = upload(open_data(open_app, small_db), "orders", "bad.csv", BAD_ORDERS.encode())

    at = at.get_by_key("da_check").click().run()

    assert_no_exception(at)
    assert text("data_check_refused", "ja", count=1) in [error.value for error in at.error]
    problems = at.get_by_key("da_problems").dataframe[0].value
    assert problems.to_dict("records") == [{
        text("data_col_file", "ja"): "bad.csv", text("data_col_line", "ja"): "3",
        text("data_col_column", "ja"): expected.column, text("data_col_value", "ja"): "abc",
        text("data_col_problem", "ja"): expected.sentence("ja"),
    }]
    assert "bad.csv 3行目" in expected.sentence("ja") and "「abc」" in expected.sentence("ja")
    assert at.get_by_key("da_import").disabled
    assert digest(small_db) == before


def test_importing_the_sound_rows_leaves_the_bad_one_out_with_its_reason(open_app, small_db):
    at = upload(open_data(open_app, small_db, "en"), "orders", "bad.csv", BAD_ORDERS.encode())
    at = at.get_by_key("da_on_error").set_value("skip").run()
    at = at.get_by_key("da_check").click().run()
    assert text("data_check_skip", "en", count=1, rows=1) in [warning.value for warning in at.warning]

    at = at.get_by_key("da_import").click().run()

    assert_no_exception(at)
    result = {metric.label: metric.value for metric in at.get_by_key("da_result_figures").metric}
    assert result[text("data_result_orders_added", "en")] == "2"
    assert result[text("data_result_rejected", "en")] == "1"
    assert has_key(at, "da_rejects_download")
    assert database_contents(small_db)["orders"] == 4


def test_an_unreadable_file_is_one_sentence_and_blocks_the_check(open_app, small_db):
    at = upload(open_data(open_app, small_db, "en"), "orders", "empty.csv", b"")

    assert_no_exception(at)
    assert [seen(error.value) for error in at.error] == [
        "empty.csv is empty: it needs a header row naming the columns."]
    assert at.get_by_key("da_check").disabled


# --- Columns chosen by hand ------------------------------------------------------------------------


def test_columns_chosen_by_hand_are_imported_and_saved_for_the_nightly_import(open_app, small_db):
    at = upload(open_data(open_app, small_db, "en"), "orders", "ledger.csv", OWN_HEADERS.encode())
    assert text("data_own_layout", "en") in [m.value for m in at.markdown]
    assert at.get_by_key("da_check").disabled  # no column for the date, the amount or the customer yet
    chosen = {"order_date": ("計上日付", 1), "amount": ("売上高", 1), "customer_id": ("得意先", 1),
              "order_id": ("伝票No", 1)}
    for field, column in chosen.items():
        [box] = keyed(at, f"da_map_orders_{field}_")
        box.set_value(column)
    at = at.run()
    at = at.get_by_key("da_check").click().run()
    assert_no_exception(at)
    figures = {metric.label: metric.value for metric in at.get_by_key("da_check_figures").metric}
    assert figures[text("data_metric_orders_added", "en")] == "2"

    at.get_by_key("da_mapping_name").input("ledger")
    at = at.get_by_key("da_import").click().run()

    assert_no_exception(at)
    assert database_contents(small_db)["customers"] == 4
    with schema.reading(small_db) as con:
        assert ("ledger", "orders", None) in mapping_module.saved_mappings(con)
    assert any("--mapping ledger" in caption.value for caption in at.caption)


def test_the_page_choices_become_one_import_or_a_clear_refusal(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("注文日;金額;顧客ID\n2025-01-01;100;1\n", encoding="utf-8")
    second.write_text("注文日,金額,顧客ID\n2025-01-01,100,1\n", encoding="utf-8")

    def choice(path: Path, options: ReadOptions) -> importing.FileChoice:
        return importing.FileChoice(path, "orders", options, importing.preview(path, "orders", options))

    assert importing.combined_options([choice(first, ReadOptions()), choice(second, ReadOptions())]) is None
    only_first = [choice(first, ReadOptions(delimiter=";")), choice(second, ReadOptions())]
    with pytest.raises(importing.SettingsConflict) as refused:
        importing.combined_options(only_first)  # a semicolon for the second file would misread it
    assert refused.value.message("en") == text("data_options_conflict", "en", setting=text("data_delimiter", "en"))
    same = [choice(first, ReadOptions(encoding="utf-8")), choice(second, ReadOptions())]
    assert importing.combined_options(same) == ReadOptions(encoding="utf-8")

    orders = mapping_module.Mapping("orders", {"order_date": ("注文日", 1), "amount": ("金額", 1),
                                               "customer_id": ("顧客ID", 1), "name": ("氏名", 1)})
    customers = mapping_module.Mapping("customers", {"customer_id": ("顧客ID", 1), "name": ("氏名", 1)})
    no_name = mapping_module.Mapping("orders", {k: v for k, v in orders.columns.items() if k != "name"})
    assert importing.combined_overrides({"orders": no_name}, {"orders": orders}) == {"name": ""}
    with pytest.raises(importing.SettingsConflict) as refused:  # "no name" would reach the customers file too
        importing.combined_overrides({"orders": no_name, "customers": customers},
                                     {"orders": orders, "customers": customers})
    assert "Name" in refused.value.message("en") and "顧客" in refused.value.message("ja")
    second_alike = {**orders.columns, "name": ("氏名", 2)}
    assert importing.combined_overrides({"orders": mapping_module.Mapping("orders", second_alike)},
                                        {"orders": orders}) == {"name": "氏名#2"}


# --- Demo data, backup, restore ----------------------------------------------------------------


def test_demo_data_fills_an_empty_database(open_app, empty_db):
    at = open_data(open_app, empty_db, "en")
    at.get_by_key("da_demo_customers").set_value(100)

    at = at.get_by_key("da_demo").click().run()

    assert_no_exception(at)
    held = database_contents(empty_db)
    assert held["customers"] == 100
    assert contents_shown(at)[text("data_customers", "en")] == "100"
    assert any(success.value.startswith("Demo data created: 100 customers") for success in at.success)


def test_demo_data_replaces_data_only_when_confirmed_and_after_a_backup(open_app, small_db):
    at = open_data(open_app, small_db, "en")
    at.get_by_key("da_demo_customers").set_value(100)
    assert at.get_by_key("da_demo").disabled

    at = at.get_by_key("da_demo_replace_0").check().run()
    at = at.get_by_key("da_demo").click().run()

    assert_no_exception(at)
    assert database_contents(small_db)["customers"] == 100
    [saved] = list(small_db.parent.glob("small-before-restore-*.zip"))
    assert text("cli_backup_first", "en", path=saved) in [seen(info.value) for info in at.info]


def test_a_backup_restored_over_other_data_asks_first_and_backs_the_current_data_up(open_app, small_db, tmp_path):
    other = write_db(tmp_path / "other.duckdb", customers=[("x1", "2025-01-01")],
                     orders=[("ox", "x1", "2025-01-02", 500)])
    zip_path = tmp_path / "other-backup.zip"
    backup_database(other, zip_path)
    at = open_data(open_app, small_db)
    at = at.get_by_key("da_backup").click().run()
    assert_no_exception(at)
    assert has_key(at, "da_backup_download")

    at = at.get_by_key("da_restore_upload_0").set_value(("other-backup.zip", zip_path.read_bytes(),
                                                          "application/zip")).run()
    assert at.get_by_key("da_restore").disabled  # not confirmed yet
    at = at.get_by_key("da_restore_confirm_0").check().run()
    at = at.get_by_key("da_restore").click().run()

    assert_no_exception(at)
    held = database_contents(small_db)
    assert (held["customers"], held["orders"]) == (1, 1)
    [saved] = list(small_db.parent.glob("small-before-restore-*.zip"))
    assert text("cli_backup_first", "ja", path=saved) in [seen(info.value) for info in at.info]
    assert contents_shown(at)[text("data_customers", "ja")] == "1"


def test_an_excel_workbook_is_read_from_the_sheet_chosen(open_app, small_db, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "メモ"
    book.active.append(["この帳票について"])
    orders = book.create_sheet("受注")
    for row in (["注文番号", "顧客ID", "注文日", "金額"], ["X1", "0001", "2025-05-01", 700], ["X2", "0009", "2025-05-02", 900]):
        orders.append(row)
    book.save(tmp_path / "book.xlsx")
    at = upload(open_data(open_app, small_db, "en"), "orders", "book.xlsx", (tmp_path / "book.xlsx").read_bytes())
    assert at.get_by_key("da_check").disabled  # the first sheet names no column the import needs
    [sheet] = keyed(at, "da_sheet_")
    assert sheet.options == [text("data_auto", "en", value="メモ"), "メモ", "受注"]

    at = sheet.set_value("受注").run()
    at = at.get_by_key("da_check").click().run()

    assert_no_exception(at)
    figures = {metric.label: metric.value for metric in at.get_by_key("da_check_figures").metric}
    assert figures[text("data_metric_orders_added", "en")] == "2"
    assert figures[text("data_metric_customers_new", "en")] == "1"


def test_after_a_restore_of_smaller_data_the_sidebar_and_the_overview_follow_it(open_app, demo_db, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    tiny = write_db(tmp_path / "tiny.duckdb", customers=[("t1", "2025-01-01")], orders=[("ot", "t1", "2025-01-02", 900)])
    backup_database(tiny, tmp_path / "tiny.zip")
    at = open_data(open_app, db)
    slider = at.get_by_key("sb_min_orders")
    at = slider.set_value(slider.max).run()  # as far as the demo data reaches

    at = at.get_by_key("da_restore_upload_0").set_value(("tiny.zip", (tmp_path / "tiny.zip").read_bytes(),
                                                          "application/zip")).run()
    at = at.get_by_key("da_restore_confirm_0").check().run()
    at = at.get_by_key("da_restore").click().run()
    assert_no_exception(at)
    assert at.get_by_key("sb_as_of_input").value == dt.date(2025, 1, 2)

    at.switch_page("pages/overview.py").run()

    assert_no_exception(at)
    assert [title.value for title in at.title] == [text("overview_title", "ja", as_of="2025-01-02")]
