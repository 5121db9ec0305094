"""Hostile input: quotes, `' OR 1=1 --`, `<script>`, `=HYPERLINK(...)`, `\\t=`/`\\r=` prefixes,
100,000-character strings, NUL bytes, control characters, emoji and right-to-left text, typed in
the search and name boxes, carried by the URL, uploaded as file names and cells.

No SQL runs but ours, nothing runs in the browser or in a spreadsheet, and each value is either
stored and shown back exactly as text or refused with a message naming it; a value a format
cannot hold (Excel's 32,767 characters, a character Shift_JIS lacks) is cut or replaced and said,
or refused with its row and column and the alternative. One hand-made table of the nasty strings,
and property tests (hypothesis, derandomized, a few dozen examples each) over the URL state, the
search, the export writers, the Markdown helper and the import parsers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import string
import tempfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import write_db
from dashboard.importing import MAX_NAME_BYTES, UploadFolder
from dashboard.safe import ISOLATE, POP_ISOLATE, WORD_JOINER, code, plain, seen
from dashboard.urlstate import (
    ALL_KEYS,
    EARLIEST_AS_OF,
    LATEST_AS_OF,
    MAX_VALUE_LENGTH,
    SCOPE_KEYS,
    THRESHOLD_KEYS,
    parse_query,
)
from segmentation import schema
from segmentation.analysis import Analysis
from segmentation.customers import ContactError, CustomerFilters, customer_list, customer_record, log_contact
from segmentation.errors import ThresholdError
from segmentation.export import XLSX_MAX_TEXT
from segmentation.filters import FilterError, filters_sql
from segmentation.importer import import_files
from segmentation.presets import list_presets, save_preset
from segmentation.text_checks import shortened, visible
from segmentation.texts import text
from segmentation.thresholds import DEFAULT_THRESHOLDS, Thresholds
from segmentation.values import parse_amounts, parse_dates, parse_timestamps

FAST = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
AS_OF = dt.date(2026, 11, 20)

LONG = "長" * 50_000 + "x" * 50_000  # 100,000 characters
#: The hand-made table: every kind of hostile value the issue names, and a few more.
NASTY = {
    "double_quote": 'say "hi"',
    "single_quote": "O'Brien",
    "sql_or": "' OR 1=1 --",
    "sql_drop": "x'); DROP TABLE customers; --",
    "script": "<script>alert(1)</script>",
    "img_onerror": '<img src=x onerror="alert(1)">',
    "hyperlink": '=HYPERLINK("http://evil.example","click")',
    "plus_formula": "+1+1",
    "at_formula": "@SUM(A1)",
    "minus_formula": "-2+3",
    "tab_equals": "\t=1+1",
    "cr_equals": "\r=1+1",
    "long_100000": LONG,
    "nul": "a\x00b",
    "controls": "c\x01\x08\x0b\x0c\x1b[31m\x1f\x7f\x85",
    "emoji": "😀👍🏽👨‍👩‍👧 🍣",
    "rtl_arabic": "مرحبا بالعالم",
    "rtl_hebrew": "שלום עולם",
    "rtl_override": "\u202eevil.exe\u202c",
    "markdown": "**bold** _it_ [a](javascript:alert(1)) ![](http://x.invalid/i.png)",
    "markdown_more": "# h\n- item\n> quote\n`code` $x^2$ :red[x] :smile: www.x.jp a@b.jp <https://y.jp>",
    "like_wildcards": "50%_off",
    "backslash": "C:\\temp\\x\\",
    "xlsx_escape": "_x0041_ _x005F_",
    "final_sigma": "ΟΔΟΣ",
    "dotted_i": "İstanbul",
    "newline": "line 1\nline 2",
}
SHORT_NASTY = [value for value in NASTY.values() if len(value) <= 200]
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

#: Text as a strategy: the nasty values, their pieces joined, and any text without broken characters.
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
hostile_text = st.one_of(
    st.sampled_from(list(NASTY.values())),
    st.lists(st.sampled_from([*SHORT_NASTY, "'", '"', "\\", "\x00", "`", ":", "@", "--", "\n"]),
             max_size=4).map("".join),
    any_text,
)
short_hostile_text = st.one_of(st.sampled_from(SHORT_NASTY), any_text)


_DUCKDB = duckdb.connect()  # in memory, for the reference answers below


def duckdb_trimmed(value: str) -> str | None:
    """What the import keeps of a cell: DuckDB's trim, and nothing for an empty cell."""
    return _DUCKDB.cursor().execute("SELECT nullif(trim($v), '')", {"v": value}).fetchall()[0][0]


