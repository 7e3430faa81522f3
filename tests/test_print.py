"""Office managers printing: every form prints from the browser as a usable A4 paper form.

The built manual is served over HTTP from a loopback server, opened in headless Chromium and printed
to PDF the way a browser's "print" does it (A4 from the stylesheet's @page rule); the PDFs are read
back with pypdf. What a sheet must have: the form's code, the manual revision and its effective date
in the footer of every page, every item of the YAML, no navigation chrome, empty boxes and ruled
lines that show on paper, rows that never split across sheets, and in 打印全部表格 each form on a
sheet of its own.
"""
from __future__ import annotations

import functools
import http.server
import io
import re
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from conftest import ROOT, build, copy_project
from opsmanual.forms import load_forms
from opsmanual.register import load_register

A4 = (595.28, 841.89)            # points
MM = 72 / 25.4                   # points per millimetre
PX_PER_MM = 96 / 25.4            # CSS pixels per millimetre
FOOTER_ZONE = 16 * MM            # the bottom page margin of print.css: the footer's margin boxes live here
PAPER_WIDTH_PX = round((210 - 2 * 12) * PX_PER_MM)  # A4 less the side margins: the width a form is laid out in
CHROME = ("搜索", "手册使用说明", "第一章 公司简介", "本页修订记录", "打印本表", "跳转至", "切换到深色模式")
CHECKLISTS = ("SOS-02", "OPS-01")
RECORD = "REC-04"

FORMS = load_forms(ROOT / "checklists", ROOT / "docs")
REVISION = load_register(ROOT / "revisions.yml", ROOT / "docs", set(FORMS.forms)).current


# -- text of a printed page --------------------------------------------------------------------
# Chromium embeds the CJK font as Type 3 glyphs whose ToUnicode maps some ideographs to the radical
# that looks the same (人 -> U+2F08, 户 -> U+2F3E, 页 -> U+2EDA; the right character is only in an
# /ActualText span, which pypdf does not read). So a radical in the PDF's text may stand for an
# ideograph of the expected text, but for no more than half of them; everything else is compared
# after NFKC, and whitespace (where lines wrapped) is ignored.
RADICAL = re.compile("[\u2e80-\u2fdf]")


def squash(text: str) -> str:
    return "".join(c if RADICAL.match(c) else unicodedata.normalize("NFKC", c) for c in re.sub(r"\s+", "", text))


def pattern(text: str) -> str:
    return "".join(f"[{c}\u2e80-\u2fdf]" if "\u3400" <= c <= "\u9fff" else re.escape(c) for c in squash(text))


def contains(haystack: str, needle: str) -> bool:
    matches = re.finditer(f"(?=({pattern(needle)}))", squash(haystack))
    return any(len(RADICAL.findall(m.group(1))) * 2 <= len(m.group(1)) for m in matches)


def starts_with(haystack: str, needle: str) -> bool:
    match = re.match(pattern(needle), squash(haystack))
    return match is not None and len(RADICAL.findall(match.group(0))) * 2 <= len(match.group(0))


@dataclass
class Sheet:
    width: float
    height: float
    body: str     # the text printed inside the page margins
    footer: str   # the text printed in the bottom margin (the @page margin boxes)
    squares: int  # outlined (stroked, not filled) squares of 2.5–5 mm: boxes to tick

    @property
    def codes(self) -> set[str]:
        return set(re.findall(r"(?:SOS|OPS|REC)-\d{2}", squash(self.footer)))


def sheets_of(pdf: bytes) -> list[Sheet]:
    sheets = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        body, footer = [], []

        def visit(text, cm, tm, font, size):
            x, y = tm[4], tm[5]
            (footer if cm[1] * x + cm[3] * y + cm[5] < FOOTER_ZONE else body).append(text)

        page.extract_text(visitor_text=visit)
        box = page.mediabox
        sheets.append(Sheet(float(box.width), float(box.height), "".join(body), "".join(footer), stroked_squares(page)))
    return sheets


