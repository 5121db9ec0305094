"""The command line: every subcommand with good and bad input, run as `python -m segmentation` (the
`segmentation` console script runs the same `main`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from segmentation import cli, cli_output, schema
from segmentation.engine import FREQS, Analysis, classify, scope_options, tier_counts_over_time
from segmentation.export import ENCODINGS, FORMATS, display_width
from segmentation.filters import READY_VIEWS, SORTS
from segmentation.thresholds import VALUE_AXES, Thresholds
from segmentation.tiers import CYCLE_STATUSES, MOVEMENTS, TIER_CODES

ROOT = Path(__file__).resolve().parent.parent
END = dt.date(2026, 11, 20)


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "segmentation", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.duckdb"
    result = run_cli("sample", "--db", str(path), "--customers", "400", "--seed", "3", "--end", END.isoformat())
    assert result.returncode == 0, result.stderr
    return path


def test_sample_builds_the_requested_number_of_customers(demo_db):
    with schema.reading(demo_db) as con:
        assert con.execute("SELECT count(*) FROM customers").fetchall()[0][0] == 400
        assert con.execute("SELECT max(order_date) FROM orders").fetchall()[0][0] <= END


def test_sample_refuses_a_size_below_100(tmp_path):
    result = run_cli("sample", "--db", str(tmp_path / "x.duckdb"), "--customers", "5")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "100" in result.stderr


def test_classify_writes_one_row_per_customer_with_the_contract_columns(demo_db, tmp_path):
    out = tmp_path / "tiers.csv"
    result = run_cli("classify", "--db", str(demo_db), "--min-orders", "4", "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = read_csv(out)
    expected = classify(Analysis.open(demo_db), Thresholds(min_orders=4))
    assert len(rows) == len(expected)
    assert list(rows[0]) == ["customer_id", "tier", "lapsed", "orders", "amount", "first_order_date",
                             "last_order_date", "tenure_days", "recency_days", "interval_days",
                             "expected_next_order_date", "cycle_status", "campaign_share"]
    assert {row["lapsed"] for row in rows if row["tier"] == "prospect"} == {""}
    assert {row["lapsed"] for row in rows if row["tier"] != "prospect"} <= {"true", "false"}
    by_id = {row["customer_id"]: row for row in rows}
    for record in expected.head(50).itertuples():
        assert by_id[record.customer_id]["tier"] == record.tier


def test_classify_keeps_leading_zeros_of_customer_ids(demo_db, tmp_path):
    out = tmp_path / "tiers.csv"
    run_cli("classify", "--db", str(demo_db), "--out", str(out))
    ids = [row["customer_id"] for row in read_csv(out)]
    assert all(len(customer_id) == 7 and customer_id.isdigit() for customer_id in ids)
    assert ids[0].startswith("0")


def test_classify_as_of_an_earlier_date_drops_customers_that_did_not_exist(demo_db, tmp_path):
    early, late = tmp_path / "early.csv", tmp_path / "late.csv"
    run_cli("classify", "--db", str(demo_db), "--as-of", "2024-06-30", "--out", str(early))
    run_cli("classify", "--db", str(demo_db), "--out", str(late))
    assert len(read_csv(early)) < len(read_csv(late))


def test_classify_on_the_amount_axis_without_min_amount_uses_the_suggestion(demo_db, tmp_path):
    out = tmp_path / "tiers.csv"
    result = run_cli("classify", "--db", str(demo_db), "--value-axis", "amount", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "--min-amount" in result.stderr
    assert read_csv(out)


def test_trend_writes_the_counts_of_the_engine(demo_db, tmp_path):
    out = tmp_path / "trend.csv"
    result = run_cli("trend", "--db", str(demo_db), "--freq", "quarter", "--lapse-days", "120",
                     "--start", "2025-01-01", "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = read_csv(out)
    assert list(rows[0]) == ["period_end", "tier", "lapsed", "customers"]
    expected = tier_counts_over_time(Analysis.open(demo_db), Thresholds(lapse_days=120), freq="quarter",
                                     start="2025-01-01")
    # Compared by key (period, tier, status): the engine's own row order is not part of its contract.
    expected_counts = {(end.isoformat(), tier, cli_output.bool_text(lapsed)): int(customers)
                       for end, tier, lapsed, customers in expected.itertuples(index=False)}
    assert len(rows) == len(expected_counts)
    assert {(row["period_end"], row["tier"], row["lapsed"]): int(row["customers"]) for row in rows} == expected_counts
    assert rows[0]["period_end"] == "2025-03-31"


@pytest.mark.parametrize("freq", ["week", "month"])
def test_trend_accepts_each_period_length(demo_db, tmp_path, freq):
    out = tmp_path / "trend.csv"
    result = run_cli("trend", "--db", str(demo_db), "--freq", freq, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert len(read_csv(out)) % 11 == 0


def test_transitions_start_from_new_for_customers_created_later(demo_db, tmp_path):
    out = tmp_path / "moves.csv"
    result = run_cli("transitions", "--db", str(demo_db), "--from", "2024-01-01", "--to", "2026-11-20",
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = read_csv(out)
    assert "new" in {row["from_tier"] for row in rows}
    with schema.reading(demo_db) as con:
        customers = con.execute("SELECT count(*) FROM customers").fetchall()[0][0]
    assert sum(int(row["customers"]) for row in rows) == customers


def test_movements_channels_suggest_and_summary_run(demo_db, tmp_path):
    assert run_cli("movements", "--db", str(demo_db), "--freq", "month", "--out", str(tmp_path / "m.csv")).returncode == 0
    assert read_csv(tmp_path / "m.csv")
    assert run_cli("channels", "--db", str(demo_db), "--out", str(tmp_path / "c.csv")).returncode == 0
    assert {row["channel"] for row in read_csv(tmp_path / "c.csv")} >= {"紹介", "Web広告"}
    suggest = run_cli("suggest", "--db", str(demo_db), "--lang", "ja")
    assert suggest.returncode == 0 and "min_orders = " in suggest.stdout and "リピート客" in suggest.stdout
    summary = run_cli("summary", "--db", str(demo_db), "--lang", "ja")
    assert summary.returncode == 0 and "優良客" in summary.stdout


def test_import_then_classify_a_plain_csv(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("customer_id,order_date,amount\n00042,2025-01-10,1000\n00042,2025-03-01,500\n"
                      "007,2025-02-01,800\n", encoding="utf-8")
    db = tmp_path / "shop.duckdb"
    result = run_cli("import", "--db", str(db), "--orders", str(orders))
    assert result.returncode == 0, result.stderr
    again = run_cli("import", "--db", str(db), "--orders", str(orders))
    assert again.returncode == 0
    out = tmp_path / "tiers.csv"
    run_cli("classify", "--db", str(db), "--out", str(out))
    rows = {row["customer_id"]: row for row in read_csv(out)}
    assert rows["00042"]["tier"] == "nascent" and rows["00042"]["orders"] == "2"
    assert rows["007"]["tier"] == "first"


def test_import_of_a_bad_value_names_line_column_and_value_and_changes_nothing(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("customer_id,order_date,amount\n1,2025-01-10,1000\n2,2025-01-11,12x\n", encoding="utf-8")
    db = tmp_path / "shop.duckdb"
    result = run_cli("import", "--db", str(db), "--orders", str(orders))
    assert result.returncode == 1  # refused: the report is printed, nothing is written
    assert "Traceback" not in result.stderr
    assert "line 3" in result.stderr and "amount" in result.stderr and "12x" in result.stderr
    assert "Nothing was imported" in result.stderr
    assert not db.exists()


@pytest.mark.parametrize(
    "args, words",
    [
        (["classify", "--min-orders", "1"], "--min-orders"),
        (["classify", "--lapse-days", "-3"], "--lapse-days"),
        (["classify", "--as-of", "2025-02-30"], "--as-of"),
        (["trend", "--freq", "month", "--start", "2026-01-01", "--end", "2025-01-01"], "after"),
        (["transitions", "--from", "2026-01-01", "--to", "2025-01-01"], "after"),
    ],
)
def test_bad_arguments_give_one_sentence_and_status_2(demo_db, tmp_path, args, words):
    result = run_cli(*args, "--db", str(demo_db), "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_missing_database_is_a_clear_error(tmp_path):
    result = run_cli("classify", "--db", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 2
    assert "No database" in result.stderr


def test_an_unwritable_output_is_a_clear_error(demo_db, tmp_path):
    result = run_cli("classify", "--db", str(demo_db), "--out", str(tmp_path / "no" / "such" / "dir.csv"))
    assert result.returncode == 2
    assert "Cannot write" in result.stderr


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = cli.build_parser()
    sub = next(action for action in parser._actions if action.dest == "command")
    assert set(sub.choices) == set(cli.COMMANDS)
    for name, command_parser in sub.choices.items():
        help_text = command_parser.format_help()
        assert "example: segmentation " + name in help_text
        assert f"`{name}`" in readme, f"{name} is missing from the README"
        # The README prints every command's example as it runs from a clone (tests/test_readme.py runs it).
        assert ".venv/bin/" + cli.EXAMPLES[name] in readme, f"the example of {name} is missing from the README"


def test_the_cli_writes_to_stdout_with_a_dash(demo_db):
    result = run_cli("trend", "--db", str(demo_db), "--freq", "quarter", "--out", "-")
    assert result.returncode == 0
    assert next(csv.reader(io.StringIO(result.stdout))) == ["period_end", "tier", "lapsed", "customers"]


# ---------------------------------------------------------------------------------------------
# One sentence per failure, one line per success, and outputs a script can rely on


@pytest.mark.parametrize(
    "args, words",
    [
        (["export", "--out", "x.csv"], "the following arguments are required: --format"),
        (["trend", "--freq", "year", "--out", "x.csv"], "invalid choice: 'year'"),
        (["classify", "--min-orders", "many", "--out", "x.csv"], "--min-orders"),
        (["trend", "--freq", "month", "--start", "soon", "--out", "x.csv"], "--start must be a date"),
        (["transitions", "--from", "2025-01-01", "--to", "later", "--out", "x.csv"], "--to must be a date"),
        (["classify", "--value-axis", "amount", "--min-amount", "-5", "--out", "x.csv"], "--min-amount must be"),
        (["classify", "--overdue-factor", "0.5", "--out", "x.csv"], "--overdue-factor must be"),
        (["nope"], "invalid choice: 'nope'"),
        ([], "required: COMMAND"),
    ],
)
def test_every_failure_is_one_line_without_a_usage_block(demo_db, tmp_path, args, words):
    db = ["--db", str(demo_db)] if args and args[0] != "nope" else []
    result = run_cli(*args, *db, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert "usage:" not in result.stderr
    assert words in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_main_returns_an_exit_status_instead_of_exiting(capsys):
    assert cli.main(["export", "--db", "x.duckdb"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert cli.main(["--help"]) == 0


def test_threshold_errors_name_the_flags_as_typed():
    assert cli.with_flag_names("min_amount is needed when value_axis is 'amount'.") == \
        "--min-amount is needed when --value-axis is 'amount'."
    assert cli.with_flag_names("min_amount_cents and min_orders_x stay") == "min_amount_cents and min_orders_x stay"


@pytest.mark.parametrize(
    "args, rows",
    [
        (["classify"], 400),
        (["trend", "--freq", "quarter", "--start", "2025-01-01"], None),
        (["movements", "--freq", "quarter"], None),
        (["transitions", "--from", "2025-01-01", "--to", "2026-01-01"], None),
        (["channels"], None),
    ],
)
def test_every_writing_command_says_what_it_wrote(demo_db, tmp_path, args, rows):
    out = tmp_path / "out.csv"
    result = run_cli(*args, "--db", str(demo_db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    written = len(read_csv(out))
    assert rows is None or written == rows
    assert result.stderr == f"Wrote {written:,} rows to {out}.\n"
    assert result.stdout == ""


def test_messages_follow_the_system_language_and_the_lang_flag(demo_db, tmp_path):
    out = tmp_path / "tiers.csv"
    japanese = subprocess.run([sys.executable, "-m", "segmentation", "classify", "--db", str(demo_db),
                               "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LANG": "ja_JP.UTF-8"})
    assert japanese.returncode == 0, japanese.stderr
    assert japanese.stderr == f"{out} に400行を書き出しました。\n"
    english = run_cli("classify", "--db", str(demo_db), "--out", str(out), "--lang", "en")
    assert english.stderr == f"Wrote 400 rows to {out}.\n"
    assert cli.system_language({"LANG": "ja_JP.UTF-8"}) == "ja"
    assert cli.system_language({"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}) == "en"
    assert cli.system_language({"LC_MESSAGES": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}) == "ja"
    assert cli.system_language({}) == "en"


def test_sample_and_import_say_what_they_wrote_on_stderr(tmp_path):
    db = tmp_path / "small.duckdb"
    result = run_cli("sample", "--db", str(db), "--customers", "100", "--seed", "1", "--end", END.isoformat())
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr.startswith(f"Created {db}: 100 customers")
    orders = tmp_path / "orders.csv"
    orders.write_text("customer_id,order_date,amount\n1,2025-01-10,1000\n", encoding="utf-8")
    shop = tmp_path / "shop.duckdb"
    result = run_cli("import", "--db", str(shop), "--orders", str(orders), "--lang", "ja")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "注文: 追加 1件、取り込み済み 0件\n" in result.stderr
    assert result.stderr.endswith(f"{shop} に取り込みました。\n")
    again = run_cli("import", "--db", str(shop), "--orders", str(orders), "--lang", "en")
    assert "Orders: 0 to add, 1 already present\n" in again.stderr
    assert again.stderr.endswith(f"Imported into {shop}.\n")


def test_csv_numbers_are_rounded(demo_db, tmp_path):
    run_cli("channels", "--db", str(demo_db), "--out", str(tmp_path / "c.csv"))
    run_cli("classify", "--db", str(demo_db), "--out", str(tmp_path / "t.csv"))
    channels, tiers = read_csv(tmp_path / "c.csv"), read_csv(tmp_path / "t.csv")
    for row in channels:
        for column in ("amount", "amount_per_customer"):
            assert re.fullmatch(r"-?\d+(\.\d{1,2})?", row[column]), row
        for column in ("second_order_share", "loyal_share"):
            assert re.fullmatch(r"0|1|0\.\d{1,4}", row[column]), row
    assert any("." in row["amount_per_customer"] for row in channels)
    for row in tiers:
        assert re.fullmatch(r"-?\d+(\.\d{1,2})?", row["amount"]), row
        assert re.fullmatch(r"(\d+(\.\d)?)?", row["interval_days"]), row
        assert re.fullmatch(r"(0|1|0\.\d{1,4})?", row["campaign_share"]), row
    assert [cli_output.rounded(v, 2) for v in (12800.0, 12800.5, 12800.004, -0.001, None, float("nan"))] == \
        ["12800", "12800.5", "12800", "0", "", ""]
    assert cli_output.rounded(0.5022253872173759, 4) == "0.5022"


def _is_sorted(rows: list[dict[str, str]], keys: tuple[str, ...]) -> bool:
    tiers = ["new", *TIER_CODES]
    statuses = ["", "false", "true"]

    def key(row):
        return tuple(tiers.index(row[k]) if k.endswith("tier") and row[k] else -1 if k.endswith("tier")
                     else statuses.index(row[k]) if k.endswith("lapsed")
                     else MOVEMENTS.index(row[k]) if k == "movement" else row[k] for k in keys)

    return [key(row) for row in rows] == sorted(key(row) for row in rows) and \
        len({key(row) for row in rows}) == len(rows)


def test_every_output_has_a_total_repeatable_order(demo_db, tmp_path):
    def written(*args: str) -> list[dict[str, str]]:
        out = tmp_path / "out.csv"
        assert run_cli(*args, "--db", str(demo_db), "--out", str(out)).returncode == 0
        return read_csv(out)

    trend = written("trend", "--freq", "month")
    assert _is_sorted(trend, ("period_end", "tier", "lapsed"))
    assert [row["lapsed"] for row in trend[:3]] == ["", "false", "true"]
    assert _is_sorted(written("movements", "--freq", "month"),
                      ("period_end", "movement", "from_tier", "from_lapsed", "to_tier", "to_lapsed"))
    assert _is_sorted(written("transitions", "--from", "2024-01-01", "--to", "2026-11-20"),
                      ("from_tier", "from_lapsed", "to_tier", "to_lapsed"))
    channels = written("channels")
    acquired = [int(row["acquired"]) for row in channels]
    assert acquired == sorted(acquired, reverse=True)
    ids = [row["customer_id"] for row in written("classify")]
    assert ids == sorted(ids)


def test_summary_counts_the_scope_aligns_japanese_and_warns_of_unknown_values(demo_db):
    analysis = Analysis.open(demo_db)
    region = scope_options(analysis)["region"][0]
    result = run_cli("summary", "--db", str(demo_db), "--lang", "ja",
                     "--region", region, "--region", "どこにもない")
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    counts = [int(line.split()[-2].replace(",", "")) for line in lines]
    assert 0 < sum(counts) < 400
    assert header.endswith(f"{sum(counts):,}人") and region in header
    assert len(lines) == 11 and "優良客 現役" in result.stdout
    assert len({display_width(line) for line in lines}) == 1, lines
    assert result.stderr == "警告: --region どこにもない に当てはまる顧客はいません。\n"
    english = run_cli("summary", "--db", str(demo_db))
    assert english.stdout.startswith(f"400 customers as of {analysis.default_as_of()} (all customers)\n")
    assert english.stderr == ""


def test_every_choice_comes_from_the_package():
    parser = cli.build_parser()
    sub = next(action for action in parser._actions if action.dest == "command")

    def choices(command: str, dest: str):
        return tuple(next(a for a in sub.choices[command]._actions if a.dest == dest).choices)

    assert choices("trend", "freq") == FREQS
    assert choices("export", "view") == tuple(READY_VIEWS)
    assert choices("export", "tier") == TIER_CODES
    assert choices("export", "cycle") == CYCLE_STATUSES
    assert choices("export", "sort") == tuple(SORTS)
    assert choices("export", "format") == FORMATS and choices("export", "encoding") == ENCODINGS
    assert choices("classify", "value_axis") == VALUE_AXES
    for module in Path(cli.__file__).parent.glob("cli*.py"):
        assert "10000" not in module.read_text(encoding="utf-8"), module.name


def test_the_console_script_is_declared():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'segmentation = "segmentation.cli:main"' in pyproject
    assert 'packages = ["segmentation"]' in pyproject
