"""The text catalogue's part for values a format cannot hold or the app refuses: cells an Excel
file cuts, characters Shift_JIS writes as "?", names and notes refused with the value named.

`texts.TEXTS` includes every entry of `SAFETY_TEXTS`; look texts up with `texts.text(key, lang)`
as for any other.
"""

SAFETY_TEXTS: dict[str, dict[str, str]] = {
    # A long value quoted in a message (`text_checks.shortened`)
    "shortened_value": {"ja": "{start}…（全{n:,}文字）", "en": "{start}… ({n:,} characters)"},
    # The 条件 sheet of an Excel file: one row per cell cut to Excel's limit
    "meta_cut": {"ja": "切り詰めたセル", "en": "Cut cell"},
    "meta_cut_cell": {
        "ja": "{cell}（{column}）: {length:,}文字のうち先頭の{kept:,}文字だけを書きました（Excelの1セルの上限は32,767文字）",
        "en": "{cell} ({column}): only the first {kept:,} of {length:,} characters are written "
              "(Excel holds 32,767 in one cell)",
    },
    "meta_cut_more": {"ja": "ほかに{n:,}個のセルを切り詰めました", "en": "{n:,} more cells were cut"},
    # The customers page and the CLI after an export
    "export_cut_note": {
        "ja": "{n:,}個のセルはExcelの1セルの上限（32,767文字）を超えていたため、先頭だけを書きました。"
              "どのセルかは「条件」シートにあります。全文が必要ならCSVで書き出してください。",
        "en": "{n:,} cells held more than Excel's 32,767 characters per cell and were cut to their "
              "beginning; the 条件 sheet lists them. Export as CSV for the full text.",
    },
    "export_replaced_note": {
        "ja": "Shift_JISで書けない{n:,}文字を「?」にしました。",
        "en": "{n:,} characters that Shift_JIS cannot hold were written as “?”.",
    },
    "export_cp932_choice": {
        "ja": "書けない文字を「?」に置き換えて書き出すか、すべての文字を書けるUTF-8で書き出してください。",
        "en": "Write the characters Shift_JIS cannot hold as “?”, or export as UTF-8, which holds every character.",
    },
    "export_cp932_replace": {"ja": "「?」に置き換えて準備", "en": "Prepare with “?” instead"},
    "export_cp932_utf8": {"ja": "UTF-8で準備", "en": "Prepare as UTF-8"},
    "export_cp932_refused": {
        "ja": "{row}行目の列「{column}」の「{char}」はShift_JIS（CP932）では書けません。",
        "en": "Row {row}, column {column}: “{char}” cannot be written in Shift_JIS (CP932).",
    },
    "cli_cp932_refused": {
        "ja": "{row}行目の列「{column}」の「{char}」はShift_JIS（CP932）では書けません。"
              "--cp932-errors replace で「?」に置き換えるか、--encoding utf-8-sig で書き出してください。",
        "en": "row {row}, column {column}: “{char}” cannot be written in Shift_JIS (CP932); write such "
              "characters as “?” with --cp932-errors replace, or export as UTF-8 with --encoding utf-8-sig.",
    },
    # Names and notes refused, the value named
    "contact_error_control_note": {
        "ja": "内容に制御文字 {char} が含まれているため保存できません。取り除いてください。",
        "en": "The note holds a control character, {char}, which cannot be saved; remove it.",
    },
    "contact_error_control_staff": {
        "ja": "担当者名に制御文字 {char} が含まれているため保存できません。取り除いてください。",
        "en": "The staff name holds a control character, {char}, which cannot be saved; remove it.",
    },
    "data_upload_bad_name": {
        "ja": "ファイル名「{name}」のファイルは受け取れません（{reason}）。名前を短く変えてからもう一度アップロードしてください。",
        "en": "The file “{name}” cannot be taken: {reason}. Rename it and upload it again.",
    },
    "data_upload_name_long": {
        "ja": "名前が{n:,}バイトあり、上限の{limit:,}バイトを超えています",
        "en": "its name takes {n:,} bytes, more than the {limit:,} a file name can have",
    },
    "data_upload_name_control": {
        "ja": "名前に制御文字 {char} が含まれています",
        "en": "its name holds a control character, {char}",
    },
}
