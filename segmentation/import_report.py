"""The report of an import: what it read, what it would add, what it left out and why.

The same report is shown before anything is written (`--dry-run`, the Data page's check), when
an import is refused, and after it is done. `lines(lang)` renders it in Japanese or English for
the CLI and the page; problems name the file, the line, the column (as the file's header names
it) and the value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import ImportFileError

MAX_SHOWN_PROBLEMS = 20

PROBLEMS = {
    "empty": ("the cell is empty, but every row needs a {field}", "空欄です（{field}はすべての行に必要です）"),
    "not_a_date": ("is not a date; write it as 2024-03-05, 2024/3/5, 2024年3月5日 or 令和6年3月5日",
                   "日付として読めません（2024-03-05、2024/3/5、2024年3月5日、令和6年3月5日の形で書いてください）"),
    "not_a_real_date": ("is not a real calendar date", "存在しない日付です"),
    "out_of_range": ("is not a date between the years 1900 and 2999", "1900年から2999年の間の日付ではありません"),
    "bad_time": ("is not a real time of day", "時刻として正しくありません"),
    "not_a_number": ("is not a number", "数値として読めません"),
    "too_many_decimals": ("has more than 2 decimal places", "小数点以下が3桁以上あります"),
    "too_large": ("is too large for an amount", "金額として大きすぎます"),
    "no_customer": ("names no customer: the row has no customer id, e-mail or phone",
                    "顧客が分かりません（顧客ID・メールアドレス・電話番号のどれもありません）"),
    "duplicate": ("is already on line {other}; a customers file has one row per customer",
                  "{other}行目にもあります（顧客ファイルは1顧客1行です）"),
    "other_customer": ('differs from the customer on line {other}, but both lines belong to order "{order}"',
                       '{other}行目と顧客が違いますが、どちらも注文「{order}」の行です'),
    "structure": ("{detail}", "{detail}"),
}


@dataclass(frozen=True)
class Problem:
    """One value (or line) that cannot be read."""

    file: str
    line: int | None
    column: str
    value: str
    code: str
    detail: dict = field(default_factory=dict)

    def sentence(self, lang: str = "en") -> str:
        template = PROBLEMS[self.code][0 if lang == "en" else 1]
        text = template.format(**{"field": self.column, **self.detail})
        where = f"{self.file} line {self.line}" if self.line else self.file
        if self.code == "structure":
            return f"{where} {text}." if lang == "en" else f"{self.file} {self.line}行目: {text}"
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        shown = shown.replace("\r", "\\r").replace("\n", "\\n")
        if lang == "en":
            return f'{where}, column {self.column}: "{shown}" {text}.' if shown else f"{where}, column {self.column}: {text}."
        line = f"{self.line}行目" if self.line else ""
        return f"{self.file} {line} {self.column}列: 「{shown}」{text}" if shown else f"{self.file} {line} {self.column}列: {text}"


@dataclass(frozen=True)
class ImportReport:
    """What an import read and did (or would do: `dry_run`, or refused: not `imported`)."""

    sources: tuple = ()                  # sources.Source of each file: what was detected
    platform: str | None = None          # name of the recognised platform ("shopify"), if any
    rows_read: int = 0
    orders_added: int = 0
    orders_present: int = 0
    orders_updated: int = 0
    orders_removed: int = 0
    refunds_added: int = 0
    refunds_present: int = 0
    customers_added: int = 0
    customers_updated: int = 0
    customers_present: int = 0
    customers_created: int = 0           # first seen in orders or contacts
    contacts_added: int = 0
    contacts_present: int = 0
    excluded: dict = field(default_factory=dict)   # reason -> orders
    problem_count: int = 0
    problems: tuple[Problem, ...] = ()   # the first MAX_SHOWN_PROBLEMS
    rows_rejected: int = 0
    imported: bool = False
    dry_run: bool = False
    rejects_file: str | None = None

    @property
    def files(self) -> tuple[str, ...]:
        """The file names, in import order."""
        return tuple(source.name for source in self.sources)

    # Names the earlier importer used.
    @property
    def orders_skipped(self) -> int:
        return self.orders_present

    @property
    def refunds_skipped(self) -> int:
        return self.refunds_present

    @property
    def contacts_skipped(self) -> int:
        return self.contacts_present

    @property
    def changes(self) -> int:
        """How many rows of the database the import changes."""
        return (self.orders_added + self.orders_updated + self.orders_removed + self.refunds_added
                + self.customers_added + self.customers_updated + self.customers_created + self.contacts_added)

    def summary(self) -> str:
        """One English line naming only what happened."""
        parts = []
        for number, noun, already in ((self.orders_added, "order", self.orders_present),
                                      (self.refunds_added, "refund", self.refunds_present),
                                      (self.customers_added + self.customers_created, "new customer", 0),
                                      (self.customers_updated, "updated customer", 0),
                                      (self.contacts_added, "contact", self.contacts_present)):
            if number or already:
                text = f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
                parts.append(text + (f" ({already:,} already present)" if already else ""))
        if self.orders_updated:
            parts.append(f"{self.orders_updated:,} changed order" + ("s" if self.orders_updated != 1 else ""))
        if self.orders_removed:
            parts.append(f"{self.orders_removed:,} order" + ("s" if self.orders_removed != 1 else "")
                         + " cancelled since")
        if not parts:
            return "Nothing new: every row was already in the database."
        verb = "Would import " if self.dry_run else "Imported "
        return verb + ", ".join(parts) + "."

    def lines(self, lang: str = "en", db: str = "") -> list[str]:
        """The report for the CLI and the page, one statement per line (`db` names the database)."""
        from .texts import text

        out = [text("import_report_files", lang)] + [f"  {source.describe(lang)}" for source in self.sources]
        if self.platform:
            from .platforms import get

            described = get(self.platform)
            label = described.label_ja if lang == "ja" else described.label_en
            out.append(text("import_report_platform", lang, platform=label))
        out.append(text("import_report_rows", lang, count=self.rows_read))
        figures = (("import_report_orders", self.orders_added, self.orders_present),
                   ("import_report_refunds", self.refunds_added, self.refunds_present),
                   ("import_report_customers", self.customers_added, self.customers_present),
                   ("import_report_contacts", self.contacts_added, self.contacts_present))
        for key, added, present in figures:
            if added or present:
                out.append(text(key, lang, added=added, present=present))
        for key, number in (("import_report_updated_orders", self.orders_updated),
                            ("import_report_removed_orders", self.orders_removed),
                            ("import_report_updated_customers", self.customers_updated),
                            ("import_report_created_customers", self.customers_created)):
            if number:
                out.append(text(key, lang, count=number))
        for reason, number in sorted(self.excluded.items()):
            if number:
                out.append(text("import_report_excluded", lang, count=number, reason=text(f"exclude_{reason}", lang)))
        if self.problem_count:
            out.append(text("import_report_problems", lang, count=self.problem_count, rows=self.rows_rejected))
            out += [f"  {p.sentence(lang)}" for p in self.problems]
            if self.problem_count > len(self.problems):
                out.append(text("import_report_more_problems", lang, count=self.problem_count - len(self.problems)))
        if self.rejects_file:
            out.append(text("import_report_rejects", lang, path=self.rejects_file))
        state = ("import_report_dry_run" if self.dry_run else "import_report_done" if self.imported
                 else "import_report_refused")
        out.append(text(state, lang, db=db) if state == "import_report_done" else text(state, lang))
        return out


class ImportRejectedError(ImportFileError):
    """Values could not be read and the import was all or nothing: nothing was written.

    The message is the first problem's sentence and the count; `report` has them all."""

    def __init__(self, report: ImportReport):
        first = report.problems[0].sentence("en") if report.problems else "Some values cannot be read."
        more = report.problem_count - 1
        tail = (f" ({more:,} more problem{'s' if more != 1 else ''}; nothing was imported: fix the file, or use "
                "--on-error skip --rejects FILE to import the sound rows)") if more > 0 else ""
        super().__init__(first + tail if tail else first)
        self.report = report
