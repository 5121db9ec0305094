"""The dashboard's entry: page set-up, the shared sidebar, navigation, and the empty-data guide.

Run with `make run` (or `streamlit run app.py`). The database is $SEGMENTATION_DB, else
data/demo.duckdb.
"""

import streamlit as st

from dashboard import data, shell, sidebar
from segmentation.errors import SegmentationError
from segmentation.texts import text

shell.leave_folder_mode()
st.set_page_config(page_title="顧客ポートフォリオ / Customer tiers", page_icon="📊", layout="wide")

DEMO_CUSTOMERS = 5000
path = data.db_path()
try:
    analysis, notice = data.current_analysis(path)
except SegmentationError as error:
    st.error(str(error))
    st.stop()

view = sidebar.build(path, analysis)
st.session_state["view"] = view
st.session_state["analysis"] = analysis
lang = view.lang
if notice:
    st.info(text(notice, lang))

data_page = st.Page("pages/data.py", title=text("page_data", lang), icon=":material/database:")
pages = [
    st.Page("pages/overview.py", title=text("page_overview", lang), icon=":material/dashboard:", default=True),
    st.Page("pages/trends.py", title=text("page_trends", lang), icon=":material/timeline:"),
    st.Page("pages/customers.py", title=text("page_customers", lang), icon=":material/groups:"),
    st.Page("pages/customer.py", title=text("page_customer", lang), icon=":material/person:"),
    data_page,
]
navigation = st.navigation(pages)

# Without data every page but the Data page shows the guide; the Data page imports or makes data.
if (analysis is None or analysis.customer_count == 0) and navigation.url_path != data_page.url_path:
    st.title(text("empty_title", lang))
    st.markdown(text("empty_body", lang, n=DEMO_CUSTOMERS, db=path))
    st.page_link(data_page, label=text("empty_open_data", lang), icon=":material/upload_file:")
    if st.button(text("empty_load_demo", lang), key="empty_load_demo", type="primary"):
        from segmentation.demo import build_demo_database

        path.parent.mkdir(parents=True, exist_ok=True)
        with st.spinner("…"):
            try:
                build_demo_database(path, customers=DEMO_CUSTOMERS, seed=42)
            except SegmentationError as error:
                st.error(str(error))
                st.stop()
        data.forget(path)
        st.rerun()
else:
    shell.run_marked(navigation)
