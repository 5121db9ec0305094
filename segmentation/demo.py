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

This module owns the public entry points (`generate`, `build_demo_database`), their checks, and
the persona logic: who each customer is (channel, persona, business or not, staff), how their
orders are planned, when their record was created, and how often they were contacted. The
order rows (categories, amounts, campaigns, refunds) are made in `demo_orders`; names,
addresses, companies, phones, staff and contact notes in `demo_pools`.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import schema
from .demo_arrays import normalised
from .demo_orders import CATEGORIES, Campaigns, OrderPlan, campaigns_between, draw_orders, order_frame
from .demo_pools import CONTACT_KINDS, REGIONS, STAFF_COUNT, contact_frame, customer_frame, faker_pools
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
    "REGIONS",
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
    pools = faker_pools(int(seed))
    campaigns = campaigns_between(start, end)

    people = _draw_people(rng, count)
    plan = _plan_orders(rng, people, horizon, campaigns)
    orders, first_ago = draw_orders(rng, people.persona, people.b2b, plan, horizon, campaigns)
    created_ago, created_seconds = _draw_created(rng, people, first_ago, horizon)
    id_numbers = _number_customers(created_ago, created_seconds)
    end_ts = np.datetime64(end, "s")
    created = {
        "id_numbers": id_numbers, "created_ago": created_ago, "created_seconds": created_seconds, "end_ts": end_ts
    }

    customer_table = customer_frame(
        rng, pools, channels=CHANNELS, channel=people.channel, b2b=people.b2b, staff_index=people.staff, **created
    )
    order_table = order_frame(orders, id_numbers, campaigns, end)
    chance, mean_extra = _contact_rates(people)
    contact_table = contact_frame(
        rng, pools, chance=chance, mean_extra=mean_extra, b2b=people.b2b, staff_index=people.staff, **created
    )
    return DemoData(customers=customer_table, orders=order_table, contacts=contact_table)


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


# --- Customers and personas ------------------------------------------------------------------


@dataclass(frozen=True)
class _People:
    channel: np.ndarray  # index into CHANNELS
    persona: np.ndarray  # index into PERSONAS
    b2b: np.ndarray  # bool
    staff: np.ndarray  # index of the assigned staff member, -1 for none


def _draw_people(rng: np.random.Generator, count: int) -> _People:
    channel = rng.choice(len(CHANNELS), size=count, p=normalised(_CHANNEL_WEIGHTS))
    weights = np.array(_PERSONA_WEIGHTS, dtype=float)
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    cumulative[:, -1] = 1.0
    persona = (rng.random(count)[:, None] >= cumulative[channel]).sum(axis=1)
    b2b = rng.random(count) < np.asarray(_B2B_BY_CHANNEL)[channel]
    # Businesses nearly always have an assigned staff member, private customers less often.
    has_staff = rng.random(count) < np.where(b2b, 0.95, 0.7)
    staff = np.where(has_staff, rng.integers(0, STAFF_COUNT, count), -1)
    return _People(channel=channel, persona=persona, b2b=b2b, staff=staff)


def _acquisition_ago(rng: np.random.Generator, size: int, horizon: int) -> np.ndarray:
    """Days before `end` a customer arrived: spread over the history, denser recently."""
    uniform = rng.random(size) * horizon
    recent = (1.0 - np.sqrt(rng.random(size))) * horizon  # density falls linearly with age
    return np.where(rng.random(size) < 0.5, uniform, recent)


def _plan_orders(rng: np.random.Generator, people: _People, horizon: int, campaigns: Campaigns) -> OrderPlan:
    """Each customer's orders as a regular sequence, by persona (see `OrderPlan`)."""
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
    return OrderPlan(count=count, last_ago=last_ago, step=step, jitter=jitter, campaign=campaign)


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


def _contact_rates(people: _People) -> tuple[np.ndarray, np.ndarray]:
    """How often each customer was contacted: the chance of any contact, and the mean number of
    contacts after the first. About 40% of customers were contacted, loyal customers and
    businesses more often."""
    persona = people.persona
    regular = (persona == _LOYAL) | (persona == _CHURNER) | (persona == _STEADY)
    chance = np.where(regular, 0.55, 0.28) + np.where(people.b2b, 0.15, 0.0)
    mean_extra = np.where(persona == _LOYAL, 3.0, np.where(regular, 1.5, 0.8)) + np.where(people.b2b, 1.5, 0.0)
    return chance, mean_extra
