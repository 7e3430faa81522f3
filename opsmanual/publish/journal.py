"""The publication journal: what a running `manual publish` is doing, kept in .git/opsmanual-publish.json.

It is written before the first change to the repository and removed after the last, so that a publication
that was interrupted (killed, disk full, read-only repository, a push that never happened) is found by the next
`manual publish`, which completes it: every step checks whether it is done before doing it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

FILE = "opsmanual-publish.json"


@dataclass
class Entry:
    version: str
    from_archive: bool
    source_commit: str  # the commit whose content is published (HEAD before the archive commit)
    branch: str
    branch_before: str  # the branch's commit before the publication
    pages_before: str | None  # gh-pages before the publication
    remote: str | None = None
    run_branch_before: str = ""  # before the first version of this run (to undo a refused push)
    run_pages_before: str | None = None
    steps_done: list[str] = field(default_factory=list)
    archive_digests: dict[str, str] = field(default_factory=dict)

    def done(self, step: str) -> bool:
        return step in self.steps_done


class Journal:
    def __init__(self, git_dir: Path):
        self.path = Path(git_dir) / FILE

    def read(self) -> Entry | None:
        if not self.path.is_file():
            return None
        try:
            return Entry(**json.loads(self.path.read_text(encoding="utf-8")))
        except (ValueError, TypeError):
            return None

    def write(self, entry: Entry) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(entry), ensure_ascii=False, indent=1), encoding="utf-8")
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def step(self, entry: Entry, step: str) -> None:
        if step not in entry.steps_done:
            entry.steps_done.append(step)
        self.write(entry)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
