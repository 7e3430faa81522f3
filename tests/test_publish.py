"""Publishing revisions with the real command, real git repositories and real mike."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, copy_project

GIT_IDENTITY = {"GIT_AUTHOR_NAME": "总部编辑", "GIT_AUTHOR_EMAIL": "editor@manual.invalid",
                "GIT_COMMITTER_NAME": "总部编辑", "GIT_COMMITTER_EMAIL": "editor@manual.invalid"}

ENTRIES = {
    "1.0": """  - version: "1.0"
    kind: 全面换版
    issued: 2025-03-01
    effective: 2025-04-01
    summary: 首次发布电子版手册。
    reason: 以受控电子版取代纸质手册。
    prepared_by: 运营管理部 周敏
    reviewed_by: 人力资源部 王芳
    approved_by: 总经理 赵国强
    retrain: [办事处负责人]
    changes:
      - page: index.md
        description: 首次发布手册使用说明。
""",
    "1.1": """  - version: "1.1"
    kind: 发文修订
    notice: 衡总运〔2025〕23号
    issued: 2025-09-10
    effective: 2025-10-01
    summary: 电话咨询的接听时限由铃响三声缩短为两声。
    reason: 客户调查显示电话等待时间过长。
    prepared_by: 售后服务中心 林涛
    reviewed_by: 运营管理部 周敏
    approved_by: 副总经理 何建华
    retrain: [前台接待员]
    changes:
      - page: 02-service.md
        description: 服务时限标准中电话咨询改为铃响2声内接听。
""",
    "2.0": """  - version: "2.0"
    kind: 全面换版
    issued: 2026-03-01
    effective: 2026-04-01
    summary: 第2版全面换版，重写第九章的服务推广层次。
    reason: 服务网络调整，推广工作改由区域分中心统筹。
    prepared_by: 售后服务中心 林涛
    reviewed_by: 运营管理部 周敏
    approved_by: 总经理 赵国强
    retrain: [办事处负责人, 服务工程师]
    changes:
      - page: 09-service-promotion.md
        description: 第九章开头增加区域分中心统筹推广的说明。
