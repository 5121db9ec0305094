"""`segmentation` (or `python -m segmentation`): one parser; each command parses, calls one
package function, and prints.

User errors end as one sentence on stderr (`error: ...`) and exit status 2, never a traceback
nor a usage block. Every choice a flag offers comes from the package (periods, ready views, tier
codes, sort orders, ...), so a new ready view or sort order needs no edit here. The CLI's own
sentences come from the text catalogue (keys `cli_*`) in the language of `--lang` (default: the
system language); errors raised by the package keep their English message.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
import time
from decimal import Decimal
from typing import Callable, Sequence

import pandas as pd

from . import cli_users
from .cli_output import CliError, sorted_rows, write_csv
from .cli_parser import EXAMPLES, PROG, Parser, build_parser, plain_number, system_language
from .errors import SegmentationError, ThresholdError
from .filters import READY_VIEWS
from .scope import Scope
from .texts import LANGS, text
from .thresholds import DEFAULT_MIN_AMOUNT, Thresholds

__all__ = ["COMMANDS", "EXAMPLES", "PROG", "CliError", "Parser", "build_parser", "main", "system_language",
           "with_flag_names"]

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    def register(function):
        COMMANDS[name] = function
        return function

    return register


# ---------------------------------------------------------------------------------------------
# Language


def _lang(args: argparse.Namespace) -> str:
    """The language of the CLI's messages (`export --lang codes` speaks English)."""
    lang = getattr(args, "lang", None)
    return lang if lang in LANGS else "en"


def _say(args: argparse.Namespace, message: str) -> None:
    """A line for stderr, printed once the command has succeeded (a failure prints only its
    one sentence)."""
    args.messages.append(message)


# ---------------------------------------------------------------------------------------------
# From flags to package values


def _date(value: str | None, flag: str):
    """A date typed on the command line, or None; a bad one is named by its flag."""
    from .engine import to_date

    return None if value is None else to_date(value, flag)


#: Every threshold's flag, by the field name `Thresholds` uses in its error messages.
THRESHOLD_FLAGS: dict[str, str] = {f.name: "--" + f.name.replace("_", "-") for f in dataclasses.fields(Thresholds)}
_THRESHOLD_NAME = re.compile(r"\b(" + "|".join(THRESHOLD_FLAGS) + r")\b")


def with_flag_names(message: str) -> str:
    """`min_orders must be ...` -> `--min-orders must be ...`: the one place where the names of
    the package become the flags a user typed."""
    return _THRESHOLD_NAME.sub(lambda match: THRESHOLD_FLAGS[match.group(1)], message)


def _scope(args: argparse.Namespace) -> Scope:
    return Scope(channel=args.channel or (), region=args.region or (), staff=args.staff or (),
                 category=args.category or ())


def _warn_unmatched_scope(args: argparse.Namespace, analysis, scope: Scope) -> None:
    """Say which scope value matches no customer of this database (a typo, usually)."""
    from .engine import scope_options

    options = scope_options(analysis)
    for kind in scope.active_kinds():
        known = set(options.get(kind, ()))
        for value in getattr(scope, kind):
            if value not in known:
                _say(args, text("cli_warn_scope", _lang(args), flag=f"--{kind}", value=value))


def _analysis(args: argparse.Namespace):
    """The analysis the command's user may see (a staff user's holds only their customers)."""
    from .access import analysis_for
    from .engine import Analysis

    if not args.db:
        raise CliError("cli_need_db")
    who = cli_users.viewer(args)
    return analysis_for(Analysis.open(args.db), who)


def _thresholds(args: argparse.Namespace, analysis=None, scope: Scope | None = None) -> Thresholds:
    min_amount = args.min_amount
    if args.value_axis == "amount" and min_amount is None and analysis is not None:
        from .engine import suggest_thresholds

        suggestion = suggest_thresholds(analysis, scope=scope)["min_amount"]
        min_amount = DEFAULT_MIN_AMOUNT if suggestion.reason_key == "reason_default" else suggestion.value
        lang = _lang(args)
        _say(args, text("cli_note_min_amount", lang, value=plain_number(min_amount), reason=suggestion.reason(lang)))
    try:
        return Thresholds(
            min_orders=args.min_orders,
            min_tenure_days=args.min_tenure_days,
            lapse_days=args.lapse_days,
            value_axis=args.value_axis,
            min_amount=min_amount,
            overdue_factor=args.overdue_factor,
            due_window_days=args.due_window_days,
        )
    except ThresholdError as error:
        raise ThresholdError(with_flag_names(str(error))) from None


