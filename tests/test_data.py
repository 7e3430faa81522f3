"""The data and its rules: forms, facts, the revision register and the roster. Each rule has a test that seeds
the fault it guards against and checks the Chinese message, its file, line and field; removing the rule turns
the test red (scripts/mutants.py shows it)."""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest

from conftest import MINI, ROOT, manual
from opsmanual.control.edition import load_data, role_names
from opsmanual.data import register as reg
from opsmanual.data.facts import literal_uses, load_facts, unused_facts
from opsmanual.data.forms import load_forms
from opsmanual.data.roster import load_roster
from opsmanual.data.snapshot import working_tree
from opsmanual.data.yamlfile import DataInvalid
from opsmanual.project import Project

ROSTER = load_roster(ROOT / "roster.yml")
ROLES = frozenset({"办事处负责人", "前台接待员", "服务工程师", "备件管理员", "商务内勤"})
PAGES = {"index.md", "02-service.md"}
FORMS = {"REC-02", "OPS-04"}


def exists(version, page):
    return page in PAGES if page.endswith(".md") else page in FORMS


CONTEXT = reg.Context(roster=ROSTER, role_names=ROLES, page_exists=exists)

BASE = {
    "1.0": {
        "kind": "全面换版",
        "issued": "2025-03-01",
        "effective": "2025-04-01",
        "prepared": "运营管理部 周敏",
        "reviewed": "人力资源部 王芳",
        "approved": "销售总部总经理 赵国强",
        "changes": "index.md",
    },
    "1.1": {
        "kind": "发文修订",
        "notice": "衡总运〔2025〕23号",
        "issued": "2025-09-10",
        "effective": "2025-10-01",
        "prepared": "售后服务中心 林涛",
        "reviewed": "运营管理部 周敏",
        "approved": "销售总部副总经理 何建华",
        "changes": "02-service.md",
        "supersedes": "1.0",
    },
}


def entry_yaml(version: str, **over) -> str:
    data = {**BASE.get(version, BASE["1.1"]), **over}
    lines = [f'  - version: "{version}"', f"    kind: {data['kind']}"]
    if data.get("notice"):
        lines.append(f"    notice: {data['notice']}")
    lines += [
        f"    issued: {data['issued']}",
        f"    effective: {data['effective']}",
        "    summary: 修订概要写在这里。",
        "    reason: 修订原因写在这里。",
        f"    prepared_by: '{data['prepared']}'",
        f"    reviewed_by: '{data['reviewed']}'",
        f"    approved_by: '{data['approved']}'",
        f"    retrain: {data.get('retrain', '[前台接待员]')}",
    ]
    if data.get("supersedes"):
        lines.append(f'    supersedes: "{data["supersedes"]}"')
    lines.append("    changes:")
    for page in data["changes"].split(","):
        lines += [f"      - page: {page}", "        description: 具体说明本页改了什么内容。"]
    return "\n".join(lines) + "\n"


def errors_of(tmp_path: Path, text: str, context=CONTEXT) -> list[str]:
    file = tmp_path / "revisions.yml"
    file.write_text(text, encoding="utf-8")
    try:
        reg.load_register(file, context)
    except DataInvalid as exc:
        return [str(e) for e in exc.errors]
    return []


def register(*entries: str, withdrawals: str = "") -> str:
    return "revisions:\n" + "".join(entries) + (f"withdrawals:\n{withdrawals}" if withdrawals else "")


def one(errors: list[str], *fragments: str) -> str:
    found = [e for e in errors if all(f in e for f in fragments)]
    assert found, f"no error with {fragments} in:\n" + "\n".join(errors)
    return found[0]


# -- the shipped data ---------------------------------------------------------------------------------


def test_the_shipped_data_passes_every_rule():
    project = Project.load(ROOT)
    snapshot = working_tree(project)
    assert len(snapshot.forms) >= 21
    register, roster = load_data(project, snapshot)
    assert register.current.version >= reg.Version(1, 3) and roster is not None
    assert role_names(snapshot) >= ROLES


MODELINE = "# yaml-language-server: $schema="


def editor_schema_of(project, name: str) -> dict:
    import json

    return json.loads((project / ".schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))


def test_every_data_file_names_its_editor_schema_and_the_shipped_data_passes_it(project):
    """`manual schemas` writes the schemas the first line of each YAML file names (and .vscode/settings.json);
    the shipped files pass them, so the editor underlines nothing that `manual validate` accepts."""
    import json

    import jsonschema
    import yaml

    result = manual(project, "schemas")
    assert result.returncode == 0 and "已写入编辑器用的模式" in result.stdout, result.stdout + result.stderr
    expected = {
        project / "revisions.yml": "register",
        project / "roster.yml": "roster",
        **{path: "form" for path in sorted((project / "checklists").glob("*.yml"))},
    }
    for path, name in expected.items():
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0]
        assert first.startswith(MODELINE), f"{path.name}: no schema line: {first!r}"
        target = (path.parent / first[len(MODELINE) :]).resolve()
        assert target == project / ".schemas" / f"{name}.schema.json", f"{path.name} names {target}"
        data = json.loads(json.dumps(yaml.safe_load(text), default=str))  # dates as the editor sees them: text
        errors = [e.message for e in jsonschema.Draft202012Validator(editor_schema_of(project, name)).iter_errors(data)]
        assert not errors, f"{path.name}: {errors[:3]}"
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))["yaml.schemas"]
    assert {key: glob for key, glob in settings.items()} == {
        "./.schemas/form.schema.json": "checklists/*.yml",
        "./.schemas/register.schema.json": "revisions.yml",
        "./.schemas/roster.schema.json": "roster.yml",
    }


