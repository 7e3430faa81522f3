"""Redlines: the exact wording removed and added between two texts of a page.

The text is compared line by line (a paragraph, a list item, a table row, a heading); a changed line
is then compared character by character, which suits Chinese, where words are not separated by spaces.
Markdown and macro syntax is turned into the words a reader sees first, so the redline reads like
the page and not like its source.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
TOKEN = re.compile(r"[A-Za-z0-9_.%°-]+|\s+|.", re.S)  # latin words whole, every CJK character alone


@dataclass(frozen=True)
class Segment:
    kind: str  # "same", "removed", "added"
    text: str


@dataclass
class Hunk:
    heading: str  # the heading the change stands under, for orientation
    segments: list[Segment] = field(default_factory=list)

    @property
    def removed(self) -> str:
        return "".join(s.text for s in self.segments if s.kind != "added")

    @property
    def added(self) -> str:
        return "".join(s.text for s in self.segments if s.kind != "removed")


MACRO_FORM = re.compile(r"""\{\{\s*form(_link)?\(\s*["']([A-Z]{3}-\d{2})["']\s*\)\s*\}\}""")
MACRO_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|?$")


def readable(text: str, variables: dict | None = None, form_titles: dict | None = None) -> str:
    """Markdown source -> the words on the page: links as their text, forms and variables resolved."""
    variables, form_titles = variables or {}, form_titles or {}

    def form(match):
        code = match.group(2)
        title = f"{code} {form_titles.get(code, '')}".strip()
        return title if match.group(1) else f"［表格：{title}］"

    def variable(match):
        value = variables
        for part in match.group(1).split("."):
            value = value.get(part, {}) if isinstance(value, dict) else {}
        return str(value) if value not in ({}, None) else match.group(0)

    text = MACRO_VARIABLE.sub(variable, MACRO_FORM.sub(form, text))
    text = LINK.sub(lambda m: m.group(1), text)
    return re.sub(r"\*\*([^*]+)\*\*", r"\1", text)


def blocks(text: str) -> list[str]:
    """The lines a reader compares: paragraphs, list items, table rows, headings."""
    text = FRONT_MATTER.sub("", text.replace("\r\n", "\n"))
    return [line.strip() for line in text.split("\n") if line.strip() and not TABLE_RULE.match(line.strip())]


def inline_diff(old: str, new: str) -> list[Segment]:
    a, b = TOKEN.findall(old), TOKEN.findall(new)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(Segment("same", "".join(a[i1:i2])))
        if tag in ("delete", "replace"):
            segments.append(Segment("removed", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            segments.append(Segment("added", "".join(b[j1:j2])))
    return segments


def _heading_of(block: str) -> str | None:
    match = HEADING.match(block.splitlines()[0])
    return match.group(2).strip() if match else None


def redline(old: str | None, new: str | None) -> list[Hunk]:
    """The hunks that turn old into new; a page added or removed whole is one hunk."""
    old_blocks, new_blocks = blocks(old or ""), blocks(new or "")
    hunks: list[Hunk] = []
    heading = ""
    matcher = difflib.SequenceMatcher(None, old_blocks, new_blocks, autojunk=False)
    headings_before = []
    for block in new_blocks:
        heading = _heading_of(block) or heading
        headings_before.append(heading)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        where = headings_before[j1 - 1] if j1 > 0 else ""
        if tag == "replace" and i2 - i1 == j2 - j1:
            for old_block, new_block in zip(old_blocks[i1:i2], new_blocks[j1:j2]):
                hunks.append(Hunk(_heading_of(new_block) or where, inline_diff(old_block, new_block)))
                where = _heading_of(new_block) or where
            continue
        hunk = Hunk(where)
        if i2 > i1:
            hunk.segments.append(Segment("removed", "\n\n".join(old_blocks[i1:i2])))
        if j2 > j1:
            hunk.segments.append(Segment("added", "\n\n".join(new_blocks[j1:j2])))
        hunks.append(hunk)
    return hunks
