"""The tiers as data: codes, display order, names in both languages and the one colour palette.

The rules that decide a tier live in `rules.py` (as SQL) and in `docs/tiers.md` (as prose);
everything that *names*, *ranks* or *colours* a tier comes from here, down to the ranks and the
grid of every (tier, status) in the SQL, so every chart, table, export and query agrees.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tier:
    code: str
    rank: int  # display order, low to high; a move to a higher rank is a promotion
    name_ja: str
    name_en: str
    colour: str  # active customers
    lapsed_colour: str  # the same hue, paler, for lapsed customers

    def name(self, lang: str) -> str:
        return self.name_ja if lang == "ja" else self.name_en


TIERS: tuple[Tier, ...] = (
    Tier("prospect", 0, "見込み客", "Prospect", "#9AA5B1", "#D5DAE0"),
    Tier("first", 1, "初回客", "First-time", "#4EA8DE", "#B9DDF3"),
    Tier("nascent", 2, "よちよち客", "Nascent", "#F4A261", "#FAD6B8"),
    Tier("steady", 3, "こつこつ客", "Steady", "#2A9D8F", "#A8D8D2"),
    Tier("trend", 4, "流行客", "Trend", "#E63946", "#F5B3B8"),
    Tier("loyal", 5, "優良客", "Loyal", "#6A4C93", "#C9B8DE"),
)

TIER_CODES: tuple[str, ...] = tuple(t.code for t in TIERS)
BY_CODE: dict[str, Tier] = {t.code: t for t in TIERS}
BY_RANK: dict[int, Tier] = {t.rank: t for t in TIERS}
#: The rank of each tier by code, for the SQL that decides tiers (`rules.py`).
RANK: dict[str, int] = {t.code: t.rank for t in TIERS}

#: Statuses every tier but `prospect` is split by.
STATUSES: tuple[str, ...] = ("active", "lapsed")

#: Kinds of movement between two period ends, in the order charts show them.
MOVEMENTS: tuple[str, ...] = ("new", "promoted", "demoted", "lapsed", "reactivated")

#: Cycle statuses of customers with two orders or more, in order of urgency.
CYCLE_STATUSES: tuple[str, ...] = ("overdue", "due", "not_due")


#: Every (tier rank, lapsed) a customer can be in, in display order: prospects have no status
#: (None); every other tier is active (False) or lapsed (True).
TIER_STATUS_KEYS: tuple[tuple[int, bool | None], ...] = tuple(
    key for t in TIERS for key in ([(t.rank, None)] if t.code == "prospect" else [(t.rank, False), (t.rank, True)])
)


def tier(code: str) -> Tier:
    return BY_CODE[code]


def code_of(rank: int) -> str:
    """The tier code of a rank."""
    return BY_RANK[int(rank)].code