def test_the_editor_schema_offers_the_roster_the_roles_and_the_pages(project):
    assert manual(project, "schemas").returncode == 0
    entry = editor_schema_of(project, "register")["properties"]["revisions"]["items"]["properties"]
    approvers = [p for p in ROSTER.people if p.may.get("approve")]
    assert set(entry["approved_by"]["enum"]) == {f for p in approvers for f in (p.display, p.name)}
    assert "销售总部副总经理 何建华" in entry["approved_by"]["enum"] and "周敏" not in entry["approved_by"]["enum"]
    assert "运营管理部 周敏" in entry["prepared_by"]["enum"]
    assert set(entry["retrain"]["items"]["enum"]) >= ROLES and "前台小妹" not in entry["retrain"]["items"]["enum"]
    offered = entry["changes"]["items"]["properties"]["page"]["anyOf"][0]["enum"]
    assert "02-service.md" in offered and "SOS-02" in offered
    # what the editor would underline: a person outside the roster, a role the manual does not have
    import jsonschema

    register = {
        "revisions": [
            {
                "version": "1.4",
                "kind": "发文修订",
                "notice": "衡总运〔2027〕1号",
                "issued": "2027-01-05",
                "effective": "2027-02-01",
                "summary": "概要",
                "reason": "原因",
                "prepared_by": "运营管理部 周敏",
                "reviewed_by": "行政部 陈立",
                "approved_by": "TBD",
                "retrain": ["前台小妹"],
                "changes": [{"page": "02-service.md", "description": "电话咨询改为铃响2声内接听。"}],
            }
        ]
    }
    errors = list(jsonschema.Draft202012Validator(editor_schema_of(project, "register")).iter_errors(register))
    assert sorted("/".join(map(str, e.path)) for e in errors) == ["revisions/0/approved_by", "revisions/0/retrain/0"], [
        e.message for e in errors
    ]


def test_a_good_register_passes(tmp_path):
    assert errors_of(tmp_path, register(entry_yaml("1.1"), entry_yaml("1.0"))) == []


def test_version_titles():
    assert reg.Version.parse("1.0").title == "第1版"
    assert reg.Version.parse("1.2").title == "第1版第2次修订"
    assert reg.Version.parse("2.0").title == "第2版"
    assert reg.Version.parse("1.10") > reg.Version.parse("1.9")
    for bad in ("1", "1.x", "0.1", "1.-1"):
        with pytest.raises(ValueError, match="版本号"):
            reg.Version.parse(bad)


def test_the_schema_accepts_exactly_the_versions_that_parse():
    """The rules parse every version the schema let through (register_errors relies on it)."""
    import json
    import re

    schema = json.loads((ROOT / "opsmanual" / "data" / "schemas" / "register.schema.json").read_text(encoding="utf-8"))
    patterns = {
        schema["properties"][key]["items"]["properties"]["version"]["pattern"] for key in ("revisions", "withdrawals")
    }
    for text in ("1.0", "1.1", "2.0", "12.34", "1.10", "0.1", "1", "1.x", "1.-1", "01.0", "1.01", "1.0.0", " 1.0"):
        for pattern in patterns:
            if re.search(pattern, text):
                assert str(reg.Version.parse(text)) == text


# -- sequence -----------------------------------------------------------------------------------------


def test_a_version_registered_twice(tmp_path):
    one(errors_of(tmp_path, register(entry_yaml("1.0"), entry_yaml("1.0"))), "revisions.yml:", "登记了两次")


def test_versions_must_be_newest_first(tmp_path):
    one(
        errors_of(tmp_path, register(entry_yaml("1.0"), entry_yaml("1.1", supersedes=""))),
        "新到旧",
        "revisions[0].version",
    )


def test_amendments_are_numbered_in_sequence(tmp_path):
    one(errors_of(tmp_path, register(entry_yaml("1.2"), entry_yaml("1.0"))), "次序要连续", "之后是 1.1")


def test_a_new_edition_follows_as_the_next_x0(tmp_path):
    one(errors_of(tmp_path, register(entry_yaml("3.0", kind="全面换版", notice=""), entry_yaml("1.0"))), "新版应为 2.0")
    one(errors_of(tmp_path, register(entry_yaml("2.1"), entry_yaml("1.0"))), "新版应为 2.0")


def test_supersedes_names_the_entry_below(tmp_path):
    # a version that exists, but not the one below: 1.2 skipping 1.1
    text = register(
        entry_yaml("1.2", notice="衡总运〔2025〕40号", issued="2025-11-01", effective="2025-12-01", supersedes="1.0"),
        entry_yaml("1.1"),
        entry_yaml("1.0"),
    )
    assert errors_of(tmp_path, text) == [
        one(errors_of(tmp_path, text), "revisions[0].supersedes", "写的是“1.0”", "上一版本是 1.1")
    ]
    one(
        errors_of(tmp_path, register(entry_yaml("1.1", supersedes="0.9"), entry_yaml("1.0"))),
        "supersedes",
        "上一版本是 1.0",
    )


def test_the_oldest_entry_supersedes_nothing_and_is_an_edition(tmp_path):
    text = register(entry_yaml("2.0", **{**BASE["1.0"], "supersedes": "1.3"}))
    assert errors_of(tmp_path, text) == [
        one(errors_of(tmp_path, text), "revisions[0].supersedes", "最早的一条", "写了“1.3”")
    ]
    one(errors_of(tmp_path, register(entry_yaml("1.0", supersedes="0.9"))), "最早的一条", "supersedes")
    one(errors_of(tmp_path, register(entry_yaml("1.1"))), "第一条（最下面一条）应是全面换版")


