"""Render the manual's data (forms, register, redlines, revision kits) to HTML for the pages.

Presentation is in the Jinja templates beside this module; every value from YAML is escaped there.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from mkdocs.utils import get_relative_url

from opsmanual import archive
from opsmanual.redline import readable, redline
from opsmanual.register import Version

TEMPLATES = Path(__file__).parent / "templates"
# Marks where a URL relative to the page goes, in HTML rendered once for all pages (Renderer.render_shared).
# NUL cannot occur in YAML text (nor split a line in compact(), as \x1e would).
URL_MARK = re.compile("\x00url:([^\x00]*)\x00")


def css_string(text: str) -> Markup:
    """A value for CSS `content:`, quoted and escaped (it goes into a <style> element)."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
    return Markup(f'"{escaped}"')


@cache
def templates() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["css_string"] = css_string
    return env


def compact(html: str) -> str:
    """Raw HTML that Markdown passes through untouched: no indentation (code) and no blank lines."""
    return "\n".join(line.strip() for line in html.splitlines() if line.strip())


class Renderer:
    def __init__(self, plugin, page):
        self.plugin = plugin
        self.page = page

    # -- helpers -----------------------------------------------------------------------------
    def url(self, src_path: str) -> str:
        """The URL of a page of this build, relative to the page being rendered."""
        file = self.plugin.files.get_file_from_path(src_path)
        if file is None:
            raise KeyError(f"no page '{src_path}' in this build")
        return get_relative_url(file.url, self.page.url)

    def version_url(self, version) -> str:
        """A published version's home, beside this one under the site's root (mike's layout)."""
        return get_relative_url("", self.page.url).rstrip("/") + f"/../{version}/"

    def render(self, template: str, **context) -> str:
        context.setdefault("revision", self.plugin.revision)
        context.setdefault("draft", self.plugin.draft)
        context.setdefault("url", self.url)
        for name, namespace in self.plugin.facts.variables().items():
            context.setdefault(name, namespace)
        return compact(templates().get_template(template).render(**context))

    def render_shared(self, template: str, key: tuple, **context) -> str:
        """render(), done once per build for every page that shows the same thing: only the relative
        URLs differ between those pages, and they are filled in for this page (escaped as Jinja would)."""
        cache = self.plugin.render_cache
        html = cache.get((template, key))
        if html is None:
            html = cache[(template, key)] = self.render(template, url=lambda src: Markup(f"\x00url:{src}\x00"), **context)
        return URL_MARK.sub(lambda m: str(escape(self.url(m.group(1)))), html)

    def page_title(self, src_path: str) -> str:
        file = self.plugin.files.get_file_from_path(src_path)
        page = getattr(file, "page", None)
        return (page.title if page and page.title else src_path)

    # -- forms -------------------------------------------------------------------------------
    def form(self, code: str, heading_level: int = 3, prefill: dict | None = None, rows: list | None = None,
             link_title: bool = True) -> str:
        form = self.plugin.forms[code]
        unknown = set(prefill or {}) - set(form.header_labels)
        unknown |= {key for row in rows or [] for key in row} - {column.title for column in form.columns}
        if unknown:
            raise KeyError(f"{form.source}: the revision kit fills in {sorted(unknown)}, which {code} does not have "
                           f"(header fields: {list(form.header_labels)}; columns: {[c.title for c in form.columns]})")
        if prefill or rows:
            return self.render("form.html", form=form, heading_level=heading_level, prefill=prefill or {},
                               prefill_rows=rows or [], link_title=link_title)
        # A blank form is the same on every page but for its link: rendered once per build.
        return self.render_shared("form.html", (code, heading_level, link_title), form=form,
                                  heading_level=heading_level, prefill={}, prefill_rows=[], link_title=link_title)

    def form_link(self, code: str) -> str:
        form = self.plugin.forms[code]
        href = get_relative_url(form.url, self.page.file.src_uri)
        return f"[{form.code} {form.title}]({href})"

    def form_page(self, code: str) -> str:
        form = self.plugin.forms[code]
        return self.render("form_page.html", form=form, body=self.form(code, heading_level=1, link_title=False),
                           chapter_title=self.page_title(form.page))

    def forms_index(self) -> str:
        return self.render("forms_index.html", groups=self.plugin.forms.by_category(), page_title=self.page_title)

    def print_all_forms(self) -> str:
        return self.render("print_all.html", bodies=[self.form(f.code, heading_level=2) for f in self.plugin.forms])

    # -- revisions ---------------------------------------------------------------------------
    def revision_register(self) -> str:
        return self.render("register.html", register=self.plugin.register, version_url=self.version_url,
                           page_label=self.change_label)

    def change_label(self, page: str) -> tuple[str, str]:
        """(title, href) of an affected page or form code."""
        if page.endswith(".md"):
            return self.page_title(page), self.url(page)
        form = self.plugin.forms.forms.get(page)
        return (f"{page} {form.title}" if form else page), (self.url(form.url) if form else "")

    def source_of(self, version: Version, page: str) -> str | None:
        """A page's text in a version, in the words a reader sees."""
        root = self.plugin.root
        if version == self.plugin.revision.version and not archive.is_archived(root, version):
            text = archive.source_text(root, page)
        else:
            text = archive.source_text(root, page, version) if archive.is_archived(root, version) else None
        titles = {form.code: form.title for form in self.plugin.forms}
        return None if text is None else readable(text, self.plugin.facts.variables(), titles)

    def revision_changes(self, version: str) -> str:
        register = self.plugin.register
        revision = register[version]
        previous = register.previous(revision)
        previous_missing = previous is not None and not archive.is_archived(self.plugin.root, previous.version)
        redlines = []
        for change in revision.changes:
            hunks = []
            if previous and not previous_missing:
                hunks = redline(self.source_of(previous.version, change.page), self.source_of(revision.version, change.page))
            redlines.append((change, self.change_label(change.page), hunks))
        return self.render("changes.html", shown=revision, previous=previous, previous_missing=previous_missing,
                           redlines=redlines, version_url=self.version_url,
                           kit_url=self.url(f"revisions/{revision.version}-kit.md"))

    def revision_kit(self, version: str) -> str:
        register = self.plugin.register
        revision = register[version]
        previous = register.previous(revision)
        read_sign = self.form("REC-05", heading_level=2, prefill={
            "修订号": f"{revision.title}（{revision.version}）", "发文编号": revision.notice or revision.kind,
            "生效日期": revision.effective.isoformat(),
        }, rows=[{"岗位": role, "是否需要培训": "是"} for role in revision.retrain])
        withdrawn_rows = [{"资料名称/编号": f"《办事处营运手册》及所附表格的打印件（{previous.title}）",
                           "原版本或所属期间": previous.title}] if previous else []
        withdrawn = self.form("REC-06", heading_level=2, prefill={
            "销毁类别（过时资料/到期档案）": "过时资料", "对应修订号或档案年度": f"{revision.title}（{revision.version}）",
            "生效日期": revision.effective.isoformat(),
        }, rows=withdrawn_rows)
        return self.render("kit.html", shown=revision, previous=previous, read_sign=read_sign, withdrawn=withdrawn,
                           page_label=self.change_label, changes_url=self.url(f"revisions/{revision.version}.md"))
