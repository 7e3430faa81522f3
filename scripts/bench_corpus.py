"""The synthetic manual of scripts/bench.py: seeded Chinese pages, checklists and a revision register.

One corpus, two renderings of it:

* ``ours``: a project made from the real mkdocs.yml (its nav replaced by the synthetic chapters, the
  generated entries 附件一 forms/index.md and 修订管理 revisions/index.md kept, a tags index added),
  macros/, overrides/, the site's own assets, search-dictionary.txt, synthetic checklists and a
  synthetic register with archived history, so that every feature runs: the form macro on every page,
  form pages, print-all, the register, redlines, kits, page history, tags, jieba search.
* ``stock``: the same pages for a plain mkdocs-material config: no macros (the checklist is a plain
  Markdown table of the same items, the company name is written out), no opsmanual plugin, search
  with jieba. Two navigation settings: Material's defaults, and the theme features of mkdocs.yml.

Pages: ``ch001/index.md``, ``ch001/p02.md`` … ten to a chapter (a nav section), each with a title,
four ``##`` and two ``###`` headings (Chinese anchors), ~1,500 characters of text, two tables, six
links to headings of other pages and one 20-item checklist.
"""

from __future__ import annotations

import datetime
import posixpath
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPANY_SHORT = "衡远"
PAGES_PER_CHAPTER = 10

WORDS = [
    "办事处",
    "负责人",
    "接待台",
    "工程组",
    "备件组",
    "内勤组",
    "客户",
    "仪器",
    "维修",
    "保养",
    "备件",
    "库存",
    "盘点",
    "登记",
    "检查",
    "巡查",
    "值班",
    "交接",
    "营业",
    "现金",
    "收据",
    "发票",
    "报表",
    "档案",
    "培训",
    "考核",
    "安全",
    "消防",
    "设备",
    "电源",
    "门窗",
    "钥匙",
    "保险柜",
    "投诉",
    "回访",
    "工单",
    "报价",
    "合同",
    "预约",
    "上门",
    "送修",
    "取件",
    "检测",
    "校准",
    "质量",
    "标准",
    "时限",
    "流程",
    "记录",
    "签字",
    "审核",
    "批准",
    "总部",
    "区域",
    "分中心",
    "通知",
    "修订",
    "手册",
    "岗位",
    "职责",
    "规范",
    "程序",
    "步骤",
    "要求",
    "情况",
    "问题",
    "原因",
    "措施",
    "结果",
    "日期",
    "时间",
    "每日",
    "每周",
    "每月",
    "季度",
    "年度",
    "及时",
    "准确",
    "完整",
    "清楚",
    "核对",
    "确认",
    "上报",
    "存档",
    "保存",
    "销毁",
    "复印",
    "打印",
    "张贴",
    "传达",
    "系统",
    "数据",
    "备份",
    "网络",
    "电话",
    "邮件",
    "热线",
    "服务台",
    "接待区",
    "维修区",
    "备件库",
    "档案柜",
    "会议室",
    "洗手间",
    "照明",
    "空调",
    "能源",
    "节约",
    "用水",
    "用电",
    "清洁",
    "卫生",
    "整理",
    "摆放",
    "标识",
    "标签",
    "编号",
    "名称",
    "数量",
    "金额",
    "单价",
    "余额",
    "差额",
    "账实",
    "相符",
    "异常",
    "故障",
    "事故",
    "事件",
    "报告",
    "处理",
    "跟进",
    "关闭",
    "满意度",
    "调查",
    "推广",
    "活动",
    "宣传",
    "展会",
    "拜访",
    "新客户",
    "老客户",
    "员工",
    "新员工",
    "主管",
    "经理",
    "同事",
    "本人",
    "岗位规范检查表",
    "运营检查表",
    "更新记录表",
    "营运手册",
    "服务站",
]
TOPICS = [
    "客户接待",
    "电话咨询",
    "上门服务",
    "送修登记",
    "维修质量",
    "备件出库",
    "备件入库",
    "库存盘点",
    "现金管理",
    "收据管理",
    "发票开具",
    "月度报表",
    "档案保存",
    "员工培训",
    "新员工入职",
    "岗位考核",
    "值班安排",
    "交接班",
    "营业前准备",
    "营业中巡查",
    "营业后收尾",
    "安全检查",
    "消防演练",
    "钥匙管理",
    "保险柜管理",
    "设备维护",
    "能源节约",
    "清洁卫生",
    "投诉受理",
    "投诉处理",
    "客户回访",
    "满意度调查",
    "服务推广",
    "展会参展",
    "客户拜访",
    "合同管理",
    "报价审批",
    "数据备份",
    "网络维护",
    "信息沟通",
    "通知传达",
    "手册借阅",
    "手册修订",
    "过时资料销毁",
    "突发事件",
    "事故报告",
    "质量抽查",
    "校准管理",
    "工具管理",
    "车辆使用",
    "费用报销",
    "采购申请",
    "供应商评价",
    "办公用品",
    "会议管理",
    "印章管理",
    "文件收发",
    "访客登记",
    "停电处理",
    "防盗措施",
    "监控管理",
    "服务热线",
    "服务时限",
    "故障分析",
    "返修处理",
    "保修判断",
    "旧件回收",
    "标签管理",
    "区域协作",
    "总部检查",
    "自查整改",
]
ROLES = ("办事处负责人", "前台接待员", "服务工程师", "备件管理员", "商务内勤")
TAGS = tuple(TOPICS[:30])
CHECKLIST_CODES = tuple(f"SOS-{i:02d}" for i in range(1, 5)) + tuple(f"OPS-{i:02d}" for i in range(1, 11))
RECORD_CODES = tuple(f"REC-{i:02d}" for i in range(1, 7))  # REC-05 and REC-06 are the revision kit's forms


