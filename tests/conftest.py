"""Shared fixtures: small databases built in tmp_path, and no leaking of a developer's settings."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Iterable

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from segmentation import schema  # noqa: E402


@pytest.fixture(autouse=True)
def _no_developer_settings(monkeypatch):
    """A developer's own SEGMENTATION_DB never reaches a test."""
    monkeypatch.delenv("SEGMENTATION_DB", raising=False)


def write_db(
    path: Path,
    customers: Iterable[tuple] = (),
    orders: Iterable[tuple] = (),
    contacts: Iterable[tuple] = (),
) -> Path:
    """A database file holding exactly these rows.

    customers: (customer_id, created_at) or (customer_id, created_at, channel, region, staff);
    orders: (order_id, customer_id, order_date, amount) or with campaign and category;
    contacts: (customer_id, contacted_at, kind, staff, note).
    """
    with schema.writing(path) as con:
        for row in customers:
            row = tuple(row) + (None,) * (5 - len(row))
            con.execute(
                "INSERT INTO customers (customer_id, created_at, channel, region, staff) VALUES (?, ?, ?, ?, ?)",
                list(row[:5]),
            )
        for row in orders:
            row = tuple(row) + (None,) * (6 - len(row))
            con.execute(
                "INSERT INTO orders (order_id, customer_id, order_date, amount, campaign, category) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                list(row[:6]),
            )
        for row in contacts:
            con.execute(
                "INSERT INTO contacts (customer_id, contacted_at, kind, staff, note) VALUES (?, ?, ?, ?, ?)",
                list(row),
            )
    return path


@pytest.fixture
def make_db(tmp_path):
    """`make_db(customers=..., orders=...)` -> path of a fresh database in tmp_path."""
    counter = iter(range(1_000_000))

    def build(customers=(), orders=(), contacts=()) -> Path:
        return write_db(tmp_path / f"db{next(counter)}.duckdb", customers, orders, contacts)

    return build


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
