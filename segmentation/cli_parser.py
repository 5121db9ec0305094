"""The `segmentation` command's parser: its flags, their choices from the package, and the
example every command's help ends with. Errors are one line (`Parser`); `cli.py` runs the
commands.
"""

from __future__ import annotations

import argparse
import os
from decimal import Decimal
from typing import Any, Mapping

from .access import ROLES
from .engine import FREQS
from .platforms import GENERIC, NAMES as _PLATFORM_NAMES
from .export import CP932_ERRORS, ENCODINGS, FORMATS
from .filters import READY_VIEWS, SORTS
from .texts import LANGS
from .thresholds import DEFAULT_MIN_AMOUNT, DEFAULT_THRESHOLDS, VALUE_AXES
from .tiers import CYCLE_STATUSES, STATUSES, TIER_CODES

PROG = "segmentation"


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (`error: ...`, exit status 2), no usage block.

    Sub-parsers are made of the same class (argparse uses the parent's class by default).
    """

    def error(self, message: str):  # noqa: D401 - argparse's name
        sentence = message.rstrip(".")
        self.exit(2, f"error: {sentence} (see {self.prog} --help).\n")


def system_language(environ: Mapping[str, str] = os.environ) -> str:
    """`ja` when the locale environment says Japanese, else `en` (LC_ALL, LC_MESSAGES, LANG:
    the first one set decides, as for every POSIX program)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


# ---------------------------------------------------------------------------------------------
# Shared flags


def add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=os.environ.get("SEGMENTATION_DB"),
        help="the database file (default: $SEGMENTATION_DB)",
    )


def add_lang(parser: argparse.ArgumentParser, what: str = "messages", codes: bool = False) -> None:
    default = system_language()
    parser.add_argument("--lang", choices=(*LANGS, "codes") if codes else LANGS, default=default,
                        help=f"language of the {what} (default: the system language, here {default})")


