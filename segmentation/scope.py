"""Which customers an analysis looks at: the scope filters as one small registry.

Each kind yields its SQL fragment, its parameter and the sentence a page shows, so a caption can
never disagree with the query. Fragments are predicates on `cid` (the analysis' integer customer
key); values travel only as parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .errors import ScopeError


@dataclass(frozen=True)
class ScopeKind:
    name: str
    fragment: str  # a predicate on cid with one list parameter named after the kind
    label_ja: str
    label_en: str


SCOPE_KINDS: dict[str, ScopeKind] = {
    kind.name: kind
    for kind in (
        ScopeKind(
            "channel",
            "cid IN (SELECT cid FROM cust WHERE list_contains($scope_channel, channel))",
            "獲得経路", "acquired by",
        ),
        ScopeKind(
            "region",
            "cid IN (SELECT cid FROM cust WHERE list_contains($scope_region, region))",
            "地域", "in region",
        ),
        ScopeKind(
            "staff",
            "cid IN (SELECT cid FROM cust WHERE list_contains($scope_staff, staff))",
            "担当", "looked after by",
        ),
        ScopeKind(
            "category",
            "cid IN (SELECT cid FROM cust_category WHERE list_contains($scope_category, category))",
            "購入カテゴリ", "who bought",
        ),
    )
}


def _values(kind: str, values: Iterable[str] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    cleaned = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ScopeError(f"The {kind} scope needs non-empty text values, not {value!r}.")
        cleaned.append(value)
    return tuple(dict.fromkeys(cleaned))


@dataclass(frozen=True)
class Scope:
    """Restricts an analysis to customers matching every kind given (values of one kind: any).

    `category` keeps customers who bought that product category at any time; all their orders
    still count.
    """

    channel: tuple[str, ...] = field(default=())
    region: tuple[str, ...] = field(default=())
    staff: tuple[str, ...] = field(default=())
    category: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in SCOPE_KINDS:
            object.__setattr__(self, name, _values(name, getattr(self, name)))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Iterable[str] | str | None] | None) -> "Scope":
        values = dict(values or {})
        unknown = sorted(set(values) - set(SCOPE_KINDS))
        if unknown:
            raise ScopeError(f"Unknown scope kind {unknown[0]!r}; use one of {', '.join(SCOPE_KINDS)}.")
        return cls(**{k: _values(k, v) for k, v in values.items()})

    def active_kinds(self) -> list[str]:
        return [name for name in SCOPE_KINDS if getattr(self, name)]

    def is_empty(self) -> bool:
        return not self.active_kinds()

    def sql(self) -> tuple[str, dict[str, list[str]]]:
        """`(predicate, params)`: a predicate on `cid`, `TRUE` when the scope is empty."""
        fragments, params = [], {}
        for name in self.active_kinds():
            fragments.append(SCOPE_KINDS[name].fragment)
            params[f"scope_{name}"] = list(getattr(self, name))
        return (" AND ".join(fragments) if fragments else "TRUE"), params

    def describe(self, lang: str = "en") -> str:
        """The sentence a page shows above scoped results."""
        if self.is_empty():
            return "全顧客" if lang == "ja" else "all customers"
        parts = []
        for name in self.active_kinds():
            kind = SCOPE_KINDS[name]
            values = "、".join(getattr(self, name)) if lang == "ja" else ", ".join(getattr(self, name))
            parts.append(f"{kind.label_ja}: {values}" if lang == "ja" else f"{kind.label_en} {values}")
        return ("顧客（" + " / ".join(parts) + "）") if lang == "ja" else "customers " + " and ".join(parts)


ALL_CUSTOMERS = Scope()
