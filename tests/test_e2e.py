"""Reading the published manual the way staff do: from the intranet web server, in a browser (issue #7).

A temporary repository publishes 1.0, 1.1 and 2.0 with the real `manual publish`; its gh-pages branch is
cloned the way the README deploys it and served by Debian's nginx with the shipped deploy/nginx.conf,
of which only the three lines marked "deploy:" (port, folder, auth include) are replaced, inside a
small wrapper that stands in for Debian's /etc/nginx/nginx.conf. nginx runs in the foreground on a free
loopback port, with its pid, logs and temp files in the test's folder, and is stopped at the end.
Debian's Chromium, driven by Playwright (never a downloaded browser), then does what a reader does:
opens the site, switches versions, follows the outdated banner, searches in Chinese, prints a
checklist, reads on a phone. Every request every page makes is recorded; one to any other host fails
the test. axe-core (npm, package.json) checks accessibility.

Run alone:  ./manual test -m e2e    or    .venv/bin/pytest -m e2e tests/test_e2e.py
Screenshots go to the test's temporary folder, or to $MANUAL_E2E_SHOTS if that is set.
"""
from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from base64 import b64encode
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from playwright.sync_api import Page

from conftest import ROOT
from test_print import A4, CHROME, contains, sheets_of, squash
from test_publish import ENTRIES, git, make_repo, manual, prepare_1_1, prepare_2_0

pytestmark = pytest.mark.e2e

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOY_CONF = ROOT / "deploy" / "nginx.conf"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# The lines of deploy/nginx.conf that differ between a server and this test: the shipped line -> the
# test's. Everything else (caching, gzip, 404, redirect, headers, auth include) is served as shipped.
DEPLOY_LINES = {
    "listen 80;": 'listen 127.0.0.1:{port};',
    "root /var/www/opsmanual;": 'root "{root}";',
    "include /etc/nginx/opsmanual.d/*.conf;": 'include "{include}/*.conf";',
}

# What Debian's /etc/nginx/nginx.conf puts around conf.d/*.conf, with every path in the test's folder.
# `user root;` only when the test runs as root (CI): the workers must read the pytest folder (mode 0700);
# as another user nginx runs its workers as that user and the directive must be left out.
WRAPPER = """# Written by tests/test_e2e.py in place of Debian's /etc/nginx/nginx.conf.
{user}worker_processes 1;
pid "{dir}/nginx.pid";
error_log "{dir}/error.log" warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log "{dir}/access.log";
    client_body_temp_path "{dir}/temp/body";
    proxy_temp_path "{dir}/temp/proxy";
    fastcgi_temp_path "{dir}/temp/fastcgi";
    uwsgi_temp_path "{dir}/temp/uwsgi";
    scgi_temp_path "{dir}/temp/scgi";
    include "{dir}/conf.d/*.conf";
}}
"""

# (version, title, effective date) of what the module publishes, newest first; the dates from test_publish's entries.
VERSIONS = [(version, title, yaml.safe_load(ENTRIES[version])[0]["effective"].isoformat())
            for version, title in (("2.0", "第2版"), ("1.1", "第1版第1次修订"), ("1.0", "第1版"))]
NEWEST = VERSIONS[0]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
CHAPTERS = ["index", "01-company", "02-service", "03-operations", "04-duty", "05-personnel", "06-training",
            "07-finance-information", "08-maintenance-energy", "09-service-promotion", "10-safety-security",
            "opening-an-office", "forms", "forms/sos-02", "annex-2-index", "glossary", "revisions"]

# axe-core violations (impact serious or critical) that remain, each with the reason it is not fixed here.
# Everything else must pass; an entry that no longer occurs fails the test too, so the list stays true.
ALLOWED = {
    "label-content-name-mismatch":
        "Material's version selector button (rendered by the theme's JavaScript bundle after it fetches "
        "versions.json) has aria-label 选择当前版本, Material's own translation, instead of its visible "
        "text (the version title, e.g. 第2版). The version titles are the visible text and the accessible "
        "names of the links in its list; changing the button means patching the bundle's DOM after it renders.",
}