@dataclass
class Page:
    path: str  # under docs/
    title: str
    chapter: int
    headings: list[str]  # ## and ### headings, in order: h2, h3, h2, h3, h2, h2
    tags: list[str]
    form: str  # the checklist embedded in the page
    body: dict = field(default_factory=dict)  # variant -> markdown


@dataclass
class Form:
    code: str
    title: str
    page: str
    sections: list[tuple[str, list[tuple[str, str, str]]]]  # (title, [(id, text, standard)])


class Text:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def sentence(self, low: int = 6, high: int = 14) -> str:
        words = [self.rng.choice(WORDS) for _ in range(self.rng.randint(low, high))]
        if len(words) > 7:
            words.insert(self.rng.randint(3, len(words) - 3), "，")
        if self.rng.random() < 0.2:
            words.insert(1, f"在 {self.rng.randint(2, 48)} 个班次内")
        return "".join(words) + "。"

    def paragraph(self, chars: int) -> str:
        out = ""
        while len(out) < chars:
            out += self.sentence()
        return out

    def phrase(self, low: int = 2, high: int = 5) -> str:
        return "".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(low, high)))


def chapter_title(chapter: int) -> str:
    return f"第{chapter}章 {TOPICS[(chapter - 1) % len(TOPICS)]}"


def make_corpus(n: int, seed: int = 8) -> tuple[list[Page], dict[str, Form]]:
    rng = random.Random(seed)
    text = Text(rng)
    pages: list[Page] = []
    for i in range(n):
        chapter, within = divmod(i, PAGES_PER_CHAPTER)
        chapter += 1
        path = f"ch{chapter:03d}/index.md" if within == 0 else f"ch{chapter:03d}/p{within + 1:02d}.md"
        title = chapter_title(chapter) if within == 0 else f"{chapter}.{within + 1} {rng.choice(TOPICS)}"
        headings = [
            f"{topic}{suffix}"
            for topic, suffix in zip(
                rng.sample(TOPICS, 6), ("的要求", "的步骤", "的标准", "的记录", "的职责", "的检查")
            )
        ]
        pages.append(
            Page(path, title, chapter, headings, rng.sample(TAGS, 3), CHECKLIST_CODES[i % len(CHECKLIST_CODES)])
        )

    forms: dict[str, Form] = {}
    for k, code in enumerate(CHECKLIST_CODES):
        embedding = next((p.path for p in pages if p.form == code), pages[0].path)
        sections = []
        for s, letter in enumerate("ABCD"):
            items = [(f"{letter}{j}", text.phrase(3, 5), text.sentence(5, 9)) for j in range(1, 6)]
            sections.append((f"{TOPICS[(k * 4 + s) % len(TOPICS)]}", items))
        forms[code] = Form(code, f"{TOPICS[(k * 7) % len(TOPICS)]}检查表", embedding, sections)
    for k, code in enumerate(RECORD_CODES):
        forms[code] = Form(code, f"{TOPICS[(k * 5 + 3) % len(TOPICS)]}记录表", "index.md", [])

    for i, page in enumerate(pages):
        page.body = render_page(page, pages, forms, text, rng)
    return pages, forms


