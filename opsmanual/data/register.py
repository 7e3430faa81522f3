"""The revision register (revisions.yml): the data model of the manual's revisions, and its rules.

Versions are EDITION.AMENDMENT: 1.0 is the first edition (第1版), 1.1 its first HQ-notice amendment
(第1版第1次修订), 2.0 the next full re-issue (第2版). The register lists revisions newest first; a revision
published before its effective date may be withdrawn (``withdrawals:``), which is recorded, never erased.

The rules are small functions over the parsed file, each returning the errors it finds with file, line and
field, so that every rule can be tested (and its removal noticed) on its own.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import total_ordering
from pathlib import Path

from .roster import Roster, person_errors
from .yamlfile import DataError, DataInvalid, Document, load, validate

FULL_REISSUE = "全面换版"
NOTICE_AMENDMENT = "发文修订"


@total_ordering
@dataclass(frozen=True)
class Version:
    edition: int
    amendment: int

    @classmethod
    def parse(cls, text: str) -> Version:
        try:
            edition, amendment = (int(part) for part in str(text).split("."))
        except ValueError:
            raise ValueError(f"“{text}”不是“版次.修订次”形式的版本号，例如 1.0、1.2") from None
        if edition < 1 or amendment < 0:
            raise ValueError(f"“{text}”不是有效的版本号：版次从 1 开始")
        return cls(edition, amendment)

    def __str__(self) -> str:
        return f"{self.edition}.{self.amendment}"

    def __lt__(self, other: Version) -> bool:
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

    def next_amendment(self) -> Version:
        return Version(self.edition, self.amendment + 1)

    def next_edition(self) -> Version:
        return Version(self.edition + 1, 0)


@dataclass(frozen=True)
class Change:
    page: str  # a page under docs/ (02-service.md) or a form code (SOS-02)
    description: str

    @property
    def is_form(self) -> bool:
        return not self.page.endswith(".md")


@dataclass(frozen=True)
class Withdrawal:
    version: Version
    notice: str
    date: datetime.date
    reason: str
    approved_by: str


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
    withdrawal: Withdrawal | None = None

    @property
    def title(self) -> str:
        return self.version.title

    @property
    def pages(self) -> tuple[str, ...]:
        return tuple(change.page for change in self.changes)

    def change_for(self, page: str) -> Change | None:
        return next((c for c in self.changes if c.page == page), None)

    @classmethod
    def from_data(cls, data: dict, withdrawal: Withdrawal | None = None) -> Revision:
        return cls(
            version=Version.parse(data["version"]),
            kind=data["kind"],
            issued=datetime.date.fromisoformat(data["issued"]),
            effective=datetime.date.fromisoformat(data["effective"]),
            summary=data["summary"],
            reason=data["reason"],
            prepared_by=data["prepared_by"],
            reviewed_by=data["reviewed_by"],
            approved_by=data["approved_by"],
            retrain=tuple(data["retrain"]),
            notice=data.get("notice", ""),
            changes=tuple(Change(**c) for c in data["changes"]),
            supersedes=Version.parse(data["supersedes"]) if data.get("supersedes") else None,
            withdrawal=withdrawal,
        )


@dataclass(frozen=True)
class Register:
    revisions: tuple[Revision, ...]  # newest first
    source: Path
    entries: tuple[dict, ...] = field(default=(), compare=False)  # the revisions as written, for the manifest
    withdrawal_entries: tuple[dict, ...] = field(default=(), compare=False)
    lines: dict = field(
        default_factory=dict, compare=False
    )  # version -> line of its entry; (version, key) -> of its field

    @property
    def current(self) -> Revision:
        return self.revisions[0]

    def __iter__(self) -> Iterator[Revision]:
        return iter(self.revisions)

    def __len__(self) -> int:
        return len(self.revisions)

    def __getitem__(self, version: str | Version) -> Revision:
        version = Version.parse(str(version))
        for revision in self.revisions:
            if revision.version == version:
                return revision
        raise KeyError(f"修订登记册 {self.source.name} 中没有版本 {version}")

    def __contains__(self, version) -> bool:
        try:
            self[version]
        except (KeyError, ValueError):
            return False
        return True

    def previous(self, revision: Revision) -> Revision | None:
        index = self.revisions.index(revision)
        return self.revisions[index + 1] if index + 1 < len(self.revisions) else None

    def up_to(self, version: Version) -> Register:
        """The register as it stood when a version was published: that entry and the ones below it."""
        keep = tuple(r for r in self.revisions if not version < r.version)
        entries = tuple(e for e in self.entries if not version < Version.parse(e["version"]))
        return Register(keep, self.source, entries, self.withdrawal_entries, self.lines)

    def where(self, version: Version, key: str | None = None) -> str:
        """file:line of a version's entry (or of one of its fields), for messages."""
        from .yamlfile import shown

        return f"{shown(self.source)}:{self.lines.get((version, key)) or self.lines.get(version, 1)}"

    def entry(self, version: Version) -> dict:
        return next(e for e in self.entries if Version.parse(e["version"]) == version)


