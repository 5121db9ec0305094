"""Data: what the database holds; importing shop files (what each file is, which column holds
what, a check that writes nothing, the import with its progress and result); demo data; a backup
to download and the restore of one. After a write the page reruns, and every page reads the new
data (`importing.after_write`)."""

import streamlit as st

from dashboard import auth, data, import_view, importing, shell
from dashboard.safe import plain
from segmentation.backup import backup_before_restore, restore_database
from segmentation.demo import MAX_CUSTOMERS, MIN_CUSTOMERS, build_demo_database
from segmentation.errors import SegmentationError
from segmentation.importer import ON_ERROR
from segmentation.mapping import KINDS
from segmentation.platforms import GENERIC, PLATFORMS
from segmentation.texts import text

DEMO_CUSTOMERS = 5000
view, _ = shell.page_context(__file__)
lang = view.lang
person = auth.current()
if not person.can("import"):  # not offered in the navigation to other roles; refused if reached
    st.error(text("not_allowed", lang, role=text(f"role_{person.role}", lang)))
    st.stop()
path = data.db_path()
folder = importing.upload_folder()
generation = st.session_state.setdefault("da_generation", 0)  # a new one empties the file widgets


def done(*messages: tuple[str, str], result: tuple | None = None) -> None:
    """After a write: say what happened on the next run, which reads the new data."""
    st.session_state["da_flash"] = list(messages)
    st.session_state["da_result"] = result
    st.session_state["da_generation"] = generation + 1
    importing.after_write(path)
    st.rerun()


def backed_up_first(before) -> list[tuple[str, str]]:
    return [("info", text("cli_backup_first", lang, path=plain(before)))] if before else []


st.title(text("data_title", lang))
for level, message in st.session_state.pop("da_flash", []):
    getattr(st, level)(message)

st.subheader(text("data_contents_title", lang))
held = None
try:
    held = importing.contents(path)
except SegmentationError as error:
    import_view.problem(error, lang)
import_view.contents(held, path, lang)

# --- Import files: upload, what each file is, the columns, the check, the import
st.subheader(text("data_upload_title", lang))
if st.session_state.get("da_result") and import_view.import_result(*st.session_state["da_result"], path, lang):
    st.session_state["da_result"] = None
    st.rerun()
st.caption(text("data_upload_help", lang, limit=st.get_option("server.maxUploadSize"), db=path))
files = {}
for column, kind in zip(st.columns(3), KINDS):
    uploads = column.file_uploader(text(f"data_upload_{kind}", lang), type=list(importing.UPLOAD_TYPES),
                                   accept_multiple_files=kind == "orders", key=f"da_upload_{kind}_{generation}")
    files[kind] = folder.save(kind, uploads)
    for refusal in folder.refusals(kind, lang):  # a name no folder can hold: said, and the file left out
        column.error(plain(refusal))

if not any(files.values()):
    st.caption(text("data_upload_none", lang))
else:
    platform = None
    if files["orders"]:
        platform = st.selectbox(text("data_platform", lang), [importing.AUTO, *(p.name for p in PLATFORMS), GENERIC],
                                key="da_platform", format_func=lambda name: (
                                    text("data_platform_auto", lang) if name == importing.AUTO
                                    else text("data_platform_generic", lang) if name == GENERIC
                                    else importing.platform_label(name, lang)))
        platform = None if platform == importing.AUTO else platform
    cards = {kind: [import_view.file_card(kind, file, platform, lang) for file in files[kind]] for kind in KINDS}
    readable = all(card is not None for kind in KINDS for card in cards[kind])
    mappings, guessed = {}, {}
    for kind in KINDS:
        first = cards[kind][0] if cards[kind] else None
        if readable and first is not None and first.preview.platform is None:
            mappings[kind] = import_view.mapping_form(kind, first, lang)
            guessed[kind] = first.preview.mapping
    complete = all(importing.missing_fields(mapping) == ([], True) for mapping in mappings.values())

    st.subheader(text("data_check_title", lang))
    request = None
    try:
        if readable:
            options = importing.combined_options([card for kind in KINDS for card in cards[kind]], platform)
            overrides = importing.combined_overrides(mappings, guessed)
            request = importing.ImportRequest.of(files, platform, options, overrides)
    except importing.SettingsConflict as conflict:
        st.error(plain(conflict.message(lang)))
    on_error = st.radio(text("data_on_error", lang), ON_ERROR, key="da_on_error", horizontal=True,
                        format_func=lambda choice: text(f"data_on_error_{choice}", lang))
    if st.button(text("data_check_button", lang), key="da_check", icon=":material/fact_check:",
                 disabled=request is None or not complete):
        try:
            st.session_state["da_checked"] = (request, importing.check(path, request))
        except SegmentationError as error:
            import_view.problem(error, lang)
    checked = st.session_state.get("da_checked")
    if not checked or checked[0] != request:
        st.caption(text("data_check_first", lang))
    else:
        import_view.check_report(checked[1], on_error, lang)
        st.subheader(text("data_import_title", lang))
        name = st.text_input(text("data_save_mapping", lang), key="da_mapping_name", max_chars=60,
                             help=text("data_save_mapping_help", lang, db=path)).strip() or None
        if st.button(text("data_import_button", lang), key="da_import", type="primary", icon=":material/upload:",
                     disabled=importing.refused(checked[1], on_error)):
            rejects = folder.new_file("rejects", "rejected-rows.csv")
            report = import_view.import_with_progress(path, request, on_error, rejects=rejects, save_mapping=name,
                                                      lang=lang)
            if report is not None:
                st.session_state.pop("da_checked", None)
                for kind in KINDS:
                    folder.clear(kind)
                done(result=(report, name, rejects if report.rejects_file else None))