def _wrote(args: argparse.Namespace, rows: int, key: str = "cli_wrote_rows") -> None:
    lang = _lang(args)
    out = text("cli_stdout", lang) if args.out == "-" else args.out
    _say(args, text(key, lang, rows=rows, out=out))


# ---------------------------------------------------------------------------------------------
# Commands


@command("sample")
def cmd_sample(args: argparse.Namespace) -> int:
    from .demo import build_demo_database

    if not args.db:
        raise CliError("cli_need_db_sample")
    cli_users.viewer(args)  # an existing database's users decide who may replace its data
    end = _date(args.end, "--end")
    started = time.perf_counter()
    result = build_demo_database(args.db, customers=args.customers, seed=args.seed, end=end)
    _say(args, text("cli_created", _lang(args), db=args.db, customers=result.customers, orders=result.orders,
                    contacts=result.contacts, seconds=time.perf_counter() - started))
    return 0


def _delimiter(value: str | None) -> str | None:
    names = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "bar": "|", "pipe": "|"}
    return names.get(value, value) if value is not None else None


@command("import")
def cmd_import(args: argparse.Namespace) -> int:
    from .importer import import_files
    from .import_report import ImportRejectedError
    from .sources import ReadOptions

    if not args.db:
        raise CliError("cli_need_db_import")
    if args.rejects and args.on_error != "skip":
        raise CliError("cli_rejects_need_skip")
    by = cli_users.viewer(args)
    overrides = {}
    for item in args.map:
        field, sep, header = item.partition("=")
        if not sep or not field.strip():
            raise CliError("cli_bad_map", value=item)
        overrides[field.strip()] = header.strip()
    given = (args.encoding, args.delimiter, args.header_row, args.sheet)
    options = (ReadOptions(args.encoding, _delimiter(args.delimiter), args.header_row, args.sheet)
               if any(v is not None for v in given) else None)
    lang = _lang(args)
    try:
        report = import_files(args.db, orders=args.orders, customers=args.customers, contacts=args.contacts,
                              platform=args.platform, mapping=args.mapping, overrides=overrides, options=options,
                              on_error=args.on_error, rejects=args.rejects, dry_run=args.dry_run,
                              save_mapping=args.save_mapping, by=by)
    except ImportRejectedError as refused:
        print("\n".join(refused.report.lines(lang)), file=sys.stderr)
        return 1
    print("\n".join(report.lines(lang, db=args.db)), file=sys.stderr)
    return 0


@command("backup")
def cmd_backup(args: argparse.Namespace) -> int:
    from .backup import backup_database

    if not args.db:
        raise CliError("cli_need_db")
    summary = backup_database(args.db, args.out, by=cli_users.viewer(args))
    _say(args, summary.summary())
    return 0


@command("restore")
def cmd_restore(args: argparse.Namespace) -> int:
    from .backup import backup_before_restore, restore_database

    if not args.db:
        raise CliError("cli_need_db")
    if not args.yes:
        raise CliError("cli_restore_confirm", db=args.db)
    by = cli_users.viewer(args)
    saved = backup_before_restore(args.db)
    summary = restore_database(args.source, args.db, by=by)
    if saved is not None:
        _say(args, text("cli_backup_first", _lang(args), path=saved))
    _say(args, summary.summary())
    return 0


def _record_export(args: argparse.Namespace, what: str, customers: int, **conditions) -> None:
    """Write the export's audit row (who, the conditions, how many customers) before the file."""
    from . import audit

    audit.log(args.db, cli_users.viewer(args), "export",
              audit.conditions(command=what, out=args.out, **conditions), customers=customers)


def _write_engine_frame(args: argparse.Namespace, name: str, keys: Sequence[str], descending: Sequence[str] = (),
                        audited: bool = False, **arguments) -> int:
    """Run `engine.<name>(analysis, thresholds, scope=..., **arguments)`, sort its rows by
    `keys` and write its CSV."""
    from . import engine

    analysis = _analysis(args)
    scope = _scope(args)
    thresholds = _thresholds(args, analysis, scope)
    frame = getattr(engine, name)(analysis, thresholds, scope=scope, **arguments)
    frame = sorted_rows(frame.drop(columns=["cid"], errors="ignore"), keys, descending)
    if audited:  # one row per customer: personal data leaves, so it is recorded first
        _record_export(args, name, len(frame), thresholds=thresholds, scope=scope, **arguments)
    _wrote(args, write_csv(frame, args.out, _lang(args)))
    return 0


PERIOD_KEYS = ("period_end", "tier", "lapsed")
MOVE_KEYS = ("from_tier", "from_lapsed", "to_tier", "to_lapsed")


