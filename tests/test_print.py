"""Paper that says what it is (issue 16): pages of the PUBLISHED tree printed the way an office manager prints
them, and the printouts read back.

The published history (the `history` fixture: 1.0–1.3 with their PDFs) is served by the real nginx with the
shipped configuration (tests/servers.py), opened in Debian's Chromium with its clock fixed on a day when the
newest revision is in force (so the older ones are superseded), and printed to A4 with the stylesheet's page size
(page.pdf(prefer_css_page_size=True)) after the `beforeprint` event a browser sends before it prints. The PDFs
are read back with pypdf (text by zone: header, body, footer; outlined squares), `pdftoppm` (page images, kept
under test-artefacts/print/, for the margins, the fill of a sheet and the QR code) and `zbarimg` (the QR code).
The revision's kit PDF, made at publication with WeasyPrint, is read the same way.

Set MANUAL_PRINT_TREE=<a gh-pages checkout published with PDFs> to use that tree instead of publishing the
history (minutes) while iterating. Every page is printed once per run, by whichever test process asks first (printed_once).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import time
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from html import unescape as html_unescape
from pathlib import Path
from urllib.parse import quote, urlencode, urlparse

import pytest
from lxml import html as lxml_html
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ContentStream

import conftest
from conftest import made_once, pdf_bands, published_tree, text_of
from servers import Nginx

A4 = (595.28, 841.89)  # points
MM = 72 / 25.4  # points per millimetre
HEADER_ZONE = 16 * MM  # print.css: the top page margin, where the header's margin boxes are
FOOTER_ZONE = 26 * MM  # print.css: the bottom page margin, where the footer's margin boxes are
BINDING = 20  # mm of left margin a two-hole punch and binding need
IMAGE_DPI = 80  # page images kept as artefacts
UNCONTROLLED = "打印件为非受控文件"
DAILY = re.compile(r"^(每个营业日|每个工作日|每天|每日|每周)")  # a daily or weekly checklist
DAILY_FORMS = ("OPS-01", "OPS-03", "OPS-04")
# The chapters printed whole: 03 is the one that printed sheets of a single sentence (issue 16), 02 and 06 embed
# forms and a diagram. (Printing every chapter takes minutes; these cover the kinds of content.)
CHAPTERS = ("02-service", "03-operations", "06-training")
NAMES = {"superseded": "已被替代", "pending": "尚未生效", "withdrawn": "已撤销"}

pytestmark = pytest.mark.skipif(
    not shutil.which("zbarimg") or not shutil.which("pdftoppm"),
    reason="zbar-tools and poppler-utils are needed (./manual test installs them)",
)


# -- text of a printed page --------------------------------------------------------------------
# Chromium embeds the CJK font as Type 3 glyphs whose ToUnicode maps some ideographs to the radical
# that looks the same (人 -> U+2F08, 户 -> U+2F3E, 页 -> U+2EDA; the right character is only in an
# /ActualText span, which pypdf does not read). So a radical in the PDF's text may stand for an
# ideograph of the expected text, but for no more than half of them; everything else is compared
# after NFKC, and whitespace (where lines wrapped) is ignored.
# Dashes and slashes come back as look-alikes too (– as ‒, ／ as ∕): they are compared as - and /.
RADICAL = re.compile("[\u2e80-\u2fdf]")
LOOKALIKES = str.maketrans(
    {c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"} | {"\u2215": "/", "\u2044": "/"}
)


def squash(text: str) -> str:
    text = re.sub(r"\s+", "", text)
    return "".join(c if RADICAL.match(c) else unicodedata.normalize("NFKC", c) for c in text).translate(LOOKALIKES)


def pattern(text: str) -> str:
    return "".join(f"[{c}\u2e80-\u2fdf]" if "\u3400" <= c <= "\u9fff" else re.escape(c) for c in squash(text))


def contains(haystack: str, needle: str) -> bool:
    matches = re.finditer(f"(?=({pattern(needle)}))", squash(haystack))
    return any(len(RADICAL.findall(m.group(1))) * 2 <= len(m.group(1)) for m in matches)


def find(haystack: str, regex: str) -> list[re.Match]:
    """A regular expression over the squashed text, each ideograph also matching a radical."""
    loose = re.sub(r"[\u3400-\u9fff]", lambda m: f"[{m.group(0)}\u2e80-\u2fdf]", regex)
    return list(re.finditer(loose, squash(haystack)))


@dataclass
class Sheet:
    number: int
    width: float
    height: float
    header: str  # text in the top margin (the @page margin boxes)
    body: str  # text inside the page margins
    footer: str  # text in the bottom margin
    body_lines: int  # distinct baselines of body text
    text_left_mm: float  # leftmost x of any text on the sheet, mm
    squares: list = field(default_factory=list)  # outlined squares of 2.5–5 mm: (x mm, y mm, side mm)
    image: Path | None = None  # the page image (pdftoppm), an artefact

    @property
    def margins(self) -> str:
        return self.header + self.footer


@dataclass
class Printout:
    name: str
    pdf: Path
    sheets: list[Sheet]

    def __len__(self) -> int:
        return len(self.sheets)

    @property
    def body(self) -> str:
        return "".join(sheet.body for sheet in self.sheets)

    def qr(self, number: int) -> list[str]:
        """What zbarimg reads in the footer of sheet `number` (1-based): decode_qr."""
        return decode_qr(self.pdf, number, self.sheets[number - 1].height)


WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')


def words(pdf: Path) -> list[list[tuple[float, float, str]]]:
    """pdftotext's words of each page: (x, y from the top, text), in points; it reads the right characters and
    positions where pypdf's are off (a radical for an ideograph, a Type 3 font's text matrix)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [
        [(float(x), float(bottom), html_unescape(text)) for x, top, bottom, text in WORD.findall(page)]
        for page in out.split("<page ")[1:]
    ]


