"""The CLI's part for `compare`: the two threshold settings from `--a-...` and `--b-...` flags
(a saved preset and/or thresholds on top of it), and the matrix written as CSV. Its flags are in
`cli_parser.add_setting`.
"""

from __future__ import annotations

import argparse
import re
from typing import Callable

import pandas as pd

from .cli_output import CliError, bool_text
from .cli_parser import plain_number
from .errors import ThresholdError
from .scope import Scope
from .texts import text
from .thresholds import DEFAULT_MIN_AMOUNT, DEFAULT_THRESHOLDS, Thresholds

__all__ = ["SETTING_FIELDS", "compare_rows", "setting"]

#: The threshold fields one side of `compare` can set (`--a-min-orders`, ...).
SETTING_FIELDS = ("min_orders", "min_tenure_days", "lapse_days", "value_axis", "min_amount")


def setting(args: argparse.Namespace, side: str, analysis, scope: Scope, lang: str,
            say: Callable[[str], None]) -> Thresholds:
    """Side `side` (a or b): its preset (or the standard thresholds) with the flags given on
    top; an amount axis without an amount takes the one the data suggests (said with `say`).
    A bad value is refused naming the side's flag (`--b-min-orders must be ...`)."""
    from .presets import list_presets

    base = DEFAULT_THRESHOLDS
    name = getattr(args, f"{side}_preset")
    if name is not None:
        saved = list_presets(args.db)
        if name not in saved:
            raise CliError("cli_compare_unknown_preset", flag=f"--{side}-preset", name=name,
                           names=", ".join(saved) or text("cli_compare_no_presets", lang))
        base = saved[name]
    changes = {field: getattr(args, f"{side}_{field}") for field in SETTING_FIELDS
               if getattr(args, f"{side}_{field}") is not None}
    if changes.get("value_axis", base.value_axis) == "amount" and changes.get("min_amount", base.min_amount) is None:
        from .engine import suggest_thresholds

        suggestion = suggest_thresholds(analysis, scope=scope)["min_amount"]
        changes["min_amount"] = DEFAULT_MIN_AMOUNT if suggestion.reason_key == "reason_default" else suggestion.value
        say(text("cli_compare_note_min_amount", lang, flag=f"--{side}-min-amount",
                 value=plain_number(changes["min_amount"]), reason=suggestion.reason(lang)))
    try:
        return base.replace(**changes)
    except ThresholdError as error:
        message = re.sub(r"\b(" + "|".join(SETTING_FIELDS) + r")\b",
                         lambda match: f"--{side}-{match.group(1).replace('_', '-')}", str(error))
        raise ThresholdError(message) from None


def compare_rows(args: argparse.Namespace, analysis, scope: Scope, as_of, lang: str,
                 say: Callable[[str], None]) -> pd.DataFrame:
    """The matrix of `compare.compare` for the two sides, statuses as true/false (empty for
    prospects), rows in display order."""
    from .compare import compare

    setting_a = setting(args, "a", analysis, scope, lang, say)
    setting_b = setting(args, "b", analysis, scope, lang, say)
    frame = compare(analysis, setting_a, setting_b, as_of=as_of, scope=scope)
    for column in ("lapsed_a", "lapsed_b"):
        frame[column] = [bool_text(value) for value in frame[column]]
    return frame
