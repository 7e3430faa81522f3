"""Reading the published manual the way staff do: from the intranet web server, in a browser (issue 15).

The shipped history (1.0, 1.1, 1.2 and the working tree's 1.3) is published with the real `manual publish` (the
`history` fixture) and its gh-pages checkout is served by Debian's nginx with the shipped deploy/nginx.conf
(tests/servers.py). Debian's Chromium, driven by Playwright (never a downloaded browser), then does what a reader
does, with the browser's clock set to a day before the newest revision takes effect (it is then pending and the
one before it in force) or a day after: reads a page in each state, scrolls, follows links, searches, reads tables
on a phone, reads the redline. Every request every page makes is recorded; one to any other host, a script error
or a Content-Security-Policy refusal fails the test. axe-core (npm, package.json) checks accessibility.

Screenshots go to test-artefacts/e2e/ (or $MANUAL_ARTEFACTS/e2e/).
Run alone:  ./manual test -m e2e
"""

from __future__ import annotations

import datetime
import json
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import pytest
import yaml
from playwright.sync_api import Page

from conftest import ROOT, published_tree
from opsmanual.render.diagrams import CHROMIUM, CHROMIUM_ARGS
from servers import Nginx, fetch

pytestmark = pytest.mark.e2e

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Readers type the intranet host name of mkdocs.yml's site_url, on port 80. The browser is told that this name is
# the test's nginx (Chromium's host resolver rules), so that every URL is the one readers have; Material's
# instant navigation, for one, only follows links whose host and port are those of its sitemap.
HOST = urlsplit(
    re.search(r"^site_url:\s*(\S+)", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.MULTILINE).group(1)
).hostname
ORIGIN = f"http://{HOST}"
QUERIES = Path(__file__).parent / "data" / "search_queries.yml"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
FIRST_VIEW_LIMIT = 150 * 1024  # bytes over the wire (gzip) for a page opened with an empty cache (issue 15.6)
SEARCH_TARGET = 0.95  # top-3 hit rate of the search benchmark (issue 15.2)


# -- what was published ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    version: str
    title: str
    effective: str


@dataclass(frozen=True)
class Tree:
    """The published tree and the days the tests read it on, from its own versions.json."""

    root: Path
    versions: tuple[Published, ...]  # newest first

    @property
    def newest(self) -> Published:
        return self.versions[0]

    @property
    def in_force_before(self) -> Published:
        return self.versions[1]

    @property
    def older(self) -> Published:
        return self.versions[2]

    @property
    def before(self) -> str:
        """A day on which the newest revision is pending and the one before it is in force."""
        day = datetime.date.fromisoformat(self.newest.effective) - datetime.timedelta(days=10)
        assert day.isoformat() > self.in_force_before.effective
        return day.isoformat()

    @property
    def after(self) -> str:
        return (datetime.date.fromisoformat(self.newest.effective) + datetime.timedelta(days=30)).isoformat()


@pytest.fixture(scope="module")
def tree(request) -> Tree:
    """The published tree: the `history` fixture's, or (while working on these tests) a gh-pages checkout
    published beforehand and named by $MANUAL_E2E_TREE."""
    root = published_tree(request)
    data = json.loads((root / "versions.json").read_text(encoding="utf-8"))
    versions = tuple(Published(v["version"], v["title"], v["properties"]["effective"]) for v in data)
    assert len(versions) >= 3, versions
    return Tree(root, versions)


@pytest.fixture(scope="module")
def server(tree, tmp_path_factory):
    nginx = Nginx(tmp_path_factory.mktemp("nginx"), tree.root).start()
    yield nginx
    nginx.stop()


@pytest.fixture(scope="module")
def browser(server):
    """Debian's Chromium, for which the intranet host name is the test's nginx."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST}:80 127.0.0.1:{server.port}"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shots(artefacts) -> Path:
    folder = artefacts / "e2e"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- the browser ------------------------------------------------------------------------------------


@dataclass
class Record:
    """What the pages of the module did: every request (page URL, request URL) and every script error."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign(self, origin: str, since: int = 0) -> list[str]:
        return [
            f"{page} -> {url}"
            for page, url in self.requests[since:]
            if urlsplit(url).scheme not in ("data", "blob") and origin_of(url) != origin
        ]


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture(scope="module")
def record() -> Record:
    return Record()


