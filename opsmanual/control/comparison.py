"""What changed between two snapshots of the manual, page by page and form by form, block by block.

This one comparison decides everything that says what a revision changed: the register check (every changed
page or form is named in the revision's entry, every named one changed), the redline, the page histories,
the "本页有修订" marks and the change bars. The content comes from a ContentSource, which renders a snapshot's
pages and forms the way a reader sees them (opsmanual.render.content); two texts whose rendered sources are
equal are unchanged without being rendered.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from typing import Protocol

from ..cache import kept
from ..data.snapshot import Snapshot
from ..render.blocks import Block


class ContentSource(Protocol):
    def subjects(self, snapshot: Snapshot) -> dict[str, str]:
        """Every page (docs path) and form (code) of a snapshot, with its title."""

    def source(self, snapshot: Snapshot, subject: str) -> str | None:
        """A subject's resolved source (variables written in), or None if the snapshot does not have it."""

    def blocks(self, snapshot: Snapshot, subject: str) -> list[Block]:
        """A subject as blocks of rendered content."""


@dataclass(frozen=True)
class Operation:
    tag: str  # "insert", "delete", "replace"
    old: tuple[Block, ...]
    new: tuple[Block, ...]
    heading: str = ""  # the heading it stands under, for orientation


@dataclass(frozen=True)
class SubjectDiff:
    subject: str  # 02-service.md or SOS-02
    title: str
    status: str  # "added", "removed", "changed"
    operations: tuple[Operation, ...]
    old_blocks: tuple[Block, ...] = ()
    new_blocks: tuple[Block, ...] = ()

    @property
    def is_form(self) -> bool:
        return not self.subject.endswith(".md")

    @property
    def changed_blocks(self) -> tuple[Block, ...]:
        """The blocks of the new text that are new or changed: where change bars go."""
        return tuple(block for op in self.operations for block in op.new)


@dataclass
class Comparison:
    old: Snapshot | None
    new: Snapshot
    diffs: dict[str, SubjectDiff] = field(default_factory=dict)

    @property
    def changed(self) -> list[str]:
        return list(self.diffs)

    def __contains__(self, subject: str) -> bool:
        return subject in self.diffs

    def get(self, subject: str) -> SubjectDiff | None:
        return self.diffs.get(subject)

    def page_of(self, subject: str) -> str:
        """The page a subject is read on: a page itself, a form the chapter that embeds it (in the newer text, or
        in the older one for a removed form)."""
        if subject.endswith(".md"):
            return subject
        for snapshot in (self.new, self.old):
            form = snapshot.forms.forms.get(subject) if snapshot is not None else None
            if form is not None:
                return form.page
        return "forms/index.md"

    def by_page(self) -> dict[str, list[SubjectDiff]]:
        """The changes grouped by the page they are read on (a chapter with the forms it embeds), in the order of
        the comparison: one redline page each, so that no page of the site carries every change of a revision."""
        groups: dict[str, list[SubjectDiff]] = {}
        for subject, diff in self.diffs.items():
            groups.setdefault(self.page_of(subject), []).append(diff)
        return groups


def diff_blocks(old: list[Block], new: list[Block]) -> tuple[Operation, ...]:
    matcher = difflib.SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    operations, heading, seen = [], "", 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for block in new[seen:j1]:
            if block.kind == "heading":
                heading = block.text
        seen = j1
        if tag != "equal":
            operations.append(Operation(tag, tuple(old[i1:i2]), tuple(new[j1:j2]), heading))
    return tuple(operations)


#: Comparisons already made in this process, by the content compared (opsmanual.cache.kept).
COMPARED: dict = {}


def compare(content: ContentSource, old: Snapshot | None, new: Snapshot) -> Comparison:
    """Every page and form that differs between old and new (None: nothing before, all is new)."""
    key = (getattr(content, "rendering", id(content)), old.fingerprint if old else None, new.fingerprint)
    return kept(COMPARED, key, lambda: _compare(content, old, new), 16)


def _compare(content: ContentSource, old: Snapshot | None, new: Snapshot) -> Comparison:
    comparison = Comparison(old, new)
    new_subjects = content.subjects(new)
    old_subjects = content.subjects(old) if old else {}
    for subject in list(old_subjects) + [s for s in new_subjects if s not in old_subjects]:
        before = content.source(old, subject) if old and subject in old_subjects else None
        after = content.source(new, subject) if subject in new_subjects else None
        if before == after:
            continue
        title = new_subjects.get(subject) or old_subjects.get(subject, subject)
        key = (
            getattr(content, "rendering", id(content)),
            subject,
            title,
            _digest(before),
            _digest(after),
            old.part_digests["facts"] if old else None,
            new.part_digests["facts"],
        )
        diff = kept(
            DIFFED,
            key,
            lambda subject=subject, before=before, after=after, title=title: _diff(
                content, old, new, subject, title, before, after
            ),
            4000,
        )
        if diff is not None:
            comparison.diffs[subject] = diff
    return comparison


#: Each subject's diff, by its two sources (and the facts a form is rendered with): a new comparison after an edit
#: diffs again only the subjects the edit changed.
DIFFED: dict = {}


def _digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def _diff(
    content: ContentSource,
    old: Snapshot | None,
    new: Snapshot,
    subject: str,
    title: str,
    before: str | None,
    after: str | None,
) -> SubjectDiff | None:
    old_blocks = content.blocks(old, subject) if before is not None else []
    new_blocks = content.blocks(new, subject) if after is not None else []
    operations = diff_blocks(old_blocks, new_blocks)
    if before is not None and after is not None and not operations:
        return None  # the source changed, the words a reader sees did not (spacing, line breaks)
    status = "added" if before is None else "removed" if after is None else "changed"
    return SubjectDiff(subject, title, status, operations, tuple(old_blocks), tuple(new_blocks))