def stroked_squares(page) -> int:
    """Rectangles drawn as an outline whose sides are 2.5–5 mm and equal: what a tick box prints as."""
    operations = ContentStream(page.get_contents(), page.pdf).operations
    scale, stack, pending, count = 1.0, [], [], 0
    for operands, operator in operations:
        if operator == b"q":
            stack.append(scale)
        elif operator == b"Q":
            scale = stack.pop() if stack else 1.0
        elif operator == b"cm":
            a, b, c, d = (float(x) for x in operands[:4])
            scale *= abs(a * d - b * c) ** 0.5
        elif operator == b"re":
            pending.append((abs(float(operands[2])) * scale / MM, abs(float(operands[3])) * scale / MM))
        elif operator in (b"S", b"s", b"B", b"B*", b"b", b"b*", b"f", b"f*", b"F", b"n"):
            if operator in (b"S", b"s"):
                count += sum(1 for w, h in pending if 2.5 <= w <= 5 and abs(w - h) <= 0.5)
            pending = []
    return count


# -- a real web server and a real browser -------------------------------------------------------

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def serve(directory: Path):
    """The folder served over HTTP on a free loopback port; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def site_url(built_site):
    with serve(built_site) as url:
        yield url



@pytest.fixture(scope="module")
def foreign() -> list[str]:
    """Requests the pages made for anything but the local server (refused)."""
    return []


@pytest.fixture(scope="module")
def context(browser, foreign):
    """One browser context for the module; nothing outside the loopback server is fetched."""
    context = browser.new_context()

    def route(route):
        if urlparse(route.request.url).hostname == "127.0.0.1" or route.request.url.startswith("data:"):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    yield context
    context.close()


def open_page(context, url: str, media: str = "screen"):
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    if media == "print":
        page.set_viewport_size({"width": PAPER_WIDTH_PX, "height": 1100})
        page.emulate_media(media="print")
    return page


@pytest.fixture(scope="module")
def printed(context, site_url, foreign):
    """path -> the sheets of that page printed to PDF (each page printed once per module)."""
    cache: dict[str, list[Sheet]] = {}

    def print_page(path: str) -> list[Sheet]:
        if path not in cache:
            page = open_page(context, site_url + path)
            try:
                cache[path] = sheets_of(page.pdf(prefer_css_page_size=True))
            finally:
                page.close()
            assert foreign == [], f"{path}: printing asked for other hosts: {foreign}"
        return cache[path]

    return print_page


@pytest.fixture
def print_media(context, site_url):
    """Open a page of the site with print media emulated, at the width of an A4 sheet."""
    pages = []

    def open_printed(path: str):
        pages.append(open_page(context, site_url + path, media="print"))
        return pages[-1]

    yield open_printed
    for page in pages:
        page.close()


def form_url(code: str) -> str:
    return f"forms/{code.lower()}/"


def expected_texts(form) -> list[str]:
    """Everything of a form's YAML that must be on paper."""
    texts = [form.title, *form.header_fields, *form.signoff, *form.instructions]
    if form.kind == "checklist":
        for section in form.sections:
            texts.append(section.title)
            for item in section.items:
                texts += [item.text, item.standard] + ([item.note] if item.note else [])
    else:
        texts += [column.title for column in form.columns]
    return texts


# -- 1. one form on A4: footer on every sheet, every item, no chrome -----------------------------

def test_the_forms_under_test_are_a_checklist_and_a_record_form():
    assert all(FORMS[code].kind == "checklist" for code in CHECKLISTS)
    assert FORMS[RECORD].kind == "record" and FORMS[RECORD].rows > 0


@pytest.mark.parametrize("code", [*CHECKLISTS, RECORD])
def test_a_form_prints_on_a4_with_its_code_and_revision_on_every_sheet(printed, code):
    sheets = printed(form_url(code))
    assert sheets, f"{code}: the PDF has no pages"
    for number, sheet in enumerate(sheets, 1):
        where = f"{code}, sheet {number} of {len(sheets)}"
        assert abs(sheet.width - A4[0]) <= 2 and abs(sheet.height - A4[1]) <= 2, \
            f"{where}: {sheet.width:.1f}×{sheet.height:.1f} pt is not A4 ({A4[0]}×{A4[1]})"
        assert squash(sheet.body), f"{where}: the sheet is blank (only a footer, or nothing)"
        for text in (code, REVISION.title, REVISION.effective.isoformat(), "《办事处营运手册》", f"第{number}页"):
            assert contains(sheet.footer, text), f"{where}: the footer lacks {text!r}; footer text: {sheet.footer!r}"
    assert starts_with(sheets[0].body, code + FORMS[code].category + FORMS[code].title), \
        f"{code}: the first sheet does not start with the form's header; it starts {sheets[0].body[:80]!r}"