# -- kinds, notices, dates -------------------------------------------------------------------------


def test_a_new_edition_is_a_full_reissue(tmp_path):
    one(
        errors_of(tmp_path, register(entry_yaml("1.0", kind="发文修订", notice="衡总运〔2025〕1号"))),
        "以 .0 结尾",
        "revisions[0].kind",
    )


def test_an_amendment_is_an_hq_notice_with_its_number(tmp_path):
    one(errors_of(tmp_path, register(entry_yaml("1.1", kind="全面换版", notice=""), entry_yaml("1.0"))), "应为发文修订")
    one(errors_of(tmp_path, register(entry_yaml("1.1", notice=""), entry_yaml("1.0"))), "缺少总部发文编号")
    one(errors_of(tmp_path, register(entry_yaml("1.1", notice="' '"), entry_yaml("1.0"))), "缺少总部发文编号")


def test_a_notice_number_is_used_once(tmp_path):
    text = register(
        entry_yaml("1.2", notice="衡总运〔2025〕23号", issued="2026-01-01", effective="2026-02-01", supersedes="1.1"),
        entry_yaml("1.1"),
        entry_yaml("1.0"),
    )
    one(errors_of(tmp_path, text), "发文编号 衡总运〔2025〕23号 已经用过", "revisions[0].notice")


def test_a_withdrawal_may_not_reuse_a_notice_number(tmp_path):
    withdrawal = '  - {version: "1.1", notice: 衡总运〔2025〕23号, date: 2025-09-20, reason: 发现修订内容有误需要撤回, approved_by: 销售总部副总经理 何建华}\n'
    one(
        errors_of(tmp_path, register(entry_yaml("1.1"), entry_yaml("1.0"), withdrawals=withdrawal)),
        "已经用过",
        "withdrawals[0].notice",
    )


def test_effective_not_before_issue(tmp_path):
    one(
        errors_of(tmp_path, register(entry_yaml("1.1", effective="2025-09-01"), entry_yaml("1.0"))),
        "生效日期 2025-09-01 早于发布日期",
    )


def test_dates_do_not_go_back(tmp_path):
    errors = errors_of(
        tmp_path, register(entry_yaml("1.1", issued="2025-02-01", effective="2025-03-15"), entry_yaml("1.0"))
    )
    one(errors, "发布日期 2025-02-01 早于上一版本 1.0")
    one(errors, "生效日期 2025-03-15 早于上一版本 1.0")


# -- changes ------------------------------------------------------------------------------------------


def test_an_affected_page_or_form_must_exist(tmp_path):
    one(
        errors_of(tmp_path, register(entry_yaml("1.1", changes="99-nothing.md"), entry_yaml("1.0"))),
        "页面",
        "99-nothing.md 不存在",
    )
    one(errors_of(tmp_path, register(entry_yaml("1.1", changes="REC-99"), entry_yaml("1.0"))), "表格编号 REC-99 不存在")


def test_an_affected_page_is_named_once(tmp_path):
    one(
        errors_of(tmp_path, register(entry_yaml("1.1", changes="02-service.md,02-service.md"), entry_yaml("1.0"))),
        "列了两次",
    )


def test_a_vague_description_is_refused(tmp_path):
    text = register(entry_yaml("1.1"), entry_yaml("1.0")).replace("具体说明本页改了什么内容。", "改了", 1)
    one(errors_of(tmp_path, text), "太短", "description")


# -- people: the roster ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("approved", " ", "批准人不能为空"),
        ("approved", "TBD", "“TBD”不在名册"),
        ("prepared", "总部某人", "不在名册"),
        ("approved", "售后服务中心 林涛", "无权批准发文修订"),
        ("reviewed", "销售总部总经理 赵国强", "无权审核发文修订"),
    ],
)
def test_people_are_roster_people_with_that_authority(tmp_path, field, value, fragment):
    errors = errors_of(tmp_path, register(entry_yaml("1.1", **{field: value}), entry_yaml("1.0")))
    message = one(errors, fragment)
    assert f"{ {'prepared': 'prepared_by', 'reviewed': 'reviewed_by', 'approved': 'approved_by'}[field] }" in message


def test_the_name_alone_is_enough(tmp_path):
    assert errors_of(tmp_path, register(entry_yaml("1.1", approved="何建华"), entry_yaml("1.0"))) == []


@pytest.fixture
def roster_with_a_manager(tmp_path):
    file = tmp_path / "roster.yml"
    file.write_text(
        textwrap.dedent("""\
        people:
          - {name: 周敏, title: 运营管理部, prepare: [发文修订], review: [发文修订], approve: [发文修订]}
          - {name: 陈立, title: 行政部, review: [发文修订], until: 2025-06-30}
          - {name: 赵国强, title: 销售总部总经理, approve: [全面换版, 发文修订]}
          - {name: 王芳, title: 人力资源部, prepare: [全面换版], review: [全面换版, 发文修订]}
          - {name: 孙丽, title: 质量部, review: [全面换版], approve: [发文修订], until: 2025-09-15}
        """),
        encoding="utf-8",
    )
    return reg.Context(roster=load_roster(file), role_names=ROLES, page_exists=exists)