# -- nginx with the shipped configuration --------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render_server_conf(port: int, root: Path, include: Path) -> str:
    """deploy/nginx.conf with its three "deploy:" lines filled in for this test."""
    text = DEPLOY_CONF.read_text(encoding="utf-8")
    for line, replacement in DEPLOY_LINES.items():
        assert text.count(line) == 1, f"deploy/nginx.conf must contain the line {line!r} exactly once (marked deploy:)"
        text = text.replace(line, replacement.format(port=port, root=root, include=include))
    return text


@dataclass
class Nginx:
    folder: Path
    site: Path
    auth: str | None = None        # the content of opsmanual.d/auth.conf, or no auth
    port: int = 0
    process: subprocess.Popen | None = None
    check: str = ""                # what `nginx -t` said about the configuration
    users: dict = field(default_factory=dict)   # user -> password, when auth is configured

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, *args: str) -> list[str]:
        return [NGINX, "-p", f"{self.folder}/", "-e", str(self.folder / "error.log"),
                "-c", str(self.folder / "nginx.conf"), *args]

    def configure(self, port: int) -> None:
        self.port = port
        for sub in ("conf.d", "opsmanual.d", "temp"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        if self.auth:
            (self.folder / "opsmanual.d" / "auth.conf").write_text(self.auth, encoding="utf-8")
        (self.folder / "conf.d" / "opsmanual.conf").write_text(
            render_server_conf(port, self.site, self.folder / "opsmanual.d"), encoding="utf-8")
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.folder / "nginx.conf").write_text(WRAPPER.format(user=user, dir=self.folder), encoding="utf-8")

    def start(self) -> "Nginx":
        for attempt in range(5):
            self.configure(free_port())
            check = subprocess.run(self.command("-t"), capture_output=True, text=True)
            assert check.returncode == 0, f"nginx -t refused the configuration:\n{check.stderr}"
            self.check = check.stderr
            log = open(self.folder / "stderr.log", "w")
            self.process = subprocess.Popen(self.command("-g", "daemon off;"), stdout=log, stderr=subprocess.STDOUT)
            log.close()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return self
                except OSError:
                    time.sleep(0.05)
            output = (self.folder / "stderr.log").read_text() + (self.folder / "error.log").read_text()
            self.stop()
            if "Address already in use" not in output:
                raise AssertionError(f"nginx did not start:\n{output}")
        raise AssertionError("nginx found no free port in 5 attempts")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)    # fast shutdown: the master stops its workers
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


# -- HTTP without a browser -----------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None                     # a 301/302 is the answer under test, not a step


_OPENER = urllib.request.build_opener(_KeepRedirects)


