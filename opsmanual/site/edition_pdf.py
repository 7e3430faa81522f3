"""The controlled edition of the revision a build makes: which pages go into it, in which order, with what cover
(opsmanual.render.pdf lays it out). The plugin collects every page's finished content; this module assembles it."""

from __future__ import annotations

from pathlib import Path

from markupsafe import escape

from ..render import paper, pdf
from ..render.renderer import Renderer, forms_pdf_name
from .pages import FORMS_INDEX

#: Pages that are not the manual's text: printed on their own (Annex 1's print-all, the kits) or not at all.
LEFT_OUT = ("forms/print-all.md", "revisions/")


def file_name(version) -> str:
    return f"manual-{version}.pdf"


def forms_file_name(version) -> str:
    """Annex 1 of the edition on its own (打印全部表格), beside the forms' pages."""
    return f"forms/{forms_pdf_name(version)}"


def parts(
    nav_pages: list[str],
    contents: dict[str, str],
    forms_renderer: Renderer,
    titles: dict[str, str],
    urls: dict[str, str],
    site_url: str,
) -> list[pdf.Part]:
    """The chapters in the order of the navigation, Annex 1 with each form from a new page, the glossary last;
    their links lead to site_url, the revision's home (forms_renderer makes URLs relative to it), or, where the
    edition holds what they lead to, inside the PDF."""
    found: list[pdf.Part] = []
    glossary = None
    for src in nav_pages:
        if src.startswith(LEFT_OUT) or src.startswith("forms/") and src != FORMS_INDEX or src not in contents:
            continue
        title = titles.get(src, src)
        html = contents[src]
        if "<h1" not in html[:400]:  # a generated page: Material writes its title into the template, not the content
            html = f"<h1>{escape(title)}</h1>{html}"
        key, url = src.replace("/", "-").replace(".md", ""), urls.get(src, "")
        part = pdf.Part(key=key, title=title, url=url, html=pdf.for_paper(html, key, page_url=url, site_url=site_url))
        if src == "glossary.md":
            glossary = part
            continue
        found.append(part)
        if src == FORMS_INDEX:
            for form in forms_renderer.forms:
                key = f"form-{form.slug}"
                html = forms_renderer.form(form.code, heading_level=1, link_title=False)
                found.append(
                    pdf.Part(
                        key=key,
                        title=f"{form.code} {form.title}",
                        level=2,
                        url=urls.get(form.url),
                        html=pdf.for_paper(html, key, site_url=site_url, forms=True),
                    )
                )
    if glossary:
        found.append(glossary)
    return found


def start(edition, nav_pages, contents, titles, urls, renderer: Renderer, site_dir: Path, site_url: str, log, shared):
    """The edition, and its Annex 1's forms as a PDF of their own in which each form is numbered on its own, begun
    in the shared workers: the function returned finishes both (pdf.start). renderer makes URLs relative to the
    revision's home; urls are the pages' own, site_url the site's."""
    revision = edition.revision
    register = edition.register
    check = paper.check_url(site_url, revision.version)
    home = paper.revision_home(site_url, revision.version)
    company = edition.facts.variables().get("company", {})
    front = pdf.cover(
        {
            "title": "办事处营运手册",
            "company_name": str(company.get("name", "")),
            "revision": revision,
            "previous": register.previous(revision),
            "register": register,
            "check_url": check,
            "qr": paper.qr_data_uri(check),
        }
    )
    document = pdf.Edition(
        title="办事处营运手册",
        revision_title=revision.title,
        effective=revision.effective.isoformat(),
        front=[front],
        parts=parts(nav_pages, contents, renderer, titles, urls, home),
        site_url=home,
        metadata={
            "/Author": str(company.get("name", "")),
            "/Subject": f"{revision.title}（{revision.version}）",
            "/Keywords": f"受控版本 {revision.notice or revision.kind} {revision.effective.isoformat()} 起生效",
        },
    )
    forms = [part for part in document.parts if part.key.startswith("form-")]
    extract = (
        (
            site_dir / forms_file_name(revision.version),
            [part.key for part in forms],
            {
                "titles": {part.key: part.title for part in forms},
                "/Title": f"办事处营运手册 {revision.title} 附件一 表格汇编",
                "/Subject": f"{revision.title}（{revision.version}）全部表格，每张表单独编页",
            },
        )
        if forms
        else None
    )
    return pdf.start(
        document,
        site_dir / file_name(revision.version),
        base_url=str(site_dir) + "/",
        log=log,
        extract=extract,
        shared=shared,
    )
