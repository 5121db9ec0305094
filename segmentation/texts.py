"""The one text catalogue: every sentence and label the CLI and the dashboard show, in Japanese
and English. Tier names live with the tiers (`tiers.py`) and are reached through `tier_name`.
"""

from __future__ import annotations

from .tiers import BY_CODE

LANGS = ("ja", "en")

from .texts_data import DATA_TEXTS  # noqa: E402  (the import and Data page part of the catalogue)
from .texts_access import ACCESS_TEXTS  # noqa: E402  (sign-in, roles, users and the audit)
from .texts_faults import FAULT_TEXTS  # noqa: E402  (faults of the database file, contact drafts)
from .texts_safety import SAFETY_TEXTS  # noqa: E402  (values cut, replaced or refused, named)
from .texts_channels import CHANNEL_TEXTS  # noqa: E402  (cost per channel, prospects like loyal customers)
from .texts_forecast import FORECAST_TEXTS  # noqa: E402  (the forecast of the 推移グラフ)
from .texts_compare import COMPARE_TEXTS  # noqa: E402  (two threshold settings compared)
from .texts_predict import PREDICT_TEXTS  # noqa: E402  (each customer's chance of coming back)

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
    # What a page waits for (a spinner shown when the wait passes half a second)
    "wait_open": {"ja": "顧客データを読み込んでいます…（新しいデータの後の初回は集計に数秒かかります）", "en": "Reading the customer data… (the first time after new data, preparing it takes a few seconds)"},
    "wait_activity": {"ja": "期間ごとの売上と顧客の動きを準備しています（起動後の初回だけ）…", "en": "Preparing revenue and moves per period (once after a start)…"},
    "wait_periods": {"ja": "週・四半期ごとの集計を準備しています（初回だけ）…", "en": "Preparing the counts per week or quarter (the first time only)…"},
    "wait_lists": {"ja": "顧客リストと最新の接触記録を準備しています（起動後の初回だけ）…", "en": "Preparing the customer lists and the latest contacts (once after a start)…"},
    "data_caption": {"ja": "{customers:,}人・{orders:,}件の注文（最新の注文日 {latest}）", "en": "{customers:,} customers, {orders:,} orders (latest order {latest})"},
    # Empty database guide
    "empty_title": {"ja": "まだデータがありません", "en": "No data yet"},
    "empty_body": {
        "ja": "顧客と注文のデータを読み込むと、ここに顧客の層が表示されます。\n\n"
              "- お試し: 下のボタンでデモデータ（架空の顧客 {n:,}人）を作ります。\n"
              "- 自社データ: `segmentation import --db {db} --orders orders.csv --customers customers.csv`",
        "en": "Load customers and orders and your customer tiers appear here.\n\n"
              "- To try it: the button below creates demo data ({n:,} made-up customers).\n"
              "- Your own data: `segmentation import --db {db} --orders orders.csv --customers customers.csv`",
    },
    "empty_load_demo": {"ja": "デモデータを作る", "en": "Create demo data"},
    # Overview page
    "overview_title": {"ja": "顧客の層（{as_of}時点）", "en": "Customer tiers as of {as_of}"},
    "overview_scope": {"ja": "対象: {scope}", "en": "Showing {scope}"},
    "tile_customers": {"ja": "{n:,}人", "en": "{n:,}"},
    "tile_exact": {"ja": "正確には {n:,}人", "en": "exactly {n:,}"},
    "tile_help": {"ja": "全体の{share:.1%}・売上の{amount_share:.1%}。前期末（{previous}）比。", "en": "{share:.1%} of customers, {amount_share:.1%} of revenue. Change since {previous}."},
    "tier_map_title": {"ja": "顧客マップ（購入回数×購入期間）", "en": "Tier map (orders × tenure)"},
    "tier_map_title_amount": {"ja": "顧客マップ（購入金額×購入期間）", "en": "Tier map (amount × tenure)"},
    "tier_map_caption": {"ja": "線はしきい値の位置です。スライダーを動かすと境界が動きます。見込み客は注文がないため含みません。", "en": "The lines are the thresholds: move a slider and the borders move. Prospects have no orders and are not shown."},
    "revenue_by_tier_title": {"ja": "層別の累計売上", "en": "Revenue by tier"},
    "active_total": {"ja": "現役", "en": "Active"},
    "lapsed_total": {"ja": "離脱", "en": "Lapsed"},
    # Trends page
    "trends_title": {"ja": "推移", "en": "Trends"},
    "trends_section": {"ja": "詳しく見る", "en": "Look closer"},
    "section_revenue": {"ja": "売上", "en": "Revenue"},
    "section_movements": {"ja": "層の出入り", "en": "Moves"},
    "section_year_before": {"ja": "前年同期比", "en": "A year before"},
    "section_transitions": {"ja": "2時点間の移動", "en": "Between two dates"},
    "section_cohorts": {"ja": "継続率", "en": "Cohorts"},
    "section_channels": {"ja": "獲得経路", "en": "Channels"},
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
    # Customer list columns (col_<name> for every customers.LIST_COLUMNS entry)
    "col_customer_id": {"ja": "顧客ID", "en": "Customer ID"},
    "col_name": {"ja": "氏名", "en": "Name"},
    "col_company": {"ja": "会社名", "en": "Company"},
    "col_email": {"ja": "メール", "en": "Email"},
    "col_phone": {"ja": "電話", "en": "Phone"},
    "col_region": {"ja": "地域", "en": "Region"},
    "col_address": {"ja": "住所", "en": "Address"},
    "col_staff": {"ja": "担当者", "en": "Staff"},
    "col_lapsed": {"ja": "状態", "en": "Status"},
    "col_orders": {"ja": "購入回数", "en": "Orders"},
    "col_average_order_value": {"ja": "平均購入単価", "en": "Average order"},
    "col_campaign_share": {"ja": "キャンペーン利用率", "en": "Campaign share"},
    "col_first_order_date": {"ja": "初回購入日", "en": "First order"},
    "col_last_order_date": {"ja": "最終購入日", "en": "Last order"},
    "col_tenure_days": {"ja": "購入期間（日）", "en": "Tenure (days)"},
    "col_recency_days": {"ja": "経過日数", "en": "Days since"},
    "col_interval_days": {"ja": "平均購入間隔（日）", "en": "Interval (days)"},
    "col_expected_next_order_date": {"ja": "次回購入予定日", "en": "Next order expected"},
    "col_cycle_status": {"ja": "購入サイクル", "en": "Cycle"},
    "col_last_contact_at": {"ja": "最終接触日", "en": "Last contact"},
    "col_contacts": {"ja": "接触回数", "en": "Contacts"},
    # Customers page
    "customers_title": {"ja": "顧客リスト", "en": "Customers"},
    "ready_views": {"ja": "よく使う一覧", "en": "Ready-made views"},
    "view_custom": {"ja": "条件を指定", "en": "Custom"},
    "view_due_this_week": {"ja": "今週が購入時期", "en": "Due for reorder this week"},
    "view_overdue_possibly_lost": {"ja": "遅延：離反の恐れ", "en": "Overdue: possibly lost"},
    "view_loyal_lapsing": {"ja": "優良客だが途絶えがち", "en": "Loyal but lapsing"},
    "view_trend_from_campaigns": {"ja": "キャンペーン由来の流行客", "en": "Trend buyers from campaigns"},
    # The same views as the "who to contact now" tiles name them: short enough to show in full
    # five to a row (the full name is the tile's help).
    "view_tile_due_this_week": {"ja": "今週が購入時期", "en": "Due this week"},
    "view_tile_overdue_possibly_lost": {"ja": "遅延・離反の恐れ", "en": "Overdue"},
    "view_tile_loyal_lapsing": {"ja": "優良客が途絶えがち", "en": "Loyal, lapsing"},
    "view_tile_trend_from_campaigns": {"ja": "キャンペーン流行客", "en": "Campaign buyers"},
    "view_tile_prospects_to_approach": {"ja": "優先見込み客", "en": "Prospects first"},
    "filters": {"ja": "絞り込み", "en": "Filters"},
    "filter_tiers": {"ja": "層", "en": "Tiers"},
    "filter_status": {"ja": "状態", "en": "Status"},
    "filter_cycle": {"ja": "購入サイクル", "en": "Cycle status"},
    "filter_aov": {"ja": "平均購入単価（円）", "en": "Average order value"},
    "filter_campaign": {"ja": "キャンペーン利用率", "en": "Campaign share"},
    "filter_contact": {"ja": "最終接触", "en": "Last contact"},
    "contact_any": {"ja": "指定しない", "en": "Any"},
    "contact_none_days": {"ja": "{n}日を超えて接触なし（未接触を含む）", "en": "None in {n} days (or never)"},
    "contact_never": {"ja": "一度も接触なし", "en": "Never contacted"},
    "filter_search": {"ja": "検索（氏名・会社名・メール・ID）", "en": "Search (name, company, email, ID)"},
    "filter_sort": {"ja": "並び順", "en": "Sort by"},
    "sort_amount": {"ja": "累計金額の多い順", "en": "Amount, highest first"},
    "sort_orders": {"ja": "購入回数の多い順", "en": "Orders, most first"},
    "sort_recency": {"ja": "最終購入が古い順", "en": "Longest since last order"},
    "sort_recent": {"ja": "最終購入が新しい順", "en": "Most recent order"},
    "sort_expected": {"ja": "次回購入予定日が近い順", "en": "Next order expected, soonest"},
    "sort_last_contact": {"ja": "最終接触が古い順", "en": "Longest since last contact"},
    "sort_customer_id": {"ja": "顧客ID順", "en": "Customer ID"},
    "columns_pick": {"ja": "表示する列", "en": "Columns"},
    "matches": {"ja": "該当 {n:,}人", "en": "{n:,} customers match"},
    "showing_first": {"ja": "先頭の{shown:,}人を表示しています。全員分はダウンロードしてください。", "en": "Showing the first {shown:,}; download to get them all."},
    "filters_in_use": {"ja": "絞り込み: {filters}", "en": "Filters: {filters}"},
    "open_customer": {"ja": "行を選ぶと顧客詳細を開きます。", "en": "Select a row to open the customer."},
    "from_trends": {"ja": "推移グラフで選んだ層「{tier}」で絞り込んでいます。", "en": "Filtered by the tier chosen in the trends chart: {tier}."},
    "export_title": {"ja": "ダウンロード", "en": "Download"},
    "export_format": {"ja": "形式", "en": "Format"},
    "export_csv_utf8": {"ja": "CSV（UTF-8・Excel対応）", "en": "CSV (UTF-8 for Excel)"},
    "export_csv_cp932": {"ja": "CSV（Shift_JIS）", "en": "CSV (Shift_JIS)"},
    "export_xlsx": {"ja": "Excel（.xlsx）", "en": "Excel (.xlsx)"},
    "export_button": {"ja": "{n:,}人分をダウンロード", "en": "Download {n:,} customers"},
    "export_prepare": {"ja": "ファイルを作る", "en": "Prepare file"},
    "export_large": {"ja": "{n:,}人は大きいため、ブラウザでは時間がかかります。{limit:,}人を超える一覧はコマンド `segmentation export` をお使いください。", "en": "{n:,} customers is large for a browser download; above {limit:,} use the command `segmentation export`."},
    "export_too_large": {"ja": "{limit:,}人を超える一覧はブラウザからはダウンロードできません。コマンド `segmentation export` をお使いください。", "en": "Lists above {limit:,} customers cannot be downloaded in the browser; use `segmentation export`."},
    "meta_as_of": {"ja": "基準日", "en": "As of"},
    "meta_thresholds": {"ja": "しきい値", "en": "Thresholds"},
    "meta_scope": {"ja": "対象", "en": "Scope"},
    "meta_filters": {"ja": "絞り込み", "en": "Filters"},
    "meta_view": {"ja": "一覧", "en": "View"},
    "meta_rows": {"ja": "件数", "en": "Rows"},
    "meta_created": {"ja": "作成日時", "en": "Created"},
    # Command line (segmentation/cli.py: its own sentences; errors of the package stay English)
    "cli_need_db": {"ja": "--db PATH で使うデータベースを指定してください（または SEGMENTATION_DB を設定してください）。",
                    "en": "Say which database to use with --db PATH (or set SEGMENTATION_DB)."},
    "cli_need_db_sample": {"ja": "--db PATH で作成するデータベースの場所を指定してください。",
                           "en": "Say where to create the database with --db PATH."},
    "cli_need_db_import": {"ja": "--db PATH で取り込み先のデータベースを指定してください。",
                           "en": "Say which database to import into with --db PATH."},
    "cli_cannot_write": {"ja": "{out} に書き込めません: {reason}。", "en": "Cannot write {out}: {reason}."},
    "cli_interrupted": {"ja": "中断しました。何も変更していません。", "en": "interrupted; nothing was changed."},
    "cli_stdout": {"ja": "標準出力", "en": "standard output"},
    "cli_wrote_rows": {"ja": "{out} に{rows:,}行を書き出しました。", "en": "Wrote {rows:,} rows to {out}."},
    "cli_wrote_customers": {"ja": "{out} に顧客{rows:,}人を書き出しました。", "en": "Wrote {rows:,} customers to {out}."},
    "cli_created": {"ja": "{db} を作成しました: 顧客{customers:,}人、注文{orders:,}行、接触{contacts:,}件（{seconds:.1f}秒）。",
                    "en": "Created {db}: {customers:,} customers, {orders:,} order rows, {contacts:,} contacts ({seconds:.1f} s)."},
    "cli_note_min_amount": {"ja": "注: --min-amount {value}（提案値: {reason}）",
                            "en": "note: --min-amount {value} (suggested: {reason})"},
    "cli_warn_scope": {"ja": "警告: {flag} {value} に当てはまる顧客はいません。",
                       "en": "warning: {flag} {value} matches no customer."},
    "cli_summary_header": {"ja": "{as_of}時点の{scope}: {customers:,}人",
                           "en": "{customers:,} customers as of {as_of} ({scope})"},
    # Customer-list filters as sentences (filters.describe_filters; the 条件 sheet and captions)
    "filter_desc_tiers": {"ja": "層: {values}", "en": "tier: {values}"},
    "filter_desc_status_active": {"ja": "現役のみ", "en": "active customers only"},
    "filter_desc_status_lapsed": {"ja": "離脱のみ", "en": "lapsed customers only"},
    "filter_desc_cycle": {"ja": "購入サイクル: {values}", "en": "reorder cycle: {values}"},
    "filter_desc_channel": {"ja": "獲得経路: {values}", "en": "acquired by {values}"},
    "filter_desc_staff": {"ja": "担当者: {values}", "en": "looked after by {values}"},
    "filter_desc_region": {"ja": "地域: {values}", "en": "in region {values}"},
    "filter_desc_min_average_order_value": {"ja": "平均購入単価が{value}以上", "en": "average order of {value} or more"},
    "filter_desc_max_average_order_value": {"ja": "平均購入単価が{value}以下", "en": "average order of {value} or less"},
    "filter_desc_min_campaign_share": {"ja": "キャンペーン利用率が{value}以上",
                                       "en": "{value} or more of the orders used a campaign"},
    "filter_desc_max_campaign_share": {"ja": "キャンペーン利用率が{value}以下",
                                       "en": "{value} or less of the orders used a campaign"},
    "filter_desc_no_contact_days": {"ja": "{value}日を超えて接触なし（未接触を含む）",
                                    "en": "no contact for more than {value} days (or never)"},
    "filter_desc_never_contacted": {"ja": "一度も接触なし", "en": "never contacted"},
    "filter_desc_expected_within_days": {"ja": "次回購入予定日が{value}日以内",
                                         "en": "next order expected within {value} days"},
    "filter_desc_search": {"ja": "「{value}」を含む", "en": "matching “{value}”"},
    "filter_desc_customer_ids": {"ja": "顧客ID: {values}", "en": "customer ID {values}"},
    "filter_desc_none": {"ja": "なし（全員）", "en": "none (everyone)"},
    # Thresholds as sentences (Thresholds.describe; the 条件 sheet and the CLI)
    "thresholds_desc_orders": {"ja": "よく買う: {min_orders}回以上", "en": "buys often: {min_orders} orders or more"},
    "thresholds_desc_amount": {"ja": "よく買う: 累計{min_amount}以上", "en": "buys often: {min_amount} spent or more"},
    "thresholds_desc_tenure": {"ja": "長く買う: 初回から{min_tenure_days:,}日以上",
                               "en": "buys over a long time: {min_tenure_days:,} days or more since the first order"},
    "thresholds_desc_lapse": {"ja": "離脱: 最終購入から{lapse_days:,}日超", "en": "lapsed: more than {lapse_days:,} days since the latest order"},
    "thresholds_desc_cycle": {"ja": "遅延: 平均間隔の{overdue_factor:g}倍超・購入時期: {due_window_days}日以内",
                              "en": "overdue: silence over {overdue_factor:g} times the usual interval; due: expected within {due_window_days} days"},
    "amount_yen": {"ja": "{sign}{value:,.0f}円", "en": "{sign}¥{value:,.0f}"},
    "amount_sen": {"ja": "{sign}{value:,.2f}円", "en": "{sign}¥{value:,.2f}"},
    # Customer page
    "customer_title": {"ja": "顧客詳細", "en": "Customer"},
    "customer_pick": {"ja": "顧客IDを入力", "en": "Customer ID"},
    "customer_unknown": {"ja": "顧客ID「{id}」は見つかりません。", "en": "No customer with the ID “{id}”."},
    "customer_none": {"ja": "顧客リストで行を選ぶか、顧客IDを入力してください。", "en": "Pick a row in the customer list or type a customer ID."},
    "profile": {"ja": "プロフィール", "en": "Profile"},
    "tier_today": {"ja": "現在の層", "en": "Tier today"},
    "tier_history": {"ja": "層の履歴（今のしきい値で）", "en": "Tier history (under the current thresholds)"},
    "since": {"ja": "開始日", "en": "Since"},
    "orders_title": {"ja": "注文", "en": "Orders"},
    "orders_chart_caption": {"ja": "破線は次回購入予定日です。", "en": "The dashed line is the expected next order date."},
    "contacts_title": {"ja": "接触履歴", "en": "Contact history"},
    "contacts_none": {"ja": "まだ接触の記録がありません。", "en": "No contacts logged yet."},
    "contact_form": {"ja": "接触を記録する", "en": "Log a contact"},
    "contact_date": {"ja": "日付", "en": "Date"},
    "contact_time": {"ja": "時刻", "en": "Time"},
    "contact_kind": {"ja": "種類", "en": "Kind"},
    "contact_staff": {"ja": "担当者", "en": "Staff"},
    "contact_note": {"ja": "内容", "en": "Note"},
    "contact_save": {"ja": "記録する", "en": "Save"},
    "contact_saved": {"ja": "接触を記録しました。", "en": "Contact saved."},
    "contact_error_date": {"ja": "日付「{value}」を読めません。2025-03-31 の形で入力してください。", "en": "The contact date {value} cannot be read; use a date like 2025-03-31."},
    "contact_error_future": {"ja": "日付 {day} は未来の日付です。", "en": "The contact date {day} is in the future."},
    "contact_error_past": {"ja": "日付 {day} は古すぎます。", "en": "The contact date {day} is too far in the past."},
    "contact_error_kind": {"ja": "種類は {kinds} のいずれかにしてください（{value} は使えません）。", "en": "The kind of contact must be one of {kinds}, not {value}."},
    "contact_error_staff": {"ja": "担当者名は60文字以内にしてください。", "en": "The staff name can be at most 60 characters long."},
    "contact_error_note_empty": {"ja": "接触の内容を一言入力してください。", "en": "Write a short note about the contact."},
    "contact_error_note_long": {"ja": "内容は2,000文字以内にしてください。", "en": "The note can be at most 2,000 characters long."},
    "contact_error_customer": {"ja": "顧客 {value} は見つかりません。", "en": "There is no customer {value}."},
    "kind_visit": {"ja": "訪問", "en": "Visit"},
    "kind_call": {"ja": "電話", "en": "Call"},
    "kind_mail": {"ja": "メール", "en": "Mail"},
    "kind_direct_mail": {"ja": "DM", "en": "Direct mail"},
    "kind_event": {"ja": "イベント", "en": "Event"},
    "kind_other": {"ja": "その他", "en": "Other"},
    "col_order_id": {"ja": "注文番号", "en": "Order"},
    "col_order_date": {"ja": "注文日", "en": "Date"},
    "col_order_amount": {"ja": "金額", "en": "Amount"},
    "col_campaign": {"ja": "キャンペーン", "en": "Campaign"},
    "col_category": {"ja": "カテゴリ", "en": "Category"},
    "col_contacted_at": {"ja": "日時", "en": "When"},
    "col_kind": {"ja": "種類", "en": "Kind"},
    "col_note": {"ja": "内容", "en": "Note"},
    "act_now_title": {"ja": "今すぐ動くべき顧客", "en": "Who to contact now"},
    "act_now_open": {"ja": "一覧を開く", "en": "Open the list"},
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
    **DATA_TEXTS,
    **ACCESS_TEXTS,
    **FAULT_TEXTS,
    **SAFETY_TEXTS,
    **CHANNEL_TEXTS,
    **FORECAST_TEXTS,
    **COMPARE_TEXTS,
    **PREDICT_TEXTS,
}


