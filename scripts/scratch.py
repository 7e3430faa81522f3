"""What the benchmarks share: the environment their commands run in (this tree's opsmanual, a benchmark's git
identity, no draft flag or mike version from the caller's shell) and a scratch repository of HEAD to publish from."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {k: v for k, v in os.environ.items() if k not in ("MANUAL_DRAFT", "MIKE_DOCS_VERSION")} | {
    "NO_MKDOCS_2_WARNING": "1",
    "PYTHONPATH": str(ROOT),  # this tree's opsmanual, not the one installed in the venv
    "GIT_AUTHOR_NAME": "基准",
    "GIT_AUTHOR_EMAIL": "bench@manual.invalid",
    "GIT_COMMITTER_NAME": "基准",
    "GIT_COMMITTER_EMAIL": "bench@manual.invalid",
}


def repository(target: Path, message: str = "基准") -> Path:
    """HEAD's committed files (git archive) as a new repository at target, in one commit on main."""
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    for command in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-qm", message]):
        subprocess.run(command, cwd=target, env=ENV, check=True, capture_output=True)
    return target
