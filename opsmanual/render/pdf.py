"""The controlled edition: one PDF of the whole manual as a revision states it, made with WeasyPrint.

Cover (revision, notice, dates, the approval block, a controlled-copy number to fill in, how to check currency,
with the currency-check QR code), the revision register, a table of contents with page numbers, every chapter,
the annexes with each form from a new page, the glossary; the chapter as running header, the revision and its
effective date in every footer, 第 X 页 共 Y 页, change bars on what the revision changed, CJK fonts embedded.

WeasyPrint is slow (a few pages a second per core), so the body is cut into batches laid out in parallel, one
process per core, in workers that the edition and the kit share: the kit's batches are laid out while this
process finishes the edition. The page numbers, which need the whole, are stamped over every page (a one-line page
of WeasyPrint's per page, merged with pypdf), and the table of contents is made last, with the numbers the parts
gave. Links lead to the revision on the site, or, where the edition holds their target, to its page in the PDF.
Why WeasyPrint: it is made for paged HTML (margin boxes, string-set, named pages, leaders) and embeds subset
fonts; Chromium's printing has no running headers from content nor table-of-contents page numbers.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from .blocks import parse, serialize
from .renderer import css_string, templates

CSS_FILE = Path(__file__).parent / "templates" / "edition.css"
KIT_CSS_FILE = Path(__file__).parent / "templates" / "kit.css"
SMALL = 400_000  # characters of HTML below which one process lays the edition out


@dataclass
class Part:
    """One document of the edition: it starts on a new page and has an entry in the table of contents."""

    key: str
    title: str
    html: str
    level: int = 1
    url: str | None = None  # where it is on the site, relative to the revision's home: links to it stay in the PDF


@dataclass
class Edition:
    title: str  # 办事处营运手册
    revision_title: str  # 第1版第3次修订
    effective: str
    front: list[str]  # cover, register: HTML before the table of contents
    parts: list[Part]
    metadata: dict = field(default_factory=dict)
    site_url: str = ""  # the revision's home on the site (https://…/1.3/): what the parts' links lead to


@dataclass
class Written:
    path: Path
    pages: int
    sha256: str
    size: int
    seconds: float
    starts: dict[str, int]  # part key -> its first page (1-based)


def column_widths(table) -> None:
    """Widths for a table's columns from the length of their text: the edition lays tables out with
    table-layout: fixed (a third faster than WeasyPrint's automatic layout), which needs them."""
    if table.find("colgroup") is not None:
        return
    rows = [row for row in table.iter("tr")]
    if not rows:
        return
    columns = max(len([c for c in row if c.tag in ("td", "th")]) for row in rows)
    if columns < 2:
        return
    lengths = [1.0] * columns
    for row in rows:
        for index, cell in enumerate(c for c in row if c.tag in ("td", "th")):
            if index < columns:
                lengths[index] = max(lengths[index], min(len("".join(cell.itertext()).strip()), 60))
    weights = [max(2.0, value) ** 0.6 for value in lengths]
    total = sum(weights)
    colgroup = etree.Element("colgroup")
    for weight in weights:
        etree.SubElement(colgroup, "col", {"style": f"width: {100 * weight / total:.1f}%"})
    table.insert(0, colgroup)


def site_links(root, page_url: str, site_url: str, key: str) -> None:
    """The links of a page laid out for paper: each id made unique in the job (key--id) and a link within the page
    kept inside the PDF; any other link made absolute on the published site (page_url is the page's URL relative
    to the revision's home, site_url that home). WeasyPrint would resolve a relative link against the build folder
    and write file:///tmp/… into the PDF."""
    for element in root.iter():
        if element.get("id"):
            element.set("id", f"{key}--{element.get('id')}")
    base = urljoin(site_url, page_url)
    for link in root.iter("a"):
        href = link.get("href")
        if href is None or urlsplit(href).scheme:
            continue
        link.set("href", f"#{key}--{unquote(href[1:])}" if href.startswith("#") else urljoin(base, href))


def _form_reference(section):
    """What stands in a chapter for a form it embeds: ［表格 code title：见附件一］, keeping the form's id (what linked
    to the form lands here) and, when the form's title links to its page, leading there (Annex 1, in the PDF)."""
    code = section.get("data-code", "")
    heading = next(iter(section.xpath(".//*[contains(concat(' ', @class, ' '), ' manual-form__title ')]")), None)
    title = "".join(heading.itertext()).strip() if heading is not None else ""
    link = heading.find(".//a[@href]") if heading is not None else None
    reference = etree.Element("p", {"class": "form-reference"})
    if section.get("id"):
        reference.set("id", section.get("id"))
    if link is None:
        reference.text = f"［表格 {code} {title}：见附件一］"
    else:
        reference.text = "［表格 "
        etree.SubElement(reference, "a", {"href": link.get("href")}).text = f"{code} {title}"
        reference[-1].tail = "：见附件一］"
    reference.tail = section.tail
    return reference


def for_paper(
    html: str, key: str, *, page_url: str = "", site_url: str = "", forms: bool = False, widths: bool = True
) -> str:
    """A page's content laid out as part `key` of a PDF: links lead to the site (site_links, when site_url is
    given); tables get column widths; an embedded form becomes a reference to Annex 1, which holds the forms,
    unless forms is set (a form itself, the kit's documents)."""
    root = parse(html)
    for section in [] if forms else list(root.iter("section")):
        if "manual-form" in (section.get("class") or "").split():
            section.getparent().replace(section, _form_reference(section))
    for table in root.iter("table") if widths else ():
        column_widths(table)
    if site_url:
        site_links(root, page_url, site_url, key)
    return serialize(root)


def page_css(edition: Edition) -> str:
    header = f"《{edition.title}》{edition.revision_title}"
    footer = (
        f"《{edition.title}》{edition.revision_title}　{edition.effective} 起生效　受控本以本页为准，打印件为非受控文件"
    )
    return (
        f"@page {{ @top-right {{ content: {css_string(header)}; }} @bottom-left {{ content: {css_string(footer)}; }} }}"
    )


def _document(body: str, css: str) -> str:
    return f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><style>{css}</style></head><body>{body}</body></html>'


class Laid(NamedTuple):
    """One batch laid out: its PDF, its page count, and every anchor's page (0-based) and height from the page's
    top, in points (the parts' own anchors, part-<key>, included)."""

    pdf: bytes
    pages: int
    anchors: dict[str, tuple[int, float]]


def _render_part(args: tuple[str, str]) -> Laid:
    """In a worker: lay out one batch of parts."""
    from weasyprint import HTML

    html, base = args
    document = HTML(string=html, base_url=base).render()
    anchors: dict[str, tuple[int, float]] = {}
    for number, page in enumerate(document.pages):
        for anchor, (_, top, *_) in page.anchors.items():
            anchors.setdefault(anchor, (number, top * 0.75))
    return Laid(document.write_pdf(), len(document.pages), anchors)


def batches(parts: list[Part], count: int) -> list[list[Part]]:
    """Consecutive runs of parts of about equal size (HTML length), for the workers."""
    total = sum(len(p.html) for p in parts) or 1
    out, current, size = [], [], 0
    for part in parts:
        current.append(part)
        size += len(part.html)
        if size >= total / count * (len(out) + 1) and len(out) < count - 1:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


WORKERS = max(1, min(2, os.cpu_count() or 1))  # processes laying PDFs out: one per core, two at most here


def pool() -> ProcessPoolExecutor:
    """Workers that several print jobs of one build share (the edition and the kit): the second job's batches are
    laid out while this process finishes the first (its contents, its page numbers), so both cores stay busy."""
    return ProcessPoolExecutor(max_workers=WORKERS)


def _lay_out(
    parts: list[Part],
    css: str,
    base_url: str,
    workers: int | None,
    attributes=lambda part: "",
    shared: ProcessPoolExecutor | None = None,
):
    """Start laying parts out in batches; returns a function that waits for each batch's Laid, and the batches. In the shared pool, or, without one, in parallel when they are big
    (a small job in this process: starting workers would cost more than they save)."""
    size = sum(len(part.html) for part in parts)
    workers = workers or (WORKERS if shared is not None or size > SMALL else 1)
    groups = batches(parts, workers * 2 if workers > 1 else 1)
    jobs = [
        (
            _document(
                "".join(f'<section class="part" id="part-{p.key}"{attributes(p)}>{p.html}</section>' for p in group),
                css,
            ),
            base_url,
        )
        for group in groups
    ]
    if shared is not None:
        futures = [shared.submit(_render_part, job) for job in jobs]
        return lambda: [future.result() for future in futures], groups
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as own:
            results = list(own.map(_render_part, jobs))
        return lambda: results, groups
    return lambda: [_render_part(job) for job in jobs], groups


def _placed(results: list[Laid], groups: list[list[Part]], offset: int):
    """Each batch with its parts and the index, in the job, of its first page (the batches follow offset pages)."""
    position = offset
    for laid, group in zip(results, groups):
        yield laid, group, position
        position += laid.pages


def _starts(results: list[Laid], groups: list[list[Part]], offset: int = 0) -> dict[str, int]:
    """Each part's first page (1-based) in the job, its batches following offset pages."""
    return {
        part.key: position + laid.anchors.get(f"part-{part.key}", (0, 0))[0] + 1
        for laid, group, position in _placed(results, groups, offset)
        for part in group
    }


def _targets(
    parts: list[Part], results: list[Laid], groups: list[list[Part]], offset: int
) -> dict[str, tuple[int, float]]:
    """Where a link to the site lands in the edition, by its URL relative to the revision's home (unquoted): each
    part's page and the anchors in it (site_links named them key--id), as (page index, height from the top)."""
    url_of = {part.key: part.url for part in parts if part.url is not None}
    found: dict[str, tuple[int, float]] = {}
    for laid, _, position in _placed(results, groups, offset):
        for anchor, (page, top) in laid.anchors.items():
            if anchor.startswith("part-"):  # the part itself
                url = url_of.get(anchor[5:])
            else:  # a heading in it
                key, _, name = anchor.partition("--")
                url = f"{url_of[key]}#{name}" if name and key in url_of else None
            if url is not None:
                found.setdefault(url, (position + page, top))
    return found


def _links_inside(writer, site_url: str, targets: dict[str, tuple[int, float]]) -> None:
    """A link to a page or heading that is in the edition goes there in the PDF instead of to the site."""
    from pypdf.generic import ArrayObject, FloatObject, NameObject, NullObject

    for page in writer.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            target = targets.get(unquote(uri[len(site_url) :])) if uri.startswith(site_url) else None
            if target is None:
                continue
            index, top = target
            height = float(writer.pages[index].mediabox.height)
            annotation[NameObject("/Dest")] = ArrayObject(
                [
                    writer.pages[index].indirect_reference,
                    NameObject("/XYZ"),
                    NullObject(),
                    FloatObject(height - top),
                    NullObject(),
                ]
            )
            del annotation["/A"]


# (the @page margin, the page number's distance below the text): the number goes in the bottom-right margin box
EDITION_MARGIN = ("18mm 14mm 22mm 22mm", "3mm")  # edition.css
KIT_MARGIN = ("16mm 12mm 26mm 22mm", "2mm")  # a printed page of the site's (print.css)


def _labels(labels: list[str], margin: tuple[str, str]) -> bytes:
    """One page per label, nothing on it but the label where the page number goes: stamped over the pages."""
    from weasyprint import HTML

    body = "".join(f'<div data-n="{_escape(label)}"></div>' for label in labels)
    margin, padding = margin
    style = (
        f"@page {{ size: A4; margin: {margin}; @bottom-right {{ content: string(number); font-size: 8pt; "
        f'vertical-align: top; padding-top: {padding}; font-family: "Noto Sans CJK SC", sans-serif; }} }} '
        "div { string-set: number attr(data-n); break-after: page; } div:last-child { break-after: auto; }"
    )
    return HTML(string=_document(body, style)).render().write_pdf()


def numbered_on_their_own(firsts: list[int], total: int) -> list[str]:
    """第 X 页 共 Y 页 for every page of documents that start on the pages firsts (1-based) of a job of total pages,
    each counted on its own."""
    labels = []
    for first, following in pairwise([*firsts, total + 1]):
        labels += [f"第 {n} 页 共 {following - first} 页" for n in range(1, following - first + 1)]
    return labels


def _stamp(writer, labels: list[str], margin: tuple[str, str]) -> None:
    """Each label over its page of writer (the page numbers, which need the whole job)."""
    from pypdf import PdfReader

    numbers = PdfReader(io.BytesIO(_labels(labels, margin)))
    for number, page in enumerate(writer.pages):
        page.merge_page(numbers.pages[number])
        page.compress_content_streams()


def _pdf_bytes(writer) -> bytes:
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _extract(
    results, offset: int, starts: dict[str, int], keys: list[str], following: int, target: Path, metadata: dict
) -> Written:
    """Pages of some consecutive parts of the edition, as laid out for it (before its page numbers were stamped),
    as a PDF of their own in which each part is numbered on its own: Annex 1 as 打印全部表格."""
    from pypdf import PdfReader, PdfWriter

    started = time.monotonic()
    body = PdfWriter()
    for laid in results:
        body.append(PdfReader(io.BytesIO(laid.pdf)))
    firsts = [starts[key] for key in keys]
    pages = range(firsts[0] - 1 - offset, following - 1 - offset)
    writer = PdfWriter()
    for index in pages:
        writer.add_page(body.pages[index])
    relative = [first - firsts[0] + 1 for first in firsts]
    _stamp(writer, numbered_on_their_own(relative, len(pages)), EDITION_MARGIN)
    for key, first in zip(keys, relative):
        writer.add_outline_item(title=metadata.get("titles", {}).get(key, key), page_number=first - 1)
    writer.add_metadata({k: v for k, v in metadata.items() if k.startswith("/")})
    data = _pdf_bytes(writer)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return Written(
        target,
        len(pages),
        hashlib.sha256(data).hexdigest(),
        len(data),
        time.monotonic() - started,
        dict(zip(keys, relative)),
    )


def write(
    edition: Edition,
    target: Path,
    base_url: str,
    workers: int | None = None,
    log=lambda line: None,
    extract: tuple[Path, list[str], dict] | None = None,
    shared: ProcessPoolExecutor | None = None,
) -> tuple[Written, Written | None]:
    """The edition as one PDF at target; and, with extract (target, part keys, metadata), those parts' pages as a
    PDF of their own, each part numbered on its own."""
    return start(edition, target, base_url, workers, log, extract, shared)()


def start(
    edition: Edition,
    target: Path,
    base_url: str,
    workers: int | None = None,
    log=lambda line: None,
    extract: tuple[Path, list[str], dict] | None = None,
    shared: ProcessPoolExecutor | None = None,
):
    """write(), begun: the body's batches are handed to the workers; the returned function makes the rest (cover,
    contents, page numbers, Annex 1 on its own) and returns what write() returns."""
    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML

    started = time.monotonic()
    css = CSS_FILE.read_text(encoding="utf-8") + page_css(edition)
    wait, groups = _lay_out(edition.parts, css, base_url, workers, shared=shared)

    def contents(starts: dict[str, int] | None) -> str:
        entries = "".join(
            f'<li class="level-{p.level}" data-page="{starts[p.key] if starts else 999}">{_escape(p.title)}</li>'
            for p in edition.parts
        )
        return f'<section class="part toc"><h1 class="part-title">目录</h1><ol>{entries}</ol></section>'

    def finish() -> tuple[Written, Written | None]:
        # the cover and the length of the contents (page numbers of three digits) while the workers lay out
        front_pdf = HTML(string=_document("".join(edition.front), css), base_url=base_url).render()
        toc_pages = len(HTML(string=_document(contents(None), css), base_url=base_url).render().pages)
        results = wait()
        laid_out = time.monotonic()
        log(f"排版正文：{len(edition.parts)} 个部分，分 {len(groups)} 批（{laid_out - started:.1f} 秒）")
        body_pages = sum(laid.pages for laid in results)
        starts = _starts(results, groups, len(front_pdf.pages) + toc_pages)
        toc_pdf = HTML(string=_document(contents(starts), css), base_url=base_url).render()
        total = len(front_pdf.pages) + len(toc_pdf.pages) + body_pages
        log(f"合成 {total} 页，盖上页码")
        writer = PdfWriter()
        for pdf in [front_pdf.write_pdf(), toc_pdf.write_pdf()] + [laid.pdf for laid in results]:
            writer.append(PdfReader(io.BytesIO(pdf)))
        if edition.site_url:
            _links_inside(
                writer,
                edition.site_url,
                _targets(edition.parts, results, groups, len(front_pdf.pages) + len(toc_pdf.pages)),
            )
        _stamp(writer, [f"第 {n} 页 共 {total} 页" for n in range(1, total + 1)], EDITION_MARGIN)
        for part in edition.parts:
            if part.level == 1:
                writer.add_outline_item(title=part.title, page_number=starts[part.key] - 1)
        writer.add_metadata({"/Title": f"{edition.title} {edition.revision_title}", **edition.metadata})
        data = _pdf_bytes(writer)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written = Written(
            target, total, hashlib.sha256(data).hexdigest(), len(data), time.monotonic() - started, starts
        )
        extracted = None
        if extract:
            path, keys, metadata = extract
            order = [part.key for part in edition.parts]
            last = order.index(keys[-1])
            following = starts[order[last + 1]] if last + 1 < len(order) else total + 1
            extracted = _extract(
                results, len(front_pdf.pages) + len(toc_pdf.pages), starts, keys, following, path, metadata
            )
        return written, extracted

    return finish


@dataclass
class Document:
    """One document of a print job that is numbered on its own (第 X 页 共 Y 页 of its own sheets)."""

    key: str
    title: str  # the header's name of it: REC-05 阅读确认签名表, 第二章 服务 修订对照
    html: str


def write_documents(documents: list[Document], target: Path, base_url: str, **options) -> Written:
    """Several documents in one PDF (start_documents, with the same options), and wait for it."""
    return start_documents(documents, target, base_url, **options)()


def start_documents(
    documents: list[Document],
    target: Path,
    base_url: str,
    *,
    revision_title: str,
    effective: str,
    check_url: str,
    site_url: str = "",
    metadata: dict | None = None,
    workers: int | None = None,
    log=lambda line: None,
    shared: ProcessPoolExecutor | None = None,
):
    """Several documents in one PDF, each from a new sheet and numbered on its own, with the margins of a printed
    page of the site (paper.page_style: the document's name in the header, the revision, dates, uncontrolled-copy
    line, the QR code of check_url). Laid out together (one set of embedded fonts, in parallel as the edition is),
    then 第 X 页 共 Y 页 of each document stamped over its pages. Returns the function that waits for the layout,
    stamps and writes the PDF, and returns it."""
    from pypdf import PdfReader, PdfWriter

    from . import paper

    started = time.monotonic()
    css = (
        CSS_FILE.read_text(encoding="utf-8")
        + KIT_CSS_FILE.read_text(encoding="utf-8")
        + paper.page_style("", revision_title, effective, check_url, qr="png")
        + "@page { @top-left { content: string(document); } @bottom-right { content: none; } }"
    )
    parts = [
        Part(
            d.key,
            d.title,
            for_paper(d.html, d.key, site_url=site_url, forms=True, widths=False) if site_url else d.html,
        )
        for d in documents
    ]
    wait, groups = _lay_out(parts, css, base_url, workers, lambda p: f' data-title="{_escape(p.title)}"', shared)

    def finish() -> Written:
        results = wait()
        starts = _starts(results, groups)
        total = sum(laid.pages for laid in results)
        labels = numbered_on_their_own([starts[d.key] for d in documents], total)
        writer = PdfWriter()
        for laid in results:
            writer.append(PdfReader(io.BytesIO(laid.pdf)))
        _stamp(writer, labels, KIT_MARGIN)
        for document in documents:
            writer.add_outline_item(title=document.title, page_number=starts[document.key] - 1)
        writer.add_metadata(metadata or {})
        data = _pdf_bytes(writer)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        seconds = time.monotonic() - started
        log(f"文件包 PDF：{len(documents)} 份文件，{total} 页，{len(data) / 1024 / 1024:.1f} MB，用时 {seconds:.1f} 秒")
        return Written(target, total, hashlib.sha256(data).hexdigest(), len(data), seconds, starts)

    return finish


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def cover(context: dict) -> str:
    return templates().get_template("edition.html").render(**context)
