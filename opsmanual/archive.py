"""The source of every published revision, kept on main under history/<version>/.

A fresh clone of main has no gh-pages branch and perhaps no tags, yet a build must show what changed
between revisions. So publishing a version copies the manual's source (docs/*.md, checklists/*.yml)
here, and the redlines are computed from these copies and the working tree.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

ARCHIVE_DIR = "history"
ARCHIVED = (("docs", "**/*.md"), ("checklists", "*.yml"))


def archive_path(root: Path, version) -> Path:
    return Path(root) / ARCHIVE_DIR / str(version)


def is_archived(root: Path, version) -> bool:
    return archive_path(root, version).is_dir()


def archive(root: Path, version) -> Path:
    """Copy the source of the working tree into history/<version>/; returns that folder."""
    root = Path(root)
    target = archive_path(root, version)
    if target.exists():
        raise FileExistsError(f"{target} already exists: version {version} was archived before")
    for folder, pattern in ARCHIVED:
        for file in sorted((root / folder).glob(pattern)):
            destination = target / file.relative_to(root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, destination)
    return target


def source_text(root: Path, page: str, version=None) -> str | None:
    """The text of a page (docs path) or form (code) as it stood in a version; None if absent.

    version None means the working tree."""
    base = Path(root) if version is None else archive_path(root, version)
    if page.endswith(".md"):
        file = base / "docs" / page
        return file.read_text(encoding="utf-8") if file.is_file() else None
    file = base / "checklists" / f"{page.lower()}.yml"
    return form_as_text(file.read_text(encoding="utf-8")) if file.is_file() else None


def form_as_text(yaml_text: str) -> str:
    """A form as readable paragraphs, so that its redline reads like the printed form."""
    data = yaml.load(yaml_text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    blocks = [f"# {data.get('code', '')} {data.get('title', '')}"]
    for key, label in (("roles", "使用岗位"), ("frequency", "频次"), ("purpose", "用途")):
        value = data.get(key)
        if value:
            blocks.append(f"{label}：{'、'.join(value) if isinstance(value, list) else value}")
    blocks += [f"填写说明：{line}" for line in data.get("instructions", ())]
    for section in data.get("sections", ()):
        blocks.append(f"## {section.get('title', '')}")
        for item in section.get("items", ()):
            note = f"（备注：{item['note']}）" if item.get("note") else ""
            blocks.append(f"{item.get('id')} {item.get('text')}——标准：{item.get('standard')}{note}")
    if data.get("columns"):
        blocks.append("栏目：" + "｜".join(c.get("title", "") for c in data["columns"]))
        blocks.append(f"空白行数：{data.get('rows')}")
    def labels(key):
        return "、".join(f if isinstance(f, str) else f.get("label", "") for f in data.get(key, ()))
    blocks.append("表头：" + labels("header_fields"))
    blocks.append("签字栏：" + labels("signoff"))
    return "\n\n".join(blocks)
