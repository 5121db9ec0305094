"""Deterministic demo data: customers, orders and contacts of a Japanese coffee and tea shop.

`generate` plants personas whose tiers the engine should recover under the default thresholds
(min_orders 5, min_tenure_days 365, lapse_days 180): prospects that never ordered, one-time
buyers, nascent repeaters, steady buyers on long cycles, loyal customers on short cycles (some
overdue, some due), trend buyers who pile in after a campaign and stop, and churners who were
regular and stopped. The acquisition channel shifts the persona mix (referrals and trade shows
bring loyal customers, web ads one-time buyers, SNS trend buyers).

Everything is drawn with one `numpy.random.default_rng(seed)` and vectorised, so one million
customers take seconds; Faker only fills small pools of names, companies, addresses and phone
numbers once. The same (customers, seed, end) gives byte-identical frames.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema
from .errors import SegmentationError

__all__ = [
    "DemoData",
    "DemoCounts",
    "DemoDataError",
    "MIN_CUSTOMERS",
    "MAX_CUSTOMERS",
    "HISTORY_YEARS",
    "CHANNELS",
    "CATEGORIES",
    "CONTACT_KINDS",
    "PERSONAS",
    "generate",
    "build_demo_database",
]

MIN_CUSTOMERS = 100
MAX_CUSTOMERS = 10_000_000
HISTORY_YEARS = 3


class DemoDataError(SegmentationError, ValueError):
    """The demo data cannot be made as asked: a bad size or end date, or a database already in use."""


# --- The shop's vocabulary -------------------------------------------------------------------

#: Acquisition channels and the share of customers each brings.
CHANNELS: tuple[str, ...] = ("ダイレクトメール", "Web広告", "紹介", "展示会", "SNS", "店頭")
_CHANNEL_WEIGHTS = (0.14, 0.28, 0.12, 0.08, 0.22, 0.16)

#: Personas planted in the data, in the column order of `_PERSONA_WEIGHTS`.
PERSONAS: tuple[str, ...] = ("prospect", "one_time", "nascent", "steady", "loyal", "trend", "churner")
(_PROSPECT, _ONE_TIME, _NASCENT, _STEADY, _LOYAL, _TREND, _CHURNER) = range(len(PERSONAS))

#: Persona mix per channel (rows follow CHANNELS; each row is normalised).
_PERSONA_WEIGHTS = (
    # prospect one_time nascent steady loyal trend churner
    (10, 29, 18, 22, 6, 3, 12),  # ダイレクトメール
    (12, 38, 20, 14, 3, 5, 8),  # Web広告
    (6, 17, 17, 27, 16, 3, 14),  # 紹介
    (15, 18, 17, 25, 12, 2, 11),  # 展示会
    (10, 30, 21, 11, 3, 17, 8),  # SNS
    (7, 30, 21, 22, 6, 4, 10),  # 店頭
)

#: Share of each channel's customers that are businesses (B2B, with a company name).
_B2B_BY_CHANNEL = (0.45, 0.35, 0.55, 0.85, 0.20, 0.25)

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

#: Product categories, their share of orders overall, and a price factor.
CATEGORIES: tuple[str, ...] = ("コーヒー豆", "紅茶", "菓子", "ギフト", "器具", "定期便")
_CATEGORY_WEIGHTS = (0.34, 0.16, 0.16, 0.14, 0.06, 0.14)
_CATEGORY_PRICE = (1.0, 0.85, 0.7, 1.6, 2.6, 1.1)

#: Each persona's favourite categories (rows follow PERSONAS; prospects never order).
_PREFERRED_CATEGORY = (
    (0.34, 0.16, 0.16, 0.14, 0.06, 0.14),
    (0.30, 0.12, 0.20, 0.28, 0.10, 0.00),
    (0.40, 0.18, 0.18, 0.12, 0.07, 0.05),
    (0.42, 0.22, 0.06, 0.22, 0.03, 0.05),
    (0.30, 0.10, 0.05, 0.03, 0.02, 0.50),
    (0.25, 0.10, 0.45, 0.15, 0.05, 0.00),
    (0.45, 0.15, 0.10, 0.05, 0.05, 0.20),
)
#: Median yen per order of each persona's customers (businesses spend more).
_MEDIAN_AMOUNT = (0, 3_200, 3_600, 5_200, 4_200, 2_800, 3_800)
_B2B_AMOUNT_FACTOR = 2.8
_MIN_AMOUNT, _MAX_AMOUNT = 1_980, 60_000

#: Campaigns that send trend buyers: (code prefix, season, month, day), repeated every year.
_CAMPAIGN_CALENDAR = (
    ("TV", "SPRING", 3, 20),
    ("SALE", "SUMMER", 7, 15),
    ("SNS", "AUTUMN", 10, 20),
    ("SALE", "WINTER", 12, 5),
)
#: Codes used outside the big campaigns (coupons and member discounts).
_EVERYDAY_CODES = ("DMCOUPON", "MEMBER10", "WELCOME500", "BIRTHDAY")
_CAMPAIGN_SHARE_OTHER = 0.08  # share of non-trend orders that use a code
_CAMPAIGN_LOOKBACK_DAYS = 45  # a non-trend order uses the latest big campaign this recent
_REFUND_SHARE = 0.005

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
_STAFF_COUNT = 12


# --- Public API --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoData:
    """The three demo tables as data frames, with the columns of the tables in `schema.py`.

    `contacts` has no `contact_id`: the database numbers contacts itself.
    """

    customers: pd.DataFrame
    orders: pd.DataFrame
    contacts: pd.DataFrame


@dataclass(frozen=True)
class DemoCounts:
    """Rows written by `build_demo_database` (orders counts refund rows too)."""

    customers: int
    orders: int
    contacts: int

    def __str__(self) -> str:
        return f"{self.customers:,} customers, {self.orders:,} order rows, {self.contacts:,} contacts"


def generate(customers: int = 10_000, seed: int = 42, end: datetime.date | None = None) -> DemoData:
    """Demo customers, orders and contacts over the three years that end on `end` (default today).

    The same `customers`, `seed` and `end` always give identical frames. No order or contact is
    dated after `end`, and no customer orders before the day their record was created.
    """
    count = _checked_size(customers)
    end = _checked_end(end)
    start = _years_before(end, HISTORY_YEARS)
    horizon = (end - start).days
    rng = np.random.default_rng(seed)
    pools = _pools(int(seed))
    campaigns = _campaigns(start, end)

    people = _draw_people(rng, count)
    plan = _plan_orders(rng, people, horizon, campaigns)
    orders, first_ago = _draw_orders(rng, people, plan, horizon, campaigns)
    created_ago, created_seconds = _draw_created(rng, people, first_ago, horizon)
    id_numbers = _number_customers(created_ago, created_seconds)
    end_ts = np.datetime64(end, "s")

    customer_frame = _customer_frame(rng, people, pools, id_numbers, created_ago, created_seconds, end_ts)
    order_frame = _order_frame(orders, id_numbers, campaigns, end)
    contact_frame = _contact_frame(rng, people, pools, id_numbers, created_ago, created_seconds, end_ts)
    return DemoData(customers=customer_frame, orders=order_frame, contacts=contact_frame)


def build_demo_database(
    path: str | os.PathLike,
    customers: int = 10_000,
    seed: int = 42,
    end: datetime.date | None = None,
) -> DemoCounts:
    """Create (or open) the database at `path` and fill it with demo data in one transaction.

    Refuses with `DemoDataError` when the customers, orders or contacts tables already hold
    rows, so demo data never mixes with real data.
    """
    count = _checked_size(customers)
    end = _checked_end(end)
    if os.path.exists(path):
        # Checked before generating so a filled database is refused at once; checked again below.
        try:
            with schema.reading(path) as con:
                _refuse_filled(con, path)
        except DemoDataError:
            raise
        except SegmentationError:
            pass  # not readable as a database yet: `writing` reports or repairs that
    data = generate(count, seed, end)
    contact_columns = ", ".join(data.contacts.columns)
    with schema.writing(path) as con:
        _refuse_filled(con, path)
        for table, frame in (("customers", data.customers), ("orders", data.orders)):
            view = f"demo_{table}"
            con.register(view, frame)
            try:
                con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM {view}")
            finally:
                con.unregister(view)
        con.register("demo_contacts", data.contacts)
        try:
            con.execute(f"INSERT INTO contacts ({contact_columns}) SELECT * FROM demo_contacts")
        finally:
            con.unregister("demo_contacts")
    return DemoCounts(customers=len(data.customers), orders=len(data.orders), contacts=len(data.contacts))


# --- Checks --------------------------------------------------------------------------------------


def _checked_size(customers: int) -> int:
    if isinstance(customers, bool) or not isinstance(customers, (int, np.integer)):
        raise DemoDataError(f"The number of demo customers must be a whole number, not {customers!r}.")
    if not MIN_CUSTOMERS <= customers <= MAX_CUSTOMERS:
        raise DemoDataError(
            f"The number of demo customers must be between {MIN_CUSTOMERS:,} and {MAX_CUSTOMERS:,}, "
            f"not {customers:,}."
        )
    return int(customers)


def _checked_end(end: datetime.date | str | None) -> datetime.date:
    if end is None:
        return datetime.date.today()
    if isinstance(end, datetime.datetime):
        return end.date()
    if isinstance(end, datetime.date):
        return end
    if isinstance(end, str):
        try:
            return datetime.date.fromisoformat(end)
        except ValueError:
            pass
    raise DemoDataError(f"The demo data's end date must be a date such as 2026-11-20, not {end!r}.")


def _refuse_filled(con, path) -> None:
    filled = con.execute(
        "SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM orders) "
        "+ (SELECT count(*) FROM contacts)"
    ).fetchall()[0][0]
    if filled:
        raise DemoDataError(
            f"{path} already holds customers, orders or contacts; demo data goes only into an empty "
            "database. Choose a new file or delete this one."
        )


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- Faker pools ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pools:
    last_names: pa.Array
    last_romanized: pa.Array
    first_names: pa.Array
    first_romanized: pa.Array
    companies: pa.Array
    street_addresses: pa.Array
    phones: pa.Array
    staff: pa.Array


@lru_cache(maxsize=8)
def _pools(seed: int) -> _Pools:
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
    while len(staff) < _STAFF_COUNT:
        name = f"{fake.last_name()} {fake.first_name()}"
        if name not in staff:
            staff.append(name)
    return _Pools(
        last_names=pa.array([kanji for kanji, _, _ in last]),
        last_romanized=pa.array([roman.lower() for _, _, roman in last]),
        first_names=pa.array([kanji for kanji, _, _ in first]),
        first_romanized=pa.array([roman.lower() for _, _, roman in first]),
        companies=pa.array(companies),
        street_addresses=pa.array(streets),
        phones=pa.array(phones),
        staff=pa.array(staff),
    )


# --- Customers and personas ------------------------------------------------------------------


@dataclass(frozen=True)
class _People:
    channel: np.ndarray  # index into CHANNELS
    persona: np.ndarray  # index into PERSONAS
    b2b: np.ndarray  # bool
    staff: np.ndarray  # index of the assigned staff member, -1 for none


def _draw_people(rng: np.random.Generator, count: int) -> _People:
    channel = rng.choice(len(CHANNELS), size=count, p=_normalised(_CHANNEL_WEIGHTS))
    weights = np.array(_PERSONA_WEIGHTS, dtype=float)
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    cumulative[:, -1] = 1.0
    persona = (rng.random(count)[:, None] >= cumulative[channel]).sum(axis=1)
    b2b = rng.random(count) < np.asarray(_B2B_BY_CHANNEL)[channel]
    # Businesses nearly always have an assigned staff member, private customers less often.
    has_staff = rng.random(count) < np.where(b2b, 0.95, 0.7)
    staff = np.where(has_staff, rng.integers(0, _STAFF_COUNT, count), -1)
    return _People(channel=channel, persona=persona, b2b=b2b, staff=staff)


def _acquisition_ago(rng: np.random.Generator, size: int, horizon: int) -> np.ndarray:
    """Days before `end` a customer arrived: spread over the history, denser recently."""
    uniform = rng.random(size) * horizon
    recent = (1.0 - np.sqrt(rng.random(size))) * horizon  # density falls linearly with age
    return np.where(rng.random(size) < 0.5, uniform, recent)


@dataclass(frozen=True)
class _Plan:
    """Each customer's orders as a regular sequence, counted back from the last order.

    Order k of n falls `last_ago + (n - 1 - k) * step` days before `end`, inner orders moved
    by up to `jitter * step` either way. Trend buyers carry the index of their campaign.
    """

    count: np.ndarray
    last_ago: np.ndarray
    step: np.ndarray
    jitter: np.ndarray
    campaign: np.ndarray  # index into campaigns, -1 for none


def _plan_orders(rng: np.random.Generator, people: _People, horizon: int, campaigns) -> _Plan:
    size = len(people.persona)
    persona = people.persona
    count = np.zeros(size, dtype=np.int64)
    last_ago = np.zeros(size)
    step = np.ones(size)
    jitter = np.zeros(size)
    campaign = np.full(size, -1, dtype=np.int64)

    # One-time buyers: a single order at their acquisition.
    who = np.flatnonzero(persona == _ONE_TIME)
    count[who] = 1
    last_ago[who] = _acquisition_ago(rng, who.size, horizon)

    # Nascent repeaters: 2-4 orders over less than a year, most of them starting recently.
    who = np.flatnonzero(persona == _NASCENT)
    n = rng.choice([2, 3, 4], size=who.size, p=[0.5, 0.3, 0.2])
    recent = rng.random(who.size) < 0.7
    first_ago = np.where(recent, rng.uniform(30, 300, who.size), rng.uniform(200, horizon, who.size))
    span = np.minimum(first_ago * rng.uniform(0.35, 1.0, who.size), 330.0)
    count[who] = n
    step[who] = span / (n - 1)
    last_ago[who] = first_ago - span
    jitter[who] = 0.3

    # Steady buyers: 3-4 orders on 120-240 day cycles, or yearly gift buyers with 2 orders.
    who = np.flatnonzero(persona == _STEADY)
    n = rng.choice([2, 3, 4], size=who.size, p=[0.3, 0.45, 0.25])
    cycle = np.where(
        n == 2,
        rng.uniform(365, 400, who.size),
        rng.uniform(np.minimum(np.maximum(120.0, 366.0 / np.maximum(n - 1, 1)), 240.0), 240.0),
    )
    ago = _regular_phase(rng, cycle, due=0.15, overdue=0.10, lapsed=0.30)
    count[who] = n
    step[who] = cycle
    room = horizon - (n - 1) * cycle  # the latest last order that keeps the first one in the history
    last_ago[who] = np.where(ago <= room, ago, rng.random(who.size) * room)
    jitter[who] = 0.15

    # Loyal customers: 20-60 day cycles for more than a year, still ordering (some due, some overdue).
    who = np.flatnonzero(persona == _LOYAL)
    cycle = 20 + 40 * np.sqrt(rng.random(who.size))  # 20-60 days, monthly or so most often
    ago = _regular_phase(rng, cycle, due=0.2, overdue=0.25, lapsed=0.0)
    longest = horizon - ago
    tenure = 370 + (longest - 370) * rng.random(who.size) ** 4
    count[who] = np.ceil(tenure / cycle).astype(np.int64) + 1
    step[who] = cycle
    last_ago[who] = ago
    jitter[who] = 0.25

    # Churners: were regular on 40-100 day cycles, stopped more than 180 days ago.
    who = np.flatnonzero(persona == _CHURNER)
    cycle = rng.uniform(40, 100, who.size)
    ago = rng.uniform(185, horizon - 380, who.size)
    tenure = rng.uniform(150, np.minimum(horizon - ago, 650))
    count[who] = np.floor(tenure / cycle).astype(np.int64) + 1
    step[who] = cycle
    last_ago[who] = ago
    jitter[who] = 0.25

    # Trend buyers: 5-8 orders within weeks after one campaign, then nothing.
    who = np.flatnonzero(persona == _TREND)
    if len(campaigns.ago):
        chosen = rng.choice(len(campaigns.ago), size=who.size, p=campaigns.pull)
        campaign_ago = campaigns.ago[chosen].astype(float)
        first_ago = campaign_ago - np.minimum(rng.uniform(0, 10, who.size), campaign_ago / 2)
        window = np.minimum(rng.uniform(14, 120, who.size), first_ago * rng.uniform(0.5, 1.0, who.size))
        # A campaign days ago has had time for a few orders only (about one every two days).
        n = np.minimum(rng.integers(5, 9, who.size), 1 + np.floor(window / 2).astype(np.int64))
        count[who] = n
        step[who] = np.where(n > 1, window / np.maximum(n - 1, 1), 1.0)
        last_ago[who] = first_ago - window
        jitter[who] = 0.45
        campaign[who] = chosen
    else:  # a history too short for any campaign: they buy once
        count[who] = 1
        last_ago[who] = _acquisition_ago(rng, who.size, horizon)

    # No sequence starts before the history does.
    longest_count = np.floor((horizon - last_ago) / step).astype(np.int64) + 1
    count = np.where(count > 1, np.minimum(count, np.maximum(longest_count, 1)), count)
    return _Plan(count=count, last_ago=last_ago, step=step, jitter=jitter, campaign=campaign)


def _regular_phase(rng, cycle, *, due, overdue, lapsed) -> np.ndarray:
    """Days since the last order of a regular customer, by phase of their cycle.

    `due`: the next order falls within about two weeks; `overdue`: 1.6-3 cycles have passed
    (still within 180 days); `lapsed`: 181-500 days; otherwise somewhere within the cycle.
    """
    size = cycle.size
    phase = rng.random(size)
    within = rng.random(size) * (cycle - 14).clip(min=1)
    due_ago = cycle - rng.uniform(-3, 13, size)
    overdue_ago = np.minimum(cycle * rng.uniform(1.6, 3.0, size), 178.0)
    overdue_ago = np.maximum(overdue_ago, cycle * 1.6)
    lapsed_ago = rng.uniform(181, 500, size)
    return np.select(
        [phase < due, phase < due + overdue, phase < due + overdue + lapsed],
        [due_ago, overdue_ago, lapsed_ago],
        within,
    )


@dataclass(frozen=True)
class _Campaigns:
    codes: tuple[str, ...]
    ago: np.ndarray  # days before end, oldest first
    pull: np.ndarray  # probability a trend buyer came with each campaign


def _campaigns(start: datetime.date, end: datetime.date) -> _Campaigns:
    found = []
    for year in range(start.year, end.year + 1):
        for prefix, season, month, day in _CAMPAIGN_CALENDAR:
            when = datetime.date(year, month, day)
            if start + datetime.timedelta(days=10) <= when <= end - datetime.timedelta(days=3):
                found.append((when, f"{prefix}{year}{season}", 1.6 if prefix in ("TV", "SNS") else 1.0))
    found.sort()
    ago = np.array([(end - when).days for when, _, _ in found], dtype=np.int64)
    # Media mentions and SNS buzz pull more than sales, and the shop grows: recent ones pull more.
    recency = 1.5 - ago / max((end - start).days, 1)
    pull = np.array([weight for _, _, weight in found], dtype=float) * recency
    return _Campaigns(
        codes=tuple(code for _, code, _ in found),
        ago=ago,
        pull=pull / pull.sum() if len(pull) else pull,
    )


# --- Orders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Orders:
    customer: np.ndarray  # customer index
    ago: np.ndarray  # days before end
    amount: np.ndarray  # whole yen, negative for refunds
    category: np.ndarray  # index into CATEGORIES
    code: np.ndarray  # index into campaign codes then _EVERYDAY_CODES, -1 for none
    number: np.ndarray  # order number; refunds carry their original order's number
    refund: np.ndarray  # bool


def _draw_orders(rng, people: _People, plan: _Plan, horizon: int, campaigns: _Campaigns):
    size = len(people.persona)
    total = int(plan.count.sum())
    customer = np.repeat(np.arange(size, dtype=np.int64), plan.count)
    starts = np.cumsum(plan.count) - plan.count
    position = np.arange(total, dtype=np.int64) - np.repeat(starts, plan.count)
    back = plan.count[customer] - 1 - position
    step = plan.step[customer]
    inner = (position > 0) & (back > 0)
    shift = np.where(inner, rng.uniform(-1, 1, total) * plan.jitter[customer] * step, 0.0)
    ago = np.clip(np.rint(plan.last_ago[customer] + back * step + shift), 0, horizon).astype(np.int64)

    first_ago = np.full(size, -1, dtype=np.int64)
    buyers = plan.count > 0
    if total:
        first_ago[buyers] = np.maximum.reduceat(ago, starts[buyers])

    # Category: mostly the customer's favourite, sometimes anything.
    preferred = _pick_rows(rng, np.asarray(_PREFERRED_CATEGORY), people.persona)
    anything = rng.choice(len(CATEGORIES), size=total, p=_normalised(_CATEGORY_WEIGHTS))
    category = np.where(rng.random(total) < 0.75, preferred[customer], anything)

    # Amount: a customer's usual spend, varied per order, priced by category, in whole 10 yen.
    usual = np.asarray(_MEDIAN_AMOUNT, dtype=float)[people.persona] * rng.lognormal(0.0, 0.35, size)
    usual = np.where(people.b2b, usual * _B2B_AMOUNT_FACTOR, usual)
    raw = usual[customer] * rng.lognormal(0.0, 0.25, total) * np.asarray(_CATEGORY_PRICE)[category]
    amount = np.clip(np.rint(raw / 10) * 10, _MIN_AMOUNT, _MAX_AMOUNT).astype(np.int64)

    # Campaign codes: trend buyers' orders carry their campaign; a few others use the latest
    # recent campaign or an everyday coupon.
    campaign_count = len(campaigns.codes)
    code = np.full(total, -1, dtype=np.int64)
    trend_order = plan.campaign[customer] >= 0
    tagged = trend_order & ((position == 0) | (rng.random(total) < 0.7))
    code[tagged] = plan.campaign[customer][tagged]
    other = ~trend_order & (rng.random(total) < _CAMPAIGN_SHARE_OTHER)
    everyday = campaign_count + rng.integers(0, len(_EVERYDAY_CODES), total)
    if campaign_count:
        # campaigns.ago runs oldest first (decreasing); the latest campaign on or before an order
        # is the last one whose ago is at least the order's.
        latest = np.searchsorted(-campaigns.ago, -ago, side="right") - 1
        latest_valid = latest >= 0
        gap = np.where(latest_valid, campaigns.ago[np.maximum(latest, 0)] - ago, horizon)
        recent_campaign = latest_valid & (gap <= _CAMPAIGN_LOOKBACK_DAYS)
        other_code = np.where(recent_campaign, latest, everyday)
    else:
        other_code = everyday
    code[other] = other_code[other]

    # Orders are numbered in date order (ties by customer and sequence).
    order = np.lexsort((position, customer, -ago))
    number = np.empty(total, dtype=np.int64)
    number[order] = np.arange(1, total + 1, dtype=np.int64)

    # Refunds: a later row on "R" + the original number, for all or part of the amount.
    refunded = np.flatnonzero(rng.random(total) < _REFUND_SHARE)
    whole = rng.random(refunded.size) < 0.65
    part = np.rint(amount[refunded] * rng.uniform(0.2, 0.8, refunded.size) / 10) * 10
    refund_amount = -np.where(whole, amount[refunded], np.maximum(part, 10)).astype(np.int64)
    refund_ago = np.maximum(ago[refunded] - rng.integers(1, 11, refunded.size), 0)

    orders = _Orders(
        customer=np.concatenate([customer, customer[refunded]]),
        ago=np.concatenate([ago, refund_ago]),
        amount=np.concatenate([amount, refund_amount]),
        category=np.concatenate([category, category[refunded]]),
        code=np.concatenate([code, code[refunded]]),
        number=np.concatenate([number, number[refunded]]),
        refund=np.concatenate([np.zeros(total, dtype=bool), np.ones(refunded.size, dtype=bool)]),
    )
    return orders, first_ago


def _draw_created(rng, people: _People, first_ago: np.ndarray, horizon: int):
    """When each customer record was created: days before end and seconds into that day.

    Buyers' records are created on the day of their first order or up to two months before it;
    prospects arrive like everyone else, denser recently.
    """
    size = len(people.persona)
    room = np.clip(horizon - first_ago, 0, 60)  # never before the history starts
    lead = np.where(rng.random(size) < 0.7, 0, np.floor(rng.random(size) * (room + 1)).astype(np.int64))
    prospects_ago = np.rint(_acquisition_ago(rng, size, horizon)).astype(np.int64)
    created_ago = np.where(first_ago >= 0, first_ago + lead, prospects_ago)
    seconds = rng.integers(9 * 3600, 21 * 3600, size)
    return created_ago, seconds


def _number_customers(created_ago: np.ndarray, created_seconds: np.ndarray) -> np.ndarray:
    """Customer numbers 1..n in the order their records were created."""
    order = np.lexsort((created_seconds, -created_ago))
    numbers = np.empty(created_ago.size, dtype=np.int64)
    numbers[order] = np.arange(1, created_ago.size + 1, dtype=np.int64)
    return numbers


# --- Frames --------------------------------------------------------------------------------------


def _customer_frame(rng, people: _People, pools: _Pools, id_numbers, created_ago, created_seconds, end_ts):
    size = len(people.persona)
    width = max(7, len(str(size)))
    last = rng.integers(0, len(pools.last_names), size)
    first = rng.integers(0, len(pools.first_names), size)
    name = pc.binary_join_element_wise(pools.last_names.take(last), pools.first_names.take(first), " ")
    company = pools.companies.take(pa.array(rng.integers(0, len(pools.companies), size), mask=~people.b2b))

    domain = np.where(people.b2b, 0, rng.integers(0, len(_EMAIL_DOMAINS), size))
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

    prefecture_weights = _normalised([weight for _, _, weight in _PREFECTURES])
    prefecture = rng.choice(len(_PREFECTURES), size=size, p=prefecture_weights)
    region_of = np.array([REGIONS.index(region) for region, _, _ in _PREFECTURES])
    street = pools.street_addresses.take(rng.integers(0, len(pools.street_addresses), size))
    address = pc.binary_join_element_wise(
        pa.array([name for _, name, _ in _PREFECTURES]).take(prefecture), street, ""
    )
    staff = pools.staff.take(pa.array(np.maximum(people.staff, 0), mask=people.staff < 0))
    created_at = end_ts - created_ago * np.timedelta64(86_400, "s") + created_seconds * np.timedelta64(1, "s")

    order = np.argsort(id_numbers)
    take = pa.array(order)
    frame = pd.DataFrame(
        {
            "customer_id": _text(_padded("", id_numbers[order], width)),
            "name": _text(name.take(take)),
            "company": _text(company.take(take)),
            "email": _text(email.take(take)),
            "phone": _text(phone.take(take)),
            "region": _text(pa.array(REGIONS).take(region_of[prefecture][order])),
            "address": _text(address.take(take)),
            "channel": _text(pa.array(CHANNELS).take(people.channel[order])),
            "staff": _text(staff.take(take)),
            "created_at": created_at[order],
        }
    )
    return frame


def _order_frame(orders: _Orders, id_numbers, campaigns: _Campaigns, end: datetime.date) -> pd.DataFrame:
    size = len(id_numbers)
    width = max(7, len(str(size)))
    number_width = max(8, len(str(int(orders.number.max(initial=0)))))
    sort = np.lexsort((orders.refund, orders.number, -orders.ago))
    number = orders.number[sort]
    refund = orders.refund[sort]
    order_id = pc.if_else(
        pa.array(refund),
        _padded("R", number, number_width),
        _padded("O", number, number_width),
    )
    codes = pa.array(campaigns.codes + _EVERYDAY_CODES)
    code = orders.code[sort]
    end_day = np.datetime64(end, "D")
    order_date = (end_day - orders.ago[sort].astype("timedelta64[D]")).astype("datetime64[s]")
    return pd.DataFrame(
        {
            "order_id": _text(order_id),
            "customer_id": _text(_padded("", id_numbers[orders.customer[sort]], width)),
            "order_date": order_date,
            "amount": orders.amount[sort],
            "campaign": _text(codes.take(pa.array(np.maximum(code, 0), mask=code < 0))),
            "category": _text(pa.array(CATEGORIES).take(orders.category[sort])),
        }
    )


def _contact_frame(rng, people: _People, pools: _Pools, id_numbers, created_ago, created_seconds, end_ts):
    """About 40% of customers were contacted, loyal customers and businesses more often."""
    size = len(people.persona)
    width = max(7, len(str(size)))
    persona = people.persona
    regular = (persona == _LOYAL) | (persona == _CHURNER) | (persona == _STEADY)
    chance = np.where(regular, 0.55, 0.28) + np.where(people.b2b, 0.15, 0.0)
    contacted = rng.random(size) < chance
    mean_extra = np.where(persona == _LOYAL, 3.0, np.where(regular, 1.5, 0.8)) + np.where(people.b2b, 1.5, 0.0)
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
        people.b2b[customer],
        rng.choice(len(CONTACT_KINDS), size=total, p=_normalised(_KIND_WEIGHTS_B2B)),
        rng.choice(len(CONTACT_KINDS), size=total, p=_normalised(_KIND_WEIGHTS_B2C)),
    )
    notes = [note for code in CONTACT_KINDS for note in _NOTES[code]]
    note_start = np.cumsum([0] + [len(_NOTES[code]) for code in CONTACT_KINDS])[:-1]
    note_count = np.array([len(_NOTES[code]) for code in CONTACT_KINDS])
    note = note_start[kind] + np.floor(rng.random(total) * note_count[kind]).astype(np.int64)

    # Contacts are made by the customer's own staff when they have one, else by anyone.
    own_staff = people.staff[customer]
    anyone = rng.integers(0, len(pools.staff), total)
    staff = np.where((own_staff >= 0) & (rng.random(total) < 0.85), own_staff, anyone)

    sort = np.lexsort((id_numbers[customer], contacted_at))
    return pd.DataFrame(
        {
            "customer_id": _text(_padded("", id_numbers[customer[sort]], width)),
            "contacted_at": contacted_at[sort],
            "kind": _text(pa.array(CONTACT_KINDS).take(kind[sort])),
            "staff": _text(pools.staff.take(staff[sort])),
            "note": _text(pa.array(notes).take(note[sort])),
        }
    )


# --- Helpers -------------------------------------------------------------------------------------


def _normalised(weights) -> np.ndarray:
    weights = np.asarray(weights, dtype=float)
    return weights / weights.sum()


def _pick_rows(rng, probabilities: np.ndarray, row: np.ndarray) -> np.ndarray:
    """One column index per element, drawn from the probabilities in `probabilities[row]`."""
    cumulative = np.cumsum(probabilities / probabilities.sum(axis=1, keepdims=True), axis=1)
    cumulative[:, -1] = 1.0
    return (rng.random(row.size)[:, None] >= cumulative[row]).sum(axis=1)


def _padded(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """`prefix` + each number zero padded to `width` digits, built as bytes without a Python loop."""
    numbers = np.asarray(numbers, dtype=np.int64)
    size = numbers.size
    row = len(prefix) + width
    buffer = np.empty((size, row), dtype=np.uint8)
    buffer[:, : len(prefix)] = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    rest = numbers.copy()
    for column in range(row - 1, len(prefix) - 1, -1):  # one pass per digit, not per number
        buffer[:, column] = 48 + rest % 10
        rest //= 10
    offsets = np.arange(0, (size + 1) * row, row, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), size, [None, pa.py_buffer(offsets), pa.py_buffer(buffer.tobytes())])


def _text(values: pa.Array) -> pd.arrays.ArrowStringArray:
    """An Arrow string array as pandas' own `str` column (missing values stay missing)."""
    return pd.array(values, dtype="str")
