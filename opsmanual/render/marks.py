"""Change bars: the blocks of a page that changed in the revision it belongs to get a class (and the revision's
title), so the margin shows a bar beside each changed paragraph, list item, table row and form item, on screen,
on paper and in the PDF edition."""

from __future__ import annotations

from collections import Counter

from .blocks import Block, locate, parse, serialize

CHANGED_CLASS = "manual-changed"


def mark_changes(html: str, changed: list[Block], title: str) -> tuple[str, int]:
    """(the HTML with the changed blocks marked, how many were marked)."""
    if not changed:
        return html, 0
    wanted = Counter(block.key for block in changed)
    root = parse(html)
    marked = 0
    for located in locate(root):
        key = located.block.key
        if wanted[key] > 0:
            wanted[key] -= 1
            element = located.element
            element.set("class", " ".join(filter(None, [element.get("class"), CHANGED_CLASS])))
            element.set("data-manual-changed", title)
            marked += 1
    return (serialize(root), marked) if marked else (html, 0)
