"""mkdocs' and mkdocs-macros' messages, in Chinese for the editors who read them.

Only the messages an editor meets when a page is wrong are translated (broken links and anchors, pages left
out of the navigation, undefined variables); anything else is shown as it is, after the translated ones.
"""

from __future__ import annotations

import re

PATTERNS = (
    (
        re.compile(
            r"Doc file '([^']+)' contains a link '([^']+)', but the target '([^']+)' is not found among documentation files\."
        ),
        "页面 {0} 的链接 {1} 指向不存在的页面 {2}",
    ),
    (
        re.compile(r"Doc file '([^']+)' contains a link '([^']+)', but there is no such anchor on this page\."),
        "页面 {0} 的链接 {1} 指向本页不存在的锚点",
    ),
    (
        re.compile(
            r"Doc file '([^']+)' contains a link '([^']+)', but the doc '([^']+)' does not contain an anchor '([^']+)'\."
        ),
        "页面 {0} 的链接 {1}：页面 {2} 中没有锚点 {3}",
    ),
    (
        re.compile(r"Doc file '([^']+)' contains an unrecognized relative link '([^']+)', it was left as is\.(.*)"),
        "页面 {0} 的链接 {1} 无法识别（链接应写成 docs/ 下文件的相对路径，如 02-service.md#锚点）",
    ),
    (
        re.compile(r"Doc file '([^']+)' contains an absolute link '([^']+)', it was left as is\.(.*)"),
        "页面 {0} 的链接 {1} 是绝对路径（应写成 docs/ 下文件的相对路径）",
    ),
    (
        re.compile(
            r"A reference to '([^']+)' is included in the 'nav' configuration, which is not found in the documentation files\."
        ),
        "mkdocs.yml 的 nav 引用了不存在的页面 {0}",
    ),
    (
        re.compile(
            r"The following pages exist in the docs directory, but are not included in the \"nav\" configuration:"
        ),
        "以下页面在 docs/ 中，但不在 mkdocs.yml 的 nav 中：",
    ),
    (re.compile(r"Error reading page '([^']+)': (.*)"), "读取页面 {0} 时出错：{1}"),
    (re.compile(r"Error building page '([^']+)': (.*)"), "生成页面 {0} 时出错：{1}"),
    (re.compile(r"'([^']+)' is undefined"), "变量 {0} 没有定义（可用的变量见 facts/*.yml，宏见 AUTHORING.md）"),
    (re.compile(r"has no attribute '([^']+)'"), "没有这个事实：{0}（见 facts/*.yml）"),
    (re.compile(r"Aborted with (\d+) warnings in strict mode!"), "严格模式下有 {0} 条警告，构建中止"),
    (re.compile(r"Config value '([^']+)': (.*)"), "mkdocs.yml 的 {0} 有误：{1}"),
)
PREFIX = re.compile(r"^(?:\x1b\[[0-9;]*m)*(ERROR|WARNING|INFO|DEBUG)\s*-\s*(?:\x1b\[[0-9;]*m)*\s*")


def translate(line: str) -> str:
    text = PREFIX.sub("", line).rstrip()
    for pattern, chinese in PATTERNS:
        match = pattern.search(text)
        if match:
            return chinese.format(*match.groups())
    return text


def problems(stderr: str) -> list[str]:
    """The lines of a failed mkdocs run that say what is wrong, translated."""
    lines = []
    for raw in stderr.splitlines():
        if PREFIX.match(raw) and not raw.lstrip("\x1b[0123456789;m").startswith(("INFO", "DEBUG")):
            lines.append(translate(raw))
        elif raw.startswith("  ") and lines:
            lines.append(raw.rstrip())
    return [line for line in lines if line.strip()]
