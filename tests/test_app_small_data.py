"""Tiny databases still render every page: one customer with one order, only prospects, and
everyone in one tier."""

from __future__ import annotations

import pytest

from apptest_support import assert_no_exception, open_app  # noqa: F401  (fixture)
from conftest import write_db

PAGES = ["pages/overview.py", "pages/trends.py", "pages/customers.py", "pages/customer.py"]

DATASETS = {
    "one customer, one order": dict(customers=[("0001", "2025-01-05")],
                                    orders=[("o1", "0001", "2025-01-10", 1980)]),
    "only prospects": dict(customers=[("p1", "2025-01-05"), ("p2", None)], orders=[]),
    "everyone loyal": dict(
        customers=[(f"c{i}", "2023-01-01") for i in range(3)],
        orders=[(f"o{i}-{k}", f"c{i}", f"2023-{k + 1:02d}-15", 1000) for i in range(3) for k in range(6)]
        + [(f"z{i}", f"c{i}", "2024-03-01", 1000) for i in range(3)],
    ),
}


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_tiny_data(open_app, tmp_path, name, page):
    db = write_db(tmp_path / "tiny.duckdb", **DATASETS[name])
    query = {"id": "0001"} if page.endswith("customer.py") else None
    at = open_app(db, page=page, query=query)
    assert_no_exception(at)
