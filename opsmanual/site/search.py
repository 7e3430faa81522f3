"""A lighter, faster search index with the same results: checklists indexed without their inputs and print
rules, the index written as UTF-8 without runs of blanks, jieba's segmentation kept for the build."""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

# How much a page's words weigh in the search, by the kind of page (Material reads "boost" and "exclude" from the
# page's front matter): a question is answered by the chapter's procedure first, then by the form; the register
# repeats what the chapters say and comes after them. What changed in a revision (its redline) holds the old and
# the new words of everything it changed, which no reader searches for: not indexed (it was 40 % of the index).
BOOST = {"chapter": 2.0, "content": 2.0, "index": 1.0, "form": 1.0, "register": 0.3}
NOT_SEARCHED = {"revision"}


def weigh(meta: dict, kind: str) -> None:
    """The page's search weight for its kind, unless its front matter sets one."""
    search = meta.get("search")
    if not isinstance(search, dict):
        search = meta["search"] = {}
    if kind in NOT_SEARCHED:
        search.setdefault("exclude", True)
    elif kind in BOOST and not search.get("exclude"):
        search.setdefault("boost", BOOST[kind])


KEEP_SPACES = re.compile(r"(<(pre|code)>.*?</\2>)", re.DOTALL)
SPACE_RUN = re.compile(r"[ \t\n\r\f]{2,}")


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
    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict…" lines are not for editors
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


# What the search index does not read, in the HTML it parses (Material's search parses every page with Python's
# html.parser, tag by tag): a diagram's SVG (its words are its aria-label), a form's inputs, print rules and
# column widths. Dropping them gives the same index from a fraction of the tags.
DROPPED = ("style", "script", "input", "colgroup", "button", "template")
UNWRAPPED = ("label", "span")
KEPT_ATTRIBUTES = ("id", "href")


def for_search(html_text: str) -> str:
    """The page's content with only what the search plugin indexes: its words, headings and ids."""
    from lxml import etree

    from ..render.blocks import parse, serialize

    root = parse(html_text)
    for element in root.iter("figure"):
        if "manual-diagram" in (element.get("class") or ""):
            label = element.get("aria-label") or ""
            for child in list(element):
                element.remove(child)
            element.text = label
    etree.strip_elements(root, *DROPPED, "{http://www.w3.org/2000/svg}svg", "svg", with_tail=False)
    etree.strip_tags(root, *UNWRAPPED)
    for element in root.iter():
        if isinstance(element.tag, str):
            for name in list(element.attrib):
                if name not in KEPT_ATTRIBUTES:
                    del element.attrib[name]
    return serialize(root)