def link(from_page: Page, to_page: Page, anchor: str) -> str:
    href = posixpath.relpath(to_page.path, posixpath.dirname(from_page.path))
    return f"[{anchor}]({href}#{anchor})"


def table(text: Text) -> str:
    rows = ["| 岗位 | 时限 | 标准 |", "|---|---|---|"]
    for _ in range(4):
        rows.append(f"| {text.rng.choice(ROLES)} | {text.rng.randint(1, 24)} 个班次内 | {text.phrase(4, 7)} |")
    return "\n".join(rows)


def stock_checklist(form: Form) -> str:
    rows = [
        f"**{form.code} {form.title}**",
        "",
        "使用岗位：" + "、".join(ROLES[:3]) + "　频次：每个营业日",
        "",
        "| 编号 | 检查项目 | 检查标准 | 是 | 否 | 不适用 |",
        "|---|---|---|---|---|---|",
    ]
    for _, items in form.sections:
        rows += [f"| {i} | {t} | {s} | ☐ | ☐ | ☐ |" for i, t, s in items]
    return "\n".join(rows)


def render_page(page: Page, pages: list[Page], forms: dict[str, Form], text: Text, rng: random.Random) -> dict:
    others = [p for p in pages if p is not page] or [page]
    links = []
    for _ in range(6):
        target = rng.choice(others)
        links.append(link(page, target, rng.choice(target.headings)))
    h = page.headings
    blocks = [
        "{company}" + text.paragraph(120),
        f"## {h[0]}",
        text.paragraph(200) + f"详见{links[0]}，并参阅{links[1]}。",
        table(text),
        f"### {h[1]}",
        text.paragraph(220),
        f"## {h[2]}",
        text.paragraph(220) + f"相关程序见{links[2]}和{links[3]}。",
        table(text),
        f"### {h[3]}",
        text.paragraph(220),
        f"## {h[4]}",
        text.paragraph(200) + f"另见{links[4]}与{links[5]}。",
        f"## {h[5]}",
        text.paragraph(120) + "每次检查使用下表，逐项填写并签字。",
        "{form}",
    ]
    tags = "".join(f"\n  - {tag}" for tag in page.tags)
    head = f"---\ntitle: {page.title}\nowner: operations\nreview: 2027-06-01\ntags:{tags}\n---\n\n# {page.title}\n\n"
    source = head + "\n\n".join(blocks) + "\n"
    form = forms[page.form]
    return {
        "ours": source.replace("{company}", "{{ company.short_name }}").replace(
            "{form}", f'{{{{ form("{form.code}") }}}}'
        ),
        "stock": source.replace("{company}", COMPANY_SHORT).replace("{form}", stock_checklist(form)),
    }


# -- checklists and register (ours) ---------------------------------------------------------------


