"""Publishing with the real command, real git repositories and real mike: a small manual (tests/fixtures/mini)
published, revised, refused, published again from another clone, made pending and withdrawn."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FULL, add_entry, commit, edit, entry, git, init_repo, made_once, manual, mini_project, text_of

PHONE_CHANGE = {"02-service.md": "电话咨询的接听时限由铃响3声缩短为2声。"}


def pages_file(repo: Path, path: str) -> str:
    return git(repo, "show", f"gh-pages:{path}")


def versions(repo: Path) -> list[dict]:
    return json.loads(pages_file(repo, "versions.json"))


def prepare_1_1(repo: Path, effective: str = "2025-10-01", changes: dict | None = None) -> None:
    edit(repo / "facts" / "rules.yml", "value: 3, unit: 声", "value: 2, unit: 声")
    add_entry(repo, entry("1.1", changes or PHONE_CHANGE, effective=effective, supersedes="1.0"))
    commit(repo, "第1版第1次修订稿")


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess, *fragments: str) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"
    return result.stderr


@pytest.fixture(scope="session")
def published(pytestconfig) -> Path:
    """A repository in which 1.0 and then 1.1 (the phone rule 3 → 2 rings) were published: made once per run and
    only read (made_once: the test processes that run this module's tests share it)."""

    def make(folder: Path) -> dict:
        repo = init_repo(mini_project(folder / "repo"))
        ok(manual(repo, "publish", env=FULL))
        prepare_1_1(repo)
        output = ok(manual(repo, "publish", env=FULL))
        (repo.parent / "publish-output.txt").write_text(output, encoding="utf-8")
        return {"repo": str(repo)}

    return Path(made_once(pytestconfig, "published", make)["repo"])


@pytest.fixture
def repo_with_1_0(mini_published) -> Path:
    return mini_published


# -- what a publication leaves ---------------------------------------------------------------------


def test_versions_json_lists_the_versions_with_their_titles_dates_and_the_alias(published):
    listed = versions(published)
    assert [(v["version"], v["title"]) for v in listed] == [("1.1", "第1版第1次修订"), ("1.0", "第1版")]
    assert listed[0]["aliases"] == ["latest"] and listed[1]["aliases"] == []
    assert (
        listed[0]["properties"]["effective"] == "2025-10-01"
        and listed[0]["properties"]["notice"] == "衡总运〔2025〕11号"
    )
    assert listed[0]["properties"]["changed"] == ["02-service/"]
    assert git(published, "cat-file", "-p", "gh-pages:latest") == "1.1"


def test_the_source_is_archived_tagged_and_recorded_in_the_manifest(published):
    assert (published / "history" / "1.1" / "docs" / "02-service.md").is_file()
    assert (published / "history" / "1.1" / "nav.yml").is_file()
    assert git(published, "status", "--porcelain") == ""
    tag = git(published, "rev-parse", "manual-1.1^{commit}")
    manifest = json.loads(pages_file(published, "manifest.json"))
    item = manifest["versions"]["1.1"]
    assert item["source_commit"] == tag and item["tag"] == "manual-1.1"
    assert item["entry"]["approved_by"] == "销售总部副总经理 何建华"
    assert "docs/02-service.md" in item["files"] and "nav.yml" in item["files"]
    # the tag holds the published source: the facts the pages were built with
    assert "value: 2, unit: 声" in git(published, "show", "manual-1.1:facts/rules.yml")
    assert not (Path(git(published, "rev-parse", "--absolute-git-dir")) / "opsmanual-publish.json").exists()


def test_progress_is_printed_in_stages_with_every_step(published):
    output = (published.parent / "publish-output.txt").read_text(encoding="utf-8")
    lines = [line for line in output.splitlines() if line.startswith("[")]
    assert [line.split("]")[0] for line in lines] == [f"[检查 {i}/6" for i in range(1, 6)] + [
        f"[发布 {i}/5" for i in range(1, 6)
    ]
    for words in (
        "检查工作区",
        "校验检查表",
        "核对已发布的历史",
        "严格构建 1.1",
        "检查 1.1 的每个链接",
        "存档到 history/1.1/",
        "打标签 manual-1.1",
        "写入 gh-pages",
    ):
        assert any(words in line for line in lines), words
    assert "现行版本 1.1" in output


def test_the_redline_shows_the_words_that_changed(published):
    """The revision's page lists each change with the register's words and links the chapter's redline, which
    shows the words that changed."""
    page = text_of(pages_file(published, "1.1/revisions/1.1/index.html"))
    assert "电话咨询的接听时限由铃响3声缩短为2声。" in page
    assert "href=02-service/" in pages_file(published, "1.1/revisions/1.1/index.html")  # the chapter redline, beside it
    redline = text_of(pages_file(published, "1.1/revisions/1.1/02-service/index.html"))
    assert "〔删： 3 〕 〔增： 2 〕 声内接听" in redline
    assert "修订说明：电话咨询的接听时限由铃响3声缩短为2声。" in redline


def test_the_changed_paragraph_carries_a_change_bar_and_the_page_says_it_changed(published):
    page = pages_file(published, "1.1/02-service/index.html")
    assert 'class="manual-changed"' in page or "class=manual-changed" in page
    assert "本页在第1版第1次修订中有修订" in text_of(page)
    history = text_of(page)[text_of(page).index("本页修订记录") :]
    assert "第1版第1次修订 2025-10-01 电话咨询的接听时限由铃响3声缩短为2声。" in history
    # the page that did not change has no bar
    assert "manual-changed" not in pages_file(published, "1.1/index.html")


def test_each_version_keeps_its_own_content(published):
    assert "铃响3声内接听" in text_of(pages_file(published, "1.0/02-service/index.html"))
    assert "铃响2声内接听" in text_of(pages_file(published, "1.1/02-service/index.html"))


def test_the_kit_is_prefilled(published):
    kit = text_of(pages_file(published, "1.1/revisions/1.1-kit/index.html"))
    assert "关于发布《办事处营运手册》第1版第1次修订的通知" in kit and "衡总运〔2025〕11号" in kit
    assert "第1版第1次修订（1.1）" in kit and "前台接待员" in kit


# -- refusals: nothing published ------------------------------------------------------------------------


def refused_unchanged(repo: Path, result, *fragments) -> str:
    before = git(repo, "rev-parse", "gh-pages")
    error = refused(result, *fragments)
    assert git(repo, "rev-parse", "gh-pages") == before
    return error


def test_refuses_a_version_already_published(repo_with_1_0):
    refused_unchanged(
        repo_with_1_0, manual(repo_with_1_0, "publish", "1.0"), "版本 1.0（第1版）已经发布过", "登记新的修订 1.1"
    )


def test_says_so_when_there_is_nothing_to_publish(repo_with_1_0):
    before = git(repo_with_1_0, "rev-parse", "gh-pages")
    assert "没有要发布的版本：登记册中的修订都已发布" in ok(manual(repo_with_1_0, "publish"))
    assert git(repo_with_1_0, "rev-parse", "gh-pages") == before


def test_refuses_a_version_missing_from_the_register(repo_with_1_0):
    refused_unchanged(repo_with_1_0, manual(repo_with_1_0, "publish", "1.4"), "版本 1.4 不在修订登记册")


def test_refuses_a_dirty_tree(repo_with_1_0):
    edit(repo_with_1_0 / "docs" / "index.md", "当天归还", "两天内归还")
    refused_unchanged(repo_with_1_0, manual(repo_with_1_0, "publish"), "工作区有未提交的改动", "docs/index.md")


def test_refuses_invalid_data_naming_file_line_and_field(repo_with_1_0):
    add_entry(repo_with_1_0, entry("1.1", PHONE_CHANGE, approved="TBD", supersedes="1.0"))
    commit(repo_with_1_0, "坏的登记")
    refused_unchanged(repo_with_1_0, manual(repo_with_1_0, "publish"), "revisions.yml:", "approved_by", "“TBD”不在名册")


def test_refuses_an_unregistered_change_naming_the_page(repo_with_1_0):
    repo = repo_with_1_0
    edit(repo / "facts" / "rules.yml", "value: 3, unit: 声", "value: 5, unit: 声")
    edit(repo / "docs" / "index.md", "当天归还", "两天内归还")
    add_entry(repo, entry("1.1", {"index.md": "借阅后归还的期限改为两天。"}, supersedes="1.0"))
    commit(repo, "只登记了一页")
    error = refused_unchanged(
        repo,
        manual(repo, "publish"),
        "文件控制检查未通过",
        "页面 02-service.md（第二章 服务）与 1.0 相比有改动",
        "没有列出它",
    )
    assert "index.md" not in error.split("02-service.md")[0].split("文件控制检查未通过")[-1]


def test_manual_check_fails_on_an_unregistered_change(repo_with_1_0):
    repo = repo_with_1_0
    edit(repo / "docs" / "index.md", "当天归还", "两天内归还")
    commit(repo, "未登记的改动")
    result = manual(repo, "check")
    refused(result, "页面 index.md（手册使用说明）与已发布的 1.0 不同，但没有登记", "登记新的修订 1.1")


def test_refuses_a_registered_page_that_did_not_change(repo_with_1_0):
    repo = repo_with_1_0
    prepare_1_1(repo, changes={**PHONE_CHANGE, "index.md": "借阅规定不变的一页。"})
    refused_unchanged(repo, manual(repo, "publish"), "列了 页面 index.md，但它与 1.0 相比没有改动")


def test_refuses_a_broken_link_naming_the_page_and_the_link(repo_with_1_0):
    repo = repo_with_1_0
    edit(repo / "docs" / "index.md", "## 打印\n", "## 打印\n\n见[不存在的一节](02-service.md#没有这一节)。\n")
    add_entry(repo, entry("1.1", {"index.md": "打印一节增加指向第二章的说明。"}, supersedes="1.0"))
    commit(repo, "坏链接")
    refused_unchanged(repo, manual(repo, "publish"), "严格构建未通过", "index.md", "没有锚点")


def test_published_history_cannot_be_rewritten(repo_with_1_0):
    repo = repo_with_1_0
    edit(repo / "revisions.yml", "approved_by: 销售总部总经理 赵国强", "approved_by: 销售总部副总经理 何建华")
    edit(repo / "revisions.yml", "summary: 首次发布电子版手册。", "summary: 首次发布手册。")
    edit(repo / "history" / "1.0" / "docs" / "index.md", "当天归还", "三天内归还")
    prepare_1_1(repo)
    refused_unchanged(
        repo,
        manual(repo, "publish"),
        "已发布的历史被改动过",
        "revisions.yml:",
        "版本 1.0 的 approved_by 与发布时不同",
        "版本 1.0 的 summary 与发布时不同",
        "history/1.0/docs/index.md 与发布时不同",
    )


def test_a_deleted_published_entry_is_refused(repo_with_1_0):
    repo = repo_with_1_0
    prepare_1_1(repo)
    ok(manual(repo, "publish"))
    text = (repo / "revisions.yml").read_text(encoding="utf-8")
    (repo / "revisions.yml").write_text(text[: text.index('  - version: "1.0"')], encoding="utf-8")
    add_entry(repo, "")
    commit(repo, "删掉第1版的记录")
    refused(manual(repo, "publish"), "已发布的版本")


# -- pending revisions, activation, withdrawal ----------------------------------------------------------


def test_a_revision_before_its_effective_date_is_pending_until_activated(repo_with_1_0):
    repo = repo_with_1_0
    prepare_1_1(repo, effective="2027-01-15")
    output = ok(manual(repo, "publish", env={"MANUAL_TODAY": "2026-12-01"}))
    assert "尚未生效" in output and "现行版本 1.0" in output
    assert git(repo, "cat-file", "-p", "gh-pages:latest") == "1.0"
    assert [v["aliases"] for v in versions(repo)] == [[], ["latest"]]
    before = git(repo, "rev-parse", "gh-pages")
    assert "不需要切换" in ok(manual(repo, "activate", env={"MANUAL_TODAY": "2027-01-14"}))
    assert git(repo, "rev-parse", "gh-pages") == before
    assert "现行版本由 1.0 切换为 1.1" in ok(manual(repo, "activate", env={"MANUAL_TODAY": "2027-01-15"}))
    assert git(repo, "cat-file", "-p", "gh-pages:latest") == "1.1"
    after = git(repo, "rev-parse", "gh-pages")
    assert "不需要切换" in ok(manual(repo, "activate", env={"MANUAL_TODAY": "2027-02-01"}))
    assert git(repo, "rev-parse", "gh-pages") == after


WITHDRAWAL = (
    'withdrawals:\n  - version: "1.1"\n    notice: 衡总运〔2026〕40号\n    date: 2026-12-05\n'
    "    reason: 铃响2声的时限在试行中发现人手不足，撤回重新评估。\n    approved_by: 销售总部副总经理 何建华\n"
)


def test_a_pending_revision_is_withdrawn_and_stays_readable(repo_with_1_0):
    repo = repo_with_1_0
    prepare_1_1(repo, effective="2027-01-15")
    ok(manual(repo, "publish", env={"MANUAL_TODAY": "2026-12-01"}))
    refused(
        manual(repo, "withdraw", "1.1", env={"MANUAL_TODAY": "2026-12-05"}), "withdrawals 中没有版本 1.1 的撤销记录"
    )
    (repo / "revisions.yml").write_text(
        (repo / "revisions.yml").read_text(encoding="utf-8") + WITHDRAWAL, encoding="utf-8"
    )
    commit(repo, "登记撤销")
    ok(manual(repo, "withdraw", "1.1", env={"MANUAL_TODAY": "2026-12-05"}))
    listed = {v["version"]: v for v in versions(repo)}
    assert listed["1.1"]["properties"]["withdrawn"] == "2026-12-05"
    assert listed["1.1"]["properties"]["withdrawal_notice"] == "衡总运〔2026〕40号"
    assert "1.1/02-service/index.html" in git(repo, "ls-tree", "-r", "--name-only", "gh-pages")
    manifest = json.loads(pages_file(repo, "manifest.json"))
    assert manifest["versions"]["1.1"]["withdrawal"]["notice"] == "衡总运〔2026〕40号"
    # activation never makes a withdrawn revision current
    assert "不需要切换" in ok(manual(repo, "activate", env={"MANUAL_TODAY": "2027-02-01"}))
    assert git(repo, "cat-file", "-p", "gh-pages:latest") == "1.0"
    # and the withdrawal cannot be erased
    edit(repo / "revisions.yml", "撤回重新评估", "撤回")
    commit(repo, "改撤销原因")
    refused(manual(repo, "activate"), "版本 1.1 的撤销记录与撤销时不同")


def test_a_revision_in_force_cannot_be_withdrawn(repo_with_1_0):
    repo = repo_with_1_0
    prepare_1_1(repo)
    ok(manual(repo, "publish"))
    withdrawal = WITHDRAWAL.replace("2026-12-05", "2025-09-20")
    (repo / "revisions.yml").write_text(
        (repo / "revisions.yml").read_text(encoding="utf-8") + withdrawal, encoding="utf-8"
    )
    commit(repo, "登记撤销")
    refused(manual(repo, "withdraw", "1.1"), "已于 2025-10-01 生效，不能撤销")


# -- two editors, a remote ----------------------------------------------------------------------


@pytest.fixture
def remote(tmp_path) -> Path:
    origin = tmp_path / "origin.git"
    repo = init_repo(mini_project(tmp_path / "first"))
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    git(repo, "remote", "add", "origin", str(origin))
    git(repo, "push", "--quiet", "origin", "main")
    ok(manual(repo, "publish", "--remote", "origin"))
    return origin


def clone(remote: Path, target: Path) -> Path:
    git(remote.parent, "clone", "--quiet", str(remote), str(target))
    return target


def test_a_fresh_clone_never_starts_a_new_gh_pages(remote, tmp_path):
    editor = clone(remote, tmp_path / "second")
    assert not git(editor, "branch", "--list", "gh-pages")
    prepare_1_1(editor)
    refused(manual(editor, "publish"), "本地没有 gh-pages 分支，但远程仓库 origin 有", "manual publish --remote origin")
    output = ok(manual(editor, "publish", "--remote", "origin"))
    assert "本地没有 gh-pages：已从 origin 取得" in output
    assert [v["version"] for v in json.loads(git(remote, "show", "gh-pages:versions.json"))] == ["1.1", "1.0"]


def test_a_second_editor_is_refused_then_publishes_after_following_the_message(remote, tmp_path):
    first, second = clone(remote, tmp_path / "a"), clone(remote, tmp_path / "b")
    for repo in (first, second):
        git(repo, "fetch", "--quiet", "origin", "gh-pages:gh-pages")
    prepare_1_1(first)
    ok(manual(first, "publish", "--remote", "origin"))
    edit(second / "docs" / "index.md", "当天归还", "两天内归还")
    add_entry(second, entry("1.1", {"index.md": "借阅后归还的期限改为两天。"}, supersedes="1.0"))
    commit(second, "另一位编辑的修订")
    error = refused(
        manual(second, "publish", "--remote", "origin"), "另一位编辑刚刚发布或推送过", "git pull --rebase origin main"
    )
    # the message's commands, then the next number
    git(second, "reset", "--quiet", "--hard", "origin/main")
    git(second, "fetch", "--quiet", "origin", "gh-pages:gh-pages", "--tags")
    edit(second / "docs" / "index.md", "当天归还", "两天内归还")
    add_entry(
        second,
        entry(
            "1.2",
            {"index.md": "借阅后归还的期限改为两天。"},
            issued="2025-11-01",
            effective="2025-12-01",
            supersedes="1.1",
            notice="衡总运〔2025〕40号",
        ),
    )
    commit(second, "第1版第2次修订稿")
    ok(manual(second, "publish", "--remote", "origin"))
    assert [v["version"] for v in json.loads(git(remote, "show", "gh-pages:versions.json"))] == ["1.2", "1.1", "1.0"]
    assert error


def test_a_push_rejected_because_another_editor_pushed_meanwhile_is_rolled_back(remote, tmp_path):
    """The remote moves after the fetch that checked it and before the push (another editor pushed while this
    publication was building): the push is rejected, and the clone is left as it was before the publication."""
    editor, other = clone(remote, tmp_path / "editor"), clone(remote, tmp_path / "other")
    git(editor, "fetch", "--quiet", "origin", "gh-pages:gh-pages", "--tags")
    edit(other / "docs" / "index.md", "当天归还", "两天内归还")
    commit(other, "另一位编辑的改动")
    # the other editor's push lands when this publication makes its first commit (the archive), after its fetch
    hook = editor / ".git" / "hooks" / "post-commit"  # made executable once 1.1 is committed
    hook.write_text(
        f"#!/bin/sh\nunset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE GIT_PREFIX\n"
        f"[ -e '{tmp_path}/pushed' ] && exit 0\ntouch '{tmp_path}/pushed'\n"
        f"git -C '{other}' push --quiet origin main >/dev/null 2>&1\n",
        encoding="utf-8",
    )
    prepare_1_1(editor)
    hook.chmod(0o755)
    before = {ref: git(editor, "rev-parse", ref) for ref in ("main", "gh-pages")}
    remote_pages = git(remote, "rev-parse", "gh-pages")
    error = refused(
        manual(editor, "publish", "--remote", "origin"),
        "推送被拒绝",
        "你本地的 gh-pages、main 和标签已恢复原样",
        "git pull --rebase origin main",
    )
    assert (tmp_path / "pushed").exists(), "the hook did not run: the race was not staged"
    assert {ref: git(editor, "rev-parse", ref) for ref in ("main", "gh-pages")} == before, error
    assert git(editor, "tag", "--list", "manual-1.1") == ""
    assert git(editor, "status", "--porcelain") == "" and not (editor / "history" / "1.1").exists()
    assert not (Path(git(editor, "rev-parse", "--absolute-git-dir")) / "opsmanual-publish.json").exists()
    assert git(remote, "rev-parse", "gh-pages") == remote_pages and git(remote, "tag", "--list", "manual-1.1") == ""


def test_a_push_refused_by_a_hook_is_named_and_completed_later(remote, tmp_path):
    editor = clone(remote, tmp_path / "editor")
    git(editor, "fetch", "--quiet", "origin", "gh-pages:gh-pages", "--tags")
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'publishing is frozen this week' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    prepare_1_1(editor)
    refused(manual(editor, "publish", "--remote", "origin"), "钩子（hook）拒绝了这次推送", "会只完成推送")
    assert "1.1" in git(editor, "show", "gh-pages:versions.json")  # published locally, the journal keeps the push
    hook.unlink()
    output = ok(manual(editor, "publish", "--remote", "origin"))
    assert "发现一次未完成的发布：版本 1.1" in output
    assert "1.1" in git(remote, "show", "gh-pages:versions.json")
    assert git(remote, "rev-parse", "manual-1.1") == git(editor, "rev-parse", "manual-1.1")


# -- the whole history of the real manual ------------------------------------------------------------


def test_the_shipped_history_is_published_from_its_archives_with_no_broken_link(history):
    tree = history["tree"]
    listed = [v["version"] for v in json.loads((tree / "versions.json").read_text(encoding="utf-8"))]
    assert listed[-3:] == ["1.2", "1.1", "1.0"] and len(listed) >= 4
    for version in listed:
        assert (tree / version / "index.html").is_file() and (tree / version / "revisions" / "index.html").is_file()
    assert "从存档" in history["output"]
    result = manual(history["repo"], "linkcheck", str(tree), "--published")
    assert result.returncode == 0 and "0 个失效" in result.stdout, result.stdout
    # and an independent run of lychee itself over every page of every version
    lychee = shutil.which("lychee") or str(Path(__import__("sys").executable).with_name("lychee"))
    raw = subprocess.run(
        [
            lychee,
            "--offline",
            "--include-fragments",
            "--no-progress",
            "--root-dir",
            str(tree),
            "--index-files",
            "index.html",
            *[str(p) for p in sorted(tree.glob("[0-9]*/**/*.html"))],
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert raw.returncode == 0, raw.stdout[-3000:]
