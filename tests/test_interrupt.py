"""Crash-safe publishing: `manual publish` really interrupted (SIGKILL, as a power cut or `kill -9`) at every point
where it changes the repository, then run again. The repository is left as before or in a state the next run
finds and completes; after it, the publication is whole: gh-pages, the archive commit, the tag, the push."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ENV, add_entry, commit, edit, entry, git, init_repo, manual, mini_project

POINTS = ("archive", "archive-staged", "archived", "tagged", "pages", "deployed")


def prepare(repo: Path) -> None:
    edit(repo / "facts" / "rules.yml", "value: 3, unit: 声", "value: 2, unit: 声")
    add_entry(repo, entry("1.1", {"02-service.md": "电话咨询的接听时限由铃响3声缩短为2声。"}, supersedes="1.0"))
    commit(repo, "第1版第1次修订稿")


def killed(result) -> bool:
    return result.returncode == -signal.SIGKILL


def whole(repo: Path) -> None:
    """What a finished publication of 1.1 leaves."""
    assert [v["version"] for v in json.loads(git(repo, "show", "gh-pages:versions.json"))] == ["1.1", "1.0"]
    assert git(repo, "cat-file", "-p", "gh-pages:latest") == "1.1"
    assert "1.1" in json.loads(git(repo, "show", "gh-pages:manifest.json"))["versions"]
    assert git(repo, "ls-tree", "--name-only", "HEAD", "history/") == "history/1.0\nhistory/1.1"
    assert git(repo, "rev-parse", "manual-1.1^{commit}") == git(repo, "rev-parse", "HEAD~1")
    assert git(repo, "status", "--porcelain") == ""
    git_dir = Path(git(repo, "rev-parse", "--absolute-git-dir"))
    assert not (git_dir / "opsmanual-publish.json").exists() and not (git_dir / "index.lock").exists()
    # exactly one archive commit and one gh-pages commit for 1.1
    assert git(repo, "log", "--format=%s", "main").count("（1.1）的源文件") == 1
    assert git(repo, "log", "--format=%s", "gh-pages").count("（1.1）") == 1


@pytest.fixture
def repo(mini_published) -> Path:
    prepare(mini_published)
    return mini_published


@pytest.mark.parametrize("point", POINTS)
def test_killed_at_each_point_the_next_publish_completes_it(repo, point):
    result = manual(repo, "publish", env={"MANUAL_FAULT": f"kill:{point}"})
    assert killed(result), result.stdout + result.stderr
    if point in ("archive-staged",):
        # interrupted between `git add` and `git commit`: staged files, as git leaves them, and its lock
        git_dir = Path(git(repo, "rev-parse", "--absolute-git-dir"))
        (git_dir / "index.lock").write_text("", encoding="utf-8")
    again = manual(repo, "publish")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "发现一次未完成的发布：版本 1.1" in again.stdout
    whole(repo)


def test_killed_before_anything_changed_leaves_the_repository_as_it_was(tmp_path):
    repo = init_repo(mini_project(tmp_path / "repo"))
    result = manual(repo, "publish", env={"MANUAL_FAULT": "kill:archive"})
    assert killed(result)
    assert git(repo, "branch", "--list", "gh-pages") == ""  # nothing published
    assert git(repo, "status", "--porcelain") == ""
    again = manual(repo, "publish")
    assert again.returncode == 0, again.stdout + again.stderr
    assert git(repo, "cat-file", "-p", "gh-pages:latest") == "1.0"


def test_killed_before_the_push_the_next_publish_pushes(tmp_path):
    origin = tmp_path / "origin.git"
    repo = init_repo(mini_project(tmp_path / "repo"))
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    git(repo, "remote", "add", "origin", str(origin))
    assert manual(repo, "publish", "--remote", "origin").returncode == 0
    prepare(repo)
    assert killed(manual(repo, "publish", "--remote", "origin", env={"MANUAL_FAULT": "kill:push"}))
    assert "1.1" not in git(origin, "show", "gh-pages:versions.json")  # the remote never got it
    again = manual(repo, "publish")  # the journal remembers the remote
    assert again.returncode == 0, again.stdout + again.stderr
    assert "1.1" in git(origin, "show", "gh-pages:versions.json")
    assert git(origin, "rev-parse", "main") == git(repo, "rev-parse", "main")
    assert git(origin, "rev-parse", "manual-1.1") == git(repo, "rev-parse", "manual-1.1")


def can_mount() -> bool:
    """A private mount namespace (root, or a kernel that lets this user make one): for a real read-only file
    system and a real full disk."""
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True, check=False)
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(not can_mount(), reason="no private mount namespace here (unshare --mount)")


def in_namespace(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-ec", script],
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
        timeout=600,
        check=False,
    )


@needs_mounts
def test_a_read_only_repository_is_named_and_nothing_is_half_done(repo):
    """The repository's .git mounted read-only: refused with the reason in Chinese and no traceback; once it is
    writable again the same command publishes."""
    git_dir = git(repo, "rev-parse", "--absolute-git-dir")
    result = in_namespace(
        f"mount --bind '{git_dir}' '{git_dir}'; mount -o remount,bind,ro '{git_dir}'; "
        f"cd '{repo}'; {sys.executable} -m opsmanual.cli publish"
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stdout + result.stderr
    assert "只读" in result.stderr, result.stderr
    assert git(repo, "status", "--porcelain") == "" and "1.1" not in git(repo, "show", "gh-pages:versions.json")
    again = manual(repo, "publish")
    assert again.returncode == 0, again.stdout + again.stderr
    whole(repo)


@needs_mounts
def test_a_full_disk_is_named_and_the_next_publish_completes(repo, tmp_path):
    """The repository on a disk with room for itself and little more: the publication fails with "磁盘空间已满"
    and no traceback; with room again, the next publish completes it."""
    used = int(subprocess.run(["du", "-sk", str(repo)], capture_output=True, text=True, check=False).stdout.split()[0])
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (
        f"mount -t tmpfs -o size={used + 300}k tmpfs '{disk}'; cp -a '{repo}' '{disk}/repo'; cd '{disk}/repo'; "
        f"if {sys.executable} -m opsmanual.cli publish > '{tmp_path}/first.out' 2> '{tmp_path}/first.err'; then echo FIRST-OK; fi; "
        f"mount -o remount,size=512m '{disk}'; "
        f"{sys.executable} -m opsmanual.cli publish > '{tmp_path}/second.out' 2> '{tmp_path}/second.err' && echo SECOND-OK; "
        f"cat '{tmp_path}/first.err'; echo =====; cat '{tmp_path}/second.out' '{tmp_path}/second.err'; git status --porcelain; "
        f"git cat-file -p gh-pages:latest"
    )
    result = in_namespace(script)
    output = result.stdout
    assert "FIRST-OK" not in output and "SECOND-OK" in output, output + result.stderr
    first = output.split("=====")[0]
    assert "磁盘空间已满" in first and "Traceback" not in first, first
    assert output.strip().splitlines()[-1] == "1.1", output


@pytest.mark.parametrize(
    "answer, kind",
    [
        ("fatal: error writing commit", "disk_full"),  # git fast-import (mike's gh-pages commit) on a full disk
        ("error: unable to write file: No space left on device", "disk_full"),
        ("fatal: Unable to create '/r/.git/index.lock': File exists.", "lock"),
        ("error: insufficient permission for adding an object to repository database", "permission"),
        ("fatal: unable to create temporary file: Read-only file system", "read_only"),
    ],
)
def test_git_failures_are_named_for_what_they_are(answer, kind):
    """Where the disk fills decides which git command fails first, so the full-disk test above may meet either
    wording; each is named here."""
    from opsmanual.publish.git import MESSAGES, GitError

    error = GitError(["fast-import"], answer)
    assert error.kind == kind and MESSAGES[kind] in error.explanation, (error.kind, error.explanation)
