"""Admin: the audit (who took personal data out or changed what, when, from where), to read,
narrow and download; and the users who may sign in. Open to admins only."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import auth, data, shell
from dashboard.safe import plain
from dashboard.tables import blank_missing
from segmentation import audit, users
from segmentation.errors import SegmentationError
from segmentation.export import to_csv_bytes
from segmentation.texts import text

SHOWN_ROWS = 2000

view, _ = shell.page_context(__file__)
lang = view.lang
path = data.db_path()
person = auth.current()
if not person.can("audit"):
    st.error(text("not_allowed", lang, role=text(f"role_{person.role}", lang)))
    st.stop()

st.title(text("admin_title", lang))
st.subheader(text("admin_audit", lang))
st.caption(text("admin_audit_caption", lang))
c1, c2, c3 = st.columns([2, 2, 1])
actions = c1.multiselect(text("admin_filter_action", lang), audit.ACTIONS, key="ad_actions",
                         format_func=lambda a: text(f"audit_action_{a}", lang), placeholder=text("scope_all", lang))
try:
    everyone = users.list_users(path)
    rows = audit.read_audit(path, actions=tuple(actions), limit=None)
except SegmentationError as error:
    st.error(plain(error.message(lang)))
    st.stop()
names = sorted(set(rows["user_name"]))
who = c2.selectbox(text("admin_filter_user", lang), [None, *names], key="ad_user",
                   format_func=lambda n: text("scope_all", lang) if n is None else n)
since = c3.date_input(text("admin_filter_since", lang), value=None, key="ad_since")
if who is not None:
    rows = rows[rows["user_name"] == who]
if since is not None:
    rows = rows[rows["happened_at"] >= pd.Timestamp(since)]

shown = rows.head(SHOWN_ROWS).copy()
shown["customers"] = ["" if pd.isna(n) else f"{int(n):,}" for n in shown["customers"]]  # none for a user change
shown["details"] = [audit.details_text(d) for d in shown["details"]]
shown["action"] = [text(f"audit_action_{a}", lang) if a in audit.ACTIONS else a for a in shown["action"]]
shown["role"] = [text(f"role_{r}", lang) if isinstance(r, str) and r in ("admin", "manager", "staff") else r
                 for r in shown["role"]]
shown.columns = [text(f"col_{c}", lang) for c in shown.columns]
st.dataframe(blank_missing(shown, with_time=(text("col_happened_at", lang),)), hide_index=True, width="stretch",
             height=min(35 * (len(shown) + 2) + 3, 420),
             column_config={text("col_details", lang): st.column_config.TextColumn(width="large")})


def _record_download() -> None:
    audit.log(path, person, "audit_export", {"actions": list(actions), "user": who,
                                             "since": since.isoformat() if since else None}, customers=None)


st.download_button(text("admin_audit_download", lang), to_csv_bytes(rows.assign(
    happened_at=rows["happened_at"].dt.strftime("%Y-%m-%d %H:%M:%S"))),
    file_name=f"audit-{dt.date.today():%Y%m%d}.csv", mime="text/csv", key="ad_download",
    on_click=_record_download, icon=":material/download:")

st.subheader(text("admin_users", lang))
st.caption(text("admin_users_caption", lang))
if not everyone:
    st.info(text("admin_users_none", lang))
else:
    table = pd.DataFrame([{
        text("col_user_name", lang): user.name,
        text("col_role", lang): text(f"role_{user.role}", lang),
        text("col_staff", lang): user.staff or "",
        text("col_has_password", lang): "✓" if user.has_password else "OIDC",
        text("col_locked_until", lang): user.locked_until,
        text("col_created_at", lang): user.created_at,
    } for user in everyone])
    st.dataframe(blank_missing(table, with_time=(text("col_locked_until", lang), text("col_created_at", lang))),
                 hide_index=True, width="stretch")
