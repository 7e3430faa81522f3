"""The rules of document control, as pure functions: each takes what it judges and returns the problems
it finds, in Chinese, naming the file and what to do. The build, `manual check` and `manual publish` apply
them; nothing here reads a file or talks to git.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ..data.register import Register, Revision, Version
from .comparison import Comparison


def label(subject: str) -> str:
    return f"页面 {subject}" if subject.endswith(".md") else f"表格 {subject}"


def registration_problems(register: Register, revision: Revision, comparison: Comparison | None) -> list[str]:
    """A revision's entry names exactly the pages and forms that changed since the revision before it."""
    if comparison is None or comparison.old is None:
        return []  # the first edition: everything is new, its entry describes the issue as a whole
    where = register.where(revision.version)
    changed = set(comparison.changed)
    named = set(revision.pages)
    problems = []
    for subject in sorted(changed - named):
        diff = comparison.get(subject)
        what = {"added": "是新增的", "removed": "被删除了"}.get(diff.status, "有改动")
        problems.append(
            f"{where}: {label(subject)}（{diff.title}）与 {comparison.old.label} 相比{what}，但版本 {revision.version} "
            f"的 changes 没有列出它：在 changes 中加一条 page: {subject}，写明改了什么（或撤回这处改动）"
        )
    for subject in sorted(named - changed):
        problems.append(
            f"{where}: 版本 {revision.version} 的 changes 列了 {label(subject)}，但它与 {comparison.old.label} "
            f"相比没有改动：删去这一条，或完成这处修改"
        )
    return problems


def unregistered_problems(register: Register, comparison: Comparison) -> list[str]:
    """The working tree, when the register's newest revision is already published, must be that revision."""
    newest = register.current.version
    problems = []
    for subject, diff in sorted(comparison.diffs.items()):
        problems.append(
            f"{label(subject)}（{diff.title}）与已发布的 {newest} 不同，但没有登记：在 {register.source.name} "
            f"顶部登记新的修订 {newest.next_amendment()}（或新版 {newest.next_edition()}）并列出它"
        )
    return problems


@dataclass(frozen=True)
class Plan:
    """Which registered versions a publication publishes, oldest first, and where each one's source is."""

    versions: tuple[Version, ...]
    from_archive: frozenset[Version]  # published from history/<version>/; the rest from the working tree


def publication_plan(
    register: Register, published: list[Version], archived: set[Version], requested: Version | None
) -> Plan | str:
    """Every registered version that is not published yet, up to the requested one (default: the newest).

    Refused (a str) when the published versions are not the register's oldest ones in order, when the request
    is not registered or already published, or when an older version to publish has no archived source."""
    registered = sorted(r.version for r in register)
    unknown = [v for v in published if v not in registered]
    if unknown:
        return (
            f"gh-pages 上已发布的版本 {'、'.join(map(str, unknown))} 不在修订登记册中：已发布的修订不能删除，"
            f"请恢复 {register.source.name} 中的记录"
        )
    if published != registered[: len(published)]:
        return (
            f"已发布的版本 {'、'.join(map(str, published))} 不是登记册中按顺序最早的几个版本：请检查 gh-pages 与登记册"
        )
    if requested is None and registered[-1] in published:
        return Plan((), frozenset())  # nothing to publish
    target = requested or registered[-1]
    if target not in registered:
        return f"版本 {target} 不在修订登记册 {register.source.name} 中：先在顶部登记它，再发布"
    if target in published:
        return (
            f"版本 {target}（{target.title}）已经发布过；已发布的版本不能更改：如需更正，"
            f"请登记新的修订 {registered[-1].next_amendment()}"
        )
    versions = tuple(v for v in registered[len(published) :] if not target < v)
    missing = [v for v in versions if v != registered[-1] and v not in archived]
    if missing:
        return (
            f"版本 {'、'.join(map(str, missing))} 尚未发布，也没有源文件存档（history/<版本>/），无法补发："
            f"请从发布它的仓库取回存档"
        )
    return Plan(versions, frozenset(v for v in versions if v in archived))


def review_problems(
    reviews: dict[str, datetime.date | None], today: datetime.date, warn_days: int
) -> tuple[list[str], list[str]]:
    """(errors, warnings): pages whose next review date has passed, or comes within warn_days, or is missing."""
    errors, warnings = [], []
    for page, due in sorted(reviews.items()):
        if due is None:
            errors.append(f"页面 {page} 的页首没有下次复审日期（review: YYYY-MM-DD）")
        elif due < today:
            errors.append(
                f"页面 {page} 应在 {due} 前复审，已过期 {(today - due).days} 天：复审后更新页首的 review 日期"
            )
        elif (due - today).days <= warn_days:
            warnings.append(f"页面 {page} 应在 {due} 前复审（还有 {(due - today).days} 天）")
    return errors, warnings