# ---------------------------------------------------------------------------------------------
# The URL state: hostile values are ignored with a reason, never raised


@FAST
@given(st.dictionaries(st.sampled_from([*ALL_KEYS, "id", "zz"]), st.lists(hostile_text, max_size=3), max_size=6),
       st.booleans())
@example({"m": ["1e27"], "axis": ["amount"], "f": ["9" * 5000], "asof": ["0001-01-01"], "st": [LONG]}, True)
def test_parse_query_never_raises_and_returns_only_valid_values(params, with_options):
    options = {"channel": ["DM", NASTY["sql_or"]], "staff": ["鈴木"], "region": [], "category": []}

    values, problems = parse_query(params, options if with_options else None)

    thresholds = {field: values[field] for field in THRESHOLD_KEYS.values() if field in values}
    Thresholds(**{"value_axis": "orders", "min_amount": 1, **thresholds})  # every threshold valid together
    for kind in SCOPE_KEYS.values():
        for value in values.get(kind, []):
            assert isinstance(value, str) and value.strip() and len(value) <= MAX_VALUE_LENGTH
            assert not with_options or not options[kind] or value in options[kind]
    assert EARLIEST_AS_OF <= values.get("as_of", AS_OF) <= LATEST_AS_OF
    assert values.get("lang", "ja") in ("ja", "en")
    for key, value, reason in problems:
        assert key in params and isinstance(reason, str) and reason
        assert len(value) <= 80 and not CONTROL.search(value)  # shortened, its control characters visible
    named = {key for key, _, _ in problems}
    fields = {**THRESHOLD_KEYS, **SCOPE_KEYS, "asof": "as_of", "lang": "lang"}
    for key, given_values in params.items():
        if key in fields and any(isinstance(v, str) and v.strip() for v in given_values):
            assert fields[key] in values or key in named, key  # nothing dropped without a reason


@pytest.mark.parametrize("name", list(NASTY))
def test_each_nasty_value_in_each_url_key_is_used_only_when_valid_or_named(name):
    for key in ALL_KEYS:
        values, problems = parse_query({key: [NASTY[name]]}, {"channel": ["DM"], "region": ["関東"]})
        kind = SCOPE_KEYS.get(key)
        if kind in ("staff", "category") and len(NASTY[name]) <= MAX_VALUE_LENGTH and NASTY[name].strip():
            assert values == {kind: [NASTY[name]]}  # no options known for it: kept, matched as a parameter
        else:
            assert values == {} and [problem[0] for problem in problems] == [key], (key, problems)


def test_a_url_value_of_100000_characters_is_ignored_with_its_start_and_length_named():
    _, problems = parse_query({"ch": [LONG], "f": [LONG]})

    assert [(key, reason) for key, _, reason in problems] == [("f", "longer than 200 characters."),
                                                             ("ch", "longer than 200 characters.")]
    assert problems[0][1] == "長" * 40 + "… (100,000 characters)"


def test_an_amount_beyond_what_a_decimal_holds_is_a_problem_not_an_exception():
    values, problems = parse_query({"axis": ["amount"], "m": ["1e27"]})

    assert values == {} and [key for key, _, _ in problems] == ["m", "axis"]


def test_a_scope_value_no_customer_has_and_a_date_out_of_range_are_ignored_with_reasons():
    values, problems = parse_query({"ch": ["DM", "<script>"], "asof": ["0001-01-01"]}, {"channel": ["DM"]})

    assert values == {"channel": ["DM"]}
    assert problems == [("ch", "<script>", "no customer has this channel."),
                        ("asof", "0001-01-01", "not a date between 1900-01-01 and 2999-12-31.")]


