"""Vectorised array helpers shared by the demo generator's modules (`demo`, `demo_orders`,
`demo_pools`): normalised weights, one weighted draw per row, zero-padded ids built as Arrow
strings without a Python loop, and Arrow strings as pandas `str` columns.

Every helper works on whole arrays, so the generator stays fast at millions of rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

#: Customer ids have at least this many digits ("0000042").
CUSTOMER_ID_DIGITS = 7


def normalised(weights) -> np.ndarray:
    """The weights as floats that sum to 1."""
    weights = np.asarray(weights, dtype=float)
    return weights / weights.sum()


def pick_rows(rng: np.random.Generator, probabilities: np.ndarray, row: np.ndarray) -> np.ndarray:
    """One column index per element, drawn from the probabilities in `probabilities[row]`."""
    cumulative = np.cumsum(probabilities / probabilities.sum(axis=1, keepdims=True), axis=1)
    cumulative[:, -1] = 1.0
    return (rng.random(row.size)[:, None] >= cumulative[row]).sum(axis=1)


def padded(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
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


def customer_ids(numbers: np.ndarray, customers: int) -> pa.Array:
    """The ids of customers numbered `numbers` among `customers` customers: the same width in
    every table, at least `CUSTOMER_ID_DIGITS` digits and enough for the largest number."""
    return padded("", numbers, max(CUSTOMER_ID_DIGITS, len(str(customers))))


def text_column(values: pa.Array) -> pd.arrays.ArrowStringArray:
    """An Arrow string array as pandas' own `str` column (missing values stay missing)."""
    return pd.array(values, dtype="str")
