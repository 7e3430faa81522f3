"""The content of a snapshot as a reader sees it, for comparing revisions (opsmanual.control.comparison).

A page is its Markdown with the facts written in, rendered with the site's Markdown extensions; an embedded
form is only a reference there (the form is compared as itself, so changing a form changes the form, not the
chapter that shows it). A form is its data; pages generated from the facts are compared as pages too.
Sources and renders are kept by what they depend on, so each archived revision is rendered once per process and a
rebuild renders again only what an edit changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

import markdown

from ..cache import kept, stored, template
from ..data.forms import Form
from ..data.snapshot import GENERATED_PAGES, Snapshot
from .blocks import Block, blocks_of
from .renderer import NoLinks, Renderer

FRONT_MATTER_SHOWN = (("title", "标题"), ("owner", "责任部门"))


#: Blocks of rendered page sources, by the source's SHA-256: shared by the builds of one process (a publication of
#: several versions, `manual serve`'s rebuilds) and kept on disk (opsmanual.cache), as a text renders the same way
#: every time. RENDERING names what else they depend on: change it when the Markdown extensions or blocks.py change.
RENDERED: dict[str, list[Block]] = {}
RENDERING = "blocks-1|"
#: Resolved sources and blocks of the subjects of snapshots, by what they depend on (kept(): the process's builds
#: share them, so a rebuild after one edit works out again only what the edit changed).
SOURCES: dict = {}
BLOCKS: dict = {}
KEPT = 4000


def form_data(form: Form) -> str:
    data = dataclasses.asdict(form)
    data.pop("source")
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


class SnapshotContent:
    """A ContentSource over snapshots, with one Markdown converter configured as the site's."""

    def __init__(self, markdown_extensions, mdx_configs):
        self.markdown = markdown.Markdown(extensions=list(markdown_extensions), extension_configs=dict(mdx_configs))
        configuration = json.dumps(
            [list(map(str, markdown_extensions)), mdx_configs],
            sort_keys=True,
            default=lambda o: getattr(o, "__qualname__", type(o).__name__),
        )
        self.rendering = RENDERING + hashlib.sha256(configuration.encode("utf-8")).hexdigest()[:16] + "|"

    # -- what a snapshot has ---------------------------------------------------------------------
    def subjects(self, snapshot: Snapshot) -> dict[str, str]:
        found = {page: self.title(snapshot, page) for page in snapshot.pages}
        found.update(snapshot.generated)
        found.update({form.code: f"{form.code} {form.title}" for form in snapshot.forms})
        return found

    def title(self, snapshot: Snapshot, page: str) -> str:
        body, meta = snapshot.front_matter(page)
        if meta.get("title"):
            return str(meta["title"])
        for line in body.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
        return page

    # -- the words -------------------------------------------------------------------------------
    def renderer(self, snapshot: Snapshot) -> Renderer:
        return Renderer(forms=snapshot.forms, variables=snapshot.facts.variables(), revision=None, links=NoLinks())

    def depends_on(self, snapshot: Snapshot, subject: str) -> tuple:
        """What a subject's source and blocks are a function of: a page of its text, the facts and the forms (whose
        titles it shows); a form or a page generated from the facts of the forms and the facts (all the renderer
        of this module is given)."""
        digests = snapshot.part_digests
        page = snapshot.file_digests.get(f"docs/{subject}") if subject in snapshot.pages else None
        return self.rendering, subject, page, digests["facts"], digests["checklists"]

    def source(self, snapshot: Snapshot, subject: str) -> str | None:
        return kept(SOURCES, self.depends_on(snapshot, subject), lambda: self._source(snapshot, subject), KEPT)

    def _source(self, snapshot: Snapshot, subject: str) -> str | None:
        if subject in snapshot.pages:
            return self._page_source(snapshot, subject)
        if subject in snapshot.generated:
            return getattr(self.renderer(snapshot), GENERATED_PAGES[subject][1])()
        form = snapshot.forms.forms.get(subject)
        return form_data(form) if form else None

    def _page_source(self, snapshot: Snapshot, page: str) -> str:
        body, meta = snapshot.front_matter(page)
        forms = snapshot.forms

        def form(code, *args, **kwargs):
            title = forms[code].title if code in forms else ""
            return f"\n\n［表格：{code} {title}］\n\n"

        def form_link(code, *args, **kwargs):
            return f"{code} {forms[code].title}" if code in forms else code

        variables = snapshot.facts.variables()
        owner = meta.get("owner", "")
        owner = str(variables.get("departments", {}).get(owner, owner))
        lines = [
            f"{label}：{owner if key == 'owner' else meta[key]}" for key, label in FRONT_MATTER_SHOWN if meta.get(key)
        ]
        text = template(body).render(**variables, form=form, form_link=form_link)
        return "\n\n".join(lines) + "\n\n" + text

    def blocks(self, snapshot: Snapshot, subject: str) -> list[Block]:
        return kept(BLOCKS, self.depends_on(snapshot, subject), lambda: self._render_blocks(snapshot, subject), KEPT)

    def _convert(self, source: str) -> list[Block]:
        self.markdown.reset()
        return blocks_of(self.markdown.convert(source))

    def _render_blocks(self, snapshot: Snapshot, subject: str) -> list[Block]:
        source = self.source(snapshot, subject)
        if source is None:
            return []
        if subject in snapshot.pages:
            key = hashlib.sha256((self.rendering + source).encode("utf-8")).hexdigest()
            if key not in RENDERED:  # the same text renders the same in every build (kept on disk too)
                RENDERED[key] = [
                    Block(**b)
                    for b in stored(
                        "blocks",
                        key,
                        lambda: [{**dataclasses.asdict(b), "cells": list(b.cells)} for b in self._convert(source)],
                    )
                ]
                for block in RENDERED[key]:
                    object.__setattr__(block, "cells", tuple(block.cells))
            return RENDERED[key]
        if subject in snapshot.generated:
            return blocks_of(source)
        return blocks_of(self.renderer(snapshot).form(subject, link_title=False))
