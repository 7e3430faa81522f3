"""Publish the register's revisions: check everything, build each one, record it, and push.

`manual publish` publishes every registered revision that gh-pages lacks, oldest first: the shipped history
from history/<version>/, the newest from the working tree (then archived). Every check comes before the first
change; the changes are made in an order that the journal (publish/journal.py) can always complete:
archive commit → tag → one gh-pages commit → push. An interrupted publication is completed by the next run.
A revision whose effective date has not come is published as pending: the alias (`latest`) stays on the
revision in force until `manual activate` (daily, from cron) moves it.
"""

from __future__ import annotations

import datetime
import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import linkcheck
from ..control import gates
from ..control.edition import load_data
from ..control.manifest import PDF_KINDS, Manifest, PublishedVersion, verify
from ..control.status import PENDING, Dated, in_force, state_of
from ..data.register import Register, Version, read_register
from ..data.snapshot import archived, working_tree
from ..data.yamlfile import DataInvalid
from ..errors import ManualError, explain_os_error
from ..project import Project, today
from . import faults
from .archive import remove_archive, write_archive
from .build import build_site
from .git import GitError, Repository
from .journal import Entry, Journal
from .pages import Pages, RootFile
from .precompress import precompress


class PublishRefused(ManualError):
    """A reason not to publish; nothing was changed (or, after an interruption, the journal says what is left)."""


@dataclass
class Published:
    version: Version
    title: str
    pages_commit: str
    tag: str
    pending: bool


class Progress:
    """Numbered steps in stages ("检查 2/5", then "发布 3/17"): a stage's total is known when it starts."""

    def __init__(self, log: Callable[[str], None]):
        self.log = log
        self.stage = "检查"
        self.total = 0
        self.done = 0

    def plan(self, steps: int, stage: str | None = None) -> None:
        if stage is not None and stage != self.stage:
            self.stage, self.done = stage, 0
        self.total = self.done + steps

    def step(self, message: str) -> None:
        self.done += 1
        self.total = max(self.total, self.done)
        self.log(f"[{self.stage} {self.done}/{self.total}] {message}")

    def note(self, message: str) -> None:
        self.log(f"      {message}")