def read_sheets(pdf: Path, drawn: bool = True) -> list[Sheet]:
    """The sheets of a PDF: the margins' text from pdftotext's words by position, the body's text from pypdf
    (in the order it is drawn, so a table row reads as a row), outlined squares from the content stream.
    drawn=False (a long PDF, read for its margins): every band's text and the leftmost text read by PDFium
    (pypdfium2; a few seconds for the 324 sheets of a kit, where pdftotext took eight), no squares."""
    if not drawn:
        return bands(pdf)
    sheets = []
    for number, (page, placed) in enumerate(zip(PdfReader(pdf).pages, words(pdf)), 1):
        height = float(page.mediabox.height)
        header = " ".join(text for x, y, text in placed if y <= HEADER_ZONE)
        footer = " ".join(text for x, y, text in placed if y >= height - FOOTER_ZONE)
        lines = {round(y / 3) for x, y, text in placed if HEADER_ZONE < y < height - FOOTER_ZONE}
        body = []

        def visit(text, cm, tm, font, size, body=body, top=height - HEADER_ZONE):
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            if text.strip() and FOOTER_ZONE <= y <= top:
                body.append(text)

        page.extract_text(visitor_text=visit)
        sheets.append(
            Sheet(
                number,
                float(page.mediabox.width),
                height,
                header,
                "".join(body),
                footer,
                len(lines),
                min((x for x, _, _ in placed), default=999) / MM,
                stroked_squares(page),
            )
        )
    return sheets


def bands(pdf: Path) -> list[Sheet]:
    """read_sheets(drawn=False): the header, body and footer bands' text and the leftmost text of each sheet."""
    return [
        Sheet(
            number,
            page["width"],
            page["height"],
            page["header"],
            page["body"],
            page["footer"],
            0,
            (page["left"] if page["left"] is not None else 999 * MM) / MM,
        )
        for number, page in enumerate(pdf_bands(pdf, HEADER_ZONE, FOOTER_ZONE), 1)
    ]


def multiply(m, n):
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def stroked_squares(page) -> list[tuple[float, float, float]]:
    """Rectangles drawn as an outline whose sides are 2.5–5 mm and equal: what a tick box prints as; with where."""
    operations = ContentStream(page.get_contents(), page.pdf).operations
    matrix, stack, pending, found = (1, 0, 0, 1, 0, 0), [], [], []
    for operands, operator in operations:
        if operator == b"q":
            stack.append(matrix)
        elif operator == b"Q":
            matrix = stack.pop() if stack else (1, 0, 0, 1, 0, 0)
        elif operator == b"cm":
            matrix = multiply(tuple(float(x) for x in operands[:6]), matrix)
        elif operator == b"re":
            x, y, w, h = (float(v) for v in operands[:4])
            scale = abs(matrix[0] * matrix[3] - matrix[1] * matrix[2]) ** 0.5
            px = matrix[0] * x + matrix[2] * y + matrix[4]
            py = matrix[1] * x + matrix[3] * y + matrix[5]
            pending.append((px / MM, py / MM, abs(w) * scale / MM, abs(h) * scale / MM))
        elif operator in (b"S", b"s", b"B", b"B*", b"b", b"b*", b"f", b"f*", b"F", b"n"):
            if operator in (b"S", b"s"):
                found += [(x, y, w) for x, y, w, h in pending if 2.5 <= w <= 5 and abs(w - h) <= 0.5]
            pending = []
    return found


