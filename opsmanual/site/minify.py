"""Lighter pages: the finished HTML minified (minify-html), and mermaid loaded only where a diagram is."""

from __future__ import annotations

import hashlib
from pathlib import Path

import minify_html

from .. import cache
from .theme import MERMAID_CDN


def minify_page(html: str) -> str:
    """The page without the indentation and optional markup of the theme's templates. Scripts and styles are
    left as they are; what a reader sees (and the search index, made before this) is the same. Kept in the cache
    folder by the page's digest: a page that did not change since any build on this machine is not minified again
    (a fifth of a 1,000-page build)."""
    key = hashlib.sha256(f"{cache.code_fingerprint(__file__, ('minify-html',))}\0{html}".encode()).hexdigest()
    return cache.stored("minified", key, lambda: minified(html))


def minified(html: str) -> str:
    return minify_html.minify(
        html,
        keep_closing_tags=True,
        keep_html_and_head_opening_tags=True,
        minify_css=False,
        minify_js=False,
        keep_comments=False,
    )


def lazy_mermaid(config) -> str | None:
    """Take the site's mermaid script (3.5 MB, ~1 MB gzip) out of extra_javascript, so that only the pages
    with a diagram load it (overrides/main.html adds it there), and Material's bundle, which loads mermaid
    when instant navigation shows a diagram, is pointed at it instead of the CDN (theme.rewrite_bundles).

    Done only when the bundle has that CDN URL to point elsewhere and the theme's scope is the site root;
    otherwise mermaid stays on every page as configured."""
    scripts = [s for s in config.extra_javascript if str(s).rsplit("/", 1)[-1] == "mermaid.min.js"]
    if len(scripts) != 1 or config.extra.get("scope"):
        return None
    bundles = [b for d in config.theme.dirs for b in Path(d).glob("assets/javascripts/bundle.*.min.js")]
    if not bundles or not MERMAID_CDN.search(bundles[0].read_text(encoding="utf-8")):
        return None
    config.extra_javascript.remove(scripts[0])
    return str(scripts[0])
