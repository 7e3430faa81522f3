"""The source of every published revision, kept on the main branch under history/<version>/.

A fresh clone of main has no gh-pages branch and perhaps no tags, yet a build must show what changed between
revisions, and the whole history must be publishable again. So publishing a version from the working tree
copies its snapshot (docs/*.md, checklists/*.yml, facts/*.yml and the navigation) there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..data.snapshot import NAV_FILE, Snapshot
from ..errors import ManualError


def write_archive(snapshot: Snapshot, target: Path) -> Path:
    """Copy a snapshot into target (history/<version>/); refuses an existing folder."""
    if target.exists():
        raise ManualError(f"{target} 已经存在：这个版本存档过了")
    for path, file in snapshot.files().items():
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, destination)
    (target / NAV_FILE).write_text(snapshot.nav_text(), encoding="utf-8")
    return target


def remove_archive(target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
