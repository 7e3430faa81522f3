"""The built site: the real manual builds strictly and is what its readers need (Chinese interface, no foreign
request, Chinese anchors and search, the pages generated from the data); every register field is escaped in every
output; document control fails the strict build and only marks a draft."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import (
    ROOT,
    add_entry,
    article,
    build,
    commit,
    edit,
    entry,
    init_repo,
    made_once,
    manual,
    mini_project,
    text_of,
)

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


# -- the real manual ------------------------------------------------------------------------------------


def test_the_real_manual_builds_strictly(real_site):
    assert (real_site / "index.html").is_file() and (real_site / "404.html").is_file()


def test_the_interface_is_chinese(real_site):
    page = (real_site / "02-service" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<html[^>]* lang="?zh', page)
    assert "搜索" in page and "跳转至" in page


def test_no_page_refers_to_another_host(real_site):
    foreign = re.compile(r"""(?:src|href)=["']?(https?:)?//(?!manual\.example\.internal)[a-z0-9.-]+""", re.IGNORECASE)
    for file in real_site.rglob("*.html"):
        found = foreign.findall(file.read_text(encoding="utf-8"))
        assert not found, f"{file}: {found}"
    for file in real_site.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?https?://", file.read_text(encoding="utf-8")), file
    bundle = next((real_site / "assets" / "javascripts").glob("bundle.*.min.js")).read_text(encoding="utf-8")
    assert not re.search(r"https://(unpkg\.com|api\.github\.com)/", bundle)


def test_chinese_headings_keep_their_anchors(real_site):
    page = (real_site / "02-service" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'id="?客户投诉处理', page)


