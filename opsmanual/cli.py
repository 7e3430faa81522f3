"""The `manual` command: what HQ editors, cron and CI run. Argument parsing and printing only; the work is done
by the modules it calls. Every expected failure is printed in Chinese, without a traceback."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path

from . import linkcheck
from .errors import ManualError, explain_os_error
from .project import Project, find_root, today

DESCRIPTION = "编写、检查和发布《办事处营运手册》。"
EPILOG = """常用命令：
  ./manual serve                 在 http://127.0.0.1:8000 预览工作区（每页标明“草稿预览”）
  ./manual check                 校验数据、严格构建、检查链接（提交前运行；CI 运行全部测试，包括它）
  ./manual publish --remote origin   发布登记册中尚未发布的修订并推送
  ./manual test                  安装全部依赖并运行全部测试（CI 运行的就是它）
"""


def say(line: str = "") -> None:
    print(line, flush=True)


def fail(message: str) -> int:
    print(message, file=sys.stderr, flush=True)
    return 1


def validate(project: Project) -> int:
    from .control.edition import load_data
    from .data.snapshot import working_tree
    from .data.yamlfile import DataInvalid

    snapshot = working_tree(project)
    try:
        forms = snapshot.forms
        register, roster = load_data(project, snapshot)
    except DataInvalid as exc:
        return fail("数据有误：\n" + "\n".join(f"  {e}" for e in exc.errors))
    people = f"，名册 {len(roster.people)} 人" if roster else ""
    say(
        f"数据无误：{len(forms)} 张表格，{len(list(snapshot.facts))} 个事实，{len(register)} 次修订{people}"
        f"（最新 {register.current.version} {register.current.title}）"
    )
    return 0


def facts(project: Project) -> int:
    from .control.edition import fact_problems, unused_message
    from .data.snapshot import working_tree
    from .data.yamlfile import DataInvalid

    snapshot = working_tree(project)
    try:
        uses, unused = fact_problems(snapshot)
    except DataInvalid as exc:
        return fail("事实文件有误：\n" + "\n".join(f"  {e}" for e in exc.errors))
    for use in uses:
        say(str(use))
    for fact in unused:
        say(unused_message(fact))
    contradictions = sum(use.contradicts for use in uses)
    say(
        f"{len(list(snapshot.facts))} 个事实；{len(uses)} 处直接写出的受控数值（其中 {contradictions} 处矛盾）；{len(unused)} 个未使用的事实"
    )
    return 1 if uses or unused else 0


def changes(project: Project) -> int:
    """What changed in the working tree since the last archived revision, as the lines of a register entry."""
    from .control.edition import open_edition
    from .data.yamlfile import DataInvalid
    from .render.content import SnapshotContent

    try:
        edition = open_edition(
            project, SnapshotContent(project.markdown_extensions, project.mdx_configs), today(), draft=True
        )
    except DataInvalid as exc:
        return fail("数据有误：\n" + "\n".join(f"  {e}" for e in exc.errors))
    comparison = edition.comparison
    if edition.archived:
        from .control.comparison import compare
        from .data.snapshot import archived

        comparison = compare(edition.history.content, archived(project, edition.revision.version), edition.snapshot)
    if comparison is None or not comparison.changed:
        say("与上一个已存档的版本相比，页面和表格都没有改动。")
        return 0
    registered = set(edition.revision.pages) if not edition.archived else set()
    say(
        f"与 {comparison.old.label if comparison.old else '（无）'} 相比有改动的页面和表格（可粘贴到 revisions.yml 的 changes）："
    )
    say("    changes:")
    for subject, diff in comparison.diffs.items():
        change = edition.revision.change_for(subject) if subject in registered else None
        say(f"      - page: {subject}    # {diff.title}，{len(diff.operations)} 处{'' if change else '，未登记'}")
        say(f"        description: {change.description if change else PLACEHOLDER}")
    return 0


PLACEHOLDER = "（写明本页改了什么）"
DRAFT_FOLDER = "draft"  # where `manual check` puts its build in a copy of the published tree


def diagrams(project: Project) -> int:
    """Draw every diagram of the working tree and of every archived revision that has no SVG yet."""
    from .data.register import Version
    from .data.snapshot import archived, working_tree
    from .render import diagrams as drawing
    from .render.content import SnapshotContent

    content = SnapshotContent(project.markdown_extensions, project.mdx_configs)
    snapshots = [working_tree(project)]
    for folder in sorted(project.history_dir.glob("*")) if project.history_dir.is_dir() else ():
        try:
            snapshots.append(archived(project, Version.parse(folder.name)))
        except ValueError:
            continue
    store = drawing.Diagrams(project.root / drawing.FOLDER)
    found: list[str] = []
    for snapshot in snapshots:
        for page in snapshot.pages:
            content.markdown.reset()
            found += store.missing(content.markdown.convert(content.source(snapshot, page)))
    found = list(dict.fromkeys(found))
    if not found:
        say("每张流程图都有它的 SVG（diagrams/）。")
        return 0
    say(f"用 Chromium 中的 mermaid 生成 {len(found)} 张流程图的 SVG …")
    written = drawing.render(
        found, store.folder, project.root / "overrides" / "javascripts" / "vendor" / "mermaid.min.js"
    )
    for path in written:
        say(f"  {project.relative(path)}")
    say("完成：把 diagrams/ 中的新文件和页面的改动一起提交。")
    return 0


def check(project: Project, site_dir: Path | None) -> int:
    """Data, strict build, links: of the build, and of the published tree beside it when there is one."""
    from .publish.build import build_site
    from .publish.git import Repository
    from .publish.pages import Pages

    say("[1/3] 校验检查表、事实、修订登记册和人员名册")
    if validate(project):
        return 1
    with tempfile.TemporaryDirectory(prefix="manual-check-") as scratch:
        site = site_dir or Path(scratch) / "site"
        say(f"[2/3] 严格构建（mkdocs build --strict，含文件控制检查）到 {site}")
        pages = Pages(Repository(project.root), project.pages_branch, project.default_alias)
        try:
            published = pages.exists()
        except Exception:  # noqa: BLE001 - not a git repository: no published tree
            published = False
        build_site(project.root, site, publish_as=DRAFT_FOLDER if published else "")
        import json

        for warning in json.loads((site / "manual-build.json").read_text(encoding="utf-8")).get("warnings", []):
            say(f"      注意：{warning}")
        if published:
            say(f"[3/3] 检查每个链接和锚点，连同 {project.pages_branch} 上已发布的 {len(pages.published())} 个版本")
            tree = Path(scratch) / "tree"
            pages.checkout(tree)
            import shutil

            shutil.copytree(site, tree / DRAFT_FOLDER, symlinks=True)
            report = linkcheck.check_published(tree, only=[DRAFT_FOLDER])
            report.versions = [v for v in report.versions] + ["本次构建"]
        else:
            say("[3/3] 检查每个链接和锚点（本仓库没有 gh-pages：指向其他版本的链接无法在这里检查）")
            report = linkcheck.check_site(site)
        say(report.text())
        return 0 if report.ok else 1


def publish(project: Project, version: str | None, remote: str | None) -> int:
    from .publish.publisher import Publisher

    publisher = Publisher(project, remote=remote, log=say)
    published = publisher.publish(version)
    for item in published:
        say(f"已发布 {item.version} {item.title}：标签 {item.tag}")
    if not published:
        say("没有要发布的版本：登记册中的修订都已发布。")
    else:
        say(publisher.summary())
    return 0


def activate(project: Project, remote: str | None) -> int:
    from .publish.publisher import Publisher

    publisher = Publisher(project, remote=remote, log=say)
    publisher.activate()
    say(publisher.summary())
    return 0


def withdraw(project: Project, version: str, remote: str | None) -> int:
    from .publish.publisher import Publisher

    publisher = Publisher(project, remote=remote, log=say)
    publisher.withdraw(version)
    say(f"已撤销 {version}：它的页面仍可阅读，每页标明“已撤销”。")
    say(publisher.summary())
    return 0


def preview(project: Project, address: str) -> int:
    from mike import commands

    from .publish.git import Repository
    from .publish.pages import Pages

    pages = Pages(Repository(project.root), project.pages_branch, project.default_alias)
    if not pages.exists():
        return fail(
            f"本仓库还没有 {project.pages_branch} 分支：先运行 manual publish，或 git fetch origin "
            f"{project.pages_branch}:{project.pages_branch}"
        )
    say(f"在 http://{address}/ 预览 {project.pages_branch} 上已发布的全部版本（Ctrl+C 结束）")
    with contextlib.chdir(project.root):
        commands.serve(address, branch=project.pages_branch, verbose=False)
    return 0


def schemas(project: Project, quiet: bool = False) -> int:
    """Write the editor's schemas (.schemas/) from the roster, the roles and the pages of the working tree."""
    from .data import editor_schemas
    from .data.roster import load_roster
    from .data.snapshot import working_tree
    from .data.yamlfile import DataInvalid

    snapshot = working_tree(project)
    try:
        roster = load_roster(project.roster_file) if project.roster_file.is_file() else None
    except DataInvalid:
        roster = None  # a broken roster: the schemas without its names (manual validate names the error)
    try:
        written = editor_schemas.write(project.root, editor_schemas.for_project(snapshot, roster))
    except DataInvalid as exc:
        return fail("数据有误，编辑器用的模式未写入：\n" + "\n".join(f"  {e}" for e in exc.errors))
    if not quiet:
        say(
            f"已写入编辑器用的模式：{'、'.join(path.relative_to(project.root).as_posix() for path in written)}"
            f"（名册中的人员、岗位、页面和表格编号可自动补全）"
        )
    return 0


