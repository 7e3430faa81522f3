"""The controlled edition: the PDF of every published revision, opened and read back (pypdf, PDFium's text,
pdftoppm): its table of contents leads to the right pages, every footer names the revision, what the
revision changed is marked, its fonts are embedded, and the manifest's SHA-256 is its own."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

import conftest
from conftest import made_once, pdf_bands, text_of

MM = 72 / 25.4


def pdf_of(tree: Path, version: str) -> Path:
    return tree / version / f"manual-{version}.pdf"


@functools.cache
def pages_text(pdf: Path) -> tuple[str, ...]:
    """The text of every page, once per file and run: the header band, the body, the footer band (edition.css's
    margins), each in the lines PDFium finds."""

    def read(folder: Path) -> dict:
        return {
            "pages": [
                "\n".join((page["header"], page["body"], page["footer"])) for page in pdf_bands(pdf, 18 * MM, 22 * MM)
            ]
        }

    name = "pdftext-" + hashlib.sha256(str(pdf).encode("utf-8")).hexdigest()[:16]
    return tuple(made_once(conftest.CONFIG, name, read)["pages"])


def page_text(pdf: Path, number: int) -> str:
    return pages_text(pdf)[number - 1]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def tree(history) -> Path:
    return history["tree"]


@pytest.fixture(scope="module")
def newest(tree) -> str:
    return json.loads((tree / "versions.json").read_text(encoding="utf-8"))[0]["version"]


def test_every_published_version_has_its_pdf_in_the_manifest_and_sha256sums(tree):
    manifest = json.loads((tree / "manifest.json").read_text(encoding="utf-8"))
    sums = (tree / "SHA256SUMS").read_text(encoding="utf-8")
    for version, item in manifest["versions"].items():
        pdf = pdf_of(tree, version)
        assert item["pdf"]["path"] == f"{version}/manual-{version}.pdf"
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == item["pdf"]["sha256"]
        assert f"{item['pdf']['sha256']}  {version}/manual-{version}.pdf" in sums
        assert len(PdfReader(pdf).pages) == item["pdf"]["pages"]
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tree, capture_output=True, text=True, check=False)
    listed = sum(1 for item in manifest["versions"].values() for key in ("pdf", "forms", "kit") if item.get(key))
    assert listed == 3 * len(manifest["versions"]), "every version lists its edition, its forms and its kit PDF"
    assert check.returncode == 0 and check.stdout.count(": OK") == listed, check.stdout + check.stderr


def test_annex_1_holds_the_forms_themselves_and_prints_alone_with_each_form_numbered_on_its_own(tree, newest):
    """打印全部表格 is Annex 1 of the edition as a PDF of its own: every form from a new sheet with its items, ruled
    and boxed as in the edition, and 第 1 页 共 N 页 counted per form; the print-all page offers it."""
    from opsmanual.data.snapshot import working_tree
    from opsmanual.project import Project

    forms = list(working_tree(Project.load(tree.parent / "repo")).forms)  # the newest revision is the working tree
    item = json.loads((tree / "manifest.json").read_text(encoding="utf-8"))["versions"][newest]["forms"]
    pdf = tree / item["path"]
    assert (
        item["path"] == f"{newest}/forms/forms-{newest}.pdf"
        and hashlib.sha256(pdf.read_bytes()).hexdigest() == item["sha256"]
    )
    pages = [squash(page_text(pdf, n)) for n in range(1, item["pages"] + 1)]
    starts = [n for n, text in enumerate(pages) if "第1页共" in text]
    assert len(starts) == len(forms), f"{len(starts)} forms start in the PDF, {len(forms)} are registered"
    for form, first, following in zip(forms, starts, [*starts[1:], len(pages)]):
        assert form.code in pages[first] and squash(form.title) in pages[first], (
            f"{form.code} is not on page {first + 1}"
        )
        assert "见附件一" not in pages[first], f"{form.code}: a reference to Annex 1 instead of the form"
        if form.kind == "checklist":
            assert squash(form.items[0].standard)[:12] in pages[first], f"{form.code}: its first item is not printed"
        count = following - first
        assert all(f"第{n}页共{count}页" in pages[first + n - 1] for n in range(1, count + 1)), (
            f"{form.code}: numbering"
        )
    edition = squash("".join(pages_text(pdf_of(tree, newest))))
    missing = [
        form.code for form in forms if form.kind == "checklist" and squash(form.items[0].standard)[:12] not in edition
    ]
    assert not missing, f"the edition's Annex 1 does not hold these checklists' items (a reference instead?): {missing}"
    page = (tree / newest / "forms" / "print-all" / "index.html").read_text(encoding="utf-8")
    assert f"../forms-{newest}.pdf" in page and "manual-checklist" not in page


def test_every_page_of_a_version_links_to_its_pdf(tree, newest):
    for page in ("index.html", "02-service/index.html", "forms/sos-02/index.html"):
        html = (tree / newest / page).read_text(encoding="utf-8")
        assert f"manual-{newest}.pdf" in html and "下载本版 PDF" in text_of(html), page


def test_the_cover_says_what_the_edition_is(tree, newest):
    pdf = pdf_of(tree, newest)
    cover = squash(page_text(pdf, 1))
    manifest = json.loads((tree / "manifest.json").read_text(encoding="utf-8"))["versions"][newest]["entry"]
    for words in (
        "办事处营运手册",
        "衡远仪器有限公司",
        manifest["effective"],
        manifest["issued"],
        "编写",
        "审核",
        "批准",
        manifest["approved_by"].replace(" ", ""),
        "受控本编号",
        "扫描",
        "核对",
        "/check/?v=" + newest,
    ):
        assert squash(words) in cover, words
    if manifest.get("notice"):
        assert squash(manifest["notice"]) in cover
    reader = PdfReader(pdf)
    assert "第1版" in reader.metadata.title


def toc_entries(pdf: Path) -> list[tuple[str, int]]:
    """(title, page) of every line of the table of contents (the pages after the register titled 目录)."""
    entries = []
    for number in range(2, 8):
        text = page_text(pdf, number)
        if "目录" not in text.splitlines()[0] + text[:200]:
            continue
        for line in text.splitlines():
            match = re.match(r"\s*(\S.*?)\s*\.{3,}\s*(\d+)\s*$", line)
            if match:
                entries.append((match.group(1).strip(), int(match.group(2))))
    return entries


def test_the_table_of_contents_leads_to_the_pages_where_the_chapters_start(tree, newest):
    pdf = pdf_of(tree, newest)
    entries = toc_entries(pdf)
    titles = [title for title, _ in entries]
    assert any(t.startswith("第二章") for t in titles) and any(t.startswith("SOS-01") for t in titles), titles[:20]
    total = len(PdfReader(pdf).pages)
    pages = [page for _, page in entries]
    assert pages == sorted(pages) and pages[-1] <= total
    for title, page in entries:
        head = squash(page_text(pdf, page))[:400]
        form = re.match(r"((?:SOS|OPS|REC)-\d{2}) (.+)", title)  # a form's page: its code, its category, its title
        for words in [form.group(1), squash(form.group(2))[:12]] if form else [squash(title)[:12]]:
            assert words in head, f"{title} is said to start on page {page}, which begins: {head[:120]}"


def test_every_footer_names_the_revision_its_date_and_the_page_of_the_whole(tree, newest):
    pdf = pdf_of(tree, newest)
    total = len(PdfReader(pdf).pages)
    entry = json.loads((tree / "manifest.json").read_text(encoding="utf-8"))["versions"][newest]["entry"]
    title = json.loads((tree / "versions.json").read_text(encoding="utf-8"))[0]["title"]
    assert total > 100
    for number in (2, total // 2, total):
        text = squash(page_text(pdf, number))
        assert f"第{number}页共{total}页" in text, (number, text[-200:])
        assert squash(title) in text and entry["effective"] in text, number


def test_chapters_have_a_running_header(tree, newest):
    pdf = pdf_of(tree, newest)
    entries = dict(toc_entries(pdf))
    start = next(page for title, page in entries.items() if title.startswith("第二章"))
    assert page_text(pdf, start + 1).strip().splitlines()[0].strip().startswith("第二章")


def change_bars(page) -> int:
    """Thin tall black boxes near the left margin: a change bar as WeasyPrint draws a left border (a four-point
    path, clipped and filled black), 1–4 pt wide and taller than 3 mm, between 14 and 30 mm from the left edge."""
    count, stack, scale, path, black = 0, [], 1.0, [], True
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"q":
            stack.append((scale, black))
        elif operator == b"Q":
            scale, black = stack.pop() if stack else (1.0, True)
        elif operator == b"rg":
            black = all(float(v) < 0.05 for v in operands)
        elif operator == b"cm":
            scale *= abs(float(operands[0]))
        elif operator == b"m":
            path = [(float(operands[0]), float(operands[1]))]
        elif operator == b"l":
            path.append((float(operands[0]), float(operands[1])))
        elif operator in (b"W*", b"W", b"f", b"f*"):
            if len(path) == 4:
                xs, ys = [x for x, _ in path], [y for _, y in path]
                width, height, left = (max(xs) - min(xs)) * scale, (max(ys) - min(ys)) * scale, min(xs) * scale
                if black and 0.8 <= width <= 4 and height >= 3 * MM and 14 * MM <= left <= 30 * MM:
                    count += 1
            path = []
    return count


def test_what_a_revision_changed_is_marked_in_the_margin_and_nothing_else(tree):
    """1.1 shortened complaint acknowledgement to 2 working hours in chapter 2: its pages carry change bars,
    chapter 1's do not."""
    pdf = pdf_of(tree, "1.1")
    reader = PdfReader(pdf)
    entries = dict(toc_entries(pdf))
    ch1 = next(page for title, page in entries.items() if title.startswith("第一章"))
    ch2 = next(page for title, page in entries.items() if title.startswith("第二章"))
    ch3 = next(page for title, page in entries.items() if title.startswith("第三章"))
    marked = [n for n in range(ch2, ch3) if change_bars(reader.pages[n - 1])]
    assert marked, "no change bar in chapter 2 of 1.1"
    assert any("工作小时" in page_text(pdf, n) for n in marked)
    assert not any(change_bars(reader.pages[n - 1]) for n in range(ch1, ch2))


