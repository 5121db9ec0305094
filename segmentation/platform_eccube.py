"""EC-CUBE 受注CSV: the order export of an EC-CUBE 4 shop (EC-CUBE 3 writes the same core columns).

Where the manager finds it: 管理画面 > 受注管理 > 受注一覧 > (search) > CSVダウンロード > 受注CSV.
Which columns it holds, and in which order, is set under 設定 > 店舗設定 > CSV出力項目設定
(受注CSV); the defaults are the 70 columns of `dtb_csv.csv` (csv_type 3). EC-CUBE writes one
row per order item (明細区分: 商品, 送料, 手数料, 値引き, 税, ポイント), every row repeating the
order's own columns (注文番号, 会員ID, メールアドレス, 小計, 値引き, 送料, 合計, 対応状況 ...), with
PHP fputcsv (LF line ends, a field quoted only when it needs it) in SJIS-win (= cp932), dates as
`Y-m-d H:i:s` and money as decimals with two places (`3300.00`).

What is taken: the order number (注文番号; 注文ID where a version has no 注文番号), 受注日, the
member id (会員ID, empty for a guest, 非会員), メールアドレス, TEL, the family name, 会社名 and
都道府県. The amount is 小計 - 値引き + 送料 (all order-level, tax included):

- 合計 and 支払合計 are both AFTER the points the customer used: EC-CUBE 4 adds a ポイント row with a
  negative price and sets total = payment_total = the sum of every row (PurchaseFlow::calculateTotal),
  so neither is the "total before points" the import wants, and the default CSV has no 利用ポイント
  column to add back. 小計 (products, tax included) - 値引き (the shop's discounts and coupons, a
  positive number) + 送料 (the order's shipping total) is the price before points.
- 手数料 (payment fee, e.g. 代金引換) is NOT counted: the default CSV has no order-level 手数料
  column (it exists only as a 手数料 row, which a description cannot pick out). It is usually 0
  (card, bank transfer) or a few hundred yen.
- The header 送料 appears TWICE: the order's shipping total (column 24) and each shipment's fee
  (column 67, empty on 手数料/値引き/ポイント rows). The first one is the order-level total; for an
  order sent to several addresses the two differ.

Left out: 対応状況 注文取消し / キャンセル (EC-CUBE 3) -> cancelled, 返品 -> refunded, 決済処理中 and
購入処理中 (a checkout never completed) -> unpaid; both by the status id (3, 9, 7/8, the same ids in
EC-CUBE 3 and 4, and stable when a shop renames a status under 受注対応状況設定) and by the name
(when the id column is not exported). 新規受付 (a new order, e.g. a bank transfer not yet paid)
counts.

Sources (stored copies of the EC-CUBE/ec-cube repository and its issues):
src/Eccube/Resource/doctrine/import_csv/ja/dtb_csv.csv (4.x columns) and
src/Eccube/Resource/doctrine/import_csv/dtb_csv.csv (3.0 columns: 注文ID, 郵便番号1/2, TEL1-3);
import_csv/ja/mtb_order_status.csv and import_csv/mtb_order_status.csv (status ids 4.x / 3.0);
import_csv/ja/mtb_order_item_type.csv (明細区分); src/Eccube/Service/PurchaseFlow/PurchaseFlow.php
(calculateTotal / calculateSubTotal / calculateDiscount) and Processor/PointProcessor.php (points
as a negative ポイント row); app/config/eccube/packages/eccube.yaml (csv_export_encoding SJIS-win,
csv_export_date_format Y-m-d H:i:s); PR #3276 (受注CSV writes 送料 and 値引き rows), issue #4628
(送料/手数料 rows are written even when 0), PR #3757 (decimal columns written as 100.00).
"""

from __future__ import annotations

from .platform_spec import Exclude, Part, Platform

STATUS_ID = ("対応状況(ID)",)
STATUS_NAME = ("対応状況(名称)",)

PLATFORM = Platform(
    name="eccube",
    label_ja="EC-CUBE 受注CSV",
    label_en="EC-CUBE orders CSV (受注CSV)",
    # EC-CUBE's own column names, in EC-CUBE 3 and 4 alike; no other platform writes 対応状況(名称) or 支払合計
    recognise=("受注日", "対応状況(名称)", "支払合計", "ショップ用メモ欄"),
    fields={
        "order_id": ("注文番号", "注文ID"),
        "order_date": ("受注日",),
        "customer_id": ("会員ID",),
        "email": ("メールアドレス",),
        "phone": ("TEL",),
        "name": ("お名前(姓)",),
        "company": ("会社名",),
        "region": ("都道府県(名称)",),
    },
    order_amount=(
        Part(("小計",)),
        Part(("値引き",), -1),
        Part(("送料",)),  # the FIRST column of that name: the order's shipping total
    ),
    exclude=(
        Exclude(STATUS_ID, "cancelled", ("3",)),
        Exclude(STATUS_NAME, "cancelled", ("注文取消し", "キャンセル")),
        Exclude(STATUS_ID, "refunded", ("9",)),
        Exclude(STATUS_NAME, "refunded", ("返品",)),
        Exclude(STATUS_ID, "unpaid", ("7", "8")),
        Exclude(STATUS_NAME, "unpaid", ("決済処理中", "購入処理中")),
    ),
    encoding="cp932",
    notes_ja=(
        "受注CSV（受注管理 > 受注一覧 > CSVダウンロード）を読み、金額は「小計 − 値引き + 送料」"
        "（ポイント利用前・値引き後、代引き等の手数料は含まず）とし、注文取消し・返品・決済処理中の注文は除きます。"
        "会員は会員IDで、非会員はメールアドレスで識別します。"
    ),
    notes_en=(
        "Reads the 受注CSV (受注管理 > 受注一覧 > CSVダウンロード); an order's amount is 小計 - 値引き + 送料 "
        "(before points, after discounts, without payment fees), and cancelled, returned and unfinished-payment "
        "orders are left out. Members are known by 会員ID, guests by e-mail."
    ),
    extra={
        "admin_path": "受注管理 > 受注一覧 > CSVダウンロード > 受注CSV (columns: 設定 > 店舗設定 > CSV出力項目設定)",
        "rows": "one per order item (商品, 送料, 手数料, 値引き, ポイント); order columns repeated on every row",
        "format": "SJIS-win (cp932), LF line ends, PHP fputcsv quoting, dates Y-m-d H:i:s, money 1234.00",
        "amount": "小計 - 値引き + 送料; 合計 = 支払合計 = after points in EC-CUBE 4, so not used; 手数料 not counted",
        "duplicate_header": "送料 is written twice (order total, then per shipment); the first is the one read",
        "statuses": "1 新規受付, 3 注文取消し, 4 対応中, 5 発送済み, 6 入金済み, 7 決済処理中, 8 購入処理中, 9 返品",
        "not_read": "English-locale installs write English headers (Order Date, Total ...) and are not recognised; "
                    "EC-CUBE 3 splits the phone into TEL1/TEL2/TEL3, which are not read",
    },
)
