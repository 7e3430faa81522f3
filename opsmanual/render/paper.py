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


def _site_root(site_url: str, version) -> str:
    """The published tree's root from a build's site_url (a build for publication has /<version>/ in it)."""
    return site_url.rstrip("/").removesuffix(f"/{version}")


def revision_home(site_url: str, version) -> str:
    """A revision's home on the published site (mike's layout: https://…/<version>/); none without a site_url."""
    return f"{_site_root(site_url, version)}/{version}/" if site_url else ""


def check_url(site_url: str, version, path: str = "") -> str:
    """The currency check of a document of a revision: the page at the root of the published tree, told the
    revision and the document's page (whose title it reads from the published page). Only ASCII, so that the QR
    code stays small: a title percent-encoded would triple its length."""
    query = {"v": str(version)}
    if path:
        query["p"] = path
    return f"{_site_root(site_url, version)}/{CHECK_PAGE}?{urlencode(query, quote_via=quote, safe='/')}"


#: CSS px per module of the QR code (0.46 mm on paper: a 37-module code is 17 mm wide).
QR_SCALE = 1.75
#: A PNG's pixels per module, and the resolution that prints them at QR_SCALE CSS px: the same size as the SVG.
PNG_PIXELS = 7


@lru_cache(maxsize=4096)
def qr_image(url: str, kind: str = "svg") -> bytes:
    """The QR code of a URL (error correction M; a fixed mask pattern: choosing the best of eight is most of the
    time segno spends, for no difference a phone notices) as SVG, for browsers, or as PNG, for WeasyPrint, which
    draws an SVG anew on every page it is on but embeds an image once; kept in the user's cache between builds."""
    drawn = f"{kind} {QR_SCALE} {PNG_PIXELS} {url}"  # a change of size is a new image, not the cached one
    cache = _cache_dir() / f"{hashlib.sha1(drawn.encode('utf-8')).hexdigest()}.{kind}"
    try:
        return cache.read_bytes()
    except OSError:
        pass
    qr = segno.make(url, error="m", micro=False, mask=4, boost_error=False)
    out = io.BytesIO()
    if kind == "png":
        qr.save(out, kind="png", scale=PNG_PIXELS, border=2)
    else:
        qr.save(
            out,
            kind="svg",
            scale=QR_SCALE,
            border=2,
            xmldecl=False,
            svgns=True,
            dark="#000",
            svgclass=None,
            lineclass=None,
        )
    data = out.getvalue()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(data)
    except OSError:
        pass
    return data


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "opsmanual" / "qr"


def qr_data_uri(url: str, kind: str = "svg") -> str:
    """The QR code as a data URI: a PNG in base64; an SVG as its text, escaped (a third shorter than base64)."""
    if kind == "png":
        return "data:image/png;base64," + base64.b64encode(qr_image(url, kind)).decode("ascii")
    svg = qr_image(url).decode("utf-8").replace('"', "'")
    return "data:image/svg+xml," + quote(svg, safe=" ='/:.-()")


def page_style(
    document: str, revision_title: str, effective: str, url: str, draft: bool = False, name: str = "", qr: str = "svg"
) -> str:
    """@page rules for browser printing: header (document, revision), footer (effective date, print date,
    uncontrolled-copy line, QR code, 第 X 页 共 Y 页). manual.js replaces the print date and adds the state.
    qr="png" for WeasyPrint: the code as an image printed at the SVG's size, its pixels kept sharp."""
    image = (
        f'url("{qr_data_uri(url, qr)}"); image-resolution: {PNG_PIXELS / QR_SCALE:.3f}dppx; '
        "image-rendering: crisp-edges"
        if qr == "png"
        else f'url("{qr_data_uri(url)}")'
    )
    edition = f"《办事处营运手册》{revision_title}" + ("（草稿，未发布）" if draft else "")
    dates = f"{effective} 起生效　{PRINTED_PLACEHOLDER}"
    return (
        f"@page {name + ' ' if name else ''}{{ "
        f"@top-left {{ content: {css_string(document)}; }} "
        f"@top-right {{ content: {css_string(edition)}; }} "
        f'@bottom-left {{ content: {css_string(dates)} "\\A" {css_string(UNCONTROLLED)}; white-space: pre; }} '
        f"@bottom-center {{ content: {image}; }} "
        '@bottom-right { content: "第 " counter(page) " 页 共 " counter(pages) " 页"; } }'
    )
