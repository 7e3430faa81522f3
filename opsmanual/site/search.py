"""The search index, Material's with less work: pages divided into sections from lxml's tree instead of
html.parser's stream of tags (sections()), without a form's inputs, print rules or a diagram's SVG; each page's
segmented words kept in the cache folder, and jieba's dictionaries loaded only when a word must be cut; the index
written as UTF-8 without runs of blanks."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from functools import cache
from html import escape
from pathlib import Path

from lxml import etree
from material.plugins.search import plugin as material

from .. import cache as cache_folder
from ..render.blocks import parse
from ..render.segmenter import jieba as imported_jieba

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
            doc["text"] = "".join(
                part if i % 3 == 1 else SPACE_RUN.sub(" ", part) for i, part in enumerate(parts) if i % 3 != 2
            )
    compact = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(compact) < len(raw):
        path.write_bytes(compact)


def memoize_jieba() -> None:
    """Material's search segments every run of Chinese characters of every page with jieba.cut; the same runs
    recur (a form on its chapter page and on its own page, headings, the register). jieba.cut is a pure
    function of its input and the dictionary, so its results are kept for the build (cleared on every
    build, as the user dictionary is loaded again after this). The dictionaries are loaded at the first cut, not
    when Material's on_config names the user dictionary: a build whose pages' words are all in the cache folder
    (install_index) does not load them (0.8 s, a third of a small manual's build)."""
    try:
        jieba = imported_jieba()
    except ImportError:
        return
    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict…" lines are not for editors
    if not isinstance(jieba.load_userdict, _Deferred):
        jieba.load_userdict = _Deferred(jieba.load_userdict)
    if isinstance(jieba.cut, _CachedCut):
        jieba.cut.cache.clear()
    else:
        jieba.cut = _CachedCut(jieba.cut, jieba.load_userdict)


class _Deferred:
    """jieba.load_userdict, postponed until a word is cut."""

    def __init__(self, load):
        self.load = load
        self.pending: list = []

    def __call__(self, dictionary):
        self.pending.append(dictionary)

    def flush(self) -> None:
        while self.pending:
            self.load(self.pending.pop(0))


class _CachedCut:
    def __init__(self, cut, dictionaries: _Deferred):
        self.cut = cut
        self.dictionaries = dictionaries
        self.cache: dict = {}

    def __call__(self, sentence, cut_all=False, HMM=True, use_paddle=False):
        key = (sentence, cut_all, HMM, use_paddle)
        words = self.cache.get(key)
        if words is None:
            self.dictionaries.flush()
            words = self.cache[key] = tuple(self.cut(sentence, cut_all, HMM, use_paddle))
        return iter(words)


# What the search index does not read: a diagram's SVG (its words are its aria-label), a form's inputs, print
# rules and column widths; labels and spans only wrap words.
DROPPED = ("style", "script", "input", "colgroup", "button", "template")
UNWRAPPED = ("label", "span")


def lighten(root) -> None:
    """Drop from a page's tree (opsmanual.render.blocks.parse) what its search entries do not hold."""
    for element in root.iter("figure"):
        if "manual-diagram" in (element.get("class") or ""):
            label = element.get("aria-label") or ""
            for child in list(element):
                element.remove(child)
            element.text = label
    etree.strip_elements(root, *DROPPED, "{http://www.w3.org/2000/svg}svg", "svg", with_tail=False)
    etree.strip_tags(root, *UNWRAPPED)


# Material's search divides a page into sections with Python's html.parser, tag by tag, a third of a large build.
# sections() makes the same sections from the tree lxml parses (in C): the rules of Material's Parser
# (material/plugins/search/plugin.py), applied to a tree instead of a stream of tags. The two are compared page
# by page on the real manual and the benchmark's corpus (tests/test_search.py).
HEADINGS = frozenset(f"h{level}" for level in range(1, 7))
KEPT = frozenset(("p", "code", "pre", "li", "ol", "ul", "sub", "sup"))  # Material's Parser.keep
SKIPPED = frozenset(("object", "script", "style"))  # Material's Parser.skip
VOID = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr")
)  # Material's void


def sections(html_text: str) -> list:
    """A page's content as Material's search sections (material.plugins.search.plugin.Section)."""
    root = parse(html_text)
    lighten(root)
    return _Sections(root).data


