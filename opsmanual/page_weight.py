"""Lighter pages and a lighter build: what the plugin does to the HTML that is not about the manual.

Whitespace of the theme's templates out of every page, the search index written compactly, the macros'
HTML stripped of what the search indexer does not read, and jieba's segmentation kept for the build.
Each leaves what a reader sees and finds exactly as it was; scripts/bench.py measures what they save.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

# Markup of the macros' HTML that holds no text (checkbox inputs, column widths, print rules): the search
# plugin's index of a page is the same without it, and its pure-Python HTML parser is spared a third of
# the tags of a checklist (ManualPlugin._page_context_for_search).
SEARCH_INERT = re.compile(r'<style>[^<]*</style>|<colgroup>(?:<col[^>]*>)*</colgroup>|</?label>|<input [^>]*>'
                          r'|<span class="manual-box" aria-hidden="true"></span>')
# ... and attributes it does not read (it reads id, and data-search-*), then the cells left empty.
SEARCH_INERT_ATTRIBUTE = re.compile(r'\s(?:class|style|scope|colspan|title|aria-[a-z]+|data-(?!search)[a-z-]+)="[^"]*"')
EMPTY_CELL = re.compile(r"<td></td>")
# Text that keeps its whitespace (Material sets code, kbd and pre to pre-wrap), raw text and comments; outside
# them, in the theme's part of a page, whitespace after a line break is only indentation (collapse_whitespace).
VERBATIM = re.compile(r"<(pre|textarea|script|style|code|kbd)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
TAG = re.compile(r"<[^>]*>")
TAG_OVER_LINES = re.compile(r"<[^>]*\n")
# HTML's whitespace is ASCII only: no-break and ideographic spaces are text.
NEWLINE_RUN = re.compile(r"\n[ \t\n\r\f]*")
SPACE_RUN = re.compile(r"[ \t\n\r\f]{2,}")
KEEP_SPACES = re.compile(r"(<(pre|code)>.*?</\2>)", re.S)
# Anchors in HTML, as mkdocs counts them: every id, and the name of an <a>.
START_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)(\s[^>]*)>")
ANCHOR_ATTR = re.compile(r'\s(id|name)="([^"]*)"')


def for_search(piece: str) -> str:
    """The macros' HTML with only what the search plugin indexes: its text, in the same elements."""
    return EMPTY_CELL.sub("", SEARCH_INERT_ATTRIBUTE.sub("", SEARCH_INERT.sub("", piece)))


def anchors(html_text: str) -> set[str]:
    found = set()
    for tag in START_TAG.finditer(html_text):
        for name, value in ANCHOR_ATTR.findall(tag.group(2)):
            if name == "id" or tag.group(1).lower() == "a":
                found.add(html.unescape(value))
    return found


def collapse_whitespace(html_text: str) -> str:
    """A line break and the whitespace after it become one line break, in text: the same rendering, without
    the indentation. pre, code, kbd, textarea, scripts, styles and comments are kept as they are, and so
    are tags (attribute values) where one spans lines."""
    out, last = [], 0
    for match in VERBATIM.finditer(html_text):
        out.append(_collapse_text(html_text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_collapse_text(html_text[last:]))
    return "".join(out)


def _collapse_text(part: str) -> str:
    if not TAG_OVER_LINES.search(part):
        return NEWLINE_RUN.sub("\n", part)
    out, last = [], 0
    for match in TAG.finditer(part):
        out.append(NEWLINE_RUN.sub("\n", part[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(NEWLINE_RUN.sub("\n", part[last:]))
    return "".join(out)


def compact_search_index(path: Path) -> None:
    """Write the search index as UTF-8 instead of \\uXXXX escapes, and without runs of blanks in its text
    (outside <pre> and <code>): the same words and the same results, for Chinese text less than half the
    bytes, and less to download for every reader's first search."""
    if not path.is_file():
        return
    raw = path.read_bytes()
    try:
        data = json.loads(raw)
    except ValueError:
        return
    for doc in data.get("docs", ()):
        text = doc.get("text")
        if isinstance(text, str) and "  " in text:
            parts = KEEP_SPACES.split(text)
            doc["text"] = "".join(part if i % 3 == 1 else SPACE_RUN.sub(" ", part)
                                  for i, part in enumerate(parts) if i % 3 != 2)
    compact = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(compact) < len(raw):
        path.write_bytes(compact)


def memoize_jieba() -> None:
    """Material's search segments every run of Chinese characters of every page with jieba.cut; the same runs
    recur (a form on its chapter page and on its own page, headings, the register). jieba.cut is a pure
    function of its input and the dictionary, so its results are kept for the build (cleared on every
    build, as the user dictionary is loaded again after this)."""
    try:
        import jieba
    except ImportError:
        return
    cut = jieba.cut
    if isinstance(cut, _CachedCut):
        cut.cache.clear()
    else:
        jieba.cut = _CachedCut(cut)


class _CachedCut:
    def __init__(self, cut):
        self.cut = cut
        self.cache: dict = {}

    def __call__(self, sentence, cut_all=False, HMM=True, use_paddle=False):
        key = (sentence, cut_all, HMM, use_paddle)
        words = self.cache.get(key)
        if words is None:
            words = self.cache[key] = tuple(self.cut(sentence, cut_all, HMM, use_paddle))
        return iter(words)