def serve(project: Project, address: str) -> int:
    from .serve import serve as run

    schemas(project, quiet=True)
    return run(project, address)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="manual", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = main.add_subparsers(dest="command", required=True, metavar="命令")
    commands.add_parser("serve", help="在 http://127.0.0.1:8000 预览工作区：草稿，出错时页面上显示错误，改好后自动恢复")
    commands.add_parser(
        "validate", help="校验 checklists/*.yml、facts/*.yml、revisions.yml 和 roster.yml（错误指出文件、行和字段）"
    )
    commands.add_parser(
        "changes", help="列出工作区与上一个已存档版本相比有改动的页面和表格，可粘贴到 revisions.yml 的 changes"
    )
    commands.add_parser("diagrams", help="把每张 mermaid 流程图生成 SVG 存入 diagrams/（改过图后运行，需要 Chromium）")
    commands.add_parser(
        "schemas", help="写入编辑器用的模式 .schemas/（名册人员、岗位、页面和表格编号可自动补全；serve 启动时也会写）"
    )
    commands.add_parser("facts", help="列出直接写出的受控数值、与事实矛盾的写法和未使用的事实")
    check_parser = commands.add_parser("check", help="校验数据、严格构建（含文件控制检查）、检查每个链接和锚点")
    check_parser.add_argument("--site-dir", type=Path, help="把构建结果留在这个目录（默认用临时目录）")
    publish_parser = commands.add_parser(
        "publish", help="发布登记册中 gh-pages 尚未有的每个修订，从旧到新；中断后再次运行会完成它"
    )
    publish_parser.add_argument("version", nargs="?", help="最多发布到这个版本（默认：登记册中最新的）")
    publish_parser.add_argument("--remote", help="先从这个 git 远程仓库取回 gh-pages、分支和标签，发布后推送")
    activate_parser = commands.add_parser(
        "activate", help="让 gh-pages 的现行版本（latest）指向今天生效的修订；可每天由 cron 运行，重复运行无副作用"
    )
    activate_parser.add_argument("--remote", help="先取回，切换后推送到这个 git 远程仓库")
    withdraw_parser = commands.add_parser(
        "withdraw", help="撤销一个已发布但尚未生效的修订（先在 revisions.yml 的 withdrawals 中登记）"
    )
    withdraw_parser.add_argument("version")
    withdraw_parser.add_argument("--remote", help="先取回，撤销后推送到这个 git 远程仓库")
    commands.add_parser("preview", help="在 http://127.0.0.1:8000 预览 gh-pages 上已发布的全部版本")
    links = commands.add_parser("linkcheck", help="检查一次构建（目录）或整个已发布树（--published）的链接和锚点")
    links.add_argument("directory", type=Path)
    links.add_argument("--published", action="store_true", help="目录是 gh-pages 的检出（各版本目录和 versions.json）")
    commands.add_parser("test", help="（由 ./manual 脚本处理）安装全部依赖并运行全部测试；CI 运行的就是它")
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    address = os.environ.get("MANUAL_ADDR", "127.0.0.1:8000")
    try:
        if args.command == "linkcheck":
            return linkcheck.main([str(args.directory)] + (["--published"] if args.published else []))
        if args.command == "test":
            return fail("请用 ./manual test 运行测试：它先安装测试需要的一切（Chromium、nginx、中文字体、axe-core）")
        project = Project.load(find_root(Path.cwd()))
        if args.command == "validate":
            return validate(project)
        if args.command == "facts":
            return facts(project)
        if args.command == "schemas":
            return schemas(project)
        if args.command == "changes":
            return changes(project)
        if args.command == "diagrams":
            return diagrams(project)
        if args.command == "check":
            return check(project, args.site_dir)
        if args.command == "publish":
            return publish(project, args.version, args.remote)
        if args.command == "activate":
            return activate(project, args.remote)
        if args.command == "withdraw":
            return withdraw(project, args.version, args.remote)
        if args.command == "preview":
            return preview(project, address)
        if args.command == "serve":
            return serve(project, address)
    except ManualError as exc:
        return fail(f"未完成：{exc}")
    except OSError as exc:
        return fail(f"未完成：{explain_os_error(exc, '运行 manual ' + args.command)}")
    except KeyboardInterrupt:
        return fail("已中断。")
    return 2


if __name__ == "__main__":
    sys.exit(main())