def at_noon(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T12:00:00")


@pytest.fixture
def open_page(browser, server, record, tree):
    """open_page(path, day=…, versions=…, **context options) -> a page of the served site, loaded and ready.

    Each call gets a fresh browser context (Chinese locale, desktop size unless told otherwise) whose clock reads
    noon of `day` (default: before the newest revision takes effect). `versions`, if given, is served instead of
    the tree's versions.json (a withdrawal, without publishing one). Every request, uncaught script error and
    Content-Security-Policy refusal is recorded; at the end of the test any of them fails it."""
    contexts, start_requests, start_errors = [], len(record.requests), len(record.errors)

    def open_(path: str, day: str | None = None, versions: list | None = None, wait: bool = True, **options) -> Page:
        context = browser.new_context(**{"viewport": DESKTOP, "locale": "zh-CN", **options})
        context.clock.set_fixed_time(at_noon(day or tree.before))
        contexts.append(context)
        if versions is not None:
            body = json.dumps(versions, ensure_ascii=False)
            context.route(
                "**/versions.json",
                lambda route: route.fulfill(status=200, content_type="application/json; charset=utf-8", body=body),
            )
        page = context.new_page()
        page.on("request", lambda request: record.requests.append((page.url, request.url)))
        page.on("pageerror", lambda error: record.errors.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                record.errors.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.goto(ORIGIN + path, wait_until="load")
        if wait:
            ready(page)
        return page

    yield open_
    for context in contexts:
        context.close()
    foreign = record.foreign(ORIGIN, since=start_requests)
    assert not foreign, "pages asked another host for something:\n" + "\n".join(foreign)
    errors = record.errors[start_errors:]
    assert not errors, "script errors on the pages:\n" + "\n".join(errors)


def wait_until(page: Page, script: str, timeout: float = 15) -> None:
    """Poll a JavaScript expression until it is true. (Playwright's wait_for_function evaluates its predicate
    with eval, which the site's Content-Security-Policy forbids, as it should.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout} s on {page.url}: {script}")
        time.sleep(0.05)


def ready(page: Page) -> None:
    """Wait until the page is built: the version selector (versions.json fetched) with our labels (its state and
    accessible name, which manual.js sets when the selector appears), the status bar's state, fonts."""
    page.wait_for_selector(".md-version__current", state="attached", timeout=15000)
    wait_until(page, "!!document.querySelector('.md-version__current[data-manual-labelled][aria-label]')")
    wait_until(
        page,
        "!document.querySelector('[data-manual-status]') || "
        "!!document.querySelector('[data-manual-status]').dataset.state",
    )
    page.evaluate("document.fonts.ready.then(() => true)")


def path_of(url: str) -> str:
    return unquote(urlsplit(url).path)


def status(page: Page) -> dict:
    return page.evaluate("""() => { const bar = document.querySelector('[data-manual-status]');
        const current = bar.querySelector('.manual-status__current'), pending = bar.querySelector('.manual-status__pending');
        return {state: bar.dataset.state, text: bar.innerText.replace(/\\s+/g, ' '),
                current: current && current.pathname, pending: pending && pending.pathname,
                html: document.documentElement.dataset.manualState}; }""")


def bar_is_on_screen(page: Page) -> dict:
    """Where the status bar is, and whether it is what a reader sees at its centre (not scrolled away, not covered)."""
    return page.evaluate("""() => { const bar = document.querySelector('[data-manual-status]');
        const r = bar.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return {top: r.top, bottom: r.bottom, height: r.height, innerHeight, scrollY,
                visible: r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && !!hit && bar.contains(hit)}; }""")


# -- 1. the status bar: what this page is, today -------------------------------------------------------


def status_cases(tree: Tree) -> dict:
    """state -> (day, page, expected state, words the bar must say, where its link leads)."""
    new, current, old = tree.newest, tree.in_force_before, tree.older
    return {
        "pending": (
            tree.before,
            f"/{new.version}/02-service/",
            "pending",
            ["尚未生效", new.title, new.effective, f"现行的 {current.title}"],
            f"/{current.version}/02-service/",
        ),
        "in force, with the pending revision announced": (
            tree.before,
            f"/{current.version}/02-service/",
            "in_force",
            ["现行", current.title, current.effective, f"本页将于 {new.effective} 起按 {new.title} 执行"],
            None,
        ),
        "superseded": (
            tree.before,
            f"/{old.version}/02-service/",
            "superseded",
            ["已被替代", old.title, f"已被 {current.title}", "不得据此执行"],
            f"/{current.version}/02-service/",
        ),
        "in force after its date": (tree.after, f"/{new.version}/02-service/", "in_force", ["现行", new.title], None),
        "superseded by the newest": (
            tree.after,
            f"/{current.version}/02-service/",
            "superseded",
            ["已被替代", f"已被 {new.title}"],
            f"/{new.version}/02-service/",
        ),
        "withdrawn": (
            tree.before,
            f"/{new.version}/02-service/",
            "withdrawn",
            ["已撤销", new.title, "2026-12-12", "衡总运〔2026〕40号", "从未生效"],
            f"/{current.version}/02-service/",
        ),
    }


STATE_CASES = [
    "pending",
    "in force, with the pending revision announced",
    "superseded",
    "in force after its date",
    "superseded by the newest",
    "withdrawn",
]


def withdrawn_versions(tree: Tree) -> list:
    """The tree's versions.json with the newest revision withdrawn, as `manual withdraw` writes it."""
    data = json.loads((tree.root / "versions.json").read_text(encoding="utf-8"))
    data[0]["properties"].update(withdrawn="2026-12-12", withdrawal_notice="衡总运〔2026〕40号")
    return data


@pytest.mark.parametrize("case", STATE_CASES)
def test_the_status_bar_says_what_the_page_is_today(open_page, tree, shots, case):
    day, path, state, words, current = status_cases(tree)[case]
    page = open_page(path, day=day, versions=withdrawn_versions(tree) if state == "withdrawn" else None)
    shown = status(page)
    assert shown["state"] == state and shown["html"] == state, shown
    for word in words:
        assert word in shown["text"], f"{case}: the bar lacks {word!r}: {shown['text']!r}"
    if current:  # "打开现行版本的本页": the same page in the revision in force (manual.js asks the server for it)
        wait_until(page, f"document.querySelector('.manual-status__current').pathname === {json.dumps(current)}")
    else:
        assert shown["current"] is None, shown
    if "announced" in case:
        assert shown["pending"] == f"/{tree.newest.version}/02-service/", shown
    page.screenshot(path=str(shots / f"status-{state}-{day}.png"))


def test_a_page_without_the_server_says_it_cannot_tell(open_page, tree):
    """versions.json unreachable: the bar still names the revision and says it could not check it."""
    page = open_page(f"/{tree.in_force_before.version}/02-service/", wait=False)
    page.context.route("**/versions.json", lambda route: route.abort())
    page.reload()
    page.wait_for_selector("[data-manual-status][data-state=unknown]", state="attached", timeout=15000)
    assert "无法连接服务器确认" in status(page)["text"]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_status_bar_never_leaves_the_screen(open_page, tree, shots, device):
    options = PHONE if device == "phone" else {}
    old = tree.older
    page = open_page(f"/{old.version}/02-service/", **options)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height > 3 * page.viewport_size["height"], "the chapter is long enough to scroll"
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        page.evaluate(f"window.scrollTo(0, {fraction} * (document.documentElement.scrollHeight - innerHeight))")
        page.wait_for_timeout(150)
        where = bar_is_on_screen(page)
        assert where["visible"], f"{device}, scrolled to {fraction:.0%}: {where}"
    assert status(page)["state"] == "superseded"
    page.screenshot(path=str(shots / f"status-scrolled-{device}.png"))


def last_heading(tree: Tree, version: str, page: str) -> str:
    text = (tree.root / version / page / "index.html").read_text(encoding="utf-8")
    return re.findall(r'<h2 id="?([^" >]+)', text)[-1]


def test_a_deep_link_into_an_old_page_lands_under_the_status_bar(open_page, tree, shots):
    old = tree.older
    anchor = last_heading(tree, old.version, "02-service")
    page = open_page(f"/{old.version}/02-service/#{anchor}")
    where = bar_is_on_screen(page)
    assert where["scrollY"] > 2 * where["innerHeight"], f"the link lands far down the page: {where}"
    assert where["visible"] and status(page)["state"] == "superseded", where
    # the heading is not hidden under the header and the bar
    top = page.evaluate(f"document.getElementById({json.dumps(unquote(anchor))}).getBoundingClientRect().top")
    assert where["bottom"] <= top < where["innerHeight"], (top, where)
    wait_until(page, "document.querySelector('.manual-status__current').hash !== ''")
    assert unquote(page.eval_on_selector(".manual-status__current", "a => a.hash")) == f"#{unquote(anchor)}"
    page.screenshot(path=str(shots / "status-deep-link.png"))


def test_after_instant_navigation_the_bar_is_about_the_new_page(open_page, tree):
    old, current = tree.older, tree.in_force_before
    page = open_page(f"/{old.version}/02-service/")
    page.evaluate("window.manualProbe = 'same document'")
    page.locator(".md-nav--primary a.md-nav__link[href$='04-duty/']").first.click()
    page.wait_for_url(f"**/{old.version}/04-duty/")
    wait_until(page, "document.querySelector('h1') && document.querySelector('h1').textContent.includes('第四章')")
    assert page.evaluate("window.manualProbe") == "same document", "Material's instant navigation loaded the page"
    wait_until(
        page,
        f"document.querySelector('.manual-status__current') && "
        f"document.querySelector('.manual-status__current').pathname === '/{current.version}/04-duty/'",
    )
    assert status(page)["state"] == "superseded" and bar_is_on_screen(page)["visible"]


# -- 2. the version selector ------------------------------------------------------------------------


def test_the_version_selector_is_in_chinese_with_each_versions_state(open_page, tree):
    current = tree.in_force_before
    page = open_page(f"/{current.version}/02-service/")
    wait_until(page, "document.querySelectorAll('.md-version__link[data-manual-labelled]').length > 0")
    links = page.eval_on_selector_all(
        ".md-version__link",
        """links => links.map(a => ({
        title: a.firstChild.textContent.trim(), state: (a.querySelector('.manual-version-state') || {}).textContent || '',
        path: a.pathname}))""",
    )
    assert [link["title"] for link in links] == [v.title for v in tree.versions]
    assert [link["path"] for link in links] == [f"/{v.version}/" for v in tree.versions]
    states = {link["title"]: link["state"] for link in links}
    assert states[tree.newest.title] == "尚未生效" and states[current.title] == "现行", states
    assert all(states[v.title] == "" for v in tree.versions[2:]), states
    header = page.locator(".md-header").inner_text()
    assert "latest" not in header.lower(), header
    button = page.locator(".md-version__current")
    visible = button.inner_text().strip()
    assert visible.startswith(current.title) and visible in button.get_attribute("aria-label")
    # choosing another version keeps the page
    page.hover(".md-version")
    page.locator(".md-version__link", has_text=tree.older.title).first.click()
    page.wait_for_url(f"**/{tree.older.version}/02-service/")


# -- 3. search ---------------------------------------------------------------------------------------


def search(page: Page, term: str) -> list[str]:
    """Type term into the search box as a reader does; the result pages, best first (one per page)."""
    toggle = page.locator("label.md-header__button[for=__search]")
    if toggle.is_visible():  # on a phone the search box opens from the header's magnifier
        toggle.click()
    box = page.locator(".md-search__input")
    box.click()
    box.fill("")
    # Material reads the query on key-up; an input method's composition ends with one. End gives it one.
    box.press("End")
    # The previous query's results go first: read too early, they would pass for this query's on a busy machine.
    wait_until(page, "!document.querySelector('.md-search-result__list > .md-search-result__item')")
    page.keyboard.insert_text(term)
    box.press("End")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = page.evaluate("""() => ({items: [...document.querySelectorAll('.md-search-result__list > .md-search-result__item')]
            .map(li => li.querySelector('a').href), meta: document.querySelector('.md-search-result__meta').textContent})""")
        if found["items"] or "没有找到" in found["meta"]:
            return found["items"]
        time.sleep(0.05)
    raise AssertionError(f"no search results for {term!r}: {found['meta']!r}")


def result_page(url: str) -> str:
    """The page of a result link, under its version: "02-service/", "" for the home page."""
    return path_of(url).split("/", 2)[2]


def test_the_search_benchmark_finds_the_page_staff_look_for(open_page, tree, artefacts, capsys):
    queries = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))["queries"]
    assert len(queries) >= 50
    page = open_page(f"/{tree.newest.version}/")
    lines, hits = [], 0
    for query in queries:
        expected = ["" if e == "index/" else e for e in query["expect"]]
        found = [result_page(url) for url in search(page, query["query"])]
        hit = any(page_ in found[:3] for page_ in expected)
        hits += hit
        lines.append(
            f"{'命中' if hit else '未中'}  {query['query']}: 期望 {' 或 '.join(query['expect'])}；前三 {found[:3]}"
        )
    rate = hits / len(queries)
    report = f"搜索基准：{len(queries)} 个查询，前三命中 {hits} 个，命中率 {rate:.1%}（目标 ≥ {SEARCH_TARGET:.0%}）\n"
    (artefacts / "search-benchmark.txt").write_text(report + "\n".join(lines) + "\n", encoding="utf-8")
    with capsys.disabled():
        print("\n" + report, end="")
    assert rate >= SEARCH_TARGET, report + "\n".join(line for line in lines if line.startswith("未中"))


