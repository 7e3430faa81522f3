"""The published tree, on the gh-pages branch, in mike's layout: one folder per version, versions.json (with
each version's dates in its properties, read by the pages' status bar), the `latest` alias as a symlink to the
revision in force, and our own root files: manifest.json, SHA256SUMS, the currency check page, index.html.
Every text file has its gzip copy beside it (publish/precompress.py), for nginx's gzip_static.

Every change is one commit made with mike's git library (git fast-import), so gh-pages moves from one whole
state to the next or not at all.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from mike import git_utils
from mike.versions import Versions

from ..control.manifest import MANIFEST, SUMS, Manifest
from ..data.register import Version
from .git import GitError, Repository
from .precompress import GZ, compress, compressible

VERSIONS_FILE = "versions.json"
INDEX = """<!DOCTYPE html>
<html lang="zh">
<head><meta charset="utf-8"><title>办事处营运手册</title>
<meta http-equiv="refresh" content="0; url={alias}/"></head>
<body><p><a href="{alias}/">打开现行的《办事处营运手册》</a></p></body>
</html>
"""


@dataclass(frozen=True)
class RootFile:
    path: str
    data: bytes | str


class Pages:
    def __init__(self, repo: Repository, branch: str, alias: str):
        self.repo = repo
        self.branch = branch
        self.alias = alias

    @property
    def ref(self) -> str:
        return f"refs/heads/{self.branch}"

    def commit(self) -> str | None:
        return self.repo.commit_of(self.ref)

    def exists(self) -> bool:
        return self.commit() is not None

    def versions(self, at: str | None = None) -> Versions:
        text = self.repo.read(at or self.ref, VERSIONS_FILE)
        return Versions.loads(text) if text else Versions()

    def published(self, at: str | None = None) -> list[Version]:
        found = []
        for info in self.versions(at):
            try:
                found.append(Version.parse(str(info.version)))
            except ValueError:
                continue
        return sorted(found)

    def manifest(self, at: str | None = None) -> Manifest:
        return Manifest.loads(self.repo.read(at or self.ref, MANIFEST))

    def default(self) -> Version | None:
        """The version the alias points to."""
        for info in self.versions():
            if self.alias in info.aliases:
                return Version.parse(str(info.version))
        return None

    def checkout(self, target: Path) -> Path:
        """The published tree written into a folder (for the link check of a new version beside it), without the
        .gz copies: no page links to them, and they are half the files."""
        if self.exists():
            self.repo.worktree_files(self.ref, target, leave_out=(GZ,))
        else:
            target.mkdir(parents=True, exist_ok=True)
        return target

    def root_files(self, versions: Versions, manifest: Manifest) -> tuple[RootFile, ...]:
        """The files at the root of the published tree, beside the version folders."""
        return (
            RootFile(VERSIONS_FILE, versions.dumps() + "\n"),
            RootFile(MANIFEST, manifest.dumps()),
            RootFile(SUMS, manifest.sums()),
            RootFile("index.html", INDEX.format(alias=self.alias)),
            RootFile(".nojekyll", ""),
        )

    def write(
        self,
        message: str,
        *,
        manifest: Manifest,
        default: Version,
        site_dir: Path | None = None,
        version: Version | None = None,
        title: str = "",
        root_files: tuple[RootFile, ...] = (),
    ) -> str:
        """One commit: a version's site (when given), versions.json with every version's properties from the
        manifest, the alias moved to `default`, and the root files."""
        versions = self.versions()
        if version is not None:
            versions.add(str(version), title)
        for info in versions:
            item = manifest.versions.get(Version.parse(str(info.version)))
            if item is not None:
                info.properties = version_properties(item)
        if versions.find(str(default)) is None:
            raise GitError(["write"], f"version {default} is not published")
        for info in versions:
            info.aliases.discard(self.alias)
        versions[str(default)].aliases.add(self.alias)
        try:
            self._commit(message, versions, default, site_dir, version, root_files, manifest)
        except git_utils.GitError as exc:  # mike's: git fast-import refused or died (a full disk, a read-only .git)
            raise GitError(["fast-import"], f"{exc}\n{getattr(exc, 'stderr', '') or ''}") from None
        return self.commit()

    def _commit(self, message, versions, default, site_dir, version, root_files, manifest) -> None:
        with contextlib.chdir(self.repo.root), git_utils.Commit(self.branch, message, allow_empty=True) as commit:
            if site_dir is not None and version is not None:
                destination = str(version)
                commit.delete_files([destination])
                for file in git_utils.walk_real_files(str(site_dir)):
                    commit.add_file(file.copy(destination, str(site_dir)))
            commit.delete_files([self.alias])
            commit.add_file(git_utils.FileInfo(self.alias, str(default), mode=0o120000))
            for root_file in self.root_files(versions, manifest) + tuple(root_files):
                commit.add_file(git_utils.FileInfo(root_file.path, root_file.data))
                if compressible(root_file.path):  # versions.json is read by every page: served precompressed
                    data = root_file.data.encode("utf-8") if isinstance(root_file.data, str) else root_file.data
                    commit.add_file(git_utils.FileInfo(root_file.path + GZ, compress(data)))


def version_properties(item) -> dict:
    """What the pages' status bar reads from versions.json: dates, kind, and the withdrawal."""
    entry = item.entry
    properties = {"issued": entry["issued"], "effective": entry["effective"], "kind": entry["kind"]}
    if entry.get("notice"):
        properties["notice"] = entry["notice"]
    if item.changed:
        properties["changed"] = item.changed
    if item.withdrawal:
        properties["withdrawn"] = item.withdrawal["date"]
        properties["withdrawal_notice"] = item.withdrawal["notice"]
    return properties
