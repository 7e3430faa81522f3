"""What every printed sheet says about itself: its document, the revision and effective date, when it was
printed, that a printout is not a controlled copy, and a QR code that opens the currency check for it.

Browser printing gets this from @page margin boxes written into each page (page_style); the print date and,
for a revision that is not in force, its state are filled in by javascripts/manual.js just before printing.
The PDF edition (render/pdf.py) uses the same texts.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode

import segno

from .renderer import css_string

CHECK_PAGE = "check/"
UNCONTROLLED = "打印件为非受控文件：使用前扫描二维码核对是否为现行版本"
PRINTED_PLACEHOLDER = "打印日期：＿＿＿＿＿＿"


def check_url(site_url: str, version, path: str = "", title: str = "") -> str:
    """The currency check of a document of a revision: the page at the root of the published tree."""
    base = site_url.rstrip("/")
    base = base.removesuffix(f"/{version}")  # a build for publication has /<version>/ in its site_url
    query = {"v": str(version)}
    if path:
        query["p"] = path
    if title:
        query["t"] = title
    return f"{base}/{CHECK_PAGE}?{urlencode(query, quote_via=quote)}"


@lru_cache(maxsize=4096)
def qr_svg(url: str) -> str:
    """The QR code of a URL as SVG (error correction M; a fixed mask pattern: choosing the best of eight is most
    of the time segno spends, for no difference a phone notices), kept in the user's cache between builds."""
    cache = _cache_dir() / (hashlib.sha1(url.encode("utf-8")).hexdigest() + ".svg")
    try:
        return cache.read_text(encoding="utf-8")
    except OSError:
        pass
    qr = segno.make(url, error="m", micro=False, mask=4, boost_error=False)
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=1.4, border=2, xmldecl=False, svgns=True, dark="#000")
    svg = out.getvalue().decode("utf-8")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(svg, encoding="utf-8")
    except OSError:
        pass
    return svg


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "opsmanual" / "qr"


def qr_data_uri(url: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url).encode("utf-8")).decode("ascii")


def page_style(document: str, revision_title: str, effective: str, url: str, draft: bool = False, name: str = "") -> str:
    """@page rules for browser printing: header (document, revision), footer (effective date, print date,
    uncontrolled-copy line, QR code, 第 X 页 共 Y 页). manual.js replaces the print date and adds the state."""
    edition = f"《办事处营运手册》{revision_title}" + ("（草稿，未发布）" if draft else "")
    dates = f"{effective} 起生效　{PRINTED_PLACEHOLDER}"
    return (f"@page {name + ' ' if name else ''}{{ "
            f"@top-left {{ content: {css_string(document)}; }} "
            f"@top-right {{ content: {css_string(edition)}; }} "
            f'@bottom-left {{ content: {css_string(dates)} "\\A" {css_string(UNCONTROLLED)}; white-space: pre; }} '
            f"@bottom-center {{ content: url(\"{qr_data_uri(url)}\"); }} "
            '@bottom-right { content: "第 " counter(page) " 页 共 " counter(pages) " 页"; } }')