# ---------------------------------------------------------------------------------------------
# The search: a parameter, matched literally


def searched(rows: list[tuple], searches: list[str]) -> list[list[str]]:
    """For each search, the ids the customer-list search keeps of `rows` (customer_id, name, company, email)."""
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (customer_id VARCHAR, name VARCHAR, company VARCHAR, email VARCHAR)")
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
        found = []
        for search in searches:
            predicate, params = filters_sql(CustomerFilters(search=search), prefix="h_")
            found.append([row[0] for row in con.execute(
                f"SELECT customer_id FROM t WHERE {predicate} ORDER BY customer_id", params).fetchall()])
        assert con.execute("SELECT count(*) FROM t").fetchall() == [(len(rows),)]  # no SQL of the text ran
    return found


searchable = short_hostile_text.filter(lambda value: value.strip() and len(value) <= 200)


@FAST
@given(st.lists(searchable, min_size=1, max_size=6, unique=True))
@example([NASTY["sql_or"], "ordinary", NASTY["like_wildcards"], "50 off", NASTY["final_sigma"], NASTY["dotted_i"]])
def test_a_search_finds_a_customer_by_its_exact_name_and_matches_literally(names):
    rows = [(f"C{n:03d}", name, None, None) for n, name in enumerate(names)]

    for n, (name, found) in enumerate(zip(names, searched(rows, names))):
        assert f"C{n:03d}" in found, (name, found)
        if all(value.isascii() for value in names):  # ASCII: lower() is one rule everywhere
            needle = name.strip().lower()
            assert found == [f"C{m:03d}" for m, other in enumerate(names) if needle in other.lower()]


def test_a_search_longer_than_the_box_takes_is_refused_with_the_text_named_briefly():
    with pytest.raises(FilterError) as refused:
        CustomerFilters(search=LONG)

    assert "長" * 40 + "… (100,000 characters)" in str(refused.value) and len(str(refused.value)) < 200


@pytest.fixture(scope="module")
def nasty_db(tmp_path_factory) -> Path:
    """A customer (with one order) named and placed in a company by each nasty value, plus one plain one."""
    names = {"plain": "山田 太郎", **NASTY}
    path = write_db(tmp_path_factory.mktemp("nasty") / "nasty.duckdb",
                    customers=[(f"N{n:02d}", "2024-01-01") for n in range(len(names))],
                    orders=[(f"o{n}", f"N{n:02d}", "2024-06-01", 1000 + n) for n in range(len(names))])
    with schema.writing(path) as con:
        for n, value in enumerate(names.values()):
            con.execute("UPDATE customers SET name = $v, company = $v, email = $e, channel = 'DM' "
                        "WHERE customer_id = $id", {"v": value, "e": f"c{n}@example.jp", "id": f"N{n:02d}"})
    return path


NAME_IDS = {name: f"N{n:02d}" for n, name in enumerate(["plain", *NASTY])}


def test_each_nasty_name_is_found_by_its_exact_search_and_nobody_else_and_no_table_changes(nasty_db):
    analysis = Analysis.open(nasty_db)
    try:
        everyone = customer_list(analysis, DEFAULT_THRESHOLDS, AS_OF, None, CustomerFilters(), "customer_id", None)[1]
        for name, value in NASTY.items():
            needle = value[:200].strip().lower()
            expected = sorted(NAME_IDS[other] for other, text_ in NASTY.items() if needle in text_.lower())
            found = customer_list(analysis, DEFAULT_THRESHOLDS, AS_OF, None, CustomerFilters(search=value[:200]),
                                  "customer_id", None)[1]
            assert sorted(found["customer_id"]) == expected, name
            assert list(found.loc[found["customer_id"] == NAME_IDS[name], "name"]) == [value]  # shown exactly
    finally:
        analysis.close()
    with schema.reading(nasty_db) as con:
        assert con.execute("SELECT count(*) FROM customers").fetchall() == [(len(everyone),)]


# ---------------------------------------------------------------------------------------------
# The Markdown helper: the text, and nothing for Markdown or Streamlit to act on


