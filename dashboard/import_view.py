"""The Data page's repeated parts, drawn: one uploaded file (what was detected, its read settings,
the first rows), the column choices for one kind of file, the check's report and the import's
result. Each returns what the manager chose; the page decides what to do with it.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pandas as pd
import streamlit as st

from segmentation.errors import SegmentationError
from segmentation.import_report import ImportRejectedError, ImportReport
from segmentation.mapping import FIELDS, Mapping
from segmentation.sources import ReadOptions
from segmentation.texts import text

from . import auth, importing
from .safe import code, plain
from .importing import FileChoice
from .tables import smaller_figures

FIGURES_PER_ROW = 4


def problem(error: SegmentationError, lang: str) -> None:
    """A package error as the one sentence it carries (a fault of the database file in the
    reader's language)."""
    st.error(plain(error.message(lang)))


def contents(held: dict | None, db_path: Path, lang: str) -> None:
    """What the database holds: rows per table, the order dates, the last import."""
    if held is None:
        st.info(text("data_no_db", lang, path=db_path))
        return
    smaller_figures("st-key-da_contents")
    figures = st.container(key="da_contents").columns(5)
    figures[0].metric(text("data_customers", lang), f"{held['customers']:,}")
    figures[1].metric(text("data_orders", lang), f"{held['order_count']:,}",
                      help=text("data_order_rows", lang, rows=held["orders"]))
    figures[2].metric(text("data_contacts", lang), f"{held['contacts']:,}")
    figures[3].metric(text("col_first_order", lang), str(held["first_order"] or "—"))
    figures[4].metric(text("col_last_order_date", lang), str(held["last_order"] or "—"))
    if held["last_import"]:
        when, files, platform, orders_added, customers_added = held["last_import"]
        platform = f" ({importing.platform_label(platform, lang)})" if platform else ""
        st.caption(text("data_last_import", lang, when=f"{when:%Y-%m-%d %H:%M}", files=plain(files), platform=platform,
                        orders=orders_added or 0, customers=customers_added or 0))
    else:
        st.caption(text("data_no_import", lang))
    st.caption(text("data_db_file", lang, path=db_path))


def file_card(kind: str, path: Path, platform: str | None, lang: str) -> FileChoice | None:
    """One file: its read settings (each detected, each overridable), the layout recognised and
    the first rows. None when the file cannot be read (the reason is shown)."""
    key = importing.token(path)
    with st.container(border=True, key=f"da_file_{key}"):
        st.markdown(f"**{plain(path.name)}**")
        try:
            detected = importing.preview(path, kind, ReadOptions(), platform)
        except SegmentationError as error:
            st.error(plain(str(error)))
            return None
        source = detected.source

        def auto(value) -> str:
            return text("data_auto", lang, value=value)

        encoding = delimiter = sheet = importing.AUTO
        header_row = 0
        left, middle, right = st.columns(3)
        if source.format == "csv":
            encoding = left.selectbox(
                text("data_encoding", lang), importing.ENCODINGS, key=f"da_enc_{key}",
                format_func=lambda e: auto(source.encoding_label) if e == importing.AUTO
                else importing.encoding_label(e))
            delimiter = middle.selectbox(
                text("data_delimiter", lang), importing.DELIMITERS, key=f"da_delim_{key}",
                format_func=lambda d: auto(importing.delimiter_label(source.delimiter, lang)) if d == importing.AUTO
                else importing.delimiter_label(d, lang))
        elif source.format == "xlsx":
            try:
                sheets = importing.sheet_names(path)
            except SegmentationError:
                sheets = []
            sheet = left.selectbox(text("data_sheet", lang), [importing.AUTO, *sheets], key=f"da_sheet_{key}",
                                   format_func=lambda s: auto(source.sheet) if s == importing.AUTO else s)
        if source.format != "parquet":
            header_row = right.selectbox(
                text("data_header_row", lang), importing.HEADER_ROWS, key=f"da_header_{key}",
                format_func=lambda n: text("data_row_number", lang, n=n) if n else
                auto(text("data_row_number", lang, n=source.header_row)))
        options = ReadOptions(*(None if value in (importing.AUTO, 0) else value
                                for value in (encoding, delimiter, header_row, sheet)))
        shown = detected
        if options != ReadOptions():
            try:
                shown = importing.preview(path, kind, options, platform)
            except SegmentationError as error:
                st.error(plain(str(error)))
                return None
        if kind == "orders":
            if shown.platform is not None:
                label = shown.platform.label_ja if lang == "ja" else shown.platform.label_en
                st.markdown(text("data_recognised", lang, platform=label))
                notes = shown.platform.notes_ja if lang == "ja" else shown.platform.notes_en
                if notes:
                    st.caption(notes)
            else:
                st.markdown(text("data_own_layout", lang))
        st.caption(text("data_first_rows", lang, n=len(shown.rows)))
        st.dataframe(shown.rows, hide_index=True, width="stretch")
    return FileChoice(path, kind, options, shown)


def mapping_form(kind: str, first: FileChoice, lang: str) -> Mapping:
    """One selector per field of `kind`, the guessed column preselected, "(none)" allowed;
    required fields marked. The choice applies to every file of the kind, by header."""
    required, optional = FIELDS[kind]
    headers = first.source.headers
    choices = [importing.NO_COLUMN, *importing.column_choices(headers)]
    guessed = first.preview.mapping.columns if first.preview.mapping else {}
    key = importing.token(kind, *headers)
    none = text("data_mapping_none", lang)
    chosen = {}
    with st.container(border=True, key=f"da_mapping_{kind}"):
        st.markdown(f"**{text('data_mapping_title', lang, kind=text(f'data_kind_{kind}', lang))}**")
        st.caption(text("data_mapping_help", lang))
        columns = st.columns(FIGURES_PER_ROW)
        for index, name in enumerate(required + optional):
            label = text(f"data_field_{name}", lang)
            if name in required:
                label = text("data_required", lang, label=label)
            guess = guessed.get(name)
            value = columns[index % FIGURES_PER_ROW].selectbox(
                label, choices, index=choices.index(guess) if guess in choices else 0,
                key=f"da_map_{kind}_{name}_{key}", format_func=lambda c: importing.column_label(c, none))
            if value != importing.NO_COLUMN:
                chosen[name] = value
        mapping = Mapping(kind, chosen)
        missing, names_customer = importing.missing_fields(mapping)
        if missing:
            separator = "、" if lang == "ja" else ", "
            names = separator.join(text(f"data_field_{name}", lang) for name in missing)
            st.warning(text("data_mapping_missing", lang, fields=names))
        if not names_customer:
            st.warning(text("data_mapping_no_customer", lang))
    return mapping


def _figures(items: list[tuple[str, int]], key: str) -> None:
    smaller_figures(f"st-key-{key}")
    with st.container(key=key):
        for start in range(0, len(items), FIGURES_PER_ROW):
            for column, (label, value) in zip(st.columns(FIGURES_PER_ROW), items[start:start + FIGURES_PER_ROW]):
                column.metric(label, f"{value:,}")


def problems_table(report: ImportReport, lang: str) -> pd.DataFrame:
    """The problems shown (the first ones): file, line, column, value and the sentence."""
    return pd.DataFrame({
        text("data_col_file", lang): [p.file for p in report.problems],
        text("data_col_line", lang): ["" if p.line is None else str(p.line) for p in report.problems],
        text("data_col_column", lang): [p.column for p in report.problems],
        text("data_col_value", lang): [p.value for p in report.problems],
        text("data_col_problem", lang): [p.sentence(lang) for p in report.problems],
    }, dtype=object)


def check_report(report: ImportReport, on_error: str, lang: str) -> None:
    """What the import would do, as figures, then the values that cannot be read."""
    st.caption(text("data_rows_read", lang, count=report.rows_read))
    items = [(text("data_metric_orders_added", lang), report.orders_added),
             (text("data_metric_orders_present", lang), report.orders_present)]
    for key, value in (("orders_updated", report.orders_updated), ("orders_removed", report.orders_removed),
                       ("refunds_added", report.refunds_added),
                       ("customers_new", report.customers_added + report.customers_created),
                       ("customers_updated", report.customers_updated), ("contacts_added", report.contacts_added),
                       ("contacts_present", report.contacts_present)):
        if value:
            items.append((text(f"data_metric_{key}", lang), value))
    for reason, value in sorted(report.excluded.items()):
        if value:
            items.append((text("data_metric_excluded", lang, reason=text(f"exclude_{reason}", lang)), value))
    if report.rows_rejected:
        items.append((text("data_metric_rejected", lang), report.rows_rejected))
    _figures(items, "da_check_figures")
    if importing.refused(report, on_error):
        st.error(text("data_check_refused", lang, count=report.problem_count))
    elif report.problem_count:
        st.warning(text("data_check_skip", lang, count=report.problem_count, rows=report.rows_rejected))
    elif report.changes == 0:
        st.info(text("data_check_nothing", lang))
    else:
        st.success(text("data_check_ok", lang))
    if report.problems:
        st.markdown(f"**{text('data_problems_title', lang)}**")
        st.container(key="da_problems").dataframe(problems_table(report, lang), hide_index=True, width="stretch")
        if report.problem_count > len(report.problems):
            st.caption(text("data_problems_more", lang, count=report.problem_count - len(report.problems)))
    with st.expander(text("data_full_report", lang)):
        st.code("\n".join(report.lines(lang)), language=None)


def import_with_progress(db_path: Path, request: importing.ImportRequest, on_error: str, *, rejects: Path,
                         save_mapping: str | None, lang: str) -> ImportReport | None:
    """The import inside a status box that names each stage as it starts; None when it failed
    (the reason is shown; a refusal also leaves its report as the page's last check)."""
    with st.status(text("data_stage_running", lang), expanded=True) as status:
        bar = st.progress(0.0)
        stages: list[str] = []

        def progress(stage: str) -> None:
            stages.append(stage)
            label = importing.stage_label(stage, lang)
            status.update(label=label)
            bar.progress(min(len(stages) / importing.stage_count(request), 1.0), text=label)

        try:
            report = importing.run_import(db_path, request, on_error, rejects=rejects, save_mapping=save_mapping,
                                          by=auth.current(),
                                          progress=progress)
        except ImportRejectedError as error:
            status.update(label=text("data_stage_failed", lang), state="error")
            st.session_state["da_checked"] = (request, error.report)
            st.error(text("data_check_refused", lang, count=error.report.problem_count))
        except SegmentationError as error:
            status.update(label=text("data_stage_failed", lang), state="error")
            problem(error, lang)
        else:
            status.update(label=text("data_stage_done", lang), state="complete")
            return report
    return None


def import_result(report: ImportReport, saved_as: str | None, rejects: Path | None, db_path: Path, lang: str) -> bool:
    """What the import did, with the rows left out to download; True when dismissed."""
    with st.container(border=True, key="da_result_box"):
        st.markdown(f"**{text('data_result_title', lang)}**")
        _import_figures(report, db_path, lang)
        st.info(text("data_result_note", lang))
        if saved_as:
            command = (f"segmentation import --db {shlex.quote(str(db_path))} --mapping {shlex.quote(saved_as)} "
                       "--orders FILE")
            st.caption(text("data_result_mapping_saved", lang, name=plain(saved_as), command=code(command)))
        left, middle, right = st.columns(3)
        left.page_link("pages/overview.py", label=text("data_open_overview", lang), icon=":material/dashboard:")
        if rejects is not None and rejects.exists():
            middle.download_button(text("data_rejects_download", lang), importing.reader(rejects),
                                   file_name=rejects.name, mime="text/csv", on_click="ignore",
                                   key="da_rejects_download", icon=":material/download:")
        return right.button(text("data_dismiss", lang), key="da_dismiss")


def _import_figures(report: ImportReport, db_path: Path, lang: str) -> None:
    st.success(text("data_stage_done", lang))
    items = [(text("data_result_orders_added", lang), report.orders_added),
             (text("data_result_orders_present", lang), report.orders_present),
             (text("data_result_excluded", lang), sum(report.excluded.values())),
             (text("data_result_rejected", lang), report.rows_rejected),
             (text("data_result_customers", lang), report.customers_added + report.customers_created)]
    if report.contacts_added or report.contacts_present:
        items.append((text("data_result_contacts", lang), report.contacts_added))
    _figures(items, "da_result_figures")
    with st.expander(text("data_full_report", lang)):
        st.code("\n".join(report.lines(lang, db=str(db_path))), language=None)
