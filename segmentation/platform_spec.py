"""How a shop platform's order export is read: a declarative description, one per platform.

A `Platform` names the headers that identify the platform's order export, which header holds
each field the dashboard needs, how an order's amount is made from the export's money columns,
and which orders are not orders (cancelled, refunded, test, unpaid). The importer (`shop_orders`)
applies it; each platform's description lives in its own module (`platform_shopify`, ...) and
`platforms.PLATFORMS` lists them all.

The rules every description follows (they are the import's contract, see docs/import.md):

- Headers are found by name, never by position, compared after Unicode NFKC, case folding and
  trimming (`header_key`), so `メールアドレス`, `ﾒｰﾙｱﾄﾞﾚｽ` and ` メールアドレス ` are one header.
  Each field lists candidate headers; the first one the file has wins (columns move and are
  renamed between platform versions, so list every name a version has used).
- One row per line item. Every order-level value (order id, date, customer, amounts, statuses)
  is taken ONCE per order: the first non-empty value over the order's rows in file order. So a
  total written on the first row only, and one repeated on every item, shipping and fee row,
  both count once.
- An order's amount = the sum over `order_amount` parts (each taken once per order, times its
  sign) + the sum over the order's rows of `item_amount` (one header: the line's amount; two
  headers: unit price x quantity). Use a total column when the platform has one; choose the total
  WITH tax, shipping and fees, AFTER the shop's own discounts (discount codes, adjustments) and
  BEFORE points, coupons and gift cards the customer paid with (a means of payment, not a lower
  price): where the only total is after points, add the points back with a `+1` part. A partial
  refund column is a `-1` part.
- An order is excluded when any `Exclude` matches it (value compared after `header_key`
  normalisation; `values=None` means any non-empty value). Reasons: "cancelled", "refunded",
  "test", "unpaid".
- The customer is `customer_id` (a member id) where the order has one; otherwise its e-mail
  (trimmed, lower-cased); otherwise its phone as `tel:` + digits. A guest whose e-mail matches a
  member's e-mail elsewhere in the import (or in the database) is that member.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

#: Reasons an order of a platform export is not an order; the report counts each.
EXCLUDE_REASONS = ("cancelled", "refunded", "test", "unpaid")

#: The fields a platform description may map (order-level, taken once per order).
ORDER_FIELDS = (
    "order_id",     # required: the order number the shop shows
    "order_date",   # required: when it was ordered (the calendar date as written)
    "customer_id",  # the member id; empty for guests
    "email",
    "phone",
    "name",
    "company",
    "region",       # prefecture / province
    "channel",      # how the customer came (source, referrer)
    "campaign",
    "category",
)


def header_key(text: str) -> str:
    """A header (or a status value) as compared: NFKC, case-folded, trimmed, inner runs of
    spaces made one (`' Ｅｍａｉｌ '` -> `'email'`)."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


@dataclass(frozen=True)
class Part:
    """An order-level money column, taken once per order: `sign` +1 adds it, -1 subtracts it.

    `headers` are candidates, the first present wins; a part whose headers are all absent from
    the file counts 0 (a column an older version lacked).
    """

    headers: tuple[str, ...]
    sign: int = 1


@dataclass(frozen=True)
class Exclude:
    """Orders not to import: where a column (first present of `headers`) holds one of `values`
    (compared by `header_key`), or any non-empty value when `values` is None."""

    headers: tuple[str, ...]
    reason: str
    values: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.reason not in EXCLUDE_REASONS:
            raise ValueError(f"unknown reason {self.reason!r}; use one of {EXCLUDE_REASONS}")


@dataclass(frozen=True)
class Platform:
    """One shop platform's order export (see the module docstring for the rules)."""

    name: str                                   # short, for --platform: "shopify"
    label_ja: str                               # "Shopify 注文CSV"
    label_en: str                               # "Shopify orders export"
    recognise: tuple[str, ...]                  # headers that together identify the export
    fields: dict[str, tuple[str, ...]]          # ORDER_FIELDS name -> candidate headers
    order_amount: tuple[Part, ...] = ()         # order-level money columns, each once per order
    item_amount: tuple[str, ...] = ()           # per-row amount: (amount,) or (unit price, quantity)
    exclude: tuple[Exclude, ...] = ()
    encoding: str = "utf-8"                     # what the platform writes: "utf-8", "cp932"
    notes_ja: str = ""                          # what is taken, in a sentence or two
    notes_en: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # anything else worth documenting

    def __post_init__(self) -> None:
        unknown = set(self.fields) - set(ORDER_FIELDS)
        if unknown:
            raise ValueError(f"{self.name}: unknown fields {sorted(unknown)}")
        for required in ("order_id", "order_date"):
            if required not in self.fields:
                raise ValueError(f"{self.name}: no headers for {required}")
        if not self.order_amount and not self.item_amount:
            raise ValueError(f"{self.name}: no way to make an order's amount")
        if len(self.item_amount) > 2:
            raise ValueError(f"{self.name}: item_amount is (amount,) or (unit price, quantity)")

    def matches(self, headers: list[str]) -> bool:
        """Whether a file with these headers is this platform's export."""
        present = {header_key(h) for h in headers}
        return all(header_key(h) in present for h in self.recognise)
