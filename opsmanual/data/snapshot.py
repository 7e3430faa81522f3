"""A snapshot: the content of one revision of the manual — its pages, forms, facts and navigation.

The working tree is the snapshot being edited; history/<version>/ holds the snapshot of every published
revision, exactly as it was published (docs/*.md, checklists/*.yml, facts/*.yml, nav.yml). Everything that
compares revisions (what changed, redlines, page histories, the published manifest) works on snapshots.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml
from mkdocs.utils.meta import get_data

from ..cache import kept
from .facts import Facts, load_facts
from .forms import FormSet, load_forms
from .register import Version
from .yamlfile import LOADER

WORKING_TREE = "工作区"
NAV_FILE = "nav.yml"
EMBED = re.compile(r"""\{\{\s*form\(\s*["']([A-Z]{3}-\d{2})["']""")
CONTENT = (("docs", "**/*.md"), ("checklists", "*.yml"), ("facts", "*.yml"))
#: Pages generated from the facts: their path in the site -> (title, the renderer's method, the namespace they need).
#: They are pages of the manual like the others: compared, registered and shown in the redline.
#: Pages split into body and front matter, by the file's digest: the versions of a publication share most pages.
FRONT_MATTERS: dict = {}
GENERATED_PAGES = {
    "escalation.md": ("事件分级与上报矩阵", "escalation_matrix", "events"),
    "retention.md": ("记录保存期限表", "retention_schedule", "rules"),
    "calendar.md": ("办事处负责人工作日历", "calendar", "rules"),
    "roles.md": ("岗位指南", "role_guide", "roles"),
    "glossary.md": ("术语表", "glossary", "glossary"),
}


@dataclass(frozen=True)
class Snapshot:
    label: str
    version: Version | None  # None: the working tree
    docs_dir: Path
    forms_dir: Path
    facts_dir: Path
    nav: tuple
    nav_file: Path | None = None  # an archive's nav.yml

    @property
    def is_working_tree(self) -> bool:
        return self.version is None

    @cached_property
    def pages(self) -> tuple[str, ...]:
        """The Markdown pages, as paths under docs/ with forward slashes."""
        return tuple(sorted(p.relative_to(self.docs_dir).as_posix() for p in self.docs_dir.rglob("*.md")))

    @cached_property
    def generated(self) -> dict[str, str]:
        """The pages generated from the facts that this snapshot has: those its navigation lists and whose facts
        it has (an authored page of the same path wins)."""
        variables, listed = self.facts.variables(), pages_in_nav(self.nav)
        return {
            path: title
            for path, (title, _, needs) in GENERATED_PAGES.items()
            if path in listed and path not in self.pages and needs in variables
        }

    @cached_property
    def embedded(self) -> dict[str, str]:
        """Form code -> the page that embeds it ({{ form("SOS-01") }}), for links to the form in its chapter."""
        found = {}
        for page in self.pages:
            for code in EMBED.findall(self.read(page) or ""):
                found.setdefault(code, page)
        return found

    def read(self, page: str) -> str | None:
        file = self.docs_dir / page
        return file.read_text(encoding="utf-8") if file.is_file() else None

    def front_matter(self, page: str) -> tuple[str, dict]:
        """The page's body and its front matter (mkdocs' reading of it); an empty page if it has none."""
        digest = self.file_digests.get(f"docs/{page}")
        if digest is None:
            return get_data(self.read(page) or "")
        return kept(FRONT_MATTERS, digest, lambda: get_data(self.read(page) or ""), 4000)

    @cached_property
    def file_digests(self) -> dict[str, str]:
        """SHA-256 of every file the snapshot reads (the content files, and any checklists/*.yaml the forms loader
        reads too), by its path inside an archive, read once."""
        files = self.files()
        if self.forms_dir.is_dir():
            files.update({f"checklists/{file.name}": file for file in sorted(self.forms_dir.glob("*.yaml"))})
        return {path: hashlib.sha256(file.read_bytes()).hexdigest() for path, file in sorted(files.items())}

    @cached_property
    def part_digests(self) -> dict[str, str]:
        """One digest per part (docs, checklists, facts: its files' paths and digests), and one of the navigation."""
        parts = {name: hashlib.sha256() for name, _ in CONTENT}
        for path, digest in self.file_digests.items():
            parts[path.split("/", 1)[0]].update(f"{path}\0{digest}\0".encode())
        digests = {name: part.hexdigest() for name, part in parts.items()}
        digests["nav"] = hashlib.sha256(repr(self.nav).encode("utf-8")).hexdigest()
        return digests

    @cached_property
    def fingerprint(self) -> str:
        """The digest of everything the snapshot reads: two snapshots with the same one have the same content."""
        return hashlib.sha256("|".join(f"{k}={v}" for k, v in sorted(self.part_digests.items())).encode()).hexdigest()

    @cached_property
    def facts(self) -> Facts:
        key = (str(self.facts_dir), self.part_digests["facts"])
        return kept(_FACTS, key, lambda: load_facts(self.facts_dir))

    @cached_property
    def forms(self) -> FormSet:
        key = (str(self.forms_dir), self.part_digests["checklists"], self.part_digests["facts"], self.pages)
        return kept(_FORMS, key, lambda: load_forms(self.forms_dir, set(self.pages), self.facts.variables()))

    def files(self) -> dict[str, Path]:
        """The content files, by their path inside an archive (docs/…, checklists/…, facts/…)."""
        found = {}
        for name, folder in (("docs", self.docs_dir), ("checklists", self.forms_dir), ("facts", self.facts_dir)):
            pattern = dict(CONTENT)[name]
            for file in sorted(folder.glob(pattern)) if folder.is_dir() else ():
                found[f"{name}/{file.relative_to(folder).as_posix()}"] = file
        return found

    def nav_text(self) -> str:
        return "# 本版的目录（mkdocs.yml 的 nav）\n" + yaml.safe_dump(
            {"nav": list(self.nav)}, allow_unicode=True, sort_keys=False
        )

    def digests(self) -> dict[str, str]:
        """SHA-256 of every content file, and of the navigation."""
        digests = {path: self.file_digests[path] for path in self.files()}
        nav = (
            self.nav_file.read_bytes() if self.nav_file and self.nav_file.is_file() else self.nav_text().encode("utf-8")
        )
        digests[NAV_FILE] = hashlib.sha256(nav).hexdigest()
        return digests


def pages_in_nav(nav) -> set[str]:
    """Every page a navigation (mkdocs.yml's nav) lists."""
    found = set()
    for item in nav or ():
        value = next(iter(item.values())) if isinstance(item, dict) else item
        found |= pages_in_nav(value) if isinstance(value, list) else {value}
    return found


def nav_titles(nav) -> dict[str, str]:
    """The title each page has in a navigation."""
    found = {}
    for item in nav or ():
        title, value = next(iter(item.items())) if isinstance(item, dict) else (item, item)
        found.update(nav_titles(value) if isinstance(value, list) else {value: title})
    return found


#: What this process has read, by content: the facts and forms of a facts and checklists folder as they were, and
#: whole snapshots. A snapshot whose files are unchanged is the same object with everything it has worked out
#: (`manual serve`'s rebuilds, the versions of one publication); a changed file changes the digest, so nothing
#: kept can be stale. Each keeps its latest few.
_FACTS: dict = {}
_FORMS: dict = {}
_SNAPSHOTS: dict = {}


def _read_once(snapshot: Snapshot) -> Snapshot:
    key = (
        snapshot.label,
        str(snapshot.docs_dir),
        str(snapshot.forms_dir),
        str(snapshot.facts_dir),
        snapshot.fingerprint,
    )
    return kept(_SNAPSHOTS, key, lambda: snapshot)


def working_tree(project) -> Snapshot:
    return _read_once(
        Snapshot(WORKING_TREE, None, project.docs_dir, project.forms_dir, project.facts_dir, tuple(project.nav))
    )


def archived(project, version: Version) -> Snapshot | None:
    """The snapshot of a published revision, or None if history/<version>/ is not in the repository."""
    folder = project.archive_dir(version)
    if not folder.is_dir():
        return None
    return archive_snapshot(folder, version)


def archive_snapshot(folder: Path, version: Version) -> Snapshot:
    nav_file = folder / NAV_FILE
    nav = (
        (yaml.load(nav_file.read_text(encoding="utf-8"), Loader=LOADER) or {}).get("nav", [])
        if nav_file.is_file()
        else []
    )
    return _read_once(
        Snapshot(str(version), version, folder / "docs", folder / "checklists", folder / "facts", tuple(nav), nav_file)
    )