def test_a_query_is_searched_whole_and_a_form_code_finds_its_form_first(open_page, tree):
    page = open_page(f"/{tree.newest.version}/")
    results = search(page, "发票")
    terms = {term for url in results for term in parse_qs(urlsplit(url).query).get("h", [])}
    assert "发票" in terms and "发" not in terms, terms  # not cut to its first character
    assert "07-finance-information/" in [result_page(url) for url in results[:3]], results[:3]
    for code in ("REC-09", "SOS-02", "OPS-01"):
        assert result_page(search(page, code)[0]) == f"forms/{code.lower()}/", code


def test_the_search_index_is_fetched_when_the_reader_goes_to_the_search_box(open_page, tree, record):
    since = len(record.requests)
    page = open_page(f"/{tree.newest.version}/02-service/")
    page.wait_for_timeout(1000)
    index = [url for _, url in record.requests[since:] if url.endswith("/search/search_index.json")]
    assert index == [], "the search index was fetched before anyone searched"
    assert search(page, "投诉")
    index = [url for _, url in record.requests[since:] if url.endswith("/search/search_index.json")]
    assert len(index) == 1, index


# -- 4. tables on a phone --------------------------------------------------------------------------------


def page_scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


def lines_of(page: Page, selector: str, text: str) -> int:
    """How many lines the text takes where the element matching selector shows it."""
    return page.evaluate(
        """([selector, text]) => {
        const element = [...document.querySelectorAll(selector)].find(e => e.textContent.includes(text));
        if (!element) return -1;
        const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        for (let node; (node = walker.nextNode());) {
            const at = node.textContent.indexOf(text);
            if (at < 0) continue;
            const range = document.createRange(); range.setStart(node, at); range.setEnd(node, at + text.length);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        }
        return -1; }""",
        [selector, text],
    )


