"""Who the demo customers are on paper: names, companies, addresses, phones, staff and contact notes.

Faker (ja_JP) fills small pools of Japanese names (with their romanised readings for e-mail
addresses), companies, street addresses, phone numbers and staff names once per seed
(`faker_pools`); the `customers` and `contacts` tables then draw from those pools with the
generator's numpy random stream, so one million customers take seconds. Prefectures are drawn
by population and give the customer's region; businesses get a company name and an e-mail
address at example.co.jp; a customer's own staff member makes most of their contacts. Contacts fall
between the customer record's creation and the end of the last day, mostly in business hours,
with a note that fits their kind (mostly visits and calls for businesses, mail and direct mail for
private customers).

`demo` decides who is a business, who has which staff member and how often each customer is
contacted; this module only turns those decisions into rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .demo_arrays import customer_ids, normalised, text_column

#: Number of staff members in the pool.
STAFF_COUNT = 12

#: The 47 prefectures by region, weighted by population (millions, 2020 census, rounded).
_PREFECTURES: tuple[tuple[str, str, float], ...] = (
    ("北海道", "北海道", 5.22),
    ("東北", "青森県", 1.24), ("東北", "岩手県", 1.21), ("東北", "宮城県", 2.30),
    ("東北", "秋田県", 0.96), ("東北", "山形県", 1.07), ("東北", "福島県", 1.83),
    ("関東", "茨城県", 2.87), ("関東", "栃木県", 1.93), ("関東", "群馬県", 1.94),
    ("関東", "埼玉県", 7.34), ("関東", "千葉県", 6.28), ("関東", "東京都", 14.05),
    ("関東", "神奈川県", 9.24),
    ("中部", "新潟県", 2.20), ("中部", "富山県", 1.03), ("中部", "石川県", 1.13),
    ("中部", "福井県", 0.77), ("中部", "山梨県", 0.81), ("中部", "長野県", 2.05),
    ("中部", "岐阜県", 1.98), ("中部", "静岡県", 3.63), ("中部", "愛知県", 7.54),
    ("近畿", "三重県", 1.77), ("近畿", "滋賀県", 1.41), ("近畿", "京都府", 2.58),
    ("近畿", "大阪府", 8.84), ("近畿", "兵庫県", 5.47), ("近畿", "奈良県", 1.32),
    ("近畿", "和歌山県", 0.92),
    ("中国", "鳥取県", 0.55), ("中国", "島根県", 0.67), ("中国", "岡山県", 1.89),
    ("中国", "広島県", 2.80), ("中国", "山口県", 1.34),
    ("四国", "徳島県", 0.72), ("四国", "香川県", 0.95), ("四国", "愛媛県", 1.33),
    ("四国", "高知県", 0.69),
    ("九州", "福岡県", 5.14), ("九州", "佐賀県", 0.81), ("九州", "長崎県", 1.31),
    ("九州", "熊本県", 1.74), ("九州", "大分県", 1.12), ("九州", "宮崎県", 1.07),
    ("九州", "鹿児島県", 1.59), ("九州", "沖縄県", 1.47),
)
REGIONS: tuple[str, ...] = ("北海道", "東北", "関東", "中部", "近畿", "中国", "四国", "九州")

#: Kinds of contact with their share for businesses and for private customers, and their notes.
CONTACT_KINDS: tuple[str, ...] = ("visit", "call", "mail", "direct_mail", "event")
_KIND_WEIGHTS_B2B = (0.35, 0.30, 0.20, 0.10, 0.05)
_KIND_WEIGHTS_B2C = (0.04, 0.24, 0.37, 0.25, 0.10)
_NOTES: dict[str, tuple[str, ...]] = {
    "visit": (
        "新商品のサンプルを持参した。",
        "定期便の内容を見直した。",
        "店舗での試飲会を提案した。",
        "来期の発注量を相談した。",
    ),
    "call": (
        "次回の注文時期を確認した。",
        "配送日の変更を受け付けた。",
        "お礼の電話をした。",
        "在庫切れのお詫びをした。",
    ),
    "mail": (
        "季節限定品の案内を送った。",
        "問い合わせに回答した。",
        "見積書を送付した。",
    ),
    "direct_mail": (
        "カタログを郵送した。",
        "ギフトカタログを郵送した。",
        "クーポン付きはがきを送った。",
    ),
    "event": (
        "試飲イベントに来場された。",
        "焙煎セミナーに参加された。",
        "展示会のブースに立ち寄られた。",
    ),
}
_EMAIL_DOMAINS = ("example.co.jp", "example.ne.jp", "example.jp", "example.com")


# --- Faker pools ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pools:
    """Small pools of names, companies, addresses, phone numbers and staff, as Arrow arrays."""

    last_names: pa.Array
    last_romanized: pa.Array
    first_names: pa.Array
    first_romanized: pa.Array
    companies: pa.Array
    street_addresses: pa.Array
    phones: pa.Array
    staff: pa.Array


@lru_cache(maxsize=8)
def faker_pools(seed: int) -> Pools:
    """Small pools of Japanese names, companies, addresses and phone numbers, drawn once per seed."""
    from faker import Faker  # only needed here; keeps importing the package light

    fake = Faker("ja_JP")
    fake.seed_instance(seed)
    last = [fake.last_name_pair() for _ in range(300)]
    first = [fake.first_name_pair() for _ in range(300)]
    companies = [fake.company() for _ in range(1_000)]
    streets = [fake.city() + fake.town() + fake.chome() + fake.ban() + fake.gou() for _ in range(2_000)]
    phones = [fake.phone_number() for _ in range(2_000)]
    staff = []
    while len(staff) < STAFF_COUNT:
        name = f"{fake.last_name()} {fake.first_name()}"
        if name not in staff:
            staff.append(name)
    return Pools(
        last_names=pa.array([kanji for kanji, _, _ in last]),
        last_romanized=pa.array([roman.lower() for _, _, roman in last]),
        first_names=pa.array([kanji for kanji, _, _ in first]),
        first_romanized=pa.array([roman.lower() for _, _, roman in first]),
        companies=pa.array(companies),
        street_addresses=pa.array(streets),
        phones=pa.array(phones),
        staff=pa.array(staff),
    )


# --- The customers and contacts tables ----------------------------------------------------------


def customer_frame(
    rng: np.random.Generator,
    pools: Pools,
    *,
    channels: Sequence[str],
    channel: np.ndarray,
    b2b: np.ndarray,
    staff_index: np.ndarray,
    id_numbers: np.ndarray,
    created_ago: np.ndarray,
    created_seconds: np.ndarray,
    end_ts: np.datetime64,
) -> pd.DataFrame:
    """The `customers` table, in customer number order.

    Per customer: `channel` indexes `channels`, `b2b` says whether it is a business,
    `staff_index` indexes the staff pool (-1 for none), `id_numbers` is its customer number and
    `created_ago`, `created_seconds` say when its record was created (days before `end_ts`,
    seconds into that day).
    """
    size = len(id_numbers)
    last = rng.integers(0, len(pools.last_names), size)
    first = rng.integers(0, len(pools.first_names), size)
    name = pc.binary_join_element_wise(pools.last_names.take(last), pools.first_names.take(first), " ")
    company = pools.companies.take(pa.array(rng.integers(0, len(pools.companies), size), mask=~b2b))

    domain = np.where(b2b, 0, rng.integers(0, len(_EMAIL_DOMAINS), size))
    email = pc.binary_join_element_wise(
        pools.first_romanized.take(first),
        ".",
        pools.last_romanized.take(last),
        pc.cast(pa.array(id_numbers), pa.string()),
        "@",
        pa.array(_EMAIL_DOMAINS).take(domain),
        "",
    )
    phone = pools.phones.take(pa.array(rng.integers(0, len(pools.phones), size), mask=rng.random(size) < 0.05))

    prefecture_weights = normalised([weight for _, _, weight in _PREFECTURES])
    prefecture = rng.choice(len(_PREFECTURES), size=size, p=prefecture_weights)
    region_of = np.array([REGIONS.index(region) for region, _, _ in _PREFECTURES])
    street = pools.street_addresses.take(rng.integers(0, len(pools.street_addresses), size))
    address = pc.binary_join_element_wise(
        pa.array([name for _, name, _ in _PREFECTURES]).take(prefecture), street, ""
    )
    staff = pools.staff.take(pa.array(np.maximum(staff_index, 0), mask=staff_index < 0))
    created_at = end_ts - created_ago * np.timedelta64(86_400, "s") + created_seconds * np.timedelta64(1, "s")

    order = np.argsort(id_numbers)
    take = pa.array(order)
    frame = pd.DataFrame(
        {
            "customer_id": text_column(customer_ids(id_numbers[order], size)),
            "name": text_column(name.take(take)),
            "company": text_column(company.take(take)),
            "email": text_column(email.take(take)),
            "phone": text_column(phone.take(take)),
            "region": text_column(pa.array(REGIONS).take(region_of[prefecture][order])),
            "address": text_column(address.take(take)),
            "channel": text_column(pa.array(channels).take(channel[order])),
            "staff": text_column(staff.take(take)),
            "created_at": created_at[order],
        }
    )
    return frame


def contact_frame(
    rng: np.random.Generator,
    pools: Pools,
    *,
    chance: np.ndarray,
    mean_extra: np.ndarray,
    b2b: np.ndarray,
    staff_index: np.ndarray,
    id_numbers: np.ndarray,
    created_ago: np.ndarray,
    created_seconds: np.ndarray,
    end_ts: np.datetime64,
) -> pd.DataFrame:
    """The `contacts` table, in time order (without `contact_id`: the database numbers contacts).

    A customer is contacted with probability `chance`, then 1 + Poisson(`mean_extra`) times (at
    most 15); the other arguments are as in `customer_frame`.
    """
    size = len(id_numbers)
    contacted = rng.random(size) < chance
    count = np.where(contacted, np.minimum(1 + rng.poisson(mean_extra), 15), 0)
    total = int(count.sum())
    customer = np.repeat(np.arange(size, dtype=np.int64), count)

    # Any moment between the record's creation and the end of the last day.
    created_at = created_ago[customer] * -86_400 + created_seconds[customer]
    latest = 86_400 - 1
    moment = created_at + np.floor(rng.random(total) * (latest - created_at + 1)).astype(np.int64)
    day_start = np.floor_divide(moment, 86_400) * 86_400
    business_hours = day_start + rng.integers(9 * 3600, 19 * 3600, total)
    moment = np.where(business_hours >= created_at, business_hours, moment)
    contacted_at = end_ts + moment * np.timedelta64(1, "s")

    kind = np.where(
        b2b[customer],
        rng.choice(len(CONTACT_KINDS), size=total, p=normalised(_KIND_WEIGHTS_B2B)),
        rng.choice(len(CONTACT_KINDS), size=total, p=normalised(_KIND_WEIGHTS_B2C)),
    )
    notes = [note for code in CONTACT_KINDS for note in _NOTES[code]]
    note_start = np.cumsum([0] + [len(_NOTES[code]) for code in CONTACT_KINDS])[:-1]
    note_count = np.array([len(_NOTES[code]) for code in CONTACT_KINDS])
    note = note_start[kind] + np.floor(rng.random(total) * note_count[kind]).astype(np.int64)

    # Contacts are made by the customer's own staff when they have one, else by anyone.
    own_staff = staff_index[customer]
    anyone = rng.integers(0, len(pools.staff), total)
    staff = np.where((own_staff >= 0) & (rng.random(total) < 0.85), own_staff, anyone)

    sort = np.lexsort((id_numbers[customer], contacted_at))
    return pd.DataFrame(
        {
            "customer_id": text_column(customer_ids(id_numbers[customer[sort]], size)),
            "contacted_at": contacted_at[sort],
            "kind": text_column(pa.array(CONTACT_KINDS).take(kind[sort])),
            "staff": text_column(pools.staff.take(staff[sort])),
            "note": text_column(pa.array(notes).take(note[sort])),
        }
    )