# -- the rules ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What the rules check the register against, besides itself."""

    roster: Roster | None = None
    role_names: frozenset[str] | None = None  # the roles retraining may name (facts/roles.yml)
    page_exists: Callable[[Version, str], bool | None] | None = None  # None: that revision's content is not at hand


def _entries(document: Document) -> list[tuple[int, dict, Version]]:
    return [(i, entry, Version.parse(entry["version"])) for i, entry in enumerate(document.data["revisions"])]


def check_sequence(document: Document) -> list[DataError]:
    """Newest first; no version twice; amendments numbered in sequence; a new edition is the next X.0;
    supersedes names the entry below."""
    errors = []
    entries = _entries(document)
    seen: dict[Version, int] = {}
    for index, entry, version in entries:
        path = ("revisions", index)
        if version in seen:
            errors.append(
                document.error(
                    path + ("version",),
                    f"版本 {version} 登记了两次（第一次在第 {document.line(('revisions', seen[version]))} 行）",
                )
            )
            continue
        seen[version] = index
        if index + 1 < len(entries):
            errors += _follows(document, path, entry, version, entries[index + 1])
            continue
        # the oldest entry
        if entry.get("supersedes"):
            errors.append(
                document.error(
                    path + ("supersedes",),
                    f"最早的一条修订不替代登记册中的任何版本，不应写 supersedes（写了“{entry['supersedes']}”）",
                )
            )
        if not version.is_reissue:
            errors.append(
                document.error(path + ("version",), f"登记册的第一条（最下面一条）应是全面换版 X.0，不是 {version}")
            )
    return errors


def _follows(
    document: Document, path: tuple, entry: dict, version: Version, below: tuple[int, dict, Version]
) -> list[DataError]:
    """The errors of an entry against the one below it: newer, numbered next, superseding it."""
    errors = []
    _, older, older_version = below
    if not older_version < version:
        errors.append(document.error(path + ("version",), f"修订应按新到旧排列：{version} 排在了 {older_version} 上面"))
    elif version.edition == older_version.edition and version != older_version.next_amendment():
        errors.append(
            document.error(
                path + ("version",),
                f"修订次序要连续：{older_version} 之后是 {older_version.next_amendment()}，不是 {version}",
            )
        )
    elif version.edition != older_version.edition and version != older_version.next_edition():
        errors.append(
            document.error(
                path + ("version",), f"{older_version} 之后的新版应为 {older_version.next_edition()}，不是 {version}"
            )
        )
    if entry.get("supersedes", older["version"]) != older["version"]:
        errors.append(
            document.error(
                path + ("supersedes",),
                f"supersedes 写的是“{entry['supersedes']}”，但登记册中的上一版本是 {older['version']}",
            )
        )
    return errors


def check_kinds(document: Document) -> list[DataError]:
    """X.0 is a full re-issue, X.Y an HQ-notice amendment with its notice number."""
    errors = []
    for index, entry, version in _entries(document):
        path = ("revisions", index)
        if version.is_reissue and entry["kind"] != FULL_REISSUE:
            errors.append(
                document.error(path + ("kind",), f"版本 {version} 以 .0 结尾，应为{FULL_REISSUE}，不是{entry['kind']}")
            )
        if not version.is_reissue and entry["kind"] != NOTICE_AMENDMENT:
            errors.append(
                document.error(
                    path + ("kind",), f"版本 {version} 是一次修订，应为{NOTICE_AMENDMENT}，不是{entry['kind']}"
                )
            )
        if entry["kind"] == NOTICE_AMENDMENT and not entry.get("notice", "").strip():
            errors.append(document.error(path, f"版本 {version} 是{NOTICE_AMENDMENT}：缺少总部发文编号（notice）"))
    return errors


