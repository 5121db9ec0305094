"""BASE's order CSV (注文管理 > CSVダウンロード / 注文データのダウンロード), described for the importer.

Where the manager finds it: BASE 管理画面 > 注文管理 > 「CSVダウンロード」(期間・ステータスを選んで
注文データをダウンロード). Only the order CSV is read; BASE has no separate customer CSV.

The file (as public importers written against real 2025-2026 exports read it): Shift_JIS (CP932),
comma-separated, header unquoted, one row per product and one extra row per chosen product
option (商品名 `商品オプション「ギフトラッピング」`, its price in 価格, no 商品ID). Every row repeats
the order's columns (注文ID, 注文日時, the 請求先/配送先 names and addresses, 送料, 支払い方法,
代引き手数料, 発送状況, 調整金額, ...). 注文日時 is written `2024-03-05 23:30:00`; the 注文ID is 16
hexadecimal characters. 商品コード, 種類コード, JAN / GTIN and 特典 are later, app-dependent columns.

What is taken:
- the order: 注文ID, dated by 注文日時;
- the customer: BASE exports no member id, so the key is メールアドレス(請求先) (trimmed,
  lower-cased), else 電話番号(請求先);
- the amount: the sum over the order's rows of 合計金額 (read as the row's price x quantity,
  option rows included) plus, once per order, 送料, 代引き手数料 and 調整金額 (a signed adjustment by
  the shop: a coupon or price change is written negative and lowers the amount);
- left out: 発送状況 キャンセル (BASE has no separate refund status: a card refund is a
  cancellation) and 入金待ち (bank transfer / konbini order not yet paid; BASE cancels it when
  unpaid, and a later export shows it 未発送 once paid).

Sources (public, consulted 2025):
- header lists in public code that reads real BASE exports: the 35-column header in a minne/Creema/
  BASE order tool (注文ID,注文日時,氏(請求先),... ,注文メモ,調整金額), a Streamlit 伝票 tool listing the
  newer 商品コード / 種類コード / JAN / GTIN columns, a PHP uploader listing 特典, a Next.js route noting
  "BASE CSVは38列";
- hagurumado's TASK-09 BASE import notes and parser (real export checked 2026-07): CP932, one row
  per product or option row, 送料 equal on every row of an order, 合計金額 summed over the rows and
  送料 + 調整金額 added once, 発送状況 is the order status (観測値 発送済み; キャンセル possible);
- a stock-ledger script filtering 発送状況 in {入金待ち, 未発送, 発送済み};
- BASE API orders/edit_status (ordered 未発送, dispatched 発送済み, cancelled キャンセル) and the
  order detail response (shipping_fee, cod_fee, total).
Uncertain: sources do not say in words whether 合計金額 is the row's amount or the order's total
repeated on every row; the row reading follows the column's place (after 価格, 税率, 数量) and the
importer written against a real export. Also uncertain: whether 調整金額 carries coupons, whether
BASE-funded coupons appear at all (they do not lower what the shop is paid), and the line ending
(CRLF assumed). One public tool read a BASE export as UTF-8; CP932 is what the real-data notes say.
"""

from __future__ import annotations

from .platform_spec import Exclude, Part, Platform

PLATFORM = Platform(
    name="base",
    label_ja="BASE 注文CSV",
    label_en="BASE order CSV",
    recognise=("注文ID", "注文日時", "メールアドレス(請求先)", "発送状況"),
    fields={
        "order_id": ("注文ID",),
        "order_date": ("注文日時",),
        "email": ("メールアドレス(請求先)",),
        "phone": ("電話番号(請求先)",),
        "name": ("氏(請求先)",),
        "region": ("都道府県(請求先)",),
        "channel": ("購入元",),
    },
    order_amount=(
        Part(("送料",)),
        Part(("代引き手数料",)),
        Part(("調整金額",)),
    ),
    item_amount=("合計金額",),
    exclude=(
        Exclude(("発送状況",), "cancelled", ("キャンセル", "キャンセル済み")),
        Exclude(("発送状況",), "unpaid", ("入金待ち",)),
    ),
    encoding="cp932",
    notes_ja=(
        "注文の各行の合計金額（商品・オプション行）を足し、送料・代引き手数料・調整金額を注文ごとに1回加えます"
        "（値引きの調整金額はマイナスなので金額が下がります）。発送状況が「キャンセル」と「入金待ち」の注文は除きます。"
        "会員IDが無いので、お客様はメールアドレスでまとめます。"
    ),
    notes_en=(
        "An order's amount is the sum of its rows' 合計金額 (products and option rows) plus, once per order, "
        "送料, 代引き手数料 and 調整金額 (a discount is a negative adjustment and lowers it); orders whose "
        "発送状況 is キャンセル or 入金待ち are left out. The export has no member id, so customers are keyed "
        "by e-mail."
    ),
    extra={
        "rows": "one row per product and per chosen option; order columns repeated on every row",
        "name_parts": "the buyer's name is 氏(請求先) + 名(請求先); only 氏(請求先) fits the one-header field",
        "date_format": "2024-03-05 23:30:00",
        "amount_uncertain": "合計金額 read as the row's amount (price x quantity), not the order's total",
        "line_ending": "CRLF assumed",
    },
)
