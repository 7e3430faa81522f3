"""The checklists and the revision register: every file validates, and every kind of bad input is
caught with a message that names the file, the line and the field."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, build
from opsmanual.forms import load_forms
from opsmanual.register import Version, load_register
from opsmanual.yamldata import DataInvalid


def errors_of(call) -> list[str]:
    with pytest.raises(DataInvalid) as caught:
        call()
    return [str(error) for error in caught.value.errors]


def test_every_shipped_form_and_revision_validates():
    forms = load_forms(ROOT / "checklists", ROOT / "docs")
    register = load_register(ROOT / "revisions.yml", ROOT / "docs", set(forms.forms))
    assert len(forms) >= 21
    assert {"SOS-01", "SOS-02", "SOS-03", "SOS-04", "OPS-01", "OPS-02", "OPS-03", "OPS-04", "OPS-05", "OPS-06",
            "REC-01", "REC-02", "REC-03", "REC-04", "REC-05", "REC-06"} <= set(forms.forms)
    assert len(register.revisions) >= 3
    assert {r.kind for r in register} == {"全面换版", "发文修订"}


def test_every_position_has_its_sos_checklist():
    forms = load_forms(ROOT / "checklists", ROOT / "docs")
    roles = {role for form in forms if form.code.startswith("SOS") for role in form.roles}
    assert {"办事处负责人", "前台接待员", "服务工程师", "备件管理员"} <= roles


# -- forms: each error class, seeded in a copy ---------------------------------------------------

def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(file: Path, fragment: str) -> int:
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in {file}")


def form_errors(project: Path) -> list[str]:
    return errors_of(lambda: load_forms(project / "checklists", project / "docs"))


def test_missing_title(project):
    file = project / "checklists" / "ops-01.yml"
    edit(file, "title: 营业前检查表\n", "")
    assert form_errors(project) == [f"{file}:2: title: missing required field 'title'"]


def test_unknown_key(project):
    file = project / "checklists" / "ops-01.yml"
    edit(file, "frequency:", "colour: 蓝色\nfrequency:")
    line = line_of(file, "colour:")
    [message] = form_errors(project)
    assert message.startswith(f"{file}:{line}: colour: unknown key 'colour'; expected one of: ")


def test_duplicate_code(project):
    copy = project / "checklists" / "ops-99.yml"
    copy.write_text((project / "checklists" / "ops-01.yml").read_text(encoding="utf-8"), encoding="utf-8")
    messages = form_errors(project)
    assert any(m.startswith(f"{copy}:") and "code" in m and "does not match the file name" in m for m in messages)
    assert any(f"duplicate code 'OPS-01' (also in {project / 'checklists' / 'ops-01.yml'})" in m for m in messages)


def test_duplicate_item_id(project):
    file = project / "checklists" / "ops-01.yml"
    edit(file, "id: A2", "id: A1")
    line = [n for n, text in enumerate(file.read_text(encoding="utf-8").splitlines(), 1) if "id: A1" in text][1]
    [message] = form_errors(project)
    assert message.startswith(f"{file}:{line}: sections[0].items[1].id: duplicate item id 'A1' (first used on line ")


def test_wrong_type(project):
    file = project / "checklists" / "rec-04.yml"
    edit(file, "rows: 18", "rows: 很多")
    [message] = form_errors(project)
    assert message == f"{file}:{line_of(file, 'rows:')}: rows: expected integer, got str '很多'"


def test_empty_section(project):
    file = project / "checklists" / "ops-01.yml"
    text = file.read_text(encoding="utf-8")
    start = text.index("  - title:", text.index("sections:"))
    end = text.index("  - title:", start + 1)
    file.write_text(text[:start] + "  - title: 空的一节\n    items: []\n" + text[end:], encoding="utf-8")
    [message] = form_errors(project)
    assert message.startswith(f"{file}:{line_of(file, 'items: []')}: sections[0].items: must not be empty")


def test_reference_to_a_missing_page(project):
    file = project / "checklists" / "ops-01.yml"
    edit(file, "page: 04-duty.md", "page: 99-nowhere.md")
    [message] = form_errors(project)
    assert message == f"{file}:{line_of(file, 'page:')}: page: page '99-nowhere.md' does not exist under {project / 'docs'}/"


def test_yaml_syntax_error(project):
    file = project / "checklists" / "ops-01.yml"
    edit(file, "frequency: ", "frequency: [未闭合的列表\nbroken: ")
    [message] = form_errors(project)
    assert re.match(rf"{re.escape(str(file))}:\d+: YAML syntax error: ", message)


def test_duplicate_yaml_key(project):
    file = project / "checklists" / "rec-04.yml"
    edit(file, "rows: 18", "rows: 18\nrows: 20")
    [message] = form_errors(project)
    assert message == f"{file}:{line_of(file, 'rows: 20')}: rows: duplicate key 'rows' (first given on line {line_of(file, 'rows: 18')})"


def test_checklist_with_record_columns_is_refused(project):
    file = project / "checklists" / "ops-01.yml"
    edit(file, "sections:", "rows: 3\nsections:")
    [message] = form_errors(project)
    assert "a checklist (kind: checklist) has sections, not columns or rows" in message


def test_bad_form_fails_the_build_with_the_file_named(project):
    file = project / "checklists" / "ops-01.yml"
    edit(file, "title: 营业前检查表\n", "")
    result = build(project)
    assert result.returncode != 0
    assert f"{file}:2: title: missing required field 'title'" in result.stderr
    assert not (project / "site" / "04-duty" / "index.html").exists()


# -- the register: each rule ----------------------------------------------------------------------

def register_errors(project: Path) -> list[str]:
    forms = load_forms(project / "checklists", project / "docs")
    return errors_of(lambda: load_register(project / "revisions.yml", project / "docs", set(forms.forms)))


def test_version_titles():
    assert Version.parse("1.0").title == "第1版"
    assert Version.parse("1.2").title == "第1版第2次修订"
    assert Version.parse("2.0").title == "第2版"
    assert Version.parse("1.10") > Version.parse("1.9")


def test_unquoted_version_is_explained(project):
    file = project / "revisions.yml"
    edit(file, 'version: "1.1"', "version: 1.1")
    [message] = register_errors(project)
    assert message == f"{file}:{line_of(file, 'version: 1.1')}: revisions[1].version: expected string, got float 1.1 (write it in quotes, e.g. \"1.10\")"


def test_duplicate_version(project):
    file = project / "revisions.yml"
    edit(file, 'version: "1.1"', 'version: "1.2"')
    messages = register_errors(project)
    assert any("revisions[1].version: version 1.2 is registered twice" in m for m in messages)


def test_versions_must_increase(project):
    file = project / "revisions.yml"
    edit(file, 'version: "1.2"', 'version: "1.0"')
    messages = register_errors(project)
    assert any(m.startswith(f"{file}:") and "registered twice" in m for m in messages)


def test_effective_before_issue(project):
    file = project / "revisions.yml"
    edit(file, "effective: 2026-06-01", "effective: 2026-05-01")
    [message] = register_errors(project)
    assert message == f"{file}:{line_of(file, 'effective: 2026-05-01')}: revisions[0].effective: effective date 2026-05-01 is before the issue date 2026-05-15"


def test_later_version_with_earlier_date(project):
    file = project / "revisions.yml"
    edit(file, "issued: 2026-05-15\n    effective: 2026-06-01", "issued: 2025-05-15\n    effective: 2025-06-01")
    messages = register_errors(project)
    assert any("revisions[0].issued: issued date 2025-05-15 is earlier than that of the previous revision 1.1" in m for m in messages)


def test_affected_page_must_exist(project):
    file = project / "revisions.yml"
    edit(file, "page: 04-duty.md", "page: 44-duty.md")
    [message] = register_errors(project)
    assert message == f"{file}:{line_of(file, 'page: 44-duty.md')}: revisions[0].changes[0].page: affected page under {project / 'docs'}/ '44-duty.md' does not exist"


def test_notice_amendment_needs_a_notice_number(project):
    file = project / "revisions.yml"
    edit(file, "    notice: 衡总运〔2026〕9号\n", "")
    [message] = register_errors(project)
    line = line_of(file, 'version: "1.2"')
    assert message.startswith(f"{file}:{line}: revisions[0]: version 1.2 is a 发文修订: its HQ notice number")


def test_amendment_must_be_a_notice(project):
    file = project / "revisions.yml"
    edit(file, "kind: 发文修订", "kind: 全面换版")
    messages = register_errors(project)
    assert any("revisions[0].kind: version 1.2 is an amendment and must be a 发文修订" in m for m in messages)


def test_vague_description_is_refused(project):
    file = project / "revisions.yml"
    edit(file, "description: 营业日时间表增加 11:50 午休前巡查，营业中巡查由每日三次改为四次；记录保存要求同步改为记录 4 次巡查。", "description: 更新")
    [message] = register_errors(project)
    assert message.startswith(f"{file}:{line_of(file, 'description: 更新')}: revisions[0].changes[0].description: must not be empty")
