"""The text catalogue's part for each customer's chance of coming back (`predict.py`): the
customer page's section, the list's columns and "likely lost" filter, the CLI's `predict`.

`texts.TEXTS` includes every entry of `PREDICT_TEXTS`; look texts up with `texts.text(key, lang)`.
"""

PREDICT_TEXTS: dict[str, dict[str, str]] = {
    # Errors (predict.PredictError)
    "predict_too_few": {
        "ja": "予測モデルを当てはめるには、注文のある顧客が{minimum}人以上、うちリピート客が1人以上必要です"
              "（今は{customers}人、リピート客{repeaters}人）。",
        "en": "The model needs at least {minimum} customers with orders, one of them a repeat customer "
              "(there are {customers}, {repeaters} of them repeat customers).",
    },
    "predict_bad_horizon": {
        "ja": "予測期間は1〜{most}日の整数で指定してください（{value} は使えません）。",
        "en": "The horizon must be a whole number of days from 1 to {most}, not {value}.",
    },
    # The customer page
    "predict_title": {"ja": "また買ってくれる見込み", "en": "Chance of coming back"},
    "predict_show": {"ja": "見込みを計算して表示する（データが変わって最初の1回は数十秒かかることがあります）",
                     "en": "Estimate and show it (the first time after new data can take half a minute)"},
    "predict_wait": {"ja": "購買モデルを当てはめています（データが変わって最初の1回は、大きなデータで1分ほどかかります）…",
                     "en": "Fitting the purchase model (once per data change; on large data the first fit takes about a minute)…"},
    "predict_horizon": {"ja": "予測期間（日）", "en": "Horizon (days)"},
    "predict_p_alive": {"ja": "まだ顧客である確率", "en": "Chance still a customer"},
    "predict_expected": {"ja": "今後{days}日の予想注文数", "en": "Expected orders, next {days} days"},
    "predict_no_orders": {"ja": "この日までに注文がないため、見込みは計算しません。",
                          "en": "No order by this date, so there is nothing to estimate."},
    "predict_one_time": {
        "ja": "1回だけ購入した顧客です。確率は初回注文からの経過日数（{days:,}日）とともに下がります。",
        "en": "A one-time buyer: the chance falls with the days since that first order ({days:,} so far).",
    },
    "predict_inputs": {
        "ja": "リピート購入日 {frequency:,}日 · 初回から最新注文まで {recency:,}日 · 初回から基準日まで {t:,}日",
        "en": "Repeat order days {frequency:,} · first to latest order {recency:,} days · first order to as-of {t:,} days",
    },
    "predict_how": {"ja": "計算方法とモデルの値", "en": "How this is estimated, and the model"},
    "predict_method": {
        "ja": "購買と離脱のモデル（修正BG/NBDモデル、pymc-marketing）で計算しています。顧客は自分のペースで"
              "注文し、どこかの時点で静かに離れていく、と考えます。注文のペースが速い顧客ほど、長い空白は"
              "離脱のしるしになります。**1回だけ購入した顧客の扱い:** 通常のBG/NBDモデルは1回だけの顧客を"
              "「確実にまだ顧客」（確率100%）としてしまいます。このモデルは初回注文の直後にも離脱できるとするため、"
              "1回だけの顧客の確率も100%未満から始まり、初回注文からの日数とともに下がります。",
        "en": "Estimated with a buy-till-you-die model (the modified BG/NBD of pymc-marketing): each customer "
              "orders at their own pace until, at some point, they quietly leave. The faster a customer used "
              "to order, the more a long silence says they are gone. **One-time buyers:** the plain BG/NBD "
              "rates every one-time buyer as certainly still a customer (100%). This model lets a customer "
              "leave right after the first order too, so a one-time buyer's chance starts below 100% and falls "
              "with the days since that order.",
    },
    "predict_fit": {
        "ja": "{as_of}までの注文で当てはめ（{fitted_at}）。注文のある顧客{customers:,}人のうち{sample:,}人"
              "（固定シードの抽出）で推定。",
        "en": "Fitted on the orders up to {as_of} ({fitted_at}), on {sample:,} of the {customers:,} customers "
              "with orders (a fixed-seed sample).",
    },
    "predict_params": {
        "ja": "モデルの値: r = {r:.3f}, α = {alpha:.2f}（注文のペース） · a = {a:.3f}, b = {b:.2f}（離脱のしやすさ）",
        "en": "Model values: r = {r:.3f}, α = {alpha:.2f} (ordering pace) · a = {a:.3f}, b = {b:.2f} (dropping out)",
    },
    # The customer list
    "col_p_alive": {"ja": "まだ顧客である確率", "en": "Chance still a customer"},
    "col_expected_orders": {"ja": "予想注文数", "en": "Expected orders"},
    "predict_list_show": {"ja": "また買ってくれる見込みの列を表示", "en": "Show the chance of coming back"},
    "predict_likely_lost": {"ja": "離脱の可能性が高い顧客だけ", "en": "Likely lost only"},
    "predict_likely_lost_below": {"ja": "まだ顧客である確率がこれ未満（%）", "en": "Chance still a customer below (%)"},
    "predict_list_caption": {
        "ja": "予想注文数は今後{days}日の値です。",
        "en": "Expected orders are for the next {days} days.",
    },
    "filter_desc_max_p_alive": {"ja": "まだ顧客である確率が{value}未満", "en": "chance still a customer below {value}"},
    # The CLI
    "cli_predict_fit": {
        "ja": "モデル（修正BG/NBD）: {sample:,}人で推定、r={r:.3f} α={alpha:.2f} a={a:.3f} b={b:.2f}",
        "en": "Model (modified BG/NBD): fitted on {sample:,} customers, r={r:.3f} alpha={alpha:.2f} a={a:.3f} b={b:.2f}",
    },
}