def test_the_search_index_is_segmented_into_chinese_words(real_site):
    index = json.loads((real_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["zh"]
    text = " ".join(doc["text"] for doc in index["docs"])
    assert "\u200b投诉\u200b" in text or "投诉\u200b" in text


def words(text: str) -> str:
    """Text as the search index holds it, without jieba's word breaks and blanks: for finding one in the other."""
    return re.sub(r"[\s\u200b]+", "", text)


def test_every_checklist_item_and_record_column_is_in_the_search_index(real_site):
    from lxml import html as lxml_html

    docs = json.loads((real_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    codes = sorted(p.stem for p in (ROOT / "checklists").glob("*.yml"))
    shown = 0
    for code in codes:
        page = lxml_html.fromstring((real_site / "forms" / code / "index.html").read_text(encoding="utf-8"))
        expected = [
            words(cell.text_content())
            for cell in page.xpath(
                "//tr[contains(@class, 'manual-checklist__item')]/td[position() = 2 or position() = 3]"
                " | //table[contains(@class, 'manual-record')]/thead//th"
            )
        ]
        expected = [e for e in expected if e]
        assert expected, f"forms/{code}/: no checklist item or record column found in the page"
        indexed = words(
            " ".join(d["title"] + " " + d["text"] for d in docs if d["location"].split("#")[0] == f"forms/{code}/")
        )
        missing = [e for e in expected if e not in indexed]
        assert not missing, f"forms/{code}/: not in the search index: {missing[:5]}"
        # and in the chapter that shows the form, which the search ranks first
        chapter = yaml.safe_load((ROOT / "checklists" / f"{code}.yml").read_text(encoding="utf-8"))[
            "page"
        ].removesuffix(".md")
        if chapter == "index" or not re.search(
            rf'data-code="?{code.upper()}\b', (real_site / chapter / "index.html").read_text(encoding="utf-8")
        ):
            continue  # the chapter names the form without showing it
        shown += 1
        indexed = words(" ".join(d["text"] for d in docs if d["location"].split("#")[0] == f"{chapter}/"))
        missing = [e for e in expected if e not in indexed]
        assert not missing, f"{chapter}/ (which shows {code}): not in the search index: {missing[:5]}"
    assert shown >= 10, f"only {shown} forms are shown in their chapter"


def test_company_names_come_from_the_facts(real_site):
    page = article(real_site / "index.html")
    assert "衡远仪器有限公司" in text_of((real_site / "01-company" / "index.html").read_text(encoding="utf-8"))
    assert "{{" not in page and "company" not in page


def test_the_generated_pages_exist(real_site):
    for path, words in (
        ("forms/index.html", "表格汇编"),
        ("revisions/index.html", "更新记录表"),
        ("roles/index.html", "岗位指南"),
        ("escalation/index.html", "上报矩阵"),
        ("retention/index.html", "保存"),
        ("calendar/index.html", "每日"),
        ("glossary/index.html", "术语表"),
    ):
        assert words in text_of((real_site / path).read_text(encoding="utf-8")), path


def test_every_form_has_its_page_and_is_in_annex_one(real_site):
    forms = sorted(p.stem.upper() for p in (ROOT / "checklists").glob("*.yml"))
    index = text_of((real_site / "forms" / "index.html").read_text(encoding="utf-8"))
    for code in forms:
        assert (real_site / "forms" / code.lower() / "index.html").is_file(), code
        assert code in index, code


def test_the_published_build_is_not_a_draft(real_site):
    assert "草稿预览" not in (real_site / "02-service" / "index.html").read_text(encoding="utf-8")


# -- the register is escaped in every output -----------------------------------------------------------


@pytest.fixture(scope="session")
def injected(pytestconfig) -> Path:
    """The site built from a repository whose 1.1 entry has markup in every free-text field, and a withdrawal with
    markup too: made once per run (made_once), whichever test process runs these tests."""
    return Path(made_once(pytestconfig, "injected", lambda folder: {"site": str(inject(folder))})["site"])


def inject(folder: Path) -> Path:
    """Publish 1.0 of the small manual in folder, register 1.1 with the markup, build; the site's folder."""
    repo = init_repo(mini_project(folder / "repo"))
    assert manual(repo, "publish").returncode == 0
    edit(repo / "facts" / "rules.yml", "value: 3, unit: 声", "value: 2, unit: 声")
    text = entry(
        "1.1",
        {"02-service.md": f"接听时限改为2声{PAYLOAD}"},
        notice=f"衡总运{PAYLOAD}",
        supersedes="1.0",
        effective="2027-06-01",
    )
    text = text.replace("summary: 第1.1版的修订概要。", f"summary: 概要{PAYLOAD}").replace(
        "reason: 第1.1版的修订原因。", f"reason: 原因{PAYLOAD}"
    )
    add_entry(
        repo,
        text.replace(f": 衡总运{PAYLOAD}", f": '衡总运{PAYLOAD}'")
        .replace(f": 接听时限改为2声{PAYLOAD}", f": '接听时限改为2声{PAYLOAD}'")
        .replace(f": 概要{PAYLOAD}", f": '概要{PAYLOAD}'")
        .replace(f": 原因{PAYLOAD}", f": '原因{PAYLOAD}'"),
    )
    withdrawal = (
        f"withdrawals:\n  - version: \"1.1\"\n    notice: '撤{PAYLOAD}'\n    date: 2026-12-05\n"
        f"    reason: '撤回的原因写在这里{PAYLOAD}'\n    approved_by: 何建华\n"
    )
    (repo / "revisions.yml").write_text(
        (repo / "revisions.yml").read_text(encoding="utf-8") + withdrawal, encoding="utf-8"
    )
    commit(repo, "带标记的修订")
    site = repo.parent / "site"
    result = build(repo, site)
    assert result.returncode == 0, result.stderr
    return site


OUTPUTS = {
    "register": "revisions/index.html",
    "page history": "02-service/index.html",
    "what changed": "revisions/1.1/index.html",
    "chapter redline": "revisions/1.1/02-service/index.html",
    "kit": "revisions/1.1-kit/index.html",
}
FIELDS = {
    "summary": "概要",
    "reason": "原因",
    "description": "接听时限改为2声",
    "notice": "衡总运",
    "withdrawal reason": "撤回的原因写在这里",
    "withdrawal notice": "撤",
}
SHOWN = {
    "register": {"summary", "reason", "description", "notice", "withdrawal reason", "withdrawal notice"},
    "page history": {"description"},
    "what changed": {"summary", "reason", "description", "notice", "withdrawal reason"},
    "chapter redline": {"description"},
    "kit": {"summary", "reason", "description", "notice"},
}


@pytest.mark.parametrize("output", OUTPUTS)
def test_every_register_field_is_escaped(injected, output):
    html = (injected / OUTPUTS[output]).read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html and '<img src="x"' not in html
    words = text_of(html)
    for field in SHOWN[output]:
        assert f"{FIELDS[field]}{PAYLOAD}" in words, f"{output}: {field} is not shown as text"


def test_the_search_index_holds_the_markup_as_text(injected):
    index = (injected / "search" / "search_index.json").read_text(encoding="utf-8")
    docs = json.loads(index)["docs"]
    assert any("alert" in doc["text"] for doc in docs)
    for doc in docs:
        assert "<script" not in doc["text"] and "<img" not in doc["text"], doc["location"]


# -- document control in the build -----------------------------------------------------------------------


def test_an_unregistered_change_fails_the_strict_build_and_marks_the_draft(mini_repo):
    assert manual(mini_repo, "publish").returncode == 0
    edit(mini_repo / "docs" / "02-service.md", "先报办事处名称", "先问候，再报办事处名称")
    result = build(mini_repo, mini_repo.parent / "site")
    assert result.returncode == 1 and "文件控制检查未通过" in result.stderr
    assert "页面 02-service.md（第二章 服务）与已发布的 1.0 不同，但没有登记" in result.stderr
    draft = build(mini_repo, mini_repo.parent / "draft", env={"MANUAL_DRAFT": "true"})
    assert draft.returncode == 0, draft.stderr
    page = text_of((mini_repo.parent / "draft" / "index.html").read_text(encoding="utf-8"))
    assert "草稿预览" in page and "发布前要解决的问题" in page and "02-service.md" in page


def test_a_page_past_its_review_date_fails_and_one_near_it_is_warned(mini):
    result = build(mini, mini.parent / "site", env={"MANUAL_TODAY": "2027-04-01"})
    assert result.returncode == 1 and "页面 02-service.md 应在 2027-03-31 前复审，已过期 1 天" in result.stderr
    result = manual(mini, "check", env={"MANUAL_TODAY": "2027-03-15"})
    assert result.returncode == 0, result.stderr
    assert "注意：页面 02-service.md 应在 2027-03-31 前复审（还有 16 天）" in result.stdout


def test_manual_check_says_what_it_checked(mini):
    result = manual(mini, "check")
    assert result.returncode == 0, result.stderr
    assert "本仓库没有 gh-pages：指向其他版本的链接无法在这里检查" in result.stdout
    assert re.search(r"检查了 \d+ 个页面、\d+ 个链接：0 个失效", result.stdout)


def test_manual_check_checks_the_published_tree_beside_the_build(mini_published):
    result = manual(mini_published, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "连同 gh-pages 上已发布的 1 个版本" in result.stdout and "本次构建" in result.stdout