""",
}
ORDER = ["1.0", "1.1", "2.0"]


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env={**os.environ, **GIT_IDENTITY})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def manual(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "opsmanual.cli", *args], cwd=repo, capture_output=True, text=True,
                          env={**os.environ, **GIT_IDENTITY, "NO_MKDOCS_2_WARNING": "1"})


def write_register(repo: Path, *versions: str) -> None:
    entries = "".join(ENTRIES[v] for v in sorted(versions, key=ORDER.index, reverse=True))
    (repo / "revisions.yml").write_text("revisions:\n" + entries, encoding="utf-8")


def pages_commit(repo: Path) -> str | None:
    result = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "gh-pages"], cwd=repo, capture_output=True, text=True)
    return result.stdout.strip() or None


def pages_file(repo: Path, path: str) -> str:
    return git(repo, "show", f"gh-pages:{path}")


def make_repo(path: Path) -> Path:
    repo = copy_project(path)
    shutil.rmtree(repo / "history", ignore_errors=True)
    shutil.copy2(ROOT / ".gitignore", repo / ".gitignore")
    write_register(repo, "1.0")
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "第1版稿件")
    return repo


def edit(repo: Path, page: str, old: str, new: str) -> None:
    file = repo / "docs" / page
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def prepare_1_1(repo: Path) -> None:
    edit(repo, "02-service.md", "| 电话咨询 | 铃响3声内接听 |", "| 电话咨询 | 铃响2声内接听 |")
    write_register(repo, "1.0", "1.1")
    git(repo, "commit", "--quiet", "-am", "第1版第1次修订稿")


def prepare_2_0(repo: Path) -> None:
    file = repo / "docs" / "09-service-promotion.md"
    text = file.read_text(encoding="utf-8")
    heading_end = text.index("\n", text.index("\n# ") + 1)
    file.write_text(text[:heading_end] + "\n\n自第2版起，服务推广由区域分中心统筹安排。\n" + text[heading_end:], encoding="utf-8")
    write_register(repo, "1.0", "1.1", "2.0")
    git(repo, "commit", "--quiet", "-am", "第2版稿件")


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """A repository in which 1.0, 1.1 and 2.0 were published in order."""
    repo = make_repo(tmp_path_factory.mktemp("published") / "repo")
    for prepare in (None, prepare_1_1, prepare_2_0):
        if prepare:
            prepare(repo)
        result = manual(repo, "publish")
        assert result.returncode == 0, result.stdout + result.stderr
    return repo


def test_versions_json_lists_three_with_titles(published):
    versions = json.loads(pages_file(published, "versions.json"))
    assert [(v["version"], v["title"], v["aliases"]) for v in versions] == [
        ("2.0", "第2版", ["latest"]), ("1.1", "第1版第1次修订", []), ("1.0", "第1版", [])]


def test_latest_is_the_default(published):
    assert "latest/" in pages_file(published, "index.html")
    assert git(published, "ls-tree", "gh-pages", "latest").startswith("120000")  # a symlink to 2.0
    assert pages_file(published, "latest") == "2.0"


def test_progress_is_printed_and_source_is_tagged_and_archived(published):
    assert git(published, "tag", "--list", "manual-*").split() == ["manual-1.0", "manual-1.1", "manual-2.0"]
    assert (published / "history" / "1.1" / "docs" / "02-service.md").is_file()
    assert git(published, "status", "--porcelain") == ""
    # the tag points at the source that was built, before the archive commit
    assert git(published, "show", "manual-1.1:docs/02-service.md").count("铃响2声内接听") == 1


def test_old_versions_carry_the_outdated_banner(published):
    for version in ("1.0", "1.1", "2.0"):
        html = pages_file(published, f"{version}/02-service/index.html")
        assert 'data-md-component="outdated"' in html
        assert "manual-outdated-link" in html and "已被替代的旧版本" in html


def test_each_version_shows_its_own_revision(published):
    assert "第1版第1次修订" in pages_file(published, "1.1/index.html").split('class="manual-revision')[1][:400]
    assert "第2版" in pages_file(published, "2.0/index.html").split('class="manual-revision')[1][:400]


def test_register_page_lists_every_version(published):
    html = pages_file(published, "2.0/revisions/index.html")
    for title, notice in (("第2版", "全面换版"), ("第1版第1次修订", "衡总运〔2025〕23号"), ("第1版", "全面换版")):
        assert title in html and notice in html
    assert 'href="../../1.1/"' in html


def test_redline_shows_the_seeded_change_exactly(published):
    html = pages_file(published, "2.0/revisions/1.1/index.html")
    assert "电话咨询 | 铃响<del>3</del><ins>2</ins>声内接听" in html
    html = pages_file(published, "2.0/revisions/2.0/index.html")
    assert "<ins>自第2版起，服务推广由区域分中心统筹安排。</ins>" in html


def test_page_history_and_updated_mark(published):
    html = pages_file(published, "1.1/02-service/index.html")
    assert "本页在第1版第1次修订中有修订" in html
    history = html.split('id="manual-history-title"')[1]
    assert "服务时限标准中电话咨询改为铃响2声内接听" in history and "第1版" in history


def test_paper_kit_is_prefilled(published):
    html = pages_file(published, "2.0/revisions/1.1-kit/index.html")
    assert "关于发布《办事处营运手册》第1版第1次修订的通知" in html
    assert "衡总运〔2025〕23号" in html
    read_sign = html.split('id="rec-05"')[1]
    assert "<td>前台接待员</td>" in read_sign
    withdrawn = html.split('id="rec-06"')[1]
    assert "第1版" in withdrawn


# -- refusals: each leaves gh-pages exactly as it was ---------------------------------------------

@pytest.fixture
def repo_with_1_0(tmp_path) -> Path:
    repo = make_repo(tmp_path / "repo")
    result = manual(repo, "publish")
    assert result.returncode == 0, result.stderr
    return repo


def refused(repo: Path, *args: str) -> str:
    before = pages_commit(repo)
    result = manual(repo, "publish", *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert pages_commit(repo) == before
    assert "nothing was published" in result.stderr
    return result.stderr


def test_refuses_a_version_already_published(repo_with_1_0):
    message = refused(repo_with_1_0)
    assert "version 1.0 (第1版) is already published, and a published version never changes" in message


def test_refuses_a_version_missing_from_the_register(repo_with_1_0):
    prepare_1_1(repo_with_1_0)
    assert "version 1.5 is not in the register revisions.yml" in refused(repo_with_1_0, "1.5")


def test_refuses_a_version_that_is_not_the_newest(repo_with_1_0):
    prepare_1_1(repo_with_1_0)
    assert "version 1.0 is not the register's newest entry (1.1)" in refused(repo_with_1_0, "1.0")


def test_refuses_a_version_not_newer_than_the_last(repo_with_1_0):
    # A register rewritten by hand to drop 1.0 and re-add it below a published 1.1 is caught too.
    prepare_1_1(repo_with_1_0)
    assert manual(repo_with_1_0, "publish").returncode == 0
    write_register(repo_with_1_0, "1.0")
    git(repo_with_1_0, "commit", "--quiet", "-am", "回退登记册")
    assert "version 1.0 (第1版) is already published" in refused(repo_with_1_0)


def test_refuses_a_dirty_tree(repo_with_1_0):
    prepare_1_1(repo_with_1_0)
    edit(repo_with_1_0, "03-operations.md", "# 第三章 业务运作", "# 第三章 业务运作（未提交）")
    message = refused(repo_with_1_0)
    assert "the working tree has uncommitted changes" in message and "docs/03-operations.md" in message


def test_refuses_invalid_data(repo_with_1_0):
    prepare_1_1(repo_with_1_0)
    (repo_with_1_0 / "revisions.yml").write_text(
        (repo_with_1_0 / "revisions.yml").read_text(encoding="utf-8").replace("    notice: 衡总运〔2025〕23号\n", ""), encoding="utf-8")
    git(repo_with_1_0, "commit", "--quiet", "-am", "漏填发文编号")
    message = refused(repo_with_1_0)
    assert "revisions.yml:2: revisions[0]: version 1.1 is a 发文修订: its HQ notice number (notice: 发文编号) is missing" in message


def test_refuses_a_build_failure(repo_with_1_0):
    prepare_1_1(repo_with_1_0)
    edit(repo_with_1_0, "02-service.md", "| 电话咨询 |", "见[不存在](99-missing.md)。\n\n| 电话咨询 |")
    git(repo_with_1_0, "commit", "--quiet", "-am", "坏链接")
    message = refused(repo_with_1_0)
    assert "strict build failed" in message and "99-missing.md" in message


def test_refuses_a_link_failure(repo_with_1_0):
    # A link in raw HTML is not checked by mkdocs; the link check catches it.
    prepare_1_1(repo_with_1_0)
    edit(repo_with_1_0, "02-service.md", "| 电话咨询 |", '<p><a href="../no-such-page/">坏的原始链接</a></p>\n\n| 电话咨询 |')
    git(repo_with_1_0, "commit", "--quiet", "-am", "原始 HTML 坏链接")
    message = refused(repo_with_1_0)
    assert "the link check failed" in message and "no-such-page" in message


# -- two editors, one remote ----------------------------------------------------------------------

def test_second_editor_is_refused_then_publishes_after_following_the_message(tmp_path):
    origin = make_repo(tmp_path / "origin-work")
    assert manual(origin, "publish").returncode == 0
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(origin), str(remote))
    git(remote, "fetch", "--quiet", str(origin), "gh-pages:gh-pages")
    first, second = tmp_path / "first", tmp_path / "second"
    for clone in (first, second):
        git(tmp_path, "clone", "--quiet", str(remote), str(clone))
        git(clone, "fetch", "--quiet", "origin", "gh-pages:gh-pages")

    prepare_1_1(first)
    result = manual(first, "publish", "--remote", "origin")
    assert result.returncode == 0, result.stderr

    # The second editor prepared 1.1 too, from the same starting point.
    prepare_1_1(second)
    before = pages_commit(second)
    result = manual(second, "publish", "--remote", "origin")
    assert result.returncode == 1
    assert "another editor has published or pushed meanwhile" in result.stderr
    assert pages_commit(second) == before
    assert "git pull --rebase origin main" in result.stderr

    # Following the message: bring in the other publication, register the next amendment, publish.
    git(second, "reset", "--quiet", "--hard", "origin/main")
    git(second, "pull", "--quiet", "--rebase", "origin", "main")
    git(second, "fetch", "--quiet", "origin", "gh-pages:gh-pages")
    ENTRIES["1.2"] = ENTRIES["1.1"].replace('"1.1"', '"1.2"').replace("23号", "31号").replace("铃响2声", "铃响2声（含节假日）")
    ORDER.append("1.2")
    try:
        write_register(second, "1.0", "1.1", "1.2")
        edit(second, "02-service.md", "铃响2声内接听", "铃响2声内接听（节假日同）")
        git(second, "commit", "--quiet", "-am", "第1版第2次修订稿")
        result = manual(second, "publish", "--remote", "origin")
        assert result.returncode == 0, result.stderr
    finally:
        ORDER.remove("1.2")
        del ENTRIES["1.2"]
    versions = json.loads(git(remote, "show", "gh-pages:versions.json"))
    assert [v["version"] for v in versions] == ["1.2", "1.1", "1.0"]
