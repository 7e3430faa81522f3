"""Diagrams as SVG made once, not mermaid's 1 MB script in every reader's browser.

Each mermaid diagram (its source after the facts are written in) is rendered to SVG by the site's own mermaid in
Debian's Chromium (`manual diagrams`), and kept in diagrams/<hash>.svg, committed with the manual like a lock:
a build puts the SVG into the page, so the page shows the diagram without any script, prints it, and the PDF
edition typesets it (labels are SVG text, not HTML). A diagram without its SVG fails the strict build with what
to run; a draft preview (`manual serve`) draws it in the browser instead.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path

from .blocks import diagram_text

FOLDER = "diagrams"
# superfences' mermaid fence: <pre class="mermaid"><code>source</code></pre>, with whatever classes and attributes
# were added since (a change bar: class "manual-changed" and data-manual-changed), which the figure keeps.
MERMAID = re.compile(
    r'<pre class="mermaid(?P<classes>(?: [\w-]+)*)"(?P<attributes>[^>]*)><code>(?P<source>.*?)</code></pre>', re.DOTALL
)
# How mermaid is asked to draw: labels as SVG text (WeasyPrint has no foreignObject), the manual's fonts.
CONFIG = {
    "startOnLoad": False,
    "securityLevel": "strict",
    "htmlLabels": False,
    "flowchart": {"htmlLabels": False},
    "theme": "neutral",
    "themeVariables": {"fontFamily": '"Noto Sans CJK SC", "Source Han Sans SC", sans-serif'},
}


# Debian's Chromium, never a downloaded browser; the flags keep it from reaching for Google's hosts (the tests and
# the benchmarks start it with the same).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def key(source: str) -> str:
    return hashlib.sha256(source.strip().encode("utf-8")).hexdigest()[:20]


def sources(html_text: str) -> list[str]:
    return [html.unescape(match.group("source")) for match in MERMAID.finditer(html_text)]


@dataclass
class Diagrams:
    folder: Path

    def path(self, source: str) -> Path:
        return self.folder / f"{key(source)}.svg"

    def has(self, source: str) -> bool:
        return self.path(source).is_file()

    def missing(self, html_text: str) -> list[str]:
        return [s for s in sources(html_text) if not self.has(s)]

    def inline(self, html_text: str) -> str:
        """Every diagram of a page that has its SVG, put in as a figure with the diagram's words as its name."""

        def replace(match: re.Match) -> str:
            source = html.unescape(match.group("source"))
            file = self.path(source)
            if not file.is_file():
                return match.group(0)
            label = html.escape(diagram_text(source) or "流程图", quote=True)
            svg = file.read_text(encoding="utf-8")
            return (
                f'<figure class="manual-diagram{match.group("classes")}"{match.group("attributes")} role="img" '
                f'aria-label="流程图：{label}">{svg}</figure>'
            )

        return MERMAID.sub(replace, html_text)


def render(sources_to_render: list[str], folder: Path, mermaid_js: Path, chromium: str = CHROMIUM) -> list[Path]:
    """Draw each diagram with mermaid in headless Chromium and write its SVG; returns the files written."""
    import json

    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_content("<!doctype html><html lang=zh><body></body></html>")
        page.add_script_tag(content=mermaid_js.read_text(encoding="utf-8"))
        page.evaluate(f"mermaid.initialize({json.dumps(CONFIG)})")
        for number, source in enumerate(dict.fromkeys(sources_to_render)):
            svg = page.evaluate(
                "async ([id, text]) => (await mermaid.render(id, text)).svg", [f"manual-diagram-{key(source)}", source]
            )
            target = folder / f"{key(source)}.svg"
            target.write_text(svg, encoding="utf-8")
            written.append(target)
        browser.close()
    return written
