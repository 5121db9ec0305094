"""The thresholds a manager moves with sliders: one immutable, validated value."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import ThresholdError
from .text_checks import shortened

VALUE_AXES = ("orders", "amount")

#: The amount threshold used when the data suggests none (too few repeat customers): the one
#: default of the engine, the sidebar and the CLI.
DEFAULT_MIN_AMOUNT = Decimal("10000")


def _whole(name: str, value: Any, minimum: int, maximum: int) -> int:
    if isinstance(value, bool):
        raise ThresholdError(f"{name} must be a whole number, not {value!r}.")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ThresholdError(f"{name} must be a whole number, not {value!r}.") from None
    if isinstance(value, float) and value != number:
        raise ThresholdError(f"{name} must be a whole number, not {value!r}.")
    if isinstance(value, str) and value.strip() != str(number):
        raise ThresholdError(f"{name} must be a whole number, not {value!r}.")
    if not minimum <= number <= maximum:
        raise ThresholdError(f"{name} must be between {minimum} and {maximum}, not {number}.")
    return number


@dataclass(frozen=True)
class Thresholds:
    """What "buys often", "buys over a long time" and "lapsed" mean for one business.

    `min_orders` f: high when F >= f (orders axis). `min_tenure_days` t: long when T >= t.
    `lapse_days` r: lapsed when R > r. `value_axis` `amount` decides "high" by M >= `min_amount`
    instead. `overdue_factor` and `due_window_days` set the cycle status of repeat customers.
    """

    min_orders: int = 5
    min_tenure_days: int = 365
    lapse_days: int = 180
    value_axis: str = "orders"
    min_amount: Decimal | None = None
    overdue_factor: float = 1.5
    due_window_days: int = 14

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "min_orders", _whole("min_orders", self.min_orders, 2, 1_000_000))
        set_(self, "min_tenure_days", _whole("min_tenure_days", self.min_tenure_days, 0, 36_500))
        set_(self, "lapse_days", _whole("lapse_days", self.lapse_days, 0, 36_500))
        set_(self, "due_window_days", _whole("due_window_days", self.due_window_days, 0, 3_650))
        if self.value_axis not in VALUE_AXES:
            raise ThresholdError(f"value_axis must be 'orders' or 'amount', not {self.value_axis!r}.")
        if self.min_amount is not None:
            try:
                amount = Decimal(str(self.min_amount))
            except (InvalidOperation, ValueError):
                raise ThresholdError(f"min_amount must be a number, not {self.min_amount!r}.") from None
            if not amount.is_finite() or amount <= 0:
                raise ThresholdError(f"min_amount must be a positive number, not {self.min_amount!r}.")
            try:
                amount = amount.quantize(Decimal("0.01"))
            except InvalidOperation:  # more digits than a Decimal holds: no amount is that large
                raise ThresholdError(f"min_amount is too large: {shortened(str(self.min_amount))}.") from None
            if amount <= 0:
                raise ThresholdError(f"min_amount must be at least 0.01, not {self.min_amount!r}.")
            set_(self, "min_amount", amount)
        elif self.value_axis == "amount":
            raise ThresholdError("min_amount is needed when value_axis is 'amount'.")
        try:
            factor = float(self.overdue_factor)
        except (TypeError, ValueError):
            raise ThresholdError(f"overdue_factor must be a number, not {self.overdue_factor!r}.") from None
        if not 1.0 <= factor <= 100.0:
            raise ThresholdError(f"overdue_factor must be between 1 and 100, not {factor}.")
        set_(self, "overdue_factor", factor)

    @property
    def min_amount_cents(self) -> int | None:
        return None if self.min_amount is None else int(self.min_amount * 100)

    def replace(self, **changes: Any) -> "Thresholds":
        return replace(self, **changes)

    def without_tier_rules(self) -> "Thresholds":
        """These thresholds with the rules that decide the tiers of repeat customers (`min_orders`,
        `min_tenure_days`, `value_axis`, `min_amount`) at their defaults: what a figure that reads
        no such tier (the lapsed status, the cycle, prospects and first-time customers) is keyed
        by, so that moving those sliders finds it already counted."""
        default = DEFAULT_THRESHOLDS
        return replace(self, min_orders=default.min_orders, min_tenure_days=default.min_tenure_days,
                       value_axis=default.value_axis, min_amount=default.min_amount)

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["min_amount"] = None if self.min_amount is None else str(self.min_amount)
        return values

    def describe(self, lang: str = "ja") -> list[str]:
        """The thresholds as sentences a manager reads (the export's 条件 sheet, the CLI)."""
        from .texts import format_amount, text

        values = self.as_dict()
        if self.value_axis == "amount":
            first = text("thresholds_desc_amount", lang, min_amount=format_amount(self.min_amount, lang))
        else:
            first = text("thresholds_desc_orders", lang, **values)
        return [first, *(text(f"thresholds_desc_{key}", lang, **values) for key in ("tenure", "lapse", "cycle"))]

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "Thresholds":
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__ and v is not None}
        return cls(**known)


DEFAULT_THRESHOLDS = Thresholds()