def fonts_of(reader: PdfReader) -> dict[str, bool]:
    """Every font the pages (and the forms they draw) use, by name, and whether its glyphs are in the file: a font
    file in its descriptor (a composite font's: its descendant's), or a Type 3 font, which draws its own. What
    pdffonts' "emb" column says, read with pypdf: pdffonts took eight seconds over the 263 pages of an edition."""
    found: dict[str, bool] = {}
    seen: set = set()

    def embedded(font) -> bool:
        if font.get("/Subtype") == "/Type3":
            return True
        if font.get("/Subtype") == "/Type0":
            font = font["/DescendantFonts"][0].get_object()
        descriptor = font.get("/FontDescriptor")
        return descriptor is not None and any(
            key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
        )

    def unseen(objects):
        """The objects of a resource dictionary not met before (pages share them), resolved."""
        for reference in (objects or {}).values():
            key = getattr(reference, "idnum", None) or id(reference)
            if key not in seen:
                seen.add(key)
                yield reference.get_object()

    def visit(resources) -> None:
        resources = resources.get_object() if resources is not None else {}
        for font in unseen(resources.get("/Font")):
            name = str(font.get("/BaseFont", font.get("/Name", "?")))
            found[name] = found.get(name, True) and embedded(font)
        for xobject in unseen(resources.get("/XObject")):
            if xobject.get("/Subtype") == "/Form":
                visit(xobject.get("/Resources"))

    for page in reader.pages:
        visit(page.get("/Resources"))
    return found