def test_the_register_annex_1_and_forms_read_on_a_phone(open_page, tree, shots):
    current = tree.in_force_before
    page = open_page(f"/{current.version}/revisions/", **PHONE)
    assert not page_scrolls_sideways(page)
    assert lines_of(page, ".manual-register td", current.title) == 1, "a revision's title on one line"
    assert lines_of(page, ".manual-register td", "衡总运〔2026〕9号") == 1, "a notice number on one line"
    page.screenshot(path=str(shots / "phone-register.png"), full_page=False)

    page = open_page(f"/{current.version}/forms/", **PHONE)
    assert not page_scrolls_sideways(page)
    for code in ("SOS-01", "OPS-02", "REC-10"):
        assert lines_of(page, ".manual-forms td", code) == 1, f"{code} broken across lines"
    page.screenshot(path=str(shots / "phone-forms-index.png"))

    page = open_page(f"/{current.version}/forms/sos-02/", **PHONE)
    assert not page_scrolls_sideways(page)
    widths = page.evaluate("""[...document.querySelectorAll('.manual-form tbody tr')].slice(0, 8).map(row =>
        Math.max(...[...row.children].map(cell => cell.getBoundingClientRect().width)))""")
    assert widths and min(widths) >= 0.6 * PHONE["viewport"]["width"], (
        f"each checklist item reads across the screen (card), not in a squeezed column: {widths}"
    )
    page.screenshot(path=str(shots / "phone-form.png"))