def test_the_approver_and_the_reviewer_are_not_the_preparer(tmp_path, roster_with_a_manager):
    text = register(
        entry_yaml("1.1", prepared="周敏", reviewed="周敏", approved="周敏"),
        entry_yaml("1.0", prepared="王芳", reviewed="王芳", approved="赵国强"),
    )
    errors = errors_of(tmp_path, text, roster_with_a_manager)
    one(errors, "批准人不能是编写人本人")
    one(errors, "审核人不能是编写人本人")


def test_authority_ends_on_its_date(tmp_path, roster_with_a_manager):
    text = register(
        entry_yaml("1.1", prepared="周敏", reviewed="陈立", approved="赵国强"),
        entry_yaml("1.0", prepared="王芳", reviewed="赵国强", approved="赵国强"),
    )
    one(errors_of(tmp_path, text, roster_with_a_manager), "行政部 陈立 在 2025-09-10 无权审核")


def test_retraining_names_roles_of_the_manual(tmp_path):
    one(
        errors_of(tmp_path, register(entry_yaml("1.1", retrain="[前台小妹]"), entry_yaml("1.0"))),
        "“前台小妹”不是手册中的岗位",
    )


def test_the_roster_refuses_a_person_twice_and_unknown_kinds(tmp_path):
    file = tmp_path / "roster.yml"
    file.write_text("people:\n  - {name: 周敏, title: 运营管理部}\n  - {name: 周敏, title: 行政部}\n", encoding="utf-8")
    with pytest.raises(DataInvalid, match="周敏 在名册中出现两次"):
        load_roster(file)
    file.write_text("people:\n  - {name: 周敏, title: 运营管理部, approve: [随便]}\n", encoding="utf-8")
    with pytest.raises(DataInvalid, match="应为以下之一"):
        load_roster(file)


# -- withdrawals --------------------------------------------------------------------------------------

WITHDRAWAL = '  - {{version: "{v}", notice: 衡总运〔2025〕30号, date: {d}, reason: 发现修订内容有误需要撤回, approved_by: {a}}}\n'


def test_a_withdrawal_before_the_effective_date_passes(tmp_path):
    text = register(
        entry_yaml("1.1"),
        entry_yaml("1.0"),
        withdrawals=WITHDRAWAL.format(v="1.1", d="2025-09-20", a="销售总部副总经理 何建华"),
    )
    assert errors_of(tmp_path, text) == []
    loaded = reg.load_register(tmp_path / "revisions.yml", CONTEXT)
    assert loaded["1.1"].withdrawal.notice == "衡总运〔2025〕30号"


@pytest.mark.parametrize(
    "version, date, approver, fragment",
    [
        ("1.5", "2025-09-20", "销售总部副总经理 何建华", "要撤销的版本 1.5 不在修订登记册中"),
        ("1.1", "2025-09-01", "销售总部副总经理 何建华", "早于该版本的发布日期"),
        ("1.1", "2025-10-01", "销售总部副总经理 何建华", "只能在生效日期之前撤销"),
        ("1.1", "2025-09-20", "售后服务中心 林涛", "无权批准发文修订"),
    ],
)
def test_withdrawal_rules(tmp_path, version, date, approver, fragment):
    text = register(entry_yaml("1.1"), entry_yaml("1.0"), withdrawals=WITHDRAWAL.format(v=version, d=date, a=approver))
    one(errors_of(tmp_path, text), fragment)


def test_a_revision_is_withdrawn_once(tmp_path):
    w = WITHDRAWAL.format(v="1.1", d="2025-09-20", a="何建华")
    one(
        errors_of(tmp_path, register(entry_yaml("1.1"), entry_yaml("1.0"), withdrawals=w + w.replace("30号", "31号"))),
        "已经撤销过",
    )


# -- the register as loaded ------------------------------------------------------------------------------


