"""An edition: one revision of the manual as a build sees it — its content, the register up to it, what
changed in it and in every revision before it, and the document-control problems that stop it from being
published.

open_edition() is where the data is loaded, checked and compared; the mkdocs plugin and the CLI call it and
hand the result to the renderer. Nothing here renders a page or talks to git.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from functools import cached_property

from ..cache import kept
from ..data.facts import LiteralCheck, sorted_uses, unused_facts
from ..data.register import Context, Register, Revision, Version, load_register
from ..data.roster import Roster, load_roster
from ..data.snapshot import Snapshot, archived, working_tree
from ..data.yamlfile import DataInvalid
from ..project import Project
from . import gates
from .comparison import Comparison, ContentSource, compare


class History:
    """The snapshots of the registered revisions and the comparisons between them, computed when asked for."""

    def __init__(self, project: Project, register: Register, content: ContentSource, built: Snapshot, version: Version):
        self.project = project
        self.register = register
        self.content = content
        self.built = built
        self.version = version
        self._snapshots: dict[Version, Snapshot | None] = {}
        self._comparisons: dict[tuple, Comparison | None] = {}

    def snapshot(self, version: Version) -> Snapshot | None:
        if version == self.version:
            return self.built
        if version not in self._snapshots:
            self._snapshots[version] = archived(self.project, version)
        return self._snapshots[version]

    def previous(self, version: Version) -> Version | None:
        revision = self.register[version]
        before = self.register.previous(revision)
        return before.version if before else None

    def between(self, old: Version | None, new: Version) -> Comparison | None:
        """old → new; None when either snapshot is not in the repository."""
        key = (old, new)
        if key not in self._comparisons:
            old_snapshot = self.snapshot(old) if old else None
            new_snapshot = self.snapshot(new)
            if new_snapshot is None or (old is not None and old_snapshot is None):
                self._comparisons[key] = None
            else:
                self._comparisons[key] = compare(self.content, old_snapshot, new_snapshot)
        return self._comparisons[key]

    def comparison(self, version: Version) -> Comparison | None:
        """What a revision changed: the revision before it → it."""
        return self.between(self.previous(version), version)

    def changes_of(self, subject: str) -> list[tuple[Revision, str]]:
        """The revisions that changed a page or form, newest first, with what the register says of it."""
        found = []
        for revision in self.register:
            if revision.version.is_reissue and self.previous(revision.version) is None:
                found.append((revision, "首次发布"))
                continue
            comparison = self.comparison(revision.version)
            change = revision.change_for(subject)
            if comparison is not None and subject in comparison:
                found.append((revision, change.description if change else "（登记册中没有本页的修订说明）"))
            elif comparison is None and change:
                found.append((revision, change.description))
            elif revision.version.is_reissue:
                found.append((revision, "随本版全面换版重新发布"))
        return found


@dataclass
class Edition:
    project: Project
    snapshot: Snapshot
    register: Register  # up to the revision built
    full_register: Register  # every entry of revisions.yml
    revision: Revision
    roster: Roster | None
    history: History
    draft: bool
    archived: bool  # the revision built is in history/ (published, or shipped to be published)
    today: datetime.date
    problems: list[str] = field(default_factory=list)  # refuse publication (the strict build fails)
    warnings: list[str] = field(default_factory=list)

    @property
    def facts(self):
        return self.snapshot.facts

    @property
    def forms(self):
        return self.snapshot.forms

    @cached_property
    def comparison(self) -> Comparison | None:
        return self.history.comparison(self.revision.version)

    def changed_here(self, subject: str) -> bool:
        comparison = self.comparison
        return bool(comparison and comparison.old is not None and subject in comparison)

    def compare_choices(self) -> list[tuple[Revision, str]]:
        """Every earlier revision with the page (of this build) that compares it with the one built."""
        choices = []
        previous = self.register.previous(self.revision)
        for revision in self.register.revisions[1:]:
            page = (
                f"revisions/{self.revision.version}.md"
                if previous and revision.version == previous.version
                else f"revisions/compare-{revision.version}.md"
            )
            choices.append((revision, page))
        return choices

    @property
    def older_for_compare(self) -> list[Version]:
        previous = self.register.previous(self.revision)
        return [r.version for r in self.register.revisions[1:] if not previous or r.version != previous.version]


def role_names(snapshot: Snapshot) -> frozenset[str] | None:
    roles = snapshot.facts.variables().get("roles")
    return frozenset(fact.text for fact in roles.values()) if roles else None


def load_data(project: Project, snapshot: Snapshot) -> tuple[Register, Roster | None]:
    """The register and the roster, checked against each other and against the content."""
    roster = load_roster(project.roster_file) if project.roster_file.is_file() else None

    archives: dict[Version, Snapshot | None] = {}  # one snapshot per revision: its forms and facts load once

    def page_exists(version: Version, page: str) -> bool | None:
        if snapshot.version == version:
            source = snapshot
        else:
            if version not in archives:
                archives[version] = archived(project, version)
            source = archives[version] or (snapshot if snapshot.is_working_tree else None)
        if source is None:
            return None  # that revision's content is not in the repository
        if page.endswith(".md"):
            return page in source.pages or page in source.generated
        return page in source.forms

    register = load_register(
        project.register_file, Context(roster=roster, role_names=role_names(snapshot), page_exists=page_exists)
    )
    return register, roster


def open_edition(project: Project, content: ContentSource, today: datetime.date, draft: bool = False) -> Edition:
    """Load, check and compare the revision a build makes: the working tree, or history/<build_version>/."""
    if project.build_version:
        version = Version.parse(project.build_version)
        snapshot = archived(project, version)
        if snapshot is None:
            raise DataInvalid([])  # pragma: no cover - the publisher checks the archive first
    else:
        snapshot = working_tree(project)
    _ = snapshot.forms  # load (and check) the facts and forms first: their errors come before the register's
    full, roster = load_data(project, snapshot)
    if project.build_version:
        revision = full[version]
        register = full.up_to(version)
        is_archived = True
    else:
        revision = full.current
        register = full
        is_archived = archived(project, revision.version) is not None
    history = History(project, register, content, snapshot, revision.version)
    edition = Edition(project, snapshot, register, full, revision, roster, history, draft, is_archived, today)
    if not project.build_version:
        check_working_tree(edition)
    return edition


def check_working_tree(edition: Edition) -> None:
    """What the register says of the working tree is true; pages are reviewed in time; facts are not written out."""
    project, register, snapshot = edition.project, edition.register, edition.snapshot
    if edition.archived:
        published = archived(project, edition.revision.version)
        comparison = compare(edition.history.content, published, snapshot)
        edition.problems += gates.unregistered_problems(register, comparison)
    else:
        edition.problems += gates.registration_problems(register, edition.revision, edition.comparison)
    reviews = {}
    for page in snapshot.pages:
        _, meta = snapshot.front_matter(page)
        due = meta.get("review")
        reviews[page] = due if isinstance(due, datetime.date) or due is None else _date(due)
    errors, warnings = gates.review_problems(reviews, edition.today, project.review_warning_days)
    edition.problems += errors
    edition.warnings += warnings
    uses, unused = fact_problems(snapshot)
    edition.problems += [str(use) for use in uses]
    edition.problems += [unused_message(fact) for fact in unused]


#: The facts' literal checks and what they found in each file, by the facts' digest and the file's text
#: (opsmanual.cache.kept): a rebuild after an edit reads again only the file edited.
CHECKS: dict = {}
FOUND: dict = {}


def fact_problems(snapshot: Snapshot):
    """(governed values written out or contradicted, facts nothing uses) in a snapshot's pages and forms."""
    from ..render.renderer import TEMPLATES

    files = sorted(snapshot.docs_dir.rglob("*.md")) + sorted(snapshot.forms_dir.glob("*.yml"))
    texts = [f.read_text(encoding="utf-8") for f in files + sorted(TEMPLATES.glob("*.html"))]
    facts_digest = snapshot.part_digests["facts"]
    check = kept(CHECKS, facts_digest, lambda: LiteralCheck(snapshot.facts), 4)
    uses = []
    for file, text in zip(files, texts):
        key = (facts_digest, str(file), hashlib.sha256(text.encode("utf-8")).hexdigest())
        uses += kept(FOUND, key, lambda file=file, text=text: check.uses_in(file, text), 4000)
    return sorted_uses(uses), unused_facts(snapshot.facts, texts, set(snapshot.generated))


def unused_message(fact) -> str:
    from ..data.yamlfile import shown

    return f"{shown(fact.source)}:{fact.line}: 事实 {fact.path}（{fact.name}）没有任何页面、表格或生成页使用：删除它，或在文中使用"


def _date(text) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(text))
    except ValueError:
        return None