class Publisher:
    def __init__(
        self,
        project: Project,
        remote: str | None = None,
        log: Callable[[str], None] = print,
        clock: Callable[[], datetime.date] = today,
    ):
        self.project = project
        self.repo = Repository(project.root)
        self.pages = Pages(self.repo, project.pages_branch, project.default_alias)
        self.remote = remote
        self.progress = Progress(log)
        self.clock = clock
        try:
            self.journal = Journal(self.repo.git_dir)
        except GitError as exc:
            raise PublishRefused(
                f"{project.root} 不是 git 仓库（{exc.explanation}）：请在手册的 git 仓库中运行"
            ) from None

    # -- entry points --------------------------------------------------------------------------------
    def publish(self, requested: str | None = None) -> list[Published]:
        try:
            return self._publish(Version.parse(requested) if requested else None)
        except ValueError as exc:
            raise PublishRefused(str(exc)) from None
        except OSError as exc:
            raise explain_os_error(exc, "发布") from None
        except GitError as exc:
            raise PublishRefused(
                f"git 操作失败：{exc.explanation}。已完成的步骤记在 .git/{self.journal.path.name}，"
                f"排除问题后再运行 manual publish 完成发布"
            ) from None

    def activate(self) -> tuple[Version | None, Version]:
        """Move the alias to the revision in force today (idempotent: cron runs it daily). (before, now)."""
        return self._guarded("切换现行版本", self._activate)

    def withdraw(self, version: str) -> Version:
        """Withdraw a published revision that has not taken effect, as its withdrawal entry in the register says."""
        return self._guarded("撤销修订", lambda: self._withdraw(Version.parse(version)))

    def _guarded(self, doing: str, action):
        try:
            return action()
        except ValueError as exc:
            raise PublishRefused(str(exc)) from None
        except OSError as exc:
            raise explain_os_error(exc, doing) from None
        except GitError as exc:
            raise PublishRefused(f"{doing}未完成：{exc.explanation}") from None

    def _prepare_pages_change(self) -> tuple[Register, Manifest]:
        if self.journal.read() is not None:
            raise PublishRefused("有一次发布没有完成：先运行 manual publish 完成它")
        self.progress.plan(4 if self.remote else 3)
        self.progress.step("检查工作区是否已全部提交")
        self.check_clean()
        if self.remote:
            self.progress.step(f"从远程仓库 {self.remote} 取回 gh-pages、分支和标签")
            self.check_remote()
        if not self.pages.exists():
            raise PublishRefused(f"还没有 {self.project.pages_branch}：先发布（manual publish）")
        self.progress.step("核对已发布的历史与发布记录是否一致")
        manifest = self.pages.manifest()
        self.check_history(manifest, self.read_register())
        self.progress.step("校验修订登记册和人员名册")
        register = self.load_register()
        return register, manifest

    def _finish_pages_change(self) -> None:
        if self.remote:
            self.progress.step(f"推送 {self.project.pages_branch} 到 {self.remote}")
            try:
                self.repo.push(self.remote, self.project.pages_branch)
            except GitError as exc:
                raise PublishRefused(
                    f"gh-pages 已在本地更新，但推送到 {self.remote} 失败：{exc.explanation}。"
                    f"排除问题后再运行同一条命令，会只完成推送"
                ) from None

    def _activate(self) -> tuple[Version | None, Version]:
        _register, manifest = self._prepare_pages_change()
        before, now = self.pages.default(), self.default_version(manifest)
        if before == now:
            self.progress.note(f"{self.clock()}：现行版本仍为 {now} {now.title}，不需要切换")
        else:
            self.progress.step(f"{self.clock()}：现行版本由 {before} 切换为 {now} {now.title}")
            self.pages.write(
                f"{self.clock()} 起现行版本为《办事处营运手册》{now.title}（{now}）", manifest=manifest, default=now
            )
        self._finish_pages_change()
        return before, now

    def _withdraw(self, version: Version) -> Version:
        register, manifest = self._prepare_pages_change()
        item = manifest.versions.get(version)
        if item is None:
            raise PublishRefused(f"版本 {version} 没有发布过，不需要撤销：直接从 {register.source.name} 中删去它的记录")
        entry = next((w for w in register.withdrawal_entries if Version.parse(w["version"]) == version), None)
        if entry is None:
            raise PublishRefused(
                f"{register.source.name} 的 withdrawals 中没有版本 {version} 的撤销记录：先登记撤销"
                f"（version、notice 撤销通知的发文编号、date、reason、approved_by），提交后再运行"
            )
        if item.withdrawal:
            self.progress.note(f"版本 {version} 已于 {item.withdrawal['date']} 撤销")
        else:
            effective = datetime.date.fromisoformat(item.entry["effective"])
            if effective <= self.clock():
                raise PublishRefused(f"版本 {version} 已于 {effective} 生效，不能撤销：要更正它，请登记新的修订")
            item.withdrawal = dict(entry)
            default = self.default_version(manifest)
            self.progress.step(f"在 {self.project.pages_branch} 上把 {version} 标为已撤销（{entry['notice']}）")
            self.pages.write(
                f"撤销《办事处营运手册》{version.title}（{version}）：{entry['notice']}",
                manifest=manifest,
                default=default,
            )
        self._finish_pages_change()
        return version

    # -- checks -------------------------------------------------------------------------------------
    def _publish(self, requested: Version | None) -> list[Published]:
        self.progress.plan(6 + (1 if self.remote else 0))
        entry = self.journal.read()
        self.progress.step("检查上次发布是否完整")
        if entry is not None:
            self.remote = self.remote or entry.remote
            self._clean_interrupted(entry)
        self.progress.step("检查工作区是否已全部提交")
        self.check_clean()
        if self.remote:
            self.progress.step(f"从远程仓库 {self.remote} 取回 gh-pages、分支和标签，检查是否有他人新发布")
            self.check_remote()
        else:
            self.check_no_remote_pages()
        self.progress.step("核对已发布的历史（登记册记录、存档源文件、标签）与发布记录是否一致")
        manifest = self.pages.manifest()
        self.check_history(manifest, self.read_register())
        self.progress.step("校验检查表、事实、修订登记册和人员名册")
        register = self.load_register()
        published = self.pages.published()
        if entry is not None:
            return self._resume(entry, register, manifest)
        self.progress.step("确定要发布的版本")
        plan = self.plan(register, published, requested)
        return self._run(plan, register, manifest)

    def check_clean(self) -> None:
        dirty = self.repo.uncommitted()
        if dirty:
            shown = "\n".join(f"  {path}" for path in dirty[:20])
            raise PublishRefused(f"工作区有未提交的改动：先提交（git add、git commit）再发布：\n{shown}")

    def catch_up(self) -> str:
        branch = self.repo.current_branch()
        return (
            f"  git pull --rebase {self.remote} {branch}\n"
            f"  git fetch {self.remote} {self.project.pages_branch}:{self.project.pages_branch} --tags\n"
            f"  （如果你的修订号已被占用，在 revisions.yml 中改用下一个）\n"
            f"  manual publish --remote {self.remote}"
        )

    def check_remote(self) -> None:
        """Fetch gh-pages, the branch and the tags; refuse when the remote has what this clone does not."""
        branch = self.repo.current_branch()
        pages = self.project.pages_branch
        try:
            self.repo.fetch(self.remote, f"+refs/heads/*:refs/remotes/{self.remote}/*")
        except GitError as exc:
            raise PublishRefused(f"无法从远程仓库 {self.remote} 取回：{exc.explanation}") from None
        for local, theirs in ((pages, pages), (branch, branch)):
            remote_commit = self.repo.remote_commit(self.remote, theirs)
            local_commit = self.repo.commit_of(f"refs/heads/{local}")
            if remote_commit is None:
                continue
            if local == pages and local_commit is None:
                self.repo.set_ref(f"refs/heads/{pages}", remote_commit)
                self.progress.note(f"本地没有 {pages}：已从 {self.remote} 取得（{remote_commit[:10]}）")
                continue
            if local_commit is None or not self.repo.is_ancestor(remote_commit, local_commit):
                if local == pages and local_commit and self.repo.is_ancestor(local_commit, remote_commit):
                    self.repo.set_ref(f"refs/heads/{pages}", remote_commit, local_commit)
                    self.progress.note(f"{pages} 已更新到 {self.remote} 上的最新发布（{remote_commit[:10]}）")
                    continue
                raise PublishRefused(
                    f"远程仓库 {self.remote} 的 {theirs} 有你没有的提交：另一位编辑刚刚发布或推送过。"
                    f"本次没有发布任何内容。先取回，再发布：\n" + self.catch_up()
                )

    def check_no_remote_pages(self) -> None:
        """Without --remote, a clone that has no gh-pages must not start a new one beside a remote's."""
        if self.pages.exists():
            return
        for remote in self.repo.remotes():
            try:
                commit = self.repo.remote_branch(remote, self.project.pages_branch)
            except GitError:
                continue
            if commit:
                raise PublishRefused(
                    f"本地没有 {self.project.pages_branch} 分支，但远程仓库 {remote} 有（{commit[:10]}）："
                    f"从零开始发布会丢掉那里已发布的版本。请用 manual publish --remote {remote}，"
                    f"或先运行 git fetch {remote} {self.project.pages_branch}:{self.project.pages_branch} --tags"
                )

    def read_register(self) -> Register:
        """The register as written (its form checked, not its rules): what published history is compared with."""
        try:
            return read_register(self.project.register_file)
        except DataInvalid as exc:
            raise PublishRefused("修订登记册有误：\n" + "\n".join(f"  {e}" for e in exc.errors)) from None

    def load_register(self) -> Register:
        snapshot = working_tree(self.project)
        try:
            _ = snapshot.forms  # the facts and forms first: their errors come before the register's
            register, _ = load_data(self.project, snapshot)
        except DataInvalid as exc:
            raise PublishRefused("手册的数据有误：\n" + "\n".join(f"  {e}" for e in exc.errors)) from None
        return register

    def check_history(self, manifest: Manifest, register: Register) -> None:
        problems = verify(manifest, register, lambda v: archived(self.project, v), self.repo.tag_commit)
        if problems:
            raise PublishRefused("已发布的历史被改动过，不能继续发布：\n" + "\n".join(f"  {p}" for p in problems))

    def plan(self, register: Register, published: list[Version], requested: Version | None) -> gates.Plan:
        archives = {r.version for r in register if archived(self.project, r.version) is not None}
        plan = gates.publication_plan(register, published, archives, requested)
        if isinstance(plan, str):
            raise PublishRefused(plan)
        names = "、".join(f"{v}（{v.title}{'，从存档' if v in plan.from_archive else ''}）" for v in plan.versions)
        self.progress.note(f"将按顺序发布：{names}" if names else "登记册中的修订都已发布")
        return plan

    # -- the publication ----------------------------------------------------------------------------
    def _run(self, plan: gates.Plan, register: Register, manifest: Manifest) -> list[Published]:
        done = []
        steps = sum(4 if v in plan.from_archive else 5 for v in plan.versions) + (1 if self.remote else 0)
        self.progress.plan(steps, "发布")
        branch = self.repo.current_branch()
        run_branch, run_pages = self.repo.head(), self.pages.commit()
        for version in plan.versions:
            entry = Entry(
                version=str(version),
                from_archive=version in plan.from_archive,
                source_commit=self.repo.head(),
                branch=branch,
                branch_before=self.repo.head(),
                pages_before=self.pages.commit(),
                remote=self.remote,
                run_branch_before=run_branch,
                run_pages_before=run_pages,
            )
            done.append(self._one(entry, register, manifest))
            if not self.remote:
                self.journal.clear()
        if self.remote:
            self._push(done)
        return done

    def _resume(self, entry: Entry, register: Register, manifest: Manifest) -> list[Published]:
        version = Version.parse(entry.version)
        self.progress.note(
            f"发现一次未完成的发布：版本 {version}（已完成：{'、'.join(entry.steps_done) or '无'}）。现在完成它。"
        )
        self.progress.plan(5 + (1 if self.remote else 0), "完成")
        done = [self._one(entry, register, manifest)]
        if self.remote:
            self._push(done, entry)
        self.journal.clear()
        rest = gates.publication_plan(
            register,
            self.pages.published(),
            {r.version for r in register if archived(self.project, r.version) is not None},
            None,
        )
        if isinstance(rest, gates.Plan) and rest.versions:
            self.progress.note("登记册中还有未发布的版本：再运行一次 manual publish 发布它们")
        return done

    def _clean_interrupted(self, entry: Entry) -> None:
        """What an interrupted git left behind: a lock file, a half-made archive of the journaled version."""
        lock = self.repo.git_dir / "index.lock"
        if lock.exists():
            lock.unlink()
            self.progress.note("删除了中断的 git 留下的 .git/index.lock")
        if entry.done("archive"):
            return
        target = self.project.archive_dir(entry.version)
        relative = self.project.relative(target)
        self.repo.run("reset", "--quiet", "--", relative, check=False)
        if not self.repo.files_at("HEAD", relative):
            remove_archive(target)
            self.progress.note(f"清除了上次未提交完的存档 {relative}/")

    def _one(self, entry: Entry, register: Register, manifest: Manifest) -> Published:
        version = Version.parse(entry.version)
        revision = register[version]
        pending = revision.effective > self.clock()
        self.progress.note(
            f"版本 {version} {revision.title}：{revision.kind}"
            f"{'，' + revision.notice if revision.notice else ''}，{revision.effective} 起生效"
            f"{'（尚未生效：发布后先不作为现行版本）' if pending else ''}"
        )
        with tempfile.TemporaryDirectory(prefix="manual-publish-") as scratch:
            site = Path(scratch) / "site"
            if version not in self.pages.published():
                self.progress.step(f"严格构建 {version}（mkdocs build --strict）并排版受控版本 PDF")
                build_site(
                    self.project.root,
                    site,
                    from_archive=str(version) if entry.from_archive else "",
                    publish_as=str(version),
                    pdf=faults.with_pdf(),
                )
                edition = build_info(site).get("pdf")
                if edition:
                    self.progress.note(
                        f"受控版本 PDF：{edition['pages']} 页，{edition['bytes'] / 1024 / 1024:.1f} MB，"
                        f"用时 {edition['seconds']} 秒"
                    )
                self.progress.step(f"检查 {version} 的每个链接和锚点（连同已发布的各版本）")
                self.check_links(site, version, manifest, register)
                self.progress.note(precompress(site).text())
            if not entry.from_archive:
                self.progress.step(f"把 {version} 的源文件存档到 history/{version}/ 并提交")
                self.archive(entry, revision.title)
            self.progress.step(f"给 {version} 的源提交打标签 {self.project.tag(version)}")
            self.tag(entry, revision.title)
            if version not in self.pages.published():
                self.progress.step(
                    f"写入 {self.project.pages_branch}：{version}、versions.json、发布记录"
                    f"{'，现行版本指向它' if not pending else ''}"
                )
                self.deploy(entry, site, register, manifest)
            else:
                manifest.versions.setdefault(version, self.pages.manifest().versions[version])
        return Published(version, revision.title, self.pages.commit() or "", self.project.tag(version), pending)

    def check_links(self, site: Path, version: Version, manifest: Manifest, register: Register) -> None:
        """The new version checked in the tree it will be part of: the published versions, the root files and
        versions.json as they will be, and the alias."""
        with tempfile.TemporaryDirectory(prefix="manual-tree-") as scratch:
            tree = self.pages.checkout(Path(scratch) / "tree")
            shutil.rmtree(tree / str(version), ignore_errors=True)
            shutil.copytree(site, tree / str(version), symlinks=True)
            versions = self.pages.versions()
            versions.add(str(version), version.title)
            for root_file in self.pages.root_files(versions, manifest):
                data = root_file.data
                (tree / root_file.path).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
            alias = tree / self.project.default_alias
            if alias.is_symlink() or alias.exists():
                alias.unlink()
            alias.symlink_to(str(version))
            report = linkcheck.check_published(tree, only=[str(version)])
        if not report.ok:
            raise PublishRefused("链接检查未通过，本版本没有发布：\n" + report.text())

    def archive(self, entry: Entry, title: str) -> None:
        if entry.done("archive"):
            return
        self.journal.write(entry)
        faults.checkpoint("archive")
        target = self.project.archive_dir(entry.version)
        relative = self.project.relative(target)
        write_archive(working_tree(self.project), target)
        entry.archive_digests = archived(self.project, Version.parse(entry.version)).digests()
        self.journal.write(entry)
        self.repo.add(relative)
        faults.checkpoint("archive-staged")
        self.repo.commit(f"存档已发布的《办事处营运手册》{title}（{entry.version}）的源文件", relative)
        self.journal.step(entry, "archive")
        faults.checkpoint("archived")

    def tag(self, entry: Entry, title: str) -> None:
        name = self.project.tag(entry.version)
        source = entry.source_commit if not entry.from_archive else entry.branch_before
        existing = self.repo.tag_commit(name)
        if existing == source:
            return
        if existing is not None:
            raise PublishRefused(
                f"标签 {name} 已经存在，指向 {existing[:10]}，不是本次发布的源提交 {source[:10]}："
                f"已发布版本的标签不能移动"
            )
        self.journal.write(entry)
        self.repo.tag(name, source, f"《办事处营运手册》{title}")
        self.journal.step(entry, "tag")
        faults.checkpoint("tagged")

    def deploy(self, entry: Entry, site: Path, register: Register, manifest: Manifest) -> None:
        version = Version.parse(entry.version)
        revision = register[version]
        snapshot = archived(self.project, version)
        info = build_info(site)
        pdfs = {
            kind: {
                "path": f"{version}/{info[kind]['path']}",
                "sha256": info[kind]["sha256"],
                "pages": info[kind]["pages"],
            }
            for kind in PDF_KINDS
            if info.get(kind)
        }
        manifest.versions[version] = PublishedVersion(
            version=version,
            entry=register.entry(version),
            files=snapshot.digests(),
            source_commit=entry.source_commit if not entry.from_archive else entry.branch_before,
            tag=self.project.tag(version),
            published_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            changed=changed_paths(site),
            **pdfs,
        )
        default = self.default_version(manifest)
        self.journal.write(entry)
        faults.checkpoint("pages")
        self.pages.write(
            f"发布《办事处营运手册》{revision.title}（{version}），源提交 {entry.source_commit[:10]}",
            manifest=manifest,
            default=default,
            site_dir=site,
            version=version,
            title=revision.title,
            root_files=root_files(self.project),
        )
        self.journal.step(entry, "pages")
        faults.checkpoint("deployed")

    def summary(self) -> str:
        """Where the published tree stands now: the revision in force, and the ones pending."""
        manifest = self.pages.manifest()
        dated, now = dated_versions(manifest), self.clock()
        current = in_force(dated, now)
        lines = [
            f"{self.project.pages_branch} {self.pages.commit()[:10]}：现行版本 "
            f"{current.version if current else '（无）'} {current.version.title if current else ''}".rstrip()
        ]
        for item in dated:
            if state_of(item.version, dated, now) == PENDING:
                lines.append(
                    f"  {item.version} {item.version.title} 尚未生效：{item.effective} 起由 manual activate 切换为现行版本"
                )
        return "\n".join(lines)

    def default_version(self, manifest: Manifest) -> Version:
        """The revision in force today, or the oldest published one if none has taken effect yet."""
        dated = dated_versions(manifest)
        current = in_force(dated, self.clock())
        return current.version if current else min(manifest.versions)

    def _push(self, done: list[Published], entry: Entry | None = None) -> None:
        self.progress.step(f"推送 {self.project.pages_branch}、分支和标签到 {self.remote}")
        branch = self.repo.current_branch()
        tags = f"refs/tags/{self.project.tag_prefix}*"
        refspecs = [self.project.pages_branch, branch, f"{tags}:{tags}"]
        entry = entry or self.journal.read()
        try:
            faults.checkpoint("push")
            self.repo.push(self.remote, *refspecs)
        except GitError as exc:
            if exc.kind == "rejected" and entry is not None:
                self.undo(entry, done)
                raise PublishRefused(
                    f"推送被拒绝：{exc.explanation}。另一位编辑在此期间发布过；你本地的 gh-pages、"
                    f"{branch} 和标签已恢复原样。请取回后再发布：\n" + self.catch_up()
                ) from None
            raise PublishRefused(
                f"已在本地发布，但推送到 {self.remote} 失败：{exc.explanation}。"
                f"排除问题后运行 manual publish --remote {self.remote}，会只完成推送"
            ) from None
        self.journal.clear()

    def undo(self, entry: Entry, done: list[Published]) -> None:
        """Back to before the run: its tags deleted, the branch and gh-pages where they were."""
        for published in done:
            self.repo.delete_tag(published.tag)
        self.repo.reset_hard(entry.run_branch_before or entry.branch_before)
        self.repo.set_ref(
            f"refs/heads/{self.project.pages_branch}",
            entry.run_pages_before if entry.run_branch_before else entry.pages_before,
        )
        self.journal.clear()


def dated_versions(manifest: Manifest) -> list[Dated]:
    return [
        Dated(
            v,
            datetime.date.fromisoformat(item.entry["effective"]),
            datetime.date.fromisoformat(item.withdrawal["date"]) if item.withdrawal else None,
        )
        for v, item in manifest.versions.items()
    ]


def build_info(site: Path) -> dict:
    """What the plugin says of a build (manual-build.json): the pages it changed, its PDF edition."""
    import json

    info = site / "manual-build.json"
    return json.loads(info.read_text(encoding="utf-8")) if info.is_file() else {}


def changed_paths(site: Path) -> list[str]:
    return build_info(site).get("changed", [])


def root_files(project: Project) -> tuple[RootFile, ...]:
    """The currency check page at the root of the published tree (opened by the QR code on every printed sheet),
    with the state rules the pages use."""
    from ..render.renderer import templates

    scripts = project.root / "overrides" / "javascripts"
    page = templates().get_template("check.html").render(site_name="办事处营运手册")
    return (
        RootFile("check/index.html", page),
        RootFile("check/status.js", (scripts / "status.js").read_text(encoding="utf-8")),
        RootFile("check/check.js", (scripts / "check.js").read_text(encoding="utf-8")),
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
