"""The CLI's part for channels: the figures `channels` writes (the funnel, days to loyal and
costs per channel, `channel_cost.channel_economics`) and `costs`, which enters, removes or lists
what acquiring customers through a channel cost in a month. Their flags are in `cli_parser`.

`costs --channel NAME --month YYYY-MM --amount X` enters (or replaces) a cost, `--remove`
instead of `--amount` removes it, `--out FILE` writes every cost entered. Entering and removing
are for admins (`access.ACTIONS["set_costs"]`; with `--as-user`, the user's role decides) and
each is one audit row (action `channel_cost`).
"""

from __future__ import annotations

import argparse
from typing import Callable

import pandas as pd

from . import cli_users
from .channel_cost import channel_economics, costs_frame, delete_cost, month_of, read_costs, set_cost
from .cli_output import CliError, sorted_rows
from .cli_parser import plain_number
from .scope import Scope
from .periods import to_date
from .texts import text
from .thresholds import Thresholds

__all__ = ["channels_frame", "cmd_costs"]


def channels_frame(args: argparse.Namespace, analysis, thresholds: Thresholds, scope: Scope) -> pd.DataFrame:
    """`channel_conversion`'s columns, then the days to loyal and the costs read from the file, at
    `--as-of`; largest channel first, then by name (unknown channel last): one row per channel."""
    as_of = None if args.as_of is None else to_date(args.as_of, "--as-of")
    frame = channel_economics(analysis, thresholds, as_of=as_of, scope=scope, costs=read_costs(args.db))
    return sorted_rows(frame, ("acquired", "channel"), ("acquired",))


def cmd_costs(args: argparse.Namespace, lang: str, say: Callable[[str], None],
              write: Callable[[pd.DataFrame], None]) -> int:
    """Enter, remove or list costs; `say` a line for stderr, `write` the costs listed."""
    if not args.db:
        raise CliError("cli_need_db")
    if args.channel is None and args.month is None and args.amount is None and not args.remove:
        if not args.out:
            raise CliError("cli_costs_usage")
        write(costs_frame(read_costs(args.db)))
        return 0
    if args.channel is None or args.month is None or (args.amount is not None) == bool(args.remove):
        raise CliError("cli_costs_usage")
    who = cli_users.viewer(args)
    month = month_of(args.month).strftime("%Y-%m")
    if args.remove:
        removed = delete_cost(args.db, who, args.channel, args.month)
        say(text("cli_cost_deleted" if removed else "cli_cost_missing", lang, channel=args.channel, month=month))
        return 0
    channel, _, amount = set_cost(args.db, who, args.channel, args.month, args.amount)
    say(text("cli_cost_saved", lang, channel=channel, month=month, amount=plain_number(amount)))
    return 0