@command("classify")
def cmd_classify(args: argparse.Namespace) -> int:
    return _write_engine_frame(args, "classify", ("customer_id",), as_of=_date(args.as_of, "--as-of"),
                               audited=True)


@command("trend")
def cmd_trend(args: argparse.Namespace) -> int:
    return _write_engine_frame(args, "tier_counts_over_time", PERIOD_KEYS, freq=args.freq,
                               start=_date(args.start, "--start"), end=_date(args.end, "--end"))


@command("transitions")
def cmd_transitions(args: argparse.Namespace) -> int:
    return _write_engine_frame(args, "transitions", MOVE_KEYS, date_from=_date(args.date_from, "--from"),
                               date_to=_date(args.date_to, "--to"))


@command("movements")
def cmd_movements(args: argparse.Namespace) -> int:
    return _write_engine_frame(args, "movements_over_time", ("period_end", "movement", *MOVE_KEYS), freq=args.freq,
                               start=_date(args.start, "--start"), end=_date(args.end, "--end"))


@command("forecast")
def cmd_forecast(args: argparse.Namespace) -> int:
    from .forecast import check_history, check_periods, tier_forecast

    check_periods(args.periods), check_history(args.history)  # refused before the database is read
    analysis, scope = _analysis(args), _scope(args)
    frame = tier_forecast(analysis, _thresholds(args, analysis, scope), freq=args.freq, periods=args.periods,
                          as_of=_date(args.as_of, "--as-of"), scope=scope, history=args.history)
    counted = ["customers", "low", "high"]
    frame[counted] = frame[counted].round().astype("Int64")  # whole customers; a band not drawn stays empty
    _wrote(args, write_csv(sorted_rows(frame, PERIOD_KEYS), args.out, _lang(args)))
    return 0


@command("channels")
def cmd_channels(args: argparse.Namespace) -> int:  # the funnel, days to loyal and costs (cli_channels.py)
    from .cli_channels import channels_frame
    analysis, scope = _analysis(args), _scope(args)
    _wrote(args, write_csv(channels_frame(args, analysis, _thresholds(args, analysis, scope), scope), args.out, args.lang))
    return 0


@command("costs")
def cmd_costs(args: argparse.Namespace) -> int:  # enter, remove or list acquisition costs (cli_channels.py)
    from .cli_channels import cmd_costs
    return cmd_costs(args, _lang(args), lambda line: _say(args, line), lambda rows: _wrote(args, write_csv(rows, args.out)))


@command("predict")
def cmd_predict(args: argparse.Namespace) -> int:
    from .predict import cli_rows

    frame, fitted = cli_rows(_analysis(args), _date(args.as_of, "--as-of"), args.horizon_days)
    _record_export(args, "predict", len(frame), as_of=fitted.as_of, horizon_days=args.horizon_days)  # personal data
    _say(args, text("cli_predict_fit", _lang(args), sample=fitted.sample, **fitted.params))
    _wrote(args, write_csv(frame, args.out, _lang(args)))
    return 0


@command("compare")
def cmd_compare(args: argparse.Namespace) -> int:
    from .cli_compare import compare_rows

    analysis = _analysis(args)
    scope = _scope(args)
    _warn_unmatched_scope(args, analysis, scope)
    as_of = _date(args.as_of, "--as-of")
    frame = compare_rows(args, analysis, scope, as_of, _lang(args), lambda line: _say(args, line))
    _wrote(args, write_csv(frame, args.out, _lang(args)))
    return 0


