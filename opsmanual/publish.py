"""Publish a revision of the manual: check everything, build once, deploy with mike, record it.

Every refusal happens before the gh-pages branch is touched; a failure after it (a push refused
because another editor published meanwhile) puts gh-pages, main and the tag back as they were.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mike import commands as mike_commands
from mike import mkdocs_utils as mike_mkdocs
from mike.git_utils import GitEmptyCommit

from . import archive, linkcheck
from .forms import load_forms
from .git import GitError, Repository
from .register import Register, Version, load_register
from .yamldata import DataInvalid

PAGES_BRANCH = "gh-pages"
LATEST = "latest"
CONFIG = "mkdocs.yml"


class PublishRefused(Exception):
    """A reason not to publish; nothing was changed."""


@dataclass
class Published:
    version: Version
    title: str
    pages_commit: str
    tag: str


def tag_name(version: Version) -> str:
    return f"manual-{version}"


def published_versions(repo: Repository, branch: str = PAGES_BRANCH) -> list[Version]:
    versions = mike_commands.Versions.loads(repo.read(branch, "versions.json") or "[]")
    found = []
    for info in versions:
        try:
            found.append(Version.parse(str(info.version)))
        except ValueError:
            continue
    return sorted(found)


@contextlib.contextmanager
def working_directory(path: Path):
    # mike's git helpers work in the current directory.
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def build_site(root: Path, site_dir: Path, version: str | None = None) -> None:
    """mkdocs build --strict into site_dir, as mike would build the version (its plugin injected)."""
    env = dict(os.environ)
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "--site-dir", str(site_dir)]
    with working_directory(root), contextlib.ExitStack() as stack:
        if version:
            env["MIKE_DOCS_VERSION"] = version
            config_file = stack.enter_context(mike_mkdocs.inject_plugin(CONFIG))
            command += ["--config-file", config_file]
        result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        problems = [line for line in result.stderr.splitlines() if line.startswith(("ERROR", "WARNING", "  "))]
        raise PublishRefused("strict build failed:\n" + "\n".join(problems or result.stderr.splitlines()[-20:]))


class Publisher:
    def __init__(self, root: Path, remote: str | None = None, log: Callable[[str], None] = print):
        self.root = Path(root).resolve()
        self.repo = Repository(self.root)
        self.remote = remote
        self.log = log
        self.steps = 8
        self.step = 0

    def say(self, message: str) -> None:
        self.step += 1
        self.log(f"[{self.step}/{self.steps}] {message}")

    # -- checks ------------------------------------------------------------------------------
    def load_data(self) -> Register:
        docs = self.root / "docs"
        try:
            forms = load_forms(self.root / "checklists", docs)
            return load_register(self.root / "revisions.yml", docs, set(forms.forms))
        except DataInvalid as exc:
            raise PublishRefused("the manual's data is invalid:\n" + "\n".join(f"  {e}" for e in exc.errors)) from None

    def check_clean(self) -> None:
        dirty = self.repo.uncommitted()
        if dirty:
            shown = "\n".join(f"  {path}" for path in dirty[:20])
            raise PublishRefused(f"the working tree has uncommitted changes; commit them first (git add, git commit):\n{shown}")

    def catch_up_commands(self) -> str:
        """What an editor runs to take in another editor's publication before publishing again."""
        return (f"  git pull --rebase {self.remote} {self.repo.current_branch()}\n"
                f"  git fetch {self.remote} {PAGES_BRANCH}:{PAGES_BRANCH}\n"
                f"  (update revisions.yml if your revision number is now taken)\n"
                f"  manual publish --remote {self.remote}")

    def check_remote(self) -> None:
        """Refuse when another editor has published or pushed since this clone last fetched."""
        try:
            self.repo.fetch(self.remote, f"+refs/heads/*:refs/remotes/{self.remote}/*")
        except GitError as exc:
            raise PublishRefused(f"cannot reach the remote '{self.remote}': {exc}") from None
        branch = self.repo.current_branch()
        for local, theirs in ((PAGES_BRANCH, PAGES_BRANCH), (branch, branch)):
            remote_commit = self.repo.remote_commit(self.remote, theirs)
            local_commit = self.repo.commit_of(local)
            if remote_commit and (local_commit is None or not self.repo.is_ancestor(remote_commit, local_commit)):
                raise PublishRefused(
                    f"the remote '{self.remote}' has changes you do not have on {theirs}: another editor has "
                    f"published or pushed meanwhile. Nothing was published. Bring them in, then publish again:\n"
                    + self.catch_up_commands())

    def check_version(self, register: Register, requested: str | None) -> Version:
        newest = register.current.version
        if requested is not None:
            try:
                version = Version.parse(requested)
            except ValueError as exc:
                raise PublishRefused(str(exc)) from None
            if version not in register:
                raise PublishRefused(f"version {version} is not in the register revisions.yml: "
                                     f"add its entry (newest first) before publishing it")
            if version != newest:
                raise PublishRefused(f"version {version} is not the register's newest entry ({newest}): "
                                     f"only the newest revision can be published")
        version = newest
        published = published_versions(self.repo)
        if version in published or archive.is_archived(self.root, version):
            raise PublishRefused(f"version {version} ({version.title}) is already published, and a published "
                                 f"version never changes: register a new amendment for any correction")
        if published and version < published[-1]:
            raise PublishRefused(f"version {version} is not newer than the last published version {published[-1]}")
        previous = register.previous(register[version])
        if previous and not archive.is_archived(self.root, previous.version):
            raise PublishRefused(f"the previous revision {previous.version} has no archived source in "
                                 f"history/{previous.version}/: publish {previous.version} first")
        return version

    # -- the operation -----------------------------------------------------------------------
    def publish(self, requested: str | None = None) -> Published:
        self.say("checking the working tree")
        self.check_clean()
        if self.remote:
            self.say(f"checking the remote '{self.remote}' for versions published meanwhile")
            self.check_remote()
        else:
            self.steps -= 1
        self.say("validating checklists and the revision register")
        register = self.load_data()
        version = self.check_version(register, requested)
        revision = register[version]
        self.log(f"      publishing {version} {revision.title}: {revision.kind}"
                 f"{'，' + revision.notice if revision.notice else ''}, effective {revision.effective}")
        with tempfile.TemporaryDirectory(prefix="manual-site-") as site_dir:
            self.say("building the site strictly (mkdocs build --strict)")
            build_site(self.root, Path(site_dir), str(version))
            self.say("checking every link and anchor of the build")
            report = linkcheck.check_site(Path(site_dir), version=str(version))
            if not report.ok:
                raise PublishRefused("the link check failed:\n" + report.text())
            return self.deploy(version, revision.title, Path(site_dir))

    def deploy(self, version: Version, title: str, site_dir: Path) -> Published:
        source_commit = self.repo.head()
        pages_before = self.repo.commit_of(PAGES_BRANCH)
        self.say(f"deploying {version} with mike, alias '{LATEST}' moved to it and made the default")
        with working_directory(self.root):
            # mike commits the files of config["site_dir"]: the site just built and checked, as it is. (Its
            # load_config would run every plugin's on_config again, jieba's dictionary included, ~1 s, for
            # this one value; use_directory_urls is read only for redirect aliases, and ours are symlinks.)
            config = {"site_dir": str(site_dir), "use_directory_urls": True}
            with mike_commands.deploy(config, str(version), title, [LATEST], update_aliases=True,
                                      branch=PAGES_BRANCH,
                                      message=f"发布《办事处营运手册》{title}（{version}），源提交 {source_commit[:10]}"):
                pass
            try:
                mike_commands.set_default(LATEST, branch=PAGES_BRANCH, message=f"默认版本指向 {LATEST}")
            except GitEmptyCommit:
                pass  # latest was already the default; it now points to this version
        self.say(f"archiving the source of {version} in history/{version}/ and tagging {tag_name(version)}")
        archive.archive(self.root, version)
        self.repo.commit_all(f"存档已发布的《办事处营运手册》{title}（{version}）的源文件", f"history/{version}")
        self.repo.tag(tag_name(version), source_commit, f"《办事处营运手册》{title}")
        pages_commit = self.repo.commit_of(PAGES_BRANCH)
        if self.remote:
            self.say(f"pushing gh-pages, main and the tag to '{self.remote}'")
            try:
                self.repo.push(self.remote, PAGES_BRANCH, self.repo.current_branch(), f"refs/tags/{tag_name(version)}")
            except GitError as exc:
                self.undo(version, source_commit, pages_before)
                raise PublishRefused(
                    f"the push to '{self.remote}' was refused ({exc}); another editor probably published "
                    f"meanwhile. Your local gh-pages, main and tags are back as they were. Run:\n"
                    + self.catch_up_commands()) from None
        self.log(f"published {version} {title}: gh-pages {pages_commit[:10]}, tag {tag_name(version)}")
        return Published(version, title, pages_commit, tag_name(version))

    def undo(self, version: Version, source_commit: str, pages_before: str | None) -> None:
        self.repo.run("tag", "-d", tag_name(version), check=False)
        self.repo.run("reset", "--quiet", "--hard", source_commit)
        self.repo.set_ref(f"refs/heads/{PAGES_BRANCH}", pages_before)