def test_a_font_left_out_of_the_file_is_told():
    """fonts_of is not blind: a page that names Helvetica without its glyphs (a viewer would substitute one)."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    helvetica = DictionaryObject(
        {
            NameObject(k): NameObject(v)
            for k, v in (("/Type", "/Font"), ("/Subtype", "/Type1"), ("/BaseFont", "/Helvetica"))
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): helvetica})}
    )
    assert fonts_of(writer) == {"/Helvetica": False}


def test_the_cjk_fonts_are_embedded_and_no_glyph_is_missing(tree, newest):
    pdf = pdf_of(tree, newest)
    fonts = fonts_of(PdfReader(pdf))
    assert fonts and all(fonts.values()), fonts
    assert any("CJK" in name for name in fonts), fonts
    text = "".join(pages_text(pdf))
    assert "\ufffd" not in text and "客户投诉" in squash(text)


def test_page_images_are_kept_as_artefacts(tree, newest, artefacts):
    pdf = pdf_of(tree, newest)
    entries = dict(toc_entries(pdf))
    pages = {
        "cover": 1,
        "toc": min(entries.values()) - 1 if entries else 3,
        "chapter": next(p for t, p in entries.items() if t.startswith("第二章")) + 1,
        "form": next(p for t, p in entries.items() if t.startswith("SOS-02")),
    }
    for name, number in pages.items():
        target = artefacts / f"pdf-{newest}-{name}"
        subprocess.run(
            [
                "pdftoppm",
                "-f",
                str(number),
                "-l",
                str(number),
                "-r",
                "60",
                "-png",
                "-singlefile",
                str(pdf),
                str(target),
            ],
            check=True,
        )
        assert Path(f"{target}.png").stat().st_size > 10_000


def links_of(pdf: Path) -> list[tuple[int, str | int]]:
    """Every link of a PDF: (page index, the URI it opens or the index of the page it goes to; a destination name
    that the PDF does not define stays a name, and fails the tests)."""
    reader = PdfReader(pdf)
    pages = {page.indirect_reference.idnum: index for index, page in enumerate(reader.pages)}
    found = []
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if "/A" in annotation and "/URI" in annotation["/A"].get_object():
                found.append((index, str(annotation["/A"].get_object()["/URI"])))
            elif "/Dest" in annotation:  # a page, or a named destination (WeasyPrint's link within a document)
                destination = annotation["/Dest"]
                if isinstance(destination, str):
                    named = reader.named_destinations.get(destination)
                    found.append((index, reader.get_destination_page_number(named) if named else destination))
                else:
                    found.append((index, pages.get(destination[0].idnum, -1)))
    return found


def test_every_link_of_the_pdfs_leads_into_the_edition_or_to_its_revision_on_the_site(tree, newest):
    """A cross-reference of the edition goes to the page it names in the PDF; a link to what the edition does not
    hold (the register, a form's print page from the kit) opens that revision on the intranet site; no link opens
    the folder the PDF was built in (file:///tmp/…)."""
    item = json.loads((tree / "manifest.json").read_text(encoding="utf-8"))["versions"][newest]
    home = f"https://manual.example.internal/{newest}/"
    pages = len(PdfReader(pdf_of(tree, newest)).pages)
    for kind in ("pdf", "forms", "kit"):
        for page, target in links_of(tree / item[kind]["path"]):
            assert isinstance(target, int) and 0 <= target < pages or str(target).startswith(home), (
                kind,
                page + 1,
                target,
            )
    inside = [target for _, target in links_of(pdf_of(tree, newest)) if isinstance(target, int)]
    assert len(inside) > 500, f"only {len(inside)} links of the edition stay inside it"


def test_a_cross_reference_lands_on_the_heading_it_names_and_each_part_keeps_its_own_anchors(tmp_path):
    """Two chapters with a heading of the same id, a link within each page, one to the other chapter's heading on
    its third sheet, one to a page the edition does not hold; an embedded form becomes a reference to Annex 1."""
    from opsmanual.render import pdf

    filler = "<p>正文。</p>" * 40
    home = "https://manual.example.internal/2.0/"
    a = (
        '<h1>第一章</h1><p><a href="#职责">本章职责</a> <a href="../b/#%E7%9B%AE%E6%A0%87">第二章的目标</a> '
        '<a href="../revisions/">修订登记册</a></p>' + filler + '<h2 id="职责">职责甲</h2>'
        '<section class="manual-form" data-code="REC-01" id="rec-01"><h3 class="manual-form__title manual-changed">'
        '<a href="../forms/rec-01/">记录表</a></h3></section><p><a href="#rec-01">见记录表</a></p>'
    )
    b = (
        '<h1>第二章</h1><p><a href="#职责">本章职责</a></p>'
        + filler * 2
        + '<h2 id="目标">目标乙</h2><h2 id="职责">职责乙</h2>'
    )
    form = "<h1>REC-01 记录表</h1><p>表格正文</p>"
    parts = [
        pdf.Part("a", "第一章", pdf.for_paper(a, "a", page_url="a/", site_url=home), url="a/"),
        pdf.Part("b", "第二章", pdf.for_paper(b, "b", page_url="b/", site_url=home), url="b/"),
        pdf.Part(
            "form-rec-01",
            "REC-01 记录表",
            pdf.for_paper(form, "form-rec-01", site_url=home, forms=True),
            level=2,
            url="forms/rec-01/",
        ),
    ]
    edition = pdf.Edition("手册", "第2版", "2030-01-01", ["<p>封面</p>"], parts, site_url=home)
    written, _ = pdf.write(edition, tmp_path / "e.pdf", base_url=str(tmp_path) + "/", workers=1)
    text = [
        squash(page)
        for page in subprocess.run(
            ["pdftotext", str(written.path), "-"], capture_output=True, text=True, check=True
        ).stdout.split("\f")
    ]
    links = links_of(written.path)

    def lands(source: str, words: str) -> None:
        start = next(n for n, page in enumerate(text) if source in page)
        targets = [target for page, target in links if page == start and isinstance(target, int)]
        assert any(words in text[target] for target in targets), (source, words, links)

    lands("第二章的目标", "目标乙")
    assert any(words in text[t] for p, t in links if isinstance(t, int) for words in ("职责甲",)), links
    assert any(
        isinstance(t, int) and "职责乙" in text[t] for p, t in links if "本章职责" in text[p] and "第二章" in text[p]
    ), links
    assert (next(n for n, page in enumerate(text) if "第二章的目标" in page), home + "revisions/") in links
    assert "［表格REC-01记录表：见附件一］" in "".join(text)
    reference = next(n for n, page in enumerate(text) if "见附件一" in page)
    assert any(isinstance(t, int) and "表格正文" in text[t] for p, t in links if p == reference), links
    assert not [t for _, t in links if isinstance(t, str) and not t.startswith(home)], links