def test_on_a_phone_the_navigation_opens_and_no_page_is_wider_than_the_screen(open_page, server, tree, shots):
    version = tree.in_force_before.version
    page = open_page(f"/{version}/", **PHONE)
    assert page.evaluate("document.querySelector('.md-sidebar--primary').getBoundingClientRect().right <= 0")
    page.locator("label.md-header__button[for=__drawer]").click()
    entry = page.locator(".md-nav--primary .md-nav__link", has_text="第二章 服务").first
    entry.wait_for(state="visible")
    page.screenshot(path=str(shots / "phone-navigation.png"))
    entry.click()
    page.wait_for_url(f"**/{version}/02-service/")
    problems = []
    for path in (
        "01-company",
        "03-operations",
        "04-duty",
        "07-finance-information",
        "10-safety-security",
        "escalation",
        "retention",
        "calendar",
        "roles",
        "glossary",
        "forms/rec-10",
        f"revisions/{version}",
        "revisions",
    ):
        page.goto(f"{ORIGIN}/{version}/{path}/")
        ready(page)
        if page_scrolls_sideways(page):
            problems.append(path)
    assert not problems, f"pages wider than a {PHONE['viewport']['width']} px phone: {problems}"


# -- 5. the redline and the change bars ------------------------------------------------------------------


def test_the_redline_is_rendered_content_marked_for_grayscale_and_cjk(open_page, tree, shots):
    new = tree.newest
    page = open_page(f"/{new.version}/revisions/{new.version}/04-duty/")
    marks = page.evaluate("""() => {
        const style = (e, p) => getComputedStyle(e)[p];
        const del = document.querySelector('.manual-change del'), ins = document.querySelector('.manual-change ins');
        return {del: del && del.innerText, ins: ins && ins.innerText,
                delLine: del && style(del, 'textDecorationLine'), insLine: ins && style(ins, 'textDecorationLine'),
                text: document.querySelector('article').innerText}; }""")
    assert marks["del"].startswith("〔删：") and marks["del"].endswith("〕"), marks["del"]
    assert marks["ins"].startswith("〔增：") and marks["ins"].endswith("〕"), marks["ins"]
    assert "line-through" in marks["delLine"] and "underline" in marks["insLine"], marks
    for source in ("|---", "```", "{{", "~~", "flowchart"):
        assert source not in marks["text"], f"Markdown source {source!r} in the redline"
    page.screenshot(path=str(shots / "redline.png"))


def test_next_change_walks_through_the_changes(open_page, tree):
    new = tree.newest
    page = open_page(f"/{new.version}/revisions/{new.version}/04-duty/")
    total = page.locator(".manual-change").count()
    assert total >= 2
    step = page.locator(".manual-change-nav").first.locator("[data-manual-change-step='1']")
    count = page.locator(".manual-change-nav__count").first
    assert count.inner_text() == f"共 {total} 处修订"
    for number in (1, 2):
        step.click()
        assert count.inner_text() == f"第 {number} 处，共 {total} 处"
        where = page.evaluate("""() => { const c = document.querySelector('.manual-change--current');
            const r = c.getBoundingClientRect();
            return {index: [...document.querySelectorAll('.manual-change')].indexOf(c), focused: document.activeElement === c,
                    top: r.top, innerHeight}; }""")
        assert where["index"] == number - 1 and where["focused"] and 0 <= where["top"] < where["innerHeight"], where