def test_the_register_holds_every_field_as_written(tmp_path):
    withdrawal = WITHDRAWAL.format(v="1.1", d="2025-09-20", a="销售总部副总经理 何建华")
    text = register(
        entry_yaml("1.1", changes="02-service.md,REC-02", retrain="[前台接待员, 服务工程师]"),
        entry_yaml("1.0"),
        withdrawals=withdrawal,
    )
    file = tmp_path / "revisions.yml"
    file.write_text(text, encoding="utf-8")
    loaded = reg.load_register(file, CONTEXT)
    described = "具体说明本页改了什么内容。"
    common = {"summary": "修订概要写在这里。", "reason": "修订原因写在这里。"}
    amendment = reg.Revision(
        version=reg.Version(1, 1),
        kind="发文修订",
        issued=datetime.date(2025, 9, 10),
        effective=datetime.date(2025, 10, 1),
        prepared_by="售后服务中心 林涛",
        reviewed_by="运营管理部 周敏",
        approved_by="销售总部副总经理 何建华",
        retrain=("前台接待员", "服务工程师"),
        changes=(reg.Change("02-service.md", described), reg.Change("REC-02", described)),
        notice="衡总运〔2025〕23号",
        supersedes=reg.Version(1, 0),
        withdrawal=reg.Withdrawal(
            reg.Version(1, 1),
            "衡总运〔2025〕30号",
            datetime.date(2025, 9, 20),
            "发现修订内容有误需要撤回",
            "销售总部副总经理 何建华",
        ),
        **common,
    )
    edition = reg.Revision(
        version=reg.Version(1, 0),
        kind="全面换版",
        issued=datetime.date(2025, 3, 1),
        effective=datetime.date(2025, 4, 1),
        prepared_by="运营管理部 周敏",
        reviewed_by="人力资源部 王芳",
        approved_by="销售总部总经理 赵国强",
        retrain=("前台接待员",),
        changes=(reg.Change("index.md", described),),
        **common,
    )
    assert loaded.revisions == (amendment, edition) and loaded.current == amendment and loaded.source == file
    assert loaded.entries[0]["notice"] == "衡总运〔2025〕23号" and [e["version"] for e in loaded.entries] == [
        "1.1",
        "1.0",
    ]
    assert loaded.entry(reg.Version(1, 0)) is loaded.entries[1]
    assert loaded.withdrawal_entries == (
        {
            "version": "1.1",
            "notice": "衡总运〔2025〕30号",
            "date": "2025-09-20",
            "reason": "发现修订内容有误需要撤回",
            "approved_by": "销售总部副总经理 何建华",
        },
    )
    # where an entry and its fields are, for messages
    assert loaded.where(reg.Version(1, 1)) == f"{file}:2"
    assert loaded.where(reg.Version(1, 1), "approved_by") == f"{file}:11"
    assert loaded.where(reg.Version(1, 0), "changes") == f"{file}:{line_of(text, 'page: index.md')}"
    assert (
        loaded.where(reg.Version(1, 0), "notice") == f"{file}:{line_of(text, 'version:', 2)}"
    )  # no such field: the entry
    assert loaded.where(reg.Version(1, 7)) == f"{file}:1"
    # looking revisions up
    assert loaded["1.0"] == edition and loaded[reg.Version(1, 1)] == amendment
    with pytest.raises(KeyError, match="修订登记册 revisions.yml 中没有版本 1.2"):
        loaded["1.2"]
    assert "1.0" in loaded and reg.Version(1, 1) in loaded and "1.2" not in loaded and "第一版" not in loaded
    assert loaded.previous(amendment) == edition and loaded.previous(edition) is None
    shipped = reg.read_register(ROOT / "revisions.yml")
    assert [shipped.previous(r) for r in shipped] == [*shipped.revisions[1:], None] and len(shipped) >= 4
    assert (
        amendment.change_for("REC-02") == reg.Change("REC-02", described) and amendment.change_for("index.md") is None
    )
    assert amendment.pages == ("02-service.md", "REC-02") and [c.is_form for c in amendment.changes] == [False, True]
    # as it stood when 1.0 was published
    then = loaded.up_to(reg.Version(1, 0))
    assert then.revisions == (edition,) and then.entries == (loaded.entries[1],) and then.current == edition
    assert (
        then.withdrawal_entries == loaded.withdrawal_entries
        and then.where(reg.Version(1, 0), "approved_by") == f"{file}:{line_of(text, 'approved_by', 2)}"
    )
    assert loaded.up_to(reg.Version(1, 1)).entries == loaded.entries


def test_reading_the_register_checks_its_form_not_its_rules(tmp_path):
    file = tmp_path / "revisions.yml"
    file.write_text(register(entry_yaml("1.0"), entry_yaml("1.1")), encoding="utf-8")  # oldest first: against the rules
    assert [str(r.version) for r in reg.read_register(file)] == ["1.0", "1.1"]

    def refusal(text: str) -> list[tuple[int, str, str]]:
        file.write_text(text, encoding="utf-8")
        with pytest.raises(DataInvalid) as caught:
            reg.read_register(file)
        return [(e.line, e.field, e.message) for e in caught.value.errors]

    assert refusal("- version: '1.0'\n") == [(1, "", "应为含 revisions 字段的映射")]
    assert [
        field
        for _, field, _ in refusal(register(entry_yaml("1.0")).replace("    summary:", "    summery: x\n    summary:"))
    ] == ["revisions[0].summery"]
    assert refusal(register(entry_yaml("1.1", supersedes="0.9"), entry_yaml("1.0"))) == [
        (2, "revisions", "“0.9”不是有效的版本号：版次从 1 开始")
    ]


# -- schema messages ------------------------------------------------------------------------------------


def test_an_unquoted_version_is_explained(tmp_path):
    text = register(entry_yaml("1.1"), entry_yaml("1.0")).replace('version: "1.1"', "version: 1.1")
    one(errors_of(tmp_path, text), "要加引号", "revisions.yml:2")


def test_an_unknown_key_lists_the_known_ones(tmp_path):
    text = register(entry_yaml("1.1"), entry_yaml("1.0")).replace("    summary:", "    summery: x\n    summary:", 1)
    message = one(errors_of(tmp_path, text), "未知的字段“summery”")
    assert "summary" in message and "revisions[0].summery" in message


def test_a_missing_field_is_named(tmp_path):
    text = register(entry_yaml("1.1"), entry_yaml("1.0")).replace("    reason: 修订原因写在这里。\n", "", 1)
    one(errors_of(tmp_path, text), "缺少必填字段“reason”")


def test_a_yaml_syntax_error_names_the_line(tmp_path):
    one(errors_of(tmp_path, 'revisions:\n  - version: "1.0"\n   kind: x\n'), "YAML 语法错误", "revisions.yml:3")


def test_a_duplicate_key_names_both_lines(tmp_path):
    text = register(entry_yaml("1.0")).replace("    summary:", "    reason: x\n    summary:", 1)
    one(errors_of(tmp_path, text), "字段“reason”重复")


# -- every error in full: line, field and words ------------------------------------------------------
# The tests above find an error by its words; these pin each rule's whole error list (the line and field an editor
# is sent to, and the message), so that a rule that reports the wrong place, stops early or reports too much fails.


