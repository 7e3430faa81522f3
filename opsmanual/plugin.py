"""The mkdocs plugin of the manual: validates the data, generates the form and revision pages,
marks every page with its revision, and keeps the built site free of requests to other hosts.

Rendering is left to the macros (macros/); this plugin decides what pages exist and what each knows.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from mkdocs.config import config_options as option
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from . import archive
from .forms import FormSet, load_forms
from .register import Register, Revision, load_register
from .yamldata import DataInvalid

DRAFT_ENV = "MANUAL_DRAFT"
# Fallback URLs inside Material's bundle. They are never used here (mermaid is served by the site and
# browsers have ResizeObserver), but an intranet must not even be asked to reach them.
FOREIGN_URL = re.compile(r"""(["'`])https://(unpkg\.com|api\.github\.com)/[^"'`]*\1""")


class ManualConfig(Config):
    forms_dir = option.Type(str, default="checklists")
    register = option.Type(str, default="revisions.yml")
    forms_nav_entry = option.Type(str, default="forms/index.md")
    revisions_nav_entry = option.Type(str, default="revisions/index.md")


class ManualPlugin(BasePlugin[ManualConfig]):
    supports_multiple_instances = False

    def __init__(self):
        self.draft = False
        self.forms: FormSet | None = None
        self.register: Register | None = None
        self.root = Path.cwd()
        self.company: dict = {}

    # -- data --------------------------------------------------------------------------------
    def on_startup(self, *, command, dirty):
        # An editor previewing with `mkdocs serve` is reading unpublished work.
        self.draft = command == "serve" or os.environ.get(DRAFT_ENV, "") not in ("", "0")

    def on_config(self, config):
        self.root = Path(config.config_file_path).parent
        self.company = dict(config.extra.get("company", {}))
        docs_dir = Path(config.docs_dir)
        try:
            self.forms = load_forms(self.root / self.config.forms_dir, docs_dir)
            self.register = load_register(self.root / self.config.register, docs_dir, set(self.forms.forms))
        except DataInvalid as exc:
            raise PluginError("the manual's data is invalid:\n" + "\n".join(f"  {e}" for e in exc.errors)) from None
        for form in self.forms:
            if form.page not in self._pages_in_nav(config.nav or []):
                raise PluginError(f"{form.source}: page '{form.page}' is not in the navigation of mkdocs.yml")
        config.nav = self._expand_nav(config.nav or [])
        return config

    @property
    def revision(self) -> Revision:
        return self.register.current

    def revisions_to_show(self) -> list[Revision]:
        return list(self.register)

    # -- pages -------------------------------------------------------------------------------
    def generated_pages(self) -> dict[str, str]:
        """src path -> markdown of every page made from data."""
        pages = {
            "forms/index.md": "---\ntitle: 附件一 表格汇编\nowner: 销售总部运营管理部\ntags: [表格汇编, 岗位规范检查表, 运营检查表]\n---\n\n{{ forms_index() }}\n",
            "forms/print-all.md": "---\ntitle: 打印全部表格\nhide: [toc]\nsearch:\n  exclude: true\n---\n\n{{ print_all_forms() }}\n",
            "revisions/index.md": "---\ntitle: 更新记录表\nowner: 销售总部运营管理部\ntags: [手册修订, 更新记录]\n---\n\n{{ revision_register() }}\n",
        }
        for form in self.forms:
            pages[form.url] = f"---\ntitle: {form.code} {form.title}\nhide: [toc]\n---\n\n{{{{ form_page('{form.code}') }}}}\n"
        for revision in self.register:
            v = revision.version
            pages[f"revisions/{v}.md"] = f"---\ntitle: {v.title} 修订内容\nhide: [toc]\n---\n\n{{{{ revision_changes('{v}') }}}}\n"
            pages[f"revisions/{v}-kit.md"] = f"---\ntitle: {v.title} 办事处文件包\nhide: [toc]\nsearch:\n  exclude: true\n---\n\n{{{{ revision_kit('{v}') }}}}\n"
        return pages

    def on_files(self, files: Files, *, config):
        for src, content in self.generated_pages().items():
            if files.get_file_from_path(src) is None:
                files.append(File.generated(config, src, content=content))
        self.files = files
        return files

    def _nav_children(self, entry: str) -> list:
        if entry == self.config.forms_nav_entry:
            return [{"表格汇编": entry}, {"打印全部表格": "forms/print-all.md"}] + [
                {f"{form.code} {form.title}": form.url} for form in self.forms
            ]
        if entry == self.config.revisions_nav_entry:
            children = [{"更新记录表": entry}]
            for revision in self.register:
                children.append({f"{revision.title} 修订内容": f"revisions/{revision.version}.md"})
                children.append({f"{revision.title} 办事处文件包": f"revisions/{revision.version}-kit.md"})
            return children
        return []

    def _expand_nav(self, nav: list) -> list:
        expanded = []
        for item in nav:
            if isinstance(item, dict):
                (title, value), = item.items()
                if isinstance(value, str) and self._nav_children(value):
                    expanded.append({title: self._nav_children(value)})
                elif isinstance(value, list):
                    expanded.append({title: self._expand_nav(value)})
                else:
                    expanded.append(item)
            else:
                expanded.append(item)
        return expanded

    def _pages_in_nav(self, nav) -> set[str]:
        found = set()
        for item in nav:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            found |= self._pages_in_nav(value) if isinstance(value, list) else {value}
        return found

    def on_page_markdown(self, markdown, *, page, config, files):
        if page.file.src_uri in self.revision.pages or any(
            form.page == page.file.src_uri and form.code in self.revision.pages for form in self.forms
        ):
            page.meta.setdefault("status", "updated")
        return markdown

    def on_page_context(self, context, *, page, config, nav):
        src = page.file.src_uri
        form = next((f for f in self.forms if f.url == src), None)
        generated = src.startswith("revisions/") or src == "forms/print-all.md"
        context["manual"] = {
            "revision": self.revision,
            "draft": self.draft,
            "history": [] if generated else self.register.history_of(form.code if form else src),
            "updated": page.meta.get("status") == "updated",
            "changes_url": self.files.get_file_from_path(f"revisions/{self.revision.version}.md").url,
        }
        return context

    def on_post_build(self, *, config):
        assets = Path(config.site_dir) / "assets" / "javascripts"
        for bundle in assets.glob("bundle.*.min.js"):
            text = bundle.read_text(encoding="utf-8")
            cleaned = FOREIGN_URL.sub(lambda m: f"{m.group(1)}data:text/javascript,{m.group(1)}", text)
            if cleaned != text:
                bundle.write_text(cleaned, encoding="utf-8")
