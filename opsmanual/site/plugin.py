"""The mkdocs plugin of the manual: its hooks, each handing the work to the module that does it.

on_config opens the edition (opsmanual.control.edition: data loaded, checked, compared) and gives the macros
plugin the facts and the macros; on_files adds the generated pages (opsmanual.site.pages); pages get their
HTML from the renderer (opsmanual.render), change bars, and what the theme shows about their revision;
the finished site is lightened (search index, theme indentation) and kept free of foreign URLs.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import urljoin

from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel

from .. import cache
from ..control.edition import Edition, open_edition
from ..data.yamlfile import DataInvalid
from ..errors import ManualError
from ..project import Project, today
from ..render import paper, pdf
from ..render.content import SnapshotContent
from ..render.diagrams import FOLDER as DIAGRAMS
from ..render.diagrams import Diagrams
from ..render.marks import mark_changes
from ..render.renderer import Renderer, redline_page
from . import edition_pdf, kit_pdf, minify, pages, search, theme
from .config import ManualConfig
from .links import PageLinks
from .transport import Transport, anchors

log = logging.getLogger("mkdocs.plugins.opsmanual")

#: The macros pages may call; each is a Renderer method of the same name. form_link returns Markdown.
MACROS = ("form", "form_link")


def config_url(site_url: str, project) -> str:
    """The site's URL as readers reach it (the configured one: a preview's is the preview server's)."""
    return site_url if project.publish_as or not project.draft else project.site_url


