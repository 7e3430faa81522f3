"""Tests of the link checker (opsmanual.linkcheck) against the real manual.

The site is built once per session with mkdocs; a published tree is made from
that build the way mike lays it out (1.0/, 1.1/, 1.2/, latest -> 1.2,
versions.json, a root redirect). Every fault is seeded into a copy and must
be named by page, target and reason; the clean site and tree must pass.
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from opsmanual import linkcheck
from opsmanual.linkcheck import Problem, Report, check_published, check_site, main

REPO = Path(__file__).resolve().parents[1]
ARTICLE = '<article class="md-content__inner md-typeset">'
VERSIONS = [("1.2", "第1版第2次修订", ["latest"]), ("1.1", "第1版第1次修订", []), ("1.0", "第1版", [])]
CJK = re.compile(r"[\u4e00-\u9fff]")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def manual_build(tmp_path_factory) -> Path:
    """One strict build of the real manual for these tests (kept here, not in conftest)."""
    out = tmp_path_factory.mktemp("linkcheck-build") / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
        cwd=REPO, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out


def _make_tree(site: Path, tree: Path) -> Path:
    tree.mkdir(parents=True)
    for version, _, _ in VERSIONS:
        shutil.copytree(site, tree / version)
    os.symlink("1.2", tree / "latest")
    (tree / "versions.json").write_text(json.dumps(
        [{"version": v, "title": t, "aliases": a} for v, t, a in VERSIONS], ensure_ascii=False,
    ), encoding="utf-8")
    (tree / "index.html").write_text(
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        '<title>Redirecting</title>\n<noscript><meta http-equiv="refresh" content="1; url=latest/" /></noscript>\n'
        '<script>window.location.replace("latest/" + window.location.hash);</script>\n'
        '</head>\n<body>\nRedirecting to <a href="latest/">latest/</a>...\n</body>\n</html>\n',
        encoding="utf-8")
    return tree


@pytest.fixture(scope="session")
def published_tree(manual_build, tmp_path_factory) -> Path:
    return _make_tree(manual_build, tmp_path_factory.mktemp("linkcheck-tree") / "gh-pages")


@pytest.fixture
def site(manual_build, tmp_path) -> Path:
    """A private copy of the built site to seed faults into."""
    return Path(shutil.copytree(manual_build, tmp_path / "site"))


@pytest.fixture
def tree(published_tree, tmp_path) -> Path:
    """A private copy of the published tree (the latest symlink kept as a symlink)."""
    return Path(shutil.copytree(published_tree, tmp_path / "gh-pages", symlinks=True))


@pytest.fixture(scope="session")
def site_pages(manual_build) -> int:
    return sum(1 for _ in manual_build.rglob("*.html"))


# --------------------------------------------------------------------------- helpers


def insert(page: Path, html: str) -> None:
    """Put html at the top of the page's article (present on every Material page)."""
    text = page.read_text(encoding="utf-8")
    assert ARTICLE in text, f"{page} has no article"
    page.write_text(text.replace(ARTICLE, ARTICLE + html, 1), encoding="utf-8")