def in_full(tmp_path: Path, text: str, context=CONTEXT) -> list[tuple[int, str, str]]:
    file = tmp_path / "revisions.yml"
    file.write_text(text, encoding="utf-8")
    try:
        reg.load_register(file, context)
    except DataInvalid as exc:
        assert all(e.file == file for e in exc.errors)
        return [(e.line, e.field, e.message) for e in exc.errors]
    return []


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The line (from 1) of the nth line of text that contains needle."""
    found = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return found[nth - 1]


def test_the_sequence_rules_in_full(tmp_path):
    # 1.1 twice, the first time below 1.2; the oldest supersedes something
    text = register(
        entry_yaml("1.2", notice="衡总运〔2025〕40号", issued="2025-11-01", effective="2025-12-01", supersedes="1.1"),
        entry_yaml("1.1"),
        entry_yaml("1.1", notice="衡总运〔2025〕41号"),
        entry_yaml("1.0", supersedes="1.3"),
    )
    assert in_full(tmp_path, text) == [
        (line_of(text, "version:", 2), "revisions[1].version", "修订应按新到旧排列：1.1 排在了 1.1 上面"),
        (
            line_of(text, "supersedes:", 2),
            "revisions[1].supersedes",
            "supersedes 写的是“1.0”，但登记册中的上一版本是 1.1",
        ),
        (
            line_of(text, "version:", 3),
            "revisions[2].version",
            f"版本 1.1 登记了两次（第一次在第 {line_of(text, 'version:', 2)} 行）",
        ),
        (
            line_of(text, "supersedes:", 4),
            "revisions[3].supersedes",
            "最早的一条修订不替代登记册中的任何版本，不应写 supersedes（写了“1.3”）",
        ),
    ]
    text = register(entry_yaml("2.1"), entry_yaml("1.2", notice="衡总运〔2025〕40号"), entry_yaml("1.0"))
    assert in_full(tmp_path, text) == [
        (line_of(text, "version:", 1), "revisions[0].version", "1.2 之后的新版应为 2.0，不是 2.1"),
        (
            line_of(text, "supersedes:", 1),
            "revisions[0].supersedes",
            "supersedes 写的是“1.0”，但登记册中的上一版本是 1.2",
        ),
        (line_of(text, "version:", 2), "revisions[1].version", "修订次序要连续：1.0 之后是 1.1，不是 1.2"),
    ]
    text = register(entry_yaml("1.1", supersedes=""))
    assert in_full(tmp_path, text) == [
        (2, "revisions[0].version", "登记册的第一条（最下面一条）应是全面换版 X.0，不是 1.1")
    ]


def test_the_kind_and_date_rules_in_full(tmp_path):
    people = {
        "prepared": BASE["1.0"]["prepared"],
        "reviewed": BASE["1.0"]["reviewed"],
        "approved": BASE["1.0"]["approved"],
    }
    text = register(entry_yaml("1.1", kind="全面换版", effective="2025-09-01", **people), entry_yaml("1.0"))
    assert in_full(tmp_path, text) == [
        (3, "revisions[0].kind", "版本 1.1 是一次修订，应为发文修订，不是全面换版"),
        (6, "revisions[0].effective", "生效日期 2025-09-01 早于发布日期 2025-09-10"),
    ]
    text = register(entry_yaml("1.1", issued="2025-02-01", effective="2025-03-15"), entry_yaml("1.0"))
    assert in_full(tmp_path, text) == [
        (5, "revisions[0].issued", "发布日期 2025-02-01 早于上一版本 1.0 的发布日期 2025-03-01"),
        (6, "revisions[0].effective", "生效日期 2025-03-15 早于上一版本 1.0 的生效日期 2025-04-01"),
    ]
    # the same day is not earlier: effective on the issue day, issued and effective on the day of the one below
    same_day = {"issued": "2025-03-01", "effective": "2025-03-01"}
    assert (
        in_full(tmp_path, register(entry_yaml("1.1", issued="2025-03-01", effective="2025-04-01"), entry_yaml("1.0")))
        == []
    )
    assert in_full(tmp_path, register(entry_yaml("1.0", **same_day))) == []


def test_notice_numbers_differing_only_in_blanks_are_the_same_number(tmp_path):
    text = register(
        entry_yaml("1.2", notice="衡总运 〔2025〕 23号", issued="2026-01-01", effective="2026-02-01", supersedes="1.1"),
        entry_yaml("1.1", notice="衡总运 〔2025〕23号"),
        entry_yaml("1.0"),
    )
    assert in_full(tmp_path, text) == []
    text = text.replace("衡总运 〔2025〕 23号", "'衡总运  〔2025〕23号'")
    assert in_full(tmp_path, text) == [
        (
            4,
            "revisions[0].notice",
            f"发文编号 衡总运  〔2025〕23号 已经用过（第 {line_of(text, 'notice:', 2)} 行）：每份总部发文的编号不同",
        )
    ]


def test_the_changes_rules_in_full(tmp_path):
    text = register(
        entry_yaml("1.1", changes="02-service.md,index.md,index.md,99-nothing.md,REC-99"), entry_yaml("1.0")
    )
    text = text.replace("具体说明本页改了什么内容。", "（写明这一页具体改了什么）", 1)
    assert in_full(tmp_path, text) == [
        (16, "revisions[0].changes[0].description", "还是 manual changes 给出的占位文字：写明这一页具体改了什么"),
        (19, "revisions[0].changes[2].page", "index.md 在本条修订中列了两次（第一次在第 17 行）：合并为一条说明"),
        (21, "revisions[0].changes[3].page", "受影响的页面（docs/ 下的文件） 99-nothing.md 不存在"),
        (23, "revisions[0].changes[4].page", "受影响的表格编号 REC-99 不存在"),
    ]


def test_a_page_must_exist_in_the_revision_that_names_it(tmp_path):
    # REC-03 came with 1.1: named by 1.1 it exists, named by 1.0 it does not
    def exists(version, page):
        return page in PAGES or (page == "REC-03" and version >= reg.Version(1, 1))

    context = reg.Context(roster=ROSTER, role_names=ROLES, page_exists=exists)
    assert in_full(tmp_path, register(entry_yaml("1.1", changes="REC-03"), entry_yaml("1.0")), context) == []
    text = register(entry_yaml("1.1"), entry_yaml("1.0", changes="REC-03"))
    assert in_full(tmp_path, text, context) == [
        (line_of(text, "page: REC-03"), "revisions[1].changes[0].page", "受影响的表格编号 REC-03 不存在")
    ]


def test_the_people_and_retraining_rules_in_full(tmp_path):
    text = register(entry_yaml("1.1", approved="TBD", retrain="[前台接待员, 前台小妹]"), entry_yaml("1.0"))
    roles = "、".join(sorted(ROLES))
    errors = in_full(tmp_path, text)
    assert [(line, field) for line, field, _ in errors] == [
        (11, "revisions[0].approved_by"),
        (12, "revisions[0].retrain[1]"),
    ]
    assert errors[1][2] == f"“前台小妹”不是手册中的岗位；可以写：{roles}"


def test_a_withdrawal_is_checked_after_one_of_an_unknown_version(tmp_path, roster_with_a_manager):
    withdrawals = WITHDRAWAL.format(v="1.5", d="2025-09-20", a="赵国强").replace("30号", "31号") + WITHDRAWAL.format(
        v="1.1", d="2025-09-20", a="孙丽"
    )
    text = register(
        entry_yaml("1.1", prepared="周敏", reviewed="王芳", approved="周敏"),
        entry_yaml("1.0", prepared="王芳", reviewed="孙丽", approved="赵国强"),
        withdrawals=withdrawals,
    )
    errors = in_full(tmp_path, text, roster_with_a_manager)
    assert [(line, field) for line, field, _ in errors] == [
        (11, "revisions[0].approved_by"),
        (line_of(text, "withdrawals:") + 1, "withdrawals[0].version"),
        (line_of(text, "withdrawals:") + 2, "withdrawals[1].approved_by"),
    ]
    assert errors[1][2] == "要撤销的版本 1.5 不在修订登记册中"
    assert errors[0][2] == "批准人不能是编写人本人（运营管理部 周敏）"
    assert errors[2][2].startswith("质量部 孙丽 在 2025-09-20 无权批准发文修订")


def test_the_withdrawal_rules_in_full(tmp_path):
    w = WITHDRAWAL.format(v="1.1", d="2025-09-10", a="何建华")  # on the issue day: allowed
    text = register(entry_yaml("1.1"), entry_yaml("1.0"), withdrawals=w)
    assert in_full(tmp_path, text) == []
    withdrawals = (
        WITHDRAWAL.format(v="1.5", d="2025-09-20", a="何建华").replace("30号", "31号")
        + w
        + WITHDRAWAL.format(v="1.1", d="2025-09-01", a="何建华").replace("30号", "32号")
        + WITHDRAWAL.format(v="1.0", d="2025-04-01", a="赵国强").replace("30号", "33号")
        + WITHDRAWAL.format(v="1.0", d="2025-03-01", a="赵国强").replace("30号", "34号")
    )
    text = register(entry_yaml("1.1"), entry_yaml("1.0"), withdrawals=withdrawals)
    first = line_of(text, "withdrawals:") + 1
    assert in_full(tmp_path, text) == [
        (first, "withdrawals[0].version", "要撤销的版本 1.5 不在修订登记册中"),
        (first + 2, "withdrawals[2].version", f"版本 1.1 已经撤销过（第 {first + 1} 行）"),
        (
            first + 3,
            "withdrawals[3].date",
            "版本 1.0 已于 2025-04-01 生效：只能在生效日期之前撤销；已生效的修订要更正，请登记新的修订",
        ),
        (first + 4, "withdrawals[4].version", f"版本 1.0 已经撤销过（第 {first + 3} 行）"),
    ]
    text = register(
        entry_yaml("1.1"), entry_yaml("1.0"), withdrawals=WITHDRAWAL.format(v="1.1", d="2025-09-09", a="何建华")
    )
    assert in_full(tmp_path, text) == [
        (
            line_of(text, "withdrawals:") + 1,
            "withdrawals[0].date",
            "撤销日期 2025-09-09 早于该版本的发布日期 2025-09-10",
        )
    ]


def test_a_register_that_is_not_a_mapping(tmp_path):
    assert in_full(tmp_path, "- version: '1.0'\n") == [(1, "", "应为含 revisions 字段的映射")]


# -- forms ------------------------------------------------------------------------------------------


def forms_errors(tmp_path: Path, name: str, text: str) -> list[str]:
    folder = tmp_path / "checklists"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    variables = load_facts(MINI / "facts").variables()
    try:
        load_forms(folder, {"index.md", "02-service.md"}, variables)
    except DataInvalid as exc:
        return [str(e) for e in exc.errors]
    return []


CHECKLIST = """\
    code: OPS-01
    title: 营业前检查表
    kind: checklist
    roles: ["{{ roles.front_desk }}"]
    frequency: 每日
    page: 02-service.md
    header_fields: [日期]
    signoff: [签字]
    sections:
      - title: 前台
        items:
          - {id: A1, text: 电话, standard: 能拨通}