class _Sections:
    def __init__(self, root):
        self.data: list = []
        self.section = None
        self.stack: list[str] = []  # the open elements' tags (Material's Parser.context)
        self.skipping = 0  # open elements whose words are not indexed
        self.permalink = 0  # open <a class="headerlink">
        self.text(root.text)
        for child in root:
            self.element(child)

    def current(self):
        if self.section is None:
            self.section = material.Section(material.Element("hx"))
            self.data.append(self.section)
        return self.section

    def words(self) -> list[str]:
        """Where words go: the section's title inside its heading, else its text."""
        section = self.current()
        return section.title if section.el.tag in self.stack else section.text

    def element(self, element) -> None:
        tag = element.tag
        if isinstance(tag, str) and tag not in VOID:
            self.start(tag, element.attrib)
            self.text(element.text)
            for child in element:
                self.element(child)
            self.end(tag, element.attrib)
        self.text(element.tail)

    def start(self, tag: str, attributes) -> None:
        stack = self.stack
        stack.append(tag)
        if tag in HEADINGS and "id" in attributes:
            depth = len(stack)
            if tag != "h1" and not self.data:
                self.data.append(material.Section(material.Element("hx"), depth))
            section = material.Section(material.Element(tag, dict(attributes)), depth)
            if self.data:
                section.id = attributes["id"]
            self.data.append(section)
            self.section = section
        self.current()
        if tag == "a" and attributes.get("class") == "headerlink":
            self.permalink += 1
        if tag in SKIPPED or _excluded(attributes):
            self.skipping += 1
        elif not self.skipping and tag in KEPT:
            self.words().append(f"<{tag}>")

    def end(self, tag: str, attributes) -> None:
        stack, section = self.stack, self.section
        if section.depth > len(stack):  # leaving the element a heading was in: back to the section around it
            for outer in reversed(self.data):
                if outer.depth <= len(stack):
                    section.depth = float("inf")
                    self.section = outer
                    break
        stack.pop()
        if tag == "a" and attributes.get("class") == "headerlink":
            self.permalink -= 1
        if tag in SKIPPED or _excluded(attributes):
            self.skipping -= 1
        elif not self.skipping and tag in KEPT:
            words = self.words()
            opened = f"<{tag}>"
            index = words.index(opened) if opened in words else len(words)
            if all(word.isspace() for word in words[index + 1 :]):
                del words[index:]  # an empty element is left out
            else:
                words.append(f"</{tag}>")

    def text(self, data: str | None) -> None:
        if not data or self.skipping:
            return
        if "pre" not in self.stack:
            data = " " if data.isspace() else data.replace("\n", " ")
        section = self.current()
        if section.el.tag in self.stack:
            if not self.permalink:
                section.title.append(escape(data, quote=False))
        elif data.isspace():
            if not section.text or not section.text[-1].isspace() or "pre" in self.stack:
                section.text.append(data)
        else:
            section.text.append(escape(data, quote=False))


def _excluded(attributes) -> bool:
    return "data-search-exclude" in attributes or attributes.get("class") == "linenodiv"


def install_index(config) -> None:
    """Material's search plugin indexes pages with sections() instead of its own parser, and keeps each page's
    segmented sections in the cache folder (opsmanual.cache): jieba, the slowest part of an index, runs only on a
    page whose content, or whose dictionaries, changed since any build on this machine."""
    plugin = config.plugins.get("material/search") or config.plugins.get("search")
    index = getattr(plugin, "search_index", None)
    if index is not None:
        manual_index = _index_class()(**index.config)
        manual_index.segmenter = segmenter(plugin.config)
        plugin.search_index = manual_index


def segmenter(options) -> str:
    """What a page's segmented words depend on besides its content: this code, Material's, lxml (which parses
    the page), jieba and its dictionaries (the digest of their bytes)."""
    digest = hashlib.sha256(cache_folder.code_fingerprint(__file__, ("mkdocs-material", "lxml", "jieba")).encode())
    for name in ("jieba_dict", "jieba_dict_user"):
        path = options.get(name)
        if path and Path(path).is_file():
            digest.update(Path(path).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


@cache
def _index_class():
    class ManualSearchIndex(material.SearchIndex):
        segmenter = ""

        def add_entry_from_context(self, page):
            if (page.meta.get("search") or {}).get("exclude"):
                return
            content = page.content or ""
            page_title = str(page.meta.get("title", page.title)).strip()  # a section without a title gets it
            key = hashlib.sha256(f"{self.segmenter}\0{page_title}\0{content}".encode()).hexdigest()
            for section_id, title, text in cache_folder.stored(
                "search", key, lambda: self.segmented(content, page_title)
            ):
                section = material.Section(material.Element("hx"))
                section.id = section_id
                section.title, section.text = [title], [text]
                self.create_entry_for_section(section, page.toc, page.url, page)

        def segmented(self, content: str, page_title: str) -> list:
            """The page's sections that are searched: id, title (the page's for a section without one, as
            Material's create_entry_for_section gives it) and text, segmented as Material segments them."""
            return [
                [
                    section.id,
                    self.segment("".join(section.title).strip() if section.title else page_title),
                    self.segment("".join(section.text).strip()),
                ]
                for section in sections(content)
                if not section.is_excluded()
            ]

        def segment(self, text: str) -> str:
            return material.SearchIndex._segment_chinese(self, text) if material.jieba else text

        def _segment_chinese(self, data):  # create_entry_for_section gets words segmented already
            return data

    return ManualSearchIndex
