"""The revision register (revisions.yml): the data model of the manual's revisions, and its rules.

Versions are EDITION.AMENDMENT: 1.0 is the first edition (第1版), 1.1 its first HQ-notice amendment
(第1版第1次修订), 2.0 the next full re-issue (第2版).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import total_ordering
from pathlib import Path

from .yamldata import DataError, DataInvalid, Document, load, validate

FULL_REISSUE = "全面换版"
NOTICE_AMENDMENT = "发文修订"


@total_ordering
@dataclass(frozen=True)
class Version:
    edition: int
    amendment: int

    @classmethod
    def parse(cls, text: str) -> "Version":
        try:
            edition, amendment = (int(part) for part in str(text).split("."))
        except ValueError:
            raise ValueError(f"'{text}' is not a version of the form EDITION.AMENDMENT, e.g. 1.0 or 1.2") from None
        if edition < 1 or amendment < 0:
            raise ValueError(f"'{text}' is not a valid version: the edition starts at 1")
        return cls(edition, amendment)

    def __str__(self) -> str:
        return f"{self.edition}.{self.amendment}"

    def __lt__(self, other: "Version") -> bool:
        return (self.edition, self.amendment) < (other.edition, other.amendment)

    @property
    def title(self) -> str:
        """The Chinese title shown in the version selector."""
        if self.amendment == 0:
            return f"第{self.edition}版"
        return f"第{self.edition}版第{self.amendment}次修订"

    @property
    def is_reissue(self) -> bool:
        return self.amendment == 0


@dataclass(frozen=True)
class Change:
    page: str
    description: str

    @property
    def is_form(self) -> bool:
        return not self.page.endswith(".md")


@dataclass(frozen=True)
class Revision:
    version: Version
    kind: str
    issued: datetime.date
    effective: datetime.date
    summary: str
    reason: str
    prepared_by: str
    reviewed_by: str
    approved_by: str
    retrain: tuple[str, ...]
    changes: tuple[Change, ...]
    notice: str = ""
    supersedes: Version | None = None

    @property
    def title(self) -> str:
        return self.version.title

    @property
    def pages(self) -> tuple[str, ...]:
        return tuple(change.page for change in self.changes)

    def change_for(self, page: str) -> Change | None:
        return next((c for c in self.changes if c.page == page), None)

    @classmethod
    def from_data(cls, data: dict) -> "Revision":
        return cls(
            version=Version.parse(data["version"]), kind=data["kind"],
            issued=datetime.date.fromisoformat(data["issued"]),
            effective=datetime.date.fromisoformat(data["effective"]),
            summary=data["summary"], reason=data["reason"], prepared_by=data["prepared_by"],
            reviewed_by=data["reviewed_by"], approved_by=data["approved_by"],
            retrain=tuple(data["retrain"]), notice=data.get("notice", ""),
            changes=tuple(Change(**c) for c in data["changes"]),
            supersedes=Version.parse(data["supersedes"]) if data.get("supersedes") else None,
        )


@dataclass(frozen=True)
class Register:
    revisions: tuple[Revision, ...]  # newest first
    source: Path

    @property
    def current(self) -> Revision:
        return self.revisions[0]

    def __iter__(self):
        return iter(self.revisions)

    def __getitem__(self, version: str | Version) -> Revision:
        version = Version.parse(str(version))
        for revision in self.revisions:
            if revision.version == version:
                return revision
        raise KeyError(f"version {version} is not in the register {self.source}")

    def __contains__(self, version) -> bool:
        try:
            self[version]
        except (KeyError, ValueError):
            return False
        return True

    def previous(self, revision: Revision) -> Revision | None:
        index = self.revisions.index(revision)
        return self.revisions[index + 1] if index + 1 < len(self.revisions) else None

    def history_of(self, page: str) -> list[tuple[Revision, str]]:
        """The revisions that changed a page, newest first, with what each changed.

        A full re-issue re-publishes every page, so it belongs to every page's history."""
        history = []
        for revision in self.revisions:
            change = revision.change_for(page)
            if change:
                history.append((revision, change.description))
            elif revision.version.is_reissue:
                history.append((revision, "随本版全面换版重新发布"))
        return history


