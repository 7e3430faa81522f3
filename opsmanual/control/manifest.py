"""The published record (manifest.json on gh-pages): for every published revision, its register entry as
published, the SHA-256 of every source file, the source commit and tag, and the SHA-256 of its PDF edition and kit.

Published history is immutable: before anything is built, the register and history/ are verified against it,
and any difference, deleted entry or edited archive is refused with the file and field named. SHA256SUMS,
beside it, lets an auditor check the PDF editions and kits with `sha256sum -c SHA256SUMS`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..data.register import Register, Version
from ..data.snapshot import Snapshot

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
FORMAT = 1
#: The PDFs of a published version, in the order SHA256SUMS lists them.
PDF_KINDS = ("pdf", "forms", "kit")


@dataclass
class PublishedVersion:
    version: Version
    entry: dict  # the register entry as published
    files: dict[str, str]  # archive path -> SHA-256
    source_commit: str
    tag: str
    published_at: str
    pdf: dict | None = None  # {"path": "1.2/manual-1.2.pdf", "sha256": …, "pages": …}
    withdrawal: dict | None = None  # the withdrawal entry, once withdrawn
    changed: list[str] = field(default_factory=list)  # site paths of the pages it changed ("02-service/")
    kit: dict | None = None  # the revision's kit PDF: {"path": "1.2/revisions/1.2-kit.pdf", "sha256": …, "pages": …}
    forms: dict | None = None  # Annex 1 alone, each form numbered on its own: "1.2/forms/forms-1.2.pdf"

    def to_json(self) -> dict:
        data = {
            "entry": self.entry,
            "files": self.files,
            "source_commit": self.source_commit,
            "tag": self.tag,
            "published_at": self.published_at,
            "changed": self.changed,
        }
        for kind in PDF_KINDS:
            if getattr(self, kind):
                data[kind] = getattr(self, kind)
        if self.withdrawal:
            data["withdrawal"] = self.withdrawal
        return data


@dataclass
class Manifest:
    versions: dict[Version, PublishedVersion] = field(default_factory=dict)

    @classmethod
    def loads(cls, text: str | None) -> Manifest:
        if not text:
            return cls()
        data = json.loads(text)
        versions = {}
        for key, item in data.get("versions", {}).items():
            version = Version.parse(key)
            versions[version] = PublishedVersion(
                version,
                item["entry"],
                item["files"],
                item["source_commit"],
                item["tag"],
                item["published_at"],
                item.get("pdf"),
                item.get("withdrawal"),
                item.get("changed", []),
                item.get("kit"),
                item.get("forms"),
            )
        return cls(versions)

    def dumps(self) -> str:
        ordered = sorted(self.versions.items())
        data = {"format": FORMAT, "versions": {str(v): item.to_json() for v, item in ordered}}
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"

    def sums(self) -> str:
        """sha256sum's format: every PDF (edition, Annex 1's forms, kit), relative to the gh-pages root."""
        return "".join(
            f"{pdf['sha256']}  {pdf['path']}\n"
            for _, item in sorted(self.versions.items())
            for pdf in (getattr(item, kind) for kind in PDF_KINDS)
            if pdf
        )

    def __contains__(self, version: Version) -> bool:
        return version in self.versions


def _compare_entry(register: Register, version: Version, published: dict, current: dict) -> list[str]:
    problems = []
    for key in sorted(set(published) | set(current), key=lambda k: list(published).index(k) if k in published else 99):
        if published.get(key) != current.get(key):
            before = json.dumps(published.get(key), ensure_ascii=False) if key in published else "（无）"
            now = json.dumps(current.get(key), ensure_ascii=False) if key in current else "（已删除）"
            problems.append(
                f"{register.where(version, key)}: revisions 中版本 {version} 的 {key} 与发布时不同：发布时为 {before}，"
                f"现在为 {now}。已发布的记录不能修改：改回原样；更正请登记新的修订"
            )
    return problems


def verify(manifest: Manifest, register: Register, archive_of, tag_commit) -> list[str]:
    """Every published revision's register entry and archive as published; the tags where they were.

    archive_of(version) -> Snapshot | None (history/<version>/); tag_commit(name) -> commit | None."""
    problems = []
    entries = {Version.parse(e["version"]): e for e in register.entries}
    withdrawals = {Version.parse(w["version"]): w for w in register.withdrawal_entries}
    for version, item in sorted(manifest.versions.items()):
        entry = entries.get(version)
        if entry is None:
            problems.append(
                f"{register.source.name}: 已发布的版本 {version}（{version.title}）的记录被删除了。已发布的修订不能删除："
                f"按 gh-pages 上 {MANIFEST} 中的记录恢复它"
            )
            continue
        problems += _compare_entry(register, version, item.entry, entry)
        if item.withdrawal:
            current = withdrawals.get(version)
            if current is None:
                problems.append(
                    f"{register.source.name}: 版本 {version} 的撤销记录被删除了。撤销记录不能删除：恢复 withdrawals 中的这一条"
                )
            elif current != item.withdrawal:
                problems.append(
                    f"{register.source.name}: 版本 {version} 的撤销记录与撤销时不同。撤销记录不能修改：改回原样"
                )
        snapshot: Snapshot | None = archive_of(version)
        if snapshot is None:
            problems.append(
                f"history/{version}/ 不存在：已发布版本 {version} 的源文件存档被删除了；从标签 {item.tag} 或远程仓库恢复"
            )
        else:
            problems += _compare_files(version, item, snapshot.digests())
        commit = tag_commit(item.tag)
        if commit is not None and commit != item.source_commit:
            problems.append(
                f"标签 {item.tag} 指向 {commit[:10]}，但版本 {version} 发布时的源提交是 {item.source_commit[:10]}："
                f"已发布的标签不能移动：git tag -f {item.tag} {item.source_commit}"
            )
    return problems


def _compare_files(version: Version, item: PublishedVersion, digests: dict[str, str]) -> list[str]:
    problems = []
    for path in sorted(set(item.files) | set(digests)):
        where = f"history/{version}/{path}"
        if path not in digests:
            problems.append(
                f"{where} 被删除了：已发布的源文件不能删除；用 git checkout {item.tag} -- {path} 之类的命令恢复"
            )
        elif path not in item.files:
            problems.append(f"{where} 是发布后加进存档的：已发布的存档不能增加文件；删除它")
        elif digests[path] != item.files[path]:
            problems.append(
                f"{where} 与发布时不同（SHA-256 {digests[path][:12]}…，发布时 {item.files[path][:12]}…）："
                f"已发布的源文件不能修改；git checkout -- {where} 或从标签 {item.tag} 恢复"
            )
    return problems