def form_yaml(form: Form) -> str:
    if form.code in ("REC-05", "REC-06"):  # the revision kit fills in their real fields
        real = (ROOT / "checklists" / f"{form.code.lower()}.yml").read_text(encoding="utf-8")
        return re.sub(r"(?m)^page: .*$", f"page: {form.page}", real)
    lines = [
        f"code: {form.code}",
        f"title: {form.title}",
        f"kind: {'checklist' if form.sections else 'record'}",
        "roles: [" + ", ".join(f'"{{{{ roles.{ROLE_FACTS[r]} }}}}"' for r in ROLES[:3]) + "]",
        "frequency: 每个营业日",
        f"page: {form.page}",
        f"purpose: 确认{form.title[:-3]}的各项要求每天落实。",
        "instructions:",
        '  - "{{ roles.duty_lead }}逐项勾选“是/否/不适用”，不符合的在备注中写明原因和处理结果。"',
        "header_fields: [办事处, 日期, 检查人]",
        'signoff: [检查人签字, "{{ roles.office_head }}审阅"]',
    ]
    if form.sections:
        lines.append("sections:")
        for title, items in form.sections:
            lines += [f"  - title: {title}", "    items:"]
            for ident, item, standard in items:
                lines += [
                    f"      - id: {ident}",
                    f'        text: "{controlled(item)}"',
                    f'        standard: "{controlled(standard)}"',
                ]
    else:
        lines += [
            "columns:",
            "  - {title: 序号, width: 0.5}",
            "  - {title: 日期}",
            "  - {title: 内容, width: 2}",
            "  - {title: 经办人}",
            "  - {title: 签字}",
            "rows: 12",
        ]
    return "\n".join(lines) + "\n"


def register_entry(version: str, changes: list[tuple[str, str]], day: int) -> str:
    minor = int(version.split(".")[1])
    kind = "全面换版" if minor == 0 else "发文修订"
    issued = (datetime.date(2025, 1, 1) + datetime.timedelta(days=day)).isoformat()
    lines = [f'  - version: "{version}"', f"    kind: {kind}"]
    if minor:
        lines.append(f"    notice: 衡总运〔2025〕{minor}号")
    lines += [
        f"    issued: {issued}",
        f"    effective: {issued}",
        f"    summary: 基准修订 {version}，修改{len(changes)}处。",
        "    reason: 基准测试的合成修订。",
        "    prepared_by: 运营管理部 周敏",
        # roster.yml: a full reissue is reviewed and approved by others than an amendment
        "    reviewed_by: 人力资源部 王芳" if not minor else "    reviewed_by: 行政部 陈立",
        "    approved_by: 销售总部总经理 赵国强" if not minor else "    approved_by: 销售总部副总经理 何建华",
        "    retrain: [前台接待员]",
    ]
    if minor:
        lines.append(f'    supersedes: "1.{minor - 1}"')
    lines.append("    changes:")
    for page, description in changes:
        lines += [f"      - page: {page}", f"        description: {description}"]
    return "\n".join(lines) + "\n"


def register_yaml(entries: list[str]) -> str:
    """entries oldest first; the register lists them newest first."""
    return "revisions:\n" + "".join(reversed(entries))


def amend(root: Path, pages: list[Page], k: int) -> list[tuple[str, str]]:
    """The content change of amendment 1.k: a sentence added to one page, a standard changed in one form."""
    page = pages[(k * 7) % len(pages)]
    file = root / "docs" / page.path
    source = file.read_text(encoding="utf-8")
    marker = f"\n# {page.title}\n\n"
    file.write_text(
        source.replace(marker, f"{marker}自第1版第{k}次修订起，本页程序按总部第{k}号通知执行。\n\n", 1),
        encoding="utf-8",
    )
    code = CHECKLIST_CODES[k % len(CHECKLIST_CODES)]
    form_file = root / "checklists" / f"{code.lower()}.yml"
    text = form_file.read_text(encoding="utf-8")
    form_file.write_text(
        text.replace('        standard: "', f'        standard: "（第{k}次修订）', 1), encoding="utf-8"
    )
    return [(page.path, f"增加第{k}号通知的执行要求。"), (code, f"A1 的检查标准按第{k}号通知修改。")]


# -- the projects -----------------------------------------------------------------------------------


def nav(pages: list[Page], ours: bool) -> list:
    out: list = [{"首页": "index.md"}]
    chapters: dict[int, list] = {}
    for page in pages:
        chapters.setdefault(page.chapter, []).append(
            page.path if page.path.endswith("index.md") else {page.title: page.path}
        )
    out += [{chapter_title(c): entries} for c, entries in chapters.items()]
    if ours:
        out += [
            {"附件一 表格汇编": "forms/index.md"},
            {"附件二 管理索引": "annex-index.md"},
            {"修订管理": "revisions/index.md"},
        ]
    return out


