"""The editor's commands: every one in --help, Chinese messages without a traceback, `preview` serving the
published versions, and `serve` that stays up whatever is wrong with a page, a macro or a YAML file; the code
passes ruff."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import ENV, ROOT, edit, manual
from opsmanual.cli import parser
from servers import ManualServer as Server
from servers import get, wait_for

COMMANDS = tuple(next(action for action in parser()._actions if action.dest == "command").choices)


def test_the_code_passes_ruff():
    """ruff's lint and format check (pyproject.toml, [tool.ruff]) over the package, the tests and the scripts, so CI
    runs them."""
    for command, passed in (
        (["check", "--output-format", "concise"], "All checks passed"),
        (["format", "--check"], "already formatted"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", "opsmanual", "tests", "scripts"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert passed in result.stdout, result.stdout


def test_every_command_is_in_the_help_and_the_readme_agrees():
    assert {"serve", "check", "publish", "schemas", "diagrams", "test"} <= set(COMMANDS)
    result = manual(ROOT, "--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\s", result.stdout, re.MULTILINE), (
            f"{command} missing from --help:\n{result.stdout}"
        )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        assert f"./manual {command}" in readme, f"README does not show ./manual {command}"
    # what CI runs, said the same way in both
    assert "CI 运行的就是它" in result.stdout
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").count("./manual test") == 1


def test_the_setup_script_lists_test_too():
    script = (ROOT / "manual").read_text(encoding="utf-8")
    assert "test)" in script and "./manual test" in script


def test_validate_reports_in_chinese_with_file_line_and_field(mini):
    edit(mini / "revisions.yml", "approved_by: 销售总部总经理 赵国强", "approved_by: TBD")
    result = manual(mini, "validate")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert re.search(r"revisions\.yml:\d+: revisions\[0\]\.approved_by: “TBD”不在名册", result.stderr), result.stderr


def test_outside_a_manual_it_says_where_to_run(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "opsmanual.cli", "validate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
        check=False,
    )
    assert result.returncode == 1 and "找不到手册" in result.stderr and "Traceback" not in result.stderr


def test_changes_lists_what_changed_for_the_register(mini_repo):
    assert manual(mini_repo, "publish").returncode == 0
    edit(mini_repo / "docs" / "index.md", "当天归还", "两天内归还")
    result = manual(mini_repo, "changes")
    assert result.returncode == 0, result.stderr
    assert "- page: index.md    # 手册使用说明，1 处，未登记" in result.stdout
    assert "02-service.md" not in result.stdout


# -- servers ------------------------------------------------------------------------------------------


def test_preview_serves_every_published_version(mini_repo):
    assert manual(mini_repo, "publish").returncode == 0
    server = Server(mini_repo, "preview")
    try:
        page = wait_for(f"{server.url}/1.0/02-service/")
        assert "铃响3声内接听" in page
        assert '"version": "1.0"' in get(f"{server.url}/versions.json")
        assert server.process.poll() is None
    finally:
        server.stop()


def test_preview_without_gh_pages_says_what_to_do(mini_repo):
    result = manual(mini_repo, "preview")
    assert result.returncode == 1 and "还没有 gh-pages 分支" in result.stderr


def test_serve_survives_a_wrong_macro_and_a_broken_yaml_and_recovers_by_itself(mini):
    server = Server(mini, "serve")
    page = mini / "docs" / "02-service.md"
    form = mini / "checklists" / "ops-01.yml"
    good_page, good_form = page.read_text(encoding="utf-8"), form.read_text(encoding="utf-8")
    try:
        assert "草稿预览" in wait_for(f"{server.url}/02-service/", lambda t: "营业前检查表" in t)
        page.write_text(good_page.replace('{{ form("OPS-01") }}', '{{ form("OPS-99") }}'), encoding="utf-8")
        error = wait_for(f"{server.url}/02-service/", lambda t: "草稿预览暂时无法生成" in t)
        assert "OPS-99" in error and "02-service.md" in error
        assert "草稿预览暂时无法生成" in get(f"{server.url}/index.html")  # every page says so, none hangs
        page.write_text(good_page, encoding="utf-8")
        wait_for(f"{server.url}/02-service/", lambda t: "营业前检查表" in t and "无法生成" not in t)
        form.write_text(good_form.replace("kind: checklist", "kind: checklist\n  bad: [unclosed"), encoding="utf-8")
        error = wait_for(f"{server.url}/02-service/", lambda t: "草稿预览暂时无法生成" in t)
        assert "ops-01.yml" in error and "YAML 语法错误" in error
        form.write_text(good_form, encoding="utf-8")
        wait_for(f"{server.url}/02-service/", lambda t: "营业前检查表" in t and "无法生成" not in t)
        assert server.process.poll() is None
    finally:
        server.stop()


def test_serve_starts_even_when_the_first_build_fails(mini):
    edit(mini / "docs" / "index.md", "{{ company.name }}", "{{ company.nam }}")
    server = Server(mini, "serve")
    try:
        error = wait_for(f"{server.url}/", lambda t: "草稿预览暂时无法生成" in t)
        assert "company.nam" in error or "nam" in error
        assert (mini / ".schemas" / "register.schema.json").is_file(), "serve did not write the editor's schemas"
        edit(mini / "docs" / "index.md", "{{ company.nam }}", "{{ company.name }}")
        wait_for(f"{server.url}/", lambda t: "衡远仪器有限公司" in t)
    finally:
        server.stop()


def test_serve_shows_document_control_problems_on_the_page_instead_of_failing(mini_repo):
    assert manual(mini_repo, "publish").returncode == 0
    edit(mini_repo / "docs" / "index.md", "当天归还", "两天内归还")
    server = Server(mini_repo, "serve")
    try:
        page = wait_for(f"{server.url}/", lambda t: "发布前要解决的问题" in t)
        assert "页面 index.md（手册使用说明）与已发布的 1.0 不同，但没有登记" in page
    finally:
        server.stop()
