"""The demo shop's order rows: product categories, amounts, campaign codes and refunds.

`demo.generate` plans each customer's orders from their persona (how many, how far apart, when
the last one was: an `OrderPlan`); this module turns that plan into order rows and the
`orders` table. Categories follow each persona's favourites, amounts each customer's usual
spend priced by category (businesses spend more), trend buyers' orders carry the campaign that
brought them (TV and SNS campaigns pull more than sales, recent ones more than old ones), a few
other orders use a recent campaign or an everyday coupon, and about 0.5% of orders get a refund:
a later negative row on "R" + the original order number.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .demo_arrays import customer_ids, normalised, padded, pick_rows, text_column

#: Product categories, their share of orders overall, and a price factor.
CATEGORIES: tuple[str, ...] = ("コーヒー豆", "紅茶", "菓子", "ギフト", "器具", "定期便")
_CATEGORY_WEIGHTS = (0.34, 0.16, 0.16, 0.14, 0.06, 0.14)
_CATEGORY_PRICE = (1.0, 0.85, 0.7, 1.6, 2.6, 1.1)

#: Each persona's favourite categories (rows follow `demo.PERSONAS`; prospects never order).
_PREFERRED_CATEGORY = (
    (0.34, 0.16, 0.16, 0.14, 0.06, 0.14),
    (0.30, 0.12, 0.20, 0.28, 0.10, 0.00),
    (0.40, 0.18, 0.18, 0.12, 0.07, 0.05),
    (0.42, 0.22, 0.06, 0.22, 0.03, 0.05),
    (0.30, 0.10, 0.05, 0.03, 0.02, 0.50),
    (0.25, 0.10, 0.45, 0.15, 0.05, 0.00),
    (0.45, 0.15, 0.10, 0.05, 0.05, 0.20),
)
#: Median yen per order of each persona's customers (follows `demo.PERSONAS`; businesses spend more).
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


# --- Campaigns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Campaigns:
    """The big campaigns between the history's start and end."""

    codes: tuple[str, ...]
    ago: np.ndarray  # days before end, oldest first
    pull: np.ndarray  # probability a trend buyer came with each campaign


def campaigns_between(start: datetime.date, end: datetime.date) -> Campaigns:
    """The calendar's campaigns from 10 days after `start` to 3 days before `end`."""
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
    return Campaigns(
        codes=tuple(code for _, code, _ in found),
        ago=ago,
        pull=pull / pull.sum() if len(pull) else pull,
    )


# --- Orders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderPlan:
    """Each customer's orders as a regular sequence, counted back from the last order.

    Order k of n falls `last_ago + (n - 1 - k) * step` days before `end`, inner orders moved
    by up to `jitter * step` either way. Trend buyers carry the index of their campaign.
    """

    count: np.ndarray
    last_ago: np.ndarray
    step: np.ndarray
    jitter: np.ndarray
    campaign: np.ndarray  # index into campaigns, -1 for none


@dataclass(frozen=True)
class Orders:
    """The drawn order rows, refunds included, before they become the `orders` table."""

    customer: np.ndarray  # customer index
    ago: np.ndarray  # days before end
    amount: np.ndarray  # whole yen, negative for refunds
    category: np.ndarray  # index into CATEGORIES
    code: np.ndarray  # index into campaign codes then _EVERYDAY_CODES, -1 for none
    number: np.ndarray  # order number; refunds carry their original order's number
    refund: np.ndarray  # bool


def draw_orders(
    rng: np.random.Generator,
    persona: np.ndarray,
    b2b: np.ndarray,
    plan: OrderPlan,
    horizon: int,
    campaigns: Campaigns,
) -> tuple[Orders, np.ndarray]:
    """The order rows of the plan, and each customer's first order in days before end (-1 for none).

    `persona` holds each customer's index into `demo.PERSONAS`, `b2b` whether it is a business.
    """
    size = len(persona)
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
    preferred = pick_rows(rng, np.asarray(_PREFERRED_CATEGORY), persona)
    anything = rng.choice(len(CATEGORIES), size=total, p=normalised(_CATEGORY_WEIGHTS))
    category = np.where(rng.random(total) < 0.75, preferred[customer], anything)

    # Amount: a customer's usual spend, varied per order, priced by category, in whole 10 yen.
    usual = np.asarray(_MEDIAN_AMOUNT, dtype=float)[persona] * rng.lognormal(0.0, 0.35, size)
    usual = np.where(b2b, usual * _B2B_AMOUNT_FACTOR, usual)
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

    orders = Orders(
        customer=np.concatenate([customer, customer[refunded]]),
        ago=np.concatenate([ago, refund_ago]),
        amount=np.concatenate([amount, refund_amount]),
        category=np.concatenate([category, category[refunded]]),
        code=np.concatenate([code, code[refunded]]),
        number=np.concatenate([number, number[refunded]]),
        refund=np.concatenate([np.zeros(total, dtype=bool), np.ones(refunded.size, dtype=bool)]),
    )
    return orders, first_ago


# --- The orders table --------------------------------------------------------------------------


def order_frame(orders: Orders, id_numbers: np.ndarray, campaigns: Campaigns, end: datetime.date) -> pd.DataFrame:
    """The `orders` table: in date order, orders as "O" + number, refunds as "R" + the original number."""
    number_width = max(8, len(str(int(orders.number.max(initial=0)))))
    sort = np.lexsort((orders.refund, orders.number, -orders.ago))
    number = orders.number[sort]
    refund = orders.refund[sort]
    order_id = pc.if_else(
        pa.array(refund),
        padded("R", number, number_width),
        padded("O", number, number_width),
    )
    codes = pa.array(campaigns.codes + _EVERYDAY_CODES)
    code = orders.code[sort]
    end_day = np.datetime64(end, "D")
    order_date = (end_day - orders.ago[sort].astype("timedelta64[D]")).astype("datetime64[s]")
    return pd.DataFrame(
        {
            "order_id": text_column(order_id),
            "customer_id": text_column(customer_ids(id_numbers[orders.customer[sort]], len(id_numbers))),
            "order_date": order_date,
            "amount": orders.amount[sort],
            "campaign": text_column(codes.take(pa.array(np.maximum(code, 0), mask=code < 0))),
            "category": text_column(pa.array(CATEGORIES).take(orders.category[sort])),
        }
    )