@pytest.mark.parametrize("code", [*CHECKLISTS, RECORD])
def test_every_item_of_the_yaml_is_printed_and_no_site_chrome(printed, code):
    sheets = printed(form_url(code))
    form = FORMS[code]
    text = "".join(sheet.body for sheet in sheets)
    missing = [item for item in expected_texts(form) if not contains(text, item)]
    assert not missing, f"{code}: not on paper: {missing}"
    for chrome in CHROME:
        assert not any(chrome in item for item in expected_texts(form)), f"{code} itself says {chrome!r}: pick another probe"
        for number, sheet in enumerate(sheets, 1):
            assert not contains(sheet.body + sheet.footer, chrome), f"{code}, sheet {number}: site chrome {chrome!r} printed"
    # The site name is printed only in the footer's 《办事处营运手册》, never as a page header.
    if "办事处营运手册" not in "".join(expected_texts(form)):
        headed = [number for number, sheet in enumerate(sheets, 1) if contains(sheet.body, "办事处营运手册")]
        assert not headed, f"{code}: the site name is printed on sheets {headed} outside the footer"


# -- 2. 打印全部表格: every form, each from a new sheet ---------------------------------------------

def test_print_all_puts_each_form_on_sheets_of_its_own(printed):
    sheets = printed("forms/print-all/")
    forms = list(FORMS)
    assert len(sheets) >= len(forms), f"{len(sheets)} sheets for {len(forms)} forms"
    for number, sheet in enumerate(sheets, 1):
        assert abs(sheet.width - A4[0]) <= 2 and abs(sheet.height - A4[1]) <= 2, f"sheet {number} is not A4"
        assert len(sheet.codes) == 1, f"sheet {number}: the footer should name exactly one form, names {sorted(sheet.codes)}: {sheet.footer!r}"
        assert contains(sheet.footer, REVISION.title) and contains(sheet.footer, REVISION.effective.isoformat()), \
            f"sheet {number}: the footer lacks the revision: {sheet.footer!r}"
        assert squash(sheet.body), f"sheet {number} (footer {sorted(sheet.codes)}) is blank"

    starts = []
    for form in forms:
        header = form.code + form.category + form.title
        first = next((number for number, sheet in enumerate(sheets) if contains(sheet.body, header)), None)
        assert first is not None, f"{form.code} {form.title} is not in 打印全部表格"
        assert sheets[first].codes == {form.code}, \
            f"{form.code} starts on sheet {first + 1}, whose footer names {sorted(sheets[first].codes)}"
        assert starts_with(sheets[first].body, header), \
            f"{form.code} does not start at the top of sheet {first + 1}: it starts {sheets[first].body[:80]!r}"
        starts.append(first)
    assert starts == sorted(starts) and len(set(starts)) == len(starts), f"forms do not follow each other: {starts}"
    assert starts[0] == 0, "the first sheet is not the first form (a title sheet or a blank sheet before it)"
    # Every sheet between the start of a form and the start of the next belongs to that form.
    for form, first, following in zip(forms, starts, starts[1:] + [len(sheets)]):
        assert all(sheets[n].codes == {form.code} for n in range(first, following)), \
            f"{form.code}: sheets {first + 1}–{following} carry {[sorted(sheets[n].codes) for n in range(first, following)]}"


# -- 3. empty boxes and ruled lines that print ---------------------------------------------------

BOXES = """() => [...document.querySelectorAll('.manual-checklist .manual-box')].map(box => {
  const style = getComputedStyle(box), rect = box.getBoundingClientRect();
  return {display: style.display, visibility: style.visibility, width: rect.width, height: rect.height,
          borders: ['Top', 'Right', 'Bottom', 'Left'].map(side => [parseFloat(style['border' + side + 'Width']),
                   style['border' + side + 'Style'], style['border' + side + 'Color']])};
})"""
RADIOS = """() => [...document.querySelectorAll('.manual-checklist__result input')].map(input => [input.type, getComputedStyle(input).display])"""


