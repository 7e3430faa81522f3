"""The mkdocs plugin of the manual: validates the data, generates the form and revision pages,
marks every page with its revision, and keeps the built site free of requests to other hosts.

Rendering is left to the macros (macros/); this plugin decides what pages exist and what each knows.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path

from mkdocs.config import config_options as option
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files

from .facts import FACTS_DIR, load_facts
from .forms import FormSet, load_forms
from .page_weight import anchors, collapse_whitespace, compact_search_index, for_search, memoize_jieba
from .register import Register, Revision, load_register
from .yamldata import DataInvalid

DRAFT_ENV = "MANUAL_DRAFT"
# Fallback URLs inside Material's bundle. They are never used here (mermaid is served by the site and
# browsers have ResizeObserver), but an intranet must not even be asked to reach them.
FOREIGN_URL = re.compile(r"""(["'`])https://(unpkg\.com|api\.github\.com)/[^"'`]*\1""")
# Material loads mermaid from this CDN URL when a page with a diagram is shown and mermaid is not loaded yet.
MERMAID_CDN = re.compile(r"""(["'`])https://unpkg\.com/mermaid@[^"'`]*\1""")
# A macro's finished HTML stands in the Markdown as this one empty element, and is put back in place
# of it once the page is converted (see ManualPlugin.defer).
DEFERRED = re.compile(r'<div data-manual-html="([0-9a-f]+-[0-9]+)"></div>')


class ManualConfig(Config):
    forms_dir = option.Type(str, default="checklists")
    register = option.Type(str, default="revisions.yml")
    forms_nav_entry = option.Type(str, default="forms/index.md")
    revisions_nav_entry = option.Type(str, default="revisions/index.md")
    # Collapse the indentation of the theme's templates in every page (not the page's content): Material's
    # navigation is mostly whitespace, and it is repeated in every page.
    compact_html = option.Type(bool, default=True)


class ManualPlugin(BasePlugin[ManualConfig]):
    supports_multiple_instances = False

    def __init__(self):
        self.draft = False
        self.forms: FormSet | None = None
        self.register: Register | None = None
        self.root = Path.cwd()
        self.company: dict = {}
        self.facts = None
        self._deferred: dict[str, str] = {}
        self._nonce = secrets.token_hex(4)
        self.mermaid: str | None = None  # the site's own mermaid script, loaded only where a diagram is
        self._form_by_url: dict = {}
        self._updated_pages: frozenset[str] = frozenset()
        self._pieces: dict[str, list[str]] = {}  # page -> the macros' HTML put into it
        self._for_search: list[tuple[str, str]] = []  # (full, light) pieces of the page being indexed
        self.render_cache: dict = {}  # HTML the macros render once per build (macros.rendering)

    # -- data --------------------------------------------------------------------------------
    def on_startup(self, *, command, dirty):
        # An editor previewing with `mkdocs serve` is reading unpublished work.
        self.draft = command == "serve" or os.environ.get(DRAFT_ENV, "") not in ("", "0")

    def on_config(self, config):
        self.root = Path(config.config_file_path).parent
        docs_dir = Path(config.docs_dir)
        try:
            self.facts = load_facts(self.root / FACTS_DIR)
            self.company = self.facts.namespaces.get("company", {})
            self.forms = load_forms(self.root / self.config.forms_dir, docs_dir, self.facts.variables())
            self.register = load_register(self.root / self.config.register, docs_dir, set(self.forms.forms))
        except DataInvalid as exc:
            raise PluginError("the manual's data is invalid:\n" + "\n".join(f"  {e}" for e in exc.errors)) from None
        in_nav = self._pages_in_nav(config.nav or [])
        for form in self.forms:
            if form.page not in in_nav:
                raise PluginError(f"{form.source}: page '{form.page}' is not in the navigation of mkdocs.yml")
        config.nav = self._expand_nav(config.nav or [])
        # Looked up for every page: worked out once per build.
        self._form_by_url = {form.url: form for form in self.forms}
        self.render_cache = {}
        changed = set(self.revision.pages)
        self._updated_pages = frozenset(changed | {form.page for form in self.forms if form.code in changed})
        self.mermaid = self._lazy_mermaid(config)
        memoize_jieba()
        return config

    def _lazy_mermaid(self, config) -> str | None:
        """Take the site's mermaid script (3.5 MB, ~1 MB gzip) out of extra_javascript, so that only the pages
        with a diagram load it (main.html adds it there), and Material's bundle, which loads mermaid when
        instant navigation shows a diagram, is pointed at it instead of the CDN (on_post_build).

        Done only when the bundle has that CDN URL to point elsewhere and the theme's scope is the site
        root; otherwise mermaid stays on every page as configured."""
        scripts = [s for s in config.extra_javascript if str(s).rsplit("/", 1)[-1] == "mermaid.min.js"]
        if len(scripts) != 1 or config.extra.get("scope"):
            return None
        bundles = [b for d in config.theme.dirs for b in Path(d).glob("assets/javascripts/bundle.*.min.js")]
        if not bundles or not MERMAID_CDN.search(bundles[0].read_text(encoding="utf-8")):
            return None
        config.extra_javascript.remove(scripts[0])
        return str(scripts[0])

    @property
    def revision(self) -> Revision:
        return self.register.current

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
        self.changes_url = files.get_file_from_path(f"revisions/{self.revision.version}.md").url
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
                children = self._expand_nav(value) if isinstance(value, list) else self._nav_children(value)
                expanded.append({title: children} if children else item)
            else:
                expanded.append(item)
        return expanded

    def _pages_in_nav(self, nav) -> set[str]:
        found = set()
        for item in nav:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            found |= self._pages_in_nav(value) if isinstance(value, list) else {value}
        return found

    def on_nav(self, nav, *, config, files):
        """Material's navigation templates look up meta and typeset on every item; a section has neither, and
        each failed lookup costs Jinja two exceptions, for every section in every page. Empty ones render the
        same (and let overrides/partials/nav-item.html write a pruned section out directly)."""
        stack = list(nav.items)
        while stack:
            item = stack.pop()
            if getattr(item, "is_section", False):
                for name, empty in (("meta", {}), ("typeset", None)):
                    if not hasattr(item, name):
                        setattr(item, name, empty)
                stack.extend(item.children or ())
        return nav

    # -- HTML made by the macros ---------------------------------------------------------------
    def defer(self, html_text: str) -> str:
        """Keep a macro's finished HTML out of Markdown's way: a placeholder now, the HTML after conversion.

        The macros' HTML is raw HTML that Markdown passes through untouched, but only after parsing it
        twice in pure Python (md_in_html's block parser, and mkdocs' scan of the whole source for anchor
        ids); a page with a 20-item checklist spent more time there than on all its Markdown. The output
        is the same: on_page_content puts the HTML back where Markdown left the placeholder, and
        registers its ids as anchors of the page, as mkdocs would have.
        """
        key = f"{self._nonce}-{len(self._deferred)}"
        self._deferred[key] = html_text
        return f'<div data-manual-html="{key}"></div>'

    def on_page_content(self, html_text, *, page, config, files):
        if not self._deferred:
            return html_text
        found: list[str] = []

        def put_back(match: re.Match) -> str:
            piece = self._deferred.pop(match.group(1), None)
            if piece is None:
                return match.group(0)
            found.append(piece)
            return piece

        html_text = DEFERRED.sub(put_back, html_text)
        self._pieces[page.file.src_uri] = found
        if found and page.present_anchor_ids is not None:
            page.present_anchor_ids |= {anchor for piece in found for anchor in anchors(piece)}
        if self._deferred:
            lost, self._deferred = len(self._deferred), {}
            raise PluginError(f"{page.file.src_uri}: the output of {lost} macro call(s) did not reach the page; "
                              f"call form(), form_page() and the register macros on a line of their own")
        return html_text

    def on_page_markdown(self, markdown, *, page, config, files):
        if page.file.src_uri in self._updated_pages:  # changed in this revision, itself or by one of its forms
            page.meta.setdefault("status", "updated")
        return markdown

    @event_priority(100)  # before the search plugin indexes the page
    def _page_context(self, context, *, page, config, nav):
        src = page.file.src_uri
        form = self._form_by_url.get(src)
        generated = src.startswith("revisions/") or src == "forms/print-all.md"
        context["manual"] = {
            "revision": self.revision,
            "draft": self.draft,
            "history": [] if generated else self.register.history_of(form.code if form else src),
            "updated": page.meta.get("status") == "updated",
            "changes_url": self.changes_url,
            "mermaid": self.mermaid if self.mermaid and 'class="mermaid"' in page.content else None,
        }
        self._for_search = []
        pieces = self._pieces.pop(src, ())
        if not (page.meta.get("search") or {}).get("exclude"):
            for piece in pieces:
                light = for_search(piece)
                if light != piece and piece in page.content:
                    page.content = page.content.replace(piece, light, 1)
                    self._for_search.append((piece, light))
        return context

    @event_priority(-100)  # after the search plugin has indexed the page, before the page is rendered
    def _page_context_for_search(self, context, *, page, config, nav):
        """Put back the full HTML that _page_context lightened for the search index."""
        for piece, light in self._for_search:
            if light not in page.content:
                raise PluginError(f"{page.file.src_uri}: a plugin changed the page while it was indexed for search")
            page.content = page.content.replace(light, piece, 1)
        self._for_search = []
        return context

    on_page_context = CombinedEvent(_page_context, _page_context_for_search)

    @event_priority(-100)  # the finished page, after the other plugins
    def on_post_page(self, output, *, page, config):
        """The theme's indentation out of the page: Material's templates indent every navigation item by
        lines of blanks, and the navigation is in every page (at 1,000 pages in 100 sections, 70 of the
        113 KB of a page). The page's own content is left exactly as it is."""
        if not self.config.compact_html:
            return output
        content = page.content or ""
        start = output.find(content) if content else len(output)
        if start < 0:
            return output
        end = start + len(content)
        return collapse_whitespace(output[:start]) + content + collapse_whitespace(output[end:])

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, *, config):
        assets = Path(config.site_dir) / "assets" / "javascripts"
        for bundle in assets.glob("bundle.*.min.js"):
            text = bundle.read_text(encoding="utf-8")
            cleaned = text
            if self.mermaid:  # the site's own mermaid, relative to the site's root (Material's __md_scope)
                own = json.dumps(self.mermaid.lstrip("/"))
                cleaned = MERMAID_CDN.sub(lambda m: f"new URL({own},__md_scope).href", cleaned)
            cleaned = FOREIGN_URL.sub(lambda m: f"{m.group(1)}data:text/javascript,{m.group(1)}", cleaned)
            if cleaned != text:
                bundle.write_text(cleaned, encoding="utf-8")
        compact_search_index(Path(config.site_dir) / "search" / "search_index.json")
