"""Answers kept beside the database for the next start: what the first page asks.

A restart on unchanged data loads the analysis from its cache (`analysis_store`) in a fraction
of a second, but the first page still has its questions to ask: the tier counts, the tier map,
the "act now" counts, the sliders' ranges and suggestions (about 0.3 s alone, a second beside
the server's start and the browser). `dashboard.serve` computes them as the server starts and
writes them here, `<database>.answers.json` beside the analysis cache; the next start reads them
back when they were made from the same data by the same code, and the app's cached calls return
them instead of computing them (`dashboard.data`).

The file is JSON: frames as Arrow IPC (base64) with their dtypes, dates, decimals, tuples and
`Suggestion`s tagged; no pickle, so reading it runs no code. Only values of those kinds are kept;
an answer of any other kind is left out (and computed as before). It is keyed by the analysis
cache's key of the data (`Analysis.store_key`: data_version, a digest of every customer and
order row, the build code) and a digest of this package's source, so an answer is never read
back for other data or by other code. Written atomically (a temporary file renamed over it),
readable by whom the database is readable by. A file that is missing, unreadable, corrupt, of
other data or other code is passed over: never an error.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import stat
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

import pandas as pd
import pyarrow as pa

from .at_date import Suggestion

SUFFIX = ".answers.json"
FORMAT = 1


class Unkeepable(TypeError):
    """A value of a kind this file does not keep."""


def answers_path(db_path: str | os.PathLike) -> Path:
    """`<database>.answers.json`, beside the database and its analysis cache."""
    path = Path(db_path)
    return path.with_name(path.name + SUFFIX)


def package_digest() -> str:
    """A digest of the source of every module of this package (any edit changes it)."""
    digest = hashlib.sha256(str(FORMAT).encode())
    for module in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(module.name.encode())
        digest.update(module.read_bytes())
    return digest.hexdigest()[:16]


def answer_key(function: str, arguments: Mapping[str, Any]) -> str:
    """What an answer is filed under: the function's name and its arguments by name, in the
    signature's order, as `repr` writes them (the analysis, which the file's key stands for, is
    left out by the caller)."""
    return function + "(" + ", ".join(f"{name}={value!r}" for name, value in arguments.items()) + ")"


# ---------------------------------------------------------------------------------------------
# Values to JSON and back


def encode(value: Any) -> Any:
    """`value` as JSON data; raises `Unkeepable` for a kind not kept."""
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return {"float": repr(value)}  # NaN and infinities included
    if type(value) is Decimal:
        return {"decimal": str(value)}
    if type(value) is dt.date:
        return {"date": value.isoformat()}
    if type(value) is tuple:
        return {"tuple": [encode(item) for item in value]}
    if type(value) is list:
        return {"list": [encode(item) for item in value]}
    if type(value) is dict:
        return {"dict": [[encode(key), encode(item)] for key, item in value.items()]}
    if type(value) is Suggestion:
        return {"suggestion": [value.name, encode(value.value), value.reason_key, encode(value.reason_values)]}
    if type(value) is pd.DataFrame:
        return {"frame": [_frame_to_text(value), [[str(c), str(t)] for c, t in value.dtypes.items()]]}
    raise Unkeepable(f"{type(value).__name__} is not kept")


def decode(data: Any) -> Any:
    """The value `encode` made `data` of."""
    if not isinstance(data, dict):
        return data
    (kind, payload), = data.items()
    if kind == "float":
        return float(payload)
    if kind == "decimal":
        return Decimal(payload)
    if kind == "date":
        return dt.date.fromisoformat(payload)
    if kind == "tuple":
        return tuple(decode(item) for item in payload)
    if kind == "list":
        return [decode(item) for item in payload]
    if kind == "dict":
        return {decode(key): decode(item) for key, item in payload}
    if kind == "suggestion":
        name, value, reason_key, reason_values = payload
        return Suggestion(name, decode(value), reason_key, decode(reason_values))
    if kind == "frame":
        return _frame_from_text(*payload)
    raise ValueError(f"unknown kind {kind!r}")


def _frame_to_text(frame: pd.DataFrame) -> str:
    table = pa.Table.from_pandas(frame, preserve_index=True)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return base64.b64encode(sink.getvalue().to_pybytes()).decode("ascii")


def _frame_from_text(text: str, dtypes: list[list[str]]) -> pd.DataFrame:
    table = pa.ipc.open_stream(base64.b64decode(text)).read_all()
    frame = table.to_pandas()
    for column, dtype in dtypes:
        if str(frame[column].dtype) != dtype:
            frame[column] = frame[column].astype(dtype)
    return frame


# ---------------------------------------------------------------------------------------------
# The file


def load(db_path: str | os.PathLike, source: str | None) -> dict[str, Any]:
    """The answers kept for the data `source` stands for (an `Analysis.store_key`) by this code,
    by `answer_key`; empty when there are none (or the file cannot be read)."""
    if source is None:
        return {}
    try:
        held = json.loads(answers_path(db_path).read_text(encoding="utf-8"))
        if (not isinstance(held, dict) or held.get("format") != FORMAT or held.get("source") != source
                or held.get("code") != package_digest()):
            return {}
        return {key: decode(value) for key, value in held["answers"].items()}
    except (OSError, ValueError, TypeError, KeyError, pa.ArrowException):
        return {}


def save(db_path: str | os.PathLike, source: str | None, answers: Mapping[str, Any]) -> bool:
    """Write the answers (by `answer_key`) kept for the data `source` stands for, leaving out
    those of a kind not kept; whether the file was written."""
    if source is None:
        return False
    encoded = {}
    for key, value in answers.items():
        try:
            encoded[key] = encode(value)
        except Unkeepable:
            continue
    path = answers_path(db_path)
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        temporary.write_text(json.dumps({"format": FORMAT, "source": source, "code": package_digest(),
                                         "answers": encoded}, ensure_ascii=False), encoding="utf-8")
        # It holds counts of the customers' data: readable by whom the database is readable by.
        os.chmod(temporary, stat.S_IMODE(Path(db_path).stat().st_mode))
        os.replace(temporary, path)
        return True
    except (OSError, ValueError):
        return False
    finally:
        temporary.unlink(missing_ok=True)
