"""The only place that talks to git (mike's own git helpers aside, which publish/pages.py drives).

Failures are classified, so that publishing can say what happened in Chinese: another editor pushed first,
a hook or the server refused, no permission, no network, a lock file left by an interrupted git, a full disk,
a read-only repository.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Chinese paths as they are (git quotes them as "\350\215\211…" by default), messages in a stable language.
GIT = ["git", "-c", "core.quotepath=off", "-c", "advice.detachedHead=false"]
ENV = {"LC_ALL": "C", "LANG": "C"}


@dataclass(frozen=True)
class Failure:
    kind: str  # rejected, hook, permission, network, lock, disk_full, read_only, other
    text: str


KINDS = (
    ("rejected", r"\[rejected\]|non-fast-forward|fetch first|failed to push some refs.*\n.*Updates were rejected"),
    ("hook", r"hook declined|pre-receive hook|\[remote rejected\]"),
    ("lock", r"index\.lock|\.lock': File exists|Unable to create '.*\.lock'"),
    ("disk_full", r"No space left on device|ENOSPC|Out of diskspace|write error|error writing (?:commit|tree|blob)"),
    ("read_only", r"Read-only file system"),
    (
        "permission",
        (
            r"Permission denied|permission denied|insufficient permission|403|not allowed|unable to write|"
            r"could not write|Operation not permitted"
        ),
    ),
    (
        "network",
        (
            r"Could not resolve host|Connection refused|Connection timed out|unable to access|"
            r"does not appear to be a git repository|Could not read from remote repository|No such device or address"
        ),
    ),
)

MESSAGES = {
    "rejected": "远程仓库拒绝了推送：那里有你没有的新提交（可能另一位编辑刚刚发布过）",
    "hook": "远程仓库的钩子（hook）拒绝了这次推送",
    "permission": "没有权限（仓库文件或远程仓库拒绝写入）",
    "network": "连不上远程仓库（网络、地址或认证有误）",
    "lock": "仓库被锁定：有一个中断的 git 留下了锁文件",
    "disk_full": "磁盘空间已满",
    "read_only": "仓库所在的文件系统是只读的",
    "other": "git 命令失败",
}


def classify(stderr: str) -> str:
    for kind, pattern in KINDS:
        if re.search(pattern, stderr):
            return kind
    return "other"


class GitError(Exception):
    def __init__(self, command: list[str], stderr: str):
        self.command = command
        self.stderr = stderr.strip()
        self.kind = classify(self.stderr)
        super().__init__(f"git {' '.join(command)}: {self.stderr}")

    @property
    def explanation(self) -> str:
        detail = self.stderr.splitlines()[-1] if self.stderr else ""
        return f"{MESSAGES[self.kind]}（git {self.command[0]}：{detail}）"


class Repository:
    def __init__(self, root: Path):
        self.root = Path(root)

    def run(self, *args: str, check: bool = True, input: str | None = None) -> str:
        try:
            result = subprocess.run(
                [*GIT, *args],
                cwd=self.root,
                capture_output=True,
                text=True,
                input=input,
                env={**os.environ, **ENV},
                check=False,
            )
        except OSError as exc:
            raise GitError(list(args), str(exc)) from None
        if check and result.returncode != 0:
            raise GitError(list(args), "\n".join(part for part in (result.stdout, result.stderr) if part.strip()))
        return result.stdout.rstrip("\n")

    def succeeds(self, *args: str) -> bool:
        return (
            subprocess.run(
                [*GIT, *args], cwd=self.root, capture_output=True, env={**os.environ, **ENV}, check=False
            ).returncode
            == 0
        )

    @property
    def git_dir(self) -> Path:
        return Path(self.run("rev-parse", "--absolute-git-dir"))

    def uncommitted(self) -> list[str]:
        """Changed, staged and untracked (not ignored) files."""
        return [line[3:] for line in self.run("status", "--porcelain", "--untracked-files=all").splitlines()]

    def head(self) -> str:
        return self.run("rev-parse", "HEAD")

    def current_branch(self) -> str:
        return self.run("rev-parse", "--abbrev-ref", "HEAD")

    def commit_of(self, ref: str) -> str | None:
        return self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False) or None

    def read(self, ref: str, path: str) -> str | None:
        result = subprocess.run(
            [*GIT, "show", f"{ref}:{path}"],
            cwd=self.root,
            capture_output=True,
            text=True,
            env={**os.environ, **ENV},
            check=False,
        )
        return result.stdout if result.returncode == 0 else None

    def files_at(self, ref: str, path: str) -> list[str]:
        out = self.run("ls-tree", "-r", "--name-only", ref, "--", path, check=False)
        return out.splitlines() if out else []

    def is_ancestor(self, older: str, newer: str) -> bool:
        return self.succeeds("merge-base", "--is-ancestor", older, newer)

    def remotes(self) -> list[str]:
        return self.run("remote").splitlines()

    def remote_branch(self, remote: str, branch: str) -> str | None:
        """The commit of a branch on a remote, asking the remote (None: it has no such branch)."""
        out = self.run("ls-remote", "--heads", remote, branch)
        line = next((l for l in out.splitlines() if l.endswith(f"refs/heads/{branch}")), "")
        return line.split()[0] if line else None

    def fetch(self, remote: str, *refspecs: str) -> None:
        self.run("fetch", "--quiet", "--tags", remote, *refspecs)

    def remote_commit(self, remote: str, branch: str) -> str | None:
        """The commit of a branch on a remote (after fetch), or None if it has none."""
        return self.commit_of(f"refs/remotes/{remote}/{branch}")

    def add(self, *paths: str) -> None:
        self.run("add", "--", *paths)

    def commit(self, message: str, *paths: str) -> str:
        self.run("commit", "--quiet", "--no-verify", "-m", message, "--", *paths)
        return self.head()

    def tag_commit(self, name: str) -> str | None:
        return self.commit_of(f"refs/tags/{name}")

    def tag(self, name: str, commit: str, message: str) -> None:
        self.run("tag", "-a", name, commit, "-m", message)

    def delete_tag(self, name: str) -> None:
        self.run("tag", "-d", name, check=False)

    def set_ref(self, ref: str, commit: str | None, old: str | None = None) -> None:
        if commit is None:
            self.run("update-ref", "-d", ref)
        elif old:
            self.run("update-ref", ref, commit, old)
        else:
            self.run("update-ref", ref, commit)

    def reset_hard(self, commit: str) -> None:
        self.run("reset", "--quiet", "--hard", commit)

    def push(self, remote: str, *refspecs: str) -> None:
        self.run("push", "--quiet", "--atomic", "--porcelain", remote, *refspecs)

    def worktree_files(self, ref: str, target: Path, leave_out: tuple[str, ...] = ()) -> None:
        """The tree of a commit written into a folder (symlinks kept), without touching the work tree; files whose
        name ends with one of leave_out are not written."""
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            [*GIT, "archive", "--format=tar", ref],
            cwd=self.root,
            capture_output=True,
            env={**os.environ, **ENV},
            check=False,
        )
        if archive.returncode != 0:
            raise GitError(["archive", ref], archive.stderr.decode("utf-8", "replace"))
        import io
        import tarfile

        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            members = [m for m in tar.getmembers() if not (leave_out and m.name.endswith(leave_out))]
            tar.extractall(target, members=members, filter="tar")