def check_notices(document: Document) -> list[DataError]:
    """A notice number (发文编号) is used once: by one revision or one withdrawal."""
    errors, seen = [], {}
    # oldest first: the newer entry is the one that reuses a number
    places = [
        (("revisions", i, "notice"), e.get("notice")) for i, e in reversed(list(enumerate(document.data["revisions"])))
    ]
    places += [
        (("withdrawals", i, "notice"), w.get("notice")) for i, w in enumerate(document.data.get("withdrawals", ()))
    ]
    for path, notice in places:
        if not notice:
            continue
        # blanks are not part of a number; any separator gives the same comparison, so its mutants are equivalent
        key = " ".join(notice.split())  # pragma: no mutate
        if key in seen:
            errors.append(
                document.error(
                    path, f"发文编号 {notice} 已经用过（第 {document.line(seen[key])} 行）：每份总部发文的编号不同"
                )
            )
        else:
            seen[key] = path
    return errors


def check_dates(document: Document) -> list[DataError]:
    """Effective on or after issue; neither earlier than the revision below."""
    errors = []
    entries = _entries(document)
    for index, entry, version in entries:
        path = ("revisions", index)
        if entry["effective"] < entry["issued"]:
            errors.append(
                document.error(path + ("effective",), f"生效日期 {entry['effective']} 早于发布日期 {entry['issued']}")
            )
        if index + 1 < len(entries):
            _, older, older_version = entries[index + 1]
            for key, name in (("issued", "发布"), ("effective", "生效")):
                if entry[key] < older[key]:
                    errors.append(
                        document.error(
                            path + (key,),
                            f"{name}日期 {entry[key]} 早于上一版本 {older_version} 的{name}日期 {older[key]}",
                        )
                    )
    return errors


def check_changes(document: Document, context: Context) -> list[DataError]:
    """Each affected page or form is named once, and exists in that revision's content."""
    errors = []
    for index, entry, version in _entries(document):
        seen: dict[str, int] = {}
        for c, change in enumerate(entry["changes"]):
            path = ("revisions", index, "changes", c, "page")
            page = change["page"]
            if page in seen:
                errors.append(
                    document.error(
                        path,
                        f"{page} 在本条修订中列了两次（第一次在第 {document.line(('revisions', index, 'changes', seen[page]))} 行）：合并为一条说明",
                    )
                )
                continue
            seen[page] = c
            if "（写明" in change["description"]:
                errors.append(
                    document.error(
                        ("revisions", index, "changes", c, "description"),
                        "还是 manual changes 给出的占位文字：写明这一页具体改了什么",
                    )
                )
            exists = context.page_exists(version, page) if context.page_exists else None
            if exists is False:
                what = "表格编号" if not page.endswith(".md") else "页面（docs/ 下的文件）"
                errors.append(document.error(path, f"受影响的{what} {page} 不存在"))
    return errors


def check_people(document: Document, context: Context) -> list[DataError]:
    """Prepared, reviewed and approved by roster people with that authority on the issue date; the approver and
    the reviewer are not the preparer."""
    if context.roster is None:
        return []
    roster, errors = context.roster, []
    for index, entry, version in _entries(document):
        path = ("revisions", index)
        issued = datetime.date.fromisoformat(entry["issued"])
        for key, action in (("prepared_by", "prepare"), ("reviewed_by", "review"), ("approved_by", "approve")):
            errors += person_errors(
                roster,
                entry[key],
                action,
                entry["kind"],
                issued,
                lambda message, key=key, path=path: document.error(path + (key,), message),
            )
        preparer = roster.find(entry["prepared_by"])
        for key, name in (("approved_by", "批准人"), ("reviewed_by", "审核人")):
            other = roster.find(entry[key])
            if preparer and other is preparer:
                errors.append(document.error(path + (key,), f"{name}不能是编写人本人（{preparer.display}）"))
    for index, withdrawal in enumerate(document.data.get("withdrawals", ())):
        withdrawn = next((e for _, e, v in _entries(document) if str(v) == withdrawal["version"]), None)
        if withdrawn is None:
            continue
        errors += person_errors(
            roster,
            withdrawal["approved_by"],
            "approve",
            withdrawn["kind"],
            datetime.date.fromisoformat(withdrawal["date"]),
            lambda message, i=index: document.error(("withdrawals", i, "approved_by"), message),
        )
    return errors


