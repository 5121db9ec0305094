"""Shopify's order export (Orders > Export > "Export orders", a CSV "for Excel, Numbers or other
spreadsheet programs" or plain CSV), described for the importer.

Where the manager finds it: Shopify admin > 注文管理 (Orders) > エクスポート (Export) > choose the
orders (current page, all, selected, or by date) > 注文をエクスポートする (Export orders). Up to
50 orders download at once; more are e-mailed as a link. The "Export transaction histories"
file is a different file and is not read here.

The file: UTF-8, comma-separated, one row per line item. The order's own columns (financial
status, totals, discount, addresses, Cancelled at, Refunded Amount, Id, ...) are written on the
order's FIRST row only; the following rows of the same order repeat only Name, Email, Created at
and the Lineitem/Vendor columns. Timestamps are written `2024-03-05 23:30:00 +0900` (the order's
date is the calendar date as written). Zips are written with a leading `'` (`'150-0001`).
Amounts are plain numbers; zero-decimal currencies such as JPY are written without decimals
(`9200`; seen for CLP in a real export, assumed the same for JPY).

What is taken:
- the order: Name (`#1001`), dated by Created at;
- the customer: Shopify's export carries no customer id, so the key is Email (trimmed,
  lower-cased); an order without e-mail (phone-only checkout, POS) is keyed by its phone
  (Phone, a newer column, else Billing Phone);
- the amount: Total, once per order (with shipping and tax, after discount codes; a gift card is
  a means of payment and does not lower Total), minus Refunded Amount (a partial refund);
- left out: orders with a Cancelled at; Financial Status refunded or voided; test orders paid
  through Shopify's Bogus gateway (Payment Method `bogus`); orders still awaiting payment
  (Financial Status pending or expired; `authorized` counts, it is captured later). The first
  matching rule names the reason (so a cancelled-and-refunded order counts as cancelled).

Sources (all public, consulted 2025):
- help.shopify.com/ja/manual/fulfillment/managing-orders/exporting-orders (how to export) and the
  column list as reproduced in web.cuebko.com/?p=978 (【2025年版】Shopify 注文情報 CSV項目);
- a 2025 export quoted at docs.xbp.app/docs/development/integrations/shopify/order-format
  (order-level fields on the first row only; zips written `'75008`);
- headers as used by public importers: github gocommerce test fixture (the 79-column header
  ending in Payment References), laplace-live/shopify-csv-converter types (which columns repeat
  on every row), a 2012 header in a Rails ShopifyImporter spec (ending at Cancelled at), and a
  Chilean 2025 export (CLP amounts without decimals, Notes with line breaks);
- shopify.dev OrderDisplayFinancialStatus (pending, authorized, partially_paid, paid,
  partially_refunded, refunded, voided, expired).
Uncertain: the exact Payment Method text of a Bogus-gateway test order (`bogus` assumed), the
line ending (LF assumed) and JPY amounts without decimals.
"""

from __future__ import annotations

from .platform_spec import Exclude, Part, Platform

PLATFORM = Platform(
    name="shopify",
    label_ja="Shopify 注文CSV",
    label_en="Shopify orders export",
    recognise=("Name", "Email", "Financial Status", "Lineitem quantity", "Lineitem name"),
    fields={
        "order_id": ("Name",),
        "order_date": ("Created at",),
        "email": ("Email",),
        "phone": ("Phone", "Billing Phone", "Shipping Phone"),
        "name": ("Billing Name", "Shipping Name"),
        "company": ("Billing Company", "Shipping Company"),
        "region": ("Billing Province Name", "Billing Province", "Shipping Province Name", "Shipping Province"),
        "channel": ("Source",),
        "campaign": ("Discount Code",),
    },
    order_amount=(
        Part(("Total",)),
        Part(("Refunded Amount",), sign=-1),
    ),
    exclude=(
        Exclude(("Cancelled at",), "cancelled"),
        Exclude(("Financial Status",), "refunded", ("refunded", "voided")),
        Exclude(("Payment Method",), "test", ("bogus", "(for testing) Bogus Gateway")),
        Exclude(("Financial Status",), "unpaid", ("pending", "expired")),
    ),
    encoding="utf-8",
    notes_ja=(
        "注文の合計金額（Total）を注文ごとに1回だけ数えます。キャンセル（Cancelled at）・全額返金・無効（voided）・"
        "テスト注文・入金待ち（pending）の注文は除き、一部返金（Refunded Amount）は金額から差し引きます。"
        "ギフトカードでの支払いは値引きではないので差し引きません。会員IDが無いので、お客様はメールアドレスで"
        "（無ければ電話番号で）まとめます。"
    ),
    notes_en=(
        "The order total (Total) is taken once per order; cancelled (Cancelled at), refunded or voided, "
        "test and still-unpaid (pending) orders are left out, and a partial refund (Refunded Amount) lowers "
        "the amount, while a gift card is a payment and does not. The export has no customer id, so "
        "customers are keyed by e-mail (or phone when there is none)."
    ),
    extra={
        "rows": "one row per line item; order-level columns on the order's first row only",
        "exclude_order": "the first matching Exclude names the reason (cancelled before refunded)",
        "date_format": "2024-03-05 23:30:00 +0900 (calendar date as written)",
        "zip": "written with a leading apostrophe, e.g. '150-0001",
        "line_ending": "LF assumed",
    },
)
