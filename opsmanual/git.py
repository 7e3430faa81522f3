"""The only place that talks to git."""
from __future__ import annotations

import subprocess
from pathlib import Path


class GitError(Exception):
    pass


class Repository:
    def __init__(self, root: Path):
        self.root = Path(root)

    def run(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise GitError(f"git {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
        return result.stdout.rstrip()

    def succeeds(self, *args: str) -> bool:
        return subprocess.run(["git", *args], cwd=self.root, capture_output=True).returncode == 0

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
        result = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=self.root, capture_output=True, text=True)
        return result.stdout if result.returncode == 0 else None

    def is_ancestor(self, older: str, newer: str) -> bool:
        return self.succeeds("merge-base", "--is-ancestor", older, newer)

    def fetch(self, remote: str, *refspecs: str) -> None:
        self.run("fetch", "--quiet", remote, *refspecs)

    def remote_commit(self, remote: str, branch: str) -> str | None:
        """The commit of a branch on a remote (after fetch), or None if it has none."""
        return self.commit_of(f"refs/remotes/{remote}/{branch}")

    def commit_all(self, message: str, *paths: str) -> str:
        self.run("add", "--", *paths)
        self.run("commit", "--quiet", "-m", message, "--", *paths)
        return self.head()

    def tag(self, name: str, commit: str, message: str) -> None:
        self.run("tag", "-a", name, commit, "-m", message)

    def set_ref(self, ref: str, commit: str | None) -> None:
        if commit is None:
            self.run("update-ref", "-d", ref)
        else:
            self.run("update-ref", ref, commit)

    def push(self, remote: str, *refspecs: str) -> None:
        self.run("push", "--quiet", "--atomic", remote, *refspecs)
