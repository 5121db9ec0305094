"""Properties of the import, checked on generated examples (derandomized: the same examples on
every run): header comparison, the guessed mapping, and text ids and amounts surviving a CSV
written by csv.writer and imported end to end.

Every import example builds its own database in a fresh temporary folder (hypothesis does not
reset `tmp_path` between examples).
"""

from __future__ import annotations

import csv
import io
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from segmentation import mapping
from segmentation.importer import import_files
from segmentation.platform_spec import header_key
from test_importer import rows

FAST = settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
IMPORTS = settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

# --- header_key ------------------------------------------------------------------------------------


def fullwidth(text: str) -> str:
    """ASCII letters, digits and punctuation as their full-width forms (space as U+3000)."""
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


ascii_headers = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ _-"),
                        max_size=20)


@FAST
@given(st.text(max_size=20))
def test_header_key_is_idempotent(text):
    assert header_key(header_key(text)) == header_key(text)


@FAST
@given(ascii_headers, st.sampled_from(["", " ", "  ", "\u3000", "\t"]), st.sampled_from(["", " ", "\u3000 "]))
def test_header_key_ignores_width_case_and_surrounding_spaces_of_ascii_letters(header, before, after):
    expected = " ".join(header.lower().split())

    assert header_key(header) == expected
    assert header_key(header.upper()) == expected
    assert header_key(header.swapcase()) == expected
    assert header_key(fullwidth(header)) == expected
    assert header_key(before + fullwidth(header.swapcase()) + after) == expected


# --- mapping.guess ------------------------------------------------------------------------------

EVERY_ALIAS = sorted({alias for kind in mapping.ALIASES.values() for aliases in kind.values() for alias in aliases})
header_like = st.one_of(
    st.sampled_from(EVERY_ALIAS),
    st.sampled_from(EVERY_ALIAS).map(lambda a: f" {fullwidth(a).upper()} "),
    st.text(max_size=6),
)


@FAST
@given(st.sampled_from(mapping.KINDS), st.lists(header_like, max_size=12))
def test_guess_never_maps_two_fields_to_one_column(kind, headers):
    headers = tuple(headers)

    guessed = mapping.guess(kind, headers)
    positions = guessed.positions("file.csv", headers)

    assert len(set(positions.values())) == len(positions)
    for field, position in positions.items():
        assert header_key(headers[position]) in {header_key(a) for a in mapping.ALIASES[kind][field]}


# --- Ids and amounts through a CSV --------------------------------------------------------------------

SPACES = " \u3000"  # what the import trims around a value: spaces, the ideographic one included


def stored_id(written: str) -> str:
    """The rule: surrounding spaces and then one leading apostrophe removed."""
    text = written.strip(SPACES)
    return text[1:] if text.startswith("'") else text


id_core = st.one_of(
    st.integers(0, 10**6).map(lambda n: f"{n:07d}"),
    st.lists(st.sampled_from(list("0123456789AZaz顧客ー'\", \n😀🍣") + ["\r\n"]), min_size=1, max_size=8).map("".join),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=6),
)
written_ids = st.tuples(st.sampled_from(["", " ", "  ", "\u3000"]), st.sampled_from(["", "'"]), id_core,
                        st.sampled_from(["", " ", "\u3000"])).map("".join)


def plausible(ids: list[str]) -> bool:
    """Each id names a customer (not empty once cleaned) and the rule is unambiguous for it (no
    space left around the id once the apostrophe is gone)."""
    return all(stored_id(i) and stored_id(i) == stored_id(i).strip() for i in ids)


def written_csv(header: list[str], body: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue().encode("utf-8")


@IMPORTS
@given(st.lists(written_ids, min_size=1, max_size=8, unique_by=stored_id).filter(plausible))
@example(["'00042", " 007 ", "''7", "\u3000'x\u3000", "a,b", 'say "hi"', "line\nbreak", "😀"])
def test_text_ids_are_stored_as_written_less_surrounding_spaces_and_one_apostrophe(ids):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers.csv"
        path.write_bytes(written_csv(["customer_id", "name"], [[i, f"n{n}"] for n, i in enumerate(ids)]))
        db = Path(folder) / "shop.duckdb"

        import_files(db, customers=path)

        assert sorted(rows(db, "SELECT name, customer_id FROM customers")) == sorted(
            (f"n{n}", stored_id(i)) for n, i in enumerate(ids))


def thousands(value: Decimal) -> str:
    """`1,234.5`-style: groups of three, the decimals as they are."""
    whole, _, cents = f"{abs(value)}".partition(".")
    return f"{int(whole):,}" + (f".{cents}" if cents else "")


def written_amount(value: Decimal, style: str) -> str:
    minus = value < 0
    if style == "plain":
        return f"{value}"
    if style == "thousands":
        return ("-" if minus else "") + thousands(value)
    if style == "yen":
        return ("-" if minus else "") + "¥" + thousands(value)
    return ("△" if minus else "") + thousands(value)  # 'triangle': how Japanese ledgers write a minus


amounts = st.integers(-10**12, 10**12).flatmap(
    lambda cents: st.sampled_from([0, 1, 2]).map(lambda places: Decimal(cents).scaleb(-places)))


@IMPORTS
@given(st.lists(st.tuples(amounts, st.sampled_from(["plain", "thousands", "yen", "triangle"])), min_size=1,
                max_size=8))
@example([(Decimal("1234"), "thousands"), (Decimal("-1234"), "triangle"), (Decimal("-1234.5"), "yen"),
          (Decimal("0.01"), "plain"), (Decimal("1234567.89"), "yen")])
def test_amounts_are_stored_exactly_however_they_are_written(written):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.csv"
        path.write_bytes(written_csv(["order_id", "customer_id", "order_date", "amount"],
                                     [[f"A{n}", "C1", "2024-03-05", written_amount(value, style)]
                                      for n, (value, style) in enumerate(written)]))
        db = Path(folder) / "shop.duckdb"

        import_files(db, orders=path)

        assert rows(db, "SELECT order_id, amount FROM orders ORDER BY CAST(substr(order_id, 2) AS INT)") == [
            (f"A{n}", value) for n, (value, _) in enumerate(written)]