# --- Demo data, backup, restore
st.subheader(text("data_manage_title", lang))
demo_column, backup_column, restore_column = st.columns(3)
with demo_column.container(border=True, key="da_demo_box"):
    st.markdown(f"**{text('data_demo_title', lang)}**")
    st.caption(text("data_demo_body", lang))
    empty = importing.is_empty(held)
    customers = int(st.number_input(text("data_demo_customers", lang), min_value=MIN_CUSTOMERS,
                                    max_value=MAX_CUSTOMERS, value=DEMO_CUSTOMERS, step=1000, key="da_demo_customers"))
    replace = not empty and st.checkbox(text("data_demo_replace", lang), key=f"da_demo_replace_{generation}")
    if st.button(text("data_demo_button", lang), key="da_demo", disabled=not (empty or replace)):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with st.spinner(text("data_stage_running", lang)):
                if empty:
                    counts, before = build_demo_database(path, customers, seed=importing.DEMO_SEED), None
                else:
                    counts, before = importing.replace_with_demo(path, customers, by=person)
        except SegmentationError as error:
            import_view.problem(error, lang)
        else:
            done(("success", text("data_demo_done", lang, customers=counts.customers, orders=counts.orders,
                                  contacts=counts.contacts)), *backed_up_first(before))

with backup_column.container(border=True, key="da_backup_box"):
    st.markdown(f"**{text('data_backup_title', lang)}**")
    st.caption(text("data_backup_body", lang))
    if st.button(text("data_backup_button", lang), key="da_backup", disabled=held is None):
        try:
            st.session_state["da_backup_made"] = importing.make_backup(path, folder, by=person)
        except SegmentationError as error:
            import_view.problem(error, lang)
    backup = st.session_state.get("da_backup_made")
    if backup is not None and backup.path.exists():
        st.caption(text("data_backup_ready", lang, tables=len(backup.tables), rows=sum(backup.tables.values()),
                        size=importing.size_label(backup.bytes)))
        st.download_button(text("data_backup_download", lang), importing.reader(backup.path),
                           file_name=backup.path.name, mime="application/zip", on_click="ignore",
                           key="da_backup_download", type="primary", icon=":material/download:")

with restore_column.container(border=True, key="da_restore_box"):
    st.markdown(f"**{text('data_restore_title', lang)}**")
    uploaded = st.file_uploader(text("data_restore_upload", lang), type=["zip"], key=f"da_restore_upload_{generation}")
    zips = folder.save("restore", uploaded)
    confirmed = st.checkbox(text("data_restore_confirm", lang), key=f"da_restore_confirm_{generation}")
    if st.button(text("data_restore_button", lang), key="da_restore", disabled=not (zips and confirmed)):
        path.parent.mkdir(parents=True, exist_ok=True)
        before = None
        try:
            before = backup_before_restore(path, by=person)  # the restore starts only once this is written
            restored = restore_database(zips[0], path, by=person)
        except SegmentationError as error:
            import_view.problem(error, lang)
            for level, message in backed_up_first(before):
                getattr(st, level)(message)
        else:
            folder.clear("restore")
            done(("success", text("data_restore_done", lang, tables=len(restored.tables),
                                  rows=sum(restored.tables.values()))), *backed_up_first(before))
