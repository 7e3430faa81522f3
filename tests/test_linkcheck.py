"""The link check: lychee finds the broken links; our layer names each one as written, with its text, says
"no published version X" for a version that does not exist, and counts (does not check) the links of a single
build that lead into other versions. Each thing our layer adds has a test here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsmanual import linkcheck


def page(folder: Path, path: str, body: str) -> None:
    file = folder / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(f"<!doctype html><html><body>{body}</body></html>", encoding="utf-8")


@pytest.fixture
def site(tmp_path) -> Path:
    root = tmp_path / "site"
    page(root, "index.html", '<h1 id="手册使用说明">手册</h1><a href="02-service/#电话咨询">电话咨询的时限</a>')
    page(root, "02-service/index.html", '<h2 id="电话咨询">电话咨询</h2><a href="../">首页</a>')
    return root


def test_a_clean_site_has_no_problem(site):
    report = linkcheck.check_site(site)
    assert report.ok and report.pages == 2 and report.links >= 2, report.text()


def test_a_missing_chinese_anchor_is_named_as_written_with_its_text(site):
    page(site, "03-operations/index.html", '<p>见<a href="../02-service/#投诉分级">投诉分级的规定</a></p>')
    (problem,) = linkcheck.check_site(site).problems
    assert problem.page == "03-operations/index.html" and problem.target == "../02-service/#投诉分级"
    assert problem.text == "投诉分级的规定" and problem.reason == "目标页面中没有锚点 #投诉分级"
    assert (
        problem.line()
        == "03-operations/index.html: 链接“投诉分级的规定” → ../02-service/#投诉分级：目标页面中没有锚点 #投诉分级"
    )


def test_a_missing_page_image_and_stylesheet(site):
    page(
        site,
        "04-duty/index.html",
        '<link rel="stylesheet" href="../css/none.css"><img src="../img/none.png" alt="值班表">'
        "<a href=../05-none/>第五章</a>",
    )
    problems = {p.target: p for p in linkcheck.check_site(site).problems}
    assert set(problems) == {"../css/none.css", "../img/none.png", "../05-none/"}
    assert problems["../img/none.png"].text == "值班表"
    assert all(p.reason == "找不到目标页面或文件" for p in problems.values())


def test_links_out_of_a_single_build_are_counted_and_said_to_be_unchecked(site):
    page(site, "revisions/index.html", '<a href="../../1.0/">第1版</a><a href="../../1.1/">第1版第1次修订</a>')
    report = linkcheck.check_site(site)
    assert report.ok and report.outside == 2
    assert "2 个链接指向其他版本" in report.text() and "无法检查" in report.text()


def test_a_build_for_publication_maps_its_root_relative_links(site):
    page(site, "404.html", '<link rel="icon" href="/1.3/index.html"><a href="/1.3/02-service/">第二章</a>')
    assert linkcheck.check_site(site, publish_as="1.3").ok
    assert not linkcheck.check_site(site).ok


def tree_with(tmp_path: Path, versions: list[str]) -> Path:
    tree = tmp_path / "tree"
    for version in versions:
        page(tree, f"{version}/index.html", f'<h1 id="v">{version}</h1><a href="../{version}/revisions/">记录</a>')
        page(tree, f"{version}/revisions/index.html", "".join(f'<a href="../../{v}/">{v}</a>' for v in versions))
    (tree / "versions.json").write_text(
        json.dumps([{"version": v, "title": v, "aliases": []} for v in versions]), encoding="utf-8"
    )
    (tree / "latest").symlink_to(versions[0])
    page(tree, "index.html", '<a href="latest/">现行版本</a>')
    return tree


def test_a_published_tree_checks_links_between_versions(tmp_path):
    tree = tree_with(tmp_path, ["1.1", "1.0"])
    report = linkcheck.check_published(tree)
    assert report.ok and report.versions == ["1.1", "1.0"], report.text()
    page(
        tree,
        "1.1/revisions/index.html",
        '<a href="../../1.0/#v">第1版</a><a href="../../0.9/">第0.9版</a><a href="../../1.0/#w">锚</a>',
    )
    problems = {p.target: p.reason for p in linkcheck.check_published(tree).problems}
    assert problems == {"../../0.9/": "没有已发布的版本 0.9", "../../1.0/#w": "目标页面中没有锚点 #w"}


def test_a_listed_version_without_its_folder_and_a_dangling_alias(tmp_path):
    tree = tree_with(tmp_path, ["1.1", "1.0"])
    (tree / "versions.json").write_text(
        json.dumps([{"version": v, "title": v, "aliases": []} for v in ("1.2", "1.1", "1.0")]), encoding="utf-8"
    )
    (tree / "latest").unlink()
    (tree / "latest").symlink_to("1.2")
    reasons = [p.reason for p in linkcheck.check_published(tree).problems]
    assert "versions.json 列出了版本 1.2，但没有它的目录" in reasons and "别名 latest 指向的版本目录不存在" in reasons


def test_the_command_exit_codes(site, capsys):
    assert linkcheck.main([str(site)]) == 0
    page(site, "x/index.html", '<a href="../nothing/">无</a>')
    assert linkcheck.main([str(site)]) == 1
    assert "1 个失效" in capsys.readouterr().out
    assert linkcheck.main([str(site / "missing")]) == 2
