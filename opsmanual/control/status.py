"""The state of a published revision on a given day: pending, in force, superseded or withdrawn.

A revision published before its effective date is pending (尚未生效) and the revision in force stays the
default; on its effective date it comes into force and the one before it is superseded (已被替代). A pending
revision may be withdrawn (已撤销). The same rules run in the reader's browser (docs/javascripts/manual.js,
from versions.json), and tests/status_cases.json holds the cases both must agree on.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ..data.register import Version

DRAFT = "draft"
PENDING = "pending"
IN_FORCE = "in_force"
SUPERSEDED = "superseded"
WITHDRAWN = "withdrawn"

NAMES = {DRAFT: "草稿", PENDING: "尚未生效", IN_FORCE: "现行", SUPERSEDED: "已被替代", WITHDRAWN: "已撤销"}


@dataclass(frozen=True)
class Dated:
    """What the state of a published version depends on."""

    version: Version
    effective: datetime.date
    withdrawn: datetime.date | None = None


def is_withdrawn(item: Dated, today: datetime.date) -> bool:
    return item.withdrawn is not None and item.withdrawn <= today


def in_force(published: list[Dated], today: datetime.date) -> Dated | None:
    """The newest published revision that has taken effect and is not withdrawn."""
    candidates = [p for p in published if p.effective <= today and not is_withdrawn(p, today)]
    return max(candidates, key=lambda p: p.version, default=None)


def state_of(version: Version, published: list[Dated], today: datetime.date) -> str:
    item = next((p for p in published if p.version == version), None)
    if item is None:
        return DRAFT
    if is_withdrawn(item, today):
        return WITHDRAWN
    if item.effective > today:
        return PENDING
    current = in_force(published, today)
    return IN_FORCE if current is not None and current.version == version else SUPERSEDED


def pending(published: list[Dated], today: datetime.date) -> list[Dated]:
    """Revisions published but not yet in force (nor withdrawn), oldest first."""
    return sorted((p for p in published if p.effective > today and not is_withdrawn(p, today)), key=lambda p: p.version)
