"""The dashboard's entry: page set-up, the shared sidebar, navigation, and the empty-data guide.

Run with `make run` (or `streamlit run app.py`). The database is $SEGMENTATION_DB, else
data/demo.duckdb.
"""

import streamlit as st

from dashboard import auth, data, shell, sidebar
from dashboard.safe import plain
from segmentation.errors import SegmentationError
from segmentation.texts import text

shell.leave_folder_mode()
st.set_page_config(page_title="顧客ポートフォリオ / Customer tiers", page_icon="📊", layout="wide")

DEMO_CUSTOMERS = 5000


def app_pages(lang: str) -> dict[str, st.Page]:
    """Every page of the app by name; which of them a person is offered depends on their role."""
    return {
        "overview": st.Page("pages/overview.py", title=text("page_overview", lang), icon=":material/dashboard:",
                            default=True),
        "trends": st.Page("pages/trends.py", title=text("page_trends", lang), icon=":material/timeline:"),
        "customers": st.Page("pages/customers.py", title=text("page_customers", lang), icon=":material/groups:"),
        "customer": st.Page("pages/customer.py", title=text("page_customer", lang), icon=":material/person:"),
        "data": st.Page("pages/data.py", title=text("page_data", lang), icon=":material/database:"),
        "admin": st.Page("pages/admin.py", title=text("page_admin", lang), icon=":material/admin_panel_settings:"),
    }


path = data.db_path()
# Who is looking comes first: nothing of the data is read for a session nobody signed in to. The
# sign-in page keeps every page known (hidden), so a bookmarked page opens once signed in.
person = auth.viewer(path, sidebar.session_lang(), lambda: list(app_pages(sidebar.session_lang()).values()))
try:
    analysis, notice = data.current_analysis(path)
except SegmentationError as error:  # a locked, damaged or newer file: one sentence, in the reader's language
    st.error(plain(error.message(sidebar.session_lang())))
    st.stop()
analysis = auth.visible_analysis(analysis, person)  # a staff user's holds only their customers

auth.sidebar_badge(person, sidebar.session_lang())  # who is signed in, at the top of the sidebar
view = sidebar.build(path, analysis, person)
st.session_state["view"] = view
st.session_state["analysis"] = analysis
st.session_state["viewer"] = person
lang = view.lang
if notice:
    st.info(text(notice, lang))

every_page = app_pages(lang)
data_page = every_page["data"]
# Pages for admins only are not offered to other roles (and refuse them if reached anyway).
offered = [name for name in every_page if name not in ("data", "admin")
           or (name == "data" and person.can("import")) or (name == "admin" and person.can("audit"))]
navigation = st.navigation([every_page[name] for name in offered])

# Without data every page but the Data page shows the guide; the Data page imports or makes data.
if (analysis is None or analysis.customer_count == 0) and navigation.url_path != data_page.url_path \
        and person.can("import"):
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
                st.error(plain(error.message(lang)))
                st.stop()
        data.forget(path)
        st.rerun()
elif (analysis is None or analysis.customer_count == 0) and not person.can("import"):  # nothing for them yet
    st.info(text("no_customers_yours", lang))
else:
    try:
        shell.run_marked(navigation)
    except SegmentationError as error:  # a fault of the file met by a page (a lock, a damaged block): one sentence
        st.error(plain(error.message(lang)))
