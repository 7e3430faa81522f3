"""What the site borrows from Material and changes: its bundle's foreign URLs, and the partials copied into
overrides/. Each borrowing is checked, so an upgrade of Material that moves them fails loudly
(tests/test_theme.py), not silently (mermaid would come back on every page, a CDN would be asked).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import NamedTuple

import jinja2

# Fallback URLs inside Material's bundle. They are never used here (mermaid is served by the site and
# browsers have ResizeObserver), but an intranet must not even be asked to reach them.
FOREIGN_URL = re.compile(r"""(["'`])https://(unpkg\.com|api\.github\.com)/[^"'`]*\1""")
# Material loads mermaid from this CDN URL when a page with a diagram is shown and mermaid is not loaded yet.
MERMAID_CDN = re.compile(r"""(["'`])https://unpkg\.com/mermaid@[^"'`]*\1""")

# The Material partials overrides/ copies, with the SHA-256 of the original each copy was made from
# (mkdocs-material 9.8.1). A test compares them with the installed Material.
COPIED_PARTIALS = {
    "partials/logo.html": "e0925ef6c190174a5162ed1ecc55295016dd8a7beec3018db3e04aac283a2dd9",
    "partials/nav.html": "af33f6e032f632eb055c365eb5f1a975bf8456152fa768e69a1aad6d470b843f",
    "partials/nav-item.html": "89895208f22d68ce405a4bcb6649b9150eba5bbb04663a6cb3f93f02daf1d2f7",
    "partials/javascripts/base.html": "d6113712bc4deb30b4bd810ee0dfc28b6f04d2f88cc0016c0f1766eac7b762b6",
    "partials/javascripts/content.html": "3722e156f0f6339de39fbbfc178b6e401d1a4fb890f189ac5b80c2504bda7dcf",
    "partials/javascripts/palette.html": "8790389765ea6036effddba548b15093bb05bdc75624eaeaf8b13f3c24be4ab5",
}


# Material's search worker segments a Chinese query greedily with the words of the index ("Experimental Chinese
# segmentation"), but its loop stops one character short: the whole query is never tried as a word, so "发票"
# is searched as "发" and a last single character is dropped ("盘点表" as "盘点"). Both bounds are corrected.
SEGMENT_WORD_LOOP = re.compile(r"for\(let (\w)=(\w)\+1;\1<(\w)\.length;\1\+\+\)\3\.slice\(\2,\1\)in (\w)")
SEGMENT_CONTINUE = re.compile(r"(\w)\[(\w)\]&&\2<(\w)\.length-1&&")
# It also sets the index's word separator from mkdocs.yml (search.separator) but leaves lunr's query lexer with
# lunr's default, which splits at hyphens: "REC-09" was searched as "REC" and "09". The lexer gets the same one.
QUERY_SEPARATOR = re.compile(r"lunr\.tokenizer\.separator=new RegExp\((\w)\.separator\)")


def rewrite_search_worker(text: str) -> str:
    text = QUERY_SEPARATOR.sub(
        lambda m: f"lunr.tokenizer.separator=lunr.QueryLexer.termSeparator=new RegExp({m.group(1)}.separator)", text
    )
    text = SEGMENT_WORD_LOOP.sub(
        lambda m: m.group(0).replace(f"{m.group(1)}<{m.group(3)}.length", f"{m.group(1)}<={m.group(3)}.length", 1), text
    )
    return SEGMENT_CONTINUE.sub(lambda m: f"{m.group(1)}[{m.group(2)}]&&{m.group(2)}<{m.group(3)}.length&&", text)


def search_workers(site_dir: Path) -> list[Path]:
    return sorted((Path(site_dir) / "assets" / "javascripts" / "workers").glob("search.*.min.js"))


def theme_file(name: str) -> Path:
    import material

    return Path(material.__file__).parent / "templates" / name


def nav_target(item) -> str | None:
    """Where a closed item of the navigation links to: a page's or a link's own URL; for a section, that of its
    first page, as nav-item.html's render_pruned finds it."""
    while getattr(item, "children", None):
        item = item.children[0]
    return getattr(item, "url", None)


class NavRun(NamedTuple):
    start: int  # the index of its first item in the top level
    items: list
    closed: bool
    key: tuple = ()  # for a closed run: all its rendering depends on that differs between pages


@jinja2.pass_context
def nav_runs(context, items: list, features: list) -> list[NavRun]:
    """The top level of the navigation cut into runs: each open item on its own; consecutive closed items (a page
    or a section that navigation.prune leaves as one link, when the page is not in it) together, keyed by their
    places and where their links lead from this page (the `url` filter's result), which is all their HTML
    depends on: the run is rendered once per key (NavFragments)."""
    from mkdocs.utils import normalize_url

    pruned = "navigation.prune" in features and "navigation.sections" not in features
    page, base = context.get("page"), context.get("base_url", "")
    runs: list[NavRun] = []
    for index, item in enumerate(items):
        active, children = getattr(item, "active", False), getattr(item, "children", None)
        closed = not active and not getattr(item, "pages", None) and (not children or pruned)
        if not closed:
            runs.append(NavRun(index, [item], False))
            continue
        link = normalize_url(str(nav_target(item)), page=page, base=base)
        if runs and runs[-1].closed:
            last = runs[-1]
            runs[-1] = last._replace(items=[*last.items, item], key=(*last.key, link))
        else:
            runs.append(NavRun(index, [item], True, (index, link)))
    return runs


class NavFragments:
    """{% call nav_fragment(*key) %}…{% endcall %}: the block rendered once per key, for one build (the theme's
    environment is made anew for each). The key must hold all the block depends on that differs between pages."""

    def __init__(self):
        self.rendered: dict = {}

    def __call__(self, *key, caller):
        if key not in self.rendered:
            self.rendered[key] = caller()
        return self.rendered[key]


def install_fragments(env) -> None:
    env.globals["nav_fragment"] = NavFragments()
    env.filters["nav_runs"] = nav_runs


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bundles(site_dir: Path) -> list[Path]:
    return sorted((Path(site_dir) / "assets" / "javascripts").glob("bundle.*.min.js"))


def rewrite_bundle(text: str, mermaid: str | None) -> str:
    """The bundle with the mermaid CDN pointed at the site's own copy (relative to Material's __md_scope) and
    every other foreign fallback URL replaced by an empty data: URL."""
    if mermaid:
        own = json.dumps(mermaid.lstrip("/"))
        text = MERMAID_CDN.sub(lambda m: f"new URL({own},__md_scope).href", text)
    return FOREIGN_URL.sub(lambda m: f"{m.group(1)}data:text/javascript,{m.group(1)}", text)


def rewrite_bundles(site_dir: Path, mermaid: str | None) -> None:
    for worker in search_workers(site_dir):
        text = worker.read_text(encoding="utf-8")
        fixed = rewrite_search_worker(text)
        if fixed != text:
            worker.write_text(fixed, encoding="utf-8")
    for bundle in bundles(site_dir):
        text = bundle.read_text(encoding="utf-8")
        cleaned = rewrite_bundle(text, mermaid)
        if cleaned != text:
            bundle.write_text(cleaned, encoding="utf-8")