def check_retraining(document: Document, context: Context) -> list[DataError]:
    """Retraining names roles of the manual's one list of roles (facts/roles.yml)."""
    if context.role_names is None:
        return []
    errors = []
    for index, entry, _ in _entries(document):
        for r, role in enumerate(entry["retrain"]):
            if role not in context.role_names:
                errors.append(
                    document.error(
                        ("revisions", index, "retrain", r),
                        f"“{role}”不是手册中的岗位；可以写：{'、'.join(sorted(context.role_names))}",
                    )
                )
    return errors


def check_withdrawals(document: Document) -> list[DataError]:
    """A withdrawal names a registered revision once, is dated on or after its issue and before it takes effect."""
    errors, seen = [], {}
    entries = {str(v): e for _, e, v in _entries(document)}
    for index, withdrawal in enumerate(document.data.get("withdrawals", ())):
        path = ("withdrawals", index)
        version = withdrawal["version"]
        entry = entries.get(version)
        if entry is None:
            errors.append(document.error(path + ("version",), f"要撤销的版本 {version} 不在修订登记册中"))
            continue
        if version in seen:
            errors.append(
                document.error(
                    path + ("version",),
                    f"版本 {version} 已经撤销过（第 {document.line(('withdrawals', seen[version]))} 行）",
                )
            )
            continue
        seen[version] = index
        if withdrawal["date"] < entry["issued"]:
            errors.append(
                document.error(
                    path + ("date",), f"撤销日期 {withdrawal['date']} 早于该版本的发布日期 {entry['issued']}"
                )
            )
        if withdrawal["date"] >= entry["effective"]:
            errors.append(
                document.error(
                    path + ("date",),
                    f"版本 {version} 已于 {entry['effective']} 生效：只能在生效日期之前撤销；"
                    f"已生效的修订要更正，请登记新的修订",
                )
            )
    return errors


RULES = (check_sequence, check_kinds, check_notices, check_dates, check_withdrawals)
CONTEXT_RULES = (check_changes, check_people, check_retraining)


def register_errors(document: Document, context: Context) -> list[DataError]:
    errors = validate(document, "register")
    if errors:
        return errors
    # every version parses: the schema's pattern for version is Version.parse's form (tested in tests/test_data.py)
    for rule in RULES:
        errors += rule(document)
    for rule in CONTEXT_RULES:
        errors += rule(document, context)
    return sorted(set(errors), key=lambda e: (e.line, e.field, e.message))


def build_register(document: Document) -> Register:
    withdrawals = {}
    for data in document.data.get("withdrawals", ()):
        withdrawals[data["version"]] = Withdrawal(
            Version.parse(data["version"]),
            data["notice"],
            datetime.date.fromisoformat(data["date"]),
            data["reason"],
            data["approved_by"],
        )
    revisions = tuple(
        Revision.from_data(entry, withdrawals.get(entry["version"])) for entry in document.data["revisions"]
    )
    lines: dict = {}
    for i, entry in enumerate(document.data["revisions"]):
        version = Version.parse(entry["version"])
        lines[version] = document.line(("revisions", i))
        lines.update({(version, key): document.line(("revisions", i, key)) for key in entry})
    return Register(
        revisions, document.file, tuple(document.data["revisions"]), tuple(document.data.get("withdrawals", ())), lines
    )


def read_register(file: Path) -> Register:
    """revisions.yml with only its form checked (the schema), not its rules: for comparing with what was published."""
    document = load(Path(file))
    errors = (
        validate(document, "register")
        if isinstance(document.data, dict)
        else [document.error((), "应为含 revisions 字段的映射")]
    )
    if not errors:
        try:
            return build_register(document)
        except ValueError as exc:
            errors = [document.error(("revisions",), str(exc))]
    raise DataInvalid(errors)


def load_register(file: Path, context: Context = Context()) -> Register:
    """Load, validate and check revisions.yml; raise DataInvalid naming file, line and field."""
    document = load(Path(file))
    if not isinstance(document.data, dict):
        raise DataInvalid([document.error((), "应为含 revisions 字段的映射")])
    errors = register_errors(document, context)
    if errors:
        raise DataInvalid(errors)
    return build_register(document)
