"""Overview: a tile per tier, the tier map with the threshold lines, revenue by tier."""

import streamlit as st

from dashboard import actions, charts, compare_view, data, overview, shell
from dashboard.safe import plain
from dashboard.tables import smaller_figures
from segmentation.texts import format_count, status_name, text, tier_name
from segmentation.tiers import TIERS

view, analysis = shell.page_context(__file__)
lang, thresholds, scope = view.lang, view.thresholds, view.scope
figures = overview.figures(analysis, view)
as_of, previous, counts = figures.as_of, figures.previous, figures.counts

st.title(text("overview_title", lang, as_of=as_of.isoformat()))
st.caption(text("overview_scope", lang, scope=plain(scope.describe(lang))))

before_by_key = {(row.tier, row.lapsed): row.customers for row in figures.before.itertuples()}

# Six tiles share the width (15.2万 and 152k show in full from 1,280 px), each with its tier's colour on top.
smaller_figures("st-key-ov_tile_", top_edges={tier.code: tier.colour for tier in TIERS})
columns = st.columns(len(TIERS))
for column, tier in zip(columns, TIERS):
    rows = counts[counts["tier"] == tier.code]
    with column.container(border=True, key=f"ov_tile_{tier.code}"):
        st.markdown(f"**{tier_name(tier.code, lang)}**")
        for row in rows.itertuples():
            label = status_name(row.lapsed, lang) or text("col_customers", lang)
            change = row.customers - before_by_key.get((row.tier, row.lapsed), 0)
            shown = format_count(row.customers, lang)
            st.metric(label, shown, delta=f"{change:+,}", delta_color="normal" if not row.lapsed else "inverse",
                      help=text("tile_help", lang, share=row.share, amount_share=row.amount_share, previous=previous))
            if shown != f"{row.customers:,}":  # a compact figure: the exact one beside it
                st.caption(text("tile_exact", lang, n=row.customers))
        share = rows["share"].sum()
        amount_share = rows["amount_share"].sum()
        st.caption(f"{text('col_share', lang)} {share:.1%} · {text('col_amount', lang)} {amount_share:.1%}")

if st.toggle(text("compare_toggle", lang), key="ov_compare", help=text("compare_toggle_help", lang)):
    compare_view.show(data.db_path(), analysis, lang, thresholds, as_of, scope)

left, right = st.columns([3, 2])
with left:
    title = "tier_map_title" if thresholds.value_axis == "orders" else "tier_map_title_amount"
    st.subheader(text(title, lang))
    st.altair_chart(charts.tier_map_chart(figures.cells, lang, thresholds, thresholds.value_axis), width="stretch")
    st.caption(text("tier_map_caption", lang))
with right:
    st.subheader(text("revenue_by_tier_title", lang))
    st.altair_chart(charts.revenue_by_tier_chart(counts, lang), width="stretch")

actions.act_now(view, analysis, as_of, "ov", counts=figures.ready)
