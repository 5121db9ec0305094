"""The text catalogue's part for what a loyal customer costs per channel (`channel_cost.py`) and
the prospects that look like loyal customers (`prospects.py`).

`texts.TEXTS` includes every entry of `CHANNEL_TEXTS`; look texts up with `texts.text(key, lang)`
as for any other: this file only keeps the catalogue's module under its length limit.
"""

CHANNEL_TEXTS: dict[str, dict[str, str]] = {
    # channel_cost.py: entering a cost
    "cost_bad_month": {"ja": "月「{value}」を読めません。2026-10 のように年-月で指定してください。",
                       "en": "The month “{value}” cannot be read; write it as year-month, like 2026-10."},
    "cost_no_channel": {"ja": "獲得経路を指定してください。", "en": "Say which acquisition channel the cost is for."},
    "cost_bad_channel": {"ja": "獲得経路「{value}」は使えません（{n}文字まで、1行）。",
                         "en": "The channel “{value}” cannot be used (one line of at most {n} characters)."},
    "cost_bad_amount": {"ja": "金額「{value}」は使えません。0以上の数で指定してください。",
                        "en": "The amount “{value}” cannot be used; give a number of 0 or more."},
    "cost_refused": {"ja": "獲得費用を入力できるのは管理者だけです（あなたの役割: {role}）。",
                     "en": "Only an admin may enter acquisition costs (your role: {role})."},
    "audit_action_channel_cost": {"ja": "獲得費用の入力", "en": "channel cost entered"},
    # The channels view of the trends page
    "channels_funnel_title": {"ja": "獲得経路別: 獲得 → 2回目購入 → 優良客", "en": "Per channel: acquired → second order → loyal"},
    "funnel_step_acquired": {"ja": "獲得", "en": "Acquired"},
    "funnel_step_second_order": {"ja": "2回目購入", "en": "Second order"},
    "funnel_step_reached_loyal": {"ja": "優良客に到達", "en": "Reached loyal"},
    "funnel_step": {"ja": "段階", "en": "Step"},
    "funnel_caption": {
        "ja": "優良客に到達: 基準日までに一度でも今の基準で優良客になった顧客。費用は、その月に入力された金額を同じ月に獲得した顧客で割ったもの（2回目購入・優良客も同じ顧客のうち）。",
        "en": "Reached loyal: customers who were loyal under the current thresholds at some date up to the as-of date. "
              "A cost is divided by the customers the channel acquired in the months it was entered for (and by those "
              "of them who ordered twice or became loyal)."},
    "col_reached_loyal_share": {"ja": "優良客到達率", "en": "Reached loyal"},
    "col_median_days_to_loyal": {"ja": "優良客までの日数（中央値）", "en": "Median days to loyal"},
    "col_cost": {"ja": "獲得費用", "en": "Cost"},
    "col_cost_months": {"ja": "費用の月数", "en": "Months costed"},
    "col_cost_per_acquired": {"ja": "獲得1人あたり費用", "en": "Cost per acquired"},
    "col_cost_per_repeat": {"ja": "リピーター1人あたり費用", "en": "Cost per repeat customer"},
    "col_cost_per_loyal": {"ja": "優良客1人あたり費用", "en": "Cost per loyal customer"},
    "costs_not_for_scope": {"ja": "費用は獲得経路全体にかかるため、地域・担当者・カテゴリで絞った表示では費用の列は空欄です。",
                            "en": "Costs are spent on a whole channel, so with a region, staff or category scope the "
                                  "cost columns are left empty."},
    "costs_none_yet": {"ja": "獲得費用はまだ入力されていません。", "en": "No acquisition cost has been entered yet."},
    "costs_title": {"ja": "獲得費用の入力（月ごと）", "en": "Acquisition cost per month"},
    "cost_channel": {"ja": "獲得経路", "en": "Channel"},
    "cost_month": {"ja": "月（年-月）", "en": "Month (year-month)"},
    "cost_amount": {"ja": "金額（円）", "en": "Amount (yen)"},
    "cost_save": {"ja": "保存", "en": "Save"},
    "cost_saved": {"ja": "{channel} の {month} の費用を {amount} で保存しました。",
                   "en": "Saved the cost of {channel} for {month}: {amount}."},
    "costs_admin_only": {"ja": "費用の入力は管理者だけができます。", "en": "Only an admin can enter costs."},
    "col_month": {"ja": "月", "en": "Month"},
    "col_cost_amount": {"ja": "金額", "en": "Amount"},
    # Prospects and lifts
    "lift_title": {"ja": "優良客になりやすい属性（リフト）", "en": "Which profile values make loyal customers (lift)"},
    "lift_caption": {
        "ja": "リフト = その属性の顧客が優良客になった割合 ÷ 全体の割合（1より大きいほど優良客になりやすい）。"
              "割合は顧客{k}人分だけ全体の割合に寄せて計算するので、少人数の属性が上位を占めません。",
        "en": "Lift = the share of customers with that value who became loyal ÷ the share of all customers (above 1: "
              "more likely to become loyal). Each share is pulled toward the overall share by {k} customers' worth, "
              "so a small group does not dominate."},
    "col_attribute": {"ja": "属性", "en": "Attribute"},
    "col_value": {"ja": "値", "en": "Value"},
    "col_lift": {"ja": "リフト", "en": "Lift"},
    "col_loyal_reached": {"ja": "優良客になった人数", "en": "Became loyal"},
    "col_share_raw": {"ja": "優良客になった割合", "en": "Share that became loyal"},
    "prospects_title": {"ja": "優良客に似た見込み客・初回客（上位）", "en": "Prospects and first-time customers most like your loyal ones"},
    "prospects_caption": {
        "ja": "スコア: 同じ獲得経路・地域・担当者の顧客のうち優良客になった割合。獲得経路 → 地域 → 担当者の順に、"
              "一段広いグループの割合へ顧客{k}人分だけ寄せて計算します（不明な属性は使いません）。",
        "en": "Score: the share of customers with the same channel, region and staff who became loyal, computed "
              "channel → region → staff, each pulled toward the wider group's share by {k} customers' worth "
              "(an unknown value is not used)."},
    "col_loyal_score": {"ja": "優良客見込み", "en": "Loyal score"},
    "col_reason": {"ja": "理由", "en": "Reason"},
    "prospect_no_profile": {"ja": "属性不明", "en": "No profile"},
    "prospect_reason": {"ja": "{names}: この属性の顧客{n}人の{share}が優良客に（見込み{score}）",
                        "en": "{names}: {share} of {n} customers like this became loyal (score {score})"},
    "prospect_reason_none": {"ja": "{names}: 比べられる顧客がいません", "en": "{names}: no customers to compare with"},
    "view_prospects_to_approach": {"ja": "優先して当たる見込み客", "en": "Prospects to approach first"},
    "filter_desc_view_prospects": {"ja": "優良客に似た順", "en": "most like loyal customers first"},
    "sort_loyal_score": {"ja": "優良客見込みの高い順", "en": "Loyal score, highest first"},
    "open_prospects": {"ja": "この一覧を顧客ページで開く", "en": "Open this list on the customers page"},
    # CLI
    "cli_costs_usage": {"ja": "--channel 名前 --month 年-月 --amount 金額 で費用を入力、--remove で削除、--out ファイル で一覧を書き出します。",
                        "en": "Give --channel NAME --month YYYY-MM --amount X to enter a cost, --remove instead of "
                              "--amount to remove it, or --out FILE to write every cost."},
    "cli_cost_saved": {"ja": "{channel} の {month} の獲得費用を {amount} にしました。",
                       "en": "Set the cost of {channel} for {month} to {amount}."},
    "cli_cost_deleted": {"ja": "{channel} の {month} の獲得費用を削除しました。",
                         "en": "Removed the cost of {channel} for {month}."},
    "cli_cost_missing": {"ja": "{channel} の {month} の獲得費用はありません。",
                         "en": "There is no cost of {channel} for {month}."},
}