def reader_sees(value: str, one_line: bool = False) -> str:
    return "".join(char if char == "\n" and not one_line else visible(char) for char in value)


def assert_nothing_left_for_markdown(marked: str) -> None:
    assert marked == "" or (marked.startswith(ISOLATE) and marked.endswith(POP_ISOLATE))
    position = 0
    while position < len(marked):
        char = marked[position]
        if char == "\\":
            assert marked[position + 1] in string.punctuation or marked[position + 1] == "\n"
            position += 2
            continue
        assert char not in string.punctuation, (char, marked)  # every special character escaped
        assert char == "\n" or not CONTROL.search(char)
        position += 1
    assert not re.search(r"\\[:@](?!\u2060)", marked)  # :emoji:, :material/..:, http://, a@b broken
    assert not re.search(r"www\\\.", marked, re.IGNORECASE)  # www.x.jp is no link
    assert not re.search(r"\\[-<>=~]\\[-<>=~]", marked)  # no -> or -- becomes an arrow or a dash
    assert all(line.endswith("\\") for line in marked.split("\n")[:-1])  # every line break a hard break


@FAST
@given(hostile_text)
@example(NASTY["markdown"])
@example(NASTY["markdown_more"])
def test_plain_shows_the_text_exactly_and_leaves_nothing_to_format(value):
    for one_line in (False, True):
        marked = plain(value, one_line=one_line)
        assert seen(marked) == reader_sees(value, one_line)
        assert_nothing_left_for_markdown(marked)
    assert plain(None) == "" and plain("") == ""


@FAST
@given(short_hostile_text)
@example("a `` b")
@example("`x`")
@example(":material/home: ")
@example("a\\*b `")
def test_code_shows_a_command_exactly_whatever_backticks_it_holds(value):
    span = code(value)
    fence = re.match("`+", span).group()
    inside = span[len(fence):-len(fence)]
    assert span.endswith(fence) and fence not in inside.replace("\n", " ")
    shown = inside[1:-1] if inside.startswith(" ") and inside.endswith(" ") and inside.strip(" ") else inside
    assert shown.replace(WORD_JOINER, "") == "".join(" " if char == "\n" else visible(char) for char in value)


# ---------------------------------------------------------------------------------------------
# The import: a hostile cell is kept as text or its row named; a hostile file name is kept or refused


@FAST
@given(st.lists(st.one_of(st.none(), hostile_text), max_size=8))
def test_the_import_parsers_read_or_mark_every_hostile_cell_and_never_raise(values):
    series = pd.Series(values, dtype=object)
    for parse in (parse_dates, parse_amounts, parse_timestamps):
        parsed, bad = parse(series)
        for value, result, is_bad in zip(values, parsed, bad):
            if value is None or not str(value).strip():
                assert not is_bad and (result is None or pd.isna(result))
            else:
                assert bool(is_bad) == (result is None or pd.isna(result)), (parse.__name__, value, result)


def customers_csv(path: Path, names: list[str]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["customer_id", "name", "company"])
    writer.writerows([f"C{n}", name, name] for n, name in enumerate(names))
    path.write_bytes(out.getvalue().encode("utf-8"))


def stored_names(db: Path) -> dict[str, tuple]:
    with schema.reading(db) as con:
        return {row[0]: row[1:] for row in con.execute("SELECT customer_id, name, company FROM customers").fetchall()}


@settings(FEW, max_examples=6)
@given(st.lists(hostile_text, min_size=1, max_size=5))
@example(list(NASTY.values()))
def test_hostile_cells_of_a_csv_are_stored_as_text_trimmed_only_of_surrounding_spaces(names):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers.csv"
        customers_csv(path, names)

        import_files(Path(folder) / "shop.duckdb", customers=path)

        assert stored_names(Path(folder) / "shop.duckdb") == {
            f"C{n}": (duckdb_trimmed(name),) * 2 for n, name in enumerate(names)}