@pytest.mark.parametrize("code", CHECKLISTS)
def test_checklist_result_boxes_are_bordered_empty_boxes_on_paper(print_media, code):
    form = FORMS[code]
    page = print_media(form_url(code))
    boxes = page.evaluate(BOXES)
    assert len(boxes) == 3 * len(form.items), f"{code}: {len(boxes)} boxes for {len(form.items)} items (是/否/不适用 each)"
    for number, box in enumerate(boxes):
        where = f"{code}: box {number} (item {form.items[number // 3].id})"
        assert box["display"] != "none" and box["visibility"] == "visible", f"{where} is hidden on paper: {box}"
        assert box["width"] >= 2.5 * PX_PER_MM and box["height"] >= 2.5 * PX_PER_MM, f"{where} is too small to tick: {box}"
        for width, style, color in box["borders"]:
            assert width > 0 and style not in ("none", "hidden") and color not in ("transparent", "rgba(0, 0, 0, 0)"), \
                f"{where} has no printed border: {box['borders']}"
    radios = page.evaluate(RADIOS)
    assert len(radios) == len(boxes) and all(kind == "radio" for kind, _ in radios)
    assert all(display == "none" for _, display in radios), f"{code}: radio buttons show on paper: {radios}"


@pytest.mark.parametrize("code", CHECKLISTS)
def test_checklist_pdf_draws_three_outlined_boxes_per_item(printed, code):
    sheets = printed(form_url(code))
    drawn = sum(sheet.squares for sheet in sheets)
    assert drawn == 3 * len(FORMS[code].items), \
        f"{code}: {drawn} outlined boxes in the PDF for {len(FORMS[code].items)} items (per sheet: {[s.squares for s in sheets]})"


RECORD_ROWS = """() => [...document.querySelectorAll('.manual-record tbody tr')].map(row => [...row.cells].map(cell => {
  const style = getComputedStyle(cell);
  return {width: parseFloat(style.borderBottomWidth), style: style.borderBottomStyle, color: style.borderBottomColor,
          height: cell.getBoundingClientRect().height, text: cell.textContent.trim()};
}))"""


def test_record_form_prints_its_yaml_number_of_ruled_rows(print_media):
    form = FORMS[RECORD]
    rows = print_media(form_url(RECORD)).evaluate(RECORD_ROWS)
    assert len(rows) == form.rows, f"{RECORD}: {len(rows)} rows printed, the YAML says rows: {form.rows}"
    for number, cells in enumerate(rows, 1):
        assert len(cells) == len(form.columns), f"{RECORD}, row {number}: {len(cells)} cells for {len(form.columns)} columns"
        for cell in cells:
            assert cell["width"] > 0 and cell["style"] not in ("none", "hidden") and cell["color"] != "rgba(0, 0, 0, 0)", \
                f"{RECORD}, row {number}: a cell has no bottom rule on paper: {cell}"
            assert cell["height"] >= 7 * PX_PER_MM, f"{RECORD}, row {number}: {cell['height'] / PX_PER_MM:.1f} mm is too low to write in"
            assert cell["text"] == "", f"{RECORD}, row {number}: a blank form has text in a cell: {cell}"


FIELD_LINES = """() => [...document.querySelectorAll('.manual-form')].flatMap(form => {
  const sheet = form.getBoundingClientRect();
  return [...form.querySelectorAll('.manual-field')].map(field => {
    const line = field.querySelector('.manual-field__line'), rect = line.getBoundingClientRect(), style = getComputedStyle(line);
    return {code: form.dataset.code, label: field.querySelector('.manual-field__label').textContent, width: rect.width,
            left: rect.left - sheet.left, right: sheet.right - rect.right, rule: parseFloat(style.borderBottomWidth),
            ruleStyle: style.borderBottomStyle};
  });
})"""


def test_every_field_of_every_form_has_a_line_to_write_on_inside_the_sheet(print_media):
    """Office / inspector / date / signature: each label has its own ruled line, none pushed off the paper."""
    fields = print_media("forms/print-all/").evaluate(FIELD_LINES)
    expected = sum(len(form.header_fields) + len(form.signoff) for form in FORMS)
    assert len(fields) == expected, f"{len(fields)} fields printed, the YAML has {expected}"
    for field in fields:
        where = f"{field['code']} 「{field['label']}」"
        assert field["rule"] > 0 and field["ruleStyle"] == "solid", f"{where}: no line under the field: {field}"
        assert field["width"] >= 20 * PX_PER_MM, f"{where}: the line is {field['width'] / PX_PER_MM:.1f} mm, too short to write on"
        assert field["left"] >= -1 and field["right"] >= -1, f"{where}: the line runs off the sheet: {field}"


