"""The Data page's work with files, by path: the private folder uploads are kept in, what each
file is (cached), the per-file choices combined into one `import_files` call, the check and the
import, and what the app must forget after a write.

Uploads keep their original names (the report, the problems and the import log name them), each
in its own sub-folder of a folder only this process can read (`tempfile.mkdtemp`, mode 0700): one
folder per session, removed when the session ends or the server stops. Everything else takes
paths, so a test drives it with files of its own.

`import_files` takes one `ReadOptions` and one `overrides` dict for every file of an import. The
page lets the manager override the encoding, delimiter, header row or sheet per file and choose
the columns per kind of file; `combined_options` and `combined_overrides` turn those choices into
the one pair the package takes, and refuse (`SettingsConflict`) when a choice for one file would
change how another file is read, rather than import it differently from what was shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
import weakref
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Callable, Iterable

import streamlit as st

from segmentation import schema
from segmentation.access import Viewer
from segmentation.backup import BackupSummary, backup_before_restore, backup_database, restore_database
from segmentation.sources import sheet_names as workbook_sheet_names
from segmentation.demo import DemoCounts, build_demo_database
from segmentation.errors import CataloguedError
from segmentation.import_report import ImportReport
from segmentation.importer import FilePreview, database_contents, import_files, inspect_file
from segmentation.mapping import FIELDS, KEY_FIELDS, KINDS, Mapping
from segmentation.platform_spec import header_key
from segmentation.platforms import PLATFORMS
from segmentation.sources import ReadOptions, Source
from segmentation.text_checks import control_name, shortened
from segmentation.texts import text

from . import data

UPLOAD_TYPES = ("csv", "tsv", "txt", "xlsx", "parquet")
#: The choice "as detected" in the selectors (a selectbox shows a clear button beside None).
AUTO = "auto"
NO_COLUMN = ""
ENCODINGS = (AUTO, "utf-8", "cp932", "utf-16")
ENCODING_LABELS = {"utf-8": "UTF-8", "cp932": "Shift_JIS (CP932)", "utf-16": "UTF-16"}
DELIMITERS = (AUTO, ",", "\t", ";", "|")
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "bar"}
HEADER_ROWS = (0, *range(1, 31))  # 0: as detected
PREVIEW_ROWS = 8
DEMO_SEED = 42


# --- The session's upload folder ---------------------------------------------------------------


class UploadFolder:
    """A private temporary folder for one session's files, removed with the session."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="segmentation-upload-"))
        #: per part, the uploads the last `save` could not keep: (name, reason key, its values)
        self.refused: dict[str, list[tuple[str, str, dict]]] = {}
        weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def save(self, part: str, uploads) -> list[Path]:
        """Each uploaded file under its own name in a sub-folder of `part` named by its upload id
        (two files may share a name); files of `part` no longer uploaded are removed."""
        if uploads is None:
            uploads = []
        elif not isinstance(uploads, list):
            uploads = [uploads]
        root = self.path / part
        kept: list[Path] = []
        self.refused[part] = []
        for upload in uploads:
            name = _safe_name(upload.name)
            problem = name_problem(name)
            if problem is not None:  # kept under another name, the report would not name the file
                self.refused[part].append((name, *problem))
                continue
            token = hashlib.sha256(upload.file_id.encode()).hexdigest()[:12]
            target = root / token / name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(upload.getbuffer())
            kept.append(target)
        if root.exists():
            for child in root.iterdir():
                if child.name not in {path.parent.name for path in kept}:
                    shutil.rmtree(child, ignore_errors=True)
        return kept

    def refusals(self, part: str, lang: str) -> list[str]:
        """A sentence per upload of `part` the last `save` refused, naming the file and why."""
        return [text("data_upload_bad_name", lang, name=shortened(name, lang), reason=text(key, lang, **values))
                for name, key, values in getattr(self, "refused", {}).get(part, [])]

    def new_file(self, part: str, name: str) -> Path:
        """A path for a file the page writes (a backup, the rejected rows), its `part` emptied first."""
        folder = self.path / part
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder / _safe_name(name)

    def clear(self, part: str) -> None:
        shutil.rmtree(self.path / part, ignore_errors=True)


