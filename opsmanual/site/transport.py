"""Carry the renderer's finished HTML past Markdown: a placeholder in the Markdown, the HTML after conversion.

A form or register table is raw HTML that Markdown would pass through untouched, but only after parsing it
twice in pure Python (md_in_html's block parser, and mkdocs' scan of the source for anchors); a page with a
20-item checklist spent more time there than on all its Markdown. put_back() restores the HTML where the
placeholder stands and returns the ids it brings, which the page registers as anchors, as mkdocs would have.
"""

from __future__ import annotations

import html
import re
import secrets

START_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)(\s[^>]*)>")
ANCHOR_ATTR = re.compile(r'\s(id|name)="([^"]*)"')


def anchors(html_text: str) -> set[str]:
    """Anchors in HTML, as mkdocs counts them: every id, and the name of an <a>."""
    found = set()
    for tag in START_TAG.finditer(html_text):
        for name, value in ANCHOR_ATTR.findall(tag.group(2)):
            if name == "id" or tag.group(1).lower() == "a":
                found.add(html.unescape(value))
    return found


class Transport:
    def __init__(self):
        self.nonce = secrets.token_hex(4)
        self.pending: dict[str, str] = {}
        self.pattern = re.compile(rf'<div data-manual-html="({self.nonce}-[0-9]+)"></div>')

    def defer(self, html_text: str) -> str:
        key = f"{self.nonce}-{len(self.pending)}"
        self.pending[key] = html_text
        return f'<div data-manual-html="{key}"></div>'

    def put_back(self, html_text: str) -> tuple[str, list[str], int]:
        """(the page with the HTML in place, the pieces put back, how many placeholders never reached it)."""
        found: list[str] = []

        def restore(match: re.Match) -> str:
            piece = self.pending.pop(match.group(1), None)
            if piece is None:
                return match.group(0)
            found.append(piece)
            return piece

        html_text = self.pattern.sub(restore, html_text) if self.pending else html_text
        lost, self.pending = len(self.pending), {}
        return html_text, found, lost