def test_any_two_revisions_can_be_compared(open_page, tree):
    new, first = tree.newest, tree.versions[-1]
    page = open_page(f"/{new.version}/revisions/{new.version}/")
    page.select_option("#manual-compare-from", label=f"{first.title}（{first.version}）")
    page.locator("form[data-manual-compare] button").click()
    page.wait_for_url(f"**/{new.version}/revisions/compare-{first.version}/")
    ready(page)
    assert f"{first.title}（{first.version}）" in page.locator("article").inner_text()
    link = page.locator(".manual-redline-group h3 a").first
    target = urljoin(page.url, link.get_attribute("href"))
    page.evaluate("window.manualTestShown = document.querySelector('article')")
    link.click()
    # the compared page itself, shown: Material's instant navigation sets the URL before it swaps the content in
    # (the URL alone, like wait_for_load_state, was seen true on the index still shown)
    page.wait_for_url(target)
    wait_until(page, "!document.contains(window.manualTestShown)")
    ready(page)
    assert page.locator(".manual-change").count() > 0


def test_change_bars_mark_what_this_revision_changed(open_page, tree, shots):
    new, current = tree.newest, tree.in_force_before
    for version, title in ((new.version, new.title), (current.version, current.title)):
        page = open_page(f"/{version}/04-duty/")
        bars = page.evaluate("""[...document.querySelectorAll('article .manual-changed')].map(e =>
            ({by: e.dataset.manualChanged, shadow: getComputedStyle(e.tagName === 'TR' ? e.firstElementChild : e).boxShadow}))""")
        assert bars, f"{version}: no change bar on a page this revision changed"
        assert {bar["by"] for bar in bars} == {title}, f"{version}: bars of another revision"
        assert all("inset" in bar["shadow"] for bar in bars), bars[:3]
    page = open_page(f"/{new.version}/04-duty/")
    page.locator("article .manual-changed").first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "change-bars.png"))
    # a form this revision changed: bars on its items, and Annex 1 flags it like a changed chapter
    page = open_page(f"/{new.version}/forms/ops-02/")
    assert page.locator("article .manual-changed").count() > 0
    page = open_page(f"/{new.version}/forms/")
    assert page.evaluate("""[...document.querySelectorAll('.manual-forms a')].filter(a => a.pathname.endsWith('/forms/ops-02/'))
        .map(a => a.closest('tr').querySelectorAll('.manual-badge--changed').length)""") == [1, 1]


# -- 6. accessibility, focus, Chinese ---------------------------------------------------------------------


def open_version_list(page: Page) -> None:
    """Hovered open, and measured once Material's fade-in (opacity .25 s) has ended: mid-fade, every colour is
    paler than the reader sees it."""
    page.hover(".md-version")
    page.locator(".md-version__list").wait_for(state="visible")
    wait_until(page, "getComputedStyle(document.querySelector('.md-version__list')).opacity === '1'")


def open_search(page: Page) -> None:
    search(page, "投诉")


def open_phone_navigation(page: Page) -> None:
    page.locator("label.md-header__button[for=__drawer]").click()
    wait_until(page, "document.querySelector('.md-sidebar--primary').getBoundingClientRect().left >= 0")


def axe_pages(tree: Tree) -> list:
    new, current, old = tree.newest.version, tree.in_force_before.version, tree.older.version
    return [  # (what, path, action before the check)
        ("home", f"/{current}/", None),
        ("chapter with diagram and forms", f"/{current}/03-operations/", None),
        ("pending chapter with change bars", f"/{new}/04-duty/", None),
        ("superseded chapter", f"/{old}/02-service/", None),
        ("form page", f"/{current}/forms/sos-02/", None),
        ("Annex 1", f"/{current}/forms/", None),
        ("register", f"/{current}/revisions/", None),
        ("what changed", f"/{new}/revisions/{new}/", None),
        ("redline", f"/{new}/revisions/{new}/04-duty/", None),
        ("kit", f"/{new}/revisions/{new}-kit/", None),
        ("escalation matrix", f"/{current}/escalation/", None),
        ("404", f"/{current}/no-such-page/", None),
        ("search results", f"/{current}/", open_search),
        ("version list", f"/{current}/02-service/", open_version_list),
    ]