def fetch(url: str, method: str = "GET", headers: dict | None = None) -> Response:
    """One request with urllib: redirects not followed, error statuses returned, body as sent (not decompressed)."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=10) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, error.headers, error.read())


def max_age(cache_control: str) -> int:
    match = re.search(r"max-age=(\d+)", cache_control)
    return int(match.group(1)) if match else 0


# -- fixtures -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module")
def site(work) -> Path:
    """gh-pages of a repository in which 1.0, 1.1 and 2.0 were published, cloned as the README deploys it."""
    repo = make_repo(work / "repo")
    for prepare in (None, prepare_1_1, prepare_2_0):
        if prepare:
            prepare(repo)
        result = manual(repo, "publish")
        assert result.returncode == 0, result.stdout + result.stderr
    site = work / "site"
    git(work, "clone", "--quiet", "--branch", "gh-pages", "--single-branch", str(repo), str(site))
    assert (site / "latest").is_symlink() and os.readlink(site / "latest") == NEWEST[0]
    return site


@pytest.fixture(scope="module")
def server(work, site):
    nginx = Nginx(work / "nginx", site).start()
    yield nginx
    nginx.stop()


@pytest.fixture(scope="module")
def shots(work) -> Path:
    folder = Path(os.environ.get("MANUAL_E2E_SHOTS") or work / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder



@dataclass
class Record:
    """What the pages of the module did: every request (page URL, request URL) and every script error."""
    requests: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign(self, origin: str, since: int = 0) -> list[str]:
        """The requests (from the since-th on) for anything but origin (data: and blob: URLs are the page's own)."""
        return [f"{page} -> {url}" for page, url in self.requests[since:]
                if urlsplit(url).scheme not in ("data", "blob") and origin_of(url) != origin]


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture(scope="module")
def record() -> Record:
    return Record()


@pytest.fixture
def open_page(browser, server, record):
    """open_page(path, **context options) -> a page of the served site, loaded and ready.

    Each call gets a fresh browser context (Chinese locale, desktop size unless told otherwise). Every
    request the page makes and every uncaught script error or Content-Security-Policy refusal is
    recorded; at the end of the test any request to another host or any such error fails it."""
    contexts, start_requests, start_errors = [], len(record.requests), len(record.errors)

    def open_(path: str, **options) -> Page:
        context = browser.new_context(**{"viewport": DESKTOP, "locale": "zh-CN", **options})
        contexts.append(context)
        page = context.new_page()
        page.on("request", lambda request: record.requests.append((page.url, request.url)))
        page.on("pageerror", lambda error: record.errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: record.errors.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text else None)
        page.goto(server.url + path, wait_until="load")
        ready(page)
        return page

    yield open_
    for context in contexts:
        context.close()
    foreign = record.foreign(server.url, since=start_requests)
    assert not foreign, "pages asked another host for something:\n" + "\n".join(foreign)
    errors = record.errors[start_errors:]
    assert not errors, "script errors on the pages:\n" + "\n".join(errors)


def wait_until(page: Page, script: str, timeout: float = 15) -> None:
    """Poll a JavaScript expression until it is true. (Playwright's wait_for_function evaluates its
    predicate with eval, which the site's Content-Security-Policy forbids, as it should.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout} s on {page.url}: {script}")
        time.sleep(0.05)


def ready(page: Page) -> None:
    """Wait until Material has built the page: version selector (versions.json fetched), fonts, diagrams."""
    page.wait_for_selector(".md-version__current", state="attached", timeout=15000)
    page.evaluate("document.fonts.ready.then(() => true)")
    # Material draws a diagram into a closed shadow root of a div that replaces the pre.mermaid
    wait_until(page, """[...document.querySelectorAll('.mermaid')]
        .every(e => e.tagName === 'DIV' && e.getBoundingClientRect().height > 0)""")


def path_of(url: str) -> str:
    return unquote(urlsplit(url).path)


def revision_banner(page: Page) -> str:
    return page.locator(".manual-revision").first.inner_text()


# -- 1. the configuration and the server's answers (no browser) ---------------------------------

def test_the_shipped_configuration_is_accepted_without_warnings(server):
    assert "syntax is ok" in server.check and "test is successful" in server.check
    assert "[warn]" not in server.check and "[emerg]" not in server.check, server.check


def test_the_root_redirects_to_the_default_version(server, site):
    response = fetch(server.url + "/")
    assert response.status == 302 and response.header("Location") == "/latest/"
    # mike's own index.html does the same on any other static host
    assert 'url=latest/' in (site / "index.html").read_text(encoding="utf-8")
    response = fetch(server.url + "/latest")
    assert response.status == 301 and response.header("Location") == "/latest/"


def test_latest_is_followed_to_the_newest_version(server, site):
    response = fetch(server.url + "/latest/02-service/")
    assert response.status == 200
    assert response.body == (site / NEWEST[0] / "02-service" / "index.html").read_bytes()
    assert response.header("Content-Type") == "text/html; charset=utf-8"
    assert fetch(server.url + "/latest/02-service/", method="HEAD").status == 200   # manual.js' check


def test_versions_json_is_never_taken_from_a_cache(server):
    response = fetch(server.url + "/versions.json")
    assert response.status == 200
    assert re.search(r"\bno-(cache|store)\b", response.header("Cache-Control")), response.header("Cache-Control")
    assert max_age(response.header("Cache-Control")) == 0
    assert response.header("Content-Type") == "application/json; charset=utf-8"
    assert [(v["version"], v["title"]) for v in json.loads(response.body)] == [(v, t) for v, t, _ in VERSIONS]


def test_hashed_assets_are_cached_for_a_year_and_the_rest_revalidated(server, site):
    assets = sorted(str(p.relative_to(site / NEWEST[0])) for p in (site / NEWEST[0] / "assets").rglob("*.min.*")
                    if re.search(r"\.[0-9a-f]{8,}\.min\.(js|css)$", p.name))
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets), assets
    for version in ("latest", "1.0"):
        for asset in assets:
            response = fetch(f"{server.url}/{version}/{asset}")
            cache = response.header("Cache-Control")
            assert response.status == 200 and max_age(cache) >= 31536000 and "immutable" in cache, f"{version}/{asset}: {cache!r}"
    # Not hashed: the same name holds new content after a publication (latest/ moves), so revalidate.
    for path in ("/latest/", "/latest/stylesheets/manual.css", "/latest/javascripts/manual.js",
                 "/latest/search/search_index.json", "/latest/assets/javascripts/lunr/min/lunr.zh.min.js"):
        cache = fetch(server.url + path).header("Cache-Control")
        assert "no-cache" in cache and max_age(cache) == 0, f"{path}: {cache!r}"


GZIPPED = {   # what: (URL under the server, file of the tree; * is a build's content hash)
    "html": ("/latest/02-service/", "latest/02-service/index.html"),
    "versions.json": ("/versions.json", "versions.json"),
    "search index": ("/latest/search/search_index.json", "latest/search/search_index.json"),
    "theme script": ("/latest/assets/javascripts/{name}", "latest/assets/javascripts/bundle.*.min.js"),
    "theme stylesheet": ("/latest/assets/stylesheets/{name}", "latest/assets/stylesheets/main.*.min.css"),
    "our stylesheet": ("/latest/stylesheets/manual.css", "latest/stylesheets/manual.css"),
    "our script": ("/latest/javascripts/manual.js", "latest/javascripts/manual.js"),
}


@pytest.mark.parametrize("what", GZIPPED)
def test_html_json_js_and_css_are_gzipped(server, site, what):
    path, pattern = GZIPPED[what]
    local = sorted(site.glob(pattern))
    assert len(local) == 1, f"{pattern}: {local}"
    content = local[0].read_bytes()
    path = path.format(name=local[0].name)
    compressed = fetch(server.url + path, headers={"Accept-Encoding": "gzip"})
    assert compressed.status == 200 and compressed.header("Content-Encoding") == "gzip", f"{path}: {dict(compressed.headers)}"
    assert "Accept-Encoding" in compressed.header("Vary")
    assert gzip.decompress(compressed.body) == content and len(compressed.body) < len(content)
    plain = fetch(server.url + path)
    assert plain.header("Content-Encoding") == "" and plain.body == content


@pytest.mark.parametrize("path, version", [("/latest/no-such-page/", "latest"), ("/1.0/no-such-page/", "1.0"),
                                           ("/2.0/02-service/no-such-section", "2.0"), ("/9.9/index.html", "latest"),
                                           ("/no-such-folder", "latest"), ("/.git/config", "latest"),
                                           ("/.nojekyll", "latest")])
def test_an_unknown_url_gets_the_manuals_404_page(server, site, path, version):
    if path.startswith("/."):
        assert (site / path[1:]).exists(), f"{path} is in the checkout, but must not be served"
    response = fetch(server.url + path)
    assert response.status == 404
    assert response.body == (site / version / "404.html").read_bytes(), f"{path}: not {version}/404.html"
    page = response.body.decode("utf-8")
    assert "找不到该页面" in page and f'href="/{(site / version).resolve().name}/' in page
    assert "no-cache" in response.header("Cache-Control")


def test_security_headers(server):
    for path in ("/latest/", "/latest/no-such-page/"):
        response = fetch(server.url + path)
        policy = response.header("Content-Security-Policy")
        assert "default-src 'self'" in policy and "connect-src 'self'" in policy, f"{path}: {policy!r}"
        assert response.header("X-Content-Type-Options") == "nosniff"
        assert response.header("Server") == "nginx", "server_tokens off: no version number"


# -- 2. optional basic authentication, through the shipped include ----------------------------------

def apr1(password: str) -> str:
    """What `openssl passwd -apr1` (the way deploy/nginx.conf documents) writes; {PLAIN} without openssl."""
    if not shutil.which("openssl"):
        return "{PLAIN}" + password
    hashed = subprocess.run(["openssl", "passwd", "-apr1", "-stdin"], input=password, capture_output=True,
                            text=True, check=True).stdout.strip()
    assert hashed.startswith("$apr1$")
    return hashed


def bcrypt(password: str) -> str | None:
    """What `htpasswd -B` (apache2-utils) writes, made with the C library's crypt(); None if it has no bcrypt."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt
        except ImportError:
            return None
    if crypt.METHOD_BLOWFISH not in crypt.methods:
        return None
    return "$2y$" + crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH))[4:]