def nav_yaml(entries: list, indent: str = "  ") -> str:
    lines = []
    for entry in entries:
        if isinstance(entry, str):
            lines.append(f"{indent}- {entry}")
            continue
        ((title, value),) = entry.items()
        if isinstance(value, str):
            lines.append(f'{indent}- "{title}": {value}')
        else:
            lines.append(f'{indent}- "{title}":')
            lines.append(nav_yaml(value, indent + "    "))
    return "\n".join(lines)


def replace_nav(config: str, new_nav: str) -> str:
    """The real mkdocs.yml with its top-level nav: replaced."""
    lines = config.splitlines()
    start = next(i for i, line in enumerate(lines) if line.rstrip() == "nav:")
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " -#"):
        end += 1
    return "\n".join(lines[:start] + ["nav:", new_nav] + lines[end:]) + "\n"


def home(pages: list[Page], forms: dict[str, Form], variant: str) -> str:
    """The home page: the chapters, and the record forms (each form is embedded in its page)."""
    chapters = [p for p in pages if p.path.endswith("/index.md")]
    items = "\n".join(f"- [{p.title}]({p.path})" for p in chapters)
    company = "{{ company.name }}" if variant == "ours" else "衡远仪器有限公司"
    records = []
    for code in RECORD_CODES:
        if variant == "ours":
            records.append(f'{{{{ form("{code}") }}}}')
        else:
            records.append(
                f"**{code} {forms[code].title}**\n\n| 序号 | 日期 | 内容 | 经办人 | 签字 |\n|---|---|---|---|---|\n"
                + "\n".join("|  |  |  |  |  |" for _ in range(12))
            )
    return (
        f"---\ntitle: 首页\nowner: operations\nreview: 2027-06-01\n---\n\n# 首页\n\n本手册是{company}办事处营运手册的合成基准版本。\n\n{items}\n\n"
        "## 登记表与记录表\n\n" + "\n\n".join(records) + "\n"
    )


MARKDOWN_EXTENSIONS = """markdown_extensions:
  - abbr
  - admonition
  - attr_list
  - def_list
  - footnotes
  - md_in_html
  - tables
  - toc:
      permalink: true
      slugify: !!python/object/apply:pymdownx.slugs.slugify {kwds: {case: lower}}
  - pymdownx.details
  - pymdownx.highlight
  - pymdownx.superfences
  - pymdownx.tasklist:
      custom_checkbox: true
"""