@pytest.mark.parametrize(
    "scheme, device", [("light", "desktop"), ("dark", "desktop"), ("light", "phone"), ("dark", "phone")]
)
def test_no_serious_accessibility_violation_on_any_page_type(open_page, server, tree, scheme, device):
    axe = AXE_JS.read_text(encoding="utf-8")
    options = {**(PHONE if device == "phone" else {}), "color_scheme": scheme}
    found = []
    page = open_page(f"/{tree.in_force_before.version}/", **options)
    checks = axe_pages(tree) + (
        [("phone navigation", f"/{tree.in_force_before.version}/02-service/", open_phone_navigation)]
        if device == "phone"
        else []
    )
    for what, path, action in checks:
        if action is open_version_list and device == "phone":
            continue  # the selector opens on hover; on a phone it is in the drawer's header (checked there)
        page.goto(ORIGIN + path)
        ready(page)
        if action:
            action(page)
        page.evaluate(axe)  # CDP evaluation, not a <script> the page's CSP would refuse
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        for violation in result["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
                found.append(
                    f"{what} ({path}): {violation['id']}: {violation['help']} [{len(violation['nodes'])}×: {targets}]"
                )
    assert not found, f"{scheme}, {device}: serious or critical accessibility violations:\n" + "\n".join(found)


def test_every_control_shows_where_the_keyboard_is(open_page, tree):
    page = open_page(f"/{tree.in_force_before.version}/forms/sos-02/")
    missing, seen = [], set()
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement; if (!e || e === document.body) return null;
            const ring = x => { const s = getComputedStyle(x);
                return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; };
            // a hidden radio drawn by the label after it (Material's colour scheme toggle) shows focus there
            const drawn = e.tagName === 'INPUT' && e.nextElementSibling && e.nextElementSibling.tagName === 'LABEL';
            const visible = ring(e) || (drawn && ring(e.nextElementSibling));
            return {what: e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '')
                    + (e.getAttribute('aria-label') ? '[' + e.getAttribute('aria-label') + ']' : '') + ' ' + (e.textContent || e.value || '').trim().slice(0, 20),
                    visible}; }""")
        if focused is None:
            continue
        seen.add(focused["what"].split(" ")[0])
        if not focused["visible"]:
            missing.append(focused["what"])
    assert any(what.startswith("input") for what in seen), f"the checklist's boxes were not reached: {seen}"
    assert not missing, "focused without a visible focus indicator:\n" + "\n".join(dict.fromkeys(missing))


ENGLISH = re.compile(r"\b(?!PDF\b|SVG\b|REC\b|SOS\b|OPS\b|QR\b|HQ\b)[A-Za-z]{3,}\b")


def test_the_interface_speaks_chinese(open_page, tree):
    found = []
    for path in (
        f"/{tree.in_force_before.version}/02-service/",
        f"/{tree.in_force_before.version}/forms/sos-02/",
        f"/{tree.newest.version}/revisions/{tree.newest.version}/04-duty/",
    ):
        page = open_page(path)
        open_version_list(page)
        strings = page.evaluate("""() => {
            const out = [];
            document.querySelectorAll('[title], [aria-label], [placeholder], [alt]').forEach(e => {
                for (const name of ['title', 'aria-label', 'placeholder', 'alt'])
                    if (e.hasAttribute(name)) out.push([name, e.getAttribute(name)]); });
            for (const selector of ['.md-header', '.md-footer', '.md-sidebar', '[data-manual-status]', '.md-search__form'])
                document.querySelectorAll(selector).forEach(e => out.push([selector, e.innerText]));
            return out; }""")
        found += [
            f"{path} {where}: {' '.join(ENGLISH.findall(text))!r} in {text[:60]!r}"
            for where, text in strings
            if ENGLISH.search(text)
        ]
    assert not found, "English in the interface:\n" + "\n".join(dict.fromkeys(found))


# -- 7. what a page costs a reader, and where it comes from --------------------------------------------


def pages_of(tree: Tree, version: str) -> list[str]:
    """The URL of every page of a published version."""
    folder = tree.root / version
    urls = []
    for path in folder.rglob("index.html"):
        where = path.parent.relative_to(folder).as_posix()
        urls.append(f"/{version}/" + ("" if where == "." else f"{where}/"))
    return sorted(urls)


class Loads(HTMLParser):
    """What a page makes the browser load besides its HTML, resolved against its URL: its stylesheets, scripts,
    icons and images (and "mermaid" were a diagram left to mermaid's script, so that such a page is measured itself)."""

    RELS = frozenset({"stylesheet", "icon", "preload", "modulepreload"})

    def __init__(self, url: str):
        super().__init__()
        self.url, self.found = url, set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img") and attrs.get("src"):
            self.found.add(urljoin(self.url, attrs["src"]))
        elif tag == "link" and self.RELS & set((attrs.get("rel") or "").split()) and attrs.get("href"):
            self.found.add(urljoin(self.url, attrs["href"]))
        if "mermaid" in (attrs.get("class") or "").split():
            self.found.add("mermaid")


def first_view(page: Page, url: str) -> list[tuple[str, int]]:
    """(URL, bytes received) of everything a page loads when opened with an empty cache."""
    received = []
    page.on("requestfinished", lambda request: received.append((request.url, request.sizes()["responseBodySize"])))
    page.goto(url, wait_until="networkidle")
    return received


def test_every_page_opens_in_at_most_150_kb(browser, server, tree, artefacts):
    """First view, empty cache, gzip from nginx, every page of the newest version. The browser measures one page of
    each set of pages that load the same things (styles, scripts, icons, images, versions.json: what it received,
    compressed); every other page of the set costs the same plus its own HTML, which nginx serves to each page's
    request for it (Accept-Encoding: gzip) and whose compressed size is counted."""
    sizes, groups, mermaid = {}, {}, []
    folder = tree.root / tree.newest.version
    for path in pages_of(tree, tree.newest.version):
        html = (folder / path.split("/", 2)[2] / "index.html").read_text(encoding="utf-8")
        loads = Loads(path)
        loads.feed(html)
        groups.setdefault(frozenset(loads.found), []).append(path)

    def html_size(path: str) -> int:
        response = fetch(f"http://127.0.0.1:{server.port}{path}", headers={"Accept-Encoding": "gzip"})
        assert response.status == 200 and response.header("Content-Encoding") == "gzip", f"{path}: {response.status}"
        return len(response.body)

    def measured(path: str) -> tuple[int, int]:
        """(all it received, its HTML) for a page opened in the browser with an empty cache."""
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        try:
            received = first_view(context.new_page(), ORIGIN + path)
        finally:
            context.close()
        mermaid.extend(path for url, _ in received if "mermaid" in url)
        own = [size for url, size in received if urlsplit(url).path == path]
        assert len(own) == 1, f"{path}: the page itself was received {len(own)} times"
        return sum(size for _, size in received), own[0]

    for paths in groups.values():
        total, own = measured(paths[0])
        for path in paths:
            sizes[path] = total - own + html_size(path)
    # The browser confirms the sum on a page of every kind: what it receives is what was counted.
    new = tree.newest.version
    for path in (
        f"/{new}/03-operations/",
        f"/{new}/forms/ops-01/",
        f"/{new}/forms/",
        f"/{new}/revisions/",
        f"/{new}/revisions/{new}/",
        f"/{new}/revisions/{new}/04-duty/",
        f"/{new}/revisions/{new}-kit/",
    ):
        total, _ = measured(path)
        assert abs(total - sizes[path]) < 2048, (
            f"{path}: the browser received {total} bytes, {sizes[path]} were counted"
        )
    table = "\n".join(
        f"{size / 1024:7.1f} KB  {path}" for path, size in sorted(sizes.items(), key=lambda item: -item[1])
    )
    (artefacts / "first-view.txt").write_text(table + "\n", encoding="utf-8")
    assert len(sizes) > 50
    heavy = {path: size for path, size in sizes.items() if size > FIRST_VIEW_LIMIT}
    assert not heavy, f"pages over {FIRST_VIEW_LIMIT // 1024} KB on first view:\n" + table[:2000]
    assert not mermaid, f"mermaid's script was loaded by {mermaid[:5]}"


def test_no_request_leaves_the_host(open_page, server, record, tree):
    since = len(record.requests)
    for version in (tree.newest.version, tree.versions[-1].version):
        page = open_page(f"/{version}/")
        for path in ("02-service", "03-operations", "forms", "forms/sos-02", "revisions", "escalation", "glossary"):
            page.goto(f"{ORIGIN}/{version}/{path}/")
            ready(page)
        open_version_list(page)
        search(page, "备件")
    assert len(record.requests) - since > 50
    assert not record.foreign(ORIGIN, since), "\n".join(record.foreign(ORIGIN, since))


def test_a_request_to_another_host_is_caught_and_refused_by_the_server_policy(browser, server):
    """The guard above is not blind: a page asking another host (127.0.0.2) for an image is recorded, and the
    browser refuses it because of the Content-Security-Policy deploy/nginx.conf sends (with the policy bypassed,
    the browser really sends it)."""
    probe = "http://127.0.0.2:9/probe.png"
    for bypass_csp in (False, True):
        record, failures, messages = Record(), [], []
        context = browser.new_context(bypass_csp=bypass_csp)
        try:
            page = context.new_page()
            page.on(
                "request", lambda request, record=record, page=page: record.requests.append((page.url, request.url))
            )
            page.on("requestfailed", lambda request, failures=failures: failures.append((request.url, request.failure)))
            page.on("console", lambda message, messages=messages: messages.append(message.text))
            page.goto(ORIGIN + "/latest/")
            page.evaluate(f"new Image().src = '{probe}'")
            deadline = time.monotonic() + 10
            while not any(url == probe for url, _ in failures) and time.monotonic() < deadline:
                page.wait_for_timeout(50)
        finally:
            context.close()
        assert [entry.split(" -> ")[1] for entry in record.foreign(ORIGIN)] == [probe]
        failure = dict(failures).get(probe)
        if bypass_csp:
            assert failure and "csp" not in failure.lower(), failures
        else:
            assert failure and "csp" in failure.lower(), failures
            assert any("Content Security Policy" in text and "127.0.0.2" in text for text in messages), messages


def test_no_inline_script_runs_and_the_policy_allows_none(server):
    """A script in a change description is text (tests/test_build.py); here: the policy itself forbids inline
    script, so that such a mistake could not run either."""
    from servers import fetch

    policy = fetch(server.url + "/latest/").header("Content-Security-Policy")
    script = re.search(r"script-src ([^;]+)", policy).group(1).split()
    assert script == ["'self'"], policy