HEADINGS = """() => [...document.querySelectorAll('.manual-form thead th')].map(th => {
  const lines = new Map();
  const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      if (!node.data[i].trim()) continue;
      const range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      const top = Math.round(range.getBoundingClientRect().top);
      lines.set(top, (lines.get(top) || '') + node.data[i]);
    }
  }
  return {code: th.closest('.manual-form').dataset.code, kind: th.closest('table').className, text: th.textContent,
          lines: [...lines.values()], overflow: th.scrollWidth - th.clientWidth};
})"""


def test_column_headings_are_legible_in_their_columns(print_media):
    """Checklist headings (是 / 否 / 不适用 …) on one line; a record form's column title may wrap, but
    never leaves a single character on a line of its own ("序/号"); nothing runs out of its column."""
    headings = print_media("forms/print-all/").evaluate(HEADINGS)
    assert len(headings) == sum(7 if form.kind == "checklist" else len(form.columns) for form in FORMS)
    cramped = [heading for heading in headings if heading["overflow"] > 1
               or ("manual-checklist" in heading["kind"] and len(heading["lines"]) != 1)
               or (len(heading["lines"]) > 1 and min(len(line) for line in heading["lines"]) < 2)]
    assert not cramped, "column headings cut off or broken badly on paper: " + "; ".join(
        f"{h['code']} {'/'.join(h['lines'])}" for h in cramped)


# -- 4. rows never split across sheets ------------------------------------------------------------

ROW_BREAKS = """() => [...document.querySelectorAll('.manual-form tr')].map(row => {
  const style = getComputedStyle(row);
  return [row.closest('.manual-form').dataset.code, row.textContent.trim().slice(0, 20), style.breakInside, style.pageBreakInside];
})"""


def test_no_table_row_may_split_across_sheets(print_media):
    rows = print_media("forms/print-all/").evaluate(ROW_BREAKS)
    assert len(rows) >= sum(len(form.items) + form.rows for form in FORMS)
    splittable = [row for row in rows if "avoid" not in (row[2], row[3])]
    assert not splittable, f"rows that may split across sheets: {splittable[:5]}"


@pytest.mark.parametrize("code", CHECKLISTS)
def test_each_checklist_item_is_printed_whole_on_one_sheet(printed, code):
    sheets = printed(form_url(code))
    for item in FORMS[code].items:
        whole = [n for n, sheet in enumerate(sheets, 1)
                 if contains(sheet.body, item.id + item.text) and contains(sheet.body, item.standard)]
        assert whole, f"{code} {item.id}: the item and its standard are not together on any one sheet"


# -- 5. what the YAML says is printed as text, never run as markup --------------------------------

def test_item_text_is_escaped_in_the_form_pages(tmp_path, browser):
    project = copy_project(tmp_path / "project")
    source = project / "checklists" / "sos-02.yml"
    yaml_text = source.read_text(encoding="utf-8")
    assert yaml_text.count("text: 客户进门时起身问候\n") == 1
    source.write_text(yaml_text.replace("text: 客户进门时起身问候\n", 'text: "客户进门时起身问候<script>alert(1)</script>"\n'),
                      encoding="utf-8")
    result = build(project)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    for page in ("forms/sos-02/index.html", "forms/print-all/index.html", f"{Path(FORMS['SOS-02'].page).stem}/index.html"):
        html = (site / page).read_text(encoding="utf-8")
        assert "客户进门时起身问候&lt;script&gt;alert(1)&lt;/script&gt;" in html, f"{page}: the item text is not escaped"
        assert "<script>alert(1)</script>" not in html, f"{page}: the item text is raw HTML"

    dialogs = []
    with serve(site) as url:
        page = browser.new_page()
        try:
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(url + form_url("SOS-02"), wait_until="load")
            shown = page.evaluate("""() => [...document.querySelectorAll('tr.manual-checklist__item')]
                .filter(row => row.cells[0].textContent.trim() === 'A2').map(row => row.cells[1].textContent)""")
            assert shown == ["客户进门时起身问候<script>alert(1)</script>"], f"A2 reads {shown}"
        finally:
            page.close()
    assert dialogs == [], f"the item text ran as a script: {dialogs}"
