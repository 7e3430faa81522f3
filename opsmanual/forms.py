"""The checklists and forms of the manual: one YAML file each in checklists/, validated as a set."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .yamldata import DataError, DataInvalid, Document, load, render_strings, validate

CATEGORIES = {
    "SOS": "岗位规范检查表",
    "OPS": "运营检查表",
    "REC": "登记表与记录表",
}
RESULT_COLUMNS = ("是", "否", "不适用")


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
    def from_data(cls, data) -> "Field":
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
    def header_labels(self) -> tuple[str, ...]:
        return tuple(field.label for field in self.header_fields)

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

    @classmethod
    def from_data(cls, data: dict, source: Path) -> "Form":
        return cls(
            code=data["code"], title=data["title"], kind=data["kind"], roles=tuple(data["roles"]),
            frequency=data["frequency"], page=data["page"],
            header_fields=tuple(Field.from_data(f) for f in data["header_fields"]),
            signoff=tuple(Field.from_data(f) for f in data["signoff"]),
            summary_fields=tuple(Field.from_data(f) for f in data.get("summary_fields", ())),
            retention=data.get("retention", ""), keeper=data.get("keeper", ""), period=data.get("period", ""),
            row_labels=tuple(data.get("row_labels", ())), source=source, purpose=data.get("purpose", ""),
            instructions=tuple(data.get("instructions", ())),
            sections=tuple(Section(s["title"], tuple(Item(**i) for i in s["items"])) for s in data.get("sections", ())),
            columns=tuple(Column(**c) for c in data.get("columns", ())),
            rows=data.get("rows", 0),
        )


@dataclass
class FormSet:
    forms: dict[str, Form] = field(default_factory=dict)

    def __getitem__(self, code: str) -> Form:
        try:
            return self.forms[code]
        except KeyError:
            raise KeyError(f"no form with code '{code}'; known codes: {', '.join(sorted(self.forms))}") from None

    def __iter__(self):
        return iter(sorted(self.forms.values(), key=lambda f: (list(CATEGORIES).index(f.code[:3]), f.code)))

    def __len__(self) -> int:
        return len(self.forms)

    def by_category(self) -> dict[str, list[Form]]:
        groups: dict[str, list[Form]] = {name: [] for name in CATEGORIES.values()}
        for form in self:
            groups[form.category].append(form)
        return groups


def _check_document(document: Document, docs_dir: Path) -> list[DataError]:
    """Rules a schema cannot say: unique item ids, the code matches the file, the page exists."""
    data = document.data
    errors = []
    expected_code = document.file.stem.upper()
    if data.get("code") and data["code"] != expected_code:
        errors.append(document.error(("code",), f"code '{data['code']}' does not match the file name; expected '{expected_code}'"))
    seen: dict[str, tuple] = {}
    for s, section in enumerate(data.get("sections", ())):
        for i, item in enumerate(section.get("items", ())):
            path = ("sections", s, "items", i, "id")
            if item["id"] in seen:
                errors.append(document.error(path, f"duplicate item id '{item['id']}' (first used on line {document.line(seen[item['id']])})"))
            else:
                seen[item["id"]] = path
    page = data.get("page")
    if page and not (docs_dir / page).is_file():
        errors.append(document.error(("page",), f"page '{page}' does not exist under {docs_dir}/"))
    return errors


def load_forms(forms_dir: Path, docs_dir: Path, variables: dict | None = None) -> FormSet:
    """Load and validate every checklists/*.yml; raise DataInvalid with all errors of all files."""
    forms_dir, docs_dir = Path(forms_dir), Path(docs_dir)
    errors: list[DataError] = []
    formset = FormSet()
    first_seen: dict[str, Document] = {}
    files = sorted(forms_dir.glob("*.yml")) + sorted(forms_dir.glob("*.yaml"))
    if not files:
        raise DataInvalid([DataError(forms_dir, 1, "", "no checklist or form files (*.yml) found")])
    for file in files:
        try:
            document = load(file)
        except DataInvalid as exc:
            errors.extend(exc.errors)
            continue
        if not isinstance(document.data, dict):
            errors.append(document.error((), "expected a mapping of fields (code, title, kind, …)"))
            continue
        problems = render_strings(document, variables or {}) or validate(document, "form")
        if problems:
            errors.extend(problems)
            continue
        problems = _check_document(document, docs_dir)
        code = document.data["code"]
        if code in first_seen:
            problems.append(document.error(("code",), f"duplicate code '{code}' (also in {first_seen[code].file})"))
        first_seen.setdefault(code, document)
        errors.extend(problems)
        if not problems:
            formset.forms[code] = Form.from_data(document.data, file)
    if errors:
        raise DataInvalid(errors)
    return formset