@pytest.fixture(scope="module")
def users() -> dict[str, str]:
    return {"office-021": "Jiangnan-2026", "office-022": "Huabei-2026"}


@pytest.fixture(scope="module")
def auth_server(work, site, users):
    """The same configuration with an auth.conf in the include folder, as the comments of
    deploy/nginx.conf describe it, and a user file with an apr1 and (if possible) a bcrypt user."""
    folder = work / "nginx-auth"
    folder.mkdir()
    (first, first_password), (second, second_password) = users.items()
    lines = [f"{first}:{apr1(first_password)}\n"]
    if (hashed := bcrypt(second_password)) is not None:
        lines.append(f"{second}:{hashed}\n")
    (folder / "htpasswd").write_text("".join(lines), encoding="utf-8")
    nginx = Nginx(folder, site, auth=f'auth_basic "Operations manual";\nauth_basic_user_file "{folder}/htpasswd";\n').start()
    nginx.users = {line.split(":", 1)[0]: users[line.split(":", 1)[0]] for line in lines}
    yield nginx
    nginx.stop()


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + b64encode(f"{user}:{password}".encode()).decode()}


def test_basic_auth_refuses_without_credentials_and_admits_a_user(auth_server):
    # The root's redirect is answered before authentication; it says nothing but "/latest/".
    assert fetch(auth_server.url + "/").header("Location") == "/latest/"
    for path in ("/latest/", "/versions.json", "/1.0/02-service/", "/latest/no-such-page/", "/.git/config"):
        refused = fetch(auth_server.url + path)
        assert refused.status == 401 and refused.header("WWW-Authenticate").startswith("Basic"), path
        assert "办事处营运手册".encode() not in refused.body, f"{path}: the manual shown without a password"
    for user, password in auth_server.users.items():
        assert fetch(auth_server.url + "/latest/", headers=basic(user, password + "x")).status == 401, user
        assert fetch(auth_server.url + "/latest/", headers=basic(user, password)).status == 200, user
        assert fetch(auth_server.url + "/versions.json", headers=basic(user, password)).status == 200, user
        assert fetch(auth_server.url + "/latest/no-such-page/", headers=basic(user, password)).status == 404, user
    assert fetch(auth_server.url + "/latest/", headers=basic("office-999", "Jiangnan-2026")).status == 401


