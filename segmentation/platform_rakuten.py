"""楽天市場 RMS 受注データ CSV: the order download of a 楽天市場 shop (楽天ペイ受注管理).

Where the manager finds it: RMS > 1 受注・決済管理 > 受注管理 > 受注データのダウンロード >
データダウンロード (楽天ペイ注文), with a template that holds every column. 楽天 writes one row per
item (商品明細; an order sent to several addresses has the rows of each 送付先), every row
repeating the order's own columns (注文番号, ステータス, 注文日時, 請求金額, 合計金額, ポイント利用額,
クーポン利用総額 ...), in Shift_JIS (cp932), money as whole yen. The download before the 楽天ペイ
migration (通常購入データ, until 2020) used other names for the same columns (受注番号,
受注ステータス, メールアドレス, 注文者名字, 請求金額(-99999=無効値) ...); they are listed as candidates.

What is taken: 注文番号, 注文日時, the orderer's e-mail, family name and prefecture. There is no
member id a shop can see, so every order is keyed by its e-mail. 楽天 masks the address
(楽天あんしんメルアド, `<32 hex>s1@pc.fw.rakuten.ne.jp`, since 2010); whether one customer keeps one
masked address across orders the sources do not say, so repeat buyers may be counted as several
customers. The phone is written in three columns (注文者電話番号1/2/3), which a description cannot
join, so it is not read and gives no fallback key.

The amount is 請求金額 + ポイント利用額 + 楽天発行クーポン利用額. 請求金額 is what the customer is
billed: goods + shipping + wrapping + payment fees - all coupons - points. Points and 楽天-issued
coupons (funded by 楽天, a means of payment for the shop) are added back; 店舗発行クーポン (funded
by the shop) stays subtracted, as the shop's own discount. A 請求金額 of -9999 (not yet fixed, e.g.
shipping still to be quoted) makes the amount negative, so such an order does not count.

Left out: ステータス 900 キャンセル確定 and 800 キャンセル確定待ち -> cancelled (the CSV may write
the code or the name; both are listed). 楽天 has no returned status: a refund after shipping lowers
the order's amounts in place, so a later download carries the lowered amount. No test or unpaid
status: 100 注文確認待ち to 700 支払手続き済 all count.

Sources: the RMS WEB SERVICE getOrder reference (楽天ペイ受注API: orderProgress codes 100-900,
合計金額 = goods + shipping + wrapping, 請求金額 = ... - クーポン利用総額 - ポイント利用額,
店舗発行 = coupons with 原資コード 1, 楽天発行 = the others, masked e-mail), read as a copy stored
in a public repository; the column list of the 楽天ペイ受注 download as two independent public
projects define it (a Java header array and a TypeScript row type that adds 決済手数料,
注文者負担金合計, 店舗負担金合計); the older 通常購入データ column list from a public project's
table definition; Next Engine's manual (通常購入データ download, 全カラムダウンロード用 template);
楽天あんしんメルアドサービス as described by shop manuals (ec-doc.net, a 楽天 shop's help page).
Not confirmed by a source: the date format (written here as 2024-03-05 14:30:00), whether
ステータス holds the code or the name, and where the 2023 SKU columns sit.
"""

from __future__ import annotations

from .platform_spec import Exclude, Part, Platform

PLATFORM = Platform(
    name="rakuten",
    label_ja="楽天市場 受注データCSV",
    label_en="Rakuten Ichiba RMS order data CSV",
    # 楽天's own columns, in the 楽天ペイ download and the older 通常購入データ alike
    recognise=("注文日時", "楽天会員フラグ", "ポイント利用額", "楽天発行クーポン利用額"),
    fields={
        "order_id": ("注文番号", "受注番号"),
        "order_date": ("注文日時", "注文日"),
        "email": ("注文者メールアドレス", "メールアドレス"),
        "name": ("注文者姓", "注文者名字"),
        "region": ("注文者住所都道府県", "注文者住所：都道府県"),
    },
    order_amount=(
        Part(("請求金額", "請求金額(-99999=無効値)")),
        Part(("ポイント利用額",)),
        Part(("楽天発行クーポン利用額",)),
    ),
    exclude=(
        Exclude(("ステータス", "受注ステータス"), "cancelled",
                ("900", "キャンセル確定", "800", "キャンセル確定待ち", "キャンセル")),
    ),
    encoding="cp932",
    notes_ja=(
        "楽天RMSの受注データCSVを読み、金額は「請求金額 + ポイント利用額 + 楽天発行クーポン利用額」"
        "（店舗発行クーポンは値引きとして差し引いたまま）とし、キャンセル確定の注文は除きます。"
        "お客様は注文者メールアドレスで識別しますが、楽天のメールアドレスは暗号化されているため、"
        "同じお客様が別の人として数えられることがあります。"
    ),
    notes_en=(
        "Reads the RMS order data CSV; an order's amount is 請求金額 + ポイント利用額 + 楽天発行クーポン利用額 "
        "(shop-issued coupons stay subtracted as a discount), and cancelled orders are left out. Customers are "
        "known by the orderer's e-mail, which 楽天 masks, so one customer may be counted as several."
    ),
    extra={
        "admin_path": "RMS > 受注・決済管理 > 受注管理 > データダウンロード (楽天ペイ注文, all-column template)",
        "rows": "one per item (per 送付先 when sent to several addresses); order columns repeated on every row",
        "format": "Shift_JIS (cp932), money in whole yen, -9999 = not yet fixed",
        "amount": "請求金額 + ポイント利用額 + 楽天発行クーポン利用額 (店舗発行クーポン is a discount)",
        "coupons": "店舗発行クーポン利用額 = shop-funded discount; 楽天発行クーポン利用額 = paid by 楽天, added back",
        "customer_key": "注文者メールアドレス only (masked by 楽天; no member id; phone split in 3 columns, not read)",
        "statuses": "100 注文確認待ち, 200 楽天処理中, 300 発送待ち, 400 変更確定待ち, 500 発送済, "
                    "600 支払手続き中, 700 支払手続き済, 800 キャンセル確定待ち, 900 キャンセル確定",
    },
)
