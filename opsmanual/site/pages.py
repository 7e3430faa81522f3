"""The pages the plugin adds to a build: Annex 1 and each form's page, the register, what changed in each
revision and its paper kit, comparisons with earlier revisions, and the pages generated from the facts.

A generated page is a file whose front matter is written with YAML's safe dumper (any title is safe) and whose
body the renderer makes when mkdocs reaches the page; no macro call is written as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from ..data.snapshot import GENERATED_PAGES, nav_titles, pages_in_nav  # noqa: F401 (used by the plugin)
from ..data.yamlfile import DUMPER
from ..render.renderer import redline_page

FORMS_INDEX = "forms/index.md"
PRINT_ALL = "forms/print-all.md"
REGISTER = "revisions/index.md"


@dataclass(frozen=True)
class GeneratedPage:
    src: str
    title: str
    method: str  # the Renderer method that makes its body
    args: tuple = ()
    meta: dict = field(default_factory=dict)
    kind: str = "generated"  # form, revision, kit, compare, index, register, content
    in_nav: bool = True  # listed in the navigation (else reached by links only)

    def source(self) -> str:
        meta = {"title": self.title, **self.meta}
        return "---\n" + yaml.dump(meta, Dumper=DUMPER, allow_unicode=True, sort_keys=False) + "---\n"


def _redline_pages(
    prefix: str, comparison, method: str, args: tuple, heading: str, titles: dict
) -> list[GeneratedPage]:
    if comparison is None or comparison.old is None:
        return []
    return [
        GeneratedPage(
            redline_page(prefix, page),
            f"{heading}：{titles.get(page, page)}",
            method,
            (*args, page),
            {"hide": ["toc"]},
            kind="revision",
            in_nav=False,
        )
        for page in comparison.by_page()
    ]


def generated_pages(edition) -> list[GeneratedPage]:
    owner = "operations"
    titles = {FORMS_INDEX: "附件一 表格汇编", **nav_titles(edition.snapshot.nav)}
    pages = [
        GeneratedPage(
            FORMS_INDEX,
            "附件一 表格汇编",
            "forms_index",
            meta={"owner": owner, "tags": ["表格汇编", "岗位规范检查表", "运营检查表"]},
            kind="index",
        ),
        GeneratedPage(
            PRINT_ALL,
            "打印全部表格",
            "print_all_forms",
            meta={"hide": ["toc"], "search": {"exclude": True}},
            kind="index",
        ),
        GeneratedPage(
            REGISTER,
            "更新记录表",
            "revision_register",
            meta={"owner": owner, "tags": ["手册修订", "更新记录"]},
            kind="register",
        ),
    ]
    for form in edition.forms:
        pages.append(
            GeneratedPage(
                form.url, f"{form.code} {form.title}", "form_page", (form.code,), {"hide": ["toc"]}, kind="form"
            )
        )
    for revision in edition.register:
        v = revision.version
        pages.append(
            GeneratedPage(
                f"revisions/{v}.md",
                f"{v.title} 修订内容",
                "revision_changes",
                (str(v),),
                {"hide": ["toc"]},
                kind="revision",
            )
        )
        if edition.register.previous(revision) is not None:
            pages += _redline_pages(
                f"revisions/{v}",
                edition.history.comparison(v),
                "revision_changes_page",
                (str(v),),
                f"{v.title} 修订对照",
                titles,
            )
        pages.append(
            GeneratedPage(
                f"revisions/{v}-kit.md",
                f"{v.title} 办事处文件包",
                "revision_kit",
                (str(v),),
                {"hide": ["toc"], "search": {"exclude": True}},
                kind="kit",
            )
        )
    for older in edition.older_for_compare:
        pages.append(
            GeneratedPage(
                f"revisions/compare-{older}.md",
                f"{older.title} 与 {edition.revision.title} 对照",
                "revision_compare",
                (str(older),),
                {"hide": ["toc"], "search": {"exclude": True}},
                kind="compare",
                in_nav=False,
            )
        )
        pages += _redline_pages(
            f"revisions/compare-{older}",
            edition.history.between(older, edition.revision.version),
            "revision_compare_page",
            (str(older),),
            f"{older.title} 与 {edition.revision.title} 对照",
            titles,
        )
    for src, title in edition.snapshot.generated.items():
        pages.append(GeneratedPage(src, title, GENERATED_PAGES[src][1], meta={"owner": owner}, kind="content"))
    return pages


def nav_children(entry: str, edition) -> list:
    """The children of a nav entry that the plugin expands: Annex 1, and the revision register."""
    if entry == FORMS_INDEX:
        return [{"表格汇编": entry}, {"打印全部表格": PRINT_ALL}] + [
            {f"{f.code} {f.title}": f.url} for f in edition.forms
        ]
    if entry == REGISTER:
        children = [{"更新记录表": entry}]
        for revision in edition.register:
            v = revision.version
            children.append({f"{revision.title} 修订内容": f"revisions/{v}.md"})
            children.append({f"{revision.title} 办事处文件包": f"revisions/{v}-kit.md"})
        return children
    return []


def expand_nav(nav: list, edition) -> list:
    expanded = []
    for item in nav:
        if isinstance(item, dict):
            ((title, value),) = item.items()
            children = expand_nav(value, edition) if isinstance(value, list) else nav_children(value, edition)
            expanded.append({title: children} if children else item)
        else:
            expanded.append(item)
    return expanded