def chinese_id(page: Path) -> str:
    ids = [i for i in re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8")) if CJK.search(i)]
    assert ids, f"{page} has no Chinese heading id"
    return ids[-1]


def only(report: Report, **match) -> Problem:
    """The single problem whose fields equal the given values."""
    found = [p for p in report.problems if all(getattr(p, k) == v for k, v in match.items())]
    assert len(found) == 1, f"expected one problem {match}, got:\n{report.text()}"
    return found[0]


# --------------------------------------------------------------------------- clean


def test_clean_site_has_no_problem(manual_build, site_pages):
    report = check_site(manual_build)
    assert report.problems == [], report.text()
    assert report.ok
    assert report.pages == site_pages
    assert report.links > 1000
    # the revision register and the outdated banner link out of the site root
    assert report.cross_version > 0
    assert report.external == []  # the site makes no request outside itself
    assert report.text().splitlines()[-1] == f"{site_pages} pages, {report.links} links checked: 0 broken"


def test_clean_published_tree_has_no_problem(published_tree, site_pages):
    report = check_published(published_tree)
    assert report.problems == [], report.text()
    assert report.ok
    # three version folders, the root redirect; latest -> 1.2 is not parsed again
    assert report.pages == 3 * site_pages + 1
    assert report.cross_version == 0


def test_each_file_is_parsed_once_and_the_symlinked_alias_not_at_all(published_tree, monkeypatch):
    calls: list[Path] = []
    real = linkcheck._parse_file

    def counting(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(linkcheck, "_parse_file", counting)
    monkeypatch.setattr(linkcheck, "PARALLEL_THRESHOLD", 10**9)
    check_published(published_tree)
    rels = [p.relative_to(published_tree.resolve()).as_posix() for p in calls]
    assert len(rels) == len(set(rels))
    assert not any(r.startswith("latest/") for r in rels)
    assert {r.split("/")[0] for r in rels if "/" in r} == {"1.0", "1.1", "1.2"}


# --------------------------------------------------------------------------- seeded faults: site


def test_link_to_missing_page(site):
    insert(site / "01-company" / "index.html", '<p><a href="../缺失的章节/">缺失的章节</a></p>')
    report = check_site(site)
    p = only(report, page="01-company/index.html", target="../缺失的章节/")
    assert p.text == "缺失的章节"
    assert p.reason == "page not found: 缺失的章节/"
    assert len(report.problems) == 1 and not report.ok


def test_deleted_page_is_reported_where_it_is_linked(site):
    shutil.rmtree(site / "glossary")
    report = check_site(site)
    p = only(report, page="index.html", target="glossary/")
    assert p.reason == "page not found: glossary/"
    assert p.text  # the nav entry's title
    assert all(pr.reason == "page not found: glossary/" for pr in report.problems)


def test_missing_chinese_anchor(site):
    anchor = chinese_id(site / "02-service" / "index.html")
    insert(site / "03-operations" / "index.html",
           f'<p><a href="../02-service/#{anchor}">有效锚点</a>'
           f'<a href="../02-service/#{quote(anchor)}">编码的有效锚点</a>'
           f'<a href="../02-service/#不存在的锚点">投诉处理</a></p>')
    report = check_site(site)
    p = only(report, page="03-operations/index.html", target="../02-service/#不存在的锚点")
    assert p.text == "投诉处理"
    assert p.reason == "missing anchor #不存在的锚点 in 02-service/index.html"
    assert len(report.problems) == 1, report.text()


def test_missing_percent_encoded_anchor_is_reported_decoded(site):
    target = "../02-service/#" + quote("不存在的锚点")
    insert(site / "03-operations" / "index.html", f'<p><a href="{target}">投诉</a></p>')
    report = check_site(site)
    p = only(report, page="03-operations/index.html", target=target)
    assert p.reason == "missing anchor #不存在的锚点 in 02-service/index.html"


def test_missing_anchor_on_the_same_page(site):
    insert(site / "04-duty" / "index.html", '<p><a href="#交接班记录不存在">交接班</a><a href="#top">顶部</a></p>')
    report = check_site(site)
    p = only(report, page="04-duty/index.html", target="#交接班记录不存在")
    assert p.reason == "missing anchor #交接班记录不存在 in 04-duty/index.html"
    assert len(report.problems) == 1


def test_missing_image(site):
    insert(site / "04-duty" / "index.html", '<p><img src="../assets/images/巡查流程.png" alt="巡查流程图"></p>')
    report = check_site(site)
    p = only(report, page="04-duty/index.html", target="../assets/images/巡查流程.png")
    assert p.text == "巡查流程图"
    assert p.reason == "image not found: assets/images/巡查流程.png"
    assert len(report.problems) == 1


def test_missing_asset_files_are_named_by_kind(site):
    (site / "assets" / "favicon.svg").unlink()
    (site / "javascripts" / "manual.js").unlink()
    (site / "stylesheets" / "print.css").unlink()
    report = check_site(site)
    reasons = {(p.target, p.reason) for p in report.problems if p.page == "index.html"}
    assert ("assets/favicon.svg", "icon not found: assets/favicon.svg") in reasons
    assert ("assets/favicon.svg", "image not found: assets/favicon.svg") in reasons  # the logo
    assert ("javascripts/manual.js", "script not found: javascripts/manual.js") in reasons
    assert ("stylesheets/print.css", "stylesheet not found: stylesheets/print.css") in reasons
    deep = {(p.target, p.reason) for p in report.problems if p.page == "forms/ops-01/index.html"}
    assert ("../../javascripts/manual.js", "script not found: javascripts/manual.js") in deep


def test_srcset_and_css_url_are_checked(site):
    insert(site / "index.html",
           '<picture><source srcset="assets/a.webp 1x, assets/favicon.svg 2x"><img src="assets/favicon.svg"></picture>')
    css = site / "stylesheets" / "manual.css"
    css.write_text(css.read_text(encoding="utf-8")
                   + '\n.stamp { background: url("../assets/印章.png") }\n.ok { background: url(../assets/favicon.svg) }\n'
                   + '.svg { background: url("data:image/svg+xml;utf8,<svg></svg>") }\n',
                   encoding="utf-8")
    report = check_site(site)
    assert only(report, page="index.html", target="assets/a.webp").reason == "image not found: assets/a.webp"
    p = only(report, page="stylesheets/manual.css", target="../assets/印章.png")
    assert p.reason == "file not found: assets/印章.png"
    assert len(report.problems) == 2, report.text()


def test_links_in_script_and_template_bodies_and_ignored_schemes_are_not_checked(site):
    insert(site / "index.html",
           '<template><a href="nowhere/">x</a><img src="none.png"></template>'
           '<script>document.write(\'<a href="nowhere-either/">y</a>\')</script>'
           '<a href="mailto:service@hengyuan.example">邮件</a><a href="tel:4008006018">电话</a>'
           '<a href="javascript:void(0)">js</a><img src="data:image/png;base64,AAAA">')
    report = check_site(site)
    assert report.problems == [], report.text()


def test_cross_version_links_are_counted_not_reported_in_a_single_site(site, manual_build):
    before = check_site(manual_build).cross_version
    insert(site / "index.html", '<a href="../1.0/">第1版</a><a href="../versions.json">versions</a>'
                                '<a href="../9.9/02-service/#不存在">gone</a>')
    report = check_site(site)
    assert report.problems == [], report.text()
    assert report.cross_version == before + 3
    assert "cross-version links: checked in the published tree" in report.text()


def test_site_url_links(site):
    insert(site / "index.html",
           '<a href="https://manual.example.internal/glossary/">术语表</a>'
           '<a href="https://manual.example.internal/缺页/">缺页</a>')
    report = check_site(site)
    p = only(report, page="index.html", target="https://manual.example.internal/缺页/")
    assert p.reason == "page not found: 缺页/"
    assert len(report.problems) == 1, report.text()


def test_404_page_is_checked_relative_to_the_site_root(site):
    # mkdocs writes 404.html's links as /assets/...: they are fine while the files exist
    assert check_site(site).problems == []
    (site / "assets" / "stylesheets").rename(site / "assets" / "css")
    report = check_site(site)
    targets = {p.target for p in report.problems if p.page == "404.html"}
    assert any(t.startswith("/assets/stylesheets/main.") for t in targets), report.text()


def test_external_links_listed_not_checked(site):
    insert(site / "index.html", '<a href="https://www.iso.org/standard/62085.html">ISO 9001</a>'
                                '<a href="http://unreachable.invalid/x">x</a>')
    report = check_site(site)
    assert report.ok
    assert report.external == ["http://unreachable.invalid/x", "https://www.iso.org/standard/62085.html"]
    assert "2 external links (not checked, use --external):" in report.text()


@pytest.fixture
def http_server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "ok.html").write_text("<html><body>ok</body></html>", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("engine", ["lychee", "urllib"])
def test_external_links_checked_when_asked(site, http_server, engine, monkeypatch):
    if engine == "lychee" and not linkcheck._lychee():
        pytest.skip("lychee is not installed")
    if engine == "urllib":
        monkeypatch.setattr(linkcheck, "_lychee", lambda: None)
    insert(site / "index.html", f'<a href="{http_server}/ok.html">好</a><a href="{http_server}/gone.html">坏</a>')
    report = check_site(site, external=True)
    p = only(report, page="index.html", target=f"{http_server}/gone.html")
    assert p.text == "坏"
    assert p.reason.startswith("external:") and "404" in p.reason
    assert len(report.problems) == 1, report.text()


# --------------------------------------------------------------------------- seeded faults: published tree


def test_tree_missing_page_in_the_newest_version_is_named_by_its_real_folder(tree):
    insert(tree / "1.2" / "01-company" / "index.html", '<a href="../缺失的章节/">缺失的章节</a>')
    report = check_published(tree)
    p = only(report, page="1.2/01-company/index.html", target="../缺失的章节/")
    assert p.reason == "page not found: 1.2/缺失的章节/"
    assert len(report.problems) == 1, report.text()  # not again under latest/


def test_tree_missing_chinese_anchor_across_versions(tree):
    anchor = chinese_id(tree / "1.2" / "02-service" / "index.html")
    insert(tree / "1.0" / "03-operations" / "index.html",
           f'<a href="../../1.2/02-service/#{anchor}">现行版本</a>'
           f'<a href="../../latest/02-service/#{quote(anchor)}">最新</a>'
           '<a href="../../latest/02-service/#不存在的锚点">最新的投诉处理</a>')
    report = check_published(tree)
    p = only(report, page="1.0/03-operations/index.html", target="../../latest/02-service/#不存在的锚点")
    assert p.text == "最新的投诉处理"
    assert p.reason == "missing anchor #不存在的锚点 in 1.2/02-service/index.html"  # latest -> 1.2
    assert len(report.problems) == 1, report.text()


def test_tree_missing_image(tree):
    insert(tree / "1.1" / "04-duty" / "index.html", '<img src="../images/流程图.png" alt="流程图">')
    report = check_published(tree)
    p = only(report, page="1.1/04-duty/index.html", target="../images/流程图.png")
    assert p.reason == "image not found: 1.1/images/流程图.png"
    assert len(report.problems) == 1, report.text()


def test_tree_link_into_a_version_that_does_not_exist(tree):
    insert(tree / "1.2" / "revisions" / "index.html",
           '<a href="../../1.0/">第1版</a><a href="../../0.9/">第0版</a>')
    report = check_published(tree)
    p = only(report, page="1.2/revisions/index.html", target="../../0.9/")
    assert p.text == "第0版"
    assert p.reason == "no published version 0.9"
    assert len(report.problems) == 1, report.text()


def test_tree_broken_link_only_in_an_old_version(tree):
    shutil.rmtree(tree / "1.0" / "glossary")
    report = check_published(tree)
    assert not report.ok
    assert {p.page.split("/")[0] for p in report.problems} == {"1.0"}, report.text()
    p = only(report, page="1.0/index.html", target="glossary/")
    assert p.reason == "page not found: 1.0/glossary/"


def test_tree_versions_json_and_the_404_pages_are_not_reported(tree):
    insert(tree / "1.1" / "index.html", '<a href="../versions.json">versions</a>')
    report = check_published(tree)
    assert report.problems == [], report.text()
    (tree / "versions.json").unlink()
    report = check_published(tree)
    p = only(report, page="versions.json")
    assert p.reason == "no versions.json at the tree root"
    assert len(report.problems) == 1, report.text()  # not also for each ../versions.json


def test_tree_listed_version_without_folder_and_root_redirect(tree):
    data = json.loads((tree / "versions.json").read_text(encoding="utf-8"))
    data.insert(0, {"version": "2.0", "title": "第2版", "aliases": []})
    (tree / "versions.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    root = tree / "index.html"
    root.write_text(root.read_text(encoding="utf-8").replace("latest/", "stable/"), encoding="utf-8")
    report = check_published(tree)
    assert only(report, page="versions.json", target="2.0").reason == \
        "no published version 2.0 (listed in versions.json, no folder)"
    p = only(report, page="index.html", target="stable/")
    assert p.reason == "no published version stable"


def test_tree_with_a_copied_alias(tree, site_pages):
    (tree / "latest").unlink()
    shutil.copytree(tree / "1.2", tree / "latest")
    assert check_published(tree).pages == 4 * site_pages + 1
    insert(tree / "latest" / "05-personnel" / "index.html", '<a href="../离职手续/">离职</a>')
    report = check_published(tree)
    p = only(report, page="latest/05-personnel/index.html", target="../离职手续/")
    assert p.reason == "page not found: latest/离职手续/"
    assert len(report.problems) == 1, report.text()


def test_parallel_parse_gives_the_same_report(tree, monkeypatch):
    insert(tree / "1.0" / "01-company" / "index.html", '<a href="../无/">无</a><a href="#无锚">锚</a>')
    serial = check_published(tree)
    monkeypatch.setattr(linkcheck, "PARALLEL_THRESHOLD", 1)
    parallel = check_published(tree)
    assert parallel.problems == serial.problems and len(serial.problems) == 2
    assert (parallel.pages, parallel.links) == (serial.pages, serial.links)


# --------------------------------------------------------------------------- command line


def test_main_exit_codes_and_report(site, capsys, tmp_path):
    assert main([str(site)]) == 0
    assert capsys.readouterr().out.strip().endswith("links checked: 0 broken")
    insert(site / "01-company" / "index.html", '<a href="../缺失的章节/">缺失的章节</a>')
    assert main([str(site)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "01-company/index.html: link '缺失的章节' -> ../缺失的章节/: page not found: 缺失的章节/" in out
    assert re.fullmatch(r"\d+ pages, \d+ links checked: 1 broken", out[-1])
    assert main([str(tmp_path / "no-such-dir")]) == 2
    assert "no such directory" in capsys.readouterr().err
    assert main([]) == 2


def test_module_command_on_published_tree(tree):
    shutil.rmtree(tree / "1.1" / "glossary")
    proc = subprocess.run([sys.executable, "-m", "opsmanual.linkcheck", str(tree), "--published"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1.1/index.html: link " in proc.stdout and "-> glossary/: page not found: 1.1/glossary/" in proc.stdout


def test_tree_git_folder_is_skipped_and_broken_alias_reported(tree, site_pages):
    (tree / ".git").mkdir()
    (tree / ".git" / "bad.html").write_text('<a href="nowhere/">x</a>', encoding="utf-8")
    (tree / ".nojekyll").write_text("", encoding="utf-8")
    report = check_published(tree)
    assert report.problems == [] and report.pages == 3 * site_pages + 1, report.text()
    (tree / "latest").unlink()
    os.symlink("1.3", tree / "latest")
    report = check_published(tree)
    assert only(report, page="versions.json", target="latest").reason == "alias latest is a broken symlink"
    p = only(report, page="index.html", target="latest/")
    assert p.reason == "broken symlink: latest"