def test_hostile_cells_and_name_of_an_excel_file_are_stored_and_reported_exactly(tmp_path):
    names = list(NASTY.values())
    path = tmp_path / "**x** <script> ' OR 1=1 --.xlsx"
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["customer_id", "name", "company"])
    for n, name in enumerate(names):
        sheet.write_row(n + 1, 0, [f"C{n}", name[:XLSX_MAX_TEXT], name[:XLSX_MAX_TEXT]])  # what a cell holds
    book.close()

    report = import_files(tmp_path / "shop.duckdb", customers=path)

    assert stored_names(tmp_path / "shop.duckdb") == {
        f"C{n}": (duckdb_trimmed(name[:XLSX_MAX_TEXT]),) * 2 for n, name in enumerate(names)}
    assert any(path.name in line for line in report.lines("en"))


class Upload:
    """What Streamlit's file uploader hands the page: a name, an id and the bytes."""

    def __init__(self, name: str, content: bytes = b"customer_id\nC1\n"):
        self.name, self.file_id, self.content = name, f"id-{name[:20]}-{len(name)}", content

    def getbuffer(self) -> bytes:
        return self.content


def test_an_uploaded_file_keeps_its_hostile_name_or_is_refused_with_the_name_and_the_reason():
    folder = UploadFolder()
    kept_names = ["**x** <script>' OR 1=1 --.csv", "😀 مرحبا\u202e.csv", "a\nb\tc.csv", "顧客" * 41 + ".csv"]
    too_long = "顧客" * 43 + ".csv"  # 262 bytes: a Windows name a Linux folder cannot hold

    kept = folder.save("orders", [Upload(name) for name in [*kept_names, too_long, "nul\x00.csv"]])

    assert [path.name for path in kept] == kept_names and all(path.read_bytes() for path in kept)
    assert folder.refusals("orders", "en") == [
        text("data_upload_bad_name", "en", name="顧客" * 20 + "… (90 characters)",
             reason=text("data_upload_name_long", "en", n=len(too_long.encode()), limit=MAX_NAME_BYTES)),
        text("data_upload_bad_name", "en", name="nul␀.csv",
             reason=text("data_upload_name_control", "en", char="U+0000 (␀)")),
    ]


# ---------------------------------------------------------------------------------------------
# Names and notes: stored exactly, or refused with the value named


def test_each_preset_name_is_saved_and_listed_exactly_or_refused_naming_it(make_db):
    db = make_db(customers=[("C1", "2024-01-01")])
    saved = set()
    for name, value in NASTY.items():
        trimmed = value.strip()
        if len(trimmed) > 60 or CONTROL.search(trimmed):
            with pytest.raises(ThresholdError) as refused:
                save_preset(db, value, DEFAULT_THRESHOLDS)
            message = str(refused.value)
            assert len(message) < 250 and not CONTROL.search(message), name
            assert shortened(trimmed)[:10] in message, name  # the name quoted, briefly, its controls visible
        else:
            save_preset(db, value, DEFAULT_THRESHOLDS)
            saved.add(trimmed)
    assert set(list_presets(db)) == saved and len(saved) > 10


def test_each_contact_note_is_stored_exactly_or_refused_naming_the_character(make_db):
    db = make_db(customers=[("C1", "2024-01-01")])
    now, stored = dt.datetime(2026, 11, 20, 12, 0), []
    for name, note in NASTY.items():
        control = CONTROL.search(note.strip().replace("\t", "").replace("\n", "").replace("\r", ""))
        if len(note.strip()) > 2000 or control:
            with pytest.raises(ContactError) as refused:
                log_contact(db, "C1", dt.date(2026, 11, 19), "call", "鈴木", note, now=now)
            expected = "contact_error_note_long" if len(note.strip()) > 2000 else "contact_error_control_note"
            assert refused.value.key == expected, name
            if control:
                assert f"U+{ord(control.group()):04X}" in refused.value.message("ja"), name
        else:
            log_contact(db, "C1", dt.date(2026, 11, 19), "call", "鈴木", note, now=now)
            stored.append(note.strip())
    assert sorted(customer_record(db, "C1").contacts["note"]) == sorted(stored)
    with pytest.raises(ContactError) as refused:
        log_contact(db, "C1", dt.date(2026, 11, 19), "call", "鈴\x00木", "note", now=now)
    assert refused.value.key == "contact_error_control_staff"
