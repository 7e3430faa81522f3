"""The roster (roster.yml): the people who may prepare, review and approve revisions of the manual.

A register entry names a person as the register has always shown them, "运营管理部 周敏" (title and name) or
just "周敏"; the roster says who that is and which kinds of revision (全面换版, 发文修订) they may prepare, review
or approve, from and until which date.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..cache import kept
from .yamlfile import DataError, DataInvalid, load, validate

ACTIONS = {"prepare": "编写", "review": "审核", "approve": "批准"}


@dataclass(frozen=True)
class Person:
    name: str
    title: str
    may: dict[str, tuple[str, ...]]  # action -> kinds of revision
    department: str = ""
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    line: int = 0

    @property
    def display(self) -> str:
        return f"{self.title} {self.name}"

    def is_named_by(self, text: str) -> bool:
        return " ".join(str(text).split()) in (self.name, self.display)

    def authorised(self, action: str, kind: str, on: datetime.date) -> bool:
        if kind not in self.may.get(action, ()):
            return False
        if self.valid_from and on < self.valid_from:
            return False
        return not (self.valid_until and on > self.valid_until)


@dataclass(frozen=True)
class Roster:
    people: tuple[Person, ...]
    source: Path

    def find(self, text: str) -> Person | None:
        return next((person for person in self.people if person.is_named_by(text)), None)

    def who_may(self, action: str, kind: str) -> list[Person]:
        return [person for person in self.people if kind in person.may.get(action, ())]

    def names(self) -> list[str]:
        """Every way the register may name a roster person: for the editor's completion (JSON Schema)."""
        return sorted({form for person in self.people for form in (person.display, person.name)})


#: Rosters read in this process, by file and content (opsmanual.cache.kept): `manual serve` reads it once per change.
ROSTERS: dict = {}


def load_roster(file: Path) -> Roster:
    file = Path(file)
    key = (str(file.resolve()), hashlib.sha256(file.read_bytes()).hexdigest()) if file.is_file() else None
    return kept(ROSTERS, key, lambda: _load_roster(file), 4) if key else _load_roster(file)


def _load_roster(file: Path) -> Roster:
    document = load(Path(file))
    errors = validate(document, "roster")
    if errors:
        raise DataInvalid(errors)
    people, seen = [], {}
    for index, entry in enumerate(document.data["people"]):
        name = entry["name"]
        if name in seen:
            errors.append(
                document.error(("people", index, "name"), f"{name} 在名册中出现两次（第一次在第 {seen[name]} 行）")
            )
            continue
        seen[name] = document.line(("people", index))
        dates = {key: datetime.date.fromisoformat(entry[key]) if entry.get(key) else None for key in ("from", "until")}
        people.append(
            Person(
                name=name,
                title=entry["title"],
                department=entry.get("department", ""),
                may={action: tuple(entry.get(action, ())) for action in ACTIONS},
                valid_from=dates["from"],
                valid_until=dates["until"],
                line=seen[name],
            )
        )
    if errors:
        raise DataInvalid(errors)
    return Roster(tuple(people), Path(file))


def person_errors(roster: Roster, text: str, action: str, kind: str, on: datetime.date, where) -> list[DataError]:
    """The errors of naming someone for an action on a revision: unknown, or without that authority on that date.

    where(message) makes the DataError at the right file, line and field."""
    if not str(text).strip():
        return [where(f"{ACTIONS[action]}人不能为空：写名册（{roster.source.name}）中的一个人")]
    person = roster.find(text)
    if person is None:
        allowed = "、".join(p.display for p in roster.who_may(action, kind)) or "（名册中没有人）"
        return [where(f"“{text}”不在名册（{roster.source.name}）中；可以{ACTIONS[action]}{kind}的人：{allowed}")]
    if not person.authorised(action, kind, on):
        allowed = "、".join(p.display for p in roster.who_may(action, kind)) or "（名册中没有人）"
        return [
            where(
                f"{person.display} 在 {on} 无权{ACTIONS[action]}{kind}（见 {roster.source.name} 第 {person.line} 行）；"
                f"可以{ACTIONS[action]}的人：{allowed}"
            )
        ]
    return []
