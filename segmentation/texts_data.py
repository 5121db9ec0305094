"""The text catalogue's part for importing data (the import report and the Data page).

`texts.TEXTS` includes every entry of `DATA_TEXTS`; look texts up with `texts.text(key, lang)`
as for any other: this file only keeps the catalogue's module under its length limit.
"""

DATA_TEXTS: dict[str, dict[str, str]] = {
    "import_report_files": {"ja": "ファイル:", "en": "Files:"},
    "import_report_platform": {"ja": "認識した形式: {platform}", "en": "Recognised as: {platform}"},
    "import_report_rows": {"ja": "読んだ行: {count:,}行", "en": "Rows read: {count:,}"},
    "import_report_orders": {"ja": "注文: 追加 {added:,}件、取り込み済み {present:,}件",
                             "en": "Orders: {added:,} to add, {present:,} already present"},
    "import_report_refunds": {"ja": "返品: 追加 {added:,}件、取り込み済み {present:,}件",
                              "en": "Refunds: {added:,} to add, {present:,} already present"},
    "import_report_customers": {"ja": "顧客ファイルの顧客: 追加 {added:,}人、変更なし {present:,}人",
                                "en": "Customers of the customers file: {added:,} to add, {present:,} unchanged"},
    "import_report_contacts": {"ja": "接触: 追加 {added:,}件、取り込み済み {present:,}件",
                               "en": "Contacts: {added:,} to add, {present:,} already present"},
    "import_report_updated_orders": {"ja": "内容が変わった注文（置き換え）: {count:,}件",
                                     "en": "Orders changed since the last import (replaced): {count:,}"},
    "import_report_removed_orders": {"ja": "前回の取り込み後に取消・返金された注文（削除）: {count:,}件",
                                     "en": "Orders cancelled or refunded since the last import (removed): {count:,}"},
    "import_report_updated_customers": {"ja": "情報を更新する顧客: {count:,}人", "en": "Customers to update: {count:,}"},
    "import_report_created_customers": {
        "ja": "顧客ファイルにない顧客（注文・接触から作成）: {count:,}人",
        "en": "Customers not in a customers file (created from orders or contacts): {count:,}"},
    "import_report_excluded": {"ja": "除外した注文（{reason}）: {count:,}件", "en": "Orders left out ({reason}): {count:,}"},
    "exclude_cancelled": {"ja": "キャンセル", "en": "cancelled"},
    "exclude_refunded": {"ja": "全額返金・無効", "en": "refunded or voided"},
    "exclude_test": {"ja": "テスト注文", "en": "test orders"},
    "exclude_unpaid": {"ja": "未払い・処理中", "en": "unpaid or pending"},
    "import_report_problems": {"ja": "読めない値: {count:,}件（対象の行 {rows:,}行）。最初のもの:",
                               "en": "Values that cannot be read: {count:,} (rows affected: {rows:,}). The first:"},
    "import_report_more_problems": {"ja": "  ほか{count:,}件", "en": "  and {count:,} more"},
    "import_report_rejects": {"ja": "取り込まなかった行と理由: {path}", "en": "Rows not imported, with reasons: {path}"},
    "import_report_dry_run": {"ja": "確認のみ（--dry-run）: 何も書き込んでいません。",
                              "en": "Dry run: nothing was written."},
    "import_report_done": {"ja": "{db} に取り込みました。", "en": "Imported into {db}."},
    "import_report_refused": {
        "ja": "読めない値があるため、何も取り込んでいません。ファイルを直すか、--on-error skip で正しい行だけを取り込めます。",
        "en": "Nothing was imported because some values cannot be read: fix the file, or import the sound rows "
              "with --on-error skip."},
    "cli_rejects_need_skip": {"ja": "--rejects は --on-error skip と一緒に使ってください。",
                              "en": "--rejects goes with --on-error skip."},
    "cli_bad_map": {"ja": "--map {value} は FIELD=HEADER の形で書いてください（例: --map amount=売上金額）。",
                    "en": "--map {value} must be FIELD=HEADER (for example --map amount=売上金額)."},
    "cli_restore_confirm": {
        "ja": "restore は {db} のすべてのデータを置き換えます。よければ --yes を付けてください（先に現在のデータのバックアップを書き出します）。",
        "en": "restore replaces ALL data of {db}; add --yes to confirm (a backup of the current data is written first)."},
    "cli_backup_first": {"ja": "置き換える前のデータを {path} に保存しました。", "en": "The data before the restore is saved in {path}."},
}