def theme_features() -> list[str]:
    """The theme features of the real mkdocs.yml."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    block = text.split("  features:\n", 1)[1]
    return [line.strip()[2:] for line in block.splitlines() if line.startswith("    - ")][:50]


def stock_config(pages: list[Page], features: list[str]) -> str:
    feature_lines = "".join(f"    - {f}\n" for f in features) if features else ""
    return (
        "site_name: 办事处营运手册\nsite_url: https://manual.example.internal/\n"
        "theme:\n  name: material\n  language: zh\n  font: false\n"
        + (f"  features:\n{feature_lines}" if features else "")
        + MARKDOWN_EXTENSIONS
        + "plugins:\n  - search:\n      lang: zh\n      separator: '[\\s\\u200b\\-]+'\n"
        "      jieba_dict_user: search-dictionary.txt\n" + "nav:\n" + nav_yaml(nav(pages, ours=False)) + "\n"
    )


ROLE_FACTS = {
    "办事处负责人": "office_head",
    "前台接待员": "front_desk",
    "服务工程师": "engineer",
    "备件管理员": "parts_keeper",
    "商务内勤": "clerk",
}  # facts/roles.yml
FACT_USE = re.compile(r"\{\{\s*([a-z_]+)\.([a-z_0-9]+)")


def controlled_names() -> list[tuple[str, str]]:
    """(name, its variable) of every role and department of the real facts, longest first."""
    import yaml

    found = []
    for namespace in ("roles", "departments"):
        data = yaml.safe_load((ROOT / "facts" / f"{namespace}.yml").read_text(encoding="utf-8"))[namespace]
        for key, value in data.items():
            name = value.get("name") if isinstance(value, dict) else value
            if isinstance(name, str):
                found.append((name, f"{{{{ {namespace}.{key} }}}}"))
    return sorted(found, key=lambda item: -len(item[0]))


def controlled(text: str) -> str:
    """Ours writes roles and departments as the real manual does, by their facts ({{ roles.front_desk }}): written
    as text (the synthetic words run together into 值班负责人, 区域分中心 …) the file control check refuses them."""
    for name, variable in controlled_names():
        text = text.replace(name, variable)
    return text


def write_facts(root: Path) -> None:
    """The real facts, each namespace cut down to the facts the project uses (an unused fact is refused)."""
    import yaml

    used = set()
    for folder in ("docs", "checklists"):
        for file in (root / folder).rglob("*.*"):
            used |= set(FACT_USE.findall(file.read_text(encoding="utf-8")))
    (root / "facts").mkdir(exist_ok=True)
    for file in sorted((ROOT / "facts").glob("*.yml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        kept = {
            namespace: {k: v for k, v in values.items() if (namespace, k) in used}
            for namespace, values in data.items()
            if isinstance(values, dict)
        }
        kept = {namespace: values for namespace, values in kept.items() if values}
        if kept:
            (root / "facts" / file.name).write_text(
                yaml.safe_dump(kept, allow_unicode=True, sort_keys=False), encoding="utf-8"
            )


def write_docs(root: Path, pages: list[Page], forms: dict[str, Form], variant: str) -> None:
    docs = root / "docs"
    mark = controlled if variant == "ours" else (lambda text: text)
    for page in pages:
        file = docs / page.path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(mark(page.body[variant]), encoding="utf-8")
    (docs / "index.md").write_text(mark(home(pages, forms, variant)), encoding="utf-8")


def make_stock(root: Path, pages: list[Page], forms: dict[str, Form], features: list[str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    write_docs(root, pages, forms, "stock")
    shutil.copy2(ROOT / "search-dictionary.txt", root / "search-dictionary.txt")
    (root / "mkdocs.yml").write_text(stock_config(pages, features), encoding="utf-8")
    return root


def make_ours(root: Path, pages: list[Page], forms: dict[str, Form], history: bool = True) -> Path:
    """The project with every feature on. history: register 1.0-1.2 with archived 1.0 and 1.1 (redlines);
    without it, a register with 1.0 only and no history/ (a repository about to publish its first version)."""
    root.mkdir(parents=True, exist_ok=True)
    # The real roster (the register entries name its people); the facts are written once the text is (write_facts).
    shutil.copytree(ROOT / "overrides", root / "overrides", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "roster.yml", root / "roster.yml")
    # The stylesheets, scripts and favicon are in overrides/ (the theme's custom_dir).
    shutil.copy2(ROOT / "search-dictionary.txt", root / "search-dictionary.txt")
    shutil.copy2(ROOT / ".gitignore", root / ".gitignore")
    write_docs(root, pages, forms, "ours")
    (root / "docs" / "annex-index.md").write_text(
        "---\ntitle: 附件二 管理索引\nowner: operations\nreview: 2027-06-01\n---\n\n# 附件二 管理索引\n\n按主题词列出的页面。\n\n<!-- material/tags -->\n",
        encoding="utf-8",
    )
    (root / "checklists").mkdir(exist_ok=True)
    for form in forms.values():
        (root / "checklists" / f"{form.code.lower()}.yml").write_text(form_yaml(form), encoding="utf-8")
    write_facts(root)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(replace_nav(config, nav_yaml(nav(pages, ours=True))), encoding="utf-8")
    entries = [register_entry("1.0", [("index.md", "首次发布合成基准手册。")], 0)]
    (root / "revisions.yml").write_text(register_yaml(entries), encoding="utf-8")
    if history:
        from opsmanual.data.snapshot import working_tree
        from opsmanual.project import Project
        from opsmanual.publish.archive import write_archive

        for k in (1, 2):
            project = Project.load(root)
            write_archive(working_tree(project), project.archive_dir(f"1.{k - 1}"))
            entries.append(register_entry(f"1.{k}", amend(root, pages, k), 10 * k))
            (root / "revisions.yml").write_text(register_yaml(entries), encoding="utf-8")
    (root / "revisions.yml").write_text(register_yaml(entries), encoding="utf-8")
    return root