#: The longest file name (in bytes of UTF-8) a folder holds on Linux and macOS; a Windows name
#: of 100 Japanese characters is longer.
MAX_NAME_BYTES = 255


def name_problem(name: str) -> tuple[str, dict] | None:
    """Why an uploaded file's name cannot be kept as it is, as (text key, values), or None."""
    control = "\x00" if "\x00" in name else None
    if control is not None:
        return "data_upload_name_control", {"char": control_name(control)}
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > MAX_NAME_BYTES:
        return "data_upload_name_long", {"n": size, "limit": MAX_NAME_BYTES}
    return None


def _safe_name(name: str) -> str:
    """The file's own name, without any folder a browser might send along."""
    base = Path(name.replace("\\", "/")).name.strip()
    return base if base not in ("", ".", "..") else "upload"


def upload_folder() -> UploadFolder:
    """This session's folder (made on first use)."""
    folder = st.session_state.get("da_folder")
    if not isinstance(folder, UploadFolder) or not folder.path.is_dir():
        folder = st.session_state["da_folder"] = UploadFolder()
    return folder


def token(*parts: object) -> str:
    """A short name for widget keys: a file's widgets keep their values while it is uploaded, and
    a kind's column choices start afresh when its headers change."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:10]


# --- What a file is --------------------------------------------------------------------------------


def _stat(path: Path) -> tuple:
    info = Path(path).stat()
    return info.st_size, info.st_mtime_ns


@st.cache_data(max_entries=64, show_spinner=False)
def _preview(path: str, state: tuple, kind: str, options: tuple, platform: str | None) -> FilePreview:
    return inspect_file(path, kind, ReadOptions(*options), platform=platform, preview_rows=PREVIEW_ROWS)


def preview(path: Path, kind: str, options: ReadOptions = ReadOptions(), platform: str | None = None) -> FilePreview:
    """`importer.inspect_file`, cached per file content and choices."""
    return _preview(str(path), _stat(path), kind, astuple(options), platform)


@st.cache_data(max_entries=64, show_spinner=False)
def _sheets(path: str, state: tuple) -> list[str]:
    return workbook_sheet_names(path)


def sheet_names(path: Path) -> list[str]:
    return _sheets(str(path), _stat(path))


@st.cache_data(max_entries=8, show_spinner=False)
def _contents(path: str, file_state: tuple) -> dict:
    return database_contents(path)


def contents(path: Path) -> dict | None:
    """`importer.database_contents`, re-read only when the file changed; None without a file."""
    if not path.exists():
        return None
    return _contents(str(path), schema.file_state(path))


def is_empty(held: dict | None) -> bool:
    return held is None or held["customers"] + held["orders"] + held["contacts"] == 0


def encoding_label(encoding: str | None) -> str:
    return ENCODING_LABELS.get(encoding or "", "")


def delimiter_label(delimiter: str | None, lang: str) -> str:
    return text(f"delimiter_{DELIMITER_NAMES.get(delimiter or ',', 'other')}", lang)


def platform_label(name: str | None, lang: str) -> str:
    """A platform as the reader's language names it; the import log of older imports kept the
    English label instead of the name, shown as it is."""
    described = next((p for p in PLATFORMS if p.name == name), None)
    if described is None:
        return name or ""
    return described.label_ja if lang == "ja" else described.label_en


# --- Columns -------------------------------------------------------------------------------------


Column = tuple[str, int]  # (header as written, occurrence from 1), as a Mapping names a column


def column_choices(headers: Iterable[str]) -> list[Column]:
    """Every named column of a file, as a `Mapping` names it (two alike told apart by occurrence)."""
    seen: dict[str, int] = {}
    choices = []
    for header in headers:
        key = header_key(header)
        seen[key] = seen.get(key, 0) + 1
        if header.strip():
            choices.append((header, seen[key]))
    return choices


def column_label(column: Column | str, none_label: str) -> str:
    if column == NO_COLUMN:
        return none_label
    header, occurrence = column
    return header if occurrence == 1 else f"{header} ({occurrence})"


def header_spec(column: Column | None) -> str:
    """The column as `overrides` names it: "" for none, "HEADER#2" for a second one alike."""
    if column is None:
        return ""
    header, occurrence = column
    return header if occurrence == 1 and "#" not in header else f"{header}#{occurrence}"


def missing_fields(mapping: Mapping) -> tuple[list[str], bool]:
    """The required fields without a column, and whether a column names the customer."""
    required, _ = FIELDS[mapping.kind]
    return [name for name in required if name not in mapping.columns], any(k in mapping.columns for k in KEY_FIELDS)


# --- One import from the page's choices ------------------------------------------------------------


class SettingsConflict(CataloguedError):
    """Choices made per file or per kind that one `import_files` call cannot carry out. Its
    values may name catalogue entries (a setting, `data_...`) and kinds, said in the language."""

    def message(self, lang: str) -> str:
        values = {name: (text(value, lang) if isinstance(value, str) and value.startswith("data_") else value)
                  for name, value in self.values.items()}
        if "kinds" in values:
            joiner = "と" if lang == "ja" else " and "
            values["kinds"] = joiner.join(text(f"data_kind_{kind}", lang) for kind in values["kinds"])
        return text(self.key, lang, **values)


_SETTING_KEYS = {"encoding": "data_encoding", "delimiter": "data_delimiter", "header_row": "data_header_row",
                 "sheet": "data_sheet"}


def _read_as(source: Source) -> tuple:
    return source.format, source.headers, source.header_row, source.encoding, source.delimiter, source.sheet


@dataclass(frozen=True)
class FileChoice:
    """One file as the page shows it: its kind, the read settings chosen and what they read."""

    path: Path
    kind: str
    options: ReadOptions
    preview: FilePreview

    @property
    def source(self) -> Source:
        return self.preview.source


def combined_options(files: list[FileChoice], platform: str | None = None) -> ReadOptions | None:
    """The one `ReadOptions` for every file: None when nothing was overridden (each file is
    detected on its own); refuses when two files need different values, or when one file's
    override would make another file read differently from what the page showed."""
    merged: dict[str, object] = {}
    for choice in files:
        for field in fields(ReadOptions):
            value = getattr(choice.options, field.name)
            if value is None:
                continue
            if merged.setdefault(field.name, value) != value:
                raise SettingsConflict("data_options_conflict", setting=_SETTING_KEYS[field.name])
    if not merged:
        return None
    options = ReadOptions(**merged)
    for choice in files:
        if choice.options != options:
            read = preview(choice.path, choice.kind, options, platform).source
            if _read_as(read) != _read_as(choice.source):
                changed = next(name for name in merged if getattr(choice.options, name) is None)
                raise SettingsConflict("data_options_conflict", setting=_SETTING_KEYS[changed])
    return options


def combined_overrides(chosen: dict[str, Mapping], guessed: dict[str, Mapping]) -> dict[str, str]:
    """The one `overrides` dict ({field: header}) that turns each kind's guessed mapping into the
    chosen one; refuses when a field shared by two kinds (customer_id, name, ...) must differ."""
    merged: dict[str, str] = {}
    owner: dict[str, str] = {}
    for kind, mapping in chosen.items():
        required, optional = FIELDS[kind]
        for name in required + optional:
            wanted = mapping.columns.get(name)
            if wanted == guessed[kind].columns.get(name):
                continue
            spec = header_spec(wanted)
            if merged.setdefault(name, spec) != spec:
                raise SettingsConflict("data_mapping_conflict", field=f"data_field_{name}", kinds=(owner[name], kind))
            owner.setdefault(name, kind)
    for kind, mapping in chosen.items():
        required, optional = FIELDS[kind]
        applied = guessed[kind].with_overrides({f: h for f, h in merged.items() if f in required + optional})
        for name in required + optional:
            if applied.columns.get(name) != mapping.columns.get(name):
                raise SettingsConflict("data_mapping_conflict", field=f"data_field_{name}", kinds=(owner[name], kind))
    return merged


@dataclass(frozen=True)
class ImportRequest:
    """Everything an import of the page's files needs but the choice of what to do with bad rows."""

    orders: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()
    platform: str | None = None
    options: ReadOptions | None = None
    overrides: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, files: dict[str, list[Path]], platform: str | None = None, options: ReadOptions | None = None,
           overrides: dict[str, str] | None = None) -> "ImportRequest":
        return cls(**{kind: tuple(str(p) for p in files.get(kind, ())) for kind in KINDS}, platform=platform,
                   options=options, overrides=tuple(sorted((overrides or {}).items())))

    @property
    def kinds(self) -> list[str]:
        return [kind for kind in KINDS if getattr(self, kind)]

    def arguments(self) -> dict:
        return {"orders": list(self.orders), "customers": list(self.customers), "contacts": list(self.contacts),
                "platform": self.platform, "options": self.options, "overrides": dict(self.overrides)}


