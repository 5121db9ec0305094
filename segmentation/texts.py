"""The one text catalogue: every sentence and label the CLI and the dashboard show, in Japanese
and English. Tier names live with the tiers (`tiers.py`) and are reached through `tier_name`.
"""

from __future__ import annotations

from .tiers import BY_CODE

LANGS = ("ja", "en")

TEXTS: dict[str, dict[str, str]] = {
    # Suggested thresholds
    "reason_min_orders": {
        "ja": "リピート客{count:,}人のうち上位4分の1は{value}回以上購入しています。",
        "en": "The top quarter of the {count:,} repeat customers have ordered {value} times or more.",
    },
    "reason_min_tenure_days": {
        "ja": "リピート客の半数は{median:,}日以上にわたって購入しています（30日単位で切り上げ）。",
        "en": "Half of the repeat customers have bought over {median:,} days or longer (rounded up to 30 days).",
    },
    "reason_lapse_days": {
        "ja": "注文と注文の間隔{gaps:,}件の9割は{value}日以内です。それより長い空白は普通ではありません。",
        "en": "9 in 10 of the {gaps:,} gaps between a customer's orders are {value} days or shorter; a longer silence is unusual.",
    },
    "reason_min_amount": {
        "ja": "リピート客{count:,}人のうち上位4分の1は累計{value:,.0f}円以上購入しています。",
        "en": "The top quarter of the {count:,} repeat customers have spent {value:,.0f} or more in total.",
    },
    "reason_default": {
        "ja": "リピート客が{count}人しかいないため、標準値のままにしています。",
        "en": "Only {count} repeat customers so far, so this stays at the standard value.",
    },
    # Statuses and movements
    "status_active": {"ja": "現役", "en": "Active"},
    "status_lapsed": {"ja": "離脱", "en": "Lapsed"},
    "movement_new": {"ja": "新規", "en": "New"},
    "movement_promoted": {"ja": "昇格", "en": "Promoted"},
    "movement_demoted": {"ja": "降格", "en": "Demoted"},
    "movement_lapsed": {"ja": "離脱", "en": "Lapsed"},
    "movement_reactivated": {"ja": "復帰", "en": "Reactivated"},
    "cycle_overdue": {"ja": "遅延（離反の恐れ）", "en": "Overdue"},
    "cycle_due": {"ja": "購入時期", "en": "Due"},
    "cycle_not_due": {"ja": "まだ先", "en": "Not due"},
    "tier_new": {"ja": "新規", "en": "New"},
    # App: navigation and sidebar
    "app_title": {"ja": "顧客ポートフォリオ", "en": "Customer tiers"},
    "page_overview": {"ja": "概要", "en": "Overview"},
    "page_trends": {"ja": "推移", "en": "Trends"},
    "page_customers": {"ja": "顧客リスト", "en": "Customers"},
    "page_customer": {"ja": "顧客詳細", "en": "Customer"},
    "language": {"ja": "言語 / Language", "en": "Language / 言語"},
    "sidebar_thresholds": {"ja": "しきい値", "en": "Thresholds"},
    "as_of": {"ja": "基準日", "en": "As of"},
    "as_of_help": {"ja": "この日までの注文で分類します（既定: 最新の注文日）。", "en": "Classify with the orders up to this day (default: the latest order date)."},
    "value_axis": {"ja": "「よく買う」の基準", "en": "'Buys often' means"},
    "value_axis_orders": {"ja": "購入回数", "en": "Number of orders"},
    "value_axis_amount": {"ja": "累計購入金額", "en": "Amount spent"},
    "min_orders": {"ja": "よく買う: 購入回数がこれ以上", "en": "Buys often: at least this many orders"},
    "min_tenure_days": {"ja": "長く買う: 初回から最新まで（日）", "en": "Buys over a long time: days from first to latest order"},
    "lapse_days": {"ja": "離脱: 最終購入からの日数がこれを超える", "en": "Lapsed: more days than this since the latest order"},
    "min_amount": {"ja": "よく買う: 累計金額がこれ以上（円）", "en": "Buys often: at least this amount spent"},
    "suggested": {"ja": "提案: {value}", "en": "Suggested: {value}"},
    "use_suggestion": {"ja": "提案値を使う", "en": "Use suggestion"},
    "sidebar_scope": {"ja": "対象顧客の絞り込み", "en": "Scope"},
    "scope_channel": {"ja": "獲得経路", "en": "Acquisition channel"},
    "scope_region": {"ja": "地域", "en": "Region"},
    "scope_staff": {"ja": "担当者", "en": "Staff"},
    "scope_category": {"ja": "購入カテゴリ", "en": "Category bought"},
    "scope_all": {"ja": "すべて", "en": "All"},
    "sidebar_presets": {"ja": "保存した設定", "en": "Presets"},
    "preset_choose": {"ja": "設定を選ぶ", "en": "Choose a preset"},
    "preset_load": {"ja": "読み込む", "en": "Load"},
    "preset_name": {"ja": "設定の名前", "en": "Preset name"},
    "preset_save": {"ja": "今の設定を保存", "en": "Save current"},
    "preset_saved": {"ja": "「{name}」を保存しました。", "en": "Saved “{name}”."},
    "preset_loaded": {"ja": "「{name}」を読み込みました。", "en": "Loaded “{name}”."},
    "preset_none": {"ja": "保存した設定はまだありません。", "en": "No presets saved yet."},
    "reset": {"ja": "標準に戻す", "en": "Reset to defaults"},
    "url_bad_value": {"ja": "URLの値「{key}={value}」は使えないため無視しました: {reason}", "en": "Ignored {key}={value} from the URL: {reason}"},
    "db_busy": {"ja": "データベースは別の処理（取り込みなど）が書き込み中です。少し待ってからもう一度お試しください。入力内容は残っています。", "en": "The database is being written by another program (an import?). Try again in a moment; what you typed is kept."},
    "data_refreshing": {"ja": "新しいデータを取り込み中のため、前回のデータを表示しています。", "en": "New data is being imported; showing the previous data for now."},
    "data_caption": {"ja": "{customers:,}人・{orders:,}件の注文（最新の注文日 {latest}）", "en": "{customers:,} customers, {orders:,} orders (latest order {latest})"},
    # Empty database guide
    "empty_title": {"ja": "まだデータがありません", "en": "No data yet"},
    "empty_body": {
        "ja": "顧客と注文のデータを読み込むと、ここに顧客の層が表示されます。\n\n"
              "- お試し: 下のボタンでデモデータ（架空の顧客 {n:,}人）を作ります。\n"
              "- 自社データ: `python -m segmentation import --db {db} --orders orders.csv --customers customers.csv`",
        "en": "Load customers and orders and your customer tiers appear here.\n\n"
              "- To try it: the button below creates demo data ({n:,} made-up customers).\n"
              "- Your own data: `python -m segmentation import --db {db} --orders orders.csv --customers customers.csv`",
    },
    "empty_load_demo": {"ja": "デモデータを作る", "en": "Create demo data"},
    # Overview page
    "overview_title": {"ja": "顧客の層（{as_of}時点）", "en": "Customer tiers as of {as_of}"},
    "overview_scope": {"ja": "対象: {scope}", "en": "Showing {scope}"},
    "tile_customers": {"ja": "{n:,}人", "en": "{n:,}"},
    "tile_help": {"ja": "全体の{share:.1%}・売上の{amount_share:.1%}。前期末（{previous}）比。", "en": "{share:.1%} of customers, {amount_share:.1%} of revenue. Change since {previous}."},
    "tier_map_title": {"ja": "顧客マップ（購入回数×購入期間）", "en": "Tier map (orders × tenure)"},
    "tier_map_title_amount": {"ja": "顧客マップ（購入金額×購入期間）", "en": "Tier map (amount × tenure)"},
    "tier_map_caption": {"ja": "線はしきい値の位置です。スライダーを動かすと境界が動きます。見込み客は注文がないため含みません。", "en": "The lines are the thresholds: move a slider and the borders move. Prospects have no orders and are not shown."},
    "revenue_by_tier_title": {"ja": "層別の累計売上", "en": "Revenue by tier"},
    "active_total": {"ja": "現役", "en": "Active"},
    "lapsed_total": {"ja": "離脱", "en": "Lapsed"},
    # Trends page
    "trends_title": {"ja": "推移", "en": "Trends"},
    "freq": {"ja": "集計単位", "en": "Period"},
    "freq_week": {"ja": "週", "en": "Week"},
    "freq_month": {"ja": "月", "en": "Month"},
    "freq_quarter": {"ja": "四半期", "en": "Quarter"},
    "chart_mode": {"ja": "表示", "en": "Chart"},
    "mode_area": {"ja": "積み上げ", "en": "Stacked area"},
    "mode_line": {"ja": "折れ線", "en": "Lines"},
    "status_filter": {"ja": "状態", "en": "Status"},
    "status_both": {"ja": "現役と離脱", "en": "Active and lapsed"},
    "counts_title": {"ja": "層別の顧客数の推移（推移グラフ）", "en": "Customers per tier at each period end"},
    "counts_caption": {"ja": "凡例やグラフの層をクリックすると、その層を顧客リストで開けます。", "en": "Click a tier in the chart or legend to open it in the customer list."},
    "revenue_title": {"ja": "層別の売上の推移", "en": "Revenue per period by tier"},
    "movements_title": {"ja": "層の出入り（期ごと）", "en": "Moves per period"},
    "movements_tier": {"ja": "層", "en": "Tier"},
    "yoy_title": {"ja": "前年同期との比較", "en": "Against the same period a year before"},
    "yoy_period": {"ja": "{period}末", "en": "End of {period}"},
    "yoy_previous": {"ja": "前年同期", "en": "A year before"},
    "yoy_change": {"ja": "増減", "en": "Change"},
    "transitions_title": {"ja": "2時点間の移動", "en": "From one date to another"},
    "transitions_from": {"ja": "移動前の日付", "en": "From"},
    "transitions_to": {"ja": "移動後の日付", "en": "To"},
    "cohort_title": {"ja": "初回購入月別の継続率", "en": "Retention by month of first order"},
    "cohort_caption": {"ja": "各月に初めて買った顧客のうち、n か月後にも注文した人の割合。", "en": "Of the customers whose first order fell in a month, the share who ordered again n months later."},
    "channels_title": {"ja": "獲得経路別の育成状況", "en": "Which channel makes loyal customers"},
    "open_in_list": {"ja": "「{tier}」を顧客リストで開く", "en": "Open “{tier}” in the customer list"},
    "selected_tier": {"ja": "選択中の層: {tier}", "en": "Selected tier: {tier}"},
    "no_periods": {"ja": "この期間には完了した集計期間がありません。", "en": "No complete period in this range."},
    # Columns
    "col_tier": {"ja": "層", "en": "Tier"},
    "col_status": {"ja": "状態", "en": "Status"},
    "col_customers": {"ja": "顧客数", "en": "Customers"},
    "col_share": {"ja": "構成比", "en": "Share"},
    "col_amount": {"ja": "累計金額", "en": "Amount"},
    "col_channel": {"ja": "獲得経路", "en": "Channel"},
    "col_acquired": {"ja": "獲得数", "en": "Acquired"},
    "col_first_order": {"ja": "初回購入", "en": "First order"},
    "col_second_order": {"ja": "2回目購入", "en": "Second order"},
    "col_second_share": {"ja": "2回目購入率", "en": "Second order rate"},
    "col_loyal": {"ja": "優良客", "en": "Loyal"},
    "col_loyal_share": {"ja": "優良客化率", "en": "Loyal rate"},
    "col_amount_per_customer": {"ja": "顧客あたり売上", "en": "Revenue per customer"},
    "col_period_end": {"ja": "期末", "en": "Period end"},
    "unknown": {"ja": "未設定", "en": "Unknown"},
    # Charts
    "chart_no_data": {"ja": "データがありません", "en": "No data"},
    "chart_revenue": {"ja": "売上（円）", "en": "Revenue (yen)"},
    "chart_amount": {"ja": "累計購入金額（円）", "en": "Amount spent (yen)"},
    "chart_amount_share": {"ja": "売上構成比", "en": "Share of revenue"},
    "chart_period": {"ja": "期末", "en": "Period end"},
    "chart_movement": {"ja": "動き", "en": "Move"},
    "chart_moves_axis": {"ja": "顧客数（流入 + ／ 流出 −）", "en": "Customers (in + / out −)"},
    "chart_from": {"ja": "移動前の層", "en": "From"},
    "chart_to": {"ja": "移動後の層", "en": "To"},
    "chart_row_share": {"ja": "移動前の層に占める割合", "en": "Share of the 'from' row"},
    "chart_tenure_days": {
        "ja": "購入期間（初回から最新まで・日）",
        "en": "Tenure (days from first to latest order)",
    },
    "chart_orders": {"ja": "購入回数", "en": "Orders"},
    "chart_tenure_range": {"ja": "{start:,}〜{end:,}日", "en": "{start:,}–{end:,} days"},
    "chart_orders_value": {"ja": "{count:,}回", "en": "{count:,} orders"},
    "chart_amount_range": {"ja": "{start:,.0f}〜{end:,.0f}円", "en": "¥{start:,.0f}–¥{end:,.0f}"},
    "chart_threshold_tenure": {"ja": "{value:,}日", "en": "{value:,} days"},
    "chart_threshold_orders": {"ja": "{value:,}回", "en": "{value:,} orders"},
    "chart_threshold_amount": {"ja": "{value:,.0f}円", "en": "¥{value:,.0f}"},
    "chart_active_customers": {"ja": "うち現役", "en": "of which active"},
    "chart_lapsed_customers": {"ja": "うち離脱", "en": "of which lapsed"},
    "chart_cohort": {"ja": "初回購入月", "en": "Month of first order"},
    "chart_months_since": {"ja": "経過月数", "en": "Months since first order"},
    "chart_cohort_size": {"ja": "初回購入者数", "en": "First-time buyers"},
    "chart_retention": {"ja": "購入した割合", "en": "Share who ordered"},
    "chart_metric": {"ja": "指標", "en": "Measure"},
}


def text(key: str, lang: str = "ja", **values) -> str:
    """The sentence `key` in `lang` (ja or en), with `values` filled in."""
    entry = TEXTS[key]
    template = entry.get(lang) or entry["en"]
    return template.format(**values) if values else template


def tier_name(code: str, lang: str = "ja") -> str:
    if code == "new":
        return text("tier_new", lang)
    return BY_CODE[code].name(lang)


def status_name(lapsed: bool | None, lang: str = "ja") -> str:
    if lapsed is None:
        return ""
    return text("status_lapsed" if lapsed else "status_active", lang)