def text(key: str, lang: str = "ja", /, **values) -> str:
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


def format_amount(value, lang: str = "ja") -> str:
    """An amount of money as a manager reads it: 12,800円 / ¥12,800, −¥1,500 (sen only when present)."""
    number = float(value)
    sign = "−" if number < 0 else ""
    return text("amount_yen" if number == round(number) else "amount_sen", lang, sign=sign, value=abs(number))


def amount_column_format(lang: str = "ja") -> str:
    """The printf format of an amount column in a table (yen sign in Japanese)."""
    return "¥%,.0f" if lang == "ja" else "%,.0f"


def format_count(number: int, lang: str = "ja", *, compact_from: int = 10_000) -> str:
    """A count that fits a narrow tile: 12,345 as 1.2万 (Japanese) or 12.3k (English) from
    `compact_from` on, the exact number below that. Show the exact number beside a compact one."""
    number = int(number)
    if abs(number) < compact_from:
        return f"{number:,}"
    units = (("万", 10_000), ("億", 100_000_000)) if lang == "ja" else (("k", 1_000), ("M", 1_000_000))
    for position, (unit, size) in enumerate(units):
        value = number / size
        shown = f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
        larger = units[position + 1][1] if position + 1 < len(units) else None
        # the unit is chosen after rounding: 999,950 is 1M, not 1,000k
        if larger is None or abs(float(shown.replace(",", ""))) * size < larger:
            return shown.removesuffix(".0") + unit
    raise AssertionError("unreachable")