def page_images(pdf: Path, folder: Path, last: int | None = None) -> list[Path]:
    """Page images at IMAGE_DPI (the artefacts), of every page or of the first `last`."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(pdf.stem + "-*.png"):
        old.unlink()
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(IMAGE_DPI),
            *(["-l", str(last)] if last else []),
            "-png",
            str(pdf),
            str(folder / pdf.stem),
        ],
        check=True,
    )
    return sorted(folder.glob(pdf.stem + "-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def printed_once(name: str, folder: Path, write, last: int | None = None, drawn: bool = True) -> Printout:
    """The PDF that write(path) writes at folder/<name>.pdf, its sheets (read_sheets) and their page images
    (page_images, of the first `last` pages): made and read once per run by whichever test process asks first, the
    others reading its files and its sheets (made_once), so that no two processes write the same file (one read a
    page image that the other was rewriting) or read the same PDF again."""
    pdf = folder / f"{name}.pdf"

    def make(_) -> dict:
        write(pdf)
        return {
            "images": [str(image) for image in page_images(pdf, folder, last)],
            "sheets": [asdict(sheet) for sheet in read_sheets(pdf, drawn)],
        }

    made = made_once(conftest.CONFIG, f"print-{name}", make)
    sheets = [Sheet(**sheet) for sheet in made["sheets"]]
    for sheet, image in zip(sheets, made["images"]):
        sheet.image = Path(image)
    return Printout(name, pdf, sheets)


def decode_qr(pdf: Path, number: int, height_pt: float) -> list[str]:
    """What zbarimg reads in the bottom margin of one sheet, scanned at 300 dpi and, if it reads nothing there, at
    450 and 600 dpi. A module of the code is 0.46 mm: 5.4 pixels at 300 dpi, and where the footer puts the code
    (it moves with the width of 第 X 页 共 Y 页) decides how its edges fall on the pixels, and at 300 dpi alone zbar
    now and then read nothing from a sheet that has the code; a sheet without it reads nothing at any resolution."""
    for dpi in (300, 450, 600):
        band = int(FOOTER_ZONE / 72 * dpi)
        top = int(height_pt / 72 * dpi) - band
        out = pdf.with_name(f"{pdf.stem}-qr-{number}-{dpi}-{os.getpid()}")  # this process's: another may scan it too
        crop = ["-x", "0", "-y", str(top), "-W", str(int(A4[0] / 72 * dpi)), "-H", str(band)]
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-f", str(number), "-l", str(number), *crop, "-gray", "-png", "-singlefile"]
            + [str(pdf), str(out)],
            check=True,
        )
        result = subprocess.run(
            ["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", str(out) + ".png"],
            check=False,
            capture_output=True,
            text=True,
        )
        read = [line for line in result.stdout.splitlines() if line.strip()]
        if read:
            return read
    return []


def ink(image: Path) -> tuple[float, float, float, float]:
    """The box holding every dark pixel of a page image, in mm: left, top, right, bottom."""
    picture = Image.open(image).convert("L")
    box = picture.point(lambda v: 255 if v < 160 else 0).getbbox()
    scale = 25.4 / IMAGE_DPI
    return tuple(v * scale for v in box) if box else (999, 999, 0, 0)


def body_ink(image: Path) -> float:
    """How much of the body area (between header and footer zones) holds something dark, from its top, in mm."""
    picture = Image.open(image).convert("L")
    px = IMAGE_DPI / 25.4
    top, bottom = int(HEADER_ZONE / MM * px), picture.height - int(FOOTER_ZONE / MM * px)
    box = picture.crop((0, top, picture.width, bottom)).point(lambda v: 255 if v < 160 else 0).getbbox()
    return (box[3] / px) if box else 0.0


# -- the published tree, served by nginx, printed in Chromium ------------------------------------


@pytest.fixture(scope="module")
def tree(request) -> Path:
    return published_tree(request)


@pytest.fixture(scope="module")
def versions(tree) -> list[dict]:
    """versions.json (mike's list, newest first): version, title and effective date of each."""
    listed = json.loads((tree / "versions.json").read_text(encoding="utf-8"))
    return [{"version": v["version"], "title": v["title"], "effective": v["properties"]["effective"]} for v in listed]


@pytest.fixture(scope="module")
def newest(versions) -> dict:
    return versions[0]


@pytest.fixture(scope="module")
def older(versions) -> dict:
    """A revision the newest supersedes (1.2 in the shipped history)."""
    return versions[1]


@pytest.fixture(scope="module")
def today(newest) -> datetime.date:
    """The browser's day: a week after the newest revision took effect, so it is in force."""
    return datetime.date.fromisoformat(newest["effective"]) + datetime.timedelta(days=7)


@pytest.fixture(scope="module")
def site_url(tree, newest) -> str:
    """The root the tree was built for (the intranet host the QR codes name), from a page's canonical link."""
    page = (tree / newest["version"] / "index.html").read_text(encoding="utf-8")
    link = next(tag for tag in re.findall(r"<link\b[^>]*>", page) if "canonical" in tag)
    url = re.search(r"href=[\"']?([^\"' >]+)", link).group(1)
    return url.rstrip("/").removesuffix("/" + newest["version"])


@pytest.fixture(scope="module")
def server(tree, tmp_path_factory):
    nginx = Nginx(tmp_path_factory.mktemp("print-nginx"), tree).start()
    yield nginx
    nginx.stop()


@pytest.fixture(scope="module")
def foreign() -> list[str]:
    return []


def new_context(browser, today, foreign):
    context = browser.new_context(locale="zh-CN")
    context.clock.set_fixed_time(datetime.datetime.combine(today, datetime.time(12, 0)))

    def route(route):
        if urlparse(route.request.url).hostname == "127.0.0.1" or route.request.url.startswith("data:"):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return context


@pytest.fixture(scope="module")
def context(browser, today, foreign):
    context = new_context(browser, today, foreign)
    yield context
    context.close()


@pytest.fixture(scope="module")
def folder(artefacts) -> Path:
    path = artefacts / "print"
    path.mkdir(parents=True, exist_ok=True)
    return path


def open_page(context, url: str):
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    # status.js sets the revision's state from versions.json; the pages' CSP forbids wait_for_function's eval
    deadline = time.monotonic() + 10
    while not page.evaluate("document.documentElement.dataset.manualState || ''") and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert page.evaluate("document.documentElement.dataset.manualState || ''"), f"{url}: status.js gave no state"
    return page


def print_to(page, target: Path, before: str | None = None) -> None:
    """What the browser does when one prints: `beforeprint`, then the sheets; the PDF written to target."""
    if before:
        page.evaluate(before)
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    target.write_bytes(page.pdf(prefer_css_page_size=True))


def name_of(path: str) -> str:
    return re.sub(r"[^\w.-]+", "_", path.strip("/")) or "home"


@pytest.fixture(scope="module")
def printed(context, server, folder, foreign):
    """path (under the tree's root) -> its Printout (each page printed once per run: printed_once)."""
    cache: dict[str, Printout] = {}

    def print_page(path: str) -> Printout:
        if path not in cache:

            def write(pdf: Path) -> None:
                page = open_page(context, f"{server.url}/{path}")
                try:
                    print_to(page, pdf)
                finally:
                    page.close()
                assert foreign == [], f"{path}: printing asked for other hosts: {foreign}"

            cache[path] = replace(printed_once(name_of(path), folder, write), name=path)
        return cache[path]

    return print_page


# -- what the tree says a document is ------------------------------------------------------------


def html_of(tree: Path, path: str):
    return lxml_html.fromstring((tree / path / "index.html").read_bytes())


def page_title(tree: Path, path: str) -> str:
    """A page's title as its <title> gives it (before " - 办事处营运手册"): what its printed header names."""
    title = html_of(tree, path).findtext(".//title") or ""
    return title.rsplit(" - ", 1)[0].strip()


def by_class(root, tag: str, name: str) -> list:
    """The descendants of root with that tag (or *) and that class."""
    return root.xpath(f".//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")


def form_data(tree: Path, version: str, code: str) -> dict:
    """A form as its published page states it: title, frequency, kind, items (id, text, standard), options."""
    root = html_of(tree, f"{version}/forms/{code.lower()}")
    form = by_class(root, "section", "manual-form")[0]
    meta = [span for block in by_class(form, "*", "manual-form__meta") for span in block.xpath(".//span")]
    frequency = next((s.text_content().split("：", 1)[1] for s in meta if s.text_content().startswith("频次")), "")
    items = [
        [cell.text_content().strip() for cell in row.xpath("./td")[:3]]
        for row in by_class(form, "tr", "manual-checklist__item")
    ]
    return {
        "code": code,
        "title": by_class(form, "*", "manual-form__title")[0].text_content().strip(),
        "kind": "checklist" if "manual-form--checklist" in form.get("class") else "record",
        "frequency": frequency,
        "items": items,
        "options": sum(len(by_class(option, "*", "manual-box")) for option in by_class(form, "*", "manual-option")),
        "labels": [label.text_content().strip() for label in by_class(form, "*", "manual-field__label")],
    }


@pytest.fixture(scope="module")
def form_codes(tree, newest) -> list[str]:
    return sorted(
        path.name.upper()
        for path in (tree / newest["version"] / "forms").iterdir()
        if re.fullmatch(r"[a-z]+-\d+", path.name)
    )


@pytest.fixture(scope="module")
def daily_forms(tree, newest, form_codes) -> list[dict]:
    forms = [form_data(tree, newest["version"], code) for code in form_codes]
    return [form for form in forms if form["kind"] == "checklist" and DAILY.match(form["frequency"])]


def chapters(tree: Path, version: str) -> list[str]:
    """The chapters' paths in the navigation of a version (not the generated pages, forms or revisions)."""
    root = html_of(tree, version)
    found = []
    for link in by_class(by_class(root, "nav", "md-nav--primary")[0], "a", "md-nav__link"):
        href = (link.get("href") or "").split("#")[0]
        if href.startswith(("http", "..")) or any(part in href for part in ("forms/", "revisions/")):
            continue
        path = href.strip("./").strip("/")
        if path and re.match(r"\d{2}-", path) and path not in found:
            found.append(path)
    return found


def changed_forms(tree: Path, newest: dict) -> list[str]:
    """The forms the newest revision changed, as its changes page lists them."""
    text = text_of(
        (tree / newest["version"] / "revisions" / newest["version"] / "index.html").read_text(encoding="utf-8")
    )
    return sorted(set(re.findall(r"\b((?:SOS|OPS|REC)-\d{2})\b", text)))


def expected_check(site_url: str, version: str, path: str) -> str:
    """What a sheet's QR code opens: the currency check, told only the revision and the page (ASCII: a short code)."""
    query = urlencode({"v": version, "p": path}, quote_via=quote, safe="/")
    return f"{site_url}/check/?{query}"


# -- 1. every sheet says what it is ----------------------------------------------------------------


def margins_say_what_it_is(
    doc: Printout,
    *,
    document: str | tuple[str, ...],
    revision: dict,
    today: datetime.date,
    check: str | None,
    state: str | None = None,
) -> None:
    """Every sheet's margins: the document (or one of them), the revision, its effective date, the print date,
    第 X 页 共 Y 页 of this print job, the uncontrolled-copy line, the state of a revision not in force; and
    the QR code that opens `check` (when given)."""
    documents = (document,) if isinstance(document, str) else document
    total = len(doc)
    assert total, f"{doc.name}: nothing printed"
    for sheet in doc.sheets:
        where = f"{doc.name}, sheet {sheet.number} of {total}"
        assert abs(sheet.width - A4[0]) <= 2 and abs(sheet.height - A4[1]) <= 2, (
            f"{where}: {sheet.width:.1f}×{sheet.height:.1f} pt is not A4"
        )
        margins = sheet.margins
        assert any(contains(sheet.header, name) for name in documents), (
            f"{where}: the header names none of {documents}: {sheet.header!r}"
        )
        for text in (revision["title"], revision["effective"], "打印日期：" + today.isoformat(), UNCONTROLLED):
            assert contains(margins, text), f"{where}: the margins lack {text!r}: {margins!r}"
        numbers = find(sheet.footer, r"第(\d+)页共(\d+)页")
        assert [(int(m.group(1)), int(m.group(2))) for m in numbers] == [(sheet.number, total)], (
            f"{where}: the footer should say 第 {sheet.number} 页 共 {total} 页: {sheet.footer!r}"
        )
        if state:
            assert contains(sheet.header, NAMES[state]) and contains(sheet.header, "不得据此执行"), (
                f"{where}: a {state} revision's sheet does not say so: header {sheet.header!r}"
            )
        else:
            assert not any(contains(margins, name) for name in NAMES.values()), (
                f"{where}: a revision in force is marked {margins!r}"
            )
        if check is not None:
            assert doc.qr(sheet.number) == [check], f"{where}: the QR code does not open {check}"


def test_a_daily_checklist_says_what_it_is_on_its_sheet(printed, newest, today, site_url):
    version = newest["version"]
    doc = printed(f"{version}/forms/ops-01/")
    margins_say_what_it_is(
        doc, document="OPS-01", revision=newest, today=today, check=expected_check(site_url, version, "forms/ops-01/")
    )


def test_every_sheet_of_a_chapter_says_what_it_is(printed, tree, newest, today, site_url):
    version = newest["version"]
    chapter = CHAPTERS[0]
    title = page_title(tree, f"{version}/{chapter}")
    doc = printed(f"{version}/{chapter}/")
    assert len(doc) >= 2, f"{chapter} prints on one sheet: pick a longer chapter for this test"
    margins_say_what_it_is(
        doc, document=title, revision=newest, today=today, check=expected_check(site_url, version, f"{chapter}/")
    )


def test_every_sheet_of_the_register_says_what_it_is(printed, tree, newest, today, site_url):
    version = newest["version"]
    title = page_title(tree, f"{version}/revisions")
    doc = printed(f"{version}/revisions/")
    margins_say_what_it_is(
        doc, document=title, revision=newest, today=today, check=expected_check(site_url, version, "revisions/")
    )


def test_every_sheet_of_a_redline_page_says_what_it_is(printed, tree, newest, today, site_url):
    version = newest["version"]
    pages = sorted(p.name for p in (tree / version / "revisions" / version).iterdir() if (p / "index.html").exists())
    assert pages, f"{version} has no chapter redline pages"
    path = f"revisions/{version}/{pages[0]}/"
    title = page_title(tree, f"{version}/{path}")
    doc = printed(f"{version}/{path}")
    margins_say_what_it_is(
        doc, document=title, revision=newest, today=today, check=expected_check(site_url, version, path)
    )
    assert not contains(doc.body, "现行版本"), "the redline says 现行版本 on paper"


def test_every_sheet_of_the_kit_says_what_it_is(printed, newest, today):
    version = newest["version"]
    doc = printed(f"{version}/revisions/{version}-kit/")
    margins_say_what_it_is(doc, document=("修订通知", "REC-05", "REC-06"), revision=newest, today=today, check=None)
    for number in (1, len(doc)):
        scanned = doc.qr(number)
        assert len(scanned) == 1 and f"v={version}" in scanned[0], f"kit sheet {number}: QR {scanned}"


def test_a_superseded_revision_says_so_on_every_sheet(printed, tree, older, today, site_url):
    version = older["version"]
    for path, document in ((f"{version}/forms/ops-01/", "OPS-01"), (f"{version}/{chapters(tree, version)[0]}/", None)):
        doc = printed(path)
        for sheet in doc.sheets:
            where = f"{path}, sheet {sheet.number} of {len(doc)}"
            assert contains(sheet.header, NAMES["superseded"]) and contains(sheet.header, "不得据此执行"), (
                f"{where}: printed on {today}, the superseded {version} does not say so: {sheet.header!r}"
            )
            assert contains(sheet.margins, older["title"]), f"{where}: not the revision's own title: {sheet.margins!r}"
    scanned = printed(f"{version}/forms/ops-01/").qr(1)
    assert scanned == [expected_check(site_url, version, "forms/ops-01/")], scanned


# -- 2. forms that work on paper ----------------------------------------------------------------------


def test_daily_and_weekly_checklists_fit_one_sheet(printed, daily_forms, newest):
    codes = [form["code"] for form in daily_forms]
    assert set(DAILY_FORMS) <= set(codes), f"the daily forms found by frequency: {codes}"
    long = {}
    for form in daily_forms:
        doc = printed(f"{newest['version']}/forms/{form['code'].lower()}/")
        if len(doc) != 1:
            long[form["code"]] = len(doc)
    assert not long, f"daily or weekly checklists on more than one A4 sheet: {long}"


@pytest.mark.parametrize("path", ["forms/ops-01/", "forms/sos-02/", "forms/rec-10/", "revisions/", "KIT"])
def test_the_left_margin_leaves_room_to_punch_and_bind(printed, newest, path):
    version = newest["version"]
    path = f"revisions/{version}-kit/" if path == "KIT" else path
    doc = printed(f"{version}/{path}")
    for sheet in doc.sheets:
        left = ink(sheet.image)[0]
        assert left >= BINDING, f"{path}, sheet {sheet.number}: something is printed {left:.1f} mm from the left edge"
        assert sheet.text_left_mm >= BINDING, f"{path}, sheet {sheet.number}: text at {sheet.text_left_mm:.1f} mm"
        assert all(x >= BINDING for x, _, _ in sheet.squares), f"{path}, sheet {sheet.number}: a box inside the margin"


def test_checklist_boxes_print_three_per_item_and_options_as_boxes(printed, tree, newest):
    version = newest["version"]
    for code in ("OPS-01", "SOS-02"):
        form = form_data(tree, version, code)
        doc = printed(f"{version}/forms/{code.lower()}/")
        drawn = sum(len(sheet.squares) for sheet in doc.sheets)
        assert drawn == 3 * len(form["items"]) + form["options"], (
            f"{code}: {drawn} outlined boxes for {len(form['items'])} items and {form['options']} options"
        )
        for item_id, text, standard in form["items"]:
            assert any(contains(s.body, item_id + text) and contains(s.body, standard) for s in doc.sheets), (
                f"{code} {item_id}: the item and its standard are not together on one sheet"
            )


def test_the_remark_column_has_room_to_write_in(context, server, newest):
    """备注 held four characters (issue 16): laid out for print at the width of an A4 sheet inside its margins."""
    content_mm = 210 - 22 - 12  # print.css: A4 less the binding and right margins
    for code in ("OPS-01", "SOS-02"):
        page = open_page(context, f"{server.url}/{newest['version']}/forms/{code.lower()}/")
        try:
            page.set_viewport_size({"width": round(content_mm * 96 / 25.4), "height": 1100})
            page.emulate_media(media="print")
            widths = dict(
                page.eval_on_selector_all(
                    ".manual-checklist thead th",
                    "cells => cells.map(th => [th.textContent.trim(), th.getBoundingClientRect().width])",
                )
            )
        finally:
            page.close()
        remark = widths["备注"] * 25.4 / 96
        assert remark >= 25, f"{code}: 备注 is {remark:.1f} mm wide on paper: too little to write in"


def test_sos_conclusion_and_option_fields_are_boxes(printed, tree, newest, form_codes):
    version = newest["version"]
    sos = [code for code in form_codes if code.startswith("SOS-")]
    assert sos
    for code in sos:
        form = form_data(tree, version, code)
        assert "结论" in "".join(form["labels"]) and form["options"] >= 2, (
            f"{code}: no 结论 with boxes to tick ({form['labels']}, {form['options']} option boxes)"
        )
    for code in ("SOS-02", "SOS-05", "REC-04"):
        if code not in form_codes:
            continue
        form = form_data(tree, version, code)
        if not form["options"]:
            continue
        doc = printed(f"{version}/forms/{code.lower()}/")
        drawn = sum(len(sheet.squares) for sheet in doc.sheets)
        assert drawn >= 3 * len(form["items"]) + form["options"], f"{code}: {drawn} boxes on paper"


def test_a_record_form_prints_its_named_rows(printed, tree, newest):
    version = newest["version"]
    root = html_of(tree, f"{version}/forms/rec-10")
    labels = [
        row.xpath("./td")[0].text_content().strip()
        for row in by_class(root, "table", "manual-record")[0].xpath(".//tbody/tr")
    ]
    named = [label for label in labels if label]
    assert named, "REC-10 names no rows (its indicators)"
    doc = printed(f"{version}/forms/rec-10/")
    missing = [label for label in named if not contains(doc.body, label)]
    assert not missing, f"REC-10: indicator rows not on paper: {missing}"


TICK = "✓"


def test_ticked_printing_prints_ticks_and_blank_printing_does_not(browser, server, today, foreign, folder, newest):
    version = newest["version"]
    context = new_context(browser, today, foreign)
    try:
        page = open_page(context, f"{server.url}/{version}/forms/ops-01/")
        labels = page.locator("tr.manual-checklist__item td.manual-checklist__result label")
        ticked = 3
        for index in range(ticked):
            labels.nth(index * 3).click()  # 是 for the first three items
        page.evaluate("window.print = () => {}")  # the button's window.print() would open the dialog
        results = {}
        for kind, button in (("ticked", "打印本页已勾选的表"), ("blank", "打印空白表（A4）")):
            page.get_by_role("button", name=button).click()
            pdf = folder / f"ops-01-{kind}.pdf"
            print_to(page, pdf)
            results[kind] = read_sheets(pdf)
            page.evaluate("delete document.documentElement.dataset.manualPrint")
        page.close()
    finally:
        context.close()
    marks = {kind: sum(sheet.body.count(TICK) for sheet in sheets) for kind, sheets in results.items()}
    assert marks == {"ticked": ticked, "blank": 0}, f"ticks printed: {marks}"


# -- 3. chapters: no near-empty sheets, nothing cut across sheets ------------------------------------


def test_chapters_print_without_near_empty_sheets(printed, tree, newest):
    version = newest["version"]
    empty = []
    for chapter in CHAPTERS:
        doc = printed(f"{version}/{chapter}/")
        for sheet in doc.sheets[:-1]:
            filled = body_ink(sheet.image)
            if sheet.body_lines <= 2 and filled < 60:
                empty.append(f"{chapter} sheet {sheet.number}/{len(doc)} ({sheet.body_lines} lines, {filled:.0f} mm)")
    assert not empty, "near-empty sheets: " + "; ".join(empty)


def test_diagrams_and_embedded_forms_are_not_cut_across_sheets(printed, tree, newest, context, server):
    version = newest["version"]
    cut = []
    checked = 0
    for chapter in CHAPTERS:
        root = html_of(tree, f"{version}/{chapter}")
        groups = []
        for diagram in by_class(root, "*", "manual-diagram"):
            labels = [t.text_content().strip() for t in diagram.xpath(".//*[local-name()='text']")]
            labels = [label for label in labels if len(squash(label)) >= 2]
            if labels:
                groups.append(("diagram " + labels[0], labels))
        for form in by_class(root, "section", "manual-form"):
            items = [
                row.xpath("./td")[1].text_content().strip() for row in by_class(form, "tr", "manual-checklist__item")
            ]
            if 0 < len(items) <= 12:
                groups.append((form.get("data-code"), [form.get("data-code"), *items]))
        if not groups:
            continue
        doc = printed(f"{version}/{chapter}/")
        for label, texts in groups:
            checked += 1
            if not any(all(contains(sheet.body, text) for text in texts) for sheet in doc.sheets):
                cut.append(f"{chapter}: {label}")
    assert checked, "no diagram or embedded form found in the chapters"
    assert not cut, "cut across sheets: " + "; ".join(cut)


# -- 4. the revision's kit in one print job, each document numbered on its own ------------------------


@pytest.fixture(scope="module")
def kit(tree, newest, folder) -> Printout:
    version = newest["version"]
    manifest = json.loads((tree / "manifest.json").read_text(encoding="utf-8"))
    item = manifest["versions"][version].get("kit")
    assert item, f"manifest.json lists no kit PDF for {version}: {manifest['versions'][version]}"
    pdf = tree / item["path"]
    assert pdf.is_file(), f"{item['path']} is not in the tree"
    # 300-odd pages: their text only (drawn=False); images of the first documents
    copy = printed_once(f"kit-{version}", folder, lambda copy: shutil.copyfile(pdf, copy), last=12, drawn=False)
    return replace(copy, name=f"kit {version}")


def test_the_kit_pdf_is_listed_in_sha256sums_and_linked_from_the_kit_page(tree, newest):
    import hashlib

    version = newest["version"]
    manifest = json.loads((tree / "manifest.json").read_text(encoding="utf-8"))
    item = manifest["versions"][version]["kit"]
    data = (tree / item["path"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == item["sha256"]
    assert f"{item['sha256']}  {item['path']}" in (tree / "SHA256SUMS").read_text(encoding="utf-8")
    page = (tree / version / "revisions" / f"{version}-kit" / "index.html").read_text(encoding="utf-8")
    name = Path(item["path"]).name
    assert re.search(
        rf"<a\b[^>]*href=[\"']?[^\"' >]*{re.escape(name)}(?=[\"' >])[^>]*>[^<]*打印文件包（PDF，A4）", page
    ), "the kit page does not link its PDF as 打印文件包（PDF，A4）"


def test_the_kit_pdf_numbers_each_document_on_its_own(kit, tree, newest, today):
    version = newest["version"]
    numbers = []
    for sheet in kit.sheets:
        found = find(sheet.footer, r"第(\d+)页共(\d+)页")
        assert len(found) == 1, f"kit sheet {sheet.number}: no 第 X 页 共 Y 页 in {sheet.footer!r}"
        numbers.append((int(found[0].group(1)), int(found[0].group(2))))
        for text in (newest["title"], newest["effective"], UNCONTROLLED):
            assert contains(sheet.margins, text), f"kit sheet {sheet.number}: the margins lack {text!r}"
    documents, start = [], 0
    while start < len(numbers):
        first, total = numbers[start]
        assert first == 1, f"kit sheet {start + 1} starts a document at 第 {first} 页: {numbers}"
        assert numbers[start : start + total] == [(n, total) for n in range(1, total + 1)], (
            f"kit sheets {start + 1}–{start + total} are not 第 1–{total} 页 共 {total} 页: {numbers}"
        )
        documents.append(kit.sheets[start : start + total])
        start += total
    # notice, read-and-sign sheet, destruction record, the redline pages, every changed form
    firsts = [squash(doc[0].body)[:200] for doc in documents]
    assert contains(firsts[0], "修订的通知"), f"the kit does not start with the notice: {firsts[0][:60]!r}"
    assert any(contains(first, "REC-05") for first in firsts), "no read-and-sign sheet (REC-05) in the kit"
    assert any(contains(first, "REC-06") for first in firsts), "no destruction record (REC-06) in the kit"
    assert any(contains(first, "对照") for first in firsts[3:]), "no redline in the kit"
    for code in changed_forms(tree, newest):
        assert any(contains(doc[0].header, code) for doc in documents), f"the changed form {code} is not in the kit"
    assert len(documents) >= 4 + len(changed_forms(tree, newest))
    scanned = kit.qr(1)
    assert len(scanned) == 1 and f"v={version}" in scanned[0], f"kit PDF sheet 1: QR {scanned}"


def test_the_kit_page_is_light_and_links_the_chapter_redlines(tree, newest):
    import gzip

    version = newest["version"]
    page = (tree / version / "revisions" / f"{version}-kit" / "index.html").read_bytes()
    assert len(gzip.compress(page)) <= 150_000, f"the kit page is {len(gzip.compress(page)) // 1000} KB gzip"
    assert b"manual-redline" not in page, "the kit page embeds a redline"
    redlines = sorted(p.name for p in (tree / version / "revisions" / version).iterdir() if (p / "index.html").exists())
    text = page.decode("utf-8")
    missing = [name for name in redlines if f"{version}/{name}/" not in text]
    assert not missing, f"the kit page does not link the chapter redlines {missing}"


# -- 5. the currency check the QR code opens -----------------------------------------------------------


def open_check(browser, foreign, origin: str, scanned: str, day: datetime.date) -> dict:
    """The currency check a scanned QR code names, opened on our server on a given day: its verdict and links."""
    context = new_context(browser, day, foreign)
    try:
        page = context.new_page()
        page.goto(origin + scanned[scanned.index("/check/") :], wait_until="load")
        deadline = time.monotonic() + 10
        while "正在" in page.inner_text("#verdict") and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        return {
            "state": page.get_attribute("#verdict", "class"),
            "verdict": page.inner_text("#verdict"),
            "subject": page.inner_text("#subject"),
            "links": page.eval_on_selector_all("#actions a", "links => links.map(a => [a.textContent, a.href])"),
        }
    finally:
        context.close()


def test_the_qr_code_opens_a_currency_check_that_answers_for_each_state(
    printed, browser, foreign, server, today, newest, older, tree, tmp_path_factory
):
    old = printed(f"{older['version']}/forms/ops-01/").qr(1)[0]
    new = printed(f"{newest['version']}/forms/ops-01/").qr(1)[0]
    current = f"{server.url}/{newest['version']}/forms/ops-01/"

    answer = open_check(browser, foreign, server.url, old, today)
    assert (
        answer["state"] == "verdict superseded"
        and "已被替代" in answer["verdict"]
        and newest["title"] in answer["verdict"]
    ), answer
    assert ["打开现行版本中的这一页", current] in answer["links"] and "OPS-01" in answer["subject"], answer

    answer = open_check(browser, foreign, server.url, new, today)
    assert answer["state"] == "verdict in_force" and answer["verdict"].startswith("现行"), answer

    before = datetime.date.fromisoformat(newest["effective"]) - datetime.timedelta(days=3)
    answer = open_check(browser, foreign, server.url, new, before)
    assert (
        answer["state"] == "verdict pending"
        and "尚未生效" in answer["verdict"]
        and newest["effective"] in answer["verdict"]
    ), answer
    assert older["title"] in answer["verdict"], (
        f"a pending revision's check does not say which one is in force: {answer}"
    )

    # withdrawn: versions.json as `manual withdraw` writes it (publish/pages.py), beside the same check page
    folder = tmp_path_factory.mktemp("withdrawn")
    shutil.copytree(tree / "check", folder / "check")
    listed = json.loads((tree / "versions.json").read_text(encoding="utf-8"))
    listed[0]["properties"].update({"withdrawn": before.isoformat(), "withdrawal_notice": "衡总运〔2026〕99号"})
    (folder / "versions.json").write_text(json.dumps(listed, ensure_ascii=False), encoding="utf-8")
    other = Nginx(tmp_path_factory.mktemp("withdrawn-nginx"), folder).start()
    try:
        answer = open_check(browser, foreign, other.url, new, today)
    finally:
        other.stop()
    assert (
        answer["state"] == "verdict withdrawn"
        and "已撤销" in answer["verdict"]
        and "衡总运〔2026〕99号" in answer["verdict"]
    ), answer
    assert foreign == [], f"the currency check asked for other hosts: {foreign}"


# -- 6. the README's picture ---------------------------------------------------------------------------


def test_a_printed_daily_checklist_image_for_the_readme(printed, newest, folder):
    """The page image of a printed daily checklist (one sheet, footer and QR code), kept as printed-form.png:
    readme-images/printed-form.png is a copy of it."""
    doc = printed(f"{newest['version']}/forms/ops-01/")
    assert len(doc) == 1 and doc.qr(1), "OPS-01 is not one sheet with a QR code"
    image = Image.open(doc.sheets[0].image)
    assert abs(image.size[0] - 210 / 25.4 * IMAGE_DPI) <= 2 and abs(image.size[1] - 297 / 25.4 * IMAGE_DPI) <= 2, (
        image.size
    )
    target = folder / "printed-form.png"
    image.convert("L").save(target, optimize=True)
    assert Image.open(target).size == image.size
