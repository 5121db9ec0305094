"""The text catalogue's part for the forecast of the 推移グラフ (`forecast.py`, the trends page).

`texts.TEXTS` includes every entry of `FORECAST_TEXTS`; look texts up with `texts.text(key, lang)`
as for any other: this file only keeps the catalogue's module under its length limit.
"""

FORECAST_TEXTS: dict[str, dict[str, str]] = {
    # forecast.py
    "forecast_bad_periods": {
        "ja": "予測する期間の数は{low}〜{high}にしてください（{periods}は使えません）。",
        "en": "The forecast covers {low} to {high} periods, not {periods}.",
    },
    "forecast_bad_history": {
        "ja": "率を数える過去の期間の数は1〜{high}にしてください（{history}は使えません）。",
        "en": "The rates are counted over 1 to {high} past periods, not {history}.",
    },
    "forecast_no_history": {
        "ja": "予測には、完了した期間が2つ以上必要です。データの期間が短すぎます。",
        "en": "A forecast needs at least two complete periods of history; the data covers fewer.",
    },
    # The trends page
    "forecast_control": {"ja": "先の予測（期間数）", "en": "Forecast (periods ahead)"},
    "forecast_off": {"ja": "なし", "en": "Off"},
    "forecast_method": {
        "ja": "破線は予測です。直近{history}期間に見られた、層・状態の間を移る割合で顧客が毎期移り、"
              "新しい顧客も直近{history}期間の平均の人数で加わると仮定しています。"
              "帯は、このデータの過去の時点から同じ期間先を予測したとき、10回に8回は実際の人数が収まった幅です。",
        "en": "The dashed lines are the forecast: every period, customers move between tiers and statuses at the "
              "rates seen over the last {history} periods, and new customers arrive at their average number of "
              "those periods. The band: 8 times in 10, the count a forecast made as many periods before, from "
              "an earlier period end of this data, landed inside a band this wide.",
    },
    "forecast_backtest": {
        "ja": "このデータでの検証: 過去{origins}時点から{periods}期間先を予測したところ、層・状態ごとの人数の誤差は"
              "平均{error:.0%}でした（「人数がそのまま」とした場合は{naive:.0%}）。"
              "それより前の予測だけから作った帯に、実際の人数が収まったのは{coverage:.0%}でした。",
        "en": "Checked on this data: forecasting {periods} periods ahead from {origins} past period ends, the count "
              "of each tier and status was off by {error:.0%} on average (keeping the counts as they are: "
              "{naive:.0%}); a band made each time only from the forecasts checked before held the actual count "
              "{coverage:.0%} of the time.",
    },
    "forecast_backtest_unbanded": {
        "ja": "このデータでの検証: 過去{origins}時点から{periods}期間先を予測したところ、層・状態ごとの人数の誤差は"
              "平均{error:.0%}でした（「人数がそのまま」とした場合は{naive:.0%}）。",
        "en": "Checked on this data: forecasting {periods} periods ahead from {origins} past period ends, the count "
              "of each tier and status was off by {error:.0%} on average (keeping the counts as they are: "
              "{naive:.0%}).",
    },
    "forecast_band_carried": {
        "ja": "{first}期間先からは確かめられる過去の予測が少ないため、帯は{source}期間先と同じ幅にしています"
              "（実際より狭いかもしれません）。",
        "en": "From {first} periods ahead on, this data has too few earlier forecasts to check: the band there is "
              "as wide as at {source} periods ahead, and may be too narrow.",
    },
    "forecast_band_none": {
        "ja": "過去の予測を確かめるにはデータの期間が短いため、帯は描いていません。",
        "en": "The data covers too few periods to check earlier forecasts, so no band is drawn.",
    },
    "forecast_backtest_short": {
        "ja": "データの期間が短いため、この予測はまだ検証できません。",
        "en": "The data covers too few periods to check this forecast against what happened.",
    },
    "forecast_legend": {"ja": "予測", "en": "Forecast"},
    "forecast_low": {"ja": "下限（80%）", "en": "Low (80%)"},
    "forecast_high": {"ja": "上限（80%）", "en": "High (80%)"},
}