def _check_rules(document: Document, docs_dir: Path, form_codes: set[str]) -> list[DataError]:
    """What the schema cannot say: order, uniqueness, dates, kinds, pages."""
    errors = []
    entries = document.data["revisions"]
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        path = ("revisions", index)
        version = Version.parse(entry["version"])
        if entry["version"] in seen:
            errors.append(document.error(path + ("version",), f"version {version} is registered twice (first at revisions[{seen[entry['version']]}])"))
            continue
        seen[entry["version"]] = index
        if version.is_reissue and entry["kind"] != FULL_REISSUE:
            errors.append(document.error(path + ("kind",), f"version {version} ends in .0 and must be a {FULL_REISSUE}, not {entry['kind']}"))
        if not version.is_reissue and entry["kind"] != NOTICE_AMENDMENT:
            errors.append(document.error(path + ("kind",), f"version {version} is an amendment and must be a {NOTICE_AMENDMENT}, not {entry['kind']}"))
        if entry["kind"] == NOTICE_AMENDMENT and not entry.get("notice"):
            errors.append(document.error(path, f"version {version} is a {NOTICE_AMENDMENT}: its HQ notice number (notice: 发文编号) is missing"))
        if entry["effective"] < entry["issued"]:
            errors.append(document.error(path + ("effective",), f"effective date {entry['effective']} is before the issue date {entry['issued']}"))
        for c, change in enumerate(entry["changes"]):
            page = change["page"]
            exists = page in form_codes if not page.endswith(".md") else (docs_dir / page).is_file()
            if not exists:
                what = "form code" if not page.endswith(".md") else f"page under {docs_dir}/"
                errors.append(document.error(path + ("changes", c, "page"), f"affected {what} '{page}' does not exist"))
        older = entries[index + 1] if index + 1 < len(entries) else None
        if older is None:
            if entry.get("supersedes"):
                errors.append(document.error(path + ("supersedes",), f"the oldest revision supersedes nothing in the register, got '{entry['supersedes']}'"))
            continue
        older_version = Version.parse(older["version"])
        if not older_version < version:
            errors.append(document.error(path + ("version",), f"versions must be newest first: {version} is listed above {older_version}"))
        elif version.edition == older_version.edition and version.amendment != older_version.amendment + 1:
            errors.append(document.error(path + ("version",), f"amendments are numbered in sequence: after {older_version} comes {older_version.edition}.{older_version.amendment + 1}, not {version}"))
        elif version.edition > older_version.edition and (version.edition != older_version.edition + 1 or not version.is_reissue):
            errors.append(document.error(path + ("version",), f"after {older_version} a new edition is {older_version.edition + 1}.0, not {version}"))
        if entry.get("supersedes", older["version"]) != older["version"]:
            errors.append(document.error(path + ("supersedes",), f"supersedes '{entry['supersedes']}' but the previous revision in the register is {older['version']}"))
        for field in ("issued", "effective"):
            if entry[field] < older[field]:
                errors.append(document.error(path + (field,), f"{field} date {entry[field]} is earlier than that of the previous revision {older['version']} ({older[field]})"))
    return errors


def load_register(file: Path, docs_dir: Path, form_codes: set[str] = frozenset()) -> Register:
    """Load, validate and check revisions.yml; raise DataInvalid naming file, line and field."""
    document = load(Path(file))
    if not isinstance(document.data, dict):
        raise DataInvalid([document.error((), "expected a mapping with the key 'revisions'")])
    errors = validate(document, "register")
    if not errors:
        errors = _check_rules(document, Path(docs_dir), set(form_codes))
    if errors:
        raise DataInvalid(errors)
    revisions = tuple(Revision.from_data(entry) for entry in document.data["revisions"])
    return Register(revisions, Path(file))
