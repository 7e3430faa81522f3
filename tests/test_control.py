"""Document control as pure rules: what changed between two snapshots, whether the register says so, the
publication plan, review dates, the verification of published history, and the states of a revision."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import pytest

from conftest import MINI, ROOT, edit, text_of
from opsmanual.control import gates, status
from opsmanual.control.comparison import compare
from opsmanual.control.manifest import Manifest, PublishedVersion, verify
from opsmanual.data.register import Version, build_register, load_register
from opsmanual.data.snapshot import Snapshot, archive_snapshot
from opsmanual.data.yamlfile import load
from opsmanual.project import Project
from opsmanual.render import redline
from opsmanual.render.content import SnapshotContent

CASES = json.loads((Path(__file__).parent / "data" / "status_cases.json").read_text(encoding="utf-8"))
PROJECT = Project.load(ROOT)


def content() -> SnapshotContent:
    return SnapshotContent(PROJECT.markdown_extensions, PROJECT.mdx_configs)


def snapshot_of(folder: Path, label: str = "新") -> Snapshot:
    nav = [{"手册使用说明": "index.md"}, {"第二章 服务": "02-service.md"}]
    return Snapshot(label, None, folder / "docs", folder / "checklists", folder / "facts", tuple(nav))


@pytest.fixture
def two(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(MINI, old)
    shutil.copytree(MINI, new)
    return old, new


# -- what changed --------------------------------------------------------------------------------------


def test_identical_snapshots_have_no_changes(two):
    old, new = two
    assert compare(content(), snapshot_of(old, "旧"), snapshot_of(new)).changed == []


def test_a_changed_sentence_is_found_with_its_blocks_and_words(two):
    old, new = two
    edit(new / "docs" / "02-service.md", "先报办事处名称和自己的姓名", "先报办事处名称，再报自己的姓名")
    comparison = compare(content(), snapshot_of(old, "旧"), snapshot_of(new))
    assert comparison.changed == ["02-service.md"]
    diff = comparison.get("02-service.md")
    (operation,) = diff.operations
    assert operation.tag == "replace" and operation.heading == "电话咨询"
    assert operation.new[0].kind == "paragraph" and "再报自己的姓名" in operation.new[0].text
    html = redline.render(diff)
    assert "〔增：" in html and "再报" in html and "〔删：" in html


def test_spacing_and_line_breaks_are_not_changes(two):
    old, new = two
    edit(
        new / "docs" / "02-service.md",
        "在铃响{{ rules.phone_rings }}内接听电话，先报",
        "在铃响{{ rules.phone_rings }}内接听电话，\n先报",
    )
    assert compare(content(), snapshot_of(old, "旧"), snapshot_of(new)).changed == []


def test_a_changed_fact_changes_every_page_that_uses_it(two):
    old, new = two
    edit(new / "facts" / "rules.yml", "value: 3, unit: 声", "value: 2, unit: 声")
    comparison = compare(content(), snapshot_of(old, "旧"), snapshot_of(new))
    assert comparison.changed == ["02-service.md"]
    words = text_of(redline.render(comparison.get("02-service.md")))
    assert "〔删： 3 〕 〔增： 2 〕 声内接听" in words


def test_a_changed_form_is_the_form_not_the_chapter_that_shows_it(two):
    old, new = two
    edit(
        new / "checklists" / "ops-01.yml", "standard: 电话能拨通，传真有纸", "standard: 电话能拨通，回铃正常，传真有纸"
    )
    comparison = compare(content(), snapshot_of(old, "旧"), snapshot_of(new))
    assert comparison.changed == ["OPS-01"]
    (operation,) = comparison.get("OPS-01").operations
    assert operation.new[0].kind == "row" and "回铃正常" in operation.new[0].text


def test_added_and_removed_pages_and_forms(two):
    old, new = two
    (new / "checklists" / "rec-06.yml").unlink()
    (new / "docs" / "03-new.md").write_text("# 第三章 新\n\n新的一章。\n", encoding="utf-8")
    comparison = compare(content(), snapshot_of(old, "旧"), snapshot_of(new))
    assert {s: d.status for s, d in comparison.diffs.items()} == {"REC-06": "removed", "03-new.md": "added"}


def test_a_changed_title_in_the_front_matter_is_a_change(two):
    old, new = two
    edit(new / "docs" / "02-service.md", "title: 第二章 服务", "title: 第二章 客户服务")
    assert compare(content(), snapshot_of(old, "旧"), snapshot_of(new)).changed == ["02-service.md"]


def test_a_review_date_is_not_a_change_of_content(two):
    old, new = two
    edit(new / "docs" / "02-service.md", "review: 2027-03-31", "review: 2027-09-30")
    assert compare(content(), snapshot_of(old, "旧"), snapshot_of(new)).changed == []


def test_words_are_chinese_words():
    segments = redline.word_diff("营业中巡查由每日第二次改为第三次", "营业中巡查由每日第三次改为第四次")
    removed = [s.text for s in segments if s.kind == "removed"]
    added = [s.text for s in segments if s.kind == "added"]
    assert all(len(t) > 1 for t in removed + added), segments
    html = redline.marked(segments)
    assert "〔删：" in html and "〔增：" in html and "<del" in html and "<ins" in html


# -- the register says what changed ------------------------------------------------------------------


def register_with(tmp_path: Path, changes: list[str]) -> object:
    text = (MINI / "revisions.yml").read_text(encoding="utf-8")
    lines = "".join(f"      - page: {c}\n        description: 具体说明本页改了什么内容。\n" for c in changes)
    text = text.replace(
        "revisions:\n",
        'revisions:\n  - version: "1.1"\n    kind: 发文修订\n    notice: 衡总运〔2025〕23号\n'
        "    issued: 2025-09-10\n    effective: 2025-10-01\n    summary: 概要。\n    reason: 原因。\n"
        "    prepared_by: 售后服务中心 林涛\n    reviewed_by: 运营管理部 周敏\n    approved_by: 销售总部副总经理 何建华\n"
        '    retrain: []\n    supersedes: "1.0"\n    changes:\n' + lines,
        1,
    )
    file = tmp_path / "revisions.yml"
    file.write_text(text, encoding="utf-8")
    return load_register(file)


def test_an_unregistered_change_and_an_unchanged_registered_page_are_refused(two, tmp_path):
    old, new = two
    edit(new / "facts" / "rules.yml", "value: 3, unit: 声", "value: 5, unit: 声")
    comparison = compare(content(), snapshot_of(old, "1.0"), snapshot_of(new))
    register = register_with(tmp_path, ["index.md"])
    problems = gates.registration_problems(register, register["1.1"], comparison)
    assert len(problems) == 2
    assert "页面 02-service.md（第二章 服务）与 1.0 相比有改动，但版本 1.1 的 changes 没有列出它" in problems[0]
    assert "revisions.yml:2:" in problems[0]
    assert "列了 页面 index.md，但它与 1.0 相比没有改动" in problems[1]
    register = register_with(tmp_path, ["02-service.md"])
    assert gates.registration_problems(register, register["1.1"], comparison) == []


def test_an_added_and_a_removed_form_are_named_as_such(two, tmp_path):
    old, new = two
    (old / "checklists" / "rec-05.yml").unlink()
    (new / "checklists" / "rec-06.yml").unlink()
    comparison = compare(content(), snapshot_of(old, "1.0"), snapshot_of(new))
    register = register_with(tmp_path, ["index.md", "OPS-01"])
    where = register.where(Version(1, 1))
    assert gates.registration_problems(register, register["1.1"], comparison) == [
        (
            f"{where}: 表格 REC-05（REC-05 修订阅读确认签名表）与 1.0 相比是新增的，但版本 1.1 的 changes 没有列出它："
            "在 changes 中加一条 page: REC-05，写明改了什么（或撤回这处改动）"
        ),
        (
            f"{where}: 表格 REC-06（REC-06 过时资料回收销毁记录表）与 1.0 相比被删除了，但版本 1.1 的 changes 没有列出它："
            "在 changes 中加一条 page: REC-06，写明改了什么（或撤回这处改动）"
        ),
        f"{where}: 版本 1.1 的 changes 列了 表格 OPS-01，但它与 1.0 相比没有改动：删去这一条，或完成这处修改",
    ]


def test_the_first_edition_describes_itself(two, tmp_path):
    _, new = two
    register = register_with(tmp_path, ["02-service.md"])
    comparison = compare(content(), None, snapshot_of(new))
    assert gates.registration_problems(register, register["1.0"], comparison) == []


def test_an_unregistered_change_after_publication_names_the_next_version(two, tmp_path):
    old, new = two
    edit(new / "docs" / "index.md", "借阅后当天归还", "借阅后两天内归还")
    comparison = compare(content(), snapshot_of(old, "1.0"), snapshot_of(new))
    register = load_register(MINI / "revisions.yml")
    (problem,) = gates.unregistered_problems(register, comparison)
    assert "与已发布的 1.0 不同，但没有登记" in problem and "登记新的修订 1.1（或新版 2.0）" in problem


# -- the publication plan ---------------------------------------------------------------------------


def three() -> object:
    return build_register(load(ROOT / "revisions.yml")).up_to(Version(1, 2))


@pytest.mark.parametrize(
    "published, archived, requested, expected",
    [
        ([], {"1.0", "1.1"}, None, ["1.0", "1.1", "1.2"]),
        (["1.0"], {"1.0", "1.1"}, None, ["1.1", "1.2"]),
        (["1.0"], {"1.0", "1.1"}, "1.1", ["1.1"]),
        (["1.0", "1.1"], {"1.0", "1.1"}, None, ["1.2"]),
        (["1.0", "1.1", "1.2"], set(), None, []),
    ],
)
def test_every_unpublished_version_is_published_oldest_first(published, archived, requested, expected):
    plan = gates.publication_plan(
        three(),
        [Version.parse(v) for v in published],
        {Version.parse(v) for v in archived},
        Version.parse(requested) if requested else None,
    )
    assert [str(v) for v in plan.versions] == expected
    assert {str(v) for v in plan.from_archive} == set(expected) & archived


@pytest.mark.parametrize(
    "published, archived, requested, fragment",
    [
        (["1.0"], {"1.0"}, "1.0", "已经发布过"),
        (["1.0", "1.1"], {"1.0", "1.1"}, "1.0", "版本 1.0（第1版）已经发布过"),  # older than the last published
        (["1.0"], {"1.0"}, "1.5", "不在修订登记册"),
        (["1.1"], {"1.0"}, None, "不是登记册中按顺序最早的几个版本"),
        (["1.0", "1.7"], {"1.0"}, None, "不在修订登记册中：已发布的修订不能删除"),
        ([], {"1.0"}, None, "1.1 尚未发布，也没有源文件存档"),
    ],
)
def test_the_plan_is_refused(published, archived, requested, fragment):
    plan = gates.publication_plan(
        three(),
        [Version.parse(v) for v in published],
        {Version.parse(v) for v in archived},
        Version.parse(requested) if requested else None,
    )
    assert isinstance(plan, str) and fragment in plan, plan


def test_the_refusals_name_every_version_and_the_next_number():
    def refusal(published, archived=(), requested=None):
        plan = gates.publication_plan(
            three(),
            [Version.parse(v) for v in published],
            {Version.parse(v) for v in archived},
            Version.parse(requested) if requested else None,
        )
        assert isinstance(plan, str), plan
        return plan

    assert refusal(["1.0", "1.7", "1.9"]).startswith("gh-pages 上已发布的版本 1.7、1.9 不在修订登记册中")
    assert refusal(["1.1", "1.2"]).startswith("已发布的版本 1.1、1.2 不是登记册中按顺序最早的几个版本")
    assert refusal([]).startswith("版本 1.0、1.1 尚未发布，也没有源文件存档")
    assert (
        refusal(["1.0", "1.1"], ["1.0", "1.1"], "1.1")
        == "版本 1.1（第1版第1次修订）已经发布过；已发布的版本不能更改：如需更正，请登记新的修订 1.3"
    )


def test_review_dates():
    today = datetime.date(2026, 12, 1)
    errors, warnings = gates.review_problems(
        {
            "a.md": datetime.date(2026, 11, 30),
            "b.md": datetime.date(2026, 12, 31),
            "c.md": datetime.date(2027, 1, 1),
            "d.md": None,
        },
        today,
        30,
    )
    assert errors == [
        "页面 a.md 应在 2026-11-30 前复审，已过期 1 天：复审后更新页首的 review 日期",
        "页面 d.md 的页首没有下次复审日期（review: YYYY-MM-DD）",
    ]
    assert warnings == ["页面 b.md 应在 2026-12-31 前复审（还有 30 天）"]
    # due today is not yet overdue
    assert gates.review_problems({"a.md": today}, today, 30) == ([], ["页面 a.md 应在 2026-12-01 前复审（还有 0 天）"])


# -- published history is verified -----------------------------------------------------------------


@pytest.fixture
def published(tmp_path):
    """A register of 1.0 and 1.1 and the history folder as they were published, and their manifest."""
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "history" / "1.0", root / "history" / "1.0")
    shutil.copytree(ROOT / "history" / "1.1", root / "history" / "1.1")
    register_file = root / "revisions.yml"
    full = (ROOT / "revisions.yml").read_text(encoding="utf-8")
    start = full.index('  - version: "1.1"')
    register_file.write_text("revisions:\n" + full[start:], encoding="utf-8")
    register = build_register(load(register_file))
    manifest = Manifest()
    for version in ("1.0", "1.1"):
        v = Version.parse(version)
        manifest.versions[v] = PublishedVersion(
            v,
            register.entry(v),
            archive_snapshot(root / "history" / version, v).digests(),
            f"{version}abc",
            f"manual-{version}",
            "2026-12-01T00:00:00",
        )
    return root, manifest


def verified(root: Path, manifest: Manifest, tags: dict | None = None) -> list[str]:
    register = build_register(load(root / "revisions.yml"))
    return verify(
        manifest,
        register,
        lambda v: archive_snapshot(root / "history" / str(v), v) if (root / "history" / str(v)).is_dir() else None,
        (tags or {}).get,
    )


def test_published_history_as_published_passes(published):
    assert verified(*published) == []


def test_a_rewritten_approver_is_refused_with_its_line(published):
    root, manifest = published
    edit(root / "revisions.yml", "approved_by: 销售总部副总经理 何建华", "approved_by: 销售总部总经理 赵国强")
    (problem,) = verified(root, manifest)
    assert "revisions.yml:11:" in problem and "版本 1.1 的 approved_by 与发布时不同" in problem
    assert '发布时为 "销售总部副总经理 何建华"' in problem and '现在为 "销售总部总经理 赵国强"' in problem


def test_a_rewritten_summary_and_a_deleted_entry_are_refused(published):
    root, manifest = published
    edit(root / "revisions.yml", "summary: 缩短客户投诉", "summary: 延长客户投诉")
    assert "summary 与发布时不同" in verified(root, manifest)[0]
    text = (root / "revisions.yml").read_text(encoding="utf-8")
    (root / "revisions.yml").write_text("revisions:\n" + text[text.index('  - version: "1.0"') :], encoding="utf-8")
    assert any("已发布的版本 1.1（第1版第1次修订）的记录被删除了" in p for p in verified(root, manifest))


def test_an_edited_added_or_deleted_archive_file_is_refused(published):
    root, manifest = published
    edit(root / "history" / "1.1" / "docs" / "04-duty.md", "值班", "轮班")
    (root / "history" / "1.1" / "docs" / "extra.md").write_text("# 加的\n", encoding="utf-8")
    (root / "history" / "1.1" / "checklists" / "rec-02.yml").unlink()
    problems = verified(root, manifest)
    assert any("history/1.1/docs/04-duty.md 与发布时不同" in p for p in problems)
    assert any("history/1.1/docs/extra.md 是发布后加进存档的" in p for p in problems)
    assert any("history/1.1/checklists/rec-02.yml 被删除了" in p for p in problems)
    shutil.rmtree(root / "history" / "1.0")
    assert any("history/1.0/ 不存在" in p for p in verified(root, manifest))


def test_a_moved_tag_is_refused(published):
    root, manifest = published
    assert verified(root, manifest, {"manual-1.0": "1.0abc"}) == []
    (problem,) = verified(root, manifest, {"manual-1.0": "ffffffffff"})
    assert "标签 manual-1.0 指向 ffffffffff" in problem


# -- the states of a revision ------------------------------------------------------------------------


def dated() -> list[status.Dated]:
    return [
        status.Dated(
            Version.parse(p["version"]),
            datetime.date.fromisoformat(p["effective"]),
            datetime.date.fromisoformat(p["withdrawn"]) if p.get("withdrawn") else None,
        )
        for p in CASES["published"]
    ]


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda case: case["today"])
def test_the_state_of_each_revision_on_a_day(case):
    today = datetime.date.fromisoformat(case["today"])
    current = status.in_force(dated(), today)
    assert (str(current.version) if current else None) == case["in_force"]
    for version, state in case["states"].items():
        assert status.state_of(Version.parse(version), dated(), today) == state, (case["today"], version)