def test_a_browser_with_credentials_reads_the_manual_behind_auth(browser, auth_server):
    user, password = next(iter(auth_server.users.items()))
    context = browser.new_context(http_credentials={"username": user, "password": password}, viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(auth_server.url + "/1.0/02-service/")
        ready(page)
        titles = page.eval_on_selector_all(".md-version__link", "links => links.map(a => a.firstChild.textContent.trim())")
        assert titles == [t for _, t, _ in VERSIONS]
        wait_until(page, "document.querySelector('.manual-outdated-link').pathname === '/latest/02-service/'")
    finally:
        context.close()


# -- 3. a reader in the browser -------------------------------------------------------------------

def test_the_root_opens_the_newest_version(open_page):
    page = open_page("/")
    page.wait_for_url("**/latest/")
    assert path_of(page.url) == "/latest/"
    assert f"《办事处营运手册》{NEWEST[1]}" in revision_banner(page) and NEWEST[2] in revision_banner(page)
    assert page.locator("[data-md-component=outdated]").is_hidden()
    assert page.locator(".md-version__current").inner_text().startswith(NEWEST[1])


def test_the_version_selector_lists_every_version_with_its_chinese_title(open_page):
    page = open_page("/latest/02-service/")
    titles = page.eval_on_selector_all(".md-version__link", "links => links.map(a => a.firstChild.textContent.trim())")
    assert titles == [title for _, title, _ in VERSIONS]
    hrefs = page.eval_on_selector_all(".md-version__link", "links => links.map(a => a.pathname)")
    assert hrefs == [f"/{version}/" for version, _, _ in VERSIONS]


def choose_version(page: Page, title: str) -> None:
    page.hover(".md-version")
    page.locator(".md-version__link").filter(has_text=re.compile(f"^{re.escape(title)}(latest)?$")).click()


def test_an_older_version_opens_the_same_page_with_the_outdated_banner_back_to_the_same_page(open_page, shots):
    page = open_page("/latest/02-service/")
    version, title, effective = VERSIONS[2]
    choose_version(page, title)
    page.wait_for_url(f"**/{version}/02-service/")
    ready(page)
    assert f"《办事处营运手册》{title}" in revision_banner(page) and effective in revision_banner(page)
    banner = page.locator("[data-md-component=outdated]")
    banner.wait_for(state="visible")
    assert "已被替代的旧版本" in banner.inner_text()
    link = page.locator(".manual-outdated-link")
    # manual.js points the link at the same page in latest/ once a HEAD request found it there.
    wait_until(page, "document.querySelector('.manual-outdated-link').pathname === '/latest/02-service/'")
    page.screenshot(path=str(shots / "outdated-banner.png"))
    link.click()
    page.wait_for_url("**/latest/02-service/")
    ready(page)
    assert f"《办事处营运手册》{NEWEST[1]}" in revision_banner(page)
    assert page.locator("[data-md-component=outdated]").is_hidden()


def test_the_outdated_banner_keeps_the_section_and_falls_back_to_the_newest_home(open_page):
    page = open_page("/1.1/02-service/#投诉分级")
    wait_until(page, "document.querySelector('.manual-outdated-link').pathname === '/latest/02-service/'")
    assert unquote(page.eval_on_selector(".manual-outdated-link", "a => a.hash")) == "#投诉分级"
    # a page that is not in the newest version: the banner of 1.0's 404 page leads to latest/'s home
    page = open_page("/1.0/no-such-page/")
    page.locator("[data-md-component=outdated]").wait_for(state="visible")
    wait_until(page, "document.querySelector('.manual-outdated-link').pathname === '/latest/'")
    assert "找不到该页面" in page.locator("article").inner_text()


def search(page: Page, term: str) -> list[str]:
    """Type term into the search box as a reader does; the result links once they are shown."""
    page.locator(".md-search__input").click()
    page.keyboard.type(term)
    # Playwright inserts Chinese characters as text, without the key-up that ends an input method's
    # composition on a real keyboard; Material reads the query on key-up. End gives it one.
    page.keyboard.press("End")
    try:
        page.wait_for_selector(".md-search-result__item", state="attached", timeout=30000)
    except Exception:
        raise AssertionError(f"no search results for {term!r}; the search box shows "
                             f"{page.locator('.md-search-result__meta').inner_text()!r}") from None
    return page.eval_on_selector_all(".md-search-result__link", "links => links.map(a => a.href)")


def test_chinese_search_finds_the_service_chapter(open_page, shots):
    page = open_page("/latest/")
    results = search(page, "投诉")
    assert "/latest/02-service/" in [path_of(url) for url in results], results
    assert re.match(r"\d+ 个符合条件的结果", page.locator(".md-search-result__meta").inner_text())
    first = page.locator(".md-search-result__link").first
    assert "第二章" in first.inner_text() and "服务" in first.inner_text()
    page.screenshot(path=str(shots / "search.png"))
    first.click()
    page.wait_for_url("**/latest/02-service/**")
    assert page.locator("article mark").first.inner_text() == "投诉"     # search.highlight
    # an old version searches its own pages
    page = open_page("/1.0/")
    assert "/1.0/02-service/" in [path_of(url) for url in search(page, "投诉")]


@pytest.mark.parametrize("version, title, effective", [VERSIONS[0], VERSIONS[2]])
def test_a_checklist_prints_on_a4_with_its_code_and_revision_and_no_navigation(open_page, version, title, effective):
    path = "/latest/forms/sos-02/" if version == NEWEST[0] else f"/{version}/forms/sos-02/"
    sheets = sheets_of(open_page(path).pdf(prefer_css_page_size=True))
    assert sheets
    for number, sheet in enumerate(sheets, 1):
        where = f"{path} sheet {number}"
        assert abs(sheet.width - A4[0]) <= 2 and abs(sheet.height - A4[1]) <= 2, f"{where}: {sheet.width}×{sheet.height} pt"
        for text in ("SOS-02", title, effective):
            assert contains(sheet.footer, text), f"{where}: the footer lacks {text!r}: {sheet.footer!r}"
        for chrome in (*CHROME, "打开现行版本的本页", "已被替代"):
            assert not contains(sheet.body + sheet.footer, chrome), f"{where}: {chrome!r} printed"
    assert squash(sheets[0].body).startswith("SOS-02")


def no_horizontal_scroll(page: Page) -> dict:
    return page.evaluate("""() => ({width: innerWidth, scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        wide: [...document.querySelectorAll('.md-content *')].filter(e => {
            if (e.getBoundingClientRect().right <= document.documentElement.clientWidth + 1) return false;
            for (let p = e.parentElement; p; p = p.parentElement)       // inside a box that scrolls by itself
                if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return false;
            return true;
        }).slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' + e.textContent.trim().slice(0, 30))})""")


def test_on_a_phone_the_navigation_opens_and_chapters_fit_the_screen(open_page, server, shots):
    page = open_page("/latest/", **PHONE)
    assert page.evaluate("document.querySelector('.md-sidebar--primary').getBoundingClientRect().right <= 0"), \
        "on a phone the navigation starts closed, off the screen"
    page.locator("label.md-header__button[for=__drawer]").click()
    entry = page.locator(".md-nav--primary .md-nav__link", has_text="第二章 服务").first
    entry.wait_for(state="visible")
    wait_until(page, "document.querySelector('.md-sidebar--primary').getBoundingClientRect().left >= 0")
    page.screenshot(path=str(shots / "phone-navigation.png"))
    entry.click()
    page.wait_for_url("**/latest/02-service/")
    page.locator("h1", has_text="第二章 服务").wait_for()
    assert not page.locator("#__drawer").is_checked(), "the navigation stays open over the chapter"
    page.screenshot(path=str(shots / "phone-chapter.png"))
    problems = []
    for chapter in CHAPTERS:
        page.goto(f"{server.url}/latest/{'' if chapter == 'index' else chapter + '/'}")
        ready(page)
        measure = no_horizontal_scroll(page)
        if measure["scrollWidth"] > measure["clientWidth"] or measure["width"] != PHONE["viewport"]["width"] or measure["wide"]:
            problems.append(f"{chapter}: {measure}")
    assert not problems, "pages wider than a 360 px phone:\n" + "\n".join(problems)
    page.evaluate("window.scrollTo(500, 0)")
    assert page.evaluate("scrollX") == 0


def test_no_request_leaves_the_host(open_page, server, record):
    """Every page of the newest and the oldest version, a search and the version list: all from this server."""
    for version in ("latest", "1.0"):
        page = open_page(f"/{version}/")
        for chapter in CHAPTERS[1:] + ["forms/print-all", "revisions/1.1", "revisions/1.1-kit"]:
            page.goto(f"{server.url}/{version}/{chapter}/")
            ready(page)
        open_version_list(page)
        search(page, "备件")
    origins = {origin_of(url) for _, url in record.requests}
    assert len(record.requests) > 50 and server.url in origins
    assert not record.foreign(server.url), "requests to other hosts:\n" + "\n".join(record.foreign(server.url))


def test_a_request_to_another_host_is_caught_and_refused_by_the_server_policy(browser, server):
    """The guards above are not blind: a page asking another host (127.0.0.2) for an image is recorded,
    and the browser refuses it because of the Content-Security-Policy that deploy/nginx.conf sends (with
    the policy bypassed, the browser really sends it)."""
    probe = "http://127.0.0.2:9/probe.png"
    for bypass_csp in (False, True):
        record, failures, messages = Record(), [], []
        context = browser.new_context(bypass_csp=bypass_csp)
        try:
            page = context.new_page()
            page.on("request", lambda request: record.requests.append((page.url, request.url)))
            page.on("requestfailed", lambda request: failures.append((request.url, request.failure)))
            page.on("console", lambda message: messages.append(message.text))
            page.goto(server.url + "/latest/")
            ready(page)
            page.evaluate(f"new Image().src = '{probe}'")
            deadline = time.monotonic() + 10
            while not any(url == probe for url, _ in failures) and time.monotonic() < deadline:
                page.wait_for_timeout(50)
        finally:
            context.close()
        assert record.foreign(server.url) == [f"{server.url}/latest/ -> {probe}"]
        failure = dict(failures).get(probe)
        if bypass_csp:
            assert failure and "csp" not in failure.lower(), failures        # sent; nobody listens there
        else:
            assert failure and "csp" in failure.lower(), failures            # blocked by the policy
            assert any("Content Security Policy" in text and "127.0.0.2" in text for text in messages), messages


# -- 4. accessibility --------------------------------------------------------------------------

def open_version_list(page: Page) -> None:
    page.hover(".md-version")
    page.locator(".md-version__list").wait_for(state="visible")


def search_results(page: Page) -> None:
    search(page, "投诉")


def phone_navigation(page: Page) -> None:
    page.locator("label.md-header__button[for=__drawer]").click()
    wait_until(page, "document.querySelector('.md-sidebar--primary').getBoundingClientRect().left >= 0")


AXE_PAGES = [   # (what, path, context options, action before the check)
    ("home", "/latest/", {}, None),
    ("chapter", "/latest/02-service/", {}, None),
    ("form page", "/latest/forms/sos-02/", {}, None),
    ("forms index", "/latest/forms/", {}, None),
    ("update register", "/latest/revisions/", {}, None),
    ("what changed (redline)", "/latest/revisions/1.1/", {}, None),
    ("outdated chapter", "/1.1/02-service/", {}, None),
    ("404 page", "/1.0/no-such-page/", {}, None),
    ("version list open", "/latest/02-service/", {}, open_version_list),
    ("search results", "/latest/", {}, search_results),
    ("phone navigation", "/latest/02-service/", PHONE, phone_navigation),
    ("dark: outdated chapter", "/1.1/02-service/", {"color_scheme": "dark"}, None),
    ("dark: form page", "/latest/forms/sos-02/", {"color_scheme": "dark"}, None),
    ("dark: update register", "/latest/revisions/", {"color_scheme": "dark"}, None),
    ("dark: search results", "/latest/", {"color_scheme": "dark"}, search_results),
    ("dark: version list open", "/1.0/02-service/", {"color_scheme": "dark"}, open_version_list),
]


def test_pages_pass_the_accessibility_check(open_page):
    axe = AXE_JS.read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for what, path, options, action in AXE_PAGES:
        page = open_page(path, **options)
        if action:
            action(page)
        page.add_script_tag(content=axe)
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        for violation in result["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
                found.setdefault(violation["id"], []).append(
                    f"{what} ({path}): {violation['help']} [{len(violation['nodes'])}×: {targets}]")
        page.context.close()
    unexplained = {rule: where for rule, where in found.items() if rule not in ALLOWED}
    assert not unexplained, "serious or critical accessibility violations:\n" + "\n".join(
        f"{rule}:\n  " + "\n  ".join(where) for rule, where in unexplained.items())
    stale = set(ALLOWED) - set(found)
    assert not stale, f"no longer found, remove from ALLOWED: {sorted(stale)}"
