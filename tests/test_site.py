"""The foundation: a Chinese, self-contained site that builds strictly and fails on broken input."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import yaml

from conftest import build

SITE_HOST = "manual.example.internal"
# XML namespace names in the vendored JavaScript look like URLs but are never requested.
NOT_REQUESTS = {"www.w3.org"}


class References(HTMLParser):
    """Every URL an HTML page makes the browser load or offers as a link."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href", "poster", "data", "action"):
            if attrs.get(name):
                self.urls.append((f"<{tag} {name}>", attrs[name]))
        if attrs.get("srcset"):
            for part in attrs["srcset"].split(","):
                self.urls.append((f"<{tag} srcset>", part.strip().split(" ")[0]))
        if attrs.get("style"):
            self.styles.append(attrs["style"])
        self._in_style = tag == "style"

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def css_urls(css: str) -> list[str]:
    return re.findall(r"""url\(\s*['"]?([^'")]+)""", css) + re.findall(r"""@import\s+['"]([^'"]+)""", css)


def foreign(url: str) -> bool:
    parsed = urlparse(url.strip())
    if parsed.scheme in ("", "data", "mailto", "tel", "javascript", "blob"):
        return False
    return (parsed.hostname or "") != SITE_HOST


def test_strict_build_passes(built_site):
    assert (built_site / "index.html").is_file()
    assert (built_site / "02-service" / "index.html").is_file()


def test_ui_is_chinese(built_site):
    html = (built_site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh"' in html
    assert "搜索" in html


def test_no_reference_leaves_the_site(built_site):
    offenders = []
    for page in built_site.rglob("*.html"):
        parser = References()
        parser.feed(page.read_text(encoding="utf-8"))
        for where, url in parser.urls:
            # <a href> to another host would only be a link, but the manual has none; keep it that way.
            if foreign(url):
                offenders.append(f"{page.relative_to(built_site)}: {where} {url}")
        for css in parser.styles:
            offenders += [f"{page.relative_to(built_site)}: inline style url({u})" for u in css_urls(css) if foreign(u)]
    for sheet in built_site.rglob("*.css"):
        offenders += [f"{sheet.relative_to(built_site)}: url({u})" for u in css_urls(sheet.read_text(encoding="utf-8")) if foreign(u)]
    for script in built_site.rglob("*.js"):
        text = script.read_text(encoding="utf-8", errors="replace")
        for url in re.findall(r"""["'`]((?:https?:)?//[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)""", text):
            host = urlparse(url if not url.startswith("//") else "https:" + url).hostname or ""
            if host and host != SITE_HOST and host not in NOT_REQUESTS:
                offenders.append(f"{script.relative_to(built_site)}: script string {url}")
    assert offenders == []


def test_mermaid_is_served_by_the_site(built_site):
    html = (built_site / "02-service" / "index.html").read_text(encoding="utf-8")
    assert 'class="mermaid"' in html
    assert "javascripts/vendor/mermaid.min.js" in html
    assert (built_site / "javascripts" / "vendor" / "mermaid.min.js").stat().st_size > 1_000_000


def test_chinese_heading_keeps_its_anchor(built_site):
    html = (built_site / "02-service" / "index.html").read_text(encoding="utf-8")
    assert 'id="客户投诉处理"' in html
    assert 'href="#客户投诉处理"' in html


def test_search_index_is_segmented_into_chinese_words(built_site):
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    separator = re.compile(index["config"]["separator"])
    tokens = {token for doc in index["docs"] for token in separator.split(re.sub(r"<[^>]+>", " ", doc["text"]))}
    assert "投诉" in tokens
    assert "岗位规范检查表" in tokens  # from the user dictionary
    assert "办事处" in tokens
    assert "投" not in tokens  # words, not single characters


def test_company_names_come_from_one_place(built_site):
    config = yaml.safe_load((Path(__file__).parent.parent / "mkdocs.yml").read_text(encoding="utf-8").split("\nmarkdown_extensions:")[0])
    html = (built_site / "01-company" / "index.html").read_text(encoding="utf-8")
    assert config["extra"]["company"]["name"] in html
    assert "{{" not in html


def test_broken_link_fails_the_build_naming_the_file(project):
    page = project / "docs" / "04-duty.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n\n见[不存在的章节](99-missing.md)。\n", encoding="utf-8")
    result = build(project)
    assert result.returncode != 0
    assert "04-duty.md" in result.stderr and "99-missing.md" in result.stderr


def test_missing_chinese_anchor_fails_the_build(project):
    page = project / "docs" / "05-personnel.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n\n见[投诉](02-service.md#不存在的投诉章节)。\n", encoding="utf-8")
    result = build(project)
    assert result.returncode != 0
    assert "05-personnel.md" in result.stderr and "不存在的投诉章节" in result.stderr


def test_page_left_out_of_the_nav_fails_the_build(project):
    (project / "docs" / "orphan.md").write_text("# 孤立页面\n\n不在导航中。\n", encoding="utf-8")
    result = build(project)
    assert result.returncode != 0
    assert "orphan.md" in result.stderr


def test_undefined_macro_variable_fails_the_build(project):
    page = project / "docs" / "06-training.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n\n热线：{{ company.no_such_name }}\n", encoding="utf-8")
    result = build(project)
    assert result.returncode != 0
    assert "no_such_name" in result.stderr


def test_a_draft_build_says_so_on_every_page(project):
    result = build(project, env={"MANUAL_DRAFT": "1"})
    assert result.returncode == 0, result.stderr
    for page in ("index.html", "02-service/index.html", "forms/sos-01/index.html"):
        html = (project / "site" / page).read_text(encoding="utf-8")
        assert 'data-manual-draft="true"' in html and "草稿预览" in html


def test_published_build_is_not_a_draft(built_site):
    html = (built_site / "02-service" / "index.html").read_text(encoding="utf-8")
    assert "data-manual-draft" not in html
    assert "第1版第2次修订" in html.split('class="manual-revision')[1][:300]


def test_manual_check_command_builds_and_checks_links(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT
    result = subprocess.run([sys.executable, "-m", "opsmanual.cli", "check", "--site-dir", str(tmp_path / "site")],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[3/3] checking every link and anchor" in result.stdout
    assert "0 broken" in result.stdout