"""


def test_a_good_form_passes_and_its_variables_are_written_in(tmp_path):
    assert forms_errors(tmp_path, "ops-01.yml", CHECKLIST) == []
    form = load_forms(tmp_path / "checklists", {"02-service.md"}, load_facts(MINI / "facts").variables())["OPS-01"]
    assert form.roles == ("前台接待员",)


@pytest.mark.parametrize(
    "change, fragment",
    [
        (("    title: 营业前检查表\n", ""), "缺少必填字段“title”"),
        (("kind: checklist", "kind: checklist\n    colour: red"), "未知的字段“colour”"),
        (("code: OPS-01", "code: OPS-02"), "编号 OPS-02 与文件名不符"),
        (
            (
                "- {id: A1, text: 电话, standard: 能拨通}",
                "- {id: A1, text: 电话, standard: 能拨通}\n          - {id: A1, text: 传真, standard: 有纸}",
            ),
            "检查项编号 A1 重复",
        ),
        (("page: 02-service.md", "page: 99-nothing.md"), "所属页面 99-nothing.md 不存在"),
        (("{{ roles.front_desk }}", "{{ roles.cleaner }}"), "没有这个事实：cleaner"),
        (("header_fields: [日期]", "header_fields: [{label: 检查类别, options: [自查]}]"), "至少要有 2 项"),
        (("header_fields: [日期]", "header_fields: [{name: 检查类别}]"), "写法不对"),
        (
            ("    sections:", "    columns: [{title: 序号}]\n    rows: 5\n    sections:"),
            "检查表（kind: checklist）只有 sections",
        ),
    ],
)
def test_form_rules(tmp_path, change, fragment):
    old, new = change
    text = CHECKLIST.replace(old, new, 1)
    assert text != CHECKLIST
    one(forms_errors(tmp_path, "ops-01.yml", text), fragment, "ops-01.yml:")


def test_preprinted_rows_need_room(tmp_path):
    record = """\
        code: REC-10
        title: 月度报表
        kind: record
        roles: [办事处负责人]
        frequency: 每月
        page: index.md
        header_fields: [月份]
        signoff: [签字]
        columns: [{title: 指标}, {title: 本月}]
        row_labels: [服务次数, 投诉件数, 满意度]
        rows: 2
    """
    one(forms_errors(tmp_path, "rec-10.yml", record), "少于预印的 3 行")


# -- facts ------------------------------------------------------------------------------------------


def write_facts(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def test_a_fact_is_defined_once(tmp_path):
    folder = write_facts(
        tmp_path / "facts",
        {"a.yml": "rules:\n  phone: {value: 3, unit: 声}\n", "b.yml": "rules:\n  phone: {value: 2, unit: 声}\n"},
    )
    with pytest.raises(DataInvalid, match=r"rules\.phone 已在 .*a\.yml:2 定义过"):
        load_facts(folder)


def test_a_fact_key_is_lowercase_english(tmp_path):
    folder = write_facts(tmp_path / "facts", {"a.yml": "rules:\n  电话: {value: 3, unit: 声}\n"})
    with pytest.raises(DataInvalid, match="只能用小写英文字母"):
        load_facts(folder)


def test_how_a_fact_reads():
    facts = load_facts(MINI / "facts")
    assert str(facts["rules.phone_rings"]) == "3声" and facts["rules.phone_rings"].value == 3
    assert str(facts["roles.front_desk"]) == "前台接待员" and str(facts["departments.hq"]) == "销售总部"


def test_a_governed_value_written_out_and_a_contradiction_are_found(tmp_path):
    facts = load_facts(MINI / "facts")
    page = tmp_path / "page.md"
    page.write_text(
        "前台接待员在铃响3声内接听。\n如果铃响5声还没人接，由{{ roles.office_head }}接听。\n{{ rules.phone_rings }}\n",
        encoding="utf-8",
    )
    uses = literal_uses(facts, [page])
    assert [(u.line, u.found, u.fact.path, u.contradicts) for u in uses] == [
        (1, "前台接待员", "roles.front_desk", False),
        (1, "铃响3声", "rules.phone_rings", False),
        (2, "铃响5声", "rules.phone_rings", True),
    ]
    assert "矛盾" in str(uses[2]) and "{{ rules.phone_rings }}" in str(uses[2])


def test_an_unused_fact_is_found():
    facts = load_facts(MINI / "facts")
    unused = unused_facts(facts, ["{{ rules.phone_rings }} {{ roles.front_desk }}"])
    assert {fact.path for fact in unused} >= {"rules.complaint_ack", "roles.office_head"}
    assert "rules.phone_rings" not in {fact.path for fact in unused}


def test_a_fact_key_may_not_be_a_method_of_a_mapping(tmp_path):
    folder = write_facts(tmp_path / "facts", {"a.yml": "rules:\n  items: {value: 3, unit: 件}\n"})
    with pytest.raises(DataInvalid, match="键 'items' 不能用"):
        load_facts(folder)


def test_a_namespace_key_called_name_reads_as_its_fact():
    """company.name is the company's name, not the namespace's (Jinja looks up attributes before keys)."""
    import jinja2

    variables = load_facts(MINI / "facts").variables()
    assert jinja2.Environment().from_string("{{ company.name }}").render(**variables) == "衡远仪器有限公司"