@command("export")
def cmd_export(args: argparse.Namespace) -> int:
    from .customers import CALL_LIST_COLUMNS, customer_list, iter_customer_list, labelled
    from .export import ExportNotes, UnwritableCharacter, conditions_rows, write_csv_stream, write_xlsx_stream
    from .text_checks import visible
    from .filters import CustomerFilters

    analysis = _analysis(args)
    # The scope takes region and category; channel and staff narrow the list as filters.
    scope = Scope(region=args.region or (), category=args.category or ())
    thresholds = _thresholds(args, analysis, scope)
    base = READY_VIEWS[args.view].filters if args.view else CustomerFilters()
    changes = {name: value for name, value in (
        ("tiers", tuple(args.tier or ())), ("status", args.status), ("cycle", tuple(args.cycle or ())),
        ("channel", tuple(args.channel or ())), ("staff", tuple(args.staff or ())), ("search", args.search or ""),
    ) if value}
    filters = base.replace(**changes)
    columns = tuple(c.strip() for c in args.columns.split(",") if c.strip()) if args.columns else CALL_LIST_COLUMNS
    sort = args.sort or (READY_VIEWS[args.view].sort if args.view else "customer_id")
    as_of = _date(args.as_of, "--as-of") or analysis.default_as_of()
    total = customer_list(analysis, thresholds, as_of, scope, filters, sort, 0)[0]
    _record_export(args, "export", total, view=args.view, as_of=as_of, thresholds=thresholds,
                   scope=scope, filters=filters, format=args.format, columns=",".join(columns))
    chunks = (labelled(chunk, args.lang) for chunk in iter_customer_list(
        analysis, thresholds, as_of, scope, filters, sort, columns))
    notes = ExportNotes()  # what had to change so that every value fits the file, said below
    if args.format == "csv":
        try:
            rows = write_csv_stream(chunks, args.out, encoding=args.encoding, cp932_errors=args.cp932_errors,
                                    notes=notes)
        except UnwritableCharacter as refused:
            if refused.encoding != "cp932":
                raise
            raise CliError("cli_cp932_refused", row=refused.row, column=refused.column,
                           char=visible(refused.char)) from None
    else:
        meta = conditions_rows(lang=args.lang, view=args.view, as_of=as_of, thresholds=thresholds, scope=scope,
                               filters=filters, rows=None)
        rows = write_xlsx_stream(chunks, args.out, meta, lang=args.lang, notes=notes)
    _wrote(args, rows, "cli_wrote_customers")
    if notes.replaced:
        _say(args, text("export_replaced_note", _lang(args), n=notes.replaced))
    if notes.cut:
        _say(args, text("export_cut_note", _lang(args), n=len(notes.cut)))
    return 0


@command("suggest")
def cmd_suggest(args: argparse.Namespace) -> int:
    from .engine import suggest_thresholds

    analysis = _analysis(args)
    suggestions = suggest_thresholds(analysis, as_of=_date(args.as_of, "--as-of"), scope=_scope(args))
    for suggestion in suggestions.values():
        value = plain_number(suggestion.value) if isinstance(suggestion.value, (float, Decimal)) else suggestion.value
        print(f"{suggestion.name} = {value}: {suggestion.reason(args.lang)}")
    return 0


@command("summary")
def cmd_summary(args: argparse.Namespace) -> int:
    from .engine import tier_counts
    from .export import display_width
    from .texts import status_name, tier_name

    lang = _lang(args)
    analysis = _analysis(args)
    scope = _scope(args)
    _warn_unmatched_scope(args, analysis, scope)
    as_of = _date(args.as_of, "--as-of") or analysis.default_as_of()
    frame = tier_counts(analysis, _thresholds(args, analysis, scope), as_of=as_of, scope=scope)
    customers = int(frame["customers"].sum())
    print(text("cli_summary_header", lang, customers=customers, as_of=as_of.isoformat(), scope=scope.describe(lang)))
    staff = cli_users.viewer(args).staff
    if staff is not None:  # a staff user's "all customers" are their own: said as the dashboard says it
        print(text("staff_scope_note", lang, staff=staff))
    statuses = [None if lapsed is None or pd.isna(lapsed) else bool(lapsed) for lapsed in frame["lapsed"]]
    labels = [f"{tier_name(tier, lang)} {status_name(lapsed, lang)}".strip()
              for tier, lapsed in zip(frame["tier"], statuses)]
    width = max(map(display_width, labels), default=0)
    for label, count, share in zip(labels, frame["customers"], frame["share"]):
        padding = " " * (width - display_width(label))
        print(f"  {label}{padding}  {int(count):>10,}  {float(share):6.1%}")
    return 0


@command("users")
def cmd_users(args: argparse.Namespace) -> int:
    for line in cli_users.cmd_users(args):
        _say(args, line)
    return 0


@command("audit")
def cmd_audit(args: argparse.Namespace) -> int:
    _wrote(args, cli_users.cmd_audit(args, _date(args.since, "--since")))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit status (0, 2 for a user error, 130 when interrupted).

    The console script `segmentation` calls `sys.exit(main())`.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or a bad flag already said in one line
        return stop.code if isinstance(stop.code, int) else 2
    args.messages = []
    lang = _lang(args)
    try:
        status = COMMANDS[args.command](args)
    except CliError as error:
        print(f"error: {error.message(lang)}", file=sys.stderr)
        return 2
    except SegmentationError as error:
        # Errors raised by the package keep their English sentence; only the CLI's own are localised.
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"error: {text('cli_interrupted', lang)}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of standard output went away (`| head`): stop quietly, and keep Python
        # from complaining when it flushes standard output at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    for message in args.messages:
        print(message, file=sys.stderr)
    return status