def check(db_path: Path, request: ImportRequest) -> ImportReport:
    """What the import would do, with every problem found; nothing is written."""
    return import_files(db_path, **request.arguments(), on_error="skip", dry_run=True, wait_seconds=2.0)


def refused(report: ImportReport, on_error: str) -> bool:
    return report.problem_count > 0 and on_error == "reject"


def run_import(db_path: Path, request: ImportRequest, on_error: str, *, rejects: Path | None = None,
               save_mapping: str | None = None, progress: Callable[[str], None] | None = None,
               by: Viewer | None = None) -> ImportReport:
    """The import itself (one transaction); raises `ImportRejectedError` when all or nothing
    meets a bad value. With on_error "skip", the rows left out go to `rejects` with reasons."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    return import_files(db_path, **request.arguments(), on_error=on_error,
                        rejects=rejects if on_error == "skip" else None, save_mapping=save_mapping or None,
                        progress=progress, wait_seconds=5.0, by=by)


def stage_label(stage: str, lang: str) -> str:
    """The import's progress stage ("reading orders", "checking", "writing") in the page's language."""
    kind = stage.removeprefix("reading ")
    if kind in KINDS:
        return text("data_stage_reading", lang, kind=text(f"data_kind_{kind}", lang))
    if stage in ("checking", "writing"):
        return text(f"data_stage_{stage}", lang)
    return stage


def stage_count(request: ImportRequest) -> int:
    """How many stages the import reports: one per kind of file read, the check, the write."""
    return len(request.kinds) + 2



# --- Demo data and backups -------------------------------------------------------------------------


def replace_with_demo(db_path: Path, customers: int, *, by: Viewer | None = None) -> tuple[DemoCounts, Path | None]:
    """All data of the database replaced by demo data, in one transaction, after a backup of the
    current data (its path returned). The package's demo refuses a filled database, so the demo
    is built in a scratch database and restored over this one like a backup."""
    with tempfile.TemporaryDirectory(prefix="segmentation-demo-") as scratch:
        demo_db, demo_zip = Path(scratch) / "demo.duckdb", Path(scratch) / "demo.zip"
        counts = build_demo_database(demo_db, customers=customers, seed=DEMO_SEED)
        backup_database(demo_db, demo_zip)
        before = backup_before_restore(db_path, by=by)
        restore_database(demo_zip, db_path, by=by)
    return counts, before


def make_backup(db_path: Path, folder: UploadFolder, *, by: Viewer | None = None) -> BackupSummary:
    """A backup zip of the database in the session's folder, ready to download (recorded in the
    audit as taken by `by`)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return backup_database(db_path, folder.new_file("backup", f"{db_path.stem}-backup-{stamp}.zip"), by=by)


def reader(path: Path) -> Callable[[], bytes]:
    """The file's bytes, read when the download button is pressed."""
    return lambda: Path(path).read_bytes()


def size_label(size: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:,.1f} {unit}"
    return f"{size:,} B"


# --- After a write -------------------------------------------------------------------------------


def after_write(db_path: Path) -> None:
    """Make the next run read the database afresh. The app notices a changed file by itself
    (`data.current_analysis` compares its state, and the sidebar's date follows a new latest
    order date); the file's entry is dropped too, as after any replacement by the app itself."""
    data.forget(db_path)
