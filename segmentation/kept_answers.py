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
an answer of any other kind, or a frame that would not come back exactly (checked when it is
written), is left out (and computed as before). It is keyed by the analysis cache's key of the
data (`Analysis.store_key`: data_version, a digest of every customer and order row, the build
code) and a digest of this package's source and of the versions of the libraries the answers are
made of, so an answer is never read back for other data or by other code; a digest of the
answers themselves finds a damaged or edited file. Written atomically (a temporary file renamed
over it), readable by whom the database is readable by from its creation on. A file that is
missing, unreadable, damaged, of other data or other code is passed over: never an error.
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
    """A digest of the source of every module of this package (any edit changes it) and of the
    versions of the libraries its answers are made of (a new pandas may read frames otherwise)."""
    import duckdb
    import numpy

    digest = hashlib.sha256(str(FORMAT).encode())
    for library in (duckdb, numpy, pd, pa):
        digest.update(f"{library.__name__} {library.__version__};".encode())
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
        try:
            data = {"frame": [_frame_to_text(value), [[str(c), str(t)] for c, t in value.dtypes.items()]]}
            comes_back = same(value, decode(data))
        except Exception as error:  # noqa: BLE001 - a frame Arrow cannot hold is simply not kept
            raise Unkeepable(f"this frame is not kept: {error}") from error
        if not comes_back:
            raise Unkeepable("this frame would not come back exactly")
        return data
    raise Unkeepable(f"{type(value).__name__} is not kept")


def same(expected: Any, actual: Any) -> bool:
    """Whether `actual` is `expected` as it was: equal, of the same types all the way down (a
    frame: its columns, index, dtypes and values, and the type of each value of an object
    column; NaN equal to NaN)."""
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, pd.DataFrame):
        try:
            pd.testing.assert_frame_equal(actual, expected, check_exact=True)
        except AssertionError:
            return False
        return all(expected[c].dtype != object or [type(v) for v in actual[c]] == [type(v) for v in expected[c]]
                   for c in expected.columns)
    if isinstance(expected, (list, tuple)):
        return len(actual) == len(expected) and all(same(e, a) for e, a in zip(expected, actual))
    if isinstance(expected, dict):
        return list(actual) == list(expected) and all(same(expected[k], actual[k]) for k in expected)
    if isinstance(expected, Suggestion):
        return (same(expected.name, actual.name) and same(expected.value, actual.value)
                and same(expected.reason_key, actual.reason_key) and same(expected.reason_values, actual.reason_values))
    if isinstance(expected, float) and expected != expected:
        return actual != actual  # NaN
    return bool(actual == expected)


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
    table = pa.ipc.open_stream(base64.b64decode(text, validate=True)).read_all()
    table.validate(full=True)
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
        answers = held["answers"]
        if not isinstance(answers, dict) or held.get("digest") != answers_digest(answers):
            return {}  # damaged, or changed by hand
        return {key: decode(value) for key, value in answers.items()}
    except Exception:  # noqa: BLE001 - a file that cannot be read is passed over, never an error
        return {}


def answers_digest(encoded: dict) -> str:
    """What finds a damaged or edited file: a digest of the encoded answers."""
    return hashlib.sha256(json.dumps(encoded, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def save(db_path: str | os.PathLike, source: str | None, answers: Mapping[str, Any]) -> bool:
    """Write the answers (by `answer_key`) kept for the data `source` stands for, leaving out
    those of a kind not kept; whether the file was written."""
    if source is None:
        return False
    encoded = {}
    for key, value in answers.items():
        try:
            encoded[key] = encode(value)
        except (Unkeepable, RecursionError):
            continue
    path = answers_path(db_path)
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        content = json.dumps({"format": FORMAT, "source": source, "code": package_digest(),
                              "digest": answers_digest(encoded), "answers": encoded}, ensure_ascii=False)
        # It holds counts of the customers' data: readable by whom the database is readable by,
        # from its creation on.
        mode = stat.S_IMODE(Path(db_path).stat().st_mode)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(content)
        os.chmod(temporary, mode)  # the umask may have taken some of `mode` away
        os.replace(temporary, path)
        return True
    except (OSError, ValueError):
        return False
    finally:
        temporary.unlink(missing_ok=True)
