"""カラーミーショップ's 受注データ CSV (sales_all.csv), described for the importer.

Where the manager finds it: カラーミーショップ 管理画面 > 受注管理 > 受注一覧 (売上一覧) > 検索条件で
絞り込み > 「CSVダウンロード」(受注データ; the file is named sales_all.csv). The older 売上詳細
download (sales_detail.csv: 顧客ID, 名前, メールアドレス, 販売価格(消費税込), ...) names the same
things without the 購入者 prefix; those names are listed as later candidates.

The file: Shift_JIS (CP932), comma-separated, one row per purchased product per delivery
address (配送先), and EVERY row repeats the order's columns (売上ID, 受注日, 購入者 ..., 総合計金額,
入金状態, 発送状態, ...). 受注日 is written `2013/01/18`. Amounts are plain integers in yen. The
header holds 発送状態 twice: the order's, and the delivery's further right.

What is taken:
- the order: 売上ID, dated by 受注日;
- the customer: 購入者 顧客ID (the shop's member id; empty for a guest purchase), else
  購入者 メールアドレス (trimmed, lower-cased), else 購入者 電話番号; a guest whose e-mail is a
  member's is that member;
- the amount: 総合計金額 once per order (products, shipping, payment fee, のし/card/wrapping fees,
  after 割引金額 coupons and discounts), with the shop points (ショップポイントによる割引金額) and
  external points (外部ポイントによる割引金額, GMO/Yahoo) the customer paid with added back, since
  points are a means of payment, not a lower price;
- left out: 入金状態 or 発送状態 キャンセル (cancelled), 入金状態 全額返金済 (refunded), 入金状態
  未入金 (not yet paid; a later export shows it 入金済 once paid). The export shows no partial refund.

Sources (public, consulted 2025):
- the sales_all.csv fixture of the label_me gem (s-osa/label_me spec/csv/sales_all.csv, 62
  columns, 2013) and its README ("an easy accessor for ColorMe Order CSV");
- iorishobo's カラーミー移行 OrderImporter (Laravel, 2026, written against a real export): reads
  売上ID, 受注日, PC・携帯区分, 商品の合計金額(税込), 送料合計, 決済手数料, 割引名称, 割引金額,
  ショップポイントによる割引金額, 外部ポイントによる割引金額, 総合計金額, 入金状態 (入金済 / 全額返金済 /
  キャンセル), 発送状態 (発送済 / キャンセル), 購入者 携帯番号; its table definitions (sales_all has
  no buyer furigana);
- a JS parser for both sales_all.csv and sales_detail.csv header names;
- the カラーミーショップ API sale object (point_discount, gmo_point_discount, other_discount
  "その他、クーポン等による割引額", total_price "注文総額") and a transformer test showing
  total_price = 4080 - 500 after a discount.
Uncertain: where 購入者 携帯番号 sits in the header (placed after 購入者 電話番号), whether a guest's
購入者 顧客ID is empty or 0 (empty assumed; 0 would read as a member id), whether 受注日 carries a time
in current exports, and the line ending (CRLF assumed).
"""

from __future__ import annotations

from .platform_spec import Exclude, Part, Platform

PLATFORM = Platform(
    name="colorme",
    label_ja="カラーミーショップ 受注CSV",
    label_en="Color Me Shop order CSV (sales_all.csv)",
    recognise=("売上ID", "受注日", "購入者 顧客ID", "総合計金額"),
    fields={
        "order_id": ("売上ID",),
        "order_date": ("受注日",),
        "customer_id": ("購入者 顧客ID", "顧客ID"),
        "email": ("購入者 メールアドレス", "メールアドレス"),
        "phone": ("購入者 電話番号", "購入者 携帯番号", "電話番号", "携帯番号"),
        "name": ("購入者 名前", "名前"),
        "region": ("購入者 都道府県",),
        "channel": ("PC・携帯区分",),
        "campaign": ("割引名称",),
    },
    order_amount=(
        Part(("総合計金額",)),
        Part(("ショップポイントによる割引金額",)),
        Part(("外部ポイントによる割引金額",)),
    ),
    exclude=(
        Exclude(("入金状態",), "cancelled", ("キャンセル",)),
        Exclude(("発送状態",), "cancelled", ("キャンセル",)),
        Exclude(("入金状態",), "refunded", ("全額返金済", "返金済")),
        Exclude(("入金状態",), "unpaid", ("未入金",)),
    ),
    encoding="cp932",
    notes_ja=(
        "総合計金額を注文ごとに1回だけ数え、お客様がポイント（ショップポイント・外部ポイント）で払った分は足し戻します"
        "（クーポン・割引は金額を下げます）。キャンセル・全額返金済・未入金の注文は除きます。お客様は購入者 顧客IDで、"
        "非会員はメールアドレスでまとめ、会員と同じメールアドレスの非会員購入はその会員とします。"
    ),
    notes_en=(
        "The order total (総合計金額) is taken once per order, with points the customer paid with added back "
        "(coupons and discounts do lower it); cancelled, fully refunded (全額返金済) and unpaid (未入金) orders "
        "are left out. Customers are keyed by 購入者 顧客ID, guests by e-mail, and a guest using a member's "
        "e-mail is that member."
    ),
    extra={
        "rows": "one row per product per delivery address; order columns repeated on every row",
        "duplicate_header": "発送状態 appears twice (order, then delivery); both hold キャンセル when cancelled",
        "exclude_order": "the first matching Exclude names the reason (cancelled before refunded)",
        "date_format": "2013/01/18",
        "line_ending": "CRLF assumed",
    },
)
