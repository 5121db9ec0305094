"""The one text catalogue: every sentence and label the CLI and the dashboard show, in Japanese
and English. Tier names live with the tiers (`tiers.py`) and are reached through `tier_name`.
"""

from __future__ import annotations

from .tiers import BY_CODE

LANGS = ("ja", "en")

TEXTS: dict[str, dict[str, str]] = {
    # Suggested thresholds
    "reason_min_orders": {
        "ja": "リピート客{count:,}人のうち上位4分の1は{value}回以上購入しています。",
        "en": "The top quarter of the {count:,} repeat customers have ordered {value} times or more.",
    },
    "reason_min_tenure_days": {
        "ja": "リピート客の半数は{median:,}日以上にわたって購入しています（30日単位で切り上げ）。",
        "en": "Half of the repeat customers have bought over {median:,} days or longer (rounded up to 30 days).",
    },
    "reason_lapse_days": {
        "ja": "注文と注文の間隔{gaps:,}件の9割は{value}日以内です。それより長い空白は普通ではありません。",
        "en": "9 in 10 of the {gaps:,} gaps between a customer's orders are {value} days or shorter; a longer silence is unusual.",
    },
    "reason_min_amount": {
        "ja": "リピート客{count:,}人のうち上位4分の1は累計{value:,.0f}円以上購入しています。",
        "en": "The top quarter of the {count:,} repeat customers have spent {value:,.0f} or more in total.",
    },
    "reason_default": {
        "ja": "リピート客が{count}人しかいないため、標準値のままにしています。",
        "en": "Only {count} repeat customers so far, so this stays at the standard value.",
    },
    # Statuses and movements
    "status_active": {"ja": "現役", "en": "Active"},
    "status_lapsed": {"ja": "離脱", "en": "Lapsed"},
    "movement_new": {"ja": "新規", "en": "New"},
    "movement_promoted": {"ja": "昇格", "en": "Promoted"},
    "movement_demoted": {"ja": "降格", "en": "Demoted"},
    "movement_lapsed": {"ja": "離脱", "en": "Lapsed"},
    "movement_reactivated": {"ja": "復帰", "en": "Reactivated"},
    "cycle_overdue": {"ja": "遅延（離反の恐れ）", "en": "Overdue"},
    "cycle_due": {"ja": "購入時期", "en": "Due"},
    "cycle_not_due": {"ja": "まだ先", "en": "Not due"},
    "tier_new": {"ja": "新規", "en": "New"},
}


def text(key: str, lang: str = "ja", **values) -> str:
    """The sentence `key` in `lang` (ja or en), with `values` filled in."""
    entry = TEXTS[key]
    template = entry.get(lang) or entry["en"]
    return template.format(**values) if values else template


def tier_name(code: str, lang: str = "ja") -> str:
    if code == "new":
        return text("tier_new", lang)
    return BY_CODE[code].name(lang)


def status_name(lapsed: bool | None, lang: str = "ja") -> str:
    if lapsed is None:
        return ""
    return text("status_lapsed" if lapsed else "status_active", lang)
