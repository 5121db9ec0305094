"""The command line: every subcommand with good and bad input, run as `python -m segmentation`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest

from segmentation import cli, schema
from segmentation.engine import Analysis, classify, tier_counts_over_time
from segmentation.thresholds import Thresholds

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
    assert [int(row["customers"]) for row in rows] == expected["customers"].tolist()
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
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "line 3" in result.stderr and "amount" in result.stderr and "12x" in result.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["classify", "--min-orders", "1"], "min_orders"),
        (["classify", "--lapse-days", "-3"], "lapse_days"),
        (["classify", "--as-of", "2025-02-30"], "as_of"),
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
        assert "example: python -m segmentation " + name in help_text
        assert f"`{name}`" in readme, f"{name} is missing from the README"


def test_the_cli_writes_to_stdout_with_a_dash(demo_db):
    result = run_cli("trend", "--db", str(demo_db), "--freq", "quarter", "--out", "-")
    assert result.returncode == 0
    assert next(csv.reader(io.StringIO(result.stdout))) == ["period_end", "tier", "lapsed", "customers"]
