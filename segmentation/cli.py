"""`python -m segmentation`: one parser; each command parses, calls one package function, prints.

User errors end as one sentence on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from .errors import SegmentationError
from .scope import Scope
from .thresholds import DEFAULT_THRESHOLDS, Thresholds

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    def register(function):
        COMMANDS[name] = function
        return function

    return register


class CliError(SegmentationError):
    """A problem with the command line itself (a missing file, an unwritable output)."""


# ---------------------------------------------------------------------------------------------
# Shared flags


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=os.environ.get("SEGMENTATION_DB"),
        help="the database file (default: $SEGMENTATION_DB)",
    )


def _add_thresholds(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("thresholds (see docs/tiers.md)")
    defaults = DEFAULT_THRESHOLDS
    group.add_argument("--min-orders", type=int, default=defaults.min_orders, metavar="N",
                       help=f"'buys often': at least N orders (default {defaults.min_orders})")
    group.add_argument("--min-tenure-days", type=int, default=defaults.min_tenure_days, metavar="N",
                       help=f"'buys over a long time': first to last order at least N days (default {defaults.min_tenure_days})")
    group.add_argument("--lapse-days", type=int, default=defaults.lapse_days, metavar="N",
                       help=f"lapsed after more than N days without an order (default {defaults.lapse_days})")
    group.add_argument("--value-axis", choices=("orders", "amount"), default=defaults.value_axis,
                       help="decide 'often' by order count or by amount spent (default orders)")
    group.add_argument("--min-amount", metavar="X",
                       help="with --value-axis amount: at least X spent (default: suggested from the data)")
    group.add_argument("--overdue-factor", type=float, default=defaults.overdue_factor, metavar="X",
                       help=f"overdue when the silence exceeds X times the customer's own interval (default {defaults.overdue_factor})")
    group.add_argument("--due-window-days", type=int, default=defaults.due_window_days, metavar="N",
                       help=f"due when the next order is expected within N days (default {defaults.due_window_days})")


def _add_scope(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("scope (repeat a flag for several values)")
    group.add_argument("--channel", action="append", metavar="NAME", help="only customers acquired by this channel")
    group.add_argument("--region", action="append", metavar="NAME", help="only customers in this region")
    group.add_argument("--staff", action="append", metavar="NAME", help="only customers looked after by this staff")
    group.add_argument("--category", action="append", metavar="NAME", help="only customers who bought this category")


def _add_out(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="where to write the CSV ('-' for standard output)")


def _scope(args: argparse.Namespace) -> Scope:
    return Scope(channel=args.channel or (), region=args.region or (), staff=args.staff or (),
                 category=args.category or ())


def _analysis(args: argparse.Namespace):
    from .engine import Analysis

    if not args.db:
        raise CliError("Say which database to use with --db PATH (or set SEGMENTATION_DB).")
    return Analysis.open(args.db)


def _thresholds(args: argparse.Namespace, analysis=None, scope: Scope | None = None) -> Thresholds:
    min_amount = args.min_amount
    if args.value_axis == "amount" and min_amount is None and analysis is not None:
        from .engine import suggest_thresholds

        suggestion = suggest_thresholds(analysis, scope=scope)["min_amount"]
        min_amount = suggestion.value
        print(f"note: --min-amount {min_amount:g} (suggested: {suggestion.reason('en')})", file=sys.stderr)
    return Thresholds(
        min_orders=args.min_orders,
        min_tenure_days=args.min_tenure_days,
        lapse_days=args.lapse_days,
        value_axis=args.value_axis,
        min_amount=min_amount,
        overdue_factor=args.overdue_factor,
        due_window_days=args.due_window_days,
    )


def _bool_text(value) -> str:
    if value is None or (not isinstance(value, bool) and pd.isna(value)):
        return ""
    return "true" if value else "false"


def write_csv(frame: pd.DataFrame, out: str) -> None:
    """Write UTF-8 CSV with ISO dates, true/false booleans and empty cells for missing values."""
    frame = frame.copy()
    for column in frame.columns:
        if column in ("lapsed", "from_lapsed", "to_lapsed"):
            frame[column] = [_bool_text(v) for v in frame[column]]
        elif pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    try:
        if out == "-":
            frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        else:
            frame.to_csv(out, index=False, lineterminator="\n")
    except OSError as error:
        raise CliError(f"Cannot write {out}: {error.strerror or error}.") from None


# ---------------------------------------------------------------------------------------------
# Commands


@command("sample")
def cmd_sample(args: argparse.Namespace) -> int:
    from .demo import build_demo_database
    from .engine import to_date

    if not args.db:
        raise CliError("Say where to create the database with --db PATH.")
    end = to_date(args.end, "--end") if args.end else None
    started = time.perf_counter()
    result = build_demo_database(args.db, customers=args.customers, seed=args.seed, end=end)
    print(f"Created {args.db}: {result} ({time.perf_counter() - started:.1f} s).")
    return 0


@command("import")
def cmd_import(args: argparse.Namespace) -> int:
    from .importer import import_files

    if not args.db:
        raise CliError("Say which database to import into with --db PATH.")
    result = import_files(args.db, orders=args.orders, customers=args.customers, contacts=args.contacts)
    print(result.summary())
    return 0


def _write_engine_frame(args: argparse.Namespace, name: str, **arguments) -> int:
    """Run `engine.<name>(analysis, thresholds, scope=..., **arguments)` and write its CSV."""
    from . import engine

    analysis = _analysis(args)
    scope = _scope(args)
    frame = getattr(engine, name)(analysis, _thresholds(args, analysis, scope), scope=scope, **arguments)
    write_csv(frame.drop(columns=["cid"], errors="ignore"), args.out)
    return 0


@command("classify")
def cmd_classify(args: argparse.Namespace) -> int:
    return _write_engine_frame(args, "classify", as_of=args.as_of)


@command("trend")
def cmd_trend(args: argparse.Namespace) -> int:
    return _write_engine_frame(args, "tier_counts_over_time", freq=args.freq, start=args.start, end=args.end)


@command("transitions")
def cmd_transitions(args: argparse.Namespace) -> int:
    return _write_engine_frame(args, "transitions", date_from=args.date_from, date_to=args.date_to)


@command("movements")
def cmd_movements(args: argparse.Namespace) -> int:
    return _write_engine_frame(args, "movements_over_time", freq=args.freq, start=args.start, end=args.end)


@command("channels")
def cmd_channels(args: argparse.Namespace) -> int:
    return _write_engine_frame(args, "channel_conversion", as_of=args.as_of)


@command("export")
def cmd_export(args: argparse.Namespace) -> int:
    from . import customers as cust
    from .export import write_csv_stream, write_xlsx_stream

    analysis = _analysis(args)
    scope = Scope(region=args.region or (), category=args.category or ())
    thresholds = _thresholds(args, analysis, scope)
    base = cust.READY_VIEWS[args.view].filters if args.view else cust.CustomerFilters()
    changes = {name: value for name, value in (
        ("tiers", tuple(args.tier or ())), ("status", args.status), ("cycle", tuple(args.cycle or ())),
        ("channel", tuple(args.channel or ())), ("staff", tuple(args.staff or ())), ("search", args.search or ""),
    ) if value}
    filters = base.replace(**changes)
    columns = tuple(c.strip() for c in args.columns.split(",") if c.strip()) if args.columns else cust.CALL_LIST_COLUMNS
    sort = args.sort or (cust.READY_VIEWS[args.view].sort if args.view else "customer_id")
    as_of = to_date_or_none(args.as_of) or analysis.default_as_of()
    chunks = (cust.labelled(chunk, args.lang) for chunk in cust.iter_customer_list(
        analysis, thresholds, as_of, scope, filters, sort, columns))
    if args.format == "csv":
        rows = write_csv_stream(chunks, args.out, encoding=args.encoding, cp932_errors=args.cp932_errors)
    else:
        lang = "en" if args.lang == "en" else "ja"
        meta = [("view", args.view or "custom"), ("as_of", as_of.isoformat()),
                ("thresholds", ", ".join(f"{k}={v}" for k, v in thresholds.as_dict().items())),
                ("scope", scope.describe(lang)), ("filters", cust.describe_filters(filters, lang))]
        rows = write_xlsx_stream(chunks, args.out, meta)
    print(f"Wrote {rows:,} customers to {args.out}.", file=sys.stderr)
    return 0


def to_date_or_none(value):
    from .engine import to_date

    return None if value is None else to_date(value, "--as-of")


@command("suggest")
def cmd_suggest(args: argparse.Namespace) -> int:
    from .engine import suggest_thresholds

    analysis = _analysis(args)
    for suggestion in suggest_thresholds(analysis, as_of=args.as_of, scope=_scope(args)).values():
        value = f"{suggestion.value:g}" if isinstance(suggestion.value, float) else suggestion.value
        print(f"{suggestion.name} = {value}: {suggestion.reason(args.lang)}")
    return 0


@command("summary")
def cmd_summary(args: argparse.Namespace) -> int:
    from .engine import tier_counts
    from .texts import status_name, tier_name

    analysis = _analysis(args)
    scope = _scope(args)
    as_of = args.as_of or analysis.default_as_of()
    frame = tier_counts(analysis, _thresholds(args, analysis, scope), as_of=as_of, scope=scope)
    print(f"{analysis.customer_count:,} customers, {analysis.order_count:,} orders; as of {as_of}; {scope.describe(args.lang)}")
    for row in frame.itertuples():
        label = f"{tier_name(row.tier, args.lang)} {status_name(row.lapsed, args.lang)}".strip()
        print(f"  {label:<16} {row.customers:>10,}  {row.share:6.1%}")
    return 0


# ---------------------------------------------------------------------------------------------
# The parser

EXAMPLES = {
    "sample": "python -m segmentation sample --db data/demo.duckdb --customers 10000 --seed 42",
    "import": "python -m segmentation import --db shop.duckdb --orders orders.csv --customers customers.csv",
    "classify": "python -m segmentation classify --db data/demo.duckdb --min-orders 4 --out tiers.csv",
    "trend": "python -m segmentation trend --db data/demo.duckdb --freq month --start 2024-01-01 --out trend.csv",
    "transitions": "python -m segmentation transitions --db data/demo.duckdb --from 2025-01-01 --to 2025-12-31 --out moves.csv",
    "movements": "python -m segmentation movements --db data/demo.duckdb --freq quarter --out movements.csv",
    "channels": "python -m segmentation channels --db data/demo.duckdb --out channels.csv",
    "suggest": "python -m segmentation suggest --db data/demo.duckdb --lang ja",
    "export": "python -m segmentation export --db data/demo.duckdb --cycle overdue --status active --format xlsx --out overdue.xlsx",
    "summary": "python -m segmentation summary --db data/demo.duckdb --lang en",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m segmentation",
        description="Customer tiers (見込み客 ... 優良客) from a DuckDB file of customers and orders.",
        epilog="example: " + EXAMPLES["summary"],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text,
                              epilog="example: " + EXAMPLES[name],
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    p = add("sample", "Build a demo database of made-up Japanese customers and orders.")
    _add_db(p)
    p.add_argument("--customers", type=int, default=10_000, metavar="N", help="how many customers (100 to 10,000,000)")
    p.add_argument("--seed", type=int, default=42, metavar="S", help="the same seed gives the same data")
    p.add_argument("--end", metavar="DATE", help="the last day of the history (default: today)")

    p = add("import", "Import orders, customers and contacts from UTF-8 CSV files with canonical headers.")
    _add_db(p)
    p.add_argument("--orders", metavar="FILE", help="orders: customer_id,order_date,amount[,order_id,campaign,category]")
    p.add_argument("--customers", metavar="FILE", help="customers: customer_id[,name,company,email,phone,region,address,channel,staff,created_at]")
    p.add_argument("--contacts", metavar="FILE", help="contacts: customer_id,contacted_at[,kind,staff,note]")

    p = add("classify", "Write every customer's tier, status and figures as of a date.")
    _add_db(p)
    p.add_argument("--as-of", metavar="DATE", help="the date to classify at (default: the latest order date)")
    _add_thresholds(p)
    _add_scope(p)
    _add_out(p)

    for name, help_text in (("trend", "Write customers per tier and status at every period end."),
                            ("movements", "Write who moved between tiers in every period, and how.")):
        p = add(name, help_text)
        _add_db(p)
        p.add_argument("--freq", choices=("week", "month", "quarter"), required=True, help="the period length")
        p.add_argument("--start", metavar="DATE", help="first day considered (default: the earliest order date)")
        p.add_argument("--end", metavar="DATE", help="last day considered (default: the latest order date)")
        _add_thresholds(p)
        _add_scope(p)
        _add_out(p)

    p = add("transitions", "Write how many customers went from each tier at one date to each tier at another.")
    _add_db(p)
    p.add_argument("--from", dest="date_from", required=True, metavar="DATE", help="the first date")
    p.add_argument("--to", dest="date_to", required=True, metavar="DATE", help="the second date")
    _add_thresholds(p)
    _add_scope(p)
    _add_out(p)

    p = add("channels", "Write, per acquisition channel, how leads turn into repeat and loyal customers.")
    _add_db(p)
    p.add_argument("--as-of", metavar="DATE", help="the date (default: the latest order date)")
    _add_thresholds(p)
    _add_scope(p)
    _add_out(p)

    p = add("export", "Write a customer list (a call list by default) as CSV or Excel, filtered like the customers page.")
    _add_db(p)
    p.add_argument("--as-of", metavar="DATE", help="the date (default: the latest order date)")
    _add_thresholds(p)
    group = p.add_argument_group("filters")
    group.add_argument("--view", choices=("due_this_week", "overdue_possibly_lost", "loyal_lapsing", "trend_from_campaigns"),
                       help="start from a ready-made view")
    group.add_argument("--tier", action="extend", nargs="+", metavar="T",
                       choices=("prospect", "first", "nascent", "steady", "trend", "loyal"), help="tier codes")
    group.add_argument("--status", choices=("active", "lapsed"))
    group.add_argument("--cycle", action="extend", nargs="+", choices=("due", "overdue", "not_due"))
    group.add_argument("--channel", action="append", metavar="NAME")
    group.add_argument("--staff", action="append", metavar="NAME")
    group.add_argument("--region", action="append", metavar="NAME")
    group.add_argument("--category", action="append", metavar="NAME", help="customers who bought this category")
    group.add_argument("--search", metavar="TEXT", help="in name, company, email and id")
    out = p.add_argument_group("output")
    out.add_argument("--columns", metavar="C,...", help="columns to write (default: a call list)")
    out.add_argument("--sort", choices=("amount", "orders", "recency", "recent", "expected", "last_contact", "customer_id"))
    out.add_argument("--format", choices=("csv", "xlsx"), required=True)
    out.add_argument("--encoding", choices=("utf-8-sig", "cp932"), default="utf-8-sig",
                     help="CSV encoding: UTF-8 with BOM (Excel) or Shift_JIS (CP932)")
    out.add_argument("--cp932-errors", choices=("strict", "replace"), default="strict",
                     help="characters Shift_JIS cannot hold: stop with the row named, or write '?'")
    out.add_argument("--lang", choices=("ja", "en", "codes"), default="ja",
                     help="headers and tier names in Japanese, English, or as codes for scripts")
    out.add_argument("--out", required=True, metavar="FILE")

    p = add("suggest", "Print thresholds suggested by the data, each with its reason.")
    _add_db(p)
    p.add_argument("--as-of", metavar="DATE", help="the date (default: the latest order date)")
    p.add_argument("--lang", choices=("ja", "en"), default="en", help="language of the reasons")
    _add_scope(p)

    p = add("summary", "Print how many customers are in each tier now.")
    _add_db(p)
    p.add_argument("--as-of", metavar="DATE", help="the date (default: the latest order date)")
    p.add_argument("--lang", choices=("ja", "en"), default="en", help="language of the tier names")
    _add_thresholds(p)
    _add_scope(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except SegmentationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; nothing was changed.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
