"""The text catalogue's part for comparing two threshold settings (the overview's comparison and
the CLI's `compare`).

`texts.TEXTS` includes every entry of `COMPARE_TEXTS`; look texts up with `texts.text(key, lang)`
as for any other: this file only keeps the catalogue's module under its length limit.
"""

COMPARE_TEXTS: dict[str, dict[str, str]] = {
    # The overview's toggle and what it shows
    "compare_toggle": {"ja": "2つのしきい値設定を比べる", "en": "Compare two threshold settings"},
    "compare_toggle_help": {
        "ja": "今のスライダー（B）を、保存した設定か、最後に動かす前のスライダー（A）と比べます。",
        "en": "Compares the sliders as they are (B) with a saved preset or with the sliders before their last change (A).",
    },
    "compare_title": {"ja": "しきい値設定の比較", "en": "Two threshold settings compared"},
    "compare_source": {"ja": "比べる設定（A）", "en": "Compare with (A)"},
    "compare_source_previous": {"ja": "最後に動かす前のスライダー", "en": "The sliders before their last change"},
    "compare_source_preset": {"ja": "保存した設定「{name}」", "en": "Preset “{name}”"},
    "compare_no_previous": {
        "ja": "まだスライダーを動かしていないため、比べる前の設定がありません。スライダーを動かすか、保存した設定を選んでください。",
        "en": "The sliders have not moved yet, so there is no earlier setting: move a slider, or pick a saved preset.",
    },
    "compare_a": {"ja": "A: {thresholds}", "en": "A: {thresholds}"},
    "compare_b": {"ja": "B（今のスライダー）: {thresholds}", "en": "B (the sliders now): {thresholds}"},
    "compare_same": {"ja": "A と B は同じ設定です。どの顧客の層も変わりません。",
                     "en": "A and B are the same setting: no customer changes tier."},
    "compare_changed": {
        "ja": "{total:,}人のうち{n:,}人（{share:.1%}）の層か状態が A と B で変わります。",
        "en": "{n:,} of {total:,} customers ({share:.1%}) are in another tier or status under B than under A.",
    },
    "compare_counts_title": {"ja": "層と状態ごとの人数", "en": "Customers per tier and status"},
    "compare_col_a": {"ja": "A の人数", "en": "Under A"},
    "compare_col_b": {"ja": "B の人数", "en": "Under B"},
    "compare_col_difference": {"ja": "差（B − A）", "en": "Difference (B − A)"},
    "compare_matrix_title": {"ja": "A の層 → B の層", "en": "Tier under A → tier under B"},
    "compare_matrix_caption": {
        "ja": "行が A、列が B の層と状態です。対角線の外のセルをクリックすると、その顧客を下に一覧にします。",
        "en": "Rows are the tier and status under A, columns under B. Click a cell off the diagonal to list its customers below.",
    },
    "compare_axis_a": {"ja": "A の層と状態", "en": "Under A"},
    "compare_axis_b": {"ja": "B の層と状態", "en": "Under B"},
    "compare_difference_axis": {"ja": "差（B − A、人）", "en": "Difference (B − A, customers)"},
    "compare_move_pick": {"ja": "変わる顧客を見る", "en": "Customers who change"},
    "compare_move_option": {"ja": "{move}（{n:,}人）", "en": "{move} ({n:,})"},
    "compare_list_title": {"ja": "{move}: {n:,}人", "en": "{move}: {n:,} customers"},
    "compare_list_caption": {
        "ja": "層と状態の列は B（今のスライダー）での値です。",
        "en": "The tier and status columns are those under B (the sliders now).",
    },
    # The export of the customers who change (the 条件 sheet and the file name)
    "compare_export_too_large": {
        "ja": "{limit:,}人を超える一覧はブラウザからはダウンロードできません。スライダーか比べる設定を変えて、移動する顧客を絞ってください。",
        "en": "Lists above {limit:,} customers cannot be downloaded in the browser: change the sliders or the setting compared with to narrow the move.",
    },
    "view_compare": {"ja": "しきい値設定の比較", "en": "Threshold settings compared"},
    "meta_compare_a": {"ja": "比べた設定（A）", "en": "Compared with (A)"},
    "meta_compare_move": {"ja": "A → B の移動", "en": "Move from A to B"},
    # The command line
    "cli_compare_unknown_preset": {
        "ja": "{flag} の設定「{name}」は保存されていません（保存済み: {names}）。",
        "en": "There is no preset “{name}” for {flag} (saved: {names}).",
    },
    "cli_compare_no_presets": {"ja": "なし", "en": "none"},
    "cli_compare_note_min_amount": {"ja": "注: {flag} {value}（提案値: {reason}）",
                                    "en": "note: {flag} {value} (suggested: {reason})"},
}
