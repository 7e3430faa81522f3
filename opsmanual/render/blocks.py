"""HTML cut into the blocks a reader compares: headings, paragraphs, list items, table rows, terms, diagrams.

Comparing two revisions compares their blocks (opsmanual.control.comparison); the redline shows blocks as
what they are (a row as a row, an item as an item); change bars mark the blocks of a page that changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCK_TAGS = HEADINGS | {"p", "li", "tr", "dt", "dd", "pre", "figcaption", "summary", "caption", "blockquote"}
# Never text of the manual: permalinks, scripts, the page's own history (generated from the register), the
# form's print rules and on-screen inputs.
SKIPPED_CLASSES = {
    "headerlink",
    "manual-history",
    "manual-box",
    "manual-checklist-tools",
    "manual-change-mark",
    "manual-form__footer",
    "manual-form-page__bar",
    "manual-status",
}
SKIPPED_TAGS = {"script", "style", "input", "template", "button", "colgroup", "svg"}
SPACE = re.compile(r"[\s\u200b]+")
# A line break inside Chinese text is not a space a reader sees as one: between two CJK characters (or CJK
# punctuation) whitespace is dropped, so re-wrapping a paragraph is not a change.
CJK_GAP = re.compile(r"(?<=[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]) (?=[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef])")
MERMAID_LABEL = re.compile(r"\[\"?([^\]\"]+)\"?\]|\(\"?([^)\"]+)\"?\)|\{\"?([^}\"]+)\"?\}|\|([^|]+)\|")


@dataclass(frozen=True)
class Block:
    kind: str  # heading, paragraph, item, row, term, definition, code, diagram, caption, quote
    text: str  # the words, whitespace collapsed
    level: int = 0  # a heading's level
    cells: tuple[str, ...] = ()  # a table row's cells
    header: bool = False  # a row of <th> only

    @property
    def key(self) -> tuple:
        return (self.kind, self.text)


@dataclass
class Located:
    """A block and the element it came from (to mark it on the page)."""

    block: Block
    element: etree._Element = field(repr=False)


def normalize(text: str) -> str:
    return CJK_GAP.sub("", SPACE.sub(" ", text)).strip()


def _skipped(element) -> bool:
    if not isinstance(element.tag, str) or element.tag in SKIPPED_TAGS:
        return True
    classes = set((element.get("class") or "").split())
    return bool(classes & SKIPPED_CLASSES) or element.get("aria-hidden") == "true" and element.tag != "span"


def _own_text(element) -> str:
    """The text of an element without the text of block elements inside it (a list item's nested list)."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and (
            child.tag in BLOCK_TAGS or child.tag in ("ul", "ol", "dl", "table", "div", "section")
        ):
            parts.append(child.tail or "")
            continue
        if not _skipped(child):
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _text(element) -> str:
    parts = [element.text or ""]
    for child in element:
        if not _skipped(child):
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def diagram_text(source: str) -> str:
    """A mermaid diagram as the words it shows: its node and edge labels, in order."""
    labels = [next(g for g in match.groups() if g) for match in MERMAID_LABEL.finditer(source)]
    return "、".join(normalize(label) for label in labels if normalize(label))


def _block(element) -> Block | None:
    tag = element.tag
    classes = set((element.get("class") or "").split())
    if "mermaid" in classes or (tag == "pre" and element.find(".//code[@class='language-mermaid']") is not None):
        return Block("diagram", diagram_text(_text(element)))
    if tag in HEADINGS:
        return Block("heading", normalize(_text(element)), level=int(tag[1]))
    if tag == "tr":
        cells = [c for c in element if isinstance(c.tag, str) and c.tag in ("td", "th")]
        texts = tuple(normalize(_text(c)) for c in cells)
        if not any(texts):
            return None
        return Block("row", " | ".join(texts), cells=texts, header=all(c.tag == "th" for c in cells))
    kind = {
        "p": "paragraph",
        "li": "item",
        "dt": "term",
        "dd": "definition",
        "pre": "code",
        "figcaption": "caption",
        "caption": "caption",
        "summary": "heading",
        "blockquote": "quote",
    }[tag]
    text = normalize(_text(element) if tag == "pre" else _own_text(element))
    return Block(kind, text) if text else None


def locate(root) -> list[Located]:
    """Every block of a parsed tree, in document order, with its element."""
    found: list[Located] = []

    def walk(element, inside_block: bool) -> None:
        for child in element:
            if _skipped(child):
                continue
            tag = child.tag
            classes = set((child.get("class") or "").split())
            if tag in BLOCK_TAGS or "mermaid" in classes:
                block = _block(child)
                if block:
                    found.append(Located(block, child))
                if tag in ("tr", "pre", "p", "dt", "caption", "figcaption") or "mermaid" in classes or tag in HEADINGS:
                    continue  # no blocks inside these
            walk(child, inside_block or tag in BLOCK_TAGS)

    walk(root, False)
    return found


def parse(html: str):
    """An HTML fragment as a tree under one <div>."""
    return lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")


def blocks_of(html: str) -> list[Block]:
    return [located.block for located in locate(parse(html))]


def serialize(root) -> str:
    """A tree made by parse() back to HTML, without the <div> parse() put around it."""
    out = [root.text or ""] if root.text else []
    out += [lxml.html.tostring(child, encoding="unicode") for child in root]
    return "".join(out)
