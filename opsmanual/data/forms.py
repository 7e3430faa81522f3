"""The checklists and forms of the manual: one YAML file each (checklists/*.yml), validated as a set.

A form's text is written with the facts' variables ({{ roles.front_desk }}); they are rendered when the form is
loaded, so the model holds the words that are printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .yamlfile import DataError, DataInvalid, Document, load, render_strings, validate

CATEGORIES = {
    "SOS": "岗位规范检查表",
    "OPS": "运营检查表",
    "REC": "登记表与记录表",
}
RESULT_COLUMNS = ("是", "否", "不适用")
PERIODS = {
    "per_event": "每次发生时",
    "daily": "每日",
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "half_yearly": "每半年",
    "yearly": "每年",
}


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    standard: str
    note: str = ""


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Field:
    """A place to fill in: a line (or several) to write on, or boxes to tick when it has options."""

    label: str
    options: tuple[str, ...] = ()
    lines: int = 1

    @classmethod
    def from_data(cls, data) -> Field:
        if isinstance(data, str):
            return cls(data)
        return cls(data["label"], tuple(data.get("options", ())), data.get("lines", 1))

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Column:
    title: str
    width: float = 1.0


@dataclass(frozen=True)
class Form:
    code: str
    title: str
    kind: str
    roles: tuple[str, ...]
    frequency: str
    page: str
    header_fields: tuple[Field, ...]
    signoff: tuple[Field, ...]
    source: Path
    purpose: str = ""
    instructions: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    columns: tuple[Column, ...] = ()
    rows: int = 0
    summary_fields: tuple[Field, ...] = ()
    retention: str = ""
    keeper: str = ""
    period: str = ""
    row_labels: tuple[str, ...] = ()

    @property
    def category(self) -> str:
        return CATEGORIES[self.code.split("-")[0]]

    @property
    def slug(self) -> str:
        return self.code.lower()

    @property
    def url(self) -> str:
        """The form's own page, relative to docs/."""
        return f"forms/{self.slug}.md"

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @property
    def header_labels(self) -> tuple[str, ...]:
        return tuple(f.label for f in self.header_fields)

    @property
    def period_name(self) -> str:
        return PERIODS.get(self.period, "")

    @classmethod
    def from_data(cls, data: dict, source: Path) -> Form:
        def fields(key):
            return tuple(Field.from_data(f) for f in data.get(key, ()))

        return cls(
            code=data["code"],
            title=data["title"],
            kind=data["kind"],
            roles=tuple(data["roles"]),
            frequency=data["frequency"],
            page=data["page"],
            header_fields=fields("header_fields"),
            signoff=fields("signoff"),
            summary_fields=fields("summary_fields"),
            source=source,
            purpose=data.get("purpose", ""),
            instructions=tuple(data.get("instructions", ())),
            sections=tuple(Section(s["title"], tuple(Item(**i) for i in s["items"])) for s in data.get("sections", ())),
            columns=tuple(Column(**c) for c in data.get("columns", ())),
            rows=data.get("rows", 0),
            retention=data.get("retention", ""),
            keeper=data.get("keeper", ""),
            period=data.get("period", ""),
            row_labels=tuple(data.get("row_labels", ())),
        )


@dataclass
class FormSet:
    forms: dict[str, Form] = field(default_factory=dict)

    def __getitem__(self, code: str) -> Form:
        try:
            return self.forms[code]
        except KeyError:
            raise KeyError(f"没有编号为 {code} 的表格；现有编号：{'、'.join(sorted(self.forms))}") from None

    def __contains__(self, code: object) -> bool:
        return code in self.forms

    def __iter__(self) -> Iterator[Form]:
        return iter(sorted(self.forms.values(), key=lambda f: (list(CATEGORIES).index(f.code[:3]), f.code)))

    def __len__(self) -> int:
        return len(self.forms)

    def by_category(self) -> dict[str, list[Form]]:
        groups: dict[str, list[Form]] = {name: [] for name in CATEGORIES.values()}
        for form in self:
            groups[form.category].append(form)
        return groups


def _check_document(document: Document, pages: set[str]) -> list[DataError]:
    """Rules a schema cannot say: unique item ids, the code matches the file, the page exists, rows fit."""
    data = document.data
    errors = []
    expected_code = document.file.stem.upper()
    if data.get("code") and data["code"] != expected_code:
        errors.append(
            document.error(
                ("code",), f"编号 {data['code']} 与文件名不符：文件 {document.file.name} 的编号应为 {expected_code}"
            )
        )
    seen: dict[str, tuple] = {}
    for s, section in enumerate(data.get("sections", ())):
        for i, item in enumerate(section.get("items", ())):
            path = ("sections", s, "items", i, "id")
            if item["id"] in seen:
                errors.append(
                    document.error(
                        path, f"检查项编号 {item['id']} 重复（第一次在第 {document.line(seen[item['id']])} 行）"
                    )
                )
            else:
                seen[item["id"]] = path
    page = data.get("page")
    if page and page not in pages:
        errors.append(document.error(("page",), f"所属页面 {page} 不存在（docs/ 下没有这个文件）"))
    labels = data.get("row_labels", ())
    if labels and data.get("rows", 0) < len(labels):
        errors.append(
            document.error(("rows",), f"rows 为 {data.get('rows')}，少于预印的 {len(labels)} 行（row_labels）")
        )
    return errors


def load_forms(forms_dir: Path, pages: set[str], variables: dict | None = None) -> FormSet:
    """Load and validate every checklists/*.yml; raise DataInvalid with all errors of all files.

    pages: the pages of the manual (paths under docs/) a form may belong to."""
    forms_dir = Path(forms_dir)
    errors: list[DataError] = []
    formset = FormSet()
    first_seen: dict[str, Document] = {}
    files = sorted(forms_dir.glob("*.yml")) + sorted(forms_dir.glob("*.yaml"))
    if not files:
        raise DataInvalid([DataError(forms_dir, 1, "", "没有找到任何检查表或表格文件（*.yml）")])
    for file in files:
        try:
            document = load(file)
        except DataInvalid as exc:
            errors.extend(exc.errors)
            continue
        if not isinstance(document.data, dict):
            errors.append(document.error((), "应为字段的映射（code、title、kind …）"))
            continue
        problems = render_strings(document, variables or {}) or validate(document, "form")
        if problems:
            errors.extend(problems)
            continue
        problems = _check_document(document, set(pages))
        code = document.data["code"]
        if code in first_seen:
            problems.append(document.error(("code",), f"编号 {code} 重复（{first_seen[code].file.name} 也用了它）"))
        first_seen.setdefault(code, document)
        errors.extend(problems)
        if not problems:
            formset.forms[code] = Form.from_data(document.data, file)
    if errors:
        raise DataInvalid(errors)
    return formset