def add_thresholds(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("thresholds (see docs/tiers.md)")
    defaults = DEFAULT_THRESHOLDS
    group.add_argument("--min-orders", type=int, default=defaults.min_orders, metavar="N",
                       help=f"'buys often': at least N orders (default {defaults.min_orders})")
    group.add_argument("--min-tenure-days", type=int, default=defaults.min_tenure_days, metavar="N",
                       help=f"'buys over a long time': first to last order at least N days (default {defaults.min_tenure_days})")
    group.add_argument("--lapse-days", type=int, default=defaults.lapse_days, metavar="N",
                       help=f"lapsed after more than N days without an order (default {defaults.lapse_days})")
    group.add_argument("--value-axis", choices=VALUE_AXES, default=defaults.value_axis,
                       help=f"decide 'often' by order count or by amount spent (default {defaults.value_axis})")
    group.add_argument("--min-amount", metavar="X",
                       help="with --value-axis amount: at least X spent (default: suggested from the data, "
                            f"or {plain_number(DEFAULT_MIN_AMOUNT)} when it suggests none)")
    group.add_argument("--overdue-factor", type=float, default=defaults.overdue_factor, metavar="X",
                       help=f"overdue when the silence exceeds X times the customer's own interval (default {defaults.overdue_factor})")
    group.add_argument("--due-window-days", type=int, default=defaults.due_window_days, metavar="N",
                       help=f"due when the next order is expected within N days (default {defaults.due_window_days})")


def add_setting(parser: argparse.ArgumentParser, side: str) -> None:
    """The thresholds of one side of `compare` (`--a-...` or `--b-...`): a saved preset, and any
    threshold flag on top of it (default: unset, so the preset's or the standard value holds)."""
    group = parser.add_argument_group(f"setting {side.upper()} (a preset, and/or thresholds on top of it)")
    group.add_argument(f"--{side}-preset", metavar="NAME", help="start from the preset saved under NAME")
    group.add_argument(f"--{side}-min-orders", type=int, metavar="N", help="'buys often': at least N orders")
    group.add_argument(f"--{side}-min-tenure-days", type=int, metavar="N",
                       help="'buys over a long time': first to last order at least N days")
    group.add_argument(f"--{side}-lapse-days", type=int, metavar="N",
                       help="lapsed after more than N days without an order")
    group.add_argument(f"--{side}-value-axis", choices=VALUE_AXES,
                       help="decide 'often' by order count or by amount spent")
    group.add_argument(f"--{side}-min-amount", metavar="X", help="with the amount axis: at least X spent")


def add_scope(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("scope (repeat a flag for several values)")
    group.add_argument("--channel", action="append", metavar="NAME", help="only customers acquired by this channel")
    group.add_argument("--region", action="append", metavar="NAME", help="only customers in this region")
    group.add_argument("--staff", action="append", metavar="NAME", help="only customers looked after by this staff")
    group.add_argument("--category", action="append", metavar="NAME", help="only customers who bought this category")


def add_out(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="where to write the CSV ('-' for standard output)")


def plain_number(value: Any) -> str:
    """12000.0 -> 12000, Decimal('1.2E+4') -> 12000, 0.5 -> 0.5 (never an exponent)."""
    number = Decimal(str(value)).normalize()
    return format(number if number != number.to_integral() else number.quantize(Decimal(1)), "f")


# ---------------------------------------------------------------------------------------------
# The parser

PLATFORM_NAMES = _PLATFORM_NAMES + (GENERIC,)

EXAMPLES = {
    "sample": f"{PROG} sample --db data/sample.duckdb --customers 1000 --seed 7",
    "import": f"{PROG} import --db shop.duckdb --orders docs/examples/orders.csv "
              "--customers docs/examples/customers.csv --contacts docs/examples/contacts.csv",
    "backup": f"{PROG} backup --db data/demo.duckdb --out demo-backup.zip",
    "restore": f"{PROG} restore --db restored.duckdb --from demo-backup.zip --yes",
    "classify": f"{PROG} classify --db data/demo.duckdb --min-orders 4 --out tiers.csv",
    "trend": f"{PROG} trend --db data/demo.duckdb --freq month --start 2024-01-01 --out trend.csv",
    "transitions": f"{PROG} transitions --db data/demo.duckdb --from 2025-01-01 --to 2025-12-31 --out moves.csv",
    "compare": f"{PROG} compare --db data/demo.duckdb --a-min-orders 5 --b-min-orders 8 --out compare.csv",
    "movements": f"{PROG} movements --db data/demo.duckdb --freq quarter --out movements.csv",
    "channels": f"{PROG} channels --db data/demo.duckdb --out channels.csv",
    "costs": f"{PROG} costs --db data/demo.duckdb --channel 紹介 --month 2026-10 --amount 120000",
    "predict": f"{PROG} predict --db data/demo.duckdb --horizon-days 90 --out predict.csv",
    "suggest": f"{PROG} suggest --db data/demo.duckdb --lang ja",
    "export": f"{PROG} export --db data/demo.duckdb --cycle overdue --status active --format xlsx --out overdue.xlsx",
    "summary": f"{PROG} summary --db data/demo.duckdb --lang en",
    "users": f"{PROG} users list --db data/demo.duckdb",
    "forecast": f"{PROG} forecast --db data/demo.duckdb --freq month --periods 6 --out forecast.csv",
    "audit": f"{PROG} audit --db data/demo.duckdb --action export --out exports.csv",
}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="Customer tiers (見込み客 ... 優良客) from a DuckDB file of customers and orders.",
        epilog="example: " + EXAMPLES["summary"],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text,
                           epilog="example: " + EXAMPLES[name],
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        add_db(p)
        add_as_user(p)
        return p

    p = add("sample", "Build a demo database of made-up Japanese customers and orders.")
    p.add_argument("--customers", type=int, default=10_000, metavar="N", help="how many customers (100 to 10,000,000)")
    p.add_argument("--seed", type=int, default=42, metavar="S", help="the same seed gives the same data")
    p.add_argument("--end", metavar="DATE", help="the last day of the history (default: today)")
    add_lang(p)

    p = add("import", "Import orders, customers and contacts from the files a shop system exports "
                      "(CSV/TSV in UTF-8, Shift_JIS or UTF-16, Excel, Parquet; Shopify, EC-CUBE, カラーミー, BASE, 楽天).")
    p.add_argument("--orders", nargs="+", metavar="FILE", help="orders files or folders (several import as one set)")
    p.add_argument("--customers", nargs="+", metavar="FILE", help="customers files or folders")
    p.add_argument("--contacts", nargs="+", metavar="FILE", help="contacts files or folders")
    p.add_argument("--platform", choices=PLATFORM_NAMES, help="read the orders as this platform's export "
                   "(default: recognised from the headers)")
    p.add_argument("--mapping", metavar="NAME", help="use the column mapping saved under NAME")
    p.add_argument("--save-mapping", metavar="NAME", help="save this import's mapping and options under NAME")
    p.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER",
                   help="read FIELD from the column HEADER (HEADER#2 for a second column of that name)")
    p.add_argument("--encoding", metavar="E", help="the files' text encoding: utf-8, cp932, utf-16 (default: detected)")
    p.add_argument("--delimiter", metavar="D", help="the delimiter: , or tab or ; or | (default: detected)")
    p.add_argument("--header-row", type=int, metavar="N", help="the row naming the columns (default: detected)")
    p.add_argument("--sheet", metavar="NAME", help="the Excel sheet to read (default: the first)")
    p.add_argument("--on-error", choices=("reject", "skip"), default="reject",
                   help="reject: import nothing when a value cannot be read (default); skip: import the sound rows")
    p.add_argument("--rejects", metavar="FILE", help="with --on-error skip: write the rows left out, with reasons")
    p.add_argument("--dry-run", action="store_true", help="print the report and write nothing")
    add_lang(p)

    p = add("backup", "Write every table of the database as Parquet into one zip file.")
    p.add_argument("--out", required=True, metavar="FILE.zip", help="the zip to write")
    add_lang(p)

    p = add("restore", "Replace ALL data of the database with a backup zip (a backup of the current data is written first).")
    p.add_argument("--from", dest="source", required=True, metavar="FILE.zip", help="the backup to restore")
    p.add_argument("--yes", action="store_true", help="confirm: replace all data")
    add_lang(p)

    p = add("classify", "Write every customer's tier, status and figures as of a date.")
    p.add_argument("--as-of", metavar="DATE", help="the date to classify at (default: the latest order date)")
    add_thresholds(p)
    add_scope(p)
    add_out(p)
    add_lang(p)

    for name, help_text in (("trend", "Write customers per tier and status at every period end."),
                            ("movements", "Write who moved between tiers in every period, and how.")):
        p = add(name, help_text)
        p.add_argument("--freq", choices=FREQS, required=True, help="the period length")
        p.add_argument("--start", metavar="DATE", help="first day considered (default: the earliest order date)")
        p.add_argument("--end", metavar="DATE", help="last day considered (default: the latest order date)")
        add_thresholds(p)
        add_scope(p)
        add_out(p)
        add_lang(p)

    p = add("transitions", "Write how many customers went from each tier at one date to each tier at another.")
    p.add_argument("--from", dest="date_from", required=True, metavar="DATE", help="the first date")
    p.add_argument("--to", dest="date_to", required=True, metavar="DATE", help="the second date")
    add_thresholds(p)
    add_scope(p)
    add_out(p)
    add_lang(p)

    p = add("compare", "Write how many customers go from each tier under one threshold setting (A) to each "
                       "tier under another (B), at one date.")
    p.add_argument("--as-of", metavar="DATE", help="the date (default: the latest order date)")
    add_setting(p, "a")
    add_setting(p, "b")
    add_scope(p)
    add_out(p)
    add_lang(p)

    p = add("forecast", "Write the forecast customers per tier and status at the next 3 to 12 period ends, with "
                        "an 80 percent band (moves between tiers at the rates of the last periods, new customers at "
                        "their recent number).")
    p.add_argument("--freq", choices=FREQS, required=True, help="the period length")
    p.add_argument("--periods", type=int, default=6, metavar="N", help="how many periods ahead, 3 to 12 (default 6)")
    p.add_argument("--as-of", metavar="DATE", help="forecast from the last complete period up to this date "
                   "(default: the latest order date)")
    p.add_argument("--history", type=int, default=3, metavar="N",
                   help="count the rates over the last N periods (default 3)")
    add_thresholds(p)
    add_scope(p)
    add_out(p)
    add_lang(p)

    p = add("channels", "Write, per acquisition channel, how leads turn into repeat and loyal customers.")
    p.add_argument("--as-of", metavar="DATE", help="the date (default: the latest order date)")
    add_thresholds(p)
    add_scope(p)
    add_out(p)
    add_lang(p)

    p = add("predict", "Write each customer's chance of still being a customer (p_alive) and the orders expected "
                       "over the next days, from a buy-till-you-die model (modified BG/NBD) fitted on the orders "
                       "up to the date.")
    p.add_argument("--as-of", metavar="DATE", help="fit on the orders up to this date (default: the latest order date)")
    p.add_argument("--horizon-days", type=int, default=90, metavar="N", help="the days the expected orders cover (default 90)")
    add_out(p)
    add_lang(p)

    p = add("costs", "Enter what acquiring customers through a channel cost in a month (admins; audited), "
                     "remove it (--remove), or write every cost entered (--out).")
    p.add_argument("--channel", metavar="NAME", help="the acquisition channel, as in the customers' channel column")
    p.add_argument("--month", metavar="YYYY-MM", help="the month the money was spent in")
    p.add_argument("--amount", metavar="X", help="what it cost (0 for a free channel)")
    p.add_argument("--remove", action="store_true", help="remove the cost of --channel in --month")
    p.add_argument("--out", metavar="FILE.csv", help="write every cost entered (channel,month,amount; '-': standard output)")
    add_lang(p)

    p = add("export", "Write a customer list (a call list by default) as CSV or Excel, filtered like the customers page.")
    p.add_argument("--as-of", metavar="DATE", help="the date (default: the latest order date)")
    add_thresholds(p)
    group = p.add_argument_group("filters")
    group.add_argument("--view", choices=tuple(READY_VIEWS), help="start from a ready-made view")
    group.add_argument("--tier", action="extend", nargs="+", metavar="T", choices=TIER_CODES,
                       help=f"tier codes ({', '.join(TIER_CODES)})")
    group.add_argument("--status", choices=STATUSES)
    group.add_argument("--cycle", action="extend", nargs="+", choices=CYCLE_STATUSES)
    group.add_argument("--channel", action="append", metavar="NAME")
    group.add_argument("--staff", action="append", metavar="NAME")
    group.add_argument("--region", action="append", metavar="NAME")
    group.add_argument("--category", action="append", metavar="NAME", help="customers who bought this category")
    group.add_argument("--search", metavar="TEXT", help="in name, company, email and id")
    out = p.add_argument_group("output")
    out.add_argument("--columns", metavar="C,...", help="columns to write (default: a call list)")
    out.add_argument("--sort", choices=tuple(SORTS))
    out.add_argument("--format", choices=FORMATS, required=True)
    out.add_argument("--encoding", choices=ENCODINGS, default=ENCODINGS[0],
                     help="CSV encoding: UTF-8 with BOM (Excel) or Shift_JIS (CP932)")
    out.add_argument("--cp932-errors", choices=CP932_ERRORS, default=CP932_ERRORS[0],
                     help="characters Shift_JIS cannot hold: stop with the row named, or write '?'")
    add_lang(out, "headers, tier names and messages (codes: internal names for scripts, English messages)",
              codes=True)
    out.add_argument("--out", required=True, metavar="FILE")

    p = add("suggest", "Print thresholds suggested by the data, each with its reason.")
    p.add_argument("--as-of", metavar="DATE", help="the date (default: the latest order date)")
    add_lang(p, "the reasons")
    add_scope(p)

    p = add("summary", "Print how many customers are in each tier now.")
    p.add_argument("--as-of", metavar="DATE", help="the date (default: the latest order date)")
    add_lang(p, "the tier names and messages")
    add_thresholds(p)
    add_scope(p)

    add_user_commands(sub, add)
    return parser


def add_user_commands(sub, add) -> None:
    """`users ACTION` (each action takes --db, --as-user and --lang after it) and `audit`."""
    p = sub.add_parser("users", help="Add, change, remove and list the people who may sign in to the dashboard.",
                       description="Add, change, remove and list the people who may sign in to the dashboard.",
                       epilog="example: " + EXAMPLES["users"] + "\n"
                              f"adding a staff user: {PROG} users add hanako --role staff --staff '佐藤 幹' --db shop.duckdb",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        a = actions.add_parser(name, help=help_text, description=help_text)
        if name != "list":
            a.add_argument("name", metavar="NAME")
        add_db(a)
        add_as_user(a)
        add_lang(a)
        return a

    a = action("add", "add a user (asks for the password twice)")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument("--staff", metavar="STAFF", help="for --role staff: the staff name of the customers they look after")
    a.add_argument("--oidc", action="store_true", help="signs in only through OpenID Connect (NAME is the e-mail)")
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    a = action("passwd", "set a new password (it also lifts a lock)")
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    a = action("role", "change a user's role")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument("--staff", metavar="STAFF", help="for --role staff: the staff name")
    action("remove", "remove a user")
    action("list", "list the users (never their passwords)")

    p = add("audit", "Write the audit (every export, import, backup, restore and user change) as CSV.")
    p.add_argument("--action", action="append", metavar="ACTION", help="only this action (repeat for several)")
    p.add_argument("--user", metavar="NAME", help="only what this user did")
    p.add_argument("--since", metavar="DATE", help="only from this day on")
    add_out(p)
    add_lang(p)


def add_as_user(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-user", metavar="NAME",
                        help="run as this user of the database, with their role (a staff user sees only their "
                             "customers); default: you, as admin")
