"""Which column of a file holds which field: guessed from the headers, overridable, saved by name.

Each kind of file (orders, customers, contacts) has fields (`FIELDS`); each field lists the
headers shops use for it in Japanese and English (`ALIASES`). `guess(kind, headers)` maps every
field whose alias the file has, comparing headers after NFKC, case folding and trimming
(`platform_spec.header_key`: `ＥＭＡＩＬ `, `email` and `Email` are one header). A file may name
two columns alike (two `備考`): a mapping names a header and its occurrence (1 = first).

A mapping (`Mapping`) is applied to each file of an import by header name, never by position, so
files whose columns are in another order still import as one set. `save_mapping` stores one
under a name in the database with the read options (encoding, delimiter, header row, sheet) and
the platform, so `--mapping NAME` repeats a nightly import with no other flags.

The customer of a row is its `customer_id`; without one (a guest), its e-mail (trimmed,
lower-cased), else its phone (`tel:` + digits). A file must map at least one of the three.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field

import duckdb

from .errors import ImportFileError
from .platform_spec import header_key
from .sources import ReadOptions

KINDS = ("orders", "customers", "contacts")
KEY_FIELDS = ("customer_id", "email", "phone")

#: Fields of each kind: (required, optional). One of KEY_FIELDS is required besides these.
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "orders": (("order_date", "amount"),
               ("customer_id", "email", "phone", "order_id", "campaign", "category",
                "name", "company", "region", "channel", "staff")),
    "customers": ((), ("customer_id", "email", "phone", "name", "company", "region", "address", "channel", "staff",
                       "created_at")),
    "contacts": (("contacted_at",), ("customer_id", "email", "phone", "kind", "staff", "note")),
}

_COMMON = {
    "customer_id": ("customer_id", "顧客ID", "顧客id", "顧客コード", "顧客番号", "会員ID", "会員番号", "会員コード",
                    "得意先コード", "得意先ID", "得意先番号", "取引先コード", "ユーザーID", "customer id", "customer number",
                    "customer no", "member id", "client id", "customer code"),
    "email": ("email", "e-mail", "メールアドレス", "メール", "Eメール", "Eメールアドレス", "email address",
              "e-mail address", "mail", "mail address"),
    "phone": ("phone", "電話番号", "電話", "TEL", "携帯電話", "携帯番号", "phone number", "telephone", "tel no"),
    "name": ("name", "氏名", "名前", "顧客名", "お名前", "会員名", "customer name", "full name"),
    "company": ("company", "会社名", "法人名", "企業名", "得意先名", "取引先名", "company name"),
    "region": ("region", "地域", "都道府県", "エリア", "prefecture", "state", "province"),
    "address": ("address", "住所"),
    "channel": ("channel", "流入経路", "獲得経路", "獲得チャネル", "流入元", "集客経路", "チャネル", "acquisition channel",
                "source", "referrer"),
    "staff": ("staff", "担当者", "担当", "営業担当", "担当営業", "担当者名", "sales rep", "account manager", "owner"),
}

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "orders": {
        **_COMMON,
        "order_date": ("order_date", "注文日", "受注日", "購入日", "売上日", "注文日時", "受注日時", "購入日時", "売上日付",
                       "伝票日付", "計上日", "order date", "date", "created at", "ordered at", "purchase date"),
        "amount": ("amount", "金額", "売上", "売上金額", "合計", "合計金額", "支払合計", "請求金額", "税込金額", "購入金額",
                   "税込合計", "total", "order total", "sales", "grand total"),
        "order_id": ("order_id", "注文番号", "受注番号", "伝票番号", "注文ID", "受注ID", "売上ID", "注文コード", "order id",
                     "order number", "order no", "invoice number", "order"),
        "campaign": ("campaign", "キャンペーン", "施策"),
        "category": ("category", "カテゴリ", "カテゴリー", "商品カテゴリ", "分類", "product category"),
    },
    "customers": {
        **_COMMON,
        "created_at": ("created_at", "登録日", "入会日", "会員登録日", "作成日", "登録日時", "created at", "created",
                       "signup date", "joined", "registered at"),
    },
    "contacts": {
        **{k: _COMMON[k] for k in ("customer_id", "email", "phone", "staff")},
        "contacted_at": ("contacted_at", "接触日", "対応日", "連絡日", "訪問日", "接触日時", "対応日時", "日時", "日付",
                         "contact date", "contacted at", "date"),
        "kind": ("kind", "種別", "接触種別", "方法", "手段", "区分", "type", "contact type"),
        "note": ("note", "メモ", "備考", "内容", "notes", "comment"),
    },
}


@functools.cache
def known_headers() -> frozenset[str]:
    """Every alias of every kind, as `header_key`s (to find the header row of a file)."""
    return frozenset(header_key(a) for kind in ALIASES.values() for aliases in kind.values() for a in aliases)


@dataclass(frozen=True)
class Mapping:
    """Field -> (header as written, occurrence from 1) for one kind of file."""

    kind: str
    columns: dict[str, tuple[str, int]] = field(default_factory=dict)

    def positions(self, file: str, headers: tuple[str, ...]) -> dict[str, int]:
        """Where each mapped field sits in a file with these headers; a header it lacks is named."""
        keys = [header_key(h) for h in headers]
        out = {}
        for name, (header, occurrence) in self.columns.items():
            found = [i for i, key in enumerate(keys) if key == header_key(header)]
            if len(found) < occurrence:
                listed = ", ".join(h for h in headers if h) or "(none)"
                raise ImportFileError(
                    f"{file} has no column {header}" + (f" (occurrence {occurrence})" if occurrence > 1 else "")
                    + f" for {name}; its columns are: {listed}."
                )
            out[name] = found[occurrence - 1]
        return out

    def check_complete(self, file: str, headers: tuple[str, ...]) -> None:
        """Raise naming the first required field without a column, and the headers found."""
        required, _ = FIELDS[self.kind]
        listed = ", ".join(h for h in headers if h) or "(none)"
        for name in required:
            if name not in self.columns:
                examples = " / ".join(ALIASES[self.kind][name][1:4])
                raise ImportFileError(
                    f"{file} has no column for {name} (such as {examples}); its columns are: {listed}. "
                    f"Name it with --map {name}=HEADER."
                )
        if not any(name in self.columns for name in KEY_FIELDS):
            raise ImportFileError(
                f"{file} has no column naming the customer (customer_id, such as 顧客ID / 会員ID, or an e-mail or "
                f"phone column); its columns are: {listed}. Name it with --map customer_id=HEADER."
            )

    def with_overrides(self, overrides: dict[str, str]) -> "Mapping":
        """The mapping with `FIELD=HEADER` choices of the manager applied (`HEADER#2` for a second
        column of that name; an empty HEADER unmaps the field)."""
        required, optional = FIELDS[self.kind]
        columns = dict(self.columns)
        for name, header in overrides.items():
            if name not in required + optional:
                raise ImportFileError(
                    f"{name} is not a field of a {self.kind} file; its fields are {', '.join(required + optional)}."
                )
            if not header:
                columns.pop(name, None)
                continue
            base, _, nth = header.rpartition("#")
            columns[name] = (base, int(nth)) if base and nth.isdigit() else (header, 1)
        return Mapping(self.kind, columns)

    def to_json(self) -> str:
        return json.dumps({name: list(value) for name, value in self.columns.items()}, ensure_ascii=False)

    @classmethod
    def from_json(cls, kind: str, text: str) -> "Mapping":
        return cls(kind, {name: (value[0], int(value[1])) for name, value in json.loads(text).items()})


def guess(kind: str, headers: tuple[str, ...]) -> Mapping:
    """The fields whose alias the headers hold (first header of a name; each header used once)."""
    keys = [header_key(h) for h in headers]
    taken: set[int] = set()
    columns: dict[str, tuple[str, int]] = {}
    for name, aliases in ALIASES[kind].items():
        for alias in aliases:
            key = header_key(alias)
            position = next((i for i, k in enumerate(keys) if k == key and i not in taken), None)
            if position is not None:
                taken.add(position)
                columns[name] = (headers[position], keys[: position + 1].count(key))
                break
    return Mapping(kind, columns)


# --- Saved mappings ------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedMapping:
    """A named mapping with the options and platform it was saved with."""

    name: str
    kind: str
    mapping: Mapping
    options: ReadOptions
    platform: str | None


def save_mapping(con: duckdb.DuckDBPyConnection, name: str, mapping: Mapping, options: ReadOptions,
                 platform: str | None) -> None:
    """Store (or replace) the mapping under `name` for its kind, inside the caller's transaction."""
    if not name.strip():
        raise ImportFileError("A saved mapping needs a name.")
    con.execute(
        "INSERT OR REPLACE INTO import_mappings (name, kind, platform, columns, options, saved_at) "
        "VALUES ($name, $kind, $platform, $columns, $options, current_timestamp)",
        {"name": name.strip(), "kind": mapping.kind, "platform": platform, "columns": mapping.to_json(),
         "options": json.dumps(asdict(options), ensure_ascii=False)},
    )


def load_mapping(con: duckdb.DuckDBPyConnection, name: str, kind: str) -> SavedMapping:
    """The mapping saved under `name` for `kind`; raises naming the saved ones when there is none."""
    rows = con.execute(
        "SELECT platform, columns, options FROM import_mappings WHERE name = $name AND kind = $kind",
        {"name": name, "kind": kind},
    ).fetchall()
    if not rows:
        names = [r[0] for r in con.execute("SELECT name FROM import_mappings WHERE kind = $kind ORDER BY name",
                                           {"kind": kind}).fetchall()]
        saved = ", ".join(names) if names else "none yet (save one with --save-mapping NAME)"
        raise ImportFileError(f"There is no saved {kind} mapping named {name!r}; saved: {saved}.")
    platform, columns, options = rows[0]
    return SavedMapping(name, kind, Mapping.from_json(kind, columns), ReadOptions(**json.loads(options)), platform)


def saved_mappings(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None]]:
    """(name, kind, platform) of every saved mapping, by name."""
    return [tuple(r) for r in con.execute(
        "SELECT name, kind, platform FROM import_mappings ORDER BY name, kind").fetchall()]