class ManualPlugin(BasePlugin[ManualConfig]):
    supports_multiple_instances = False

    def __init__(self):
        self.serving = False
        self.edition: Edition | None = None
        self.project: Project | None = None
        self.files: Files | None = None
        self.generated: dict[str, pages.GeneratedPage] = {}
        self.transport = Transport()
        self.page = None  # the page being rendered (for the macros)
        self.render_cache: dict = {}  # HTML rendered once per build (Renderer.shared)
        self.mermaid: str | None = None
        self.contents: dict[str, str] = {}  # every page's finished content, for the PDF edition
        self.titles: dict[str, str] = {}
        self.urls: dict[str, str] = {}  # every page's URL, relative to the site's home
        self.nav_pages: list[str] = []

    # -- the data ------------------------------------------------------------------------------------
    def on_startup(self, *, command, dirty):
        self.serving = command == "serve"

    def _config(self, config):
        project = Project.from_config(config, self.config)
        draft = project.draft or self.serving
        try:
            edition = open_edition(
                project, SnapshotContent(project.markdown_extensions, project.mdx_configs), today(), draft=draft
            )
        except DataInvalid as exc:
            raise PluginError("手册的数据有误：\n" + "\n".join(f"  {e}" for e in exc.errors)) from None
        except ManualError as exc:
            raise PluginError(str(exc)) from None
        for warning in edition.warnings:
            log.info(warning)
        if edition.problems:
            if draft:  # a draft shows them on every page (overrides/partials/manual-revision.html)
                for problem in edition.problems:
                    log.info(problem)
            else:
                raise PluginError(
                    "文件控制检查未通过，本次构建不能发布：\n" + "\n".join(f"  {p}" for p in edition.problems)
                )
        self.project, self.edition = project, edition
        self.site_url = config.site_url or ""
        self.diagrams = Diagrams(project.root / DIAGRAMS)
        snapshot = edition.snapshot
        if project.build_version:  # a published revision, built from its archive
            config.docs_dir = str(snapshot.docs_dir)
            config.nav = list(snapshot.nav)
        if project.publish_as:
            config.site_url = urljoin(config.site_url or "/", f"{project.publish_as}/")
        nav = config.nav or []
        in_nav = pages.pages_in_nav(nav)
        for form in edition.forms:
            if form.page not in in_nav:
                raise PluginError(f"{form.source}: 所属页面 {form.page} 不在 mkdocs.yml 的 nav 中")
        config.nav = pages.expand_nav(nav, edition)
        self.render_cache = {}
        self.mermaid = minify.lazy_mermaid(config)
        search.memoize_jieba()
        macros = config.plugins.get("macros")
        if macros is not None:
            macros.register_variables(dict(snapshot.facts.variables()))
            macros.register_macros({name: self._macro(name) for name in MACROS})
        return config

    @event_priority(-100)  # after the search plugin has made its index and the macros plugin its environment
    def _after_config(self, config):
        search.install_index(config)
        macros = config.plugins.get("macros")
        if macros is not None:
            cache.compiling_once(macros.env)
        return config

    on_config = CombinedEvent(_config, _after_config)

    def _macro(self, name: str):
        def macro(*args, **kwargs):
            result = getattr(self.renderer(), name)(*args, **kwargs)
            return result if name == "form_link" else self.transport.defer(result)

        macro.__name__ = name
        macro.__doc__ = getattr(Renderer, name).__doc__
        return macro

    def renderer(self, page=None, home: bool = False) -> Renderer:
        """The renderer for a page (by default the one being built), or with home for the site's home."""
        page = None if home else page or self.page
        edition = self.edition
        links = PageLinks(self.files, page.url if page else "", page.file.src_uri if page else "")
        return Renderer(
            forms=edition.forms,
            variables=edition.facts.variables(),
            revision=edition.revision,
            links=links,
            draft=edition.draft,
            edition=edition,
            cache=self.render_cache,
            embedded=edition.snapshot.embedded,
            site_url=self.site_url,
            pdf=self.project.pdf,
        )

    def on_env(self, env, *, config, files):
        """Material's templates compiled once, not in every build: Jinja's bytecode cache, kept in the user's
        cache folder (a second of every build, and of every rebuild of `manual serve`); the navigation's closed
        items rendered once per build; JSON without escapes."""
        env.bytecode_cache = cache.bytecode_cache()
        theme.install_fragments(env)  # overrides/partials/nav.html renders each closed item once per build
        # the theme's JSON (the __config of every page) with its Chinese as UTF-8, not \uXXXX (still HTML-safe:
        # Jinja's tojson escapes < > & ' whatever the dumps options)
        env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False, "separators": (",", ":")}
        return env

    # -- pages -----------------------------------------------------------------------------------------
    def on_files(self, files: Files, *, config):
        self.generated = {}
        for page in pages.generated_pages(self.edition):
            if files.get_file_from_path(page.src) is None:
                inclusion = InclusionLevel.UNDEFINED if page.in_nav else InclusionLevel.NOT_IN_NAV
                files.append(File.generated(config, page.src, content=page.source(), inclusion=inclusion))
                self.generated[page.src] = page
        self.files = files
        return files

    def on_nav(self, nav, *, config, files):
        self.nav_pages = [page.file.src_uri for page in nav.pages]
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

    @event_priority(100)  # before the macros plugin renders the page
    def on_page_markdown(self, markdown, *, page, config, files):
        self.page = page
        generated = self.generated.get(page.file.src_uri)
        if generated is not None:
            return self.transport.defer(getattr(self.renderer(page), generated.method)(*generated.args))
        return markdown

    def subject_of(self, page) -> str | None:
        """The page or form a page shows, as the comparison names it (None: register pages)."""
        src = page.file.src_uri
        generated = self.generated.get(src)
        if generated is None:
            return src
        if generated.kind == "form":
            return generated.args[0]
        return src if generated.kind == "content" else None

    def on_page_content(self, html_text, *, page, config, files):
        html_text, pieces, lost = self.transport.put_back(html_text)
        if lost:
            raise PluginError(f"{page.file.src_uri}: 有 {lost} 处宏的输出没有进入页面：form() 要单独写在一行")
        if pieces and page.present_anchor_ids is not None:
            page.present_anchor_ids |= {anchor for piece in pieces for anchor in anchors(piece)}
        changed = self.changed_blocks(page)
        if changed:
            html_text, _ = mark_changes(html_text, changed, self.edition.revision.title)
        html_text = self.diagrams.inline(html_text)
        self.contents[page.file.src_uri] = html_text
        self.titles[page.file.src_uri] = str(page.meta.get("title") or page.title or "")
        self.urls[page.file.src_uri] = page.url
        missing = self.diagrams.missing(html_text)
        if missing and not self.edition.draft:
            raise PluginError(
                f"{page.file.src_uri}: {len(missing)} 张流程图还没有生成 SVG（diagrams/）："
                f"运行 ./manual diagrams，再提交 diagrams/ 中的新文件"
            )
        return html_text

    def changes_url(self, subject: str | None) -> str:
        """Where a page's "本页有修订" leads: the redline of its chapter in the revision built, at its own section."""
        version, comparison = self.edition.revision.version, self.edition.comparison
        if not subject or comparison is None or comparison.old is None:
            return f"revisions/{version}/"
        page = comparison.page_of(subject)
        if page not in comparison.by_page():
            return f"revisions/{version}/"
        url = redline_page(f"revisions/{version}", page).removesuffix(".md") + "/"
        return url + (f"#redline-{subject.removesuffix('.md').lower()}" if subject in comparison else "")

    def changed_blocks(self, page) -> list:
        """The blocks of this page, and of the forms it embeds, that changed in the revision built."""
        edition, subject = self.edition, self.subject_of(page)
        comparison = edition.comparison
        if comparison is None or comparison.old is None or subject is None:
            return []
        blocks = []
        subjects = [subject] + [form.code for form in edition.forms if form.page == subject]
        for name in subjects:
            diff = comparison.get(name)
            if diff is not None:
                blocks += diff.changed_blocks
        return blocks

    @event_priority(100)  # before the search plugin indexes the page
    def on_page_context(self, context, *, page, config, nav):
        edition, subject = self.edition, self.subject_of(page)
        generated = self.generated.get(page.file.src_uri)
        meta_owner = page.meta.get("owner", "")
        departments = edition.facts.variables().get("departments", {})
        context["manual"] = {
            "edition": edition,
            "revision": edition.revision,
            "draft": edition.draft,
            "problems": edition.problems if edition.draft else [],
            "kind": generated.kind if generated else "chapter",
            "history": edition.history.changes_of(subject) if subject else [],
            "updated": bool(self.changed_blocks(page)) or bool(subject and edition.changed_here(subject)),
            "changes_url": self.changes_url(subject),
            "owner": str(departments.get(meta_owner, meta_owner)) if meta_owner else "",
            "review": page.meta.get("review"),
            "mermaid": self.mermaid if self.mermaid and 'class="mermaid"' in (page.content or "") else None,
            "print_style": self.print_style(page, generated),
            "pdf": edition_pdf.file_name(edition.revision.version) if self.project.pdf else None,
        }

        search.weigh(page.meta, context["manual"]["kind"])
        return context

    def print_style(self, page, generated) -> str:
        """The @page rules that make every printed sheet of this page say what it is (opsmanual.render.paper)."""
        edition = self.edition
        title = page.meta.get("title") or page.title or ""
        url = paper.check_url(config_url(self.site_url, self.project), edition.revision.version, page.url)
        return paper.page_style(
            str(title), edition.revision.title, edition.revision.effective.isoformat(), url, edition.draft
        )

    @event_priority(-100)  # the finished page, after the other plugins
    def on_post_page(self, output, *, page, config):
        return minify.minify_page(output) if self.config.compact_html else output

    def changed_urls(self) -> list[str]:
        """The site paths of the pages that changed in the revision built (read by the pages of the revision in
        force, through versions.json, to say "本页将于 … 起按 … 执行")."""
        comparison = self.edition.comparison
        if comparison is None or comparison.old is None:
            return []
        urls = []
        for src, file in ((f.src_uri, f) for f in self.files.documentation_pages()):
            page = file.page
            if page is not None and self.changed_blocks(page) or src in comparison:
                urls.append(file.url)
        return sorted(set(urls))

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, *, config):
        site = Path(config.site_dir)
        info = {
            "version": str(self.edition.revision.version),
            "title": self.edition.revision.title,
            "effective": self.edition.revision.effective.isoformat(),
            "changed": self.changed_urls(),
            "warnings": self.edition.warnings,
        }
        if self.project.pdf:
            at_home = self.renderer(home=True)  # the PDFs' links are made absolute from the revision's home
            with pdf.pool() as shared:  # the kit is laid out while the edition is being finished
                finish_edition = edition_pdf.start(
                    self.edition,
                    self.nav_pages,
                    self.contents,
                    self.titles,
                    self.urls,
                    at_home,
                    site,
                    self.site_url,
                    log.info,
                    shared,
                )
                finish_kit = kit_pdf.start(self.edition, at_home, site, self.site_url, log.info, shared)
                written, forms = finish_edition()
                kit = finish_kit()
            for kind, made in (("pdf", written), ("forms", forms), ("kit", kit)):
                if made is not None:
                    info[kind] = {
                        "path": made.path.relative_to(site).as_posix(),
                        "sha256": made.sha256,
                        "pages": made.pages,
                        "bytes": made.size,
                        "seconds": round(made.seconds, 1),
                        "starts": made.starts,
                    }
        (site / "manual-build.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        theme.rewrite_bundles(site, self.mermaid)
        search.compact_search_index(site / "search" / "search_index.json")
        cache.trim()
