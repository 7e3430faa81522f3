"""The redline of one page or form: its changed blocks shown as what they are (a paragraph, a list item, a
table row, a diagram), with the words removed and added marked so that they can be told apart without colour,
on paper and in Chinese: 〔删：…〕 struck through in a dashed box, 〔增：…〕 underlined twice in a solid box.

Words are Chinese words (jieba, with the manual's dictionary), so "第二次" → "第三次" is one word replaced,
not "第~~二~~三次".
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache

from markupsafe import escape

from . import segmenter
from .blocks import Block

LATIN = re.compile(r"[A-Za-z0-9_.%°:/-]+")


@dataclass(frozen=True)
class Segment:
    kind: str  # "same", "removed", "added"
    text: str


@cache
def _jieba():
    jieba = segmenter.jieba()
    jieba.setLogLevel(60)
    return jieba


def words(text: str) -> list[str]:
    """Chinese words, Latin words and numbers whole, punctuation and spaces alone."""
    return [token for token in _jieba().cut(text, HMM=False) if token]


def word_diff(old: str, new: str) -> list[Segment]:
    a, b = words(old), words(new)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(Segment("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("removed", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("added", "".join(b[j1:j2])))
    return segments


def marked(segments: list[Segment]) -> str:
    out = []
    for segment in segments:
        text = escape(segment.text)
        if segment.kind == "removed":
            out.append(
                f'<del class="manual-del"><span class="manual-mark" aria-hidden="true">〔删：</span>{text}'
                f'<span class="manual-mark" aria-hidden="true">〕</span></del>'
            )
        elif segment.kind == "added":
            out.append(
                f'<ins class="manual-ins"><span class="manual-mark" aria-hidden="true">〔增：</span>{text}'
                f'<span class="manual-mark" aria-hidden="true">〕</span></ins>'
            )
        else:
            out.append(str(text))
    return "".join(out)


def whole(kind: str, text: str) -> str:
    return marked([Segment(kind, text)])


KIND_NAMES = {
    "heading": "标题",
    "paragraph": "段落",
    "item": "列表项",
    "row": "表格行",
    "term": "术语",
    "definition": "释义",
    "code": "代码",
    "diagram": "流程图",
    "caption": "图表标题",
    "quote": "引文",
}


def _cell_html(old: Block | None, new: Block | None, tag: str) -> str:
    """A table row: cell by cell, words marked."""
    old_cells = list(old.cells) if old else []
    new_cells = list(new.cells) if new else []
    width = max(len(old_cells), len(new_cells))
    cells = []
    for i in range(width):
        before = old_cells[i] if i < len(old_cells) else None
        after = new_cells[i] if i < len(new_cells) else None
        if before is None:
            content = whole("added", after)
        elif after is None:
            content = whole("removed", before)
        else:
            content = marked(word_diff(before, after))
        cells.append(f"<{tag}>{content}</{tag}>")
    return f"<tr>{''.join(cells)}</tr>"


def _block_html(kind: str, content: str, block: Block) -> str:
    if block.kind == "heading":
        return f'<p class="manual-rl__heading">{content}</p>'
    if block.kind == "item":
        return f"<ul><li>{content}</li></ul>"
    if block.kind == "term":
        return f"<dl><dt>{content}</dt></dl>"
    if block.kind == "definition":
        return f"<dl><dd>{content}</dd></dl>"
    if block.kind == "code":
        return f"<pre><code>{content}</code></pre>"
    if block.kind == "diagram":
        return f'<p class="manual-rl__diagram"><span class="manual-rl__what">流程图</span>{content}</p>'
    return f"<p>{content}</p>"


def _rows_html(pairs: list[tuple[Block | None, Block | None]]) -> str:
    rows = [_cell_html(old, new, "th" if (new or old).header else "td") for old, new in pairs]
    return f'<div class="manual-rl__table"><table>{"".join(rows)}</table></div>'


def _pair(old: tuple[Block, ...], new: tuple[Block, ...]) -> list[tuple[Block | None, Block | None]]:
    """Old and new blocks of one change matched up: same kinds in the same order are compared word by word."""
    if len(old) == len(new) and all(a.kind == b.kind for a, b in zip(old, new)):
        return list(zip(old, new))
    matcher = difflib.SequenceMatcher(None, [b.text for b in old], [b.text for b in new], autojunk=False)
    pairs: list[tuple[Block | None, Block | None]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1 and all(a.kind == b.kind for a, b in zip(old[i1:i2], new[j1:j2])):
            pairs += list(zip(old[i1:i2], new[j1:j2]))
            continue
        pairs += [(block, None) for block in old[i1:i2]]
        pairs += [(None, block) for block in new[j1:j2]]
    return pairs


def render_operation(tag: str, old: tuple[Block, ...], new: tuple[Block, ...]) -> str:
    out = []
    pairs = _pair(old, new)
    run: list[tuple[Block | None, Block | None]] = []
    for before, after in pairs + [(None, None)]:
        block = after or before
        if block is not None and block.kind == "row":
            run.append((before, after))
            continue
        if run:
            out.append(_rows_html(run))
            run = []
        if block is None:
            continue
        if before is None:
            out.append(_block_html("added", whole("added", after.text), after))
        elif after is None:
            out.append(_block_html("removed", whole("removed", before.text), before))
        else:
            out.append(_block_html("changed", marked(word_diff(before.text, after.text)), after))
    return "".join(out)


def render(diff) -> str:
    """The redline of a SubjectDiff (opsmanual.control.comparison) as HTML."""
    parts = []
    for number, operation in enumerate(diff.operations, 1):
        kind = {"insert": "新增", "delete": "删除", "replace": "修改"}[operation.tag]
        what = "、".join(dict.fromkeys(KIND_NAMES.get(b.kind, b.kind) for b in (operation.new or operation.old)))
        where = (
            f'<span class="manual-change__where">位置：{escape(operation.heading)}</span>' if operation.heading else ""
        )
        parts.append(
            f'<div class="manual-change" data-change="{escape(operation.tag)}">'
            f'<p class="manual-change__head"><span class="manual-change__kind">{kind}{escape(what)}</span>{where}</p>'
            f"{render_operation(operation.tag, operation.old, operation.new)}</div>"
        )
    return "".join(parts)
